"""The @connections management API of a WebSocket API: boto3's
apigatewaymanagementapi calls answered in-process and through the loopback
server, byte for byte where the service model and the captures say; and a
chat app tested end to end."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from typing import Any
from urllib.parse import quote

import pytest

from pytest_apigw_faults import (
    ApigwFaultError,
    IamAuth,
    IamCredentials,
    WebSocketApi,
    WebSocketClosed,
    WebSocketRefused,
)
from pytest_apigw_faults._core import connections
from pytest_apigw_faults._gateway.connections import management_call
from pytest_apigw_faults._gateway.websocket import WEBSOCKET_SCENARIOS

boto3 = pytest.importorskip("boto3")
pytest.importorskip("wsproto")
from botocore.config import Config  # noqa: E402

_ID = r"[A-Za-z0-9+/]{15}="
KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def wait_for(predicate: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def management(api: WebSocketApi, **options: Any) -> Any:
    """A boto3 client of ``api``'s management API, as a handler makes one."""
    url = api.url.replace("wss://", "https://")
    return boto3.client("apigatewaymanagementapi", endpoint_url=url, **options)


# -- the chat app ----------------------------------------------------------------------------
# As AWS's simple-websockets-chat-app: $connect keeps the id, sendmessage posts
# the data to every connection through the management API, and drops the
# connections that are gone (410).

ROOM: set[str] = set()


def on_connect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ROOM.add(event["requestContext"]["connectionId"])
    return {"statusCode": 200}


def on_disconnect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ROOM.discard(event["requestContext"]["connectionId"])
    return {"statusCode": 200}


def send_message(event: dict[str, Any], context: Any) -> dict[str, Any]:
    context_ = event["requestContext"]
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"https://{context_['domainName']}/{context_['stage']}",
    )
    data = json.loads(event["body"])["data"]
    for connection_id in sorted(ROOM):
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data.encode())
        except client.exceptions.GoneException:
            ROOM.discard(connection_id)
    return {"statusCode": 200, "body": "Data sent."}


def chat(**options: Any) -> WebSocketApi:
    ROOM.clear()
    return WebSocketApi(
        {"$connect": on_connect, "$disconnect": on_disconnect, "sendmessage": send_message},
        seed=7, **options,
    )


def test_a_chat_app_end_to_end(apigw_fault):
    api = apigw_fault.use_api(chat())
    alice, bob, carol = (apigw_fault.websocket() for _ in range(3))
    alice.send('{"action": "sendmessage", "data": "hello"}')
    assert alice.receive() == bob.receive() == carol.receive() == "hello"  # its own too

    # a gone peer: alice's socket goes away, and her id stays in the table
    alice.abandon()
    # her $disconnect ran (the handler drops her id), then put it back, as when
    # $disconnect failed
    wait_for(lambda: alice.connection_id not in api.connections
             and alice.connection_id not in ROOM)
    ROOM.add(alice.connection_id or "")
    bob.send('{"action": "sendmessage", "data": "still here?"}')
    assert bob.receive() == carol.receive() == "still here?"
    assert alice.connection_id not in ROOM  # the handler dropped it on its 410
    assert ("PostToConnection", alice.connection_id, 410) in api.management

    # an oversized frame closes bob's connection with 1009
    bob.send("x" * (32 * 1024 + 1))
    assert bob.closed_with() == 1009
    carol.close()
    wait_for(lambda: set() == ROOM)
    codes = {event["requestContext"]["connectionId"]:
             event["requestContext"]["disconnectStatusCode"]
             for key, event in api.events if key == "$disconnect"}
    assert codes == {alice.connection_id: 1006, bob.connection_id: 1009,
                     carol.connection_id: 1000}


def test_a_chat_client_idle_for_ten_minutes_is_closed_on_virtual_time(apigw_fault):
    api = apigw_fault.use_api(chat(virtual_time=True))
    alice = apigw_fault.websocket()
    assert alice.closed_with() == 1001  # ⚠️ the code is not captured
    assert 599.99 <= apigw_fault.elapsed < 601
    wait_for(lambda: api.events[-1][0] == "$disconnect")
    assert api.events[-1][1]["requestContext"]["disconnectStatusCode"] == 1001
    wait_for(lambda: not ROOM)  # the $disconnect handler ran (it is recorded before it runs)


def test_frames_are_recorded_both_ways(apigw_fault):
    api = apigw_fault.use_api(chat())
    alice = apigw_fault.websocket()
    alice.send('{"action": "sendmessage", "data": "hi"}')
    assert alice.receive() == "hi"
    alice.close()
    assert [(f.direction, f.data) for f in alice.frames] == [
        ("in", '{"action": "sendmessage", "data": "hi"}'), ("out", "hi"),
    ]
    assert api.frames == alice.frames


# -- the answers, byte for byte ---------------------------------------------------------------


def test_post_to_connection_delivers_a_text_frame(apigw_fault):
    api = apigw_fault.use_api(chat())
    alice = apigw_fault.websocket()
    answer = management(api).post_to_connection(ConnectionId=alice.connection_id, Data=b"hi")
    assert alice.receive() == "hi"
    meta = answer["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 200
    assert list(meta["HTTPHeaders"]) == [
        "date", "content-type", "content-length", "x-amzn-requestid", "x-amz-apigw-id",
    ]
    assert meta["HTTPHeaders"]["content-length"] == "0"


def test_a_gone_connection_gives_410_without_a_body(apigw_fault):
    api = apigw_fault.use_api(chat())
    client = management(api)
    with pytest.raises(client.exceptions.GoneException) as raised:
        client.post_to_connection(ConnectionId="NoSuchConn0000=", Data=b"x")
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 410
    assert response["Error"] == {"Code": "GoneException", "Message": ""}
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-errortype"] == "GoneException"
    assert headers["content-length"] == "0"
    for call in (client.get_connection, client.delete_connection):
        with pytest.raises(client.exceptions.GoneException):
            call(ConnectionId="NoSuchConn0000=")


def test_get_connection_as_the_model_shapes_it(apigw_fault):
    api = apigw_fault.use_api(chat())
    alice = apigw_fault.websocket(headers={"User-Agent": "chat/1.0"})
    found = management(api).get_connection(ConnectionId=alice.connection_id)
    assert found["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "chat/1.0"}
    assert found["LastActiveAt"] >= found["ConnectedAt"]
    wire = connections.manage(
        api, "GET", f"/prod/@connections/{quote(alice.connection_id or '', safe='')}",
        {"Authorization": "AWS4-HMAC-SHA256 ..."}, b"",
    )
    assert wire is not None
    assert re.fullmatch(
        rb'\{"connectedAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","identity":'
        rb'\{"sourceIp":"127\.0\.0\.1","userAgent":"chat/1\.0"\},'
        rb'"lastActiveAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}',
        wire.body,
    )


def test_delete_connection_closes_with_1000(apigw_fault):
    api = apigw_fault.use_api(chat())
    alice = apigw_fault.websocket()
    answer = management(api).delete_connection(ConnectionId=alice.connection_id)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(WebSocketClosed) as closed:
        alice.receive()
    assert closed.value.code == 1000  # ⚠️ the close frame's code
    wait_for(lambda: api.events[-1][0] == "$disconnect")
    key, event = api.events[-1]
    assert key == "$disconnect"
    assert event["requestContext"]["disconnectStatusCode"] == 1000
    assert event["requestContext"]["disconnectReason"] == "Connection Closed Normally"


def test_data_over_128_kb_gives_413(apigw_fault):
    api = apigw_fault.use_api(chat())
    alice = apigw_fault.websocket()
    client = management(api)
    client.post_to_connection(ConnectionId=alice.connection_id, Data=b"a" * 131072)
    assert len(alice.receive()) == 131072
    with pytest.raises(client.exceptions.PayloadTooLargeException) as raised:
        client.post_to_connection(ConnectionId=alice.connection_id, Data=b"a" * 131073)
    assert raised.value.response["Error"]["Message"] == "Request Too Long"


def test_429_is_retried_by_botocore(apigw_fault):
    api = apigw_fault.use_api(chat(virtual_time=True))
    alice = apigw_fault.websocket()
    api.refuse_management("limit_exceeded", times=2)
    answer = management(api).post_to_connection(ConnectionId=alice.connection_id, Data=b"x")
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert [status for _, _, status in api.management] == [429, 429, 200]
    assert alice.receive() == "x"
    api.refuse_management("forbidden")
    client = management(api, config=Config(retries={"max_attempts": 1}))
    with pytest.raises(client.exceptions.ForbiddenException):
        client.get_connection(ConnectionId=alice.connection_id)


def test_posting_from_connect_gives_410(apigw_fault):
    def greet(event: dict[str, Any], context: Any) -> dict[str, Any]:
        context_ = event["requestContext"]
        client = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=f"https://{context_['domainName']}/{context_['stage']}",
        )
        try:
            client.post_to_connection(ConnectionId=context_["connectionId"], Data=b"welcome")
        except client.exceptions.GoneException:
            return {"statusCode": 200}
        return {"statusCode": 500}

    apigw_fault.use_api(WebSocketApi({"$connect": greet}))
    apigw_fault.websocket()  # connected: the post got its 410 [RP-GONE]


def test_the_rows_have_their_evidence():
    for name in ("gone", "forbidden", "payload_too_large", "limit_exceeded"):
        row = WEBSOCKET_SCENARIOS[f"management_{name}"]
        assert row.phase == "management"
        assert row.error_type
        assert row.error_type.endswith("Exception")
    assert WEBSOCKET_SCENARIOS["management_gone"].body == b""


# -- signatures -------------------------------------------------------------------------------


def test_iam_verifies_the_signature(apigw_fault):
    iam = IamAuth({KEY: IamCredentials(secret=SECRET)})
    api = apigw_fault.use_api(chat(iam=iam))
    alice = apigw_fault.websocket()
    management(api).post_to_connection(ConnectionId=alice.connection_id, Data=b"signed")
    assert alice.receive() == "signed"
    wrong = management(api, aws_access_key_id=KEY, aws_secret_access_key="not-the-secret")
    with pytest.raises(wrong.exceptions.ClientError) as raised:
        wrong.post_to_connection(ConnectionId=alice.connection_id, Data=b"x")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert raised.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_an_unsigned_call_gets_403_missing_authentication_token(apigw_fault):
    from botocore import UNSIGNED

    api = apigw_fault.use_api(chat())
    alice = apigw_fault.websocket()
    client = management(api, config=Config(signature_version=UNSIGNED))
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.post_to_connection(ConnectionId=alice.connection_id, Data=b"x")
    assert raised.value.response["Error"]["Message"] == "Missing Authentication Token"


# -- the hook's life ----------------------------------------------------------------------------


def test_the_hook_is_there_only_while_an_api_is_started():
    from pytest_apigw_faults._adapters import botocore as hook

    api = chat()
    assert not hook.installed()
    with api:
        assert hook.installed()
        client = management(api)
        with pytest.raises(client.exceptions.GoneException):  # answered, not sent
            client.get_connection(ConnectionId="x")
        other = "https://other1234.execute-api.us-east-1.amazonaws.com/prod/@connections/x"
        assert connections.answer_in_process("GET", other, {}, b"") is None
        wrong_stage = api.url.replace("wss://", "https://").replace("/prod", "/dev")
        refused = connections.answer_in_process("GET", wrong_stage + "/@connections/x", {}, b"")
        assert refused is not None
        assert refused.status == 403
    assert not hook.installed()
    assert connections.started() == ()


def test_refuse_management_names_its_choices():
    with pytest.raises(ApigwFaultError, match="did you mean 'limit_exceeded'"):
        chat().refuse_management("limit_exceded")


def test_management_paths():
    assert management_call("POST", "/prod/@connections/abc%3D", "prod").connection_id == "abc="
    assert management_call("GET", "/prod/%40connections/a%2Fb", "prod").connection_id == "a/b"
    assert management_call("PUT", "/prod/@connections/abc", "prod") is None
    assert management_call("GET", "/dev/@connections/abc", "prod") is None


def test_a_refused_connect_raises_with_status_and_body(apigw_fault):
    refuse = {"$connect": lambda event, context: {"statusCode": 401, "body": "no"}}
    apigw_fault.use_api(WebSocketApi(refuse))
    with pytest.raises(WebSocketRefused) as raised:
        apigw_fault.websocket()
    assert (raised.value.status, raised.value.body) == (401, b"no")


# -- through the loopback server ------------------------------------------------------------------

_SUBPROCESS = """
import sys, boto3
client = boto3.client("apigatewaymanagementapi", endpoint_url=sys.argv[1],
                      region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                      aws_secret_access_key="secret")
client.post_to_connection(ConnectionId=sys.argv[2], Data=b"from afar")
try:
    client.get_connection(ConnectionId="NoSuchConn0000=")
except client.exceptions.GoneException as gone:
    print(gone.response["ResponseMetadata"]["HTTPStatusCode"])
"""


def test_a_subprocess_reaches_the_management_api_through_the_server(apigw_fault):
    apigw_fault.use_api(chat())
    alice = apigw_fault.websocket()
    done = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS, apigw_fault.server.url + "/prod",
         alice.connection_id or ""],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "410"
    assert alice.receive() == "from afar"
