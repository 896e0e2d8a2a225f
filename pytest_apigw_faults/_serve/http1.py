"""One HTTP/1.1 connection of the loopback server: requests in, answers out.

Requests are parsed by llhttp (the ``httptools`` library, the ``serve``
extra), which is strict about framing: two ``Content-Length`` headers,
``Content-Length`` with ``Transfer-Encoding``, a ``Content-Length`` that is
not a number, a transfer coding other than ``chunked``, a header name with a
space or a folded header line are refused, and so is what llhttp cannot read
at all. The connection adds the limits of the front door: a ``Host`` header
on HTTP/1.1, a request line and a header line of 65,536 bytes at most, 100
header lines, HTTP/1.0 or 1.1 only. Such a request gets the front door's own
plain answer (:func:`.front_door.unreadable`) and the connection is closed.

Each answer goes out in one ``sendall``, status line, headers and body; the
header names and values are the model's and are checked once more before
they are written: no control character reaches the wire.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import struct
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .._gateway.front_door import unreadable
from .._gateway.headers import reason
from .._gateway.limits import PAYLOAD_BYTES
from .._gateway.table import ApigwFaultError
from .._gateway.wire import WireResponse

__all__ = ["IDLE_TIMEOUT", "MAX_BODY", "Connection", "Message", "parser_module"]

#: API Gateway's payload limit, in bytes [D-LIMITS]: the server keeps no
#: larger body. The gateway model decides the answer to one (a 413).
MAX_BODY = PAYLOAD_BYTES
#: An idle keep-alive connection is closed after this many seconds.
IDLE_TIMEOUT = 60.0
# A body over the limit is read and dropped up to this size, so that a
# client that sends it all before reading still reads the 413; beyond, the
# answer goes at once and the connection is closed.
_DRAIN = 64 * 1024 * 1024
_RECV = 64 * 1024
_MAX_LINE = 65536  # bytes of the request line, and of one header line
_MAX_HEADERS = 100
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
# After refusing a request whose rest may still be coming, what is read and
# dropped before the socket is closed, so that the client reads the answer
# rather than a reset: at most this many bytes, for at most this long.
_LINGER_BYTES = 4 * 1024 * 1024
_LINGER_SECONDS = 2.0
# what may not appear in a head but its own line ends: control characters
# other than HTAB, CR and LF (those two are counted)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

logger = logging.getLogger("pytest_apigw_faults.server")


def parser_module() -> ModuleType:
    """``httptools``, or the error that says how to install it."""
    try:
        import httptools  # the serve extra, on first use
    except ImportError as error:
        raise ApigwFaultError(
            "the loopback gateway server parses HTTP/1.1 with httptools, which is"
            " not installed: pip install 'pytest-apigw-faults[serve]'"
        ) from error
    return httptools


class Message:
    """A request as it comes in: its head, then its body."""

    __slots__ = ("chunked", "continued", "expect", "headers", "keep_alive", "length",
                 "method", "parts", "size", "target", "version")

    def __init__(self) -> None:
        self.method = ""
        self.target = ""
        self.version = ""
        self.headers: list[tuple[str, str]] = []
        self.keep_alive = False
        self.length: int | None = None  # the declared Content-Length
        self.chunked = False
        self.expect = False  # Expect: 100-continue, not yet answered
        self.continued = False
        self.parts: list[bytes] = []
        self.size = 0  # body bytes received, kept or not

    @property
    def too_large(self) -> bool:
        return self.size > MAX_BODY or (self.length or 0) > MAX_BODY

    @property
    def body(self) -> bytes:
        return b"" if self.too_large else b"".join(self.parts)


class Unreadable(Exception):
    """A request the front door cannot take: its status, and why."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


#: Answers a complete message: ``(connection, message)``.
Serve = Callable[["Connection", Message], None]


class Connection:
    """One client connection: requests one after another, as long as it is kept.

    ``serve`` answers each complete request through :meth:`send_wire` and
    may set :attr:`close_connection`; a request over :data:`MAX_BODY` is
    served too (its body dropped), and the connection is closed after it.
    """

    def __init__(self, sock: socket.socket, serve: Serve, httptools: ModuleType) -> None:
        self.sock = sock
        self.close_connection = False
        self.method = ""  # of the request being answered: HEAD gets no body
        self._serve = serve
        # the classes the compiled parser raises: its own module's, which stay
        # those of the first import when the package's pure-Python error module
        # is imported again (a pytester run in the same process does that)
        parser = sys.modules.get("httptools.parser.parser", httptools)
        self._error = parser.HttpParserError
        self._upgrade = parser.HttpParserUpgrade
        self._parser: Any = httptools.HttpRequestParser(self)
        self._done: list[Message] = []
        self._message: Message | None = None
        self._in_head = False
        self._since_line = 0  # bytes fed since the last complete line of the head
        self._body_fed = 0  # bytes fed while in a body
        self._linger = False  # answered before the request was read whole
        #: What came after an upgrade request's head: the new protocol's first bytes.
        self.trailing = b""

    # -- the loop ------------------------------------------------------------------

    def run(self) -> None:
        """Read, parse and answer until the client or the server closes."""
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _idle_timeout(self.sock)
        while not self.close_connection:
            try:
                data = self.sock.recv(_RECV)
            except OSError:  # the idle timeout, or the server stopping
                return
            if not data:
                return
            refusal = self._feed(data)
            self._answer_done()
            if refusal is not None and not self.close_connection:
                self._refuse(refusal)
            elif not self.close_connection:
                self._mid_message()
        if self._linger:
            self._drain()

    def _drain(self) -> None:
        """Close our side, then read and drop what the client still sends
        (bounded), so that it reads the answer before the socket closes."""
        deadline = time.monotonic() + _LINGER_SECONDS
        left = _LINGER_BYTES
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
            while left > 0 and (wait := deadline - time.monotonic()) > 0:
                self.sock.settimeout(wait)
                data = self.sock.recv(_RECV)
                if not data:
                    return
                left -= len(data)

    def _feed(self, data: bytes) -> Unreadable | None:
        """Parse ``data``; what in it cannot be read, if anything."""
        try:
            self._parser.feed_data(data)
        except self._upgrade as upgrade:  # what follows is not HTTP/1.1
            offset = upgrade.args[0] if upgrade.args else len(data)
            self.trailing = data[offset:] if isinstance(offset, int) else b""
            return None
        except self._error as error:
            return _unreadable(error)
        if self._in_head:
            self._since_line += len(data)
            if self._since_line > _MAX_LINE + _RECV:
                return Unreadable(431, "a header line is over 65536 bytes")
        elif self._message is not None:
            self._body_fed += len(data)
        return None

    def _answer_done(self) -> None:
        done, self._done = self._done, []
        for message in done:
            if self.close_connection:
                return  # after Connection: close, nothing more is read
            self._answer(message)

    def _answer(self, message: Message) -> None:
        self.method = message.method
        self.close_connection = not message.keep_alive or message.too_large
        self._serve(self, message)

    def _mid_message(self) -> None:
        """A body still coming: let it come (``100 Continue``), or refuse it now
        when it is too large to be read and dropped."""
        message = self._message
        if message is None or self._in_head:
            return
        if message.expect and not message.continued and message.size == 0:
            if message.too_large:  # refused before the body comes
                self._linger = True
                self._answer(message)
                return
            message.continued = True
            self.sock.sendall(_CONTINUE)
        if message.too_large and (
            (message.length or 0) > _DRAIN or self._body_fed > _DRAIN + _RECV
        ):
            self._linger = True
            self._answer(message)

    def _refuse(self, refusal: Unreadable) -> None:
        logger.info("a request the front door cannot read: %d, %s", refusal.status, refusal)
        self.close_connection = self._linger = True
        self.method = ""
        self.send_wire(unreadable(refusal.status))

    # -- the parser's callbacks ------------------------------------------------------

    def on_message_begin(self) -> None:
        self._message = Message()
        self._in_head = True
        self._since_line = self._body_fed = 0

    def on_url(self, url: bytes) -> None:
        message = self._message
        assert message is not None
        message.target += url.decode("latin-1")
        if len(message.target) > _MAX_LINE:
            raise Unreadable(414, "the request line is over 65536 bytes")
        self._since_line = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        message = self._message
        assert message is not None
        if len(name) + len(value) + 2 > _MAX_LINE:
            raise Unreadable(431, "a header line is over 65536 bytes")
        if not self._in_head:
            return  # a trailer field of a chunked body: dropped
        if len(message.headers) == _MAX_HEADERS:
            raise Unreadable(431, f"more than {_MAX_HEADERS} header lines")
        message.headers.append((name.decode("latin-1"), value.decode("latin-1")))
        self._since_line = 0

    def on_headers_complete(self) -> None:
        message = self._message
        assert message is not None
        parser = self._parser
        self._in_head = False
        message.method = parser.get_method().decode("ascii")
        message.version = parser.get_http_version()
        if message.version not in ("1.1", "1.0"):
            raise Unreadable(505, f"HTTP/{message.version}")
        # an Upgrade is answered as a plain request, then closed; a WebSocket
        # API's takes the connection over (.websocket)
        message.keep_alive = parser.should_keep_alive() and not parser.should_upgrade()
        _framing(message)

    def on_body(self, body: bytes) -> None:
        message = self._message
        assert message is not None
        message.size += len(body)
        if message.size <= MAX_BODY:
            message.parts.append(body)
        elif message.parts:
            message.parts = []  # over the limit: read and dropped

    def on_message_complete(self) -> None:
        message = self._message
        assert message is not None
        self._done.append(message)
        self._message = None
        self._in_head = False

    # -- the answer --------------------------------------------------------------------

    def send_wire(self, wire: WireResponse, *, close: bool = False) -> None:
        """Write ``wire`` as it is, in one write: status, headers in order, body
        (none to HEAD). A header that would not be one line is not written:
        the front door's 500 goes instead, and the connection is closed."""
        lines = [f"HTTP/1.1 {wire.status} {reason(wire.status)}\r\n"]
        lines += [f"{name}: {value}\r\n" for name, value in wire.headers]
        if close:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        text = "".join(lines)
        if _CONTROL.search(text) or text.count("\n") != len(lines) or text.count(
            "\r"
        ) != len(lines):
            logger.error(
                "refused to write an answer whose headers are not lines: %r", wire.headers
            )
            self.close_connection = True
            wire, text = _fallback()
        # each value's UTF-8 bytes (headers.wire_bytes): what latin1() spells
        head = text.encode("utf-8", errors="replace")
        self.sock.sendall(head + wire.body if wire.body and self.method != "HEAD" else head)


def _idle_timeout(sock: socket.socket) -> None:
    """Let a read or write wait :data:`IDLE_TIMEOUT` at most. The kernel's
    own timeouts (``SO_RCVTIMEO``, ``SO_SNDTIMEO``) keep the socket blocking:
    a Python timeout would poll before each read and write, two system calls
    more per request."""
    if sys.platform == "win32":  # a DWORD of milliseconds there: Python's own
        sock.settimeout(IDLE_TIMEOUT)
        return
    timeval = struct.pack("@ll", int(IDLE_TIMEOUT), 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)


def _framing(message: Message) -> None:
    """The body's framing and the ``Host`` rule, from the header lines llhttp
    has checked (one ``Content-Length`` of digits, or ``chunked`` last)."""
    hosts = 0
    for name, value in message.headers:
        lowered = name.lower()
        if lowered == "host":
            hosts += 1
        elif lowered == "content-length":
            message.length = int(value.strip())
        elif lowered == "transfer-encoding":
            message.chunked = True
        elif lowered == "expect" and value.strip().lower() == "100-continue":
            message.expect = message.version == "1.1"
    if hosts > 1 or (hosts == 0 and message.version == "1.1"):
        raise Unreadable(400, f"{hosts} Host header lines on HTTP/1.1")


def _unreadable(error: Exception) -> Unreadable:
    """What to answer a request llhttp refused, or one the callbacks refused."""
    cause = error.__context__
    if isinstance(cause, Unreadable):
        return cause
    if "PRI" in str(error):  # the HTTP/2 connection preface
        return Unreadable(505, "HTTP/2 preface")
    return Unreadable(400, str(error) or type(error).__name__)


def _fallback() -> tuple[WireResponse, str]:
    wire = unreadable(500)
    lines = [f"HTTP/1.1 {wire.status} {reason(wire.status)}\r\n"]
    lines += [f"{name}: {value}\r\n" for name, value in wire.headers]
    return wire, "".join(lines) + "\r\n"
