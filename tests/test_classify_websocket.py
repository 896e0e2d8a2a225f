"""classify_websocket(): the WebSocket rows a refused upgrade, an error
frame, a close code or a refused @connections call is consistent with, from
plain values and from the outcome objects of the clients."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from pytest_apigw_faults import (
    WEBSOCKET_SCENARIOS,
    ApigwFaultError,
    WebSocketClassification,
    WebSocketClosed,
    WebSocketRefused,
    classify,
    classify_websocket,
)
from pytest_apigw_faults._core.websocket_api import Frame

ROW = WEBSOCKET_SCENARIOS
FORBIDDEN = (
    '{"message": "Forbidden", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="}'
)
ERROR = (
    '{"message": "Internal server error", "connectionId":"Qyi07eCbtjMCJKw=",'
    ' "requestId":"Qyi3UG41tjMFlUg="}'
)


def names(found: WebSocketClassification) -> list[str]:
    return [row.name for row in found]


# -- frames -----------------------------------------------------------------------------------


def test_an_error_frame_is_its_row_whatever_its_ids():
    assert classify_websocket(frame=FORBIDDEN).exact == (ROW["no_route"],)
    other_ids = FORBIDDEN.replace("XDmENcnwIE0CFEQ=", "AbCdEfGh0123+/Q=")
    assert classify_websocket(other_ids).exact == (ROW["no_route"],)
    found = classify_websocket(ERROR)
    assert found.best is ROW["integration_error"]
    assert found.ranking[0].exact
    assert found.hints == ()


def test_a_frame_spaced_otherwise_is_read_leniently():
    compact = FORBIDDEN.replace(": ", ":").replace(", ", ",")
    found = classify_websocket(compact)
    assert found.rows == (ROW["no_route"],)
    assert found.exact == ()
    assert found.ranking[0].score == 2
    assert found.ranking[0].lenient == ("spacing: not as captured",)


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (FORBIDDEN.replace("Forbidden", "Limit Exceeded"),
         "`websocket-no_route`: message 'Limit Exceeded', not 'Forbidden'"),
        (FORBIDDEN.replace("XDmENcnwIE0CFEQ=", "abc"),
         "`websocket-no_route`: connectionId 'abc': not 16 characters of base64"),
        ("got hi", "`websocket-no_route`: no error frame"),
    ],
    ids=["message", "id-form", "not-a-frame"],
)
def test_a_frame_no_row_sends_says_why(frame: str, reason: str):
    found = classify_websocket(frame=frame)
    assert found == ()
    assert found.best is None
    assert found.reasons[0].startswith(reason)
    assert repr(found).startswith("<WebSocketClassification: no row; ")


# -- close codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "rows"),
    [
        (1009, ["frame_too_large", "message_too_large"]),
        (1003, ["binary_frame"]),
        (1001, ["idle_timeout", "max_duration"]),
    ],
)
def test_a_close_code_is_every_row_closing_with_it(code: int, rows: list[str]):
    found = classify_websocket(close_code=code)
    assert names(found) == rows
    assert names(classify_websocket(WebSocketClosed(code, ""))) == rows
    assert found.exact == found.rows
    if len(rows) > 1:
        assert found.hints == (
            f"`websocket-{rows[0]}`, `websocket-{rows[1]}` look alike to a client;"
            " their causes differ",
        )


def test_a_close_no_row_sends_says_why():
    found = classify_websocket(WebSocketClosed(1000, ""))
    assert found == ()
    assert "`websocket-binary_frame`: close code 1000, not 1003" in found.reasons
    assert classify_websocket(WebSocketClosed(None, "")).reasons[0].endswith(
        "close code 1005, not 1009"
    )


def test_the_frames_of_an_api_are_classified():
    assert names(classify_websocket(Frame("id", "out", None, 1003))) == ["binary_frame"]
    assert names(classify_websocket(Frame("id", "out", ERROR))) == ["integration_error"]


# -- refusals ---------------------------------------------------------------------------------


def test_a_refused_upgrade_is_a_connect_row():
    refused = WebSocketRefused(403, [], b'{"message":"Forbidden"}')
    found = classify_websocket(refused)
    assert found.exact == (ROW["connect_forbidden"],)
    assert names(found) == ["connect_forbidden", "connect_refused"]  # the integration's own
    assert found.ranking[1].lenient == (
        "the status and body are the $connect integration's own",
    )
    assert repr(found) == (
        "<WebSocketClassification: websocket-connect_forbidden (exact),"
        " websocket-connect_refused (score 2)>"
    )


def test_without_its_phase_a_403_may_be_a_management_call():
    found = classify_websocket(status="403 Forbidden", body='{"message":"Forbidden"}')
    assert names(found) == ["connect_forbidden", "management_forbidden", "connect_refused"]
    assert found.ranking[1].unseen == ("error_type",)
    assert any(hint.startswith("phase= tells ") for hint in found.hints)
    assert names(classify_websocket(status=403, phase="management")) == ["management_forbidden"]


def test_a_body_spaced_otherwise_is_read_leniently():
    found = classify_websocket(status=401, body=b'{"message": "Unauthorized"}', phase="connect")
    assert found.ranking[0].row is ROW["connect_unauthorized"]
    assert found.ranking[0].lenient == ("body: the same JSON, spaced otherwise",)


def test_a_status_alone_leaves_the_body_unknown():
    found = classify_websocket(status=502)
    assert names(found) == ["connect_lambda_error", "connect_refused"]
    assert found.ranking[0].unseen == ("body",)
    assert found.hints[0].startswith("`body` not given: it tells ")


def test_a_2xx_is_no_refusal():
    found = classify_websocket(status=200)
    assert found == ()
    assert "`websocket-connect_refused`: status 200 is no refusal" in found.reasons


def test_a_refused_management_call_from_botocore():
    botocore = pytest.importorskip("botocore.exceptions")
    error = botocore.ClientError(
        {"Error": {"Code": "GoneException", "Message": ""},
         "ResponseMetadata": {"HTTPStatusCode": 410}},
        "PostToConnection",
    )
    found = classify_websocket(error)
    assert names(found) == ["management_gone"]
    assert found.ranking[0].unseen == ("body",)  # botocore keeps no body
    wrong = classify_websocket(status=410, error_type="LimitExceededException")
    assert "`websocket-management_gone`: error type 'LimitExceededException', not" \
        " 'GoneException'" in wrong.reasons


def test_the_outcomes_of_websocket_client():
    websocket = pytest.importorskip("websocket")
    error = websocket.WebSocketBadStatusException(
        "Handshake status %d %s", 502, "Bad Gateway", {},
        b'{"message": "Internal server error"}',
    )
    assert classify_websocket(error).exact == (ROW["connect_lambda_error"],)


def test_the_outcomes_of_websockets():
    websockets = pytest.importorskip("websockets")
    from websockets.datastructures import Headers
    from websockets.frames import Close
    from websockets.http11 import Response

    refused = websockets.exceptions.InvalidStatus(
        Response(401, "Unauthorized", Headers(), b'{"message":"Unauthorized"}')
    )
    assert classify_websocket(refused).exact == (ROW["connect_unauthorized"],)
    closed = websockets.exceptions.ConnectionClosedError(Close(1009, ""), None)
    assert names(classify_websocket(closed)) == ["frame_too_large", "message_too_large"]
    dropped = websockets.exceptions.ConnectionClosedError(None, None)
    assert classify_websocket(dropped) == ()  # 1006: no close frame


def test_the_outcomes_of_aiohttp():
    aiohttp = pytest.importorskip("aiohttp")
    message = aiohttp.WSMessage(aiohttp.WSMsgType.CLOSE, 1003, "")
    assert names(classify_websocket(message)) == ["binary_frame"]
    text = aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, FORBIDDEN, None)
    assert names(classify_websocket(text)) == ["no_route"]
    refused = aiohttp.WSServerHandshakeError(None, (), status=403)  # type: ignore[arg-type]
    assert names(classify_websocket(refused)) == ["connect_forbidden", "connect_refused"]


def test_the_answer_pickles():
    found = classify_websocket(status=403)
    again = pickle.loads(pickle.dumps(found))
    assert again == found
    assert (again.ranking, again.hints) == (found.ranking, found.hints)


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: classify_websocket(), TypeError, "classify_websocket() takes one outcome"),
        (lambda: classify_websocket(status=403, close_code=1009), TypeError,
         "classify_websocket() takes one outcome: a refusal (status=, with body= and"
         " error_type= when known), an error frame (frame=) or a close code (close_code=);"
         " got status, close_code"),
        (lambda: classify_websocket(body=b"{}", frame=FORBIDDEN), TypeError,
         "classify_websocket(): body= and error_type= go with status="),
        (lambda: classify_websocket(WebSocketClosed(1009, ""), status=403), TypeError,
         "classify_websocket() takes an outcome or status="),
        (lambda: classify_websocket(object()), TypeError,
         "classify_websocket() takes a refused upgrade (WebSocketRefused"),
        (lambda: classify_websocket(close_code="1009"), TypeError,
         "close_code= takes an int (1009), got '1009'"),
        (lambda: classify_websocket(status=99), ApigwFaultError,
         "status 99 is no HTTP status (100 to 599)"),
        (lambda: classify_websocket(close_code=1009, phase="conection"), ApigwFaultError,
         "unknown WebSocket phase 'conection'; did you mean 'connection'?"),
        (lambda: classify_websocket(close_code=1009, phase="connect"), ApigwFaultError,
         "no WebSocket row of phase 'connect' has a close code"),
    ],
    ids=["nothing", "two", "body-no-status", "both", "unknown", "code-str", "status",
         "phase-typo", "phase-without"],
)
def test_bad_input_is_told(call: Any, error: type[Exception], message: str):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value).startswith(message)


def test_classify_points_a_websocket_outcome_to_classify_websocket():
    with pytest.raises(TypeError, match=r"a WebSocket outcome goes to classify_websocket\(\)"):
        classify(WebSocketClosed(1009, ""))
