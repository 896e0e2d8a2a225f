"""A small synchronous WebSocket client for tests (``apigw_fault.websocket()``),
spoken with wsproto on a plain socket (the ``serve`` extra), so that a chat
scenario reads in a few lines::

    alice = apigw_fault.websocket(query={"name": "alice"})
    alice.send('{"action": "sendMessage", "text": "hi"}')
    assert alice.receive() == "alice: hi"
    assert alice.closed_with() == 1009

Its reads wait in real time (the socket's own timeout), so the server's
waits on virtual time (the idle timeout) pass at once meanwhile.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .._gateway.table import ApigwFaultError

if TYPE_CHECKING:
    from .._core.websocket_api import Frame, WebSocketApi

__all__ = ["WebSocketClient", "WebSocketClosed", "WebSocketRefused"]

_RECV = 64 * 1024


class WebSocketRefused(Exception):
    """The gateway refused the upgrade: its ``status``, ``headers`` and ``body``."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        super().__init__(f"the upgrade was refused with {status}: {body!r}")
        self.status, self.headers, self.body = status, headers, body


class WebSocketClosed(Exception):
    """The gateway closed the connection: its close ``code`` and ``reason``."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"the gateway closed the connection: {code} {reason!r}")
        self.code, self.reason = code, reason


def _wsproto() -> Any:
    from .websocket import _wsproto as load

    return load()


class WebSocketClient:
    """One connection to the loopback gateway (see the module doc).
    :attr:`connection_id` is the id the gateway gave it (``None`` when no
    started API knows it); :attr:`frames`, its frames both ways."""

    def __init__(self, sock: socket.socket, ws: Any, timeout: float,
                 apis: Sequence[WebSocketApi]) -> None:
        self._sock, self._ws, self._timeout = sock, ws, timeout
        self._pending: list[Any] = []
        self._parts: list[str] = []
        self.closed: WebSocketClosed | None = None
        self.subprotocol: str | None = None
        self.connection_id: str | None = None
        self.api: WebSocketApi | None = None
        local = sock.getsockname()[:2]
        for api in apis:
            for session in list(api.connections.values()):
                if session.peer == (local[0], local[1]):
                    self.connection_id, self.api = session.connection_id, api

    def __repr__(self) -> str:
        return f"<WebSocketClient {self.connection_id}>"

    @classmethod
    def connect(
        cls, port: int, path: str = "/prod", *, headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | str | None = None, subprotocols: Sequence[str] = (),
        timeout: float = 5.0, apis: Sequence[WebSocketApi] = (),
    ) -> WebSocketClient:
        """Connect to ``ws://127.0.0.1:{port}{path}``; :class:`WebSocketRefused` when refused."""
        wsproto = _wsproto()
        from wsproto.events import AcceptConnection, RejectConnection, RejectData, Request

        if not isinstance(path, str) or not path.startswith("/"):
            raise ApigwFaultError(f"websocket() path= is the stage's path, '/prod', got {path!r}")
        if query:
            path += "?" + (query if isinstance(query, str) else urlencode(dict(query)))
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        ws = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
        extra = [(name.encode(), value.encode()) for name, value in (headers or {}).items()]
        sock.sendall(ws.send(Request(
            host=f"127.0.0.1:{port}", target=path, extra_headers=extra,
            subprotocols=list(subprotocols),
        )))
        refused: RejectConnection | None = None
        body = b""
        while True:
            data = sock.recv(_RECV)
            ws.receive_data(data or None)
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    client = cls(sock, ws, timeout, apis)
                    client.subprotocol = event.subprotocol
                    return client
                if isinstance(event, RejectConnection):
                    refused = event
                elif isinstance(event, RejectData):
                    body += event.data
                    if event.body_finished and refused is not None:
                        sock.close()
                        lines = [(k.decode(), v.decode()) for k, v in refused.headers]
                        raise WebSocketRefused(refused.status_code, lines, body)
            if not data:
                sock.close()
                raise WebSocketRefused(refused.status_code if refused else 0, [], body)

    @property
    def frames(self) -> list[Frame]:
        """This connection's frames as the gateway recorded them, both ways."""
        if self.api is None:
            return []
        return [f for f in self.api.frames if f.connection_id == self.connection_id]

    def send(self, text: str) -> None:
        """Send ``text`` as one text frame (of any size: the gateway's limits apply)."""
        from wsproto.events import TextMessage

        self._sock.sendall(self._ws.send(TextMessage(data=text)))

    def receive(self, timeout: float | None = None) -> str:
        """The next text message (``timeout`` seconds at most: ``TimeoutError``);
        :class:`WebSocketClosed` when the gateway closes instead."""
        from wsproto.events import CloseConnection, Ping, TextMessage

        while True:
            while self._pending:
                event = self._pending.pop(0)
                if isinstance(event, TextMessage):
                    self._parts.append(event.data)
                    if event.message_finished:
                        text, self._parts = "".join(self._parts), []
                        return text
                elif isinstance(event, Ping):
                    self._sock.sendall(self._ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    with contextlib.suppress(Exception):
                        self._sock.sendall(self._ws.send(event.response()))
                    self.closed = WebSocketClosed(event.code, event.reason or "")
            if self.closed is not None:
                raise self.closed
            self._read(self._timeout if timeout is None else timeout)

    def _read(self, timeout: float) -> None:
        self._sock.settimeout(timeout)
        try:
            data = self._sock.recv(_RECV)
        except TimeoutError as error:
            raise TimeoutError(f"no frame in {timeout} s") from error
        if not data:
            self.closed = self.closed or WebSocketClosed(1006, "")
        self._ws.receive_data(data or None)
        self._pending += list(self._ws.events())

    def closed_with(self, timeout: float | None = None) -> int | None:
        """Read until the gateway closes; its close code (messages before it are dropped)."""
        while True:
            try:
                self.receive(timeout)
            except WebSocketClosed as closed:
                return closed.code

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close from the client's side (its close frame, the gateway's answer)."""
        from wsproto.events import CloseConnection

        if self.closed is None:
            with contextlib.suppress(Exception):
                self._sock.sendall(self._ws.send(CloseConnection(code=code, reason=reason)))
                self.closed_with(self._timeout)
        self.abandon()

    def abandon(self) -> None:
        """Close the socket (no close frame)."""
        with contextlib.suppress(OSError):
            self._sock.close()
