"""Which WebSocket failures (:data:`~.websocket.WEBSOCKET_SCENARIOS`) an
outcome is consistent with: a refused handshake or a refused management call
(status, body, error type), an error frame, or a close code.

As :mod:`.classify` does for HTTP answers: what is missing is unknown, not a
contradiction (a body not given rules no row out); what is there and differs
rules a row out. Ids are checked for their form only (an error frame's
``connectionId`` and ``requestId`` are new on every connection and frame).
The rows left are ranked, exact matches first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ApigwFaultError
from .websocket import WEBSOCKET_SCENARIOS, WebSocketScenario, check_websocket_phase

__all__ = ["WebSocketClassification", "WebSocketMatch", "websocket_rows_consistent_with"]

#: An error frame as captured [WS-FORBIDDEN][WS-ISE]: spacing exact, 16-character ids.
_FRAME = re.compile(
    r'\{"message": ("(?:[^"\\]|\\.)*"), "connectionId":"[A-Za-z0-9+/]{15}=",'
    r' "requestId":"[A-Za-z0-9+/]{15}="\}'
)
_ID = re.compile(r"[A-Za-z0-9+/]{15}=")
#: The row whose status and body are the ``$connect`` integration's own.
_INTEGRATION_OWN = "connect_refused"


@dataclass(frozen=True)
class WebSocketMatch:
    """One WebSocket row an outcome is consistent with, and how well:
    ``score`` 0 for an exact match, else 1 plus 1 per difference read
    leniently (``lenient``); ``unseen``, what the row sends that the outcome
    does not say (``body``, ``error_type``)."""

    row: WebSocketScenario
    score: int
    unseen: tuple[str, ...] = ()
    lenient: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        return self.score == 0


class WebSocketClassification(tuple[WebSocketScenario, ...]):
    """The WebSocket rows an outcome is consistent with, best first: a tuple
    of :class:`WebSocketScenario` with the same reading aids as
    :class:`Classification`: ``best``, ``exact``, ``ranking`` (a
    :class:`WebSocketMatch` per row), ``hints`` (what would tell the rows
    apart) and, when no row is consistent, ``reasons``. Exact matches come
    first, then by score, table order among equals, but ``connect_refused``
    (any status but a 2xx, with the ``$connect`` integration's own body) is
    never exact and comes last among equals."""

    _ranking: tuple[WebSocketMatch, ...]
    _hints: tuple[str, ...]
    _reasons: tuple[str, ...]

    def __new__(
        cls, ranking: Iterable[WebSocketMatch] = (), hints: Iterable[str] = (),
        reasons: Iterable[str] = (),
    ) -> WebSocketClassification:
        matches = tuple(ranking)
        self = super().__new__(cls, (m.row for m in matches))
        self._ranking, self._hints, self._reasons = matches, tuple(hints), tuple(reasons)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (WebSocketClassification, (self._ranking, self._hints, self._reasons))

    @property
    def rows(self) -> tuple[WebSocketScenario, ...]:
        """The rows, best first, as a plain tuple."""
        return tuple(self)

    @property
    def best(self) -> WebSocketScenario | None:
        """The best row (the first in table order among equals), or ``None``."""
        return self[0] if self else None

    @property
    def exact(self) -> tuple[WebSocketScenario, ...]:
        """The rows the outcome is exactly, in table order."""
        return tuple(m.row for m in self._ranking if m.exact)

    @property
    def ranking(self) -> tuple[WebSocketMatch, ...]:
        return self._ranking

    @property
    def hints(self) -> tuple[str, ...]:
        return self._hints

    @property
    def reasons(self) -> tuple[str, ...]:
        return self._reasons

    def __repr__(self) -> str:
        if not self:
            return f"<WebSocketClassification: no row; {'; '.join(self._reasons)}>"
        ranked = ", ".join(
            f"{m.row.id} ({'exact' if m.exact else f'score {m.score}'})" for m in self._ranking
        )
        return f"<WebSocketClassification: {ranked}>"


def _json(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _refusal(row: WebSocketScenario, status: int, body: bytes | None,
             error_type: str | None) -> tuple[str | None, list[str], list[str]]:
    """A refused handshake or management call against ``row``: the conflict
    (or ``None``), what is unseen, what was read leniently."""
    unseen: list[str] = []
    lenient: list[str] = []
    if row.name == _INTEGRATION_OWN:  # any status but a 2xx, any body
        if 200 <= status < 300 or status == 101:
            return f"status {status} is no refusal", unseen, lenient
        if error_type is not None:
            return f"error type {error_type!r}: a handshake has none", unseen, lenient
        return None, unseen, ["the status and body are the $connect integration's own"]
    if status != row.status:
        return f"status {status}, not {row.status}", unseen, lenient
    if error_type != row.error_type:
        if error_type is not None:
            sent = "none" if row.error_type is None else repr(row.error_type)
            return f"error type {error_type!r}, not {sent}", unseen, lenient
        unseen.append("error_type")
    if body is None:
        unseen.append("body")
    elif body != row.body:
        mine, theirs = _json(body), _json(row.body or b"")
        if mine is None or mine != theirs:
            return f"body {body!r}, not {row.body!r}", unseen, lenient
        lenient.append("body: the same JSON, spaced otherwise")
    return None, unseen, lenient


def _frame(row: WebSocketScenario, text: str) -> tuple[str | None, list[str]]:
    """An error frame against ``row``'s: the conflict (or ``None``) and what
    was read leniently (the same JSON, spaced otherwise)."""
    expected = row.frame_message
    shaped = _FRAME.fullmatch(text)
    if shaped is not None:
        message = json.loads(shaped[1])
        return (None if message == expected else f"message {message!r}, not {expected!r}"), []
    value = _json(text)
    if not isinstance(value, dict) or set(value) != {"message", "connectionId", "requestId"}:
        return "no error frame: one is {\"message\": …, \"connectionId\":…, \"requestId\":…}", []
    if value["message"] != expected:
        return f"message {value['message']!r}, not {expected!r}", []
    for key in ("connectionId", "requestId"):
        if not isinstance(value[key], str) or _ID.fullmatch(value[key]) is None:
            return f"{key} {value[key]!r}: not 16 characters of base64", []
    return None, ["spacing: not as captured"]


def _judge(row: WebSocketScenario, evidence: dict[str, Any]) -> tuple[str | None, WebSocketMatch]:
    unseen: list[str] = []
    lenient: list[str] = []
    conflict: str | None
    if "close_code" in evidence:
        code = evidence["close_code"]
        conflict = None if code == row.close_code else f"close code {code}, not {row.close_code}"
    elif "frame" in evidence:
        conflict, lenient = _frame(row, evidence["frame"])
    else:
        conflict, unseen, lenient = _refusal(
            row, evidence["status"], evidence.get("body"), evidence.get("error_type")
        )
    score = 0 if not (unseen or lenient) else 1 + len(lenient)
    return conflict, WebSocketMatch(row, score, tuple(unseen), tuple(lenient))


def websocket_rows_consistent_with(
    *, status: int | None = None, body: bytes | None = None, error_type: str | None = None,
    frame: str | None = None, close_code: int | None = None, phase: str | None = None,
) -> WebSocketClassification:
    """The WebSocket rows consistent with one outcome, best first: a refusal
    (``status``, with ``body`` and ``error_type`` when known), an error
    ``frame``'s text, or a ``close_code``; ``phase`` narrows the rows."""
    evidence = {
        key: value for key, value in (
            ("status", status), ("body", body), ("error_type", error_type),
            ("frame", frame), ("close_code", close_code),
        ) if value is not None
    }
    kinds = [key for key in ("status", "frame", "close_code") if key in evidence]
    if len(kinds) != 1:
        raise TypeError(
            "classify_websocket() takes one outcome: a refusal (status=, with body= and"
            " error_type= when known), an error frame (frame=) or a close code (close_code=);"
            f" got {', '.join(kinds) or 'none'}"
        )
    if ("body" in evidence or "error_type" in evidence) and "status" not in evidence:
        raise TypeError("classify_websocket(): body= and error_type= go with status=")
    wanted = None if phase is None else check_websocket_phase(phase)
    field = kinds[0]
    candidates = [
        row for row in WEBSOCKET_SCENARIOS.values()
        if getattr(row, field) is not None and (wanted is None or row.phase == wanted)
    ]
    if not candidates:
        what = field.replace("_", " ")
        raise ApigwFaultError(f"no WebSocket row of phase {wanted!r} has a {what}")
    matches: list[WebSocketMatch] = []
    reasons: list[str] = []
    for row in candidates:
        conflict, match = _judge(row, evidence)
        if conflict is None:
            matches.append(match)
        else:
            reasons.append(f"`{row.id}`: {conflict}")
    matches.sort(key=lambda m: (m.score, m.row.name == _INTEGRATION_OWN))  # it, last
    if matches:
        return WebSocketClassification(matches, _hints(matches, evidence))
    return WebSocketClassification((), (), reasons)


def _hints(matches: Sequence[WebSocketMatch], evidence: dict[str, Any]) -> tuple[str, ...]:
    """What would tell the rows left apart."""
    if len(matches) < 2:
        return ()
    ids = ", ".join(f"`{m.row.id}`" for m in matches)
    hints = []
    for field in ("body", "error_type"):
        if field not in evidence and len({getattr(m.row, field) for m in matches}) > 1:
            hints.append(f"`{field}` not given: it tells {ids} apart")
    phases = {m.row.phase for m in matches}
    if len(phases) > 1:
        hints.append(
            f"phase= tells {ids} apart: 'connect' for a refused handshake,"
            " 'management' for a refused @connections call"
        )
    elif not hints:
        hints.append(f"{ids} look alike to a client; their causes differ")
    return tuple(hints)
