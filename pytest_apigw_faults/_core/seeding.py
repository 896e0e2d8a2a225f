"""The seed of the running test, for faults made without one.

Kept apart, with no imports, so that the pytest plugin can set it for every
test without loading the rest of the package.
"""

from __future__ import annotations

import itertools

__all__ = ["next_seed", "seed_faults_from"]

_seed: str | None = None
_count = itertools.count(1)


def seed_faults_from(seed: str | None) -> None:
    """Faults started afresh without a seed get ``seed:Fault1``, ``seed:Fault2``,
    ...; ``None`` ends it (their ids are then random)."""
    global _seed, _count
    _seed, _count = seed, itertools.count(1)


def next_seed() -> str | None:
    seed = _seed
    return None if seed is None else f"{seed}:Fault{next(_count)}"
