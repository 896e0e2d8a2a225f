"""The answer of ``classify()``: the rows a response is consistent with,
ranked, with what would tell them apart and why none is, when none is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .table import Endpoint, Scenario

__all__ = ["Classification", "Match"]


@dataclass(frozen=True)
class Match:
    """One row a response is consistent with, and how well.

    ``score`` is 0 for an exact match; otherwise 1, plus 1 for each header
    the row sends that is missing although the response has other headers
    of the same sender (API Gateway's own, or CloudFront's four), plus 1 for
    each difference read leniently. ``endpoints`` are the row's endpoint
    types the response is consistent with; ``unseen`` what the row sends
    (on the best of them) that the response lacks: header names, and
    ``body`` when the body is unknown; ``lenient`` what was read leniently.
    """

    row: Scenario
    score: int
    endpoints: tuple[Endpoint, ...]
    unseen: tuple[str, ...] = ()
    lenient: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        """Whether the response is all this row sends, ids and dates in
        their form: nothing missing, nothing read leniently."""
        return self.score == 0


class Classification(tuple[Scenario, ...]):
    """The rows of the scenario table a response is consistent with, best
    first: a tuple of :class:`Scenario`, usable as one.

    The ranking: exact matches first (the response is all the row sends:
    status, body, content type, error type, and every header it sends, ids
    and dates in their form), then the rows that agree with everything the
    response has, by :attr:`Match.score` (a header the row sends that is
    missing counts against it when other headers of the same sender are
    there, since a proxy that strips headers strips them by sender; a header
    read leniently counts too). Rows of equal score keep table order.

    ``ranking`` holds a :class:`Match` per row; ``hints`` say what would
    tell the rows apart (a header the response lacks, a body not given);
    ``reasons``, when no row is consistent, say why for the nearest rows;
    ``notes`` what of the response was left out as a proxy's.
    """

    _ranking: tuple[Match, ...]
    _hints: tuple[str, ...]
    _reasons: tuple[str, ...]
    _notes: tuple[str, ...]

    def __new__(
        cls,
        ranking: Iterable[Match] = (),
        hints: Iterable[str] = (),
        reasons: Iterable[str] = (),
        notes: Iterable[str] = (),
    ) -> Classification:
        matches = tuple(ranking)
        self = super().__new__(cls, (m.row for m in matches))
        self._ranking, self._hints = matches, tuple(hints)
        self._reasons, self._notes = tuple(reasons), tuple(notes)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Classification, (self._ranking, self._hints, self._reasons, self._notes))

    @property
    def rows(self) -> tuple[Scenario, ...]:
        """The rows, best first, as a plain tuple."""
        return tuple(self)

    @property
    def best(self) -> Scenario | None:
        """The best row (the first in table order among equals), or ``None``."""
        return self[0] if self else None

    @property
    def exact(self) -> tuple[Scenario, ...]:
        """The rows the response is exactly, in table order."""
        return tuple(m.row for m in self._ranking if m.exact)

    @property
    def ranking(self) -> tuple[Match, ...]:
        """A :class:`Match` per row, best first."""
        return self._ranking

    @property
    def hints(self) -> tuple[str, ...]:
        """What would tell the rows apart, e.g. ``"`x-amzn-trace-id` present
        → not `rest-api_configuration_error`"``."""
        return self._hints

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why no row is consistent, for the nearest rows (empty when some are)."""
        return self._reasons

    @property
    def notes(self) -> tuple[str, ...]:
        """What of the response was left out: a proxy's own ``via`` or
        ``x-cache``, which CloudFront's are told from."""
        return self._notes

    def __repr__(self) -> str:
        if not self:
            return f"<Classification: no row; {'; '.join(self._reasons)}>"
        ranked = ", ".join(
            f"{m.row.id} ({'exact' if m.exact else f'score {m.score}'})" for m in self._ranking
        )
        return f"<Classification: {ranked}>"
