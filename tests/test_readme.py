"""The README's scenario table is the one the code generates."""

from __future__ import annotations

from pathlib import Path

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs

from pytest_apigw_faults._docs.table import END, START, scenario_table, update
from pytest_apigw_faults._gateway.table import Api, scenario_names

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_scenario_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert update(text) == text, (
        "README.md's scenario table is out of date: run"
        " `python -m pytest_apigw_faults._docs.table README.md`"
    )


def test_the_generated_table_has_a_line_per_row_with_its_exact_body() -> None:
    table = scenario_table()
    rest_timeout = (
        '| `rest-integration_timeout` | 504 | `{"message": "Endpoint request timed out"}`'
    )
    assert rest_timeout in table
    assert '| `http-function_error` | 500 | `{"message":"Internal Server Error"}` (35 B)' in table
    assert table.count("| `rest-") == len(scenario_names(Api.REST))
    assert table.count("| `http-") == len(scenario_names(Api.HTTP))


def test_update_refuses_a_readme_without_the_markers() -> None:
    with pytest.raises(ValueError, match="scenario-table"):
        update("no markers here")
    assert START in update(f"a\n{START}\nold\n{END}\nb").splitlines()[1]


def _block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def _needs_both_clients() -> None:
    # the README's snippets use requests and httpx
    for name in ("requests", "responses", "httpx", "respx"):
        pytest.importorskip(name)


def test_the_quick_start_runs_as_pasted(pytester: pytest.Pytester) -> None:
    _needs_both_clients()
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_quick_start=_block_after("## Quick start"))
    result = pytester.runpytest("-p", "no:randomly", "-q")
    result.assert_outcomes(passed=1 + len(scenario_names(Api.HTTP)) + 1)


def test_the_fault_object_snippet_runs() -> None:
    _needs_both_clients()
    exec(compile(_block_after("Outside pytest"), "README.md", "exec"), {})


PREAMBLE = """
import pytest
import requests

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
"""


@pytest.mark.parametrize(
    ("heading", "extra"),
    [
        ("## Endpoint types and timeouts", ""),
        ("## CORS", ""),
        ("## Request validation", ""),
        ("## Throttling", ""),
        (
            "## Customised gateway responses",
            # the snippet's DEFAULT_5XX part, checked on a 5XX failure
            """

@pytest.mark.apigw_fault("function_error", api="rest", gateway_responses=DOC)
def test_the_5xx_fallback_adds_its_header(apigw_fault):
    response = requests.get(URL)
    assert response.status_code == 502
    assert response.headers["x-team"] == "orders"
    assert response.content == b'{"message": "Internal server error"}'
""",
        ),
    ],
)
def test_section_snippets_run_as_pasted(pytester: pytest.Pytester, heading, extra) -> None:
    _needs_both_clients()
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_snippet=PREAMBLE + _block_after(heading) + extra)
    result = pytester.runpytest("-p", "no:randomly", "-q")
    result.assert_outcomes(passed=2 if extra else 1)
