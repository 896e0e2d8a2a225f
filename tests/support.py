"""What the pytester-based tests share: the inner project's set-up.

The inner runs never reach the network: their conftest refuses every socket
connection and name lookup.
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import contextlib
import importlib.util
import os
import shlex
import socket
import textwrap
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""

NO_NETWORK = """
import socket

import pytest


def _refuse(*args, **kwargs):
    raise OSError("pytest-apigw-faults tests must not touch the network")


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket.socket, "connect_ex", _refuse)
        patch.setattr(socket, "getaddrinfo", _refuse)
        yield
"""

HEADER = """
import httpx
import pytest
import requests

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
"""


def warnings_as_errors() -> list[str]:
    """Options that make an inner run's warnings errors, with the filters of an
    install matrix row after them (so that those win), as that row sets them."""
    return ["-W", "error", *shlex.split(os.environ.get("APIGW_FAULTS_INNER_ADDOPTS", ""))]


def literal(line: str) -> str:
    """``line`` as an fnmatch pattern that matches only itself."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in line)


def module(body: str) -> str:
    """An inner test module: the common imports and ``URL``, then ``body``.

    The imports need both clients: the calling test is skipped where one is
    missing (the single-client rows of the install matrix, noxfile.py).
    """
    for name in ("requests", "responses", "httpx", "respx"):
        pytest.importorskip(name)
    return HEADER + textwrap.dedent(body)


def set_up_inner(pytester: pytest.Pytester) -> pytest.Pytester:
    """``pytester`` given the inner project's ini and its no-network conftest."""
    pytester.makeini(INI)
    pytester.makeconftest(NO_NETWORK)
    return pytester


# -- helpers for tests that run in this process --------------------------------


def refuse_network(monkeypatch: pytest.MonkeyPatch, who: str) -> None:
    """Make every name lookup and connection of the test fail loudly."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(f"{who}: the network is off limits")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def get_with(client: str, url: str, **kwargs: object) -> object:
    """GET ``url`` through requests, httpx, or httpx's async client in a fresh
    loop (``"httpx-async"``); httpx without its 5 s default timeout."""
    if client == "requests":
        import requests

        return requests.get(url, **kwargs)  # type: ignore[arg-type]
    import httpx

    kwargs.setdefault("timeout", None)
    if client == "httpx-async":

        async def fetch() -> httpx.Response:
            async with httpx.AsyncClient() as http:
                return await http.get(url, **kwargs)  # type: ignore[arg-type]

        return asyncio.run(fetch())
    with httpx.Client() as http:
        return http.get(url, **kwargs)  # type: ignore[arg-type]


def wire_headers(response: object) -> list[tuple[str, str]]:
    """A requests or httpx response's header lines, in the order received."""
    raw = getattr(response.headers, "raw", None)  # type: ignore[attr-defined]
    if raw is not None:  # httpx keeps repeated lines
        return [(k.decode(), v.decode()) for k, v in raw]
    return list(response.headers.items())  # type: ignore[attr-defined]


def assert_collection_error(inner: pytest.Pytester, line: str) -> pytest.RunResult:
    """Run the inner project and check that it fails to collect one test,
    reporting exactly ``line``."""
    result = inner.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([literal(line)])
    return result



# -- what faults and the virtual clock replace ---------------------------------


def _installed(*names: str) -> bool:
    return all(importlib.util.find_spec(name) is not None for name in names)


def replaced_functions() -> dict[str, object]:
    """Every function a fault (of the clients installed) or the virtual clock
    replaces, as it is now: compare with the same taken before."""
    found: dict[str, object] = {
        "time.sleep": time.sleep,
        "time.monotonic": time.monotonic,
        "time.monotonic_ns": time.monotonic_ns,
        "time.perf_counter": time.perf_counter,
        "time.perf_counter_ns": time.perf_counter_ns,
        "asyncio.sleep": asyncio.sleep,
        "asyncio.tasks.sleep": asyncio.tasks.sleep,
        "BaseEventLoop.time": asyncio.base_events.BaseEventLoop.__dict__["time"],
    }
    if _installed("requests", "responses"):
        import requests

        from pytest_apigw_faults._adapters import requests as adapter

        found["Session.get_adapter"] = requests.Session.__dict__["get_adapter"]
        found["HTTPAdapter.send"] = requests.adapters.HTTPAdapter.__dict__["send"]
        found["the requests adapter's target"] = adapter._Target.__dict__["send"]
    if _installed("httpx", "respx"):
        import httpx

        found["HTTPTransport.handle_request"] = httpx.HTTPTransport.__dict__["handle_request"]
        found["AsyncHTTPTransport.handle_async_request"] = httpx.AsyncHTTPTransport.__dict__[
            "handle_async_request"
        ]
    if _installed("aiohttp", "aioresponses"):
        import aiohttp
        import aioresponses

        found["ClientSession._request"] = aiohttp.ClientSession.__dict__["_request"]
        found["aioresponses.start"] = aioresponses.aioresponses.__dict__["start"]
    return found


def clock_moves() -> bool:
    """Whether ``time.time()`` moves on (virtual time stands still)."""
    before = time.time()
    deadline = time.perf_counter() + 1
    while time.time() == before:
        if time.perf_counter() > deadline:
            return False
    return True


def server_threads() -> list[str]:
    """The threads of loopback gateways still running."""
    return [t.name for t in threading.enumerate() if t.name.startswith("apigw-faults server")]


def assert_untouched() -> None:
    """The clients and clocks are as the session found them, and the runtime
    has nothing installed and no clock running."""
    from pytest_apigw_faults._core import runtime

    assert replaced_functions() == _REAL
    assert clock_moves()
    assert server_threads() == []
    assert runtime.board().installed == {}
    assert runtime.board().clock is None


_REAL = replaced_functions()  # as the session found them


# -- websocket-client connections a test opens, closed at its end --------------------------

_OPEN_WEBSOCKETS: list[Any] = []


@pytest.fixture(autouse=True)
def close_websockets() -> Iterator[None]:
    """Import it into a test module: the connections :func:`connect_websocket`
    opened are closed when each test ends."""
    yield
    while _OPEN_WEBSOCKETS:
        ws = _OPEN_WEBSOCKETS.pop()
        with contextlib.suppress(Exception):
            ws.close(timeout=1)
        ws.shutdown()


def connect_websocket(url: str, **options: Any) -> Any:
    """A websocket-client connection to ``url`` (10 s timeout), closed at the test's end."""
    import websocket

    ws = websocket.create_connection(url, timeout=10, **options)
    _OPEN_WEBSOCKETS.append(ws)
    return ws
