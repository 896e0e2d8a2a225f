"""The resilience report as an HTML page: its markup, and the page as headless
Chromium renders it (skipped where Chromium is not installed)."""

from __future__ import annotations

import html.parser
import json
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs
from support import module, set_up_inner

from pytest_apigw_faults._pytest.report_html import RESULTS, render_html

SUITE = """
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

SCENARIOS = ["rest-integration_timeout", "rest-lambda_throttled", "http-lambda_throttled"]


def get(client):
    if client == "httpx":
        return httpx.get(URL, timeout=60)
    session = requests.Session()
    retry = Retry(2, backoff_factor=1, status_forcelist=[500, 502, 503, 504],
                  raise_on_status=False)
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session.get(URL, timeout=60)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_orders(apigw_fault, client, scenario):
    api, name = scenario.split("-", 1)
    apigw_fault.inject(name, api=api, virtual_time=True)
    assert get(client).status_code != 504  # a gateway timeout fails the test


@pytest.mark.parametrize("label", ['<img src=x onerror="alert(1)">&amp;</td>'])
@pytest.mark.apigw_fault("lambda_throttled", api="rest")
def test_hostile(apigw_fault, label):
    requests.get(URL)
"""
HOSTILE = 'test_suite.py::test_hostile[<img src=x onerror="alert(1)">&amp;</td>]'
#: The cells' colours as Chromium computes them.
PASSED = "rgb(26, 127, 55)"
FAILED = "rgb(207, 34, 46)"


class Elements(html.parser.HTMLParser):
    """Every element of a page: its tag, attributes and the text in it."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.open: list[dict] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        inside = [e["id"] for e in self.open if "id" in e]
        element = {"tag": tag, **{name: value or "" for name, value in attrs}, "text": "",
                   "inside": inside}
        self.elements.append(element)
        if tag not in ("meta", "br", "img", "input", "link"):
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open and self.open.pop()["tag"] != tag:
            pass

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data

    def find(self, tag: str, cls: str | None = None) -> list[dict]:
        return [e for e in self.elements
                if e["tag"] == tag and (cls is None or cls in e.get("class", "").split())]


@pytest.fixture
def page(pytester: pytest.Pytester) -> Path:
    """The HTML report of SUITE's run (and its JSON beside it)."""
    pytest.importorskip("time_machine")
    set_up_inner(pytester)
    pytester.makepyfile(test_suite=module(SUITE))
    result = pytester.runpytest(
        "-p", "no:randomly", "--apigw-report-html=out/report.html",
        "--apigw-report-json=out/report.json",
    )
    result.assert_outcomes(passed=5, failed=2)
    assert "resilience report" not in result.stdout.str()  # the page only
    return pytester.path / "out" / "report.html"


def test_the_page_is_a_matrix_of_tests_and_scenarios(page):
    dom = Elements(page.read_text(encoding="utf-8"))
    rows = [row["text"] for row in dom.find("th") if row.get("scope") == "row"]
    assert rows == [HOSTILE, "test_suite.py::test_orders[httpx]",
                    "test_suite.py::test_orders[requests]"]
    columns = [th["text"] for th in dom.find("th", "scenario")]
    assert columns == ["http-lambda_throttled", "rest-integration_timeout",
                       "rest-lambda_throttled"]
    cells = {(c["data-test"], c["data-scenario"]): c for c in dom.find("td", "cell")}
    assert len(cells) == 7
    timeout = cells["test_suite.py::test_orders[requests-rest-integration_timeout]",
                    "rest-integration_timeout"]
    assert timeout["class"] == "cell result-failed"
    assert timeout["data-attempts"] == "3"
    assert timeout["text"].startswith("3\u00d789 s")  # 29 s, 29 s, 2 s, 29 s
    assert timeout["title"].splitlines() == [
        "test_suite.py::test_orders[requests-rest-integration_timeout]: 3 attempts, 89 s"
        " (virtual time), last 504",
        "#0 +0 s rest-integration_timeout via requests: waited 29 s, answered 504",
        "#1 +29 s rest-integration_timeout via requests: waited 29 s, answered 504",
        "#2 +60 s rest-integration_timeout via requests: waited 29 s, answered 504",
        "sleeps: 2 s",
    ]
    passed = cells["test_suite.py::test_orders[httpx-http-lambda_throttled]",
                   "http-lambda_throttled"]
    assert passed["class"] == "cell result-passed"
    footer = [td["text"] for td in dom.find("td") if td.get("class") in ("survived", "broken")]
    assert footer == ["2/2", "0/2", "3/3"]
    rollup = {tr["data-scenario"]: tr["class"] for tr in dom.find("tr") if "data-scenario" in tr}
    assert rollup == {"http-lambda_throttled": "survived", "rest-integration_timeout": "broken",
                      "rest-lambda_throttled": "survived"}


def test_the_page_needs_nothing_else_and_escapes_what_users_wrote(page):
    text = page.read_text(encoding="utf-8")
    dom = Elements(text)
    assert not dom.find("img")
    assert not dom.find("link")
    assert [script.get("src") for script in dom.find("script")] == [None]
    for external in ("http://", "url(", "@import"):
        assert external not in text
    hostile = [c for c in dom.find("td", "cell") if "test_hostile" in c["data-test"]]
    assert [c["data-test"] for c in hostile] == [HOSTILE]
    assert '<img src=x onerror="alert(1)">&amp;' not in text


def test_the_json_report_has_each_test_s_result(page):
    document = json.loads((page.parent / "report.json").read_text())
    results = {row["test"].split("::")[1]: row["result"] for row in document["tests"]}
    assert sorted(results.values()).count("failed") == 2
    assert results["test_orders[requests-rest-integration_timeout]"] == "failed"


def test_a_page_without_rows_says_so():
    dom = Elements(render_html({}, {}))
    assert [p["text"] for p in dom.find("p") if p.get("id") == "summary"] == [
        "no test used a fault"
    ]
    assert not dom.find("td", "cell")


# In a browser ------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian: apt-get install chromium)",
)
#: Reads each cell's colour as Chromium computed it into the DOM.
COLOURS = """<script>
document.querySelectorAll("td.cell").forEach(function (cell) {
  cell.dataset.bg = getComputedStyle(cell).backgroundColor;
});
</script>"""


def chromium(*args: str) -> str:
    """Run headless Chromium on a throw-away profile; its stdout."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="apigw-chromium-") as profile:
        done = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--hide-scrollbars", f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=120, check=True,
        )
    return done.stdout


def _unfilter(kind: int, line: bytearray, previous: bytearray, step: int) -> bytearray:
    """A PNG scanline with its filter (none, sub, up, average, Paeth) undone."""
    if kind == 2:
        return bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
    for x in range(len(line)):
        a = line[x - step] if x >= step else 0
        if kind == 1:
            line[x] = (line[x] + a) & 0xFF
        elif kind == 3:
            line[x] = (line[x] + ((a + previous[x]) >> 1)) & 0xFF
        elif kind == 4:
            b, c = previous[x], previous[x - step] if x >= step else 0
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return line


def png_colours(data: bytes, wanted: set[tuple[int, int, int]]) -> tuple[int, int, set]:
    """A PNG's width, height and which of the ``wanted`` colours its pixels
    have (8-bit RGB or RGBA, not interlaced: what Chromium writes), read
    from the top down until every one is found."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks: dict[bytes, bytes] = {}
    offset = 8
    while offset < len(data):
        (size,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunks[kind] = chunks.get(kind, b"") + data[offset + 8 : offset + 8 + size]
        offset += 12 + size
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, interlace) == (8, 0)
    assert colour in (2, 6)
    step = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(chunks[b"IDAT"]), width * step
    assert len(raw) == height * (stride + 1)
    line, found = bytearray(stride), set()
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), line, step)
        found |= wanted & {tuple(line[x : x + 3]) for x in range(0, stride, step)}
        if found == wanted:
            break
    return width, height, found


@needs_chromium
def test_chromium_renders_the_cells_and_a_clicked_cell_s_timeline(page, tmp_path):
    failed_cell = next(c["id"] for c in Elements(page.read_text()).find("td", "result-failed")
                       if "requests" in c["data-test"])
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", COLOURS + "</body>"))
    dom = Elements(chromium("--dump-dom", f"{probe.as_uri()}#{failed_cell}"))
    cells = dom.find("td", "cell")
    assert len(cells) == 7
    assert {c["data-result"]: c["data-bg"] for c in cells} == {"passed": PASSED, "failed": FAILED}
    assert [c["id"] for c in dom.find("td", "selected")] == [failed_cell]
    # the detail panel shows the selected cell's calls, as the script filled it
    title = next(e["text"] for e in dom.elements if e.get("id") == "detail-title")
    assert title == ("test_suite.py::test_orders[requests-rest-integration_timeout]"
                     " \u2014 rest-integration_timeout (failed)")
    calls = [e for e in dom.find("li", "call") if "detail-body" in e["inside"]]
    assert [(c["data-arrived-at"], c["data-waited"], c["data-timed-out"], c["data-outcome"])
            for c in calls] == [("0.0", "29.0", "false", "504"),
                                ("29.0", "29.0", "false", "504"),
                                ("60.0", "29.0", "false", "504")]
    assert not dom.find("img")  # the hostile id stayed text in the browser too


@needs_chromium
def test_chromium_screenshots_the_page_with_its_colours(page, tmp_path):
    shot = tmp_path / "report.png"
    chromium("--window-size=1024,768", f"--screenshot={shot}", page.as_uri())
    wanted = {tuple(bytes.fromhex(RESULTS[result][1:])) for result in ("passed", "failed")}
    assert wanted == {(26, 127, 55), (207, 34, 46)}  # PASSED and FAILED
    width, height, found = png_colours(shot.read_bytes(), wanted)
    assert (width, height) == (1024, 768)
    assert found == wanted  # the cells, green and red, are on the screenshot
