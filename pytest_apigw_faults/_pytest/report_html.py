"""The resilience report as one self-contained HTML page (``--apigw-report-html``).

A matrix of tests (each id without its scenario, as the terminal report
groups them) by the scenarios they met, each cell coloured by the test's
result and showing its attempts and virtual time; hovering a cell shows its
calls, clicking it (or opening the page with ``#cell-N``) shows them as a
timeline in the panel below. Then the per-scenario roll-up of the terminal
report.

No external asset: the CSS and the script are inline, and every text (test
ids come from users) is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from .behaviour import seconds
from .report import _drop_scenario, rollup, scenarios_met, summary

__all__ = ["RESULTS", "render_html"]

#: Each result's cell class and colour (also the legend's order).
RESULTS = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "error": "#82071e",
    "xfailed": "#9a6700",
    "xpassed": "#8250df",
    "skipped": "#6e7781",
}

_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.4em; margin: 0 0 .3em; }
h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 2px 6px; }
th { background: #f6f8fa; font-weight: 600; text-align: left; }
#rollup td.num { text-align: right; font-variant-numeric: tabular-nums; }
#rollup tr.survived td.failed { color: #1a7f37; }
#rollup tr.broken td.failed { color: #cf222e; font-weight: 700; }
#matrix thead th.scenario { writing-mode: vertical-rl; transform: rotate(180deg);
  white-space: nowrap; vertical-align: bottom; font-weight: 500; }
#matrix tbody th { font-weight: 400; font-family: ui-monospace, monospace; white-space: nowrap; }
#matrix td { min-width: 3.2em; height: 2.4em; text-align: center; font-size: 12px; }
#matrix td.cell { color: #fff; cursor: pointer; }
#matrix td.cell:hover, #matrix td.cell:focus, #matrix td.cell.selected {
  outline: 3px solid #0969da; outline-offset: -3px; }
#matrix tfoot td { font-weight: 700; }
#matrix tfoot td.survived { color: #1a7f37; }
#matrix tfoot td.broken { color: #cf222e; }
#matrix td.cell .time { display: block; font-size: 10px; opacity: .9; }
.legend span { display: inline-block; color: #fff; padding: 0 .5em; margin-right: .3em; }
.timeline { display: none; }
#detail { position: sticky; bottom: 0; background: #fff; margin-top: 1em; padding: .2em 1em;
  border: 1px solid #d0d7de; max-width: 60em; max-height: 40vh; overflow: auto; }
#detail ol { list-style: none; padding: 0; margin: .4em 0; }
#detail li { margin: .3em 0; }
.track { position: relative; height: 10px; background: #eaeef2; }
.bar { position: absolute; top: 0; height: 10px; min-width: 2px; }
.call.ok .bar { background: #1a7f37; }
.call.status-4xx .bar { background: #bf8700; }
.call.status-5xx .bar { background: #cf222e; }
.call.exception .bar { background: #24292f; }
.call.timed-out .bar {
  background: repeating-linear-gradient(45deg, #cf222e 0 4px, #82071e 4px 8px); }
.call .what, .connection .what { font-family: ui-monospace, monospace; font-size: 12px; }
.connection.client .bar, .connection.management .bar { background: #1a7f37; }
.connection.gateway .bar { background: #cf222e; }
.connection.refused .bar { background: #82071e; }
.connection.open .bar, .connection.test-end .bar { background: #6e7781; }
"""

_SCRIPT = """
(function () {
  var title = document.getElementById("detail-title");
  var body = document.getElementById("detail-body");
  function select(cell) {
    var old = document.querySelector("td.cell.selected");
    if (old) { old.classList.remove("selected"); }
    cell.classList.add("selected");
    title.textContent = cell.dataset.test + " \\u2014 " + cell.dataset.scenario
      + " (" + cell.dataset.result + ")";
    body.innerHTML = cell.querySelector(".timeline").innerHTML;
    if (history.replaceState) { history.replaceState(null, "", "#" + cell.id); }
  }
  document.querySelectorAll("td.cell").forEach(function (cell) {
    cell.addEventListener("click", function () { select(cell); });
    cell.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(cell); }
    });
  });
  var wanted = location.hash && document.getElementById(location.hash.slice(1));
  if (wanted && wanted.classList.contains("cell")) { select(wanted); }
})();
"""


def _call_class(call: Mapping[str, Any]) -> str:
    outcome = str(call["outcome"])
    if call["timed_out"]:
        return "call timed-out"
    if not outcome.isdigit():
        return "call exception"
    return {"4": "call status-4xx", "5": "call status-5xx"}.get(outcome[0], "call ok")


def _call_text(index: int, call: Mapping[str, Any]) -> str:
    outcome = call["outcome"]
    ending = f"timed out ({outcome})" if call["timed_out"] else f"answered {outcome}"
    return (
        f"#{index} +{seconds(call['arrived_at'])} {call['answered_by']} via {call['client']}:"
        f" waited {seconds(call['waited'])}, {ending}"
    )


def _connection_text(index: int, connection: Mapping[str, Any]) -> str:
    errors = "".join(f", error frame {name}" for name in connection["errors"])
    closed = connection["closed_at"]
    if connection["status"] != 101:
        ending = f"refused {connection['status']}"
    elif connection["closed_by"] in (None, "test end"):
        ending = "open until the test's end"
    else:
        ending = (f"closed {connection['close_code'] or 1005} by the {connection['closed_by']}"
                  f" at +{seconds(closed)}")
    return (f"#{index} +{seconds(connection['opened_at'])} {connection['answered_by']}"
            f" {connection['connection_id']}{errors}: {ending}")


def _connection_items(row: Mapping[str, Any], span: float) -> tuple[list[str], list[str]]:
    """Each WebSocket connection as a bar from its opening to its close."""
    texts: list[str] = []
    items: list[str] = []
    for index, connection in enumerate(row.get("connections", [])):
        text = _connection_text(index, connection)
        texts.append(text)
        opened = connection["opened_at"]
        closed = span if connection["closed_at"] is None else connection["closed_at"]
        kind = ("refused" if connection["status"] != 101
                else (connection["closed_by"] or "open").replace(" ", "-"))
        items.append(
            f'<li class="connection {kind}"'
            f' data-answered-by="{escape(connection["answered_by"])}"'
            f' data-opened-at="{float(opened)}" data-outcome="{escape(connection["outcome"])}">'
            f'<div class="track"><div class="bar" style="left:{100 * opened / span:.3f}%;'
            f'width:{100 * (closed - opened) / span:.3f}%"></div></div>'
            f'<span class="what">{escape(text)}</span></li>'
        )
    return texts, items


def _timeline(test_id: str, row: Mapping[str, Any]) -> tuple[str, str]:
    """The cell's hidden timeline (HTML) and its plain-text form (its
    tooltip): each call as a bar from its arrival for as long as it waited,
    each WebSocket connection from its opening to its close."""
    calls = row.get("calls", [])
    closes = [c["closed_at"] or 0.0 for c in row.get("connections", [])]
    span = max([c["arrived_at"] + c["waited"] for c in calls]
               + closes + [row["virtual_time"], 1e-9])
    dropped = row["attempts"] - len(calls)
    attempts = row["attempts"]
    texts = [f"{test_id}: {attempts} attempt{'' if attempts == 1 else 's'},"
             f" {seconds(row['virtual_time'])}"
             f" ({'virtual' if row.get('virtual') else 'real'} time), last {row['outcome']}"]
    items = []
    for index, call in enumerate(calls, start=dropped):
        text = _call_text(index, call)
        texts.append(text)
        left = 100 * call["arrived_at"] / span
        width = 100 * call["waited"] / span
        items.append(
            f'<li class="{_call_class(call)}" data-answered-by="{escape(call["answered_by"])}"'
            f' data-arrived-at="{float(call["arrived_at"])}" data-waited="{float(call["waited"])}"'
            f' data-timed-out="{str(call["timed_out"]).lower()}"'
            f' data-outcome="{escape(str(call["outcome"]))}">'
            f'<div class="track"><div class="bar" style="left:{left:.3f}%;width:{width:.3f}%">'
            f'</div></div><span class="what">{escape(text)}</span></li>'
        )
    more_texts, more_items = _connection_items(row, span)
    texts += more_texts
    items += more_items
    sleeps = row.get("sleeps") or []
    extra = f"sleeps: {', '.join(seconds(s) for s in sleeps)}" if sleeps else "sleeps: none"
    if dropped:
        extra += f"; the first {dropped} calls are not kept"
    texts.append(extra)
    body = (f'<p>{escape(texts[0])}</p><ol class="calls">{"".join(items)}</ol>'
            f"<p>{escape(extra)}</p>")
    return body, "\n".join(texts)


def _cell(index: int, test_id: str, scenario: str, row: Mapping[str, Any], result: str) -> str:
    body, tooltip = _timeline(test_id, row)
    return (
        f'<td id="cell-{index}" class="cell result-{escape(result)}" tabindex="0"'
        f' style="background:{RESULTS.get(result, "#6e7781")}"'
        f' data-test="{escape(test_id)}" data-scenario="{escape(scenario)}"'
        f' data-result="{escape(result)}" data-attempts="{int(row["attempts"])}"'
        f' data-virtual-time="{float(row["virtual_time"])}" title="{escape(tooltip)}">'
        f'<span class="attempts">{int(row["attempts"])}\u00d7</span>'
        f'<span class="time">{escape(seconds(row["virtual_time"]))}</span>'
        f'<div class="timeline">{body}</div></td>'
    )


def _rollup_table(rows: Mapping[str, Any], results: Mapping[str, str]) -> str:
    lines = ['<table id="rollup"><thead><tr><th>scenario</th><th>tests</th><th>passed</th>'
             "<th>failed</th><th>attempts</th></tr></thead><tbody>"]
    for scenario, entry in rollup(rows, results).items():
        kind = "broken" if entry["failed"] else "survived"
        lines.append(
            f'<tr class="{kind}" data-scenario="{escape(scenario)}"><td>{escape(scenario)}</td>'
            + "".join(f'<td class="num {name}">{entry[name]}</td>'
                      for name in ("tests", "passed", "failed", "attempts"))
            + "</tr>"
        )
    return "\n".join(lines) + "</tbody></table>"


def _matrix(rows: Mapping[str, Mapping[str, Any]], results: Mapping[str, str]) -> str:
    """The matrix: a row per test (its id without the scenario), a column per
    scenario met; a test that met several scenarios fills each one's cell."""
    grid: dict[str, dict[str, str]] = {}
    scenarios: set[str] = set()
    for index, (test_id, row) in enumerate(sorted(rows.items())):
        met = scenarios_met(row)
        name = _drop_scenario(test_id, row["scenario"] or "-")
        if any(scenario in grid.get(name, {}) for scenario in met):
            name = test_id  # its cells are taken: a row of its own, its full id
        group = grid.setdefault(name, {})
        result = results.get(test_id, "passed")
        for scenario in met:
            scenarios.add(scenario)
            group[scenario] = _cell(index, test_id, scenario, row, result)
    columns = sorted(scenarios)
    head = "".join(f'<th class="scenario" scope="col">{escape(s)}</th>' for s in columns)
    lines = [f'<table id="matrix"><thead><tr><th>test</th>{head}</tr></thead><tbody>']
    for test, cells in sorted(grid.items()):
        tds = "".join(cells.get(s, '<td class="empty"></td>') for s in columns)
        lines.append(f'<tr><th scope="row">{escape(test)}</th>{tds}</tr>')
    table = rollup(rows, results)
    foot = "".join(
        f'<td class="{"broken" if table[s]["failed"] else "survived"}">'
        f'{table[s]["passed"]}/{table[s]["tests"]}</td>'
        for s in columns
    )
    return "\n".join(lines) + f'</tbody><tfoot><tr><th>passed</th>{foot}</tr></tfoot></table>'



def render_html(
    rows: Mapping[str, Mapping[str, Any]],
    results: Mapping[str, str],
    title: str = "API Gateway resilience report",
) -> str:
    """The report page: its summary, the roll-up, the matrix and the detail
    panel a clicked cell fills."""
    legend = "".join(f'<span class="result-{name}" style="background:{colour}">{name}</span>'
                     for name, colour in RESULTS.items())
    if rows:
        matrix = (f'<p id="summary">{escape(summary(rows, results))}</p>'
                  f'<p class="legend">{legend}</p>{_matrix(rows, results)}')
        after = f"<h2>Per scenario</h2>{_rollup_table(rows, results)}"
    else:
        matrix, after = '<p id="summary">no test used a fault</p>', ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>\n"
        f"<body><h1>{escape(title)}</h1>{matrix}\n"
        '<section id="detail"><h2 id="detail-title">Click a cell to see its calls</h2>'
        f'<div id="detail-body"></div></section>\n{after}\n'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
