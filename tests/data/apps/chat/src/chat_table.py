"""The connections table: in memory, keyed by the TABLE_NAME the functions get."""

from __future__ import annotations

import os

TABLES: dict[str, dict[str, str]] = {}


def table() -> dict[str, str]:
    """Connection id to user name."""
    return TABLES.setdefault(os.environ["TABLE_NAME"], {})
