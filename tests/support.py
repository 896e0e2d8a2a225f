"""What the pytester-based tests share: the inner project's set-up.

The inner runs never reach the network: their conftest refuses every socket
connection and name lookup.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import socket
import textwrap

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
    """Options that make an inner run's warnings errors, with the filters of a
    ci/matrix.py row after them (so that those win), as that row sets them."""
    return ["-W", "error", *shlex.split(os.environ.get("APIGW_FAULTS_INNER_ADDOPTS", ""))]


def literal(line: str) -> str:
    """``line`` as an fnmatch pattern that matches only itself."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in line)


def module(body: str) -> str:
    """An inner test module: the common imports and ``URL``, then ``body``.

    The imports need both clients: the calling test is skipped where one is
    missing (the single-client rows of ci/matrix.py).
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

