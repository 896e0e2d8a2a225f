"""Exact messages of the gateway model's response checker and of the
scenario table's own rules, and classification from a partial response
(``make mutation``)."""

from __future__ import annotations

import dataclasses

import pytest

from pytest_apigw_faults import get_scenario
from pytest_apigw_faults._gateway.check import response_problems
from pytest_apigw_faults._gateway.classify import rows_consistent_with
from pytest_apigw_faults._gateway.errors import ApigwFaultError
from pytest_apigw_faults._gateway.records import Incoming, WireResponse
from pytest_apigw_faults._gateway.table import (
    Api,
    Endpoint,
    _build,
    _check_row,
    check_name,
    cited_sources,
    parse_endpoint,
)
from pytest_apigw_faults._gateway.wire import Gateway

T0 = 1_747_708_810.5
TIMEOUT = get_scenario("integration_timeout", api="rest")
URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/pets"


# --- the response checker ---------------------------------------------------


def _sent(name="integration_timeout", api="rest", endpoint=Endpoint.REGIONAL, method="GET"):
    row = get_scenario(name, api=api)
    return row, Gateway(endpoint, seed=1).respond(row, T0, Incoming(method, URL)).response


def test_a_check_of_the_gateways_own_answer_finds_nothing():
    row, sent = _sent()
    assert response_problems(sent, row, Endpoint.REGIONAL) == []
    assert response_problems(sent, row, Endpoint.REGIONAL, sent) == []


def test_each_exact_header_value_is_checked():
    row, sent = _sent()
    changed = {"content-type": "text/plain", "content-length": "1", "x-amzn-errortype": "X"}
    got = dataclasses.replace(
        sent, headers=tuple((n, changed.get(n, v)) for n, v in sent.headers)
    )
    assert response_problems(got, row, Endpoint.REGIONAL) == [
        "header content-type: got 'text/plain', expected 'application/json'",
        "header content-length: got '1', expected '41'",
        "header x-amzn-errortype: got 'X', expected 'InternalServerErrorException'",
    ]


def test_a_head_answer_has_no_body():
    row, sent = _sent(method="HEAD")
    assert sent.body == b""
    assert response_problems(sent, row, Endpoint.REGIONAL, method="HEAD") == []
    # a REST error to HEAD says content-length 0 (second pass C3) [WAF-HEAD]
    assert response_problems(sent, row, Endpoint.REGIONAL) == [
        f"body: got b'', expected {row.body!r}",
        f"header content-length: got '0', expected '{len(row.body)}'",
    ]


def test_the_edge_answer_is_checked_against_the_edge_names():
    row, sent = _sent()
    (problem,) = response_problems(sent, row, Endpoint.EDGE)
    assert problem.startswith(
        "header names: missing ['x-cache', 'via', 'x-amz-cf-pop', 'x-amz-cf-id']\n"
    )


def test_header_names_in_another_order():
    row, sent = _sent()
    got = dataclasses.replace(sent, headers=sent.headers[::-1])
    names = [n for n, _ in sent.headers]
    assert response_problems(got, row, Endpoint.REGIONAL) == [
        "header names: same names, another order\n"
        f"      got      {names[::-1]}\n"
        f"      expected {names}"
    ]


def test_missing_and_unexpected_names():
    row, sent = _sent()
    got = dataclasses.replace(sent, headers=(*sent.headers[1:], ("x-new", "1")))
    names = [n for n, _ in sent.headers]
    assert response_problems(got, row, Endpoint.REGIONAL) == [
        f"header names: missing [{names[0]!r}]; unexpected ['x-new']\n"
        f"      got      {[*names[1:], 'x-new']}\n"
        f"      expected {names}"
    ]


def test_a_value_of_the_wrong_form_and_one_the_fault_did_not_send():
    row, sent = _sent()
    got = dataclasses.replace(
        sent,
        headers=tuple(
            (n, "nope" if n == "x-amzn-requestid" else v) for n, v in sent.headers
        ),
    )
    uuid = sent.header("x-amzn-requestid")
    assert response_problems(got, row, Endpoint.REGIONAL, sent) == [
        "header x-amzn-requestid: 'nope' does not have the captured form"
        " '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'",
        f"header x-amzn-requestid: got 'nope', but the fault sent {uuid!r}",
    ]
    other = Gateway(Endpoint.REGIONAL, seed=2).respond(row, T0).response
    problems = response_problems(other, row, Endpoint.REGIONAL, sent)
    assert problems == [
        f"header {n}: got {v!r}, but the fault sent {sent.header(n)!r}"
        for n, v in other.headers
        if v != sent.header(n)
    ]
    assert problems  # the ids differ between seeds


def test_repeated_headers_are_compared_line_by_line():
    sent = WireResponse(200, (("set-cookie", "a=1"), ("set-cookie", "b=2")), b"")
    swapped = WireResponse(200, (("set-cookie", "b=2"), ("set-cookie", "a=1")), b"")
    assert response_problems(swapped, None, Endpoint.REGIONAL, sent) == [
        "header set-cookie: got 'b=2', but the fault sent 'a=1'",
        "header set-cookie: got 'a=1', but the fault sent 'b=2'",
    ]
    assert response_problems(sent, None, Endpoint.REGIONAL, sent) == []


def test_a_header_the_fault_did_not_send_is_named_once():
    row, sent = _sent()
    got = dataclasses.replace(sent, headers=(*sent.headers, ("x-new", "1")))
    names = [n for n, _ in sent.headers]
    assert response_problems(got, row, Endpoint.REGIONAL, sent) == [
        "header names: unexpected ['x-new']\n"
        f"      got      {[*names, 'x-new']}\n"
        f"      expected {names}"
    ]


def test_a_lambdas_answer_needs_what_was_sent():
    with pytest.raises(ValueError, match=r"^a Lambda's answer is checked against what was sent$"):
        response_problems(WireResponse(200, (), b""), None, Endpoint.REGIONAL)


# --- the table's own rules -------------------------------------------------


def test_the_sources_a_row_cites():
    row = dataclasses.replace(TIMEOUT, sources=("T",), note="see [D-LIMITS] and [x] [AZUL-6284]")
    assert cited_sources(row) == ("T", "D-LIMITS", "AZUL-6284")


def test_a_duplicate_row_is_refused():
    with pytest.raises(ValueError, match=r"^duplicate scenario 'rest-integration_timeout' in"):
        _build([TIMEOUT, TIMEOUT])


def test_a_row_citing_an_unknown_source_is_refused():
    row = dataclasses.replace(TIMEOUT, sources=("T", "NO-SUCH"))
    with pytest.raises(ValueError, match=r"^scenario") as raised:
        _build([row])
    assert str(raised.value) == (
        "scenario 'rest-integration_timeout' cites unknown sources ['NO-SUCH']"
    )


def test_a_row_name_must_be_an_identifier():
    row = dataclasses.replace(TIMEOUT, name="time-out")
    with pytest.raises(ValueError, match=r"^scenario") as raised:
        _build([row])
    assert str(raised.value) == "scenario name 'time-out' is not an identifier"


def test_the_table_keeps_its_rows_in_order():
    other = get_scenario("function_error", api="rest")
    table = _build([TIMEOUT, other])
    assert list(table.items()) == [
        (("integration_timeout", Api.REST), TIMEOUT),
        (("function_error", Api.REST), other),
    ]


def test_the_rules_every_row_keeps():
    http = get_scenario("integration_timeout", api="http")
    bad = dataclasses.replace(
        http,
        body=b"{}",
        response_type="NO_SUCH",
        endpoints=(Endpoint.EDGE,),
        waits_for="never",
    )
    with pytest.raises(ValueError, match=r"^scenario") as raised:
        _check_row(bad)
    assert str(raised.value) == (
        "scenario 'http-integration_timeout': "
        f"body b'{{}}' is not the template's {http.body!r}; "
        "HTTP APIs have no error type, gateway responses or execution log; "
        "unknown gateway response type 'NO_SUCH'; "
        f"endpoints {(Endpoint.EDGE,)} are not all http endpoints; "
        "waits_for='never' is not one of (None, 'integration_timeout', 'function_timeout')"
    )


def test_a_rest_row_may_have_a_response_type_and_all_endpoints():
    every = (Endpoint.EDGE, Endpoint.REGIONAL, Endpoint.PRIVATE)
    _check_row(dataclasses.replace(TIMEOUT, endpoints=every))
    _check_row(get_scenario("access_denied", api="rest"))


def test_a_plain_http_row_passes():
    _check_row(get_scenario("integration_timeout", api="http"))


def test_an_unknown_endpoint_names_the_valid_ones():
    with pytest.raises(ApigwFaultError) as raised:
        parse_endpoint("edgy", Api.HTTP)
    assert str(raised.value) == (
        "unknown endpoint 'edgy'; valid choices for api='http': 'regional'"
    )
    with pytest.raises(ApigwFaultError) as raised:
        parse_endpoint(3, Api.REST)
    assert str(raised.value) == (
        "unknown endpoint 3; valid choices for api='rest': 'edge', 'regional', 'private'"
    )
    with pytest.raises(ApigwFaultError) as raised:
        parse_endpoint("edge", Api.HTTP)
    assert str(raised.value) == (
        "endpoint 'edge' is not available for api='http'; valid choices: 'regional'"
    )


def test_an_unknown_scenario_name_suggests_the_closest():
    with pytest.raises(ApigwFaultError) as raised:
        check_name("function_eror")
    assert str(raised.value).startswith(
        "unknown scenario 'function_eror'; did you mean 'function_error'? Valid names: '"
    )
    with pytest.raises(ApigwFaultError) as raised:
        check_name("qqq", Api.HTTP)
    assert str(raised.value).startswith("unknown scenario 'qqq' for api='http'. Valid names: '")


def test_a_scenario_name_of_another_type():
    with pytest.raises(ApigwFaultError) as raised:
        check_name(3)
    assert str(raised.value).startswith("a scenario name must be a str, got int")


# --- classification from what a response shows ------------------------------


def test_a_response_without_a_content_type_is_still_recognised():
    row = get_scenario("integration_timeout", api="http")
    sent = Gateway(Endpoint.REGIONAL, seed=1).respond(row, T0).response
    without = tuple((n, v) for n, v in sent.headers if n != "content-type")
    found = rows_consistent_with(sent.status, without, sent.body, api="http")
    assert row in found
    other = (*without, ("Content-Type", "text/html"))
    assert row not in rows_consistent_with(sent.status, other, sent.body, api="http")
