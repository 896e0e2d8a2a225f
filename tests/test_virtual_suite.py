"""Acceptance test of issue 13: a whole suite on virtual time costs no real time.

A suite of 100 tests, each retrying with tenacity (``wait_exponential``,
``stop_after_delay(60)``) against an integration timeout on virtual time,
run in a subprocess: each test makes exactly the attempts the policy makes
against AWS (computed below from the policy), and the run's wall-clock time,
measured from outside with a reference to the real ``time.perf_counter``
taken at import, is far below the hours of gateway time the suite covers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from support import set_up_inner, warnings_as_errors

pytest.importorskip("time_machine")
pytest.importorskip("tenacity")
pytest.importorskip("requests")
pytest.importorskip("responses")

REAL_PERF = time.perf_counter  # taken at import: stays real whatever the clock patches
MODULES = 10
TESTS_PER_API = 5  # per module and API: 10 modules x 2 APIs x 5 = 100 tests
STOP_AFTER = 60.0
WALL_CLOCK_BOUND = 60.0  # real seconds for the whole run, on 2 busy cores
HUNG = 300.0  # real seconds after which the run counts as hung
LATENCY = {"rest": 29.0, "http": 30.0}  # the integration timeouts
STATUS = {"rest": 504, "http": 503}

INNER = """
import pytest
import requests
import tenacity

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


def get():
    @tenacity.retry(
        stop=tenacity.stop_after_delay({stop}),
        wait=tenacity.wait_exponential(),
        retry=tenacity.retry_if_result(lambda response: response.status_code >= 500),
        retry_error_callback=lambda state: state.outcome.result(),
    )
    def attempt():
        return requests.get(URL, timeout=60)

    return attempt()
"""

INNER_TEST = """

@pytest.mark.apigw_fault("integration_timeout", api="{api}", virtual_time=True)
def test_{api}_{number}(apigw_fault):
    assert get().status_code == {status}
    apigw_fault.assert_retried(times={retries})
    assert apigw_fault.sleeps == {sleeps}
    assert apigw_fault.elapsed == {elapsed}
"""


def tenacity_policy(
    latency: float, stop_after: float, wait: Callable[[int], float]
) -> tuple[int, list[float], float]:
    """What ``stop_after_delay(stop_after)`` with ``wait`` does against a call
    that always takes ``latency``: tenacity checks the stop after each
    attempt (time since the first attempt began >= the delay), and sleeps
    ``wait(attempt_number)`` before the next. Returns the attempts, the
    sleeps and the total time."""
    elapsed, sleeps, attempts = 0.0, [], 0
    while True:
        attempts += 1
        elapsed += latency
        if elapsed >= stop_after:
            return attempts, sleeps, elapsed
        sleeps.append(wait(attempts))
        elapsed += sleeps[-1]


def wait_exponential(attempt_number: int) -> float:
    """tenacity's ``wait_exponential()`` defaults: 1 * 2 ** (n - 1), from 0 to
    a maximum far away."""
    return float(2 ** (attempt_number - 1))


EXPECTED = {api: tenacity_policy(LATENCY[api], STOP_AFTER, wait_exponential) for api in LATENCY}


def test_the_policy_arithmetic():
    # REST: 29 (< 60), sleep 1, 30 + 29 = 59 (< 60), sleep 2, 61 + 29 = 90: 3 attempts
    assert EXPECTED["rest"] == (3, [1.0, 2.0], 90.0)
    # HTTP API: 30 (< 60), sleep 1, 31 + 30 = 61: 2 attempts
    assert EXPECTED["http"] == (2, [1.0], 61.0)


def test_a_suite_of_100_retrying_tests_runs_in_seconds(pytester):
    set_up_inner(pytester)
    files = {}
    for module in range(MODULES):
        tests = []
        for api in LATENCY:
            attempts, sleeps, elapsed = EXPECTED[api]
            tests += [
                INNER_TEST.format(
                    api=api,
                    number=number,
                    status=STATUS[api],
                    retries=attempts - 1,
                    sleeps=sleeps,
                    elapsed=elapsed,
                )
                for number in range(TESTS_PER_API)
            ]
        files[f"test_orders_{module}"] = INNER.format(stop=STOP_AFTER) + "".join(tests)
    pytester.makepyfile(**files)
    started = REAL_PERF()
    try:
        result = pytester.runpytest_subprocess(
            "-p",
            "no:randomly",
            *warnings_as_errors(),
            "--apigw-report-json=report.json",
            timeout=HUNG,
        )
    except pytester.TimeoutExpired:
        pytest.fail(f"the suite hung: no result after {HUNG:.0f} s of real time", pytrace=False)
    took = REAL_PERF() - started
    failures = [line for line in result.outlines if line.startswith(("E  ", "FAILED", "ERROR"))]
    assert result.parseoutcomes() == {"passed": 100}, "\n".join(failures or result.outlines)
    assert took < WALL_CLOCK_BOUND, f"the suite took {took:.1f} s of real time"

    rows = json.loads((pytester.path / "report.json").read_text())["tests"]
    assert len(rows) == 100
    for row in rows:
        api = row["scenario"].split("-")[0]
        attempts, sleeps, elapsed = EXPECTED[api]
        assert (row["attempts"], row["sleeps"], row["virtual_time"], row["outcome"]) == (
            attempts,
            sleeps,
            pytest.approx(elapsed),
            str(STATUS[api]),
        ), row["test"]
    covered = sum(row["virtual_time"] for row in rows)
    assert covered == pytest.approx(50 * 90 + 50 * 61)  # over two hours of gateway time
