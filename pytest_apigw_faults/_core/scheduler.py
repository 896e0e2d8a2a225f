"""When virtual time moves: an event-driven scheduler over real threads.

The test's threads are its *participants*: the thread that started the clock
and every thread started while it runs. A participant that waits with a
timeout (a sleep, ``Event.wait(2)``, a selector's ``select(5)``, an event
loop waiting for its next timer) registers a :class:`Waiter` with a virtual
deadline and blocks for real on its gate. When every participant waits, the
clock jumps to the earliest deadline and opens the gates due then, as a
discrete-event simulator does: threads and concurrent calls overlap in
virtual time, and nothing spins or really waits for a timeout.

A participant that neither waits here nor runs (blocked on a lock without a
timeout, or on real I/O) would hold time still for ever; one whose CPU time
has not moved for :data:`STALL` seconds of real time counts as waiting too.
Where a thread's CPU clock cannot be read, :data:`STALL` of real time
without any event does.

Threads that are not participants (started before the clock: pytest's own,
xdist's, a session's server) keep real time and real waits.

Pure standard library; the locks are taken from ``_thread`` so that the
virtual waits of :mod:`.waits` never wait on themselves.
"""

from __future__ import annotations

import _thread
import contextlib
import math
import threading
import time
import weakref
from collections.abc import Callable, Iterator

__all__ = [
    "HORIZON", "PATIENT_STALL", "SETTLE", "STALL", "Gate", "Scheduler", "Waiter", "real_timeout"
]

#: Real seconds a participant may sit idle, neither running nor waiting on
#: the clock, before it counts as waiting (see the module doc).
STALL = 0.02
#: Real seconds since the last wait began before the clock may jump past a
#: wait on the test's own loopback connections (:mod:`.loopback`): a frame
#: sent before that wait has reached the other end, where a probe sees it.
SETTLE = 0.02
#: :data:`STALL` while such a wait is among the waits: a participant may sit
#: idle that long only (a thread of the server waiting for the GIL on a busy
#: machine is not done with its request).
PATIENT_STALL = 0.25
#: Real seconds a waiter blocks between checks that time can move on.
POLL = 0.005
#: Virtual seconds past which a deadline is never reached (a sleep of 1e308
#: waits for ever, as it would on a real clock, and leaves the clock intact).
HORIZON = 1e9

ARMED, NOTIFIED, EXPIRED, STOPPED = "armed", "notified", "expired", "stopped"


class Gate:
    """What one virtual wait blocks on. ``Condition.notify`` opens it like
    the lock it stands for (:meth:`release`); the scheduler opens it when its
    deadline comes (:meth:`open`). Whichever comes first wins; the other
    finds it open (``notify`` then wakes the next waiter, as it does for a
    lock released twice)."""

    __slots__ = ("_lock", "_mutex", "on_notify", "state")

    def __init__(self) -> None:
        self._lock = _thread.allocate_lock()
        self._lock.acquire()
        self._mutex = _thread.allocate_lock()
        self.state = ARMED
        self.on_notify: Callable[[], None] | None = None

    def release(self) -> None:
        """Open as notified (``Condition.notify``'s call)."""
        with self._mutex:
            if self.state == ARMED:
                self._lock.release()
            elif self.state != STOPPED:  # open already: the waiter finds it
                raise RuntimeError("release unlocked lock")
            self.state = NOTIFIED
        if self.on_notify is not None:
            self.on_notify()

    def open(self, state: str) -> bool:
        """Open as ``state`` unless already open; whether it did."""
        with self._mutex:
            if self.state != ARMED:
                return False
            self.state = state
            self._lock.release()
            return True

    def rearm(self) -> bool:
        """After :data:`STOPPED`: arm again for a real wait; ``False`` if a
        notification came meanwhile."""
        with self._mutex:
            if self.state == STOPPED:
                self.state = ARMED
                return True
            return False

    def block(self, timeout: float) -> bool:
        """Block until open or ``timeout`` real seconds (``-1``: no limit)."""
        return bool(self._lock.acquire(True, timeout))

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)


class Waiter:
    """One participant's wait: its deadline (virtual seconds since the clock
    started, ``None`` for none), its gate, and how to look for real I/O."""

    __slots__ = ("deadline", "gate", "left", "patient", "probe", "real", "thread")

    def __init__(
        self, thread: threading.Thread, deadline: float | None, probe: Callable[[], bool] | None
    ) -> None:
        self.thread = thread
        self.deadline = deadline
        self.gate = Gate()
        self.probe = probe
        #: Whether it waits for real I/O too: time then runs at real speed
        #: (:meth:`Scheduler.run_real`) instead of jumping.
        self.real = False
        #: Whether the clock moves past it for stalled participants only
        #: after :data:`PATIENT_STALL`.
        self.patient = False
        #: Once the clock stopped during the wait: the real seconds it has
        #: left (``math.inf`` for none).
        self.left = 0.0


def _cpu_clock(thread: threading.Thread) -> Callable[[], float] | None:
    ident = thread.ident
    getcpuclockid = getattr(time, "pthread_getcpuclockid", None)
    if ident is None or getcpuclockid is None:
        return None
    try:
        clock_id = getcpuclockid(ident)
        time.clock_gettime(clock_id)
    except (OSError, OverflowError):
        return None
    return lambda: time.clock_gettime(clock_id)


def _runnable(thread: threading.Thread) -> bool:
    """Whether the kernel says ``thread`` is running or waits for a CPU (a
    busy machine may not run it for a while: it is not stalled then)."""
    try:
        with open(f"/proc/self/task/{thread.native_id}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"R"
    except (OSError, IndexError):
        return False


class Scheduler:
    """The participants, their waits, and the clock's position (see the
    module doc). ``shift`` is called, with the lock held, each time the
    clock moves on, with how far."""

    def __init__(self, shift: Callable[[float], None]) -> None:
        self._lock = _thread.allocate_lock()
        self._shift = shift
        self.now = 0.0
        self.running = True
        self._participants: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
        self._ended: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
        self._waiting: dict[threading.Thread, Waiter] = {}
        # for stalls: each busy participant's CPU time when last seen, and the
        # real time since which it has not moved
        self._idle: dict[threading.Thread, tuple[float, float]] = {}
        # participants in a real wait that ends by itself (a thread's exit)
        self._holding: set[threading.Thread] = set()
        # participants serving in real time (a server's accepting loop), and
        # whether each has work now
        self._aside: dict[threading.Thread, Callable[[], bool]] = {}
        self._cpu: dict[threading.Thread, Callable[[], float] | None] = {}
        self._real = time.perf_counter  # the real one: taken before any patch
        self._began = self._real()  # when the last wait began (real time)

    # -- who takes part ---------------------------------------------------------

    def join(self, thread: threading.Thread) -> None:
        """Make ``thread`` a participant (before it starts running)."""
        with self._lock:
            self._participants.add(thread)

    def takes_part(self, thread: threading.Thread) -> bool:
        return self.running and thread in self._participants and thread not in self._ended

    def ended(self, thread: threading.Thread) -> None:
        """``thread`` has finished its work: it no longer holds time."""
        with self._lock:
            self._ended.add(thread)
            self._idle.pop(thread, None)
            self._advance()

    # -- waiting ----------------------------------------------------------------

    def wait(
        self,
        seconds: float | None,
        probe: Callable[[], bool] | None = None,
        *,
        real: bool = False,
        patient: bool = False,
    ) -> Waiter:
        """Register the calling participant's wait of ``seconds`` (``None``:
        until woken); the clock moves on if everyone waits now."""
        thread = threading.current_thread()
        if seconds is not None and not 0 < seconds <= HORIZON:  # nan, inf, huge, <= 0
            seconds = None if seconds > HORIZON else 0.0
        with self._lock:
            deadline = None if seconds is None else self.now + seconds
            waiter = Waiter(thread, deadline, probe)
            waiter.real = real
            waiter.patient = patient
            if not self.running:  # stopped meanwhile: all of it in real time
                waiter.left = math.inf if seconds is None else seconds
                waiter.gate.open(STOPPED)
                return waiter
            self._waiting[thread] = waiter
            self._idle.pop(thread, None)
            self._began = self._real()
            self._advance()
        return waiter

    def woken(self, waiter: Waiter) -> None:
        """The waiter's thread runs again (notified, or real I/O came)."""
        with self._lock:
            if self._waiting.get(waiter.thread) is waiter:
                del self._waiting[waiter.thread]
            self._advance()

    def settled(self) -> bool:
        """Whether :data:`SETTLE` real seconds passed since the last wait
        began (called by a probe, the lock held)."""
        return self._real() - self._began >= SETTLE

    def block(self, waiter: Waiter) -> str:
        """Block the caller until ``waiter``'s gate opens; how it opened."""
        gate = waiter.gate
        if waiter.deadline is None:
            gate.block(-1)
        else:
            while not gate.block(POLL):
                self.check()
        self.woken(waiter)
        return gate.state

    def check(self) -> None:
        """Move on if the busy participants are all stalled (module doc)."""
        with self._lock:
            self._advance(stalls=True)

    # -- moving on --------------------------------------------------------------

    def _busy(self) -> list[threading.Thread]:
        # a thread not started yet (no ident) is busy: it is about to run
        return [
            t
            for t in self._participants
            if t not in self._ended
            and t not in self._waiting
            and t not in self._aside
            and (t.ident is None or t.is_alive())
        ]

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """The calling thread waits in real time for what ends by itself (a
        thread that finished its work, exiting): it is busy meanwhile, not
        stalled, however long a loaded machine takes."""
        thread = threading.current_thread()
        with self._lock:
            self._holding.add(thread)
        try:
            yield
        finally:
            with self._lock:
                self._holding.discard(thread)

    @contextlib.contextmanager
    def aside(self, pending: Callable[[], bool]) -> Iterator[None]:
        """The calling participant serves in real time (a loopback server's
        accepting loop): it holds time only while ``pending()`` (a
        connection to accept) is true."""
        thread = threading.current_thread()
        with self._lock:
            if thread in self._participants:
                self._aside[thread] = pending
        try:
            yield
        finally:
            with self._lock:
                self._aside.pop(thread, None)

    def _stalled(self, busy: list[threading.Thread], stall: float) -> bool:
        now = self._real()
        stalled = True
        for thread in busy:
            if thread in self._holding:
                return False
            if thread not in self._cpu:
                self._cpu[thread] = _cpu_clock(thread)
            cpu = self._cpu[thread]
            used = cpu() if cpu is not None else 0.0
            seen = self._idle.get(thread)
            if seen is None or seen[0] != used or _runnable(thread):
                self._idle[thread] = (used, now)
                stalled = False
            elif now - seen[1] < stall:
                stalled = False
        return stalled

    def _advance(self, *, stalls: bool = False) -> None:
        """With the lock held: jump to the earliest deadline when every
        participant waits (or, with ``stalls``, is stalled)."""
        if not self.running or not self._waiting:
            return
        if any(waiter.real for waiter in self._waiting.values()):
            return  # real I/O is awaited: time runs at real speed (run_real)
        busy = self._busy()
        patient = any(waiter.patient for waiter in self._waiting.values())
        if busy and not (stalls and self._stalled(busy, PATIENT_STALL if patient else STALL)):
            return
        deadlines = [w.deadline for w in self._waiting.values() if w.deadline is not None]
        if not deadlines:
            return
        for waiter in self._waiting.values():
            if waiter.probe is not None and waiter.probe():
                return  # real I/O is ready: that thread runs first
        if any(pending() for pending in self._aside.values()):
            return  # a server has a connection to accept
        self._move_to(min(deadlines))

    def advance_by(self, seconds: float) -> None:
        """Move on ``seconds`` at once (a thread that is not the test's), and
        wake the waits due by then."""
        with self._lock:
            self._move_to(self.now + seconds)

    def run_real(self, seconds: float) -> None:
        """While real I/O is awaited: ``seconds`` of real time passed; the
        clock follows, up to the earliest deadline."""
        with self._lock:
            deadlines = [w.deadline for w in self._waiting.values() if w.deadline is not None]
            self._move_to(min([self.now + seconds, *deadlines]))

    def _move_to(self, target: float) -> None:
        if not self.running:
            return
        if target > self.now:
            self._shift(target - self.now)
            self.now = target
        for thread, waiter in list(self._waiting.items()):
            if waiter.deadline is not None and waiter.deadline <= target:
                del self._waiting[thread]
                waiter.gate.open(EXPIRED)

    def stop(self) -> None:
        """Stop: every waiter's gate opens as :data:`STOPPED`, with what it
        had left to wait (:attr:`Waiter.left`)."""
        with self._lock:
            self.running = False
            for waiter in self._waiting.values():
                deadline = waiter.deadline
                waiter.left = math.inf if deadline is None else max(deadline - self.now, 0.0)
                waiter.gate.open(STOPPED)
            self._waiting.clear()


def real_timeout(seconds: float) -> float:
    """``seconds`` as a lock's ``acquire`` takes it (``-1``: no limit)."""
    return -1 if seconds > HORIZON else seconds
