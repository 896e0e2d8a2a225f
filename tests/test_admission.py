"""Admission: a body over API Gateway's 10 MB or an event over Lambda's 6 MB is
refused before the integration, by the gateway model, for every client.

An 11 MB and a 7 MB POST go through requests, httpx (sync and async), aiohttp
and the loopback server; each gets the row's exact bytes and headers, the
refusal is a call of the fault (``url=``, ``times=`` and ``sequence=``
apply to it as to any answer) and the Lambda handler never runs. The bodies
are made once for the module.
"""

from __future__ import annotations

import asyncio
import http.client
import io
from typing import Any

import pytest
from support import refuse_network

from pytest_apigw_faults import SCENARIOS, Api, Endpoint, Fault, Scenario
from pytest_apigw_faults._gateway.admission import declared_size, invokes_lambda, refusal
from pytest_apigw_faults._gateway.limits import LAMBDA_PAYLOAD_BYTES, PAYLOAD_BYTES
from pytest_apigw_faults._gateway.wire import Incoming, header_names

HOST = "abc123def4.execute-api.us-east-1.amazonaws.com"
BASE = f"https://{HOST}"
PATH = "/prod/orders"
URL = BASE + PATH
MB = 1024 * 1024
ELEVEN = b"e" * (11 * MB)  # over API Gateway's 10485760 bytes
SEVEN = b"s" * (7 * MB)  # under it, over Lambda's 6291556
CLIENTS = ["requests", "httpx", "httpx-async", "aiohttp", "server"]


def row(name: str, api: str) -> Scenario:
    return SCENARIOS[(name, Api(api))]


class Recorder:
    """A handler that keeps every event it is invoked with."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def __call__(self, event: Any, context: Any) -> object:
        self.events.append(event)
        return {"statusCode": 200, "body": "ran"}


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    if "server" not in request.node.name:  # the loopback server needs 127.0.0.1
        refuse_network(monkeypatch, "test_admission")


# -- one POST through each client --------------------------------------------------------


def _aiohttp_post(url: str, **kwargs: Any) -> Any:
    aiohttp = pytest.importorskip("aiohttp")
    pytest.importorskip("aioresponses")

    async def go() -> Any:
        async with aiohttp.ClientSession() as session:
            async with session.post(url, **kwargs) as response:
                await response.read()
                return response

    return asyncio.run(go())


def post(
    client: str, apigw_fault: Any, body: bytes, url: str = URL
) -> tuple[int, list[str], bytes]:
    """POST ``body`` with ``client``: status, header names in wire order, body.
    A patched client's answer is also checked with ``assert_response``."""
    if client == "server":
        server = apigw_fault.server
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            conn.request("POST", url.removeprefix(BASE), body=body, headers={"Host": HOST})
            answer = conn.getresponse()
            return answer.status, [k.lower() for k, _ in answer.getheaders()], answer.read()
        finally:
            conn.close()
    if client == "requests":
        requests = pytest.importorskip("requests")
        pytest.importorskip("responses")
        response = requests.post(url, data=body, timeout=30)
        names = [k.lower() for k in response.raw.headers]
    elif client == "aiohttp":
        response = _aiohttp_post(url, data=body)
        names = [k.decode().lower() for k, _ in response.raw_headers]
    else:
        httpx = pytest.importorskip("httpx")
        pytest.importorskip("respx")
        if client == "httpx":
            response = httpx.post(url, content=body, timeout=30)
        else:

            async def go() -> Any:
                async with httpx.AsyncClient(timeout=30) as session:
                    return await session.post(url, content=body)

            response = asyncio.run(go())
        names = [k.decode().lower() for k, _ in response.headers.raw]
    apigw_fault.assert_response(response)
    status = getattr(response, "status_code", None) or response.status
    content = response._body if client == "aiohttp" else response.content
    return status, names, bytes(content)


REFUSALS = [
    pytest.param("rest", "edge", ELEVEN, "request_too_large", id="rest-edge-11MB"),
    pytest.param("rest", "edge", SEVEN, "lambda_request_too_large", id="rest-edge-7MB"),
    pytest.param("rest", "regional", ELEVEN, "payload_too_large", id="rest-regional-11MB"),
    pytest.param("rest", "private", SEVEN, "lambda_request_too_large", id="rest-private-7MB"),
    pytest.param("http", None, ELEVEN, "payload_too_large", id="http-11MB"),
    pytest.param("http", None, SEVEN, "lambda_request_too_large", id="http-7MB"),
]


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("api", "endpoint", "body", "name"), REFUSALS)
def test_a_large_post_is_refused_before_the_handler(client, api, endpoint, body, name, apigw_fault):
    handler = Recorder()
    fault = apigw_fault.inject(handler=handler, api=api, endpoint=endpoint)
    expected = row(name, api)
    status, names, content = post(client, apigw_fault, body)
    assert (status, content) == (expected.status, expected.body)
    wire_names = list(header_names(expected, fault.endpoint))
    # over HTTP/1.1 the server adds Connection after Content-Length (REST), or
    # Connection: close when it closes after the answer
    assert [name for name in names if name != "connection"] == wire_names
    assert client == "server" or "connection" not in names
    assert handler.events == []  # Lambda never ran
    (call,) = apigw_fault.calls
    assert call.scenario is expected
    assert call.client == ("server" if client == "server" else client.split("-")[0])
    assert call.event is None
    assert call.lambda_request_id is None
    assert call.exchange.response.body == expected.body


@pytest.mark.parametrize("client", CLIENTS)
def test_a_plain_fault_is_refused_alike(client, apigw_fault):
    apigw_fault.inject("function_error", api="rest")
    status, _, content = post(client, apigw_fault, SEVEN)
    assert (status, content) == (413, row("lambda_request_too_large", "rest").body)
    assert [c.scenario.name for c in apigw_fault.calls] == ["lambda_request_too_large"]


@pytest.mark.parametrize("client", CLIENTS)
def test_a_failure_before_the_lambda_is_not_refused_for_its_6_mb(client, apigw_fault):
    # routing, keys and throttling come before the Lambda: its limit never applies
    apigw_fault.inject("api_throttled", api="rest", endpoint="regional")
    status, _, _ = post(client, apigw_fault, SEVEN)
    assert status == 429
    status, _, content = post(client, apigw_fault, ELEVEN)
    assert (status, content) == (413, row("payload_too_large", "rest").body)
    assert [c.scenario.name for c in apigw_fault.calls] == ["api_throttled", "payload_too_large"]


# -- url=, times= and sequence= apply to a refusal ---------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
def test_the_fault_that_takes_the_url_refuses_it(client, apigw_fault):
    rest = apigw_fault.inject("function_error", api="rest", endpoint="regional", url=URL)
    other = apigw_fault.inject("function_error", api="http", url=f"{BASE}/dev/")
    status, _, content = post(client, apigw_fault, ELEVEN)
    assert (status, content) == (413, row("payload_too_large", "rest").body)
    assert [c.scenario.id for c in rest.calls] == ["rest-payload_too_large"]
    assert other.calls == []
    post(client, apigw_fault, ELEVEN, url=f"{BASE}/dev/orders")
    assert [c.scenario.id for c in other.calls] == ["http-payload_too_large"]


@pytest.mark.parametrize("client", CLIENTS)
def test_a_refusal_uses_one_of_the_faults_times(client, apigw_fault):
    below = apigw_fault.inject("api_configuration_error", api="rest")
    once = apigw_fault.inject("function_error", api="rest", times=1)
    assert post(client, apigw_fault, SEVEN)[0] == 413  # the newest fault, refused
    assert post(client, apigw_fault, SEVEN)[0] == 500  # its one call is used up
    assert [c.scenario.name for c in once.calls] == ["lambda_request_too_large"]
    assert [c.scenario.name for c in below.calls] == ["api_configuration_error"]


def test_the_server_refuses_only_for_the_fault_that_takes_the_url(apigw_fault):
    # before, the server answered a large body from the newest fault, whatever its url=
    fault = apigw_fault.inject("function_error", api="rest", url=f"{BASE}/dev/")
    status, _, content = post("server", apigw_fault, ELEVEN)
    assert status == 404
    assert content.startswith(b"pytest-apigw-faults: no fault answers POST")
    assert fault.calls == []


@pytest.mark.parametrize("client", ["requests", "httpx", "aiohttp", "server"])
def test_a_refusal_is_one_call_of_a_sequence(client, apigw_fault):
    handler = Recorder()
    apigw_fault.inject(sequence=["function_error", handler], api="rest", after="repeat")
    assert post(client, apigw_fault, SEVEN)[0] == 413  # refused: the first item's call
    assert post(client, apigw_fault, b"small")[0] == 200  # the handler's turn
    assert post(client, apigw_fault, SEVEN)[0] == 413  # the handler's again, refused
    assert len(handler.events) == 1
    assert [c.scenario and c.scenario.name for c in apigw_fault.calls] == [
        "lambda_request_too_large", None, "lambda_request_too_large"
    ]


# -- the 6 MB is the event's, not the body's ----------------------------------------------------

BINARY = bytes(range(256)) * (5 * MB // 256)  # 5 MB, 6.7 MB once base64-encoded


@pytest.mark.parametrize("client", ["requests", "httpx", "aiohttp"])
def test_a_binary_body_under_6_mb_whose_event_is_over_is_refused(client, apigw_fault):
    handler = Recorder()
    apigw_fault.inject(handler=handler, api="rest", binary_media_types=["application/zip"])
    headers = {"Content-Type": "application/zip"}
    if client == "requests":
        requests = pytest.importorskip("requests")
        status = requests.post(URL, data=BINARY, headers=headers, timeout=30).status_code
    elif client == "httpx":
        httpx = pytest.importorskip("httpx")
        status = httpx.post(URL, content=BINARY, headers=headers, timeout=30).status_code
    else:
        status = _aiohttp_post(URL, data=BINARY, headers=headers).status
    assert status == 413
    assert handler.events == []
    # as text, as many bytes make a smaller event, and the handler runs
    apigw_fault.inject(handler=handler, api="rest")
    assert post(client, apigw_fault, b"t" * len(BINARY))[0] == 200
    assert len(handler.events) == 1


def test_the_event_around_a_body_just_under_6_mb_tips_it_over(apigw_fault):
    requests = pytest.importorskip("requests")
    handler = Recorder()
    apigw_fault.inject(handler=handler, api="http")
    body = b"j" * (LAMBDA_PAYLOAD_BYTES - 100)
    headers = {"Content-Type": "text/plain"}
    assert requests.post(URL, data=body, headers=headers, timeout=30).status_code == 413
    assert requests.post(URL, data=body[:6_000_000], headers=headers, timeout=30).status_code == 200
    assert len(handler.events) == 1
    # a plain fault has no event: the body's size stands for it, a lower bound
    apigw_fault.inject("function_error", api="http")
    assert requests.post(URL, data=body, headers=headers, timeout=30).status_code == 500


# -- plain faults take the size where it is cheap, and read nothing ---------------------------


class _CountedReads(io.BytesIO):
    reads = 0

    def read(self, *args: Any) -> bytes:
        type(self).reads += 1
        return super().read(*args)


def test_a_file_body_is_measured_not_read(apigw_fault):
    requests = pytest.importorskip("requests")
    httpx = pytest.importorskip("httpx")
    apigw_fault.inject("function_error", api="rest")
    upload = _CountedReads(ELEVEN)
    assert requests.post(URL, data=upload, timeout=30).status_code == 413  # Content-Length
    assert _CountedReads.reads == 0
    assert upload.tell() == 0
    assert _aiohttp_post(URL, data=upload).status == 413  # aiohttp's payload size
    assert _CountedReads.reads == 0
    assert httpx.post(URL, content=ELEVEN, timeout=30).status_code == 413


def test_a_stream_of_unknown_length_is_neither_read_nor_refused(apigw_fault):
    requests = pytest.importorskip("requests")
    httpx = pytest.importorskip("httpx")
    pulled: list[int] = []

    def chunks() -> Any:
        for index in range(11):
            pulled.append(index)
            yield b"c" * MB

    async def async_chunks() -> Any:
        for index in range(11):
            pulled.append(index)
            yield b"c" * MB

    apigw_fault.inject("function_error", api="rest")
    assert requests.post(URL, data=chunks(), timeout=30).status_code == 502
    assert httpx.post(URL, content=chunks(), timeout=30).status_code == 502
    assert _aiohttp_post(URL, data=async_chunks()).status == 502
    assert pulled == []
    assert [c.scenario.name for c in apigw_fault.calls] == ["function_error"] * 3


# -- the model ---------------------------------------------------------------------------------


LAMBDA, GATEWAY = LAMBDA_PAYLOAD_BYTES, PAYLOAD_BYTES
REST, HTTP, EDGE, REGIONAL = Api.REST, Api.HTTP, Endpoint.EDGE, Endpoint.REGIONAL


@pytest.mark.parametrize(
    ("api", "endpoint", "size", "invokes", "payload", "expected"),
    [
        (REST, EDGE, GATEWAY, True, None, "lambda_request_too_large"),
        (REST, EDGE, GATEWAY + 1, True, None, "request_too_large"),
        (REST, EDGE, GATEWAY + 1, False, None, "request_too_large"),
        (REST, REGIONAL, GATEWAY + 1, False, None, "payload_too_large"),
        (REST, Endpoint.PRIVATE, GATEWAY + 1, True, None, "payload_too_large"),
        (HTTP, REGIONAL, GATEWAY + 1, True, None, "payload_too_large"),
        (REST, EDGE, LAMBDA, True, None, None),
        (REST, EDGE, LAMBDA + 1, True, None, "lambda_request_too_large"),
        (REST, EDGE, LAMBDA + 1, False, None, None),
        (HTTP, REGIONAL, 1, True, LAMBDA + 1, "lambda_request_too_large"),  # the event's size
        (HTTP, REGIONAL, LAMBDA + 1, True, 10, None),
        (REST, EDGE, None, True, None, None),  # unknown: let in
    ],
)
def test_refusal(api, endpoint, size, invokes, payload, expected):
    refused = refusal(api, endpoint, size, invokes=invokes, payload=payload)
    assert (refused and refused.name) == expected
    if refused is not None:
        assert endpoint in refused.endpoint_types
        assert refused.api is api


def test_the_failures_that_invoke_the_lambda():
    invoking = sorted(r.id for r in SCENARIOS.values() if invokes_lambda(r))
    assert invoking == sorted(
        f"{api}-{name}"
        for api, names in {
            "rest": ["integration_timeout", "malformed_response", "permission_denied",
                     "lambda_throttled", "function_error", "function_timeout",
                     "lambda_response_too_large", "invalid_base64"],
            "http": ["integration_timeout", "malformed_response", "permission_denied",
                     "lambda_throttled", "function_error", "function_timeout",
                     "lambda_response_too_large"],
        }.items()
        for name in names
    )


@pytest.mark.parametrize(
    ("headers", "size"),
    [
        ({}, 0),
        ({"content-length": "12"}, 12),
        ({"Content-Length": " 12 "}, 12),
        ({"Content-Length": "twelve"}, None),
        ({"Transfer-Encoding": "chunked"}, None),
    ],
)
def test_declared_size(headers, size):
    assert declared_size(Incoming("POST", URL, headers)) == size


class _Request:
    """A request object of some client."""


def test_a_fault_object_refuses_without_a_client():
    fault = Fault("malformed_response", api="http", seed=1)
    call = fault.answer("requests", _Request(), read_timeout=None, method="PUT", url=URL,
                        body_size=PAYLOAD_BYTES + 1)
    assert call.scenario is row("payload_too_large", "http")
    assert call.exchange.response.header("apigw-requestid") is not None
    assert fault.calls == [call]
