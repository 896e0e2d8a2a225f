"""Virtual time: one clock that every clock reading and every wait of the
test obeys, and nothing really waits.

The test's threads (the one that started the clock and every thread started
from them while it runs) read virtual time and wait on it; when all of them
wait, the clock jumps to the earliest deadline (:mod:`.scheduler`). What is
replaced, and how each wait becomes virtual, is in :mod:`.waits`:

- ``time.time``, ``datetime.now`` and the rest of what time-machine moves
  (``travel(..., tick=False)`` and ``Traveller.shift``, at the C level, so
  ``from time import time`` follows too);
- ``time.monotonic``, ``time.perf_counter`` (and ``_ns``), the clock of the
  ``threading`` and ``queue`` modules, and asyncio's loop
  clock, so ``wait_for``, ``asyncio.timeout`` and ``call_later`` fire at
  their virtual deadlines;
- ``time.sleep``, ``Condition.wait`` (so ``Event.wait``, ``queue.get``,
  ``Future.result``, ``as_completed``, ``Timer``), ``Thread.join`` and the
  ``selectors`` (so an event loop waiting for its next timer) wait on it.

A Lambda handler runs in a bubble of its own time (:meth:`VirtualClock.handler_time`):
its sleeps and waits pass at once on its own clock and become the
integration's latency, not the client's backoff.

A child process runs on the real clock, so waiting for it
(``Popen.wait``, ``communicate``, ``subprocess.run(timeout=)``) is real
while the test's time holds still. Threads that are not the test's keep
real time. pytest's own durations stay
real (``_pytest.timing`` took its functions before any of this).

One clock runs at a time in a process: the patchboard of :mod:`.runtime`
starts it when a fault with ``virtual_time=True`` starts or a fixture takes
hold of it, and stops it, putting every patched function back and moving the
timers scheduled on it onto the real clock, when nothing holds it any more.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._gateway.table import ApigwFaultError
from . import patches as _patches
from . import runtime as _runtime
from .scheduler import STOPPED, Scheduler, real_timeout

if TYPE_CHECKING:
    from .fault import Call

__all__ = [
    "HandlerTime",
    "Sleep",
    "VirtualClock",
    "handler_time",
    "in_handler",
    "running",
    "wait_for_call",
]

_EXTRA = "pytest-apigw-faults[virtual-time]"


@dataclass(frozen=True)
class Sleep:
    """One backoff sleep the client took (or that urllib3's ``Retry`` would
    have taken, when the plugin counts it as gateway time)."""

    seconds: float
    source: str  # "time.sleep", "asyncio.sleep" or "urllib3 Retry"
    seq: int


class HandlerTime:
    """The seconds a Lambda handler's own clock moved while it ran."""

    __slots__ = ("seconds",)

    def __init__(self) -> None:
        self.seconds = 0.0


class VirtualClock:
    """The clock of one stretch of virtual time (see the module doc)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sleeps: list[Sleep] = []
        #: Whether the clock is started and not stopped: the replaced
        #: functions follow it only then.
        self.running = False
        self._travel: Any = None
        self._traveller: Any = None
        self._patches = _patches.Patches()
        self._bubbles = threading.local()
        self._outside = threading.local()
        self.real_monotonic: Callable[[], float] = _patches.unwrap(time.monotonic)
        self.real_perf_counter: Callable[[], float] = _patches.unwrap(time.perf_counter)
        self.real_sleep: Callable[[float], None] = _patches.unwrap(time.sleep)
        self.real_async_sleep: Callable[..., Any] = _patches.unwrap(asyncio.sleep)
        self._monotonic0: float = self.real_monotonic()
        self._perf0: float = self.real_perf_counter()
        self.scheduler = Scheduler(self._shift)

    @property
    def elapsed(self) -> float:
        """Virtual seconds since the clock started."""
        return self.scheduler.now

    # -- whose time ---------------------------------------------------------------

    def bubble(self) -> HandlerTime | None:
        """The handler time of the calling thread, while it runs a handler."""
        return getattr(self._bubbles, "time", None)

    def takes_part(self) -> bool:
        """Whether the calling thread is the test's (see :mod:`.scheduler`)."""
        return self.scheduler.takes_part(threading.current_thread())

    def virtual(self) -> bool:
        """Whether the calling thread reads virtual time now."""
        if getattr(self._outside, "depth", 0):
            return False
        return self.running and (self.bubble() is not None or self.takes_part())

    @contextlib.contextmanager
    def real_time(self) -> Iterator[None]:
        """The calling thread waits on something outside the test (a child
        process) in real time: its readings and waits are real meanwhile."""
        outside = self._outside
        outside.depth = getattr(outside, "depth", 0) + 1
        try:
            yield
        finally:
            outside.depth -= 1

    @contextlib.contextmanager
    def aside(self, pending: Callable[[], bool]) -> Iterator[None]:
        """The calling thread serves the test in real time (a loopback
        server's accepting loop): its readings and waits are real, and it
        holds time only while ``pending()`` (a connection to accept)."""
        with self.real_time(), self.scheduler.aside(pending):
            yield

    def offset(self) -> float:
        """Virtual seconds past the clock's start, for the calling thread."""
        bubble = self.bubble()
        return self.scheduler.now + (0.0 if bubble is None else bubble.seconds)

    def monotonic(self) -> float:
        if not self.virtual():
            return self.real_monotonic()
        return self._monotonic0 + self.offset()

    def perf_counter(self) -> float:
        if not self.virtual():
            return self.real_perf_counter()
        return self._perf0 + self.offset()

    def _shift(self, seconds: float) -> None:
        traveller = self._traveller
        if traveller is not None:
            traveller.shift(seconds)

    # -- waiting ------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass at once on the whole clock (a thread that is
        not the test's: a server started before it)."""
        if not 0 < seconds < float("inf"):
            return
        self.scheduler.advance_by(seconds)

    def pause(self, seconds: float) -> None:
        """The calling thread waits ``seconds`` of virtual time: a gateway's
        latency, a backoff (not recorded here: see :meth:`sleep`)."""
        if not seconds > 0:  # also nan
            return
        bubble = self.bubble()
        if bubble is not None:
            self.pass_in_bubble(bubble, seconds)
        elif not self.takes_part():
            self.advance(seconds)
        else:
            scheduler = self.scheduler
            waiter = scheduler.wait(seconds)
            if scheduler.block(waiter) == STOPPED:
                self.real_sleep(max(real_timeout(waiter.left), 0.0))

    def pass_in_bubble(self, bubble: HandlerTime, seconds: float) -> None:
        """A handler's wait: passes at once on its own clock."""
        if not 0 < seconds < float("inf"):
            return
        bubble.seconds += seconds
        self._shift(seconds)

    def sleep(self, seconds: float, source: str) -> None:
        """A sleep: the client's backoff (recorded) unless a handler sleeps."""
        if not seconds > 0:
            return
        if self.bubble() is None:
            with self._lock:
                self.sleeps.append(Sleep(float(seconds), source, _runtime.next_seq()))
        self.pause(seconds)

    def record(self, seconds: float, source: str) -> None:
        """A sleep of the client the event loop waits for itself."""
        if seconds > 0 and self.bubble() is None:
            with self._lock:
                self.sleeps.append(Sleep(float(seconds), source, _runtime.next_seq()))

    @contextlib.contextmanager
    def handler_time(self) -> Iterator[HandlerTime]:
        """Run a Lambda handler in a bubble of its own time: what it waits
        passes at once and adds to the :class:`HandlerTime` yielded; the wall
        clock moves with it, and back when it is done."""
        outer = self.bubble()
        spent = HandlerTime()
        self._bubbles.time = spent
        try:
            yield spent
        finally:
            self._bubbles.time = outer
            if outer is not None:
                outer.seconds += spent.seconds
            else:
                self._shift(-spent.seconds)

    # -- start and stop -------------------------------------------------------

    def start(self) -> None:
        """Travel and patch; on an exception or interrupt anywhere, nothing
        stays travelled or patched."""
        try:
            import time_machine
        except ModuleNotFoundError:
            raise ApigwFaultError(
                f"virtual_time=True needs time-machine, which is not installed:"
                f" pip install '{_EXTRA}'"
            ) from None
        from . import waits

        try:
            self.scheduler.join(threading.current_thread())
            self._travel = time_machine.travel(time.time(), tick=False)
            self._traveller = self._travel.start()
            waits.install(self, self._patches)
            self.running = True
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Put back every patched function, move the timers set on virtual
        time onto the real clock, let waits in progress go on in real time,
        and stop travelling; safe to call again, and after a start that did
        not finish."""
        from . import waits

        was_running = self.running
        self.running = False
        self.scheduler.stop()
        if was_running:
            waits.rebase_timers(self, self._monotonic0 + self.scheduler.now)
        self._patches.undo()
        traveller = self._traveller
        if traveller is not None:
            import time_machine

            # ours only while it is on time-machine's stack (an interrupted
            # stop may have taken it off already)
            if any(t is traveller for t in time_machine.traveller_stack):
                self._travel.stop()
            self._traveller = None
        self._travel = None


def running() -> VirtualClock | None:
    """The clock running now, if virtual time is on."""
    clock = _runtime.board().clock
    return clock if clock is not None and clock.running else None


@contextlib.contextmanager
def handler_time() -> Iterator[HandlerTime | None]:
    """A Lambda handler's own time while it runs, on the running clock
    (``None`` when virtual time is off)."""
    clock = running()
    if clock is None:  # real time: the thread is marked as in a handler
        _HANDLERS.depth = getattr(_HANDLERS, "depth", 0) + 1
        try:
            yield None
        finally:
            _HANDLERS.depth -= 1
        return
    with clock.handler_time() as spent:
        yield spent


#: The threads running a Lambda handler on real time (:func:`handler_time`);
#: on ``sys``, so that every copy of this module sees the same marks.
_HANDLERS: threading.local = sys.__dict__.setdefault(
    "_pytest_apigw_faults_in_handler", threading.local()
)


def in_handler() -> bool:
    """Whether the calling thread runs a Lambda handler on real time: its
    sleeps are the integration's, not the client's."""
    return getattr(_HANDLERS, "depth", 0) > 0


async def wait_for_call(call: Call) -> None:
    """An async client's wait for ``call`` (its latency, or its read
    timeout): on the event loop's virtual clock, so that a deadline of the
    client's own (``asyncio.timeout``, ``wait_for``) can fire first. Then
    the call records that the client gave up, after how long, and raises
    the cancellation on."""
    clock = running()
    seconds = call.waited
    if clock is None or not seconds > 0:
        return
    bubble = clock.bubble()
    if bubble is not None:
        clock.pass_in_bubble(bubble, seconds)
        return
    if not clock.virtual():
        clock.advance(seconds)
        return
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        await clock.real_async_sleep(seconds)
    except asyncio.CancelledError as cancelled:
        waited = max(loop.time() - start, 0.0)
        call.elapsed -= call.waited - waited
        call.waited = waited
        call.timed_out = True
        call.exception = cancelled
        raise
