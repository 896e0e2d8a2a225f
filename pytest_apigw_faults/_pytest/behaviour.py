"""What the client did: the checks of the ``apigw_fault`` fixture and the
row each test adds to the resilience report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._core.fault import Call
    from .._gateway.websocket_records import WebSocketConnection
    from .fixture import ApigwFault

__all__ = [
    "check_gave_up_within",
    "check_reconnected",
    "check_retried",
    "describe",
    "outcome",
    "report_row",
]


def seconds(value: float) -> str:
    """``29 s``, ``0.513 s``, ``59.105 s``: at most three decimals."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('', '-0') else text} s"


def answered_by(call: Call) -> str:
    """The scenario id of a call, or the status of a Lambda's valid result."""
    if call.scenario is not None:
        return call.scenario.id
    result = call.result
    return "lambda" if result is None else f"lambda {result.status}"


def outcome(call: Call) -> str:
    """How an attempt ended for the client: its status, or the type of the
    exception the client raised."""
    if call.exception is not None:
        return type(call.exception).__name__
    return str(call.exchange.response.status)


def ending(call: Call) -> str:
    """How an attempt ended, in words: answered (with its outcome), timed
    out, given up by a client that closed its connection to the loopback
    server, or abandoned by the server at the test's end."""
    from .._serve.inflight import Abandoned, ClientClosed

    if isinstance(call.exception, Abandoned):
        return "abandoned: the test ended before its answer was written"
    if isinstance(call.exception, ClientClosed):
        return "given up: the client closed the connection before the answer"
    return "timed out" if call.timed_out else "answered " + outcome(call)


def _call_lines(calls: Sequence[Call]) -> list[str]:
    if not calls:
        return ["  calls: none reached a fault"]
    first = calls[0].exchange.arrived_at
    dropped = total(calls) - len(calls)
    kept = f", the newest {len(calls)} kept" if dropped else ""
    lines = [f"  calls ({total(calls)}{kept}):"]
    for index, call in enumerate(calls, start=dropped):
        lines.append(
            f"    #{index} {answered_by(call)} via {call.client}:"
            f" arrived at +{seconds(call.exchange.arrived_at - first)},"
            f" waited {seconds(call.waited)},"
            f" {ending(call)}"
        )
    return lines


def _clock_lines(fixture: ApigwFault) -> list[str]:
    sleeps = fixture.sleeps
    listed = ", ".join(seconds(s) for s in sleeps) if sleeps else "none"
    clock = "virtual time" if fixture.virtual_time else "gateway time, no virtual time"
    return [f"  sleeps: {listed}", f"  elapsed: {seconds(fixture.elapsed)} ({clock})"]


def check_reconnected(fixture: ApigwFault, times: int | None, after: object) -> None:
    __tracebackhide__ = True
    from .._core.websocket_log import check_reconnected as check

    check(fixture._websocket_history(), times, after, _clock_lines(fixture))


def describe(fixture: ApigwFault) -> str:
    """The calls, sleeps and time of a test, for a failure message."""
    calls = fixture.calls
    sleeps = fixture.sleeps
    lines = _call_lines(calls)
    listed = ", ".join(seconds(s) for s in sleeps) if sleeps else "none"
    lines.append(f"  sleeps: {listed}")
    clock = "virtual time" if fixture.virtual_time else "gateway time, no virtual time"
    lines.append(f"  elapsed: {seconds(fixture.elapsed)} ({clock})")
    return "\n".join(lines)


def total(calls: Sequence[Call]) -> int:
    """Every call answered, those a bounded window no longer keeps included."""
    return int(getattr(calls, "total", len(calls)))


def _attempts(count: int) -> str:
    return f"{count} attempt{'' if count == 1 else 's'}"


def _retries(count: int) -> str:
    return f"{count} retr{'y' if count == 1 else 'ies'}"


def check_retried(fixture: ApigwFault, times: int | None) -> None:
    __tracebackhide__ = True
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
        raise TypeError(f"times= takes a whole number of retries, at least 0; got {times!r}")
    attempts = total(fixture.calls)
    retries = attempts - 1
    if times is None:
        if retries >= 1:
            return
        wanted = "at least 1 retry (2 attempts)"
    else:
        if retries == times:
            return
        wanted = f"{_retries(times)} ({_attempts(times + 1)})"
    got = "no attempt" if not attempts else f"{_retries(retries)} ({_attempts(attempts)})"
    if times == 0:
        wanted = "no retry (1 attempt)"
    raise AssertionError(f"expected {wanted}, got {got}:\n{describe(fixture)}")


def check_gave_up_within(fixture: ApigwFault, limit: float) -> None:
    __tracebackhide__ = True
    if isinstance(limit, bool) or not isinstance(limit, (int, float)):
        raise TypeError(f"assert_gave_up_within() takes seconds (a number), got {limit!r}")
    if not fixture.calls:
        raise AssertionError(f"expected the client to give up within {seconds(limit)},"
                             f" but no attempt reached a fault:\n{describe(fixture)}")
    elapsed = fixture.elapsed
    if elapsed > limit:
        raise AssertionError(
            f"expected the client to give up within {seconds(limit)}, it took"
            f" {seconds(elapsed)} ({_attempts(total(fixture.calls))}):\n{describe(fixture)}"
        )


def _met(history: Sequence[WebSocketConnection]) -> list[str]:
    """The WebSocket scenarios the connections met: how they ended, their error frames."""
    from .._gateway.websocket import WEBSOCKET_SCENARIOS

    met: list[str] = []
    for record in history:
        met += [WEBSOCKET_SCENARIOS[name].id for name in record.errors]
        if record.scenario is not None:
            met.append(record.answered_by)
    return list(dict.fromkeys(met))


def _label(fixture: ApigwFault, history: Sequence[WebSocketConnection]) -> str:
    labels: list[str] = []
    for fault in fixture.faults:
        label = fault.scenario.id if fault.scenario is not None else f"{fault.api.value}-lambda"
        if fault.sequence is not None:
            label = f"{fault.api.value}-sequence"
        elif fault.then is not None:
            label += "-then"
        if label not in labels:
            labels.append(label)
    if fixture._websockets:  # the WebSocket scenarios met, or none
        labels += _met(history) or ["websocket"]
    return "+".join(labels)


def _connection_rows(history: Sequence[WebSocketConnection]) -> list[dict[str, Any]]:
    """The report's rows of the connections: as the calls', times from the first."""
    from .._gateway.websocket import WEBSOCKET_SCENARIOS

    first = history[0].opened_at if history else 0.0
    return [
        {
            "answered_by": record.answered_by,
            "connection_id": record.connection_id,
            "opened_at": round(record.opened_at - first, 6),
            "closed_at": None if record.closed_at is None else round(record.closed_at - first, 6),
            "closed_by": record.closed_by,
            "close_code": record.close_code,
            "status": record.status,
            "errors": [WEBSOCKET_SCENARIOS[name].id for name in record.errors],
            "outcome": record.outcome,
        }
        for record in history
    ]


def report_row(fixture: ApigwFault) -> str:
    """The test's row of the resilience report, as JSON (what a JUnit
    property holds and xdist carries to the controller)."""
    calls = fixture.calls
    history = fixture._websocket_history()
    first = calls[0].exchange.arrived_at if calls else 0.0
    last = outcome(calls[-1]) if calls else history[-1].outcome if history else "no call"
    row: dict[str, Any] = {
        "scenario": _label(fixture, history),
        "attempts": total(calls) + len(history),
        "outcome": last,
        "virtual_time": round(fixture.elapsed, 6),
        "virtual": fixture.virtual_time,
        "calls": [
            {
                "answered_by": answered_by(call),
                "client": call.client,
                "arrived_at": round(call.exchange.arrived_at - first, 6),
                "waited": round(call.waited, 6),
                "timed_out": call.timed_out,
                "outcome": outcome(call),
            }
            for call in calls
        ],
        "sleeps": [round(s, 6) for s in fixture.sleeps],
    }
    if fixture._websockets:
        row["connections"] = _connection_rows(history)
    return json.dumps(row, sort_keys=True)
