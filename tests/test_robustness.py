"""Edge cases a demanding user meets: HEAD, odd retry settings, concurrency
on one Fault, foreign patches, traces, and faults left started."""

from __future__ import annotations

import asyncio
import textwrap
import threading
from collections.abc import Iterator

import httpx
import pytest
import requests
import responses
import respx
from requests.adapters import HTTPAdapter
from support import set_up_inner
from urllib3.util.retry import Retry

from pytest_apigw_faults import ApigwFaultError, ApigwFaultWarning, Fault

API = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
GET_ADAPTER = requests.Session.get_adapter
HANDLE_REQUEST = httpx.HTTPTransport.handle_request


@pytest.fixture(autouse=True)
def _clients_untouched() -> Iterator[None]:
    assert requests.Session.get_adapter is GET_ADAPTER
    assert httpx.HTTPTransport.handle_request is HANDLE_REQUEST
    yield
    assert requests.Session.get_adapter is GET_ADAPTER
    assert httpx.HTTPTransport.handle_request is HANDLE_REQUEST


# HEAD ------------------------------------------------------------------------


def test_head_gets_the_headers_and_no_body_through_requests(apigw_fault) -> None:
    apigw_fault.inject("function_error", api="rest")
    response = requests.head(API, timeout=5)
    assert response.status_code == 502
    assert response.headers["content-length"] == "0"  # REST HEAD errors [WAF-HEAD]
    assert response.content == b""
    apigw_fault.assert_response(response)


def test_head_gets_the_headers_and_no_body_through_httpx(apigw_fault) -> None:
    apigw_fault.inject("lambda_throttled", api="http")
    response = httpx.head(API)
    assert response.status_code == 503
    assert response.headers["content-length"] == "33"
    assert response.content == b""
    apigw_fault.assert_response(response)


def test_a_get_with_an_empty_body_fails_assert_response(apigw_fault) -> None:
    apigw_fault.inject("function_error", api="rest")
    response = requests.get(API, timeout=5)
    response._content = b""
    with pytest.raises(AssertionError, match=r"body: got b'', expected"):
        apigw_fault.assert_response(response)


# retries set the way requests allows ----------------------------------------


@pytest.mark.parametrize(("max_retries", "attempts"), [(2, 3), (None, 4), (0, 1)])
def test_max_retries_as_int_or_none_is_read_as_requests_reads_it(
    max_retries: int | None, attempts: int
) -> None:
    session = requests.Session()
    adapter = HTTPAdapter()
    adapter.max_retries = max_retries  # type: ignore[assignment]
    session.mount("https://", adapter)
    with Fault("integration_timeout", api="rest") as fault:
        with pytest.raises(requests.exceptions.RequestException):
            session.get(API, timeout=10)
    assert len(fault.calls) == attempts


def test_sending_one_prepared_request_twice_does_not_add_up_gateway_time() -> None:
    session = requests.Session()
    prepared = session.prepare_request(requests.Request("GET", API))
    with Fault("function_error", api="rest"):
        first = session.send(prepared, timeout=5)
        second = session.send(prepared, timeout=5)
    assert first.elapsed.total_seconds() == pytest.approx(0.388)
    assert second.elapsed.total_seconds() == pytest.approx(0.388)


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
def test_a_pass_through_after_faulted_attempts_counts_their_gateway_time() -> None:
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, status_forcelist=[502])))
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, API, json={"orders": []})
        with Fault("function_error", api="rest", times=2):
            response = session.get(API, timeout=5)
    assert response.status_code == 200
    assert 2 * 0.388 <= response.elapsed.total_seconds() < 2 * 0.388 + 1


# one Fault, many activations -----------------------------------------------


def test_starting_one_fault_from_two_threads_at_once_registers_it_once() -> None:
    fault = Fault("function_error", api="rest")
    barrier = threading.Barrier(2)

    def start() -> None:
        barrier.wait()
        fault.start()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert requests.get(API, timeout=5).status_code == 502
    fault.stop()
    assert fault.started  # one start is still pending
    fault.stop()
    assert not fault.started


@pytest.mark.asyncio
async def test_a_decorated_coroutine_may_run_twice_at_once() -> None:
    @Fault("lambda_throttled", api="http")
    async def fetch() -> int:
        async with httpx.AsyncClient() as client:
            return (await client.get(API)).status_code

    assert await asyncio.gather(fetch(), fetch()) == [503, 503]


def test_each_activation_keeps_only_its_own_responses_records() -> None:
    fault = Fault("function_error", api="rest")
    for _ in range(3):
        with fault:
            for _ in range(4):
                requests.get(API, timeout=5)
            # the fault records each call; responses keeps no second copy
            assert len(fault.backend_state["requests"].calls) == 0
            assert len(fault.calls) == 4


# foreign patches ----------------------------------------------------------------


def test_a_fault_refuses_to_start_under_a_foreign_httpx_transport_patch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fake_handle_request(self, request):  # type: ignore[no-untyped-def]
        return httpx.Response(299)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", fake_handle_request)
    with pytest.raises(ApigwFaultError) as error:
        Fault("function_error", api="rest", clients="httpx").start()
    assert "httpx.HTTPTransport.handle_request is already replaced by" in str(error.value)
    assert "fake_handle_request" in str(error.value)
    assert "start the fault first" in str(error.value)
    monkeypatch.undo()


def test_a_streamed_upload_to_a_faulted_url_is_not_read() -> None:
    sent: list[bytes] = []

    def chunks() -> Iterator[bytes]:
        for chunk in (b"a", b"b"):
            sent.append(chunk)
            yield chunk

    with Fault("function_error", api="rest"):
        response = httpx.post(API, content=chunks())
    assert response.status_code == 502
    assert sent == []


# traces ------------------------------------------------------------------------


def test_a_client_trace_header_with_a_parent_comes_back_whole() -> None:
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    with Fault("function_error", api="rest"):
        response = requests.get(API, headers={"X-Amzn-Trace-Id": trace}, timeout=5)
    assert response.headers["x-amzn-trace-id"] == trace


def test_a_client_trace_header_with_a_root_alone_gets_a_parent() -> None:
    root = "Root=1-5759e988-bd862e3fe1be46a994272793"
    with Fault("function_error", api="rest"):
        response = httpx.get(API, headers={"X-Amzn-Trace-Id": root})
    trace = response.headers["x-amzn-trace-id"]
    assert trace.startswith(f"{root};Parent=")
    assert len(trace.rsplit("=", 1)[1]) == 16


# faults left started, and seeds of hand-made faults ------------------------


def test_a_fault_left_started_is_stopped_and_fails_the_test(pytester: pytest.Pytester) -> None:
    set_up_inner(pytester)
    pytester.makepyfile(
        test_user_leak="""
        import requests
        from pytest_apigw_faults import Fault

        def test_leaks():
            Fault("function_error", api="rest").start()

        def test_next_is_clean():
            assert requests.Session.get_adapter.__module__ == "requests.sessions"
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_user_leak.py::test_leaks started Fault('function_error', api='rest',"
            " endpoint='edge'; any execute-api host) and did not stop it; it is stopped"
            " now. Use `with Fault(...)`, the decorator, or apigw_fault.inject(...),"
            " which stop by themselves"
        ]
    )


def test_respx_user_router_is_not_disturbed_by_a_fault_stopped_first() -> None:
    with respx.mock(assert_all_called=True) as router:
        route = router.get("https://example.com/").respond(204)
        with Fault("function_error", api="rest"):
            assert httpx.get(API).status_code == 502
        assert httpx.get("https://example.com/").status_code == 204
    assert route.call_count == 1


# second look: traces in assert_response, fixtures, re-entrancy, stale patches


def test_assert_response_accepts_an_echoed_client_trace(apigw_fault) -> None:
    apigw_fault.inject("function_error", api="rest")
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    apigw_fault.assert_response(requests.get(API, headers={"X-Amzn-Trace-Id": trace}, timeout=5))
    apigw_fault.assert_response(httpx.get(API, headers={"X-Amzn-Trace-Id": trace.split(";")[0]}))


def test_faults_left_by_fixtures_are_reported_unless_module_or_session_scoped(
    pytester: pytest.Pytester,
) -> None:
    set_up_inner(pytester)
    pytester.makepyfile(
        test_user_fixtures="""
        import pytest
        import requests
        from pytest_apigw_faults import Fault

        URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"

        @pytest.fixture
        def leaky():
            return Fault("function_error", api="rest").start()

        @pytest.fixture(scope="module")
        def shared():
            with Fault("lambda_throttled", api="rest") as fault:
                yield fault

        @pytest.fixture
        def broken():
            raise RuntimeError("setup fails")

        def test_leaky_fixture(leaky):
            pass

        def test_leaky_fixture_then_setup_error(leaky, broken):
            pass

        def test_clean_after_leaks():
            assert requests.Session.get_adapter.__module__ == "requests.sessions"

        def test_shared_first(shared):
            assert requests.get(URL, timeout=5).status_code == 500

        def test_shared_second(request):
            request.getfixturevalue("shared")
            assert requests.get(URL, timeout=5).status_code == 500
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    # test_leaky_fixture passes, then errors at teardown; the second errors
    # at setup and again at teardown
    result.assert_outcomes(passed=4, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*test_user_fixtures.py::test_leaky_fixture started Fault('function_error'*",
            "*test_user_fixtures.py::test_leaky_fixture_then_setup_error started Fault(*",
        ]
    )


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
def test_a_request_sent_from_inside_a_pass_through_keeps_the_outer_state_apart() -> None:
    other = "https://other0001.execute-api.us-east-1.amazonaws.com/prod/x"
    inner_statuses: list[int] = []

    def user_answer(request):  # type: ignore[no-untyped-def]
        inner_statuses.append(requests.get(other, timeout=5).status_code)
        return (503, {}, b"user 503")

    session = requests.Session()
    retry = Retry(total=3, status_forcelist=[502, 503], raise_on_status=False)
    session.mount("https://", HTTPAdapter(max_retries=retry))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, API, callback=user_answer)
        mock.add_passthru("https://other0001.")
        with Fault("function_error", api="rest", url=API, times=1):
            with Fault("lambda_throttled", api="rest", url=other):
                response = session.get(API, timeout=5)
    assert response.content == b"user 503"
    assert inner_statuses == [500, 500, 500]  # three attempts reach the user's mock
    assert response.elapsed.total_seconds() >= 0.388


def test_a_foreign_patch_undone_after_the_fault_stopped_does_not_block_the_next_fault() -> None:
    patch = pytest.MonkeyPatch()
    fault = Fault("function_error", api="http", clients="httpx").start()
    current = httpx.HTTPTransport.handle_request

    def on_top(self, request):  # type: ignore[no-untyped-def]
        return current(self, request)

    patch.setattr(httpx.HTTPTransport, "handle_request", on_top)
    with pytest.warns(ApigwFaultWarning, match=r"handle_request was replaced by .*on_top"):
        fault.stop()
    patch.undo()  # puts the fault's own function back, stale
    with Fault("lambda_throttled", api="http", clients="httpx"):
        assert httpx.get(API).status_code == 503
    assert httpx.HTTPTransport.handle_request is HANDLE_REQUEST


HAND_MADE = {
    "with-block": """
        @pytest.fixture
        def nothing():
            pass

        def test_ids(nothing):
            with Fault("function_error", api="rest"):
                print("ID", requests.get(URL, timeout=5).headers["x-amzn-requestid"])
    """,
    "decorator": """
        @Fault("function_error", api="rest")
        def test_ids():
            print("ID", requests.get(URL, timeout=5).headers["x-amzn-requestid"])
    """,
}


@pytest.mark.parametrize("body", list(HAND_MADE.values()), ids=list(HAND_MADE))
def test_hand_made_faults_take_their_ids_from_the_run_seed(
    pytester: pytest.Pytester, body: str
) -> None:
    set_up_inner(pytester)
    pytester.makepyfile(
        test_user_seeded=textwrap.dedent(
            """
            import pytest
            import requests
            from pytest_apigw_faults import Fault

            URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
            """
        )
        + textwrap.dedent(body)
    )

    def ids(seed: str) -> list[str]:
        result = pytester.runpytest("-s", f"--apigw-seed={seed}")
        result.assert_outcomes(passed=1)
        found = [line.split("ID ", 1)[1][:36] for line in result.outlines if "ID " in line]
        assert len(found) == 1
        return found

    assert ids("42") == ids("42")
    assert ids("42") != ids("43")


def test_an_adapter_kept_from_a_stopped_fault_sends_as_usual() -> None:
    session = requests.Session()
    with Fault("function_error", api="rest"):
        adapter = session.get_adapter(API)
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, API, body=b"after")
        response = adapter.send(session.prepare_request(requests.Request("GET", API)))
    assert response.content == b"after"


def test_a_faulted_response_keeps_its_elapsed_through_pickle() -> None:
    import pickle

    with Fault("integration_timeout", api="rest"):
        response = requests.get(API, timeout=60)
    assert pickle.loads(pickle.dumps(response)).elapsed.total_seconds() == 29


def test_the_first_fault_of_a_run_started_by_a_module_fixture_is_not_reported(
    pytester: pytest.Pytester,
) -> None:
    # The bookkeeping of faults left started begins with the run's first
    # fault; here that fault comes from a module-scoped fixture, in the
    # middle of the first test's setup.
    set_up_inner(pytester)
    pytester.makepyfile(
        test_user_first="""
        import pytest
        import requests

        URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"

        @pytest.fixture(scope="module")
        def shared():
            from pytest_apigw_faults import Fault

            fault = Fault("lambda_throttled", api="rest", clients="requests").start()
            yield fault
            fault.stop()

        @pytest.fixture
        def leaky(shared):
            from pytest_apigw_faults import Fault

            return Fault("function_error", api="rest", url=URL + "/leak").start()

        def test_first(shared):
            assert requests.get(URL, timeout=5).status_code == 500

        def test_second(shared):
            assert requests.get(URL, timeout=5).status_code == 500

        def test_leaks(leaky):
            assert requests.get(URL + "/leak", timeout=5).status_code == 502

        def test_after(shared):  # the leak is stopped; the shared fault answers
            assert requests.get(URL + "/leak", timeout=5).status_code == 500
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*test_user_first.py::test_leaks started Fault('function_error'*"])
    result.stdout.no_fnmatch_line("*lambda_throttled*did not stop*")
