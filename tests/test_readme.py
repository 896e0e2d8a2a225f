"""The README fits PyPI's page: at most 15 KB, links only by absolute URL
(PyPI makes no heading anchors and resolves no relative link), each link to
the site naming a page and section that exist; its generated scenario table
is current. Its examples run in tests/test_docs.py, as the site's do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from doc_examples import DOCS, ROOT, anchors, examples

from pytest_apigw_faults._docs import DOCS_URL
from pytest_apigw_faults._docs.table import (
    BLOCKS,
    END,
    START,
    compact_table,
    rows_table,
    scenario_table,
    update,
)
from pytest_apigw_faults._gateway.table import SCENARIOS, Api, scenario_names

README = ROOT / "README.md"
LIMIT = 15 * 1024
_LINK = re.compile(r"\]\(([^)\s]+)\)|(?<![(<\w])(https?://[^\s)>`]+)")


def _text() -> str:
    return README.read_text(encoding="utf-8")


def test_the_readme_fits_in_15_kb() -> None:
    size = len(README.read_bytes())
    assert size <= LIMIT, f"README.md is {size} bytes, over {LIMIT}: move detail to docs/"


def _links(text: str) -> list[str]:
    text = re.sub(r"(?ms)^```.*?^```", "", text)  # code is not linked
    return [a or b for a, b in _LINK.findall(text)]


def test_every_link_is_absolute_and_none_is_an_anchor_in_the_page() -> None:
    links = _links(_text())
    assert links
    for link in links:
        assert link.startswith("https://"), f"{link}: PyPI cannot follow a relative link"


def _page_and_anchors(url: str) -> tuple[Path, set[str]]:
    path = url.removeprefix(DOCS_URL).split("#", 1)[0].strip("/")
    for candidate in (DOCS / f"{path}.md", DOCS / path / "index.md"):
        if candidate.is_file():
            return candidate, anchors(candidate)
    raise AssertionError(f"{url} names no page of docs/")


def test_every_link_to_the_site_names_a_page_and_section_that_exist() -> None:
    site = [link for link in _links(_text()) if link.startswith(DOCS_URL)]
    assert len(site) >= 10
    for link in site:
        _, anchors = _page_and_anchors(link)
        if "#" in link:
            assert link.split("#", 1)[1] in anchors, link


def test_the_site_s_address_is_the_package_s_everywhere() -> None:
    # DOCS_URL is the one place; the README, pyproject's Documentation URL and
    # mkdocs.yml's site_url say the same
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'Documentation = "{DOCS_URL}"' in pyproject
    mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert f"site_url: {DOCS_URL}\n" in mkdocs
    other = [link for link in _links(_text()) if "readthedocs" in link]
    assert all(link.startswith(DOCS_URL) for link in other), other


def test_the_readme_keeps_install_and_quick_start() -> None:
    text = _text()
    for extra in ("requests", "httpx", "aiohttp", "virtual-time", "serve", "jwt", "sigv4",
                  "validation", "templates", "all"):
        assert f'pip install "pytest-apigw-faults[{extra}]"' in text, extra
    assert "pytest-asyncio" in text
    assert "anyio" in text
    headings = [example.heading for example in examples(README)]
    assert headings[0] == "## Quick start"
    assert len(headings) >= 7  # the quick start, a client each, handlers, the loopback gateway
    websocket = next(e for e in examples(README) if e.heading == "## WebSocket APIs").code
    assert "apigw_fault.use_api(WebSocketApi(" in websocket
    assert "apigw_fault.websocket()" in websocket


# -- the generated scenario tables -------------------------------------------------------


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.path)
def test_each_generated_scenario_table_is_current(block) -> None:
    text = (ROOT / block.path).read_text(encoding="utf-8")
    assert update(text) == text, (
        f"{block.path}'s scenario table is out of date: run"
        " `python -m pytest_apigw_faults._docs.table`"
    )


def test_the_generated_table_has_a_line_per_row_with_its_exact_body() -> None:
    table = rows_table()
    rest_timeout = (
        '| `rest-integration_timeout` | 504 | `{"message": "Endpoint request timed out"}`'
    )
    assert rest_timeout in table
    assert '| `http-function_error` | 500 | `{"message":"Internal Server Error"}` (35 B)' in table
    assert table.count("| `rest-") == len(scenario_names(Api.REST))
    assert table.count("| `http-") == len(scenario_names(Api.HTTP))
    assert scenario_table().startswith(table + "\n\nDoubts and details")


def test_the_compact_table_has_a_line_per_row() -> None:
    table = compact_table()
    assert table.splitlines()[0] == "| id | status | body | cause |"
    assert len(table.splitlines()) == 2 + len(SCENARIOS)
    assert '| `rest-function_error` | 502 | `{"message": "Internal server error"}` |' in table
    assert all(len(line) < 220 for line in table.splitlines())


def test_update_refuses_a_text_without_the_markers() -> None:
    with pytest.raises(ValueError, match="scenario-table"):
        update("no markers here")
    assert START in update(f"a\n{START}\nold\n{END}\nb").splitlines()[1]
