"""A fault beside the user's own ``responses`` and ``respx`` mocks.

Each order of starting and stopping the two is tried: the user's routes keep
answering, execute-api calls get the fault while it is started, and when
both are stopped every patched method is the original again.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from typing import Any

import httpx
import pytest
import requests
import responses
import respx
from requests.adapters import HTTPAdapter
from support import set_up_inner, warnings_as_errors

from pytest_apigw_faults import Fault

API = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
OTHER = "https://example.com/health"

ORIGINALS = {
    "HTTPAdapter.send": HTTPAdapter.send,
    "Session.get_adapter": requests.Session.get_adapter,
    "HTTPTransport.handle_request": httpx.HTTPTransport.handle_request,
    "AsyncHTTPTransport.handle_async_request": httpx.AsyncHTTPTransport.handle_async_request,
}


def current() -> dict[str, Any]:
    return {
        "HTTPAdapter.send": HTTPAdapter.send,
        "Session.get_adapter": requests.Session.get_adapter,
        "HTTPTransport.handle_request": httpx.HTTPTransport.handle_request,
        "AsyncHTTPTransport.handle_async_request": httpx.AsyncHTTPTransport.handle_async_request,
    }


def assert_untouched() -> None:
    changed = [name for name, fn in current().items() if fn is not ORIGINALS[name]]
    assert not changed, f"still patched: {changed}"


def user_responses() -> AbstractContextManager[Any]:
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.add(responses.GET, OTHER, body=b"user ok", status=200)
    return mock


def user_respx(using: str) -> AbstractContextManager[Any]:
    router = respx.mock(assert_all_called=False, using=using)
    router.get(OTHER).respond(200, content=b"user ok")
    if using == "httpx":
        # respx's "httpx" mocker sits above every transport: execute-api calls
        # must be let through to reach the fault (see the README).
        router.route(host__regex=r"\.execute-api\.").pass_through()
    return router


def fault() -> AbstractContextManager[Any]:
    return Fault("function_error", api="rest", seed="coexistence")


USER_MOCKS: dict[str, Callable[[], AbstractContextManager[Any]]] = {
    "responses": user_responses,
    "respx-httpcore": lambda: user_respx("httpcore"),
    "respx-httpx": lambda: user_respx("httpx"),
}


def call(client: str, url: str) -> tuple[int, bytes]:
    if client == "requests":
        r = requests.get(url, timeout=5)
        return r.status_code, r.content
    with httpx.Client() as c:
        response = c.get(url)
        return response.status_code, response.content


@pytest.fixture(autouse=True)
def _no_patch_left() -> Iterator[None]:
    assert_untouched()
    yield
    assert_untouched()


ORDERS = [
    pytest.param(start, stop, id=f"start-{'-'.join(start)}-stop-{'-'.join(stop)}")
    for start in itertools.permutations(("user", "fault"))
    for stop in itertools.permutations(("user", "fault"))
]


@pytest.mark.parametrize("user", list(USER_MOCKS))
@pytest.mark.parametrize(("start", "stop"), ORDERS)
def test_user_routes_and_fault_answer_in_any_order(
    user: str, start: tuple[str, str], stop: tuple[str, str]
) -> None:
    client = "requests" if user == "responses" else "httpx"
    managers = {"user": USER_MOCKS[user](), "fault": fault()}
    entered: dict[str, Any] = {}
    for name in start:
        entered[name] = managers[name].__enter__()

    assert call(client, OTHER) == (200, b"user ok")
    assert call(client, API) == (502, b'{"message": "Internal server error"}')
    assert len(entered["fault"].calls) == 1

    first, second = stop
    managers[first].__exit__(None, None, None)
    if first == "fault":
        # the user's mock alone: its routes answer, and no fault is left
        assert call(client, OTHER) == (200, b"user ok")
        assert entered["fault"].calls[-1].request is not None
        assert len(entered["fault"].calls) == 1
    else:
        assert call(client, API)[0] == 502
    managers[second].__exit__(None, None, None)


def test_fault_answers_before_a_user_route_for_the_same_url_until_its_times_run_out() -> None:
    with ExitStack() as stack:
        mock = stack.enter_context(responses.RequestsMock(assert_all_requests_are_fired=True))
        mock.add(responses.GET, API, json={"orders": []}, status=200)
        faulted = stack.enter_context(
            Fault(sequence=["lambda_throttled"], api="rest", after="pass")
        )
        first = requests.get(API, timeout=5)
        second = requests.get(API, timeout=5)
    assert first.status_code == 500
    assert second.status_code == 200
    assert second.json() == {"orders": []}
    assert len(faulted.calls) == 1


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
def test_respx_user_router_answers_what_the_fault_lets_pass() -> None:
    with respx.mock(assert_all_called=True) as router, Fault(
        "lambda_throttled", api="http", times=2
    ) as faulted:
        route = router.get(API).respond(200, json={"orders": [1]})
        with httpx.Client() as client:
            statuses = [client.get(API).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert route.call_count == 1
    assert [c.scenario.status for c in faulted.calls] == [503, 503]


def test_nested_faults_stopped_out_of_order_leave_nothing_behind() -> None:
    outer = Fault("function_error", api="rest").start()
    inner = Fault("integration_timeout", api="http").start()
    with respx.mock(assert_all_called=False) as router:
        router.get(OTHER).respond(204)
        assert httpx.get(API, timeout=None).status_code == 503  # newest first
        outer.stop()
        assert httpx.get(API, timeout=None).status_code == 503
        assert requests.get(API, timeout=60).status_code == 503
        inner.stop()
        assert httpx.get(OTHER).status_code == 204
    assert_untouched()


@pytest.mark.asyncio
async def test_async_user_respx_beside_a_fault() -> None:
    with respx.mock(assert_all_called=True) as router, Fault("malformed_response", api="http"):
        router.get(OTHER).respond(200, content=b"user ok")
        async with httpx.AsyncClient() as client:
            other = await client.get(OTHER)
            api = await client.get(API)
    assert (other.status_code, other.content) == (200, b"user ok")
    assert (api.status_code, api.content) == (500, b'{"message":"Internal Server Error"}')


# moto ------------------------------------------------------------------------
#
# moto's mock_aws answers boto3 inside botocore, and also starts a responses
# mock of its own (patching HTTPAdapter.send) with routes for AWS URLs,
# execute-api ones included: with no API deployed in moto, it answers those
# 404 "Not yet implemented". The fault answers before HTTPAdapter.send is
# reached, so it wins in any order; once its times are used up, moto answers.


@pytest.fixture
def moto() -> Any:
    return pytest.importorskip("moto", reason="moto (in the test dependency group)")


def s3_round_trip() -> bytes:
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="orders-bucket")
    s3.put_object(Bucket="orders-bucket", Key="order-1", Body=b"order one")
    body: bytes = s3.get_object(Bucket="orders-bucket", Key="order-1")["Body"].read()
    return body


@pytest.mark.parametrize(("start", "stop"), ORDERS)
def test_moto_answers_boto3_while_the_fault_answers_execute_api(
    moto: Any, start: tuple[str, str], stop: tuple[str, str]
) -> None:
    managers = {"user": moto.mock_aws(), "fault": fault()}
    entered = {name: managers[name].__enter__() for name in start}
    try:
        assert s3_round_trip() == b"order one"
        response = requests.get(API, timeout=5)
        assert (response.status_code, response.content) == (
            502,
            b'{"message": "Internal server error"}',
        )
        assert [call.request_id for call in entered["fault"].calls] == [
            response.headers["x-amzn-requestid"]
        ]
    finally:
        for name in stop:
            managers[name].__exit__(None, None, None)


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
def test_moto_answers_execute_api_once_the_faults_times_are_used(moto: Any) -> None:
    with moto.mock_aws(), Fault("lambda_throttled", api="rest", times=1) as faulted:
        first = requests.get(API, timeout=5)
        second = requests.get(API, timeout=5)
        assert s3_round_trip() == b"order one"
    assert first.status_code == 500
    assert (second.status_code, second.content) == (404, b"Not yet implemented")
    assert len(faulted.calls) == 1


# pytest-httpx ----------------------------------------------------------------

PYTEST_HTTPX_RECIPE = """
import httpx
import pytest

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
ORIGINAL = httpx.HTTPTransport.handle_request


@pytest.mark.apigw_fault("function_error", api="rest")
@pytest.mark.httpx_mock(should_mock=lambda request: ".execute-api." not in request.url.host)
def test_beside_pytest_httpx(httpx_mock, apigw_fault):
    httpx_mock.add_response(url="https://example.com/health", content=b"user ok")
    assert httpx.get("https://example.com/health").content == b"user ok"
    response = httpx.get(URL)
    assert response.status_code == 502
    apigw_fault.assert_response(response)
    assert len(apigw_fault.calls) == 1


@pytest.mark.apigw_fault("lambda_throttled", api="http")
@pytest.mark.httpx_mock(should_mock=lambda request: ".execute-api." not in request.url.host)
async def test_beside_pytest_httpx_async(httpx_mock, apigw_fault):
    httpx_mock.add_response(url="https://example.com/health", content=b"user ok")
    async with httpx.AsyncClient() as client:
        assert (await client.get("https://example.com/health")).content == b"user ok"
        response = await client.get(URL)
    assert response.status_code == 503
    apigw_fault.assert_response(response)


def test_a_fault_injected_under_httpx_mock_refuses_to_start(httpx_mock, apigw_fault):
    apigw_fault.inject("function_error", api="rest")


def test_afterwards_httpx_is_itself_again():
    assert httpx.HTTPTransport.handle_request is ORIGINAL
    assert ORIGINAL.__module__ == "httpx._transports.default"
"""


def test_the_readme_recipe_for_pytest_httpx_runs(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_httpx", reason="pytest-httpx (in the test dependency group)")
    set_up_inner(pytester)
    pytester.makepyfile(test_user_pytest_httpx=PYTEST_HTTPX_RECIPE)
    result = pytester.runpytest("-p", "pytest_httpx", "-o", "asyncio_mode=auto", "-v")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_a_fault_injected_under_httpx_mock_refuses_to_start FAILED*",
            "*ApigwFaultError: httpx.HTTPTransport.handle_request is already replaced by"
            " pytest_httpx.*should_mock*",
        ]
    )


# the same mocks as users start them in a test ------------------------------------

USER_MOCKS_IN_TESTS = """
import httpx
import pytest
import requests
import responses

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
OTHER = "https://example.com/health"


@pytest.mark.apigw_fault("function_error", api="rest")
@responses.activate
def test_responses_activate_under_the_marker(apigw_fault):
    responses.add(responses.GET, OTHER, body=b"user ok")
    assert requests.get(OTHER, timeout=5).content == b"user ok"
    assert requests.get(URL, timeout=5).status_code == 502
    assert len(apigw_fault.calls) == 1


@responses.activate
def test_inject_inside_responses_activate(apigw_fault):
    responses.add(responses.GET, OTHER, body=b"user ok")
    apigw_fault.inject(sequence=["lambda_throttled"], api="rest", after="pass")
    responses.add(responses.GET, URL, body=b"after the fault")
    assert requests.get(URL, timeout=5).status_code == 500
    assert requests.get(URL, timeout=5).content == b"after the fault"
    assert requests.get(OTHER, timeout=5).content == b"user ok"


@pytest.mark.apigw_fault("lambda_throttled", api="http")
def test_respx_mock_fixture_under_the_marker(respx_mock, apigw_fault):
    respx_mock.get(OTHER).respond(200, content=b"user ok")
    assert httpx.get(OTHER).content == b"user ok"
    assert httpx.get(URL).status_code == 503
    assert len(apigw_fault.calls) == 1


def test_inject_after_the_respx_mock_fixture(respx_mock, apigw_fault):
    respx_mock.get(OTHER).respond(200, content=b"user ok")
    apigw_fault.inject("function_error", api="rest")
    assert httpx.get(URL).status_code == 502
    assert httpx.get(OTHER).content == b"user ok"


def test_afterwards_the_clients_are_themselves_again():
    assert requests.adapters.HTTPAdapter.send.__module__ == "requests.adapters"
    assert requests.Session.get_adapter.__module__ == "requests.sessions"
    assert httpx.HTTPTransport.handle_request.__module__ == "httpx._transports.default"
"""


def test_responses_activate_and_the_respx_mock_fixture_beside_marker_and_inject(
    pytester: pytest.Pytester,
) -> None:
    set_up_inner(pytester)
    pytester.makepyfile(test_user_mocks=USER_MOCKS_IN_TESTS)
    pytester.runpytest(*warnings_as_errors()).assert_outcomes(passed=5)
