"""The fixture's checks of what the client did: ``assert_retried``,
``assert_not_retried``, ``assert_gave_up_within``, with ``sleeps`` and
``elapsed``, and failure messages that list the calls and the sleeps."""

from __future__ import annotations

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")
pytest.importorskip("responses")
pytest.importorskip("respx")

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


@pytest.fixture
def still_clock(monkeypatch):
    """Requests arrive at the gateway time of the attempts before them, to
    the millisecond the messages show: the real time between two attempts
    (a pause of the machine) is left out."""
    from types import SimpleNamespace

    from pytest_apigw_faults._core import fault

    monkeypatch.setattr(fault, "time", SimpleNamespace(time=lambda: 1_747_708_810.0))


def retrying_session(total: int, backoff_factor: float = 1.0):
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    retry = Retry(
        total=total,
        backoff_factor=backoff_factor,
        status_forcelist=[500, 502, 503, 504],
        raise_on_status=False,
    )
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def test_the_checks_pass_when_the_client_did_that(apigw_fault):
    apigw_fault.inject("lambda_throttled", api="rest")
    retrying_session(3).get(URL, timeout=10)
    apigw_fault.assert_retried()
    apigw_fault.assert_retried(times=3)
    apigw_fault.assert_gave_up_within(7 + 4 * 0.105)
    assert apigw_fault.sleeps == [2.0, 4.0]  # urllib3's backoff, counted as gateway time
    assert apigw_fault.elapsed == pytest.approx(6.42)
    assert not apigw_fault.virtual_time


def test_assert_retried_lists_the_calls_and_sleeps(apigw_fault):
    pytest.importorskip("time_machine")
    apigw_fault.inject("integration_timeout", api="rest", virtual_time=True)
    retrying_session(2).get(URL, timeout=60)
    with pytest.raises(AssertionError) as raised:
        apigw_fault.assert_retried(times=5)
    assert str(raised.value) == (
        "expected 5 retries (6 attempts), got 2 retries (3 attempts):\n"
        "  calls (3):\n"
        "    #0 rest-integration_timeout via requests: arrived at +0 s, waited 29 s,"
        " answered 504\n"
        "    #1 rest-integration_timeout via requests: arrived at +29 s, waited 29 s,"
        " answered 504\n"
        "    #2 rest-integration_timeout via requests: arrived at +60 s, waited 29 s,"
        " answered 504\n"
        "  sleeps: 2 s\n"
        "  elapsed: 89 s (virtual time)"
    )


def test_assert_not_retried_says_how_often_it_was(apigw_fault, still_clock):
    apigw_fault.inject("integration_timeout", api="http")
    with pytest.raises(requests.exceptions.ConnectionError):
        retrying_session(1, backoff_factor=0).get(URL, timeout=5)
    with pytest.raises(AssertionError) as raised:
        apigw_fault.assert_not_retried()
    assert str(raised.value) == (
        "expected no retry (1 attempt), got 1 retry (2 attempts):\n"
        "  calls (2):\n"
        "    #0 http-integration_timeout via requests: arrived at +0 s, waited 5 s, timed out\n"
        "    #1 http-integration_timeout via requests: arrived at +5 s, waited 5 s, timed out\n"
        "  sleeps: none\n"
        "  elapsed: 10 s (gateway time, no virtual time)"
    )


def test_assert_gave_up_within_shows_the_time_it_took(apigw_fault):
    pytest.importorskip("time_machine")
    pytest.importorskip("tenacity")
    import tenacity

    apigw_fault.inject("function_error", api="http", virtual_time=True)

    @tenacity.retry(
        stop=tenacity.stop_after_attempt(3),
        wait=tenacity.wait_fixed(30),
        retry=tenacity.retry_if_exception_type(httpx.HTTPStatusError),
        reraise=True,
    )
    def get():
        httpx.get(URL).raise_for_status()

    with pytest.raises(httpx.HTTPStatusError):
        get()
    apigw_fault.assert_gave_up_within(61.218)
    with pytest.raises(AssertionError) as raised:
        apigw_fault.assert_gave_up_within(60)
    assert str(raised.value) == (
        "expected the client to give up within 60 s, it took 61.218 s (3 attempts):\n"
        "  calls (3):\n"
        "    #0 http-function_error via httpx: arrived at +0 s, waited 0.406 s, answered 500\n"
        "    #1 http-function_error via httpx: arrived at +30.406 s, waited 0.406 s,"
        " answered 500\n"
        "    #2 http-function_error via httpx: arrived at +60.812 s, waited 0.406 s,"
        " answered 500\n"
        "  sleeps: 30 s, 30 s\n"
        "  elapsed: 61.218 s (virtual time)"
    )


def test_no_call_at_all_is_said_so(apigw_fault):
    apigw_fault.inject("function_error", api="rest")
    with pytest.raises(AssertionError, match=r"expected at least 1 retry \(2 attempts\), got no"
                       r" attempt:\n  calls: none reached a fault\n  sleeps: none\n  elapsed: 0 s"):
        apigw_fault.assert_retried()
    with pytest.raises(AssertionError, match=r"expected no retry \(1 attempt\), got no attempt"):
        apigw_fault.assert_not_retried()
    with pytest.raises(AssertionError, match="no attempt reached a fault"):
        apigw_fault.assert_gave_up_within(10)


def test_a_lambda_result_is_listed_by_its_status(apigw_fault, still_clock):
    apigw_fault.inject(
        "lambda_throttled", api="rest", times=1, then={"statusCode": 201, "body": "made"}
    )
    session = retrying_session(3, backoff_factor=0)
    assert session.get(URL, timeout=10).status_code == 201
    apigw_fault.assert_retried(times=1)
    with pytest.raises(AssertionError) as raised:
        apigw_fault.assert_not_retried()
    assert str(raised.value) == (
        "expected no retry (1 attempt), got 1 retry (2 attempts):\n"
        "  calls (2):\n"
        "    #0 rest-lambda_throttled via requests: arrived at +0 s, waited 0.105 s,"
        " answered 500\n"
        "    #1 lambda 201 via requests: arrived at +0.105 s, waited 0 s, answered 201\n"
        "  sleeps: none\n"
        "  elapsed: 0.105 s (gateway time, no virtual time)"
    )


def test_the_checks_refuse_a_bad_argument(apigw_fault):
    apigw_fault.inject("function_error", api="rest")
    with pytest.raises(TypeError, match="times= takes a whole number of retries"):
        apigw_fault.assert_retried(times=-1)
    with pytest.raises(TypeError, match="takes seconds"):
        apigw_fault.assert_gave_up_within("10")  # type: ignore[arg-type]


def test_sleeps_on_virtual_time_include_the_clients_own(apigw_fault):
    pytest.importorskip("time_machine")
    import time

    apigw_fault.inject("lambda_throttled", api="rest", virtual_time=True)
    retrying_session(2).get(URL, timeout=10)  # urllib3: no backoff, then 2 s
    time.sleep(0.5)  # the client's own
    time.sleep(0)  # not a backoff
    assert apigw_fault.sleeps == [2.0, 0.5]
    assert apigw_fault.elapsed == pytest.approx(3 * 0.105 + 2.5, abs=1e-9)
