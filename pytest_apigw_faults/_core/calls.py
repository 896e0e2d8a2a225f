"""The calls faults answered, as sequences that behave like lists.

:class:`Calls` is one fault's (``Fault.calls``): reading the newest is O(1),
iterating is linear, and a long-running server can keep a bounded window of
the newest (:attr:`Calls.keep`) with counts kept for the rest.
:class:`CallsMerger` puts several faults' calls in the order they were
answered (``apigw_fault.calls``), incrementally: every call carries a number
from one process-wide, increasing sequence (``Call.seq``), each fault
records its calls in that order, so new calls are merged at the end in
linear time and earlier ones are never sorted again.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, overload

from .._gateway.table import ApigwFaultError

if TYPE_CHECKING:
    from .fault import Call, Fault

__all__ = ["Calls", "CallsMerger", "CallsView", "check_keep"]


def _seq(call: Call) -> int:
    return call.seq


def check_keep(keep: object) -> int | None:
    """``keep`` as a number of calls to keep, or an error naming valid ones."""
    if keep is None or (isinstance(keep, int) and not isinstance(keep, bool) and keep >= 0):
        return keep
    raise ApigwFaultError(
        f"keep takes the number of newest calls to keep: a whole number, 0 or more"
        f" (0 keeps none, counting them only), or None to keep every call; got {keep!r}"
    )


class _ListLike(Sequence["Call"]):
    """A read-only sequence of calls that compares equal to a list of the
    same calls, and shows as one."""

    __slots__ = ()

    @property
    def total(self) -> int:
        """Every call answered, those no longer kept included."""
        raise NotImplementedError

    @property
    def dropped(self) -> int:
        """The calls answered but no longer kept (see :attr:`Calls.keep`)."""
        return self.total - len(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _ListLike):
            return list(self) == list(other)
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list is not hashable either

    def __add__(self, other: object) -> list[Call]:
        if isinstance(other, (_ListLike, list)):
            return [*self, *other]
        return NotImplemented

    def __radd__(self, other: object) -> list[Call]:
        if isinstance(other, list):
            return [*other, *self]
        return NotImplemented

    def __repr__(self) -> str:
        calls = repr(list(self))
        dropped = self.dropped
        return calls if not dropped else f"<the newest {len(self)} of {self.total} calls: {calls}>"


class Calls(_ListLike):
    """The calls one fault answered, oldest first: ``fault.calls``.

    It reads as a list does (``calls[-1]``, slices, ``len``, iteration,
    ``calls == []``) and grows as the fault answers. In tests every call is
    kept; with :attr:`keep` set (``python -m pytest_apigw_faults serve``
    keeps the newest 1000), only the newest are, and :attr:`total` and
    :attr:`dropped` count the others.
    """

    __slots__ = ("_items", "_keep", "_lock", "_start", "_total")

    def __init__(self, keep: int | None = None) -> None:
        # the window is _items[_start:]; the dropped head goes at once when
        # it is as long as the window (amortised O(1) per call)
        self._items: list[Call] = []
        self._start = 0
        self._total = 0
        self._keep: int | None = None
        self._lock = threading.Lock()
        self.keep = keep

    @property
    def keep(self) -> int | None:
        """How many of the newest calls are kept: ``None`` (the default)
        keeps every one; ``0`` keeps none and counts them only."""
        return self._keep

    @keep.setter
    def keep(self, keep: int | None) -> None:
        keep = check_keep(keep)
        with self._lock:
            self._keep = keep
            if keep is not None:
                self._start = max(self._start, len(self._items) - keep)
                self._trim(keep)

    @property
    def total(self) -> int:
        """Every call the fault answered since it started, kept or not."""
        return self._total

    def _trim(self, keep: int) -> None:
        if self._start and self._start >= keep:
            del self._items[: self._start]
            self._start = 0

    def _append(self, call: Call) -> None:
        """Record ``call``; the fault calls it with its own lock held, right
        after numbering the call, so the calls stay in ``seq`` order."""
        with self._lock:
            self._total += 1
            keep = self._keep
            if keep is None:
                self._items.append(call)
            elif keep:
                self._items.append(call)
                if len(self._items) - self._start > keep:
                    self._start += 1
                    self._trim(keep)

    def _window(self) -> list[Call]:
        """The calls kept, as a list of their own."""
        with self._lock:
            return self._items[self._start :]

    def __len__(self) -> int:
        return len(self._items) - self._start

    @overload
    def __getitem__(self, index: int) -> Call: ...
    @overload
    def __getitem__(self, index: slice) -> list[Call]: ...
    def __getitem__(self, index: int | slice) -> Call | list[Call]:
        if self._keep is None and not self._start:
            return self._items[index]
        if isinstance(index, slice):
            return self._window()[index]
        with self._lock:
            size = len(self._items) - self._start
            position = index + size if index < 0 else index
            if not 0 <= position < size:
                raise IndexError("list index out of range")
            return self._items[self._start + position]

    def __iter__(self) -> Iterator[Call]:
        if self._keep is None and not self._start:
            return iter(self._items)
        return iter(self._window())

    def __reversed__(self) -> Iterator[Call]:
        return reversed(self._window())


class CallsView(_ListLike):
    """Several faults' calls in the order they were answered, as they stood
    when it was taken: ``apigw_fault.calls``."""

    __slots__ = ("_items", "_length", "_total")

    def __init__(self, items: list[Call], length: int, total: int) -> None:
        self._items = items  # only ever appended to: the first length stay
        self._length = length
        self._total = total

    @property
    def total(self) -> int:
        """Every call the faults answered, those no longer kept included."""
        return self._total

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> Call: ...
    @overload
    def __getitem__(self, index: slice) -> list[Call]: ...
    def __getitem__(self, index: int | slice) -> Call | list[Call]:
        if isinstance(index, slice):
            return self._items[: self._length][index]
        position = index + self._length if index < 0 else index
        if not 0 <= position < self._length:
            raise IndexError("list index out of range")
        return self._items[position]

    def __iter__(self) -> Iterator[Call]:
        return itertools.islice(self._items, self._length)

    def __reversed__(self) -> Iterator[Call]:
        items = self._items
        return (items[i] for i in range(self._length - 1, -1, -1))


def merged(calls: Iterable[Iterable[Call]]) -> list[Call]:
    """Each fault's calls (in ``seq`` order) merged into one list, in order."""
    return list(heapq.merge(*calls, key=_seq))


class CallsMerger:
    """Keeps several faults' calls merged in ``seq`` order, taking in only
    the calls made since it last looked: O(faults + new calls) a look."""

    def __init__(self) -> None:
        self._merged: list[Call] = []
        # what was merged: each fault, its Calls then, and how many of them
        self._seen: list[tuple[Fault, Calls, int]] = []
        self._lock = threading.Lock()

    def view(self, faults: Sequence[Fault]) -> CallsView:
        """The calls of ``faults`` (oldest fault first) so far, in order."""
        with self._lock:
            if any(fault.calls.keep is not None for fault in faults):
                # windows drop calls: merge what they keep now, hold nothing
                items = merged(fault.calls for fault in faults)
                total = sum(fault.calls.total for fault in faults)
                return CallsView(items, len(items), total)
            self._catch_up(faults)
            return CallsView(self._merged, len(self._merged), len(self._merged))

    def _catch_up(self, faults: Sequence[Fault]) -> None:
        seen = self._seen
        same = len(seen) <= len(faults) and all(
            fault is faults[i] and calls is fault.calls for i, (fault, calls, _) in enumerate(seen)
        )
        if not same:  # a fault restarted (its calls emptied) or left: afresh
            self._merged, seen = [], []
        chunks: list[list[Call]] = []
        now: list[tuple[Fault, Calls, int]] = []
        for index, fault in enumerate(faults):
            calls = fault.calls
            done = seen[index][2] if index < len(seen) else 0
            items = calls._items  # kept whole: no window (see view)
            count = len(items)
            if count > done:
                chunks.append(items[done:count])
            now.append((fault, calls, count))
        self._seen = now
        if not chunks:
            return
        fresh = chunks[0] if len(chunks) == 1 else merged(chunks)
        current = self._merged
        if not current or fresh[0].seq > current[-1].seq:
            current.extend(fresh)  # the usual case: new calls come last
            return
        # a call numbered before the last merged one was recorded after it
        # (another fault's thread): merge the tail, into a new list so that
        # views already taken keep what they had
        at = bisect.bisect_right(current, fresh[0].seq, key=_seq)
        self._merged = current[:at] + merged([current[at:], fresh])
