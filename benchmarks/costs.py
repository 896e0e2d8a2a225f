#!/usr/bin/env python
"""What the plugin costs a test that uses no fault, and a fault's start and stop.

A measurement, not a test: run it with the project's interpreter,

    .venv/bin/python benchmarks/costs.py [--tests N] [--rounds N] [--starts N]

* **Per test, no fault**: pytest runs N trivial tests in a subprocess, with
  the plugin loaded and with ``-p no:apigw_faults``, in interleaved rounds. A
  conftest times pytest's run-test loop alone (not start-up), so the figure is
  what every test of a project that merely has the plugin installed pays.
* **Per start/stop**: ``Fault(...).start(); .stop()`` for each client set,
  against the bare mock it is built on (``responses.RequestsMock`` started and
  stopped; ``respx.mock`` likewise), in this process (which imports every
  client, so every backend is installed).
* **Per start/stop, requests only**: in a subprocess that imports requests
  and no other client (a test suite that uses requests), a fault for the
  default clients (every installed one) against bare ``responses``: the
  backends of clients that are not imported are not installed.

Every figure is a median over rounds; the two sides of a comparison run
alternately. Nothing touches the network.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

LOOP_TIMER = """
import json, os, time

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        with open(os.environ["APIGW_BENCH_OUT"], "w") as out:
            seconds = time.perf_counter() - start
            json.dump({"seconds": seconds, "tests": session.testscollected}, out)
"""


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def per_test(tests: int, rounds: int) -> tuple[float, float]:
    """Median µs per trivial test without and with the plugin loaded."""
    with tempfile.TemporaryDirectory(prefix="apigw-costs-") as tmp:
        root = Path(tmp)
        (root / "conftest.py").write_text(LOOP_TIMER)
        (root / "pytest.ini").write_text("[pytest]\n")
        body = "".join(f"def test_{i}():\n    pass\n\n\n" for i in range(tests))
        (root / "test_many.py").write_text(body)
        out = root / "loop.json"
        env = {**_clean_env(), "APIGW_BENCH_OUT": str(out)}
        base = [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-p", "no:randomly", "-p", "no:xdist", "test_many.py",
        ]

        def once(extra: list[str]) -> float:
            subprocess.run(
                [*base, *extra], cwd=tmp, env=env, check=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            result = json.loads(out.read_text())
            assert result["tests"] == tests, result
            return float(result["seconds"]) / tests * 1e6

        without = ["-p", "no:apigw_faults"]
        once(without)
        once([])
        plain: list[float] = []
        plugged: list[float] = []
        for r in range(rounds):
            sides = [(plain, without), (plugged, [])]
            for bucket, extra in sides if r % 2 == 0 else reversed(sides):
                bucket.append(once(extra))
    return statistics.median(plain), statistics.median(plugged)


def _timed(action: Callable[[], None], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        action()
    return (time.perf_counter() - start) / n * 1e6


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def start_stop(starts: int, rounds: int) -> list[tuple[str, float, str, float]]:
    """(fault side, µs, bare side, µs) per client set, medians over rounds."""
    from pytest_apigw_faults import Fault

    rows: list[tuple[str, Callable[[], None], str, Callable[[], None] | None]] = []

    def fault_cycle(clients: str | None) -> Callable[[], None]:
        fault = Fault("function_error", api="rest", clients=clients, seed="bench")

        def cycle() -> None:
            fault.start()
            fault.stop()

        return cycle

    if _installed("responses"):
        import responses

        def bare_responses() -> None:
            mock = responses.RequestsMock(assert_all_requests_are_fired=False)
            mock.start()
            mock.stop(allow_assert=False)

        rows.append(("Fault(clients='requests')", fault_cycle("requests"),
                     "responses.RequestsMock", bare_responses))
    if _installed("respx"):
        import respx

        def bare_respx() -> None:
            mock = respx.mock(assert_all_called=False)
            mock.start()
            mock.stop()

        rows.append(("Fault(clients='httpx')", fault_cycle("httpx"), "respx.mock", bare_respx))
    if _installed("aioresponses"):
        rows.append(("Fault(clients='aiohttp')", fault_cycle("aiohttp"), "-", None))
    rows.append(("Fault() every installed client", fault_cycle(None), "-", None))

    figures = []
    for name, fault_side, bare_name, bare_side in rows:
        fault_side()
        if bare_side is not None:
            bare_side()
        faulted: list[float] = []
        bare: list[float] = []
        for _ in range(rounds):
            faulted.append(_timed(fault_side, starts))
            if bare_side is not None:
                bare.append(_timed(bare_side, starts))
        figures.append(
            (name, statistics.median(faulted), bare_name,
             statistics.median(bare) if bare else float("nan"))
        )
    return figures


REQUESTS_ONLY = """
import json, statistics, sys, time

import requests
import responses
from pytest_apigw_faults import Fault

starts, rounds = int(sys.argv[1]), int(sys.argv[2])
fault = Fault("function_error", api="rest", seed="bench")


def cycle():
    fault.start()
    fault.stop()


def bare():
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.start()
    mock.stop(allow_assert=False)


def timed(action):
    start = time.perf_counter()
    for _ in range(starts):
        action()
    return (time.perf_counter() - start) / starts * 1e6


cycle(), bare()
faulted, plain = [], []
for r in range(rounds):
    sides = [(faulted, cycle), (plain, bare)]
    for bucket, action in sides if r % 2 == 0 else reversed(sides):
        bucket.append(timed(action))
clients = [m for m in ("httpx", "aiohttp", "respx", "aioresponses") if m in sys.modules]
print(json.dumps({"fault": statistics.median(faulted), "bare": statistics.median(plain),
                  "clients": fault.clients, "imported": clients}))
"""


def start_stop_requests_only(starts: int, rounds: int) -> dict[str, Any]:
    """µs per start/stop of a default-clients fault and of bare responses, in
    a process that imports requests only; and what else it imported."""
    done = subprocess.run(
        [sys.executable, "-c", REQUESTS_ONLY, str(starts), str(rounds)],
        env=_clean_env(), capture_output=True, text=True, check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=2000, help="trivial tests per run")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    parser.add_argument("--starts", type=int, default=300, help="start/stop cycles per round")
    args = parser.parse_args(argv)

    plain, plugged = per_test(args.tests, args.rounds)
    print(f"per test, no fault ({args.tests} tests, median of {args.rounds} rounds)")
    print(f"  without the plugin {plain:8.1f} us")
    print(f"  with the plugin    {plugged:8.1f} us   cost {plugged - plain:+.1f} us per test")
    print()
    print(f"per start/stop (median of {args.rounds} rounds of {args.starts})")
    for name, fault_us, bare_name, bare_us in start_stop(args.starts, args.rounds):
        bare = "" if bare_name == "-" else (
            f"   {bare_name} {bare_us:8.1f} us   ratio {fault_us / bare_us:.2f}"
        )
        print(f"  {name:32} {fault_us:8.1f} us{bare}")
    only = start_stop_requests_only(args.starts, args.rounds)
    print(
        f"  {'Fault() importing requests only':32} {only['fault']:8.1f} us"
        f"   responses.RequestsMock {only['bare']:8.1f} us"
        f"   ratio {only['fault'] / only['bare']:.2f}"
        f"   (other clients imported: {only['imported'] or 'none'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
