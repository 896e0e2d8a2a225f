"""CORS as API Gateway answers it: an HTTP API's CorsConfiguration (the
gateway's own preflight answers, its headers on the others, the
integration's dropped) and, on REST, the OPTIONS MOCK method SAM's ``Cors``
generates; byte-exact through requests and httpx."""

from __future__ import annotations

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs

from pytest_apigw_faults import ApigwFaultError, Cors, Fault, LambdaAuthorizer

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")
pytest.importorskip("responses")
pytest.importorskip("respx")

HTTP_URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/orders"
REST_URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
APP = "https://app.example.com"
CORS = Cors(
    allow_origins=[APP], allow_methods=["GET", "POST"], allow_headers=["Content-Type", "X-Api"],
    expose_headers="x-total", max_age=300,
)
PREFLIGHT = {"Origin": APP, "Access-Control-Request-Method": "POST"}


def ok(event, context):
    return {
        "statusCode": 200, "body": "ok",
        "headers": {"Content-Type": "text/plain", "Access-Control-Allow-Origin": "*"},
    }


def _names(response):
    if isinstance(response, httpx.Response):
        return [name.decode() for name, _ in response.headers.raw]
    return [name for name, _ in response.raw.headers.items()]


@pytest.mark.parametrize("send", [requests.options, httpx.options])
def test_an_http_api_answers_a_preflight_itself_with_no_options_route(send):
    ran = []

    def handler(event, context):
        ran.append(event)
        return ok(event, context)

    with Fault(handler=handler, api="http", route="GET /orders", cors=CORS, seed=1):
        response = send(HTTP_URL, headers={**PREFLIGHT, "Access-Control-Request-Headers": "x-api"})
    assert response.status_code == 204
    assert response.content == b""
    assert _names(response) == [
        "date", "access-control-allow-origin", "access-control-allow-methods",
        "access-control-allow-headers", "access-control-max-age", "apigw-requestid",
    ]
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-methods"] == "GET,POST"
    assert response.headers["access-control-allow-headers"] == "content-type,x-api"
    assert response.headers["access-control-max-age"] == "300"
    assert ran == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
        {"Origin": APP, "Access-Control-Request-Method": "DELETE"},
        {**PREFLIGHT, "Access-Control-Request-Headers": "x-other"},
    ],
)
def test_a_rejected_preflight_gets_no_cors_headers(headers):
    with Fault(handler=ok, api="http", route="GET /orders", cors=CORS):
        response = requests.options(HTTP_URL, headers=headers)
    assert response.status_code == 204
    assert not [n for n in _names(response) if n.startswith("access-control-")]


@pytest.mark.parametrize("send", [requests.get, httpx.get])
def test_an_http_api_puts_its_own_cors_headers_on_the_lambdas_answer(send):
    with Fault(handler=ok, api="http", route="GET /orders", cors=CORS):
        response = send(HTTP_URL, headers={"Origin": APP})
    assert response.status_code == 200
    assert response.content == b"ok"
    assert _names(response) == [
        "date", "content-type", "content-length", "access-control-allow-origin",
        "access-control-expose-headers", "apigw-requestid",
    ]
    assert response.headers["access-control-allow-origin"] == APP  # not the Lambda's "*"
    assert response.headers["access-control-expose-headers"] == "x-total"


def test_without_an_origin_the_answer_is_left_as_the_integration_gave_it():
    with Fault(handler=ok, api="http", route="GET /orders", cors=CORS):
        plain = requests.get(HTTP_URL)
    assert _names(plain) == [
        "date", "content-type", "content-length", "access-control-allow-origin",
        "apigw-requestid",
    ]  # without an Origin the answer is left as the integration gave it


def test_a_preflight_a_default_route_takes_goes_to_the_route_and_gets_the_headers():
    ran = []

    def handler(event, context):
        ran.append(event["requestContext"]["http"]["method"])
        return {"statusCode": 200, "body": ""}

    with Fault(handler=handler, api="http", cors=Cors(allow_origins="*", allow_methods="*")):
        response = requests.options(HTTP_URL, headers=PREFLIGHT)
    assert ran == ["OPTIONS"]
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "*"


def test_an_http_api_error_gets_the_cors_headers_too():
    with Fault("lambda_throttled", api="http", cors=CORS):
        response = httpx.get(HTTP_URL, headers={"Origin": APP})
    assert response.status_code == 503
    assert response.content == b'{"message":"Service Unavailable"}'
    assert response.headers["access-control-allow-origin"] == APP


@pytest.mark.parametrize("send", [requests.options, httpx.options])
def test_rest_cors_is_sams_options_mock_method(send):
    ran = []

    def authorize(event, context):
        ran.append(event)
        return {}

    cors = Cors(allow_origins="*", allow_headers=["Content-Type", "X-Api-Key"], max_age=600)
    authorizer = LambdaAuthorizer(authorize, type="TOKEN")
    with Fault(handler=ok, api="rest", endpoint="regional", cors=cors, authorizer=authorizer):
        response = send(REST_URL, headers={"Origin": APP})
    assert response.status_code == 200
    assert response.content == b"{}\n"
    assert _names(response) == [
        "date", "content-type", "content-length", "x-amzn-trace-id", "x-amzn-requestid",
        "access-control-allow-origin", "access-control-allow-headers",
        "access-control-allow-methods", "x-amz-apigw-id", "access-control-max-age",
    ]
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-headers"] == "Content-Type,X-Api-Key"
    assert (
        response.headers["access-control-allow-methods"]
        == "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"
    )
    assert ran == []  # the OPTIONS method has no authorizer


def test_rest_cors_adds_nothing_to_the_lambdas_answers_or_to_errors():
    cors = Cors(allow_origins=APP, allow_credentials=True)
    with Fault(handler=lambda e, c: {"statusCode": 200, "body": "ok"}, api="rest", cors=cors):
        answer = requests.get(REST_URL, headers={"Origin": APP})
        preflight = requests.options(REST_URL, headers=PREFLIGHT)
    assert not [n for n in _names(answer) if n.startswith("access-control-")]
    assert preflight.headers["access-control-allow-credentials"] == "true"
    with Fault("lambda_throttled", api="rest", cors=cors):
        error = requests.get(REST_URL, headers={"Origin": APP})
    assert error.status_code == 500
    assert not [n for n in _names(error) if n.startswith("access-control-")]


def test_a_rest_preflight_without_cors_keeps_todays_answer():
    with Fault(handler=ok, api="rest"):
        response = requests.options(REST_URL, headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"allow_origins": "*", "allow_credentials": True}, "allow-credentials is not supported"),
        ({"allow_origins": []}, "names no origin"),
        ({"max_age": -1}, "max_age= is whole seconds"),
        ({"allow_methods": [1]}, "allow_methods= takes a str or a list"),
    ],
)
def test_a_bad_configuration_is_named(arguments, message):
    with pytest.raises(ApigwFaultError, match=message):
        Cors(**arguments)


def test_cors_needs_the_right_type_and_rest_has_no_expose_headers():
    with pytest.raises(ApigwFaultError, match="cors= takes Cors"):
        Fault(handler=ok, api="http", cors={"allow_origins": "*"})
    with pytest.raises(ApigwFaultError, match="expose_headers= is an HTTP API setting"):
        Fault(handler=ok, api="rest", cors=Cors(expose_headers="x"))
