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

One clock runs at a time in a process (the patches are process-wide). It is
reference-counted: every fault with ``virtual_time=True`` (and the
``apigw_fault`` fixture of a test with virtual time) holds it while started,
and the last release puts every patched function back.
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._gateway.table import ApigwFaultError

__all__ = ["SEQUENCE", "Sleep", "VirtualClock", "acquire", "release", "running"]

#: Orders calls and sleeps across faults and clocks.
SEQUENCE = itertools.count()

_EXTRA = "pytest-apigw-faults[virtual-time]"


@dataclass(frozen=True)
class Sleep:
    """One backoff sleep the client took (or that urllib3's ``Retry`` would
    have taken, when the plugin counts it as gateway time)."""

    seconds: float
    source: str  # "time.sleep", "asyncio.sleep" or "urllib3 Retry"
    seq: int


_MARK = "_apigw_virtual"


def _ours(function: Callable[..., Any]) -> Callable[..., Any]:
    setattr(function, _MARK, True)
    return function


class VirtualClock:
    """The clock of one stretch of virtual time (see the module doc)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.elapsed = 0.0
        self.sleeps: list[Sleep] = []
        self._travel: Any = None
        self._traveller: Any = None
        self._saved: list[tuple[Any, str, Any]] = []
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
            self.sleeps.append(Sleep(float(seconds), source, next(SEQUENCE)))
        self.advance(seconds)

    def monotonic(self) -> float:
        return self._monotonic0 + self.elapsed

    def perf_counter(self) -> float:
        return self._perf0 + self.elapsed

    def loop_time(self) -> float:
        return self._real_monotonic() + self.elapsed

    # -- start and stop -------------------------------------------------------

    def start(self) -> None:
        try:
            import time_machine
        except ModuleNotFoundError:
            raise ApigwFaultError(
                f"virtual_time=True needs time-machine, which is not installed:"
                f" pip install '{_EXTRA}'"
            ) from None
        real_sleep, real_async_sleep = time.sleep, asyncio.sleep
        self._real_monotonic = real_monotonic = time.monotonic
        self._monotonic0 = real_monotonic()
        self._perf0 = time.perf_counter()
        self._travel = time_machine.travel(time.time(), tick=False)
        self._traveller = self._travel.start()

        clock = self

        @_ours
        def sleep(seconds: float) -> None:
            if _RUNNING is not clock:  # a stale reference, kept past the clock
                return real_sleep(seconds)
            if seconds < 0:
                raise ValueError("sleep length must be non-negative")
            clock.sleep(seconds, "time.sleep")
            return None

        @_ours
        async def async_sleep(delay: float, result: Any = None) -> Any:
            if _RUNNING is not clock:
                return await real_async_sleep(delay, result)
            clock.sleep(delay, "asyncio.sleep")
            return await real_async_sleep(0, result)  # yield to the loop once

        def frozen(real: Callable[[], Any], virtual: Callable[[], Any]) -> Callable[[], Any]:
            @_ours
            def now() -> Any:
                return virtual() if _RUNNING is clock else real()

            return now

        def nanoseconds(seconds: Callable[[], float]) -> Callable[[], int]:
            return lambda: round(seconds() * 1e9)

        loop_time = _ours(
            lambda loop: clock.loop_time() if _RUNNING is clock else real_monotonic()
        )
        patches: list[tuple[Any, str, Any]] = [
            (time, "sleep", sleep),
            (asyncio, "sleep", async_sleep),
            (asyncio.tasks, "sleep", async_sleep),
            (time, "monotonic", frozen(time.monotonic, self.monotonic)),
            (time, "monotonic_ns", frozen(time.monotonic_ns, nanoseconds(self.monotonic))),
            (time, "perf_counter", frozen(time.perf_counter, self.perf_counter)),
            (
                time,
                "perf_counter_ns",
                frozen(time.perf_counter_ns, nanoseconds(self.perf_counter)),
            ),
            (asyncio.base_events.BaseEventLoop, "time", loop_time),
        ]
        for owner, name, replacement in patches:
            self._saved.append((owner, name, owner.__dict__[name]))
            setattr(owner, name, replacement)

    def stop(self) -> None:
        """Put back every patched function and stop travelling; always whole."""
        saved, self._saved = self._saved, []
        try:
            for owner, name, original in reversed(saved):
                setattr(owner, name, original)
        finally:
            if self._travel is not None:
                travel, self._travel = self._travel, None
                travel.stop()


_RUNNING: VirtualClock | None = None
_USERS = 0
_GUARD = threading.RLock()


def running() -> VirtualClock | None:
    """The clock running now, if virtual time is on."""
    return _RUNNING


def acquire() -> VirtualClock:
    """The running clock, started if none runs; pair with :func:`release`."""
    global _RUNNING, _USERS
    with _GUARD:
        if _RUNNING is None:
            clock = VirtualClock()
            clock.start()
            _RUNNING = clock
        _USERS += 1
        return _RUNNING


def release() -> None:
    """Undo one :func:`acquire`; the last one stops the clock."""
    global _RUNNING, _USERS
    with _GUARD:
        if _USERS <= 0:
            return
        _USERS -= 1
        if not _USERS and _RUNNING is not None:
            clock, _RUNNING = _RUNNING, None
            clock.stop()


def force_stop() -> bool:
    """Stop the clock whoever holds it (a test that never got its
    teardown); whether one was running."""
    global _RUNNING, _USERS
    with _GUARD:
        clock, _RUNNING, _USERS = _RUNNING, None, 0
        if clock is None:
            return False
        clock.stop()
        return True
