"""The retries page's "Should my client retry?" section (docs/retries.md): generated from the
scenario table, its recipe the one the code checks, run for real."""

from __future__ import annotations

from pathlib import Path

import pytest
from doc_examples import section

from pytest_apigw_faults import SCENARIOS, Scenario
from pytest_apigw_faults._docs.guidance import (
    END,
    START,
    VERDICTS,
    Verdict,
    _recipe,
    guidance_table,
    retryable_http,
    retryable_rest,
    update,
)

RETRIES = Path(__file__).resolve().parent.parent / "docs" / "retries.md"
URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


def _recipe_code() -> str:
    (block,) = section("docs/retries.md", "## Should my client retry?").blocks
    return block


def test_the_retries_page_s_guidance_is_current():
    text = RETRIES.read_text(encoding="utf-8")
    assert update(text) == text, (
        "docs/retries.md's retry guidance is out of date: run"
        " `python -m pytest_apigw_faults._docs.guidance`"
    )


def test_update_refuses_a_text_without_the_markers():
    with pytest.raises(ValueError, match="retry-guidance"):
        update("no markers")
    assert update(f"a\n{START}\nold\n{END}\nb") == f"a\n{START}\n{guidance_table()}{END}\nb"


def test_every_scenario_has_a_verdict():
    assert {name for name, _ in SCENARIOS} <= set(VERDICTS)
    assert VERDICTS["lambda_throttled"][0] is Verdict.YES
    assert VERDICTS["permission_denied"][0] is Verdict.NO
    assert VERDICTS["malformed_response"][0] is Verdict.NO
    assert VERDICTS["api_throttled"][0] is Verdict.YES


def test_the_page_s_recipe_is_the_code_the_table_runs():
    pytest.importorskip("tenacity")
    pytest.importorskip("requests")
    namespace: dict[str, object] = {}
    exec(compile(_recipe_code(), "docs/retries.md", "exec"), namespace)
    for row in SCENARIOS.values():
        headers = {} if row.error_type is None else {"x-amzn-errortype": row.error_type}
        pairs = ((retryable_rest, "retryable_rest"), (retryable_http, "retryable_http"))
        for ours, theirs in pairs:
            assert namespace[theirs](row.status, headers) == ours(row.status, headers), row.id


def test_the_recipe_retries_every_failure_that_can_recover():
    for row in SCENARIOS.values():
        if VERDICTS[row.name][0] is Verdict.YES:
            assert _recipe(row), row.id
        if row.name in ("malformed_response", "quota_exceeded", "lambda_response_too_large"):
            assert not _recipe(row), row.id


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=lambda row: row.id)
def test_the_recipe_runs_as_the_table_says(apigw_fault, scenario: Scenario):
    pytest.importorskip("time_machine")
    pytest.importorskip("tenacity")
    requests = pytest.importorskip("requests")
    pytest.importorskip("responses")
    namespace: dict[str, object] = {}
    exec(compile(_recipe_code(), "docs/retries.md", "exec"), namespace)
    get = namespace["retrying"](  # type: ignore[operator]
        namespace[f"retryable_{scenario.api.value}"]
    )(lambda: requests.get(URL, timeout=60))
    apigw_fault.inject(scenario, virtual_time=True)
    assert get().status_code == scenario.status
    if not _recipe(scenario):
        apigw_fault.assert_not_retried()
    elif scenario.latency > 15:  # a 30 s timeout: the 45 s budget leaves room for two
        apigw_fault.assert_retried(times=1)
    else:
        apigw_fault.assert_retried(times=3)
        apigw_fault.assert_gave_up_within(4 * scenario.latency + 0.5 * (1 + 2 + 4) + 3)
