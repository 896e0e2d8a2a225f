"""The events API Gateway passes to a Lambda, and route and stage matching.

The expected key sets and value forms are those of the AWS documentation's
examples (REST: set-up-lambda-proxy-integrations, input format; HTTP API:
http-api-develop-integrations-lambda, formats 2.0 and 1.0) and of the REST
events LocalStack recorded against AWS.
"""

from __future__ import annotations

import base64
import re

import pytest

from pytest_apigw_faults._gateway.table import Api, ApigwFaultError
from pytest_apigw_faults._lambda.events import (
    build_event,
    http_event_v1,
    http_event_v2,
    rest_event,
)
from pytest_apigw_faults._lambda.routes import ProxyApi, ProxyRequest, match_route, strip_stage

HOST = "gy415nuibc.execute-api.us-east-1.amazonaws.com"
EPOCH_MS = 1583349317135  # the docs' 1.0 example: 04/Mar/2020:19:15:17 +0000
CLF_TIME = re.compile(
    r"\d{2}/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} \+0000"
)
REQUEST_ID = "deef4878-7910-11e6-8f14-25afc3e9ae33"
APIGW_ID = "K2G9wEbUoAMEvag="


# --------------------------------------------------------------------------- #
# Routes and stages
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("/orders", "/orders", {}),
        ("/", "/", {}),
        ("/orders", "/orders/", {}),
        ("/orders", "/order", None),
        ("/orders", "/Orders", None),
        ("/orders/{id}", "/orders/42", {"id": "42"}),
        ("/orders/{id}", "/orders/42/", {"id": "42"}),
        ("/orders/{id}", "/orders/42//", None),
        ("/{proxy+}", "/a/b//", None),
        ("/orders/{id}", "/orders", None),
        ("/orders/{id}", "/orders/", None),
        ("/orders/{id}", "/orders/42/items", None),
        ("/orders/{id}/items/{item}", "/orders/1/items/2", {"id": "1", "item": "2"}),
        ("/{proxy+}", "/hello/world", {"proxy": "hello/world"}),
        ("/{proxy+}", "/test-path/", {"proxy": "test-path"}),
        ("/{proxy+}", "/", None),
        ("/produce/{proxy+}", "/produce/fruit/apple", {"proxy": "fruit/apple"}),
        ("/produce/{proxy+}", "/produce", None),
        ("/produce/{proxy+}", "/vegetables/carrot", None),
        ("/{proxy+}", "/a//b", None),
        # values stay as sent, escapes included (LocalStack's AWS snapshot)
        (
            "/{proxy+}",
            "/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
            {"proxy": "api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"},
        ),
        ("/users/{name}", "/users/a%20b", {"name": "a%20b"}),
    ],
)
def test_match_route(template, path, expected):
    assert match_route(template, path) == expected


def test_greedy_variable_must_end_the_route():
    with pytest.raises(ApigwFaultError, match="greedy"):
        match_route("/{proxy+}/x", "/a/x")


@pytest.mark.parametrize(
    ("path", "stage", "expected"),
    [
        ("/prod/orders", "prod", "/orders"),
        ("/prod", "prod", "/"),
        ("/prod/", "prod", "/"),
        ("/prod/orders/", "prod", "/orders/"),
        ("/production/orders", "prod", None),
        ("/orders", "prod", None),
        ("/orders", "$default", "/orders"),
        ("/dev/orders", "$default", "/dev/orders"),
    ],
)
def test_strip_stage(path, stage, expected):
    assert strip_stage(path, stage) == expected


# --------------------------------------------------------------------------- #
# REST (payload 1.0)
# --------------------------------------------------------------------------- #

# The documentation's example request: POST /testStage/hello/world?name=me to
# a /{proxy+} resource with a stage variable (multivalueName from its event).
DOC_REST_REQUEST = ProxyRequest(
    "POST",
    f"https://{HOST}/testStage/hello/world?name=me&multivalueName=you&multivalueName=me",
    (
        ("Content-Type", "application/json"),
        ("headerName", "headerValue"),
        ("User-Agent", "PostmanRuntime/2.4.5"),
        ("Content-Length", "14"),
    ),
    b'{\r\n\t"a": 1\r\n}',
)
DOC_REST_API = ProxyApi(
    Api.REST, "/{proxy+}", stage_variables={"stageVariableName": "stageVariableValue"}
)


def doc_rest_event(**kwargs):
    kwargs.setdefault("trace_id", "Root=1-5e5ffd45-fe6f1b1c0bd2a0c2a2f1e3c4")
    return build_event(
        DOC_REST_REQUEST,
        DOC_REST_API,
        request_id=REQUEST_ID,
        extended_request_id=APIGW_ID,
        time_epoch_ms=EPOCH_MS,
        **kwargs,
    )


def test_rest_event_keys_are_the_documented_ones():
    event = doc_rest_event()
    assert list(event) == [
        "resource", "path", "httpMethod", "headers", "multiValueHeaders",
        "queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
        "stageVariables", "requestContext", "body", "isBase64Encoded",
    ]
    # requestContext and identity: the keys of AWS's own events (LocalStack's
    # validated snapshots; the docs' examples show subsets of them).
    assert sorted(event["requestContext"]) == [
        "accountId", "apiId", "deploymentId", "domainName", "domainPrefix",
        "extendedRequestId", "httpMethod", "identity", "path", "protocol", "requestId",
        "requestTime", "requestTimeEpoch", "resourceId", "resourcePath", "stage",
    ]
    assert sorted(event["requestContext"]["identity"]) == [
        "accessKey", "accountId", "caller", "cognitoAuthenticationProvider",
        "cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId",
        "principalOrgId", "sourceIp", "user", "userAgent", "userArn",
    ]


def test_rest_event_values_of_the_documented_example():
    event = doc_rest_event()
    assert event["resource"] == "/{proxy+}"
    assert event["path"] == "/hello/world"
    assert event["httpMethod"] == "POST"
    assert event["queryStringParameters"] == {"name": "me", "multivalueName": "me"}
    assert event["multiValueQueryStringParameters"] == {
        "name": ["me"], "multivalueName": ["you", "me"],
    }
    assert event["pathParameters"] == {"proxy": "hello/world"}
    assert event["stageVariables"] == {"stageVariableName": "stageVariableValue"}
    assert event["body"] == '{\r\n\t"a": 1\r\n}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "testStage"
    assert context["requestId"] == REQUEST_ID
    assert context["extendedRequestId"] == APIGW_ID
    assert context["resourcePath"] == "/{proxy+}"
    assert context["httpMethod"] == "POST"
    assert context["apiId"] == "gy415nuibc"
    assert context["domainName"] == HOST
    assert context["domainPrefix"] == "gy415nuibc"
    assert context["path"] == "/testStage/hello/world"
    assert context["protocol"] == "HTTP/1.1"
    assert context["accountId"] == "123456789012"
    assert context["requestTime"] == "04/Mar/2020:19:15:17 +0000"
    assert CLF_TIME.fullmatch(context["requestTime"])
    assert context["requestTimeEpoch"] == EPOCH_MS
    assert re.fullmatch(r"[0-9a-z]{6}", context["resourceId"])
    assert re.fullmatch(r"[0-9a-z]{6}", context["deploymentId"])
    assert context["identity"]["sourceIp"] == "192.0.2.1"
    assert context["identity"]["userAgent"] == "PostmanRuntime/2.4.5"
    assert context["identity"]["user"] is None


def test_rest_event_headers():
    event = doc_rest_event()
    assert event["headers"] == {
        "Host": HOST,
        "Content-Type": "application/json",
        "headerName": "headerValue",
        "User-Agent": "PostmanRuntime/2.4.5",
        "X-Amzn-Trace-Id": "Root=1-5e5ffd45-fe6f1b1c0bd2a0c2a2f1e3c4",
        "X-Forwarded-For": "192.0.2.1",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }  # no Content-Length: AWS drops it
    assert event["multiValueHeaders"] == {k: [v] for k, v in event["headers"].items()}


def test_rest_event_repeated_headers_keep_the_last_value():
    request = ProxyRequest(
        "GET",
        f"https://{HOST}/prod/x",
        (("X-Multi", "1"), ("x-multi", "2"), ("X-Multi", "3"), ("user-Agent", "ua"),
         ("tEsT-HEADeR", "aValUE"), ("Connection", "keep-alive"),
         ("X-Forwarded-For", "203.0.113.7")),
    )
    event = rest_event(request, ProxyApi("rest", "/x"), request_id="r",
                       extended_request_id="e", time_epoch_ms=0)
    assert event["headers"]["X-Multi"] == "3"
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2", "3"]
    assert event["headers"]["User-Agent"] == "ua"  # capitalised by CloudFront
    assert event["headers"]["tEsT-HEADeR"] == "aValUE"  # other names as sent
    assert "Connection" not in event["headers"]
    assert event["headers"]["X-Forwarded-For"] == "203.0.113.7, 192.0.2.1"
    assert "X-Amzn-Trace-Id" not in event["headers"]  # none given


def test_rest_event_empty_parts_are_null():
    request = ProxyRequest("GET", f"https://{HOST}/test/test-path/")
    event = rest_event(request, ProxyApi("rest", "/{proxy+}"), request_id="r",
                       extended_request_id="e", time_epoch_ms=EPOCH_MS)
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["stageVariables"] is None
    assert event["path"] == "/test-path/"
    assert event["pathParameters"] == {"proxy": "test-path"}
    assert event["requestContext"]["path"] == "/test/test-path/"
    assert event["requestContext"]["identity"]["userAgent"] is None
    plain = rest_event(ProxyRequest("GET", f"https://{HOST}/test/x"), ProxyApi("rest", "/x"),
                       request_id="r", extended_request_id="e", time_epoch_ms=0)
    assert plain["pathParameters"] is None


def test_rest_event_query_is_decoded_and_keeps_the_last_value():
    # LocalStack's AWS snapshot: + is a space, %2B a plus, the last value wins.
    request = ProxyRequest(
        "GET",
        f"https://{HOST}/test/api?email=test%2Balias@gmail.com&plus=test+alias@gmail.com"
        "&category=electronics&category=books&empty=&flag",
    )
    event = rest_event(request, ProxyApi("rest", "/api"), request_id="r",
                       extended_request_id="e", time_epoch_ms=0)
    assert event["queryStringParameters"] == {
        "email": "test+alias@gmail.com",
        "plus": "test alias@gmail.com",
        "category": "books",
        "empty": "",
        "flag": "",
    }
    assert event["multiValueQueryStringParameters"]["category"] == ["electronics", "books"]


@pytest.mark.parametrize(
    ("content_type", "binary_types", "encoded"),
    [
        ("image/png", ("image/png",), True),
        ("image/png", ("image/*",), True),
        ("application/json", ("*/*",), True),
        ("image/png", (), False),
        ("application/octet-stream", ("image/png",), False),
    ],
)
def test_rest_event_body_is_base64_for_binary_media_types(content_type, binary_types, encoded):
    body = b"\x89PNG\r\n"
    request = ProxyRequest("PUT", f"https://{HOST}/prod/img", (("Content-Type", content_type),),
                           body)
    event = rest_event(request, ProxyApi("rest", "/img", binary_media_types=binary_types),
                       request_id="r", extended_request_id="e", time_epoch_ms=0)
    assert event["isBase64Encoded"] is encoded
    if encoded:
        assert base64.b64decode(event["body"]) == body
    else:
        assert event["body"] == body.decode("utf-8", errors="replace")


# --------------------------------------------------------------------------- #
# HTTP API payload 2.0
# --------------------------------------------------------------------------- #

# The documentation's 2.0 example: POST /my/path with repeated headers and
# query parameters, two cookies and a text body, on the $default route.
DOC_HTTP_REQUEST = ProxyRequest(
    "POST",
    "https://id.execute-api.us-east-1.amazonaws.com/my/path"
    "?parameter1=value1&parameter1=value2&parameter2=value",
    (
        ("Header1", "value1"),
        ("Header2", "value1"),
        ("Header2", "value2"),
        ("Cookie", "cookie1; cookie2"),
        ("Content-Type", "text/plain"),
        ("User-Agent", "agent"),
    ),
    b"Hello from Lambda",
)


def doc_v2_event(api=None, request=DOC_HTTP_REQUEST):
    return build_event(
        request,
        api or ProxyApi("http", "$default", stage_variables={"stageVariable1": "value1"}),
        request_id="K2ZEDjwtIAMEcig=",
        time_epoch_ms=EPOCH_MS,
    )


def test_http_v2_event_keys_are_the_documented_ones():
    event = doc_v2_event(ProxyApi("http", "POST /my/{thing}",
                                  stage_variables={"stageVariable1": "value1"}))
    assert list(event) == [
        "version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
        "queryStringParameters", "requestContext", "body", "pathParameters",
        "isBase64Encoded", "stageVariables",
    ]
    # The documented requestContext, without the authentication and
    # authorizer blocks that only mTLS and authorizers add.
    assert list(event["requestContext"]) == [
        "accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey",
        "stage", "time", "timeEpoch",
    ]
    assert list(event["requestContext"]["http"]) == [
        "method", "path", "protocol", "sourceIp", "userAgent",
    ]


def test_http_v2_event_values_of_the_documented_example():
    event = doc_v2_event()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/my/path"
    assert event["rawQueryString"] == "parameter1=value1&parameter1=value2&parameter2=value"
    assert event["cookies"] == ["cookie1", "cookie2"]
    assert event["queryStringParameters"] == {"parameter1": "value1,value2",
                                              "parameter2": "value"}
    assert event["body"] == "Hello from Lambda"
    assert event["isBase64Encoded"] is False
    assert event["stageVariables"] == {"stageVariable1": "value1"}
    assert "pathParameters" not in event
    headers = event["headers"]
    assert headers["header1"] == "value1"
    assert headers["header2"] == "value1,value2"
    assert "cookie" not in headers
    assert all(name == name.lower() for name in headers)
    assert headers["host"] == "id.execute-api.us-east-1.amazonaws.com"
    assert headers["content-length"] == "17"
    context = event["requestContext"]
    assert context["requestId"] == "K2ZEDjwtIAMEcig="  # the apigw-requestid
    assert context["apiId"] == "id"
    assert context["domainName"] == "id.execute-api.us-east-1.amazonaws.com"
    assert context["domainPrefix"] == "id"
    assert context["routeKey"] == "$default"
    assert context["stage"] == "$default"
    assert context["time"] == "04/Mar/2020:19:15:17 +0000"
    assert context["timeEpoch"] == EPOCH_MS
    assert context["http"] == {
        "method": "POST",
        "path": "/my/path",
        "protocol": "HTTP/1.1",
        "sourceIp": "192.0.2.1",
        "userAgent": "agent",
    }


def test_http_v2_event_on_a_named_stage_keeps_the_prefix():
    # github.com/logandk/serverless-wsgi issue 191: rawPath "/dev/agents/1234"
    # for the route "ANY /agents/{proxy+}".
    request = ProxyRequest("GET", "https://abc.execute-api.us-east-1.amazonaws.com/dev/agents/1234")
    event = build_event(request, ProxyApi("http", "ANY /agents/{proxy+}", stage="dev"),
                        request_id="x", time_epoch_ms=0)
    assert event["rawPath"] == "/dev/agents/1234"
    assert event["requestContext"]["http"]["path"] == "/dev/agents/1234"
    assert event["routeKey"] == "ANY /agents/{proxy+}"
    assert event["requestContext"]["stage"] == "dev"
    assert event["pathParameters"] == {"proxy": "1234"}
    assert event["headers"]["content-length"] == "0"
    for absent in ("cookies", "queryStringParameters", "body", "stageVariables"):
        assert absent not in event
    assert event["rawQueryString"] == ""


@pytest.mark.parametrize(
    ("content_type", "encoded"),
    [
        ("application/json", False),
        ("application/json; charset=utf-8", False),
        ("text/csv", False),
        ("application/xml", False),
        ("application/javascript", False),
        ("application/octet-stream", True),
        ("application/x-www-form-urlencoded", True),
        (None, True),
    ],
)
def test_http_event_body_encoding(content_type, encoded):
    headers = () if content_type is None else (("content-type", content_type),)
    request = ProxyRequest("POST", "https://abc.execute-api.us-east-1.amazonaws.com/x",
                           headers, b"a=1")
    for payload_format in ("1.0", "2.0"):
        event = build_event(request, ProxyApi("http", "POST /x", payload_format=payload_format),
                            request_id="x", time_epoch_ms=0)
        assert event["isBase64Encoded"] is encoded
        assert event["body"] == ("YT0x" if encoded else "a=1")


def test_http_route_method_must_match():
    request = ProxyRequest("GET", "https://abc.execute-api.us-east-1.amazonaws.com/x")
    with pytest.raises(ApigwFaultError, match="does not take a GET"):
        build_event(request, ProxyApi("http", "POST /x"), request_id="x", time_epoch_ms=0)
    event = build_event(request, ProxyApi("http", "/x"), request_id="x", time_epoch_ms=0)
    assert event["routeKey"] == "ANY /x"


# --------------------------------------------------------------------------- #
# HTTP API payload 1.0
# --------------------------------------------------------------------------- #


def test_http_v1_event_keys_are_the_documented_ones():
    event = doc_v2_event(ProxyApi("http", "POST /my/path", payload_format="1.0"))
    assert list(event) == [
        "version", "resource", "path", "httpMethod", "headers", "multiValueHeaders",
        "queryStringParameters", "multiValueQueryStringParameters", "requestContext",
        "pathParameters", "stageVariables", "body", "isBase64Encoded",
    ]
    assert list(event["requestContext"]) == [
        "accountId", "apiId", "authorizer", "domainName", "domainPrefix", "extendedRequestId",
        "httpMethod", "identity", "path", "protocol", "requestId", "requestTime",
        "requestTimeEpoch", "resourceId", "resourcePath", "stage",
    ]  # the documented example's, without the mTLS clientCert


def test_http_v1_event_values_of_the_documented_example():
    event = doc_v2_event(ProxyApi("http", "POST /my/path", payload_format="1.0"))
    assert event["version"] == "1.0"
    assert event["resource"] == "/my/path"
    assert event["path"] == "/my/path"
    assert event["httpMethod"] == "POST"
    assert event["headers"]["header2"] == "value2"
    assert event["multiValueHeaders"]["header2"] == ["value1", "value2"]
    assert event["headers"]["cookie"] == "cookie1; cookie2"
    # the last value, as captured [QS-V1] (the documentation's example shows the first)
    assert event["queryStringParameters"] == {"parameter1": "value2", "parameter2": "value"}
    assert event["multiValueQueryStringParameters"] == {
        "parameter1": ["value1", "value2"], "parameter2": ["value"],
    }
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    assert event["body"] == "Hello from Lambda"
    context = event["requestContext"]
    assert context["requestId"] == context["extendedRequestId"] == "K2ZEDjwtIAMEcig="
    assert context["authorizer"] == {"claims": None, "scopes": None}
    assert context["requestTime"] == "04/Mar/2020:19:15:17 +0000"
    assert context["requestTimeEpoch"] == EPOCH_MS
    assert context["resourceId"] is None
    assert context["resourcePath"] == "/my/path"
    assert context["stage"] == "$default"
    assert context["path"] == "/my/path"


def test_http_v1_event_on_a_named_stage():
    request = ProxyRequest("GET", "https://abc.execute-api.us-east-1.amazonaws.com/dev/test")
    event = http_event_v1(request, ProxyApi("http", "GET /test", stage="dev",
                                            payload_format="1.0"),
                          request_id="x", time_epoch_ms=0)
    assert event["path"] == "/dev/test"
    assert event["requestContext"]["resourcePath"] == "/test"
    assert event["requestContext"]["stage"] == "dev"


# --------------------------------------------------------------------------- #
# Dispatch and mistakes
# --------------------------------------------------------------------------- #


def test_build_event_dispatches_on_api_and_format():
    request = ProxyRequest("GET", "https://abc.execute-api.us-east-1.amazonaws.com/prod/x")
    rest = build_event(request, ProxyApi("rest", "/x"), request_id="r",
                       extended_request_id="e", time_epoch_ms=0)
    assert "version" not in rest
    v1 = build_event(request, ProxyApi("http", "/prod/x", payload_format="1.0"),
                     request_id="r", time_epoch_ms=0)
    assert v1["version"] == "1.0"
    v2 = build_event(request, ProxyApi("http", "/prod/x"), request_id="r", time_epoch_ms=0)
    assert v2["version"] == "2.0"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: build_event(r, ProxyApi("rest", "/x"), request_id="r", time_epoch_ms=0),
         "extended request id"),
        (lambda r: build_event(r, ProxyApi("rest", "/y"), request_id="r",
                               extended_request_id="e", time_epoch_ms=0), "does not match"),
        (lambda r: build_event(r, ProxyApi("rest", "/x", stage="dev"), request_id="r",
                               extended_request_id="e", time_epoch_ms=0), "not under the stage"),
        (lambda r: ProxyApi("rest", "/x", stage="$default"), "no \\$default stage"),
        (lambda r: ProxyApi("rest", "x"), "starting with '/'"),
        (lambda r: ProxyApi("rest", "/x", payload_format="2.0"), "one payload format"),
        (lambda r: ProxyApi("http", "/x", payload_format="3"), "HTTP APIs take: '1.0', '2.0'"),
        (lambda r: ProxyApi("soap", "/x"), "unknown api"),
        (lambda r: http_event_v2(r, ProxyApi("rest", "/x"), request_id="r", time_epoch_ms=0),
         "HTTP API"),
        (lambda r: rest_event(r, ProxyApi("http", "/x"), request_id="r",
                              extended_request_id="e", time_epoch_ms=0), "REST API"),
    ],
)
def test_mistakes_are_explained(call, message):
    request = ProxyRequest("GET", "https://abc.execute-api.us-east-1.amazonaws.com/prod/x")
    with pytest.raises(ApigwFaultError, match=message):
        call(request)


@pytest.mark.parametrize(
    ("host", "headers", "api_id"),
    [
        ("abc123def4.execute-api.us-east-1.amazonaws.com", (), "abc123def4"),
        ("01234567ab-vpce-01234567abcdef012.execute-api.us-west-2.amazonaws.com", (),
         "01234567ab"),
        ("vpce-01234567abcdef012-01234567.execute-api.us-west-2.vpce.amazonaws.com",
         (("x-apigw-api-id", "01234567ab"),), "01234567ab"),
    ],
)
def test_api_id_from_the_host(host, headers, api_id):
    request = ProxyRequest("GET", f"https://{host}/prod/x", headers)
    event = build_event(request, ProxyApi("rest", "/x"), request_id="r",
                        extended_request_id="e", time_epoch_ms=0)
    assert event["requestContext"]["apiId"] == api_id
    assert event["requestContext"]["domainName"] == host
    assert event["requestContext"]["domainPrefix"] == host.split(".")[0]


def test_request_time_uses_english_months_in_utc():
    request = ProxyRequest("GET", "https://abc.execute-api.us-east-1.amazonaws.com/prod/x")
    event = build_event(request, ProxyApi("rest", "/x"), request_id="r",
                        extended_request_id="e", time_epoch_ms=1747708839999)
    assert event["requestContext"]["requestTime"] == "20/May/2025:02:40:39 +0000"
