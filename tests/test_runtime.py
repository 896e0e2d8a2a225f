"""The runtime a fault starts in, generators under ``@Fault``, and threads.

- each pytest run has a runtime of its own, in force while it runs; outside
  pytest a default one serves (test_reimport.py covers in-process runs
  inside in-process runs);
- a decorated generator (sync or async) is faulted while it runs, at every
  resume, and not between them, when its consumer runs;
- threads that start faults, inject them or ask for the fixture's server at
  once get one server and unique ids.

Every test starts and ends with the real clients and no server thread.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from support import assert_untouched, server_threads, set_up_inner

from pytest_apigw_faults import ApigwFault, Fault
from pytest_apigw_faults._core import runtime

requests = pytest.importorskip("requests")
responses = pytest.importorskip("responses")

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


@pytest.fixture(autouse=True)
def _untouched() -> Iterator[None]:
    assert_untouched()
    yield
    assert_untouched()


@pytest.fixture
def user_mock() -> Iterator[Any]:
    """The user's own mock: it answers what no fault answers, with 200."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, URL, body=b"user")
        yield mock


def status() -> int:
    return int(requests.get(URL, timeout=5).status_code)


@pytest.fixture
def many_switches() -> Iterator[None]:
    """Threads switch as often as they can: races show."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


# -- the runtime in force -------------------------------------------------------


def test_a_pytest_run_has_its_runtime_in_force(pytestconfig: pytest.Config) -> None:
    from pytest_apigw_faults import plugin

    ours = pytestconfig.stash[plugin._RUN].open()
    assert runtime.current() is ours
    assert ours is not runtime.board().default
    with Fault("function_error", api="rest", clients="requests") as fault:
        assert ours.faults == (fault,)
        assert runtime.board().default.faults == ()
        assert ours.users("requests") == 1


def test_outside_pytest_the_default_runtime_serves() -> None:
    script = textwrap.dedent(
        f"""
        import requests
        from pytest_apigw_faults import Fault
        from pytest_apigw_faults._core import runtime

        assert runtime.current() is runtime.board().default
        with Fault("function_error", api="rest", clients="requests") as fault:
            assert runtime.current().faults == (fault,)
            assert requests.get({URL!r}, timeout=5).status_code == 502
        assert runtime.board().installed == {{}}
        assert requests.Session.get_adapter.__module__ == "requests.sessions"
        print("done")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "done\n"


def test_a_client_imported_while_a_fault_is_started_is_faulted_from_its_import() -> None:
    # A fault for every client installs only the backends of the clients
    # imported when it starts; httpx and aiohttp, imported later, get theirs
    # on import, and nothing of them stays once the fault stops.
    pytest.importorskip("respx")
    pytest.importorskip("aioresponses")
    script = textwrap.dedent(
        f"""
        import asyncio
        import sys

        import requests
        from pytest_apigw_faults import Fault
        from pytest_apigw_faults._core import runtime

        with Fault("function_error", api="rest") as fault:
            assert fault.clients == ("requests", "httpx", "aiohttp"), fault.clients
            assert "httpx" not in sys.modules and "respx" not in sys.modules
            assert list(runtime.board().installed) == [requests.Session]
            assert requests.get({URL!r}, timeout=5).status_code == 502
            import httpx

            assert httpx.__spec__.loader is httpx.__loader__
            assert type(httpx.__loader__).__name__ == "SourceFileLoader"
            assert httpx.get({URL!r}).status_code == 502
            import aiohttp

            async def get():
                async with aiohttp.ClientSession() as session:
                    async with session.get({URL!r}) as response:
                        return response.status

            assert asyncio.run(get()) == 502
            assert len(fault.calls) == 3
        assert runtime.board().installed == {{}}
        assert runtime.board().imports is None
        assert not any(type(f).__name__ == "ClientImports" for f in sys.meta_path)
        assert httpx.HTTPTransport.handle_request.__module__ == "httpx._transports.default"
        print("done")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "done\n"


THREADED_AND_LEFT = """
import threading

import requests
from pytest_apigw_faults import Fault

URL = {url!r}


def test_starts_one_in_a_thread_and_leaves_it():
    started = []
    thread = threading.Thread(
        target=lambda: started.append(Fault("function_error", api="rest").start())
    )
    thread.start()
    thread.join()
    assert requests.get(URL, timeout=5).status_code == 502


def test_next():
    assert requests.Session.get_adapter.__module__ == "requests.sessions"
"""


def test_a_fault_a_tests_thread_starts_belongs_to_the_test(pytester: pytest.Pytester) -> None:
    set_up_inner(pytester)
    pytester.makepyfile(test_user_threads=THREADED_AND_LEFT.format(url=URL))
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*test_starts_one_in_a_thread_and_leaves_it*did not stop it*"])


def test_closing_a_runtime_stops_its_faults_and_lets_go_of_the_clock() -> None:
    pytest.importorskip("time_machine")
    import time

    patchboard = runtime.board()
    mine = patchboard.open("a run")
    try:
        assert runtime.current() is mine
        fault = Fault("function_error", api="rest", clients="requests").start()
        assert mine.faults == (fault,)
        mine.hold_clock("a fixture")
        assert patchboard.clock is not None
        assert time.sleep.__module__ == "pytest_apigw_faults._core.waits"
    finally:
        mine.close()
    assert not fault.started
    assert patchboard.clock is None
    assert time.sleep.__module__ == "time"
    assert mine not in patchboard.runtimes
    assert runtime.current() is not mine


# -- generators -----------------------------------------------------------------


def test_a_decorated_generator_is_faulted_at_each_step_and_not_between(user_mock: Any) -> None:
    fault = Fault("function_error", api="rest", clients="requests")

    @fault
    def pages() -> Iterator[int]:
        for _ in range(3):
            yield status()

    seen = []
    for page in pages():
        seen.append((page, status(), fault.started))
    assert seen == [(502, 200, False)] * 3
    assert len(fault.calls) == 3  # the generator's whole run counts
    assert not fault.started
    assert [page for page in pages()] == [502] * 3  # a new run begins afresh
    assert len(fault.calls) == 3


@pytest.mark.usefixtures("strict_off")  # times=N lets later calls pass
def test_times_count_over_a_decorated_generator_s_whole_run(user_mock: Any) -> None:
    @Fault("function_error", api="rest", clients="requests", times=2)
    def pages() -> Iterator[int]:
        for _ in range(3):
            yield status()

    assert list(pages()) == [502, 502, 200]
    assert list(pages()) == [502, 502, 200]


def test_a_decorated_generator_takes_send_throw_close_and_returns() -> None:
    fault = Fault("function_error", api="rest", clients="requests")
    log: list[Any] = []

    @fault
    def echo() -> Iterator[Any]:
        try:
            received = yield status()
            while True:
                log.append(("got", received, fault.started))
                try:
                    received = yield received
                except ValueError as error:
                    log.append(("caught", str(error), fault.started))
                    received = yield "recovered"
        finally:
            log.append(("closed", fault.started))

    steps = echo()
    assert next(steps) == 502
    assert steps.send("a") == "a"
    assert not fault.started
    assert steps.throw(ValueError("boom")) == "recovered"
    assert steps.send("b") == "b"
    steps.close()
    assert log == [
        ("got", "a", True),
        ("caught", "boom", True),
        ("got", "b", True),
        ("closed", True),
    ]
    assert not fault.started

    @fault
    def returns() -> Iterator[int]:
        yield 1
        return 7

    def delegate() -> Iterator[int]:
        result = yield from returns()
        log.append(("returned", result, fault.started))

    assert list(delegate()) == [1]
    assert log[-1] == ("returned", 7, False)


def test_a_decorated_generator_that_raises_stops_its_fault() -> None:
    fault = Fault("function_error", api="rest", clients="requests")

    @fault
    def broken() -> Iterator[int]:
        yield 1
        raise KeyError("inside")

    steps = broken()
    assert next(steps) == 1
    with pytest.raises(KeyError, match="inside"):
        next(steps)
    assert not fault.started


@pytest.mark.asyncio
async def test_a_decorated_async_generator_is_faulted_at_each_step_and_not_between(
    user_mock: Any,
) -> None:
    fault = Fault("function_error", api="rest", clients="requests")

    @fault
    async def pages() -> AsyncIterator[int]:
        for _ in range(3):
            await asyncio.sleep(0)
            yield status()

    seen = [(page, status(), fault.started) async for page in pages()]
    assert seen == [(502, 200, False)] * 3
    assert len(fault.calls) == 3


@pytest.mark.asyncio
async def test_a_decorated_async_generator_takes_asend_athrow_and_aclose() -> None:
    fault = Fault("function_error", api="rest", clients="requests")
    log: list[Any] = []

    @fault
    async def echo() -> AsyncIterator[Any]:
        try:
            received = yield status()
            while True:
                log.append(("got", received, fault.started))
                try:
                    received = yield received
                except ValueError:
                    log.append(("caught", fault.started))
                    received = yield "recovered"
        finally:
            await asyncio.sleep(0)
            log.append(("closed", fault.started))

    steps = echo()
    assert await steps.asend(None) == 502
    assert await steps.asend("a") == "a"
    assert not fault.started
    assert await steps.athrow(ValueError("boom")) == "recovered"
    await steps.aclose()
    assert log == [("got", "a", True), ("caught", True), ("closed", True)]
    assert not fault.started


def test_two_decorated_generators_interleaved_keep_the_fault_exact(user_mock: Any) -> None:
    fault = Fault("function_error", api="rest", clients="requests")

    @fault
    def pages() -> Iterator[int]:
        yield status()
        yield status()

    first, second = pages(), pages()
    assert [next(first), next(second), status(), next(first), next(second)] == [
        502,
        502,
        200,
        502,
        502,
    ]
    assert not fault.started
    first.close()
    second.close()
    assert not fault.started


# -- threads ------------------------------------------------------------------------


def test_threads_asking_for_the_server_at_once_get_one(many_switches: None) -> None:
    fixture = ApigwFault(seed="threads", runtime=runtime.current())
    barrier = threading.Barrier(16)

    def server() -> Any:
        barrier.wait()
        return fixture.server

    try:
        with ThreadPoolExecutor(16) as pool:
            servers = list(pool.map(lambda _: server(), range(16)))
        assert len({id(s) for s in servers}) == 1
        assert len(server_threads()) == 1
    finally:
        fixture._stop()


def test_threads_injecting_at_once_get_unique_ids(many_switches: None) -> None:
    fixture = ApigwFault(seed="threads", runtime=runtime.current())
    barrier = threading.Barrier(8)

    def inject(n: int) -> str:
        barrier.wait()
        url = f"https://abc123def{n}.execute-api.us-east-1.amazonaws.com/prod/x"
        fixture.inject("function_error", api="rest", clients="requests", url=url)
        return str(requests.get(url, timeout=5).headers["x-amzn-requestid"])

    try:
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(inject, range(8)))
    finally:
        fixture._stop()
    assert len(set(ids)) == 8
    assert len(fixture.faults) == 8


def test_threads_starting_faults_at_once_get_unique_ids(many_switches: None) -> None:
    current = runtime.current()
    current.seed_faults_from("threads")
    barrier = threading.Barrier(16)
    faults = [
        Fault("function_error", api="rest", clients="requests", url=f"{URL}/{n}")
        for n in range(16)
    ]

    def start(fault: Fault) -> str:
        barrier.wait()
        with fault:
            return str(requests.get(f"{URL}/{faults.index(fault)}", timeout=5).headers[
                "x-amzn-requestid"
            ])

    try:
        with ThreadPoolExecutor(16) as pool:
            ids = list(pool.map(start, faults))
    finally:
        current.seed_faults_from(None)
    assert len(set(ids)) == 16


def test_threads_starting_one_fault_at_once_count_each_start(many_switches: None) -> None:
    fault = Fault("function_error", api="rest", clients="requests")
    barrier = threading.Barrier(16)

    def start_and_call(_: int) -> int:
        barrier.wait()
        fault.start()
        return status()

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(start_and_call, range(16)))
    assert statuses == [502] * 16
    assert fault._activations == 16
    for _ in range(15):
        fault.stop()
    assert fault.started
    fault.stop()
    assert not fault.started


def test_an_httpx_patch_of_ours_the_patchboard_does_not_know_is_refused_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("httpx")
    pytest.importorskip("respx")
    from pytest_apigw_faults import ApigwFaultError

    with Fault("function_error", api="rest", clients="httpx"):
        monkeypatch.setattr(runtime, "_BOARD", runtime.Patchboard())
        with pytest.raises(ApigwFaultError, match="patched by pytest-apigw-faults, but not"):
            Fault("lambda_throttled", api="http", clients="httpx").start()
        assert runtime.board().installed == {}
        monkeypatch.undo()
