"""The scenario table against the real captures (seeds 000: REST edge, 001: HTTP API)."""

from __future__ import annotations

import dataclasses
import re
from types import MappingProxyType

import pytest
from captured import CAPTURED_LOGS, NAMES

from pytest_apigw_faults import (
    SCENARIOS,
    Api,
    ApigwFaultError,
    Evidence,
    Scenario,
    get_scenario,
    scenarios,
)

# Figures copied from the captures: status line, body after the headers, the
# `content-length` header, the `x-amzn-errortype` header and curl's `real` time
# (the timeouts use the integration limit: 29 s REST, 30 s HTTP API).
# (api, name, status, body, content-length, error type, latency)
CAPTURED = (
    ("rest", "integration_timeout", 504, b'{"message": "Endpoint request timed out"}', 41,
     "InternalServerErrorException", 29.0),
    ("rest", "malformed_response", 502, b'{"message": "Internal server error"}', 36,
     "InternalServerErrorException", 0.513),
    ("rest", "permission_denied", 500, b'{"message": "Internal server error"}', 36,
     "InternalServerErrorException", 0.103),
    ("rest", "lambda_throttled", 500, b'{"message": "Internal server error"}', 36,
     "InternalServerErrorException", 0.105),
    ("rest", "function_error", 502, b'{"message": "Internal server error"}', 36,
     "InternalServerErrorException", 0.388),
    ("http", "integration_timeout", 503, b'{"message":"Service Unavailable"}', 33, None, 30.0),
    ("http", "malformed_response", 500, b'{"message":"Internal Server Error"}', 35, None, 0.386),
    ("http", "permission_denied", 500, b'{"message":"Internal Server Error"}', 35, None, 0.168),
    ("http", "lambda_throttled", 503, b'{"message":"Service Unavailable"}', 33, None, 0.173),
    ("http", "function_error", 500, b'{"message":"Internal Server Error"}', 35, None, 0.406),
)
CAPTURED_IDS = [f"{api}-{name}" for api, name, *_ in CAPTURED]


_PREFIX = re.compile(r"\([0-9a-f-]{36}\) ")
_LAMBDA_ID = re.compile(r"(?<=Lambda request id: )[0-9a-f-]{36}$")


def _template(captured_line: str) -> str:
    """A captured log line as the table stores it: no prefix, Lambda id as a slot."""
    line = _PREFIX.sub("", captured_line, count=1)
    assert line != captured_line, captured_line
    return _LAMBDA_ID.sub("{lambda_request_id}", line)


@pytest.mark.parametrize(
    ("api", "name", "status", "body", "length", "error_type", "latency"),
    CAPTURED,
    ids=CAPTURED_IDS,
)
def test_row_matches_capture(api, name, status, body, length, error_type, latency):
    row = get_scenario(name, api=api)
    assert row.name == name
    assert row.api is Api(api)
    assert row.status == status
    assert row.body == body
    assert len(row.body) == length
    assert row.error_type == error_type
    assert row.latency == latency
    assert row.content_type == "application/json"
    assert row.evidence is Evidence.CAPTURED
    assert "T" in row.sources  # the transcript of the captures
    assert row.cause


def test_body_spacing_differs_between_apis():
    rest = get_scenario("function_error", api="rest").body
    http = get_scenario("function_error", api="http").body
    assert rest == b'{"message": "Internal server error"}'
    assert b'": "' in rest
    assert http == b'{"message":"Internal Server Error"}'
    assert b'":"' in http
    assert b'": "' not in http


@pytest.mark.parametrize("name", NAMES)
def test_rest_log_templates_match_capture(name):
    row = get_scenario(name, api="rest")
    assert row.log == tuple(_template(line) for line in CAPTURED_LOGS[name])


@pytest.mark.parametrize("name", NAMES)
def test_http_rows_have_no_execution_log(name):
    assert get_scenario(name, api="http").log == ()


def test_lambda_id_slot_only_where_captured():
    with_slot = {
        name for (name, api), row in SCENARIOS.items()
        if any("{lambda_request_id}" in line for line in row.log)
    }
    assert with_slot == {
        "lambda_throttled", "function_error", "function_timeout", "lambda_response_too_large"
    }


def test_table_starts_with_the_ten_captured_rows_in_order():
    assert list(SCENARIOS)[:10] == [(name, Api(api)) for api, name, *_ in CAPTURED]


@pytest.mark.parametrize(
    ("key", "row_id"),
    [((name, Api(api)), f"{api}-{name}") for api, name, *_ in CAPTURED],
    ids=CAPTURED_IDS,
)
def test_row_id_and_key(key, row_id):
    row = SCENARIOS[key]
    assert row.id == row_id
    assert (row.name, row.api) == key


def test_table_is_a_read_only_mapping():
    assert isinstance(SCENARIOS, MappingProxyType)
    key = ("function_error", Api.REST)
    with pytest.raises(TypeError):
        SCENARIOS[key] = SCENARIOS[key]  # type: ignore[index]
    with pytest.raises(TypeError):
        del SCENARIOS[key]  # type: ignore[attr-defined]
    assert SCENARIOS[key].status == 502


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", 200), ("body", b"{}"), ("latency", 0.0), ("log", ()), ("name", "other")],
)
def test_rows_are_frozen(field, value):
    row = get_scenario("integration_timeout", api="rest")
    assert dataclasses.is_dataclass(row)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(row, field, value)
    assert get_scenario("integration_timeout", api="rest").status == 504
    assert get_scenario("integration_timeout", api="rest").latency == 29.0


def test_enums_print_as_their_values():
    assert str(Api.REST) == "rest"
    assert str(Api.HTTP) == "http"
    assert str(Evidence.CAPTURED) == "captured"


@pytest.mark.parametrize("api", [Api.REST, "rest"], ids=["enum", "str"])
def test_get_scenario_takes_api_as_enum_or_str(api):
    row = get_scenario("lambda_throttled", api=api)
    assert (row.api, row.status) == (Api.REST, 500)


def test_get_scenario_unknown_name_suggests_closest_and_lists_all():
    with pytest.raises(ApigwFaultError) as excinfo:
        get_scenario("function_eror", api="rest")
    message = str(excinfo.value)
    assert "'function_eror'" in message
    assert "did you mean 'function_error'?" in message
    for name in NAMES:
        assert repr(name) in message
    assert isinstance(excinfo.value, ValueError)


def test_get_scenario_unknown_name_without_close_match():
    with pytest.raises(ApigwFaultError) as excinfo:
        get_scenario("xyzzy", api="http")
    message = str(excinfo.value)
    assert "did you mean" not in message
    assert all(repr(name) in message for name in NAMES)
    # Without a suggestion the sentence must still end before the list.
    assert message.startswith("unknown scenario 'xyzzy' for api='http'. Valid names: ")


@pytest.mark.parametrize("api", ["websocket", "REST", "", 1], ids=repr)
def test_get_scenario_unknown_api_lists_valid_apis(api):
    with pytest.raises(ApigwFaultError) as excinfo:
        get_scenario("function_error", api=api)
    message = str(excinfo.value)
    assert f"unknown api {api!r}" in message
    assert "'rest', 'http'" in message


def test_get_scenario_rejects_non_str_name():
    with pytest.raises(ApigwFaultError, match="must be a str"):
        get_scenario(42, api="rest")  # type: ignore[arg-type]


def _param_ids(params):
    return [p.id for p in params]


def test_scenarios_without_arguments_is_every_row():
    params = scenarios()
    assert _param_ids(params) == [row.id for row in SCENARIOS.values()]
    assert _param_ids(params)[:10] == CAPTURED_IDS
    for param, row in zip(params, SCENARIOS.values(), strict=True):
        assert param.values == (row,)
        assert isinstance(row, Scenario)
        assert param.marks == ()


def _ids_of(api):
    return [row.id for row in SCENARIOS.values() if row.api is api]


@pytest.mark.parametrize(
    ("names", "api", "expected_ids"),
    [
        ((), "rest", _ids_of(Api.REST)),
        ((), Api.HTTP, _ids_of(Api.HTTP)),
        (("function_error",), None, ["rest-function_error", "http-function_error"]),
        (("function_error", "integration_timeout"), "http",
         ["http-integration_timeout", "http-function_error"]),
        (("lambda_throttled", "lambda_throttled"), "rest", ["rest-lambda_throttled"]),
    ],
    ids=["rest", "http-enum", "one-name-both-apis", "two-names-table-order", "duplicate"],
)
def test_scenarios_selects_rows(names, api, expected_ids):
    if not names:
        assert expected_ids[:5] == CAPTURED_IDS[:5] or expected_ids[:5] == CAPTURED_IDS[5:]
    params = scenarios(*names, api=api)
    assert _param_ids(params) == expected_ids
    assert [p.values[0].id for p in params] == expected_ids


def test_scenarios_unknown_name():
    with pytest.raises(ApigwFaultError) as excinfo:
        scenarios("lambda_throttle", api="rest")
    message = str(excinfo.value)
    assert "did you mean 'lambda_throttled'?" in message
    assert all(repr(name) in message for name in NAMES)


def test_scenarios_unknown_api():
    with pytest.raises(ApigwFaultError, match=r"unknown api 'graphql'.*'rest', 'http'"):
        scenarios(api="graphql")


@pytest.mark.parametrize("scenario", scenarios(api="http"))
def test_scenarios_feed_parametrize(scenario, request):
    assert request.node.callspec.id == scenario.id
    assert scenario.api is Api.HTTP
    assert 400 <= scenario.status <= 599
