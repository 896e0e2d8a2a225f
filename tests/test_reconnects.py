"""Reconnect loops on a WebSocket API: each connection as a record
(``api.history``), and ``assert_reconnected`` on real clients that reconnect
after a 1009, an idle close and a refused ``$connect``, on virtual time, in
milliseconds."""

from __future__ import annotations

import asyncio
import re
import struct
import time
from typing import Any

import pytest

from pytest_apigw_faults import ApigwFaultError, GatewayServer, WebSocketApi, WebSocketConnection
from pytest_apigw_faults._gateway.websocket_records import (
    ENDINGS,
    check_after,
    connection_lines,
    reconnect_problem,
)

websocket = pytest.importorskip("websocket")  # websocket-client
pytest.importorskip("wsproto")
pytest.importorskip("time_machine")

REAL_PERF = time.perf_counter  # taken at import: stay real whatever the clock patches
REAL_SLEEP = time.sleep
_ID = r"[A-Za-z0-9+/]{15}="


def nothing(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200}


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "echo " + event["body"]}


def api(**options: Any) -> WebSocketApi:
    routes: dict[str, Any] = {"$connect": nothing, "$disconnect": nothing,
                              "$default": {"handler": echo, "route_response": True}}
    routes.update(options.pop("routes", {}))
    return WebSocketApi(routes, seed=5, **options)


def wait_for(predicate: Any, seconds: float = 5.0) -> None:
    deadline = REAL_PERF() + seconds
    while not predicate():
        assert REAL_PERF() < deadline, "timed out"
        REAL_SLEEP(0.01)  # not a sleep of the client


def close_code(ws: Any) -> int:
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    return int(struct.unpack("!H", data[:2])[0])


def keep_talking(url: str, plan: list[str]) -> list[int]:
    """A websocket-client reconnect loop: per connection of ``plan``, send
    a frame too large ("big"), or wait for the gateway (``"idle"``), then
    reconnect when the gateway closes; ``"talk"`` says hello and closes."""
    codes = []
    for step in plan:
        ws = websocket.create_connection(url)
        if step == "talk":
            ws.send("hello")
            assert ws.recv() == "echo hello"
            ws.close()
            return codes
        if step == "big":
            ws.send("x" * (32 * 1024 + 1))
        codes.append(close_code(ws))
        ws.shutdown()
    return codes


def test_a_websocket_client_loop_after_1009_and_an_idle_close_in_milliseconds(apigw_fault):
    started = REAL_PERF()
    served = apigw_fault.use_api(api(virtual_time=True))
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/prod"
    assert keep_talking(url, ["big", "idle", "talk"]) == [1009, 1001]
    wait_for(lambda: not served.history[-1].open)
    served.assert_reconnected(times=2)
    served.assert_reconnected(times=1, after="frame_too_large")
    apigw_fault.assert_reconnected(times=1, after="idle_timeout")
    apigw_fault.assert_reconnected(after=1001)
    apigw_fault.assert_not_reconnected(after="binary_frame")
    first, second, third = served.history
    assert (first.scenario, first.close_code, first.closed_by) == ("frame_too_large", 1009,
                                                                  "gateway")
    assert (second.scenario, second.close_code) == ("idle_timeout", 1001)
    assert second.closed_at is not None
    assert 599.99 <= second.closed_at - second.opened_at < 601  # virtual minutes
    assert (third.scenario, third.close_code, third.closed_by) == (None, 1000, "client")
    assert third.answered_by == "websocket 1000"
    assert third.outcome == "closed 1000"
    assert REAL_PERF() - started < 2  # ten idle minutes, in milliseconds


def test_a_failed_check_lists_the_connections(apigw_fault):
    served = apigw_fault.use_api(api(virtual_time=True))
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/prod"
    keep_talking(url, ["big", "idle", "talk"])
    wait_for(lambda: not served.history[-1].open)
    with pytest.raises(AssertionError) as raised:
        apigw_fault.assert_reconnected(times=2, after="frame_too_large")
    message = re.sub(_ID, "ID", str(raised.value))
    assert message == (
        "expected 2 reconnects after websocket-frame_too_large, got 1 reconnect after it"
        " (3 connections):\n"
        "  connections (3):\n"
        "    #0 ID opened at +0 s, closed 1009 (websocket-frame_too_large) by the gateway"
        " at +0 s\n"
        "    #1 ID opened at +0 s, closed 1001 (websocket-idle_timeout) by the gateway"
        " at +600 s\n"
        "    #2 ID opened at +600 s, closed 1000 by the client at +600 s\n"
        "  sleeps: none\n"
        "  elapsed: 600 s (virtual time)"
    )
    with pytest.raises(AssertionError) as raised:
        served.assert_not_reconnected()
    assert str(raised.value).startswith(
        "expected no reconnect (1 connection), got 2 reconnects (3 connections):\n"
        "  connections (3):\n"
    )


def test_websockets_reconnects_after_a_1009(apigw_fault):
    """websockets' reconnect loop (``async for ws in connect(url)``); after
    an idle close: tests/test_virtual_loopback.py."""
    client = pytest.importorskip("websockets.asyncio.client")
    from websockets.exceptions import ConnectionClosed

    started = REAL_PERF()
    served = apigw_fault.use_api(api(virtual_time=True))
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/prod"

    async def loop() -> list[int | None]:
        codes: list[int | None] = []
        async for ws in client.connect(url, ping_interval=None):
            try:
                if codes:
                    await ws.send("hello")
                    assert await ws.recv() == "echo hello"
                    await ws.close()
                    return codes
                await ws.send("x" * (40 * 1024))
                await ws.recv()  # the gateway closes with 1009
            except ConnectionClosed as closed:
                codes.append(closed.rcvd.code if closed.rcvd else None)
        raise AssertionError("unreachable")

    assert asyncio.run(loop()) == [1009]
    wait_for(lambda: not served.history[-1].open)
    apigw_fault.assert_reconnected(times=1, after="frame_too_large")
    apigw_fault.assert_not_reconnected(after="idle_timeout")
    assert [r.answered_by for r in served.history] == [
        "websocket-frame_too_large", "websocket 1000"
    ]
    assert REAL_PERF() - started < 2


def test_websockets_backs_off_after_a_502_connect(apigw_fault):
    client = pytest.importorskip("websockets.asyncio.client")
    tries: list[str] = []

    def flaky_connect(event: dict[str, Any], context: Any) -> dict[str, Any]:
        tries.append(event["requestContext"]["connectionId"])
        if len(tries) <= 2:
            raise RuntimeError("the table is not there yet")
        return {"statusCode": 200}

    served = apigw_fault.use_api(api(virtual_time=True, routes={"$connect": flaky_connect}))
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/prod"

    async def loop() -> str:
        async for ws in client.connect(url, ping_interval=None):
            await ws.send("hello")
            answer = str(await ws.recv())
            await ws.close()
            return answer
        raise AssertionError("unreachable")

    assert asyncio.run(loop()) == "echo hello"
    apigw_fault.assert_reconnected(times=2, after="connect_lambda_error")
    refused = served.history[:2]
    assert [(r.status, r.scenario, r.outcome) for r in refused] == [
        (502, "connect_lambda_error", "refused 502")
    ] * 2
    assert len(apigw_fault.sleeps) == 2  # websockets' backoff, on virtual time


def test_error_frames_are_in_the_record():
    served = api(routes={"$default": {"handler": lambda e, c: 1 / 0, "route_response": True}})
    with GatewayServer([served]) as server:
        ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/prod")
        ws.send("boom")
        assert ws.recv().startswith('{"message": "Internal server error"')
        ws.close()
        wait_for(lambda: not served.history[-1].open)
    (record,) = served.history
    assert record.errors == ("integration_error",)
    served.assert_not_reconnected()


def test_a_connection_open_at_the_test_end(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        import json

        from pytest_apigw_faults import WebSocketApi


        def test_open(apigw_fault, request):
            apigw_fault.use_api(WebSocketApi({"$connect": lambda e, c: {"statusCode": 200}}))
            apigw_fault.websocket()
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "--apigw-report-json=r.json")
    result.assert_outcomes(passed=1)
    import json

    (row,) = json.loads((pytester.path / "r.json").read_text())["tests"]
    (connection,) = row["connections"]
    assert (connection["closed_by"], connection["outcome"], connection["answered_by"]) == (
        "test end", "open", "websocket open"
    )


# -- the records and checks, as data -----------------------------------------------------


def record(scenario: str | None = None, code: int | None = 1000, status: int = 101,
           at: float = 0.0) -> WebSocketConnection:
    return WebSocketConnection("ID", at, status, at, code, "gateway" if scenario else "client",
                               scenario)


def test_reconnect_problems_say_what_was_expected_and_what_happened():
    three = [record("frame_too_large", 1009), record("idle_timeout", 1001), record()]
    assert reconnect_problem(three, None, None) is None
    assert reconnect_problem(three, 2, None) is None
    assert reconnect_problem([], None, None) == (
        "expected at least 1 reconnect, got no reconnect (no connection)"
    )
    assert reconnect_problem(three[:1], 3, None) == (
        "expected 3 reconnects (4 connections), got no reconnect (1 connection)"
    )
    assert reconnect_problem(three, 0, 1001) == (
        "expected no reconnect after close code 1001, got 1 reconnect after it (3 connections)"
    )
    assert reconnect_problem(three, None, "binary_frame") == (
        "expected at least 1 reconnect after websocket-binary_frame, got no reconnect after it"
        " (3 connections)"
    )
    with pytest.raises(TypeError, match="times= takes a whole number of reconnects"):
        reconnect_problem(three, -1, None)


def test_after_names_its_choices_and_the_closest():
    assert check_after("websocket-idle_timeout") == "idle_timeout"
    assert check_after(1009) == 1009
    assert "connect_forbidden" in ENDINGS
    assert "no_route" not in ENDINGS
    with pytest.raises(ApigwFaultError, match="did you mean 'frame_too_large'"):
        check_after("frame_to_large")
    with pytest.raises(ApigwFaultError, match="or a close code"):
        check_after(True)


def test_connection_lines():
    records = [
        WebSocketConnection("A", 10.0, 502, 10.0, None, "gateway", "connect_lambda_error"),
        WebSocketConnection("B", 12.5, 101, None, None, None, None, ("no_route",)),
    ]
    assert connection_lines(records) == [
        "  connections (2):",
        "    #0 A opened at +0 s, refused 502 (websocket-connect_lambda_error)",
        "    #1 B opened at +2.5 s, error frame websocket-no_route, open",
    ]
    assert connection_lines([]) == ["  connections: none"]
