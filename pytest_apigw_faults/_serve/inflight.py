"""A call in flight on the loopback server, and how it ends.

The gateway's answer to a call is decided at once (:meth:`Fault.answer`
records the call then), but the server may wait a share of its latency
before it writes it. Meanwhile the client may give up and close the
connection, or the server may stop because the test ended. Either way the
client never sees the answer, and the call's record says so: ``timed_out``
is true, ``response`` stays ``None``, ``waited`` is how long it was in
flight, in the gateway's time, and ``exception`` says what ended it, the
way :class:`Call` records a client's own read timeout.
"""

from __future__ import annotations

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


# How often a wait looks at the client's side of the connection.
_SLICE = 0.02


def _closed(sock: socket.socket) -> bool:
    """Whether the client has closed its side (or reset the connection)."""
    try:
        data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return False  # open, nothing sent
    except OSError:
        return True  # reset
    return not data  # b"": end of stream; data: a pipelined request


def wait_for_answer(sock: socket.socket, seconds: float, stopping: threading.Event) -> Ending:
    """Wait ``seconds`` (real, or virtual when the clock runs) before the
    answer is written, unless the client closes or the server stops first."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "due"
        stopped = stopping.wait(min(left, _SLICE))
        if _closed(sock):  # first: a client that left before the stop gave up
            return "closed"
        if stopped:
            return "stopped"


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
