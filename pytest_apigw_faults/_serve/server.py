"""A real API Gateway on 127.0.0.1, for clients no fault can patch.

A subprocess, curl, ``urllib``, a Go binary: anything that speaks HTTP/1.1
can call :class:`GatewayServer` and get the exact answer of the gateway
model, through :meth:`Fault.answer` (client name ``"server"``). It needs no
HTTP client library: a ``socketserver`` thread per connection reads the
requests with llhttp (``httptools``, the ``serve`` extra; :mod:`.http1`),
and the headers go out as the model gives them, in their HTTP/1.1 spelling
(``x-amzn-RequestId``, ``Connection: keep-alive``: ``wire.http11_response``;
no ``Server`` or ``Date`` of its own), with HTTP/1.1 keep-alive. A request
the front door cannot read gets its plain answer (``front_door.unreadable``).

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
import importlib.util
import logging
import math
import select
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import Any, Literal, TypeAlias

from .._core import loopback
from .._core.fault import Call, Fault
from .._core.matching import is_execute_api_host
from .._core.refusal import why_not
from .._core.websocket_api import WebSocketApi
from .._gateway.table import ApigwFaultError
from .._gateway.wire import WireResponse, http11_response
from .http1 import MAX_BODY, Connection, Message, parser_module
from .inflight import Ending, abandoned, gave_up, refused, wait_for_answer
from .websocket import is_websocket_upgrade, serve_management, serve_websocket

__all__ = ["LOOPBACK", "MAX_BODY", "GatewayServer", "Latency", "ServerRequest", "latency_factor"]

#: The only address the server listens on.
LOOPBACK = "127.0.0.1"
#: The largest scale factor of the gateway's latency: the longest wait, a
#: REST integration timeout of 29 s, then lasts 48 minutes.
MAX_LATENCY_FACTOR = 100.0
_CLIENT = "server"

#: ``"real"``, or how much of the gateway's latency the server really waits
#: (``0``: answer at once; ``1.0``: the latency itself; ``0.01``: a hundredth).
Latency: TypeAlias = float | Literal["real"]
#: What the server answers with: faults (and APIs of many routes), WebSocket APIs.
Served: TypeAlias = Fault | WebSocketApi

logger = logging.getLogger("pytest_apigw_faults.server")


def latency_factor(latency: object) -> float:
    """The scale factor a :data:`Latency` stands for, or an error."""
    if latency == "real":
        return 1.0
    if (
        isinstance(latency, bool)
        or not isinstance(latency, (int, float))
        or not math.isfinite(latency)
        or not 0 <= latency <= MAX_LATENCY_FACTOR
    ):
        raise ApigwFaultError(
            f"latency= takes 'real' or a scale factor of the gateway's latency"
            f" (a number from 0 to {MAX_LATENCY_FACTOR:g}: 0 answers at once, 0.01 waits"
            f" a hundredth, {MAX_LATENCY_FACTOR:g} makes a 29 s timeout 48 minutes),"
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


def _request_url(path: str, host: str | None, own: str) -> str:
    """The URL faults match a request against (see the module doc)."""
    if path.startswith(("http://", "https://")):  # absolute form
        return path
    host = (host or "").strip() or own
    hostname = host if host.endswith("]") else host.rsplit(":", 1)[0]
    scheme = "https" if is_execute_api_host(hostname) else "http"
    return f"{scheme}://{host}{path}"


class _Handler(socketserver.BaseRequestHandler):
    """One connection (:class:`.http1.Connection`), in its own thread."""

    server: _TCPServer

    def handle(self) -> None:
        server = self.server
        Connection(self.request, server.gateway._serve, server.httptools).run()


class _TCPServer(socketserver.ThreadingTCPServer):
    """A thread per connection, that knows its open connections, so that
    stopping it closes them and joins every thread it started."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, gateway: GatewayServer, port: int, httptools: ModuleType) -> None:
        self.gateway = gateway
        self.httptools = httptools
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._accepting = False
        super().__init__((LOOPBACK, port), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        self._accepting = True  # until process_request has started its thread
        try:
            return super().get_request()
        except BaseException:
            self._accepting = False
            raise

    def pending(self) -> bool:
        """Whether a connection waits to be accepted, or is being so."""
        with contextlib.suppress(OSError, ValueError):  # closed: stopping
            return self._accepting or bool(select.select([self.socket], [], [], 0)[0])
        return False

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        try:
            super().process_request(request, client_address)
        finally:
            self._accepting = False

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
    A :class:`~.._core.websocket_api.WebSocketApi` among them takes the
    WebSocket upgrades to its stage.
    ``latency`` is ``0`` (answer at once, the default), ``"real"`` (wait the
    gateway's latency, 29 s for a REST integration timeout) or a scale
    factor of it (``0.01`` waits 0.29 s). ``port`` ``0`` takes a free one.

    Use it as a context manager, or :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        faults: Sequence[Served] | Callable[[], Sequence[Served]],
        *,
        latency: Latency = 0.0,
        port: int = 0,
    ) -> None:
        self._faults: Callable[[], Sequence[Served]] = (
            faults if callable(faults) else (lambda: tuple(faults))
        )
        self._factor = latency_factor(latency)
        if importlib.util.find_spec("httptools") is None:
            parser_module()  # the error that names the extra
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ApigwFaultError(f"port= takes 0 (a free port) to 65535, got {port!r}")
        self._port = port
        self._lock = threading.Lock()
        self._httpd: _TCPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._own = LOOPBACK

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
            httpd = _TCPServer(self, self._port, parser_module())
            self._stopping = threading.Event()
            self._own = f"{LOOPBACK}:{httpd.server_address[1]}"
            thread = threading.Thread(
                target=_accept_in_real_time,
                args=(httpd,),
                name=f"apigw-faults server {LOOPBACK}:{httpd.server_address[1]}",
                daemon=True,
            )
            thread.start()
            self._httpd, self._thread = httpd, thread
            loopback.serving(httpd.server_address[1], thread)
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
        loopback.stopped(httpd.server_address[1])
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
    def _claim(faults: Sequence[Served], url: str) -> Fault | None:
        for fault in reversed(faults):
            if isinstance(fault, WebSocketApi):
                continue
            takes = fault.matcher(url) if fault.matcher.named else True
            if takes and fault._take():
                return fault
        return None

    def _serve(self, connection: Connection, message: Message) -> None:
        """Answer one complete request that came in on ``connection``."""
        headers = tuple(message.headers)
        host = None
        for name, value in headers:
            if name.lower() == "host":
                host = value
                break
        if is_websocket_upgrade(message):
            for api in reversed(self._faults()):
                if isinstance(api, WebSocketApi) and api.takes(message.target, host):
                    serve_websocket(connection, message, api)
                    return
        url = _request_url(message.target, host, self._own)
        if "connections" in message.target and serve_management(
            connection, message, self._faults(), url
        ):
            return
        request = ServerRequest(
            method=message.method,
            url=url,
            path=message.target,
            headers=headers,
            body=message.body,
        )
        self._answer(
            connection, request, unread=max(message.size, message.length or 0)
            if message.too_large else None,
        )

    def _answer(
        self, handler: Connection, request: ServerRequest, *, unread: int | None = None
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
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s -> %d %s (gateway latency %.3f s, waited %.3f s)",
                request.method,
                request.url,
                call.exchange.response.status,
                call.scenario.id if call.scenario is not None else f"{fault.api.value}-lambda",
                latency,
                wait,
            )
        ended, closed_at = self._in_flight(handler, call, wait)
        if ended:
            return
        # AWS's HTTP/1.1 spelling and Connection header, decided by the model
        keep_alive = not (handler.close_connection or unread is not None)
        call.response = call.exchange.response  # before the client can read it
        try:
            handler.send_wire(
                http11_response(
                    call.exchange, fault.api, responses=fault.gateway_responses,
                    keep_alive=keep_alive,
                )
            )
        except OSError as error:  # the client went away while it was written
            handler.close_connection = True
            call.response = None
            gave_up(call, call.waited if closed_at is None else closed_at, error)
            return
        if wait and refused(handler.sock):  # it had closed: the write met a reset
            handler.close_connection = True
            call.response = None
            gave_up(call, call.waited if closed_at is None else closed_at)

    def _in_flight(
        self, handler: Connection, call: Call, wait: float
    ) -> tuple[bool, float | None]:
        """Wait ``wait`` seconds before the answer is written. Whether the
        call ended first (recorded so: the client closed the connection, or
        the server stopped), so nothing is to be written; and how far into
        the call (gateway time) the client's end of stream came, if it did:
        it may still read the answer (a half-close), or not."""
        ending: Ending = "stopped" if self._stopping.is_set() else "due"
        started = time.monotonic()
        closed: float | None = None
        if wait and ending == "due":
            ending, closed = wait_for_answer(handler.sock, wait, self._stopping)
        in_flight = None if closed is None else self._gateway_time(call, closed - started)
        if ending == "due":
            return False, in_flight
        handler.close_connection = True
        so_far = self._gateway_time(call, time.monotonic() - started)
        if ending == "stopped":
            abandoned(call, so_far)
        else:
            gave_up(call, so_far if in_flight is None else in_flight)
        return True, in_flight

    def _gateway_time(self, call: Call, real: float) -> float:
        """``real`` seconds of the server's wait, in the gateway's time."""
        return min(real / self._factor if self._factor else 0.0, call.waited)

    @staticmethod
    def _plain(handler: Connection, status: int, text: str, *, close: bool = False) -> None:
        body = text.encode()
        length = ("content-length", str(len(body)))
        headers = (("content-type", "text/plain; charset=utf-8"), length)
        handler.send_wire(WireResponse(status, headers, body), close=close)


def _accept_in_real_time(httpd: _TCPServer) -> None:
    """Accept connections until stopped. On virtual time, the accepting
    thread polls in real time: its polls are the server's, not the test's
    waits, and would otherwise hold the clock to steps of their length; it
    holds the clock only while it has a connection to accept. The
    connections' threads it starts wait out the latency on the clock."""
    from .._core import runtime

    clock = runtime.board().clock
    with clock.aside(httpd.pending) if clock is not None else contextlib.nullcontext():
        httpd.serve_forever(poll_interval=0.05)


def _unanswered(request: ServerRequest, faults: Sequence[Served]) -> str:
    """The body of the 404 for a request no fault takes: why each does not,
    in the words of the adapters' refusals (``refusal.why_not``)."""
    lines = [f"pytest-apigw-faults: no fault answers {request.method} {request.url}."]
    if faults:
        lines.append("The server's faults, oldest first:")
        lines += (
            f"  {fault!r}: "
            + (
                f"a WebSocket API: it takes WebSocket upgrades to /{fault.place.stage}"
                if isinstance(fault, WebSocketApi)
                else why_not(fault, request.url, None)
            )
            for fault in faults
        )
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

    def get(self, name: str, default: Any = None) -> Any:
        return self._first.get(name.lower(), default)

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._lines)
