"""The generated parts of the README: each stands between a start and an end
marker line, and is written afresh from the package's own data."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["main", "replace_block"]


def replace_block(text: str, start: str, end: str, body: str) -> str:
    """``text`` with what stands between ``start`` and ``end`` replaced by
    ``body`` (which ends with a newline), or an error naming the markers."""
    head, found_start, rest = text.partition(start)
    _, found_end, tail = rest.partition(end)
    if not found_start or not found_end:
        raise ValueError(f"the README needs the lines {start!r} and {end!r}")
    return f"{head}{start}\n{body}{end}{tail}"


def main(argv: list[str], update: Callable[[str], str], usage: str) -> int:
    """Rewrite the README named by ``argv`` (default ``README.md``) with
    ``update``; the file is written only when it changes."""
    if len(argv) > 1:
        print(f"usage: {usage} [README.md]", file=sys.stderr)
        return 2
    path = Path(argv[0] if argv else "README.md")
    text = path.read_text(encoding="utf-8")
    new = update(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return 0
