"""The loopback gateway: a real HTTP/1.1 server on 127.0.0.1, for any client.

Clients here are the ones no fault patches: ``urllib.request``,
``http.client``, a raw socket and curl in a subprocess. Nothing but
127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import http.client
import logging
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from captured import NAMES_HTTP11
from support import set_up_inner

from pytest_apigw_faults import SCENARIOS, Api, ApigwFaultError, Fault, GatewayServer
from pytest_apigw_faults._core import fault as fault_module
from pytest_apigw_faults._serve.server import MAX_BODY

EXECUTE_API = "abc123def4.execute-api.us-east-1.amazonaws.com"
PATH = "/prod/items"
CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")


def _captures():
    """The captured rows of test_wire (it imports both clients: a
    single-client install has them not, and skips the byte checks)."""
    try:
        import test_wire
    except ImportError as error:  # pragma: no cover - single-client installs
        return None, str(error)
    return test_wire, ""


CAPTURES, WHY_NOT = _captures()
ROWS = CAPTURES.ROWS if CAPTURES else []
ROW_IDS = CAPTURES.ROW_IDS if CAPTURES else []
needs_captures = pytest.mark.skipif(
    CAPTURES is None, reason=f"the captured rows live in test_wire: {WHY_NOT}"
)


def _server_threads():
    return {t for t in threading.enumerate() if t.name.startswith("apigw-faults server")}


@pytest.fixture(autouse=True)
def _no_thread_left(request):
    if request.node.get_closest_marker("apigw_fault"):
        yield  # the marker's fixture (set up first) stops the server after this
        return
    before = set(threading.enumerate())
    yield
    # a test's own server is stopped by now (with blocks, or the fixture)
    deadline = time.monotonic() + 2
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.01)  # the threads of clients (executors) end on their own
    assert set(threading.enumerate()) - before == set()




def _expected_bytes(call):
    """What the wire carries for ``call``: status line, the model's headers
    in their HTTP/1.1 spelling (``Connection`` after ``Content-Length`` on
    REST), a blank line and the body."""
    wire = call.exchange.response
    head = f"HTTP/1.1 {wire.status} {HTTPStatus(wire.status).phrase}\r\n"
    for name, value in wire.headers:
        head += f"{NAMES_HTTP11_OF[name]}: {value}\r\n"
        if name == "content-length" and call.scenario.api is Api.REST:
            head += "Connection: keep-alive\r\n"
    return (head + "\r\n").encode("latin-1") + wire.body


NAMES_HTTP11_OF = {name.lower(): name for names in NAMES_HTTP11.values() for name in names}


def _check(status, headers, body, row, call, *, closing=False):
    """The answer is the capture's, and the one ``call`` recorded. A client
    that asked to close (urllib sends ``Connection: close``) is told
    ``Connection: close``, on either API."""
    api, _name, expected_status, expected_body, length, _latency, _logs = row
    assert status == expected_status
    assert body == expected_body
    names = list(NAMES_HTTP11[api])
    if closing and "Connection" not in names:
        names.insert(names.index("Content-Length") + 1, "Connection")
    assert [name for name, _ in headers] == names
    values = {name.lower(): value for name, value in headers}
    assert values["content-length"] == length
    assert values["content-type"] == "application/json"
    assert values.get("connection", "keep-alive") == ("close" if closing else "keep-alive")
    for name, value in values.items():
        if name in CAPTURES.FORMS:
            assert re.fullmatch(CAPTURES.FORMS[name], value), (name, value)
    # the model's answer, spelt for HTTP/1.1
    assert [(k.lower(), v) for k, v in headers if k != "Connection"] == list(
        call.exchange.response.headers
    )
    assert call.client == "server"
    assert call.response == call.exchange.response


def _raw(port, request, *, until_closed=False):
    """Send ``request`` bytes and read one answer (by content-length), or
    everything until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while True:
            if not until_closed and b"\r\n\r\n" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                match = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
                if match is not None and len(rest) >= int(match.group(1)):
                    return data
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def _split(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(line.split(": ", 1)) for line in lines[1:]]
    return status, headers, body


# -- the captured rows through four clients ---------------------------------------------


def _through_urllib(server):
    request = urllib.request.Request(server.url + PATH)
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=10)
    with excinfo.value as error:
        return error.status, list(error.headers.items()), error.read()


def _through_http_client(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", PATH, headers={"Host": EXECUTE_API})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def _through_socket(server):
    raw = _raw(server.port, f"GET {PATH} HTTP/1.1\r\nHost: {EXECUTE_API}\r\n\r\n".encode())
    return (*_split(raw), raw)


def _through_curl(server):
    done = subprocess.run(
        [CURL, "-sS", "-i", "--http1.1", "-H", "Expect:", server.url + PATH],
        capture_output=True, timeout=30, check=True,
    )
    return (*_split(done.stdout), done.stdout)


CLIENTS = {
    "urllib": _through_urllib,
    "http.client": _through_http_client,
    "socket": _through_socket,
    "curl": _through_curl,
}


@needs_captures
@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_captured_row_byte_for_byte(row, client):
    if client == "curl" and CURL is None:
        pytest.skip("curl is not installed")
    fault = Fault(row[1], api=row[0], seed=7)
    with GatewayServer([fault]) as server:
        status, headers, body, *raw = CLIENTS[client](server)
    (call,) = fault.calls
    _check(status, headers, body, row, call, closing=client == "urllib")
    if raw:  # the whole answer, byte for byte: no Server, no Date of the stdlib's
        assert raw[0] == _expected_bytes(call)
    assert len(call.logs) == row[6]


# -- HTTP/1.1 -----------------------------------------------------------------------------


def test_keep_alive_head_and_bodies_on_one_connection():
    fault = Fault("function_error", api="rest")
    with GatewayServer([fault]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            got = []
            sockets = set()
            for method, body in [("GET", None), ("HEAD", None), ("POST", b"x" * 1000),
                                 ("PUT", b""), ("GET", None)]:
                conn.request(method, PATH, body=body)
                response = conn.getresponse()
                got.append((method, response.status, response.getheader("content-length"),
                            response.read()))
                sockets.add(id(conn.sock))
        finally:
            conn.close()
    assert len(sockets) == 1  # one connection for all five
    rest_error = b'{"message": "Internal server error"}'
    assert got == [
        ("GET", 502, "36", rest_error),
        ("HEAD", 502, "0", b""),  # second pass C3 [WAF-HEAD]
        ("POST", 502, "36", rest_error),
        ("PUT", 502, "36", rest_error),
        ("GET", 502, "36", rest_error),
    ]
    assert [len(c.request.body) for c in fault.calls] == [0, 0, 1000, 0, 0]
    assert [c.request.method for c in fault.calls] == ["GET", "HEAD", "POST", "PUT", "GET"]


def test_connection_close_is_honoured():
    with GatewayServer([Fault("function_error", api="http")]) as server:
        raw = _raw(
            server.port,
            f"GET {PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
            + b"GET /never HTTP/1.1\r\nHost: x\r\n\r\n",
            until_closed=True,
        )
    assert raw.count(b"HTTP/1.1 ") == 1  # the second request was not read
    assert raw.endswith(b'{"message":"Internal Server Error"}')


def test_chunked_bodies_are_read():
    fault = Fault("lambda_throttled", api="http")
    with GatewayServer([fault]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("POST", PATH, body=iter([b"abc", b"", b"x" * 70000]),
                         encode_chunked=True)
            response = conn.getresponse()
            status, _ = response.status, response.read()
        finally:
            conn.close()
    assert status == 503
    assert fault.calls[0].request.body == b"abc" + b"x" * 70000


@pytest.mark.parametrize("size", [1, 5 * 1024 * 1024, MAX_BODY], ids=["1-B", "5-MB", "10-MB"])
def test_bodies_up_to_10_mb_reach_the_fault(size):
    # a failure before the Lambda: Lambda's own 6 MB limit does not apply
    fault = Fault("api_configuration_error", api="rest")
    with GatewayServer([fault]) as server:
        request = urllib.request.Request(server.url + PATH, data=b"b" * size, method="POST")
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(request, timeout=30)
        excinfo.value.close()
    assert excinfo.value.status == 500
    assert len(fault.calls[0].request.body) == size


def test_a_body_over_10_mb_gets_the_request_too_large_answer():
    row = SCENARIOS[("request_too_large", Api.REST)]
    fault = Fault("function_error", api="rest")
    with GatewayServer([fault]) as server:
        head = f"POST {PATH} HTTP/1.1\r\nHost: {EXECUTE_API}\r\nContent-Length: {MAX_BODY + 1}"
        raw = _raw(server.port, f"{head}\r\n\r\n".encode() + b"b" * (MAX_BODY + 1),
                   until_closed=True)
        expect = _raw(
            server.port, f"{head}\r\nExpect: 100-continue\r\n\r\n".encode(), until_closed=True
        )
        chunked = _raw(
            server.port,
            f"POST {PATH} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
            + (b"100000\r\n" + b"c" * 0x100000 + b"\r\n") * 11 + b"0\r\n\r\n",
            until_closed=True,
        )
    for answer in (raw, expect, chunked):
        status, headers, body = _split(answer)
        assert (status, body) == (413, row.body)
        assert dict(headers)["Content-Type"] == row.content_type
        assert ("Connection", "close") in headers  # the server closes after it
    assert not expect.startswith(b"HTTP/1.1 100")  # refused before the body came
    # each refusal is a call of the fault, its body not kept
    assert [c.scenario for c in fault.calls] == [row, row, row]
    assert [c.request.body for c in fault.calls] == [b"", b"", b""]


def test_a_body_over_10_mb_to_an_http_api_gets_the_models_413():
    row = SCENARIOS[("payload_too_large", Api.HTTP)]
    fault = Fault("function_error", api="http")
    with GatewayServer([fault]) as server:
        raw = _raw(
            server.port,
            f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: {MAX_BODY + 1}\r\n"
            "Expect: 100-continue\r\n\r\n".encode(),
            until_closed=True,
        )
    status, headers, body = _split(raw)
    assert (status, body) == (413, row.body)
    assert [name for name, _ in headers] == [
        "Date", "Content-Type", "Content-Length", "Connection", "Apigw-Requestid"
    ]
    assert dict(headers)["Connection"] == "close"
    assert [c.scenario for c in fault.calls] == [row]


def test_a_bad_content_length_is_a_400_and_the_server_goes_on():
    fault = Fault("function_error", api="http")
    with GatewayServer([fault]) as server:
        raw = _raw(server.port, b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n",
                   until_closed=True)
        after = _through_http_client(server)
    assert raw.startswith(b"HTTP/1.1 400 ")
    assert after[0] == 500


def test_fifty_parallel_connections():
    # each answer really waits the row's 0.513 s: together they take ~0.5 s
    fault = Fault("malformed_response", api="rest", seed=8)
    barrier = threading.Barrier(50)
    with GatewayServer([fault], latency="real") as server:

        def one(_):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
            try:
                conn.connect()
                barrier.wait(timeout=20)
                conn.request("GET", PATH)
                response = conn.getresponse()
                return response.status, response.getheader("x-amzn-requestid"), response.read()
            finally:
                conn.close()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=50) as pool:
            got = list(pool.map(one, range(50)))
        took = time.perf_counter() - started
    assert {(status, body) for status, _, body in got} == {
        (502, b'{"message": "Internal server error"}')}
    assert len({request_id for _, request_id, _ in got}) == 50
    assert len(fault.calls) == 50
    assert took < 10  # one after the other would be 25.6 s


# -- which fault answers --------------------------------------------------------------------


def _status(server, path, host=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", path, headers={} if host is None else {"Host": host})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_the_host_header_gives_the_url_that_url_filters_match():
    anything = Fault("function_error", api="rest")
    special = Fault("lambda_throttled", api="http", url=f"https://{EXECUTE_API}/prod/special")
    served = [anything, special]
    with GatewayServer(lambda: served) as server:
        base = server.url
        own = Fault("permission_denied", api="http", url=base + "/v2/")
        served.append(own)
        got = [
            _status(server, "/prod/special", EXECUTE_API),  # the newest that matches
            _status(server, "/prod/other", EXECUTE_API),  # no url=: anything
            _status(server, "/prod/special"),  # http://127.0.0.1:PORT/prod/special
            _status(server, "/v2/orders"),  # the server's own URL
        ]
    assert got == [503, 502, 502, 500]
    assert [c.request.url for c in special.calls] == [f"https://{EXECUTE_API}/prod/special"]
    assert [c.request.url for c in own.calls] == [base + "/v2/orders"]


def test_times_then_a_plain_404_when_no_fault_answers(caplog):
    fault = Fault("function_error", api="rest", times=1)
    with GatewayServer([fault]) as server:
        first = _through_http_client(server)
        second = _through_http_client(server)
    assert first[0] == 502
    status, headers, body = second
    assert status == 404
    assert dict(headers)["content-type"] == "text/plain; charset=utf-8"
    assert body.decode() == (
        f"pytest-apigw-faults: no fault answers GET https://{EXECUTE_API}{PATH}.\n"
        "The server's faults, oldest first:\n"
        "  Fault('function_error', api='rest', endpoint='edge', times=1; any execute-api"
        " host): its times=1 call is used up (1 of 1)\n"
        "Inject one first (apigw_fault.inject(...) or the apigw_fault marker), or check"
        " its url=.\n"
    )
    assert "no fault is injected" in caplog.text


def test_the_404_says_why_each_fault_does_not_take_the_request():
    other = "https://zzz999yyy8.execute-api.us-east-1.amazonaws.com/"
    named = Fault("api_throttled", api="http", url=other)
    with GatewayServer([named]) as server:
        status, _, body = _through_http_client(server)
    with GatewayServer([]) as server:
        empty = _through_http_client(server)
    assert status == 404
    assert body.decode().splitlines()[1:3] == [
        "The server's faults, oldest first:",
        f"  Fault('api_throttled', api='http', endpoint='regional'; URLs starting with"
        f" {other!r}): the URL is outside its url= (URLs starting with {other!r})",
    ]
    assert empty[0] == 404
    assert empty[2].decode().splitlines()[1] == "The server has no fault."


# -- latency -----------------------------------------------------------------------------


def _timed_get(server, timeout):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.request("GET", PATH)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def test_by_default_the_answer_is_at_once_and_the_latency_is_logged(caplog):
    caplog.set_level(logging.INFO, logger="pytest_apigw_faults.server")
    with GatewayServer([Fault("integration_timeout", api="rest")]) as server:
        status, took = _timed_get(server, timeout=5)
    assert (status, took < 2) == (504, True)
    assert "-> 504 rest-integration_timeout (gateway latency 29.000 s, waited 0.000 s)" in (
        caplog.text)


def test_a_scaled_latency_really_waits_and_a_client_timeout_fires():
    with GatewayServer([Fault("integration_timeout", api="rest")], latency=0.01) as server:
        status, took = _timed_get(server, timeout=5)
        with pytest.raises(TimeoutError):
            _timed_get(server, timeout=0.1)  # 0.1 s < 29 s x 0.01
    assert status == 504
    assert took >= 0.29


def test_real_latency():
    fault = Fault("function_error", api="http")  # 0.406 s
    with GatewayServer([fault], latency="real") as server:
        with pytest.raises(TimeoutError):
            _timed_get(server, timeout=0.1)
        status, took = _timed_get(server, timeout=5)
    assert status == 500
    assert took >= 0.4


@pytest.mark.parametrize("latency", [-1, "fast", float("nan"), True, float("inf")])
def test_a_bad_latency_is_refused(latency):
    with pytest.raises(ApigwFaultError, match=r"latency= takes 'real' or a scale factor"):
        GatewayServer([], latency=latency)


# -- lifecycle ---------------------------------------------------------------------------


def test_stop_frees_the_port_and_joins_every_thread_even_mid_answer():
    before = set(threading.enumerate())
    server = GatewayServer([Fault("integration_timeout", api="rest")], latency="real").start()
    port = server.port
    idle = socket.create_connection(("127.0.0.1", port))  # a kept-alive connection
    waiting = socket.create_connection(("127.0.0.1", port))
    waiting.sendall(f"GET {PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())  # waits 29 s
    time.sleep(0.2)
    assert len(set(threading.enumerate()) - before) >= 3  # serving, and two connections
    started = time.perf_counter()
    server.stop()
    assert time.perf_counter() - started < 2
    assert set(threading.enumerate()) - before == set()
    assert waiting.recv(100) == b""  # closed without an answer
    idle.close()
    waiting.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with GatewayServer([], port=port):  # the port is free to listen on again
        pass
    server.stop()  # twice is fine
    assert not server.running


def test_only_loopback_and_a_fixed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with GatewayServer([], port=port) as server:
        assert server.url == f"http://127.0.0.1:{port}"
        assert repr(server).startswith(f"<GatewayServer http://127.0.0.1:{port}")
    with pytest.raises(ApigwFaultError, match="port="):
        GatewayServer([], port=70000)
    with pytest.raises(RuntimeError, match="not started"):
        _ = GatewayServer([]).url


# -- the fixture ---------------------------------------------------------------------------


def test_the_fixture_s_server_is_lazy_and_one_per_test(apigw_fault):
    assert _server_threads() == set()
    apigw_fault.inject("function_error", api="rest")
    server = apigw_fault.server
    assert apigw_fault.server is server
    assert len(_server_threads()) == 1
    assert apigw_fault.serve(latency=0.01) is server
    assert server.latency == 0.01
    status, headers, _ = _through_http_client(server)
    assert status == 502
    call = apigw_fault.calls[-1]
    assert (call.client, dict(headers)["x-amzn-RequestId"]) == ("server", call.request_id)
    assert apigw_fault.logs[-1].startswith(f"({call.request_id}) ")


@pytest.mark.apigw_fault("lambda_throttled", api="http")
def test_the_marker_s_fault_answers_on_the_server_for_a_subprocess(apigw_fault):
    script = textwrap.dedent("""
        import os, sys, urllib.error, urllib.request
        try:
            urllib.request.urlopen(os.environ["ORDERS_API"] + "/orders", timeout=10)
        except urllib.error.HTTPError as error:
            with error:
                sys.stdout.write(f"{error.status} {error.read().decode()}")
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True,
        env={"ORDERS_API": apigw_fault.server.url + "/prod", "PATH": "/usr/bin:/bin"},
    )
    assert done.stdout == '503 {"message":"Service Unavailable"}'
    assert apigw_fault.calls[0].request.url.endswith("/prod/orders")


def test_a_stopped_fault_no_longer_answers_on_the_server(apigw_fault):
    first = apigw_fault.inject("function_error", api="rest")
    second = apigw_fault.inject("lambda_throttled", api="http")
    assert _through_http_client(apigw_fault.server)[0] == 503
    second.stop()
    assert _through_http_client(apigw_fault.server)[0] == 502
    first.stop()
    assert _through_http_client(apigw_fault.server)[0] == 404


def test_with_no_client_library_inject_serves_the_server_only(apigw_fault, monkeypatch):
    monkeypatch.setattr(fault_module, "_installed", lambda name: False)
    fault = apigw_fault.inject("function_error", api="http")
    assert not fault.started  # nothing to patch
    assert _through_http_client(apigw_fault.server)[0] == 500
    assert [c.client for c in fault.calls] == ["server"]


def test_the_server_stops_at_teardown_even_when_the_test_fails(pytester):
    set_up_inner(pytester)
    pytester.makepyfile(
        test_inner="""
        import socket
        PORTS = []

        def test_fails(apigw_fault):
            apigw_fault.inject("function_error", api="rest")
            PORTS.append(apigw_fault.server.port)
            assert False, "on purpose"

        def test_after():
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(("127.0.0.1", PORTS[0]))  # nothing listens there any more
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    assert _server_threads() == set()


def test_the_server_needs_no_client_library():
    script = textwrap.dedent("""
        import sys, urllib.error, urllib.request
        for name in ("requests", "httpx", "aiohttp", "responses", "respx", "aioresponses"):
            sys.modules[name] = None  # importing any of them fails
        from pytest_apigw_faults import Fault, GatewayServer
        with GatewayServer([Fault("function_error", api="rest")]) as server:
            try:
                urllib.request.urlopen(server.url + "/prod/x", timeout=10)
            except urllib.error.HTTPError as error:
                with error:
                    print(error.status)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "502\n", "")


def test_a_handler_behind_the_server_sees_the_request():
    def handler(event, context):
        return {"statusCode": 200, "headers": {"x-team": "orders"},
                "body": f"{event['httpMethod']} {event['path']} {event['body']}"}

    fault = Fault(handler=handler, api="rest")
    with GatewayServer([fault]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("POST", PATH, body=b"hello", headers={"Host": EXECUTE_API})
            response = conn.getresponse()
            got = response.status, response.getheader("x-team"), response.read()
        finally:
            conn.close()
    assert got == (200, "orders", b"POST /items hello")
    assert fault.calls[0].result is not None
