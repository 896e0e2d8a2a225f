"""WebSocket connections as records: how each one opened and ended, and the
checks of a client's reconnect loop, as data and pure functions.

A :class:`WebSocketConnection` is one upgrade a :class:`WebSocketApi` saw:
refused (a ``connect_*`` row of :data:`~.websocket.WEBSOCKET_SCENARIOS`), or
connected, with the error frames the gateway sent on it (``no_route``,
``integration_error``) and how it ended: the row of a limit the gateway
closed it on (``frame_too_large``, ``message_too_large``, ``binary_frame``,
``idle_timeout``, ``max_duration``), the client's close, a
``DeleteConnection`` call, or the test's end. Times are seconds on the
test's clock (virtual time when the test runs on it).

A *reconnect* is every connection after the first (the client holds one at
a time, as a reconnect loop does); a reconnect *after* a row is one whose
connection before it ended with that row.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import ApigwFaultError
from .websocket import WEBSOCKET_SCENARIOS

__all__ = [
    "ENDINGS",
    "WebSocketConnection",
    "check_after",
    "connection_lines",
    "reconnect_problem",
]

#: Who ended a connection (:attr:`WebSocketConnection.closed_by`).
GATEWAY, CLIENT, MANAGEMENT, TEST_END = "gateway", "client", "management", "test end"
#: The rows that end a connection (refuse it, or close it): what ``after=`` takes.
ENDINGS = tuple(
    name for name, row in WEBSOCKET_SCENARIOS.items()
    if row.phase == "connect" or row.close_code is not None
)


@dataclass(frozen=True)
class WebSocketConnection:
    """One connection of a WebSocket API, as the gateway saw it (see the
    module doc). ``status`` is the upgrade's answer (101: connected);
    ``scenario`` the name of the row that refused or closed it (``None``:
    the client closed it, or a ``DeleteConnection`` call, or it is open);
    ``close_code`` the code ``$disconnect`` heard (``None`` while open, or
    refused); ``closed_by`` ``"gateway"``, ``"client"``, ``"management"``,
    ``"test end"``, or ``None`` while open; ``errors``, the rows of the
    error frames sent on it, in order."""

    connection_id: str
    opened_at: float
    status: int = 101
    closed_at: float | None = None
    close_code: int | None = None
    closed_by: str | None = None
    scenario: str | None = None
    errors: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.status != 101

    @property
    def open(self) -> bool:
        return self.closed_by is None

    @property
    def answered_by(self) -> str:
        """How it ended, as the report's rows say: the row's id
        (``websocket-frame_too_large``), else ``websocket {close code}``, or
        ``websocket open``."""
        if self.scenario is not None:
            return WEBSOCKET_SCENARIOS[self.scenario].id
        if self.closed_by is None or self.closed_by == TEST_END:
            return "websocket open"
        return f"websocket {1005 if self.close_code is None else self.close_code}"

    @property
    def outcome(self) -> str:
        """``refused 403``, ``closed 1009``, or ``open`` (at the test's end too)."""
        if self.refused:
            return f"refused {self.status}"
        if self.closed_by is None or self.closed_by == TEST_END:
            return "open"
        return f"closed {1005 if self.close_code is None else self.close_code}"

    def ended_with(self, after: str | int) -> bool:
        """Whether it ended with the row named ``after``, or the close code ``after``."""
        if isinstance(after, int):
            return self.close_code == after and not self.open
        return self.scenario == after


def check_after(after: object) -> str | int | None:
    """``after=``: a row that ends a connection (:data:`ENDINGS`), or a close code."""
    if after is None or (isinstance(after, int) and not isinstance(after, bool)
                         and 1000 <= after <= 4999):
        return after
    name = after.removeprefix("websocket-") if isinstance(after, str) else after
    if name in ENDINGS:
        return str(name)
    close = difflib.get_close_matches(str(name), ENDINGS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ApigwFaultError(
        f"after= takes a row that ends a connection ({', '.join(map(repr, ENDINGS))})"
        f" or a close code (1000 to 4999), got {after!r}{hint}"
    )


def _seconds(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('', '-0') else text} s"


def _ending(record: WebSocketConnection, start: float) -> str:
    if record.refused:
        return f"refused {record.status} ({record.answered_by})"
    if record.closed_by is None:
        return "open"
    when = f"at +{_seconds((record.closed_at or start) - start)}"
    if record.closed_by == TEST_END:
        return f"open until the test's end {when}"
    code = 1005 if record.close_code is None else record.close_code
    row = f" ({record.answered_by})" if record.scenario else ""
    return f"closed {code}{row} by the {record.closed_by} {when}"


def connection_lines(records: Sequence[WebSocketConnection]) -> list[str]:
    """The connections, a line each, for a failure message: ``#0 {id} opened
    at +0 s, closed 1009 (websocket-frame_too_large) by the gateway at +0 s``."""
    if not records:
        return ["  connections: none"]
    start = records[0].opened_at
    lines = [f"  connections ({len(records)}):"]
    for index, record in enumerate(records):
        errors = "".join(
            f", error frame {WEBSOCKET_SCENARIOS[name].id}" for name in record.errors
        )
        lines.append(
            f"    #{index} {record.connection_id} opened at"
            f" +{_seconds(record.opened_at - start)}{errors}, {_ending(record, start)}"
        )
    return lines


def _count(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _reconnects(count: int) -> str:
    return "no reconnect" if count == 0 else _count(count, "reconnect")


def reconnect_problem(
    records: Sequence[WebSocketConnection], times: int | None, after: str | int | None
) -> str | None:
    """What is wrong with the reconnects of ``records`` (oldest first), for
    a failure message's first line; ``None`` when they are as expected:
    ``times`` reconnects exactly, or at least one when ``None``; with
    ``after``, only those after a connection that ended with it count."""
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
        raise TypeError(f"times= takes a whole number of reconnects, at least 0; got {times!r}")
    if after is None:
        got = max(len(records) - 1, 0)
    else:
        got = sum(1 for before in records[:-1] if before.ended_with(after))
    if (got >= 1) if times is None else (got == times):
        return None
    wanted = "at least 1 reconnect" if times is None else _reconnects(times)
    connections = "no connection" if not records else _count(len(records), "connection")
    if after is None:
        if times is not None:
            wanted += f" ({_count(times + 1, 'connection')})"
        return f"expected {wanted}, got {_reconnects(got)} ({connections})"
    label = WEBSOCKET_SCENARIOS[after].id if isinstance(after, str) else f"close code {after}"
    return f"expected {wanted} after {label}, got {_reconnects(got)} after it ({connections})"
