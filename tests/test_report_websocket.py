"""WebSocket connections in the resilience report: the roll-up, the
per-test lines, the JSON rows (``answered_by`` per connection) and the HTML
page, from a suite of reconnect loops run by pytester."""

from __future__ import annotations

import json
import re

import pytest
from support import INI

pytest.importorskip("websocket")  # websocket-client
pytest.importorskip("wsproto")
pytest.importorskip("time_machine")

SUITE = '''
import struct

import pytest
import websocket

from pytest_apigw_faults import WebSocketApi


def echo(event, context):
    return {"statusCode": 200, "body": "echo " + event["body"]}


def chat(apigw_fault):
    apigw_fault.use_api(WebSocketApi(
        {"$connect": lambda e, c: {"statusCode": 200},
         "hello": {"handler": echo, "route_response": True}},
        seed=1, virtual_time=True,
    ))
    return f"ws://127.0.0.1:{apigw_fault.server.port}/prod"


def closed_with(ws):
    opcode, data = ws.recv_data(control_frame=True)
    ws.shutdown()
    return struct.unpack("!H", data[:2])[0]


def talk(url):
    ws = websocket.create_connection(url)
    ws.send('{"action": "hello"}')
    assert ws.recv() == 'echo {"action": "hello"}'
    ws.close()


def test_reconnects_after_1009(apigw_fault):
    url = chat(apigw_fault)
    ws = websocket.create_connection(url)
    ws.send("x" * 40000)
    assert closed_with(ws) == 1009
    talk(url)
    apigw_fault.assert_reconnected(times=1, after="frame_too_large")


def test_reconnects_after_an_idle_close(apigw_fault):
    url = chat(apigw_fault)
    assert closed_with(websocket.create_connection(url)) == 1001
    talk(url)
    apigw_fault.assert_reconnected(times=1, after="idle_timeout")


def test_gives_up_after_a_binary_frame(apigw_fault):
    url = chat(apigw_fault)
    ws = websocket.create_connection(url)
    ws.send_binary(b"\\x00")
    assert closed_with(ws) == 1003
    apigw_fault.assert_reconnected(after="binary_frame")


def test_a_typo(apigw_fault):
    ws = websocket.create_connection(chat(apigw_fault))
    ws.send('{"action": "helo"}')
    assert ws.recv().startswith('{"message": "Forbidden"')
    ws.close()
'''

ROLLUP = [
    "scenario                   tests  passed  failed  attempts",
    "websocket-binary_frame         1       0       1         1",
    "websocket-frame_too_large      1       1       0         1",
    "websocket-idle_timeout         1       1       0         1",
    "websocket-no_route             1       1       0         1",
]
FAILED = [
    "failed tests (-v lists every test):",
    "test / scenario                                      attempts  outcome      time",
    "test_suite.py::test_gives_up_after_a_binary_frame",
    "F websocket-binary_frame                                    1  closed 1003   0 s",
]
TESTS = [
    "test / scenario                                     attempts  outcome       time",
    "test_suite.py::test_a_typo",
    "  websocket-no_route                                       1  closed 1000    0 s",
    "test_suite.py::test_gives_up_after_a_binary_frame",
    "F websocket-binary_frame                                   1  closed 1003    0 s",
    "test_suite.py::test_reconnects_after_1009",
    "  websocket-frame_too_large                                2  closed 1000    0 s",
    "test_suite.py::test_reconnects_after_an_idle_close",
    "  websocket-idle_timeout                                   2  closed 1000  600 s",
]
SUMMARY = "4 tests with faults: 3 passed, 1 failed; 6 attempts, 600 s virtual time"


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("COLUMNS", "80")
    pytester.makeini(INI)
    pytester.makepyfile(test_suite=SUITE)
    return pytester


def report_lines(result: pytest.RunResult) -> list[str]:
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if "API Gateway resilience report" in line)
    end = next(i for i in range(start, len(lines)) if "virtual time" in lines[i])
    return lines[start + 1 : end + 1]


def test_the_roll_up_and_the_failed_test(suite):
    result = suite.runpytest("-p", "no:randomly", "--apigw-report")
    result.assert_outcomes(passed=3, failed=1)
    assert report_lines(result) == [*ROLLUP, *FAILED, SUMMARY]
    result.stdout.re_match_lines([
        re.escape(line) for line in [
            "E       AssertionError: expected at least 1 reconnect after"
            " websocket-binary_frame, got no reconnect after it (1 connection):",
            "E         connections (1):",
        ]
    ] + [
        r"E           #0 [A-Za-z0-9+/]{15}= opened at \+0 s, closed 1003"
        r" \(websocket-binary_frame\) by the gateway at \+0 s",
        re.escape("E         sleeps: none"),
        re.escape("E         elapsed: 0 s (virtual time)"),
    ])


def test_with_v_every_test(suite):
    result = suite.runpytest("-p", "no:randomly", "--apigw-report", "-v")
    assert report_lines(result) == [*ROLLUP, *TESTS, SUMMARY]


def test_the_json_rows_carry_each_connection(suite):
    suite.runpytest("-p", "no:randomly", "--apigw-report-json=report.json")
    document = json.loads((suite.path / "report.json").read_text())
    rows = {row["test"]: row for row in document["tests"]}
    idle = rows["test_suite.py::test_reconnects_after_an_idle_close"]
    assert idle["scenario"] == "websocket-idle_timeout"
    assert idle["calls"] == []
    first, second = idle["connections"]
    assert re.fullmatch(r"[A-Za-z0-9+/]{15}=", first.pop("connection_id"))
    second.pop("connection_id")
    assert first == {
        "answered_by": "websocket-idle_timeout", "opened_at": 0.0, "closed_at": 600.0,
        "closed_by": "gateway", "close_code": 1001, "status": 101, "errors": [],
        "outcome": "closed 1001",
    }
    assert second == {
        "answered_by": "websocket 1000", "opened_at": 600.0, "closed_at": 600.0,
        "closed_by": "client", "close_code": 1000, "status": 101, "errors": [],
        "outcome": "closed 1000",
    }
    typo = rows["test_suite.py::test_a_typo"]
    assert [(c["answered_by"], c["errors"]) for c in typo["connections"]] == [
        ("websocket 1000", ["websocket-no_route"])
    ]


def test_the_html_page_draws_each_connection(suite):
    suite.runpytest("-p", "no:randomly", "--apigw-report-html=report.html")
    page = (suite.path / "report.html").read_text()
    columns = re.findall(r'<th class="scenario" scope="col">([^<]*)</th>', page)
    assert columns == [
        "websocket-binary_frame", "websocket-frame_too_large", "websocket-idle_timeout",
        "websocket-no_route",
    ]
    connections = re.findall(
        r'<li class="(connection [a-z-]+)" data-answered-by="([^"]*)"'
        r' data-opened-at="([^"]*)" data-outcome="([^"]*)">', page
    )
    assert (
        "connection gateway", "websocket-idle_timeout", "0.0", "closed 1001"
    ) in connections
    assert ("connection client", "websocket 1000", "600.0", "closed 1000") in connections
    texts = re.sub(r"[A-Za-z0-9+/]{15}=", "ID", page)
    assert "#0 +0 s websocket-idle_timeout ID: closed 1001 by the gateway at +600 s" in texts
    assert "#1 +600 s websocket 1000 ID: closed 1000 by the client at +600 s" in texts
    assert ("#0 +0 s websocket 1000 ID, error frame websocket-no_route: closed 1000 by the"
            " client at +0 s") in texts
