"""WebSocket APIs, the third kind of API Gateway API: what the gateway
decides, as data and pure functions (no socket, no clock but the one given).

A WebSocket API fails in its own ways: the handshake (``$connect``) is
refused with a status, a message that goes wrong gets an error *frame* while
the connection stays open, and the limits close the connection with a close
code. :data:`WEBSOCKET_SCENARIOS` lists each failure with its evidence
(✅ captured, 📄 documented, ⚠️ inferred) and its sources (``SOURCES`` tags of
the scenario table); the loopback server does the I/O
(:mod:`pytest_apigw_faults._serve.websocket`).

Facts, reference-2 §9:

* ``$connect``: a 2xx ``statusCode`` from its integration connects; any other
  status refuses the upgrade with that status (301, 401, 501 observed); a
  Lambda that throws gives 502 [WS-CONNECT] ✅. A Lambda authorizer's deny
  gives 403, its ``Unauthorized`` error 401 [WS-AUTH] ✅. ⚠️ The bodies and
  headers of these refusals are not captured: the integration's own body,
  ``{"message":"Forbidden"}``, ``{"message":"Unauthorized"}`` and
  ``{"message": "Internal server error"}`` are assumed.
* In-band error frames, spacing exact [WS-FORBIDDEN][WS-ISE] ✅: a space after
  ``"message":`` and after each comma, none after the other colons; ids are
  16-character base64 ids; a new ``requestId`` per frame, the same
  ``connectionId``.
* Limits [D-WS-QUOTA] 📄: a frame over 32 KB or a message over 128 KB closes
  the connection with 1009 (⚠️ KB taken as 1024 bytes); idle 10 minutes,
  2 hours at most (⚠️ close code 1001 assumed, as an emulator has it). A
  binary frame closes it with 1003 [D-WS-BINARY] 📄.
* The integration timeout (50 ms to 29 s, 29 s by default) [D-WS-QUOTA] 📄: a
  message whose Lambda runs past it gets the frame ``{"message": "Endpoint
  request timed out", …}`` [WS-TIMEOUT] ✅ (⚠️ at the timeout, the connection
  staying open, as after the other error frames). ⚠️ On ``$connect`` the
  upgrade is refused with 504 and REST's timeout body (not captured). A
  Lambda whose own timeout is shorter fails first: a function error (the
  ``Internal server error`` frame, or 502 on ``$connect``) ⚠️ as REST has it.
"""

from __future__ import annotations

import json
import re
import threading
from binascii import b2a_base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from random import Random
from urllib.parse import parse_qsl

from .errors import ApigwFaultError
from .websocket_rows import (
    GOING_AWAY,
    PHASES,
    TOO_BIG,
    UNSUPPORTED,
    WEBSOCKET_SCENARIOS,
    WebSocketScenario,
    check_websocket_name,
    check_websocket_phase,
    close_reason,
)

__all__ = [
    "CONNECT",
    "DEFAULT",
    "DEFAULT_SELECTION",
    "DISCONNECT",
    "FRAME_BYTES",
    "GOING_AWAY",
    "IDLE_SECONDS",
    "INTEGRATION_TIMEOUT",
    "MAX_SECONDS",
    "MESSAGE_BYTES",
    "PHASES",
    "ROUTE_TIMEOUTS",
    "TIMED_OUT",
    "TOO_BIG",
    "UNSUPPORTED",
    "WEBSOCKET_SCENARIOS",
    "Handshake",
    "WebSocketIds",
    "WebSocketScenario",
    "check_route_key",
    "check_route_timeouts",
    "check_selection",
    "check_timeout",
    "check_websocket_name",
    "check_websocket_phase",
    "close_reason",
    "error_frame",
    "handshake",
    "identity_missing",
    "identity_sources",
    "message_reply",
    "select_route",
    "timed_out",
]

CONNECT, DISCONNECT, DEFAULT = "$connect", "$disconnect", "$default"
#: The route selection expression a new WebSocket API gets [D-WS-ROUTES].
DEFAULT_SELECTION = "$request.body.action"
#: The largest frame and the largest message, in bytes [D-WS-QUOTA].
FRAME_BYTES = 32 * 1024
MESSAGE_BYTES = 128 * 1024
#: The idle timeout and the longest connection, in seconds [D-WS-QUOTA].
IDLE_SECONDS = 10 * 60.0
MAX_SECONDS = 2 * 60 * 60.0
#: The integration timeout: the default and longest, and the shortest [D-WS-QUOTA].
INTEGRATION_TIMEOUT, SHORTEST_TIMEOUT = 29.0, 0.05
#: The message of the integration timeout's error frame [WS-TIMEOUT].
TIMED_OUT = "Endpoint request timed out"

def error_frame(message: str, connection_id: str, request_id: str) -> str:
    """An in-band error frame, spelled as captured [WS-FORBIDDEN][WS-ISE]:
    ``{"message": "Forbidden", "connectionId":"…", "requestId":"…"}``."""
    return (
        f'{{"message": {json.dumps(message)}, "connectionId":{json.dumps(connection_id)},'
        f' "requestId":{json.dumps(request_id)}}}'
    )


class WebSocketIds:
    """The ids of one API: connection, request and message ids, 16
    characters of base64 like ``x-amz-apigw-id`` (⚠️ drawn at random here;
    AWS's carry a time part); ``seed`` makes them reproducible."""

    def __init__(self, seed: int | str | None = None) -> None:
        self._random = Random(seed)
        self._lock = threading.Lock()

    def new(self) -> str:
        with self._lock:
            raw = self._random.getrandbits(88).to_bytes(11, "big")
        return b2a_base64(raw, newline=False).decode("ascii")

    def trace_id(self, epoch_seconds: int) -> str:
        """An ``X-Amzn-Trace-Id`` root: ``Root=1-{8 hex}-{24 hex}``."""
        with self._lock:
            bits = self._random.getrandbits(96)
        return f"Root=1-{epoch_seconds:08x}-{bits:024x}"


# -- routes ---------------------------------------------------------------------------


def check_route_key(key: object) -> str:
    """A route key as written: ``$connect``, ``$disconnect``, ``$default`` or
    a custom key (any other non-empty string; ``$`` starts only the three)."""
    if not isinstance(key, str) or not key.strip():
        raise ApigwFaultError(
            f"a WebSocket route key is '$connect', '$disconnect', '$default' or the value"
            f" the route selection expression picks (e.g. 'sendMessage'), got {key!r}"
        )
    if key.startswith("$") and key not in (CONNECT, DISCONNECT, DEFAULT):
        import difflib

        close = difflib.get_close_matches(key, (CONNECT, DISCONNECT, DEFAULT), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ApigwFaultError(
            f"route {key!r}: only '$connect', '$disconnect' and '$default' start with '$'{hint}"
        )
    return key


def check_selection(expression: object) -> tuple[str, ...]:
    """The JSON path of a route selection expression, ``$request.body.action``
    or ``${request.body.action}`` (a dotted path into the message's JSON)."""
    text = expression if isinstance(expression, str) else ""
    if text.startswith("${") and text.endswith("}"):
        text = "$" + text[2:-1]
    path = tuple(text.removeprefix("$request.body.").split("."))
    if not text.startswith("$request.body.") or not all(path):
        raise ApigwFaultError(
            f"route_selection= takes '$request.body.<key>' (a JSON path such as"
            f" '$request.body.action' or '$request.body.message.type'), got {expression!r}"
        )
    return path


def select_route(path: tuple[str, ...], body: str, routes: Iterable[str]) -> str | None:
    """The route a message takes: the custom route the selection path's value
    names, else ``$default``, else none (the ``Forbidden`` frame). A message
    that is not JSON, or whose value is missing or not a string, goes to
    ``$default`` (⚠️ a number's text is not matched)."""
    keys = set(routes)
    value: object
    try:
        value = json.loads(body)
    except ValueError:
        value = None
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str) and value in keys and value not in (CONNECT, DISCONNECT):
        return value
    return DEFAULT if DEFAULT in keys else None


def check_timeout(value: object, what: str = "integration_timeout") -> float:
    """An integration timeout in seconds: 0.05 to 29 [D-WS-QUOTA]."""
    if (
        isinstance(value, bool) or not isinstance(value, (int, float))
        or not SHORTEST_TIMEOUT <= value <= INTEGRATION_TIMEOUT
    ):
        raise ApigwFaultError(
            f"{what} is a WebSocket integration timeout in seconds, from 0.05 to 29,"
            f" got {value!r}"
        )
    return float(value)


#: The timeouts a route's declaration may give.
ROUTE_TIMEOUTS = ("integration_timeout", "function_timeout")


def check_route_timeouts(key: str, spec: object) -> tuple[float, float | None]:
    """A route's integration timeout (29 s unless shorter) and its
    Lambda's own timeout (``None``: not modelled), from its declaration."""
    given = spec if isinstance(spec, Mapping) else {}
    integration = check_timeout(
        given.get("integration_timeout", INTEGRATION_TIMEOUT),
        f"route {key!r}: integration_timeout",
    )
    function = given.get("function_timeout")
    if function is not None and (
        isinstance(function, bool) or not isinstance(function, (int, float)) or function <= 0
    ):
        raise ApigwFaultError(
            f"route {key!r}: function_timeout is the Lambda's timeout in seconds, above 0,"
            f" got {function!r}"
        )
    return integration, None if function is None else float(function)


_SOURCE = re.compile(r"route\.request\.(header|querystring)\.([^.\s]+)")


def identity_sources(value: object) -> tuple[str, ...]:
    """The ``$connect`` authorizer's identity sources: each
    ``route.request.header.<name>`` or ``route.request.querystring.<name>``
    (a list, or one string with commas)."""
    items = value.split(",") if isinstance(value, str) else value
    if isinstance(items, (list, tuple)) and all(
        isinstance(i, str) and _SOURCE.fullmatch(i.strip()) for i in items
    ):
        return tuple(i.strip() for i in items)
    raise ApigwFaultError(
        "identity_source= takes 'route.request.header.<name>' or"
        f" 'route.request.querystring.<name>' (a list of them), got {value!r}"
    )


def identity_missing(sources: Iterable[str], headers: Iterable[tuple[str, str]],
                     query: str) -> bool:
    """Whether an identity source is missing or empty: the upgrade is then
    refused with 401 and the authorizer not called (⚠️ as a REST ``REQUEST``
    authorizer's [D-REST-AUTHZ]; not captured on WebSocket)."""
    names = {name.lower(): value for name, value in headers}
    params = dict(parse_qsl(query, keep_blank_values=True))
    for source in sources:
        found = _SOURCE.fullmatch(source)
        assert found is not None  # checked by identity_sources
        kind, name = found.groups()
        if not (names.get(name.lower()) if kind == "header" else params.get(name)):
            return True
    return False


# -- decisions ------------------------------------------------------------------------


def timed_out(
    seconds: float, *, integration_timeout: float, function_timeout: float | None = None
) -> str | None:
    """How a function that ran ``seconds`` ends: ``"integration_timeout"``
    when the gateway gave up first (its answer is dropped),
    ``"function_timeout"`` when the Lambda's own shorter timeout fired (a
    function error ⚠️), else ``None``: its answer counts."""
    if function_timeout is not None and function_timeout < integration_timeout:
        return "function_timeout" if seconds >= function_timeout else None
    return "integration_timeout" if seconds >= integration_timeout else None


@dataclass(frozen=True)
class Handshake:
    """The answer to an upgrade: connected (``status`` 101), or refused with
    ``status``, ``body`` and the row that says why."""

    status: int
    body: bytes = b""
    row: WebSocketScenario | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def connected(self) -> bool:
        return self.status == 101


def handshake(
    *, failed: bool = False, status: int | None = None, body: bytes = b"",
    headers: tuple[tuple[str, str], ...] = (), timeout: bool = False,
) -> Handshake:
    """What ``$connect``'s integration makes of the upgrade: past the
    integration ``timeout``, 504 ⚠️; a Lambda that failed gives 502; a 2xx
    ``status`` (or no ``$connect`` route, ``None``) connects; any other
    status refuses with it and the integration's body.
    A subprotocol the integration chose (``Sec-WebSocket-Protocol`` among
    ``headers``) goes in the 101 [D-WS-PROTOCOL]."""
    if timeout:
        row = WEBSOCKET_SCENARIOS["connect_timeout"]
        return Handshake(504, row.body or b"", row)
    if failed:
        row = WEBSOCKET_SCENARIOS["connect_lambda_error"]
        return Handshake(502, row.body or b"", row)
    if status is None or 200 <= status < 300:
        chosen = tuple(
            (name, value) for name, value in headers if name.lower() == "sec-websocket-protocol"
        )
        return Handshake(101, headers=chosen[:1])
    return Handshake(status, body, WEBSOCKET_SCENARIOS["connect_refused"])


def message_reply(
    *, failed: bool, status: int | None, body: str | None, route_response: bool
) -> tuple[bool, str | None]:
    """What a message's integration sends back: ``(True, None)`` for the
    integration error frame, when the Lambda failed or answered a non-2xx
    status on a route with a route response; ``(False, body)`` for the
    result's body on such a route; ``(False, None)``, nothing, on a route
    without one [WS-ISE][WS-CONNECT]."""
    if failed:
        return True, None
    if not route_response:
        return False, None
    if status is not None and not 200 <= status < 300:
        return True, None
    return False, body
