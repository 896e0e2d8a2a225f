"""WebSocket APIs on the loopback gateway: the events the handlers get, the
routes, and every failure byte for byte, through real clients."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import struct
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_apigw_faults import ApigwFaultError, GatewayServer, WebSocketApi
from pytest_apigw_faults._gateway.sources import SOURCES
from pytest_apigw_faults._gateway.websocket import (
    WEBSOCKET_SCENARIOS,
    check_selection,
    error_frame,
    select_route,
)

websocket = pytest.importorskip("websocket")  # websocket-client
pytest.importorskip("wsproto")

_ID = r"[A-Za-z0-9+/]{15}="
FORBIDDEN = re.compile(
    rf'\{{"message": "Forbidden", "connectionId":"({_ID})", "requestId":"({_ID})"\}}'
)
ERROR = re.compile(
    rf'\{{"message": "Internal server error", "connectionId":"({_ID})", "requestId":"({_ID})"\}}'
)


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "echo " + event["body"]}


def fails(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("the table is gone")


def nothing(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200}


def chat_api(**kwargs: Any) -> WebSocketApi:
    routes: dict[str, Any] = {
        "$connect": nothing,
        "$disconnect": nothing,
        "sendMessage": {"handler": echo, "route_response": True},
        "explode": fails,
    }
    routes.update(kwargs.pop("routes", {}))
    return WebSocketApi(routes, seed=1, **kwargs)


_OPEN: list[Any] = []


def connect(url: str, **options: Any) -> Any:
    """A websocket-client connection, closed when the test ends."""
    ws = websocket.create_connection(url, **options)
    _OPEN.append(ws)
    return ws


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        ws = _OPEN.pop()
        with contextlib.suppress(Exception):  # the server closed it first
            ws.close(timeout=1)
        ws.shutdown()


@pytest.fixture
def served() -> Iterator[tuple[WebSocketApi, str]]:
    api = chat_api()
    with GatewayServer([api]) as server:
        yield api, f"ws://127.0.0.1:{server.port}/prod"


def close_code(ws: Any) -> int:
    """The close code of the close frame the server sends next."""
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    return int(struct.unpack("!H", data[:2])[0])


def wait_for(predicate: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# -- connect, events, routes ---------------------------------------------------------------


def test_connect_builds_the_connect_event_as_aws_does(served):
    api, url = served
    ws = connect(url + "?room=a&room=b", header={"Authorization": "t"})
    ws.close()
    route, event = api.events[0]
    assert route == "$connect"
    context = event["requestContext"]
    assert list(context) == [
        "routeKey", "eventType", "extendedRequestId", "requestTime", "messageDirection",
        "stage", "connectedAt", "requestTimeEpoch", "identity", "requestId", "domainName",
        "connectionId", "apiId",
    ]
    assert context["eventType"] == "CONNECT"
    assert context["stage"] == "prod"
    assert context["domainName"] == f"{context['apiId']}.execute-api.us-east-1.amazonaws.com"
    assert re.fullmatch(_ID, context["connectionId"])
    assert context["requestId"] == context["extendedRequestId"]
    assert event["queryStringParameters"] == {"room": "b"}
    assert event["multiValueQueryStringParameters"] == {"room": ["a", "b"]}
    names = list(event["headers"])
    assert names == sorted(names, key=str.lower)
    assert {"Connection", "Upgrade"}.isdisjoint(names)
    assert event["headers"]["Authorization"] == "t"
    assert event["headers"]["X-Forwarded-Proto"] == "https"
    assert event["multiValueHeaders"]["Authorization"] == ["t"]
    assert event["isBase64Encoded"] is False


def test_a_message_goes_to_the_route_its_action_names(served):
    api, url = served
    ws = connect(url)
    ws.send('{"action": "sendMessage", "text": "hi"}')
    assert ws.recv() == 'echo {"action": "sendMessage", "text": "hi"}'
    ws.close()
    route, event = api.events[1]
    assert route == "sendMessage"
    assert set(event) == {"requestContext", "body", "isBase64Encoded"}  # no headers, no query
    context = event["requestContext"]
    assert context["eventType"] == "MESSAGE"
    assert context["routeKey"] == "sendMessage"
    assert re.fullmatch(_ID, context["messageId"])
    assert context["connectionId"] == api.events[0][1]["requestContext"]["connectionId"]
    assert context["connectedAt"] == api.events[0][1]["requestContext"]["connectedAt"]


def test_default_takes_what_no_route_takes():
    api = chat_api(routes={"$default": {"handler": echo, "route_response": True}})
    with GatewayServer([api]) as server:
        ws = connect(f"ws://127.0.0.1:{server.port}/prod")
        ws.send('{"action": "unknown"}')
        assert ws.recv() == 'echo {"action": "unknown"}'
        ws.send("not json")
        assert ws.recv() == "echo not json"
        ws.close()


def test_a_route_selection_expression_of_its_own():
    api = WebSocketApi(
        {"ping": {"handler": echo, "route_response": True}},
        route_selection="${request.body.message.type}",
    )
    with GatewayServer([api]) as server:
        ws = connect(f"ws://127.0.0.1:{server.port}/prod")
        ws.send('{"message": {"type": "ping"}}')
        assert ws.recv() == 'echo {"message": {"type": "ping"}}'
        ws.close()


def test_a_route_without_route_response_sends_nothing_back(served):
    api, url = served
    api._routes["quiet"] = (echo, False)
    ws = connect(url)
    ws.send('{"action": "quiet"}')
    ws.send('{"action": "sendMessage"}')
    assert ws.recv() == 'echo {"action": "sendMessage"}'  # the first sent nothing
    ws.close()


# -- in-band error frames ----------------------------------------------------------------


def test_no_route_and_no_default_gives_the_forbidden_frame_and_stays_open(served):
    _, url = served
    ws = connect(url)
    ws.send('{"action": "nope"}')
    first = FORBIDDEN.fullmatch(ws.recv())
    ws.send("not even json")
    second = FORBIDDEN.fullmatch(ws.recv())
    assert first
    assert second
    assert first[1] == second[1]  # the same connection
    assert first[2] != second[2]  # a new request id each time
    ws.send('{"action": "sendMessage"}')
    assert ws.recv().startswith("echo")  # still open
    ws.close()


def test_an_integration_error_gives_its_frame_and_stays_open(served):
    _, url = served
    ws = connect(url)
    ws.send('{"action": "explode"}')
    assert ERROR.fullmatch(ws.recv())
    ws.send('{"action": "sendMessage"}')
    assert ws.recv().startswith("echo")
    ws.close()


def test_a_non_2xx_on_a_two_way_route_is_an_integration_error():
    refuse = {"handler": lambda e, c: {"statusCode": 400, "body": "no"}, "route_response": True}
    api = WebSocketApi({"$default": refuse})
    with GatewayServer([api]) as server:
        ws = connect(f"ws://127.0.0.1:{server.port}/prod")
        ws.send("x")
        assert ERROR.fullmatch(ws.recv())
        ws.close()


def test_the_frames_are_spelled_as_captured():
    assert error_frame("Forbidden", "XDmENcnwIE0CFEQ=", "XDmGEE2RoE0FRdQ=") == (
        '{"message": "Forbidden", "connectionId":"XDmENcnwIE0CFEQ=",'
        ' "requestId":"XDmGEE2RoE0FRdQ="}'
    )
    assert WEBSOCKET_SCENARIOS["integration_error"].frame == error_frame(
        "Internal server error", "Qyi07eCbtjMCJKw=", "Qyi3UG41tjMFlUg="
    )
    for row in WEBSOCKET_SCENARIOS.values():
        assert row.sources
        assert all(tag in SOURCES for tag in row.sources)


# -- limits --------------------------------------------------------------------------------


def test_a_frame_over_32_kb_closes_with_1009(served):
    api, url = served
    ws = connect(url)
    ws.send("a" * (32 * 1024))  # at the limit: routed (to no route)
    assert FORBIDDEN.fullmatch(ws.recv())
    ws.send("a" * (32 * 1024 + 1))
    assert close_code(ws) == 1009
    wait_for(lambda: api.events[-1][0] == "$disconnect")
    assert api.events[-1][1]["requestContext"]["disconnectStatusCode"] == 1009


def test_a_message_over_128_kb_in_small_frames_closes_with_1009(served):
    _, url = served
    ws = connect(url)
    frame = websocket.ABNF.create_frame
    chunk = "a" * (32 * 1024)
    ws.send_frame(frame(chunk, websocket.ABNF.OPCODE_TEXT, fin=0))
    for _ in range(3):
        ws.send_frame(frame(chunk, websocket.ABNF.OPCODE_CONT, fin=0))
    ws.send_frame(frame("a", websocket.ABNF.OPCODE_CONT, fin=1))
    assert close_code(ws) == 1009


def test_a_binary_frame_closes_with_1003(served):
    _, url = served
    ws = connect(url)
    ws.send_binary(b"\x00\x01")
    assert close_code(ws) == 1003


def test_the_idle_timeout_passes_on_virtual_time(apigw_fault):
    api = apigw_fault.use_api(chat_api(virtual_time=True))
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/prod"
    ws = connect(url)
    started = time.monotonic()  # virtual: the ten minutes pass at once
    assert close_code(ws) == 1001  # ⚠️ the code is not captured
    assert 599.99 <= time.monotonic() - started < 601  # float rounding of a large clock
    wait_for(lambda: api.events[-1][0] == "$disconnect")
    assert api.events[-1][1]["requestContext"]["disconnectStatusCode"] == 1001


# -- $connect refused --------------------------------------------------------------------


def _refused(api: WebSocketApi) -> tuple[int, bytes]:
    with GatewayServer([api]) as server:
        with pytest.raises(websocket.WebSocketBadStatusException) as raised:
            connect(f"ws://127.0.0.1:{server.port}/prod")
    return raised.value.status_code, raised.value.resp_body


def test_connect_refused_with_the_integrations_status():
    api = WebSocketApi({"$connect": lambda e, c: {"statusCode": 403, "body": "go away"}})
    assert _refused(api) == (403, b"go away")


def test_connect_lambda_error_gives_502():
    assert _refused(WebSocketApi({"$connect": fails}))[0] == 502


def _policy(effect: str) -> Any:
    def authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {
            "principalId": "me",
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"],
            }]},
            "context": {"tenant": "t1"},
        }
    return authorizer


def test_an_authorizer_deny_gives_403():
    assert _refused(WebSocketApi({"$connect": nothing}, authorizer=_policy("Deny")))[0] == 403


def test_an_authorizer_unauthorized_gives_401():
    def unauthorized(event: Any, context: Any) -> Any:
        raise Exception("Unauthorized")

    assert _refused(WebSocketApi({"$connect": nothing}, authorizer=unauthorized))[0] == 401


def test_an_authorizer_allow_connects_with_its_context():
    api = WebSocketApi({"$connect": nothing}, authorizer=_policy("Allow"))
    with GatewayServer([api]) as server:
        connect(f"ws://127.0.0.1:{server.port}/prod").close()
    (_, authorizing), (_, connecting) = api.events[:2]
    assert authorizing["type"] == "REQUEST"
    assert authorizing["methodArn"].endswith(f":{api.place.api_id}/prod/$connect")
    assert connecting["requestContext"]["authorizer"] == {"principalId": "me", "tenant": "t1"}


def test_a_subprotocol_chosen_by_connect_is_answered():
    chosen = {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "chat"}}
    api = WebSocketApi({"$connect": lambda e, c: chosen})
    with GatewayServer([api]) as server:
        ws = connect(
            f"ws://127.0.0.1:{server.port}/prod", subprotocols=["chat"]
        )
        assert ws.getsubprotocol() == "chat"
        ws.close()


# -- $disconnect -----------------------------------------------------------------------------


def test_disconnect_event_when_the_client_closes(served):
    api, url = served
    ws = connect(url)
    ws.close(status=1000, reason=b"bye")
    wait_for(lambda: api.events[-1][0] == "$disconnect")
    event = api.events[-1][1]
    assert event["requestContext"]["eventType"] == "DISCONNECT"
    assert event["requestContext"]["disconnectStatusCode"] == 1000
    assert event["requestContext"]["disconnectReason"] == "bye"
    assert event["headers"]["x-restapi"] == ""
    assert api.connections == {}


def test_a_close_without_status_is_1005_as_captured(served):
    api, url = served
    ws = connect(url)
    ws.send_frame(websocket.ABNF.create_frame(b"", websocket.ABNF.OPCODE_CLOSE))
    wait_for(lambda: api.events[-1][0] == "$disconnect")
    context = api.events[-1][1]["requestContext"]
    assert context["disconnectStatusCode"] == 1005
    assert context["disconnectReason"] == "Client-side close frame status not set"


# -- other clients ----------------------------------------------------------------------


def test_websockets_asyncio_client(served):
    client = pytest.importorskip("websockets.asyncio.client")
    from websockets.exceptions import ConnectionClosedError

    _, url = served

    async def talk() -> tuple[str, str, int | None]:
        async with client.connect(url) as ws:
            await ws.send('{"action": "sendMessage"}')
            echoed = str(await ws.recv())
            await ws.send('{"action": "nope"}')
            forbidden = str(await ws.recv())
            await ws.send(["a" * 20000] * 8)  # 160 KB in eight frames
            try:
                await ws.recv()
            except ConnectionClosedError as closed:
                code = closed.rcvd.code if closed.rcvd else None
            return echoed, forbidden, code

    echoed, forbidden, code = asyncio.run(talk())
    assert echoed == 'echo {"action": "sendMessage"}'
    assert FORBIDDEN.fullmatch(forbidden)
    assert code == 1009


def test_aiohttp_ws_connect(served):
    aiohttp = pytest.importorskip("aiohttp")
    _, url = served

    async def talk() -> str:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(url) as ws:
                await ws.send_str('{"action": "explode"}')
                return str(await ws.receive_str())

    assert ERROR.fullmatch(asyncio.run(talk()))


def test_node_websocket(served):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    _, url = served
    script = (
        "const ws = new WebSocket(process.argv[1]);"
        "ws.onopen = () => ws.send(JSON.stringify({action: 'nope'}));"
        "ws.onmessage = (m) => { console.log(m.data); ws.close(1000); };"
    )
    flags = [] if _node_has_websocket(node) else ["--experimental-websocket"]
    done = subprocess.run(
        [node, *flags, "-e", script, url], capture_output=True, text=True, timeout=30
    )
    if "WebSocket is not defined" in done.stderr:
        pytest.skip("this node has no WebSocket")
    assert FORBIDDEN.fullmatch(done.stdout.strip()), done.stderr


def _node_has_websocket(node: str) -> bool:
    probe = subprocess.run(
        [node, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"],
        capture_output=True, timeout=30,
    )
    return probe.returncode == 0


# -- the API's declaration ------------------------------------------------------------------


def test_route_selection():
    path = check_selection("$request.body.action")
    assert select_route(path, '{"action": "a"}', ["a", "$default"]) == "a"
    assert select_route(path, '{"action": 1}', ["a", "$default"]) == "$default"
    assert select_route(path, '{"action": "$connect"}', ["$connect"]) is None
    assert select_route(path, "[]", ["a"]) is None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"routes": {"$conect": nothing}}, "did you mean '$connect'"),
        ({"routes": {}}, "takes a dict of route key"),
        ({"routes": {"a": 1}}, "is not callable"),
        ({"routes": {"a": {"handler": nothing, "two_way": True}}}, "route_response"),
        ({"routes": {"a": nothing}, "route_selection": "action"}, "$request.body.<key>"),
        ({"routes": {"a": nothing}, "url": "https://x.example/prod"}, "wss://{api-id}"),
    ],
)
def test_bad_declarations_are_refused_early(arguments, message):
    routes = arguments.pop("routes")
    with pytest.raises(ApigwFaultError, match=re.escape(message)):
        WebSocketApi(routes, **arguments)


def test_url_names_the_api():
    api = WebSocketApi(
        {"$default": nothing}, url="wss://abc123defg.execute-api.eu-west-1.amazonaws.com/dev"
    )
    assert (api.place.api_id, api.place.region, api.place.stage) == ("abc123defg", "eu-west-1",
                                                                     "dev")
    assert api.url == "wss://abc123defg.execute-api.eu-west-1.amazonaws.com/dev"
    assert api.takes("/dev?x=1", "127.0.0.1:8000")
    assert not api.takes("/prod", "127.0.0.1:8000")
    assert not api.takes("/dev", "other.execute-api.eu-west-1.amazonaws.com")


def test_an_upgrade_to_another_path_is_answered_as_before(served):
    _, url = served
    with pytest.raises(websocket.WebSocketBadStatusException) as raised:
        connect(url.replace("/prod", "/other"))
    assert raised.value.status_code == 404  # no fault answers it: the server's own 404


UPGRADE_SUITE = """
import websocket

from pytest_apigw_faults import WebSocketApi


def test_upgrade(apigw_fault):
    apigw_fault.use_api(WebSocketApi({"$default": lambda event, context: {"statusCode": 200}}))
    ws = websocket.create_connection(f"ws://127.0.0.1:{apigw_fault.server.port}/prod")
    ws.close()
"""


def test_an_upgrade_is_served_after_the_package_is_imported_again(pytester: pytest.Pytester):
    """httptools' errors module is pure Python: a second in-process run
    imports it afresh, while its compiled parser raises the first import's
    classes; the connection loop catches those."""
    pytest.importorskip("websocket")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_upgrade=UPGRADE_SUITE)
    for _ in range(2):
        pytester.runpytest("-p", "no:randomly", "-q").assert_outcomes(passed=1)
