"""Exact values of the gateway model's smaller pieces: the request context a
gateway response template sees, the access log, size admission, header
lookups, the response checker's messages and the table's own rules.

Each test pins the value itself (not its form), so that a changed constant,
comparison or fallback in ``_gateway`` fails here (``make mutation``).
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from pytest_apigw_faults import get_scenario
from pytest_apigw_faults._gateway import custom, limits
from pytest_apigw_faults._gateway.accesslog import access_log
from pytest_apigw_faults._gateway.admission import declared_size, refusal, request_size
from pytest_apigw_faults._gateway.context import request_time
from pytest_apigw_faults._gateway.custom import CONTEXT_VARIABLES, GatewayResponses
from pytest_apigw_faults._gateway.errors import ApigwFaultError
from pytest_apigw_faults._gateway.limits import (
    LAMBDA_PAYLOAD_BYTES,
    PAYLOAD_BYTES,
    max_integration_timeout,
)
from pytest_apigw_faults._gateway.records import Exchange, Incoming, WireResponse
from pytest_apigw_faults._gateway.result import ProxyResult
from pytest_apigw_faults._gateway.table import Api, Endpoint, Phase

T0 = 1_747_708_810.5  # 2025-05-20 02:40:10.5 UTC
TIMEOUT = get_scenario("integration_timeout", api="rest")
LAMBDA_ROW = "lambda_request_too_large"
URL = "https://abc123def4-vpce-0a1b2c.execute-api.us-east-1.amazonaws.com/prod/pets/7?q=1&q=2"


# --- the request context of a gateway response -----------------------------


def _render(document, request, scenario=TIMEOUT):
    return GatewayResponses(document).render(scenario, request, "rid-1", "ext-1", T0)


def test_every_context_variable_of_a_template():
    template = "|".join(f"{v}=$context.{v}" for v in CONTEXT_VARIABLES)
    template += "|sv=$stageVariables.x"
    request = Incoming("POST", URL, {"user-agent": "ua/1"})
    status, ctype, body, headers = _render(
        {"INTEGRATION_TIMEOUT": {"responseTemplates": {"application/json": template}}}, request
    )
    assert (status, ctype, headers) == (504, "application/json", ())
    assert body.decode().split("|") == [
        "apiId=abc123def4",
        "domainName=abc123def4-vpce-0a1b2c.execute-api.us-east-1.amazonaws.com",
        "domainPrefix=abc123def4-vpce-0a1b2c",
        "error.message=Endpoint request timed out",
        'error.messageString= "Endpoint request timed out"',
        "error.responseType=INTEGRATION_TIMEOUT",
        "error.validationErrorString=",
        "extendedRequestId=ext-1",
        "httpMethod=POST",
        "identity.sourceIp=192.0.2.1",
        "identity.userAgent=ua/1",
        "path=/prod/pets/7",
        "protocol=HTTP/1.1",
        "requestId=rid-1",
        "requestTime=20/May/2025:02:40:10 +0000",
        "requestTimeEpoch=1747708810500",
        "resourcePath=/pets/7",
        "stage=prod",
        "sv=",
    ]


def test_the_context_of_a_bare_url_and_a_row_without_a_message():
    template = "[$context.stage][$context.resourcePath][$context.path][$context.apiId]"
    template += "[$context.identity.userAgent][$context.error.message]"
    template += "[$context.error.responseType][$context.domainName]"
    row = dataclasses.replace(TIMEOUT, message=None)
    _, _, body, _ = _render(
        {"INTEGRATION_TIMEOUT": {"responseTemplates": {"application/json": template}}},
        Incoming("GET", "/"),
        row,
    )
    assert body == b"[][/][/][][][][INTEGRATION_TIMEOUT][]"
    _, _, body, _ = _render(
        {"INTEGRATION_TIMEOUT": {"responseTemplates": {"application/json": template}}},
        Incoming("GET", "https://abc123def4.execute-api.eu-west-1.amazonaws.com"),
    )
    assert body == (
        b"[][/][/][abc123def4][][Endpoint request timed out][INTEGRATION_TIMEOUT]"
        b"[abc123def4.execute-api.eu-west-1.amazonaws.com]"
    )


def test_header_mappings_take_their_values_from_the_request():
    parameters = {
        "gatewayresponse.header.X-Q": "method.request.querystring.q",
        "gatewayresponse.header.X-MQ": "method.request.multivaluequerystring.q",
        "gatewayresponse.header.X-H": "method.request.header.X-Mine",
        "gatewayresponse.header.X-MH": "method.request.multivalueheader.X-Mine",
        "gatewayresponse.header.X-C": "context.requestId",
        "gatewayresponse.header.X-V": "context.error.validationErrorString",
        "gatewayresponse.header.X-S": "'static'",
        "gatewayresponse.header.X-E": "''",
        "gatewayresponse.header.X-SV": "stageVariables.v",
        "gatewayresponse.header.X-P": "method.request.path.id",
        "gatewayresponse.header.X-None": "method.request.querystring.none",
    }
    request = Incoming("GET", URL, {"x-mine": "m"})
    document = {"INTEGRATION_TIMEOUT": {"responseParameters": parameters}}
    _, _, body, headers = _render(document, request)
    assert body == TIMEOUT.body
    assert headers == (
        ("x-q", "1"),
        ("x-mq", "1,2"),
        ("x-h", "m"),
        ("x-mh", "m"),
        ("x-c", "rid-1"),
        ("x-v", ""),
        ("x-s", "static"),
        ("x-e", ""),
    )


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("TEXT/HTML; q=0.9, application/xml", "text/html"),
        ("image/png, application/XML;q=1", "application/xml"),
        ("image/png", "application/json"),
        ("image/png,text/html", "text/html"),
        (None, "application/json"),
    ],
)
def test_the_template_for_the_accept_header(accept, chosen):
    templates = {"text/html": "h", "application/xml": "x", "Application/JSON": "j"}
    headers = {} if accept is None else {"Accept": accept}
    _, ctype, body, _ = _render(
        {"INTEGRATION_TIMEOUT": {"responseTemplates": templates}}, Incoming("GET", URL, headers)
    )
    expected = {"text/html": b"h", "application/xml": b"x", "application/json": b"j"}[chosen]
    assert (ctype.lower(), body) == (chosen, expected)


def test_without_json_the_first_template_is_taken():
    _, ctype, body, _ = _render(
        {"INTEGRATION_TIMEOUT": {"responseTemplates": {"text/plain": "p", "text/html": "h"}}},
        Incoming("GET", URL),
    )
    assert (ctype, body) == ("text/plain", b"p")


def test_a_type_without_headers_takes_its_fallbacks_headers():
    document = {
        "INTEGRATION_TIMEOUT": {"statusCode": "599"},
        "DEFAULT_5XX": {"responseParameters": {"gatewayresponse.header.X-F": "'f'"}},
    }
    status, _, body, headers = _render(document, Incoming("GET", URL))
    assert (status, body, headers) == (599, TIMEOUT.body, (("x-f", "f"),))


@pytest.mark.parametrize("code", [100, "100", 599])
def test_status_codes_at_the_edges_are_taken(code):
    document = {"INTEGRATION_TIMEOUT": {"statusCode": code}}
    assert _render(document, Incoming("GET", URL))[0] == int(code)


@pytest.mark.parametrize("code", [99, 600, "5x0", True, 504.0, ""])
def test_other_status_codes_are_refused(code):
    with pytest.raises(ApigwFaultError) as raised:
        GatewayResponses({"INTEGRATION_TIMEOUT": {"statusCode": code}})
    assert str(raised.value) == (
        "x-amazon-apigateway-gateway-responses.INTEGRATION_TIMEOUT.statusCode:"
        f" {code!r} is not a status code (a string or number from 100 to 599)"
    )


@pytest.mark.parametrize("value", ["'", "'open", "close'"])
def test_a_half_quoted_header_value_is_refused(value):
    with pytest.raises(ApigwFaultError) as raised:
        GatewayResponses(
            {"DEFAULT_4XX": {"responseParameters": {"gatewayresponse.header.X-A": value}}}
        )
    assert str(raised.value).startswith(
        "x-amazon-apigateway-gateway-responses.DEFAULT_4XX.responseParameters"
        f".gatewayresponse.header.X-A: {value!r} is neither a quoted static value"
    )


def test_the_repr_names_the_types_and_the_file(tmp_path):
    assert repr(GatewayResponses({"DEFAULT_4XX": {}, "DEFAULT_5XX": {}})) == (
        "GatewayResponses(DEFAULT_4XX, DEFAULT_5XX)"
    )
    path = tmp_path / "responses.json"
    path.write_text('{"DEFAULT_4XX": {}}')
    loaded = custom.load(str(path))
    assert (loaded.origin, repr(loaded)) == (
        str(path),
        f"GatewayResponses(DEFAULT_4XX from {path})",
    )


def test_a_changed_file_is_read_again(tmp_path):
    path = tmp_path / "responses.json"
    path.write_text('{"DEFAULT_4XX": {}}')
    os.utime(path, (1_000_000, 1_000_000))
    assert list(custom.load(path).types) == ["DEFAULT_4XX"]
    path.write_text('{"DEFAULT_5XX": {}}')
    os.utime(path, (2_000_000, 2_000_000))
    assert list(custom.load(path).types) == ["DEFAULT_5XX"]


# --- the request time ------------------------------------------------------


@pytest.mark.parametrize(
    ("epoch_ms", "text"),
    [
        (0, "01/Jan/1970:00:00:00 +0000"),
        (1_747_708_810_999, "20/May/2025:02:40:10 +0000"),
        (1_735_689_599_000, "31/Dec/2024:23:59:59 +0000"),
        (1_706_745_600_000, "01/Feb/2024:00:00:00 +0000"),
    ],
)
def test_request_time(epoch_ms, text):
    assert request_time(epoch_ms) == text


# --- limits and admission --------------------------------------------------


def test_the_numbers_as_documented():
    # module-level constants are not mutated by mutmut: pinned here
    assert (PAYLOAD_BYTES, LAMBDA_PAYLOAD_BYTES) == (10_485_760, 6_291_556)
    assert limits.MIN_INTEGRATION_TIMEOUT == 0.05
    assert dict(limits.DEFAULT_INTEGRATION_TIMEOUT) == {Api.REST: 29.0, Api.HTTP: 30.0}
    assert limits.MAX_INTEGRATION_TIMEOUT == 300.0
    assert limits.FUNCTION_TIMEOUTS == (1, 900)
    assert limits.DEFAULT_FUNCTION_TIMEOUT == 3.0


def test_the_longest_integration_timeouts():
    assert max_integration_timeout(Api.REST, Endpoint.EDGE) == 29.0
    assert max_integration_timeout(Api.REST, Endpoint.REGIONAL) == 300.0
    assert max_integration_timeout(Api.REST, Endpoint.PRIVATE) == 300.0
    assert max_integration_timeout(Api.HTTP, Endpoint.REGIONAL) == 30.0


@pytest.mark.parametrize(
    ("headers", "size"),
    [
        ({}, 0),
        ({"content-length": " 12 "}, 12),
        ({"CONTENT-LENGTH": "0"}, 0),
        ({"Content-Length": "1e3"}, None),
        ({"transfer-encoding": "chunked"}, None),
        ({"Content-Length": "7", "Transfer-Encoding": "chunked"}, 7),
    ],
)
def test_the_declared_size(headers, size):
    assert declared_size(Incoming("POST", URL, headers)) == size


def test_the_request_size_prefers_the_body_then_the_adapters_size():
    request = Incoming("POST", URL, {"Content-Length": "5"})
    assert request_size(request, b"abc", 9) == 3
    assert request_size(request, None, 9) == 9
    assert request_size(request) == 5
    assert request_size(request, b"") == 0


@pytest.mark.parametrize(
    ("api", "endpoint", "size", "invokes", "payload", "row"),
    [
        (Api.REST, Endpoint.EDGE, PAYLOAD_BYTES, True, None, LAMBDA_ROW),
        (Api.REST, Endpoint.EDGE, PAYLOAD_BYTES + 1, False, None, "request_too_large"),
        (Api.REST, Endpoint.REGIONAL, PAYLOAD_BYTES + 1, False, None, "payload_too_large"),
        (Api.REST, Endpoint.PRIVATE, PAYLOAD_BYTES + 1, True, None, "payload_too_large"),
        (Api.HTTP, Endpoint.REGIONAL, PAYLOAD_BYTES + 1, True, None, "payload_too_large"),
        (Api.REST, Endpoint.EDGE, PAYLOAD_BYTES, False, None, None),
        (Api.REST, Endpoint.EDGE, LAMBDA_PAYLOAD_BYTES, True, None, None),
        (Api.REST, Endpoint.EDGE, LAMBDA_PAYLOAD_BYTES + 1, True, None, LAMBDA_ROW),
        (Api.HTTP, Endpoint.REGIONAL, 10, True, LAMBDA_PAYLOAD_BYTES + 1, LAMBDA_ROW),
        (Api.HTTP, Endpoint.REGIONAL, LAMBDA_PAYLOAD_BYTES + 1, True, 10, None),
        (Api.REST, Endpoint.REGIONAL, None, True, None, None),
        (Api.REST, Endpoint.REGIONAL, None, True, LAMBDA_PAYLOAD_BYTES, None),
    ],
)
def test_the_refusal_at_each_limit(api, endpoint, size, invokes, payload, row):
    refused = refusal(api, endpoint, size, invokes=invokes, payload=payload)
    assert (None if refused is None else (refused.name, refused.api)) == (
        None if row is None else (row, api)
    )


# --- header lookups --------------------------------------------------------


def test_an_incoming_header_is_found_whatever_its_case():
    request = Incoming("GET", URL, {"X-Mine": "a", "other": "b"})
    assert request.header("X-Mine") == "a"
    assert request.header("x-mine") == "a"
    assert request.header("OTHER") == "b"
    assert request.header("missing") is None


def test_a_caseless_mapping_is_trusted_for_a_miss():
    class Headers(dict):  # a client's case-insensitive mapping is named so
        pass

    request = Incoming("GET", URL, Headers({"X-Mine": "a"}))
    assert request.header("X-Mine") == "a"
    assert request.header("x-mine") is None  # not searched again: the mapping said no


def test_a_proxy_results_first_header_whatever_its_case():
    result = ProxyResult(
        200, (("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("X-One", "1")), b""
    )
    assert result.header("SET-COOKIE") == "a=1"
    assert result.header("x-one") == "1"
    assert result.header("x-two") is None


def test_a_wire_responses_header():
    response = WireResponse(200, (("content-type", "a"), ("x-b", "b")), b"")
    assert response.header("Content-Type") == "a"
    assert response.header("x-c") is None


# --- the access log --------------------------------------------------------


def _exchange(scenario, response, request_id="rid-1", latency=0.25):
    return Exchange(scenario, response, request_id, T0, latency, ())


def test_the_rest_log_of_a_lambdas_answer():
    response = WireResponse(
        201,
        (("content-length", "2"), ("x-amzn-requestid", "rid-1"), ("x-amz-apigw-id", "E=")),
        b"{}",
    )
    assert dict(access_log(_exchange(None, response))) == {
        "requestId": "rid-1",
        "extendedRequestId": "E=",
        "status": "201",
        "responseLength": "2",
        "responseLatency": "250",
        "error.message": "-",
        "error.messageString": "-",
        "error.responseType": "-",
        "integration.error": "-",
        "integration.integrationStatus": "200",
        "integration.status": "201",
        "identity.apiKey": "-",  # no API key required
        "identity.apiKeyId": "-",
    }


def test_the_http_log_of_a_lambdas_answer():
    response = WireResponse(200, (("apigw-requestid", "H="),), b"")
    assert dict(access_log(_exchange(None, response, request_id=""))) == {
        "requestId": "-",
        "extendedRequestId": "H=",
        "status": "200",
        "responseLength": "-",
        "responseLatency": "250",
        "error.message": "-",
        "integrationErrorMessage": "-",
        "integrationStatus": "200",
    }


def test_the_log_of_a_failure_without_ids_or_message():
    row = dataclasses.replace(TIMEOUT, message=None, response_type=None)
    log = access_log(_exchange(row, WireResponse(504, (), b""), request_id=""))
    assert dict(log) == {
        "requestId": "-",
        "extendedRequestId": "-",
        "status": "504",
        "responseLength": "-",
        "responseLatency": "250",
        "error.message": "-",
        "error.messageString": "null",
        "error.responseType": "-",
        "integration.error": "-",
        "integration.integrationStatus": "-",
        "integration.status": "-",
        "identity.apiKey": "-",  # no API key required
        "identity.apiKeyId": "-",
    }


def test_a_function_error_is_logged_only_for_an_integration_failure():
    line = "Lambda execution failed: customer function error: Boom. Lambda request id: ab-12"
    row = get_scenario("function_error", api="rest")
    refused = dataclasses.replace(row, phase=Phase.REQUEST)
    response = WireResponse(502, (), b"")
    exchange = Exchange(refused, response, "rid-1", T0, 0.1, (line,))
    assert access_log(exchange)["integration.error"] == "-"
    exchange = Exchange(row, response, "rid-1", T0, 0.1, (line,))
    assert access_log(exchange)["integration.error"] == "Lambda Customer Function Error:Boom"


def test_the_http_log_of_a_failure():
    row = get_scenario("integration_timeout", api="http")
    log = access_log(_exchange(row, WireResponse(503, (), b"")))
    assert (log["error.message"], log["integrationStatus"]) == ("Service Unavailable", "-")
    assert log["integrationErrorMessage"] == "-"


def test_the_http_log_of_a_failure_without_a_message():
    row = dataclasses.replace(get_scenario("integration_timeout", api="http"), message=None)
    log = access_log(_exchange(row, WireResponse(503, (), b"")))
    assert (log["error.message"], log["integrationStatus"]) == ("-", "-")
