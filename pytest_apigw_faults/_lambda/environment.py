"""The execution environment a handler runs in, as Lambda's Python runtime
gives it: an event loop of its own, and a log that keeps what it writes.

* :func:`fresh_event_loop`: on Lambda, a handler runs in the runtime's main
  thread, where no event loop runs and ``asyncio.get_event_loop()`` gives a
  loop (Mangum, for one, calls it and then ``run_until_complete``). In a
  test, an earlier ``asyncio.run`` or asyncio test leaves the thread's loop
  unset ("There is no current event loop"), and an async client calls the
  handler from inside its running loop. So each invocation gets a new loop,
  set as the thread's current one and no loop running; afterwards its tasks
  are cancelled, it is closed, and the thread's loop state is put back as it
  was, the running loop included.
* :func:`capture`: what the handler writes to ``sys.stdout`` and
  ``sys.stderr`` and what it logs through the root logger, in order, from
  the invoking thread. Writes still reach the streams as before (pytest's
  capture shows them as usual); log records are written in the runtime's
  text format, ``[LEVEL]\\t<UTC time>.<ms>Z\\t<request id>\\t<message>``
  [RIC, ``_setup_logging``]. The streams and the root logger are as they
  were once no invocation runs.
* :func:`function_log` and :func:`error_log`: the invocation's log as
  CloudWatch Logs keeps it, ``START`` to ``REPORT``, with the runtime's
  ``[ERROR]`` entry.

Pure standard library; no clock but ``logging``'s record times (virtual
when the virtual clock runs).

asyncio's private state this module reads or sets, each checked on Python
3.10, 3.11, 3.12 and 3.13 (the install matrix's rows): ``asyncio.events.
_get_running_loop`` and ``_set_running_loop`` (a handler called inside a
running loop sees none running), ``asyncio.events._get_event_loop_policy``
(3.14's name of the policy getter), the default policy's ``_local._loop``
and ``_local._set_called`` (the thread's current loop, put back after the
call), and a loop's ``_default_executor`` and ``_asyncgens`` (whether a kept
loop must be closed). A policy without ``_local`` gets a loop that is not
made current.
"""

from __future__ import annotations

import asyncio
import asyncio.events
import atexit
import contextlib
import copy
import logging
import math
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, TextIO

__all__ = [
    "MAX_MEMORY_USED_MB",
    "Capture",
    "capture",
    "error_log",
    "fresh_event_loop",
    "function_log",
]


def _policy() -> Any:
    # Python 3.14 deprecates the public getter; the private one is the same.
    getter = getattr(asyncio.events, "_get_event_loop_policy", None)
    if getter is None:
        getter = asyncio.get_event_loop_policy
    return getter()


def _finish(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what the handler left on ``loop`` and close it, as
    ``asyncio.run`` does; a loop that fails to shut down is closed all the same."""
    try:
        tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    except Exception:  # the handler's own mess: the loop is closed below
        pass
    finally:
        loop.close()


# The main thread's idle loop, kept between invocations as a warm Lambda keeps
# its runtime's: making and closing a loop (its self-pipe, its shutdown steps)
# for each call would be most of a call's cost. Each invocation still leaves
# it as it found it: its tasks cancelled, and a loop whose handler started an
# executor or async generators is closed and replaced. Other threads (the
# loopback server's) get a loop of their own for each call.
_kept: list[asyncio.AbstractEventLoop] = []


def _close_kept() -> None:
    while _kept:
        loop = _kept.pop()
        if not loop.is_closed() and not loop.is_running():
            _finish(loop)


def _take_loop() -> tuple[asyncio.AbstractEventLoop, bool]:
    """A loop for one invocation, and whether it is the kept one."""
    if threading.current_thread() is not threading.main_thread():
        return asyncio.new_event_loop(), False
    if _kept and not _kept[0].is_closed():
        return _kept[0], True
    if not _kept:
        atexit.register(_close_kept)
    _kept[:] = [asyncio.new_event_loop()]
    return _kept[0], True


def _put_back(loop: asyncio.AbstractEventLoop, kept: bool) -> None:
    """Tidy ``loop`` after an invocation: cancel what the handler left; close
    a loop that is not kept, or that holds an executor's threads or async
    generators (private state: ``_default_executor``, ``_asyncgens``)."""
    if not kept or loop.is_closed():
        _finish(loop)
        return
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if tasks:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    if getattr(loop, "_default_executor", None) is not None or getattr(loop, "_asyncgens", None):
        _kept.clear()
        _finish(loop)


@contextlib.contextmanager
def fresh_event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop, current in this thread and not running, while the
    block runs, with no task of an earlier invocation; then the thread's
    loop state as it was (see the module doc).

    Under an event-loop policy without the standard per-thread state the
    loop is not made current."""
    running = asyncio.events._get_running_loop()
    local = getattr(_policy(), "_local", None)
    # (_set_called: before Python 3.14, whether the thread's loop was ever set)
    saved = None if local is None else (local._loop, getattr(local, "_set_called", None))
    loop, kept = _take_loop()
    asyncio.events._set_running_loop(None)
    try:
        if local is not None:
            local._loop = loop
            if saved is not None and saved[1] is not None:
                local._set_called = True
        yield loop
    finally:
        try:
            asyncio.events._set_running_loop(None)
            _put_back(loop, kept)
        finally:
            if local is not None and saved is not None:
                local._loop = saved[0]
                if saved[1] is not None:
                    local._set_called = saved[1]
            asyncio.events._set_running_loop(running)


class Capture:
    """What one invocation wrote, in order (see :func:`capture`)."""

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self._parts: list[str] = []

    def write(self, text: str) -> None:
        self._parts.append(text)

    @property
    def text(self) -> str:
        """Everything written, a newline ending the last line."""
        text = "".join(self._parts)
        return text if not text or text.endswith("\n") else text + "\n"


# Per thread, the captures of the invocations running in it, innermost last
# (a handler may call an API whose handler runs in the same thread).
_captures: dict[int, list[Capture]] = {}
_lock = threading.Lock()


def _current() -> Capture | None:
    stack = _captures.get(threading.get_ident())
    return stack[-1] if stack else None


class _Stream:
    """``sys.stdout`` or ``sys.stderr`` while an invocation runs: each write
    goes to the stream it replaces, and a copy to the writing thread's
    invocation."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        capture = _current()
        if capture is not None and isinstance(text, str):
            capture.write(text)
        return self._target.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


class _LogHandler(logging.Handler):
    """The runtime's root-logger handler [RIC, ``_setup_logging``]: a record
    the invoking thread logs, in the runtime's text format."""

    def __init__(self) -> None:
        super().__init__()
        formatter = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
        formatter.converter = time.gmtime
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        capture = _current()
        if capture is None:
            return
        try:
            record = copy.copy(record)  # the other handlers see it unchanged
            record.aws_request_id = capture.request_id
            capture.write(self.format(record))
        except Exception:
            self.handleError(record)


_installed: tuple[_Stream, _Stream, _LogHandler, list[logging.StreamHandler[Any]]] | None = None


def _stream_handlers() -> Iterator[logging.StreamHandler[Any]]:
    """Every ``StreamHandler`` of every logger made so far."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in list(getattr(logger, "handlers", ())):
            if isinstance(handler, logging.StreamHandler):
                yield handler


def _redirect_handlers(out: _Stream, err: _Stream) -> list[logging.StreamHandler[Any]]:
    """Point each log handler that writes to the stdout or stderr being
    replaced at its replacement. On Lambda whatever reaches stdout or stderr
    is the function's log [D-PYLOG], a handler made at import included
    (Chalice logs an exception through one of its own, on ``sys.stdout``)."""
    moved = []
    for handler in _stream_handlers():
        if handler.stream is out._target or handler.stream is err._target:
            handler.stream = out if handler.stream is out._target else err
            moved.append(handler)
    return moved


def _install() -> None:
    global _installed
    out, err, handler = _Stream(sys.stdout), _Stream(sys.stderr), _LogHandler()
    sys.stdout, sys.stderr = out, err
    logging.getLogger().addHandler(handler)
    _installed = (out, err, handler, _redirect_handlers(out, err))


def _uninstall() -> None:
    global _installed
    if _installed is None:
        return
    out, err, handler, moved = _installed
    _installed = None
    logging.getLogger().removeHandler(handler)
    for stream_handler in moved:  # unless someone pointed it elsewhere since
        if isinstance(stream_handler.stream, _Stream) and stream_handler.stream in (out, err):
            stream_handler.stream = stream_handler.stream._target
    if sys.stdout is out:  # else someone replaced it since: leave theirs
        sys.stdout = out._target
    if sys.stderr is err:
        sys.stderr = err._target


@contextlib.contextmanager
def capture(request_id: str) -> Iterator[Capture]:
    """Keep what this thread writes and logs while the block runs."""
    record = Capture(request_id)
    ident = threading.get_ident()
    with _lock:
        if not _captures:
            _install()
        _captures.setdefault(ident, []).append(record)
    try:
        yield record
    finally:
        with _lock:
            stack = _captures[ident]
            stack.remove(record)
            if not stack:
                del _captures[ident]
            if not _captures:
                _uninstall()


# The function's log ------------------------------------------------------

#: What a frame line of a traceback is indented with in the log: the runtime
#: swaps each leading space for a no-break space [RIC, ``ERROR_LOG_IDENT``,
#: ``replace_line_indentation``].
_INDENT = "\u00a0"

#: ``Max Memory Used`` of every REPORT line: a figure of a small Python
#: function. ⚠️ Not measured: the test process's memory says nothing of the
#: function's.
MAX_MEMORY_USED_MB = 40


def _indented(line: str) -> str:
    stripped = line.lstrip(" ")
    return _INDENT * (len(line) - len(stripped)) + stripped


def error_log(error: dict[str, Any]) -> str:
    """The log entry the runtime writes for an error payload, in its text
    format [RIC, ``log_error``]: ``[ERROR] <type>: <message>``, then
    ``Traceback (most recent call last):`` and each line of the stack trace,
    its indentation in no-break spaces. The telemetry log sink Lambda gives
    the runtime joins the lines with ``\\n``; the entry ends with a newline."""
    description = "[ERROR]"
    error_type = error.get("errorType")
    message = error.get("errorMessage")
    if error_type:
        description += f" {error_type}"
    if message:
        description += f"{':' if error_type else ''} {message}"
    lines = [description]
    stack = error.get("stackTrace")
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack:
            lines += [""] if element == "" else [_indented(x) for x in str(element).splitlines()]
    return "\n".join(lines) + "\n"


def function_log(
    request_id: str,
    output: str,
    *,
    duration_ms: float,
    memory_size: str,
    version: str = "$LATEST",
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    """The invocation's log as CloudWatch keeps it, one line per entry:
    ``START RequestId: <id> Version: $LATEST``, what the function wrote,
    ``END RequestId: <id>`` and the REPORT line, tab-separated [D-PYLOG],
    its duration to the hundredth of a millisecond, billed in whole
    milliseconds (rounded up, at least 1) [CAP-EXIT]. A timed-out or crashed
    invocation's REPORT line ends with ``Status: timeout`` or ``Status:
    error`` and ``Error Type: <type>`` [D-LIFECYCLE]: the log format of 2024
    on. ⚠️ No ``Init Duration``: every invocation is taken to find its
    execution environment warm."""
    duration = round(duration_ms, 2)
    billed = max(1, math.ceil(duration))
    report = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration:.2f} ms",
        f"Billed Duration: {billed} ms",
        f"Memory Size: {memory_size} MB",
        f"Max Memory Used: {MAX_MEMORY_USED_MB} MB",
    ]
    if status is not None:
        report.append(f"Status: {status}")
    if error_type is not None:
        report.append(f"Error Type: {error_type}")
    return (
        f"START RequestId: {request_id} Version: {version}\n"
        f"{output}"
        f"END RequestId: {request_id}\n" + "\t".join(report) + "\n"
    )
