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
