"""The pure gateway model against the real captures (seeds 000: REST edge, 001: HTTP API)."""

from __future__ import annotations

import calendar
import re
import uuid

import pytest
from captured import CAPTURED_LOGS, NAMES

from pytest_apigw_faults import Endpoint, get_scenario
from pytest_apigw_faults._gateway.wire import HEADER_FORMATS, Gateway, WireResponse, header_names

REST_HEADER_NAMES = (
    "content-type", "content-length", "date", "x-amzn-trace-id", "x-amzn-requestid",
    "x-amzn-errortype", "x-amz-apigw-id", "x-cache", "via", "x-amz-cf-pop", "x-amz-cf-id",
)
HTTP_HEADER_NAMES = ("date", "content-type", "content-length", "apigw-requestid")

# Every response header of the captures, in wire order, values verbatim.
CAPTURED_REST = {
    "integration_timeout": (
        ("content-type", "application/json"),
        ("content-length", "41"),
        ("date", "Tue, 20 May 2025 02:40:39 GMT"),
        ("x-amzn-trace-id", "Root=1-682beb8a-1c0746795c388c4d0b9cfcf9"),
        ("x-amzn-requestid", "fbcaf9e5-d535-40a1-891c-7b70118cf7e8"),
        ("x-amzn-errortype", "InternalServerErrorException"),
        ("x-amz-apigw-id", "K2G9wEbUoAMEvag="),
        ("x-cache", "Error from cloudfront"),
        ("via", "1.1 12aa3fefbdb5e80269e58f34f94a99e8.cloudfront.net (CloudFront)"),
        ("x-amz-cf-pop", "YTO50-P2"),
        ("x-amz-cf-id", "Q2r0iNCnto2LZHQIKtd5zIqYiNKU9CjucQANBrqkDhC17VJzcecNWw=="),
    ),
    "malformed_response": (
        ("content-type", "application/json"),
        ("content-length", "36"),
        ("date", "Tue, 20 May 2025 02:42:25 GMT"),
        ("x-amzn-trace-id", "Root=1-682bec10-60b89ae21ea8a88a67c53117"),
        ("x-amzn-requestid", "8212e5af-c174-48ce-85d5-729d73c6771a"),
        ("x-amzn-errortype", "InternalServerErrorException"),
        ("x-amz-apigw-id", "K2HSsHMcIAMEQzw="),
        ("x-cache", "Error from cloudfront"),
        ("via", "1.1 6889869bf680fe34cca722f0a05e1106.cloudfront.net (CloudFront)"),
        ("x-amz-cf-pop", "YTO50-P2"),
        ("x-amz-cf-id", "HTt8HRjTg1p5P_QdbBVH1gREJ6qm2i1w5yktV_yN2zKiZgdW-AZy8w=="),
    ),
    "permission_denied": (
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
    ),
    "lambda_throttled": (
        ("content-type", "application/json"),
        ("content-length", "36"),
        ("date", "Tue, 20 May 2025 02:50:13 GMT"),
        ("x-amzn-trace-id", "Root=1-682bede5-49c989cb399a3c820e0be45c"),
        ("x-amzn-requestid", "394365dc-1b10-411f-9668-70521cec1205"),
        ("x-amzn-errortype", "InternalServerErrorException"),
        ("x-amz-apigw-id", "K2Ib_G66IAMEF6g="),
        ("x-cache", "Error from cloudfront"),
        ("via", "1.1 12aa3fefbdb5e80269e58f34f94a99e8.cloudfront.net (CloudFront)"),
        ("x-amz-cf-pop", "YTO50-P2"),
        ("x-amz-cf-id", "spPv7sICXFVuTaxo2sehOW5LUxajdpcE-lsoCD-aF3IWD_QOkUL4lw=="),
    ),
    "function_error": (
        ("content-type", "application/json"),
        ("content-length", "36"),
        ("date", "Tue, 20 May 2025 03:48:59 GMT"),
        ("x-amzn-trace-id", "Root=1-682bfbaa-1f97d8883a493cf26680a75e"),
        ("x-amzn-requestid", "5293df93-f895-46ee-8c21-1471f0d0cef0"),
        ("x-amzn-errortype", "InternalServerErrorException"),
        ("x-amz-apigw-id", "K2RCxGG-oAMEjSQ="),
        ("x-cache", "Error from cloudfront"),
        ("via", "1.1 4ec5f8da969dc981ba2067c9dad5dad8.cloudfront.net (CloudFront)"),
        ("x-amz-cf-pop", "YTO50-P2"),
        ("x-amz-cf-id", "oj2_QJmk-Xh6gTS_4N-0HkdHVmKRoFSPduAQK3EN7Rgq9RqEdKqsgg=="),
    ),
}
CAPTURED_HTTP = {
    "integration_timeout": (
        ("date", "Tue, 20 May 2025 04:44:13 GMT"),
        ("content-type", "application/json"),
        ("content-length", "33"),
        ("apigw-requestid", "K2ZEDjwtIAMEcig="),
    ),
    "malformed_response": (
        ("date", "Tue, 20 May 2025 04:42:48 GMT"),
        ("content-type", "application/json"),
        ("content-length", "35"),
        ("apigw-requestid", "K2Y7ahA7IAMEJkw="),
    ),
    "permission_denied": (
        ("date", "Tue, 20 May 2025 04:47:06 GMT"),
        ("content-type", "application/json"),
        ("content-length", "35"),
        ("apigw-requestid", "K2Zjqj7voAMEbiw="),
    ),
    "lambda_throttled": (
        ("date", "Tue, 20 May 2025 04:45:09 GMT"),
        ("content-type", "application/json"),
        ("content-length", "33"),
        ("apigw-requestid", "K2ZRZgLwoAMEbag="),
    ),
    "function_error": (
        ("date", "Tue, 20 May 2025 04:46:05 GMT"),
        ("content-type", "application/json"),
        ("content-length", "35"),
        ("apigw-requestid", "K2ZaIiV-oAMEbiw="),
    ),
}
CAPTURED_HEADERS = [("rest", n, CAPTURED_REST[n]) for n in NAMES] + [
    ("http", n, CAPTURED_HTTP[n]) for n in NAMES
]
CAPTURED_IDS = [f"{api}-{name}" for api, name, _ in CAPTURED_HEADERS]

CAPTURED_LAMBDA_IDS = {
    "lambda_throttled": "dcb2ab89-2d03-4b77-98cd-18d14fd2b850",
    "function_error": "758a8c2f-35eb-4713-b55e-56879fbc968b",
}

# Values checked as exact per scenario, not through HEADER_FORMATS.
EXACT = {"content-type", "content-length", "x-amzn-errortype"}
T0 = 0x682BEB8A  # the REST timeout capture's trace epoch: 2025-05-20 02:40:10 UTC


def _scenario(api, name):
    return get_scenario(name, api=api)


def _endpoint(api):
    return Endpoint.EDGE if api == "rest" else Endpoint.REGIONAL


def _respond_all(seed, count=3):
    gateway = Gateway(Endpoint.EDGE, seed=seed)
    return [
        gateway.respond(_scenario(api, name), T0 + i)
        for i in range(count)
        for api in ("rest", "http")
        for name in NAMES
    ]


# -- header names and the format table, against real data ---------------------


@pytest.mark.parametrize(("api", "name", "captured"), CAPTURED_HEADERS, ids=CAPTURED_IDS)
def test_header_names_in_captured_order(api, name, captured):
    expected = REST_HEADER_NAMES if api == "rest" else HTTP_HEADER_NAMES
    assert tuple(k for k, _ in captured) == expected  # the literal is the capture
    scenario = _scenario(api, name)
    assert header_names(scenario, _endpoint(api)) == expected
    exchange = Gateway(_endpoint(api), seed=1).respond(scenario, T0)
    assert tuple(k for k, _ in exchange.response.headers) == expected


@pytest.mark.parametrize(("api", "name", "captured"), CAPTURED_HEADERS, ids=CAPTURED_IDS)
def test_captured_values_have_the_model_formats(api, name, captured):
    for header, value in captured:
        if header in EXACT:
            continue
        assert header in HEADER_FORMATS, header
        assert HEADER_FORMATS[header].fullmatch(value), (header, value)


@pytest.mark.parametrize(("api", "name", "captured"), CAPTURED_HEADERS, ids=CAPTURED_IDS)
def test_exact_values_equal_the_capture(api, name, captured):
    scenario = _scenario(api, name)
    response = Gateway(_endpoint(api), seed=2).respond(scenario, T0).response
    got = dict(response.headers)
    for header in EXACT:
        assert got.get(header) == dict(captured).get(header), header
    assert response.status == scenario.status
    assert response.body == scenario.body


@pytest.mark.parametrize(
    ("header", "bad"),
    [
        ("x-amzn-requestid", "FBCAF9E5-D535-40A1-891C-7B70118CF7E8"),
        ("x-amzn-requestid", "fbcaf9e5-d535-40a1-891c-7b70118cf7e"),
        ("x-amz-apigw-id", "K2G9wEbUoAMEvag"),
        ("x-amz-apigw-id", "K2G9wEbUoAMEvah="),
        ("apigw-requestid", "K2ZEDjwtIAMEcig=="),
        ("x-amzn-trace-id", "Root=1-682beb8a-1c0746795c388c4d0b9cfcf"),
        ("x-amz-cf-id", "Q2r0iNCnto2LZHQIKtd5zIqYiNKU9CjucQANBrqkDhC17VJzcecNWw="),
        ("via", "1.1 12AA3FEFBDB5E80269E58F34F94A99E8.cloudfront.net (CloudFront)"),
        ("x-amz-cf-pop", "yto50-p2"),
        ("x-cache", "Hit from cloudfront"),
        ("date", "Tue, 20 May 2025 02:40:39 UTC"),
        ("date", "Tue, 2 May 2025 02:40:39 GMT"),
    ],
)
def test_formats_reject_other_forms(header, bad):
    assert HEADER_FORMATS[header].fullmatch(bad) is None


@pytest.mark.parametrize("seed", [0, 1, "abc", 2**40])
def test_generated_values_have_the_formats(seed):
    for exchange in _respond_all(seed):
        for header, value in exchange.response.headers:
            if header not in EXACT:
                assert HEADER_FORMATS[header].fullmatch(value), (header, value)


def test_cloudfront_values_vary_like_one_client_sees_them():
    gateway = Gateway(Endpoint.EDGE, seed=7)
    scenario = _scenario("rest", "function_error")
    responses = [gateway.respond(scenario, T0).response for _ in range(60)]
    assert len({r.header("x-amz-cf-pop") for r in responses}) == 1
    assert 1 < len({r.header("via") for r in responses}) <= 3
    assert all(r.header("x-cache") == "Error from cloudfront" for r in responses)


# -- ids --------------------------------------------------------------------------


ID_HEADERS = {
    "rest": ("x-amzn-requestid", "x-amzn-trace-id", "x-amz-apigw-id", "x-amz-cf-id"),
    "http": ("apigw-requestid",),
}


@pytest.mark.parametrize("api", ["rest", "http"])
def test_ids_are_fresh_per_request(api):
    gateway = Gateway(_endpoint(api), seed=3)
    scenario = _scenario(api, "lambda_throttled")
    exchanges = [gateway.respond(scenario, T0) for _ in range(50)]
    for header in ID_HEADERS[api]:
        assert len({e.response.header(header) for e in exchanges}) == 50, header
    request_header = ID_HEADERS[api][0]
    assert [e.request_id for e in exchanges] == [
        e.response.header(request_header) for e in exchanges
    ]


def test_ids_are_reproducible_from_the_seed():
    first, again = _respond_all("seed-1"), _respond_all("seed-1")
    assert [e.response for e in first] == [e.response for e in again]
    assert [e.logs for e in first] == [e.logs for e in again]
    assert [e.request_id for e in first] == [e.request_id for e in again]


def test_another_seed_gives_other_ids():
    first, other = _respond_all("seed-1"), _respond_all("seed-2")
    assert {e.request_id for e in first}.isdisjoint(e.request_id for e in other)
    assert [e.response.header("date") for e in first] == [
        e.response.header("date") for e in other
    ]


@pytest.mark.parametrize("seed", [0, 99])
def test_request_ids_are_uuid4(seed):
    gateway = Gateway(Endpoint.EDGE, seed=seed)
    for _ in range(20):
        request_id = gateway.respond(_scenario("rest", "function_error"), T0).request_id
        assert uuid.UUID(request_id).version == 4
        assert str(uuid.UUID(request_id)) == request_id


# -- time: trace epoch and date ---------------------------------------------------


# (api, name, arrived_at, expected trace epoch, expected date): the captured
# trace epochs, with the arrival's fraction of a second chosen so that
# arrival + latency lands on the captured date.
HTTP_TIMEOUT_ARRIVAL = calendar.timegm((2025, 5, 20, 4, 43, 43))
TIMING = [
    ("rest", "integration_timeout", 0x682BEB8A + 0.0, "682beb8a", "Tue, 20 May 2025 02:40:39 GMT"),
    ("rest", "integration_timeout", 0x682BEB8A + 0.9, "682beb8a", "Tue, 20 May 2025 02:40:39 GMT"),
    ("rest", "malformed_response", 0x682BEC10 + 0.6, "682bec10", "Tue, 20 May 2025 02:42:25 GMT"),
    ("rest", "permission_denied", 0x682BED11 + 0.1, "682bed11", "Tue, 20 May 2025 02:46:41 GMT"),
    ("rest", "lambda_throttled", 0x682BEDE5 + 0.2, "682bede5", "Tue, 20 May 2025 02:50:13 GMT"),
    ("rest", "function_error", 0x682BFBAA + 0.7, "682bfbaa", "Tue, 20 May 2025 03:48:59 GMT"),
    ("http", "integration_timeout", HTTP_TIMEOUT_ARRIVAL + 0.5, None,
     "Tue, 20 May 2025 04:44:13 GMT"),
]


@pytest.mark.parametrize(
    ("api", "name", "arrived_at", "epoch", "date"),
    TIMING,
    ids=[f"{t[0]}-{t[1]}-{t[2] % 1:.1f}" for t in TIMING],
)
def test_trace_epoch_is_arrival_and_date_is_departure(api, name, arrived_at, epoch, date):
    exchange = Gateway(_endpoint(api), seed=4).respond(_scenario(api, name), arrived_at)
    response = exchange.response
    assert response.header("date") == date
    if epoch is None:
        assert response.header("x-amzn-trace-id") is None
    else:
        assert response.header("x-amzn-trace-id").startswith(f"Root=1-{epoch}-")
    assert exchange.arrived_at == arrived_at
    assert exchange.latency == _scenario(api, name).latency


def test_rest_timeout_date_is_29_seconds_after_the_trace_epoch():
    captured = dict(CAPTURED_REST["integration_timeout"])
    epoch = int(captured["x-amzn-trace-id"].split("-")[1], 16)
    response = Gateway(Endpoint.EDGE, seed=5).respond(
        _scenario("rest", "integration_timeout"), epoch + 0.25
    ).response
    assert response.header("x-amzn-trace-id").split("-")[1] == "682beb8a"
    assert response.header("date") == captured["date"] == "Tue, 20 May 2025 02:40:39 GMT"


# -- execution log ----------------------------------------------------------------

_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.mark.parametrize("name", NAMES)
def test_rest_log_lines_are_the_captured_ones(name):
    gateway = Gateway(Endpoint.EDGE, seed=6)
    exchange = gateway.respond(_scenario("rest", name), T0)
    captured = CAPTURED_LOGS[name]
    captured_id = captured[0][1:37]
    expected = [
        line.replace(f"({captured_id}) ", f"({exchange.request_id}) ", 1) for line in captured
    ]
    captured_lambda_id = CAPTURED_LAMBDA_IDS.get(name)
    if captured_lambda_id is not None:
        match = re.search(r"Lambda request id: (\S+)$", exchange.logs[0])
        assert match, exchange.logs[0]
        lambda_id = match.group(1)
        assert _UUID4.fullmatch(lambda_id)
        assert lambda_id != exchange.request_id
        expected = [line.replace(captured_lambda_id, lambda_id) for line in expected]
    assert list(exchange.logs) == expected
    assert all(line.startswith(f"({exchange.request_id}) ") for line in exchange.logs)
    assert not any("{" in line for line in exchange.logs)


@pytest.mark.parametrize("name", ["lambda_throttled", "function_error"])
def test_lambda_request_ids_are_fresh(name):
    gateway = Gateway(Endpoint.EDGE, seed=8)
    lambda_ids = []
    request_ids = set()
    for _ in range(30):
        exchange = gateway.respond(_scenario("rest", name), T0)
        lambda_ids.append(exchange.logs[0].rsplit(" ", 1)[1])
        request_ids.add(exchange.request_id)
    assert all(_UUID4.fullmatch(i) for i in lambda_ids)
    assert len(set(lambda_ids)) == 30
    assert request_ids.isdisjoint(lambda_ids)


@pytest.mark.parametrize("name", NAMES)
def test_http_api_writes_no_log(name):
    exchange = Gateway(Endpoint.REGIONAL, seed=9).respond(_scenario("http", name), T0)
    assert exchange.logs == ()
    assert exchange.request_id == exchange.response.header("apigw-requestid")


def test_wire_response_header_lookup_is_case_insensitive():
    response = WireResponse(200, (("content-type", "application/json"),), b"")
    assert response.header("Content-Type") == "application/json"
    assert response.header("x-missing") is None
