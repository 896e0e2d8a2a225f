"""The WebSocket failures as a matrix: ``websocket_scenarios(...)`` in a
parametrized test, ``WebSocketApi.inject(row)`` making the API fail with a
row on demand, seen byte for byte by real clients; bad names and routes."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from pytest_apigw_faults import (
    WEBSOCKET_SCENARIOS,
    ApigwFaultError,
    WebSocketApi,
    classify_websocket,
    get_scenario,
    scenarios,
    websocket_scenarios,
)

pytest.importorskip("wsproto")
websocket = pytest.importorskip("websocket")  # websocket-client

pytest_plugins = ["pytester"]

_ID = r"[A-Za-z0-9+/]{15}="

MATRIX_SUITE = r'''
import json
import re
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_apigw_faults import (
    WebSocketApi, WebSocketClosed, WebSocketRefused, classify_websocket, websocket_scenarios,
)

ID = r"[A-Za-z0-9+/]{15}="


def send(event, context):
    return {"statusCode": 200, "body": "got " + json.loads(event["body"])["text"]}


def api():
    return WebSocketApi(
        {"$connect": lambda event, context: {"statusCode": 200},
         "$disconnect": lambda event, context: {"statusCode": 200},
         "sendMessage": {"handler": send, "route_response": True}},
        seed=7,
    )


@pytest.mark.parametrize("scenario", websocket_scenarios())
def test_every_row(apigw_fault, scenario):
    chat = apigw_fault.use_api(api())
    chat.inject(scenario)
    hello = json.dumps({"action": "sendMessage", "text": "hi"})
    if scenario.phase == "connect":
        with pytest.raises(WebSocketRefused) as refused:
            apigw_fault.websocket()
        assert (refused.value.status, refused.value.body) == (scenario.status, scenario.body)
        assert scenario in classify_websocket(refused.value)
    elif scenario.phase == "management":
        session = boto3.session.Session(  # its own: boto3's default one keeps its credentials
            aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
            region_name="us-east-1",
        )
        client = session.client(
            "apigatewaymanagementapi", endpoint_url=chat.url.replace("wss://", "https://"),
            config=Config(retries={"total_max_attempts": 1}),  # botocore retries a 429
        )
        ws = apigw_fault.websocket()
        with pytest.raises(ClientError) as refused:
            client.post_to_connection(ConnectionId=ws.connection_id, Data=b"hi")
        assert refused.value.response["Error"]["Code"] == scenario.error_type
        assert chat.management[-1][2] == scenario.status
        assert scenario in classify_websocket(refused.value)
        client.post_to_connection(ConnectionId=ws.connection_id, Data=b"again")
        assert ws.receive() == "again"  # once only
    elif scenario.phase == "connection":
        ws = apigw_fault.websocket()
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive()
        assert closed.value.code == scenario.close_code
        assert scenario in classify_websocket(closed.value)
        assert apigw_fault.websocket() is not None  # the next connection stays open
    else:
        ws = apigw_fault.websocket()
        ws.send(hello)
        if scenario.frame is not None:
            frame = ws.receive()
            message = json.loads(scenario.frame)["message"]
            assert re.fullmatch(
                '{"message": "%s", "connectionId":"%s", "requestId":"%s"}'
                % (message, re.escape(ws.connection_id), ID), frame
            )
            assert classify_websocket(frame).exact == (scenario,)
            ws.send(hello)
            assert ws.receive() == "got hi"  # once only
        else:
            with pytest.raises(WebSocketClosed) as closed:
                ws.receive()
            assert closed.value.code == scenario.close_code
            assert scenario in classify_websocket(closed.value).exact
            deadline = time.monotonic() + 5
            while not any(key == "$disconnect" for key, _ in chat.events):
                assert time.monotonic() < deadline
                time.sleep(0.01)
            disconnect = [event for key, event in chat.events if key == "$disconnect"]
            assert disconnect[-1]["requestContext"]["disconnectStatusCode"] == scenario.close_code
'''


def test_a_parametrized_test_runs_every_row_against_a_client(pytester: pytest.Pytester):
    pytest.importorskip("boto3")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_matrix=MATRIX_SUITE)
    result = pytester.runpytest("-p", "no:randomly", "-v")
    result.assert_outcomes(passed=len(WEBSOCKET_SCENARIOS))
    for name in WEBSOCKET_SCENARIOS:
        result.stdout.fnmatch_lines([f"*test_every_row?websocket-{name}? PASSED*"])


# -- the matrix -------------------------------------------------------------------------------


TIMES = "inject times= is a number from 1, or None (every time), "


def test_the_params_are_the_rows_with_their_ids():
    params = websocket_scenarios()
    assert [param.values[0] for param in params] == list(WEBSOCKET_SCENARIOS.values())
    assert [param.id for param in params] == [f"websocket-{name}" for name in WEBSOCKET_SCENARIOS]
    message = websocket_scenarios(phase="message")
    assert [param.id for param in message] == [
        "websocket-no_route", "websocket-integration_error", "websocket-integration_timeout",
        "websocket-frame_too_large", "websocket-message_too_large", "websocket-binary_frame",
    ]
    picked = websocket_scenarios("idle_timeout", "connect_refused")
    assert [param.id for param in picked] == ["websocket-connect_refused", "websocket-idle_timeout"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: websocket_scenarios("no_rute"),
         "unknown WebSocket scenario 'no_rute'; did you mean 'no_route'? Valid WebSocket"
         " scenarios: 'connect_refused', "),
        (lambda: websocket_scenarios("websocket-idle_timeout"),
         "unknown WebSocket scenario 'websocket-idle_timeout'; did you mean 'idle_timeout'?"),
        (lambda: websocket_scenarios("no_route", phase="connect"),
         "WebSocket scenario 'no_route' is of phase 'message', not 'connect'; the connect"
         " ones: 'connect_refused', "),
        (lambda: websocket_scenarios(phase="mesage"),
         "unknown WebSocket phase 'mesage'; did you mean 'message'? Valid WebSocket phases:"
         " 'connect', 'message', 'connection', 'management'"),
        (lambda: websocket_scenarios(3),  # type: ignore[arg-type]
         "unknown WebSocket scenario 3. Valid WebSocket scenarios: 'connect_refused', "),
        (lambda: scenarios("websocket-no_route"),
         "'websocket-no_route' is a failure of a WebSocket API, not of the scenario table:"
         " websocket_scenarios('no_route') gives its row"),
    ],
    ids=["typo", "id-for-name", "other-phase", "bad-phase", "not-a-str", "main-table"],
)
def test_bad_names_are_told_with_the_closest(call: Any, message: str):
    with pytest.raises(ApigwFaultError) as error:
        call()
    assert str(error.value).startswith(message)


# -- inject -----------------------------------------------------------------------------------


def on_send(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "got " + json.loads(event["body"])["text"]}


def chat() -> WebSocketApi:
    return WebSocketApi(
        {"$connect": lambda event, context: {"statusCode": 200},
         "sendMessage": {"handler": on_send, "route_response": True},
         "$default": {"handler": on_send, "route_response": True}},
        seed=3,
    )


def url(apigw_fault: Any) -> str:
    return f"ws://127.0.0.1:{apigw_fault.server.port}/prod"


def hello(action: str = "sendMessage") -> str:
    return json.dumps({"action": action, "text": "hi"})


def test_a_message_row_on_one_route_leaves_the_others(apigw_fault):
    api = apigw_fault.use_api(chat())
    row = api.inject("integration_error", route="sendMessage", times=2)
    assert row is WEBSOCKET_SCENARIOS["integration_error"]
    ws = websocket.create_connection(url(apigw_fault))
    ws.send(hello("other"))  # $default: not the route
    assert ws.recv() == "got hi"
    for _ in range(2):
        ws.send(hello())
        frame = ws.recv()
        assert re.fullmatch(
            rf'\{{"message": "Internal server error", "connectionId":"{_ID}",'
            rf' "requestId":"{_ID}"\}}', frame
        )
    ws.send(hello())
    assert ws.recv() == "got hi"
    assert [key for key, _ in api.events].count("sendMessage") == 1  # the row answered instead
    ws.close()


def test_a_close_row_closes_with_its_code_for_a_real_client(apigw_fault):
    api = apigw_fault.use_api(chat())
    api.inject(WEBSOCKET_SCENARIOS["binary_frame"])
    ws = websocket.create_connection(url(apigw_fault))
    ws.send(hello())
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert data == (1003).to_bytes(2, "big")  # no reason
    ws.shutdown()
    assert classify_websocket(close_code=1003).exact == (WEBSOCKET_SCENARIOS["binary_frame"],)


def test_a_connection_row_closes_the_next_connection_going_away(apigw_fault):
    api = apigw_fault.use_api(chat())
    api.inject("max_duration")
    ws = websocket.create_connection(url(apigw_fault))
    opcode, data = ws.recv_data(control_frame=True)
    assert (opcode, data) == (websocket.ABNF.OPCODE_CLOSE, b"\x03\xe9Going away")
    ws.shutdown()


def test_a_connect_row_refuses_the_upgrade_of_a_real_client(apigw_fault):
    api = apigw_fault.use_api(chat())
    api.inject("connect_forbidden", route="$connect")
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url(apigw_fault))
    assert refused.value.status_code == 403
    assert refused.value.resp_body == b'{"message":"Forbidden"}'
    found = classify_websocket(refused.value)
    assert found.exact == (WEBSOCKET_SCENARIOS["connect_forbidden"],)
    assert found.rows == (WEBSOCKET_SCENARIOS["connect_forbidden"],
                          WEBSOCKET_SCENARIOS["connect_refused"])
    ws = websocket.create_connection(url(apigw_fault))  # once only
    ws.close()


def test_a_management_row_is_refuse_management():
    api = chat()
    api.inject("management_limit_exceeded", times=2)
    assert api._refusals == ["limit_exceeded", "limit_exceeded"]


@pytest.mark.parametrize(
    ("scenario", "options", "message"),
    [
        ("no_rout", {}, "unknown WebSocket scenario 'no_rout'; did you mean 'no_route'?"),
        ("no_route", {"route": "sendMesage"},
         "no route 'sendMesage' takes messages in this API; did you mean 'sendMessage'? Its"
         " routes that do: 'sendMessage', '$default'"),
        ("no_route", {"route": "$connect"}, "no route '$connect' takes messages in this API"),
        ("idle_timeout", {"route": "sendMessage"},
         "websocket-idle_timeout is a failure of phase 'connection', which has no route:"
         " leave route= out"),
        ("connect_refused", {"route": "sendMessage"},
         "websocket-connect_refused is a failure of phase 'connect', which has no route:"
         " leave route= out (or give '$connect')"),
        ("no_route", {"times": 0}, TIMES + "got 0"),
        ("no_route", {"times": True}, TIMES + "got True"),
        ("management_gone", {"times": None},
         "websocket-management_gone: times= counts the management calls it refuses: give a"
         " number from 1"),
        (get_scenario("function_error", api="rest"), {},
         "'rest-function_error' is a row of the scenario table (HTTP answers):"
         " WebSocketApi.inject takes a WebSocket row"),
    ],
    ids=["typo", "route-typo", "connect-route", "connection-route", "connect-other-route",
         "times-0", "times-bool", "management-every-time", "main-row"],
)
def test_bad_injections_are_told(scenario: Any, options: dict[str, Any], message: str):
    with pytest.raises(ApigwFaultError) as error:
        chat().inject(scenario, **options)
    assert str(error.value).startswith(message)


def test_the_docs_table_has_every_row_with_its_evidence_and_sources():
    from pytest_apigw_faults._docs.table import websocket_table

    table = websocket_table()
    for row in WEBSOCKET_SCENARIOS.values():
        assert f"| `{row.id}` | {row.phase} | " in table
        assert f" | {row.evidence.value} ({', '.join(row.sources)}) | " in table
        for tag in row.sources:
            assert f"\n- `{tag}`: " in table
    assert "| close 1009 |" in table
    assert '| 410, `GoneException`, no body |' in table


def test_the_names_are_literal_types_a_type_checker_holds_a_typo_against(tmp_path, monkeypatch):
    import typing
    from pathlib import Path

    from pytest_apigw_faults import WebSocketPhaseName, WebSocketScenarioName
    from pytest_apigw_faults._gateway.websocket import PHASES

    assert typing.get_args(WebSocketScenarioName) == tuple(WEBSOCKET_SCENARIOS)
    assert typing.get_args(WebSocketPhaseName) == PHASES
    api = pytest.importorskip("mypy.api", reason="mypy (in the dev dependency group)")
    package_root = Path(__import__("pytest_apigw_faults").__file__).parents[1]
    if "site-packages" not in package_root.parts:  # a source checkout
        monkeypatch.setenv("MYPYPATH", str(package_root))
    snippet = tmp_path / "typos.py"
    snippet.write_text(
        "from pytest_apigw_faults import WebSocketApi, classify_websocket, websocket_scenarios\n"
        "websocket_scenarios('no_rute')\n"
        "websocket_scenarios('no_route', phase='mesage')\n"
        "WebSocketApi({'$default': print}).inject('idle_timeot')\n"
        "classify_websocket(close_code=1009, phase='conect')\n"
        "websocket_scenarios('no_route', phase='message')\n",
        encoding="utf-8",
    )
    out, err, _ = api.run(
        ["--strict", "--python-version", "3.10", "--config-file", "", "--no-error-summary",
         "--hide-error-context", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )  # fmt: skip
    lines = [line.split(":", 1)[1].split(":", 1)[0] for line in out.splitlines()
             if ": error: " in line]
    assert lines == ["2", "3", "4", "5"], out + err
