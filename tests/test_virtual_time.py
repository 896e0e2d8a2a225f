"""Virtual time: retry libraries run their real backoff and time-bounded
stops against the gateway's latency, and nothing really waits.

Each retry library (urllib3 ``Retry`` through requests, tenacity, backoff,
stamina through httpx) meets each seed scenario; the attempts, the sleeps
and the virtual duration are checked exactly against the library's
documented policy and the scenario's latency. Then the time-bounded stops,
and that virtual time never outlives its test.
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import datetime
import time

import pytest
import support  # also keeps one copy of the client modules across pytester runs
from support import set_up_inner

from pytest_apigw_faults import SCENARIOS, Fault, Scenario

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")
time_machine = pytest.importorskip("time_machine")
pytest.importorskip("responses")
pytest.importorskip("respx")

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
SEED_NAMES = (
    "integration_timeout",
    "malformed_response",
    "permission_denied",
    "lambda_throttled",
    "function_error",
)
SEEDS = [SCENARIOS[(name, api)] for api in ("rest", "http") for name in SEED_NAMES]
SEED_IDS = [row.id for row in SEEDS]
EXACT = 1e-9  # sums of the same floats
WALL = 1e-6  # time.time() is a float of about 1.7e9 seconds

ORIGINALS = {
    "time.sleep": time.sleep,
    "time.monotonic": time.monotonic,
    "time.monotonic_ns": time.monotonic_ns,
    "time.perf_counter": time.perf_counter,
    "time.perf_counter_ns": time.perf_counter_ns,
    "asyncio.sleep": asyncio.sleep,
    "BaseEventLoop.time": asyncio.base_events.BaseEventLoop.time,
}


def current() -> dict[str, object]:
    return {
        "time.sleep": time.sleep,
        "time.monotonic": time.monotonic,
        "time.monotonic_ns": time.monotonic_ns,
        "time.perf_counter": time.perf_counter,
        "time.perf_counter_ns": time.perf_counter_ns,
        "asyncio.sleep": asyncio.sleep,
        "BaseEventLoop.time": asyncio.base_events.BaseEventLoop.time,
    }


def assert_real_time() -> None:
    assert current() == ORIGINALS
    assert not time_machine.escape_hatch.is_travelling()  # time.time() is real


class Clocks:
    """Where the client's clocks stand, to measure the virtual time passed."""

    def __init__(self) -> None:
        self.wall = time.time()
        self.monotonic = time.monotonic()
        self.perf = time.perf_counter()
        self.now = datetime.datetime.now()

    def check(self, seconds: float) -> None:
        assert time.time() - self.wall == pytest.approx(seconds, abs=WALL)
        assert time.monotonic() - self.monotonic == pytest.approx(seconds, abs=WALL)
        assert time.perf_counter() - self.perf == pytest.approx(seconds, abs=WALL)
        passed = (datetime.datetime.now() - self.now).total_seconds()
        assert passed == pytest.approx(seconds, abs=WALL)


# 1. Each library against each seed scenario ---------------------------------


@pytest.mark.parametrize("scenario", SEEDS, ids=SEED_IDS)
def test_urllib3_retry_backs_off_on_virtual_time(apigw_fault, scenario: Scenario):
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    apigw_fault.inject(scenario, virtual_time=True)
    session = requests.Session()
    retry = Retry(
        total=3, backoff_factor=0.5, status_forcelist=[500, 502, 503, 504], raise_on_status=False
    )
    session.mount("https://", HTTPAdapter(max_retries=retry))
    clocks = Clocks()
    response = session.get(URL, timeout=60)

    # urllib3 2: no backoff after the first error, then factor * 2 ** (n - 1)
    assert response.status_code == scenario.status
    assert len(apigw_fault.calls) == 4
    assert apigw_fault.sleeps == [1.0, 2.0]
    expected = 4 * scenario.latency + 3.0
    assert apigw_fault.elapsed == pytest.approx(expected, abs=EXACT)
    assert response.elapsed.total_seconds() == pytest.approx(expected, abs=WALL)
    clocks.check(expected)  # once each: latency and backoff are not counted twice
    arrivals = [call.exchange.arrived_at - clocks.wall for call in apigw_fault.calls]
    latency = scenario.latency
    assert arrivals == pytest.approx(
        [0, latency, 2 * latency + 1, 3 * latency + 3], abs=WALL
    )


@pytest.mark.parametrize("scenario", SEEDS, ids=SEED_IDS)
def test_tenacity_waits_on_virtual_time(apigw_fault, scenario: Scenario):
    import tenacity

    apigw_fault.inject(scenario, virtual_time=True)
    clocks = Clocks()

    @tenacity.retry(
        stop=tenacity.stop_after_attempt(4),
        wait=tenacity.wait_exponential(multiplier=1, min=1, max=10),
        retry=tenacity.retry_if_result(lambda response: response.status_code >= 500),
        retry_error_callback=lambda state: state.outcome.result(),
    )
    def get():
        return requests.get(URL, timeout=60)

    assert get().status_code == scenario.status
    assert len(apigw_fault.calls) == 4
    assert apigw_fault.sleeps == [1.0, 2.0, 4.0]
    expected = 4 * scenario.latency + 7.0
    assert apigw_fault.elapsed == pytest.approx(expected, abs=EXACT)
    clocks.check(expected)


@pytest.mark.parametrize("scenario", SEEDS, ids=SEED_IDS)
def test_backoff_waits_on_virtual_time(apigw_fault, scenario: Scenario):
    import backoff

    apigw_fault.inject(scenario, virtual_time=True)
    clocks = Clocks()

    @backoff.on_predicate(
        backoff.expo, lambda response: response.status_code >= 500, max_tries=4, jitter=None
    )
    def get():
        return requests.get(URL, timeout=60)

    assert get().status_code == scenario.status
    assert len(apigw_fault.calls) == 4
    assert apigw_fault.sleeps == [1, 2, 4]
    expected = 4 * scenario.latency + 7.0
    assert apigw_fault.elapsed == pytest.approx(expected, abs=EXACT)
    clocks.check(expected)


@pytest.mark.parametrize("scenario", SEEDS, ids=SEED_IDS)
def test_stamina_waits_on_virtual_time_with_httpx(apigw_fault, scenario: Scenario):
    stamina = pytest.importorskip("stamina")

    apigw_fault.inject(scenario, virtual_time=True)
    clocks = Clocks()
    attempts = 0
    with pytest.raises(httpx.HTTPStatusError) as raised:  # noqa: PT012 - the retry loop
        for attempt in stamina.retry_context(
            on=httpx.HTTPStatusError,
            attempts=4,
            timeout=None,
            wait_initial=1.0,
            wait_max=10.0,
            wait_jitter=0.0,
            wait_exp_base=2,
        ):
            with attempt:
                attempts += 1
                httpx.get(URL, timeout=60).raise_for_status()
    assert raised.value.response.status_code == scenario.status
    assert attempts == len(apigw_fault.calls) == 4
    assert apigw_fault.sleeps == [1.0, 2.0, 4.0]
    expected = 4 * scenario.latency + 7.0
    assert apigw_fault.elapsed == pytest.approx(expected, abs=EXACT)
    clocks.check(expected)


# 2. Time-bounded stops --------------------------------------------------------


def test_tenacity_stop_after_delay_allows_two_29_s_timeouts_not_ten(apigw_fault):
    import tenacity

    apigw_fault.inject("integration_timeout", api="rest", virtual_time=True)

    @tenacity.retry(
        stop=tenacity.stop_after_delay(45) | tenacity.stop_after_attempt(10),
        wait=tenacity.wait_fixed(1),
        retry=tenacity.retry_if_result(lambda response: response.status_code == 504),
        retry_error_callback=lambda state: state.outcome.result(),
    )
    def get():
        return requests.get(URL, timeout=60)

    assert get().status_code == 504
    apigw_fault.assert_retried(times=1)
    assert apigw_fault.sleeps == [1.0]
    assert apigw_fault.elapsed == 59.0
    apigw_fault.assert_gave_up_within(59)


def test_stamina_default_timeout_allows_two_29_s_timeouts(apigw_fault):
    stamina = pytest.importorskip("stamina")
    apigw_fault.inject("integration_timeout", api="rest", virtual_time=True)
    attempts = 0
    with pytest.raises(httpx.HTTPStatusError):  # noqa: PT012 - the retry loop
        for attempt in stamina.retry_context(on=httpx.HTTPStatusError, wait_jitter=0.0):
            with attempt:  # defaults: attempts=10, timeout=45
                attempts += 1
                httpx.get(URL, timeout=60).raise_for_status()
    assert attempts == 2
    apigw_fault.assert_retried(times=1)
    assert apigw_fault.sleeps == [0.1]
    assert apigw_fault.elapsed == pytest.approx(58.1, abs=EXACT)


def test_backoff_max_time_allows_two_29_s_timeouts(apigw_fault):
    import backoff

    apigw_fault.inject("integration_timeout", api="rest", virtual_time=True)

    @backoff.on_predicate(
        backoff.constant, lambda response: response.status_code == 504, max_time=45, interval=1,
        jitter=None,
    )
    def get():
        return requests.get(URL, timeout=60)

    assert get().status_code == 504
    # backoff measures the time before each attempt: 0 s, then 30 s (< 45,
    # so a third attempt starts), then 60 s: three calls, where an instant
    # mock would make one every second until the 45 s ran out
    assert len(apigw_fault.calls) == 3
    assert apigw_fault.sleeps == [1, 1]
    assert apigw_fault.elapsed == 89.0


def test_the_http_api_timeout_is_30_s_and_a_short_read_timeout_counts_its_own(apigw_fault):
    import tenacity

    apigw_fault.inject("integration_timeout", api="http", virtual_time=True)
    clocks = Clocks()

    @tenacity.retry(
        stop=tenacity.stop_after_delay(45),
        wait=tenacity.wait_fixed(2),
        retry=tenacity.retry_if_exception_type(requests.exceptions.ReadTimeout),
        reraise=True,
    )
    def get():
        return requests.get(URL, timeout=10)  # gives up after 10 s, not 30

    with pytest.raises(requests.exceptions.ReadTimeout):
        get()
    # 10 + 2 + 10 + 2 + 10 + 2 + 10 = 46 >= 45 after the fourth attempt
    assert len(apigw_fault.calls) == 4
    assert all(call.timed_out for call in apigw_fault.calls)
    assert apigw_fault.sleeps == [2.0, 2.0, 2.0]
    assert apigw_fault.elapsed == 46.0
    clocks.check(46.0)


def test_the_urllib3_read_timeout_backoff_is_counted_once(apigw_fault):
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    apigw_fault.inject("integration_timeout", api="rest", virtual_time=True)
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=2, backoff_factor=1)))
    clocks = Clocks()
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(URL, timeout=5)
    assert len(apigw_fault.calls) == 3
    assert apigw_fault.sleeps == [2.0]  # none after the first error, then 1 * 2 ** 1
    assert apigw_fault.elapsed == 17.0
    clocks.check(17.0)


# 3. Async clients ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_async_tenacity_and_httpx_sleep_on_virtual_time(apigw_fault):
    import tenacity

    apigw_fault.inject("lambda_throttled", api="http", virtual_time=True)
    clocks = Clocks()
    real = time_machine.escape_hatch.time.time()
    async with httpx.AsyncClient(timeout=60) as client:
        async for attempt in tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(3),
            wait=tenacity.wait_fixed(20),
            retry=tenacity.retry_if_result(lambda response: response.status_code == 503),
            retry_error_callback=lambda state: state.outcome.result(),
        ):
            with attempt:
                response = await client.get(URL)
            if not attempt.retry_state.outcome.failed:
                attempt.retry_state.set_result(response)
    assert len(apigw_fault.calls) == 3
    assert apigw_fault.sleeps == [20.0, 20.0]
    expected = 3 * 0.173 + 40
    assert apigw_fault.elapsed == pytest.approx(expected, abs=EXACT)
    clocks.check(expected)
    assert time_machine.escape_hatch.time.time() - real < 5  # nothing waited


@pytest.mark.asyncio
async def test_the_event_loop_still_runs_real_timers(apigw_fault):
    apigw_fault.inject("function_error", api="rest", virtual_time=True)
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.call_later(0.05, done.set_result, "fired")  # a real timer, for real I/O
    assert await asyncio.wait_for(done, timeout=5) == "fired"
    # and a deadline the virtual time passes fires at once
    late = loop.create_future()
    loop.call_later(20, late.set_result, "passed")
    await asyncio.sleep(21)
    assert await asyncio.wait_for(late, timeout=5) == "passed"
    assert apigw_fault.sleeps == [21.0]


# 4. Turning it on -----------------------------------------------------------------


def test_virtual_time_is_off_by_default(apigw_fault):
    apigw_fault.inject("function_error", api="rest")
    assert not apigw_fault.virtual_time
    assert time.monotonic is ORIGINALS["time.monotonic"]
    assert not time_machine.escape_hatch.is_travelling()
    # the sleeps are real, only counted (tests/test_sleep_warning.py)
    assert time.sleep.__module__ == "pytest_apigw_faults._core.realsleep"
    requests.get(URL, timeout=60)
    assert apigw_fault.elapsed == pytest.approx(0.388)


def test_a_fault_by_hand_runs_on_virtual_time_while_started():
    with Fault("integration_timeout", api="rest", virtual_time=True) as fault:
        assert time.sleep is not ORIGINALS["time.sleep"]
        clocks = Clocks()
        requests.get(URL, timeout=60)
        time.sleep(3)
        clocks.check(32.0)
        assert [call.waited for call in fault.calls] == [29.0]
    assert_real_time()


def test_virtual_time_takes_a_bool():
    from pytest_apigw_faults import ApigwFaultError

    with pytest.raises(ApigwFaultError, match=r"virtual_time= takes True or False, got 'yes'"):
        Fault("function_error", api="rest", virtual_time="yes")


def test_without_time_machine_virtual_time_names_the_extra(monkeypatch):
    import sys

    from pytest_apigw_faults import ApigwFaultError

    monkeypatch.setitem(sys.modules, "time_machine", None)
    fault = Fault("function_error", api="rest", virtual_time=True)
    with pytest.raises(ApigwFaultError, match=r"pytest-apigw-faults\[virtual-time\]"):
        fault.start()
    assert not fault.started
    assert_real_time()


def test_the_marker_and_the_ini_key_turn_it_on(pytester, monkeypatch):
    set_up_inner(pytester)
    pytester.makepyfile(
        test_inner="""
        import os
        import time

        import pytest
        import requests

        URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        def test_marker(apigw_fault):
            start = time.monotonic()
            requests.get(URL, timeout=60)
            assert apigw_fault.virtual_time
            assert time.monotonic() - start == 29


        @pytest.mark.apigw_fault("integration_timeout", api="rest")
        def test_default(apigw_fault):
            assert apigw_fault.virtual_time is (os.environ["EXPECT_VIRTUAL"] == "1")


        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=False)
        def test_marker_says_no(apigw_fault):
            assert not apigw_fault.virtual_time
        """
    )
    monkeypatch.setenv("EXPECT_VIRTUAL", "0")
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)
    pytester.makeini(support.INI + "apigw_fault_virtual_time = true\n")
    monkeypatch.setenv("EXPECT_VIRTUAL", "1")
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


# 5. Never past the test ------------------------------------------------------------

LEAK_CHECK = """
import asyncio
import asyncio.base_events
import time

import pytest
import requests
import time_machine

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
ORIGINAL = (time.sleep, time.monotonic, time.perf_counter, asyncio.sleep,
            asyncio.base_events.BaseEventLoop.time)


def real():
    assert (time.sleep, time.monotonic, time.perf_counter, asyncio.sleep,
            asyncio.base_events.BaseEventLoop.time) == ORIGINAL
    assert not time_machine.escape_hatch.is_travelling()  # time.time() is real


@pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
def test_1_fails_on_virtual_time(apigw_fault):
    requests.get(URL, timeout=60)
    time.sleep(1000)
    assert False, "the test fails"


def test_2_time_is_real_again():
    real()


@pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
def test_3_errors_in_its_fixture(apigw_fault, broken):
    pass


@pytest.fixture
def broken(apigw_fault):
    requests.get(URL, timeout=60)
    raise RuntimeError("the fixture breaks")


def test_4_time_is_real_again():
    real()


def test_5_by_hand_and_raises():
    from pytest_apigw_faults import Fault

    with Fault("integration_timeout", api="rest", virtual_time=True):
        requests.get(URL, timeout=60)
        raise KeyError("inside")


def test_6_time_is_real_again():
    real()
"""


def test_virtual_time_never_outlives_a_test_even_a_failing_one(pytester):
    set_up_inner(pytester)
    pytester.makepyfile(test_leak=LEAK_CHECK)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=2, errors=1)
    result.stdout.fnmatch_lines(["*AssertionError: the test fails*", "*KeyError: 'inside'*"])
    assert_real_time()


def test_report_durations_stay_real(pytester):
    set_up_inner(pytester)
    pytester.makeconftest(
        support.NO_NETWORK
        + """

def pytest_runtest_logreport(report):
    if report.when == "call":
        print(f"\\nDURATION {report.duration:.3f}")
"""
    )
    pytester.makepyfile(
        test_slow="""
        import time

        import pytest
        import requests

        URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        def test_a_minute_of_virtual_time(apigw_fault):
            requests.get(URL, timeout=60)
            time.sleep(30)
            assert apigw_fault.elapsed == 59
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-s", "--durations=1", "--junitxml=j.xml")
    result.assert_outcomes(passed=1)
    line = next(line for line in result.outlines if line.startswith("DURATION "))
    assert float(line.split()[1]) < 5
    durations = [line for line in result.outlines if "test_a_minute_of_virtual_time" in line]
    assert all(float(line.split("s", 1)[0]) < 5 for line in durations if line[:1].isdigit())
    import xml.etree.ElementTree as ET

    case = next(ET.parse(pytester.path / "j.xml").getroot().iter("testcase"))
    assert float(case.get("time")) < 5
