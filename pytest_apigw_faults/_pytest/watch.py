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
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .._core.fault import Fault
    from ..plugin import _Run

__all__ = ["Watch"]

# pytest sets a fixture up in its own implementation of the
# pytest_fixture_setup hook, in the module of FixtureDef, which gets the
# ``fixturedef``: a fault started while a call of it is on the stack is
# started by that fixture (the innermost one). Private to pytest: without it,
# every fault counts as the test's.
_FIXTURE_SETUP = getattr(
    getattr(sys.modules[pytest.FixtureDef.__module__], "pytest_fixture_setup", None),
    "__code__",
    None,
)


def _fixture_scope(frame: Any) -> str | None:
    """The scope of the innermost fixture being set up in ``frame``'s stack."""
    while frame is not None:
        if frame.f_code is _FIXTURE_SETUP:
            fixturedef = frame.f_locals.get("fixturedef")
            return str(getattr(fixturedef, "scope", "function"))
        frame = frame.f_back
    return None


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
        scope = _fixture_scope(sys._getframe(1))
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
