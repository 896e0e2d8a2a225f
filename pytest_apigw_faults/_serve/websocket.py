"""One WebSocket connection of the loopback server, spoken with wsproto
(sans-IO, the ``serve`` extra) on the socket the HTTP/1.1 loop took the
upgrade request from (:mod:`.http1`).

The handshake is answered here: the API's ``$connect`` decides (a
:class:`~.._core.websocket_api.WebSocketSession`), then either the 101 and
the frames, or the refusal and the close. Frames are read as they come, and
the gateway's limits apply to them: a frame over 32 KB or a message over
128 KB closes with 1009, a binary frame with 1003, 10 minutes without a
frame or 2 hours in all with 1001 ⚠️ (:mod:`.._gateway.websocket`). The
waits are the selectors', so on virtual time the idle timeout passes at once
when nothing else happens.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._gateway.table import ApigwFaultError
from .._gateway.websocket import (
    FRAME_BYTES,
    GOING_AWAY,
    IDLE_SECONDS,
    MAX_SECONDS,
    MESSAGE_BYTES,
    TOO_BIG,
    UNSUPPORTED,
    close_reason,
)
from .._gateway.wire import WireResponse

if TYPE_CHECKING:
    from .._core.websocket_api import WebSocketApi, WebSocketSession
    from .http1 import Connection, Message

__all__ = ["is_websocket_upgrade", "serve_management", "serve_websocket"]

logger = logging.getLogger("pytest_apigw_faults.server")
_RECV = 64 * 1024
_CLOSING_SECONDS = 2.0  # how long the client's close frame is waited for
_NO_STATUS = 1005


def _header(message: Message, name: str) -> str | None:
    for key, value in message.headers:
        if key.lower() == name:
            return value
    return None


def is_websocket_upgrade(message: Message) -> bool:
    """Whether ``message`` asks to upgrade to WebSocket."""
    upgrade = _header(message, "upgrade") or ""
    return message.method == "GET" and upgrade.strip().lower() == "websocket"


def _wsproto() -> Any:
    try:
        import wsproto  # the serve extra, on first use
    except ImportError as error:
        raise ApigwFaultError(
            "the loopback gateway speaks WebSocket with wsproto, which is not installed:"
            " pip install 'pytest-apigw-faults[serve]'"
        ) from error
    return wsproto


def _refuse(connection: Connection, status: int, body: bytes) -> None:
    """The handshake refused: ``status``, then the connection is closed."""
    headers = (("content-type", "application/json"), ("content-length", str(len(body))))
    connection.close_connection = True
    with contextlib.suppress(OSError):
        connection.send_wire(WireResponse(status, headers, body), close=True)


#: The management API's header names as HTTP/1.1 spells them (⚠️ as REST's).
_SPELLING = {
    "date": "Date", "content-type": "Content-Type", "content-length": "Content-Length",
    "x-amzn-requestid": "x-amzn-RequestId", "x-amzn-errortype": "x-amzn-ErrorType",
}


def serve_management(
    connection: Connection, message: Message, apis: Sequence[Any], url: str
) -> bool:
    """Answer ``message`` when it is a management call (``/{stage}/@connections/{id}``)
    of one of ``apis`` (the newest first); ``url`` is the URL it is signed for."""
    from .._core.connections import manage
    from .._core.websocket_api import WebSocketApi

    for api in reversed(apis):
        if not isinstance(api, WebSocketApi):
            continue
        answer = manage(api, message.method, url, _Headers(message.headers), message.body)
        if answer is None:
            continue
        headers = [(_SPELLING.get(name, name), value) for name, value in answer.headers]
        headers.insert(3, ("Connection", "keep-alive"))
        connection.send_wire(WireResponse(answer.status, tuple(headers), answer.body))
        return True
    return False


class _Headers(dict[str, str]):
    """A request's header lines as a mapping (a name's first value); the
    signature check looks names up in any case."""

    def __init__(self, lines: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        for name, value in lines:
            self.setdefault(name, value)


def serve_websocket(connection: Connection, message: Message, api: WebSocketApi) -> None:
    """Answer the upgrade ``message`` for ``api`` and serve the connection
    until it closes (see the module doc)."""
    wsproto = _wsproto()
    from wsproto.utilities import generate_accept_token

    connection.close_connection = True  # no more HTTP on this socket
    key = _header(message, "sec-websocket-key")
    if not key or (_header(message, "sec-websocket-version") or "").strip() != "13":
        _refuse(connection, 400, b'{"message":"Bad Request"}')  # ⚠️ not captured
        return
    try:
        peer = connection.sock.getpeername()[:2]
    except OSError:
        peer = ("127.0.0.1", 0)
    session = api.connect(tuple(message.headers), message.target, (str(peer[0]), int(peer[1])))
    answer = session.handshake
    if not answer.connected:
        _refuse(connection, answer.status, answer.body)
        return
    head = [
        "HTTP/1.1 101 Switching Protocols",
        "Connection: upgrade",
        "Upgrade: websocket",
        f"Sec-WebSocket-Accept: {generate_accept_token(key.strip().encode()).decode()}",
        *(f"{name}: {value}" for name, value in answer.headers),
    ]
    ws = wsproto.connection.Connection(
        wsproto.connection.ConnectionType.SERVER, trailing_data=connection.trailing
    )
    loop = _Loop(connection.sock, ws, session)
    with loop.lock:  # a post waits for the 101
        session.attach(loop)
        try:
            connection.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        except OSError:
            loop.done = True
    if loop.done:
        session.disconnect(1006)
        return
    loop.run()


class _Loop:
    """The frames of one open connection (see the module doc); the
    :class:`~.._core.websocket_api.Channel` of its session. Every write, and
    every use of the wsproto connection, holds :attr:`lock`, which is never
    held while a handler runs: a handler may post to its own connection."""

    def __init__(self, sock: socket.socket, ws: Any, session: WebSocketSession) -> None:
        self.sock = sock
        self.ws = ws
        self.session = session
        self.lock = threading.Lock()
        opened = time.monotonic()
        self.ends_at = opened + MAX_SECONDS
        self.idle_at = opened + IDLE_SECONDS
        self.frame = 0  # bytes of the frame being read
        self.parts: list[str] = []  # the message being read
        self.size = 0
        self.done = False
        self.closing = False  # the gateway sent its close frame

    def run(self) -> None:
        closing = self.session.take_close()  # an injected connection row
        if closing is not None:
            self._close(*closing)
        with selectors.DefaultSelector() as selector:
            selector.register(self.sock, selectors.EVENT_READ)
            while not self.done:
                left = min(self.ends_at, self.idle_at) - time.monotonic()
                if left <= 0 or not selector.select(left):
                    if min(self.ends_at, self.idle_at) <= time.monotonic():
                        row = "max_duration" if self.ends_at <= self.idle_at else "idle_timeout"
                        self._close(GOING_AWAY, close_reason(GOING_AWAY), row)  # ⚠️ code, reason
                    continue
                try:
                    data = self.sock.recv(_RECV)
                except OSError:
                    data = b""
                with self.lock:
                    self.ws.receive_data(data or None)
                    events = list(self.ws.events())
                self.idle_at = time.monotonic() + IDLE_SECONDS  # ⚠️ any frame counts
                self._events(events)

    # -- the channel ----------------------------------------------------------------

    def _write(self, event: Any) -> bool:
        """Send ``event`` (the lock held); ``False`` when the socket failed."""
        try:
            self.sock.sendall(self.ws.send(event))
        except OSError:
            return False
        except Exception:  # wsproto: the connection is no longer open
            return False
        return True

    def send_text(self, text: str) -> bool:
        from wsproto.events import TextMessage

        with self.lock:
            if self.done or self.closing:
                return False
            sent = self._write(TextMessage(data=text))
        if sent:
            self.session.sent(text)
        return sent

    def close(self, code: int, reason: str) -> bool:
        """The gateway closes (from any thread): its close frame; the loop
        reads the client's answer and ends the connection."""
        from wsproto.events import CloseConnection

        with self.lock:
            if self.done or self.closing:
                return False
            self.closing = True
            self._write(CloseConnection(code=code, reason=reason))
        self.session.sent(None, code)
        return True

    # -- the loop's own ---------------------------------------------------------------

    def _ended(self, code: int | None, reason: str) -> None:
        self.done = True
        self.session.disconnect(code, reason)

    def _close(self, code: int, reason: str, row: str) -> None:
        """The gateway closes on its own limits (the scenario ``row``): its
        close frame, the client's answer (waited for a little), then the
        socket; ``$disconnect`` hears ``code``."""
        from wsproto.connection import ConnectionState

        self.session.log.closing(row)
        self.close(code, reason)
        with contextlib.suppress(Exception):
            self.sock.settimeout(_CLOSING_SECONDS)
            while self.ws.state is not ConnectionState.CLOSED:
                data = self.sock.recv(_RECV)
                with self.lock:
                    self.ws.receive_data(data or None)
                    list(self.ws.events())
        self._ended(code, reason)

    def _events(self, events: list[Any]) -> None:
        from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage

        for event in events:
            if self.done:
                return
            if isinstance(event, CloseConnection):
                with self.lock:
                    if self.ws.state.name == "REMOTE_CLOSING":
                        self._write(event.response())
                code = None if event.code == _NO_STATUS else event.code
                self._ended(code, event.reason or "")
            elif isinstance(event, Ping):
                with self.lock:
                    self._write(event.response())
            elif isinstance(event, BytesMessage):
                self._close(UNSUPPORTED, close_reason(UNSUPPORTED), "binary_frame")
            elif isinstance(event, TextMessage):
                self._text(event)

    def _text(self, event: Any) -> None:
        size = len(event.data.encode("utf-8", "surrogatepass"))
        self.frame += size
        self.size += size
        if self.frame > FRAME_BYTES or self.size > MESSAGE_BYTES:
            row = "frame_too_large" if self.frame > FRAME_BYTES else "message_too_large"
            self._close(TOO_BIG, close_reason(TOO_BIG), row)
            return
        self.parts.append(event.data)
        if event.frame_finished:
            self.frame = 0
        if not event.message_finished:
            return
        text, self.parts, self.size = "".join(self.parts), [], 0
        self.session.received(text)
        for frame in self.session.message(text):  # no lock held: the handler runs
            if not self.send_text(frame):
                return
        closing = self.session.take_close()  # an injected message row
        if closing is not None:
            self._close(*closing)
