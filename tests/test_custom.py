"""Customised REST gateway responses (``x-amazon-apigateway-gateway-responses``).

The expectations come from ``api-gateway-behaviour.md`` §4 and §10: the
console example of a MISSING_AUTHENTICATION_TOKEN customised to 404 with
extra headers, ``x-amzn-ErrorType`` kept [D-GWR-CONSOLE], the DEFAULT_4XX /
DEFAULT_5XX fallbacks and explicit types keeping their own values [LS-GR],
INTEGRATION_FAILURE keeping 502/500 without a ``statusCode`` [LS-NONPOST]
[AZUL-7470], the >10 MB CloudFront rejection ignoring customisation [LGTM],
and ``$context.error.messageString`` with its leading space for REST errors
raised in the integration [AZUL-6284].
"""

from __future__ import annotations

import json
import sys

import httpx
import pytest
import requests
from support import (
    INI,
    assert_collection_error,
    get_with,
    literal,
    module,
    refuse_network,
    set_up_inner,
    wire_headers,
)

from pytest_apigw_faults import ApigwFaultError, Fault
from pytest_apigw_faults._gateway.wire import HEADER_FORMATS

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
PETS_URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/test/pets/5?q=1"
EXT = "x-amazon-apigateway-gateway-responses"
CLOUDFRONT = ("x-cache", "via", "x-amz-cf-pop", "x-amz-cf-id")
REST_UNTRACED = (
    "content-type", "content-length", "date", "x-amzn-requestid", "x-amzn-errortype",
    "x-amz-apigw-id",
)
REGIONAL_FRONT = ("date", "content-type", "content-length")  # second pass C2 [WAF-HEAD]
# The 21 types of §4, in its order
RESPONSE_TYPES = (
    "ACCESS_DENIED, API_CONFIGURATION_ERROR, AUTHORIZER_CONFIGURATION_ERROR,"
    " AUTHORIZER_FAILURE, BAD_REQUEST_PARAMETERS, BAD_REQUEST_BODY, DEFAULT_4XX,"
    " DEFAULT_5XX, EXPIRED_TOKEN, INTEGRATION_FAILURE, INTEGRATION_TIMEOUT,"
    " INVALID_API_KEY, INVALID_SIGNATURE, MISSING_AUTHENTICATION_TOKEN, QUOTA_EXCEEDED,"
    " REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, THROTTLED, UNAUTHORIZED,"
    " UNSUPPORTED_MEDIA_TYPE, WAF_FILTERED"
)
REST_ONLY = "gateway_responses= customises REST APIs only; HTTP APIs have no gateway responses"

CONSOLE_TEMPLATE = (
    '{"message":$context.error.messageString,'
    '"type":"$context.error.responseType","stage":"$context.stage"}'
)
# AWS's console example [D-GWR-CONSOLE], as an OpenAPI document
CONSOLE_DOC = {
    "openapi": "3.0.1",
    "info": {"title": "pets", "version": "1"},
    "paths": {},
    EXT: {
        "MISSING_AUTHENTICATION_TOKEN": {
            "statusCode": "404",
            "responseParameters": {
                "gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'",
                "gatewayresponse.header.x-request-path": "method.request.path.petId",
                "gatewayresponse.header.x-request-query": "method.request.querystring.q",
                "gatewayresponse.header.x-request-header": "method.request.header.X-Pet",
            },
            "responseTemplates": {"application/json": CONSOLE_TEMPLATE},
        }
    },
}
CONSOLE_BODY = (
    b'{"message":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN",'
    b'"stage":"test"}'
)
CONSOLE_YAML = f"""\
openapi: 3.0.1
info:
  title: pets
  version: "1"
paths: {{}}
x-amazon-apigateway-gateway-responses:
  MISSING_AUTHENTICATION_TOKEN:
    statusCode: "404"
    responseParameters:
      gatewayresponse.header.Access-Control-Allow-Origin: "'a.b.c'"
      gatewayresponse.header.x-request-path: method.request.path.petId
      gatewayresponse.header.x-request-query: method.request.querystring.q
      gatewayresponse.header.x-request-header: method.request.header.X-Pet
    responseTemplates:
      application/json: '{CONSOLE_TEMPLATE}'
"""

CONTEXT_TEMPLATE = (
    "$context.error.responseType|$context.error.message|$context.error.messageString"
    "|$context.requestId|$context.extendedRequestId|$context.stage"
)
CONTEXT_DOC = {
    EXT: {
        "DEFAULT_4XX": {"responseTemplates": {"text/plain": CONTEXT_TEMPLATE}},
        "DEFAULT_5XX": {"responseTemplates": {"text/plain": CONTEXT_TEMPLATE}},
    }
}
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'

FALLBACK_DOC = {
    EXT: {
        "DEFAULT_4XX": {
            "statusCode": "418",
            "responseParameters": {"gatewayresponse.header.x-fallback": "'4xx'"},
            "responseTemplates": {"application/json": '{"fallback":$context.error.messageString}'},
        },
        "DEFAULT_5XX": {
            "statusCode": 599,
            "responseParameters": {"gatewayresponse.header.x-fallback": "'5xx'"},
            "responseTemplates": {"text/plain": "5xx $context.error.responseType"},
        },
        "UNAUTHORIZED": {
            "statusCode": "401",
            "responseParameters": {"gatewayresponse.header.WWW-Authenticate": "'Bearer'"},
            "responseTemplates": {"application/json": '{"own":$context.error.messageString}'},
        },
        "AUTHORIZER_CONFIGURATION_ERROR": {
            "statusCode": "503",
            "responseParameters": {"gatewayresponse.header.Retry-After": "'1'"},
            "responseTemplates": {"application/json": "{}"},
        },
    }
}
CLIENTS = ("requests", "httpx")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    refuse_network(monkeypatch, "test_custom")


def _get(client, url=URL, **kwargs):
    return get_with(client, url, **kwargs)


def _names(response):
    return tuple(name for name, _ in wire_headers(response))


def _serve(name, document, client="requests", url=URL, **kwargs):
    """One response of ``name`` (REST) customised by ``document``, and its call."""
    with Fault(name, api="rest", gateway_responses=document, **kwargs) as fault:
        response = _get(client, url)
    return response, fault.calls[0]


def _check_console_example(response):
    assert response.status_code == 404
    assert response.content == CONSOLE_BODY
    headers = response.headers
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == str(len(CONSOLE_BODY))
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert headers["Access-Control-Allow-Origin"] == "a.b.c"
    assert headers["x-request-query"] == "1"
    assert headers["x-request-header"] == "cat"
    assert "x-request-path" not in headers  # a path parameter the fault cannot know
    # the added headers among API Gateway's own: the last after x-amz-apigw-id,
    # the others after x-amzn-requestid (inferred; second pass C5) [PERMATE]
    assert _names(response) == (
        "content-type", "content-length", "date", "x-amzn-requestid",
        "access-control-allow-origin", "x-request-query", "x-amzn-errortype",
        "x-amz-apigw-id", "x-request-header", *CLOUDFRONT,
    )
    for name in ("date", "x-amzn-requestid", "x-amz-apigw-id", "via", "x-amz-cf-id"):
        assert HEADER_FORMATS[name].fullmatch(headers[name]), name
    assert headers["x-cache"] == "Error from cloudfront"


# -- the console example: statusCode, responseParameters, responseTemplates --------------


@pytest.mark.parametrize("client", CLIENTS)
def test_console_example_as_a_dict(client):
    with Fault("route_not_found", api="rest", gateway_responses=CONSOLE_DOC):
        response = _get(client, PETS_URL, headers={"X-Pet": "cat"})
    _check_console_example(response)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("as_path", [str, lambda p: p], ids=["str", "path"])
def test_console_example_from_a_json_file(tmp_path, client, as_path):
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(CONSOLE_DOC, indent=2), encoding="utf-8")
    with Fault("route_not_found", api="rest", gateway_responses=as_path(document)):
        response = _get(client, PETS_URL, headers={"X-Pet": "cat"})
    _check_console_example(response)


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_console_example_from_a_yaml_file(tmp_path, suffix):
    pytest.importorskip("yaml", reason="PyYAML is not installed: YAML documents need it")
    document = tmp_path / f"openapi{suffix}"
    document.write_text(CONSOLE_YAML, encoding="utf-8")
    with Fault("route_not_found", api="rest", gateway_responses=str(document)):
        response = httpx.get(PETS_URL, headers={"X-Pet": "cat"})
    _check_console_example(response)


def test_yaml_without_pyyaml_says_how_to_install_it(tmp_path, monkeypatch):
    if "yaml" in sys.modules or _yaml_installed():
        monkeypatch.setitem(sys.modules, "yaml", None)  # `import yaml` now fails
    document = tmp_path / "openapi.yaml"
    document.write_text(CONSOLE_YAML, encoding="utf-8")
    with pytest.raises(ApigwFaultError) as error:
        Fault("route_not_found", api="rest", gateway_responses=str(document))
    assert str(error.value) == (
        f"gateway_responses={str(document)!r} is YAML, which needs PyYAML: pip install"
        " pyyaml (or give the document as JSON or a dict)"
    )


def _yaml_installed():
    import importlib.util

    return importlib.util.find_spec("yaml") is not None


def test_the_extensions_own_map_may_be_given_bare():
    response, _ = _serve("route_not_found", CONSOLE_DOC[EXT], url=PETS_URL)
    assert response.status_code == 404
    assert response.content == CONSOLE_BODY


@pytest.mark.parametrize("status", ["404", 404])
def test_status_code_as_string_or_number(status):
    doc = {EXT: {"MISSING_AUTHENTICATION_TOKEN": {"statusCode": status}}}
    response, _ = _serve("route_not_found", doc)
    assert response.status_code == 404
    # only the status changes: the default template's body stays
    assert response.content == b'{"message":"Missing Authentication Token"}'
    assert response.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert _names(response) == REST_UNTRACED + CLOUDFRONT


def test_only_parameters_keep_the_default_status_and_template():
    doc = {
        EXT: {
            "MISSING_AUTHENTICATION_TOKEN": {
                "responseParameters": {"gatewayresponse.header.x-only": "'p'"}
            }
        }
    }
    response, _ = _serve("route_not_found", doc)
    assert response.status_code == 403
    assert response.content == b'{"message":"Missing Authentication Token"}'
    assert response.headers["x-only"] == "p"


@pytest.mark.parametrize("client", CLIENTS)
def test_header_values_from_the_request_and_missing_ones_omitted(client):
    doc = {
        EXT: {
            "DEFAULT_4XX": {
                "responseParameters": {
                    "gatewayresponse.header.x-static": "'a.b.c'",
                    "gatewayresponse.header.x-from-header": "method.request.header.X-Trace-Me",
                    "gatewayresponse.header.x-from-query": "method.request.querystring.q",
                    "gatewayresponse.header.x-from-path": "method.request.path.id",
                }
            }
        }
    }
    with Fault("route_not_found", api="rest", endpoint="regional", gateway_responses=doc):
        full = _get(client, URL + "?q=abc&other=1", headers={"x-trace-me": "t-1"})
        bare = _get(client, URL)
    assert full.headers["x-static"] == "a.b.c"
    assert full.headers["x-from-header"] == "t-1"  # header names match case-insensitively
    assert full.headers["x-from-query"] == "abc"
    assert _names(full) == (
        *REGIONAL_FRONT, "x-amzn-requestid", "x-static", "x-from-header",
        "x-amzn-errortype", "x-amz-apigw-id", "x-from-query",
    )  # fmt: skip
    assert _names(bare) == (
        *REGIONAL_FRONT, "x-amzn-requestid", "x-amzn-errortype", "x-amz-apigw-id", "x-static"
    )
    for response in (full, bare):
        assert response.status_code == 403
        assert response.content == b'{"message":"Missing Authentication Token"}'


def test_a_customised_header_cannot_replace_the_gateways_own():
    doc = {
        EXT: {
            "DEFAULT_4XX": {
                "responseParameters": {
                    "gatewayresponse.header.x-amzn-RequestId": "'mine'",
                    "gatewayresponse.header.x-amzn-ErrorType": "'Mine'",
                }
            }
        }
    }
    response, call = _serve("route_not_found", doc)
    assert response.headers["x-amzn-requestid"] == call.request_id
    assert response.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert _names(response) == REST_UNTRACED + CLOUDFRONT


# -- templates and $context ----------------------------------------------------------

CONTEXT_ROWS = [
    # name, status, responseType, message, messageString
    ("integration_timeout", 504, "INTEGRATION_TIMEOUT", "Endpoint request timed out",
     ' "Endpoint request timed out"'),
    ("function_error", 502, "INTEGRATION_FAILURE", "Internal server error",
     ' "Internal server error"'),
    ("permission_denied", 500, "INTEGRATION_FAILURE", "Internal server error",
     ' "Internal server error"'),
    ("api_configuration_error", 500, "API_CONFIGURATION_ERROR", "Internal server error",
     ' "Internal server error"'),
    ("lambda_request_too_large", 413, "REQUEST_TOO_LARGE", "Request Too Long",
     ' "Request Too Long"'),
    ("route_not_found", 403, "MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token",
     '"Missing Authentication Token"'),
    ("unauthorized", 401, "UNAUTHORIZED", "Unauthorized", '"Unauthorized"'),
    ("invalid_api_key", 403, "INVALID_API_KEY", "Forbidden", '"Forbidden"'),
    ("api_throttled", 429, "THROTTLED", "Too Many Requests", '"Too Many Requests"'),
    ("quota_exceeded", 429, "QUOTA_EXCEEDED", "Limit Exceeded", '"Limit Exceeded"'),
    ("bad_request_body", 400, "BAD_REQUEST_BODY", "Invalid request body",
     ' "Invalid request body"'),
]


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("name", "status", "response_type", "message", "message_string"),
    CONTEXT_ROWS,
    ids=[row[0] for row in CONTEXT_ROWS],
)
def test_context_variables(client, name, status, response_type, message, message_string):
    response, call = _serve(name, CONTEXT_DOC, client)
    assert response.status_code == status
    assert response.headers["content-type"] == "text/plain"
    rid = response.headers["x-amzn-requestid"]
    extended = response.headers["x-amz-apigw-id"]
    assert rid == call.request_id
    expected = f"{response_type}|{message}|{message_string}|{rid}|{extended}|prod"
    assert response.content == expected.encode()
    assert response.headers["content-length"] == str(len(expected.encode()))


def test_message_string_of_a_null_message_is_null():
    doc = {EXT: {"AUTHORIZER_CONFIGURATION_ERROR": {
        "responseTemplates": {"application/json": '{"m":$context.error.messageString}'}
    }}}
    response, _ = _serve("authorizer_configuration_error", doc)
    assert response.status_code == 500
    assert response.content == b'{"m":null}'


def test_stage_is_the_first_path_segment():
    response, _ = _serve(
        "function_error",
        {EXT: {"INTEGRATION_FAILURE": {"responseTemplates": {"text/plain": "$context.stage"}}}},
        url="https://abc123def4.execute-api.us-east-1.amazonaws.com/v2beta/a/b",
    )
    assert response.content == b"v2beta"


def test_the_default_template_gives_the_captured_bodies():
    doc = {
        EXT: {
            "DEFAULT_4XX": {"responseTemplates": {"application/json": DEFAULT_TEMPLATE}},
            "DEFAULT_5XX": {"responseTemplates": {"application/json": DEFAULT_TEMPLATE}},
        }
    }
    # the captured bytes [T][LS-REMAP][CAP-MAT][LOIGE][LGTM]
    captured = {
        "integration_timeout": b'{"message": "Endpoint request timed out"}',
        "function_error": b'{"message": "Internal server error"}',
        "api_configuration_error": b'{"message": "Internal server error"}',
        "lambda_request_too_large": b'{"message": "Request Too Long"}',
        "route_not_found": b'{"message":"Missing Authentication Token"}',
        "unauthorized": b'{"message":"Unauthorized"}',
        "authorizer_configuration_error": b'{"message":null}',
        "invalid_api_key": b'{"message":"Forbidden"}',
    }
    for name, body in captured.items():
        response, _ = _serve(name, doc)
        assert response.content == body, name
        assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("content_type", ["text/html", "application/xml", "text/plain"])
def test_content_type_comes_from_the_template_key(content_type):
    doc = {EXT: {"INTEGRATION_TIMEOUT": {"responseTemplates": {content_type: "<x/>"}}}}
    response, _ = _serve("integration_timeout", doc, "httpx")
    assert response.status_code == 504
    assert response.headers["content-type"] == content_type
    assert response.content == b"<x/>"
    assert response.headers["content-length"] == "4"


# -- DEFAULT_4XX / DEFAULT_5XX ----------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("route_not_found", b'{"fallback":"Missing Authentication Token"}'),
        ("invalid_api_key", b'{"fallback":"Forbidden"}'),
        ("api_throttled", b'{"fallback":"Too Many Requests"}'),
    ],
)
def test_a_4xx_type_not_configured_takes_default_4xx(client, name, body):
    response, _ = _serve(name, FALLBACK_DOC, client)
    assert response.status_code == 418
    assert response.content == body
    assert response.headers["x-fallback"] == "4xx"
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("name", "error_type", "response_type"),
    [
        ("function_error", "InternalServerErrorException", "INTEGRATION_FAILURE"),
        ("permission_denied", "InternalServerErrorException", "INTEGRATION_FAILURE"),
        ("integration_timeout", "InternalServerErrorException", "INTEGRATION_TIMEOUT"),
        ("api_configuration_error", "InternalServerErrorException", "API_CONFIGURATION_ERROR"),
    ],
)
def test_a_5xx_type_not_configured_takes_default_5xx(name, error_type, response_type):
    response, _ = _serve(name, FALLBACK_DOC, "httpx")
    assert response.status_code == 599
    assert response.content == f"5xx {response_type}".encode()
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["x-fallback"] == "5xx"
    assert response.headers["x-amzn-errortype"] == error_type


def test_a_configured_type_keeps_its_own_values():
    response, _ = _serve("unauthorized", FALLBACK_DOC)
    assert response.status_code == 401
    assert response.content == b'{"own":"Unauthorized"}'
    assert response.headers["www-authenticate"] == "Bearer"
    assert "x-fallback" not in response.headers
    assert response.headers["x-amzn-errortype"] == "UnauthorizedException"

    response, _ = _serve("authorizer_configuration_error", FALLBACK_DOC)
    assert response.status_code == 503
    assert response.content == b"{}"
    assert response.headers["retry-after"] == "1"
    assert "x-fallback" not in response.headers
    assert response.headers["x-amzn-errortype"] == "AuthorizerConfigurationException"


def test_a_4xx_fallback_does_not_touch_5xx_rows():
    doc = {EXT: {"DEFAULT_4XX": FALLBACK_DOC[EXT]["DEFAULT_4XX"]}}
    response, _ = _serve("function_error", doc)
    assert response.status_code == 502
    assert response.content == b'{"message": "Internal server error"}'
    assert "x-fallback" not in response.headers


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("function_error", 502),
        ("malformed_response", 502),
        ("function_timeout", 502),
        ("lambda_response_too_large", 502),
        ("permission_denied", 500),
        ("lambda_throttled", 500),
    ],
)
def test_integration_failure_without_status_code_keeps_502_or_500(name, status):
    doc = {
        EXT: {
            "INTEGRATION_FAILURE": {
                "responseParameters": {"gatewayresponse.header.x-integration": "'failed'"},
                "responseTemplates": {"application/json": '{"error":$context.error.messageString}'},
            },
            "DEFAULT_5XX": {"responseParameters": {"gatewayresponse.header.x-5": "'5'"}},
        }
    }
    response, _ = _serve(name, doc)
    assert response.status_code == status  # not INTEGRATION_FAILURE's documented 504
    assert response.content == b'{"error": "Internal server error"}'
    assert response.headers["x-integration"] == "failed"
    assert response.headers["x-amzn-errortype"] == "InternalServerErrorException"


def test_default_5xx_without_status_code_keeps_the_status():
    doc = {EXT: {"DEFAULT_5XX": {"responseParameters": {"gatewayresponse.header.x-5": "'5'"}}}}
    for name, status in (("function_error", 502), ("permission_denied", 500),
                         ("integration_timeout", 504)):
        response, _ = _serve(name, doc)
        assert response.status_code == status, name
        assert response.headers["x-5"] == "5"


def test_integration_failure_with_a_status_code_takes_it():
    doc = {EXT: {"INTEGRATION_FAILURE": {"statusCode": "504"}}}
    response, _ = _serve("function_error", doc)
    assert response.status_code == 504
    assert response.content == b'{"message": "Internal server error"}'


# -- what customisation does not reach --------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
def test_request_too_large_is_never_customised(client):
    doc = {
        EXT: {
            "REQUEST_TOO_LARGE": {
                "statusCode": "400",
                "responseParameters": {"gatewayresponse.header.x-big": "'yes'"},
                "responseTemplates": {"application/json": '{"big":true}'},
            },
            "DEFAULT_4XX": FALLBACK_DOC[EXT]["DEFAULT_4XX"],
        }
    }
    response, call = _serve("request_too_large", doc, client)
    assert response.status_code == 413
    assert response.content == b"HTTP content length exceeded 10485760 bytes."
    assert response.headers["content-type"] == "text; charset=utf-8"
    assert _names(response) == ("content-type", "content-length", "date", *CLOUDFRONT)
    assert call.request_id is None
    # while the 6 MB Lambda limit is a REQUEST_TOO_LARGE gateway response
    response, _ = _serve("lambda_request_too_large", doc, client)
    assert response.status_code == 400
    assert response.content == b'{"big":true}'
    assert response.headers["x-big"] == "yes"
    assert response.headers["x-amzn-errortype"] == "BadRequestException"


def test_stage_not_found_has_no_response_type_and_is_untouched():
    response, _ = _serve("stage_not_found", FALLBACK_DOC)
    assert response.status_code == 403
    assert response.content == b'{"message":"Forbidden"}'
    assert "x-fallback" not in response.headers
    assert response.headers["x-amzn-errortype"] == "ForbiddenException"
    assert _names(response) == REST_UNTRACED + CLOUDFRONT


def test_http_api_has_no_gateway_responses(apigw_fault):
    with pytest.raises(ApigwFaultError) as error:
        Fault("route_not_found", api="http", gateway_responses=CONSOLE_DOC)
    assert str(error.value) == REST_ONLY
    with pytest.raises(ApigwFaultError) as error:
        apigw_fault.inject("function_error", api="http", gateway_responses=FALLBACK_DOC)
    assert str(error.value) == REST_ONLY


# -- malformed documents -------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(
            {EXT: {"NOT_A_TYPE": {}}},
            f"{EXT}.NOT_A_TYPE: unknown gateway response type; valid: {RESPONSE_TYPES}",
            id="unknown-type",
        ),
        pytest.param(
            {EXT: {"DEFAULT_4XX": {"statusCode": "4O4"}}},
            f"{EXT}.DEFAULT_4XX.statusCode: '4O4' is not a status code"
            " (a string or number from 100 to 599)",
            id="status-not-digits",
        ),
        pytest.param(
            {EXT: {"INTEGRATION_TIMEOUT": {"statusCode": 600}}},
            f"{EXT}.INTEGRATION_TIMEOUT.statusCode: 600 is not a status code"
            " (a string or number from 100 to 599)",
            id="status-out-of-range",
        ),
        pytest.param(
            {EXT: {"DEFAULT_5XX": {"statusCode": True}}},
            f"{EXT}.DEFAULT_5XX.statusCode: True is not a status code"
            " (a string or number from 100 to 599)",
            id="status-bool",
        ),
        pytest.param(
            {EXT: {"DEFAULT_4XX": {"responseParameters": {
                "gatewayresponse.querystring.x": "'a'"}}}},
            f"{EXT}.DEFAULT_4XX.responseParameters.gatewayresponse.querystring.x:"
            " the key must be gatewayresponse.header.<Name> (only headers reach the response)",
            id="bad-header-key",
        ),
        pytest.param(
            {EXT: {"DEFAULT_4XX": {"responseParameters": {
                "gatewayresponse.header.x-a": "method.request.body.x"}}}},
            f"{EXT}.DEFAULT_4XX.responseParameters.gatewayresponse.header.x-a:"
            " 'method.request.body.x' is neither a quoted static value ('text') nor"
            " method.request.{header|multivalueheader|path|querystring|multivaluequerystring}"
            ".<name>, stageVariables.<name> or context.<name>",
            id="bad-value-source",
        ),
        pytest.param(
            {EXT: {"UNAUTHORIZED": {"responseParameters": {
                "gatewayresponse.header.x-a": "a.b.c"}}}},
            f"{EXT}.UNAUTHORIZED.responseParameters.gatewayresponse.header.x-a:"
            " 'a.b.c' is neither a quoted static value ('text') nor"
            " method.request.{header|multivalueheader|path|querystring|multivaluequerystring}"
            ".<name>, stageVariables.<name> or context.<name>",
            id="unquoted-static-value",
        ),
        pytest.param(
            {EXT: {"DEFAULT_4XX": {"responseParameters": {"gatewayresponse.header.x-a": 5}}}},
            f"{EXT}.DEFAULT_4XX.responseParameters.gatewayresponse.header.x-a:"
            " a header value is a string, got int",
            id="value-not-str",
        ),
        pytest.param(
            {EXT: {"DEFAULT_4XX": {"responseParameters": ["x"]}}},
            f"{EXT}.DEFAULT_4XX.responseParameters: expected a mapping of"
            " gatewayresponse.header.<Name> to a value, got list",
            id="parameters-not-mapping",
        ),
        pytest.param(
            {EXT: {"DEFAULT_4XX": {"responseTemplates": {}}}},
            f"{EXT}.DEFAULT_4XX.responseTemplates: expected a mapping of content type to"
            " template, with at least one entry",
            id="no-template",
        ),
        pytest.param(
            {EXT: {"DEFAULT_4XX": {"responseTemplates": {"application/json": 5}}}},
            f"{EXT}.DEFAULT_4XX.responseTemplates.application/json: a template is a string,"
            " got int",
            id="template-not-str",
        ),
        pytest.param(
            {EXT: {"DEFAULT_4XX": {"statusCode": 404, "headers": {}}}},
            f"{EXT}.DEFAULT_4XX: unknown keys ['headers']; valid: statusCode,"
            " responseParameters, responseTemplates",
            id="unknown-key",
        ),
        pytest.param(
            {EXT: {"DEFAULT_4XX": ["statusCode"]}},
            f"{EXT}.DEFAULT_4XX: a gateway response is a mapping with statusCode,"
            " responseParameters and responseTemplates, got list",
            id="response-not-mapping",
        ),
        pytest.param(
            {EXT: ["DEFAULT_4XX"]},
            f"{EXT}: expected a mapping of response type to gateway response, got list",
            id="extension-not-mapping",
        ),
        pytest.param(
            [EXT],
            "gateway_responses: expected an OpenAPI document (a mapping, or a JSON or YAML"
            " file), got list",
            id="document-not-mapping",
        ),
        pytest.param(
            42,
            "gateway_responses: expected an OpenAPI document (a mapping, or a JSON or YAML"
            " file), got int",
            id="document-int",
        ),
        pytest.param(
            {"openapi": "3.0.1", "paths": {}},
            f"gateway_responses: the document has no {EXT!r} key at its root",
            id="no-extension",
        ),
    ],
)
def test_malformed_documents_name_the_path_inside(document, message):
    with pytest.raises(ApigwFaultError) as error:
        Fault("route_not_found", api="rest", gateway_responses=document)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("variable", "where"),
    [
        ("$context.nope", "DEFAULT_4XX.responseTemplates.application/json"),
        ("$context.error.nope", "DEFAULT_4XX.responseTemplates.application/json"),
        ("$context.authorizer.principalId", "DEFAULT_4XX.responseTemplates.application/json"),
    ],
)
def test_unknown_context_variable_is_named(variable, where):
    doc = {EXT: {"DEFAULT_4XX": {"responseTemplates": {"application/json": f'"{variable}"'}}}}
    with pytest.raises(ApigwFaultError) as error:
        Fault("route_not_found", api="rest", gateway_responses=doc)
    text = str(error.value)
    assert text.startswith(
        f"{EXT}.{where}: {variable} is not a variable gateway responses offer here; valid:"
        " $context.apiId, "
    )
    for known in ("$context.error.messageString", "$context.requestId", "$context.stage"):
        assert known in text
    assert text.endswith(", $stageVariables.<name>")


def test_unknown_context_source_for_a_header_is_named():
    doc = {EXT: {"THROTTLED": {"responseParameters": {
        "gatewayresponse.header.x-a": "context.nope"}}}}
    with pytest.raises(ApigwFaultError) as error:
        Fault("api_throttled", api="rest", gateway_responses=doc)
    assert str(error.value).startswith(
        f"{EXT}.THROTTLED.responseParameters.gatewayresponse.header.x-a: 'context.nope'"
        " is neither a quoted static value"
    )


def test_malformed_file_names_the_file_and_the_path_inside(tmp_path):
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps({EXT: {"DEFAULT_4XX": {"statusCode": "4O4"}}}))
    with pytest.raises(ApigwFaultError) as error:
        Fault("route_not_found", api="rest", gateway_responses=document)
    assert str(error.value) == (
        f"{document}: {EXT}.DEFAULT_4XX.statusCode: '4O4' is not a status code"
        " (a string or number from 100 to 599)"
    )


def test_invalid_json_file(tmp_path):
    document = tmp_path / "openapi.json"
    document.write_text("{not json")
    with pytest.raises(ApigwFaultError) as error:
        Fault("route_not_found", api="rest", gateway_responses=str(document))
    assert str(error.value).startswith(f"gateway_responses={str(document)!r}: not valid JSON: ")


def test_invalid_yaml_file(tmp_path):
    pytest.importorskip("yaml", reason="PyYAML is not installed: YAML documents need it")
    document = tmp_path / "openapi.yaml"
    document.write_text("a: [unclosed\n")
    with pytest.raises(ApigwFaultError) as error:
        Fault("route_not_found", api="rest", gateway_responses=str(document))
    assert str(error.value).startswith(f"gateway_responses={str(document)!r}: not valid YAML: ")


def test_missing_file(tmp_path):
    document = tmp_path / "nope.json"
    with pytest.raises(ApigwFaultError) as error:
        Fault("route_not_found", api="rest", gateway_responses=document)
    assert str(error.value) == (
        f"gateway_responses={str(document)!r}: cannot read the file (No such file or directory)"
    )


# -- the marker, inject() and assert_response --------------------------------------------


@pytest.mark.apigw_fault("route_not_found", api="rest", gateway_responses=CONSOLE_DOC)
def test_marker_gateway_responses(apigw_fault):
    response = requests.get(PETS_URL, headers={"X-Pet": "cat"}, timeout=None)
    _check_console_example(response)
    apigw_fault.assert_response(response)
    second = httpx.get(PETS_URL, headers={"X-Pet": "cat"})
    _check_console_example(second)
    apigw_fault.assert_response(second)


@pytest.mark.parametrize("client", CLIENTS)
def test_inject_gateway_responses_and_assert_response(apigw_fault, client):
    apigw_fault.inject("function_error", api="rest", gateway_responses=FALLBACK_DOC)
    response = _get(client)
    assert response.status_code == 599
    assert response.content == b"5xx INTEGRATION_FAILURE"
    apigw_fault.assert_response(response)


def test_assert_response_still_catches_a_change_to_a_customised_response(apigw_fault):
    apigw_fault.inject("route_not_found", api="rest", gateway_responses=CONSOLE_DOC)
    response = requests.get(PETS_URL, headers={"X-Pet": "cat"}, timeout=None)
    response.status_code = 403
    with pytest.raises(AssertionError, match="status: got 403, expected 404"):
        apigw_fault.assert_response(response)


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    return set_up_inner(pytester)


def test_marker_with_http_api_and_gateway_responses_is_a_collection_error(inner):
    inner.makepyfile(
        test_user_custom=module(
            """
            @pytest.mark.apigw_fault(
                "function_error", api="http",
                gateway_responses={"DEFAULT_5XX": {"statusCode": "599"}},
            )
            def test_k():
                pass
            """
        )
    )
    assert_collection_error(
        inner, f"test_user_custom.py::test_k: bad @pytest.mark.apigw_fault: {REST_ONLY}"
    )


def test_marker_with_a_malformed_document_is_a_collection_error(inner):
    inner.makepyfile(
        test_user_custom=module(
            """
            @pytest.mark.apigw_fault(
                "function_error", api="rest",
                gateway_responses={"DEFAULT_5XX": {"statusCode": "5xx"}},
            )
            def test_k():
                pass
            """
        )
    )
    assert_collection_error(
        inner,
        "test_user_custom.py::test_k: bad @pytest.mark.apigw_fault:"
        f" {EXT}.DEFAULT_5XX.statusCode: '5xx' is not a status code"
        " (a string or number from 100 to 599)",
    )


# -- the ini key -----------------------------------------------------------------------

INI_DOC = {
    EXT: {
        "MISSING_AUTHENTICATION_TOKEN": {
            "statusCode": "404",
            "responseParameters": {"gatewayresponse.header.x-from-ini": "'yes'"},
        }
    }
}
INI_USER = """
@pytest.mark.apigw_fault("route_not_found", api="rest")
def test_marker_takes_the_ini_document(apigw_fault):
    response = requests.get(URL)
    assert response.status_code == 404
    assert response.headers["x-from-ini"] == "yes"
    apigw_fault.assert_response(response)


def test_inject_takes_it(apigw_fault):
    apigw_fault.inject("route_not_found", api="rest")
    response = httpx.get(URL)
    assert response.status_code == 404
    assert response.headers["x-from-ini"] == "yes"


def test_http_api_faults_ignore_it(apigw_fault):
    apigw_fault.inject("route_not_found", api="http")
    response = httpx.get(URL)
    assert (response.status_code, response.content) == (404, b'{"message":"Not Found"}')
    assert [k for k, _ in response.headers.raw] == [
        b"date", b"content-type", b"content-length", b"apigw-requestid"
    ]


@pytest.mark.apigw_fault(
    "route_not_found", api="rest",
    gateway_responses={"MISSING_AUTHENTICATION_TOKEN": {"statusCode": "410"}},
)
def test_the_marker_wins(apigw_fault):
    response = requests.get(URL)
    assert response.status_code == 410
    assert "x-from-ini" not in response.headers


def test_inject_wins(apigw_fault):
    apigw_fault.inject(
        "route_not_found", api="rest",
        gateway_responses={"MISSING_AUTHENTICATION_TOKEN": {"statusCode": "400"}},
    )
    assert requests.get(URL).status_code == 400
"""


def _ini_project(inner, document_text, name="openapi.json"):
    """The ini file at the root, the document in ``api/``, the tests in ``tests/``,
    and pytest run from ``tests/``: the path resolves against the ini file only."""
    inner.makeini(INI + f"apigw_fault_gateway_responses = api/{name}\n")
    (inner.path / "api").mkdir()
    (inner.path / "api" / name).write_text(document_text, encoding="utf-8")
    tests = inner.mkpydir("tests")
    (tests / "test_user_ini.py").write_text(module(INI_USER), encoding="utf-8")
    return tests


def test_ini_gateway_responses_relative_to_the_ini_file(inner, monkeypatch):
    tests = _ini_project(inner, json.dumps(INI_DOC))
    monkeypatch.chdir(tests)
    result = inner.runpytest()
    result.assert_outcomes(passed=5)


def test_ini_gateway_responses_as_yaml(inner, monkeypatch):
    pytest.importorskip("yaml", reason="PyYAML is not installed: YAML documents need it")
    yaml_text = (
        f"{EXT}:\n"
        "  MISSING_AUTHENTICATION_TOKEN:\n"
        "    statusCode: '404'\n"
        "    responseParameters:\n"
        "      gatewayresponse.header.x-from-ini: \"'yes'\"\n"
    )
    tests = _ini_project(inner, yaml_text, "openapi.yaml")
    monkeypatch.chdir(tests)
    result = inner.runpytest()
    result.assert_outcomes(passed=5)


def test_ini_gateway_responses_missing_file_is_a_usage_error(inner):
    inner.makeini(INI + "apigw_fault_gateway_responses = api/nope.json\n")
    inner.makepyfile(test_user_ini=module("def test_never():\n    pass\n"))
    result = inner.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    missing = inner.path / "api" / "nope.json"
    result.stderr.fnmatch_lines(
        [
            literal(
                "ERROR: apigw_fault_gateway_responses in the ini file:"
                f" gateway_responses={str(missing)!r}: cannot read the file"
                " (No such file or directory)"
            )
        ]
    )


def test_ini_gateway_responses_malformed_is_a_usage_error(inner, monkeypatch):
    tests = _ini_project(inner, json.dumps({EXT: {"DEFAULT_4XX": {"statusCode": "4O4"}}}))
    monkeypatch.chdir(tests)
    result = inner.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            literal(
                "ERROR: apigw_fault_gateway_responses in the ini file:"
                f" {inner.path / 'api' / 'openapi.json'}: {EXT}.DEFAULT_4XX.statusCode:"
                " '4O4' is not a status code (a string or number from 100 to 599)"
            )
        ]
    )


def test_marker_matrix_with_gateway_responses_and_no_api(inner):
    inner.makepyfile(
        test_user_custom=module(
            """
            @pytest.mark.apigw_fault(
                "route_not_found",
                gateway_responses={"MISSING_AUTHENTICATION_TOKEN": {"statusCode": "404"}},
            )
            def test_k(apigw_fault):
                assert requests.get(URL).status_code == 404
            """
        )
    )
    result = inner.runpytest("-rA")
    outcomes = result.parseoutcomes()
    text = result.stdout.str()
    reported_at_collection = outcomes.get("errors") == 1 and (
        f"test_user_custom.py::test_k: bad @pytest.mark.apigw_fault: {REST_ONLY}" in text
    )
    rest_only = outcomes == {"passed": 1} and "test_k[rest-route_not_found]" in text
    assert reported_at_collection or rest_only, outcomes


@pytest.mark.parametrize("endpoint", ["edge", "regional"])
def test_a_customised_header_cannot_add_or_replace_the_gateways_own(endpoint):
    document = {
        "DEFAULT_4XX": {
            "responseParameters": {
                "gatewayresponse.header.X-Amzn-Trace-Id": "'mine'",
                "gatewayresponse.header.Via": "'proxy'",
                "gatewayresponse.header.x-own": "'kept'",
            }
        }
    }
    with Fault(
        "route_not_found", api="rest", endpoint=endpoint, gateway_responses=document,
        clients="requests",
    ):
        response = requests.get(URL, timeout=10)
    names = [name for name, _ in wire_headers(response)]
    assert "x-amzn-trace-id" not in names  # the Lambda was never called
    assert names.count("via") == (1 if endpoint == "edge" else 0)
    assert response.headers.get("via") != "proxy"
    assert response.headers["x-own"] == "kept"
