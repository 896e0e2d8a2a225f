"""One connection of a :class:`~.websocket_api.WebSocketApi` as the gateway
keeps it (:class:`WebSocketSession`): the server's WebSocket loop hands it
each message and asks it what to send; the frames it records
(:class:`Frame`), and how the gateway writes to it (:class:`Channel`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .._gateway.websocket import (
    DISCONNECT,
    TIMED_OUT,
    Handshake,
    WebSocketScenario,
    close_reason,
    error_frame,
    message_reply,
    select_route,
)
from .._lambda.websocket import disconnect_event, message_event
from .websocket_log import ConnectionLog

if TYPE_CHECKING:
    from .websocket_api import WebSocketApi

__all__ = ["Channel", "Frame", "WebSocketSession"]


@dataclass(frozen=True)
class Frame:
    """A frame of a connection: ``direction`` ``"in"`` (the client sent it)
    or ``"out"`` (the gateway did: a route's answer, a post, an error frame);
    its text ``data``, or the ``close_code`` of a close frame (``data`` None)."""

    connection_id: str
    direction: str
    data: str | None
    close_code: int | None = None


class Channel(Protocol):
    """How the gateway writes to an open connection (the loopback server's
    WebSocket loop): each returns ``False`` when the connection is no longer open."""

    def send_text(self, text: str) -> bool: ...

    def close(self, code: int, reason: str) -> bool: ...


class WebSocketSession:
    """One connection as the gateway keeps it (see the module doc). Its
    writes go through the :class:`Channel` the server attaches; a handler
    may post to it (or to any other) while it runs: no lock is held then."""

    def __init__(self, api: WebSocketApi, connection_id: str, connected_at: int,
                 answer: Handshake) -> None:
        self.api = api
        self.connection_id = connection_id
        self.connected_at = connected_at
        #: The time of the client's last frame (epoch ms).
        self.last_active = connected_at
        self.handshake = answer
        self.peer: tuple[str, int] = ("127.0.0.1", 0)
        self.user_agent: str | None = None
        self.closed = False
        self.deleted = False  # by the management API's DeleteConnection
        self._channel: Channel | None = None
        self._closing: WebSocketScenario | None = None  # an injected close
        #: Its record (:attr:`WebSocketApi.history`).
        row = None if answer.row is None else answer.row.name
        self.log = ConnectionLog(connection_id, answer.status, row)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open" if self.open else "connecting"
        return f"<WebSocketSession {self.connection_id} {state}>"

    @property
    def source_ip(self) -> str:
        return self.peer[0]

    @property
    def open(self) -> bool:
        """Connected, attached to the server, and not closing."""
        return self._channel is not None and not self.closed and not self.deleted

    def attach(self, channel: Channel) -> None:
        """The server's side of the open connection: from now on the
        management API reaches it."""
        self._channel = channel
        with self.api._lock:
            self.api.connections[self.connection_id] = self

    def received(self, text: str) -> None:
        """A message came in (for :attr:`WebSocketApi.frames` and ``lastActiveAt``)."""
        self.last_active = int(time.time() * 1000)
        self.api._record(Frame(self.connection_id, "in", text))

    def sent(self, text: str | None, close_code: int | None = None) -> None:
        self.api._record(Frame(self.connection_id, "out", text, close_code))

    def take_close(self) -> tuple[int, str, str] | None:
        """The close an injected row asks for (code, reason, the row's
        name), once; the server's loop closes the connection with it."""
        row, self._closing = self._closing, None
        if row is None or row.close_code is None:
            return None
        return row.close_code, close_reason(row.close_code), row.name

    def post(self, data: bytes) -> bool:
        """``PostToConnection``: ``data`` as a text frame (⚠️ data that is
        not UTF-8 is sent with U+FFFD in its place); ``False``: gone."""
        channel = self._channel
        if channel is None or not self.open:
            return False
        return channel.send_text(data.decode("utf-8", errors="replace"))

    def delete(self) -> bool:
        """``DeleteConnection``: the gateway closes the connection with 1000
        (⚠️ no reason); ``$disconnect`` hears 1000 and "Connection Closed
        Normally" [BOTO3-3789]. ``False``: gone."""
        from .._gateway.connections import DELETED_CODE

        channel = self._channel
        if channel is None or not self.open:
            return False
        self.deleted = True
        self.log.deleted(DELETED_CODE)
        return channel.close(DELETED_CODE, "")

    def message(self, text: str) -> list[str]:
        """The frames the gateway sends back for one message: the route's
        body (a route response), an error frame, or none."""
        api = self.api
        ids = api._ids
        route = select_route(api._selection, text, api.route_keys)
        injected = api._injections.take("message", route)
        if injected is not None and injected.frame_message is not None:
            self.log.error(injected.name)
            return [error_frame(injected.frame_message, self.connection_id, ids.new())]
        if injected is not None:
            self._closing = injected
            return []
        if route is None:
            self.log.error("no_route")
            return [error_frame("Forbidden", self.connection_id, ids.new())]
        event = message_event(
            api.place, route, text, connection_id=self.connection_id,
            connected_at=self.connected_at, request_id=ids.new(), message_id=ids.new(),
            now=int(time.time() * 1000),
        )
        ran = api._run(route, event)
        ending = api._ending(route, ran)
        if ending == "integration_timeout":
            self.log.error("integration_timeout")
            return [error_frame(TIMED_OUT, self.connection_id, ids.new())]
        failed, body = message_reply(
            failed=ran.failed or ending is not None, status=ran.status, body=ran.body,
            route_response=api._routes[route][1],
        )
        if failed:
            self.log.error("integration_error")
            return [error_frame("Internal server error", self.connection_id, ids.new())]
        return [] if body is None else [body]

    def disconnect(self, code: int | None, reason: str = "") -> None:
        """The connection ended (``code`` ``None``: no status in the close
        frame): ``$disconnect`` runs once; what it answers goes nowhere."""
        from .._gateway.connections import DELETED_CODE, DELETED_REASON

        if self.deleted:
            code, reason = DELETED_CODE, DELETED_REASON
        self.log.disconnected(code)
        api = self.api
        with api._lock:
            if self.closed:
                return
            self.closed = True
            api.connections.pop(self.connection_id, None)
        if DISCONNECT in api._routes:
            event = disconnect_event(
                api.place, code=code, reason=reason, connection_id=self.connection_id,
                connected_at=self.connected_at, request_id=api._ids.new(),
                now=int(time.time() * 1000),
            )
            api._run(DISCONNECT, event)

