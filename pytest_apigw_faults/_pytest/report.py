"""The resilience report: every test that used a fault, with its scenarios,
attempts, outcome and virtual time.

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
    "format_table",
    "lambda_section",
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


def format_table(rows: dict[str, dict[str, Any]], width: int = 80) -> list[str]:
    """The report's lines, at most ``width`` columns wide: each test (its id
    without the scenario) on a line of its own, then a line per scenario
    it met with the attempts, the outcome and the virtual time."""
    width = max(width, 60)
    groups: dict[str, list[tuple[str, str, str, str]]] = {}
    for test_id, row in rows.items():
        scenario = row["scenario"] or "-"
        groups.setdefault(_drop_scenario(test_id, scenario), []).append(
            (
                scenario,
                str(row["attempts"]),
                _cut_middle(row["outcome"], _MAX_OUTCOME),
                seconds(row["virtual_time"]),
            )
        )
    cells = [cell for group in groups.values() for cell in group]
    widths = [0, len(_COLUMNS[2]), len(_COLUMNS[3]), len(_COLUMNS[4])]
    for cell in cells:
        for index in range(1, 4):
            widths[index] = max(widths[index], len(cell[index]))
    widths[0] = width - sum(widths[1:]) - 2 * 3
    indent = "  "

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
        for scenario, attempts, outcome, time in sorted(groups[test]):
            first = indent + _cut_middle(scenario, widths[0] - len(indent))
            lines.append(line(first, attempts, outcome, time))
    attempts_total = sum(row["attempts"] for row in rows.values())
    total = sum(row["virtual_time"] for row in rows.values())
    tests = len(rows)
    lines.append(
        f"{tests} test{'' if tests == 1 else 's'} with faults,"
        f" {attempts_total} attempt{'' if attempts_total == 1 else 's'},"
        f" {seconds(total)} of virtual time"
    )
    return lines


class ReportPlugin:
    """Collects the rows (on the controller) and reports them at the end."""

    def __init__(self, *, terminal: bool, json_path: str | None) -> None:
        self.terminal = terminal
        self.json_path = json_path
        self.rows: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        for name, value in report.user_properties:
            if name == PROPERTY and isinstance(value, str):
                self.rows[report.nodeid] = json.loads(value)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.json_path is None:
            return
        path = Path(self.json_path)
        if not path.is_absolute():
            path = session.config.invocation_params.dir / path
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "version": 1,
            "tests": [{"test": test_id, **row} for test_id, row in sorted(self.rows.items())],
        }
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.terminal:
            return
        terminalreporter.write_sep("=", "API Gateway resilience report")
        if not self.rows:
            terminalreporter.write_line("no test used a fault")
            return
        width = _internals.terminal_width(terminalreporter)
        for text in format_table(self.rows, width):
            terminalreporter.write_line(text)


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
