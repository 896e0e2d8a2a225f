"""Fixtures for the example suite: the two orders clients and a fake sleep.

The ``apigw_fault`` fixture and marker come from the plugin itself, which
pytest loads through its entry point; nothing needs registering here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from orders_client import OrdersClient


class FakeSleep:
    """An ``asyncio.sleep`` stand-in that records the delays, and returns."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> FakeSleep:
    """Pass to ``AsyncOrdersClient(sleep=...)``: no test really sleeps."""
    return FakeSleep()


@pytest.fixture
def orders_client() -> Iterator[OrdersClient]:
    """The synchronous client, on the default execute-api base URL."""
    with OrdersClient() as client:
        yield client


@pytest.fixture
def client_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """What the clients log, from DEBUG up."""
    caplog.set_level(logging.DEBUG, logger="orders_client")
    return caplog


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The ``invalid_signature`` row needs botocore (the ``sigv4`` extra): skip
    it where that is not installed, rather than fail when its fault is made."""
    import importlib.util

    if importlib.util.find_spec("botocore") is not None:
        return
    skip = pytest.mark.skip(reason="botocore (pytest-apigw-faults[sigv4]) is not installed")
    for item in items:
        if "invalid_signature" in item.name:
            item.add_marker(skip)
