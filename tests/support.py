"""What the pytester-based tests share: the inner project's set-up.

The inner runs never reach the network: their conftest refuses every socket
connection and name lookup.
"""

from __future__ import annotations

import importlib
import textwrap

import pytest

# pytester's in-process runs put sys.modules back as it was after every run.
# Modules first imported inside a run would then be imported afresh by the
# next one, while the package's lazy attributes (and the inner test modules'
# captured originals) kept pointing at the old copies. Importing them here
# keeps one copy of each for the whole session.
for _module in (
    "requests",
    "httpx",
    "responses",
    "respx",
    "pytest_apigw_faults._fixture",
    "pytest_apigw_faults._matrix",
    "pytest_apigw_faults._requests",
    "pytest_apigw_faults._httpx",
):
    importlib.import_module(_module)

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


def literal(line: str) -> str:
    """``line`` as an fnmatch pattern that matches only itself."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in line)


def module(body: str) -> str:
    """An inner test module: the common imports and ``URL``, then ``body``."""
    return HEADER + textwrap.dedent(body)


def set_up_inner(pytester: pytest.Pytester) -> pytest.Pytester:
    """``pytester`` given the inner project's ini and its no-network conftest."""
    pytester.makeini(INI)
    pytester.makeconftest(NO_NETWORK)
    return pytester
