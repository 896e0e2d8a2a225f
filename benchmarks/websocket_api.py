"""What a WebSocket API on the loopback gateway costs (issue "WebSocket APIs").

A two-way route that answers what it is sent, served by ``GatewayServer``
(wsproto on the server's own connection loop), against the floor of the
same client talking to ``websockets``' own synchronous echo server on
127.0.0.1; websocket-client is the client on both sides. Medians over
interleaved rounds, in one run:

* ``message``: one text frame out and its answer back on an open connection
  (the gateway: route selection, the event, the handler, the route response);
* ``connect``: a new connection, its handshake and its close (the gateway:
  ``$connect`` and ``$disconnect`` handlers too);
* ``idle close``: the real time a test takes to see the gateway's 10-minute
  idle close (1001) on virtual time, with websocket-client and with the
  ``websockets`` asyncio client, each run as a pytest test in a subprocess.

    .venv/bin/python benchmarks/websocket_api.py [--messages 2000] [--connects 200] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import websocket  # websocket-client
from websockets.sync.server import ServerConnection, serve

from pytest_apigw_faults import GatewayServer, WebSocketApi


def echo_route(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.loads(event["body"])["data"]}


def connected(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200}


def echo_floor(connection: ServerConnection) -> None:
    for message in connection:
        connection.send(json.loads(message)["data"])


def per_call(call: Callable[[], object], n: int) -> float:
    call()  # warm-up
    start = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - start) / n * 1000


def figures(url: str, args: argparse.Namespace) -> tuple[float, float]:
    """ms per message round trip, ms per connect and close."""
    ws = websocket.create_connection(url, timeout=10)
    frame = json.dumps({"action": "echo", "data": "hi"})

    def message() -> None:
        ws.send(frame)
        assert ws.recv() == "hi"

    def connect() -> None:
        websocket.create_connection(url, timeout=10).close()

    try:
        return per_call(message, args.messages), per_call(connect, args.connects)
    finally:
        ws.close()


IDLE_TEST = '''
import asyncio, json, time
REAL = time.perf_counter  # before the clock runs
import pytest
from pytest_apigw_faults import WebSocketApi

def api():
    return WebSocketApi({"$connect": lambda e, c: {"statusCode": 200}}, virtual_time=True)

def record(name, started):
    with open("idle.json", "a") as out:
        out.write(json.dumps([name, REAL() - started]) + "\\n")

def test_websocket_client(apigw_fault):
    import websocket
    apigw_fault.use_api(api())
    started = REAL()
    ws = websocket.create_connection(f"ws://127.0.0.1:{apigw_fault.server.port}/prod")
    with pytest.raises(websocket.WebSocketConnectionClosedException):
        while True:
            ws.recv()
    record("websocket-client", started)

def test_websockets_asyncio(apigw_fault):
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed
    apigw_fault.use_api(api())
    started = REAL()

    async def main():
        url = f"ws://127.0.0.1:{apigw_fault.server.port}/prod"
        async with connect(url, ping_interval=None) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        return closed.value.rcvd.code

    assert asyncio.run(main()) == 1001
    record("websockets (asyncio)", started)
'''


def idle_close(runs: int) -> dict[str, list[float]]:
    """Real seconds to see the 10-minute idle close, per client."""
    seen: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "test_idle.py").write_text(textwrap.dedent(IDLE_TEST))
        for _ in range(runs):
            subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p",
                 "no:cacheprovider", "test_idle.py"],
                cwd=folder, check=True, capture_output=True,
            )
        for line in Path(folder, "idle.json").read_text().splitlines():
            name, seconds = json.loads(line)
            seen.setdefault(name, []).append(seconds)
    return seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connects", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--idle-runs", type=int, default=3)
    args = parser.parse_args(argv)

    api = WebSocketApi({"$connect": connected, "$disconnect": connected,
                        "echo": {"handler": echo_route, "route_response": True}})
    rows: dict[str, list[tuple[float, float]]] = {"gateway": [], "floor": []}
    with GatewayServer([api]) as server, serve(echo_floor, "127.0.0.1", 0) as floor:
        threading.Thread(target=floor.serve_forever, daemon=True).start()
        gateway_url = f"ws://127.0.0.1:{server.port}/prod"
        floor_url = f"ws://127.0.0.1:{floor.socket.getsockname()[1]}/"
        for _ in range(args.rounds):  # interleaved
            rows["gateway"].append(figures(gateway_url, args))
            rows["floor"].append(figures(floor_url, args))
        floor.shutdown()
    gateway = [statistics.median(column) for column in zip(*rows["gateway"], strict=True)]
    bare = [statistics.median(column) for column in zip(*rows["floor"], strict=True)]
    print(f"websocket-client, medians of {args.rounds} interleaved rounds")
    print(f"{'':26}{'gateway':>10}{'floor':>10}{'ratio':>8}")
    for name, ours, theirs in zip(("message round trip (ms)", "connect + close (ms)"),
                                  gateway, bare, strict=True):
        print(f"{name:26}{ours:10.3f}{theirs:10.3f}{ours / theirs:7.2f}x")
    print(f"\nthe 10-minute idle close on virtual time, real seconds ({args.idle_runs} runs)")
    for name, seconds in idle_close(args.idle_runs).items():
        print(f"  {name:24} median {statistics.median(seconds):.3f} s"
              f" (max {max(seconds):.3f} s) against 600 s of real time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
