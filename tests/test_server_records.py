"""Honest records on the loopback gateway: a call whose client gives up, or
that is still in flight when the test ends, is recorded as such, with how
long it was in flight, and the report counts every attempt right.

These tests use the server's real (scaled) latency: they wait for real, a
few hundred milliseconds at most.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from support import INI

from pytest_apigw_faults import Fault, GatewayServer
from pytest_apigw_faults._pytest.behaviour import describe, ending
from pytest_apigw_faults._serve import http1
from pytest_apigw_faults._serve.inflight import Abandoned, ClientClosed

REQUEST = b"GET /prod/items HTTP/1.1\r\nHost: x\r\n\r\n"


def _give_up_after(server: GatewayServer, seconds: float) -> None:
    """A client that sends a request and closes its connection unanswered."""
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(REQUEST)
        sock.settimeout(seconds)
        with pytest.raises(TimeoutError):
            sock.recv(100)


def _settled(fault: Fault, count: int) -> None:
    """Wait (a second at most) until ``count`` calls are recorded as ended."""
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        if len(fault.calls) == count and all(c.exception for c in fault.calls):
            return
        time.sleep(0.005)
    raise AssertionError(f"calls not recorded as ended: {list(fault.calls)!r}")


def test_a_client_that_closes_before_the_answer_is_recorded_as_giving_up():
    fault = Fault("integration_timeout", api="rest")  # 29 s, 0.29 s real at 0.01
    with GatewayServer([fault], latency=0.01) as server:
        _give_up_after(server, 0.05)
        _give_up_after(server, 0.05)
        _settled(fault, 2)
    first, second = fault.calls
    for call in (first, second):
        assert call.timed_out
        assert call.response is None
        assert isinstance(call.exception, ClientClosed)
        assert str(call.exception).startswith("the client closed the connection after ")
        assert str(call.exception).endswith(
            "s, before the server wrote the gateway's answer (504, due after 29.000 s)"
        )
        # in flight for ~0.05 s of real time: ~5 s of the gateway's, not 29 s
        assert 3 <= call.waited < 29
        assert call.elapsed == call.waited
        assert ending(call) == "given up: the client closed the connection before the answer"
    assert "#1 rest-integration_timeout via server" in describe_calls(fault)


def describe_calls(fault: Fault) -> str:
    class _Fixture:  # what describe() reads of the fixture
        calls = fault.calls
        sleeps = ()
        virtual_time = False
        elapsed = sum(call.waited for call in fault.calls)

    return describe(_Fixture())  # type: ignore[arg-type]


def test_a_call_in_flight_when_the_server_stops_is_recorded_as_abandoned():
    fault = Fault("integration_timeout", api="rest")
    server = GatewayServer([fault], latency="real").start()
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(REQUEST)
    deadline = time.monotonic() + 2
    while not fault.calls and time.monotonic() < deadline:
        time.sleep(0.005)  # the request reached the gateway
    server.stop()  # joins the connection's thread: the record is final
    assert sock.recv(100) == b""  # closed unanswered
    sock.close()
    (call,) = fault.calls
    assert call.timed_out
    assert call.response is None
    assert isinstance(call.exception, Abandoned)
    assert 0 <= call.waited < 2  # real time: stopped at once, not after 29 s
    assert "before the gateway's answer (504, due after 29.000 s) was written" in str(
        call.exception
    )
    assert ending(call) == "abandoned: the test ended before its answer was written"


def test_a_write_the_client_broke_is_recorded_with_what_it_met(monkeypatch):
    broken = BrokenPipeError(32, "Broken pipe")

    def send_wire(self, wire, *, close=False):
        raise broken

    monkeypatch.setattr(http1.Connection, "send_wire", send_wire)
    fault = Fault("function_error", api="http")
    with GatewayServer([fault]) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(REQUEST)
            assert sock.recv(100) == b""  # the server closed the connection
    (call,) = fault.calls
    assert isinstance(call.exception, ClientClosed)
    assert call.exception.__cause__ is broken
    assert "while the server wrote the gateway's answer (500" in str(call.exception)
    assert call.waited == call.exchange.latency


def test_the_report_counts_each_attempt_a_client_gave_up_and_the_one_in_flight(pytester):
    pytester.makeini(INI)  # and no no-network conftest: the client is on loopback
    pytester.makepyfile(
        test_node_like="""
        import socket, threading, time
        import pytest

        REQUEST = b"GET /prod/items HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"

        def attempt(port, timeout):
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(REQUEST)
                sock.settimeout(timeout)
                try:
                    sock.recv(100)
                except TimeoutError:
                    pass

        def wait_until(done):  # on the server (an Event's wait: no sleep to warn of)
            deadline, tick = time.monotonic() + 10, threading.Event()
            while not done() and time.monotonic() < deadline:
                tick.wait(0.005)

        @pytest.mark.apigw_fault("integration_timeout", api="rest")
        def test_times_out_twice_then_leaves_one_in_flight(apigw_fault):
            server = apigw_fault.serve(latency=0.05)  # 1.45 s a call
            attempt(server.port, 0.05)
            attempt(server.port, 0.05)
            # the server records a close it has seen when the answer is due
            wait_until(lambda: all(c.exception for c in apigw_fault.calls))
            last = threading.Thread(target=attempt, args=(server.port, 5), daemon=True)
            last.start()
            wait_until(lambda: len(apigw_fault.calls) == 3)  # then the test ends
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "--apigw-report-json=report.json")
    result.assert_outcomes(passed=1)
    report = json.loads((pytester.path / "report.json").read_text())
    (row,) = report["tests"]
    assert row["attempts"] == 3
    outcomes = [call["outcome"] for call in row["calls"]]
    assert row["outcome"] == "Abandoned", (outcomes, row)
    assert outcomes == ["ClientClosed", "ClientClosed", "Abandoned"]
    assert all(call["timed_out"] for call in row["calls"])


def test_no_thread_is_left_after_abandoned_calls():
    before = set(threading.enumerate())
    fault = Fault("integration_timeout", api="rest")
    server = GatewayServer([fault], latency="real").start()
    socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(5)]
    for sock in socks:
        sock.sendall(REQUEST)
    deadline = time.monotonic() + 2
    while len(fault.calls) < 5 and time.monotonic() < deadline:
        time.sleep(0.005)
    server.stop()
    for sock in socks:
        sock.close()
    assert set(threading.enumerate()) - before == set()
    assert [type(c.exception) for c in fault.calls] == [Abandoned] * 5
