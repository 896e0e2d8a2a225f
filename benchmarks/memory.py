#!/usr/bin/env python
"""What each recorded call keeps in memory, against the bare mocking libraries.

A measurement, not a test: run it with the project's interpreter,

    .venv/bin/python benchmarks/memory.py [--calls N] [--rounds N]

Each side answers N ``GET`` requests with the same bytes (the REST
``function_error`` row) while tracemalloc traces the process; the client
drops every response, so what stays is what the mock records. The figure is
the memory still allocated after the N requests (and a full garbage
collection), over N, in bytes per call, while the mock is still started:

* ``requests`` answered by bare ``responses`` (its ``calls`` list), and by a
  started ``Fault`` (``fault.calls``);
* ``httpx.Client`` answered by bare ``respx`` (its route's and router's
  ``calls``), and by a started ``Fault``;
* a keep-alive ``http.client`` connection to the loopback server
  (``GatewayServer``, one ``Call`` with a ``ServerRequest`` per request),
  against respx's figure;
* the same three for a fault with a bounded window (``keep_calls``, as
  ``python -m pytest_apigw_faults serve`` keeps): memory then stays flat.

Each figure is the median of the rounds (a fresh mock and client each).
Nothing touches the network but the loopback server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import httpx
import requests
import responses
import respx

from pytest_apigw_faults import Fault

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
SCENARIO = "function_error"
API = "rest"
#: A faulted call keeps at most what bare respx keeps per call.
TARGET = 1.0


def wire() -> Any:
    """Status, headers and body the fault sends for the benchmarked row."""
    fault = Fault(SCENARIO, api=API, seed="memory")
    assert fault.scenario is not None
    return fault.gateway.respond(fault.scenario, time.time()).response


def _measure(send: Callable[[], None], calls: int) -> float:
    """Bytes per call still allocated after ``calls`` calls of ``send``."""
    for _ in range(5):  # warm: caches, connection pools, first-use imports
        send()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(calls):
            send()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (after - before) / calls


def bare_responses(calls: int, wire: Any) -> float:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            responses.Response(
                responses.GET, URL, status=wire.status, headers=dict(wire.headers),
                body=wire.body, content_type=None,
            )
        )
        with requests.Session() as session:
            return _measure(lambda: session.get(URL).close(), calls)


def bare_respx(calls: int, wire: Any) -> float:
    with respx.mock(assert_all_called=False) as router:
        router.get(URL).respond(wire.status, headers=list(wire.headers), content=wire.body)
        with httpx.Client() as client:
            return _measure(lambda: client.get(URL).close(), calls)


def _fault(keep: int | None) -> Fault:
    fault = Fault(SCENARIO, api=API, seed="memory")
    if keep is not None:
        fault.calls.keep = keep
    return fault


def fault_requests(calls: int, keep: int | None = None) -> float:
    with _fault(keep), requests.Session() as session:
        return _measure(lambda: session.get(URL).close(), calls)


def fault_httpx(calls: int, keep: int | None = None) -> float:
    with _fault(keep), httpx.Client() as client:
        return _measure(lambda: client.get(URL).close(), calls)


def server(calls: int, keep: int | None = None) -> float:
    from pytest_apigw_faults._serve.server import GatewayServer

    fault = _fault(keep)
    with GatewayServer([fault]) as gateway:
        connection = http.client.HTTPConnection("127.0.0.1", gateway.port)

        def send() -> None:
            connection.request("GET", "/prod/orders")
            connection.getresponse().read()

        try:
            return _measure(send, calls)
        finally:
            connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=2000, help="requests per round (2000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side (3)")
    parser.add_argument("--keep", type=int, default=100, help="the bounded window (100)")
    parser.add_argument("--check", action="store_true", help="exit 1 over the target")
    args = parser.parse_args(argv)
    answer = wire()
    sides: list[tuple[str, Callable[[], float]]] = [
        ("requests / bare responses", lambda: bare_responses(args.calls, answer)),
        ("requests / fault", lambda: fault_requests(args.calls)),
        ("httpx / bare respx", lambda: bare_respx(args.calls, answer)),
        ("httpx / fault", lambda: fault_httpx(args.calls)),
        ("http.client / server", lambda: server(args.calls)),
        (f"requests / fault, keep {args.keep}", lambda: fault_requests(args.calls, args.keep)),
        (f"httpx / fault, keep {args.keep}", lambda: fault_httpx(args.calls, args.keep)),
        (f"http.client / server, keep {args.keep}", lambda: server(args.calls, args.keep)),
    ]
    samples: dict[str, list[float]] = {name: [] for name, _ in sides}
    for _ in range(args.rounds):
        for name, side in sides:
            samples[name].append(side())
    per_call = {name: statistics.median(values) for name, values in samples.items()}
    respx_bytes = per_call["httpx / bare respx"]
    bases = {
        "requests / fault": per_call["requests / bare responses"],
        "httpx / fault": respx_bytes,
    }
    print(f"bytes kept per call, median of {args.rounds} rounds of {args.calls} calls")
    print(f"{'side':<34}{'bytes/call':>12}{'vs respx':>10}{'vs bare':>9}")
    missed = False
    for name, value in per_call.items():
        base = bases.get(name)
        versus_bare = f"{value / base:9.2f}" if base else f"{'':9}"
        print(f"{name:<34}{value:12.0f}{value / respx_bytes:10.2f}{versus_bare}")
        if "fault" in name or "server" in name:
            missed = missed or value > TARGET * respx_bytes
    print(f"target: every faulted call at most {TARGET:g}x bare respx's bytes per call")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
