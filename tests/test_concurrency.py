"""Many calls at once, and what the next test sees after a test that went wrong.

test_wire.py covers one fault answering 8 threads x 25 requests and 100
``asyncio.gather`` requests. Here: ``times`` shared by racing threads, urllib3
retries in every thread, two faults on two URLs at once, the fixture and the
marker under 100 concurrent async requests; then tests that fail, error or
are interrupted inside a fault, each followed by a check that the clients are
the real ones again.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from support import set_up_inner

from pytest_apigw_faults import Fault

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
OTHER_API = "https://zzz999yyy8.execute-api.eu-west-1.amazonaws.com/prod/orders"
THREADS, PER_THREAD = 8, 25


def needs(*names: str) -> None:
    for name in names:
        pytest.importorskip(name)


def originals() -> dict[str, Any]:
    """The client methods a fault patches, as they are now."""
    found: dict[str, Any] = {}
    try:
        import requests

        found["Session.get_adapter"] = requests.Session.get_adapter
        found["HTTPAdapter.send"] = requests.adapters.HTTPAdapter.send
    except ImportError:
        pass
    try:
        import httpx

        found["HTTPTransport.handle_request"] = httpx.HTTPTransport.handle_request
        found["AsyncHTTPTransport.handle_async_request"] = (
            httpx.AsyncHTTPTransport.handle_async_request
        )
    except ImportError:
        pass
    return found


ORIGINALS = originals()


@pytest.fixture(autouse=True)
def _real_clients_before_and_after(request: pytest.FixtureRequest) -> Any:
    # the marker's fault is started before this runs and stopped after: the
    # next test's check covers it
    marked = request.node.get_closest_marker("apigw_fault") is not None
    assert marked or originals() == ORIGINALS
    yield
    assert marked or originals() == ORIGINALS


def in_threads(work: Any) -> list[Any]:
    barrier = threading.Barrier(THREADS)

    def worker(n: int) -> list[Any]:
        barrier.wait()  # all threads start sending at once
        return [work(n, i) for i in range(PER_THREAD)]

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return [r for f in [pool.submit(worker, n) for n in range(THREADS)] for r in f.result()]


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_racing_threads_share_times_exactly(client: str) -> None:
    """``times=100`` from 200 racing calls: exactly 100 faulted, the rest
    reach the user's own mock, and each faulted call is recorded once."""
    if client == "requests":
        needs("requests", "responses")
        import requests
        import responses

        user = responses.RequestsMock(assert_all_requests_are_fired=False)
        user.add(responses.GET, URL, body=b"user")
        session = threading.local()

        def get(n: int, i: int) -> Any:
            if not hasattr(session, "s"):
                session.s = requests.Session()
            return session.s.get(URL, params={"n": n, "i": i}, timeout=5)
    else:
        needs("httpx", "respx")
        import httpx
        import respx

        user = respx.mock(assert_all_called=False)
        user.get(url__startswith=URL).respond(200, content=b"user")
        shared = httpx.Client()

        def get(n: int, i: int) -> Any:
            return shared.get(URL, params={"n": n, "i": i})

    with user, Fault("function_error", api="rest", times=100, seed=1) as fault:
        got = in_threads(get)
    statuses = Counter(r.status_code for r in got)
    assert statuses == {502: 100, 200: 100}
    assert len(fault.calls) == 100
    assert {id(c.response) for c in fault.calls} == {id(r) for r in got if r.status_code == 502}
    assert len({c.request_id for c in fault.calls}) == 100
    assert {str(c.request.url) for c in fault.calls} <= {str(r.url) for r in got}


def test_urllib3_retries_in_every_thread_count_their_own_attempts() -> None:
    needs("requests", "responses")
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    local = threading.local()

    def get(n: int, i: int) -> Any:
        if not hasattr(local, "s"):
            local.s = requests.Session()
            retry = Retry(total=3, status_forcelist=[502], raise_on_status=False, backoff_factor=1)
            local.s.mount("https://", HTTPAdapter(max_retries=retry))
        return local.s.get(URL, params={"n": n, "i": i}, timeout=5)

    with Fault("function_error", api="rest", seed=2) as fault:
        got = in_threads(get)
    assert len(got) == THREADS * PER_THREAD
    assert all(r.status_code == 502 for r in got)
    attempts = Counter(str(c.request.url) for c in fault.calls)
    assert len(attempts) == THREADS * PER_THREAD  # every request its own URL
    assert set(attempts.values()) == {4}  # 1 + 3 retries each, no attempt lost or shared
    assert len({c.request_id for c in fault.calls}) == len(fault.calls)
    # each request's own gateway time: 4 x 0.388 s and urllib3's backoff (0 + 2 + 4 s)
    assert {round(r.elapsed.total_seconds(), 3) for r in got} == {round(4 * 0.388 + 6, 3)}


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_two_faults_on_two_apis_from_racing_threads(client: str) -> None:
    needs(*(("requests", "responses") if client == "requests" else ("httpx", "respx")))
    if client == "requests":
        import requests

        def get(n: int, i: int) -> Any:
            return requests.get(URL if (n + i) % 2 else OTHER_API, timeout=60)
    else:
        import httpx

        shared = httpx.Client(timeout=60)

        def get(n: int, i: int) -> Any:
            return shared.get(URL if (n + i) % 2 else OTHER_API)

    with Fault("function_error", api="rest", url=URL, seed=3) as rest, Fault(
        "lambda_throttled", api="http", url=OTHER_API, seed=4
    ) as http:
        got = in_threads(get)
    hosts = [r.url.host if client == "httpx" else r.url.split("/")[2] for r in got]
    by_host = Counter(zip(hosts, (r.status_code for r in got), strict=True))
    half = THREADS * PER_THREAD // 2
    assert by_host == {
        ("abc123def4.execute-api.us-east-1.amazonaws.com", 502): half,
        ("zzz999yyy8.execute-api.eu-west-1.amazonaws.com", 503): half,
    }
    assert (len(rest.calls), len(http.calls)) == (half, half)
    ids = [c.request_id for c in rest.calls + http.calls]
    assert len(set(ids)) == len(ids)


# async -------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.apigw_fault("lambda_throttled", api="http")
async def test_100_concurrent_async_requests_under_the_marker(apigw_fault: Any) -> None:
    needs("httpx", "respx")
    import httpx

    async with httpx.AsyncClient() as client:
        got = await asyncio.gather(*(client.get(URL, params={"i": i}) for i in range(100)))
    assert [r.status_code for r in got] == [503] * 100
    calls = apigw_fault.calls
    assert len(calls) == 100
    assert {id(c.response) for c in calls} == {id(r) for r in got}
    assert {r.headers["apigw-requestid"] for r in got} == {c.request_id for c in calls}
    assert len({c.request_id for c in calls}) == 100
    for response in got[:5]:
        apigw_fault.assert_response(response)


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
@pytest.mark.asyncio
async def test_100_concurrent_async_requests_share_times_with_the_users_mock(
    apigw_fault: Any,
) -> None:
    needs("httpx", "respx")
    import httpx
    import respx

    with respx.mock(assert_all_called=True) as router:
        router.get(url__startswith=URL).respond(200, content=b"user")
        fault = apigw_fault.inject("function_error", api="rest", times=60)
        async with httpx.AsyncClient() as client:
            got = await asyncio.gather(*(client.get(URL, params={"i": i}) for i in range(100)))
    assert Counter(r.status_code for r in got) == {502: 60, 200: 40}
    assert len(fault.calls) == 60
    assert len({c.request_id for c in fault.calls}) == 60


# after a test that went wrong ---------------------------------------------------

ISOLATION = """
import httpx
import pytest
import requests
from pytest_apigw_faults import Fault

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
REAL = (
    requests.Session.get_adapter,
    requests.adapters.HTTPAdapter.send,
    httpx.HTTPTransport.handle_request,
    httpx.AsyncHTTPTransport.handle_async_request,
)


def real_clients():
    return (
        requests.Session.get_adapter,
        requests.adapters.HTTPAdapter.send,
        httpx.HTTPTransport.handle_request,
        httpx.AsyncHTTPTransport.handle_async_request,
    ) == REAL


@pytest.fixture
def broken_fixture(apigw_fault):
    apigw_fault.inject("function_error", api="rest")
    raise RuntimeError("fixture broke inside a fault")


@pytest.fixture
def broken_teardown(apigw_fault):
    apigw_fault.inject("function_error", api="rest")
    yield
    raise RuntimeError("teardown broke inside a fault")


@pytest.mark.apigw_fault("function_error", api="rest")
def test_fails_inside_the_marker():
    assert requests.get(URL, timeout=5).status_code == 200


def test_fails_inside_inject(apigw_fault):
    apigw_fault.inject("lambda_throttled", api="http")
    assert httpx.get(URL).status_code == 200


def test_fails_inside_a_with_block():
    with Fault("function_error", api="rest"):
        assert httpx.get(URL).status_code == 200


def test_errors_in_setup(broken_fixture):
    pass


def test_errors_in_teardown(broken_teardown):
    assert requests.get(URL, timeout=5).status_code == 502


def test_fails_leaving_a_fault_started():
    Fault("function_error", api="rest").start()
    assert requests.get(URL, timeout=5).status_code == 200


def test_next_sees_the_real_clients():
    assert real_clients()
"""

INTERRUPTED = """
import httpx
import pytest
import requests
from pytest_apigw_faults import Fault

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


{test}


def test_never_runs():
    pass
"""

INTERRUPTIONS = {
    "marker": """
@pytest.mark.apigw_fault("function_error", api="rest")
def test_interrupted():
    requests.get(URL, timeout=5)
    raise KeyboardInterrupt
""",
    "inject": """
def test_interrupted(apigw_fault):
    apigw_fault.inject("lambda_throttled", api="http")
    httpx.get(URL)
    raise KeyboardInterrupt
""",
    "with-block": """
def test_interrupted():
    with Fault("function_error", api="rest"):
        raise KeyboardInterrupt
""",
    "async-marker": """
@pytest.mark.asyncio
@pytest.mark.apigw_fault("function_error", api="rest")
async def test_interrupted():
    async with httpx.AsyncClient() as client:
        await client.get(URL)
    raise KeyboardInterrupt
""",
    "started-by-hand": """
def test_interrupted():
    Fault("function_error", api="rest").start()
    raise KeyboardInterrupt
""",
}

NEXT_RUN = """
import httpx
import requests


def test_sees_the_real_clients():
    assert requests.Session.get_adapter.__module__ == "requests.sessions"
    assert requests.adapters.HTTPAdapter.send.__module__ == "requests.adapters"
    assert httpx.HTTPTransport.handle_request.__module__ == "httpx._transports.default"
    assert httpx.AsyncHTTPTransport.handle_async_request.__module__ == "httpx._transports.default"
"""


def test_after_tests_that_fail_or_error_inside_a_fault_the_next_sees_the_real_clients(
    pytester: pytest.Pytester,
) -> None:
    needs("requests", "responses", "httpx", "respx")
    set_up_inner(pytester)
    pytester.makepyfile(test_user_isolation=ISOLATION)
    result = pytester.runpytest("-p", "no:randomly")
    # the hand-started fault is stopped and reported as an error of its test
    result.assert_outcomes(passed=2, failed=4, errors=3)
    result.stdout.fnmatch_lines(["*test_fails_leaving_a_fault_started*did not stop it*"])
    assert originals() == ORIGINALS


@pytest.mark.parametrize("where", INTERRUPTIONS)
def test_after_a_keyboard_interrupt_inside_a_fault_the_clients_are_real(
    pytester: pytest.Pytester, where: str
) -> None:
    needs("requests", "responses", "httpx", "respx")
    set_up_inner(pytester)
    pytester.makepyfile(test_user_interrupted=INTERRUPTED.format(test=INTERRUPTIONS[where]))
    result = pytester.runpytest(no_reraise_ctrlc=True)  # in-process: the same classes
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*KeyboardInterrupt*"])
    result.stdout.no_fnmatch_line("*test_never_runs*PASSED*")
    try:
        assert originals() == ORIGINALS
        pytester.makepyfile(test_user_interrupted="", test_user_next=NEXT_RUN)
        pytester.runpytest().assert_outcomes(passed=1)
    finally:
        from pytest_apigw_faults._core import runtime

        for fault in runtime.current().faults:  # leave nothing for the tests after this one
            fault.stop_all()
