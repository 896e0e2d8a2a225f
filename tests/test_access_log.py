"""Access-log variables against the values real access logs show
(reference section 9.2)."""

from __future__ import annotations

import pytest

from pytest_apigw_faults import Fault, get_scenario
from pytest_apigw_faults._gateway.accesslog import HTTP_VARIABLES, REST_VARIABLES, access_log
from pytest_apigw_faults._gateway.table import Endpoint
from pytest_apigw_faults._gateway.wire import Gateway

T0 = 1_747_708_810.0


def _log(name, api):
    row = get_scenario(name, api=api)
    endpoint = Endpoint.EDGE if api == "rest" else Endpoint.REGIONAL
    return access_log(Gateway(endpoint, seed=3).respond(row, T0))


def test_the_rest_timeout_as_azul_logged_it():
    log = _log("integration_timeout", "rest")
    assert log["error.message"] == "Endpoint request timed out"
    assert log["error.messageString"] == ' "Endpoint request timed out"'  # leading space
    assert log["error.responseType"] == "INTEGRATION_TIMEOUT"
    assert log["status"] == "504"
    assert log["responseLatency"] == "29000"
    assert log["integration.error"] == "-"


def test_a_function_error_names_the_lambda_error():
    log = _log("function_error", "rest")
    assert log["integration.error"] == (
        "Lambda Customer Function Error:Application error in a Lambda function"
    )
    assert log["error.responseType"] == "INTEGRATION_FAILURE"
    assert log["error.message"] == "Internal server error"


def test_an_oversized_result_reports_lambda_status_200():
    log = _log("lambda_response_too_large", "rest")
    assert log["integration.error"] == (
        "Lambda Customer Function Error:Response payload size exceeded maximum allowed"
        " payload size (6291556 bytes)."
    )
    assert log["integration.integrationStatus"] == "200"
    assert log["integration.status"] == "-"
    assert log["status"] == "502"


@pytest.mark.parametrize(
    ("name", "status", "message", "response_type"),
    [
        ("route_not_found", "403", "Missing Authentication Token",
         "MISSING_AUTHENTICATION_TOKEN"),
        ("waf_filtered", "403", "Forbidden", "WAF_FILTERED"),
        ("authorizer_configuration_error", "500", "-", "AUTHORIZER_CONFIGURATION_ERROR"),
    ],
)
def test_refusals_before_the_integration(name, status, message, response_type):
    log = _log(name, "rest")
    assert (log["status"], log["error.message"], log["error.responseType"]) == (
        status, message, response_type
    )
    assert log["integration.error"] == "-"
    assert log["integration.integrationStatus"] == "-"


def test_the_http_api_permission_message_is_the_documented_one():
    log = _log("permission_denied", "http")
    assert log["integrationErrorMessage"] == (
        "The IAM role configured on the integration or API Gateway doesn't have"
        " permissions to call the integration. Check the permissions and try again."
    )
    assert log["requestId"] == log["extendedRequestId"]  # equal on HTTP APIs
    assert set(log) == set(HTTP_VARIABLES)
    assert _log("function_error", "http")["integrationErrorMessage"] == "-"


def test_every_row_has_every_variable_and_the_wire_values():
    for api, names in (("rest", REST_VARIABLES), ("http", HTTP_VARIABLES)):
        for name in ("function_error", "route_not_found"):
            row = get_scenario(name, api=api)
            endpoint = Endpoint.EDGE if api == "rest" else Endpoint.REGIONAL
            exchange = Gateway(endpoint, seed=4).respond(row, T0)
            log = access_log(exchange)
            assert set(log) == set(names)
            assert log["requestId"] == exchange.request_id
            assert log["responseLength"] == str(len(row.body))


def test_a_call_carries_its_access_log():
    requests = pytest.importorskip("requests")
    pytest.importorskip("responses")
    url = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
    with Fault("lambda_throttled", api="rest", clients="requests") as fault:
        response = requests.get(url)
    log = fault.calls[0].access_log
    assert log["requestId"] == response.headers["x-amzn-requestid"]
    assert log["extendedRequestId"] == response.headers["x-amz-apigw-id"]
    assert log["status"] == "500"


def test_a_multi_line_lambda_error_is_kept_whole():
    from pytest_apigw_faults._gateway.wire import Exchange, WireResponse

    row = get_scenario("function_error", api="rest")
    exchange = Exchange(
        scenario=row,
        response=WireResponse(502, (("content-length", "36"),), row.body),
        request_id="r",
        arrived_at=T0,
        latency=0.5,
        logs=(
            "(r) Lambda execution failed with status 200 due to customer function error:"
            " line one\nline two. Lambda request id: 0a1b2c3d-0000-4000-8000-000000000000",
        ),
    )
    log = access_log(exchange)
    assert log["integration.error"] == "Lambda Customer Function Error:line one\nline two"
    assert log["integration.integrationStatus"] == "200"


# The authorizer's variables [D-ACCESS-VARS] -----------------------------------

REST_URL = "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/prod/orders/7"


def _token_authorizer(event, context):
    if event["authorizationToken"] != "Bearer good":
        raise Exception("Unauthorized")
    statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
    return {
        "principalId": "user-42",
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": {"tenant": "acme", "seats": 3, "admin": True},
    }


def test_a_lambda_authorizer_decision_in_the_access_log():
    requests = pytest.importorskip("requests")
    from pytest_apigw_faults import LambdaAuthorizer

    def handler(event, context):
        return {"statusCode": 200, "body": "ok"}

    config = LambdaAuthorizer(_token_authorizer)
    with Fault(handler=handler, api="rest", authorizer=config) as fault:
        for token in ("Bearer good", "Bearer good", None, "Bearer bad"):
            requests.get(REST_URL, headers={} if token is None else {"Authorization": token})
    logs = [call.access_log for call in fault.calls]
    fresh, cached, missing, refused = logs
    assert {k: v for k, v in fresh.items() if k.startswith(("authorizer.", "authorize."))} == {
        "authorizer.tenant": "acme",
        "authorizer.seats": "3",
        "authorizer.admin": "true",
        "authorizer.principalId": "user-42",
        "authorizer.error": "-",
        "authorizer.status": "200",
        "authorizer.integrationStatus": "200",
        "authorize.status": "200",
        "authorize.error": "-",
    }
    assert "authorizer.integrationStatus" not in cached  # answered from the cache
    assert cached["authorizer.tenant"] == "acme"
    assert "authorizer.integrationStatus" not in missing  # the identity is missing
    assert (missing["authorize.status"], missing["authorizer.error"]) == ("401", "Unauthorized")
    assert missing["error.responseType"] == "UNAUTHORIZED"
    assert refused["authorizer.integrationStatus"] == "200"  # invoked, raised Unauthorized
    assert refused["authorizer.principalId"] == "-"


def test_jwt_claims_in_the_access_log():
    requests = pytest.importorskip("requests")
    pytest.importorskip("jwt")
    import time

    from pytest_apigw_faults import JwtAuthorizer, JwtKeys

    keys = JwtKeys.generate()
    issuer = "https://issuer.example.com"
    token = keys.token(
        {"iss": issuer, "aud": "app", "sub": "user-7", "exp": int(time.time()) + 600}
    )
    config = JwtAuthorizer(issuer=issuer, audience=["app"], jwks=keys.jwks)

    def handler(event, context):
        return {"statusCode": 200, "body": "ok"}

    url = "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/orders"
    with Fault(handler=handler, api="http", authorizer=config) as fault:
        requests.get(url, headers={"Authorization": f"Bearer {token}"})
    log = fault.calls[0].access_log
    assert (log["authorizer.claims.sub"], log["authorizer.claims.iss"]) == ("user-7", issuer)
    assert log["authorizer.principalId"] == "user-7"
    assert log["authorizer.error"] == "-"
    assert "authorize.status" not in log  # a REST variable
