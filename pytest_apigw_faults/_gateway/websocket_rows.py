"""The WebSocket failures as data, each with its evidence and sources, and
the checks of their names and phases; the facts, with their evidence, are
in :mod:`.websocket`'s doc, whose decisions use them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .errors import ApigwFaultError
from .scenario import Evidence
from .sources import SOURCES

__all__ = [
    "GOING_AWAY",
    "PHASES",
    "TOO_BIG",
    "UNSUPPORTED",
    "WEBSOCKET_SCENARIOS",
    "WebSocketScenario",
    "check_websocket_name",
    "check_websocket_phase",
    "close_reason",
]

#: Close codes: a message or frame too big (RFC 6455 7.4.1), a binary frame,
#: and ⚠️ the limits' "going away".
TOO_BIG, UNSUPPORTED, GOING_AWAY = 1009, 1003, 1001


@dataclass(frozen=True, kw_only=True)
class WebSocketScenario:
    """One way a WebSocket API fails: when (``phase``: ``"connect"``,
    ``"message"``, ``"connection"``, or ``"management"``: a call of the
    ``@connections`` API), and what the client sees: a refused handshake's
    (or a management call's) ``status``, ``body`` and ``error_type``, a
    ``frame`` (an example, ids and all), or a ``close_code``."""

    name: str
    phase: str
    cause: str
    status: int | None = None
    body: bytes | None = None
    frame: str | None = None
    close_code: int | None = None
    error_type: str | None = None
    evidence: Evidence
    sources: tuple[str, ...]
    note: str = ""

    @property
    def id(self) -> str:
        return f"websocket-{self.name}"

    @property
    def frame_message(self) -> str | None:
        """The ``message`` of the row's error frame (``"Forbidden"``), if it has one."""
        return None if self.frame is None else str(json.loads(self.frame)["message"])


_ROWS = (
    WebSocketScenario(
        name="connect_refused", phase="connect", status=401, body=b"",
        cause="the $connect integration answers a statusCode that is not 2xx: the"
        " upgrade is refused with that status (401 here; 301 and 501 observed too)",
        evidence=Evidence.CAPTURED, sources=("WS-CONNECT",),
        note="⚠️ the body is the integration's own (not captured)",
    ),
    WebSocketScenario(
        name="connect_lambda_error", phase="connect", status=502,
        body=b'{"message": "Internal server error"}',
        cause="the $connect Lambda throws (or its answer is not a proxy result)",
        evidence=Evidence.CAPTURED, sources=("WS-CONNECT",),
        note="⚠️ the body is assumed (the REST integration-error body); the status is captured",
    ),
    WebSocketScenario(
        name="connect_forbidden", phase="connect", status=403, body=b'{"message":"Forbidden"}',
        cause="the $connect Lambda authorizer denies (a Deny, or no Allow for $connect)",
        evidence=Evidence.CAPTURED, sources=("WS-AUTH",), note="⚠️ the body is assumed",
    ),
    WebSocketScenario(
        name="connect_unauthorized", phase="connect", status=401,
        body=b'{"message":"Unauthorized"}',
        cause="the $connect Lambda authorizer raises Exception('Unauthorized')",
        evidence=Evidence.CAPTURED, sources=("WS-AUTH",),
        note="second-hand (LocalStack#6368); ⚠️ the body is assumed",
    ),
    WebSocketScenario(
        name="connect_authorizer_error", phase="connect", status=500, body=b'{"message":null}',
        cause="the $connect Lambda authorizer fails otherwise, or its answer is no policy",
        evidence=Evidence.INFERRED, sources=("WS-AUTH",),
        note="⚠️ status and body as a REST or HTTP API's authorizer configuration error",
    ),
    WebSocketScenario(
        name="connect_timeout", phase="connect", status=504,
        body=b'{"message": "Endpoint request timed out"}',
        cause="the $connect Lambda runs past the integration timeout (29 s unless the"
        " integration's TimeoutInMillis is shorter)",
        evidence=Evidence.INFERRED, sources=("D-WS-QUOTA",),
        note="the limit is documented; ⚠️ status and body as a REST API's integration"
        " timeout (not captured)",
    ),
    WebSocketScenario(
        name="no_route", phase="message",
        frame='{"message": "Forbidden", "connectionId":"XDmENcnwIE0CFEQ=",'
        ' "requestId":"XDmGEE2RoE0FRdQ="}',
        cause="a message no route takes, and the API has no $default route;"
        " the connection stays open",
        evidence=Evidence.CAPTURED, sources=("WS-FORBIDDEN",),
    ),
    WebSocketScenario(
        name="integration_error", phase="message",
        frame='{"message": "Internal server error", "connectionId":"Qyi07eCbtjMCJKw=",'
        ' "requestId":"Qyi3UG41tjMFlUg="}',
        cause="the route's Lambda throws, or answers a non-2xx statusCode on a route"
        " with a route response; one frame per failed message, the connection stays open",
        evidence=Evidence.CAPTURED, sources=("WS-ISE",),
        note="a non-2xx statusCode on a route without a route response sends nothing"
        " [WS-CONNECT]",
    ),
    WebSocketScenario(
        name="integration_timeout", phase="message",
        frame='{"message": "Endpoint request timed out", "connectionId":"Llf4ceE2NjMCF7w=",'
        ' "requestId":"Llf7PFSNNjMFZeA="}',
        cause="the route's Lambda runs past the integration timeout (29 s unless the"
        " integration's TimeoutInMillis is shorter); its answer is dropped",
        evidence=Evidence.CAPTURED, sources=("WS-TIMEOUT", "D-WS-QUOTA"),
        note="⚠️ sent at the timeout, and the connection stays open (as after the other"
        " error frames); a Lambda whose own timeout is shorter gives integration_error",
    ),
    WebSocketScenario(
        name="frame_too_large", phase="message", close_code=TOO_BIG,
        cause="a frame over 32 KB closes the connection",
        evidence=Evidence.DOCUMENTED, sources=("D-WS-QUOTA",), note="⚠️ 1 KB = 1024 bytes",
    ),
    WebSocketScenario(
        name="message_too_large", phase="message", close_code=TOO_BIG,
        cause="a message over 128 KB (in frames of 32 KB at most) closes the connection",
        evidence=Evidence.DOCUMENTED, sources=("D-WS-QUOTA",), note="⚠️ 1 KB = 1024 bytes",
    ),
    WebSocketScenario(
        name="binary_frame", phase="message", close_code=UNSUPPORTED,
        cause="a binary frame closes the connection: WebSocket APIs take text frames only",
        evidence=Evidence.DOCUMENTED, sources=("D-WS-BINARY",),
    ),
    WebSocketScenario(
        name="idle_timeout", phase="connection", close_code=GOING_AWAY,
        cause="no frame for 10 minutes closes the connection",
        evidence=Evidence.INFERRED, sources=("D-WS-QUOTA",),
        note="the limit is documented; ⚠️ the close code is not captured (1001 as an"
        " emulator has it); ⚠️ any frame, a ping too, counts as activity",
    ),
    WebSocketScenario(
        name="max_duration", phase="connection", close_code=GOING_AWAY,
        cause="a connection is closed 2 hours after it opened",
        evidence=Evidence.INFERRED, sources=("D-WS-QUOTA",),
        note="the limit is documented; ⚠️ the close code is not captured",
    ),
    WebSocketScenario(
        name="management_gone", phase="management", status=410, body=b"",
        error_type="GoneException",
        cause="a @connections call (POST, GET, DELETE) names a connection that is closed,"
        " closing, not yet connected ($connect still running) or unknown",
        evidence=Evidence.CAPTURED, sources=("MGMT-MODEL", "GONE", "RP-GONE"),
        note="the status and code are the model's; three SDKs find no JSON body;"
        " ⚠️ the body is taken as empty",
    ),
    WebSocketScenario(
        name="management_forbidden", phase="management", status=403,
        body=b'{"message":"Forbidden"}', error_type="ForbiddenException",
        cause="the caller may not manage the connection (execute-api:ManageConnections)",
        evidence=Evidence.INFERRED, sources=("MGMT-MODEL",),
        note="the status and code are the model's; ⚠️ the body is the REST 403's",
    ),
    WebSocketScenario(
        name="management_payload_too_large", phase="management", status=413,
        body=b'{"message":"Request Too Long"}', error_type="PayloadTooLargeException",
        cause="PostToConnection's data is over 128 KB (131072 bytes)",
        evidence=Evidence.INFERRED, sources=("MGMT-MODEL",),
        note="the status, code and limit are the model's; ⚠️ the body is the REST 413's",
    ),
    WebSocketScenario(
        name="management_limit_exceeded", phase="management", status=429,
        body=b'{"message":"Limit Exceeded"}', error_type="LimitExceededException",
        cause="too many @connections calls, or the client's buffer is full",
        evidence=Evidence.INFERRED, sources=("MGMT-MODEL",),
        note="the status and code are the model's; ⚠️ the body is the REST 429's;"
        " answered when a test asks for it (api.refuse_management)",
    ),
)


def _build(rows: Iterable[WebSocketScenario]) -> Mapping[str, WebSocketScenario]:
    table: dict[str, WebSocketScenario] = {}
    for row in rows:
        unknown = [tag for tag in row.sources if tag not in SOURCES]
        if unknown or row.name in table:
            raise ValueError(f"WebSocket row {row.name!r}: unknown sources {unknown} or twice")
        table[row.name] = row
    return MappingProxyType(table)


#: The WebSocket failures, by name (see the module doc).
WEBSOCKET_SCENARIOS: Mapping[str, WebSocketScenario] = _build(_ROWS)


def close_reason(code: int) -> str:
    """The reason in the gateway's own close frame: "Going away" for its
    limits' 1001 (⚠️ as an emulator has it), none for 1009 and 1003 (⚠️ not
    documented)."""
    return "Going away" if code == GOING_AWAY else ""


#: The phases of a WebSocket failure, in the order a connection lives them.
PHASES = ("connect", "message", "connection", "management")


def _unknown(what: str, value: object, valid: Iterable[str], *, where: str = "") -> ApigwFaultError:
    import difflib

    choices = tuple(valid)
    text = value.removeprefix("websocket-") if isinstance(value, str) else ""
    close = difflib.get_close_matches(text, choices, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    listed = ", ".join(repr(choice) for choice in choices)
    return ApigwFaultError(f"unknown {what} {value!r}{where}{hint} Valid {what}s: {listed}")


def check_websocket_phase(phase: object) -> str:
    """``phase`` if it is one of :data:`PHASES`, else an error naming them."""
    if isinstance(phase, str) and phase in PHASES:
        return phase
    raise _unknown("WebSocket phase", phase, PHASES)


def check_websocket_name(name: object, phase: str | None = None) -> str:
    """``name`` if :data:`WEBSOCKET_SCENARIOS` has it (of ``phase``, when
    given), else an error that lists the valid names and the closest one."""
    valid = [row.name for row in _ROWS if phase is None or row.phase == phase]
    if isinstance(name, str) and name in valid:
        return name
    where = "" if phase is None else f" of phase {phase!r}"
    error = _unknown("WebSocket scenario", name, valid, where=where)
    if isinstance(name, str) and name in WEBSOCKET_SCENARIOS:  # another phase's
        error = ApigwFaultError(
            f"WebSocket scenario {name!r} is of phase {WEBSOCKET_SCENARIOS[name].phase!r},"
            f" not {phase!r}; the {phase} ones: {', '.join(map(repr, valid))}"
        )
    raise error
