"""The resilience report: per scenario met, the tests that met it and how
many passed and failed (the roll-up); then per failed test (every test under
``-v``) its scenarios, attempts, outcome and virtual time. A line per
scenario and per failed test, not per test, keeps a parametrized matrix of
hundreds of cases on a screen; the HTML page (:mod:`.report_html`) shows them
all.

Each test's ``apigw_fault`` fixture adds its row, as JSON, to the test's
``user_properties`` (so it is a JUnit property too); the teardown report
carries it here, on the controller under pytest-xdist as in a plain run.

And a failed test's own report: the Lambda's log of each call of the test
whose Lambda failed, or whose answer the gateway turned into a failure
(:func:`lambda_section`).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .._adapters import _internals
from .behaviour import seconds

if TYPE_CHECKING:
    from .._core.fault import Call, Fault

__all__ = [
    "LAMBDA_SECTION",
    "PROPERTY",
    "ReportPlugin",
    "format_report",
    "format_rollup",
    "format_table",
    "lambda_section",
    "rollup",
    "scenarios_met",
    "shorten_test_id",
]

#: The title of a failed test's report section with the Lambda's logs, as
#: pytest's own ("Captured stdout call"), the phase filled in:
#: ``--show-capture=no`` hides it, ``log`` keeps it.
LAMBDA_SECTION = "Captured Lambda log {when}"
#: At most this many calls' logs in the section: the last ones.
_MAX_LOGS = 5

PROPERTY = "apigw_fault"
_ELLIPSIS = "..."
_COLUMNS = ("test", "scenario", "attempts", "outcome", "time")
_MAX_OUTCOME = 16


def _cut_middle(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    if width <= len(_ELLIPSIS):
        return text[:width]
    keep = width - len(_ELLIPSIS)
    head = keep // 2
    return text[:head] + _ELLIPSIS + text[len(text) - (keep - head) :]


def _drop_scenario(test_id: str, scenario: str) -> str:
    """``test_x[requests-rest-function_error]`` → ``test_x[requests]`` when
    the scenario column says ``rest-function_error``."""
    match = re.fullmatch(r"(.*?)\[(.*)\]", test_id)
    if match is None:
        return test_id
    base, params = match.groups()
    for label in scenario.split("+"):
        if label and label in params:
            params = params.replace(label, "", 1)
    params = re.sub(r"-{2,}", "-", params).strip("-")
    return f"{base}[{params}]" if params else base


def shorten_test_id(test_id: str, scenario: str, width: int) -> str:
    """A test id fitted to ``width``: without the scenario the next column
    shows, then without directories, then cut in the middle."""
    short = _drop_scenario(test_id, scenario)
    if len(short) > width:
        path, sep, rest = short.partition("::")
        if sep:
            short = f"{path.rsplit('/', 1)[-1]}::{rest}"
    return _cut_middle(short, width)


#: The mark of a scenario line by its test's result, as pytest's progress
#: letters; a passed test's lines keep the plain indent.
_MARKS = {"passed": " ", "failed": "F", "error": "E", "skipped": "s", "xfailed": "x",
          "xpassed": "X"}
#: Without ``-v`` the report lists at most this many failed tests.
MAX_FAILED = 10
_ROLLUP = ("scenario", "tests", "passed", "failed", "attempts")


def format_table(
    rows: Mapping[str, Mapping[str, Any]],
    width: int = 80,
    results: Mapping[str, str] | None = None,
) -> list[str]:
    """The per-test lines, at most ``width`` columns wide: each test (its id
    without the scenario) on a line of its own, then a line per scenario
    it met with the attempts, the outcome and the virtual time, marked with
    the test's result (``F`` failed, ``E`` error, ``s`` skipped, ``x``
    xfailed, ``X`` xpassed) from ``results``."""
    width = max(width, 60)
    results = results or {}
    groups: dict[str, list[tuple[str, str, str, str, str]]] = {}
    for test_id, row in rows.items():
        scenario = row["scenario"] or "-"
        groups.setdefault(_drop_scenario(test_id, scenario), []).append(
            (
                scenario,
                str(row["attempts"]),
                _cut_middle(row["outcome"], _MAX_OUTCOME),
                seconds(row["virtual_time"]),
                _MARKS.get(results.get(test_id, "passed"), "?"),
            )
        )
    cells = [cell for group in groups.values() for cell in group]
    widths = [0, len(_COLUMNS[2]), len(_COLUMNS[3]), len(_COLUMNS[4])]
    for cell in cells:
        for index in range(1, 4):
            widths[index] = max(widths[index], len(cell[index]))
    widths[0] = width - sum(widths[1:]) - 2 * 3

    def line(first: str, attempts: str, outcome: str, time: str) -> str:
        return "  ".join(
            [
                first.ljust(widths[0]),
                attempts.rjust(widths[1]),
                outcome.ljust(widths[2]),
                time.rjust(widths[3]),
            ]
        ).rstrip()

    lines = [line("test / scenario", *_COLUMNS[2:])]
    for test in sorted(groups):
        lines.append(shorten_test_id(test, "", width))
        for scenario, attempts, outcome, time, mark in sorted(groups[test]):
            first = f"{mark} " + _cut_middle(scenario, widths[0] - 2)
            lines.append(line(first, attempts, outcome, time))
    return lines


def _answered(row: Mapping[str, Any]) -> list[str]:
    """What answered each attempt, in order: each call, each WebSocket
    connection's error frames and ending (``websocket-frame_too_large``,
    ``websocket 1000`` when the client closed it)."""
    answered = [call["answered_by"] for call in row.get("calls", ())]
    for connection in row.get("connections", ()):
        answered += [*connection["errors"], connection["answered_by"]]
    return answered


def scenarios_met(row: Mapping[str, Any]) -> list[str]:
    """The scenarios that answered a call (or a WebSocket connection) of the
    test, in order; if none did (the client never called, or only the Lambda
    answered), the scenario label the test set up (each part of ``a+b``)."""
    met = [
        name for name in _answered(row)
        if not name.startswith(("lambda", "websocket "))
    ]
    return list(dict.fromkeys(met)) or (row["scenario"] or "-").split("+")


def rollup(
    rows: Mapping[str, Mapping[str, Any]], results: Mapping[str, str]
) -> dict[str, dict[str, int]]:
    """Per scenario met (:func:`scenarios_met`): the tests that met it, how
    many passed (or xpassed) and failed (or errored), and the attempts it
    answered."""
    table: dict[str, dict[str, int]] = {}
    for test_id, row in rows.items():
        result = results.get(test_id, "passed")
        met = scenarios_met(row)
        answered = _answered(row)
        for scenario in met:
            entry = table.setdefault(
                scenario, {"tests": 0, "passed": 0, "failed": 0, "attempts": 0}
            )
            entry["tests"] += 1
            entry["passed"] += result in ("passed", "xpassed")
            entry["failed"] += result in ("failed", "error")
            entry["attempts"] += (
                answered.count(scenario) if scenario in answered else row["attempts"]
            )
    return dict(sorted(table.items()))


def format_rollup(table: Mapping[str, Mapping[str, int]], width: int = 80) -> list[str]:
    """The roll-up's lines: a scenario a line with its tests, passed,
    failed and attempts, the scenario cut in the middle to fit ``width``."""
    numbers = [
        max(len(name), *(len(str(entry[name])) for entry in table.values()))
        for name in _ROLLUP[1:]
    ]
    room = max(width, 60) - sum(numbers) - 2 * len(numbers)
    first = min(room, max(len(_ROLLUP[0]), *(len(name) for name in table)))

    def line(cells: list[str]) -> str:
        return "  ".join(
            [_cut_middle(cells[0], first).ljust(first)]
            + [cell.rjust(size) for cell, size in zip(cells[1:], numbers, strict=True)]
        )

    lines = [line(list(_ROLLUP))]
    for scenario, entry in table.items():
        lines.append(line([scenario] + [str(entry[name]) for name in _ROLLUP[1:]]))
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(rows: Mapping[str, Mapping[str, Any]], results: Mapping[str, str]) -> str:
    """``5 tests with faults: 4 passed, 1 failed; 16 attempts, 94.735 s
    virtual time`` (and how many were skipped or xfailed, if any)."""
    counts = {"passed": 0, "failed": 0, "other": 0}
    for test_id in rows:
        result = results.get(test_id, "passed")
        kind = {"xpassed": "passed", "error": "failed"}.get(result, result)
        counts[kind if kind in counts else "other"] += 1
    other = f", {counts['other']} skipped or xfailed" if counts["other"] else ""
    attempts = sum(row["attempts"] for row in rows.values())
    total = sum(row["virtual_time"] for row in rows.values())
    return (
        f"{_plural(len(rows), 'test')} with faults: {counts['passed']} passed,"
        f" {counts['failed']} failed{other}; {_plural(attempts, 'attempt')},"
        f" {seconds(total)} virtual time"
    )


def format_report(
    rows: Mapping[str, Mapping[str, Any]],
    results: Mapping[str, str],
    width: int = 80,
    verbose: bool = False,
) -> list[str]:
    """The whole terminal report: the roll-up, then the failed tests (every
    test under ``-v``; at most :data:`MAX_FAILED` failed ones without), then
    the summary."""
    width = max(width, 60)
    lines = format_rollup(rollup(rows, results), width)
    failed = sorted(t for t in rows if results.get(t) in ("failed", "error"))
    if verbose:
        lines += format_table(rows, width, results)
    elif failed:
        shown = failed[:MAX_FAILED]
        lines.append("failed tests (-v lists every test):")
        lines += format_table({t: rows[t] for t in shown}, width, results)
        if len(failed) > len(shown):
            lines.append(f"... and {len(failed) - len(shown)} more failed tests")
    text = summary(rows, results)
    if len(text) > width:  # the results, then the attempts and time
        head, _, tail = text.rpartition("; ")
        return lines + textwrap.wrap(head + ";", width) + textwrap.wrap(tail, width)
    return [*lines, text]


def result_of(report: pytest.TestReport, previous: str | None) -> str | None:
    """A test's result so far, given one of its phase reports: ``passed``,
    ``failed``, ``error`` (its setup or teardown failed), ``skipped``,
    ``xfailed`` or ``xpassed``."""
    xfail = hasattr(report, "wasxfail")
    if report.when == "call":
        if report.skipped:
            return "xfailed" if xfail else "skipped"
        if report.failed:
            return "failed"
        return "xpassed" if xfail else "passed"
    if report.failed:
        return previous if previous in ("failed", "xfailed") else "error"
    if report.skipped and report.when == "setup":
        return "xfailed" if xfail else "skipped"
    return previous


class ReportPlugin:
    """Collects the rows and results (on the controller) and reports them at
    the end."""

    def __init__(
        self, *, terminal: bool, json_path: str | None, html_path: str | None = None
    ) -> None:
        self.terminal = terminal
        self.json_path = json_path
        self.html_path = html_path
        self.rows: dict[str, dict[str, Any]] = {}
        self.results: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = result_of(report, self.results.get(report.nodeid))
        if result is not None:
            self.results[report.nodeid] = result
        if report.when != "teardown":
            return
        for name, value in report.user_properties:
            if name == PROPERTY and isinstance(value, str):
                self.rows[report.nodeid] = json.loads(value)

    def _path(self, session: pytest.Session, name: str) -> Path:
        path = Path(name)
        if not path.is_absolute():
            path = session.config.invocation_params.dir / path
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.json_path is not None:
            document = {
                "version": 1,
                "tests": [
                    {"test": test_id, "result": self.results.get(test_id, "passed"), **row}
                    for test_id, row in sorted(self.rows.items())
                ],
            }
            self._path(session, self.json_path).write_text(
                json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
        if self.html_path is not None:
            from .report_html import render_html

            self._path(session, self.html_path).write_text(
                render_html(self.rows, self.results), encoding="utf-8"
            )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.terminal:
            return
        terminalreporter.write_sep("=", "API Gateway resilience report")
        if not self.rows:
            terminalreporter.write_line("no test used a fault")
            return
        width = _internals.terminal_width(terminalreporter)
        verbose = terminalreporter.verbosity > 0
        lines = format_report(self.rows, self.results, width, verbose)
        table = rollup(self.rows, self.results)
        # the roll-up's rows (after its header, in its order) and the
        # summary: red where a test failed, green where all survived
        failed = [bool(entry["failed"]) for entry in table.values()]
        failed = [False] + failed + [False] * (len(lines) - len(failed) - 2) + [any(failed)]
        for index, text in enumerate(lines):
            colour = index not in range(len(table) + 1, len(lines) - 1) and index > 0
            terminalreporter.write_line(
                text, **({"red": failed[index], "green": not failed[index]} if colour else {})
            )


def _request_line(event: Mapping[str, Any] | None) -> str:
    """``GET /items``: the method and path of the event the Lambda got."""
    if not event:
        return ""
    http = event.get("requestContext", {}).get("http")
    if isinstance(http, Mapping):  # payload 2.0
        method, path = http.get("method"), event.get("rawPath")
    else:
        method, path = event.get("httpMethod"), event.get("path")
    return f"{method} {path} " if method and path else ""


def _failed_lambda(call: Call, since: int) -> bool:
    return (
        call.seq >= since
        and call.invocation is not None
        and (call.lambda_error is not None or call.scenario is not None)
    )


def lambda_section(
    faults: Iterable[Fault], since: int, when: str = "call"
) -> tuple[str, str] | None:
    """The report section of a test that failed in phase ``when``: for each
    call (numbered ``since`` on) whose Lambda failed or whose answer became a
    failure, what was asked and answered, the Lambda's error, and its log;
    ``None`` if there is none.
    """
    calls = sorted(
        (c for fault in dict.fromkeys(faults) for c in fault.calls if _failed_lambda(c, since)),
        key=lambda call: call.seq,
    )
    if not calls:
        return None
    parts = []
    if len(calls) > _MAX_LOGS:
        parts.append(f"({len(calls) - _MAX_LOGS} earlier calls whose Lambda failed not shown)\n")
    for call in calls[-_MAX_LOGS:]:
        answer = "its result" if call.scenario is None else call.scenario.id
        head = (
            f"{_request_line(call.event)}-> {call.exchange.response.status} ({answer}),"
            f" {call.client}\n"
        )
        error = call.lambda_error
        if error is not None:
            kind, message = error.get("errorType", ""), error.get("errorMessage", "")
            head += f"Lambda error: {kind}: {message}\n" if kind else f"Lambda error: {message}\n"
        parts.append(head + (call.lambda_log or ""))
    return LAMBDA_SECTION.format(when=when), "\n".join(parts)
