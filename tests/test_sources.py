"""Every source tag the package cites, ``[TAG]`` in a module's code, comments or
docstrings, says where it comes from: it has an entry in ``SOURCES``."""

from __future__ import annotations

import re
from collections import defaultdict

from test_layers import PACKAGE, modules

from pytest_apigw_faults._gateway.sources import SOURCES

#: ``[TAG]``, or ``[TAG, detail]`` (``[RIC, log_error]``): capitals and digits,
#: parts joined by ``-``.
CITATION = re.compile(r"\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)(?:\]|,)")

#: Bracketed capitals that are not source tags, with why.
NOT_TAGS: dict[str, str] = {
    "A-Z": "a regular expression's character class",
    "CP": "a regular expression's character class (x-amz-cf-pop)",
    "CORS": "a Markdown link to the README's CORS section",
    "ERROR": "the Lambda log level of an error line, [ERROR]",
    "LEVEL": "the log level's placeholder in the Lambda log format",
    "OURS": "a dictionary key in code",
    "TAG": "the placeholder in prose explaining the tags",
    "X": "a placeholder in an error message (sequence=[name] * N + [X])",
}


def citations() -> dict[str, list[str]]:
    """Each tag cited in the package, with where: ``module.py:line``."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in modules():
        text = path.read_text(encoding="utf-8")
        for match in CITATION.finditer(text):
            tag = match.group(1)
            if tag not in NOT_TAGS:
                line = text.count("\n", 0, match.start()) + 1
                found[tag].append(f"{path.relative_to(PACKAGE).as_posix()}:{line}")
    return found


def test_every_cited_tag_is_in_sources():
    cited = citations()
    missing = {tag: places for tag, places in sorted(cited.items()) if tag not in SOURCES}
    assert not missing, (
        f"{len(missing)} source tag(s) cited without an entry in"
        " pytest_apigw_faults/_gateway/sources.py SOURCES (add one: a URL, or a capture"
        " with its date or id; or cite the existing tag of the same source):\n"
        + "\n".join(f"  [{tag}] cited at {', '.join(places)}" for tag, places in missing.items())
    )


def test_the_scan_finds_the_tags_it_should():
    cited = citations()
    # a docstring's tag, a comment's, and the "[TAG, detail]" form
    assert "D-RP-FLOW" in cited
    assert "LP59" in cited
    assert "RIC" in cited


def test_no_exempted_word_is_a_source_tag():
    assert not set(NOT_TAGS) & set(SOURCES)


def test_every_source_says_where_it_comes_from():
    for tag, where in SOURCES.items():
        assert CITATION.fullmatch(f"[{tag}]"), f"{tag!r} is not spelled as a tag"
        assert where.strip() == where, f"{tag}: {where!r}"
        assert len(where) >= 20, f"{tag}: {where!r} is too short to say where"
