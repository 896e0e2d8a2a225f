"""Faults through aiohttp (``ClientSession``), beside aioresponses."""

from __future__ import annotations

import asyncio
import inspect
import re
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from unittest import mock

import pytest

aiohttp = pytest.importorskip("aiohttp")
aioresponses_module = pytest.importorskip("aioresponses")

from captured import FORMS, HEADER_NAMES, WIRE_ROW_IDS, WIRE_ROWS  # noqa: E402 - after the skips

from pytest_apigw_faults import ApigwFaultError, Fault, GatewayServer  # noqa: E402
from pytest_apigw_faults._core import fault as fault_module  # noqa: E402

aioresponses = aioresponses_module.aioresponses
ROWS, ROW_IDS, NAMES = WIRE_ROWS, WIRE_ROW_IDS, HEADER_NAMES  # test_wire's, without its clients
URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/items"
OTHER = "https://example.com/health"
ORIGINAL_REQUEST = aiohttp.ClientSession._request
ORIGINAL_START = aioresponses.start


def _patches_off():
    return (aiohttp.ClientSession._request, aioresponses.start) == (
        ORIGINAL_REQUEST,
        ORIGINAL_START,
    )


@pytest.fixture(autouse=True)
def _loopback_only_and_no_leftover_patches(monkeypatch, request):
    """Nothing leaves the machine: name lookups and connections other than to
    127.0.0.1 fail, and must not be tried."""
    if request.node.get_closest_marker("apigw_fault") is None:  # else: injected already
        assert _patches_off(), "a fault of an earlier test is still patching"
    attempts = []
    connect = socket.socket.connect

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("test_aiohttp: the network is off limits")

    def loopback_only(sock, address):
        if address[0] != "127.0.0.1":
            refuse(address)
        return connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    yield
    assert attempts == [], "a request reached for the network"


class UserResponse(aiohttp.ClientResponse):
    """The response class of the user's routes below. aioresponses builds its
    answers without the ``stream_writer`` aiohttp 3.14 asks for; a user on
    3.14 passes a class like this one (``response_class=``)."""

    def __init__(self, *args, **kwargs):
        if "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters:
            kwargs.setdefault("stream_writer", mock.Mock(output_size=0))
        super().__init__(*args, **kwargs)


class UserMock(aioresponses):
    """A user's aioresponses mock with two routes, added when it starts."""

    def start(self):
        super().start()
        self.get(OTHER, body=b"user ok", repeat=True, response_class=UserResponse)
        self.get(URL, body=b"user route", repeat=True, response_class=UserResponse)


def user_mock():
    return UserMock()


async def _get(url, **kwargs):
    async with aiohttp.ClientSession() as session:
        async with session.get(url, **kwargs) as response:
            return response, await response.read()


def _clear_an_idle_hook():
    """A fault stopped under a user's mock leaves its hook there, idle, until
    the next fault starts; start one, so the next test starts clean."""
    with Fault("function_error", api="rest", clients="aiohttp"):
        pass


def _check(response, body, row, call):
    """``response`` is the capture's answer, and the one ``call`` sent."""
    api, _name, status, expected, length, _latency, _logs = row
    headers = [(k.decode(), v.decode()) for k, v in response.raw_headers]
    assert response.status == status
    assert body == expected
    assert [k for k, _ in headers] == NAMES[api]
    values = dict(headers)
    assert values["content-type"] == "application/json"
    assert values["content-length"] == length
    assert response.content_length == int(length)
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
    assert list(response.headers.items()) == headers  # the case-insensitive view agrees
    assert call.response is response
    assert (call.client, call.timed_out, call.exception) == ("aiohttp", False, None)


# -- every captured row ---------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
@pytest.mark.asyncio
async def test_row_through_aiohttp(row):
    async with Fault(row[1], api=row[0], clients="aiohttp", seed=5) as fault:
        first, first_body = await _get(URL)
        second, second_body = await _get(URL, params={"again": "1"})
    _check(first, first_body, row, fault.calls[0])
    _check(second, second_body, row, fault.calls[1])
    assert fault.calls[0].request_id != fault.calls[1].request_id
    assert len(fault.logs) == 2 * row[6]
    assert [str(c.request.url) for c in fault.calls] == [URL, URL + "?again=1"]
    assert [c.elapsed for c in fault.calls] == [row[5], row[5]]


@pytest.mark.asyncio
async def test_text_json_and_head():
    async with Fault("lambda_throttled", api="http", clients="aiohttp") as fault:
        async with aiohttp.ClientSession() as session:
            async with session.get(URL) as response:
                assert await response.json() == {"message": "Service Unavailable"}
                assert await response.text() == '{"message":"Service Unavailable"}'
            async with session.head(URL) as head:
                assert await head.read() == b""
    assert head.headers["content-length"] == "33"
    assert [c.request.method for c in fault.calls] == ["GET", "HEAD"]


@pytest.mark.asyncio
async def test_the_session_s_base_url_params_and_headers_reach_the_gateway():
    parent = "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8"
    async with Fault("function_error", api="rest", clients="aiohttp") as fault:
        async with aiohttp.ClientSession(
            base_url="https://abc123def4.execute-api.us-east-1.amazonaws.com",
            headers={"X-Amzn-Trace-Id": parent},
        ) as session:
            async with session.get("/prod/items", params={"page": "2"}) as response:
                await response.read()
    (call,) = fault.calls
    assert str(call.request.url) == URL + "?page=2"
    assert call.request.headers["x-amzn-trace-id"] == parent
    assert response.headers["x-amzn-trace-id"] == parent  # echoed whole, as REST does
    assert response.request_info.url == call.request.url


@pytest.mark.asyncio
async def test_aiohttp_request_and_every_method():
    async with Fault("malformed_response", api="http", clients="aiohttp") as fault:
        async with aiohttp.request("GET", URL) as response:
            assert response.status == 500
        async with aiohttp.ClientSession() as session:
            for method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
                async with session.request(method, URL, json={"id": 1}) as response:
                    assert (response.status, await response.read()) == (
                        500, b'{"message":"Internal Server Error"}')
    assert [c.request.method for c in fault.calls] == [
        "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@pytest.mark.asyncio
async def test_raise_for_status_raises_aiohttp_s_own_error():
    async with Fault("integration_timeout", api="rest", clients="aiohttp") as fault:
        async with aiohttp.ClientSession(raise_for_status=True) as session:
            with pytest.raises(aiohttp.ClientResponseError) as excinfo:
                await session.get(URL)
            with pytest.raises(aiohttp.ClientResponseError):
                await aiohttp.ClientSession.get(session, URL)
        async with aiohttp.ClientSession() as session:
            async with session.get(URL, raise_for_status=False) as response:
                assert response.status == 504
    assert excinfo.value.status == 504
    assert [c.response.status for c in fault.calls] == [504, 504, 504]


@pytest.mark.asyncio
async def test_a_closed_session_is_refused_as_aiohttp_refuses_it():
    async with Fault("function_error", api="rest", clients="aiohttp") as fault:
        session = aiohttp.ClientSession()
        await session.close()
        with pytest.raises(RuntimeError, match="Session is closed"):
            await session.get(URL)
    assert fault.calls == []


@pytest.mark.asyncio
async def test_gather_gives_every_call_its_own_ids():
    async with Fault("permission_denied", api="rest", clients="aiohttp", seed=6) as fault:
        async with aiohttp.ClientSession() as session:

            async def one(i):
                async with session.get(URL, params={"i": str(i)}) as response:
                    return response, await response.read()

            got = await asyncio.gather(*(one(i) for i in range(100)))
    call_of = {id(call.response): call for call in fault.calls}
    for response, body in got:
        _check(response, body, ROWS[2], call_of[id(response)])
    assert len({call.request_id for call in fault.calls}) == 100


# -- timeouts ------------------------------------------------------------------------


def _timeouts():
    ClientTimeout = aiohttp.ClientTimeout
    total = asyncio.TimeoutError
    read = getattr(aiohttp, "SocketTimeoutError", aiohttp.ServerTimeoutError)
    return [
        # (api, name, session timeout, call timeout, raised, waited)
        ("rest", "integration_timeout", None, ClientTimeout(total=10), total, 10.0),
        ("rest", "integration_timeout", None, ClientTimeout(sock_read=5), read, 5.0),
        ("rest", "integration_timeout", None, ClientTimeout(total=60, sock_read=2), read, 2.0),
        ("rest", "integration_timeout", None, ClientTimeout(total=3, sock_read=3), total, 3.0),
        ("http", "integration_timeout", ClientTimeout(total=29.5), None, total, 29.5),
        ("http", "integration_timeout", None, 12, total, 12.0),
        ("rest", "function_error", None, ClientTimeout(total=0.2), total, 0.2),
    ]


@pytest.mark.parametrize(
    ("api", "name", "session_timeout", "timeout", "raised", "waited"),
    _timeouts(),
    ids=["total", "sock_read", "sock_read-first", "tie-total", "session", "number", "short-row"],
)
@pytest.mark.asyncio
async def test_a_shorter_timeout_raises_what_aiohttp_raises(
    api, name, session_timeout, timeout, raised, waited
):
    started = time.perf_counter()
    session_kwargs = {} if session_timeout is None else {"timeout": session_timeout}
    call_kwargs = {} if timeout is None else {"timeout": timeout}
    async with Fault(name, api=api, clients="aiohttp") as fault:
        async with aiohttp.ClientSession(**session_kwargs) as session:
            with pytest.raises(asyncio.TimeoutError) as excinfo:
                await session.get(URL, **call_kwargs)
    assert type(excinfo.value) is raised
    (call,) = fault.calls
    assert (call.timed_out, call.response, call.exception) == (True, None, excinfo.value)
    assert call.elapsed == waited
    assert time.perf_counter() - started < 2.0  # nothing really waited


@pytest.mark.parametrize(
    "timeout",
    [None, aiohttp.ClientTimeout(total=None), aiohttp.ClientTimeout(total=0, sock_read=0),
     aiohttp.ClientTimeout(total=29.5, sock_read=29.5)],
    ids=["default-300-s", "no-total", "zero-is-none", "longer"],
)
@pytest.mark.asyncio
async def test_a_longer_or_no_timeout_sees_the_answer(timeout):
    kwargs = {} if timeout is None else {"timeout": timeout}
    async with Fault("integration_timeout", api="rest", clients="aiohttp") as fault:
        response, body = await _get(URL, **kwargs)
    assert (response.status, body) == (504, b'{"message": "Endpoint request timed out"}')
    assert fault.calls[0].timed_out is False


@pytest.mark.parametrize("kind", ["total", "sock_read"])
@pytest.mark.asyncio
async def test_the_fake_timeout_is_the_one_a_real_gateway_makes_aiohttp_raise(kind):
    # The loopback server really waits the row's 0.388 s; the fault does not.
    timeout = aiohttp.ClientTimeout(**{kind: 0.1})
    row = Fault("function_error", api="rest")
    with GatewayServer([row], latency="real") as server:
        with pytest.raises(asyncio.TimeoutError) as real:
            await _get(server.url + "/prod/items", timeout=timeout)
    async with Fault("function_error", api="rest", clients="aiohttp"):
        with pytest.raises(asyncio.TimeoutError) as fake:
            await _get(URL, timeout=timeout)
    assert (type(fake.value), str(fake.value)) == (type(real.value), str(real.value))


# -- pass-through and the user's own mocks ------------------------------------------------


@pytest.mark.asyncio
async def test_other_urls_go_to_the_network():
    # the "network" is the loopback gateway, whose own fault answers there
    async with Fault("function_error", api="rest", clients="aiohttp") as fault:
        remote = Fault("lambda_throttled", api="http")
        with GatewayServer([remote]) as server:
            response, body = await _get(server.url + "/prod/items")
    assert (response.status, body) == (503, b'{"message":"Service Unavailable"}')
    assert fault.calls == []
    assert [c.client for c in remote.calls] == ["server"]


@pytest.mark.asyncio
async def test_times_then_the_network():
    remote = Fault("lambda_throttled", api="http")
    with GatewayServer([remote]) as server:
        base = server.url + "/prod/"
        async with Fault("function_error", api="rest", url=base, times=1, clients="aiohttp") as f:
            got = [await _get(base + "items") for _ in range(2)]
    assert [r.status for r, _ in got] == [502, 503]
    assert [c.client for c in f.calls] == ["aiohttp"]
    assert [c.client for c in remote.calls] == ["server"]


def _orders():
    return {
        "user-first-stop-fault-first": ("user", "fault", "fault", "user"),
        "user-first-stop-user-first": ("user", "fault", "user", "fault"),
        "fault-first-stop-fault-first": ("fault", "user", "fault", "user"),
        "fault-first-stop-user-first": ("fault", "user", "user", "fault"),
    }


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
@pytest.mark.parametrize("order", list(_orders().values()), ids=list(_orders()))
@pytest.mark.asyncio
async def test_beside_the_user_s_aioresponses_in_any_order(order):
    start_first, start_second, stop_first, stop_second = order

    mocks = {
        "user": user_mock(),
        "fault": Fault("function_error", api="rest", clients="aiohttp", times=2),
    }
    with ExitStack() as stack:
        for name in (start_first, start_second):
            mocks[name].start()
            stack.callback(mocks[name].stop)
        got = [await _get(URL) for _ in range(3)] + [await _get(OTHER)]
        stack.pop_all()
    mocks[stop_first].stop()
    after = await _get(URL) if stop_first == "fault" else None
    mocks[stop_second].stop()
    assert [(r.status, body) for r, body in got] == [
        (502, b'{"message": "Internal server error"}'),
        (502, b'{"message": "Internal server error"}'),
        (200, b"user route"),
        (200, b"user ok"),
    ]
    assert len(mocks["fault"].calls) == 2
    # the user's mock saw only its own calls
    assert sorted(str(key[1]) for key in mocks["user"].requests) == sorted([OTHER, URL])
    if after is not None:  # the fault stopped first: the user's route answers
        assert after[1] == b"user route"
    _clear_an_idle_hook()
    assert _patches_off()


@pytest.mark.asyncio
async def test_a_fault_started_again_after_an_out_of_order_stop():
    user = user_mock()
    fault = Fault("function_error", api="rest", clients="aiohttp")
    fault.start()
    user.start()
    fault.stop()  # the user's mock is on top: the hook stays under it, idle
    assert (await _get(URL))[1] == b"user route"
    user.stop()
    assert aiohttp.ClientSession._request is not ORIGINAL_REQUEST  # the idle hook
    async with Fault("lambda_throttled", api="http", clients="aiohttp") as again:
        assert (await _get(URL))[0].status == 503
    assert len(again.calls) == 1
    assert _patches_off()  # the idle hook is gone with the next fault


@pytest.mark.asyncio
async def test_user_passthrough_prefixes_still_reach_the_fault():
    async with Fault("function_error", api="rest", clients="aiohttp") as fault:
        with aioresponses(passthrough=["https://abc123def4."]):
            response, _ = await _get(URL)
    assert response.status == 502
    assert len(fault.calls) == 1


@pytest.mark.asyncio
async def test_patches_off_after_an_exception():
    async def fail_inside():
        async with Fault("function_error", api="rest", clients="aiohttp"):
            assert not _patches_off()
            raise KeyError("boom")

    with pytest.raises(KeyError):
        await fail_inside()
    assert _patches_off()


# -- the fixture ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_assert_response_reads_an_unread_body_and_leaves_it_readable(apigw_fault):
    apigw_fault.inject("function_error", api="http", clients="aiohttp")
    async with aiohttp.ClientSession() as session:
        async with session.get(URL) as response:
            apigw_fault.assert_response(response)
            assert await response.read() == b'{"message":"Internal Server Error"}'
        async with session.get(URL) as read_first:
            await read_first.read()
        apigw_fault.assert_response(read_first)
        async with session.head(URL) as head:
            apigw_fault.assert_response(head)


@pytest.mark.asyncio
async def test_assert_response_needs_the_body_of_a_released_response(apigw_fault):
    apigw_fault.inject("function_error", api="rest", clients="aiohttp")
    async with aiohttp.ClientSession() as session:
        async with session.get(URL) as response:
            pass
    with pytest.raises(ValueError, match=r"await response\.read\(\)"):
        apigw_fault.assert_response(response)


@pytest.mark.usefixtures("strict_off")  # the user's mock answers another URL
@pytest.mark.asyncio
async def test_assert_response_finds_what_the_fault_did_not_send(apigw_fault):
    apigw_fault.inject("function_error", api="rest", clients="aiohttp",
                       url="https://api.example.com/")
    with aioresponses() as mocked:  # a hand-made "502" for the execute-api URL
        mocked.get(URL, status=502, body=b'{"message": "Internal server error"}',
                   response_class=UserResponse)
        response, _ = await _get(URL)
    with pytest.raises(AssertionError, match="header names"):
        apigw_fault.assert_response(response)


@pytest.mark.apigw_fault("lambda_throttled", api="rest", clients="aiohttp")
@pytest.mark.asyncio
async def test_marker_through_aiohttp(apigw_fault):
    response, body = await _get(URL)
    apigw_fault.assert_response(response)
    _check(response, body, ROWS[3], apigw_fault.calls[0])


# -- set-up ----------------------------------------------------------------------------


def test_a_missing_aioresponses_names_the_extra(monkeypatch):
    real = fault_module._installed
    monkeypatch.setattr(fault_module, "_installed", lambda name: name != "aioresponses" and
                        real(name))
    with pytest.raises(ApigwFaultError) as error:
        Fault("function_error", api="rest", clients="aiohttp").start()
    assert str(error.value) == (
        "client 'aiohttp' needs aiohttp and aioresponses, but aioresponses is not"
        " installed: pip install 'pytest-apigw-faults[aiohttp]'"
    )


def test_loading_the_plugin_imports_neither_aiohttp_nor_aioresponses(tmp_path):
    (tmp_path / "test_one.py").write_text("def test_one():\n    pass\n")
    script = (
        "import sys, pytest\n"
        "import pytest_apigw_faults.plugin\n"
        "assert 'aiohttp' not in sys.modules, 'plugin import'\n"
        "code = pytest.main(['-q', '-p', 'no:cacheprovider', sys.argv[1]])\n"
        "assert code == 0, code\n"
        "loaded = [m for m in ('aioresponses', 'pytest_apigw_faults._adapters.aiohttp')"
        " if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
        cwd=tmp_path, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_hook_is_one_coroutine_function_with_aiohttp_s_signature():
    with ExitStack() as stack:
        stack.enter_context(Fault("function_error", api="rest", clients="aiohttp"))
        hook = aiohttp.ClientSession._request
        assert inspect.iscoroutinefunction(hook)
        assert inspect.signature(hook) == inspect.signature(ORIGINAL_REQUEST)
    assert _patches_off()


@pytest.mark.asyncio
async def test_a_handler_behind_the_fault_sees_the_body_aiohttp_sends():
    def handler(event, context):
        return {"statusCode": 201, "body": event["body"]}

    sent = [{"json": {"id": 1}}, {"data": b"raw"}, {"data": {"k": "v"}}, {"data": "text"}]
    async with Fault(handler=handler, api="rest", clients="aiohttp") as fault:
        async with aiohttp.ClientSession() as session:
            got = []
            for kwargs in sent:
                async with session.post(URL, **kwargs) as response:
                    got.append((response.status, await response.read()))
    assert got == [(201, b'{"id": 1}'), (201, b"raw"), (201, b"k=v"), (201, b"text")]
    assert len(fault.calls) == 4
