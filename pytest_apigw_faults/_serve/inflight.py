"""A call in flight on the loopback server, and how it ends.

The gateway's answer to a call is decided at once (:meth:`Fault.answer`
records the call then), but the server may wait a share of its latency
before it writes it. Meanwhile the client may give up and close the
connection, or the server may stop because the test ended. Either way the
client never sees the answer, and the call's record says so: ``timed_out``
is true, ``response`` stays ``None``, ``waited`` is how long it was in
flight, in the gateway's time, and ``exception`` says what ended it, the
way :class:`Call` records a client's own read timeout.

TCP does not tell a client that closed from one that only shut its sending
side and still reads (``printf ... | nc -N``): the answer is written when
due either way, and a client that had closed refuses it with a reset.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .._core.fault import Call

__all__ = [
    "Abandoned",
    "ClientClosed",
    "Ending",
    "abandoned",
    "gave_up",
    "refused",
    "wait_for_answer",
]

#: How a wait for the answer ended: ``"due"`` (write it), ``"closed"`` (the
#: client closed the connection first), ``"stopped"`` (the server stopped).
Ending = Literal["due", "closed", "stopped"]

class ClientClosed(ConnectionAbortedError):
    """The client closed the connection before the server wrote the answer
    (or while it did)."""


class Abandoned(ConnectionResetError):
    """The server stopped (the test ended) before the answer was due; the
    connection was closed unanswered."""


def _peer(sock: socket.socket) -> Literal["open", "data", "eof", "reset"]:
    """What the client's side of the connection is: open and silent, a
    pipelined request waiting, its end of stream (it closed, or only shut
    its sending side and still reads: TCP cannot tell these apart), or reset."""
    try:
        data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return "open"
    except OSError:
        return "reset"
    return "data" if data else "eof"


def refused(sock: socket.socket) -> bool:
    """Whether the client refused what was just written (its socket was
    closed: it answered with a reset), though the write itself went out."""
    try:
        return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0
    except OSError:
        return True


def wait_for_answer(
    sock: socket.socket, seconds: float, stopping: threading.Event
) -> tuple[Ending, float | None]:
    """Wait ``seconds`` (real, or virtual when the clock runs) before the
    answer is written, unless the client resets or the server stops first;
    with how the wait ended, when (``time.monotonic()``) the client's end of
    stream came, if it did. A client at its end of stream may have only shut
    its sending side and still wait for the answer: it is written, and
    :func:`refused` then tells whether the client was still there.

    While the connection is open and silent, the wait is one ``select`` on
    the socket, which the client's close and the server's stop (it shuts
    the connections down) both end: on virtual time it passes at once."""
    deadline = time.monotonic() + seconds
    eof_at: float | None = None
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if stopping.is_set():
                return ("closed" if eof_at is not None else "stopped"), eof_at
            peer = _peer(sock)
            if peer == "reset":
                return "closed", time.monotonic() if eof_at is None else eof_at
            if peer == "open":
                selector.select(left)
                continue
            if peer == "eof" and eof_at is None:
                eof_at = time.monotonic()
            stopping.wait(left)  # nothing more to learn before the answer is written
    return "due", eof_at


def _end(call: Call, in_flight: float, error: BaseException) -> None:
    call.elapsed -= call.waited - in_flight
    call.waited = in_flight
    call.timed_out = True
    call.exception = error


def gave_up(call: Call, in_flight: float, error: BaseException | None = None) -> None:
    """Record that the client closed the connection ``in_flight`` seconds
    (gateway time) into the call, before its answer was written (or while
    it was: ``error`` is what the write met, as the cause)."""
    due = call.exchange.latency
    when = "while" if error is not None else "before"
    closed = ClientClosed(
        f"the client closed the connection after {in_flight:.3f} s, {when} the server"
        f" wrote the gateway's answer ({call.exchange.response.status}, due after {due:.3f} s)"
    )
    closed.__cause__ = error
    _end(call, in_flight, closed)


def abandoned(call: Call, in_flight: float) -> None:
    """Record that the server stopped (the test ended) ``in_flight`` seconds
    into the call, before its answer was due; the connection was closed."""
    due = call.exchange.latency
    _end(
        call,
        in_flight,
        Abandoned(
            f"the server stopped after {in_flight:.3f} s, before the gateway's answer"
            f" ({call.exchange.response.status}, due after {due:.3f} s) was written:"
            " the connection was closed unanswered"
        ),
    )
