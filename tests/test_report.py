"""The resilience report: the terminal table, its JSON and JUnit forms, and
its rows merged from pytest-xdist workers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs
from support import INI, literal, module, set_up_inner

from pytest_apigw_faults._pytest.report import (
    MAX_FAILED,
    format_report,
    format_rollup,
    format_table,
    rollup,
    scenarios_met,
    shorten_test_id,
)

INNER = """
import tenacity
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


def session():
    s = requests.Session()
    retry = Retry(2, backoff_factor=1, status_forcelist=[500, 502, 503, 504], raise_on_status=False)
    s.mount("https://", HTTPAdapter(max_retries=retry))
    return s


@pytest.mark.apigw_fault(api="rest", name="integration_timeout", virtual_time=True)
def test_urllib3_retries(apigw_fault):
    with pytest.raises(requests.ConnectionError):
        session().get(URL, timeout=10)


@pytest.mark.apigw_fault("malformed_response", virtual_time=True)
def test_urllib3_per_api(apigw_fault):
    session().get(URL, timeout=10)


@pytest.mark.apigw_fault("lambda_throttled", api="http", virtual_time=True)
def test_tenacity_gives_up(apigw_fault):
    @tenacity.retry(
        stop=tenacity.stop_after_delay(45),
        wait=tenacity.wait_fixed(10),
        retry=tenacity.retry_if_result(lambda r: r.status_code == 503),
        retry_error_callback=lambda state: state.outcome.result(),
    )
    def get():
        return httpx.get(URL, timeout=60)

    assert get().status_code == 503


def test_httpx_default_timeout(apigw_fault):
    apigw_fault.inject("integration_timeout", api="rest")
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(URL)


def test_no_fault():
    pass
"""

ROLLUP = [
    "scenario                  tests  passed  failed  attempts",
    "http-lambda_throttled         1       1       0         6",
    "http-malformed_response       1       1       0         3",
    "rest-integration_timeout      2       2       0         4",
    "rest-malformed_response       1       1       0         3",
]
TESTS = [
    "test / scenario                              attempts  outcome              time",
    "test_inner.py::test_httpx_default_timeout",
    "  rest-integration_timeout                          1  ReadTimeout           5 s",
    "test_inner.py::test_tenacity_gives_up",
    "  http-lambda_throttled                             6  503              51.038 s",
    "test_inner.py::test_urllib3_per_api",
    "  http-malformed_response                           3  500               3.158 s",
    "  rest-malformed_response                           3  502               3.539 s",
    "test_inner.py::test_urllib3_retries",
    "  rest-integration_timeout                          3  ConnectionError      32 s",
]
SUMMARY = "5 tests with faults: 5 passed, 0 failed; 16 attempts, 94.735 s virtual time"
#: Without -v: the roll-up, no failed test, the summary.
REPORT = ["=* API Gateway resilience report =*", *ROLLUP, SUMMARY]
#: With -v: every test's rows too.
REPORT_VERBOSE = ["=* API Gateway resilience report =*", *ROLLUP, *TESTS, SUMMARY]


def expect(lines: list[str]) -> list[str]:
    """The report's lines as fnmatch patterns: the first (the title) as it
    is, the others literally."""
    return [lines[0]] + [literal(line) for line in lines[1:]]


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytest.importorskip("time_machine")
    pytest.importorskip("tenacity")
    monkeypatch.setenv("COLUMNS", "80")
    set_up_inner(pytester)
    pytester.makepyfile(test_inner=module(INNER))
    return pytester


def report_lines(result: pytest.RunResult) -> list[str]:
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if "API Gateway resilience report" in line)
    end = next(i for i in range(start, len(lines)) if "virtual time" in lines[i])
    return lines[start : end + 1]


def test_the_report_rolls_up_each_scenario_met(inner):
    result = inner.runpytest("-p", "no:randomly", "--apigw-report")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(expect(REPORT), consecutive=True)
    assert all(len(line) <= 80 for line in report_lines(result))


def test_with_v_the_report_lists_each_test_and_scenario(inner):
    result = inner.runpytest("-p", "no:randomly", "--apigw-report", "-v")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(expect(REPORT_VERBOSE), consecutive=True)
    assert all(len(line) <= 80 for line in report_lines(result))


def test_the_ini_key_turns_the_report_on_and_it_is_off_by_default(inner):
    result = inner.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=6)
    assert "resilience report" not in result.stdout.str()
    inner.makeini(INI + "apigw_fault_report = true\n")
    result = inner.runpytest("-p", "no:randomly")
    result.stdout.fnmatch_lines([literal(SUMMARY)])


def test_xdist_workers_rows_are_merged_on_the_controller(inner):
    pytest.importorskip("xdist")
    serial = inner.runpytest("-p", "no:randomly", "--apigw-report", "-v")
    distributed = inner.runpytest_subprocess(
        "-p", "no:randomly", "-p", "xdist", "-n", "2", "--apigw-report", "-v"
    )
    distributed.assert_outcomes(passed=6)
    assert report_lines(distributed)[1:] == report_lines(serial)[1:]
    assert report_lines(distributed)[1:] == REPORT_VERBOSE[1:]


def test_the_json_report(inner):
    result = inner.runpytest("-p", "no:randomly", "--apigw-report-json=out/report.json")
    result.assert_outcomes(passed=6)
    assert "resilience report" not in result.stdout.str()  # JSON only
    document = json.loads((inner.path / "out" / "report.json").read_text())
    assert document["version"] == 1
    tests = {row["test"]: row for row in document["tests"]}
    assert sorted(tests) == [
        "test_inner.py::test_httpx_default_timeout",
        "test_inner.py::test_tenacity_gives_up",
        "test_inner.py::test_urllib3_per_api[http-malformed_response]",
        "test_inner.py::test_urllib3_per_api[rest-malformed_response]",
        "test_inner.py::test_urllib3_retries",
    ]
    tenacity_row = tests["test_inner.py::test_tenacity_gives_up"]
    assert tenacity_row["scenario"] == "http-lambda_throttled"
    assert tenacity_row["result"] == "passed"
    assert tenacity_row["attempts"] == 6  # the sixth ends after 51 s >= 45
    assert tenacity_row["outcome"] == "503"
    assert tenacity_row["virtual"] is True
    assert tenacity_row["sleeps"] == [10.0] * 5
    assert tenacity_row["virtual_time"] == pytest.approx(51.038)
    assert [call["arrived_at"] for call in tenacity_row["calls"]] == pytest.approx(
        [0, 10.173, 20.346, 30.519, 40.692, 50.865]
    )
    timeout_row = tests["test_inner.py::test_httpx_default_timeout"]
    assert timeout_row["virtual"] is False
    assert timeout_row["calls"] == [
        {
            "answered_by": "rest-integration_timeout",
            "arrived_at": 0.0,
            "client": "httpx",
            "outcome": "ReadTimeout",
            "timed_out": True,
            "waited": 5.0,
        }
    ]


def test_the_rows_are_junit_properties(inner):
    result = inner.runpytest("-p", "no:randomly", "--apigw-report", "--junitxml=junit.xml")
    result.assert_outcomes(passed=6)
    root = ET.parse(inner.path / "junit.xml").getroot()
    found = {}
    for case in root.iter("testcase"):
        for prop in case.iter("property"):
            assert prop.get("name") == "apigw_fault"
            found[case.get("name")] = json.loads(prop.get("value"))
    assert sorted(found) == [
        "test_httpx_default_timeout",
        "test_tenacity_gives_up",
        "test_urllib3_per_api[http-malformed_response]",
        "test_urllib3_per_api[rest-malformed_response]",
        "test_urllib3_retries",
    ]
    assert found["test_urllib3_retries"]["outcome"] == "ConnectionError"


def test_without_the_report_no_property_is_added(inner):
    result = inner.runpytest("-p", "no:randomly", "--junitxml=junit.xml")
    result.assert_outcomes(passed=6)
    assert "<property" not in (inner.path / "junit.xml").read_text()


# The table's layout ------------------------------------------------------------


def row(scenario: str, attempts: int = 1, outcome: str = "500", time: float = 0.0):
    return {"scenario": scenario, "attempts": attempts, "outcome": outcome, "virtual_time": time}


def test_long_test_ids_are_shortened_to_fit_80_columns():
    rows = {
        "tests/integration/clients/test_a_very_long_module_name_for_orders.py::"
        "TestTheOrdersClientAgainstEveryFailure::test_it_retries_what_can_recover"
        "[requests-rest-authorizer_configuration_error-POST]": row(
            "rest-authorizer_configuration_error", 4, "RetryError", 123.456
        ),
        "tests/test_short.py::test_x[rest-lambda_throttled]": row(
            "rest-lambda_throttled", 2, "AVeryLongExceptionTypeNameError", 1.5
        ),
    }
    lines = format_table(rows, 80)
    assert all(len(line) <= 80 for line in lines), "\n".join(lines)
    assert lines == [
        "test / scenario                            attempts  outcome                time",
        "test_a_very_long_module_name_for_order...retries_what_can_recover[requests-POST]",
        "  rest-authorizer_configuration_error             4  RetryError        123.456 s",
        "tests/test_short.py::test_x",
        "  rest-lambda_throttled                           2  AVeryL...meError      1.5 s",
    ]


def test_shorten_test_id_drops_the_scenario_then_directories_then_the_middle():
    scenario = "rest-function_error"
    assert shorten_test_id(f"t/test_x.py::test_y[{scenario}]", scenario, 80) == (
        "t/test_x.py::test_y"
    )
    assert shorten_test_id("t/test_x.py::test_y[httpx-rest-function_error]",
                           "rest-function_error", 80) == "t/test_x.py::test_y[httpx]"
    assert shorten_test_id("a/b/c/test_x.py::test_y", "", 20) == "test_x.py::test_y"
    assert shorten_test_id("a/b/c/test_x.py::test_yyyyyyyyyyyy", "", 20) == "test_x.p...yyyyyyyyy"


# A large parametrized suite ------------------------------------------------------

MATRIX = """
SCENARIOS = '''
rest-integration_timeout rest-malformed_response rest-permission_denied rest-lambda_throttled
rest-function_error http-integration_timeout http-malformed_response http-permission_denied
http-lambda_throttled http-function_error rest-function_timeout http-function_timeout
rest-lambda_response_too_large rest-route_not_found http-route_not_found rest-unauthorized
http-unauthorized rest-access_denied rest-invalid_api_key rest-waf_filtered rest-api_throttled
http-api_throttled rest-quota_exceeded rest-authorizer_configuration_error
rest-api_configuration_error
'''.split()


@pytest.mark.parametrize("variant", ["a", "b"])
@pytest.mark.parametrize("client", ["requests", "httpx"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_matrix(apigw_fault, scenario, client, variant):
    api, name = scenario.split("-", 1)
    apigw_fault.inject(name, api=api, virtual_time=True)
    get = requests.get if client == "requests" else httpx.get
    assert get(URL, timeout=60).status_code != 504  # a gateway timeout fails the test
"""

MATRIX_SCENARIOS = sorted(MATRIX.split("'''")[1].split())

TIMEOUT = "rest-integration_timeout"  # the one scenario the suite does not survive
MATRIX_REPORT = [
    "=* API Gateway resilience report =*",
    "scenario                             tests  passed  failed  attempts",
    *(
        f"{scenario:<35}      4       {0 if scenario == TIMEOUT else 4}"
        f"       {4 if scenario == TIMEOUT else 0}         4"
        for scenario in MATRIX_SCENARIOS
    ),
    "failed tests (-v lists every test):",
    "test / scenario                                          attempts  outcome  time",
    "test_matrix.py::test_matrix[httpx-a]",
    "F rest-integration_timeout                                      1  504      29 s",
    "test_matrix.py::test_matrix[httpx-b]",
    "F rest-integration_timeout                                      1  504      29 s",
    "test_matrix.py::test_matrix[requests-a]",
    "F rest-integration_timeout                                      1  504      29 s",
    "test_matrix.py::test_matrix[requests-b]",
    "F rest-integration_timeout                                      1  504      29 s",
    "100 tests with faults: 96 passed, 4 failed; 100 attempts, 270.52 s virtual time",
]


@pytest.fixture
def matrix(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytest.importorskip("time_machine")
    monkeypatch.setenv("COLUMNS", "80")
    set_up_inner(pytester)
    pytester.makepyfile(test_matrix=module(MATRIX))
    return pytester


def test_a_100_test_suite_is_rolled_up_within_80_columns(matrix):
    result = matrix.runpytest("-p", "no:randomly", "--apigw-report")
    result.assert_outcomes(passed=96, failed=4)
    result.stdout.fnmatch_lines(expect(MATRIX_REPORT), consecutive=True)
    lines = report_lines(result)
    assert all(len(line) <= 80 for line in lines)
    # a line per scenario and per failed test's scenario, not per test
    assert len(lines) == len(MATRIX_REPORT) < 40


def test_a_100_test_suite_under_xdist_gives_the_same_report(matrix):
    pytest.importorskip("xdist")
    result = matrix.runpytest_subprocess(
        "-p", "no:randomly", "-p", "xdist", "-n", "2", "--apigw-report"
    )
    result.assert_outcomes(passed=96, failed=4)
    assert report_lines(result)[1:] == MATRIX_REPORT[1:]


def test_with_v_a_100_test_suite_lists_every_test_within_80_columns(matrix):
    result = matrix.runpytest("-p", "no:randomly", "--apigw-report", "-v")
    result.assert_outcomes(passed=96, failed=4)
    lines = report_lines(result)
    assert all(len(line) <= 80 for line in lines)
    # roll-up (title, header, 25), tests (header, 4 groups of 25 and their ids), summary
    assert len(lines) == 2 + 25 + 1 + 4 * 26 + 1
    assert lines[28:31] == [
        "test_matrix.py::test_matrix[httpx-a]",
        "  http-api_throttled                                         1  429          0 s",
        "  http-function_error                                        1  500      0.406 s",
    ]
    failed = "F rest-integration_timeout                                   1  504         29 s"
    assert failed in lines


# Each test's result --------------------------------------------------------------

RESULTS = """
@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown")


@pytest.mark.apigw_fault("lambda_throttled", api="rest")
def test_skipped_after_a_call(apigw_fault):
    requests.get(URL)
    pytest.skip("no retry here")


@pytest.mark.xfail(reason="not resilient yet", strict=True)
@pytest.mark.apigw_fault("function_error", api="rest")
def test_xfailed(apigw_fault):
    assert requests.get(URL).status_code == 200


@pytest.mark.xfail(reason="flaky")
@pytest.mark.apigw_fault("function_error", api="http")
def test_xpassed(apigw_fault):
    assert requests.get(URL).status_code == 500


@pytest.mark.apigw_fault("malformed_response", api="rest")
def test_error_in_teardown(broken_teardown, apigw_fault):
    requests.get(URL)


@pytest.mark.apigw_fault("malformed_response", api="http")
def test_never_called(apigw_fault):
    pass
"""


def test_each_test_s_result_is_reported(pytester, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    set_up_inner(pytester)
    pytester.makepyfile(test_results=module(RESULTS))
    result = pytester.runpytest(
        "-p", "no:randomly", "--apigw-report", "-v", "--apigw-report-json=report.json"
    )
    result.assert_outcomes(passed=2, skipped=1, xfailed=1, xpassed=1, errors=1)
    result.stdout.fnmatch_lines(expect([
        "=* API Gateway resilience report =*",
        "scenario                 tests  passed  failed  attempts",
        "http-function_error          1       1       0         1",
        "http-malformed_response      1       1       0         0",
        "rest-function_error          1       0       0         1",
        "rest-lambda_throttled        1       0       0         1",
        "rest-malformed_response      1       0       1         1",
        "test / scenario                                       attempts  outcome     time",
        "test_results.py::test_error_in_teardown",
        "E rest-malformed_response                                    1  502      0.513 s",
        "test_results.py::test_never_called",
        "  http-malformed_response                                    0  no call      0 s",
        "test_results.py::test_skipped_after_a_call",
        "s rest-lambda_throttled                                      1  500      0.105 s",
        "test_results.py::test_xfailed",
        "x rest-function_error                                        1  502      0.388 s",
        "test_results.py::test_xpassed",
        "X http-function_error                                        1  500      0.406 s",
        "5 tests with faults: 2 passed, 1 failed, 2 skipped or xfailed;",
        "4 attempts, 1.412 s virtual time",
    ]), consecutive=True)
    document = json.loads((pytester.path / "report.json").read_text())
    assert {row["test"].split("::")[1]: row["result"] for row in document["tests"]} == {
        "test_error_in_teardown": "error",
        "test_never_called": "passed",
        "test_skipped_after_a_call": "skipped",
        "test_xfailed": "xfailed",
        "test_xpassed": "xpassed",
    }


def test_without_v_at_most_ten_failed_tests_are_listed():
    rows = {f"t.py::test_{i:02}": row("rest-function_error", 2, "502", 0.776) for i in range(12)}
    results = {test: "failed" for test in rows} | {"t.py::test_00": "passed"}
    lines = format_report(rows, results, 80)
    assert lines[:3] == [
        "scenario             tests  passed  failed  attempts",
        "rest-function_error     12       1      11        24",
        "failed tests (-v lists every test):",
    ]
    assert lines[4:6] == [
        "t.py::test_01",
        "F rest-function_error                                        2  502      0.776 s",
    ]
    assert lines[-2:] == [
        "... and 1 more failed tests",
        "12 tests with faults: 1 passed, 11 failed; 24 attempts, 9.312 s virtual time",
    ]
    assert len(lines) == 3 + 1 + 2 * MAX_FAILED + 2


def test_the_roll_up_cuts_long_scenarios_to_fit():
    table = {"rest-" + "x" * 80: {"tests": 1, "passed": 1, "failed": 0, "attempts": 12345}}
    lines = format_rollup(table, 60)
    assert [len(line) for line in lines] == [60, 60]
    assert lines[1] == "rest-xxxxxxx...xxxxxxxxxxxx      1       1       0     12345"


def test_a_test_counts_under_each_scenario_that_answered_it():
    calls = [{"answered_by": name} for name in ("rest-api_throttled", "lambda 200",
                                                "rest-api_throttled", "rest-function_error")]
    sequence = {"scenario": "rest-sequence", "attempts": 4, "calls": calls}
    assert scenarios_met(sequence) == ["rest-api_throttled", "rest-function_error"]
    assert scenarios_met({"scenario": "rest-lambda", "attempts": 1,
                          "calls": [{"answered_by": "lambda 200"}]}) == ["rest-lambda"]
    table = rollup({"t": sequence}, {"t": "failed"})
    assert table == {
        "rest-api_throttled": {"tests": 1, "passed": 0, "failed": 1, "attempts": 2},
        "rest-function_error": {"tests": 1, "passed": 0, "failed": 1, "attempts": 1},
    }
