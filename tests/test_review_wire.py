"""A review of what the second pass's corrections and rows put on the wire:
each test is a difference found between a client path, a public entry point
or the command line and reference 2 (``api-gateway-behaviour-2.md``)."""

from __future__ import annotations

import pytest
from support import refuse_network
from test_cli import Serving, usage_error

from pytest_apigw_faults import classify
from pytest_apigw_faults._gateway.check import response_problems
from pytest_apigw_faults._gateway.table import Endpoint, get_scenario
from pytest_apigw_faults._gateway.wire import WireResponse

# A signed IAM caller denied by the resource policy (reference 2 §0.1, §4,
# [RP-IAM] id 7946360049), as captured.
SIGNED_DENIAL = (
    b'{"Message":"User: arn:aws:sts::645143808269:assumed-role/shop-role/'
    b"CognitoIdentityCredentials is not authorized to perform: execute-api:Invoke on"
    b" resource: arn:aws:execute-api:eu-central-1:********8269:gt4n9vo5yk/prod/GET/shop/"
    b'0001/orders"}'
)


@pytest.fixture
def offline(monkeypatch):
    refuse_network(monkeypatch, "test_review_wire")


def test_classify_knows_a_signed_caller_s_resource_policy_denial(offline):
    rows = classify(status=403, body=SIGNED_DENIAL,
                    headers={"x-amzn-errortype": "AccessDeniedException"})
    assert [row.id for row in rows] == ["rest-resource_policy_denied"]
    explicit = SIGNED_DENIAL[:-2] + b' with an explicit deny"}'
    assert [row.id for row in classify(status=403, body=explicit)] == [
        "rest-resource_policy_denied"
    ]


def test_a_check_without_the_call_accepts_a_signed_caller_s_denial(offline):
    row = get_scenario("resource_policy_denied", api="rest")
    headers = (("content-type", "application/json"),
               ("content-length", str(len(SIGNED_DENIAL))))
    problems = response_problems(WireResponse(403, headers, SIGNED_DENIAL), row, Endpoint.EDGE)
    assert not [problem for problem in problems if problem.startswith("body")]


def test_the_resource_policy_row_notes_its_inferred_parts():
    note = get_scenario("resource_policy_denied", api="rest").note
    # the order was captured on edge only [RP-2025]
    assert "regional and private APIs: ⚠️ inferred" in note
    # a custom domain's base path is not its stage
    assert "first path segment stands in for the stage" in note
    # the signed caller's form is recognised, not rendered [RP-IAM]
    assert "[RP-IAM]" in note


# -- the command line ---------------------------------------------------------------------


def test_serve_s_unknown_scenario_names_the_closest(capsys):
    error = usage_error(capsys, "serve", "--api", "rest", "--scenario", "resource_policy_denid")
    assert (
        "argument --scenario: invalid choice: 'resource_policy_denid';"
        " did you mean 'resource_policy_denied'? (choose from 'integration_timeout'"
    ) in error


def test_serve_takes_the_arguments_of_the_rows_rendered_from_the_request():
    with Serving("--api", "rest", "--scenario", "resource_policy_denied", "--account-id",
                 "645143808269", "--explicit-deny", "--endpoint", "regional") as serving:
        status, headers, body = serving.get("/prod/orders/1")
    assert status == 403
    assert body.endswith(b":********8269:u1hp5d8r0b/prod/GET/orders/1 with an explicit deny\"}")
    assert [name for name, _ in headers] == [
        "Date", "Content-Type", "Content-Length", "Connection", "x-amz-apigw-id",
        "x-amzn-RequestId", "x-amzn-ErrorType",
    ]
    with Serving("--api", "rest", "--scenario", "bad_request_parameters",
                 "--required-parameter", "header.x-version",
                 "--required-parameter", "querystring.q") as serving:
        status, headers, body = serving.get("/prod/orders?q=1")
    assert (status, body) == (
        400, b'{"message": "Missing required request parameters: [x-version]"}'
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scenario", "bad_request_parameters", "--required-parameter", "querystrin.q"],
         "required_parameters: 'querystrin.q' has the unknown location 'querystrin';"
         " did you mean 'querystring'?"),
        (["--scenario", "resource_policy_denied", "--account-id", "12345"],
         "account_id= takes an AWS account id, 12 digits as a str"),
        (["--scenario", "route_not_found", "--explicit-deny"],
         "explicit_deny= is read by scenario 'resource_policy_denied' only"),
    ],
    ids=["bad-location", "bad-account", "other-row"],
)
def test_serve_refuses_bad_arguments_for_the_new_rows(capsys, argv, message):
    assert message in usage_error(capsys, "serve", "--api", "rest", *argv)


def test_the_preflight_row_notes_that_its_capture_does_not_settle_the_order():
    note = get_scenario("preflight_not_found", api="rest").note
    assert "[MAT-OPTIONS] excerpts show all three before x-amzn-errortype" in note


def test_the_resource_policy_row_notes_that_its_customisation_is_inferred():
    note = get_scenario("resource_policy_denied", api="rest").note
    assert "whether a customised ACCESS_DENIED (or DEFAULT_4XX) template replaces it" in note


def test_the_incomplete_signature_row_notes_the_value_shapes_no_capture_shows():
    note = get_scenario("incomplete_signature", api="rest").note
    assert "a value with a space whose second word has '='" in note
    assert "an empty value gets that form too, ending 'Authorization='" in note


# -- classify() reads the order that sets a resource-policy denial apart [RP-2025] -----------

HEAD_DENIAL = [  # a regional HEAD answer: no body, only the order tells
    ("date", "Thu, 04 Sep 2025 19:31:16 GMT"),
    ("content-type", "application/json"),
    ("content-length", "0"),
    ("x-amz-apigw-id", "QZFY0GF8PHcEDJg="),
    ("x-amzn-requestid", "58831b0a-0d67-41b1-bc04-4b83051ce458"),
    ("x-amzn-errortype", "AccessDeniedException"),
]


def test_classify_ranks_by_the_order_of_api_gateway_s_ids(offline):
    rows = classify(status=403, headers=HEAD_DENIAL, body=b"", method="HEAD")
    assert [row.id for row in rows] == ["rest-resource_policy_denied", "rest-access_denied"]
    assert not any("no response tells them apart" in hint for hint in rows.hints)
    authorizer = [HEAD_DENIAL[i] for i in (0, 1, 2, 4, 5, 3)]
    rows = classify(status=403, headers=authorizer, body=b"", method="HEAD")
    assert [row.id for row in rows] == ["rest-access_denied", "rest-resource_policy_denied"]
    assert rows.ranking[1].lenient == (
        "`x-amzn-requestid` before `x-amz-apigw-id` read as `x-amz-apigw-id` first"
        " (a proxy may reorder)",
    )


@pytest.mark.parametrize("name", ["bad_request_body", "bad_request_parameters"])
def test_the_validator_rows_note_that_the_space_in_message_string_is_inferred(name):
    note = get_scenario(name, api="rest").note
    assert "⚠️ That the space belongs to $context.error.messageString" in note


def test_the_incomplete_signature_row_notes_the_traced_capture():
    note = get_scenario("incomplete_signature", api="rest").note
    assert "also carried x-amzn-trace-id after x-amz-apigw-id" in note


@pytest.mark.parametrize(
    ("name", "api"),
    [("base_path_not_mapped", "rest"), ("default_endpoint_disabled", "rest"),
     ("default_endpoint_disabled", "http")],
)
def test_the_rows_that_reach_no_stage_note_the_access_log(name, api):
    note = get_scenario(name, api=api).note
    assert "AWS is not expected to write an access-log entry" in note
