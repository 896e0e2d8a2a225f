"""What virtual time replaces while it runs, and how each wait waits on it
(see :mod:`.clock` and :mod:`.scheduler`).

Every replacement does what the real function does for a thread that is not
the test's, or when the clock has stopped (a reference kept past the test).

Private parts of the standard library used here (checked on CPython 3.11
and 3.12; each has been there since 3.9):

- ``threading.Condition``: ``_waiters`` (a deque whose items ``notify``
  releases), ``_is_owned``, ``_release_save``, ``_acquire_restore``;
- ``threading._time`` (and the public ``queue.time``): the ``monotonic``
  these modules took at import (``subprocess``'s stays real: a child
  process runs in real time);
- asyncio's ``TimerHandle._when`` and ``BaseEventLoop._scheduled`` (the heap
  of timers), to move timers set on virtual time onto the real clock;
- ``selectors``: the class that defines ``select`` for each selector.
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import contextlib
import heapq
import math
import operator
import queue
import select as _select
import selectors
import subprocess
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import loopback
from .scheduler import ARMED, NOTIFIED, POLL, STOPPED, Gate, Scheduler, Waiter, real_timeout

if TYPE_CHECKING:
    from .clock import VirtualClock
    from .patches import Patches

__all__ = ["install", "rebase_timers"]

#: Virtual seconds a poll that finds nothing (``Event.wait(0)``) takes.
TICK = 1e-7
_MAX_SLEEP = 2**63 / 1e9  # past this, time.sleep overflows (nanoseconds in 64 bits)


def sleep_length(real: Callable[[Any], None], seconds: Any) -> float:
    """``seconds`` as ``time.sleep`` takes it; for a value it refuses, the
    error it raises (by letting it refuse: it does so before sleeping)."""
    value = seconds if isinstance(seconds, float) else operator.index(seconds)
    if value != value or value < 0 or value >= _MAX_SLEEP:
        real(value)  # raises ValueError / OverflowError, as the real one does
    return float(value)


class _Timers:
    """The asyncio timers the test's threads set while the clock ran."""

    def __init__(self) -> None:
        self.handles: weakref.WeakSet[asyncio.TimerHandle] = weakref.WeakSet()


_timers: dict[int, _Timers] = {}


def install(clock: VirtualClock, patches: Patches) -> None:
    """Replace the clocks and the waits (module doc); recorded in ``patches``."""
    timers = _timers.setdefault(id(clock), _Timers())
    _readings(clock, patches)
    _sleeps(clock, patches)
    _conditions(clock, patches)
    _threads(clock, patches)
    _selectors(clock, patches)

    def call_at(real: Callable[..., Any]) -> Callable[..., Any]:
        def call_at(loop: Any, when: float, callback: Any, *args: Any, **kwargs: Any) -> Any:
            handle = real(loop, when, callback, *args, **kwargs)
            if clock.running and clock.bubble() is None and clock.takes_part():
                timers.handles.add(handle)
            return handle

        return call_at

    patches.apply(asyncio.base_events.BaseEventLoop, "call_at", call_at)


def _readings(clock: VirtualClock, patches: Patches) -> None:
    def reading(virtual: Callable[[], float]) -> Callable[[Any], Callable[[], float]]:
        return lambda real: lambda: virtual() if clock.running else real()

    def nanoseconds(virtual: Callable[[], float]) -> Callable[[Any], Callable[[], int]]:
        def make(real: Callable[[], int]) -> Callable[[], int]:
            return lambda: round(virtual() * 1e9) if clock.virtual() else real()

        return make

    monotonic = patches.apply(time, "monotonic", reading(clock.monotonic))
    patches.apply(time, "monotonic_ns", nanoseconds(clock.monotonic))
    patches.apply(time, "perf_counter", reading(clock.perf_counter))
    patches.apply(time, "perf_counter_ns", nanoseconds(clock.perf_counter))
    for module, name in ((threading, "_time"), (queue, "time")):
        if name in module.__dict__:
            patches.apply(module, name, lambda real: lambda: monotonic())

    def loop_time(real: Callable[[Any], float]) -> Callable[[Any], float]:
        return lambda loop: clock.monotonic() if clock.running else real(loop)

    patches.apply(asyncio.base_events.BaseEventLoop, "time", loop_time)


def _sleeps(clock: VirtualClock, patches: Patches) -> None:
    def sleep(real: Callable[[float], None]) -> Callable[[float], None]:
        def sleep(seconds: float) -> None:
            if not clock.virtual():
                return real(seconds)
            clock.sleep(sleep_length(real, seconds), "time.sleep")
            return None

        return sleep

    def async_sleep(real: Callable[..., Any]) -> Callable[..., Any]:
        async def sleep(delay: float, result: Any = None) -> Any:
            if clock.virtual() and isinstance(delay, (int, float)) and delay < math.inf:
                clock.record(delay, "asyncio.sleep")  # the loop waits on virtual time
            return await real(delay, result)

        return sleep

    patches.apply(time, "sleep", sleep)
    patches.apply(asyncio, "sleep", async_sleep)
    patches.apply(asyncio.tasks, "sleep", async_sleep)


def _conditions(clock: VirtualClock, patches: Patches) -> None:
    scheduler = clock.scheduler

    def wait(real: Callable[..., bool]) -> Callable[..., bool]:
        def wait(cond: Any, timeout: float | None = None) -> bool:
            if not clock.virtual():
                return real(cond, timeout)
            if timeout is not None and not timeout > 0:
                if real(cond, timeout):
                    return True
                # A poll that found nothing: as on a real clock, a moment
                # passes (a loop that polls until a deadline gets there).
                timeout = TICK
            bubble = clock.bubble()
            if bubble is not None:  # a handler's: nobody else runs meanwhile
                if timeout is None or real(cond, 0):
                    return real(cond, timeout)
                clock.pass_in_bubble(bubble, timeout)
                return False
            if not cond._is_owned():
                raise RuntimeError("cannot wait on un-acquired lock")
            waiter = scheduler.wait(timeout)
            gate = waiter.gate
            gate.on_notify = lambda: scheduler.woken(waiter)
            cond._waiters.append(gate)
            saved = cond._release_save()
            notified = False
            try:
                if scheduler.block(waiter) == STOPPED and gate.rearm():
                    gate.acquire(True, real_timeout(waiter.left))
                notified = gate.state == NOTIFIED
                return notified
            finally:
                cond._acquire_restore(saved)
                if not notified:
                    with contextlib.suppress(ValueError):
                        cond._waiters.remove(gate)

        return wait

    patches.apply(threading.Condition, "wait", wait)


class _Ends:
    """Which of the test's threads have finished their work, and who joins
    them meanwhile."""

    def __init__(self, clock: VirtualClock) -> None:
        self.scheduler = clock.scheduler
        self.lock = threading.Lock()
        self.joiners: dict[threading.Thread, list[Gate]] = {}
        self.finished: weakref.WeakSet[threading.Thread] = weakref.WeakSet()

    def ended(self, thread: threading.Thread) -> None:
        with self.lock:
            self.finished.add(thread)
            gates = self.joiners.pop(thread, [])
        for gate in gates:  # the joiners run again before time can move
            with contextlib.suppress(RuntimeError):  # timed out meanwhile
                gate.release()
        self.scheduler.ended(thread)

    def wait_for(self, thread: threading.Thread, timeout: float | None) -> Waiter | None:
        """A wait whose gate opens when ``thread`` finishes its work, or
        ``None`` if it has. One step under the lock: were the wait taken
        first, the clock could move on for a thread that has already ended."""
        with self.lock:
            if thread in self.finished or not thread.is_alive():
                return None
            waiter = self.scheduler.wait(timeout)
            waiter.gate.on_notify = lambda: self.scheduler.woken(waiter)
            self.joiners.setdefault(thread, []).append(waiter.gate)
            return waiter

    def unwatch(self, thread: threading.Thread, gate: Gate) -> None:
        with self.lock:
            gates = self.joiners.get(thread, [])
            if gate in gates:
                gates.remove(gate)


def _threads(clock: VirtualClock, patches: Patches) -> None:
    scheduler = clock.scheduler
    ends = _Ends(clock)

    def start(real: Callable[[threading.Thread], None]) -> Callable[[threading.Thread], None]:
        def start(thread: threading.Thread) -> None:
            if not (clock.running and clock.bubble() is None and clock.takes_part()):
                return real(thread)
            run = thread.run

            def run_then_end() -> None:
                try:
                    run()
                finally:
                    ends.ended(thread)

            scheduler.join(thread)
            thread.run = run_then_end  # type: ignore[method-assign]
            try:
                real(thread)
            except BaseException:
                ends.ended(thread)
                raise
            return None

        return start

    def join(real: Callable[..., None]) -> Callable[..., None]:
        def join(thread: threading.Thread, timeout: float | None = None) -> None:
            if (
                not clock.virtual()
                or clock.bubble() is not None
                or not scheduler.takes_part(thread)
                or (timeout is not None and not timeout > 0)
            ):
                return real(thread, timeout)
            real(thread, 0)  # its errors (not started, the current thread)
            waiter = ends.wait_for(thread, timeout)
            if waiter is None:
                with scheduler.holding():  # its work is done: it ends now
                    return real(thread, None)
            state = scheduler.block(waiter)
            ends.unwatch(thread, waiter.gate)
            if state == NOTIFIED:
                with scheduler.holding():  # its work is done: it ends now
                    return real(thread, None)
            if state == STOPPED:
                return real(thread, None if math.isinf(waiter.left) else waiter.left)
            return None

        return join

    patches.apply(threading.Thread, "start", start)
    patches.apply(threading.Thread, "join", join)
    _children(clock, patches)


def _children(clock: VirtualClock, patches: Patches) -> None:
    """A child process runs on the real clock: waiting for it (with a
    timeout) is real, or a virtual timeout would fire before it could end."""

    def real_time(real: Callable[..., Any]) -> Callable[..., Any]:
        def wait(popen: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> Any:
            if not clock.virtual():
                return real(popen, *args, **kwargs)
            with clock.real_time():
                return real(popen, *args, **kwargs)

        return wait

    patches.apply(subprocess.Popen, "wait", real_time)
    patches.apply(subprocess.Popen, "communicate", real_time)


def _ready_now(selector: Any) -> bool:
    """Whether what ``selector`` watches is ready now, asked of a poll of its
    own: the scheduler asks from another thread, while the selector's thread
    may be in its ``select`` (a poll object refuses a second caller)."""
    try:
        keys = list((selector.get_map() or {}).values())
    except RuntimeError:  # registered or unregistered meanwhile: let it run
        return True
    read = [key.fd for key in keys if key.events & selectors.EVENT_READ]
    write = [key.fd for key in keys if key.events & selectors.EVENT_WRITE]
    try:
        if hasattr(_select, "poll"):
            poller = _select.poll()
            for fd in {*read, *write}:
                events = _select.POLLIN if fd in read else 0
                poller.register(fd, events | (_select.POLLOUT if fd in write else 0))
            return bool(poller.poll(0))
        return any(_select.select(read, write, [], 0))
    except (OSError, ValueError):  # a file closed meanwhile: its thread sees it
        return True


def _how_to_wait(selector: Any, scheduler: Scheduler) -> tuple[bool, bool]:
    """Whether ``selector`` waits for real I/O, and whether on the test's own
    loopback server.

    More than one file registered (an event loop's own wake-up socket is
    one): real I/O is awaited, and time runs at real speed. Unless those
    files are connections to the test's own loopback server and wake-up
    sockets (:mod:`.loopback`): that wait is virtual and patient (the
    clock moves past it only once what was sent before it has arrived, and
    gives a participant that seems idle :data:`.scheduler.PATIENT_STALL`)."""
    if len(selector.get_map() or ()) > 1:
        own = loopback.own_files(selector, scheduler)
        return not own, own
    return False, False


def _selectors(clock: VirtualClock, patches: Patches) -> None:
    scheduler = clock.scheduler

    def select(real: Callable[..., Any]) -> Callable[..., Any]:
        def select(selector: Any, timeout: float | None = None) -> Any:
            if not clock.virtual() or (timeout is not None and not timeout > 0):
                return real(selector, timeout)
            ready = real(selector, 0)
            if ready:
                return ready
            bubble = clock.bubble()
            if bubble is not None:
                if timeout is None:
                    return real(selector, None)
                clock.pass_in_bubble(bubble, timeout)
                return []
            io, own = _how_to_wait(selector, scheduler)
            probe = (lambda: not scheduler.settled() or _ready_now(selector)) if own else (
                lambda: _ready_now(selector)
            )
            waiter = scheduler.wait(timeout, probe=probe, real=io, patient=own)
            gate = waiter.gate
            last = clock.real_perf_counter()
            while gate.state == ARMED:
                ready = real(selector, POLL)
                if ready:
                    scheduler.woken(waiter)
                    return ready
                if io:
                    now = clock.real_perf_counter()
                    scheduler.run_real(now - last)
                    last = now
                elif waiter.deadline is not None:
                    scheduler.check()
            scheduler.woken(waiter)
            if gate.state == STOPPED:
                return real(selector, None if math.isinf(waiter.left) else waiter.left)
            return []

        return select

    # once each: ``DefaultSelector`` names one of the others again
    classes = dict.fromkeys(
        cls
        for cls in vars(selectors).values()
        if isinstance(cls, type) and "select" in cls.__dict__ and cls is not selectors.BaseSelector
    )
    for cls in classes:
        patches.apply(cls, "select", select)


def rebase_timers(clock: VirtualClock, virtual_now: float) -> None:
    """Move the timers the test's loops set on virtual time onto the real
    clock, each as far ahead as it was: it fires when it would have."""
    timers = _timers.pop(id(clock), None)
    if timers is None:
        return
    offset = virtual_now - clock.real_monotonic()
    loops: dict[int, Any] = {}
    for handle in list(timers.handles):
        if not handle.cancelled():
            handle._when -= offset  # type: ignore[attr-defined]
            loop = handle._loop  # type: ignore[attr-defined]
            loops[id(loop)] = loop
    for loop in loops.values():
        scheduled = loop._scheduled
        if loop.is_running():
            loop.call_soon_threadsafe(heapq.heapify, scheduled)
        else:
            heapq.heapify(scheduled)
