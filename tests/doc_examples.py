"""The code examples of the documentation (the site's pages in ``docs/`` and
the README), by page and heading.

An *example* is every ```` ```python ```` block under one ``##`` heading (its
``###`` subsections included; the blocks before the first ``##`` are under
the page's title), in order: a section tells one story, and its later blocks
may use what its first defines. A block that is deliberately not runnable has
the line ``<!-- not-run: why -->`` right before its fence, and is left out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NOT_RUN = re.compile(r"<!-- not-run: (?P<reason>\S.*?) -->")
_HEADING = re.compile(r"^(#{1,6}) (.+)$")


@dataclass
class Example:
    page: str  # relative to the project's root: "docs/auth.md", "README.md"
    heading: str  # "## JWT authorizers", or the page's title
    blocks: list[str] = field(default_factory=list)
    not_run: list[tuple[str, str]] = field(default_factory=list)  # (reason, block)

    @property
    def id(self) -> str:
        return f"{self.page}::{self.heading.lstrip('# ')}"

    @property
    def code(self) -> str:
        return "\n\n".join(self.blocks)


def pages() -> list[Path]:
    """Every page whose examples run: the site's and the README."""
    return [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]


def examples(path: Path) -> list[Example]:
    """The page's examples, in order, each with its blocks and the blocks
    marked not to run; sections without a Python block are left out."""
    page = path.relative_to(ROOT).as_posix()
    found: list[Example] = []
    current = Example(page, "")
    fence: str | None = None
    block: list[str] = []
    previous = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if fence is not None:
            if line.startswith("```") and line.strip() == "```":
                if fence == "python":
                    _add(current, "\n".join(block) + "\n", previous)
                fence = None
            else:
                block.append(line)
            continue
        if line.startswith("```"):
            fence, block = line[3:].strip(), []
            continue
        heading = _HEADING.match(line)
        if heading and (len(heading.group(1)) <= 2 or not current.heading):
            found.append(current)
            current = Example(page, line)
        if line.strip():
            previous = line.strip()
    found.append(current)
    return [example for example in found if example.blocks or example.not_run]


def _add(example: Example, code: str, previous: str) -> None:
    marked = NOT_RUN.fullmatch(previous)
    if marked:
        example.not_run.append((marked.group("reason"), code))
    else:
        example.blocks.append(code)


def section(page: str, heading: str) -> Example:
    """The example under ``heading`` (a whole heading line) of ``page``."""
    for example in examples(ROOT / page):
        if example.heading == heading:
            return example
    raise LookupError(f"{page} has no example under {heading!r}")


def slug(heading: str) -> str:
    """The anchor MkDocs gives a heading (Python-Markdown's ``toc`` slugify)."""
    value = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


def anchors(path: Path) -> set[str]:
    """The anchors of a page's headings (those in code blocks are no headings)."""
    text = re.sub(r"(?ms)^```.*?^```", "", path.read_text(encoding="utf-8"))
    return {slug(heading.strip()) for heading in re.findall(r"(?m)^#{1,6} (.+)$", text)}
