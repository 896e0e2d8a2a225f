"""On virtual time, a client waiting on its connections to the test's own
loopback server waits on the clock: the asyncio clients (websockets, aiohttp)
and websockets' sync client see the 10-minute idle close in milliseconds,
while a selector on anything else still waits for real I/O."""

from __future__ import annotations

import asyncio
import os
import selectors
import socket
import threading
import time
from typing import Any

import pytest

from pytest_apigw_faults import WebSocketApi
from pytest_apigw_faults._core import loopback
from pytest_apigw_faults._core.scheduler import ARMED, EXPIRED, Scheduler

pytest.importorskip("wsproto")
pytest.importorskip("time_machine")

REAL_PERF = time.perf_counter  # taken at import: stay real whatever the clock patches


def nothing(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200}


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "echo " + event["body"]}


def api() -> WebSocketApi:
    routes: dict[str, Any] = {"$connect": nothing, "$disconnect": nothing,
                              "$default": {"handler": echo, "route_response": True}}
    return WebSocketApi(routes, seed=5, virtual_time=True)


def test_websockets_asyncio_client_sees_the_idle_close_at_once(apigw_fault):
    client = pytest.importorskip("websockets.asyncio.client")
    from websockets.exceptions import ConnectionClosed

    started = REAL_PERF()
    served = apigw_fault.use_api(api())
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/prod"

    async def idle() -> int | None:
        async with client.connect(url, ping_interval=None) as ws:
            await ws.send("hello")
            assert await ws.recv() == "echo hello"
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()  # ten quiet minutes
            return closed.value.rcvd.code if closed.value.rcvd else None

    assert asyncio.run(idle()) == 1001
    assert served.history[0].scenario == "idle_timeout"
    assert apigw_fault.elapsed == pytest.approx(600, abs=1)
    assert REAL_PERF() - started < 2


def test_websockets_reconnect_loop_after_the_idle_close(apigw_fault):
    client = pytest.importorskip("websockets.asyncio.client")
    from websockets.exceptions import ConnectionClosed

    started = REAL_PERF()
    served = apigw_fault.use_api(api())
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/prod"

    async def loop() -> list[int | None]:
        codes: list[int | None] = []
        async for ws in client.connect(url, ping_interval=None):
            try:
                if len(codes) == 2:
                    await ws.send("hello")
                    assert await ws.recv() == "echo hello"
                    await ws.close()
                    return codes
                await ws.recv()  # the gateway closes after ten idle minutes
            except ConnectionClosed as closed:
                codes.append(closed.rcvd.code if closed.rcvd else None)
        raise AssertionError("unreachable")

    assert asyncio.run(loop()) == [1001, 1001]
    apigw_fault.assert_reconnected(times=2, after="idle_timeout")
    assert [c.scenario for c in served.history[:2]] == ["idle_timeout"] * 2
    assert apigw_fault.elapsed == pytest.approx(1200, abs=1)
    assert REAL_PERF() - started < 3


def test_aiohttp_client_sees_the_idle_close_at_once(apigw_fault):
    aiohttp = pytest.importorskip("aiohttp")
    started = REAL_PERF()
    apigw_fault.use_api(api())
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/prod"

    async def idle() -> tuple[Any, Any]:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(url, heartbeat=None) as ws:
                await ws.send_str("hello")
                assert (await ws.receive()).data == "echo hello"
                message = await ws.receive()
                return message.type, message.data

    assert asyncio.run(idle()) == (aiohttp.WSMsgType.CLOSE, 1001)
    apigw_fault.assert_not_reconnected(after="idle_timeout")
    assert REAL_PERF() - started < 2


def test_websockets_sync_client_sees_the_idle_close_at_once(apigw_fault):
    sync = pytest.importorskip("websockets.sync.client")
    from websockets.exceptions import ConnectionClosed

    started = REAL_PERF()
    apigw_fault.use_api(api())
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/prod"
    with sync.connect(url, ping_interval=None) as ws:
        ws.send("hello")
        assert ws.recv() == "echo hello"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1001
    assert apigw_fault.elapsed == pytest.approx(600, abs=1)
    assert REAL_PERF() - started < 2


def test_keepalive_pings_keep_the_connection_until_its_two_hours(apigw_fault):
    """websockets' keepalive pings are frames: the idle close never comes,
    and the 2-hour limit does, on the clock (pings every 5 minutes here: each
    costs a few real milliseconds)."""
    client = pytest.importorskip("websockets.asyncio.client")
    from websockets.exceptions import ConnectionClosed

    served = apigw_fault.use_api(api())
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/prod"

    async def pinging() -> int | None:
        async with client.connect(url, ping_interval=300) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            return closed.value.rcvd.code if closed.value.rcvd else None

    assert asyncio.run(pinging()) == 1001
    assert served.history[0].scenario == "max_duration"
    assert apigw_fault.elapsed == pytest.approx(7200, abs=1)


# -- which selectors wait on the clock ------------------------------------------------


def watching(*files: Any) -> selectors.BaseSelector:
    selector = selectors.DefaultSelector()
    for file in files:
        selector.register(file, selectors.EVENT_READ)
    return selector


def test_wake_up_sockets_alone_are_not_the_test_s_own():
    """A socket pair's other end may be a child process's: real I/O."""
    scheduler = Scheduler(lambda seconds: None)
    first, second = socket.socketpair()
    with first, second, watching(first, second) as selector:
        assert not loopback.own_files(selector, scheduler)


def test_a_connection_is_own_while_its_server_takes_part_in_the_clock():
    scheduler = Scheduler(lambda seconds: None)
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepting = threading.Thread(target=lambda: None)
    wake, notify = socket.socketpair()
    with server, wake, notify, socket.create_connection(("127.0.0.1", port)) as conn:
        with watching(wake, conn.fileno()) as selector:  # a bare file number, as asyncio's
            assert not loopback.own_files(selector, scheduler)  # not a server of the test's
            loopback.serving(port, accepting)
            try:
                assert not loopback.own_files(selector, scheduler)  # not a participant
                scheduler.join(accepting)
                assert loopback.own_files(selector, scheduler)
                reader, writer = os.pipe()  # a child's output, say: real I/O
                selector.register(reader, selectors.EVENT_READ)
                assert not loopback.own_files(selector, scheduler)
                selector.unregister(reader)
                os.close(reader)
                os.close(writer)
                assert loopback.own_files(selector, scheduler)
            finally:
                loopback.stopped(port)
            assert not loopback.own_files(selector, scheduler)
        conn.send(b"x")  # the socket is still the test's: the check took none


def test_a_server_s_accepting_thread_holds_the_clock_only_with_a_connection_to_accept():
    shifted: list[float] = []
    scheduler = Scheduler(shifted.append)
    scheduler.join(threading.current_thread())
    pending = [True]
    ready, done = threading.Event(), threading.Event()

    def accepting() -> None:
        with scheduler.aside(lambda: pending[0]):
            ready.set()
            done.wait()  # its real polls: not a wait of the clock

    thread = threading.Thread(target=accepting)
    scheduler.join(thread)
    thread.start()
    ready.wait()
    waiter = scheduler.wait(5.0)
    assert waiter.gate.state == ARMED  # a connection to accept: time holds
    pending[0] = False
    scheduler.check()
    assert waiter.gate.state == EXPIRED
    assert shifted == [5.0]
    done.set()
    thread.join()
    scheduler.stop()
