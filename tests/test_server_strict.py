"""The loopback server is strict about HTTP/1.1, as a front door is.

Malformed requests go through raw sockets; each answer is checked byte for
byte (status line, header lines, body), the connection is closed after it,
and the server goes on serving other connections. The answers are inferred
(``_gateway/front_door.py``): no capture shows CloudFront's or API
Gateway's own.
"""

from __future__ import annotations

import socket
import sys

import pytest

from pytest_apigw_faults import ApigwFaultError, Fault, GatewayServer
from pytest_apigw_faults._gateway.headers import reason
from pytest_apigw_faults._gateway.records import WireResponse
from pytest_apigw_faults._serve.http1 import Connection, parser_module
from pytest_apigw_faults._serve.server import MAX_LATENCY_FACTOR

PATH = "/prod/items"


def _answer(status, message):
    body = b'{"message":"%s"}' % message.encode()
    return (
        f"HTTP/1.1 {status} {message}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body


BAD_REQUEST = _answer(400, "Bad Request")


def _exchange(port, *parts):
    """Send ``parts`` on one connection, say that nothing more comes, and read
    until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for part in parts:
            sock.sendall(part)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def _still_serving(server):
    raw = _exchange(server.port, f"GET {PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return raw.split(b"\r\n", 1)[0]


def _post(*lines, body=b""):
    head = "".join(f"{line}\r\n" for line in (f"POST {PATH} HTTP/1.1", "Host: x", *lines))
    return head.encode("utf-8") + b"\r\n" + body


@pytest.fixture
def served():
    fault = Fault("function_error", api="http")
    with GatewayServer([fault]) as server:
        yield server, fault


MALFORMED = {
    "two Content-Lengths": _post("Content-Length: 1", "Content-Length: 2", body=b"ab"),
    "two equal Content-Lengths": _post("Content-Length: 1", "Content-Length: 1", body=b"a"),
    "Content-Length with chunked": _post(
        "Content-Length: 3", "Transfer-Encoding: chunked", body=b"0\r\n\r\n"
    ),
    "chunked with Content-Length": _post(
        "Transfer-Encoding: chunked", "Content-Length: 3", body=b"0\r\n\r\n"
    ),
    "Content-Length: superscript two": _post("Content-Length: \u00b2"),
    "Content-Length: -1": _post("Content-Length: -1"),
    "Content-Length: 1 2": _post("Content-Length: 1 2"),
    "Content-Length: 0x1": _post("Content-Length: 0x1"),
    "Content-Length overflow": _post("Content-Length: 99999999999999999999999"),
    "Transfer-Encoding: gzip": _post("Transfer-Encoding: gzip"),
    "Transfer-Encoding: chunked, gzip": _post("Transfer-Encoding: chunked, gzip"),
    "Transfer-Encoding: identity": _post("Transfer-Encoding: identity"),
    "bad chunk size": _post("Transfer-Encoding: chunked", body=b"zz\r\nabc\r\n0\r\n\r\n"),
    "no Host on HTTP/1.1": f"GET {PATH} HTTP/1.1\r\n\r\n".encode(),
    "two Hosts": f"GET {PATH} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n".encode(),
    "space before the colon": f"GET {PATH} HTTP/1.1\r\nHost : x\r\n\r\n".encode(),
    "folded header line": f"GET {PATH} HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n".encode(),
    "bare LF": f"GET {PATH} HTTP/1.1\nHost: x\n\n".encode(),
    "control character": f"GET {PATH} HTTP/1.1\r\nHost: x\x01y\r\n\r\n".encode(),
    "unknown method": f"FETCH {PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
    "HTTP/1.2": f"GET {PATH} HTTP/1.2\r\nHost: x\r\n\r\n".encode(),
    "not HTTP": b"hello\r\n\r\n",
}


@pytest.mark.parametrize("request_bytes", MALFORMED.values(), ids=MALFORMED)
def test_a_malformed_request_gets_a_plain_400_and_the_server_goes_on(served, request_bytes):
    server, fault = served
    assert _exchange(server.port, request_bytes) == BAD_REQUEST
    assert fault.calls == []  # never reached the gateway
    assert _still_serving(server) == b"HTTP/1.1 500 Internal Server Error"


VERSIONS = {
    "HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "HTTP/2.0": f"GET {PATH} HTTP/2.0\r\nHost: x\r\n\r\n".encode(),
    "HTTP/0.9": f"GET {PATH} HTTP/0.9\r\n\r\n".encode(),
    "HTTP/0.9 request line": f"GET {PATH}\r\n\r\n".encode(),
}


@pytest.mark.parametrize("request_bytes", VERSIONS.values(), ids=VERSIONS)
def test_another_http_version_gets_a_505(served, request_bytes):
    server, fault = served
    assert _exchange(server.port, request_bytes) == _answer(505, "HTTP Version Not Supported")
    assert fault.calls == []
    assert _still_serving(server) == b"HTTP/1.1 500 Internal Server Error"


def test_a_request_line_over_64_kib_gets_a_414(served):
    server, fault = served
    line = f"GET /{'a' * 65536} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    assert _exchange(server.port, line) == _answer(414, "Request-URI Too Long")
    assert fault.calls == []
    assert _still_serving(server) == b"HTTP/1.1 500 Internal Server Error"


HEADER_SECTIONS = {
    "a header line over 64 KiB": f"X-Big: {'b' * 65536}\r\n",
    "101 header lines": "".join(f"X-{i}: {i}\r\n" for i in range(100)),
    # never ends: refused once 128 KiB of it came, not kept
    "an endless header line": f"X-Endless: {'e' * 300_000}",
}


@pytest.mark.parametrize("lines", HEADER_SECTIONS.values(), ids=HEADER_SECTIONS)
def test_too_big_a_header_section_gets_a_431(served, lines):
    server, fault = served
    request = f"GET {PATH} HTTP/1.1\r\nHost: x\r\n{lines}\r\n".encode()
    assert _exchange(server.port, request) == _answer(431, "Request Header Fields Too Large")
    assert fault.calls == []
    assert _still_serving(server) == b"HTTP/1.1 500 Internal Server Error"


def test_the_limits_themselves_are_served(served):
    server, fault = served
    target = "/" + "a" * (65536 - len("GET  HTTP/1.1") - 1)
    hundred = "".join(f"X-{i}: {i}\r\n" for i in range(99))
    big = "X-Big: " + "b" * (65536 - len("X-Big: ") - 2)
    raw = _exchange(
        server.port,
        f"GET {target} HTTP/1.1\r\nHost: x\r\n{hundred}\r\n".encode(),
        f"GET {PATH} HTTP/1.1\r\nHost: x\r\n{big}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert raw.count(b"HTTP/1.1 500 Internal Server Error\r\n") == 2
    assert [len(call.request.headers) for call in fault.calls] == [100, 3]


def test_requests_before_a_malformed_one_are_answered_first(served):
    server, fault = served
    raw = _exchange(
        server.port,
        f"GET {PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        + _post("Content-Length: 1", "Content-Length: 2"),
    )
    first, _, rest = raw.partition(b'{"message":"Internal Server Error"}')
    assert first.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    assert rest == BAD_REQUEST
    assert len(fault.calls) == 1


def test_request_headers_keep_their_names_order_and_repeats(served):
    server, fault = served
    _exchange(
        server.port,
        f"GET {PATH} HTTP/1.1\r\nx-lower: 1\r\nHost: x\r\nX-Mixed-CASE:  a b \r\n"
        "x-lower: 2\r\nConnection: close\r\n\r\n".encode(),
    )
    assert fault.calls[0].request.headers == (
        ("x-lower", "1"), ("Host", "x"), ("X-Mixed-CASE", "a b "), ("x-lower", "2"),
        ("Connection", "close"),
    )


def test_chunked_trailers_are_dropped_and_http_1_0_is_closed(served):
    server, fault = served
    raw = _exchange(
        server.port,
        _post("Transfer-Encoding: chunked", body=b"3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n")
        + f"GET {PATH} HTTP/1.0\r\n\r\n".encode()
        + f"GET {PATH} HTTP/1.0\r\n\r\n".encode(),
    )
    assert raw.count(b"HTTP/1.1 500 ") == 2  # the HTTP/1.0 request closes
    assert b"\r\nConnection: close\r\n" in raw
    assert [c.request.body for c in fault.calls] == [b"abc", b""]
    assert [name for name, _ in fault.calls[0].request.headers] == [
        "Host", "Transfer-Encoding"
    ]


def test_expect_100_continue_is_answered_before_the_body(served):
    server, fault = served
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(_post("Content-Length: 5", "Expect: 100-continue"))
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"hello")
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    assert fault.calls[0].request.body == b"hello"


def test_an_upgrade_is_answered_and_the_connection_closed(served):
    server, fault = served
    raw = _exchange(
        server.port,
        f"GET {PATH} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
        "not http".encode(),
    )
    assert raw.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    assert raw.count(b"HTTP/1.1") == 1
    assert b"\r\nConnection: close\r\n" in raw
    assert len(fault.calls) == 1


# -- nothing is written raw ------------------------------------------------------------


def test_a_handler_s_header_with_crlf_is_a_malformed_answer_not_an_injected_line():
    def handler(event, context):
        return {"statusCode": 200, "headers": {"x": "a\r\nSet-Cookie: evil=1"}, "body": "ok"}

    fault = Fault(handler=handler, api="rest", endpoint="regional")
    with GatewayServer([fault]) as server:
        raw = _exchange(
            server.port, f"GET {PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        )
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 502 Bad Gateway"
    assert body == b'{"message": "Internal server error"}'
    assert b"evil" not in raw
    assert [line.split(b":")[0] for line in head.split(b"\r\n")[1:]] == [
        b"Date", b"Content-Type", b"Content-Length", b"Connection", b"X-Amzn-Trace-Id",
        b"x-amzn-RequestId", b"x-amzn-ErrorType", b"x-amz-apigw-id",
    ]
    assert fault.calls[0].scenario.name == "malformed_response"


@pytest.mark.parametrize(
    "header",
    [("x", "a\r\nSet-Cookie: evil=1"), ("x", "a\nb"), ("x", "a\x00"), ("x\r\nevil", "1")],
    ids=["CRLF", "LF", "NUL", "CRLF in the name"],
)
def test_the_writer_refuses_a_header_that_is_not_one_line(header, caplog):
    ours, theirs = socket.socketpair()
    with ours, theirs:
        connection = Connection(ours, lambda connection, message: None, parser_module())
        connection.send_wire(WireResponse(200, (header,), b"ok"))
        ours.shutdown(socket.SHUT_WR)
        raw = theirs.recv(65536)
    assert raw == _answer(500, "Internal Server Error")
    assert connection.close_connection
    assert "refused to write an answer" in caplog.text


# -- set-up ----------------------------------------------------------------------------


@pytest.mark.parametrize("latency", [1e308, 100.5, 1000])
def test_a_latency_factor_over_100_is_refused(latency):
    with pytest.raises(ApigwFaultError, match=r"a number from 0 to 100: .* got "):
        GatewayServer([], latency=latency)


def test_a_latency_factor_of_100_is_taken():
    assert GatewayServer([], latency=100).latency == MAX_LATENCY_FACTOR == 100


def test_without_httptools_a_server_says_which_extra(monkeypatch):
    server = GatewayServer([])
    monkeypatch.setitem(sys.modules, "httptools", None)  # importing it fails
    with pytest.raises(ApigwFaultError, match=r"pip install 'pytest-apigw-faults\[serve\]'"):
        GatewayServer([])
    with pytest.raises(ApigwFaultError, match=r"pip install 'pytest-apigw-faults\[serve\]'"):
        server.start()
    assert not server.running


@pytest.mark.parametrize(
    ("status", "phrase"),
    [
        (413, "Request Entity Too Large"),
        (414, "Request-URI Too Long"),
        (416, "Requested Range Not Satisfiable"),
        (422, "Unprocessable Entity"),
        (403, "Forbidden"),
        (299, ""),
    ],
)
def test_a_status_line_is_the_same_on_every_python(status, phrase):
    # Python 3.13 renamed four phrases after RFC 9110; the wire keeps one spelling
    assert reason(status) == phrase
