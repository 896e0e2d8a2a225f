"""What the plugin replaces in a client (or the clock), recorded before it is
replaced, so that undoing it is exact and can run again after an interrupt."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

__all__ = ["OURS", "STANDS_FOR", "Patches", "is_ours", "unwrap"]


#: Marks every function that replaces a client's (or the clock's) own.
OURS = "_apigw_faults_patch"
#: Marks one of ours left under a foreign patch: what it stands for.
STANDS_FOR = "_apigw_faults_stands_for"


def _marks(value: object) -> dict[str, Any]:
    # functions only: a Mock would answer any attribute
    return value.__dict__ if isinstance(value, types.FunctionType) else {}


def unwrap(value: Any) -> Any:
    """``value``, or what the function of ours left there stands for."""
    while STANDS_FOR in (marks := _marks(value)):
        value = marks[STANDS_FOR]
    return value


def is_ours(value: object) -> bool:
    """Whether ``value`` is a live replacement made by this package (of this
    copy of its modules or another)."""
    marks = _marks(value)
    return OURS in marks and STANDS_FOR not in marks


class Patches:
    """Attributes replaced, and put back, as a whole.

    Each replacement is recorded before it is made, and forgotten only once
    undone, so that :meth:`undo` after an exception or interrupt at any line
    puts back exactly what was replaced, and can run again.
    """

    def __init__(self) -> None:
        self._made: list[tuple[Any, str, Any, Any]] = []

    def __bool__(self) -> bool:
        return bool(self._made)

    def apply(self, owner: Any, name: str, make: Callable[[Any], Any]) -> Any:
        """Replace ``owner.name`` with ``make(original)``; a function of ours
        left there, stale, is taken off first (rule 6)."""
        original = unwrap(owner.__dict__[name])
        replacement = make(original)
        replacement.__dict__[OURS] = True
        self._made.append((owner, name, original, replacement))
        setattr(owner, name, replacement)
        return replacement

    def undo(self) -> list[tuple[Any, str, Any]]:
        """Put back, newest first, what each replacement replaced; the
        ``(owner, name, patch)`` of those a foreign patch covers now (rule 6)."""
        covered: list[tuple[Any, str, Any]] = []
        while self._made:
            owner, name, original, replacement = self._made[-1]
            now = owner.__dict__.get(name)
            # what was replaced, or what it stands for if it is ours, stale
            # now (another patchboard's, taken off under this one)
            real = unwrap(original)
            if now is replacement or (now is not real and unwrap(now) is real):
                setattr(owner, name, real)
            elif now is not real:
                replacement.__dict__[STANDS_FOR] = original
                covered.append((owner, name, now))
            self._made.pop()
        return covered
