"""The test's own loopback servers, as the virtual clock sees them.

A selector that waits on more than one file waits for real I/O, and time
runs at real speed meanwhile (:mod:`.waits`): a real server or process
needs real time. A connection to a server of the test's own that takes part
in the clock is not such I/O: the server's threads are the test's, and their
waits are the clock's, so the clock knows when the server is busy. An event
loop whose files are only such connections and its own wake-up socket waits
on virtual time, as a blocking client (websocket-client) does. A selector
of wake-up sockets alone (a socket pair whose other end may be a child
process's) still waits for real I/O.

The loopback server (:mod:`.._serve.server`) says here which port it
listens on while it runs, and the thread that accepts its connections (the
threads serving them are started from it, so they take part when it does).
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .scheduler import Scheduler

__all__ = ["own_files", "serving", "stopped"]

# kept on ``sys``: a re-import of the package (pytester in-process) sees the
# servers the first import started, as the other process-wide state does
_STATE: dict[str, Any] = sys.__dict__.setdefault(
    "_pytest_apigw_faults_loopback", {"lock": threading.Lock(), "servers": {}}
)
_lock: threading.Lock = _STATE["lock"]
_servers: dict[int, threading.Thread] = _STATE["servers"]


def serving(port: int, thread: threading.Thread) -> None:
    """A loopback server listens on ``port``, accepting in ``thread``."""
    with _lock:
        _servers[port] = thread


def stopped(port: int) -> None:
    """The server on ``port`` stops listening."""
    with _lock:
        _servers.pop(port, None)


def _own_port(port: int, scheduler: Scheduler) -> bool:
    with _lock:
        thread = _servers.get(port)
    return thread is not None and scheduler.takes_part(thread)


def _peer_of(sock: socket.socket) -> int | str | None:
    """The port of ``sock``'s peer on 127.0.0.1, ``"pair"`` for one end of a
    socket pair this process made (a wake-up socket), ``None`` otherwise."""
    try:
        if sock.family == socket.AF_UNIX:
            if sock.getpeername() or not hasattr(socket, "SO_PEERCRED"):
                return None
            creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            return "pair" if struct.unpack("3i", creds)[0] == os.getpid() else None
        if sock.family != socket.AF_INET or sock.type != socket.SOCK_STREAM:
            return None
        host, port = sock.getpeername()
        return int(port) if host == "127.0.0.1" else None
    except OSError:  # not connected (yet), closed meanwhile
        return None


def _peer(key: Any) -> int | str | None:
    """:func:`_peer_of` the socket ``key`` watches; an event loop registers
    bare file numbers, looked at without being taken over."""
    fileobj = key.fileobj
    if isinstance(fileobj, socket.socket):
        return _peer_of(fileobj)
    if socket.getdefaulttimeout() is not None:
        return None  # a socket object made now would set the file non-blocking
    try:
        sock = socket.socket(fileno=key.fd)
    except (OSError, ValueError):  # not a socket (a pipe)
        return None
    try:
        return _peer_of(sock)
    finally:
        sock.detach()  # the file stays its owner's


def own_files(selector: Any, scheduler: Scheduler) -> bool:
    """Whether ``selector`` watches connections to a loopback server that
    takes part in the clock and, besides them, only wake-up sockets (one end
    of a socket pair this process made: an event loop's, websockets' sync
    client's); see the module doc."""
    try:
        keys = list((selector.get_map() or {}).values())
    except RuntimeError:  # registered or unregistered meanwhile
        return False
    connections = 0
    for key in keys:
        peer = _peer(key)
        if peer == "pair":
            continue
        if not isinstance(peer, int) or not _own_port(peer, scheduler):
            return False
        connections += 1
    return connections > 0
