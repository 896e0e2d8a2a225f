"""The loopback gateway against clients that do the unusual: a half-closed
request, pipelined requests, a request byte by byte, a record read the
moment the answer arrives, and the server on a test's virtual time.

Raw sockets; answers are checked against the call's record, byte for byte.
"""

from __future__ import annotations

import socket
import time

from support import INI

from pytest_apigw_faults import Fault, GatewayServer

REQUEST = b"GET /prod/items HTTP/1.1\r\nHost: x\r\n\r\n"


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _answers(data: bytes) -> list[bytes]:
    """The answers in ``data``, each its head and body (Content-Length)."""
    answers = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(next(
            line.split(b":", 1)[1] for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ))
        answers.append(head + b"\r\n\r\n" + rest[:length])
        data = rest[length:]
    return answers


def _body(answer: bytes) -> bytes:
    return answer.partition(b"\r\n\r\n")[2]


def test_a_half_closed_client_still_gets_its_answer_after_the_latency():
    # the client shuts its sending side after the request (printf | nc -N,
    # a request body streamed from stdin) and waits: it has not given up
    fault = Fault("integration_timeout", api="rest")  # 29 s, 0.058 s real at 0.002
    with GatewayServer([fault], latency=0.002) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(REQUEST)
            sock.shutdown(socket.SHUT_WR)
            (answer,) = _answers(_read_all(sock))
    (call,) = fault.calls
    assert answer.startswith(b"HTTP/1.1 504 Gateway Timeout\r\n")
    assert _body(answer) == call.exchange.response.body
    assert _body(answer) == b'{"message": "Endpoint request timed out"}'
    assert call.exception is None
    assert not call.timed_out
    assert call.response is call.exchange.response
    assert call.waited == 29.0


def test_a_client_that_closes_while_the_answer_waits_is_still_recorded_as_giving_up():
    fault = Fault("integration_timeout", api="rest")
    with GatewayServer([fault], latency=0.002) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(REQUEST)
        sock.close()  # at once: long before the 0.058 s
        deadline = time.monotonic() + 10
        while not (fault.calls and fault.calls[0].timed_out) and time.monotonic() < deadline:
            time.sleep(0.005)  # the answer was due, written, and met a reset
    (call,) = fault.calls
    assert call.timed_out
    assert call.response is None
    assert type(call.exception).__name__ == "ClientClosed"
    assert call.waited < 29.0


def test_a_request_pipelined_while_the_first_waits_is_answered_after_it():
    fault = Fault("integration_timeout", api="rest")
    with GatewayServer([fault], latency=0.002) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(REQUEST)
            sock.sendall(REQUEST.replace(b"/items", b"/other"))
            first = sock.recv(65536)
            while len(_answers_partial(first)) < 2:
                first += sock.recv(65536)
    answers = _answers(first)
    assert [call.request.path for call in fault.calls] == ["/prod/items", "/prod/other"]
    for answer, call in zip(answers, fault.calls, strict=True):
        assert _body(answer) == call.exchange.response.body
        assert call.exception is None
        assert call.response is call.exchange.response


def _answers_partial(data: bytes) -> list[bytes]:
    try:
        answers = _answers(data)
    except (StopIteration, ValueError):
        return []
    return [a for a in answers if a.endswith(b"}")]


def test_pipelined_and_byte_by_byte_requests_are_each_answered_exactly():
    fault = Fault("function_error", api="http")
    with GatewayServer([fault]) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(REQUEST * 3)
            for byte in REQUEST:
                sock.sendall(bytes([byte]))
            sock.shutdown(socket.SHUT_WR)
            answers = _answers(_read_all(sock))
    assert len(answers) == len(fault.calls) == 4
    for answer, call in zip(answers, fault.calls, strict=True):
        request_id = dict(call.exchange.response.headers)["apigw-requestid"]
        assert b"Apigw-Requestid: " + request_id.encode() + b"\r\n" in answer
        assert _body(answer) == b'{"message":"Internal Server Error"}'


def test_the_record_is_complete_when_the_client_reads_the_answer():
    fault = Fault("function_error", api="http")
    with GatewayServer([fault]) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            for count in range(1, 201):
                sock.sendall(REQUEST)
                data = b""
                while not data.endswith(b"}"):
                    data += sock.recv(65536)
                # what the client read is recorded as answered, already
                assert fault.calls[-1].response is not None, count
    assert len(fault.calls) == 200


VIRTUAL = """
import socket
import pytest

REQUEST = b"GET /prod/items HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"

@pytest.mark.apigw_fault("integration_timeout", api="rest", virtual_time=True)
def test_real_latency_on_virtual_time(apigw_fault):
    server = apigw_fault.serve(latency="real")
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(60)  # real: far longer than the test may take
        sock.sendall(REQUEST)
        data = b""
        while not data.endswith(b"}"):
            data += sock.recv(65536)
    assert data.startswith(b"HTTP/1.1 504 Gateway Timeout\\r\\n")
    (call,) = apigw_fault.calls
    assert call.response is call.exchange.response
    assert call.exception is None
    assert call.waited == 29.0
"""


def test_a_real_latency_on_virtual_time_passes_at_once_for_a_socket_client(pytester):
    pytester.makeini(INI)
    pytester.makepyfile(test_virtual=VIRTUAL)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1)  # no error at teardown: the stop was clean
