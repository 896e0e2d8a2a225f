"""Which clients a fault answers, and what happens when a backend is missing."""

from __future__ import annotations

import itertools
import time

import httpx
import pytest
import requests
import responses
import respx
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pytest_apigw_faults import ApigwFaultError, ApigwFaultWarning, Fault
from pytest_apigw_faults._core import fault as fault_module
from pytest_apigw_faults._core.options import CLIENTS

API = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


def _pretend_missing(monkeypatch: pytest.MonkeyPatch, *missing: str) -> None:
    real = fault_module._installed
    monkeypatch.setattr(fault_module, "_installed", lambda name: name not in missing and real(name))


def test_only_the_named_client_is_faulted() -> None:
    with respx.mock(assert_all_called=True) as router, Fault(
        "function_error", api="rest", clients="requests"
    ) as fault:
        router.get(API).respond(200, json={"ok": True})
        assert requests.get(API, timeout=5).status_code == 502
        assert httpx.get(API).status_code == 200
    assert fault.clients == ("requests",)
    assert [call.client for call in fault.calls] == ["requests"]


def test_a_named_client_without_its_backend_is_an_error_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _pretend_missing(monkeypatch, "respx")
    with pytest.raises(ApigwFaultError) as error:
        Fault("function_error", api="http", clients=["httpx"]).start()
    assert str(error.value) == (
        "client 'httpx' needs httpx and respx, but respx is not installed:"
        " pip install 'pytest-apigw-faults[httpx]'"
    )


def test_a_named_client_that_is_not_installed_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    _pretend_missing(monkeypatch, "requests", "responses")
    with pytest.raises(ApigwFaultError, match=r"requests and responses are not installed: pip"
                       r" install 'pytest-apigw-faults\[requests\]'"):
        Fault("function_error", api="rest", clients="requests").start()


def test_an_installed_client_without_backend_warns_and_the_other_is_faulted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _pretend_missing(monkeypatch, "responses")
    with pytest.warns(ApigwFaultWarning, match=r"requests is installed but responses is not"
                      r".*pytest-apigw-faults\[requests\]"):
        fault = Fault("function_error", api="http").start()
    try:
        others = tuple(
            client
            for client in ("httpx", "aiohttp")
            if all(fault_module._installed(module) for module in (client, CLIENTS[client][0]))
        )
        assert fault.clients == others
        assert httpx.get(API).status_code == 500
    finally:
        fault.stop()


def test_no_usable_client_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _pretend_missing(monkeypatch, *CLIENTS)
    with pytest.raises(ApigwFaultError, match=r"no supported HTTP client is installed"):
        Fault("function_error", api="http").start()


def test_unknown_client_names_the_choices() -> None:
    with pytest.raises(ApigwFaultError, match=r"unknown client 'urllib'; valid choices:"
                       r" 'requests', 'httpx'"):
        Fault("function_error", api="http", clients="urllib")


class TimeoutAdapter(HTTPAdapter):
    """A common pattern: an adapter that gives every request a default timeout."""

    def __init__(self, timeout: float, **kwargs: object) -> None:
        self.timeout = timeout
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def test_the_users_adapter_subclass_still_runs() -> None:
    session = requests.Session()
    session.mount("https://", TimeoutAdapter(timeout=7))
    with Fault("integration_timeout", api="rest") as fault:
        with pytest.raises(requests.exceptions.ReadTimeout, match=r"read timeout=7\)"):
            session.get(API)
    assert len(fault.calls) == 1
    assert fault.calls[0].timed_out
    assert isinstance(fault.calls[0].exception, requests.exceptions.ReadTimeout)
    assert fault.calls[0].elapsed == 7


def test_the_users_adapter_retries_and_its_state_are_its_own() -> None:
    adapter = TimeoutAdapter(timeout=60, max_retries=Retry(total=2, status_forcelist=[502]))
    session = requests.Session()
    session.mount("https://", adapter)
    with Fault("function_error", api="rest") as fault:
        with pytest.raises(requests.exceptions.RetryError):
            session.get(API)
    assert len(fault.calls) == 3
    assert type(session.get_adapter(API)) is TimeoutAdapter
    assert session.get_adapter(API) is adapter


def test_a_custom_non_http_adapter_is_left_alone() -> None:
    class Canned(requests.adapters.BaseAdapter):
        def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
            response = requests.Response()
            response.status_code = 299
            response.request = request
            return response

        def close(self) -> None:
            pass

    session = requests.Session()
    session.mount("https://", Canned())
    with Fault("function_error", api="rest") as fault:
        assert session.get(API).status_code == 299
    assert fault.calls == []


class RetryingTransport(httpx.BaseTransport):
    """A user's retry layer that wraps httpx's own transport."""

    def __init__(self, attempts: int) -> None:
        self.attempts = attempts
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(self.attempts - 1):
            response = self.inner.handle_request(request)
            if response.status_code not in (500, 502, 503, 504):
                return response
            response.close()
        return self.inner.handle_request(request)


class AsyncRetryingTransport(httpx.AsyncBaseTransport):
    def __init__(self, attempts: int) -> None:
        self.attempts = attempts
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(self.attempts - 1):
            response = await self.inner.handle_async_request(request)
            if response.status_code not in (500, 502, 503, 504):
                return response
            await response.aclose()
        return await self.inner.handle_async_request(request)


def test_an_httpx_transport_that_wraps_httptransport_retries_against_the_fault() -> None:
    with Fault("lambda_throttled", api="http") as fault, httpx.Client(
        transport=RetryingTransport(attempts=3)
    ) as client:
        response = client.get(API)
    assert response.status_code == 503
    assert len(fault.calls) == 3
    assert response is fault.calls[-1].response
    # elapsed adds up the gateway time of the three attempts
    assert response.elapsed.total_seconds() == pytest.approx(3 * 0.173)


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
@pytest.mark.asyncio
async def test_an_async_transport_wrapper_retries_against_the_fault() -> None:
    with Fault("function_error", api="rest", times=2) as fault:
        with respx.mock(assert_all_called=True) as router:
            router.get(API).respond(200, json={"orders": []})
            async with httpx.AsyncClient(transport=AsyncRetryingTransport(attempts=3)) as client:
                response = await client.get(API)
    assert response.status_code == 200
    assert [call.scenario.status for call in fault.calls] == [502, 502]


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
def test_a_decorated_function_gets_a_fresh_activation_each_call() -> None:
    fault = Fault("function_error", api="rest", times=1)

    @fault
    def fetch_twice() -> list[int]:
        with respx.mock(assert_all_called=False) as router:
            router.get(API).respond(200)
            return [httpx.get(API).status_code for _ in range(2)]

    assert fetch_twice() == [502, 200]
    assert fetch_twice() == [502, 200]
    assert len(fault.calls) == 1


@pytest.mark.asyncio
async def test_an_async_decorated_function() -> None:
    @Fault("lambda_throttled", api="http")
    async def fetch() -> int:
        async with httpx.AsyncClient() as client:
            return (await client.get(API)).status_code

    assert await fetch() == 503


def _retrying_session(retry: Retry) -> requests.Session:
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def test_timeouts_and_statuses_share_one_retry_count() -> None:
    # a 502 first, then read timeouts: urllib3 makes total + 1 = 3 attempts
    session = _retrying_session(Retry(total=2, status_forcelist=[502]))
    with Fault("integration_timeout", api="rest") as timeout_fault:
        with Fault("function_error", api="rest", times=1) as error_fault:
            with pytest.raises(requests.exceptions.ConnectionError, match="Read timed out"):
                session.get(API, timeout=5)
    assert len(error_fault.calls) + len(timeout_fault.calls) == 3
    assert [c.timed_out for c in timeout_fault.calls] == [True, True]


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
def test_a_pass_through_mid_retry_keeps_the_retries_left() -> None:
    session = _retrying_session(Retry(total=2, status_forcelist=[502], raise_on_status=False))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, API, status=502, body=b"user 502")
        with Fault("function_error", api="rest", times=1) as fault:
            response = session.get(API, timeout=5)
        user_calls = len(mock.calls)
    assert response.content == b"user 502"
    assert len(fault.calls) == 1
    assert user_calls == 2  # 3 attempts in all, not 1 + 3


def test_backoff_is_not_slept_but_counted_as_time_passing() -> None:
    retry = Retry(total=3, status_forcelist=[500], backoff_factor=10, raise_on_status=False)
    session = _retrying_session(retry)
    started = time.monotonic()
    with Fault("lambda_throttled", api="rest") as fault:
        response = session.get(API, timeout=5)
    assert time.monotonic() - started < 5
    assert len(fault.calls) == 4
    # urllib3 2 backs off 0 s, then 10 * 2 = 20 s, then 40 s, between the attempts
    assert response.elapsed.total_seconds() == pytest.approx(4 * 0.105 + 0 + 20 + 40)
    arrivals = [call.exchange.arrived_at for call in fault.calls]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert gaps == pytest.approx([0.105, 20.105, 40.105], abs=0.5)


def test_the_ini_key_names_the_clients_faults_answer(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\napigw_fault_clients = httpx\n"
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.apigw_fault("function_error", api="rest")
        def test_only_httpx(apigw_fault):
            assert apigw_fault.fault.clients == ("httpx",)

        def test_inject_can_still_name_others(apigw_fault):
            assert apigw_fault.inject("function_error", api="rest", clients="requests").clients == (
                "requests",
            )
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_a_bad_ini_clients_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "apigw_fault_clients = httpx urllib\n"
    )
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: apigw_fault_clients in the ini file: unknown client 'urllib';"
            f" valid choices: {', '.join(repr(client) for client in CLIENTS)}"
        ]
    )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
@pytest.mark.apigw_fault("lambda_throttled", api="rest")
async def test_anyio_test_with_the_marker(apigw_fault) -> None:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient() as client:
        responses_ = [await client.get(API) for _ in range(2)]
    assert [r.status_code for r in responses_] == [500, 500]
    assert [c.response for c in apigw_fault.calls] == responses_
