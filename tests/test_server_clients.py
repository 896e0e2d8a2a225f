"""The loopback gateway as curl, Node, Java and ``http.client`` meet it.

Each client sends :data:`N` requests, one after the other, on one kept-alive
connection, to a server that answers a REST fault (under ``/rest/``) and an
HTTP API fault (under ``/http/``) in turn. Every answer must be API
Gateway's over HTTP/1.1: the status, the header names in AWS's spelling and
order (:data:`NAMES_HTTP11`), ``Connection: keep-alive`` where AWS sends
it, each value in its captured form, and the body byte for byte, all as the
model gave them for the call (``apigw_fault.calls``).

"At full speed" is checked by structure, not by a clock: a keep-alive
answer stalls ~40 ms when it leaves in two writes with Nagle's algorithm on
(the second small write waits for the ACK the client delays). So the server
must write each answer in ONE write, on a socket with ``TCP_NODELAY`` set,
and one accepted connection must carry all the answers.
:func:`_watch_server_side` is the one hook into the server for that: it
watches the sockets, not the server's code, so it holds for any server built
on Python sockets.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import shutil
import socket
import subprocess
import textwrap
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from captured import FORMS, NAMES_HTTP11

from pytest_apigw_faults import SCENARIOS, Api
from pytest_apigw_faults._gateway.wire import http11_response

N = 20  # requests on one connection, REST and HTTP API in turn


# The two faults: (api, scenario, status, body, exact values), from the captures.
FAULTS = {
    "rest": ("function_error", 502, b'{"message": "Internal server error"}', {
        "content-type": "application/json", "content-length": "36",
        "connection": "keep-alive", "x-amzn-errortype": "InternalServerErrorException",
        "x-cache": "Error from cloudfront"}),
    "http": ("lambda_throttled", 503, b'{"message":"Service Unavailable"}', {
        "content-type": "application/json", "content-length": "33"}),
}  # fmt: skip



def _apis():
    """The API of each of the :data:`N` requests, in order."""
    return [("rest", "http")[i % 2] for i in range(N)]


@dataclass
class Answer:
    """One answer as a client reported it. ``exact`` says whether the client
    shows header names as they came (spelling and order); ``raw`` is the
    whole answer as it came, when the client shows it; ``port`` the
    client's local port, when the client shows it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    exact: bool = True
    raw: bytes | None = None
    port: int | None = None


@dataclass
class ServerSide:
    """What the server's sockets did: the peer port of each accepted
    connection, and each write (peer port, TCP_NODELAY set, bytes)."""

    port: int
    accepted: list[int] = field(default_factory=list)
    writes: list[tuple[int, bool, bytes]] = field(default_factory=list)


def _watch_server_side(monkeypatch, port):
    """Watch the server's own sockets (local port ``port``): every
    connection it accepts and every write it makes, with whether
    ``TCP_NODELAY`` was set at the time. Sockets of in-process clients
    (another local port) pass unwatched. This is the test's one hook into
    the server: wrapping ``socket.socket`` catches ``sendall``, ``send``
    and ``sendmsg``, whichever the server (or its parser's loop) uses."""
    seen = ServerSide(port)
    accept, sendall = socket.socket.accept, socket.socket.sendall
    send, sendmsg = socket.socket.send, socket.socket.sendmsg

    def ours(sock):
        try:
            return sock.getsockname()[1] == port
        except OSError:
            return False

    def record(sock, data):
        if ours(sock):
            try:
                peer = sock.getpeername()[1]
                nodelay = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            except OSError:  # the client is gone: the write fails on its own
                peer, nodelay = -1, False
            seen.writes.append((peer, nodelay, bytes(data)))

    def watched_accept(self):
        conn, peer = accept(self)
        if ours(self):
            seen.accepted.append(peer[1])
        return conn, peer

    def watched_sendall(self, data, *args):
        record(self, data)
        return sendall(self, data, *args)

    def watched_send(self, data, *args):
        sent = send(self, data, *args)
        record(self, memoryview(data)[:sent])
        return sent

    def watched_sendmsg(self, buffers, *args):
        sent = sendmsg(self, buffers, *args)
        record(self, b"".join(buffers)[:sent])
        return sent

    monkeypatch.setattr(socket.socket, "accept", watched_accept)
    monkeypatch.setattr(socket.socket, "sendall", watched_sendall)
    monkeypatch.setattr(socket.socket, "send", watched_send)
    monkeypatch.setattr(socket.socket, "sendmsg", watched_sendmsg)
    return seen


def _wire_bytes(status, headers, body):
    head = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers)
    return (head + "\r\n").encode("latin-1") + body


def _split(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return int(lines[0].split()[1]), [tuple(line.split(": ", 1)) for line in lines[1:]], body


# -- the clients: each sends N requests on one connection -----------------------------------


CURL = shutil.which("curl")
NODE = shutil.which("node")
JAVA = shutil.which("java")

_CURL_WRITE_OUT = "\n@@curl num_connects=%{num_connects} local_port=%{local_port}@@\n"
_CURL_MARK = re.compile(rb"\n@@curl num_connects=(\d+) local_port=(\d+)@@\n")


def _curl(urls, tmp_path):
    # one curl, N URLs: curl keeps the connection for the next transfer
    done = subprocess.run(
        [CURL, "-sS", "-i", "--http1.1", "-w", _CURL_WRITE_OUT, *urls],
        capture_output=True, timeout=60, check=True,
    )
    parts = _CURL_MARK.split(done.stdout)
    assert parts[-1] == b"", done.stdout[-200:]
    answers = []
    connects = []
    for raw, num_connects, port in zip(parts[0::3], parts[1::3], parts[2::3], strict=False):
        status, headers, body = _split(raw)
        answers.append(Answer(status, headers, body, raw=raw, port=int(port)))
        connects.append(int(num_connects))
    assert connects == [1] + [0] * (len(urls) - 1)  # curl's own word: one connect
    return answers


_NODE = textwrap.dedent("""
    const http = require("http");
    const [mode, ...urls] = process.argv.slice(1);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

    async function viaFetch(url) {  // undici: keep-alive is its default
      const response = await fetch(url);
      const body = Buffer.from(await response.arrayBuffer());
      // undici hands its connection back to the pool a turn of the event loop
      // after the body ends: a fetch sent at once would open a second one
      // (as against Node's own http server): the test's one connection waits
      await new Promise((resolve) => setImmediate(resolve));
      return { status: response.status, headers: [...response.headers],
               body: body.toString("base64"), port: null };
    }

    function viaAgent(url) {
      return new Promise((resolve, reject) => {
        http.get(url, { agent }, (response) => {
          const port = response.socket.localPort, chunks = [];
          const raw = response.rawHeaders, headers = [];
          for (let i = 0; i < raw.length; i += 2) headers.push([raw[i], raw[i + 1]]);
          response.on("data", (chunk) => chunks.push(chunk));
          response.on("end", () => resolve({ status: response.statusCode, headers, port,
            body: Buffer.concat(chunks).toString("base64") }));
        }).on("error", reject);
      });
    }

    (async () => {
      if (mode === "fetch" && typeof fetch !== "function") process.exit(3);  // Node < 18
      const answers = [];
      for (const url of urls) answers.push(await (mode === "fetch" ? viaFetch : viaAgent)(url));
      process.stdout.write(JSON.stringify(answers));  // a pipe: written at once
      process.exit(0);
    })().catch((error) => { console.error(error); process.exit(1); });
""")


def _node(mode):
    def run(urls, tmp_path):
        done = subprocess.run(
            [NODE, "-e", _NODE, mode, *urls], capture_output=True, timeout=60, check=False
        )
        if done.returncode == 3:
            pytest.skip(f"this node has no global fetch (Node 18 or later has): {NODE}")
        assert done.returncode == 0, done.stderr.decode()
        return [
            Answer(a["status"], [tuple(h) for h in a["headers"]], base64.b64decode(a["body"]),
                   exact=mode == "agent", port=a["port"])
            for a in json.loads(done.stdout)
        ]

    return run


_JAVA = textwrap.dedent("""
    import java.net.URI;
    import java.net.http.HttpClient;
    import java.net.http.HttpRequest;
    import java.net.http.HttpResponse;
    import java.util.Base64;

    public class Client {
        public static void main(String[] urls) throws Exception {
            HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).build();
            StringBuilder out = new StringBuilder();
            for (String url : urls) {
                HttpResponse<byte[]> response = client.send(
                    HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
                out.append("answer ").append(response.statusCode()).append(' ')
                    .append(response.version()).append(' ')
                    .append(Base64.getEncoder().encodeToString(response.body())).append('\\n');
                response.headers().map().forEach((name, values) -> {
                    for (String value : values) {
                        out.append(name).append(": ").append(value).append('\\n');
                    }
                });
            }
            System.out.print(out);
        }
    }
""")


def _java(urls, tmp_path):
    source = tmp_path / "Client.java"
    source.write_text(_JAVA)
    done = subprocess.run(  # one JVM for every request: ~1-2 s to launch
        [JAVA, str(source), *urls], capture_output=True, text=True, timeout=120, check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    answers = []
    for line in done.stdout.splitlines():
        if line.startswith("answer "):
            _, status, version, body = line.split(" ")
            assert version == "HTTP_1_1"
            answers.append(Answer(int(status), [], base64.b64decode(body), exact=False))
        else:
            name, value = line.split(": ", 1)
            answers[-1].headers.append((name, value))
    return answers


def _http_client(urls, tmp_path):
    conn = http.client.HTTPConnection(urlsplit(urls[0]).netloc, timeout=10)
    answers = []
    try:
        for url in urls:
            conn.request("GET", urlsplit(url).path)
            response = conn.getresponse()
            body = response.read()
            port = conn.sock.getsockname()[1]
            answers.append(Answer(response.status, response.getheaders(), body, port=port))
    finally:
        conn.close()
    return answers


# each client: the program it needs (None: it runs in this process), how it runs
CLIENTS = {
    "curl": ("curl", _curl),
    "node-fetch": ("node", _node("fetch")),
    "node-http-agent": ("node", _node("agent")),
    "java-httpclient": ("java", _java),
    "http.client": (None, _http_client),
}


# -- the checks -----------------------------------------------------------------------------


def _check_answer(answer, call, api, written):
    """``answer`` is AWS's for ``api``, the one the model gave ``call``, and
    ``written`` (the server's one write) is those bytes exactly."""
    scenario, status, body, values = FAULTS[api]
    assert call.scenario is SCENARIOS[(scenario, Api(api))]
    wire = http11_response(call.exchange, Api(api))  # the model's, spelt for HTTP/1.1
    assert written == _wire_bytes(wire.status, wire.headers, wire.body)
    if answer.raw is not None:  # byte for byte as the server wrote it
        assert answer.raw == written
    assert (answer.status, answer.body) == (status, body)
    if answer.exact:  # AWS's spelling and order, as the model gave them
        assert [name for name, _ in answer.headers] == NAMES_HTTP11[api]
        assert answer.headers == list(wire.headers)
    else:  # the client folds names to lower case, in its own order
        assert sorted((k.lower(), v) for k, v in answer.headers) == sorted(
            (k.lower(), v) for k, v in wire.headers
        )
    got = {name.lower(): value for name, value in answer.headers}
    assert {name: got.get(name) for name in values} == values
    assert got.get("connection", "keep-alive") == "keep-alive"  # HTTP API: none, as AWS
    assert got["x-amzn-requestid" if api == "rest" else "apigw-requestid"] == call.request_id
    for name, value in got.items():
        if name in FORMS:
            assert re.fullmatch(FORMS[name], value), (name, value)


def _check(answers, calls, seen):
    """Every answer is right, and all came at full speed: one accepted
    connection carried them, each in one write of its own, with
    ``TCP_NODELAY`` set (no Nagle stall: nothing small waits for an ACK)."""
    assert len(answers) == len(calls) == N
    assert len(seen.accepted) == 1, f"{len(seen.accepted)} connections, not one"
    (peer,) = seen.accepted
    assert len(seen.writes) == N, f"{len(seen.writes)} writes for {N} answers, not one each"
    assert {port for port, _, _ in seen.writes} == {peer}
    assert all(nodelay for _, nodelay, _ in seen.writes), "TCP_NODELAY is not set"
    for answer, call, api, (_, _, written) in zip(
        answers, calls, _apis(), seen.writes, strict=True
    ):
        _check_answer(answer, call, api, written)
    assert {answer.port for answer in answers} <= {peer, None}  # the client's word too


@pytest.mark.parametrize("client", list(CLIENTS))
def test_n_answers_on_one_kept_alive_connection_are_aws_s_in_one_write_each(
    client, apigw_fault, monkeypatch, tmp_path
):
    program, run = CLIENTS[client]
    if program is not None and shutil.which(program) is None:
        pytest.skip(f"{program} is not installed (shutil.which({program!r}) finds none)")
    server = apigw_fault.serve()
    for api, (scenario, *_) in FAULTS.items():
        apigw_fault.inject(scenario, api=api, url=f"{server.url}/{api}/")
    seen = _watch_server_side(monkeypatch, server.port)
    answers = run([f"{server.url}/{api}/items" for api in _apis()], tmp_path)
    _check(answers, apigw_fault.calls, seen)
