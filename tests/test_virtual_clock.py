"""Acceptance tests of issue 13, "Time that never lies": the virtual clock.

Each test writes what a user would write, an inner test module with
``@pytest.mark.apigw_fault(..., virtual_time=True)``, and runs it in a
subprocess bounded in real time, so a clock that hangs (a wait nobody wakes,
a deadline never reached) fails here with a message instead of hanging CI.

The inner modules measure two times:

- virtual time, with ``time.monotonic()`` (and ``loop.time()``) deltas,
  exact to the float precision of a clock reading;
- real time, with a reference to ``time.perf_counter`` taken when the inner
  module is imported, before any clock runs (the clock replaces the module
  attribute, so that reference stays real): nothing may really wait, nor spin.

What they pin:

1. asyncio: ``wait_for``, ``asyncio.timeout`` and ``call_later`` fire at their
   virtual deadlines, also around a faulted httpx or aiohttp call;
2. stdlib waits with a timeout (``as_completed``, ``Queue.get``,
   ``Event.wait``, ``Condition.wait``, ``Thread.join``, ``select``) time out
   in virtual time;
3. threads overlap: calls and sleeps made at once take the longest of them;
4. ``time.sleep`` refuses what the real one refuses, and the clock goes on;
5. a Lambda handler's own sleeps are integration latency, not client backoff;
6. virtual time never outlives its test.
"""

from __future__ import annotations

import sys
import textwrap
import time

import pytest
from support import set_up_inner, warnings_as_errors

pytest.importorskip("time_machine")
pytest.importorskip("pytest_asyncio")

# asyncio.timeout and the builtin TimeoutError these tests pin exist from 3.11
pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="pins Python 3.11's asyncio.timeout and TimeoutError"
)

REAL_PERF = time.perf_counter  # taken at import: stays real whatever the clock patches
INNER_TIMEOUT = 60.0  # real seconds an inner run may take before it counts as hung
EXACT = 1e-6  # a difference of two clock readings of about 1e6 s

# The inner modules' common top: the imports, and the real clock taken at import.
INNER_HEADER = '''
import asyncio
import asyncio.base_events
import concurrent.futures
import math
import queue
import selectors
import socket
import threading
import time

import pytest

REAL_PERF = time.perf_counter  # taken at import, before any clock runs
REAL_MONOTONIC = time.monotonic
REAL_SLEEP = time.sleep
REAL_JOIN = threading.Thread.join
URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
TIMED_OUT = b'{"message": "Endpoint request timed out"}'


def virtual(seconds):
    """A virtual duration, to the float precision of a clock reading."""
    return pytest.approx(seconds, abs=1e-6)


class Timer:
    """The virtual (time.monotonic) and real time passed since it was made."""

    def __init__(self):
        self.monotonic = time.monotonic()
        self.real = REAL_PERF()

    def check(self, seconds):
        assert time.monotonic() - self.monotonic == virtual(seconds)
        real = REAL_PERF() - self.real
        # half the virtual wait (1 s to 5 s): a real wait would pass it, a
        # loaded machine's slow start-up (aiohttp's session, a loop) not
        bound = min(5.0, max(1.0, seconds / 2))
        assert real < bound, f"{real:.2f} s of real time passed: it really waited, or spun"
'''


def run_inner(pytester: pytest.Pytester, *parts: str, passed: int = 1) -> pytest.RunResult:
    """Run ``parts`` (each dedented, after the common header) as an inner test
    module in a subprocess, bounded in real time, and check that its
    ``passed`` tests pass; a failure shows the inner failures."""
    set_up_inner(pytester)
    source = INNER_HEADER + "".join(textwrap.dedent(part) for part in parts)
    pytester.makepyfile(test_inner=source)
    started = REAL_PERF()
    try:
        result = pytester.runpytest_subprocess(
            "-p", "no:randomly", *warnings_as_errors(), "-rA", timeout=INNER_TIMEOUT
        )
    except pytester.TimeoutExpired:
        pytest.fail(
            f"the inner run hung: no result after {INNER_TIMEOUT:.0f} s of real time"
            " (a wait that the virtual clock never ended)",
            pytrace=False,
        )
    took = REAL_PERF() - started
    outcomes = result.parseoutcomes()
    failures = [line for line in result.outlines if line.startswith(("E  ", "FAILED", "ERROR"))]
    assert outcomes == {"passed": passed}, "\n".join(failures or result.outlines)
    assert took < INNER_TIMEOUT
    return result


# 1. asyncio under virtual time --------------------------------------------------


DEADLINES = {
    "wait_for": "await asyncio.wait_for(asyncio.sleep(10), 5)",
    "timeout": "async with asyncio.timeout(5):\n                    await asyncio.sleep(10)",
}


@pytest.mark.parametrize("deadline", DEADLINES)
def test_an_asyncio_deadline_fires_at_its_virtual_time(pytester, deadline):
    run_inner(
        pytester,
        """
        @pytest.mark.asyncio
        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        async def test_deadline(apigw_fault):
            loop = asyncio.get_running_loop()
            start = loop.time()
            timer = Timer()
            with pytest.raises(TimeoutError):
                DEADLINE
            assert loop.time() - start == virtual(5)
            timer.check(5)
            assert apigw_fault.elapsed == virtual(5)
        """.replace("DEADLINE", DEADLINES[deadline]),
    )


def test_call_later_fires_at_its_virtual_deadline(pytester):
    run_inner(
        pytester,
        """
        @pytest.mark.asyncio
        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        async def test_call_later(apigw_fault):
            loop = asyncio.get_running_loop()
            start = loop.time()
            timer = Timer()
            fired = []
            loop.call_later(
                3, lambda: fired.append((loop.time() - start, time.monotonic() - timer.monotonic))
            )
            await asyncio.sleep(2)
            assert fired == []  # not yet: 2 < 3
            await asyncio.sleep(2)
            assert fired == [(virtual(3), virtual(3))]  # at its deadline, not at 4
            assert loop.time() - start == virtual(4)
            timer.check(4)
        """,
    )


ASYNC_CALLS = {
    "httpx": """
        import httpx

        async with httpx.AsyncClient(timeout=60) as client:
            async with asyncio.timeout(BUDGET):
                response = await client.get(URL)
        status, body = response.status_code, response.content
    """,
    "aiohttp": """
        import aiohttp

        async with aiohttp.ClientSession() as session:  # default total timeout: 300 s
            async with asyncio.timeout(BUDGET):
                async with session.get(URL) as response:
                    status, body = response.status, await response.read()
    """,
}


@pytest.mark.parametrize("client", ["httpx", "aiohttp"])
@pytest.mark.parametrize(
    ("budget", "outcome"),
    [
        pytest.param(10, "TimeoutError at 10 s", id="timeout-10-cuts-the-call"),
        pytest.param(40, "504 at 29 s", id="timeout-40-gets-the-504"),
    ],
)
def test_asyncio_timeout_around_a_faulted_call(pytester, client, budget, outcome):
    pytest.importorskip(client)
    pytest.importorskip({"httpx": "respx", "aiohttp": "aioresponses"}[client])
    call = textwrap.dedent(ASYNC_CALLS[client]).replace("BUDGET", str(budget))
    if budget == 10:
        check = """
            with pytest.raises(TimeoutError):
                await call()
            timer.check(10)
            assert apigw_fault.elapsed == virtual(10)
        """
    else:
        check = """
            assert await call() == (504, TIMED_OUT)
            timer.check(29)
            assert apigw_fault.elapsed == virtual(29)
            assert apigw_fault.calls[0].waited == 29
        """
    header = textwrap.dedent(
        """
        @pytest.mark.asyncio
        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        async def test_budget(apigw_fault):
            async def call():
        """
    )
    body = textwrap.indent(call, " " * 8) + "        return status, body\n\n    timer = Timer()\n"
    run_inner(pytester, header + body + textwrap.indent(textwrap.dedent(check), " " * 4))
    assert outcome  # the id says what the inner test checks


# 2. stdlib waits with a timeout ---------------------------------------------------

STDLIB_WAITS = {
    "as_completed": """
        timer = Timer()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            future = pool.submit(lambda: time.sleep(5))
            with pytest.raises(TimeoutError):
                next(concurrent.futures.as_completed([future], timeout=0.2))
            timer.check(0.2)
            assert not future.done()
        timer.check(5)  # leaving the pool waited for its worker's 5 s
        assert future.result() is None
    """,
    "queue_get": """
        timer = Timer()
        with pytest.raises(queue.Empty):
            queue.Queue().get(timeout=3)
        timer.check(3)
    """,
    "event_wait": """
        timer = Timer()
        assert threading.Event().wait(2) is False
        timer.check(2)
    """,
    "condition_wait": """
        condition = threading.Condition()
        timer = Timer()
        with condition:
            assert condition.wait(1.5) is False
        timer.check(1.5)
    """,
    "thread_join": """
        timer = Timer()
        sleeper = threading.Thread(target=lambda: time.sleep(10), daemon=True)
        sleeper.start()
        sleeper.join(timeout=1)
        assert sleeper.is_alive()
        timer.check(1)
        sleeper.join()
        timer.check(10)
    """,
    "selector_select": """
        left, right = socket.socketpair()
        with left, right, selectors.DefaultSelector() as selector:
            selector.register(left, selectors.EVENT_READ)
            timer = Timer()
            assert selector.select(timeout=2) == []
            timer.check(2)
            right.send(b"x")
            ready = selector.select(timeout=2)
            assert [key.fileobj for key, _ in ready] == [left]
            timer.check(2)  # ready at once: no time passes
    """,
}


@pytest.mark.parametrize("wait", list(STDLIB_WAITS))
def test_a_stdlib_wait_times_out_in_virtual_time(pytester, wait):
    header = textwrap.dedent(
        """
        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        def test_wait(apigw_fault):
        """
    )
    run_inner(pytester, header + textwrap.indent(textwrap.dedent(STDLIB_WAITS[wait]), " " * 4))


# 3. Threads overlap -------------------------------------------------------------------


def test_two_threads_calling_at_once_take_29_s_not_58(pytester):
    pytest.importorskip("requests")
    pytest.importorskip("responses")
    run_inner(
        pytester,
        """
        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        def test_overlap(apigw_fault):
            import requests

            results = {}

            def call(name):
                start = time.monotonic()
                response = requests.get(URL, timeout=60)
                results[name] = (response.status_code, time.monotonic() - start)

            timer = Timer()
            threads = [threading.Thread(target=call, args=(name,)) for name in "ab"]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert results == {"a": (504, virtual(29)), "b": (504, virtual(29))}
            assert len(apigw_fault.calls) == 2
            first, second = (call.exchange.arrived_at for call in apigw_fault.calls)
            assert first == second  # both arrived at once
            assert apigw_fault.elapsed == virtual(29)
            timer.check(29)
        """,
    )


def test_a_heartbeat_beats_each_second_of_a_29_s_call(pytester):
    pytest.importorskip("requests")
    pytest.importorskip("responses")
    run_inner(
        pytester,
        """
        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        def test_heartbeat(apigw_fault):
            import requests

            stop = threading.Event()
            beats = []
            timer = Timer()

            def heartbeat():
                while not stop.is_set():
                    beats.append(time.monotonic() - timer.monotonic)
                    time.sleep(1)

            thread = threading.Thread(target=heartbeat, daemon=True)
            thread.start()
            response = requests.get(URL, timeout=60)
            assert response.status_code == 504
            timer.check(29)
            assert apigw_fault.elapsed == virtual(29)
            stop.set()
            thread.join()
            # a beat at 0, 1, ..., 28; at 29 the heartbeat and the answer wake
            # together, so the beat at 29 races stop.set(): either is right
            assert beats[:29] == [virtual(n) for n in range(29)]
            assert beats[29:] in ([], [virtual(29)])
            real = REAL_PERF() - timer.real
            assert real < 5, f"{real:.2f} s of real time: the clock spun or waited"
        """,
    )


def test_a_heartbeat_between_the_seconds_beats_exactly_29_times(pytester):
    pytest.importorskip("requests")
    pytest.importorskip("responses")
    run_inner(
        pytester,
        """
        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        def test_heartbeat(apigw_fault):
            import requests

            stop = threading.Event()
            beats = []
            timer = Timer()

            def heartbeat():
                time.sleep(0.5)
                while not stop.is_set():
                    beats.append(time.monotonic() - timer.monotonic)
                    time.sleep(1)

            thread = threading.Thread(target=heartbeat, daemon=True)
            thread.start()
            response = requests.get(URL, timeout=60)
            assert response.status_code == 504
            timer.check(29)
            assert apigw_fault.elapsed == virtual(29)
            stop.set()
            thread.join()  # the heartbeat wakes at 29.5, sees stop and ends
            assert beats == [virtual(n + 0.5) for n in range(29)]
            timer.check(29.5)
        """,
    )


# 4. Lengths the real sleep refuses ------------------------------------------------------


def test_sleep_refuses_nan_inf_and_huge_as_the_real_one_and_the_clock_goes_on(pytester):
    run_inner(
        pytester,
        """
        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        def test_bad_lengths(apigw_fault):
            for length in (float("nan"), float("inf"), 1e308, -1.0):
                with pytest.raises((ValueError, OverflowError)) as real:
                    REAL_SLEEP(length)  # the real one refuses at once
                with pytest.raises(type(real.value)) as got:
                    time.sleep(length)
                assert type(got.value) is type(real.value), length
                assert str(got.value) == str(real.value), length
                for clock in (time.monotonic, time.perf_counter, time.time):
                    assert math.isfinite(clock()), (length, clock)
            assert apigw_fault.sleeps == []
            assert apigw_fault.elapsed == 0
            timer = Timer()
            wall = time.time()
            time.sleep(1)
            timer.check(1)
            assert time.time() - wall == virtual(1)
            assert apigw_fault.sleeps == [1.0]
            assert apigw_fault.elapsed == 1
        """,
    )


def test_asyncio_sleep_of_inf_waits_for_its_timeout_and_the_clock_goes_on(pytester):
    # The real asyncio.sleep(inf) and sleep(1e308) do not raise: they wait
    # until cancelled (and NaN has no defined behaviour there).
    run_inner(
        pytester,
        """
        @pytest.mark.asyncio
        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        async def test_inf(apigw_fault):
            loop = asyncio.get_running_loop()
            start = loop.time()
            timer = Timer()
            for length in (float("inf"), 1e308):
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(asyncio.sleep(length), 5)
                for clock in (loop.time, time.monotonic, time.perf_counter, time.time):
                    assert math.isfinite(clock()), (length, clock)
            assert loop.time() - start == virtual(10)
            timer.check(10)
            await asyncio.sleep(1)
            timer.check(11)
        """,
    )


# 5. A Lambda handler's own time ------------------------------------------------------------

HANDLERS = """
def sleeps_5(event, context):
    time.sleep(5)
    return {"statusCode": 200, "body": "ok"}


def sleeps(seconds):
    def handler(event, context):
        time.sleep(seconds)
        return {"statusCode": 200, "body": "too late"}

    return handler


def report(call):
    line = call.lambda_log.splitlines()[-1]
    assert line.startswith("REPORT RequestId: "), call.lambda_log
    return line.split("\\t")[1:3]
"""


def test_a_handler_sleeping_5_s_is_5_s_of_integration_latency_not_backoff(pytester):
    pytest.importorskip("requests")
    pytest.importorskip("responses")
    run_inner(
        pytester,
        HANDLERS,
        """
        @pytest.mark.apigw_fault(
            handler=sleeps_5, api="rest", function_timeout=10, virtual_time=True
        )
        def test_slow_handler(apigw_fault):
            import requests

            timer = Timer()
            response = requests.get(URL, timeout=60)
            assert (response.status_code, response.content) == (200, b"ok")
            assert apigw_fault.sleeps == []  # the Lambda's time, not the client's backoff
            assert response.elapsed.total_seconds() == virtual(5)
            assert apigw_fault.elapsed == virtual(5)
            assert apigw_fault.calls[0].waited == virtual(5)
            assert report(apigw_fault.calls[0]) == [
                "Duration: 5000.00 ms", "Billed Duration: 5000 ms"
            ]
            timer.check(5)
        """,
    )


def test_a_handler_sleeping_5_s_with_a_handler_duration_of_2_takes_7(pytester):
    pytest.importorskip("requests")
    pytest.importorskip("responses")
    run_inner(
        pytester,
        HANDLERS,
        """
        @pytest.mark.apigw_fault(
            handler=sleeps_5, api="rest", function_timeout=10, handler_duration=2, virtual_time=True
        )
        def test_slow_handler(apigw_fault):
            import requests

            timer = Timer()
            response = requests.get(URL, timeout=60)
            assert (response.status_code, response.content) == (200, b"ok")
            assert apigw_fault.sleeps == []
            assert response.elapsed.total_seconds() == virtual(7)
            assert apigw_fault.elapsed == virtual(7)
            assert report(apigw_fault.calls[0]) == [
                "Duration: 7000.00 ms", "Billed Duration: 7000 ms"
            ]
            timer.check(7)
        """,
    )


def test_a_handler_sleeping_40_s_on_rest_is_the_504_at_29_s(pytester):
    pytest.importorskip("requests")
    pytest.importorskip("responses")
    run_inner(
        pytester,
        HANDLERS,
        """
        @pytest.mark.apigw_fault(
            handler=sleeps(40), api="rest", function_timeout=60, virtual_time=True
        )
        def test_slow_handler(apigw_fault):
            import requests

            timer = Timer()
            response = requests.get(URL, timeout=60)
            assert (response.status_code, response.content) == (504, TIMED_OUT)
            assert apigw_fault.calls[0].scenario.name == "integration_timeout"
            assert apigw_fault.sleeps == []
            assert response.elapsed.total_seconds() == virtual(29)
            assert apigw_fault.elapsed == virtual(29)
            timer.check(29)
        """,
    )


def test_a_handler_sleeping_past_its_function_timeout_is_a_function_timeout(pytester):
    pytest.importorskip("requests")
    pytest.importorskip("responses")
    run_inner(
        pytester,
        HANDLERS,
        """
        @pytest.mark.apigw_fault(
            handler=sleeps(10), api="rest", function_timeout=5, virtual_time=True
        )
        def test_slow_handler(apigw_fault):
            import requests

            timer = Timer()
            response = requests.get(URL, timeout=60)
            assert (response.status_code, response.content) == (
                502, b'{"message": "Internal server error"}'
            )
            call = apigw_fault.calls[0]
            assert call.scenario.name == "function_timeout"
            assert "Task timed out after 5.00 seconds" in apigw_fault.logs[0]
            assert call.lambda_log.splitlines()[-1].endswith("\\tStatus: timeout")
            assert report(call) == ["Duration: 5000.00 ms", "Billed Duration: 5000 ms"
            ]
            assert apigw_fault.sleeps == []
            assert response.elapsed.total_seconds() == virtual(5)
            assert apigw_fault.elapsed == virtual(5)
            timer.check(5)
        """,
    )


# 6. Virtual time never outlives its test ---------------------------------------------------


def test_a_session_loops_timer_fires_a_real_second_after_a_virtual_test(pytester):
    run_inner(
        pytester,
        """
        STATE = {}


        @pytest.mark.asyncio(loop_scope="session")
        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        async def test_1_schedules_a_timer_on_virtual_time(apigw_fault):
            await asyncio.sleep(100)  # the virtual clock is 100 s ahead now
            loop = asyncio.get_running_loop()
            fired = loop.create_future()
            loop.call_later(1, lambda: fired.set_result(REAL_PERF()))
            STATE["fired"], STATE["scheduled"] = fired, REAL_PERF()


        @pytest.mark.asyncio(loop_scope="session")
        async def test_2_the_timer_fires_a_real_second_after_it_was_set():
            fired_at = await asyncio.wait_for(STATE["fired"], 10)  # 10 real seconds at most
            assert 0.9 <= fired_at - STATE["scheduled"] < 3
        """,
        passed=2,
    )


def test_a_thread_left_sleeping_by_a_virtual_test_goes_on_in_real_time(pytester):
    run_inner(
        pytester,
        """
        STATE = {"errors": []}


        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        def test_1_leaves_a_thread_sleeping(apigw_fault):
            def sleeper():
                try:
                    time.sleep(1)
                    STATE["woke"] = (REAL_PERF(), time.monotonic(), REAL_MONOTONIC())
                except BaseException as error:
                    STATE["errors"].append(repr(error))
                    raise

            STATE["thread"] = thread = threading.Thread(target=sleeper, daemon=True)
            thread.start()
            STATE["left"] = REAL_PERF()


        def test_2_the_thread_wakes_a_real_second_later():
            thread = STATE["thread"]
            REAL_JOIN(thread, 10)
            assert not thread.is_alive(), "the thread left sleeping never woke"
            assert STATE["errors"] == []
            woke, monotonic, real_monotonic = STATE["woke"]
            assert 0.5 <= woke - STATE["left"] < 3  # the rest of its second, in real time
            assert abs(monotonic - real_monotonic) < 0.5  # its clock is the real one again
        """,
        passed=2,
    )


def test_every_function_the_clock_replaced_is_the_original_again(pytester):
    pytest.importorskip("requests")
    pytest.importorskip("responses")
    run_inner(
        pytester,
        """
        import _thread
        import concurrent.futures._base
        import contextlib

        import time_machine

        WATCHED = [
            time, asyncio, asyncio.tasks, asyncio.events, asyncio.base_events, threading,
            _thread, queue, selectors, concurrent.futures, concurrent.futures._base,
            asyncio.base_events.BaseEventLoop, asyncio.Task, asyncio.Future, threading.Event,
            threading.Condition, threading.Thread, threading.Timer, threading.Barrier,
            threading.Semaphore, queue.Queue, queue.SimpleQueue,
            *(getattr(selectors, name) for name in dir(selectors) if name.endswith("Selector")),
        ]


        def functions():
            return {
                f"{getattr(owner, '__name__', owner)}.{name}": value
                for owner in WATCHED
                for name, value in vars(owner).items()
                if callable(value) or isinstance(value, (staticmethod, classmethod))
                if name != "excepthook"  # pytest's own, set per test on older pytest
            }


        ORIGINALS = functions()


        @pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
        def test_1_uses_virtual_time_everywhere(apigw_fault):
            import requests

            # what each of these gives is pinned by the other tests: here
            # they only make the clock replace whatever it replaces
            def work():
                time.sleep(2)
                threading.Event().wait(0.01)
                with contextlib.suppress(queue.Empty):
                    queue.Queue().get(timeout=0.01)

            thread = threading.Thread(target=work)
            thread.start()
            requests.get(URL, timeout=60)

            async def main():
                loop = asyncio.get_running_loop()
                loop.call_later(1, lambda: None)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.sleep(10), 5)

            asyncio.run(main())
            thread.join()
            assert apigw_fault.elapsed > 0


        def test_2_everything_is_real_again():
            now = functions()
            changed = {name for name, value in now.items() if ORIGINALS.get(name) is not value}
            assert sorted(changed) == []
            assert not time_machine.escape_hatch.is_travelling()
            before, real_before = time.monotonic(), REAL_PERF()
            REAL_SLEEP(0.05)
            assert time.monotonic() - before == pytest.approx(REAL_PERF() - real_before, abs=0.01)
        """,
        passed=2,
    )
