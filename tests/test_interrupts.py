"""An interrupt at any line of starting or stopping a fault, of the fixture's
inject and end, or of the virtual clock's start, leaves nothing behind.

Each case runs its action once to count the lines of the package it runs
(every function it reaches, not only ``start`` itself), then once per line
with a ``KeyboardInterrupt`` raised there by ``sys.settrace``. After each,
the state is whole: a start interrupted left the fault stopped and nothing
patched; a stop interrupted either took effect or did not begin, and a
second stop ends it. The patched methods of every client and the time
functions are the real ones again, and the clock moves.

Two kinds of line event are left out, where an exception raised by a trace
function escapes the enclosing ``with`` (a lock stays held) but no interrupt
can land: CPython checks for signals at calls, function starts and backward
jumps only. One is reported when a ``with`` block ends, before its
``__exit__`` is called (the last call of the body is inside the block); the
other at a ``try`` header, which runs no code.
"""

from __future__ import annotations

import ast
import functools
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from support import clock_moves, replaced_functions, server_threads

import pytest_apigw_faults
from pytest_apigw_faults import ApigwFault, Fault
from pytest_apigw_faults._core import runtime

PACKAGE = str(Path(pytest_apigw_faults.__file__).parent)
# Where CPython checks for a pending signal, and so where a real interrupt can
# land, is modelled on 3.11's line events (with and try headers, above). Other
# versions emit line events elsewhere (3.12 inlines comprehensions and reports
# their line twice), where a traced exception lands but a signal cannot.
pytestmark = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11),
    reason="the sweep's model of where a signal can land is CPython 3.11's",
)


CLIENT_SETS = [
    pytest.param(("requests",), id="requests"),
    pytest.param(("httpx",), id="httpx"),
    pytest.param(("aiohttp",), id="aiohttp"),
    pytest.param(("requests", "httpx", "aiohttp"), id="all"),
]
BACKENDS = {"requests": "responses", "httpx": "respx", "aiohttp": "aioresponses"}


def needs(clients: tuple[str, ...], virtual_time: bool = False) -> None:
    for client in clients:
        pytest.importorskip(client)
        pytest.importorskip(BACKENDS[client])
    if virtual_time:
        pytest.importorskip("time_machine")


# -- what must be real --------------------------------------------------------


REAL = replaced_functions()


def assert_untouched() -> None:
    """Every patched function is the real one, the clock moves, and the
    runtime has nothing started, installed or held."""
    assert replaced_functions() == REAL
    assert clock_moves()
    assert server_threads() == []
    board = runtime.board()
    assert board.installed == {}
    assert board.clock is None
    assert runtime.current().faults == ()
    assert not runtime.current().holds_clock()
    taken: list[bool] = []

    def take() -> None:
        taken.append(board.lock.acquire(timeout=2))
        if taken[-1]:
            board.lock.release()

    other = threading.Thread(target=take)
    other.start()
    other.join()
    assert taken == [True], "the patchboard's lock is still held"
    time_machine = sys.modules.get("time_machine")
    assert time_machine is None or time_machine.traveller_stack == []


@pytest.fixture(autouse=True)
def _untouched_before_and_after() -> Iterator[None]:
    assert_untouched()
    yield
    assert_untouched()


# -- the interrupter ----------------------------------------------------------


@functools.cache
def _blocks(filename: str) -> tuple[dict[int, tuple[int, int]], frozenset[int]]:
    """The ``with`` statements of a file (header line -> its body's lines),
    and the lines of its ``try`` headers."""
    tree = ast.parse(Path(filename).read_text(encoding="utf-8"))
    withs = {
        node.lineno: (node.body[0].lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, (ast.With, ast.AsyncWith))
    }
    tries = (ast.Try, getattr(ast, "TryStar", ast.Try))
    return withs, frozenset(node.lineno for node in ast.walk(tree) if isinstance(node, tries))


class Interrupter:
    """Raises ``KeyboardInterrupt`` at the ``at``-th line the package's code
    runs (``None``: only counts them)."""

    def __init__(self, at: int | None = None) -> None:
        self.at = at
        self.count = 0
        self.where: str | None = None

    def __enter__(self) -> Interrupter:
        self._before = sys.gettrace()
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self._before)

    def _call(self, frame: FrameType, event: str, arg: object) -> Any:
        if not frame.f_code.co_filename.startswith(PACKAGE):
            return None
        last: list[int | None] = [None]
        withs, tries = _blocks(frame.f_code.co_filename)

        def line(frame: FrameType, event: str, arg: object) -> Any:
            if event != "line":
                return line
            previous, last[0] = last[0], frame.f_lineno
            if frame.f_lineno in tries:
                return line  # a try header: no code (see the module doc)
            body = withs.get(frame.f_lineno)
            if body is not None and previous is not None and body[0] <= previous <= body[1]:
                return line  # leaving a with block (see the module doc)
            self.count += 1
            if self.count == self.at:
                code = frame.f_code
                self.where = f"{Path(code.co_filename).name}:{frame.f_lineno} ({code.co_name})"
                raise KeyboardInterrupt(f"interrupted at {self.where}")
            return line

        return line


def each_interrupt(
    action: Callable[[], object], after: Callable[[str], None], *, at_least: int = 10
) -> int:
    """Run ``action`` with an interrupt at each line of the package it runs,
    calling ``after(where)`` after each; how many lines there were."""
    with Interrupter() as counter:
        action()
    after("nowhere")
    total = counter.count
    assert total >= at_least
    for at in range(1, total + 1):
        interrupter = Interrupter(at)
        with pytest.raises(KeyboardInterrupt):
            with interrupter:
                action()
        assert interrupter.where is not None
        after(interrupter.where)
    return total


def warmed(fault: Fault) -> Fault:
    """``fault``, started and stopped once: the adapters are imported."""
    with fault:
        pass
    return fault


# -- start ----------------------------------------------------------------------


@pytest.mark.parametrize("virtual_time", [False, True], ids=["real-time", "virtual-time"])
@pytest.mark.parametrize("clients", CLIENT_SETS)
def test_an_interrupted_start_leaves_the_fault_stopped_and_nothing_patched(
    clients: tuple[str, ...], virtual_time: bool
) -> None:
    needs(clients, virtual_time)
    fault = warmed(
        Fault("function_error", api="rest", clients=clients, virtual_time=virtual_time)
    )

    def after(where: str) -> None:
        if where == "nowhere":  # the count's run: it started
            assert fault.started
            fault.stop()
        assert not fault.started, where
        assert_untouched()

    each_interrupt(fault.start, after)


@pytest.mark.parametrize("clients", CLIENT_SETS)
def test_an_interrupted_start_beside_a_started_fault_leaves_that_one_whole(
    clients: tuple[str, ...],
) -> None:
    needs(clients)
    first = Fault("lambda_throttled", api="http", clients=clients).start()
    installed = dict(runtime.board().installed)
    second = warmed(Fault("function_error", api="rest", clients=clients))
    try:

        def after(where: str) -> None:
            if where == "nowhere":
                second.stop()
            assert not second.started, where
            assert first.started
            assert runtime.current().faults == (first,)
            assert runtime.board().installed == installed
            for client in clients:
                assert runtime.current().users(client) == 1

        each_interrupt(second.start, after)
    finally:
        first.stop()


def test_an_interrupted_nested_start_counts_once_or_not_at_all() -> None:
    needs(("requests",))
    fault = Fault("function_error", api="rest", clients="requests").start()
    try:

        def after(where: str) -> None:
            assert fault._activations == (2 if where == "nowhere" else 1), where
            if where == "nowhere":
                fault.stop()

        each_interrupt(fault.start, after, at_least=2)
    finally:
        fault.stop()


# -- stop -------------------------------------------------------------------------


@pytest.mark.parametrize("virtual_time", [False, True], ids=["real-time", "virtual-time"])
@pytest.mark.parametrize("clients", CLIENT_SETS)
def test_an_interrupted_stop_takes_effect_or_can_be_done_again(
    clients: tuple[str, ...], virtual_time: bool
) -> None:
    needs(clients, virtual_time)
    fault = warmed(
        Fault("function_error", api="rest", clients=clients, virtual_time=virtual_time)
    )
    fault.start()
    not_begun: list[str] = []

    def after(where: str) -> None:
        if fault.started:  # the stop did not begin: all of it is still there
            not_begun.append(where)
            assert runtime.current().faults == (fault,)
            assert len(runtime.board().installed) == len(clients)
            assert (runtime.board().clock is not None) == virtual_time
            fault.stop()
        assert not fault.started
        assert_untouched()
        fault.start()  # for the next stop

    each_interrupt(fault.stop, after)
    fault.stop()
    # only an interrupt before the stop does anything leaves it started
    assert all("(stop)" in where or "(_end)" in where for where in not_begun), not_begun


def test_an_interrupted_nested_stop_counts_once_or_not_at_all() -> None:
    needs(("httpx",))
    fault = Fault("function_error", api="rest", clients="httpx")
    fault.start()
    fault.start()
    try:

        def after(where: str) -> None:
            assert fault._activations in (1, 2), where
            assert fault.started
            while fault._activations < 2:
                fault.start()

        each_interrupt(fault.stop, after, at_least=2)
    finally:
        fault.stop_all()


# -- the fixture, and the clock --------------------------------------------------


def test_an_interrupted_inject_is_undone_by_the_end_of_the_test() -> None:
    needs(("requests", "httpx"), virtual_time=True)

    current = runtime.current()
    fixtures: list[ApigwFault] = []

    def inject() -> None:
        fixture = ApigwFault(seed="interrupts", runtime=current)
        fixtures.append(fixture)
        fixture.inject("function_error", api="rest", virtual_time=True)
        fixture.inject("lambda_throttled", api="http", clients="httpx")

    def after(where: str) -> None:
        if fixtures:  # else: interrupted while it was made
            fixtures.pop()._stop()
        assert_untouched()

    each_interrupt(inject, after)


def test_an_interrupted_end_of_the_test_can_end_it_again() -> None:
    needs(("requests", "httpx"), virtual_time=True)
    current = runtime.current()
    fixtures: list[ApigwFault] = []

    def injected() -> ApigwFault:
        fixture = ApigwFault(seed="interrupts", runtime=current)
        fixture.inject("function_error", api="rest", virtual_time=True)
        fixture.inject("lambda_throttled", api="http", clients="httpx")
        fixtures.append(fixture)
        return fixture

    injected()

    def after(where: str) -> None:
        fixture = fixtures.pop()
        fixture._stop()  # again: whatever the first left
        assert_untouched()
        injected()

    each_interrupt(lambda: fixtures[-1]._stop(), after)
    fixtures.pop()._stop()


def test_an_interrupted_clock_start_leaves_time_real() -> None:
    pytest.importorskip("time_machine")
    holder = object()
    current = runtime.current()

    def after(where: str) -> None:
        if where == "nowhere":
            assert runtime.board().clock is not None
            current.release_clock(holder)
        assert_untouched()

    each_interrupt(lambda: current.hold_clock(holder), after)


def test_an_interrupted_clock_release_stops_it_or_can_be_done_again() -> None:
    pytest.importorskip("time_machine")
    holder = object()
    current = runtime.current()
    current.hold_clock(holder)

    def after(where: str) -> None:
        current.release_clock(holder)  # again
        assert_untouched()
        current.hold_clock(holder)

    each_interrupt(lambda: current.release_clock(holder), after)
    current.release_clock(holder)
