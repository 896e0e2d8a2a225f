"""The mutation score of the gateway model, from mutmut's results.

Run after ``mutmut run`` (``make mutation`` runs both). Reads the results mutmut
leaves beside each mutated module (``mutants/<path>.meta``) and prints, per
module and in all, the mutants killed out of those tested, then each survivor.
A survivor named in ``tests/mutation-survivors.md`` (a line starting with its
name in backquotes) is shown as equivalent, with the reason written there; it
still counts as a survivor in the score.

Exit status: 0 when the score reaches ``--min`` (percent, 0 by default), else 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

# mutmut's exit codes (mutmut/stats.py): a timeout or an error inside pytest
# counts as killed; "no tests" means no selected test ran the mutated function.
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}
SURVIVED = {0}
NO_TESTS = {5, 33}
SKIPPED = {34}
PREFIX = "pytest_apigw_faults._gateway."
SURVIVORS_FILE = Path("tests/mutation-survivors.md")  # and tests/mutation-survivors-*.md


def _documented(path: Path) -> dict[str, str]:
    """Survivor name -> reason, from the lines ``- `name`: reason`` of
    ``path`` and of its siblings ``<stem>-*.md`` (one per part of the model)."""
    reasons: dict[str, str] = {}
    for part in sorted(path.parent.glob(f"{path.stem}*.md")):
        reasons.update(_listed(part))
    return reasons


def _listed(path: Path) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\s*[-*]\s*`([^`]+)`\s*[:—-]?\s*(.*)", line)
        if found:
            reasons[found.group(1)] = found.group(2).strip()
    return reasons


def _short(name: str) -> str:
    return name[len(PREFIX) :] if name.startswith(PREFIX) else name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=Path("mutants"))
    parser.add_argument("--min", type=float, default=0.0, help="lowest score (percent) to pass")
    args = parser.parse_args(argv)

    metas = sorted(args.mutants.glob("pytest_apigw_faults/_gateway/*.py.meta"))
    if not metas:
        print(f"no mutmut results under {args.mutants}/: run `mutmut run` first", file=sys.stderr)
        return 2
    reasons = _documented(SURVIVORS_FILE)
    survivors: list[str] = []
    untested: list[str] = []
    totals = [0, 0]
    print(f"{'module':<22} {'killed':>7} / {'tested':<6} {'score':>6}  no-tests")
    for meta in metas:
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        if not codes:
            continue
        killed = sorted(k for k, c in codes.items() if c in KILLED)
        alive = sorted(k for k, c in codes.items() if c in SURVIVED)
        none = sorted(k for k, c in codes.items() if c in NO_TESTS)
        unchecked = [k for k, c in codes.items() if c is None]  # an interrupted run
        other = sorted(
            k
            for k, c in codes.items()
            if c is not None and c not in KILLED | SURVIVED | NO_TESTS | SKIPPED
        )
        # a mutant no selected test reaches is a survivor too: nothing caught it
        tested = len(killed) + len(alive) + len(none) + len(other)
        totals[0] += len(killed)
        totals[1] += tested
        survivors += alive + none + other
        untested += none
        module = meta.name.removesuffix(".meta")
        score = 100.0 * len(killed) / tested if tested else 100.0
        note = f"  ({len(unchecked)} not checked yet)" if unchecked else ""
        print(f"{module:<22} {len(killed):>7} / {tested:<6} {score:5.1f}%  {len(none)}{note}")
    score = 100.0 * totals[0] / totals[1] if totals[1] else 100.0
    print(f"{'all':<22} {totals[0]:>7} / {totals[1]:<6} {score:5.1f}%")

    explained = [name for name in survivors if _short(name) in reasons]
    print(
        f"\nsurvivors: {len(survivors)}"
        f" ({len(explained)} listed as equivalent in {SURVIVORS_FILE})"
    )
    for name in survivors:
        short = _short(name)
        mark = " (no test reaches it)" if name in untested else ""
        reason = reasons.get(short)
        print(f"  {short}{mark}" + (f"  -- equivalent: {reason}" if reason else ""))
    unexplained = len(survivors) - len(explained)
    print(
        f"\nscore: {totals[0]}/{totals[1]} killed = {score:.1f}%;"
        f" unexplained survivors: {unexplained}"
    )
    if explained:
        real = totals[1] - len(explained)
        print(
            f"without the equivalent ones: {totals[0]}/{real} killed"
            f" = {100.0 * totals[0] / real if real else 100.0:.1f}%"
        )
    print("see one: .mvenv/bin/mutmut show pytest_apigw_faults._gateway.NAME")
    return 0 if score >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
