"""Real sleeps while a fault is started: counted, so that a test that really
waits out its client's backoff hears of virtual time.

While some fault is started and the virtual clock does not run, the
patchboard (:mod:`.runtime`) wraps ``time.sleep`` and ``asyncio.sleep``
(:class:`SleepWatch`). They still really sleep (a stand-in the test put
there before, a mock, is called and not counted); a sleep of positive length,
outside a Lambda handler (:func:`.clock.in_handler`), is added to every
started fault's :attr:`~.fault.Fault.real_sleeps`, with where it was called
from: the first frame outside the plugin, asyncio and threading, and
outside the retry libraries (tenacity, backoff, stamina, urllib3), whose
name is kept beside it. The user's own line that ran the retried call is
what they can change; the library says why it slept.

When the clock runs, its own patches take those names: the watch is off.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import types
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from . import runtime as _runtime
from .clock import in_handler
from .fault import ApigwFaultWarning
from .patches import Patches

if TYPE_CHECKING:
    from .fault import Fault
    from .runtime import Patchboard

__all__ = ["ApigwFaultSleepWarning", "RealSleep", "SleepWatch", "sleep_warning", "slept", "turn"]

#: Below this many seconds in all, a test's real sleeps are not warned of.
THRESHOLD = 0.1

#: Top-level modules whose frames are not where a sleep was called from.
_INTERNAL = frozenset({"pytest_apigw_faults", "asyncio", "threading", "concurrent"})
#: Retry libraries: passed through, and named.
_RETRYING = frozenset({"tenacity", "backoff", "stamina", "urllib3"})


class ApigwFaultSleepWarning(ApigwFaultWarning):
    """A test really slept while one of its faults was started: virtual
    time (``virtual_time=True``) would pass those sleeps at once."""


class RealSleep:
    """One real sleep of positive length while a fault was started."""

    __slots__ = ("library", "lineno", "path", "seconds", "seq", "source")

    def __init__(self, seconds: float, source: str) -> None:
        self.seconds = seconds
        self.source = source  # "time.sleep" or "asyncio.sleep"
        self.seq = _runtime.next_seq()
        self.path, self.lineno, self.library = _caller()


def _caller() -> tuple[str, int, str]:
    """The file and line a sleep was called from, and the retry library it
    went through ("" if none); ("", 0, "") if no frame is outside."""
    frame: types.FrameType | None = sys._getframe(3)  # _caller, RealSleep, _record, the wrapper
    library = ""
    while frame is not None:
        top = str(frame.f_globals.get("__name__", "")).partition(".")[0]
        if top in _RETRYING:
            library = library or top
        elif top not in _INTERNAL:
            return frame.f_code.co_filename, frame.f_lineno, library
        frame = frame.f_back
    return "", 0, library


def _record(seconds: Any, source: str) -> None:
    try:
        if not seconds > 0 or in_handler():
            return
        seconds = float(seconds)
    except (TypeError, ValueError):  # the real sleep refuses it
        return
    faults = [f for r in _runtime.board().runtimes for f, _ in r._started]
    if faults:
        sleep = RealSleep(seconds, source)
        for fault in faults:
            fault.real_sleeps.append(sleep)


class SleepWatch:
    """The wrappers of ``time.sleep`` and ``asyncio.sleep`` (see the module doc)."""

    def __init__(self) -> None:
        self.patches = Patches()

    def install(self) -> None:
        """Wrap; on an exception, what was wrapped is left for :meth:`uninstall`."""

        def sleep(real: Callable[[float], None]) -> Callable[[float], None]:
            genuine = getattr(real, "__self__", None) is time and real.__name__ == "sleep"

            def sleep(seconds: float) -> None:
                if genuine:
                    _record(seconds, "time.sleep")
                real(seconds)

            return sleep

        def async_sleep(real: Callable[..., Any]) -> Callable[..., Any]:
            genuine = getattr(real, "__module__", None) == "asyncio.tasks"

            async def sleep(delay: float, result: Any = None) -> Any:
                if genuine:
                    _record(delay, "asyncio.sleep")
                return await real(delay, result)

            return sleep

        self.patches.apply(time, "sleep", sleep)
        self.patches.apply(asyncio, "sleep", async_sleep)
        self.patches.apply(asyncio.tasks, "sleep", async_sleep)

    def uninstall(self) -> None:
        self.patches.undo()


def turn(board: Patchboard, on: bool) -> None:
    """Wrap the sleeps, or put them back (the patchboard decides which)."""
    with board.lock:
        if on and board.sleep_watch is None:
            board.sleep_watch = SleepWatch()  # recorded first: settle undoes it
            board.sleep_watch.install()
        elif not on and board.sleep_watch is not None:
            board.sleep_watch.uninstall()
            board.sleep_watch = None


def slept(faults: Sequence[Fault]) -> list[RealSleep]:
    """The real sleeps while any of ``faults`` was started, in order, each once."""
    unique = {id(s): s for fault in faults for s in fault.real_sleeps}
    return sorted(unique.values(), key=lambda s: s.seq)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _where(sleep: RealSleep) -> str:
    if not sleep.path:
        return "" if not sleep.library else f" (the first through {sleep.library})"
    path = sleep.path
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        relative = path
    if not relative.startswith(os.pardir):
        path = relative
    through = f", through {sleep.library}" if sleep.library else ""
    return f" (the first at {path}:{sleep.lineno}{through})"


def sleep_warning(sleeps: Sequence[RealSleep]) -> ApigwFaultSleepWarning | None:
    """The warning for a test's real sleeps, if they reach :data:`THRESHOLD`."""
    total = sum(s.seconds for s in sleeps)
    if total < THRESHOLD:
        return None
    counts = {
        source: sum(s.source == source for s in sleeps)
        for source in ("time.sleep", "asyncio.sleep")
    }
    calls = " and ".join(
        f"{_plural(count, 'call')} of {source}" for source, count in counts.items() if count
    )
    seconds = f"{total:.3f}".rstrip("0").rstrip(".")
    return ApigwFaultSleepWarning(
        f"the test really slept {seconds} s in {calls}{_where(sleeps[0])} while a"
        " fault was started; virtual_time=True (or the ini key"
        " apigw_fault_virtual_time = true) passes such sleeps at once"
    )
