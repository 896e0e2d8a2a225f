"""Beside the pytest plugins users run with it: pytest-xdist, pytest-asyncio
(strict and auto modes), anyio's plugin and pytest-randomly.

Each inner run records, for every test, its outcome and the request ids its
faults sent (``record_property``, which pytest-xdist carries back from its
workers), so that runs can be compared whole.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from support import set_up_inner, warnings_as_errors

from pytest_apigw_faults import SCENARIOS

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
ROWS = list(SCENARIOS.values())
HTTP_ROWS = [row for row in ROWS if row.api.value == "http"]

RECORDER = """
import json


def pytest_configure(config):
    config._apigw_seen = {}
    config._apigw_order = []


def pytest_runtest_logreport(report):
    config = pytest_runtest_logreport.config
    seen = config._apigw_seen.setdefault(report.nodeid, {"outcome": "passed", "ids": []})
    if report.when == "call":
        config._apigw_order.append(report.nodeid)
    if report.failed or (report.skipped and report.when != "teardown"):
        seen["outcome"] = report.outcome if report.when == "call" else "error"
    for name, value in report.user_properties:
        if name == "request_ids":
            seen["ids"] = value


def pytest_sessionstart(session):
    pytest_runtest_logreport.config = session.config


def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput"):
        return
    with open("seen.json", "w") as out:
        json.dump({"tests": session.config._apigw_seen, "order": session.config._apigw_order}, out)
"""

MATRIX = """
import pytest
import requests

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


@pytest.mark.apigw_fault
def test_matrix(apigw_fault, record_property):
    first = requests.get(URL, timeout=60)
    second = requests.get(URL, timeout=60)
    record_property("request_ids", [c.request_id for c in apigw_fault.calls])
    assert first.status_code == apigw_fault.scenario.status
    assert second.status_code < 500  # fails for the 5xx rows: outcomes differ by row


@pytest.mark.parametrize("n", range(4))
def test_injected(apigw_fault, record_property, n):
    apigw_fault.inject("function_error", api="rest")
    requests.get(URL, timeout=60)
    record_property("request_ids", [c.request_id for c in apigw_fault.calls])
"""


def run_recorded(pytester: pytest.Pytester, *args: str) -> dict[str, Any]:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), result.stdout.str()
    seen: dict[str, Any] = json.loads((pytester.path / "seen.json").read_text())
    (pytester.path / "seen.json").unlink()
    return seen


@pytest.fixture
def matrix(pytester: pytest.Pytester) -> pytest.Pytester:
    pytest.importorskip("requests")
    pytest.importorskip("responses")
    set_up_inner(pytester)
    pytester.makeconftest(pytester.path.joinpath("conftest.py").read_text() + RECORDER)
    pytester.makepyfile(test_user_matrix=MATRIX)
    return pytester


def check_matrix_run(seen: dict[str, Any]) -> None:
    tests = seen["tests"]
    assert len(tests) == len(ROWS) + 4
    for row in ROWS:
        outcome = tests[f"test_user_matrix.py::test_matrix[{row.id}]"]["outcome"]
        assert outcome == ("failed" if row.status >= 500 else "passed"), row.id
    ids = [i for test in tests.values() for i in test["ids"]]
    assert len(ids) == 2 * len(ROWS) + 4
    # every call of every test its own id (a CloudFront rejection has none)
    given = [i for i in ids if i]
    assert len(set(given)) == len(given) > len(ROWS)


# pytest-xdist ----------------------------------------------------------------


def test_xdist_gives_the_serial_ids_and_outcomes_for_a_seed(matrix: pytest.Pytester) -> None:
    pytest.importorskip("xdist", reason="pytest-xdist (in the test dependency group)")
    serial = run_recorded(matrix, "--apigw-seed=7", "-p", "no:xdist")
    check_matrix_run(serial)
    distributed = run_recorded(matrix, "--apigw-seed=7", "-p", "xdist", "-n", "2")
    assert distributed["tests"] == serial["tests"]
    other_seed = run_recorded(matrix, "--apigw-seed=8", "-p", "xdist", "-n", "2")
    check_matrix_run(other_seed)
    assert {k: v["outcome"] for k, v in other_seed["tests"].items()} == {
        k: v["outcome"] for k, v in serial["tests"].items()
    }
    first_ids = {i for test in serial["tests"].values() for i in test["ids"] if i}
    assert first_ids.isdisjoint(i for test in other_seed["tests"].values() for i in test["ids"])


# pytest-randomly ---------------------------------------------------------------


def test_pytest_randomly_order_changes_nothing(matrix: pytest.Pytester) -> None:
    pytest.importorskip("pytest_randomly", reason="pytest-randomly (in the test dependency group)")
    in_order = run_recorded(matrix, "--apigw-seed=7")
    check_matrix_run(in_order)
    orders = []
    for randomly_seed in (1, 2, 3):
        shuffled = run_recorded(
            matrix, "--apigw-seed=7", "-p", "randomly", f"--randomly-seed={randomly_seed}"
        )
        assert shuffled["tests"] == in_order["tests"], randomly_seed
        orders.append(shuffled["order"])
    # pytest-randomly did shuffle: some run's order is not the file's order
    assert any(order != in_order["order"] for order in orders)


# pytest-asyncio and anyio ------------------------------------------------------

ASYNC_TESTS = """
import httpx
import pytest
{imports}

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


{mark}
@pytest.mark.apigw_fault("function_error", api="rest")
async def test_marker():
    async with httpx.AsyncClient() as client:
        response = await client.get(URL)
    assert response.status_code == 502


{mark}
@pytest.mark.apigw_fault(api="http")
async def test_marker_matrix(apigw_fault):
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.get(URL)
    assert response.status_code == apigw_fault.scenario.status
    apigw_fault.assert_response(response)


{mark}
async def test_fixture(apigw_fault):
    apigw_fault.inject("lambda_throttled", api="http")
    async with httpx.AsyncClient() as client:
        responses = [await client.get(URL) for _ in range(3)]
    assert [r.status_code for r in responses] == [503] * 3
    assert len(apigw_fault.calls) == 3


{fixture_decorator}
async def client():
    async with httpx.AsyncClient() as client:
        yield client


{mark}
async def test_async_fixture_client(apigw_fault, client):
    apigw_fault.inject("malformed_response", api="rest")
    response = await client.get(URL)
    assert response.status_code == 502
    apigw_fault.assert_response(response)


def test_afterwards_httpx_is_itself_again():
    assert httpx.AsyncHTTPTransport.handle_async_request.__module__ == "httpx._transports.default"
"""

ASYNC_FLAVOURS = {
    "asyncio-strict": (
        dict(
            imports="import pytest_asyncio",
            mark="@pytest.mark.asyncio",
            fixture_decorator="@pytest_asyncio.fixture",
        ),
        ("-o", "asyncio_mode=strict"),
    ),
    "asyncio-auto": (
        dict(imports="", mark="", fixture_decorator="@pytest.fixture"),
        ("-o", "asyncio_mode=auto"),
    ),
    "anyio": (
        dict(
            imports="",
            mark="@pytest.mark.anyio",
            fixture_decorator=(
                "@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n\n\n@pytest.fixture"
            ),
        ),
        ("-o", "asyncio_mode=strict"),
    ),
}


@pytest.mark.parametrize("flavour", list(ASYNC_FLAVOURS))
def test_async_tests_with_the_marker_and_the_fixture(
    pytester: pytest.Pytester, flavour: str
) -> None:
    pytest.importorskip("httpx")
    pytest.importorskip("respx")
    pytest.importorskip("anyio" if flavour == "anyio" else "pytest_asyncio")
    names, options = ASYNC_FLAVOURS[flavour]
    set_up_inner(pytester)
    pytester.makepyfile(test_user_async=ASYNC_TESTS.format(**names))
    result = pytester.runpytest(*options, *warnings_as_errors())
    result.assert_outcomes(passed=1 + len(HTTP_ROWS) + 1 + 1 + 1)
