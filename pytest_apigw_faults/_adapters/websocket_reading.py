"""A WebSocket outcome read as plain values for
:func:`~.._gateway.websocket_classify.websocket_rows_consistent_with`: a
refused upgrade, a refused ``@connections`` call, a frame, a close.

The outcome objects of the clients are told apart by what they have,
without importing any client library: this package's
:class:`WebSocketRefused` and :class:`WebSocketClosed` (and the
:class:`Frame` records of ``api.frames``), websocket-client's
``WebSocketBadStatusException``, websockets' ``InvalidStatus`` and
``ConnectionClosed``, aiohttp's ``WSServerHandshakeError`` and close
``WSMessage``, and botocore's ``ClientError`` of a management call.
"""

from __future__ import annotations

from typing import Any

from .._gateway.names import WebSocketPhaseName
from .._gateway.websocket_classify import (
    WebSocketClassification,
    websocket_rows_consistent_with,
)
from .reading import _body, _status

__all__ = ["classify_websocket"]


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _raw(value: object) -> bytes | None:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return value.encode("utf-8") if isinstance(value, str) else None


def _refusal(outcome: Any) -> dict[str, Any] | None:
    """A refused upgrade or management call: status, body, error type."""
    status, body = _int(getattr(outcome, "status", None)), None
    if status is not None:  # WebSocketRefused; aiohttp's WSServerHandshakeError (no body)
        return {"status": status, "body": _raw(getattr(outcome, "body", None)),
                "phase": "connect"}
    status = _int(getattr(outcome, "status_code", None))
    if status is not None:  # websocket-client's WebSocketBadStatusException
        return {"status": status, "body": _raw(getattr(outcome, "resp_body", None)),
                "phase": "connect"}
    response = getattr(outcome, "response", None)
    if isinstance(response, dict):  # botocore's ClientError
        meta, error = response.get("ResponseMetadata", {}), response.get("Error", {})
        status = _int(meta.get("HTTPStatusCode"))
        if status is not None:
            return {"status": status, "error_type": error.get("Code") or None,
                    "phase": "management"}
    status = _int(getattr(response, "status_code", None))
    if status is not None:  # websockets' InvalidStatus
        body = _raw(getattr(response, "body", None))
        return {"status": status, "body": body, "phase": "connect"}
    return None


def _closed_or_frame(outcome: Any) -> dict[str, Any] | None:
    """A close (its code) or a text frame."""
    if isinstance(outcome, str):
        return {"frame": outcome}
    kind = getattr(getattr(outcome, "type", None), "name", None)
    if kind == "CLOSE":  # aiohttp's WSMessage: data is the close code
        return {"close_code": _int(getattr(outcome, "data", None))}
    if kind == "TEXT":
        return {"frame": str(getattr(outcome, "data", ""))}
    if hasattr(outcome, "direction") and hasattr(outcome, "close_code"):  # a Frame record
        if outcome.data is None:
            return {"close_code": outcome.close_code}
        return {"frame": outcome.data}
    received = getattr(outcome, "rcvd", None)
    if hasattr(outcome, "rcvd_then_sent"):  # websockets' ConnectionClosed
        return {"close_code": 1006 if received is None else _int(received.code)}
    if hasattr(outcome, "code") and hasattr(outcome, "reason"):  # WebSocketClosed
        return {"close_code": _int(outcome.code)}
    return None


def _read(outcome: Any) -> dict[str, Any]:
    found = _refusal(outcome) or _closed_or_frame(outcome)
    if found is None:
        raise TypeError(
            "classify_websocket() takes a refused upgrade (WebSocketRefused, or a"
            " websocket-client, websockets or aiohttp handshake error), a close"
            " (WebSocketClosed, websockets' ConnectionClosed, aiohttp's close message),"
            " a frame's text, a botocore ClientError of a @connections call, or"
            f" status=/body=/error_type=, frame=, close_code=; got"
            f" {type(outcome).__name__} {outcome!r}"
        )
    if found.get("close_code", 0) is None:
        found["close_code"] = 1005  # no status in the close frame: no row closes so
    return found


def classify_websocket(
    outcome: Any = None,
    *,
    status: int | str | None = None,
    body: bytes | str | None = None,
    error_type: str | None = None,
    frame: str | None = None,
    close_code: int | None = None,
    phase: WebSocketPhaseName | None = None,
) -> WebSocketClassification:
    """The rows of :data:`WEBSOCKET_SCENARIOS` a WebSocket outcome is
    consistent with, best first: :func:`classify` for WebSocket APIs.

    Give the outcome as a client reports it: a refused upgrade
    (:class:`WebSocketRefused`, websocket-client's
    ``WebSocketBadStatusException``, websockets' ``InvalidStatus``,
    aiohttp's ``WSServerHandshakeError``), a close
    (:class:`WebSocketClosed`, websockets' ``ConnectionClosed``, aiohttp's
    close ``WSMessage``), a frame's text, a :class:`Frame` of
    ``api.frames``, or a botocore ``ClientError`` of a ``@connections``
    call; or what is known of it: ``status`` (with ``body`` and
    ``error_type``, the ``x-amzn-ErrorType`` code, when known),
    ``frame`` (an error frame's text) or ``close_code``. ``phase``
    (``"connect"``, ``"message"``, ``"connection"``, ``"management"``)
    narrows the rows; an outcome object sets it where it tells (a refused
    upgrade is ``"connect"``, a ``ClientError`` ``"management"``).

    What is missing is unknown, not a contradiction; ids are checked for
    their form only (16 characters of base64). The answer is a
    :class:`WebSocketClassification`, a tuple of
    :class:`WebSocketScenario` rows: exact matches first, then by score;
    ``.best``, ``.exact``, ``.hints``, and ``.reasons`` when no row fits.
    Look-alikes come back together (1009 is ``frame_too_large`` or
    ``message_too_large``; 1001 ``idle_timeout`` or ``max_duration``).
    """
    given: dict[str, Any] = {
        key: value for key, value in (
            ("status", status), ("body", body), ("error_type", error_type),
            ("frame", frame), ("close_code", close_code),
        ) if value is not None
    }
    if outcome is not None:
        if given:
            raise TypeError(
                "classify_websocket() takes an outcome or status=/body=/frame=/close_code=,"
                " not both"
            )
        given = _read(outcome)
        told = given.pop("phase", None)
        phase = told if phase is None else phase
    else:
        if "status" in given:
            given["status"] = _status(given["status"])
        if "body" in given:
            given["body"] = _body(given["body"])
        if "close_code" in given and _int(given["close_code"]) is None:
            raise TypeError(f"close_code= takes an int (1009), got {close_code!r}")
        if "frame" in given and not isinstance(given["frame"], str):
            raise TypeError(f"frame= takes the frame's text (a str), got {frame!r}")
    return websocket_rows_consistent_with(phase=phase, **given)
