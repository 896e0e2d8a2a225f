"""The rows beyond the two captures, against the figures of the reference
(``api-gateway-behaviour.md`` sections 1-4, 7 and 8), and the rules every row keeps."""

from __future__ import annotations

import dataclasses
import json

import pytest

from pytest_apigw_faults import SCENARIOS, Api, Endpoint, Evidence, Phase, get_scenario
from pytest_apigw_faults._gateway.table import (
    RESPONSE_TYPES,
    SOURCES,
    Scenario,
    _build,
    cited_sources,
    default_body,
    message_string,
)

C, D, I = Evidence.CAPTURED, Evidence.DOCUMENTED, Evidence.INFERRED  # noqa: E741
REST_ISE = "InternalServerErrorException"

# Copied from the reference, not from the table:
# (api, name, status, body, body length, x-amzn-errortype, response type, evidence)
REFERENCE = [
    ("rest", "function_timeout", 502, b'{"message": "Internal server error"}', 36,
     REST_ISE, "INTEGRATION_FAILURE", C),
    ("http", "function_timeout", 500, b'{"message":"Internal Server Error"}', 35,
     None, None, I),
    ("rest", "lambda_response_too_large", 502, b'{"message": "Internal server error"}', 36,
     REST_ISE, "INTEGRATION_FAILURE", C),
    ("http", "lambda_response_too_large", 500, b'{"message":"Internal Server Error"}', 35,
     None, None, I),
    ("rest", "route_not_found", 403, b'{"message":"Missing Authentication Token"}', 42,
     "MissingAuthenticationTokenException", "MISSING_AUTHENTICATION_TOKEN", C),
    ("http", "route_not_found", 404, b'{"message":"Not Found"}', 23, None, None, D),
    # second pass §5, C11: body and header captured [STAGE-MISSING][CAP-NOSTAGE]
    ("rest", "stage_not_found", 403, b'{"message":"Forbidden"}', 23,
     "ForbiddenException", None, C),
    ("http", "stage_not_found", 404, b'{"message":"Not Found"}', 23, None, None, I),
    ("rest", "unauthorized", 401, b'{"message":"Unauthorized"}', 26,
     "UnauthorizedException", "UNAUTHORIZED", C),
    ("http", "unauthorized", 401, b'{"message":"Unauthorized"}', 26, None, None, D),
    ("http", "jwt_rejected", 401, b'{"message":"Unauthorized"}', 26, None, None, D),
    ("rest", "access_denied", 403,
     b'{"Message":"User is not authorized to access this resource with an explicit deny"}',
     82, "AccessDeniedException", "ACCESS_DENIED", C),
    ("http", "access_denied", 403, b'{"message":"Forbidden"}', 23, None, None, I),
    ("rest", "invalid_api_key", 403, b'{"message":"Forbidden"}', 23,
     "ForbiddenException", "INVALID_API_KEY", C),
    ("rest", "waf_filtered", 403, b'{"message":"Forbidden"}', 23,
     "ForbiddenException", "WAF_FILTERED", C),
    ("rest", "api_throttled", 429, b'{"message":"Too Many Requests"}', 31,
     "TooManyRequestsException", "THROTTLED", C),
    ("http", "api_throttled", 429, b'{"message":"Too Many Requests"}', 31, None, None, I),
    ("rest", "quota_exceeded", 429, b'{"message":"Limit Exceeded"}', 28,
     "LimitExceededException", "QUOTA_EXCEEDED", C),
    ("rest", "request_too_large", 413, b"HTTP content length exceeded 10485760 bytes.", 44,
     None, None, C),
    ("rest", "lambda_request_too_large", 413, b'{"message": "Request Too Long"}', 31,
     "BadRequestException", "REQUEST_TOO_LARGE", C),
    ("rest", "authorizer_configuration_error", 500, b'{"message":null}', 16,
     "AuthorizerConfigurationException", "AUTHORIZER_CONFIGURATION_ERROR", C),
    ("http", "authorizer_configuration_error", 500, b'{"message":"Internal Server Error"}',
     35, None, None, I),
    ("rest", "api_configuration_error", 500, b'{"message": "Internal server error"}', 36,
     REST_ISE, "API_CONFIGURATION_ERROR", C),
    # second pass §2, C1: the validator's message has the space [UDACITY]
    ("rest", "bad_request_body", 400, b'{"message": "Invalid request body"}', 35,
     "BadRequestException", "BAD_REQUEST_BODY", C),
    # §2: status captured [LS-B64]; body, error type and response type marked ⚠️
    ("rest", "invalid_base64", 500, b'{"message": "Internal server error"}', 36,
     REST_ISE, "API_CONFIGURATION_ERROR", I),
    # §3 and §8: only the limits and a 413 are stated; the bytes are the
    # project's inference, the REST 413's message in the request phase
    ("rest", "payload_too_large", 413, b'{"message":"Request Too Long"}', 30,
     "BadRequestException", "REQUEST_TOO_LARGE", I),
    ("http", "payload_too_large", 413, b'{"message":"Request Too Long"}', 30, None, None, I),
    ("http", "lambda_request_too_large", 413, b'{"message":"Request Too Long"}', 30,
     None, None, I),
]
SEED_KEYS = {
    (name, api)
    for name in ("integration_timeout", "malformed_response", "permission_denied",
                 "lambda_throttled", "function_error")
    for api in Api
}


@pytest.mark.parametrize(
    ("api", "name", "status", "body", "length", "error_type", "response_type", "evidence"),
    REFERENCE,
    ids=[f"{api}-{name}" for api, name, *_ in REFERENCE],
)
def test_row_matches_the_reference(
    api, name, status, body, length, error_type, response_type, evidence
):
    row = get_scenario(name, api=api)
    assert (row.status, row.body, len(row.body)) == (status, body, length)
    assert row.error_type == error_type
    assert row.response_type == response_type
    assert row.evidence is evidence
    assert row.cause
    assert row.sources


def test_the_table_is_the_captures_and_the_reference():
    from reference_rows import NEW_ROWS  # reference 2's rows, checked in test_new_rows

    assert set(SCENARIOS) == SEED_KEYS | {
        (name, Api(api)) for api, name, *_ in REFERENCE + NEW_ROWS
    }


@pytest.mark.parametrize("row", SCENARIOS.values(), ids=lambda row: row.id)
def test_every_row_keeps_the_rules(row):
    if row.api is Api.HTTP:
        # HTTP APIs: no space, no error type, no customisation, no execution log
        assert b'": "' not in row.body
        assert row.error_type is None
        assert row.response_type is None
        assert row.log == ()
    elif row.phase is Phase.REQUEST:
        # a request validator's message has the space (reference 2, C7)
        space = row.response_type == "BAD_REQUEST_PARAMETERS"
        assert (b'": "' if space else b'":"') in row.body or row.body == b'{"message":null}'
        assert not row.traced  # the Lambda was never called
    elif row.phase is Phase.VALIDATION:
        assert row.body.startswith(b'{"message": ')  # with the space [UDACITY][PULUMI]
        assert not row.traced
    elif row.phase is Phase.INTEGRATION:
        assert row.body.startswith(b'{"message": ')
    if row.phase is not Phase.INTEGRATION:
        assert row.log == () or not any("Lambda request id" in line for line in row.log)
    if row.evidence is not Evidence.CAPTURED:
        assert row.note, "a row that is not captured says why in its note"
    assert all(tag in SOURCES for tag in cited_sources(row))
    assert set(row.endpoint_types) <= {Endpoint.EDGE, Endpoint.REGIONAL, Endpoint.PRIVATE}


def test_integration_errors_have_the_leading_space_in_their_message_string():
    assert message_string(get_scenario("integration_timeout", api="rest")) == (
        ' "Endpoint request timed out"'
    )
    assert message_string(get_scenario("route_not_found", api="rest")) == (
        '"Missing Authentication Token"'
    )
    # a validator refuses before the integration, and has the space all the same
    assert message_string(get_scenario("bad_request_body", api="rest")) == (
        ' "Invalid request body"'
    )
    assert message_string(get_scenario("authorizer_configuration_error", api="rest")) == "null"
    assert message_string(get_scenario("route_not_found", api="http")) == '"Not Found"'


def test_only_the_access_denial_departs_from_the_default_template():
    departing = [
        row.id
        for row in SCENARIOS.values()
        if row.phase is not Phase.CLOUDFRONT
        and row.renders is None  # rendered from the request: tests/test_new_rows.py
        and row.body != default_body(row)
    ]
    assert departing == ["rest-access_denied"]
    row = get_scenario("access_denied", api="rest")
    assert json.loads(row.body) == {"Message": row.message}


@pytest.mark.parametrize(
    ("api", "name", "waits_for", "latency"),
    [
        ("rest", "integration_timeout", "integration_timeout", 29.0),
        ("http", "integration_timeout", "integration_timeout", 30.0),
        ("rest", "function_timeout", "function_timeout", 3.0),
        ("http", "function_timeout", "function_timeout", 3.0),
    ],
)
def test_timeout_rows_wait_for_their_timeout(api, name, waits_for, latency):
    row = get_scenario(name, api=api)
    assert (row.waits_for, row.latency) == (waits_for, latency)


def test_function_timeout_log_names_the_timeout_and_one_lambda_request_id():
    (line, last) = get_scenario("function_timeout", api="rest").log
    text = line.format(lambda_request_id="abc", function_timeout=3.0, request_id="r")
    assert text == (
        "Lambda execution failed with status 200 due to customer function error:"
        " RequestId: abc Error: Task timed out after 3.00 seconds. Lambda request id: abc"
    )
    assert last == "Method completed with status: 502"


def test_the_cloudfront_refusal_exists_on_edge_only():
    row = get_scenario("request_too_large", api="rest")
    assert row.endpoint_types == (Endpoint.EDGE,)
    assert row.content_type == "text; charset=utf-8"
    assert row.phase is Phase.CLOUDFRONT
    assert row.response_type is None


def test_jwt_rejection_sends_the_documented_www_authenticate():
    row = get_scenario("jwt_rejected", api="http")
    assert row.extra_headers == (
        (
            "www-authenticate",
            'Bearer scope="" error="invalid_token"'
            ' error_description="the token does not have a valid audience"',
        ),
    )


def test_response_types_are_the_21_documented():
    assert len(RESPONSE_TYPES) == 21
    assert RESPONSE_TYPES["INTEGRATION_FAILURE"] == 504  # documented; 502/500 observed
    assert RESPONSE_TYPES["DEFAULT_4XX"] is None


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"body": b'{"message": "Not Found"}'}, "is not the template's"),
        ({"error_type": "X"}, "HTTP APIs have no error type"),
        ({"response_type": "NOPE"}, "HTTP APIs have no"),
        ({"endpoints": (Endpoint.EDGE,)}, "are not all http endpoints"),
        ({"waits_for": "lunch"}, "waits_for='lunch'"),
        ({"sources": ("NOWHERE",)}, "cites unknown sources"),
    ],
)
def test_a_row_that_breaks_a_rule_is_refused(change, problem):
    row = dataclasses.replace(get_scenario("route_not_found", api="http"), **change)
    with pytest.raises(ValueError, match=problem):
        _build([row])


def test_a_rest_row_with_an_unknown_response_type_is_refused():
    row = dataclasses.replace(get_scenario("route_not_found", api="rest"), response_type="NOPE")
    with pytest.raises(ValueError, match="unknown gateway response type 'NOPE'"):
        _build([row])


def test_rows_are_keyword_only():
    with pytest.raises(TypeError):
        Scenario("x", Api.REST)  # type: ignore[misc]
