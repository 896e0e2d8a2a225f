#!/usr/bin/env python
"""The loopback gateway as a server: speed against baselines, and under load.

A measurement, not a test: run it with the project's interpreter,

    .venv/bin/python benchmarks/server.py [--rounds N] [--seconds S] [--check]
    .venv/bin/python benchmarks/server.py --load [--check]

Default mode: wrk drives each server on 1 and 16 keep-alive connections, in
interleaved rounds, and a wrk Lua script checks every response (status,
header names, whole body) against the one expected. Each server runs in its
own subprocess, so its CPU time is read from ``/proc/<pid>/stat``:

* ``gateway``: ``GatewayServer([Fault("integration_timeout", api="rest")])``;
* ``handler``: ``GatewayServer([Fault(handler=..., api="rest")])``, a trivial
  Lambda handler behind the gateway (no target: the Lambda path's own cost);
* ``cli``: ``python -m pytest_apigw_faults serve --api rest --scenario
  integration_timeout --quiet`` (no log line per request, as the plain
  server writes none);
* ``plain``: ``http.server.ThreadingHTTPServer`` with ``TCP_NODELAY``, writing
  the bytes the gateway answered once, in one write (the baseline);
* ``uvicorn``: uvicorn with httptools serving the same bytes from a minimal
  ASGI app (skipped with a note when uvicorn is not installed).

``--load`` mode: 16 keep-alive clients x 10,000 requests (wrk, every answer
checked), 1,000 idle connections held meanwhile and asked once more after,
clients that close 50 ms into a 0.29 s answer (``latency=0.01`` on the 29 s
integration timeout); then the servers stop and report the threads, sockets
and memory they have left.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import resource
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PATH = "/prod/bench"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
START_TIMEOUT = 30.0
CLK_TCK = os.sysconf("SC_CLK_TCK")

# -- the servers, each in a subprocess (this script with --child) ------------------------


def _handler(event: Any, context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": '{"ok":true}'}


def _rss_kb(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _sockets(pid: int | str = "self") -> list[str]:
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:"):
                found.append(f"{fd}->{target}")
    return found


def _child_gateway(kind: str, latency: float, keep: int | None) -> None:
    from pytest_apigw_faults import Fault
    from pytest_apigw_faults._serve.server import GatewayServer

    if kind == "handler":
        fault = Fault(handler=_handler, api="rest")
    else:
        fault = Fault("integration_timeout", api="rest", seed="bench")
    if keep is not None and hasattr(fault.calls, "keep"):  # as serve --keep-calls does
        fault.calls.keep = keep
    sockets_before = len(_sockets())
    server = GatewayServer([fault], latency=latency).start()
    print(json.dumps({"url": server.url, "pid": os.getpid()}), flush=True)
    for line in sys.stdin:  # commands from the parent; EOF: it is gone
        if line.strip() == "stop":
            started = time.perf_counter()
            server.stop()
            stop_s = time.perf_counter() - started
            calls = fault.calls
            report = {
                "stop_s": stop_s,
                "threads": [t.name for t in threading.enumerate()
                            if t is not threading.main_thread()],
                "tasks": len(os.listdir("/proc/self/task")),
                "sockets": _sockets(),
                "sockets_before": sockets_before,
                "rss_kb": _rss_kb(),
                "calls": getattr(calls, "total", len(calls)),
                "kept": len(calls),
                "answered": sum(1 for c in calls if c.response is not None),
                "timed_out": sum(1 for c in calls if c.timed_out),
                "exceptions": sum(1 for c in calls if c.exception is not None),
            }
            print(json.dumps(report), flush=True)
        elif line.strip() == "exit":
            break
    server.stop()


def _parse_wire(wire: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    head, _, body = wire.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(line.split(b": ", 1)) for line in lines[1:]]
    return status, headers, body  # type: ignore[return-value]


def _child_plain(wire: bytes) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.wfile.write(wire)

        do_POST = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    print(json.dumps({"url": f"http://127.0.0.1:{httpd.server_address[1]}",
                      "pid": os.getpid()}), flush=True)
    sys.stdin.read()


def _child_uvicorn(wire: bytes) -> None:
    import uvicorn

    status, headers, body = _parse_wire(wire)
    start = {"type": "http.response.start", "status": status, "headers": headers}
    end = {"type": "http.response.body", "body": body}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        await send(start)
        await send(end)

    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on such sockets
    # (base_events._set_nodelay), and uvicorn writes head and body apart
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # connections wait in the backlog until uvicorn runs
    config = uvicorn.Config(app, http="httptools", lifespan="off", log_level="warning",
                            access_log=False, server_header=False, date_header=False)
    print(json.dumps({"url": f"http://127.0.0.1:{sock.getsockname()[1]}",
                      "pid": os.getpid()}), flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    uvicorn.Server(config).run(sockets=[sock])


def child_main(kind: str, latency: float, wire_file: str | None, keep: int | None) -> None:
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if kind in ("gateway", "handler"):
        _child_gateway(kind, latency, keep)
        return
    wire = Path(wire_file or "").read_bytes()
    (_child_plain if kind == "plain" else _child_uvicorn)(wire)


# -- the parent: starting, watching and killing servers ----------------------------------

_CHILDREN: list[subprocess.Popen[str]] = []


def _kill_children() -> None:
    for proc in _CHILDREN:
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """One line of the child's stdout, within ``timeout`` seconds."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise TimeoutError(f"no answer from {proc.args!r} in {timeout:g} s")
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"{proc.args!r} exited ({proc.poll()}) before answering")
    return line.strip()


class Server:
    """A server in a subprocess: its URL (from its own first line) and pid."""

    def __init__(self, name: str, cmd: list[str]) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=_env(), text=True, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        _CHILDREN.append(self.proc)
        first = _read_line(self.proc, START_TIMEOUT)
        info = json.loads(first) if first.startswith("{") else {"url": first}
        self.url: str = info["url"]
        self.pid: int = info.get("pid", self.proc.pid)
        self.port = int(self.url.rsplit(":", 1)[1])

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime

    def command(self, text: str, timeout: float = 60.0) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return dict(json.loads(_read_line(self.proc, timeout)))

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


KEEP: list[str] = []  # --keep-calls, passed on to the gateway children


def child_cmd(kind: str, *, latency: float = 0.0, wire_file: str | None = None) -> list[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind,
           "--latency", str(latency), *KEEP]
    return cmd + (["--wire-file", wire_file] if wire_file else [])


CLI_CMD = [sys.executable, "-m", "pytest_apigw_faults", "serve", "--api", "rest",
           "--scenario", "integration_timeout", "--seed", "bench", "--quiet"]


def read_response(sock: socket.socket) -> bytes:
    """One whole HTTP/1.1 response (Content-Length framed) from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {len(data)} bytes")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-body")
        body += chunk
    return head + b"\r\n\r\n" + body


def request_bytes(port: int) -> bytes:
    return f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


def fetch(port: int, timeout: float = 10.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request_bytes(port))
        return read_response(sock)


# -- wrk and its Lua check -----------------------------------------------------------------


def _lua_string(data: bytes) -> str:
    out = []
    for byte in data:
        char = chr(byte)
        out.append(char if 32 <= byte < 127 and char not in '"\\' else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


LUA = """
local status_ok, body_ok, names_ok = %(status)d, %(body)s, %(names)s
local limit, marker = %(limit)d, %(marker)s
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  responses, mismatches, first = 0, 0, ""
end

function response(status, headers, body)
  responses = responses + 1
  local names = {}
  for name, _ in pairs(headers) do table.insert(names, string.lower(name)) end
  table.sort(names)
  local joined = table.concat(names, ",")
  if status ~= status_ok or body ~= body_ok or joined ~= names_ok then
    mismatches = mismatches + 1
    if first == "" then
      first = string.format("status %%d, %%d body bytes, headers %%s", status, #body, joined)
    end
  end
  if limit > 0 and responses == limit then
    -- wrk runs for its whole duration: the parent watches this file and
    -- interrupts it once every thread is done
    local f = io.open(marker, "a")
    f:write("x")
    f:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local r, m, f = 0, 0, ""
  for _, t in ipairs(threads) do
    r = r + t:get("responses")
    m = m + t:get("mismatches")
    if f == "" then f = t:get("first") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"responses": %%d, "mismatches": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"timeout": %%d, "first": "%%s"}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    r, m, e.connect, e.read, e.write, e.timeout, string.gsub(f, '"', "'")))
end
"""


def lua_script(wire: bytes, directory: str, name: str, limit: int = 0) -> str:
    status, headers, body = _parse_wire(wire)
    names = ",".join(sorted(name.decode("latin-1").lower() for name, _ in headers))
    path = Path(directory) / f"check-{name}.lua"
    marker = str(path.with_suffix(".done"))
    path.write_text(LUA % {"status": status, "body": _lua_string(body),
                           "names": _lua_string(names.encode()), "limit": limit,
                           "marker": _lua_string(marker.encode())})
    return str(path)


def wrk(port: int, conns: int, seconds: float, lua: str, threads: int) -> dict[str, Any]:
    """One wrk run with ``lua``; one whose script has a request limit ends
    once every thread reached it (or after ``seconds``)."""
    threads = min(threads, conns)
    cmd = [WRK, "-t", str(threads), "-c", str(conns), "-d", f"{seconds:g}s",
           "--timeout", "10s", "-s", lua, f"http://127.0.0.1:{port}{PATH}"]
    marker = Path(lua).with_suffix(".done")
    marker.unlink(missing_ok=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _CHILDREN.append(proc)
    deadline = time.monotonic() + seconds + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if marker.exists() and marker.stat().st_size >= threads:
            proc.send_signal(signal.SIGINT)  # wrk then reports as at its end
            break
        time.sleep(0.02)
    try:
        out, err = proc.communicate(timeout=max(deadline - time.monotonic(), 10))
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
    for line in out.splitlines():
        if line.startswith("BENCH "):
            return dict(json.loads(line[6:]))
    raise RuntimeError(f"wrk gave no figures ({proc.returncode}): {out}{err}")


def probe(port: int, n: int) -> list[float]:
    """µs per request, each timed, on one keep-alive connection (no correction)."""
    times = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = request_bytes(port)
        for _ in range(n):
            started = time.perf_counter_ns()
            sock.sendall(request)
            read_response(sock)
            times.append((time.perf_counter_ns() - started) / 1e3)
    return times


# -- speed -----------------------------------------------------------------------------------

TARGETS = {"p50_ms": 1.0, "rps_ratio": 0.5, "cpu_ratio": 2.0}
CHECKED = ("gateway", "cli")  # the loopback gateway; the handler row has no target


def _have_uvicorn() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("uvicorn", "httptools"))


def start_speed_servers(tmp: str) -> tuple[dict[str, Server], dict[str, bytes], list[str]]:
    notes: list[str] = []
    servers = {"gateway": Server("gateway", child_cmd("gateway")),
               "handler": Server("handler", child_cmd("handler")),
               "cli": Server("cli", CLI_CMD)}
    wires = {name: fetch(server.port) for name, server in servers.items()}
    wire_file = str(Path(tmp) / "wire.bin")
    Path(wire_file).write_bytes(wires["gateway"])
    servers["plain"] = Server("plain", child_cmd("plain", wire_file=wire_file))
    wires["plain"] = wires["gateway"]
    if _have_uvicorn():
        servers["uvicorn"] = Server("uvicorn", child_cmd("uvicorn", wire_file=wire_file))
        wires["uvicorn"] = wires["gateway"]
    else:
        notes.append("uvicorn: not installed, column skipped"
                     " (pip install uvicorn httptools)")
    for name in ("plain", "uvicorn"):
        if name in servers:
            got = fetch(servers[name].port)
            if _parse_wire(got)[::2] != _parse_wire(wires["gateway"])[::2]:
                notes.append(f"{name}: its answer differs from the gateway's: {got[:80]!r}")
    return servers, wires, notes


def run_speed(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="apigw-server-bench-") as tmp:
        servers, wires, notes = start_speed_servers(tmp)
        luas = {name: lua_script(wire, tmp, name) for name, wire in wires.items()}
        conns_list = [int(c) for c in args.connections.split(",")]
        rss0 = {name: _rss_kb(s.pid) for name, s in servers.items()}
        for name, server in servers.items():  # warm-up
            wrk(server.port, 1, 1, luas[name], args.wrk_threads)
        results: dict[tuple[str, int], list[dict[str, Any]]] = {}
        probes: dict[str, list[float]] = {}
        names = list(servers)
        for r in range(args.rounds):
            for conns in conns_list:
                order = names[r % len(names):] + names[:r % len(names)]
                for name in order:
                    server = servers[name]
                    cpu = server.cpu_s()
                    fig = wrk(server.port, conns, args.seconds, luas[name], args.wrk_threads)
                    fig["cpu_s"] = server.cpu_s() - cpu
                    results.setdefault((name, conns), []).append(fig)
            for name in names:
                if args.probe:
                    probes.setdefault(name, []).extend(probe(servers[name].port, args.probe))
        rss1 = {name: _rss_kb(s.pid) for name, s in servers.items()}
        for server in servers.values():
            server.close()
    code = report_speed(args, servers, results, conns_list, notes, (rss0, rss1))
    if probes:
        report_probes(args, probes)
    return code


def report_probes(args: argparse.Namespace, probes: dict[str, list[float]]) -> None:
    print(f"\n1 connection, each request timed by a Python client ({args.probe:,} a round):")
    print(f"{'server':<8} {'p50 us':>7} {'p90 us':>7} {'p99 us':>7} {'max ms':>7}"
          f" {'> 1 ms':>7} {'> 5 ms':>7}")
    for name, times in probes.items():
        times.sort()
        n = len(times)
        print(f"{name:<8} {times[n // 2]:>7.0f} {times[int(n * 0.9)]:>7.0f}"
              f" {times[int(n * 0.99)]:>7.0f} {times[-1] / 1000:>7.1f}"
              f" {sum(t > 1000 for t in times):>7} {sum(t > 5000 for t in times):>7}")


def _summary(figs: list[dict[str, Any]]) -> dict[str, float]:
    def med(key: str) -> float:
        return statistics.median(f[key] for f in figs)

    return {
        "rps": statistics.median(f["requests"] / (f["duration_us"] / 1e6) for f in figs),
        "p50_ms": med("p50_us") / 1000, "p99_ms": med("p99_us") / 1000,
        "cpu_us": statistics.median(f["cpu_s"] / max(f["responses"], 1) * 1e6 for f in figs),
        "responses": sum(f["responses"] for f in figs),
        "bad": sum(f["mismatches"] + f["read"] + f["write"] + f["timeout"] + f["connect"]
                   for f in figs),
    }


def report_speed(args, servers, results, conns_list, notes, rss) -> int:
    load = os.getloadavg()[0]
    print(f"\nbenchmarks/server.py: wrk, {args.rounds} rounds x {args.seconds:g} s per server"
          f" and connection count, medians; --keep-calls {args.keep_calls};"
          f" load {load:.2f} on {os.cpu_count()} CPUs")
    print(f"{'conns':>5} {'server':<8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
          f" {'CPU us/req':>10} {'x plain req/s':>13} {'x plain CPU':>11}  exact")
    table: dict[tuple[str, int], dict[str, float]] = {}
    for conns in conns_list:
        for name in servers:
            s = table[name, conns] = _summary(results[name, conns])
            base = _summary(results["plain", conns])
            print(f"{conns:>5} {name:<8} {s['rps']:>8,.0f} {s['p50_ms']:>7.3f}"
                  f" {s['p99_ms']:>7.3f} {s['cpu_us']:>10.1f} {s['rps'] / base['rps']:>13.2f}"
                  f" {s['cpu_us'] / base['cpu_us']:>11.2f}"
                  f"  {s['responses'] - s['bad']:,}/{s['responses']:,}")
    rss0, rss1 = rss
    print("RSS MB, start -> end: " + ", ".join(
        f"{n} {rss0[n] / 1024:.0f} -> {rss1[n] / 1024:.0f}" for n in servers))
    for note in notes:
        print("note:", note)
    missed = check_targets(table, conns_list)
    return 1 if args.check and missed else 0


def check_targets(table, conns_list) -> int:
    print(f"\n{'target':<44} {'figure':>8} {'target':>8}  result")
    missed = 0

    def row(label: str, value: float, ok: bool, target: str) -> None:
        nonlocal missed
        missed += not ok
        print(f"{label:<44} {value:>8.3f} {target:>8}  {'PASS' if ok else 'FAIL'}")

    for name in CHECKED:
        if 1 in conns_list:
            p50 = table[name, 1]["p50_ms"]
            row(f"{name}: p50 ms, 1 connection", p50, p50 < TARGETS["p50_ms"], "< 1")
        for conns in conns_list:
            ratio = table[name, conns]["rps"] / table["plain", conns]["rps"]
            row(f"{name}: req/s / plain's, {conns} conn.", ratio,
                ratio >= TARGETS["rps_ratio"], ">= 0.5")
        for conns in conns_list:
            ratio = table[name, conns]["cpu_us"] / table["plain", conns]["cpu_us"]
            row(f"{name}: CPU/request / plain's, {conns} conn.", ratio,
                ratio <= TARGETS["cpu_ratio"], "<= 2")
        for conns in conns_list:
            bad = table[name, conns]["bad"]
            row(f"{name}: answers not exact or errors, {conns} conn.", bad, bad == 0, "0")
    return missed


# -- under load ------------------------------------------------------------------------------


def raise_nofile(need: int) -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return f"open files limit {soft}"
    new = need if hard == resource.RLIM_INFINITY else min(need, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))  # children inherit it
    return f"open files limit raised {soft} -> {new}"


def disconnecting_clients(port: int, clients: int, concurrency: int, hold: float) -> dict:
    """``clients`` requests, each closed ``hold`` s after it is sent."""
    counts = {"closed_unanswered": 0, "answered_first": 0, "errors": 0}
    lock = threading.Lock()
    left = iter(range(clients))

    def worker() -> None:
        while True:
            with lock:
                if next(left, None) is None:
                    return
            outcome = "errors"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                    sock.sendall(request_bytes(port))
                    sock.settimeout(hold)
                    try:
                        outcome = "answered_first" if sock.recv(1) else "errors"
                    except TimeoutError:
                        outcome = "closed_unanswered"
            except OSError:
                pass
            with lock:
                counts[outcome] += 1

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    return counts


def ask_idle(socks: list[socket.socket], port: int, wire: bytes) -> dict[str, int]:
    """Send one request on each held connection and check each answer."""
    want = _parse_wire(wire)[::2]
    counts = {"exact": 0, "not_exact": 0, "closed": 0}
    live = []
    for sock in socks:
        try:
            sock.sendall(request_bytes(port))
            live.append(sock)
        except OSError:
            counts["closed"] += 1
    for sock in live:
        try:
            sock.settimeout(10)
            got = _parse_wire(read_response(sock))[::2]
            counts["exact" if got == want else "not_exact"] += 1
        except (OSError, ConnectionError):
            counts["closed"] += 1
    return counts


def closed_by_server(socks: list[socket.socket]) -> int:
    closed = 0
    for sock in socks:
        sock.settimeout(5)
        try:
            closed += sock.recv(1) == b""
        except ConnectionResetError:
            closed += 1
        except OSError:
            pass
    return closed


def run_load(args: argparse.Namespace) -> int:
    print(raise_nofile(args.idle + 1024))
    with (
        tempfile.TemporaryDirectory(prefix="apigw-server-load-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        fast = Server("gateway", child_cmd("gateway"))
        slow = Server("slow", child_cmd("gateway", latency=args.slow_latency))
        stack.callback(fast.close)
        stack.callback(slow.close)
        wire = fetch(fast.port)
        slow_wire = fetch(slow.port, timeout=60)
        warm = lua_script(wire, tmp, "warm", limit=args.warmup)
        fig = wrk(fast.port, 1, args.load_timeout, warm, 1)
        rss_before = _rss_kb(fast.pid)
        slow_rss_before = _rss_kb(slow.pid)
        opened = time.monotonic()
        idle = [socket.create_connection(("127.0.0.1", fast.port), timeout=10)
                for _ in range(args.idle)]
        for sock in idle:
            stack.callback(sock.close)
        time.sleep(0.5)
        tasks_idle = len(os.listdir(f"/proc/{fast.pid}/task"))
        rss_idle = _rss_kb(fast.pid)
        out: dict[str, Any] = {}
        dropper = threading.Thread(target=lambda: out.update(disconnecting_clients(
            slow.port, args.disconnects, 10, args.hold)), daemon=True)
        dropper.start()
        lua = lua_script(wire, tmp, "load", limit=args.requests)
        started = time.perf_counter()
        fig = wrk(fast.port, args.clients, args.load_timeout, lua, args.clients)
        load_s = time.perf_counter() - started
        dropper.join(timeout=180)
        rss_loaded = _rss_kb(fast.pid)
        idle_held_s = time.monotonic() - opened
        asked = ask_idle(idle, fast.port, wire)
        slow_after = _parse_wire(fetch(slow.port, timeout=60))[::2] == _parse_wire(slow_wire)[::2]
        fast_report = fast.command("stop")
        slow_report = slow.command("stop")
        server_closed = closed_by_server(idle)
    figures = {
        "fig": fig, "load_s": load_s, "tasks_idle": tasks_idle, "asked": asked,
        "idle_held_s": idle_held_s, "server_closed": server_closed, "drops": out,
        "slow_after": slow_after, "fast": fast_report, "slow": slow_report,
        "rss": (rss_before, rss_idle, rss_loaded, fast_report["rss_kb"]),
        "slow_rss": (slow_rss_before, slow_report["rss_kb"]),
    }
    return report_load(args, figures)


def report_load(args: argparse.Namespace, f: dict[str, Any]) -> int:
    fig, total = f["fig"], args.clients * args.requests
    results: list[tuple[str, bool]] = []

    def line(text: str, ok: bool | None = None) -> None:
        if ok is not None:
            results.append((text, ok))
        mark = "" if ok is None else ("  PASS" if ok else "  FAIL")
        print(f"{text}{mark}")

    print(f"\nbenchmarks/server.py --load: load {os.getloadavg()[0]:.2f}"
          f" on {os.cpu_count()} CPUs")
    bad = fig["mismatches"] + fig["read"] + fig["write"] + fig["timeout"] + fig["connect"]
    line(f"{args.clients} keep-alive clients x {args.requests:,}: {fig['responses']:,}"
         f"/{total:,} answers in {f['load_s']:.1f} s"
         f" ({fig['responses'] / f['load_s']:,.0f} req/s), p50 {fig['p50_us'] / 1000:.3f} ms,"
         f" p99 {fig['p99_us'] / 1000:.3f} ms; not exact {fig['mismatches']},"
         f" socket errors {bad - fig['mismatches']}"
         + (f" (first: {fig['first']})" if fig["first"] else ""),
         fig["responses"] == total and bad == 0)
    a = f["asked"]
    line(f"{args.idle:,} idle connections held {f['idle_held_s']:.1f} s (server threads"
         f" {f['tasks_idle']:,} while held); asked once after the load: {a['exact']:,} exact,"
         f" {a['not_exact']} not exact, {a['closed']} closed by the server",
         a["exact"] == args.idle)
    d = f["drops"]
    line(f"{args.disconnects} clients closing {args.hold * 1000:.0f} ms into a"
         f" {29 * args.slow_latency:.2f} s answer: {d.get('closed_unanswered', 0)} closed"
         f" unanswered, {d.get('answered_first', 0)} answered first,"
         f" {d.get('errors', 0)} errors; the server answers exactly after: {f['slow_after']}",
         f["slow_after"] and d.get("errors", 1) == 0)
    s = f["slow"]
    line(f"  recorded by the slow server: {s['calls']} calls, {s['answered']} with a response,"
         f" {s['timed_out']} timed_out, {s['exceptions']} with an exception"
         f" ({d.get('closed_unanswered', 0)} aborted by their client)")
    for name in ("fast", "slow"):
        r = f[name]
        line(f"{name} server stopped in {r['stop_s'] * 1000:.0f} ms: threads left"
             f" {len(r['threads'])} {r['threads'][:5]}, kernel tasks {r['tasks']},"
             f" sockets left {len(r['sockets']) - r['sockets_before']}",
             not r["threads"] and r["tasks"] == 1 and len(r["sockets"]) <= r["sockets_before"])
    line(f"idle connections closed by the stop: {f['server_closed']:,}/{args.idle:,}",
         f["server_closed"] == args.idle)
    before, idle, loaded, after = f["rss"]
    line(f"fast server RSS MB: {before / 1024:.1f} after warm-up, {idle / 1024:.1f} with the"
         f" idle connections, {loaded / 1024:.1f} after the load ({loaded / idle:.2f}x),"
         f" {after / 1024:.1f} after stop ({after / before:.2f}x the warm-up;"
         f" {f['fast']['calls']:,} calls answered, {f['fast']['kept']:,} kept;"
         f" --keep-calls {args.keep_calls})", loaded <= idle * (1 + args.rss_slack))
    line(f"slow server RSS MB: {f['slow_rss'][0] / 1024:.1f} -> {f['slow_rss'][1] / 1024:.1f}")
    missed = sum(not ok for _, ok in results)
    print(f"{len(results) - missed}/{len(results)} load checks pass")
    return 1 if args.check and missed else 0


# -- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    p.add_argument("--seconds", type=float, default=3.0, help="seconds per wrk run (default 3)")
    p.add_argument("--connections", default="1,16", help="connection counts (default 1,16)")
    p.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    p.add_argument("--probe", type=int, default=2000,
                   help="requests a round timed one by one by a Python client (0: none)")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--load", action="store_true", help="the under-load checks instead")
    p.add_argument("--clients", type=int, default=16, help="--load: keep-alive clients")
    p.add_argument("--requests", type=int, default=10_000, help="--load: requests per client")
    p.add_argument("--idle", type=int, default=1000, help="--load: idle connections held")
    p.add_argument("--disconnects", type=int, default=300, help="--load: clients that abort")
    p.add_argument("--hold", type=float, default=0.05, help="--load: s before a client aborts")
    p.add_argument("--slow-latency", type=float, default=0.01,
                   help="--load: latency factor of the aborted clients' server")
    p.add_argument("--warmup", type=int, default=1000, help="--load: requests before RSS")
    p.add_argument("--rss-slack", type=float, default=0.10, help="--load: RSS growth allowed")
    p.add_argument("--load-timeout", type=float, default=600, help="--load: wrk's limit, s")
    p.add_argument("--keep-calls", default="1000", metavar="N|all",
                   help="calls each gateway keeps (fault.calls.keep, serve --keep-calls);"
                        " default 1000, as serve; all: every call, as in a test")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--latency", type=float, default=0.0, help=argparse.SUPPRESS)
    p.add_argument("--wire-file", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        keep = None if args.keep_calls == "all" else int(args.keep_calls)
        child_main(args.child, args.latency, args.wire_file, keep)
        return 0
    if not os.access(WRK, os.X_OK):
        print("wrk is not installed: sudo apt-get install wrk (Debian/Ubuntu)", file=sys.stderr)
        return 2
    KEEP.extend(["--keep-calls", args.keep_calls])
    if args.keep_calls not in ("all", "1000"):  # 1000: serve's own default
        CLI_CMD.extend(["--keep-calls", args.keep_calls])
    atexit.register(_kill_children)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return run_load(args) if args.load else run_speed(args)


if __name__ == "__main__":
    sys.exit(main())
