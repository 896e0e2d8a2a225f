"""Retry-After on a faulted answer, through real retry layers: urllib3's
``Retry`` under requests (which retries 413/429/503 when the header is there,
and waits what it says instead of the backoff), and httpx-retries'
``RetryTransport`` through httpx. On virtual time, so nothing waits; each
wait is checked exactly, and ``response.raw.retries`` is urllib3's own.
"""

from __future__ import annotations

import email.utils

import pytest

requests = pytest.importorskip("requests")
pytest.importorskip("responses")

from requests.adapters import HTTPAdapter  # noqa: E402
from urllib3.util.retry import Retry  # noqa: E402

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


def answering(status: int, retry_after: str | None):
    def handler(event, context):
        headers = {} if retry_after is None else {"Retry-After": retry_after}
        return {"statusCode": status, "headers": headers, "body": "busy"}

    return handler


def session_with(retry: Retry) -> requests.Session:
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


@pytest.mark.parametrize("status", [413, 429, 503])
def test_retry_after_in_seconds_is_waited_instead_of_the_backoff(apigw_fault, status):
    apigw_fault.inject(handler=answering(status, "7"), api="rest", virtual_time=True)
    retry = Retry(total=3, backoff_factor=0.5, raise_on_status=False)  # no forcelist
    response = session_with(retry).get(URL, timeout=60)
    assert response.status_code == status
    assert len(apigw_fault.calls) == 4
    assert apigw_fault.sleeps == [7.0, 7.0, 7.0]
    history = response.raw.retries.history
    assert [entry.status for entry in history] == [status, status, status]
    assert [entry.method for entry in history] == ["GET", "GET", "GET"]
    assert response.raw.retries.total == 0


def test_retry_after_on_a_status_urllib3_does_not_wait_for_is_not_retried(apigw_fault):
    apigw_fault.inject(handler=answering(500, "7"), api="rest", virtual_time=True)
    retry = Retry(total=3, backoff_factor=0.5, raise_on_status=False)
    response = session_with(retry).get(URL, timeout=60)
    assert response.status_code == 500
    assert len(apigw_fault.calls) == 1
    assert apigw_fault.sleeps == []
    assert response.raw.retries is retry  # the adapter's own, as urlopen gives it
    assert response.raw.retries.history == ()


def test_a_forcelisted_status_waits_its_retry_after(apigw_fault):
    apigw_fault.inject(handler=answering(500, "3"), api="rest", virtual_time=True)
    retry = Retry(total=2, backoff_factor=0.5, status_forcelist=[500], raise_on_status=False)
    response = session_with(retry).get(URL, timeout=60)
    assert len(apigw_fault.calls) == 3
    assert apigw_fault.sleeps == [3.0, 3.0]
    assert [entry.status for entry in response.raw.retries.history] == [500, 500]


def test_without_retry_after_the_forcelist_backs_off(apigw_fault):
    apigw_fault.inject(handler=answering(503, None), api="rest", virtual_time=True)
    retry = Retry(total=3, backoff_factor=0.5, status_forcelist=[503], raise_on_status=False)
    response = session_with(retry).get(URL, timeout=60)
    assert len(apigw_fault.calls) == 4
    assert apigw_fault.sleeps == [retry.get_backoff_time() for retry in _after(retry, 3)]
    assert len(response.raw.retries.history) == 3


def _after(retry: Retry, count: int) -> list[Retry]:
    """The Retry objects urllib3 sleeps with after each of ``count`` retries."""
    out = []
    for _ in range(count):
        retry = retry.increment("GET", URL)
        out.append(retry)
    return [r for r in out if r.get_backoff_time() > 0]


def test_respect_retry_after_header_false_neither_retries_nor_waits_it(apigw_fault):
    apigw_fault.inject(handler=answering(429, "7"), api="rest", virtual_time=True)
    retry = Retry(
        total=3, backoff_factor=0.5, raise_on_status=False, respect_retry_after_header=False
    )
    response = session_with(retry).get(URL, timeout=60)
    assert len(apigw_fault.calls) == 1
    assert apigw_fault.sleeps == []
    assert response.raw.retries is retry


def test_respect_retry_after_header_false_with_a_forcelist_backs_off(apigw_fault):
    apigw_fault.inject(handler=answering(429, "7"), api="rest", virtual_time=True)
    retry = Retry(
        total=2,
        backoff_factor=0.5,
        status_forcelist=[429],
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    session_with(retry).get(URL, timeout=60)
    assert len(apigw_fault.calls) == 3
    assert apigw_fault.sleeps == [r.get_backoff_time() for r in _after(retry, 2)]


def test_a_retry_after_date_in_the_past_waits_the_backoff(apigw_fault):
    past = email.utils.formatdate(0, usegmt=True)
    apigw_fault.inject(handler=answering(503, past), api="rest", virtual_time=True)
    retry = Retry(total=2, backoff_factor=0.5, raise_on_status=False)
    response = session_with(retry).get(URL, timeout=60)
    assert len(apigw_fault.calls) == 3  # retried: the header is there
    assert apigw_fault.sleeps == [r.get_backoff_time() for r in _after(retry, 2)]
    assert [entry.status for entry in response.raw.retries.history] == [503, 503]


def test_a_retry_after_date_in_the_future_is_waited_until(apigw_fault):
    import time

    date: list[str] = []

    def handler(event, context):
        return {"statusCode": 503, "headers": {"Retry-After": date[0]}}

    apigw_fault.inject(handler=handler, api="rest", virtual_time=True)
    start = time.time()  # virtual: the clock runs from the inject
    date.append(email.utils.formatdate(int(start) + 120, usegmt=True))
    retry = Retry(total=1, raise_on_status=False)
    session_with(retry).get(URL, timeout=60)
    assert len(apigw_fault.calls) == 2
    [wait] = apigw_fault.sleeps
    first = apigw_fault.calls[0].elapsed
    assert wait == pytest.approx(int(start) + 120 - start - first, abs=1e-6)


def test_exhausted_forcelisted_retries_raise_retry_error(apigw_fault):
    apigw_fault.inject(handler=answering(429, "1"), api="rest", virtual_time=True)
    with pytest.raises(requests.exceptions.RetryError):
        session_with(Retry(total=2, status_forcelist=[429])).get(URL, timeout=60)
    assert len(apigw_fault.calls) == 3
    assert apigw_fault.sleeps == [1.0, 1.0]


def test_httpx_retries_waits_the_handlers_retry_after(apigw_fault):
    httpx = pytest.importorskip("httpx")
    httpx_retries = pytest.importorskip("httpx_retries")
    pytest.importorskip("respx")

    apigw_fault.inject(handler=answering(429, "4"), api="http", virtual_time=True)
    retry = httpx_retries.Retry(total=3, backoff_factor=0.5)
    with httpx.Client(transport=httpx_retries.RetryTransport(retry=retry)) as client:
        response = client.get(URL, timeout=60)
    assert response.status_code == 429
    assert len(apigw_fault.calls) == 4
    assert apigw_fault.sleeps == [4.0, 4.0, 4.0]


RETRY_AFTER_DOC = {
    "x-amazon-apigateway-gateway-responses": {
        "THROTTLED": {"responseParameters": {"gatewayresponse.header.Retry-After": "'5'"}},
    }
}


def test_a_customised_gateway_response_s_retry_after_is_waited(apigw_fault):
    apigw_fault.inject(
        "api_throttled", api="rest", gateway_responses=RETRY_AFTER_DOC, virtual_time=True
    )
    retry = Retry(total=2, backoff_factor=0.5, raise_on_status=False)
    response = session_with(retry).get(URL, timeout=60)
    assert response.headers["Retry-After"] == "5"
    assert len(apigw_fault.calls) == 3
    assert apigw_fault.sleeps == [5.0, 5.0]
    assert [entry.status for entry in response.raw.retries.history] == [429, 429]


def test_a_scenario_row_sends_no_retry_after_and_is_not_retried_for_it(apigw_fault):
    apigw_fault.inject("api_throttled", api="rest", virtual_time=True)
    retry = Retry(total=2, backoff_factor=0.5, raise_on_status=False)
    response = session_with(retry).get(URL, timeout=60)
    assert "Retry-After" not in response.headers
    assert len(apigw_fault.calls) == 1
    assert apigw_fault.sleeps == []
    assert response.raw.retries is retry


def test_an_unreadable_retry_after_raises_invalid_header_as_requests_does(apigw_fault):
    apigw_fault.inject(handler=answering(503, "soon"), api="rest", virtual_time=True)
    retry = Retry(total=3, backoff_factor=0.5, raise_on_status=False)
    with pytest.raises(requests.exceptions.InvalidHeader, match="Invalid Retry-After header: soon"):
        session_with(retry).get(URL, timeout=60)
    assert len(apigw_fault.calls) == 1
    assert apigw_fault.sleeps == []
