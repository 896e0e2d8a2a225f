"""The integration timeout of a WebSocket API's routes, through real clients
on the loopback gateway: a message whose Lambda runs past it gets the
``Endpoint request timed out`` frame, a ``$connect`` a 504 (⚠️)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from support import close_websockets  # noqa: F401 (autouse: closes what connect opened)
from support import connect_websocket as connect

from pytest_apigw_faults import ApigwFaultError, GatewayServer, WebSocketApi
from pytest_apigw_faults._gateway.websocket import (
    TIMED_OUT,
    WEBSOCKET_SCENARIOS,
    error_frame,
    timed_out,
)

websocket = pytest.importorskip("websocket")  # websocket-client

pytest.importorskip("wsproto")

_ID = r"[A-Za-z0-9+/]{15}="
TIMEOUT_FRAME = re.compile(
    rf'\{{"message": "Endpoint request timed out", "connectionId":"({_ID})",'
    rf' "requestId":"({_ID})"\}}'
)
ERROR_FRAME = re.compile(
    rf'\{{"message": "Internal server error", "connectionId":"({_ID})", "requestId":"({_ID})"\}}'
)
def sleeps(seconds: float) -> Any:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        time.sleep(seconds)
        return {"statusCode": 200, "body": f"after {seconds} s"}

    return handler


def quick(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "quick"}


def api_of(routes: dict[str, Any], **kwargs: Any) -> WebSocketApi:
    return WebSocketApi(routes, seed=7, **kwargs)


def test_the_row_is_the_captured_frame():
    row = WEBSOCKET_SCENARIOS["integration_timeout"]
    assert row.frame == error_frame(TIMED_OUT, "Llf4ceE2NjMCF7w=", "Llf7PFSNNjMFZeA=")
    assert row.evidence.value == "captured"
    assert WEBSOCKET_SCENARIOS["connect_timeout"].status == 504
    assert WEBSOCKET_SCENARIOS["connect_timeout"].evidence.value == "inferred"


def test_a_message_past_29_s_gets_the_timeout_frame_at_29_s_and_stays_open(apigw_fault):
    api = apigw_fault.use_api(api_of({
        "slow": {"handler": sleeps(40), "route_response": True},
        "fast": {"handler": quick, "route_response": True},
    }, virtual_time=True))
    ws = connect(f"ws://127.0.0.1:{apigw_fault.server.port}/prod")
    started = time.monotonic()
    ws.send('{"action": "slow"}')
    frame = ws.recv()
    assert time.monotonic() - started == pytest.approx(29.0)
    match = TIMEOUT_FRAME.fullmatch(frame)
    assert match is not None, frame
    assert match.group(1) == next(iter(api.frames)).connection_id
    ws.send('{"action": "fast"}')
    assert ws.recv() == "quick"  # the connection stays open
    assert [route for route, _ in api.events] == ["slow", "fast"]


def test_within_the_timeout_the_answer_comes_when_the_lambda_is_done(apigw_fault):
    apigw_fault.use_api(api_of(
        {"$default": {"handler": sleeps(28.5), "route_response": True}}, virtual_time=True
    ))
    ws = connect(f"ws://127.0.0.1:{apigw_fault.server.port}/prod")
    started = time.monotonic()
    ws.send("hello")
    assert ws.recv() == "after 28.5 s"
    assert time.monotonic() - started == pytest.approx(28.5)


def test_a_route_without_route_response_gets_the_timeout_frame_too(apigw_fault):
    apigw_fault.use_api(api_of({"$default": sleeps(30)}, virtual_time=True))
    ws = connect(f"ws://127.0.0.1:{apigw_fault.server.port}/prod")
    ws.send("hello")
    assert TIMEOUT_FRAME.fullmatch(ws.recv())


def test_a_shorter_integration_timeout_on_real_time():
    api = api_of({"$default": {
        "handler": sleeps(0.3), "route_response": True, "integration_timeout": 0.1,
    }})
    with GatewayServer([api]) as server:
        ws = connect(f"ws://127.0.0.1:{server.port}/prod")
        ws.send("hello")
        assert TIMEOUT_FRAME.fullmatch(ws.recv())


def test_the_lambdas_own_shorter_timeout_is_a_function_error(apigw_fault):
    remaining: list[int] = []

    def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
        remaining.append(context.get_remaining_time_in_millis())
        time.sleep(40)
        return {"statusCode": 200, "body": "late"}

    apigw_fault.use_api(api_of({"$default": {
        "handler": slow, "route_response": True, "function_timeout": 3,
    }}, virtual_time=True))
    ws = connect(f"ws://127.0.0.1:{apigw_fault.server.port}/prod")
    started = time.monotonic()
    ws.send("hello")
    assert ERROR_FRAME.fullmatch(ws.recv())
    assert time.monotonic() - started == pytest.approx(3.0)
    assert 2900 <= remaining[0] <= 3000


def test_connect_past_the_timeout_is_refused_with_504(apigw_fault):
    api = apigw_fault.use_api(api_of({"$connect": sleeps(31)}, virtual_time=True))
    started = time.monotonic()
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(f"ws://127.0.0.1:{apigw_fault.server.port}/prod")
    assert time.monotonic() - started == pytest.approx(29.0)
    assert refused.value.status_code == 504
    assert refused.value.resp_body == b'{"message": "Endpoint request timed out"}'
    assert not api.connections


def test_the_decision():
    assert timed_out(29.0, integration_timeout=29.0) == "integration_timeout"
    assert timed_out(28.9, integration_timeout=29.0) is None
    assert timed_out(5, integration_timeout=29.0, function_timeout=3) == "function_timeout"
    assert timed_out(30, integration_timeout=29.0, function_timeout=60) == "integration_timeout"


@pytest.mark.parametrize(("spec", "message"), [
    ({"handler": quick, "integration_timeout": 30}, "from 0.05 to 29, got 30"),
    ({"handler": quick, "integration_timeout": 0.01}, "from 0.05 to 29, got 0.01"),
    ({"handler": quick, "integration_timeout": "29"}, "got '29'"),
    ({"handler": quick, "function_timeout": 0}, "above 0, got 0"),
    ({"handler": quick, "timeout": 3}, "'integration_timeout' or 'function_timeout'"),
])
def test_bad_timeouts_are_refused_early(spec, message):
    with pytest.raises(ApigwFaultError, match=re.escape(message)):
        WebSocketApi({"$default": spec})
