"""The Lambda runtime model and what API Gateway makes of a Lambda's answer.

Each case of reference §5.1 (REST), §5.2 (HTTP API 2.0) and §5.3 (HTTP API
1.0) is a row here, with the wire outcome the reference gives; then the
runtime's serialisation, error and timeout payloads (§7, §8), the REST log
lines (§9.1) and the context with an injected clock.
"""

from __future__ import annotations

import base64
import decimal
import json
import re

import pytest
from captured import CAPTURED_LOGS

from pytest_apigw_faults._gateway.table import Api, ApigwFaultError
from pytest_apigw_faults._lambda.results import (
    ProxyFailure,
    ProxyResult,
    translate_invocation,
    validate_proxy_result,
)
from pytest_apigw_faults._lambda.runtime import (
    MAX_PAYLOAD_BYTES,
    Invocation,
    LambdaContext,
    error_payload,
    invocation_from_result,
    invoke,
    serialize_result,
    timeout_invocation,
    timeout_payload,
)

JSON = ("Content-Type", "application/json")
TEXT = ("Content-Type", "text/plain; charset=utf-8")
MALFORMED_REST_TAIL = (
    "Execution failed due to configuration error: Malformed Lambda proxy response",
    "Method completed with status: 502",
)


def ok(status, headers, body=b""):
    return ProxyResult(status, tuple(headers), body)


def failed(scenario, status):
    return (scenario, status)


def outcome(result):
    """A ProxyResult as is, a ProxyFailure as (scenario, status)."""
    if isinstance(result, ProxyFailure):
        return (result.name, result.status)
    return result


# --------------------------------------------------------------------------- #
# §5.1 REST v1 (AWS_PROXY)
# --------------------------------------------------------------------------- #

REST_ROWS = [
    # The rows of the §5.1 table, in order.
    pytest.param({"statusCode": 200}, ok(200, [JSON]), id="status-only-200-empty"),
    pytest.param({"statusCode": "test"}, failed("malformed_response", 502), id="status-not-number"),
    pytest.param(
        {"statusCode": 200, "wrongValue": "value"},
        failed("malformed_response", 502),
        id="unknown-key",
    ),
    pytest.param("justAString", failed("malformed_response", 502), id="json-not-object"),
    pytest.param({"statusCode": 200, "headers": None}, ok(200, [JSON]), id="headers-null"),
    pytest.param(
        {"statusCode": 200, "multiValueHeaders": {"test-multi": ["value1", "value2"]}},
        # each value its own line [MV-LAUNCH]; LocalStack's joined snapshot
        # was read through a client that joins them (reference §13)
        ok(200, [("test-multi", "value1"), ("test-multi", "value2"), JSON]),
        id="multi-value-separate-lines",
    ),
    pytest.param(
        {"multiValueHeaders": {"x": "value1"}},
        failed("malformed_response", 502),
        id="multi-value-not-list",
    ),
    pytest.param(
        {"statusCode": 200, "body": {"hey": "dude"}},
        failed("malformed_response", 502),
        id="body-object",
    ),
    pytest.param(
        {"statusCode": 200, "cookies": ["a=1"]},
        failed("malformed_response", 502),
        id="v2-cookies-key",
    ),
    # The general rules under the table.
    pytest.param({}, ok(200, [JSON]), id="empty-object-valid"),
    pytest.param(
        {"headers": {"test-header": "value"}},
        ok(200, [("test-header", "value"), JSON]),
        id="missing-status-200",
    ),
    pytest.param({"statusCode": "201"}, ok(201, [JSON]), id="numeric-string-status"),
    pytest.param(
        {"statusCode": 200, "headers": {"test-header": "value", "header-bool": True}},
        ok(200, [("test-header", "value"), ("header-bool", "true"), JSON]),
        id="bool-lower-case-true",
    ),
    pytest.param(
        {"statusCode": 200, "headers": {"flag": False}},
        ok(200, [("flag", "false"), JSON]),
        id="bool-lower-case-false",
    ),
    pytest.param(
        {
            "statusCode": 200,
            "multiValueHeaders": {"test-multi": ["value-multi"]},
            "headers": {"test-multi": "value-solo"},
        },
        ok(200, [("test-multi", "value-multi"), ("test-multi", "value-solo"), JSON]),
        id="merge-multi-first",
    ),
    pytest.param(
        {
            "statusCode": 200,
            "multiValueHeaders": {"tesT-Multi": ["value-multi"]},
            "headers": {"test-multi": "value-solo"},
        },
        ok(200, [("tesT-Multi", "value-multi"), ("tesT-Multi", "value-solo"), JSON]),
        id="merge-multi-spelling",
    ),
    pytest.param(
        {
            "statusCode": 200,
            "multiValueHeaders": {"Location": ["/a"]},
            "headers": {"Location": "/a"},
        },
        ok(200, [("Location", "/a"), JSON]),
        id="merge-same-pair-once",
    ),
    pytest.param(
        {"statusCode": 200, "body": "hi", "headers": {"content-type": "text/plain"}},
        ok(200, [("content-type", "text/plain")], b"hi"),
        id="own-content-type-no-default",
    ),
    pytest.param(
        {"statusCode": 204, "headers": {"Content-Type": None}},
        ok(204, []),
        id="null-content-type-no-default",
    ),
    pytest.param(
        {"statusCode": 200, "headers": {"x-count": 3}},
        failed("malformed_response", 502),
        id="number-header-localstack",
    ),
    pytest.param(
        {"statusCode": 200, "body": "caf\u00e9"},
        ok(200, [JSON], "caf\u00e9".encode()),
        id="utf8-body",
    ),
    pytest.param(None, failed("malformed_response", 502), id="json-null"),
    pytest.param([1, 2], failed("malformed_response", 502), id="json-array"),
    pytest.param(
        {"statusCode": 200, "isBase64Encoded": "yes"},
        failed("malformed_response", 502),
        id="flag-not-bool",
    ),
    pytest.param({"statusCode": True}, failed("malformed_response", 502), id="status-bool"),
    pytest.param({"statusCode": 42}, failed("malformed_response", 502), id="status-out-of-range"),
]


@pytest.mark.parametrize(("result", "expected"), REST_ROWS)
def test_rest_proxy_result_rules(result, expected):
    assert outcome(validate_proxy_result(result, api="rest")) == expected


@pytest.mark.parametrize("key", ["statusCode", "body", "headers", "multiValueHeaders",
                                 "isBase64Encoded"])
def test_rest_allows_exactly_the_five_keys(key):
    values = {
        "statusCode": 200,
        "body": "x",
        "headers": {},
        "multiValueHeaders": {},
        "isBase64Encoded": False,
    }
    assert isinstance(validate_proxy_result({key: values[key]}, api="rest"), ProxyResult)


def test_rest_malformed_log_is_the_captured_one():
    # The capture's Lambda returned the string "Bad response" [T].
    failure = validate_proxy_result("Bad response", api="rest")
    prefix = "(8212e5af-c174-48ce-85d5-729d73c6771a) "
    assert failure == ProxyFailure(
        "malformed_response",
        502,
        "the payload is JSON str, not an object",
        tuple(line.removeprefix(prefix) for line in CAPTURED_LOGS["malformed_response"]),
        api=Api.REST,
    )


def test_rest_malformed_log_shows_the_payload_as_the_runtime_wrote_it():
    # [LP59]: the body object, in Python's json.dumps spacing.
    failure = validate_proxy_result({"statusCode": 200, "body": {"hey": "dude"}}, api="rest")
    assert failure.render() == (
        'Endpoint response body before transformations: {"statusCode": 200,'
        ' "body": {"hey": "dude"}}',
        *MALFORMED_REST_TAIL,
    )
    # The lines are format templates, as the table's Scenario.log lines.
    assert failure.log[0] == (
        'Endpoint response body before transformations: {{"statusCode": 200,'
        ' "body": {{"hey": "dude"}}}}'
    )


B64 = base64.b64encode(b"\x89PNG binary").decode()


@pytest.mark.parametrize(
    ("accept", "binary_types", "expected_body"),
    [
        pytest.param("image/png", ("image/png",), b"\x89PNG binary", id="accept-matches"),
        pytest.param("image/png", (), B64.encode(), id="no-binary-types"),
        pytest.param("application/json", ("image/png",), B64.encode(), id="accept-differs"),
        pytest.param(None, ("image/png",), B64.encode(), id="no-accept"),
        pytest.param("image/png;q=0.9", ("image/png",), b"\x89PNG binary", id="parameters"),
        pytest.param("text/html, image/png", ("image/png",), B64.encode(), id="only-first"),
        pytest.param("text/html, image/png", ("*/*",), b"\x89PNG binary", id="any-type"),
        pytest.param("image/gif", ("image/*",), b"\x89PNG binary", id="type-wildcard"),
        pytest.param("*/*", ("image/png",), B64.encode(), id="client-wildcard"),
    ],
)
def test_rest_base64_decoded_only_when_accept_is_binary(accept, binary_types, expected_body):
    result = {
        "statusCode": 200,
        "body": B64,
        "isBase64Encoded": True,
        # the response's own type does not matter [LS-B64]
        "headers": {"Content-Type": "text/plain"},
    }
    got = validate_proxy_result(
        result, api="rest", accept=accept, binary_media_types=binary_types
    )
    assert got == ok(200, [("Content-Type", "text/plain")], expected_body)


@pytest.mark.parametrize("body", ["not base64!", "YWJj ZGVm", "A"])
def test_rest_invalid_base64_is_a_500(body):
    failure = validate_proxy_result(
        {"statusCode": 200, "body": body, "isBase64Encoded": True},
        api="rest",
        accept="image/png",
        binary_media_types=("image/png",),
    )
    assert outcome(failure) == ("invalid_base64", 500)
    assert failure.log[-1] == "Method completed with status: 500"


def test_rest_base64_padding_is_optional():
    got = validate_proxy_result(
        {"body": "YWI", "isBase64Encoded": True}, api="rest", accept="a/b",
        binary_media_types=("a/b",),
    )
    assert got.body == b"ab"


def test_rest_invalid_base64_is_sent_as_text_without_binary_accept():
    got = validate_proxy_result(
        {"statusCode": 200, "body": "not base64!", "isBase64Encoded": True}, api="rest"
    )
    assert got == ok(200, [JSON], b"not base64!")


# --------------------------------------------------------------------------- #
# §5.2 HTTP API payload 2.0
# --------------------------------------------------------------------------- #

HTTP_V2_ROWS = [
    # [D-HTTPLAMBDA]: no statusCode, the whole value is the body.
    pytest.param("Hello from Lambda!", ok(200, [JSON], b"Hello from Lambda!"), id="string"),
    pytest.param(
        {"message": "Hello from Lambda!"},
        ok(200, [JSON], b'{"message": "Hello from Lambda!"}'),
        id="object-json-dumps",
    ),
    pytest.param([1, "a"], ok(200, [JSON], b'[1, "a"]'), id="array"),
    pytest.param(5, ok(200, [JSON], b"5"), id="number"),
    pytest.param(None, ok(200, [JSON], b"null"), id="null"),
    pytest.param("", ok(200, [JSON], b""), id="empty-string"),
    pytest.param({}, ok(200, [JSON], b"{}"), id="empty-object"),
    pytest.param(
        {"headers": {"test-header": "value"}},
        ok(200, [JSON], b'{"headers": {"test-header": "value"}}'),
        id="no-status-headers-are-body",
    ),
    # A custom response.
    pytest.param(
        {
            "statusCode": 201,
            "headers": {"content-type": "text/html"},
            "cookies": ["a=1", "b=2; Path=/"],
            "body": "<p>",
        },
        ok(201, [("content-type", "text/html"), ("set-cookie", "a=1"),
                 ("set-cookie", "b=2; Path=/")], b"<p>"),
        id="cookies-set-cookie",
    ),
    pytest.param(
        {"statusCode": 200, "headers": {"set-cookie": ["a=1", "b=2"]}},
        failed("malformed_response", 500),
        id="array-header-500",
    ),
    pytest.param({"statusCode": "test"}, failed("malformed_response", 500), id="status-invalid"),
    pytest.param({"statusCode": "201"}, ok(201, [TEXT]), id="status-numeric-string"),
    pytest.param(
        {"statusCode": 200, "wrongValue": "value", "multiValueHeaders": {"a": ["b"]}},
        ok(200, [TEXT]),
        id="extra-keys-ignored",
    ),
    pytest.param(
        {"statusCode": 200, "cookies": {"test-cookies-invalid": "value1"}},
        failed("malformed_response", 500),
        id="cookies-object-500",
    ),
    pytest.param(
        {"statusCode": 200, "isBase64Encoded": True, "body": B64,
         "headers": {"content-type": "text/plain"}},
        ok(200, [("content-type", "text/plain")], b"\x89PNG binary"),
        id="base64-whatever-the-type",
    ),
    pytest.param(
        {"statusCode": 200, "headers": {"x-flag": True}},
        ok(200, [("x-flag", "true"), TEXT]),
        id="bool-header",
    ),
    pytest.param(
        {"errorMessage": "test fake error message"},
        failed("malformed_response", 500),
        id="returned-error-message",
    ),
]


@pytest.mark.parametrize(("result", "expected"), HTTP_V2_ROWS)
def test_http_v2_proxy_result_rules(result, expected):
    assert outcome(validate_proxy_result(result, api="http")) == expected


def test_http_v2_keeps_the_runtime_serialisation_of_unicode():
    got = validate_proxy_result({"city": "Z\u00fcrich"}, api="http", runtime="python3.12")
    assert got.body == '{"city": "Z\u00fcrich"}'.encode()
    got = validate_proxy_result({"city": "Z\u00fcrich"}, api="http", runtime="python3.11")
    assert got.body == b'{"city": "Z\\u00fcrich"}'


def test_http_failures_write_no_execution_log():
    assert validate_proxy_result({"statusCode": "x"}, api="http").log == ()
    assert validate_proxy_result({}, api="http", payload_format="1.0").log == ()


# --------------------------------------------------------------------------- #
# §5.3 HTTP API payload 1.0
# --------------------------------------------------------------------------- #

HTTP_V1_ROWS = [
    pytest.param({"statusCode": 200, "body": "hi"}, ok(200, [TEXT], b"hi"), id="plain"),
    # Other keys are ignored; a statusCode is required [LS-V1V2] (reference §13).
    pytest.param(
        {"statusCode": 200, "wrongValue": "value"},
        ok(200, [TEXT]),
        id="unknown-key-ignored",
    ),
    pytest.param({"body": "x"}, failed("malformed_response", 500), id="missing-status-500"),
    pytest.param({}, failed("malformed_response", 500), id="empty-object-500"),
    pytest.param(
        {"headers": {"test-header": "value"}},
        failed("malformed_response", 500),
        id="only-headers-500",
    ),
    pytest.param("justAString", failed("malformed_response", 500), id="json-not-object"),
    pytest.param(
        {"statusCode": 200, "multiValueHeaders": {"x": "v"}},
        failed("malformed_response", 500),
        id="multi-value-not-list",
    ),
    pytest.param(
        {"statusCode": 200, "headers": {"Location": "/a"},
         "multiValueHeaders": {"Location": ["/a"]}},
        ok(200, [("Location", "/a"), ("Location", "/a"), TEXT]),
        id="separate-lines",
    ),
    pytest.param(
        {"statusCode": 200, "body": B64, "isBase64Encoded": True},
        ok(200, [TEXT], b"\x89PNG binary"),
        id="base64-always",
    ),
    pytest.param(
        {"statusCode": 200, "body": "???", "isBase64Encoded": True},
        failed("malformed_response", 500),
        id="bad-base64",
    ),
]


@pytest.mark.parametrize(("result", "expected"), HTTP_V1_ROWS)
def test_http_v1_proxy_result_rules(result, expected):
    got = validate_proxy_result(result, api="http", payload_format="1.0")
    assert outcome(got) == expected


@pytest.mark.parametrize(
    ("api", "payload_format"), [("rest", "2.0"), ("http", "3.0"), ("grpc", None)]
)
def test_unknown_api_or_format_is_refused(api, payload_format):
    with pytest.raises(ApigwFaultError):
        validate_proxy_result({}, api=api, payload_format=payload_format)


# --------------------------------------------------------------------------- #
# The runtime's serialisation and the 6 MB limit (§8)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("value", "runtime", "payload"),
    [
        ({"a": 1, "b": [1, 2]}, "python3.12", b'{"a": 1, "b": [1, 2]}'),
        (("x", None, True), "python3.12", b'["x", null, true]'),
        ({"e": "\u00e9"}, "python3.12", '{"e": "\u00e9"}'.encode()),
        ({"e": "\u00e9"}, "python3.13", '{"e": "\u00e9"}'.encode()),
        ({"e": "\u00e9"}, "python3.11", b'{"e": "\\u00e9"}'),
        ({"e": "\u00e9"}, "python3.9", b'{"e": "\\u00e9"}'),
        ({"pi": decimal.Decimal("3.14159")}, "python3.12", b'{"pi": 3.14159}'),
        ({"n": decimal.Decimal("nan")}, "python3.12", b'{"n": NaN}'),
        ({"n": float("inf")}, "python3.12", b'{"n": Infinity}'),
        (b"raw bytes", "python3.12", b"raw bytes"),
    ],
)
def test_serialize_result_like_the_python_runtime(value, runtime, payload):
    assert serialize_result(value, runtime=runtime) == payload


def test_nan_in_the_payload_is_malformed():
    assert outcome(validate_proxy_result({"statusCode": float("nan")}, api="rest")) == (
        "malformed_response", 502,
    )


def test_bytes_that_are_not_json_are_malformed():
    failure = validate_proxy_result(b"\x00\x01", api="rest")
    assert outcome(failure) == ("malformed_response", 502)


def test_unserialisable_result_is_a_marshal_error():
    invocation = invocation_from_result({1, 2}, request_id="r-1")
    assert invocation.function_error == "Unhandled"
    assert json.loads(invocation.payload) == {
        "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
        "errorType": "Runtime.MarshalError",
        "requestId": "r-1",
        "stackTrace": [],
    }
    failure = translate_invocation(invocation, api="rest")
    assert failure.name == "function_error"
    assert failure.log[0] == (
        "Lambda execution failed with status 200 due to customer function error: Unable to"
        " marshal response: Object of type set is not JSON serializable. Lambda request id: r-1"
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param(0, None, id="exactly-6291556"),
        pytest.param(1, ("lambda_response_too_large", 502), id="one-byte-more"),
    ],
)
def test_payload_limit_is_6291556_bytes(extra, expected):
    result = "x" * (MAX_PAYLOAD_BYTES - 2 + extra)  # two quotes around it
    assert len(serialize_result(result)) == MAX_PAYLOAD_BYTES + extra
    got = validate_proxy_result(result, api="http")
    if expected is None:
        assert isinstance(got, ProxyResult)
    else:
        assert outcome(validate_proxy_result(result, api="rest")) == expected


def test_too_large_counts_the_serialised_bytes():
    # Escaped non-ASCII takes 6 bytes a character before Python 3.12.
    result = "\u00e9" * (MAX_PAYLOAD_BYTES // 6 + 1)
    assert isinstance(validate_proxy_result(result, api="http", runtime="python3.12"),
                      ProxyResult)
    assert validate_proxy_result(result, api="http", runtime="python3.11").name == (
        "lambda_response_too_large"
    )


def test_too_large_failure_and_log():
    failure = validate_proxy_result("x" * MAX_PAYLOAD_BYTES, api="rest", lambda_request_id="L")
    assert failure == ProxyFailure(
        "lambda_response_too_large",
        502,
        "Function.ResponseSizeTooLarge: Response payload size exceeded maximum allowed payload"
        " size (6291556 bytes).",
        (
            "Lambda execution failed with status 200 due to customer function error: Response"
            " payload size exceeded maximum allowed payload size (6291556 bytes).."
            " Lambda request id: L",
            "Method completed with status: 502",
        ),
        api=Api.REST,
    )
    assert validate_proxy_result("x" * MAX_PAYLOAD_BYTES, api="http") == ProxyFailure(
        "lambda_response_too_large", 500, failure.reason, api=Api.HTTP
    )


# --------------------------------------------------------------------------- #
# Function errors and the function timeout (§5.1 row 5, §7, §9.1)
# --------------------------------------------------------------------------- #


def fixed_clock(now=1_700_000_000.0):
    state = {"now": now}

    def clock():
        return state["now"]

    return state, clock


def context(request_id="758a8c2f-35eb-4713-b55e-56879fbc968b", **kwargs):
    kwargs.setdefault("clock", fixed_clock()[1])
    return LambdaContext(aws_request_id=request_id, **kwargs)


class AppError(Exception):
    pass


def failing_handler(event, ctx):
    raise AppError("Application error in a Lambda function")


def test_unhandled_exception_payload_is_the_runtimes():
    invocation = invoke(failing_handler, {}, context())
    assert invocation.function_error == "Unhandled"
    text = invocation.payload.decode()
    assert text.startswith(
        '{"errorMessage": "Application error in a Lambda function", "errorType": "AppError",'
        ' "requestId": "758a8c2f-35eb-4713-b55e-56879fbc968b", "stackTrace": ["  File \\"'
    )
    trace = json.loads(text)["stackTrace"]
    assert len(trace) == 1  # the handler's frame only, not the invoker's
    assert re.fullmatch(
        r'  File ".*test_lambda\.py", line \d+, in failing_handler\n'
        r'    raise AppError\("Application error in a Lambda function"\)\n',
        trace[0],
    )


def test_unhandled_exception_is_the_captured_function_error():
    failure = translate_invocation(invoke(failing_handler, {}, context()), api="rest")
    prefix = "(5293df93-f895-46ee-8c21-1471f0d0cef0) "
    assert failure == ProxyFailure(
        "function_error",
        502,
        "AppError: Application error in a Lambda function",
        tuple(line.removeprefix(prefix) for line in CAPTURED_LOGS["function_error"]),
        api=Api.REST,
    )
    http = translate_invocation(invoke(failing_handler, {}, context()), api="http")
    assert (http.name, http.status, http.log) == ("function_error", 500, ())


def test_error_payload_of_a_key_error_quotes_the_key():
    # As in Azul's "Lambda Customer Function Error:'AZUL_S3_BUCKET'".
    try:
        {}["AZUL_S3_BUCKET"]
    except KeyError as exc:
        payload = error_payload(exc, request_id="r")
    assert payload["errorMessage"] == "'AZUL_S3_BUCKET'"
    assert list(payload) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert all(isinstance(line, str) for line in payload["stackTrace"])


def test_base_exceptions_are_not_caught():
    def handler(event, ctx):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        invoke(handler, {}, context())


def test_async_handler_is_a_marshal_error_without_warning(recwarn):
    async def handler(event, ctx):
        return {"statusCode": 200}

    invocation = invoke(handler, {}, context())
    assert invocation.error["errorType"] == "Runtime.MarshalError"
    assert "coroutine" in invocation.error["errorMessage"]
    assert not recwarn.list


@pytest.mark.parametrize(
    ("timeout", "text"),
    [(3, "3.00"), (0.5, "0.50"), (28.999, "29.00"), (900, "900.00")],
)
def test_timeout_payload(timeout, text):
    assert timeout_payload(request_id="abc", timeout=timeout) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: abc Error: Task timed out after {text} seconds",
    }
    assert timeout_invocation(request_id="abc", timeout=timeout).payload == (
        b'{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: abc Error: Task timed'
        b" out after " + text.encode() + b' seconds"}'
    )


@pytest.mark.parametrize(
    ("spent", "scenario"),
    [
        pytest.param(2.998, None, id="in-time"),
        pytest.param(3.0, "function_timeout", id="at-deadline"),
        pytest.param(60.0, "function_timeout", id="long-past"),
    ],
)
def test_handler_that_runs_out_of_time(spent, scenario):
    state, clock = fixed_clock()
    ctx = LambdaContext(aws_request_id="req-1", timeout=3, clock=clock)

    def handler(event, ctx):
        state["now"] += spent
        return {"statusCode": 200}

    got = translate_invocation(invoke(handler, {}, ctx), api="rest")
    if scenario is None:
        assert got == ok(200, [JSON])
    else:
        assert got == ProxyFailure(
            "function_timeout",
            502,
            "Sandbox.Timedout: RequestId: req-1 Error: Task timed out after 3.00 seconds",
            (
                "Lambda execution failed with status 200 due to customer function error:"
                " RequestId: req-1 Error: Task timed out after 3.00 seconds."
                " Lambda request id: req-1",
                "Method completed with status: 502",
            ),
            api=Api.REST,
        )
        http = translate_invocation(invoke(handler, {}, ctx), api="http")
        assert (http.name, http.status) == ("function_timeout", 500)


def test_an_error_raised_after_the_deadline_is_a_timeout():
    state, clock = fixed_clock()
    ctx = LambdaContext(aws_request_id="r", timeout=1, clock=clock)

    def handler(event, ctx):
        state["now"] += 5
        raise RuntimeError("too late")

    assert invoke(handler, {}, ctx).error["errorType"] == "Sandbox.Timedout"


def test_log_lines_are_format_templates():
    # As the table's Scenario.log lines: braces doubled, and the Lambda request
    # id a {lambda_request_id} placeholder when it is not known.
    failure = translate_invocation(
        Invocation(
            "L-1", b'{"errorMessage": "bad {json} here", "errorType": "E"}', "Unhandled"
        ),
        api="rest",
    )
    assert failure.log[0].endswith("bad {{json}} here. Lambda request id: L-1")
    assert failure.render()[0].endswith("bad {json} here. Lambda request id: L-1")
    templated = validate_proxy_result({1}, api="rest")
    assert templated.log[0].endswith("Lambda request id: {lambda_request_id}")
    assert templated.log[0].format(lambda_request_id="X", request_id="R").endswith(
        "is not JSON serializable. Lambda request id: X"
    )
    assert templated.render("Y")[0].endswith("Lambda request id: Y")
    returned = validate_proxy_result({"statusCode": 200, "body": {"a": "{b}"}}, api="rest")
    assert returned.render()[0].endswith('{"statusCode": 200, "body": {"a": "{b}"}}')


def test_function_error_payload_that_is_not_json():
    failure = translate_invocation(Invocation("r", b"Task timed out", "Unhandled"), api="rest")
    assert (failure.name, failure.reason) == ("function_error", "Task timed out")


# --------------------------------------------------------------------------- #
# The context
# --------------------------------------------------------------------------- #


def test_context_attributes():
    ctx = LambdaContext(
        aws_request_id="id-1",
        function_name="orders",
        memory_limit_in_mb=512,
        region="eu-west-1",
        account_id="111122223333",
        clock=lambda: 1_747_708_810.0,  # 2025-05-20
    )
    assert ctx.aws_request_id == "id-1"
    assert ctx.function_name == "orders"
    assert ctx.function_version == "$LATEST"
    assert ctx.memory_limit_in_mb == "512"  # a string, as the runtime reads it
    assert ctx.invoked_function_arn == "arn:aws:lambda:eu-west-1:111122223333:function:orders"
    assert ctx.log_group_name == "/aws/lambda/orders"
    assert re.fullmatch(r"2025/05/20/\[\$LATEST\][0-9a-f]{32}", ctx.log_stream_name)
    assert ctx.identity.cognito_identity_id is None
    assert ctx.client_context is None


def test_remaining_time_follows_the_injected_clock():
    state, clock = fixed_clock(100.0)
    ctx = LambdaContext(aws_request_id="r", timeout=3, clock=clock)
    assert ctx.deadline_ms == 103_000
    assert ctx.get_remaining_time_in_millis() == 3000
    state["now"] = 101.2505
    assert ctx.get_remaining_time_in_millis() == 1750  # whole milliseconds
    state["now"] = 102.999
    assert ctx.get_remaining_time_in_millis() == 1
    state["now"] = 250.0
    assert ctx.get_remaining_time_in_millis() == 0  # never below zero


def test_remaining_time_from_a_given_start():
    ctx = LambdaContext(aws_request_id="r", timeout=10, clock=lambda: 5.0, started_at=0.0)
    assert ctx.get_remaining_time_in_millis() == 5000


def test_context_needs_a_positive_timeout():
    with pytest.raises(ValueError, match="positive"):
        LambdaContext(aws_request_id="r", timeout=0)


def test_handler_sees_its_context():
    seen = {}

    def handler(event, ctx):
        seen["left"] = ctx.get_remaining_time_in_millis()
        seen["event"] = event
        return {"statusCode": 200, "body": ctx.aws_request_id}

    invocation = invoke(handler, {"k": "v"}, context(request_id="abc"))
    assert seen == {"left": 3000, "event": {"k": "v"}}
    assert translate_invocation(invocation, api="rest").body == b"abc"
