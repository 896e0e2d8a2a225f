"""The corrections of the second pass of the reference
(``api-gateway-behaviour-2.md`` §0, §2, §5, §6, contradictions C1-C11): one
test per correction, with the exact bytes and headers of the captures.

In-process clients (requests, httpx) get the HTTP/2 form AWS sends (lower
case); the loopback server speaks HTTP/1.1 and gets AWS's HTTP/1.1 spelling,
read here off a raw socket so that nothing reorders or re-cases it.
"""

from __future__ import annotations

import dataclasses
import re
import socket

import httpx
import pytest
import requests
from support import refuse_network, wire_headers

from pytest_apigw_faults import Fault, GatewayServer, classify, get_scenario
from pytest_apigw_faults._gateway.scenario import Phase, spaced
from pytest_apigw_faults._gateway.table import _build

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
PRIVATE_URL = (
    "https://abc123def4-vpce-01234567abcdef012.execute-api.us-east-1.amazonaws.com/prod/orders"
)
HOST = "abc123def4.execute-api.us-east-1.amazonaws.com"
CLOUDFRONT = ["x-cache", "via", "x-amz-cf-pop", "x-amz-cf-id"]
# The 2025 trace value of a success [EDGE-H1-2025], e.g.
# Root=1-691e35ba-67058b0912b69cec4f487cd5;Parent=63aafdacf6f663fa;Sampled=0;Lineage=1:45061563:0
TRACE_2025 = re.compile(
    r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0;Lineage=1:[0-9a-f]{8}:0"
)
ROOT_ONLY = re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}")


@pytest.fixture
def offline(monkeypatch):
    refuse_network(monkeypatch, "test_corrections")


def _names(response):
    return [name.lower() for name, _ in wire_headers(response)]


def _http11(port, request):
    """One HTTP/1.1 exchange on a raw socket: the status line, the header
    lines as sent (spelling and order) and the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        data = b""
        while True:
            head, found, body = data.partition(b"\r\n\r\n")
            if found:
                length = re.search(rb"(?im)^content-length: (\d+)", head)
                head_request = request.startswith("HEAD ")
                if head_request or (length and len(body) >= int(length.group(1))):
                    break
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(line.split(": ", 1)) for line in lines[1:]]
    return lines[0], headers, body


def _get(method="GET", path="/prod/orders"):
    return f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n"


# -- C1, C7: the validator's body has the space ---------------------------------------


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_c1_bad_request_body_is_35_bytes_with_the_space(client, offline):
    with Fault("bad_request_body", api="rest", endpoint="regional"):
        response = (requests if client == "requests" else httpx).get(URL)
    assert response.status_code == 400
    assert response.content == b'{"message": "Invalid request body"}'  # [UDACITY]
    assert response.headers["content-length"] == "35"
    assert response.headers["x-amzn-errortype"] == "BadRequestException"
    assert "x-amzn-trace-id" not in response.headers  # refused before the integration


def test_c7_the_spelling_rule_is_the_phase_s_not_the_integration_s(offline):
    # validator, integration and timeout messages: the space [UDACITY][PULUMI][T]
    assert spaced(get_scenario("bad_request_body", api="rest"))
    assert spaced(get_scenario("integration_timeout", api="rest"))
    assert spaced(get_scenario("function_error", api="rest"))
    # routing, authorizer, API key, WAF, throttle: none [T][PULUMI][TMR-2026]
    for name in ("route_not_found", "unauthorized", "invalid_api_key", "waf_filtered",
                 "api_throttled"):
        row = get_scenario(name, api="rest")
        assert not spaced(row), name
        assert row.body.startswith(b'{"message":"'), name
    assert not spaced(get_scenario("function_error", api="http"))
    # a customised template sees $context.error.messageString with the space
    doc = {"x-amazon-apigateway-gateway-responses": {"BAD_REQUEST_BODY": {
        "responseTemplates": {"application/json": '{"error":$context.error.messageString}'}
    }}}  # fmt: skip
    with Fault("bad_request_body", api="rest", gateway_responses=doc):
        response = requests.get(URL, timeout=None)
    assert response.content == b'{"error": "Invalid request body"}'


def test_c7_the_table_refuses_a_validator_row_without_the_space():
    row = get_scenario("bad_request_body", api="rest")
    compact = dataclasses.replace(row, body=b'{"message":"Invalid request body"}')
    with pytest.raises(ValueError, match="is not the template's"):
        _build([compact])
    request_phase = dataclasses.replace(row, phase=Phase.REQUEST)
    with pytest.raises(ValueError, match="is not the template's"):
        _build([request_phase])


# -- C2: regional and private REST put date first ----------------------------------------


@pytest.mark.parametrize(("endpoint", "url"), [("regional", URL), ("private", PRIVATE_URL)])
def test_c2_regional_and_private_send_date_first(endpoint, url, offline):
    with Fault("waf_filtered", api="rest", endpoint=endpoint):
        response = httpx.get(url)
    assert response.status_code == 403
    assert response.content == b'{"message":"Forbidden"}'
    # [WAF-HEAD] (regional, 2026), lower-cased as over HTTP/2
    assert _names(response) == [
        "date", "content-type", "content-length", "x-amzn-requestid", "x-amzn-errortype",
        "x-amz-apigw-id",
    ]  # fmt: skip
    assert response.headers["content-length"] == "23"
    assert response.headers["x-amzn-errortype"] == "ForbiddenException"


def test_c2_edge_keeps_cloudfront_s_order(offline):
    with Fault("waf_filtered", api="rest", endpoint="edge"):
        response = httpx.get(URL)
    assert _names(response) == [
        "content-type", "content-length", "date", "x-amzn-requestid", "x-amzn-errortype",
        "x-amz-apigw-id", *CLOUDFRONT,
    ]  # fmt: skip


def test_c2_the_private_api_500_of_cn_northwest_1_over_http11():
    # [CN-PRIV]: Date, Content-Type, Content-Length: 36, Connection, x-amzn-RequestId,
    # x-amzn-ErrorType: InternalServerErrorException, x-amz-apigw-id
    with GatewayServer([Fault("api_configuration_error", api="rest", endpoint="private")]) as s:
        status, headers, body = _http11(s.port, _get())
    assert status == "HTTP/1.1 500 Internal Server Error"
    assert [name for name, _ in headers] == [
        "Date", "Content-Type", "Content-Length", "Connection", "x-amzn-RequestId",
        "x-amzn-ErrorType", "x-amz-apigw-id",
    ]  # fmt: skip
    values = dict(headers)
    assert (values["Content-Type"], values["Content-Length"], values["Connection"]) == (
        "application/json", "36", "keep-alive"
    )
    assert values["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert body == b'{"message": "Internal server error"}'


# -- C3: HEAD errors carry Content-Length: 0 ---------------------------------------------


def test_c3_the_regional_head_403_as_captured():
    # [WAF-HEAD], the whole answer of §6.2, WAF block (GET body 23 B)
    with GatewayServer([Fault("waf_filtered", api="rest", endpoint="regional")]) as server:
        status, headers, body = _http11(server.port, _get("HEAD"))
    assert status == "HTTP/1.1 403 Forbidden"
    assert [name for name, _ in headers] == [
        "Date", "Content-Type", "Content-Length", "Connection", "x-amzn-RequestId",
        "x-amzn-ErrorType", "x-amz-apigw-id",
    ]  # fmt: skip
    values = dict(headers)
    assert values["Content-Length"] == "0"
    assert values["Content-Type"] == "application/json"
    assert values["Connection"] == "keep-alive"
    assert values["x-amzn-ErrorType"] == "ForbiddenException"
    assert body == b""


@pytest.mark.parametrize("endpoint", ["regional", "edge"])
@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_c3_head_missing_token_has_length_0_and_checks_and_classifies(
    client, endpoint, apigw_fault, offline
):
    # [WAF-HEAD]: the MissingAuthenticationToken 403 (GET body 42 B); edge
    # HEAD was never captured and is taken to be the same
    apigw_fault.inject("route_not_found", api="rest", endpoint=endpoint)
    response = (requests if client == "requests" else httpx).head(URL)
    assert (response.status_code, response.content) == (403, b"")
    assert response.headers["content-length"] == "0"
    apigw_fault.assert_response(response)
    # a preflight's refusal has the same headers [MAT-OPTIONS]
    assert [row.id for row in classify(response)] == [
        "rest-route_not_found", "rest-preflight_not_found"
    ]


def test_c3_an_http_api_head_keeps_the_get_length(offline):
    with Fault("route_not_found", api="http"):
        response = requests.head(URL, timeout=None)
    assert response.headers["content-length"] == "23"  # not captured: unchanged


# -- C4: no trace on a Lambda answer over 6 MB -------------------------------------------


def test_c4_the_too_large_502_has_no_trace_id(offline):
    with Fault("lambda_response_too_large", api="rest"):
        response = requests.get(URL, timeout=None)
    assert response.status_code == 502
    assert response.content == b'{"message": "Internal server error"}'
    # [AZUL-7466][AZUL-7475]: content-type, content-length, date, x-amzn-requestid, ...
    assert _names(response) == [
        "content-type", "content-length", "date", "x-amzn-requestid", "x-amzn-errortype",
        "x-amz-apigw-id", *CLOUDFRONT,
    ]  # fmt: skip


def test_c4_a_handler_s_too_large_answer_has_no_trace_id_though_the_lambda_ran(offline):
    def handler(event, context):
        return {"statusCode": 200, "body": "x" * 6_300_000}

    with Fault(handler=handler, api="rest", endpoint="regional") as fault:
        response = requests.get(URL, timeout=None)
    assert fault.calls[0].scenario.id == "rest-lambda_response_too_large"
    assert response.status_code == 502
    assert "x-amzn-trace-id" not in response.headers
    assert fault.calls[0].event is not None  # the Lambda was invoked


# -- C5: added headers sit among API Gateway's own ---------------------------------------

PERMATE_DOC = {
    "x-amazon-apigateway-gateway-responses": {
        "DEFAULT_4XX": {
            "responseParameters": {
                "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                "gatewayresponse.header.Access-Control-Allow-Headers": (
                    "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,"
                    "cache-control'"
                ),
                "gatewayresponse.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
            }
        }
    }
}


def test_c5_the_permate_cors_403_over_http11():
    # [PERMATE] (2024-01-07, regional): Date, Content-Type, Content-Length: 42,
    # Connection, x-amzn-RequestId, Access-Control-Allow-Origin,
    # Access-Control-Allow-Headers, x-amzn-ErrorType, x-amz-apigw-id,
    # Access-Control-Allow-Methods (then X-Amzn-Trace-Id: that stage traced
    # its refusals, which the table's route_not_found does not)
    fault = Fault("route_not_found", api="rest", endpoint="regional",
                  gateway_responses=PERMATE_DOC)  # fmt: skip
    with GatewayServer([fault]) as server:
        status, headers, body = _http11(server.port, _get())
    assert status == "HTTP/1.1 403 Forbidden"
    assert [name for name, _ in headers] == [
        "Date", "Content-Type", "Content-Length", "Connection", "x-amzn-RequestId",
        "Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "x-amzn-ErrorType",
        "x-amz-apigw-id", "Access-Control-Allow-Methods",
    ]  # fmt: skip
    values = dict(headers)
    assert values["Content-Length"] == "42"
    assert values["Access-Control-Allow-Origin"] == "*"
    assert values["Access-Control-Allow-Headers"] == (
        "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,cache-control"
    )
    assert values["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert values["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert body == b'{"message":"Missing Authentication Token"}'


def test_c5_the_same_in_process_is_lower_case(apigw_fault, offline):
    apigw_fault.inject(
        "route_not_found", api="rest", endpoint="regional", gateway_responses=PERMATE_DOC
    )
    response = httpx.get(URL)
    assert _names(response) == [
        "date", "content-type", "content-length", "x-amzn-requestid",
        "access-control-allow-origin", "access-control-allow-headers", "x-amzn-errortype",
        "x-amz-apigw-id", "access-control-allow-methods",
    ]  # fmt: skip
    apigw_fault.assert_response(response)


# -- C6: success headers -----------------------------------------------------------------


def _ok(headers=None):
    def handler(event, context):
        return {"statusCode": 200, "headers": headers or {}, "body": '{"message":"OK"}'}

    return handler


def test_c6_an_edge_success_as_nintendo_s(offline):
    # [NINTENDO] (2024-10): Content-Type, Content-Length, Date, X-Amzn-Trace-Id,
    # x-amzn-RequestId, x-amz-apigw-id, X-Cache: Miss from cloudfront, Via, ...
    with Fault(handler=_ok({"Content-Type": "application/json"}), api="rest") as fault:
        response = requests.get(URL, timeout=None)
    assert _names(response) == [
        "content-type", "content-length", "date", "x-amzn-trace-id", "x-amzn-requestid",
        "x-amz-apigw-id", *CLOUDFRONT,
    ]  # fmt: skip
    assert response.headers["content-length"] == "16"
    assert response.headers["x-cache"] == "Miss from cloudfront"
    trace = response.headers["x-amzn-trace-id"]
    assert TRACE_2025.fullmatch(trace), trace
    # the Lambda saw the Root alone; the answer adds Parent, Sampled and Lineage
    assert fault.calls[0].event["headers"]["X-Amzn-Trace-Id"] == trace.split(";")[0]


def test_c6_a_regional_success_with_a_lambda_header_as_reg_h2(offline):
    # [REG-H2] (2022): date, content-type, content-length, x-amzn-requestid,
    # x-amz-apigw-id, x-custom-header, x-amzn-trace-id; the trace has since
    # moved before x-amzn-requestid [NINTENDO][EDGE-H1-2025]
    handler = _ok({"Content-Type": "application/json", "x-custom-header": "my custom header value"})
    with Fault(handler=handler, api="rest", endpoint="regional"):
        response = httpx.get(URL)
    assert _names(response) == [
        "date", "content-type", "content-length", "x-amzn-trace-id", "x-amzn-requestid",
        "x-amz-apigw-id", "x-custom-header",
    ]  # fmt: skip
    assert TRACE_2025.fullmatch(response.headers["x-amzn-trace-id"])


def test_c6_a_client_s_trace_and_an_error_s_trace_are_as_before(offline):
    mine = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    with Fault(handler=_ok(), api="rest"):
        echoed = requests.get(URL, headers={"X-Amzn-Trace-Id": mine}, timeout=None)
    assert echoed.headers["x-amzn-trace-id"] == mine

    def failing(event, context):
        raise RuntimeError("boom")

    with Fault(handler=failing, api="rest"):
        error = requests.get(URL, timeout=None)
    assert error.status_code == 502
    assert ROOT_ONLY.fullmatch(error.headers["x-amzn-trace-id"])  # errors: Root alone [T]


def test_c6_an_edge_success_over_http11_as_urllib3_kept_it():
    # [EDGE-H1-2025] (urllib3, wire order): Content-Type, Content-Length,
    # Connection, Date, X-Amzn-Trace-Id, x-amzn-RequestId, x-amz-apigw-id,
    # X-Cache, Via, X-Amz-Cf-Pop, X-Amz-Cf-Id
    with GatewayServer([Fault(handler=_ok({"Content-Type": "application/json"}), api="rest")]) as s:
        status, headers, body = _http11(s.port, _get())
    assert status == "HTTP/1.1 200 OK"
    assert [name for name, _ in headers] == [
        "Content-Type", "Content-Length", "Connection", "Date", "X-Amzn-Trace-Id",
        "x-amzn-RequestId", "x-amz-apigw-id", "X-Cache", "Via", "X-Amz-Cf-Pop", "X-Amz-Cf-Id",
    ]  # fmt: skip
    assert dict(headers)["Connection"] == "keep-alive"
    assert TRACE_2025.fullmatch(dict(headers)["X-Amzn-Trace-Id"])
    assert body == b'{"message":"OK"}'


# -- C8, C9: HTTP/1.1 spelling on the server, HTTP/2 in process --------------------------


def test_c9_an_http_api_over_http11_spells_apigw_requestid():
    # [HTTPAPI-H1] (curl -i, 2026): Date, Content-Type, Content-Length,
    # X-Correlation-Id, Apigw-Requestid; no Connection in that capture
    def handler(event, context):
        return {"statusCode": 200, "headers": {"X-Correlation-Id": "c-1"}, "body": "{}"}

    with GatewayServer([Fault(handler=handler, api="http")]) as server:
        _, headers, _ = _http11(server.port, _get())
    assert [name for name, _ in headers] == [
        "Date", "Content-Type", "Content-Length", "X-Correlation-Id", "Apigw-Requestid",
    ]


def test_c9_the_edge_error_over_http11():
    with GatewayServer([Fault("function_error", api="rest")]) as server:
        _, headers, _ = _http11(server.port, _get())
    assert [name for name, _ in headers] == [
        "Content-Type", "Content-Length", "Connection", "Date", "X-Amzn-Trace-Id",
        "x-amzn-RequestId", "x-amzn-ErrorType", "x-amz-apigw-id", "X-Cache", "Via",
        "X-Amz-Cf-Pop", "X-Amz-Cf-Id",
    ]  # fmt: skip


def test_c9_a_client_asking_to_close_is_told_so():
    with GatewayServer([Fault("function_error", api="http")]) as server:
        request = f"GET /prod/orders HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
        _, headers, _ = _http11(server.port, request)
    assert [name for name, _ in headers] == [
        "Date", "Content-Type", "Content-Length", "Connection", "Apigw-Requestid",
    ]
    assert dict(headers)["Connection"] == "close"


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_c8_in_process_clients_get_the_http2_lower_case(client, offline):
    with Fault("function_error", api="rest", endpoint="regional"):
        response = (requests if client == "requests" else httpx).get(URL)
    names = [name for name, _ in wire_headers(response)]
    assert names == [name.lower() for name in names]
    assert "connection" not in names


# -- C11, §5: evidence upgraded ----------------------------------------------------------


def test_c11_stage_not_found_is_captured_and_the_throttle_is_measured(offline):
    stage = get_scenario("stage_not_found", api="rest")
    assert stage.evidence.value == "captured"
    assert {"STAGE-MISSING", "CAP-NOSTAGE", "BPM"} <= set(stage.sources)
    assert stage.body == b'{"message":"Forbidden"}'
    throttled = get_scenario("api_throttled", api="rest")
    assert "TMR-2026" in throttled.sources
    with Fault("api_throttled", api="rest", endpoint="regional"):
        response = requests.get(URL, timeout=None)
    assert response.status_code == 429
    assert response.content == b'{"message":"Too Many Requests"}'  # 31 B [TMR-2026]
    assert response.headers["content-length"] == "31"
    assert response.headers["x-amzn-errortype"] == "TooManyRequestsException"
    assert "retry-after" not in response.headers


# -- the rules behind C5 and C9, one by one ----------------------------------------------


def test_interleave_keeps_every_line_of_the_last_name_together():
    from pytest_apigw_faults._gateway.wire import interleave

    own = ("x-amzn-requestid", "x-amz-apigw-id")
    assert interleave(own, ()) == own
    assert interleave(own, ("a",)) == ("x-amzn-requestid", "x-amz-apigw-id", "a")
    assert interleave(own, ("a", "set-cookie", "set-cookie")) == (
        "x-amzn-requestid", "a", "x-amz-apigw-id", "set-cookie", "set-cookie"
    )  # fmt: skip
    assert interleave(own, ("set-cookie", "set-cookie")) == (*own, "set-cookie", "set-cookie")


def test_http11_spells_remapped_names_as_the_lambda_did_and_drops_its_connection():
    from pytest_apigw_faults._gateway.scenario import Api
    from pytest_apigw_faults._gateway.wire import http11_headers

    model = (
        ("date", "d"), ("content-type", "text/plain"), ("content-length", "0"),
        ("x-amzn-requestid", "r"), ("x-amzn-remapped-date", "y"), ("connection", "close"),
        ("x-amz-apigw-id", "i"), ("x-amzn-remapped-server", "gunicorn"), ("vary", "Origin"),
    )  # fmt: skip
    # [PERMATE] HTTP_PROXY 200: x-amzn-Remapped-Date, x-amzn-Remapped-Server, Vary
    got = http11_headers(model, Api.REST, spelling={"vary": "Vary", "date": "Date"})
    assert [name for name, _ in got] == [
        "Date", "Content-Type", "Content-Length", "Connection", "x-amzn-RequestId",
        "x-amzn-Remapped-Date", "x-amz-apigw-id", "x-amzn-Remapped-Server", "Vary",
    ]  # fmt: skip
    assert dict(got)["Connection"] == "keep-alive"  # the front door's, not the Lambda's
    closing = http11_headers(model[:3], Api.HTTP, keep_alive=False)
    assert closing[-1] == ("Connection", "close")


def test_http11_spells_the_gateway_s_own_names_its_way_whatever_the_lambda_sent():
    def handler(event, context):
        return {"statusCode": 200, "headers": {"content-type": "text/plain", "X-Own": "1"},
                "body": "ok"}  # fmt: skip

    with GatewayServer([Fault(handler=handler, api="rest", endpoint="regional")]) as server:
        _, headers, _ = _http11(server.port, _get())
    assert [name for name, _ in headers] == [
        "Date", "Content-Type", "Content-Length", "Connection", "X-Amzn-Trace-Id",
        "x-amzn-RequestId", "x-amz-apigw-id", "X-Own",
    ]  # fmt: skip
