"""``classify()``: which failures of the table a response is consistent with.

The look-alike groups below are written out from the reference
(``api-gateway-behaviour.md`` §1-§4, §6): rows with the same status, body
bytes and header set, which no client can tell apart. Partial evidence (a
header missing, a body not given) is in ``test_classify_partial.py``.
"""

from __future__ import annotations

import httpx
import pytest
import requests
import responses
import respx
from support import refuse_network

from pytest_apigw_faults import ApigwFaultError, Fault, classify
from pytest_apigw_faults._gateway.classify import look_alikes
from pytest_apigw_faults._gateway.table import SCENARIOS, Api, Endpoint
from pytest_apigw_faults._gateway.wire import Gateway, WireResponse

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
T0 = 0x682BEB8A  # the REST timeout capture's arrival: 2025-05-20 02:40:10 UTC
TABLE_ORDER = [row.id for row in SCENARIOS.values()]

# Rows a client cannot tell apart (same status, body and telling headers)
LOOK_ALIKES = [
    # 500 "Internal server error", traced: Lambda refused the invocation [D-LERR][T],
    # or its binary answer was not base64 [LS-B64]
    {"rest-permission_denied", "rest-lambda_throttled", "rest-invalid_base64"},
    # 502 "Internal server error", traced: the function ran and failed [D-LERR][CM];
    # an answer over 6 MB has no x-amzn-trace-id (second pass C4) [AZUL-7466][AZUL-7475]
    {"rest-malformed_response", "rest-function_error", "rest-function_timeout"},
    # 403 {"message":"Forbidden"}, ForbiddenException [CAP-NOSTAGE][CAP-FPROS][CAP-WAF],
    # an unmapped custom domain [BPM], a disabled default endpoint [KC-DISABLE]
    {"rest-stage_not_found", "rest-invalid_api_key", "rest-waf_filtered",
     "rest-base_path_not_mapped", "rest-default_endpoint_disabled"},
    # 403 Missing Authentication Token: a routing miss, or a preflight [MAT-OPTIONS]
    {"rest-route_not_found", "rest-preflight_not_found"},
    # 503 {"message":"Service Unavailable"} [T]
    {"http-integration_timeout", "http-lambda_throttled"},
    # 500 {"message":"Internal Server Error"} [T][DENO-87][D-HTTP-AUTHZ]
    {"http-malformed_response", "http-permission_denied", "http-function_error",
     "http-function_timeout", "http-lambda_response_too_large",
     "http-authorizer_configuration_error"},
    # 404 {"message":"Not Found"} [D-ROUTES][KC-DISABLE]
    {"http-route_not_found", "http-stage_not_found", "http-default_endpoint_disabled"},
    # 413 {"message":"Request Too Long"}, both inferred [D-LIMITS][LGTM]
    {"http-payload_too_large", "http-lambda_request_too_large"},
]
TRACED_500 = ["rest-permission_denied", "rest-lambda_throttled", "rest-invalid_base64"]
REST_500_HEADERS = (
    ("content-type", "application/json"),
    ("content-length", "36"),
    ("date", "Tue, 20 May 2025 02:46:41 GMT"),
    ("x-amzn-trace-id", "Root=1-682bed11-525d3f04507405b029d8d9e1"),
    ("x-amzn-requestid", "2b9c8640-30be-4853-bd1b-d3fb0442e3e4"),
    ("x-amzn-errortype", "InternalServerErrorException"),
    ("x-amz-apigw-id", "K2H60H42IAMEsHA="),
    ("x-cache", "Error from cloudfront"),
    ("via", "1.1 4ec5f8da969dc981ba2067c9dad5dad8.cloudfront.net (CloudFront)"),
    ("x-amz-cf-pop", "YTO50-P2"),
    ("x-amz-cf-id", "aVyBM-eVARrAWDj8RFoz4HfsiOB5WBNSfP74Qm9AVHi073kgYb0xSA=="),
)  # the permission_denied capture, seed 000, verbatim
REST_ERROR = b'{"message": "Internal server error"}'
# A whole response is exactly its look-alikes, then the rows it would be if
# a header the response lacks had been stripped on the way.
STRIPPED_TO = {
    "http-unauthorized": ["http-jwt_rejected"],  # its www-authenticate
    "rest-api_configuration_error": TRACED_500,  # their x-amzn-trace-id
    # untraced since the 2025 captures [AZUL-7466]: the traced 502s, stripped
    "rest-lambda_response_too_large": [
        "rest-malformed_response", "rest-function_error", "rest-function_timeout"
    ],
}


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    refuse_network(monkeypatch, "test_classify")


ROWS_BY_ID = {row.id: row for row in SCENARIOS.values()}


def _expected(row_id, endpoint=None):
    """The ids classify() must give for ``row_id`` (on ``endpoint``), in table order."""
    group = next((g for g in LOOK_ALIKES if row_id in g), {row_id})
    return [
        i for i in TABLE_ORDER
        if i in group and (endpoint is None or endpoint in ROWS_BY_ID[i].endpoint_types)
    ]


def _groups_by_endpoint():
    """LOOK_ALIKES as they are on each endpoint type: a row that does not exist
    there (a disabled default endpoint on a private API) leaves its group."""
    found = set()
    for group in LOOK_ALIKES:
        for endpoint in Endpoint:
            members = tuple(sorted(i for i in group if endpoint in ROWS_BY_ID[i].endpoint_types))
            if len(members) > 1:
                found.add(members)
    return sorted(found)


def _ids(rows):
    return [row.id for row in rows]


def _ranked(row_id):
    """The ids classify() gives for a whole response of ``row_id``, best first."""
    return _expected(row_id) + STRIPPED_TO.get(row_id, [])


def _wire(row, endpoint, seed=1) -> WireResponse:
    return Gateway(endpoint, seed=seed).respond(row, T0).response


ROW_ENDPOINTS = [
    pytest.param(row, endpoint, id=f"{row.id}-{endpoint.value}")
    for row in SCENARIOS.values()
    for endpoint in row.endpoint_types
]


# -- every row classifies back to a set that holds it --------------------------------


@pytest.mark.parametrize(("row", "endpoint"), ROW_ENDPOINTS)
def test_every_row_classifies_back_to_its_look_alikes(row, endpoint):
    wire = _wire(row, endpoint)
    found = classify(status=wire.status, headers=wire.headers, body=wire.body)
    assert row in found
    assert _ids(found.exact) == _expected(row.id)
    assert _ids(found) == _ranked(row.id)
    assert [m.score for m in found.ranking][: len(found.exact)] == [0] * len(found.exact)
    narrowed = classify(status=wire.status, headers=wire.headers, body=wire.body, api=row.api)
    assert _ids(narrowed) == _ranked(row.id)
    other = "http" if row.api is Api.REST else "rest"
    assert classify(status=wire.status, headers=wire.headers, body=wire.body, api=other) == ()


@pytest.mark.parametrize("seed", [2, 3, "x"])
def test_ids_are_checked_for_their_form_only(seed):
    row = SCENARIOS[("integration_timeout", Api.REST)]
    wire = _wire(row, Endpoint.EDGE, seed)
    assert _ids(classify(status=504, headers=wire.headers, body=wire.body)) == [
        "rest-integration_timeout"
    ]


def test_look_alikes_are_the_reference_groups():
    groups = look_alikes()
    assert sorted(tuple(sorted(_ids(rows))) for _, rows in groups) == _groups_by_endpoint()
    for endpoint, rows in groups:
        assert all(endpoint in row.endpoint_types for row in rows)


def test_look_alikes_come_largest_first():
    sizes = [len(rows) for _, rows in look_alikes()]
    assert sizes == [6, 5, 4, 3, 3, 3, 2, 2, 2]


def test_the_permission_denied_capture_is_permission_denied_or_lambda_throttled():
    found = classify(status=500, headers=REST_500_HEADERS, body=REST_ERROR)
    assert _ids(found) == TRACED_500


def test_api_configuration_error_is_told_apart_by_its_missing_trace_id():
    untraced = [(k, v) for k, v in REST_500_HEADERS if k != "x-amzn-trace-id"]
    found = classify(status=500, headers=untraced, body=REST_ERROR)
    assert _ids(found) == ["rest-api_configuration_error", *TRACED_500]
    assert _ids(found.exact) == ["rest-api_configuration_error"]
    assert [m.score for m in found.ranking] == [0, 2, 2, 2]
    assert found.hints == (
        "`x-amzn-trace-id` present → not `rest-api_configuration_error`",
        "`rest-permission_denied`, `rest-lambda_throttled` and `rest-invalid_base64`"
        " send the same answer: no response tells them apart",
    )
    row = SCENARIOS[("api_configuration_error", Api.REST)]
    wire = _wire(row, Endpoint.REGIONAL)
    assert wire.header("x-amzn-trace-id") is None
    assert _ids(classify(status=500, headers=wire.headers, body=wire.body).exact) == [
        "rest-api_configuration_error"
    ]
    traced = [*wire.headers, ("x-amzn-trace-id", "Root=1-682bed11-525d3f04507405b029d8d9e1")]
    assert _ids(classify(status=500, headers=traced, body=wire.body)) == TRACED_500


# -- real client responses through a fault --------------------------------------------

THROUGH_FAULTS = [
    ("rest", "function_error", None),
    ("rest", "integration_timeout", "regional"),
    ("rest", "route_not_found", "private"),
    ("rest", "request_too_large", None),
    ("rest", "access_denied", None),
    ("http", "jwt_rejected", None),
    ("http", "unauthorized", None),
    ("http", "lambda_throttled", None),
]


@pytest.mark.parametrize("client", ["requests", "httpx"])
@pytest.mark.parametrize(
    ("api", "name", "endpoint"), THROUGH_FAULTS, ids=[f"{a}-{n}" for a, n, _ in THROUGH_FAULTS]
)
def test_a_real_response_through_a_fault(client, api, name, endpoint):
    with Fault(name, api=api, endpoint=endpoint):
        if client == "requests":
            response = requests.get(URL, timeout=None)
        else:
            response = httpx.get(URL, timeout=None)
    assert _ids(classify(response).exact) == _expected(f"{api}-{name}")
    assert _ids(classify(response)) == _ranked(f"{api}-{name}")
    assert _ids(classify(response, api=api)) == _ranked(f"{api}-{name}")


@pytest.mark.asyncio
async def test_an_async_httpx_response_through_a_fault():
    async with Fault("quota_exceeded", api="rest", endpoint="regional"):
        async with httpx.AsyncClient(timeout=None) as http:
            response = await http.get(URL)
    assert _ids(classify(response)) == ["rest-quota_exceeded"]


def test_permission_denied_lambda_throttled_and_invalid_base64_come_back_together():
    for name in ("permission_denied", "lambda_throttled", "invalid_base64"):
        with Fault(name, api="rest"):
            response = requests.get(URL, timeout=None)
        assert _ids(classify(response)) == TRACED_500


# -- hand-made mocks are never exact ------------------------------------------------------


def test_a_hand_made_responses_mock_is_consistent_but_never_exact():
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, URL, status=500, json={"message": "Internal server error"})
        response = requests.get(URL, timeout=None)
    assert response.content == REST_ERROR  # the right bytes, but no headers
    found = classify(response)
    assert _ids(found) == [*TRACED_500, "rest-api_configuration_error"]
    assert found.exact == ()
    assert [m.score for m in found.ranking] == [1, 1, 1, 1]
    assert found.ranking[0].unseen == (
        "x-amzn-trace-id", "x-amzn-requestid", "x-amzn-errortype", "x-amz-apigw-id"
    )


def test_a_hand_made_respx_mock_is_nothing():
    with respx.mock:
        respx.get(URL).mock(return_value=httpx.Response(503, json={"message": "x"}))
        response = httpx.get(URL)
    assert classify(response) == ()


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (502, b'{"message":"Internal server error"}'),  # no space after the colon
        (502, b'{"message": "Internal Server Error"}'),  # HTTP API capitals
        (502, b'{"message": "Internal server error"}\n'),
        (503, REST_ERROR),
        (200, REST_ERROR),
    ],
)
def test_wrong_bytes_or_status_with_the_right_headers_is_nothing(status, body):
    headers = [(k, v) for k, v in REST_500_HEADERS if k != "content-length"]
    assert classify(status=status, headers=headers, body=body) == ()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-amzn-errortype", "ForbiddenException"),
        ("x-amzn-requestid", "2B9C8640-30BE-4853-BD1B-D3FB0442E3E4"),
        ("x-amz-apigw-id", "K2H60H42IAMEsHA"),
        ("x-amzn-trace-id", "Root=1-682bed11"),
        ("x-amz-cf-pop", "yto50-p2"),
        ("via", "1.1 abc.cloudfront.net (CloudFront)"),
        ("content-type", "text/html"),
    ],
)
def test_a_header_in_the_wrong_form_is_nothing(name, value):
    headers = dict(REST_500_HEADERS)
    headers[name] = value
    assert classify(status=500, headers=headers, body=REST_ERROR) == ()


@pytest.mark.parametrize("missing", ["x-amzn-requestid", "x-amz-apigw-id", "x-cache"])
def test_a_missing_telling_header_is_unknown_and_ranks_lower(missing):
    headers = {k: v for k, v in REST_500_HEADERS if k != missing}
    found = classify(status=500, headers=headers, body=REST_ERROR)
    assert _ids(found) == TRACED_500
    assert found.exact == ()
    assert [(m.score, m.unseen) for m in found.ranking] == [(2, (missing,))] * 3


def test_a_bare_status_and_body_is_every_row_with_them():
    # the traced 502s and the untraced too-large answer
    group = [*_expected("rest-function_error"), "rest-lambda_response_too_large"]
    assert _ids(classify(status=502, body=REST_ERROR)) == group
    found = classify(status=502, headers={"Content-Type": "application/json"}, body=REST_ERROR)
    assert _ids(found) == group
    assert found.exact == ()


def test_x_cache_miss_is_no_gateway_error():
    headers = dict(REST_500_HEADERS)
    headers["x-cache"] = "Miss from cloudfront"
    assert classify(status=500, headers=headers, body=REST_ERROR) == ()


# -- the forms of status / headers / body ------------------------------------------------


def test_headers_as_a_mapping_or_pairs_with_any_case():
    expected = TRACED_500
    as_pairs = list(REST_500_HEADERS)
    as_mapping = dict(REST_500_HEADERS)
    upper = [(k.upper(), v) for k, v in REST_500_HEADERS]
    # the HTTP/1.1 casing of python-requests against AWS [LS-FMT]
    http11 = {
        "Content-Type": "application/json", "Content-Length": "36",
        "Connection": "keep-alive", "Date": "Tue, 20 May 2025 02:46:41 GMT",
        "x-amzn-RequestId": "2b9c8640-30be-4853-bd1b-d3fb0442e3e4",
        "x-amzn-ErrorType": "InternalServerErrorException",
        "x-amz-apigw-id": "K2H60H42IAMEsHA=",
        "X-Amzn-Trace-Id": "Root=1-682bed11-525d3f04507405b029d8d9e1",
        "X-Cache": "Error from cloudfront",
        "Via": "1.1 4ec5f8da969dc981ba2067c9dad5dad8.cloudfront.net (CloudFront)",
        "X-Amz-Cf-Pop": "YTO50-P2",
        "X-Amz-Cf-Id": "aVyBM-eVARrAWDj8RFoz4HfsiOB5WBNSfP74Qm9AVHi073kgYb0xSA==",
    }
    for headers in (as_pairs, as_mapping, upper, http11, tuple(as_pairs)):
        assert _ids(classify(status=500, headers=headers, body=REST_ERROR)) == expected


def test_connection_keep_alive_does_not_matter():
    for row_id, (name, api), endpoint in [
        ("rest-function_error", ("function_error", Api.REST), Endpoint.EDGE),
        ("http-jwt_rejected", ("jwt_rejected", Api.HTTP), Endpoint.REGIONAL),
    ]:
        wire = _wire(SCENARIOS[(name, api)], endpoint)
        plain = classify(status=wire.status, headers=wire.headers, body=wire.body)
        kept = [*wire.headers, ("connection", "keep-alive"), ("Keep-Alive", "timeout=5")]
        assert classify(status=wire.status, headers=kept, body=wire.body) == plain
        assert row_id in _ids(plain)


def test_jwt_rejected_is_told_from_unauthorized_by_www_authenticate():
    wire = _wire(SCENARIOS[("jwt_rejected", Api.HTTP)], Endpoint.REGIONAL)
    assert _ids(classify(status=401, headers=wire.headers, body=wire.body)) == [
        "http-jwt_rejected"
    ]
    without = [(k, v) for k, v in wire.headers if k != "www-authenticate"]
    found = classify(status=401, headers=without, body=wire.body)
    assert _ids(found) == ["http-unauthorized", "http-jwt_rejected"]
    assert _ids(found.exact) == ["http-unauthorized"]
    assert found.hints == ("`www-authenticate` present → not `http-unauthorized`",)
    other = [*without, ("www-authenticate", 'Bearer error="invalid_request"')]
    assert classify(status=401, headers=other, body=wire.body) == ()


def test_head_has_an_empty_body():
    wire = _wire(SCENARIOS[("function_error", Api.REST)], Endpoint.EDGE)
    group = _expected("rest-function_error")
    assert _ids(classify(status=502, headers=wire.headers, body=b"", method="HEAD")) == group
    assert _ids(classify(status=502, headers=wire.headers, body=b"", method="head")) == group
    assert classify(status=502, headers=wire.headers, body=wire.body, method="HEAD") == ()
    assert classify(status=502, headers=wire.headers, body=b"") == ()
    assert classify(status=502, headers=wire.headers, body=b"", method="GET") == ()


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_a_head_response_through_a_fault(client):
    with Fault("route_not_found", api="rest"):
        if client == "requests":
            response = requests.head(URL, timeout=None)
        else:
            response = httpx.head(URL, timeout=None)
    assert response.content == b""
    assert response.headers["content-length"] == "0"  # second pass C3 [WAF-HEAD]
    # a preflight's refusal has the same headers [MAT-OPTIONS]
    assert _ids(classify(response)) == ["rest-route_not_found", "rest-preflight_not_found"]


def test_a_response_and_status_together_is_a_type_error():
    with Fault("function_error", api="rest"):
        response = requests.get(URL, timeout=None)
    with pytest.raises(TypeError) as error:
        classify(response, status=502)
    assert str(error.value) == "classify() takes a response or status/headers/body, not both"
    with pytest.raises(TypeError):
        classify(response, headers={})
    with pytest.raises(TypeError):
        classify(response, body=b"")


def test_nothing_at_all_is_a_type_error():
    with pytest.raises(TypeError) as error:
        classify()
    assert str(error.value) == "classify() needs a response, or at least status="


def test_an_unknown_api_is_an_error():
    with pytest.raises(ApigwFaultError) as error:
        classify(status=500, body=REST_ERROR, api="v3")
    assert str(error.value) == "unknown api 'v3'; valid choices: 'rest', 'http'"
    with pytest.raises(ApigwFaultError) as error:
        classify(status=500, body=REST_ERROR, api="REST")
    assert str(error.value) == (
        "unknown api 'REST'; valid choices: 'rest', 'http'; did you mean 'rest'?"
    )


def test_classify_is_exported():
    import pytest_apigw_faults

    assert pytest_apigw_faults.classify is classify
