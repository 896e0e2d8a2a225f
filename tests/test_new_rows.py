"""The rows of the second reference pass (``api-gateway-behaviour-2.md`` §0.1,
§1-§5, §7): their figures, the bodies rendered from the request, byte for
byte through requests, httpx and the loopback server, their header order,
``classify()`` and ``assert_response``, and the arguments they read."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import sys

import httpx
import pytest
import requests
from reference_rows import (
    FORBIDDEN,
    HOST,
    ISE_2025,
    ISE_CRED,
    MAT,
    NEW_ROWS,
    PARAMS,
    RP_2025,
    T0,
    URL,
)
from support import refuse_network

from pytest_apigw_faults import ApigwFaultError, Fault, GatewayServer, classify
from pytest_apigw_faults._gateway import render
from pytest_apigw_faults._gateway.check import response_problems
from pytest_apigw_faults._gateway.table import SCENARIOS, Api, Endpoint, get_scenario
from pytest_apigw_faults._gateway.wire import Gateway, Incoming, WireResponse

# the sigv4 extra: botocore computes a signature's canonical request
needs_botocore = pytest.mark.skipif(
    not render.botocore_installed(), reason="botocore (the sigv4 extra) is not installed"
)

REST_ORDER = (
    "content-type", "content-length", "date", "x-amzn-requestid", "x-amzn-errortype",
    "x-amz-apigw-id",
)
CLOUDFRONT = ("x-cache", "via", "x-amz-cf-pop", "x-amz-cf-id")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch, request):
    if "loopback" not in request.node.name:  # the server's tests use 127.0.0.1
        refuse_network(monkeypatch, "test_new_rows")


def _respond(name, url=URL, method="GET", headers=None, body=None, endpoint=Endpoint.EDGE,
             rendering=None, api=Api.REST):
    gateway = Gateway(endpoint, seed=1, rendering=rendering)
    incoming = Incoming(method, url, headers or {}, body)
    return gateway.respond(SCENARIOS[(name, api)], T0, incoming)


@pytest.mark.parametrize(
    ("api", "name", "status", "body", "length", "error_type", "response_type", "evidence",
     "tag"),
    NEW_ROWS,
    ids=[f"{api}-{name}" for api, name, *_ in NEW_ROWS],
)
def test_row_matches_the_second_reference(
    api, name, status, body, length, error_type, response_type, evidence, tag
):
    row = get_scenario(name, api=api)
    assert row.status == status
    if body is not None:
        assert (row.body, len(row.body)) == (body, length)
    assert row.error_type == error_type
    assert row.response_type == response_type
    assert row.evidence is evidence
    assert tag in row.sources
    assert row.cause
    assert row.note
    if row.renders is not None:
        assert row.body_pattern is not None
        assert row.body_pattern.fullmatch(row.body)


# resource_policy_denied ------------------------------------------------------------


def test_the_resource_policy_denial_renders_the_capture_from_its_request():
    """The 2025 capture's request, rebuilt: its ARN, bytes and header order."""
    exchange = _respond(
        "resource_policy_denied",
        url="https://u1hp5d8r0b.execute-api.us-west-2.amazonaws.com/api/prod",
        rendering=_rendering(account_id="210987657089"),
    )
    wire = exchange.response
    assert wire.body == RP_2025
    assert wire.header("content-length") == "158"
    assert tuple(n for n, _ in wire.headers) == (
        "content-type", "content-length", "date", "x-amz-apigw-id", "x-amzn-requestid",
        "x-amzn-errortype", *CLOUDFRONT,
    )
    assert exchange.scenario is get_scenario("resource_policy_denied", api="rest")


def test_an_explicit_deny_adds_its_suffix_and_a_regional_api_drops_cloudfront():
    wire = _respond(
        "resource_policy_denied",
        url=f"https://{HOST}/Prod/athena/run_query_template?x=1",
        method="POST",
        endpoint=Endpoint.REGIONAL,
        rendering=_rendering(explicit_deny=True),
    ).response
    assert wire.body == (
        b'{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on'
        b" resource: arn:aws:execute-api:us-east-1:********9012:abc123def4/Prod/POST/"
        b'athena/run_query_template with an explicit deny"}'
    )
    assert tuple(n for n, _ in wire.headers) == (
        # regional: date first (second pass C2) [WAF-HEAD]
        "date", "content-type", "content-length", "x-amz-apigw-id", "x-amzn-requestid",
        "x-amzn-errortype",
    )


def test_the_authorizer_denial_keeps_the_usual_order():
    wire = _respond("access_denied").response
    assert tuple(n for n, _ in wire.headers) == (*REST_ORDER, *CLOUDFRONT)
    assert "CAP-RP" not in get_scenario("access_denied", api="rest").sources


def _rendering(**given):
    from pytest_apigw_faults._gateway.render import rendering_of

    return rendering_of(
        given.get("required_parameters"), given.get("account_id"), given.get("explicit_deny")
    )


# incomplete_signature ---------------------------------------------------------------


def test_a_bearer_token_gets_the_hash_of_the_whole_header_value():
    value = "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln"
    digest = base64.b64encode(hashlib.sha256(value.encode()).digest())
    wire = _respond("incomplete_signature", headers={"Authorization": value}).response
    assert wire.body == (
        b'{"message":"Invalid key=value pair (missing equal-sign) in Authorization header'
        b" (hashed with SHA-256 and encoded with Base64): '" + digest + b"'.\"}"
    )
    assert len(wire.body) == 176


def test_a_value_without_a_space_gets_the_credential_form_with_the_value():
    wire = _respond("incomplete_signature", headers={"Authorization": "Bearer"}).response
    assert (wire.body, len(wire.body)) == (ISE_CRED, 283)


SIGNED = (
    "AWS4-HMAC-SHA256 Credential=A/20250520/us-east-1/execute-api/aws4_request,"
    " SignedHeaders=host, Signature=00"
)


@pytest.mark.parametrize(
    ("authorization", "dated", "expected"),
    [
        # the captured bare token lacks all four [ISE-CRED]
        ("eyJhbGciOi", False, ISE_CRED.replace(b"=Bearer", b"=eyJhbGciOi")),
        # a partly SigV4 value: only what it lacks (inferred)
        (SIGNED.replace(", Signature=00", ""), True,
         b'{"message":"Authorization header requires \'Signature\' parameter.'
         b" Authorization=" + SIGNED.replace(", Signature=00", "").encode() + b'"}'),
        (SIGNED, False,
         b'{"message":"Authorization header requires existence of either a \'X-Amz-Date\''
         b" or a 'Date' header. Authorization=" + SIGNED.encode() + b'"}'),
    ],
)
def test_the_credential_form_names_what_the_value_lacks(authorization, dated, expected):
    headers = {"Authorization": authorization}
    if dated:
        headers["Date"] = "Tue, 20 May 2025 02:46:41 GMT"
    wire = _respond("incomplete_signature", headers=headers).response
    assert wire.body == expected
    found = classify(status=wire.status, headers=wire.headers, body=wire.body)
    assert [row.id for row in found.exact] == ["rest-incomplete_signature"]


def test_no_authorization_header_gets_the_captured_example():
    assert _respond("incomplete_signature").response.body == ISE_2025


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        (None, "rest-route_not_found"),
        ("Bearer abc", "rest-incomplete_signature"),
        ("eyJhbGciOi", "rest-incomplete_signature"),
        (SIGNED, "rest-route_not_found"),
        # a SigV4 value without its Signature: parsed, and refused as incomplete
        (SIGNED.replace(", Signature=00", ""), "rest-incomplete_signature"),
    ],
)
def test_a_routing_miss_with_a_non_sigv4_authorization_is_an_incomplete_signature(
    authorization, expected
):
    headers = {"X-Amz-Date": "20250520T024641Z"}
    if authorization is not None:
        headers["authorization"] = authorization
    exchange = _respond("route_not_found", headers=headers)
    assert exchange.scenario.id == expected
    assert exchange.response.header("x-amzn-errortype") == exchange.scenario.error_type


def test_an_http_api_routing_miss_ignores_authorization():
    exchange = _respond("route_not_found", api=Api.HTTP, endpoint=Endpoint.REGIONAL,
                        headers={"Authorization": "Bearer x"})
    assert exchange.scenario.id == "http-route_not_found"


# bad_request_parameters ----------------------------------------------------------


def test_the_missing_parameters_are_named_header_then_query_string():
    rendering = _rendering(required_parameters=(
        ("querystring", "qs1"), ("path", "issuer"), ("header", "x-header-param"),
        ("querystring", "qs2"),
    ))
    wire = _respond("bad_request_parameters", url=URL + "?qs2=", rendering=rendering).response
    assert wire.body == b'{"message": "Missing required request parameters: [x-header-param, qs1]"}'
    assert wire.header("content-length") == str(len(wire.body))
    full = _respond(
        "bad_request_parameters", url=URL + "?qs1=1&qs2=2", rendering=rendering,
        headers={"X-Header-Param": "v"},
    ).response
    assert full.body == (
        b'{"message": "Missing required request parameters: [x-header-param, issuer, qs1, qs2]"}'
    )


def test_without_a_declaration_the_capture_answers():
    assert _respond("bad_request_parameters").response.body == PARAMS


# invalid_signature -------------------------------------------------------------------

SIGNED_HEADERS = {
    "Content-Type": "application/json",
    "X-Amz-Date": "20250520T024010Z",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250520/eu-west-1/execute-api/aws4_request,"
        " SignedHeaders=content-type;host;x-amz-date, Signature=0123"
    ),
}
PAYLOAD = b'{"a": 1}'


def _mismatch(canonical: str, scope: str) -> bytes:
    """The body of §3, written out by hand for ``canonical``."""
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", "20250520T024010Z", scope,
         hashlib.sha256(canonical.encode()).hexdigest()]
    )
    message = (
        "The request signature we calculated does not match the signature you provided."
        " Check your AWS Secret Access Key and signing method. Consult the service"
        " documentation for details.\n\nThe Canonical String for this request should have"
        f" been\n'{canonical}'\n\nThe String-to-Sign should have been\n'{to_sign}'\n"
    )
    return b'{"message":' + json.dumps(message).encode() + b"}"


EXPECTED_CANONICAL = "\n".join([
    "POST",
    "/prod/orders/a%2520b",
    "a=1&b=2",
    "content-type:application/json",
    f"host:{HOST}",
    "x-amz-date:20250520T024010Z",
    "",
    "content-type;host;x-amz-date",
    hashlib.sha256(PAYLOAD).hexdigest(),
])
EXPECTED_SIGNATURE_BODY = _mismatch(
    EXPECTED_CANONICAL, "20250520/eu-west-1/execute-api/aws4_request"
)
SIGNED_URL = f"https://{HOST}/prod/orders/a%20b?b=2&a=1"


@needs_botocore
def test_the_mismatch_shows_the_canonical_request_and_string_to_sign():
    wire = _respond("invalid_signature", url=SIGNED_URL, method="POST",
                    headers=SIGNED_HEADERS, body=PAYLOAD).response
    assert wire.body == EXPECTED_SIGNATURE_BODY
    assert wire.header("x-amzn-errortype") == "InvalidSignatureException"


@needs_botocore
def test_an_unsigned_request_is_taken_as_signed_for_host_and_date():
    row = get_scenario("invalid_signature", api="rest")
    wire = _respond("invalid_signature", headers={"X-Amz-Date": "20250520T024010Z"}).response
    assert wire.body == row.body  # the row's example is this very request


@needs_botocore
def test_a_request_botocore_signed_shows_what_botocore_signed():
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest("PUT", f"https://{HOST}/prod/orders/7?z=1", data=b"hello",
                         headers={"x-custom": " a  b "})
    signer = SigV4Auth(Credentials("AKID", "SECRET"), "execute-api", "us-east-1")
    signer.add_auth(request)
    headers = dict(request.headers.items())
    del request.headers["Authorization"]
    canonical = signer.canonical_request(request)  # what it signed
    assert "x-custom:a b\n" in canonical
    wire = _respond("invalid_signature", url=request.url, method="PUT", headers=headers,
                    body=b"hello").response
    message = json.loads(wire.body)["message"]
    assert f"\n'{canonical}'\n" in message


NO_BOTOCORE = (
    "scenario 'invalid_signature' computes the canonical request with botocore,"
    " which is not installed: pip install 'pytest-apigw-faults[sigv4]'"
)


def test_without_botocore_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pytest_apigw_faults._gateway._sigv4", None)
    with pytest.raises(ApigwFaultError) as caught:
        _respond("invalid_signature")
    assert str(caught.value) == NO_BOTOCORE


def test_without_botocore_the_fault_is_refused_when_made(monkeypatch):
    monkeypatch.setattr(render, "botocore_installed", lambda: False)
    with pytest.raises(ApigwFaultError) as caught:
        Fault("invalid_signature", api="rest")
    assert str(caught.value) == NO_BOTOCORE
    with pytest.raises(ApigwFaultError) as caught:
        Fault(api="rest", sequence=["api_throttled", "invalid_signature"])
    assert str(caught.value) == NO_BOTOCORE
    Fault("incomplete_signature", api="rest")  # the other rows need nothing


# every client gets the same bytes ----------------------------------------------------

CASES = [
    ("resource_policy_denied", {"account_id": "645143808269"}, "GET", URL + "/1", {}, None),
    ("incomplete_signature", {}, "GET", URL, {"Authorization": "Bearer abc"}, None),
    ("bad_request_parameters", {"required_parameters": ["header.x-v", "querystring.q"]},
     "GET", URL, {}, None),
    pytest.param("invalid_signature", {}, "POST", SIGNED_URL, SIGNED_HEADERS, PAYLOAD,
                 marks=needs_botocore),
]


def _requests(method, url, headers, body):
    response = requests.request(method, url, headers=headers, data=body)
    return response, response.content


def _httpx(method, url, headers, body):
    response = httpx.request(method, url, headers=headers, content=body)
    return response, response.content


@pytest.mark.parametrize("client", [_requests, _httpx], ids=["requests", "httpx"])
@pytest.mark.parametrize(("name", "arguments", "method", "url", "headers", "body"), CASES,
                         ids=[getattr(case, "values", case)[0] for case in CASES])
def test_every_client_gets_the_rendered_bytes(client, name, arguments, method, url, headers,
                                              body):
    fault = Fault(name, api="rest", seed=1, **arguments)
    expected = Gateway(Endpoint.EDGE, rendering=fault.gateway.rendering).respond(
        get_scenario(name, api="rest"), T0, Incoming(method, url, headers, body)
    ).response.body
    with fault:
        response, content = client(method, url, headers, body)
    assert content == expected
    assert response.headers["content-length"] == str(len(expected))
    if name == "invalid_signature":
        assert content == EXPECTED_SIGNATURE_BODY
    (call,) = fault.calls
    assert call.exchange.response.body == expected
    assert next(row.id for row in classify(response)) == f"rest-{name}"


@needs_botocore
def test_the_loopback_server_renders_from_its_request():
    fault = Fault("invalid_signature", api="rest", seed=1)
    with GatewayServer([fault]) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            connection.request("POST", "/prod/orders/a%20b?b=2&a=1", body=PAYLOAD,
                               headers={**SIGNED_HEADERS, "Host": HOST})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
    assert response.status == 403
    assert body == fault.calls[0].exchange.response.body
    assert json.loads(body)["message"].startswith(
        "The request signature we calculated does not match"
    )
    assert "\nx-amz-date:20250520T024010Z\n" in json.loads(body)["message"]


def test_the_loopback_server_answers_a_resource_policy_denial_in_its_order():
    fault = Fault("resource_policy_denied", api="rest", endpoint="regional", seed=1)
    with GatewayServer([fault]) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            connection.request("DELETE", "/prod/orders/9", headers={"Host": HOST})
            response = connection.getresponse()
            body = response.read()
            names = [name.lower() for name, _ in response.getheaders()]
        finally:
            connection.close()
    assert body.endswith(b":********9012:abc123def4/prod/DELETE/orders/9\"}")
    own = [n for n in names if n.startswith("x-amz")]
    assert own == ["x-amz-apigw-id", "x-amzn-requestid", "x-amzn-errortype"]


# classify() and assert_response -----------------------------------------------------


def test_classify_recognises_a_rendered_body_of_another_request():
    wire = _respond("incomplete_signature", headers={"Authorization": "Bearer other"}).response
    rows = classify(status=wire.status, headers=wire.headers, body=wire.body)
    assert [row.id for row in rows] == ["rest-incomplete_signature"]


def test_classify_puts_the_new_look_alikes_together():
    forbidden = _respond("base_path_not_mapped").response
    ids = [row.id for row in classify(status=403, headers=forbidden.headers, body=FORBIDDEN)]
    assert {"rest-base_path_not_mapped", "rest-default_endpoint_disabled",
            "rest-stage_not_found"} <= set(ids)
    mat = _respond("preflight_not_found", method="OPTIONS").response
    ids = [row.id for row in classify(status=403, headers=mat.headers, body=b"", method="HEAD")]
    assert not ids or "rest-route_not_found" in ids
    ids = [row.id for row in classify(status=403, headers=mat.headers, body=MAT)]
    assert ids == ["rest-route_not_found", "rest-preflight_not_found"]


def test_a_check_without_the_call_accepts_any_rendering_and_names_the_form():
    row = get_scenario("incomplete_signature", api="rest")
    wire = _respond("incomplete_signature", headers={"Authorization": "Bearer z"}).response
    assert response_problems(wire, row, Endpoint.EDGE) == []
    bad = WireResponse(wire.status, wire.headers, b'{"message":"nope"}')
    (problem,) = response_problems(bad, row, Endpoint.EDGE)
    assert problem.startswith("body: got b'{\"message\":\"nope\"}', expected one like")


def test_a_check_with_the_call_wants_the_exact_rendering():
    row = get_scenario("incomplete_signature", api="rest")
    sent = _respond("incomplete_signature", headers={"Authorization": "Bearer z"}).response
    other = _respond("incomplete_signature", headers={"Authorization": "Bearer y"}).response
    got = WireResponse(sent.status, sent.headers, other.body)
    assert response_problems(got, row, Endpoint.EDGE, sent) == [
        f"body: got {other.body!r}, expected {sent.body!r}"
    ]


def test_assert_response_checks_the_rendered_body(pytester):
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        f"""
        import pytest, requests

        @pytest.mark.apigw_fault("bad_request_parameters", api="rest",
                                 required_parameters=["querystring.page"])
        def test_it(apigw_fault):
            response = requests.get("{URL}?size=1")
            assert response.content == (
                b'{{"message": "Missing required request parameters: [page]"}}'
            )
            apigw_fault.assert_response(response)
        """
    )
    pytester.runpytest_inprocess("-p", "no:randomly").assert_outcomes(passed=1)


def test_the_access_log_has_the_rendered_message():
    from pytest_apigw_faults._gateway.accesslog import access_log

    exchange = _respond("bad_request_parameters", rendering=_rendering(
        required_parameters=(("header", "x-v"),)))
    values = access_log(exchange)
    assert values["error.message"] == "Missing required request parameters: [x-v]"
    # (its leading space follows the spelling rule of the validators: C7)
    assert values["error.messageString"].strip() == '"Missing required request parameters: [x-v]"'
    assert values["error.responseType"] == "BAD_REQUEST_PARAMETERS"


# the gateway responses a preflight gets ----------------------------------------------


def test_a_preflight_gets_the_default_4xx_cors_headers():
    document = {
        "x-amazon-apigateway-gateway-responses": {
            "DEFAULT_4XX": {
                "responseParameters": {
                    "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                    "gatewayresponse.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
                },
            }
        }
    }
    with Fault("preflight_not_found", api="rest", gateway_responses=document, seed=1):
        response = requests.options(URL, headers={"Origin": "https://example.com"})
    assert (response.status_code, response.content) == (403, MAT)
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


def test_an_unmapped_custom_domain_answers_forbidden():
    with Fault("base_path_not_mapped", api="rest", url="https://api.example.com/", seed=1):
        response = requests.get("https://api.example.com/v2/orders")
    assert (response.status_code, response.content) == (403, FORBIDDEN)
    assert response.headers["x-amzn-errortype"] == "ForbiddenException"


def test_a_disabled_default_endpoint_answers_by_api_kind():
    with Fault("default_endpoint_disabled", api="http", seed=1):
        response = httpx.get(URL)
    assert (response.status_code, response.content) == (404, b'{"message":"Not Found"}')
    with pytest.raises(ApigwFaultError, match="does not exist on endpoint 'private'"):
        Fault("default_endpoint_disabled", api="rest", endpoint="private")


# the arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"required_parameters": ["query.key"]},
         "required_parameters: 'query.key' has the unknown location 'query'; did you mean"
         " 'querystring'? valid locations: 'header', 'path', 'querystring'"),
        ({"required_parameters": "key"},
         "required_parameters: 'key' is not a request parameter; write"
         " 'method.request.<location>.<name>' or '<location>.<name>', e.g."
         " 'querystring.key', 'header.x-api-version' or 'path.id'"),
        ({"required_parameters": []},
         "required_parameters= names no parameter; give at least one, e.g."
         " 'querystring.key'"),
        ({"required_parameters": 3},
         "required_parameters= takes a parameter or a list of them, e.g."
         " ['querystring.key', 'header.x-api-version']; got 3"),
    ],
)
def test_bad_required_parameters_are_refused_clearly(arguments, message):
    with pytest.raises(ApigwFaultError) as caught:
        Fault("bad_request_parameters", api="rest", **arguments)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"account_id": "7089"},
         "account_id= takes an AWS account id, 12 digits as a str (e.g. '123456789012');"
         " got '7089'"),
        ({"explicit_deny": "yes"},
         "explicit_deny= takes True (a statement denies) or False (none allows); got 'yes'"),
    ],
)
def test_bad_denial_arguments_are_refused_clearly(arguments, message):
    with pytest.raises(ApigwFaultError) as caught:
        Fault("resource_policy_denied", api="rest", **arguments)
    assert str(caught.value) == message


def test_an_argument_for_another_row_is_refused():
    with pytest.raises(ApigwFaultError) as caught:
        Fault("function_error", api="rest", required_parameters="querystring.key")
    assert str(caught.value) == (
        "required_parameters= is read by scenario 'bad_request_parameters' only, and this"
        " fault answers with 'function_error'"
    )
    with pytest.raises(ApigwFaultError) as caught:
        Fault(handler=lambda event, context: {}, api="rest", explicit_deny=True)
    assert str(caught.value) == (
        "explicit_deny= is read by scenario 'resource_policy_denied' only, and this"
        " fault answers with a Lambda only"
    )
    with pytest.raises(ApigwFaultError) as caught:
        Fault("default_endpoint_disabled", api="http", account_id="123456789012")
    assert str(caught.value) == (
        "account_id= describes a REST API's 'resource_policy_denied' answer; HTTP APIs"
        " have none"
    )


def test_a_sequence_may_carry_the_arguments_of_its_rows():
    fault = Fault(
        api="rest",
        sequence=["resource_policy_denied", {"statusCode": 200, "body": "ok"}],
        account_id="000000001234",
        seed=1,
    )
    with fault:
        first = requests.get(URL)
        second = requests.get(URL)
    assert b":********1234:abc123def4/prod/GET/orders\"}" in first.content
    assert second.content == b"ok"


@needs_botocore
@pytest.mark.asyncio
async def test_aiohttp_gets_the_rendered_bytes_with_its_body():
    import aiohttp

    fault = Fault("invalid_signature", api="rest", seed=1)
    with fault:
        async with aiohttp.ClientSession() as session:
            async with session.post(SIGNED_URL, data=PAYLOAD, headers=SIGNED_HEADERS) as resp:
                body = await resp.read()
    assert body == EXPECTED_SIGNATURE_BODY


def test_a_handlers_routing_miss_with_a_bearer_token_is_an_incomplete_signature():
    fault = Fault(handler=lambda event, context: {"statusCode": 200, "body": "ok"},
                  api="rest", route="/orders", seed=1)
    with fault:
        missed = requests.get(URL + "/elsewhere", headers={"Authorization": "Bearer t"})
        plain = requests.get(URL + "/elsewhere")
        served = requests.get(URL, headers={"Authorization": "Bearer t"})
    digest = base64.b64encode(hashlib.sha256(b"Bearer t").digest())
    assert missed.status_code == 403
    assert missed.content.endswith(b"'" + digest + b"'.\"}")
    assert missed.headers["x-amzn-errortype"] == "IncompleteSignatureException"
    assert [call.scenario and call.scenario.id for call in fault.calls] == [
        "rest-incomplete_signature", "rest-route_not_found", None
    ]
    assert (plain.status_code, served.content) == (403, b"ok")


def test_required_parameters_in_front_of_a_lambda_are_the_request_validator():
    requests = pytest.importorskip("requests")

    def handler(event, context):
        return {"statusCode": 200, "body": event["queryStringParameters"]["page"]}

    url = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
    required = ["querystring.page", "header.x-v"]
    fault = Fault(handler=handler, api="rest", required_parameters=required)
    with fault:
        neither = requests.get(url)
        one = requests.get(url + "?page=2")
        both = requests.get(url + "?page=2", headers={"x-v": "1"})
    assert (neither.status_code, neither.content) == (
        400, b'{"message": "Missing required request parameters: [x-v, page]"}'
    )
    assert one.content == b'{"message": "Missing required request parameters: [x-v]"}'
    assert one.headers["x-amzn-ErrorType"] == "BadRequestException"
    assert (both.status_code, both.content) == (200, b"2")
    assert [c.invocation is not None for c in fault.calls] == [False, False, True]
