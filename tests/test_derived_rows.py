"""Answers a Lambda handler leads to are rows of the table like any other:
``invalid_base64`` (a REST Lambda's binary answer that is not base64) and
the size refusals. ``get_scenario``, ``sequence=``, the matrix,
``classify()`` and customised gateway responses know them."""

from __future__ import annotations

import httpx
import pytest
import requests
from support import literal, module, refuse_network, set_up_inner

from pytest_apigw_faults import (
    SCENARIOS,
    Api,
    ApigwFaultError,
    Evidence,
    Fault,
    classify,
    get_scenario,
    scenarios,
)

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
NOT_BASE64 = {"statusCode": 200, "body": "not base64!", "isBase64Encoded": True}
BINARY = {"Accept": "image/png"}
TRACED_500 = ["rest-permission_denied", "rest-lambda_throttled", "rest-invalid_base64"]


def bad_base64(event: object, context: object) -> object:
    return NOT_BASE64


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    refuse_network(monkeypatch, "test_derived_rows")


def test_invalid_base64_is_a_row_of_the_table():
    row = get_scenario("invalid_base64", api="rest")
    assert row is SCENARIOS[("invalid_base64", Api.REST)]
    assert (row.status, row.body) == (500, b'{"message": "Internal server error"}')
    assert row.error_type == "InternalServerErrorException"
    assert row.response_type == "API_CONFIGURATION_ERROR"
    assert row.traced  # a Lambda was invoked
    assert row.evidence is Evidence.INFERRED
    assert "LS-B64" in row.sources
    assert [p.id for p in scenarios("invalid_base64")] == ["rest-invalid_base64"]


def test_http_apis_have_no_invalid_base64():
    with pytest.raises(ApigwFaultError, match="unknown scenario 'invalid_base64' for api='http'"):
        get_scenario("invalid_base64", api="http")


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_a_handler_answering_bad_base64_gets_the_row(client, apigw_fault):
    apigw_fault.inject(handler=bad_base64, api="rest", binary_media_types=["image/png"])
    if client == "requests":
        response = requests.get(URL, headers=BINARY, timeout=10)
    else:
        response = httpx.get(URL, headers=BINARY, timeout=10)
    call = apigw_fault.calls[-1]
    assert call.scenario is get_scenario("invalid_base64", api="rest")
    assert call.event is not None  # the Lambda ran
    apigw_fault.assert_response(response)
    assert [row.id for row in classify(response)] == TRACED_500
    assert call.access_log["error.responseType"] == "API_CONFIGURATION_ERROR"


def test_invalid_base64_in_a_sequence(apigw_fault):
    fault = apigw_fault.inject(
        sequence=["invalid_base64", {"statusCode": 200, "body": "ok"}], api="rest"
    )
    first = requests.get(URL, timeout=10)
    second = requests.get(URL, timeout=10)
    assert (first.status_code, second.status_code, second.text) == (500, 200, "ok")
    apigw_fault.assert_response(first)
    assert "x-amzn-trace-id" in first.headers
    assert [c.scenario and c.scenario.id for c in fault.calls] == ["rest-invalid_base64", None]
    assert fault.logs[0].endswith(
        'Endpoint response body before transformations: {"statusCode": 200,'
        ' "body": "not base64!", "isBase64Encoded": true}'
    )


def test_a_customised_api_configuration_error_answers_invalid_base64(apigw_fault):
    doc = {
        "x-amazon-apigateway-gateway-responses": {
            "API_CONFIGURATION_ERROR": {
                "statusCode": "503",
                "responseTemplates": {"application/json": '{"type":"$context.error.responseType"}'},
            }
        }
    }
    apigw_fault.inject(
        handler=bad_base64, api="rest", binary_media_types=["*/*"], gateway_responses=doc
    )
    response = requests.get(URL, headers=BINARY, timeout=10)
    assert (response.status_code, response.content) == (503, b'{"type":"API_CONFIGURATION_ERROR"}')


def test_the_marker_runs_invalid_base64_as_a_plain_fault(pytester):
    inner = set_up_inner(pytester)
    inner.makepyfile(
        test_user=module(
            """
            @pytest.mark.apigw_fault("invalid_base64")
            def test_it(apigw_fault):
                response = requests.get(URL, timeout=10)
                assert response.status_code == 500
                apigw_fault.assert_response(response)
            """
        )
    )
    listing = inner.runpytest("--collect-only", "-q")
    listing.stdout.fnmatch_lines([literal("test_user.py::test_it[rest-invalid_base64]")])
    inner.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize("name", ["payload_too_large", "lambda_request_too_large"])
def test_the_size_rows_of_http_apis(name):
    row = get_scenario(name, api="http")
    assert (row.status, row.body) == (413, b'{"message":"Request Too Long"}')
    assert row.evidence is Evidence.INFERRED
    fault = Fault(name, api="http", seed=3)
    with fault:
        response = httpx.get(URL)
    assert [r.id for r in classify(response)] == [
        "http-payload_too_large", "http-lambda_request_too_large"
    ]


def test_payload_too_large_is_where_cloudfront_is_not():
    row = get_scenario("payload_too_large", api="rest")
    assert [e.value for e in row.endpoint_types] == ["regional", "private"]
    with pytest.raises(ApigwFaultError, match="does not exist on endpoint 'edge'"):
        Fault("payload_too_large", api="rest", endpoint="edge")
