"""The resilience report: the terminal table, its JSON and JUnit forms, and
its rows merged from pytest-xdist workers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs
from support import INI, literal, module, set_up_inner

from pytest_apigw_faults._pytest.report import format_table, shorten_test_id

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

REPORT = [
    "=* API Gateway resilience report =*",
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
    "5 tests with faults, 16 attempts, 94.735 s of virtual time",
]


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
    end = next(i for i in range(start, len(lines)) if "of virtual time" in lines[i])
    return lines[start : end + 1]


def test_the_report_lists_each_test_and_scenario(inner):
    result = inner.runpytest("-p", "no:randomly", "--apigw-report")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines([REPORT[0]] + [literal(line) for line in REPORT[1:]],
                                consecutive=True)
    assert all(len(line) <= 80 for line in report_lines(result))


def test_the_ini_key_turns_the_report_on_and_it_is_off_by_default(inner):
    result = inner.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=6)
    assert "resilience report" not in result.stdout.str()
    inner.makeini(INI + "apigw_fault_report = true\n")
    result = inner.runpytest("-p", "no:randomly")
    result.stdout.fnmatch_lines([literal(REPORT[-1])])


def test_xdist_workers_rows_are_merged_on_the_controller(inner):
    pytest.importorskip("xdist")
    serial = inner.runpytest("-p", "no:randomly", "--apigw-report")
    distributed = inner.runpytest_subprocess(
        "-p", "no:randomly", "-p", "xdist", "-n", "2", "--apigw-report"
    )
    distributed.assert_outcomes(passed=6)
    assert report_lines(distributed)[1:] == report_lines(serial)[1:]
    assert report_lines(distributed)[1:] == REPORT[1:]


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
        "2 tests with faults, 6 attempts, 124.956 s of virtual time",
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
