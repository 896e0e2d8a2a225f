"""Failures a test asks a :class:`~.websocket_api.WebSocketApi` for
(``api.inject(row, route=..., times=...)``): the rows of
:data:`~.._gateway.websocket.WEBSOCKET_SCENARIOS`, each where its phase
says. The row answers instead of the handlers, byte for byte as the gateway
would: the next upgrade refused with its status and body (``connect``), the
next message (on ``route``, or any) answered with its error frame or closed
with its close code (``message``), the next connection closed with its code
once open (``connection``); the ``management`` rows go to
``refuse_management``.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from .._gateway.table import ApigwFaultError, Scenario
from .._gateway.websocket import (
    CONNECT,
    DISCONNECT,
    WEBSOCKET_SCENARIOS,
    WebSocketScenario,
    check_websocket_name,
)

__all__ = ["Injections", "check_injection"]


def _row(scenario: object) -> WebSocketScenario:
    if isinstance(scenario, WebSocketScenario):
        if WEBSOCKET_SCENARIOS.get(scenario.name) != scenario:
            raise ApigwFaultError(
                f"{scenario.name!r} is no row of WEBSOCKET_SCENARIOS; give a row of"
                " websocket_scenarios(...) or its name"
            )
        return scenario
    if isinstance(scenario, Scenario):
        raise ApigwFaultError(
            f"{scenario.id!r} is a row of the scenario table (HTTP answers):"
            " WebSocketApi.inject takes a WebSocket row (websocket_scenarios(...)) or its"
            " name; GatewayApi.inject and apigw_fault.inject take the table's rows"
        )
    return WEBSOCKET_SCENARIOS[check_websocket_name(scenario)]


def _route(row: WebSocketScenario, route: object, keys: Sequence[str]) -> str | None:
    """``route`` as the row's phase takes it: only messages have routes."""
    if route is None:
        return None
    if row.phase == "connect" and route == CONNECT:
        return None
    if row.phase != "message":
        raise ApigwFaultError(
            f"{row.id} is a failure of phase {row.phase!r}, which has no route:"
            " leave route= out" + (" (or give '$connect')" if row.phase == "connect" else "")
        )
    takes = [key for key in keys if key not in (CONNECT, DISCONNECT)]
    if isinstance(route, str) and route in takes:
        return route
    close = difflib.get_close_matches(str(route), takes, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ApigwFaultError(
        f"no route {route!r} takes messages in this API{hint} Its routes that do:"
        f" {', '.join(map(repr, takes)) or 'none'}"
    )


def check_injection(
    scenario: object, route: object, times: object, keys: Sequence[str]
) -> tuple[WebSocketScenario, str | None, int | None]:
    """What ``api.inject(scenario, route=, times=)`` asks for, checked:
    the row, the route (``None``: any), how many times (``None``: every time)."""
    row = _row(scenario)
    key = _route(row, route, keys)
    if times is None and row.phase == "management":
        raise ApigwFaultError(
            f"{row.id}: times= counts the management calls it refuses: give a number from 1"
        )
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ApigwFaultError(
            f"inject times= is a number from 1, or None (every time), got {times!r}"
        )
    return row, key, times


@dataclass
class _Pending:
    row: WebSocketScenario
    route: str | None
    left: int | None  # None: every time


class Injections:
    """The injected rows not yet used up, oldest first (thread-safe)."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []
        self._lock = threading.Lock()

    def add(self, row: WebSocketScenario, route: str | None, times: int | None) -> None:
        with self._lock:
            self._pending.append(_Pending(row, route, times))

    def take(self, phase: str, route: str | None = None) -> WebSocketScenario | None:
        """The oldest row of ``phase`` that applies (to a message on ``route``),
        counted once; ``None`` when there is none."""
        with self._lock:
            for pending in self._pending:
                if pending.row.phase == phase and pending.route in (None, route):
                    if pending.left is not None:
                        pending.left -= 1
                        if not pending.left:
                            self._pending.remove(pending)
                    return pending.row
        return None

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
