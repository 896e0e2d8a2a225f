"""Retry layers run for real against every row of the table.

tools/retry_table.py sends one request through each retry layer (urllib3
``Retry`` on a requests session, httpx-retries' ``RetryTransport``, tenacity,
backoff) against a fault of every scenario, with each library's sleep
replaced. Here each count is checked against the library's documented policy,
written below as a small function of the status the client sees, and the
retries page's table (docs/retries.md) against what the runs found. New rows of ``SCENARIOS`` are
covered as they come.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pytest_apigw_faults import SCENARIOS, Fault, Scenario

ROOT = Path(__file__).resolve().parent.parent
RETRIES = ROOT / "docs" / "retries.md"
IDS = [scenario.id for scenario in SCENARIOS.values()]
URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"

# urllib3's documented defaults (urllib3.util.Retry): the methods retried,
# and the statuses retried without a status_forcelist when the answer carries
# a Retry-After header (respect_retry_after_header=True).
URLLIB3_ALLOWED_METHODS = {"HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE"}
URLLIB3_RETRY_AFTER_STATUSES = {413, 429, 503}
# httpx-retries' documented defaults (httpx_retries.Retry): total=10,
# status_forcelist [429, 502, 503, 504], the same methods as urllib3.
HTTPX_RETRIES_TOTAL = 10
HTTPX_RETRIES_STATUSES = {429, 502, 503, 504}


def urllib3_policy(
    method: str,
    status: int,
    retry_after: bool,
    *,
    total: int,
    forcelist: tuple[int, ...] = (),
    allowed: set[str] = URLLIB3_ALLOWED_METHODS,
) -> tuple[int, str]:
    """Calls made and how the request ends: ``RetryError`` once the retries
    are used up by statuses (``raise_on_status=True``), else the status."""
    retried = method in allowed and (
        status in forcelist or (retry_after and status in URLLIB3_RETRY_AFTER_STATUSES)
    )
    return (total + 1, "RetryError") if retried else (1, str(status))


def httpx_retries_policy(method: str, status: int) -> tuple[int, str]:
    """The last response is returned when the retries are used up."""
    retried = method in URLLIB3_ALLOWED_METHODS and status in HTTPX_RETRIES_STATUSES
    return (HTTPX_RETRIES_TOTAL + 1 if retried else 1), str(status)


def tenacity_policy(status: int) -> tuple[int, str]:
    """stop_after_attempt(4), retrying 5xx; reraise=True: the last error."""
    return (4 if status >= 500 else 1), str(status)


def backoff_policy(status: int) -> tuple[int, str]:
    """max_tries=4 on RequestException, giving up at once on 4xx."""
    return (1 if 400 <= status < 500 else 4), str(status)


def expected(key: str, status: int, retry_after: bool) -> tuple[int, str]:
    if key == "urllib3-plain":
        return urllib3_policy("GET", status, retry_after, total=3)
    if key == "urllib3-recipe":
        return urllib3_policy("GET", status, retry_after, total=3, forcelist=(500, 502, 503, 504))
    if key == "urllib3-recipe-post":
        return urllib3_policy("POST", status, retry_after, total=3, forcelist=(500, 502, 503, 504))
    if key == "httpx-retries":
        return httpx_retries_policy("GET", status)
    if key == "tenacity-5xx":
        return tenacity_policy(status)
    if key == "backoff-4xx":
        return backoff_policy(status)
    raise AssertionError(f"no documented policy written for {key!r}")


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    for name in ("requests", "responses", "httpx", "respx", "httpx_retries", "tenacity", "backoff"):
        pytest.importorskip(name)
    spec = importlib.util.spec_from_file_location("retry_table", ROOT / "tools" / "retry_table.py")
    if spec is None or spec.loader is None:
        pytest.skip("tools/retry_table.py is not beside the tests")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def found(tool: ModuleType) -> dict[tuple[str, str], Any]:
    return tool.results()  # type: ignore[no-any-return]


def seen_by_the_client(scenario: Scenario) -> tuple[int, bool]:
    """The status and whether a ``Retry-After`` header came, as a plain
    request (no retry layer) sees them."""
    import requests

    with Fault(scenario):
        response = requests.get(URL, timeout=60)
    return response.status_code, "retry-after" in response.headers


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=IDS)
def test_each_retry_layer_makes_the_calls_its_documented_policy_says(
    tool: ModuleType, found: dict[tuple[str, str], Any], scenario: Scenario
) -> None:
    status, retry_after = seen_by_the_client(scenario)
    assert status == scenario.status
    for policy in tool.POLICIES:
        run = found[(policy.key, scenario.id)]
        calls, outcome = expected(policy.key, status, retry_after)
        assert (run.calls, run.outcome) == (calls, outcome), policy.key
        if policy.key.startswith("urllib3"):
            assert run.sleeps == 0  # backoff passes as gateway time; Retry.sleep refuses
        else:
            assert run.sleeps == run.calls - 1  # each retry asked the replaced sleep


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=IDS)
def test_urllib3_retries_post_only_when_allowed_methods_names_it(
    tool: ModuleType, scenario: Scenario
) -> None:
    from urllib3.util.retry import Retry

    status, retry_after = seen_by_the_client(scenario)
    retry = Retry(
        total=2, status_forcelist=[500, 502, 503, 504], allowed_methods={"POST"}, backoff_factor=1
    )

    def make(method: str) -> tuple[Any, Any]:
        return tool._requests(retry, method), tool._no_urllib3_sleep()

    run = tool.run(tool.Policy("post-allowed", "", "POST", make), scenario)
    want = urllib3_policy(
        "POST", status, retry_after, total=2, forcelist=(500, 502, 503, 504), allowed={"POST"}
    )
    assert (run.calls, run.outcome) == want


def test_the_usual_forcelist_retries_a_permission_error_that_cannot_succeed(
    found: dict[tuple[str, str], Any],
) -> None:
    assert found[("urllib3-recipe", "rest-permission_denied")].calls == 4
    assert found[("urllib3-recipe", "rest-lambda_throttled")].calls == 4


def test_httpx_retries_defaults_retry_a_malformed_502_not_a_throttled_rest_500(
    found: dict[tuple[str, str], Any],
) -> None:
    assert found[("httpx-retries", "rest-malformed_response")].calls == 11
    assert found[("httpx-retries", "rest-lambda_throttled")].calls == 1


def test_the_retries_page_s_table_is_current(
    tool: ModuleType, found: dict[tuple[str, str], Any]
) -> None:
    text = RETRIES.read_text(encoding="utf-8")
    assert tool.update(text, tool.table(found)) == text, (
        "docs/retries.md's retry table is out of date: run"
        " `python tools/retry_table.py docs/retries.md`"
    )
