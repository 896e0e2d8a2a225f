"""Faults through the real clients: requests (responses), httpx sync and async (respx)."""

from __future__ import annotations

import asyncio
import calendar
import itertools
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
import requests
import responses
import respx
import urllib3
from captured import FORMS, HEADER_NAMES, WIRE_ROW_IDS, WIRE_ROWS
from requests.adapters import HTTPAdapter
from support import get_with
from urllib3.util.retry import Retry

from pytest_apigw_faults import Fault


def _targets():
    return (
        requests.Session.get_adapter,
        httpx.HTTPTransport.handle_request,
        httpx.AsyncHTTPTransport.handle_async_request,
    )


# The patch targets as they are before any fault starts.
ORIGINALS = _targets()

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/items"
# the captured rows (captured.py, which needs no client: test_aiohttp reads them too)
ROWS, ROW_IDS, NAMES = WIRE_ROWS, WIRE_ROW_IDS, HEADER_NAMES


@pytest.fixture(autouse=True)
def _no_network_and_no_leftover_patches(monkeypatch, request):
    # For a marked test the plugin's autouse fixture has injected its fault
    # already, and `apigw_fault` stops faults after this teardown: the setup
    # check of the next test covers those.
    if request.node.get_closest_marker("apigw_fault") is None:
        assert _originals_back(), "a fault of an earlier test is still patching"
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("test_wire: the network is off limits")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield
    assert attempts == [], "a request reached for the network"
    if "apigw_fault" not in request.fixturenames:
        assert _originals_back(), "a fault outlived its test"


def _originals_back():
    return all(now is then for now, then in zip(_targets(), ORIGINALS, strict=True))


def _none_original():
    return not any(now is then for now, then in zip(_targets(), ORIGINALS, strict=True))


def _headers(response):
    if isinstance(response, httpx.Response):
        return [(k.decode(), v.decode()) for k, v in response.headers.raw]
    return list(response.headers.items())


def _check(response, row, call):
    api, _name, status, body, length, latency, _logs = row
    headers = _headers(response)
    assert response.status_code == status
    assert response.content == body
    assert [k for k, _ in headers] == NAMES[api]
    values = dict(headers)
    assert values["content-type"] == "application/json"
    assert values["content-length"] == length
    if api == "rest":
        assert values["x-amzn-errortype"] == "InternalServerErrorException"
        assert values["x-cache"] == "Error from cloudfront"
        assert values["x-amzn-requestid"] == call.request_id
    else:
        assert values["apigw-requestid"] == call.request_id
    for key, value in headers:
        if key in FORMS:
            assert re.fullmatch(FORMS[key], value), (key, value)
    assert headers == list(call.exchange.response.headers)
    assert response.elapsed == timedelta(seconds=latency)
    assert call.response is response
    assert (call.timed_out, call.exception) == (False, None)


_get = get_with


async def _aget(url, **kwargs):
    kwargs.setdefault("timeout", None)
    async with httpx.AsyncClient() as http:
        return await http.get(url, **kwargs)


CLIENTS = ["requests", "httpx", "httpx-async"]


# -- every row, every client ---------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS[:2])
@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_row_through_sync_client(row, client):
    with Fault(row[1], api=row[0], seed=1) as fault:
        first = _get(client, URL)
        second = _get(client, URL + "?again=1")
    assert [c.client for c in fault.calls] == [client, client]
    _check(first, row, fault.calls[0])
    _check(second, row, fault.calls[1])
    assert fault.calls[0].request_id != fault.calls[1].request_id
    assert len(fault.logs) == 2 * row[6]
    assert str(fault.calls[1].request.url) == URL + "?again=1"


@pytest.mark.asyncio
@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
async def test_row_through_async_httpx(row):
    async with Fault(row[1], api=row[0], seed=2) as fault:
        response = await _aget(URL)
    assert len(fault.calls) == 1
    _check(response, row, fault.calls[0])
    assert len(fault.calls[0].logs) == row[6]


def test_rest_timeout_trace_epoch_and_date_are_29_s_apart():
    before = time.time()
    with Fault("integration_timeout", api="rest") as fault:
        response = requests.get(URL)
    epoch = int(response.headers["x-amzn-trace-id"].split("-")[1], 16)
    assert int(before) <= epoch <= time.time()
    date = time.strptime(response.headers["date"], "%a, %d %b %Y %H:%M:%S GMT")
    assert calendar.timegm(date) - epoch == 29
    assert fault.calls[0].logs[0].startswith(f"({response.headers['x-amzn-requestid']}) ")


@pytest.mark.asyncio
async def test_no_real_waiting_for_the_whole_row_set():
    # 183.7 s of gateway time; a single real wait would take at least 29 s.
    started = time.perf_counter()
    elapsed = timedelta(0)
    session = requests.Session()
    async with httpx.AsyncClient(timeout=None) as async_client:
        with httpx.Client(timeout=None) as client:
            for api, name, status, *_ in ROWS:
                with Fault(name, api=api) as fault:
                    got = [session.get(URL), client.get(URL), await async_client.get(URL)]
                assert [r.status_code for r in got] == [status] * 3
                assert len(fault.calls) == 3
                elapsed += sum((r.elapsed for r in got), timedelta(0))
    assert elapsed == 3 * sum((timedelta(seconds=row[5]) for row in ROWS), timedelta(0))
    assert time.perf_counter() - started < 2.0


# -- read timeouts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "name", "timeout", "waited"),
    [
        ("rest", "integration_timeout", 5, 5.0),
        ("rest", "integration_timeout", (3.05, 28.9), 28.9),
        ("rest", "integration_timeout", urllib3.Timeout(connect=1, read=2), 2.0),
        ("http", "integration_timeout", 29.5, 29.5),
        ("rest", "function_error", 0.2, 0.2),
    ],
    ids=["rest-int", "rest-tuple", "rest-urllib3", "http-float", "rest-short-row"],
)
def test_requests_read_timeout(api, name, timeout, waited):
    with Fault(name, api=api) as fault, pytest.raises(requests.exceptions.ReadTimeout) as excinfo:
        requests.get(URL, timeout=timeout)
    (call,) = fault.calls
    assert call.exception is excinfo.value
    assert (call.timed_out, call.response, call.elapsed) == (True, None, waited)
    assert not isinstance(excinfo.value, requests.exceptions.ConnectionError)


@pytest.mark.parametrize(("api", "timeout", "status"), [("rest", 29.5, 504), ("http", 31, 503)])
def test_requests_read_timeout_longer_than_latency_sees_the_answer(api, timeout, status):
    with Fault("integration_timeout", api=api) as fault:
        response = requests.get(URL, timeout=timeout)
    assert response.status_code == status
    assert fault.calls[0].timed_out is False


@pytest.mark.parametrize("api", ["rest", "http"])
def test_httpx_default_timeout_never_sees_the_timeout_answer(api):
    with Fault("integration_timeout", api=api) as fault:
        with httpx.Client() as client, pytest.raises(httpx.ReadTimeout) as excinfo:
            client.get(URL)
        with pytest.raises(httpx.ReadTimeout) as excinfo_top:
            httpx.get(URL)
    assert [c.exception for c in fault.calls] == [excinfo.value, excinfo_top.value]
    assert all(c.timed_out and c.response is None for c in fault.calls)
    assert [c.elapsed for c in fault.calls] == [5.0, 5.0]
    with Fault("function_error", api=api) as short, httpx.Client() as client:
        assert client.get(URL).status_code in {500, 502}  # well within 5 s
    assert short.calls[0].timed_out is False


@pytest.mark.asyncio
async def test_async_httpx_read_timeout():
    async with Fault("integration_timeout", api="http") as fault:
        async with httpx.AsyncClient(timeout=httpx.Timeout(60, read=10)) as client:
            with pytest.raises(httpx.ReadTimeout) as excinfo:
                await client.get(URL)
    (call,) = fault.calls
    assert (call.exception, call.timed_out, call.elapsed) == (excinfo.value, True, 10.0)


# -- retries (urllib3 Retry through requests) --------------------------------------------


@pytest.mark.parametrize(
    ("api", "name", "status"),
    [("rest", "integration_timeout", 504), ("http", "lambda_throttled", 503),
     ("rest", "permission_denied", 500), ("rest", "function_error", 502)],
)
def test_status_retries_make_four_calls_then_retry_error(api, name, status):
    session = requests.Session()
    retry = Retry(total=3, status_forcelist=[500, 502, 503, 504])
    session.mount("https://", HTTPAdapter(max_retries=retry))
    with Fault(name, api=api) as fault, pytest.raises(requests.exceptions.RetryError):
        session.get(URL)
    assert len(fault.calls) == 4
    assert [c.response.status_code for c in fault.calls] == [status] * 4
    assert len({c.request_id for c in fault.calls}) == 4
    if name == "integration_timeout":  # each attempt arrives when the last one timed out
        trace_ids = [c.response.headers["x-amzn-trace-id"] for c in fault.calls]
        epochs = [int(trace.split("-")[1], 16) for trace in trace_ids]
        arrivals = [c.exchange.arrived_at for c in fault.calls]
        assert epochs == [int(arrival) for arrival in arrivals]
        gaps = [b - a for a, b in itertools.pairwise(arrivals)]
        assert gaps == pytest.approx([29, 29, 29], abs=0.5)  # plus real microseconds


def test_read_timeout_retries_make_three_calls_then_connection_error():
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=2)))
    with Fault("integration_timeout", api="rest") as fault:
        with pytest.raises(requests.exceptions.ConnectionError) as excinfo:
            session.get(URL, timeout=1)
    assert len(fault.calls) == 3
    assert all(c.timed_out and c.response is None for c in fault.calls)
    assert fault.calls[-1].exception is excinfo.value
    assert not isinstance(excinfo.value, requests.exceptions.ReadTimeout)


# -- times=N and pass-through to the user's own mocks -----------------------------------


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
@pytest.mark.parametrize("user_first", [True, False], ids=["user-mock-first", "fault-first"])
def test_times_with_requests(user_first):
    rsps = responses.RequestsMock(assert_all_requests_are_fired=True)
    rsps.get(URL, body=b"ok", status=200)
    fault = Fault("function_error", api="rest", times=2)
    first, second = (rsps, fault) if user_first else (fault, rsps)
    with first, second:
        got = [requests.get(URL) for _ in range(3)]
        user_calls = len(rsps.calls)
    assert [(r.status_code, r.content) for r in got] == [
        (502, b'{"message": "Internal server error"}')] * 2 + [(200, b"ok")]
    assert (len(fault.calls), user_calls) == (2, 1)


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
@pytest.mark.parametrize("user_first", [True, False], ids=["user-mock-first", "fault-first"])
def test_times_with_httpx(user_first):
    router = respx.mock(assert_all_called=True)
    route = router.get(URL).respond(200, content=b"ok")
    fault = Fault("lambda_throttled", api="http", times=1)
    first, second = (router, fault) if user_first else (fault, router)
    with first, second, httpx.Client() as client:
        got = [client.get(URL) for _ in range(3)]
        user_calls = route.call_count
    assert [r.status_code for r in got] == [503, 200, 200]
    assert got[0].content == b'{"message":"Service Unavailable"}'
    assert (len(fault.calls), user_calls) == (1, 2)


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
@pytest.mark.asyncio
async def test_times_with_async_httpx():
    with respx.mock(assert_all_called=True) as router:
        route = router.get(URL).respond(200, content=b"ok")
        async with Fault("permission_denied", api="rest", times=3) as fault:
            got = [await _aget(URL) for _ in range(4)]
        user_calls = route.call_count
    assert [r.status_code for r in got] == [500, 500, 500, 200]
    assert (len(fault.calls), user_calls) == (3, 1)


OTHER_URLS = [
    "https://example.com/",
    "https://execute-api.example.com/",
    "http://abc123def4.execute-api.us-east-1.amazonaws.com/prod",  # execute-api is https only
    "https://abc123def4.execute-api.us-east-1.amazonaws.com.example.com/prod",
]


@pytest.mark.parametrize("url", OTHER_URLS)
def test_other_hosts_are_not_faulted(url):
    with responses.RequestsMock() as rsps, respx.mock() as router:
        rsps.get(url, body=b"user")
        router.get(url).respond(200, content=b"user")
        with Fault("function_error", api="rest") as fault:
            got = [_get(client, url) for client in CLIENTS]
    assert [(r.status_code, r.content) for r in got] == [(200, b"user")] * 3
    assert fault.calls == []


EXECUTE_API_HOSTS = [
    "abc123def4.execute-api.us-east-1.amazonaws.com",
    "abc123def4.execute-api.cn-north-1.amazonaws.com.cn",
    "abc123def4-vpce-0123456789abcdef0.execute-api.us-west-2.amazonaws.com",
    "vpce-0123456789abcdef0-abcdefgh.execute-api.us-west-2.vpce.amazonaws.com",
]


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("host", EXECUTE_API_HOSTS)
def test_execute_api_host_forms_are_faulted(host, client):
    url = f"https://{host}/prod/items"
    with Fault("malformed_response", api="http") as fault:
        response = _get(client, url)
    assert response.status_code == 500
    assert response.content == b'{"message":"Internal Server Error"}'
    assert [str(c.request.url) for c in fault.calls] == [url]


@pytest.mark.parametrize(
    ("url", "hit", "miss"),
    [
        ("https://api.example.com/v1/",
         "https://api.example.com/v1/items", "https://api.example.com/v2/items"),
        (re.compile(r"https://api\.example\.com/v\d+/"),
         "https://api.example.com/v3/items", "https://www.example.com/v1/items"),
    ],
    ids=["prefix", "regex"],
)
@pytest.mark.usefixtures("strict_off")  # the user's mock answers another URL
@pytest.mark.parametrize("client", CLIENTS)
def test_custom_domain_url(client, url, hit, miss):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, respx.mock(
        assert_all_called=False
    ) as router:
        for user_url in (miss, URL):
            rsps.get(user_url, body=b"user")
            router.get(user_url).respond(200, content=b"user")
        with Fault("function_error", api="rest", url=url) as fault:
            faulted = _get(client, hit)
            passed = [_get(client, miss), _get(client, URL)]
    assert (faulted.status_code, faulted.content) == (502, b'{"message": "Internal server error"}')
    assert [(r.status_code, r.content) for r in passed] == [(200, b"user")] * 2
    assert [str(c.request.url) for c in fault.calls] == [hit]


# -- concurrency -------------------------------------------------------------------------


def _check_every_response(fault, got, row, count):
    assert len(got) == len(fault.calls) == count
    call_of = {id(call.response): call for call in fault.calls}
    for response in got:
        _check(response, row, call_of[id(response)])  # its own call, its own id
    assert len({call.request_id for call in fault.calls}) == count


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_threads(client):
    def worker(shared):
        session = shared or requests.Session()  # a requests Session per thread
        return [session.get(URL) for _ in range(25)]

    with httpx.Client(timeout=None) as shared_httpx, Fault(
        "lambda_throttled", api="rest", seed=3
    ) as fault, ThreadPoolExecutor(max_workers=8) as pool:
        shared = shared_httpx if client == "httpx" else None
        futures = [pool.submit(worker, shared) for _ in range(8)]
        got = [r for f in futures for r in f.result()]
    kind = httpx.Response if client == "httpx" else requests.Response
    assert all(isinstance(r, kind) for r in got)
    _check_every_response(fault, got, ROWS[3], 200)
    assert len(fault.logs) == 600


@pytest.mark.asyncio
@pytest.mark.parametrize("row", [ROWS[4], ROWS[9]], ids=[ROW_IDS[4], ROW_IDS[9]])
async def test_asyncio_gather(row):
    async with Fault(row[1], api=row[0], seed=4) as fault:
        async with httpx.AsyncClient(timeout=None) as client:
            got = await asyncio.gather(*(client.get(URL, params={"i": i}) for i in range(100)))
    _check_every_response(fault, got, row, 100)


# -- patches come off ----------------------------------------------------------------------


def _fail_inside(fault, error):
    with fault:
        assert _none_original()
        raise error


def test_patches_off_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        _fail_inside(Fault("function_error", api="http"), ZeroDivisionError())
    assert _originals_back()
    with responses.RequestsMock() as rsps:
        rsps.get(URL, body=b"user")
        assert requests.get(URL).content == b"user"


@pytest.mark.asyncio
async def test_patches_off_after_async_with_and_exception():
    async def fail_inside(fault):
        async with fault:
            assert _none_original()
            raise KeyError("boom")

    with pytest.raises(KeyError):
        await fail_inside(Fault("function_error", api="rest"))
    assert _originals_back()


def test_two_faults_stopped_in_reverse_order():
    with Fault("function_error", api="rest") as outer:
        with Fault("lambda_throttled", api="http") as inner:
            assert requests.get(URL).status_code == 503
        assert _none_original()
        assert requests.get(URL).status_code == 502
    assert _originals_back()
    assert (len(outer.calls), len(inner.calls)) == (1, 1)


def test_two_faults_stopped_in_start_order():
    first = Fault("function_error", api="rest").start()
    second = Fault("lambda_throttled", api="http").start()
    try:
        first.stop()
        assert _none_original()
        assert _get("httpx", URL).status_code == 503
        second.stop()
        assert _originals_back()
    finally:
        first.stop()
        second.stop()
    assert (len(first.calls), len(second.calls)) == (0, 1)


# -- the fixture and the marker --------------------------------------------------------


def test_fixture_inject_through_requests(apigw_fault):
    fault = apigw_fault.inject("lambda_throttled", api="rest")
    response = requests.get(URL)
    apigw_fault.assert_response(response)
    _check(response, ROWS[3], fault.calls[0])
    assert apigw_fault.calls == fault.calls
    assert apigw_fault.logs[1] == (
        f"({response.headers['x-amzn-requestid']}) Execution failed due to configuration"
        " error: Rate Exceeded."
    )


@pytest.mark.apigw_fault("integration_timeout", api="http")
def test_marker_through_httpx(apigw_fault):
    response = _get("httpx", URL)
    apigw_fault.assert_response(response)
    _check(response, ROWS[5], apigw_fault.calls[0])
    assert apigw_fault.logs == []


@pytest.mark.usefixtures("strict_off")  # the user's mock answers another URL
def test_fixture_assert_response_rejects_a_user_mock_answer(apigw_fault):
    apigw_fault.inject("function_error", api="rest", url="https://api.example.com/")
    with responses.RequestsMock() as rsps:
        rsps.get(URL, body=b'{"message": "Internal server error"}', status=502)
        response = requests.get(URL)
    with pytest.raises(AssertionError, match="header names"):
        apigw_fault.assert_response(response)
