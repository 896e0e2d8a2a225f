"""Virtual time: the client's clocks advance by the gateway's latency and by
its own backoff sleeps, and nothing really waits.

Built on time-machine (``travel(..., tick=False)`` and ``Traveller.shift``),
which moves ``time.time``, ``datetime.now`` and friends at the C level, so
``from time import time`` and ``datetime.datetime.now()`` (backoff's
``max_time``) follow too. time-machine does not move ``time.monotonic`` or
``time.perf_counter`` and does not touch the sleeps, so these are replaced
here, as module attributes, while the clock runs:

- ``time.sleep`` and ``asyncio.sleep`` advance the clock instead of waiting
  (``asyncio.sleep`` still yields to the event loop once);
- ``time.monotonic``, ``time.perf_counter`` (and their ``_ns`` forms) stand
  still between events, like ``time.time``;
- the asyncio event loop's own clock (``BaseEventLoop.time``) keeps ticking
  in real time, advanced by the same virtual offset: timers the loop needs
  for real I/O still fire, and a deadline the virtual time passes fires at once.

pytest's ``_pytest.timing`` took its ``perf_counter`` before any of this, so
report durations stay real.

One clock runs at a time in a process (the patches are process-wide): the
patchboard of :mod:`.runtime` starts it when a fault with
``virtual_time=True`` starts or a fixture takes hold of it, and stops it,
putting every patched function back, when nothing holds it any more.
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._gateway.table import ApigwFaultError
from . import patches as _patches
from . import runtime as _runtime

__all__ = ["Sleep", "VirtualClock", "running"]

_EXTRA = "pytest-apigw-faults[virtual-time]"


@dataclass(frozen=True)
class Sleep:
    """One backoff sleep the client took (or that urllib3's ``Retry`` would
    have taken, when the plugin counts it as gateway time)."""

    seconds: float
    source: str  # "time.sleep", "asyncio.sleep" or "urllib3 Retry"
    seq: int


class VirtualClock:
    """The clock of one stretch of virtual time (see the module doc)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.elapsed = 0.0
        self.sleeps: list[Sleep] = []
        #: Whether the clock is started and not stopped: the replaced
        #: functions follow it only then (a stale reference kept past the
        #: clock is real again).
        self.running = False
        self._travel: Any = None
        self._traveller: Any = None
        self._patches = _patches.Patches()
        self._monotonic0 = 0.0
        self._perf0 = 0.0
        self._real_monotonic: Callable[[], float] = time.monotonic

    # -- what the patched functions see ---------------------------------------

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass at once (a gateway's latency, a backoff)."""
        if seconds <= 0:
            return
        with self._lock:
            self.elapsed += seconds
            self._traveller.shift(seconds)

    def sleep(self, seconds: float, source: str) -> None:
        """A sleep of the client: recorded, then passed at once."""
        if seconds <= 0:
            return
        with self._lock:
            self.sleeps.append(Sleep(float(seconds), source, _runtime.next_seq()))
        self.advance(seconds)

    def monotonic(self) -> float:
        return self._monotonic0 + self.elapsed

    def perf_counter(self) -> float:
        return self._perf0 + self.elapsed

    def loop_time(self) -> float:
        return self._real_monotonic() + self.elapsed

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
        try:
            self._travel = time_machine.travel(time.time(), tick=False)
            self._traveller = self._travel.start()
            self._patch()
            self.running = True
        except BaseException:
            self.stop()
            raise

    def _patch(self) -> None:
        clock = self
        self._real_monotonic = _patches.unwrap(time.monotonic)
        self._monotonic0 = self._real_monotonic()
        self._perf0 = _patches.unwrap(time.perf_counter)()

        def sleep(real_sleep: Callable[[float], None]) -> Callable[[float], None]:
            def sleep(seconds: float) -> None:
                if not clock.running:  # a stale reference, kept past the clock
                    return real_sleep(seconds)
                if seconds < 0:
                    raise ValueError("sleep length must be non-negative")
                clock.sleep(seconds, "time.sleep")
                return None

            return sleep

        def async_sleep(real_async_sleep: Callable[..., Any]) -> Callable[..., Any]:
            async def async_sleep(delay: float, result: Any = None) -> Any:
                if not clock.running:
                    return await real_async_sleep(delay, result)
                clock.sleep(delay, "asyncio.sleep")
                return await real_async_sleep(0, result)  # yield to the loop once

            return async_sleep

        def frozen(virtual: Callable[[], Any]) -> Callable[[Callable[[], Any]], Any]:
            def make(real: Callable[[], Any]) -> Callable[[], Any]:
                return lambda: virtual() if clock.running else real()

            return make

        def nanoseconds(seconds: Callable[[], float]) -> Callable[[], int]:
            return lambda: round(seconds() * 1e9)

        def loop_time(real: Callable[[Any], float]) -> Callable[[Any], float]:
            return lambda loop: clock.loop_time() if clock.running else real(loop)

        apply = self._patches.apply
        apply(time, "sleep", sleep)
        apply(asyncio, "sleep", async_sleep)
        apply(asyncio.tasks, "sleep", async_sleep)
        apply(time, "monotonic", frozen(self.monotonic))
        apply(time, "monotonic_ns", frozen(nanoseconds(self.monotonic)))
        apply(time, "perf_counter", frozen(self.perf_counter))
        apply(time, "perf_counter_ns", frozen(nanoseconds(self.perf_counter)))
        apply(asyncio.base_events.BaseEventLoop, "time", loop_time)

    def stop(self) -> None:
        """Put back every patched function and stop travelling; safe to call
        again, and after a start that did not finish."""
        self.running = False
        self._patches.undo()
        traveller = self._traveller
        if traveller is not None:
            import time_machine

            if any(t is traveller for t in time_machine.traveller_stack):
                self._travel.stop()
            self._traveller = None
        self._travel = None


def running() -> VirtualClock | None:
    """The clock running now, if virtual time is on."""
    clock = _runtime.board().clock
    return clock if clock is not None and clock.running else None
