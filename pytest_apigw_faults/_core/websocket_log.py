"""What a :class:`~.websocket_api.WebSocketSession` keeps of its connection
for :attr:`WebSocketApi.history <.websocket_api.WebSocketApi.history>` and
the reconnect checks: when it opened and ended on the test's clock (virtual
time when the test runs on it), who ended it and with which row, and the
error frames sent on it (see :mod:`.._gateway.websocket_records`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from .._gateway import websocket_records as _records
from .._gateway.websocket import WEBSOCKET_SCENARIOS

__all__ = ["ConnectionLog", "check_reconnected"]

_GONE = 1006  # no close frame: the socket went away


class ConnectionLog:
    """One connection's record as it goes; :meth:`record` is a snapshot.
    The first ending wins: the gateway's limit (:meth:`closing`) or a
    ``DeleteConnection`` stays what ended it when ``$disconnect`` follows."""

    def __init__(self, connection_id: str, status: int, refused_by: str | None) -> None:
        self.connection_id = connection_id
        self.status = status
        self.opened_at = time.time()
        self.errors: list[str] = []
        self.test_ended = False  # the test ends while it is open
        self._lock = threading.Lock()
        self._ending: tuple[str, float, int | None, str | None] | None = None
        if status != 101:
            self._ending = (_records.GATEWAY, self.opened_at, None, refused_by)

    def _end(self, by: str, code: int | None, row: str | None = None) -> None:
        with self._lock:
            if self._ending is None:
                self._ending = (by, time.time(), code, row)

    def closing(self, row: str) -> None:
        """The gateway closes on the limit ``row`` (before its close frame)."""
        self._end(_records.GATEWAY, WEBSOCKET_SCENARIOS[row].close_code, row)

    def deleted(self, code: int) -> None:
        """A ``DeleteConnection`` call closes it with ``code``."""
        self._end(_records.MANAGEMENT, code)

    def disconnected(self, code: int | None) -> None:
        """It ended with ``code``: the client's close frame's, or 1006 when
        the socket went away (the test's end, when it ends meanwhile)."""
        by = _records.TEST_END if self.test_ended and code == _GONE else _records.CLIENT
        self._end(by, code)

    def error(self, row: str) -> None:
        """An error frame of ``row`` (``no_route``, ``integration_error``) was sent."""
        with self._lock:
            self.errors.append(row)

    def record(self) -> _records.WebSocketConnection:
        with self._lock:
            closed_by, closed_at, code, row = self._ending or (None, None, None, None)
            errors = tuple(self.errors)
        return _records.WebSocketConnection(
            self.connection_id, self.opened_at, self.status, closed_at, code, closed_by,
            row, errors,
        )


def check_reconnected(
    records: Sequence[_records.WebSocketConnection], times: int | None, after: object,
    more: Sequence[str] = (),
) -> None:
    """Raise ``AssertionError`` when ``records`` do not show ``times``
    reconnects (after ``after``); its message lists the connections, then
    the lines ``more``."""
    __tracebackhide__ = True
    problem = _records.reconnect_problem(records, times, _records.check_after(after))
    if problem is not None:
        lines = [problem + ":", *_records.connection_lines(records), *more]
        raise AssertionError("\n".join(lines))
