"""Fail-then-succeed sequences (issue 4): ``times=N, then=X`` and
``sequence=[...]``, what follows the last item, the calls recorded, and the
argument checks of handlers and sequences."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
import requests
import responses
import respx
from support import literal, module, set_up_inner

from pytest_apigw_faults import Fault, get_scenario
from pytest_apigw_faults._core.options import SIGNATURE
from pytest_apigw_faults._gateway.table import ApigwFaultError

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
OK = {"statusCode": 200, "body": "ok"}


def ok_handler(event, context):
    return {"statusCode": 200, "headers": {"x-from": "handler"}, "body": event["path"]}


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_throttled_twice_then_200(client, apigw_fault):
    fault = apigw_fault.inject(sequence=["api_throttled", "api_throttled", OK], api="rest")
    get = requests.get if client == "requests" else httpx.get
    statuses = [get(URL, timeout=10).status_code for _ in range(4)]
    assert statuses == [429, 429, 200, 200]  # after="repeat": the last item again
    calls = apigw_fault.calls
    assert [c.scenario and c.scenario.name for c in calls] == [
        "api_throttled", "api_throttled", None, None,
    ]  # fmt: skip
    assert [c.result.status if c.result else None for c in calls] == [None, None, 200, 200]
    for call in calls:
        apigw_fault.assert_response(call.response)
    assert repr(fault) == (
        "Fault(sequence=['api_throttled', 'api_throttled', {'statusCode': 200, 'body': 'ok'}],"
        " api='rest', endpoint='edge', after='repeat'; any execute-api host)"
    )


def test_times_then_a_static_result(apigw_fault):
    fault = apigw_fault.inject("lambda_throttled", api="http", times=2, then=OK)
    answers = [(r.status_code, r.content) for r in (httpx.get(URL) for _ in range(3))]
    assert answers == [
        (503, b'{"message":"Service Unavailable"}'),
        (503, b'{"message":"Service Unavailable"}'),
        (200, b"ok"),
    ]
    assert "then={'statusCode': 200, 'body': 'ok'}" in repr(fault)
    assert apigw_fault.scenario is get_scenario("lambda_throttled", api="http")


def test_times_then_a_handler(apigw_fault):
    apigw_fault.inject("function_error", api="rest", times=1, then=ok_handler)
    first, second = (requests.get(URL, timeout=10) for _ in range(2))
    assert first.status_code == 502
    assert (second.status_code, second.content) == (200, b"/orders")
    assert second.headers["x-from"] == "handler"
    assert (
        apigw_fault.calls[1].event["requestContext"]["requestId"]
        == (second.headers["x-amzn-requestid"])
    )


def test_a_handler_for_the_first_calls_then_a_scenario(apigw_fault):
    apigw_fault.inject(handler=ok_handler, api="rest", times=1, then="function_error")
    assert [requests.get(URL, timeout=10).status_code for _ in range(3)] == [200, 502, 502]


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
def test_handler_with_times_alone_passes_through_afterwards(apigw_fault):
    apigw_fault.inject(handler=ok_handler, api="rest", times=1)
    with responses.RequestsMock() as mock:
        mock.get(URL, body="from my mock")
        assert requests.get(URL, timeout=10).status_code == 200
        assert requests.get(URL, timeout=10).text == "from my mock"


def test_after_pass_lets_later_calls_through_to_user_mocks(apigw_fault):
    apigw_fault.inject(sequence=["api_throttled", OK], api="rest", after="pass")
    with respx.mock() as router:
        router.get(URL).respond(201, text="from respx")
        responses_ = [httpx.get(URL) for _ in range(3)]
    assert [r.status_code for r in responses_] == [429, 200, 201]
    assert len(apigw_fault.calls) == 2  # the pass-through is not the fault's


def test_after_pass_with_requests(apigw_fault):
    apigw_fault.inject("function_error", api="rest", times=1, then=OK, after="pass")
    with responses.RequestsMock() as mock:
        mock.get(URL, body="mine")
        bodies = [requests.get(URL, timeout=10).content for _ in range(3)]
    assert bodies == [b'{"message": "Internal server error"}', b"ok", b"mine"]


def test_a_sequence_of_scenario_rows_and_module_paths(apigw_fault, tmp_path, monkeypatch):
    (tmp_path / "seq_app.py").write_text(
        "def handler(event, context):\n    return {'statusCode': 202}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    row = get_scenario("integration_timeout", api="rest")
    apigw_fault.inject(sequence=[row, "seq_app:handler"], api="rest")
    first = requests.get(URL, timeout=60)
    assert (first.status_code, first.elapsed.total_seconds()) == (504, 29)
    assert requests.get(URL, timeout=60).status_code == 202


def test_a_sequence_restarts_with_the_fault(apigw_fault):
    fault = Fault(sequence=["api_throttled", OK], api="rest")
    for _ in range(2):
        with fault:
            assert [requests.get(URL, timeout=10).status_code for _ in range(2)] == [429, 200]
        assert len(fault.calls) == 2


def test_async_httpx_sequence(apigw_fault):
    apigw_fault.inject(sequence=["lambda_throttled", lambda event, context: OK], api="http")

    async def go() -> list[int]:
        async with httpx.AsyncClient() as client:
            return [(await client.get(URL)).status_code for _ in range(3)]

    assert asyncio.run(go()) == [503, 200, 200]


def test_a_client_retry_loop_recovers(apigw_fault):
    """What the issue calls one line: a client that retries 429 sees the 200."""
    apigw_fault.inject("api_throttled", api="rest", times=2, then={"statusCode": 200, "body": "[]"})
    session = requests.Session()
    retry = requests.adapters.Retry(total=3, status_forcelist=[429], backoff_factor=1)
    session.mount("https://", requests.adapters.HTTPAdapter(max_retries=retry))
    response = session.get(URL, timeout=10)
    assert (response.status_code, response.content) == (200, b"[]")
    assert len(apigw_fault.calls) == 3
    assert response.elapsed.total_seconds() > 1  # the backoff passed as gateway time


# Bad arguments ------------------------------------------------------------------

BAD = [
    pytest.param(
        dict(scenario="api_throttled", api="rest", sequence=["api_throttled", OK]),
        "sequence= lists what answers each call, so it takes no scenario name",
        id="sequence-with-a-name",
    ),
    pytest.param(
        dict(scenario="api_throttled", api="rest", then=OK),
        "then= answers the calls after the first times=N; give times= too",
        id="then-without-times",
    ),
    pytest.param(
        dict(sequence=["api_throttled", OK], api="rest", after="stop"),
        "unknown after='stop'; valid choices: 'repeat', 'pass'",
        id="unknown-after",
    ),
    pytest.param(
        dict(scenario="api_throttled", api="rest", times=2, after="pass"),
        "after='pass' says what follows the last item of then= or sequence=",
        id="after-without-a-sequence",
    ),
    pytest.param(
        dict(handler=ok_handler, api="rest", payload_format="2.0"),
        "payload_format='2.0' is not valid for api='rest': REST APIs have one payload"
        " format: '1.0'",
        id="payload-2.0-on-rest",
    ),
    pytest.param(
        dict(handler=42, api="rest"),
        "handler= takes a handler: a callable (event, context) -> result, or a"
        " 'module:function' string; got int 42",
        id="non-callable-handler",
    ),
    pytest.param(
        dict(handler="app.handler", api="rest"),
        "handler='app.handler' is not a handler path: write 'module:function'",
        id="handler-path-without-colon",
    ),
    pytest.param(
        dict(handler=ok_handler),
        "handler= needs api= ('rest' or 'http')",
        id="handler-without-api",
    ),
    pytest.param(
        dict(scenario="function_error", api="rest", handler=ok_handler),
        "a scenario name ('function_error') and handler= both say what answers",
        id="name-and-handler",
    ),
    pytest.param(
        dict(sequence=[], api="rest"),
        "sequence= is empty",
        id="empty-sequence",
    ),
    pytest.param(
        dict(sequence=["api_throtled", OK], api="rest"),
        "sequence[0]: unknown scenario 'api_throtled' for api='rest'; did you mean"
        " 'api_throttled'?",
        id="misspelt-name-in-sequence",
    ),
    pytest.param(
        dict(sequence=[3.5], api="rest"),
        "sequence[0]: float 3.5 is not a scenario name, a Scenario, a handler",
        id="bad-item",
    ),
    pytest.param(
        dict(sequence=["invalid_api_key"], api="http"),
        "sequence[0]: unknown scenario 'invalid_api_key' for api='http'",
        id="rest-only-name-on-http",
    ),
    pytest.param(
        dict(scenario="function_error", api="rest", route="/orders/{id}"),
        "route= describes the API in front of a Lambda, and no Lambda is given",
        id="route-without-a-lambda",
    ),
    pytest.param(
        dict(sequence=["api_throttled"], api="rest", stage="prod"),
        "stage= describes the API in front of a Lambda, and no item invokes one",
        id="stage-with-a-sequence-of-names",
    ),
    pytest.param(
        dict(handler=ok_handler, api="http", binary_media_types=["image/png"]),
        "binary_media_types= is a REST API setting",
        id="binary-media-types-on-http",
    ),
    pytest.param(
        dict(handler=ok_handler, api="rest", route="orders"),
        "route='orders': a REST route is a resource path starting with '/'",
        id="rest-route-without-slash",
    ),
    pytest.param(
        dict(handler=ok_handler, api="http", route="FETCH /orders"),
        "route='FETCH /orders': unknown method 'FETCH'",
        id="http-route-bad-method",
    ),
    pytest.param(
        dict(handler=ok_handler, api="rest", route="/{proxy+}/x"),
        "a greedy variable must end the route",
        id="greedy-not-last",
    ),
    pytest.param(
        dict(handler=ok_handler, api="rest", stage="$default"),
        "stage='$default' is not a stage name (a REST API has no $default stage)",
        id="rest-default-stage",
    ),
    pytest.param(
        dict(handler=ok_handler, api="rest", handler_duration=-1),
        "handler_duration= takes seconds (a number, at least 0) or a callable(event)",
        id="negative-duration",
    ),
    pytest.param(
        dict(handler=ok_handler, api="rest", stage_variables={"a": 1}),
        "stage_variables= takes a dict of str to str",
        id="stage-variable-not-a-str",
    ),
    pytest.param(
        dict(sequence=["api_throttled", OK], api="rest", times=2),
        "sequence= and times=/then= both say what answers each call",
        id="sequence-and-times",
    ),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD)
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(ApigwFaultError, match=re.escape(message)):
        Fault(**kwargs)


def test_a_duration_callable_that_gives_nonsense(apigw_fault):
    apigw_fault.inject(handler=ok_handler, api="rest", handler_duration=lambda event: "long")
    with pytest.raises(ApigwFaultError, match="handler_duration gave 'long'"):
        requests.get(URL, timeout=10)


def test_the_signature_names_the_new_arguments():
    for key in ("handler=None", "then=None", "sequence=None", "after=None", "stage=None",
                "route=None", "stage_variables=None", "binary_media_types=None",
                "payload_format=None", "handler_duration=None"):  # fmt: skip
        assert key in SIGNATURE


# The marker ---------------------------------------------------------------------


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    return set_up_inner(pytester)


def test_marker_sequence_and_then(inner):
    inner.makepyfile(
        module(
            """
            OK = {"statusCode": 200, "body": "ok"}

            @pytest.mark.apigw_fault(sequence=["api_throttled", OK], api="rest")
            def test_sequence(apigw_fault):
                assert [requests.get(URL, timeout=5).status_code for _ in range(3)] == [
                    429, 200, 200]
                assert apigw_fault.calls[0].scenario.name == "api_throttled"
                assert apigw_fault.calls[1].scenario is None

            @pytest.mark.apigw_fault("function_error", api="http", times=1, then=OK)
            def test_then(apigw_fault):
                assert [httpx.get(URL).status_code for _ in range(2)] == [500, 200]
            """
        )
    )
    inner.runpytest().assert_outcomes(passed=2)


def test_a_bad_marker_is_reported_at_collection(inner):
    inner.makepyfile(
        module(
            """
            @pytest.mark.apigw_fault(sequence=["api_throttled"], api="rest", after="never")
            def test_it():
                pass
            """
        )
    )
    result = inner.runpytest()
    result.stdout.fnmatch_lines(
        [
            "*"
            + literal(
                "test_it: bad @pytest.mark.apigw_fault: unknown after='never'; valid"
                " choices: 'repeat', 'pass'"
            )
            + "*"
        ]
    )
    assert result.ret != 0
