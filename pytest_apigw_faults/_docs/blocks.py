"""The generated parts of the documentation (the site's pages in ``docs/``
and the README): each stands between a start and an end marker line, and is
written afresh from the package's own data.

Each generator module declares its blocks (:class:`Block`: the file it lives
in, its markers, the function that writes it); ``python -m
pytest_apigw_faults._docs.<module> [FILE ...]`` rewrites the blocks of that
module in the files named, or in every file they live in when none is named.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Block", "main", "replace_block", "update_blocks"]


@dataclass(frozen=True)
class Block:
    """One generated part: the file it lives in (relative to the project's
    root), its start and end marker lines, and what goes between them."""

    path: str
    start: str
    end: str
    generate: Callable[[], str]


def replace_block(text: str, start: str, end: str, body: str) -> str:
    """``text`` with what stands between ``start`` and ``end`` replaced by
    ``body`` (which ends with a newline), or an error naming the markers."""
    head, found_start, rest = text.partition(start)
    _, found_end, tail = rest.partition(end)
    if not found_start or not found_end:
        raise ValueError(f"the text needs the lines {start!r} and {end!r}")
    return f"{head}{start}\n{body}{end}{tail}"


def update_blocks(text: str, blocks: Sequence[Block]) -> str:
    """``text`` with each of ``blocks`` whose markers it holds generated
    afresh; a text that holds none of them is an error naming where they live."""
    present = [block for block in blocks if block.start in text]
    if not present:
        homes = ", ".join(sorted({block.path for block in blocks}))
        starts = " / ".join(repr(block.start) for block in blocks)
        raise ValueError(f"the text has none of the lines {starts} (they live in {homes})")
    for block in present:
        text = replace_block(text, block.start, block.end, f"{block.generate()}\n")
    return text


def main(argv: list[str], blocks: Sequence[Block], usage: str) -> int:
    """Rewrite the files named by ``argv`` (default: every file the blocks
    live in, relative to the current directory); a file is written only when
    it changes."""
    if any(arg.startswith("-") for arg in argv):
        print(f"usage: {usage} [FILE ...]", file=sys.stderr)
        return 2
    paths = argv or list(dict.fromkeys(block.path for block in blocks))
    for name in paths:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        new = update_blocks(text, blocks)
        if new != text:
            path.write_text(new, encoding="utf-8")
    return 0
