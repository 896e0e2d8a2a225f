"""A real Lambda handler behind the fake gateway (issue 4), end to end.

Every rule of the reference's §5 goes through both clients at least once:
a valid result is the exact wire answer, a malformed one the 502 (REST) /
500 (HTTP API) row with the captured log lines, an exception
``function_error``, a slow handler a timeout, an oversized result
``lambda_response_too_large``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import textwrap
from typing import Any

import httpx
import pytest
import requests
from support import literal, module, set_up_inner

from pytest_apigw_faults import Fault, ProxyFailure, ProxyResult, validate_proxy_result
from pytest_apigw_faults._gateway.table import ApigwFaultError
from pytest_apigw_faults._gateway.wire import HEADER_FORMATS

BASE = "https://abc123def4.execute-api.us-east-1.amazonaws.com"
URL = f"{BASE}/prod/orders/42"
CLIENTS = ["requests", "httpx", "httpx-async"]


def send(client: str, method: str, url: str, **kwargs: Any) -> Any:
    """One request with ``client``; a read timeout far beyond any gateway's."""
    if client == "requests":
        return requests.request(method, url, timeout=400, **kwargs)
    if client == "httpx":
        return httpx.request(method, url, timeout=400, **kwargs)

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(timeout=400) as session:
            return await session.request(method, url, **kwargs)

    return asyncio.run(go())


def names(response: Any) -> list[str]:
    if isinstance(response, httpx.Response):
        return [k.decode().lower() for k, _ in response.headers.raw]
    return [k.lower() for k, _ in response.raw.headers.items()]


class Recorder:
    """A handler that keeps what it was given and returns ``result``."""

    def __init__(self, result: object = None) -> None:
        self.result = result if result is not None else {"statusCode": 200, "body": "ok"}
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []

    def __call__(self, event: dict[str, Any], context: Any) -> object:
        self.events.append(event)
        self.contexts.append(context)
        self.remaining = context.get_remaining_time_in_millis()
        return self.result


# A valid result: the exact wire answer ---------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
def test_rest_valid_result_is_sent_with_the_gateway_success_headers(client, apigw_fault):
    handler = Recorder(
        {
            "statusCode": 201,
            "headers": {"x-team": "orders", "Content-Type": "application/json"},
            "multiValueHeaders": {"x-multi": ["a", "b"]},
            "body": '{"id": "42"}',
        }
    )
    apigw_fault.inject(handler=handler, api="rest", route="/orders/{id}")
    response = send(client, "GET", URL)
    assert response.status_code == 201
    assert response.content == b'{"id": "42"}'
    # the trace before the request id [NINTENDO][EDGE-H1-2025]; the Lambda's
    # headers among API Gateway's ids (interleave, inferred) [PERMATE][REG-H2]
    assert names(response) == [
        "content-type", "content-length", "date", "x-amzn-trace-id", "x-amzn-requestid",
        "x-multi", "x-multi", "x-amz-apigw-id", "x-team", "x-cache", "via", "x-amz-cf-pop",
        "x-amz-cf-id",
    ]  # fmt: skip
    assert response.headers["x-cache"] == "Miss from cloudfront"
    assert response.headers["x-multi"] == "a, b"  # the client joins the two lines
    assert "x-amzn-errortype" not in response.headers
    for name in ("date", "x-amzn-requestid", "x-amz-apigw-id", "x-amzn-trace-id", "via"):
        assert HEADER_FORMATS[name].fullmatch(response.headers[name]), name
    call = apigw_fault.calls[-1]
    assert call.scenario is None
    assert call.result == ProxyResult(
        201,
        (
            ("x-multi", "a"),
            ("x-multi", "b"),
            ("x-team", "orders"),
            ("Content-Type", "application/json"),
        ),
        b'{"id": "42"}',
    )
    assert call.response is response
    apigw_fault.assert_response(response)


@pytest.mark.parametrize("client", CLIENTS)
def test_http_api_valid_result_headers(client, apigw_fault):
    apigw_fault.inject(
        handler=Recorder({"statusCode": 200, "headers": {"x-a": "1"}, "body": "hi",
                          "cookies": ["a=1", "b=2"]}),
        api="http",
    )  # fmt: skip
    response = send(client, "GET", URL)
    assert response.status_code == 200
    assert response.content == b"hi"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert names(response) == [
        "date", "content-type", "content-length", "x-a", "set-cookie", "set-cookie",
        "apigw-requestid",
    ]  # fmt: skip
    apigw_fault.assert_response(response)
    assert apigw_fault.logs == []  # HTTP APIs write no execution log


def test_regional_rest_success_has_no_cloudfront_headers(apigw_fault):
    apigw_fault.inject(handler=Recorder(), api="rest", endpoint="regional")
    response = requests.get(URL, timeout=10)
    assert names(response) == [
        "date", "content-type", "content-length", "x-amzn-trace-id", "x-amzn-requestid",
        "x-amz-apigw-id",
    ]  # fmt: skip


def test_an_error_status_from_the_lambda_is_an_error_from_cloudfront(apigw_fault):
    apigw_fault.inject(handler=Recorder({"statusCode": 404, "body": "no such order"}), api="rest")
    response = requests.get(URL, timeout=10)
    assert response.status_code == 404
    assert response.headers["x-cache"] == "Error from cloudfront"
    assert "x-amzn-errortype" not in response.headers


def test_a_head_request_gets_the_headers_and_no_body(apigw_fault):
    apigw_fault.inject(handler=Recorder({"statusCode": 200, "body": "twelve bytes"}), api="rest")
    response = requests.head(URL, timeout=10)
    assert response.content == b""
    assert response.headers["content-length"] == "12"
    apigw_fault.assert_response(response)


def test_success_log_lines(apigw_fault):
    apigw_fault.inject(handler=Recorder({"statusCode": 200, "body": "ok"}), api="rest")
    response = requests.get(URL, timeout=10)
    rid = response.headers["x-amzn-requestid"]
    assert apigw_fault.logs == [
        f"({rid}) Endpoint response body before transformations:"
        ' {"statusCode": 200, "body": "ok"}',
        f"({rid}) Successfully completed execution",
        f"({rid}) Method completed with status: 200",
    ]


def test_assert_response_finds_a_changed_success(apigw_fault):
    apigw_fault.inject(handler=Recorder(), api="rest")
    response = requests.get(URL, timeout=10)
    response._content = b"changed"
    expected = r"the Lambda's rest answer 200.*\n.*body: got b'changed'"
    with pytest.raises(AssertionError, match=expected):
        apigw_fault.assert_response(response)


# Malformed results: 502 REST / 500 HTTP API, with the log lines --------------

MALFORMED = [
    {"statusCode": "test"},
    {"statusCode": 200, "wrongValue": "value"},
    "justAString",
    {"multiValueHeaders": {"x": "value1"}},
    {"statusCode": 200, "body": {"hey": "dude"}},
    {"statusCode": 200, "cookies": ["a=1"]},
]


@pytest.mark.parametrize("client", ["requests", "httpx"])
@pytest.mark.parametrize("result", MALFORMED, ids=lambda r: json.dumps(r)[:30])
def test_rest_malformed_result_is_a_502(client, result, apigw_fault):
    apigw_fault.inject(handler=Recorder(result), api="rest")
    response = send(client, "GET", URL)
    assert response.status_code == 502
    assert response.content == b'{"message": "Internal server error"}'
    assert response.headers["x-amzn-errortype"] == "InternalServerErrorException"
    assert response.headers["x-cache"] == "Error from cloudfront"
    rid = response.headers["x-amzn-requestid"]
    assert apigw_fault.calls[-1].scenario.name == "malformed_response"
    assert apigw_fault.logs == [
        f"({rid}) Endpoint response body before transformations: {json.dumps(result)}",
        f"({rid}) Execution failed due to configuration error: Malformed Lambda proxy response",
        f"({rid}) Method completed with status: 502",
    ]
    apigw_fault.assert_response(response)


@pytest.mark.parametrize("client", ["requests", "httpx"])
@pytest.mark.parametrize(
    "result",
    [{"statusCode": "test"}, {"statusCode": 200, "headers": {"set-cookie": ["a", "b"]}}],
)
def test_http_api_malformed_result_is_a_500(client, result, apigw_fault):
    apigw_fault.inject(handler=Recorder(result), api="http")
    response = send(client, "GET", URL)
    assert response.status_code == 500
    assert response.content == b'{"message":"Internal Server Error"}'
    assert apigw_fault.calls[-1].scenario.id == "http-malformed_response"
    apigw_fault.assert_response(response)


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_http_api_v2_result_without_status_code_is_the_body(client, apigw_fault):
    apigw_fault.inject(handler=Recorder({"orders": [1, 2]}), api="http")
    response = send(client, "GET", URL)
    assert response.status_code == 200
    assert response.content == b'{"orders": [1, 2]}'
    assert response.headers["content-type"] == "application/json"


def test_http_api_payload_1_0_uses_the_rest_shape(apigw_fault):
    handler = Recorder({"statusCode": 200, "body": "with status"})
    apigw_fault.inject(handler=handler, api="http", payload_format="1.0")
    response = httpx.get(URL + "?a=1&a=2", timeout=10)
    assert response.status_code == 200
    event = handler.events[-1]
    assert event["version"] == "1.0"
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}


# Exceptions, timeouts, sizes --------------------------------------------------


def failing(event: Any, context: Any) -> object:
    raise KeyError("order 42")


@pytest.mark.parametrize("client", CLIENTS)
def test_an_exception_is_a_function_error_with_its_message_in_the_log(client, apigw_fault):
    apigw_fault.inject(handler=failing, api="rest")
    response = send(client, "GET", URL)
    assert response.status_code == 502
    assert response.content == b'{"message": "Internal server error"}'
    call = apigw_fault.calls[-1]
    assert call.scenario.id == "rest-function_error"
    rid = response.headers["x-amzn-requestid"]
    assert apigw_fault.logs == [
        f"({rid}) Lambda execution failed with status 200 due to customer function error:"
        f" 'order 42'. Lambda request id: {call.lambda_request_id}",
        f"({rid}) Method completed with status: 502",
    ]
    assert call.lambda_request_id != rid
    apigw_fault.assert_response(response)


def test_http_api_exception_is_a_500(apigw_fault):
    apigw_fault.inject(handler=failing, api="http")
    response = httpx.get(URL, timeout=10)
    assert response.status_code == 500
    assert apigw_fault.calls[-1].scenario.id == "http-function_error"
    assert apigw_fault.logs == []


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_a_slow_handler_runs_into_its_function_timeout(client, apigw_fault):
    handler = Recorder()
    apigw_fault.inject(handler=handler, api="rest", function_timeout=5, handler_duration=6)
    response = send(client, "GET", URL)
    assert response.status_code == 502
    assert response.elapsed.total_seconds() == 5
    call = apigw_fault.calls[-1]
    assert call.scenario.id == "rest-function_timeout"
    assert handler.remaining == 5000  # the clock stands still while it runs
    lid = call.lambda_request_id
    assert apigw_fault.logs[0].endswith(
        f"customer function error: RequestId: {lid} Error: Task timed out after 5.00 seconds."
        f" Lambda request id: {lid}"
    )


def test_a_handler_just_within_its_timeout_answers(apigw_fault):
    apigw_fault.inject(handler=Recorder(), api="rest", handler_duration=2.5)
    response = requests.get(URL, timeout=10)
    assert response.status_code == 200
    assert response.elapsed.total_seconds() == 2.5


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_a_handler_past_a_shorter_integration_timeout(client, apigw_fault):
    apigw_fault.inject(
        handler=Recorder(),
        api="http",
        function_timeout=60,
        integration_timeout=10,
        handler_duration=lambda event: 12 if event["rawPath"].endswith("42") else 0,
    )
    response = send(client, "GET", URL)
    assert response.status_code == 503
    assert response.content == b'{"message":"Service Unavailable"}'
    assert response.elapsed.total_seconds() == 10
    assert apigw_fault.calls[-1].scenario.id == "http-integration_timeout"
    assert send(client, "GET", URL[:-2] + "7").status_code == 200


def test_a_client_read_timeout_fires_before_a_slow_handler(apigw_fault):
    apigw_fault.inject(handler=Recorder(), api="rest", handler_duration=2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(URL, timeout=1)
    assert apigw_fault.calls[-1].timed_out


@pytest.mark.parametrize(("api", "status"), [("rest", 502), ("http", 500)])
def test_a_result_over_6_mb_is_too_large(api, status, apigw_fault):
    apigw_fault.inject(handler=Recorder({"statusCode": 200, "body": "x" * 6_300_000}), api=api)
    response = requests.get(URL, timeout=10)
    assert response.status_code == status
    assert apigw_fault.calls[-1].scenario.name == "lambda_response_too_large"
    if api == "rest":
        assert (
            "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
            in (apigw_fault.logs[0])
        )


# The event the handler sees ---------------------------------------------------


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_rest_event_carries_the_ids_of_the_response(client, apigw_fault):
    handler = Recorder()
    apigw_fault.inject(
        handler=handler, api="rest", route="/orders/{id}", stage_variables={"table": "orders-test"}
    )
    body = {"content" if client == "httpx" else "data": b'{"n": 1}'}
    response = send(client, "POST", URL + "?size=2&tag=a&tag=b", **body)
    event = handler.events[-1]
    assert event["resource"] == "/orders/{id}"
    assert event["path"] == "/orders/42"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"size": "2", "tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"size": ["2"], "tag": ["a", "b"]}
    assert event["stageVariables"] == {"table": "orders-test"}
    assert event["body"] == '{"n": 1}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "prod"
    assert context["requestId"] == response.headers["x-amzn-requestid"]
    assert context["extendedRequestId"] == response.headers["x-amz-apigw-id"]
    # the answer's trace is the event's Root with the 2025 Parent, Sampled and
    # Lineage after it [EDGE-H1-2025]
    assert response.headers["x-amzn-trace-id"].startswith(
        event["headers"]["X-Amzn-Trace-Id"] + ";Parent="
    )
    assert context["requestTimeEpoch"] // 1000 == int(
        response.headers["x-amzn-trace-id"].split("-")[1], 16
    )
    call = apigw_fault.calls[-1]
    assert call.event is event
    assert handler.contexts[-1].aws_request_id == call.lambda_request_id


def test_http_v2_event_carries_the_request_id(apigw_fault):
    handler = Recorder()
    apigw_fault.inject(handler=handler, api="http", route="GET /prod/orders/{id}")
    response = httpx.get(URL + "?a=1", headers={"Cookie": "s=1; t=2"}, timeout=10)
    event = handler.events[-1]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /prod/orders/{id}"
    assert event["rawQueryString"] == "a=1"
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["pathParameters"] == {"id": "42"}
    assert event["requestContext"]["requestId"] == response.headers["apigw-requestid"]


def test_context_of_the_handler(apigw_fault):
    handler = Recorder()
    apigw_fault.inject(handler=handler, api="rest", function_timeout=10)
    requests.get(URL, timeout=10)
    context = handler.contexts[-1]
    assert handler.remaining == 10_000
    arn = "arn:aws:lambda:us-east-1:123456789012:function:"
    assert context.invoked_function_arn.startswith(arn)
    assert context.memory_limit_in_mb == "128"


def test_a_path_no_route_takes_is_route_not_found(apigw_fault):
    handler = Recorder()
    apigw_fault.inject(handler=handler, api="rest", route="/orders/{id}")
    response = requests.get(f"{BASE}/prod/customers/1", timeout=10)
    assert response.status_code == 403
    assert response.content == b'{"message":"Missing Authentication Token"}'
    assert "x-amzn-trace-id" not in response.headers  # no Lambda was invoked
    assert handler.events == []
    assert apigw_fault.calls[-1].scenario.id == "rest-route_not_found"
    assert apigw_fault.calls[-1].event is None
    apigw_fault.assert_response(response)


def test_an_http_route_for_another_method_is_not_found(apigw_fault):
    apigw_fault.inject(handler=Recorder(), api="http", route="GET /prod/orders/{id}")
    response = httpx.delete(URL, timeout=10)
    assert response.status_code == 404
    assert response.content == b'{"message":"Not Found"}'


def test_another_stage_is_stage_not_found(apigw_fault):
    apigw_fault.inject(handler=Recorder(), api="rest", stage="live")
    response = requests.get(URL, timeout=10)
    assert response.status_code == 403
    assert apigw_fault.calls[-1].scenario.id == "rest-stage_not_found"


# Binary bodies ------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x01binary"


def image(event: Any, context: Any) -> object:
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(PNG).decode(),
        "isBase64Encoded": True,
    }


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_rest_binary_result_is_decoded_when_accept_is_a_binary_media_type(client, apigw_fault):
    apigw_fault.inject(handler=image, api="rest", binary_media_types=["image/png"])
    response = send(client, "GET", URL, headers={"Accept": "image/png"})
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    text = send(client, "GET", URL, headers={"Accept": "application/json"})
    assert text.content == base64.b64encode(PNG)  # sent as the text it is


def test_rest_binary_request_body_is_base64_in_the_event(apigw_fault):
    handler = Recorder()
    apigw_fault.inject(handler=handler, api="rest", binary_media_types="application/octet-stream")
    requests.post(URL, data=PNG, headers={"Content-Type": "application/octet-stream"}, timeout=9)
    assert handler.events[-1]["isBase64Encoded"] is True
    assert base64.b64decode(handler.events[-1]["body"]) == PNG


def test_http_binary_result_is_always_decoded(apigw_fault):
    apigw_fault.inject(handler=image, api="http")
    assert httpx.get(URL, timeout=10).content == PNG


def test_rest_invalid_base64_is_a_500(apigw_fault):
    apigw_fault.inject(
        handler=Recorder({"statusCode": 200, "body": "not base64!", "isBase64Encoded": True}),
        api="rest",
        binary_media_types=["*/*"],
    )
    response = requests.get(URL, headers={"Accept": "image/png"}, timeout=10)
    assert response.status_code == 500
    assert response.content == b'{"message": "Internal server error"}'
    assert apigw_fault.calls[-1].scenario.name == "invalid_base64"


# Async handlers, module paths, the marker -------------------------------------


def test_async_httpx_client_concurrent_calls(apigw_fault):
    handler = Recorder()
    apigw_fault.inject(handler=handler, api="rest")

    async def go() -> list[int]:
        async with httpx.AsyncClient(timeout=10) as session:
            responses = await asyncio.gather(*(session.get(URL) for _ in range(5)))
        return [r.status_code for r in responses]

    assert asyncio.run(go()) == [200] * 5
    assert len({c.request_id for c in apigw_fault.calls}) == 5


def test_a_handler_given_as_a_module_path(apigw_fault, tmp_path, monkeypatch):
    (tmp_path / "orders_app.py").write_text(
        "def handler(event, context):\n    return {'statusCode': 200, 'body': event['path']}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    fault = apigw_fault.inject(handler="orders_app:handler", api="rest")
    assert requests.get(URL, timeout=10).content == b"/orders/42"
    assert "handler='orders_app:handler'" in repr(fault)
    sys.modules.pop("orders_app", None)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("no_such_module_xyz:handler", "cannot import module 'no_such_module_xyz'"),
        ("json:no_such_function", "module 'json' has no attribute 'no_such_function'"),
        ("json:__doc__", "json.__doc__ is a str, not a callable"),
    ],
)
def test_a_bad_module_path_names_what_is_missing(path, message):
    with pytest.raises(ApigwFaultError, match=message):
        Fault(handler=path, api="rest")


def test_validate_proxy_result_without_http():
    assert validate_proxy_result({"statusCode": 204}, api="rest") == ProxyResult(
        204, (("Content-Type", "application/json"),), b""
    )
    failure = validate_proxy_result({"statusCode": 200, "extra": 1}, api="rest")
    assert isinstance(failure, ProxyFailure)
    assert (failure.name, failure.status) == ("malformed_response", 502)


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    return set_up_inner(pytester)


def test_the_marker_runs_a_handler(inner):
    inner.makepyfile(
        orders_app=textwrap.dedent(
            """
            def handler(event, context):
                return {"statusCode": 200, "body": event["pathParameters"]["id"]}
            """
        ),
        test_marker=module(
            """
            pytestmark = pytest.mark.apigw_fault(
                handler="orders_app:handler", api="rest", route="/orders/{id}"
            )

            def test_requests(apigw_fault):
                response = requests.get(URL + "/7", timeout=10)
                assert response.content == b"7"
                apigw_fault.assert_response(response)
                assert apigw_fault.scenario is None

            @pytest.mark.apigw_fault(api="http", route="GET /prod/orders/{id}")
            def test_closest_marker_wins(apigw_fault):
                assert httpx.get(URL + "/8").content == b"8"
                assert apigw_fault.calls[-1].event["version"] == "2.0"
            """
        ),
    )
    inner.syspathinsert()
    inner.runpytest().assert_outcomes(passed=2)


def test_a_bad_module_path_in_the_marker_errors_the_test(inner):
    inner.makepyfile(
        module(
            """
            @pytest.mark.apigw_fault(handler="missing_app:handler", api="rest")
            def test_it():
                pass
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*" + literal("handler 'missing_app:handler': cannot import module 'missing_app'") + "*"]
    )


def test_a_lambda_header_named_like_the_gateway_s_is_remapped_or_dropped(apigw_fault):
    headers = {"Date": "yesterday", "X-Amzn-RequestId": "mine", "x-own": "1"}
    apigw_fault.inject(
        handler=Recorder({"statusCode": 200, "headers": headers}), api="rest", endpoint="regional"
    )
    response = requests.get(URL, timeout=10)
    assert names(response) == [
        "date", "content-type", "content-length", "x-amzn-trace-id", "x-amzn-requestid",
        "x-amzn-remapped-date", "x-amz-apigw-id", "x-own",
    ]  # fmt: skip
    assert response.headers["x-amzn-remapped-date"] == "yesterday"
    assert response.headers["x-amzn-requestid"] != "mine"


def test_a_lambda_s_connection_server_and_authorization_are_remapped_on_rest(apigw_fault):
    # renamed so that API Gateway's own stand [D-PROXY]; an HTTP_PROXY capture
    # shows Connection and Server so renamed [PERMATE]
    headers = {"Connection": "close", "Server": "gunicorn", "Authorization": "Basic x"}
    apigw_fault.inject(
        handler=Recorder({"statusCode": 200, "headers": headers}), api="rest", endpoint="regional"
    )
    response = requests.get(URL, timeout=10)
    assert names(response) == [
        "date", "content-type", "content-length", "x-amzn-trace-id", "x-amzn-requestid",
        "x-amzn-remapped-connection", "x-amzn-remapped-server", "x-amz-apigw-id",
        "x-amzn-remapped-authorization",
    ]  # fmt: skip
    assert response.headers["x-amzn-remapped-server"] == "gunicorn"


def test_a_lambda_s_connection_is_not_remapped_on_an_http_api(apigw_fault):
    headers = {"Server": "gunicorn", "Date": "yesterday"}
    apigw_fault.inject(handler=Recorder({"statusCode": 200, "headers": headers}), api="http")
    response = requests.get(URL, timeout=10)
    assert names(response) == [
        "date", "content-type", "content-length", "server", "apigw-requestid",
    ]  # fmt: skip
    assert response.headers["server"] == "gunicorn"
    assert response.headers["date"] != "yesterday"


def test_a_fault_needs_something_to_answer_with():
    with pytest.raises(ApigwFaultError, match="needs a scenario name"):
        Fault()


def test_loading_the_package_imports_no_client():
    import subprocess

    code = (
        "import sys, pytest_apigw_faults as p; p.validate_proxy_result({}, api='rest');"
        " print([m for m in ('requests', 'httpx', 'responses', 'respx') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
