"""The bookkeeping of a pytest run's faults, from its first fault on.

A run that starts no fault never loads this module: until a fault starts in
the run's runtime, a test costs the plugin one assignment. From then on:

* a fault a test (or its function-scoped fixtures) starts and leaves
  started is stopped after its teardown, and the test fails there;
* a fault a module-, class-, package- or session-scoped fixture starts is
  meant to outlive the test that first needs it, and is not reported.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .._adapters._internals import fixture_scope

if TYPE_CHECKING:
    from .._core.fault import Fault
    from ..plugin import _Run

__all__ = ["Watch"]

class Watch:
    """Registered as a pytest plugin when the run's first fault starts."""

    def __init__(self, run: _Run) -> None:
        self._run = run
        self._runtime = run.open()
        #: the faults started before the running test began
        self._before: tuple[Fault, ...] = ()
        #: the faults wider fixtures started
        self._kept: weakref.WeakSet[Fault] = weakref.WeakSet()
        run.config.pluginmanager.register(self, f"apigw-faults-watch-{id(self):#x}")

    def begin(self) -> None:
        self._before = self._runtime.faults

    def started(self, fault: Fault) -> None:
        scope = fixture_scope(sys._getframe(1))
        if scope is not None and scope != "function":
            self._kept.add(fault)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Iterator[None]:
        try:
            return (yield)
        finally:
            self._run.test = None  # faults made after the test: random ids
            self._stop_left_started(item)

    def _stop_left_started(self, item: pytest.Item) -> None:
        """Stop the faults the test (or its function-scoped fixtures) started and
        left started, and say so."""
        before, kept = self._before, self._kept
        left = [f for f in self._runtime.faults if f not in before and f not in kept]
        self._before = self._runtime.faults
        for fault in left:
            fault.stop_all()
        if left:
            pytest.fail(
                f"{item.nodeid} started {', '.join(map(repr, left))} and did not stop it;"
                " it is stopped now. Use `with Fault(...)`, the decorator, or"
                " apigw_fault.inject(...), which stop by themselves",
                pytrace=False,
            )
