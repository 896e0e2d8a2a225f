"""A test that really sleeps while one of its faults is started, without
virtual time, is warned (``ApigwFaultSleepWarning``) at its end.

Real sleeps are kept tiny: under a second for the whole file.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import support  # also keeps one copy of the client modules across pytester runs
from support import set_up_inner

import pytest_apigw_faults
from pytest_apigw_faults import ApigwFaultWarning

pytest.importorskip("requests")
pytest.importorskip("responses")
pytest.importorskip("time_machine")
pytest.importorskip("tenacity")

HINT = (
    " while a fault was started; virtual_time=True (or the ini key"
    " apigw_fault_virtual_time = true) passes such sleeps at once"
)

SLEEPY = """
import asyncio
import time

import pytest
import requests
import tenacity

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


@pytest.mark.apigw_fault("function_error", api="rest")
def test_time_sleep(apigw_fault):
    assert requests.get(URL).status_code == 502
    time.sleep(0.2)
    assert apigw_fault.real_sleeps == 0.2


@tenacity.retry(wait=tenacity.wait_fixed(0.05), stop=tenacity.stop_after_attempt(3))
def fetch():
    response = requests.get(URL)
    if response.status_code >= 500:
        raise RuntimeError(response.status_code)
    return response


def test_tenacity(apigw_fault):
    apigw_fault.inject("function_error", api="rest")
    with pytest.raises(tenacity.RetryError):
        fetch()
    assert apigw_fault.real_sleeps == pytest.approx(0.1)


def test_asyncio_sleep(apigw_fault):
    apigw_fault.inject("function_error", api="rest")

    async def main():
        await asyncio.sleep(0)
        await asyncio.sleep(0.1)

    asyncio.run(main())
    assert apigw_fault.real_sleeps == 0.1


def test_the_sleeps_are_the_builtins_again():
    assert type(time.sleep).__name__ == "builtin_function_or_method"
    assert asyncio.sleep is asyncio.tasks.sleep
    assert not hasattr(asyncio.sleep, "_apigw_faults_patch")
"""


def test_real_sleeps_while_a_fault_is_started_are_warned_of_at_the_tests_end(pytester):
    set_up_inner(pytester)
    pytester.makepyfile(test_sleepy=SLEEPY)
    # a warning, not the error the outer run's filters would make it
    result = pytester.runpytest(
        "-p", "no:randomly", "-W", "always::pytest_apigw_faults.ApigwFaultSleepWarning"
    )
    result.assert_outcomes(passed=4, warnings=3)
    result.stdout.fnmatch_lines(
        [
            "test_sleepy.py::test_time_sleep",
            "  *test_sleepy.py:14: ApigwFaultSleepWarning: the test really slept 0.2 s in 1 call"
            " of time.sleep (the first at test_sleepy.py:14)" + HINT,
            "test_sleepy.py::test_tenacity",
            "  *test_sleepy.py:29: ApigwFaultSleepWarning: the test really slept 0.1 s in 2 calls"
            " of time.sleep (the first at test_sleepy.py:29, through tenacity)" + HINT,
            "test_sleepy.py::test_asyncio_sleep",
            "  *test_sleepy.py:38: ApigwFaultSleepWarning: the test really slept 0.1 s in 1 call"
            " of asyncio.sleep (the first at test_sleepy.py:38)" + HINT,
        ]
    )
    assert_real_sleeps()


QUIET = """
import time

import pytest
import requests

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


def handler(event, context):
    time.sleep(0.15)
    return {"statusCode": 200, "body": "ok"}


@pytest.mark.apigw_fault("function_error", api="rest", virtual_time=True)
def test_on_virtual_time(apigw_fault):
    assert requests.get(URL).status_code == 502
    time.sleep(30)
    assert apigw_fault.real_sleeps == 0
    assert apigw_fault.sleeps == [30]


def test_without_a_fault(apigw_fault):
    time.sleep(0.15)
    assert apigw_fault.real_sleeps == 0


@pytest.mark.apigw_fault("function_error", api="rest")
def test_below_the_threshold(apigw_fault):
    time.sleep(0)
    time.sleep(0.05)
    assert apigw_fault.real_sleeps == 0.05


def test_a_stand_in_sleep_the_test_put_first(apigw_fault, monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    apigw_fault.inject("function_error", api="rest")
    time.sleep(30)
    assert slept == [30]
    assert apigw_fault.real_sleeps == 0


@pytest.mark.apigw_fault(handler=handler, api="http")
def test_a_handlers_own_sleep(apigw_fault):
    response = requests.get(URL)
    assert response.status_code == 200, response.text
    assert apigw_fault.real_sleeps == 0
"""


def test_no_warning_on_virtual_time_without_fault_below_threshold_for_mock_or_in_handler(pytester):
    set_up_inner(pytester)
    pytester.makepyfile(test_quiet=QUIET)
    result = pytester.runpytest(
        "-p", "no:randomly", "-W", "error::pytest_apigw_faults.ApigwFaultSleepWarning"
    )
    result.assert_outcomes(passed=5)
    assert "ApigwFaultSleepWarning" not in result.stdout.str()
    assert_real_sleeps()


def test_the_warning_is_a_public_apigw_fault_warning():
    assert issubclass(pytest_apigw_faults.ApigwFaultSleepWarning, ApigwFaultWarning)
    assert "ApigwFaultSleepWarning" in dir(pytest_apigw_faults)


def assert_real_sleeps() -> None:
    """Nothing of the plugin is left on the sleeps."""
    assert type(time.sleep).__name__ == "builtin_function_or_method"
    assert asyncio.sleep is asyncio.tasks.sleep
    assert asyncio.sleep.__code__.co_filename.endswith("tasks.py")
    assert support is not None
