#!/usr/bin/env python
"""What pytest-apigw-faults costs: per request, and at pytest start-up.

A measurement, not a test: run it with the project's interpreter,

    .venv/bin/python benchmarks/bench.py [--requests N] [--rounds N] [--check]

It measures, in this one process (start-up in subprocesses):

* per-request cost of a started ``Fault`` against bare ``responses`` serving
  the same bytes (status, headers, body of the REST ``function_error`` row)
  through ``requests.Session().get``;
* the same for ``httpx.Client().get`` against bare ``respx`` (its default
  httpcore mocker), and for ``httpx.AsyncClient().get``;
* the plugin's cost at pytest start-up: ``python -m pytest --co -q`` on a
  trivial test file, with ``-p no:apigw_faults`` and without;
* the import time of ``pytest_apigw_faults.plugin`` (``-X importtime``);
* a trivial Lambda handler behind the fake gateway (``Fault(handler=...)``,
  REST, through ``requests`` and ``httpx``) against the same client answered
  by a static fault (the client's floor), and against calling it directly;
* what a test that uses no fault pays for the plugin (``costs.py``: 2000
  trivial tests in a subprocess, with and without the plugin);
* a fault's start and stop in a process that imports requests only, against
  bare ``responses`` (``costs.py``): no backend of a client not imported.

The two sides of each comparison run in interleaved rounds and the median
round stands for each side. See benchmarks/README.md for how to read it.
Exit status: 0, unless ``--check`` is given and a target is missed (1).
No network is used: every request is answered in process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import requests
import responses
import respx

import pytest_apigw_faults
from pytest_apigw_faults import Fault

sys.path.insert(0, str(Path(__file__).parent))
import costs  # the benchmark's sibling script

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
SCENARIO = "function_error"
API = "rest"
#: Per request, fault over bare mock: requests through responses at most
#: 1.05x; httpx (answered above httpcore, below 1 in practice) at most 1.10x.
RATIO_TARGETS = {"requests": 1.05, "httpx": 1.10}
STARTUP_TARGET_MS = 20.0
HANDLER_TARGET = 1.5  # a handler call over the same client's static fault
PER_TEST_TARGET = 1.02  # a test that uses no fault, with the plugin over without
START_STOP_TARGET = 1.25  # a fault's start/stop over bare responses, requests only
PLUGIN = "pytest_apigw_faults.plugin"
PACKAGE_DIR = str(Path(pytest_apigw_faults.__file__).parent)


def wire() -> Any:
    """Status, headers and body the fault sends for the benchmarked row."""
    fault = Fault(SCENARIO, api=API, seed="bench")
    return fault.gateway.respond(fault.scenario, time.time()).response


# -- the sides of each comparison ----------------------------------------------
#
# A side is a mock (what answers URL) and a client (what sends the requests).
# Each round starts a fresh mock and client, as one test would, and times only
# the requests.


class BareResponses:
    """``responses`` serving the fault's bytes for ``URL``."""

    def __init__(self, wire: Any) -> None:
        self.wire = wire

    def start(self) -> None:
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.mock.start()
        self.mock.add(
            responses.Response(
                responses.GET,
                URL,
                status=self.wire.status,
                headers=dict(self.wire.headers),
                body=self.wire.body,
                content_type=None,
            )
        )

    def stop(self) -> None:
        self.mock.stop()
        self.mock.reset()


class BareRespx:
    """``respx`` with its default mocker (httpcore), one route for ``URL``."""

    def __init__(self, wire: Any) -> None:
        self.wire = wire

    def start(self) -> None:
        self.router = respx.mock(assert_all_called=False)
        self.router.start()
        self.router.get(URL).respond(
            self.wire.status, headers=list(self.wire.headers), content=self.wire.body
        )

    def stop(self) -> None:
        self.router.stop()
        self.router.reset()


class FaultMock:
    """The plugin: a started ``Fault``, for ``requests`` and ``httpx`` alike."""

    def start(self) -> None:
        self.fault = Fault(SCENARIO, api=API, seed="bench").start()

    def stop(self) -> None:
        self.fault.stop()


class RequestsClient:
    def open(self) -> None:
        self.session = requests.Session()

    def run(self, n: int) -> float:
        get, url = self.session.get, URL
        start = time.perf_counter()
        for _ in range(n):
            get(url)
        return time.perf_counter() - start

    def sample(self) -> Any:
        return self.session.get(URL)

    def close(self) -> None:
        self.session.close()


class HttpxClient:
    def open(self) -> None:
        self.client = httpx.Client()

    def run(self, n: int) -> float:
        get, url = self.client.get, URL
        start = time.perf_counter()
        for _ in range(n):
            get(url)
        return time.perf_counter() - start

    def sample(self) -> Any:
        return self.client.get(URL)

    def close(self) -> None:
        self.client.close()


class AsyncHttpxClient:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def open(self) -> None:
        self.client = httpx.AsyncClient()

    async def _run(self, n: int) -> float:
        get, url = self.client.get, URL
        start = time.perf_counter()
        for _ in range(n):
            await get(url)
        return time.perf_counter() - start

    def run(self, n: int) -> float:
        return self.loop.run_until_complete(self._run(n))

    def sample(self) -> Any:
        return self.loop.run_until_complete(self.client.get(URL))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())


@dataclass
class Side:
    mock: Any
    client: Any

    def setup(self) -> None:
        self.mock.start()
        self.client.open()

    def run(self, n: int) -> float:
        """Seconds for ``n`` requests."""
        return float(self.client.run(n))

    def sample(self) -> Any:
        """One response, to check that both sides serve the same bytes."""
        return self.client.sample()

    def teardown(self) -> None:
        self.client.close()
        self.mock.stop()


# -- per-request comparison ----------------------------------------------------


@dataclass
class Comparison:
    name: str
    bare: list[float]  # seconds per request, one per round
    fault: list[float]
    same_bytes: bool

    @property
    def bare_us(self) -> float:
        return statistics.median(self.bare) * 1e6

    @property
    def fault_us(self) -> float:
        return statistics.median(self.fault) * 1e6

    @property
    def ratio(self) -> float:
        return self.fault_us / self.bare_us

    @property
    def best_ratio(self) -> float:
        """Fastest round against fastest round: less sensitive to a busy machine."""
        return min(self.fault) / min(self.bare)

    @property
    def round_ratios(self) -> list[float]:
        return [f / b for f, b in zip(self.fault, self.bare, strict=True)]


def _signature(response: Any) -> tuple[int, tuple[str, ...], bytes]:
    names = tuple(sorted(str(k).lower() for k in response.headers))
    return response.status_code, names, response.content


def _timed(side: Side, n: int, collect: bool) -> float:
    side.setup()
    try:
        gc.collect()
        if not collect:
            gc.disable()
        return side.run(n) / n
    finally:
        gc.enable()
        side.teardown()


def compare(
    name: str, bare: Side, fault: Side, requests_: int, rounds: int, collect: bool = True
) -> Comparison:
    signatures = []
    for side in (bare, fault):
        side.setup()
        try:
            signatures.append(_signature(side.sample()))
            side.run(max(requests_ // 10, 20))  # warm-up
        finally:
            side.teardown()
    result = Comparison(name, [], [], signatures[0] == signatures[1])
    for r in range(rounds):
        # Interleaved, alternating which side goes first, so a drift in the
        # machine's speed hits both sides alike.
        order = ((bare, result.bare), (fault, result.fault))
        for side, times in order if r % 2 == 0 else reversed(order):
            times.append(_timed(side, requests_, collect))
    return result


# -- profile of the faulted path ---------------------------------------------


def _where(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name  # a builtin
    path = Path(filename)
    short = path.name
    if "site-packages/" in filename:
        short = filename.split("site-packages/", 1)[1]  # httpx/_models.py
    elif "lib/python" in filename:
        short = filename.split("lib/python", 1)[1].split("/", 1)[-1]  # email/utils.py
    if filename.startswith(PACKAGE_DIR):
        short = f"pytest_apigw_faults/{path.name}"
    return f"{short}:{line}({name})"


def _is_plugin(func: tuple[str, int, str]) -> bool:
    return func[0].startswith(PACKAGE_DIR)


def _profiled(side: Side, n: int) -> pstats.Stats:
    side.setup()
    try:
        side.run(max(n // 10, 20))  # warm-up
        profiler = cProfile.Profile()
        profiler.enable()
        side.run(n)
        profiler.disable()
    finally:
        side.teardown()
    return pstats.Stats(profiler)


def profile(name: str, bare: Side, fault: Side, n: int, top: int = 12) -> None:
    """Where the faulted path spends its time, the plugin's share first."""
    stats = _profiled(fault, n)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total: float = stats.total_tt  # type: ignore[attr-defined]
    bare_total: float = _profiled(bare, n).total_tt  # type: ignore[attr-defined]
    print(f"\nprofile of the faulted path, {name}, {n} requests under cProfile:")
    print(
        f"  faulted {total * 1e3:.0f} ms, bare {bare_total * 1e3:.0f} ms"
        f" (ratio {total / bare_total:.2f} with the profiler's overhead)"
    )

    def pct(seconds: float) -> str:
        return f"{100 * seconds / total:5.1f}%"

    plugin = [(func, row) for func, row in raw.items() if _is_plugin(func)]
    own = sum(row[2] for _, row in plugin)
    # Time of code outside the plugin, called directly by plugin functions.
    outside: dict[Any, float] = {}
    for callee, (_cc, _nc, _tt, _ct, callers) in raw.items():
        if _is_plugin(callee):
            continue
        for caller, edge in callers.items():
            if _is_plugin(caller):
                outside[callee] = outside.get(callee, 0.0) + edge[3]
    print(
        f"  plugin functions, self time: {pct(own)} of the total;"
        f" outside code they call: {pct(sum(outside.values()))}"
    )
    print("  plugin functions by time including callees (cumulative, self):")
    for func, row in sorted(plugin, key=lambda item: -item[1][3])[:top]:
        print(f"    {pct(row[3])} {pct(row[2])}  {row[1]:>7} calls  {_where(func)}")
    print("  outside code called by the plugin (time including callees):")
    for func, seconds in sorted(outside.items(), key=lambda item: -item[1])[:top]:
        print(f"    {pct(seconds)}  {_where(func)}")
    print("  every function by self time:")
    for func, row in sorted(raw.items(), key=lambda item: -item[1][2])[:top]:
        print(f"    {pct(row[2])}  {row[1]:>7} calls  {_where(func)}")


# -- start-up ------------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        env.pop(key, None)
    return env


@dataclass
class Diff:
    """Paired differences (with - without the plugin), in ms."""

    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def iqr(self) -> str:
        if len(self.values) < 2:
            return "-"
        low, _, high = statistics.quantiles(self.values, n=4)
        return f"{low:+.1f}..{high:+.1f}"


def startup(runs: int) -> tuple[float, float, Diff, bool]:
    """Median ms without and with the plugin, median paired difference, and
    whether the plugin really was loaded on one side only."""
    with tempfile.TemporaryDirectory(prefix="apigw-bench-") as tmp:
        Path(tmp, "test_trivial.py").write_text("def test_trivial():\n    pass\n")
        env = _clean_env()
        base = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_trivial.py"]
        without = ["-p", "no:apigw_faults"]

        def header(extra: list[str]) -> str:
            done = subprocess.run(
                [*base, *extra], cwd=tmp, env=env, capture_output=True, text=True, check=False
            )
            return done.stdout

        loaded = "apigw-faults: seed" in header([]) and "apigw-faults" not in header(without)

        def once(extra: list[str]) -> float:
            start = time.perf_counter()
            subprocess.run(
                [*base, "--co", "-q", *extra],
                cwd=tmp,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
            )
            return (time.perf_counter() - start) * 1e3

        once(without)
        once([])  # warm the bytecode caches
        plain: list[float] = []
        plugged: list[float] = []
        for r in range(runs):
            if r % 2 == 0:
                plain.append(once(without))
                plugged.append(once([]))
            else:
                plugged.append(once([]))
                plain.append(once(without))
    diffs = [b - a for a, b in zip(plain, plugged, strict=True)]
    return statistics.median(plain), statistics.median(plugged), Diff(diffs), loaded


def import_time(runs: int) -> tuple[float, list[tuple[str, float]]]:
    """Median ms to import ``pytest_apigw_faults.plugin`` once pytest is
    imported, and the modules that import pulls in (self ms, last run)."""
    code = f"import pytest; import {PLUGIN}"
    totals: list[float] = []
    pulled: list[tuple[str, float]] = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            env=_clean_env(),
            capture_output=True,
            text=True,
            check=True,
        )
        lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
        rows = []
        for line in lines[1:]:  # the first line is the column header
            self_us, cumulative_us, module = line.split(":", 1)[1].split("|")
            depth = len(module) - len(module.lstrip())
            rows.append((int(self_us), int(cumulative_us), depth, module.strip()))
        # -X importtime lists a module after the modules it imported, which
        # are indented deeper.
        index = next(i for i, row in enumerate(rows) if row[3] == PLUGIN)
        totals.append(rows[index][1] / 1e3)
        start = index
        while start > 0 and rows[start - 1][2] > rows[index][2]:
            start -= 1
        pulled = [(row[3], row[0] / 1e3) for row in rows[start : index + 1]]
    return statistics.median(totals), pulled


# -- report --------------------------------------------------------------------


# -- a Lambda handler behind the fake gateway ----------------------------------


def trivial_handler(event: Any, context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}


@dataclass
class HandlerFigure:
    name: str
    direct_ms: float  # medians over rounds, per call
    gateway_ms: float
    client_ms: float  # the same client answered by a static fault

    @property
    def overhead_ms(self) -> float:
        """What a call through the gateway costs beyond the handler itself,
        the HTTP client's own work included."""
        return self.gateway_ms - self.direct_ms

    @property
    def ratio(self) -> float:
        """A call through the handler over the same client's floor (the
        client answered by a static fault)."""
        return self.gateway_ms / self.client_ms

    @property
    def lambda_ms(self) -> float:
        """The plugin's overhead: the Lambda path (routing, ids, event,
        context, invocation, validation, answer) beyond the handler and
        beyond a request the client makes to any mock (a static fault costs
        what bare responses / respx cost, see the table above)."""
        return self.gateway_ms - self.client_ms - self.direct_ms


def handler_figures(requests_: int, rounds: int) -> list[HandlerFigure]:
    """Per call: the handler called directly (with the event and context the
    gateway would build, built once) against a client's request answered by
    it through ``Fault(handler=...)``: routing, ids, event, context,
    invocation, validation and the wire answer, plus the client's own work."""
    from pytest_apigw_faults._lambda.runtime import LambdaContext

    event = {"path": "/orders", "httpMethod": "GET"}
    context = LambdaContext(aws_request_id="bench")

    def direct() -> float:
        start = time.perf_counter()
        for _ in range(requests_):
            trivial_handler(event, context)
        return (time.perf_counter() - start) / requests_

    def through(get: Any, handler: bool) -> float:
        kwargs: dict[str, Any] = (
            {"handler": trivial_handler} if handler else {"scenario": "api_throttled"}
        )
        with Fault(api=API, seed="bench", **kwargs):
            get(URL)  # warm-up
            start = time.perf_counter()
            for _ in range(requests_):
                get(URL)
            return (time.perf_counter() - start) / requests_

    figures = []
    for name, make in (("requests", requests.Session), ("httpx sync", httpx.Client)):
        client = make()
        try:
            direct_s, gateway_s, client_s = [], [], []
            for _ in range(rounds):
                direct_s.append(direct())
                gateway_s.append(through(client.get, handler=True))
                client_s.append(through(client.get, handler=False))
        finally:
            client.close()
        figures.append(
            HandlerFigure(
                name,
                statistics.median(direct_s) * 1e3,
                statistics.median(gateway_s) * 1e3,
                statistics.median(client_s) * 1e3,
            )
        )
    return figures


def ratio_target(name: str) -> float:
    return RATIO_TARGETS[name.split()[0]]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests",
        type=int,
        default=1000,
        metavar="N",
        help="requests per round and side (default: %(default)s)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=7,
        metavar="N",
        help="interleaved rounds per comparison (default: %(default)s)",
    )
    parser.add_argument(
        "--startup-runs",
        type=int,
        default=21,
        metavar="N",
        help="pytest start-ups per side (default: %(default)s)",
    )
    parser.add_argument(
        "--import-runs",
        type=int,
        default=9,
        metavar="N",
        help="-X importtime runs (default: %(default)s)",
    )
    parser.add_argument(
        "--tests",
        type=int,
        default=2000,
        metavar="N",
        help="trivial tests per run for the per-test cost (default: %(default)s)",
    )
    parser.add_argument(
        "--starts",
        type=int,
        default=300,
        metavar="N",
        help="start/stop cycles per round (default: %(default)s)",
    )
    parser.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help="cProfile the faulted path: when a ratio misses its target"
        " (auto, the default), always, or never",
    )
    parser.add_argument(
        "--no-gc",
        action="store_true",
        help="time the requests with the garbage collector off: the CPU cost alone,"
        " without the cost of collecting what each side keeps per request",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a target is missed (default: always exit 0)",
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.rounds < 1 or args.startup_runs < 1 or args.import_runs < 1:
        parser.error("every count must be at least 1")

    body = wire()
    loop = asyncio.new_event_loop()
    sides = [
        (name, Side(bare, client), Side(FaultMock(), client))
        for name, bare, client in (
            ("requests / responses", BareResponses(body), RequestsClient()),
            ("httpx sync / respx", BareRespx(body), HttpxClient()),
            ("httpx async / respx", BareRespx(body), AsyncHttpxClient(loop)),
        )
    ]
    print(
        f"pytest-apigw-faults benchmark: {API}-{SCENARIO} ({body.status},"
        f" {len(body.headers)} headers, {len(body.body)} B body),"
        f" {args.rounds} rounds x {args.requests} requests per side"
        f"{' (gc off)' if args.no_gc else ''};"
        f" Python {sys.version.split()[0]}, httpx {httpx.__version__},"
        f" requests {requests.__version__}; load average {os.getloadavg()[0]:.2f}"
        f" on {os.cpu_count()} CPUs"
    )
    comparisons = []
    for name, bare, fault in sides:
        comparisons.append(
            compare(name, bare, fault, args.requests, args.rounds, collect=not args.no_gc)
        )
    # Profile before the start-up runs: in this process, timings taken after
    # spawning many subprocesses were seen to be skewed.
    profiles = io.StringIO()
    with contextlib.redirect_stdout(profiles):
        for c, (name, bare, fault) in zip(comparisons, sides, strict=True):
            missed = c.ratio > ratio_target(c.name)
            if args.profile == "always" or (args.profile == "auto" and missed):
                profile(name, bare, fault, args.requests)
    loop.close()
    handlers = handler_figures(args.requests, args.rounds)
    only = costs.start_stop_requests_only(args.starts, args.rounds)
    per_test = costs.per_test(args.tests, args.rounds)
    plain, plugged, diff, loaded = startup(args.startup_runs)
    imported, pulled = import_time(args.import_runs)

    misses = 0
    print()
    print(
        f"{'per request':<21} {'bare us':>8} {'fault us':>8} {'ratio':>6} {'best':>5}"
        f" {'rounds':>14} {'target':>8}  result"
    )
    for c in comparisons:
        ok = c.ratio <= ratio_target(c.name)
        target = f"<= {ratio_target(c.name):.2f}"
        misses += not ok
        spread = f"{min(c.round_ratios):.2f}-{max(c.round_ratios):.2f}"
        note = "" if c.same_bytes else "  (the two sides served different bytes!)"
        print(
            f"{c.name:<21} {c.bare_us:>8.1f} {c.fault_us:>8.1f} {c.ratio:>6.2f}"
            f" {c.best_ratio:>5.2f} {spread:>14} {target:>8}  {verdict(ok)}{note}"
        )
    print()
    print(
        f"{'handler call, ms':<21} {'direct':>8} {'gateway':>8} {'client':>8} {'ratio':>6}"
        f" {'plugin':>6} {'':>7} {'target':>8}  result"
    )
    for h in handlers:
        ok = h.ratio <= HANDLER_TARGET
        misses += not ok
        print(
            f"{h.name:<21} {h.direct_ms:>8.4f} {h.gateway_ms:>8.3f} {h.client_ms:>8.3f}"
            f" {h.ratio:>6.2f} {h.lambda_ms:>6.3f} {'':>7} {f'<= {HANDLER_TARGET:g}':>8}"
            f"  {verdict(ok)}"
        )
    print()
    print(
        f"{'no fault / fault off':<21} {'without':>8} {'with':>8} {'cost':>8} {'ratio':>6}"
        f" {'':>14} {'target':>8}  result"
    )
    ok = per_test[1] / per_test[0] <= PER_TEST_TARGET
    misses += not ok
    print(
        f"{'per test, us':<21} {per_test[0]:>8.1f} {per_test[1]:>8.1f}"
        f" {per_test[1] - per_test[0]:>+8.1f} {per_test[1] / per_test[0]:>6.2f} {'':>14}"
        f" {f'<= {PER_TEST_TARGET:g}':>8}  {verdict(ok)}"
    )
    start_ratio = only["fault"] / only["bare"]
    ok = start_ratio <= START_STOP_TARGET and not only["imported"]
    misses += not ok
    print(
        f"{'start/stop, us':<21} {only['bare']:>8.1f} {only['fault']:>8.1f}"
        f" {only['fault'] - only['bare']:>+8.1f} {start_ratio:>6.2f} {'':>14}"
        f" {f'<= {START_STOP_TARGET:g}':>8}  {verdict(ok)}"
        + ("" if not only["imported"] else f"  (it imported {', '.join(only['imported'])}!)")
    )
    print()
    ok = diff.median <= STARTUP_TARGET_MS and loaded
    misses += not ok
    print(
        f"{'pytest --co start-up':<21} {'no:apigw':>8} {'plugin':>8} {'diff':>6} {'':>5}"
        f" {'diff IQR':>14} {'target':>8}  result"
    )
    print(
        f"{f'ms, median of {args.startup_runs}':<21} {plain:>8.1f} {plugged:>8.1f}"
        f" {diff.median:>+6.1f} {'':>5} {diff.iqr:>14}"
        f" {f'<= {STARTUP_TARGET_MS:g}':>8}  {verdict(ok)}"
        + ("" if loaded else "  (the plugin was not seen loaded on one side only!)")
    )
    print(
        f"import {PLUGIN} after pytest: {imported:.2f} ms"
        f" (median of {args.import_runs}, -X importtime), loading"
        f" {', '.join(f'{name} ({ms:.2f} ms)' for name, ms in pulled)}"
    )

    print(profiles.getvalue(), end="")

    if misses:
        print(f"\n{misses} target(s) missed" + ("" if args.check else " (exit 0: no --check)"))
    return 1 if misses and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
