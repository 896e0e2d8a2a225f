"""Virtual time, tried as a demanding user would: real libraries' waits
mixed across threads and event loops. Each scenario runs in a daemon thread
joined with a real timeout taken before any clock patches anything, so a
hang fails the test instead of hanging the run."""

from __future__ import annotations

import _thread
import asyncio
import time
from collections.abc import Callable

import pytest

from pytest_apigw_faults import Fault

pytest.importorskip("time_machine")

#: Real seconds a scenario may take before it counts as hung.
BOUND = 10.0


def bounded(scenario: Callable[[], object]) -> object:
    """``scenario()`` in a daemon thread (started from ``_thread``, so before
    and outside any clock), its result or its exception; fails if it has
    not ended within :data:`BOUND` real seconds."""
    done = _thread.allocate_lock()
    done.acquire()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = scenario()
        except BaseException as error:  # handed back to the test's thread
            outcome["error"] = error
        finally:
            done.release()

    _thread.start_new_thread(run, ())
    if not done.acquire(True, BOUND):
        pytest.fail(f"the scenario hung for {BOUND} real seconds")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]


def on_virtual_time(body: Callable[[], object]) -> Callable[[], object]:
    def scenario() -> object:
        with Fault("function_error", api="rest", virtual_time=True):
            return body()

    return scenario


def test_an_event_loop_timer_later_than_a_worker_threads_sleep_fires():
    # the loop waits 5 s on its selector while a worker thread sleeps 4 s
    async def main() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.gather(asyncio.sleep(5), asyncio.to_thread(time.sleep, 4))
        return loop.time() - start

    elapsed = bounded(on_virtual_time(lambda: asyncio.run(main())))
    assert elapsed == pytest.approx(5.0, abs=1e-6)


def test_a_child_process_runs_on_the_real_clock_so_its_timeout_is_real():
    # a child of 0.3 real seconds, given 5: a virtual timeout fired first
    import subprocess

    def body() -> tuple[bytes, float]:
        start = time.monotonic()
        run = subprocess.run(
            ["sh", "-c", "sleep 0.3; echo done"], timeout=5, capture_output=True, check=True
        )
        waited = subprocess.run(["sleep", "0.3"], timeout=5, check=True)
        assert waited.returncode == 0
        return run.stdout, time.monotonic() - start

    stdout, elapsed = bounded(on_virtual_time(body))  # type: ignore[misc]
    assert stdout == b"done\n"
    assert elapsed == 0.0  # the test's time held still while it waited
