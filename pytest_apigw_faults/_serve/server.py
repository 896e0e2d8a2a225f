"""A real API Gateway on 127.0.0.1, for clients no fault can patch.

A subprocess, curl, ``urllib``, a Go binary: anything that speaks HTTP/1.1
can call :class:`GatewayServer` and get the exact answer of the gateway
model, through :meth:`Fault.answer` (client name ``"server"``). It needs no
HTTP client library: the standard library's ``http.server`` serves, with
the headers written as the model gives them, in their HTTP/1.1 spelling
(``x-amzn-RequestId``, ``Connection: keep-alive``: ``wire.http11_response``;
no ``Server`` or ``Date`` of its own), and HTTP/1.1 keep-alive.

Which fault answers: the newest one that takes the request and has calls
left. A fault made without ``url=`` takes every request the server gets; one
made with ``url=`` takes the URLs it matches, where a request's URL is
``https://{Host}{path}`` when its ``Host`` header names an execute-api host,
and ``http://{Host}{path}`` (the server's own address) otherwise. With no
fault to answer, the server says so in a plain-text 404 that names each of
its faults and why it does not take the request.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, TypeAlias

from .._core.fault import Fault
from .._core.matching import is_execute_api_host
from .._core.refusal import why_not
from .._gateway.headers import latin1, reason
from .._gateway.limits import PAYLOAD_BYTES
from .._gateway.table import ApigwFaultError
from .._gateway.wire import WireResponse, http11_response

__all__ = ["LOOPBACK", "MAX_BODY", "GatewayServer", "Latency", "ServerRequest", "latency_factor"]

#: The only address the server listens on.
LOOPBACK = "127.0.0.1"
#: API Gateway's payload limit, in bytes [D-LIMITS]: the server keeps no
#: larger body. The gateway model decides the answer to one (a 413).
MAX_BODY = PAYLOAD_BYTES
# A body over the limit is read and dropped up to this size, so that a
# client that sends it all before reading still reads the 413; beyond, the
# connection is closed.
_DRAIN = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_CLIENT = "server"

#: ``"real"``, or how much of the gateway's latency the server really waits
#: (``0``: answer at once; ``1.0``: the latency itself; ``0.01``: a hundredth).
Latency: TypeAlias = float | Literal["real"]

logger = logging.getLogger("pytest_apigw_faults.server")


def latency_factor(latency: object) -> float:
    """The scale factor a :data:`Latency` stands for, or an error."""
    if latency == "real":
        return 1.0
    if (
        isinstance(latency, bool)
        or not isinstance(latency, (int, float))
        or not math.isfinite(latency)
        or latency < 0
    ):
        raise ApigwFaultError(
            f"latency= takes 'real' or a scale factor of the gateway's latency"
            f" (a number, 0 or more: 0 answers at once, 0.01 waits a hundredth),"
            f" got {latency!r}"
        )
    return float(latency)


@dataclass(frozen=True, eq=False)
class ServerRequest:
    """A request the server answered: ``Call.request`` for client ``"server"``.

    ``url`` is the URL faults are matched against (see the module doc);
    ``headers`` are in the order and spelling they came in. ``body`` is
    empty when it was over :data:`MAX_BODY`: the server does not keep it.
    """

    method: str
    url: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class _TooLarge(Exception):
    def __init__(self, unread: int | None, size: int) -> None:
        super().__init__()
        self.unread = unread  # bytes left to drain, None: unknown (chunked)
        self.size = size  # the body's size, or as much of it as came (chunked)


class _BadRequest(Exception):
    pass


def _request_url(path: str, host: str | None, own: str) -> str:
    """The URL faults match a request against (see the module doc)."""
    if path.startswith(("http://", "https://")):  # absolute form
        return path
    host = (host or "").strip() or own
    hostname = host if host.endswith("]") else host.rsplit(":", 1)[0]
    scheme = "https" if is_execute_api_host(hostname) else "http"
    return f"{scheme}://{host}{path}"


class _Handler(BaseHTTPRequestHandler):
    """One connection: requests one after another, as long as it is kept."""

    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    # an idle keep-alive connection is closed after this many seconds
    timeout = 60
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    # -- the request ---------------------------------------------------------------

    def _declared_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        value = value.strip()
        if not value.isdigit():
            raise _BadRequest(f"bad Content-Length {value!r}")
        return int(value)

    def _read(self, size: int) -> bytes:
        data = self.rfile.read(size)
        if len(data) != size:
            raise ConnectionError("the client closed the connection mid-body")
        return data

    def _read_chunked(self) -> bytes:
        """The body in chunks; past :data:`MAX_BODY`, the rest is read and
        dropped (up to ``_DRAIN``) and the body is too large."""
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(f"bad chunk size line {line!r}") from None
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields, dropped
                if total > MAX_BODY:
                    raise _TooLarge(0, total)
                return b"".join(parts)
            total += size
            if total > _DRAIN:
                raise _TooLarge(None, total)
            if total > MAX_BODY:
                parts = []
                self._drain(size)
            else:
                parts.append(self._read(size))
            self.rfile.readline(3)  # the CRLF after the chunk

    def _read_body(self) -> bytes:
        coding = self.headers.get("Transfer-Encoding")
        if coding is not None and coding.strip().lower() != "identity":
            if coding.strip().lower() != "chunked":
                raise _BadRequest(f"unsupported Transfer-Encoding {coding!r}")
            return self._read_chunked()
        length = self._declared_length()
        if length is None:
            return b""
        if length > MAX_BODY:
            raise _TooLarge(length, length)
        return self._read(length)

    def _drain(self, unread: int | None) -> None:
        """Read and drop what is left of a body over the limit."""
        if unread is None or unread > _DRAIN:
            return
        while unread:
            data = self.rfile.read(min(unread, _CHUNK))
            if not data:
                return
            unread -= len(data)

    def handle_expect_100(self) -> bool:
        try:
            length = self._declared_length()
        except _BadRequest:
            length = None
        if length is not None and length > MAX_BODY:  # refused before the body comes
            self.server.gateway._answer(self, self._request(b""), unread=length)
            return False
        return super().handle_expect_100()

    def _request(self, body: bytes) -> ServerRequest:
        own = f"{LOOPBACK}:{self.server.server_address[1]}"
        return ServerRequest(
            method=self.command,
            url=_request_url(self.path, self.headers.get("Host"), own),
            path=self.path,
            headers=tuple((str(k), str(v)) for k, v in self.headers.items()),
            body=body,
        )

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _TooLarge as error:
            self._drain(error.unread)
            self.server.gateway._answer(self, self._request(b""), unread=error.size)
            return
        except _BadRequest as error:
            self.close_connection = True
            self.send_error(400, str(error))
            return
        self.server.gateway._answer(self, self._request(body))

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    # -- the answer ----------------------------------------------------------------

    def send_wire(self, wire: WireResponse, *, close: bool = False) -> None:
        """Write ``wire`` as it is, in one write: status, headers in order, body."""
        lines = [f"HTTP/1.1 {wire.status} {reason(wire.status)}\r\n"]
        lines += [f"{name}: {latin1(value)}\r\n" for name, value in wire.headers]
        if close:
            lines.append("connection: close\r\n")  # and close_connection is set
        lines.append("\r\n")
        head = "".join(lines).encode("latin-1")
        self.wfile.write(head + wire.body if wire.body and self.command != "HEAD" else head)


class _HTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` that knows its open connections, so that
    stopping it closes them and joins every thread it started."""

    daemon_threads = False
    block_on_close = True
    request_queue_size = 128

    def __init__(self, gateway: GatewayServer, port: int) -> None:
        self.gateway = gateway
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__((LOOPBACK, port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that went away mid-request; nothing to print on stderr
        logger.debug("connection from %s ended: %r", client_address, sys.exc_info()[1])

    def close_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # closed by the client meanwhile
                sock.shutdown(socket.SHUT_RDWR)


class GatewayServer:
    """An API Gateway on ``127.0.0.1`` that answers with faults.

    ``faults`` are the faults it answers with, or a function that gives them
    at each request, oldest first; the faults need not be started (starting
    one patches the in-process clients, which the server does not need).
    ``latency`` is ``0`` (answer at once, the default), ``"real"`` (wait the
    gateway's latency, 29 s for a REST integration timeout) or a scale
    factor of it (``0.01`` waits 0.29 s). ``port`` ``0`` takes a free one.

    Use it as a context manager, or :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        faults: Sequence[Fault] | Callable[[], Sequence[Fault]],
        *,
        latency: Latency = 0.0,
        port: int = 0,
    ) -> None:
        self._faults: Callable[[], Sequence[Fault]] = (
            faults if callable(faults) else (lambda: tuple(faults))
        )
        self._factor = latency_factor(latency)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ApigwFaultError(f"port= takes 0 (a free port) to 65535, got {port!r}")
        self._port = port
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        return f"<GatewayServer {where} latency={self.latency!r}>"

    # -- set-up ------------------------------------------------------------------------

    @property
    def latency(self) -> float:
        """The share of the gateway's latency the server really waits."""
        return self._factor

    @latency.setter
    def latency(self, latency: Latency) -> None:
        self._factor = latency_factor(latency)

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        """The port the server listens on (started servers only)."""
        httpd = self._httpd
        if httpd is None:
            raise RuntimeError("the server is not started")
        return int(httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the base URL; add the path, ``/{stage}/...``."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> GatewayServer:
        """Listen and serve in a background thread; a started server stays as it is."""
        with self._lock:
            if self._httpd is not None:
                return self
            httpd = _HTTPServer(self, self._port)
            self._stopping = threading.Event()
            thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"apigw-faults server {LOOPBACK}:{httpd.server_address[1]}",
                daemon=True,
            )
            thread.start()
            self._httpd, self._thread = httpd, thread
        logger.info("API Gateway listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, close every connection, and join every thread; the
        port is free again when it returns. Safe to call when stopped."""
        with self._lock:
            httpd, thread = self._httpd, self._thread
            self._httpd = self._thread = None
        if httpd is None or thread is None:
            return
        self._stopping.set()  # a handler waiting out a latency answers no more
        try:
            httpd.shutdown()
            thread.join()
        finally:
            httpd.close_connections()
            httpd.server_close()  # joins the connection threads

    def __enter__(self) -> GatewayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- answering --------------------------------------------------------------------

    @staticmethod
    def _claim(faults: Sequence[Fault], url: str) -> Fault | None:
        for fault in reversed(faults):
            takes = fault.matcher(url) if fault.matcher.named else True
            if takes and fault._take():
                return fault
        return None

    def _answer(
        self, handler: _Handler, request: ServerRequest, *, unread: int | None = None
    ) -> None:
        """Answer ``request`` from the fault that takes it. ``unread`` is the
        size of a body over :data:`MAX_BODY`, which the server does not keep:
        the gateway model refuses it, and the connection is closed after."""
        if unread is not None:
            handler.close_connection = True
        faults = tuple(self._faults())
        fault = self._claim(faults, request.url)
        if fault is None:
            logger.warning("%s %s: no fault is injected for it; 404", request.method, request.url)
            self._plain(handler, 404, _unanswered(request, faults), close=unread is not None)
            return
        call = fault.answer(
            _CLIENT,
            request,
            read_timeout=None,
            spent=0.0,
            method=request.method,
            url=request.url,
            headers=_RequestHeaders(request.headers),
            body=request.body if unread is None else None,
            body_size=unread,
        )
        latency = call.exchange.latency
        wait = latency * self._factor
        logger.info(
            "%s %s -> %d %s (gateway latency %.3f s, waited %.3f s)",
            request.method,
            request.url,
            call.exchange.response.status,
            call.scenario.id if call.scenario is not None else f"{fault.api.value}-lambda",
            latency,
            wait,
        )
        if wait and self._stopping.wait(wait):
            handler.close_connection = True  # stopped meanwhile: no answer
            return
        # AWS's HTTP/1.1 spelling and Connection header, decided by the model
        keep_alive = not (handler.close_connection or unread is not None)
        handler.send_wire(
            http11_response(
                call.exchange, fault.api, responses=fault.gateway_responses,
                keep_alive=keep_alive,
            )
        )
        call.response = call.exchange.response

    @staticmethod
    def _plain(handler: _Handler, status: int, text: str, *, close: bool = False) -> None:
        body = text.encode()
        headers = (
            ("content-type", "text/plain; charset=utf-8"),
            ("content-length", str(len(body))),
        )
        handler.send_wire(WireResponse(status, headers, body), close=close)


def _unanswered(request: ServerRequest, faults: Sequence[Fault]) -> str:
    """The body of the 404 for a request no fault takes: why each does not,
    in the words of the adapters' refusals (``refusal.why_not``)."""
    lines = [f"pytest-apigw-faults: no fault answers {request.method} {request.url}."]
    if faults:
        lines.append("The server's faults, oldest first:")
        lines += (f"  {fault!r}: {why_not(fault, request.url, None)}" for fault in faults)
    else:
        lines.append("The server has no fault.")
    lines.append(
        "Inject one first (apigw_fault.inject(...) or the apigw_fault marker),"
        " or check its url=."
    )
    return "\n".join(lines) + "\n"


class _RequestHeaders(Mapping[str, str]):
    """A request's header lines as a mapping: a name's first value, any
    case, while ``multi_items()`` keeps every line, so a repeated header
    reaches the Lambda as the client sent it (HTTP API 2.0 joins its values
    with ``,``; REST's ``multiValueHeaders`` lists each)."""

    def __init__(self, lines: Sequence[tuple[str, str]]) -> None:
        self._lines = tuple(lines)
        self._first: dict[str, str] = {}
        for name, value in self._lines:
            self._first.setdefault(name.lower(), value)

    def __getitem__(self, name: str) -> str:
        return self._first[name.lower()]

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for name, _ in self._lines:
            if name.lower() not in seen:
                seen.add(name.lower())
                yield name

    def __len__(self) -> int:
        return len(self._first)

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._lines)
