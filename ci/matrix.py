"""The install matrix: the suite against the package as users install it.

Builds the sdist, then the wheel from the sdist (``python -m build``), and
installs the wheel into a fresh venv per row, with one extra each, beside the
test tools: the client-free ``test-base`` group, or the whole ``test`` group
(moto, pytest-httpx, httpx-retries) in the ``all`` row. Each row runs the suite from a
copy of ``tests/`` (and ``examples/`` where both clients are installed) in a
directory where the source tree is not importable, after checking that
``pytest_apigw_faults`` is the installed copy. The ``lowest`` row pins the
lowest versions pyproject.toml declares (ci/lowest.txt).

    python3 ci/matrix.py            # every row
    python3 ci/matrix.py httpx all  # some rows

Venvs and the built files go to ``.ci-venvs/`` (gitignored), made afresh.
Runs every row; exits non-zero if any failed.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".ci-venvs"
DIST = WORK / "dist"
PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))


@dataclass(frozen=True)
class Row:
    name: str
    python: str  # a minor version, e.g. "3.10"; the running Python when absent
    extra: str
    constraints: str | None = None
    examples: bool = False  # the example suite needs both clients
    # the dependency group of test tools: test-base has no client of its own;
    # test adds moto, pytest-httpx and httpx-retries, which bring both
    group: str = "test-base"
    # requirements of the group replaced by these, by project name
    tools: tuple[str, ...] = ()
    # warning filters, for the suite and for its inner pytest runs
    warnings: tuple[str, ...] = ()


# pytest 8.0 is older than the suite's tools: pytest-asyncio 1.x needs pytest
# 8.4, so the row takes 0.23.8, which does not know the
# asyncio_default_fixture_loop_scope ini key (a PytestConfigWarning) and
# leaves an event loop's socket unclosed now and then (an unraisable
# ResourceWarning); pluggy 1.3, pytest 8.0's lowest, since later pluggy warns
# when a pytest 8.0 hook wrapper sees the collection errors the suite checks.
LOWEST = Row(
    "lowest",
    "3.10",
    "all",
    constraints="ci/lowest.txt",
    examples=True,
    tools=("pytest-asyncio==0.23.8",),
    warnings=(
        "ignore:Unknown config option:pytest.PytestConfigWarning",
        "ignore:Exception ignored in:pytest.PytestUnraisableExceptionWarning",
    ),
)
ROWS = (
    Row("requests", "3.11", "requests"),
    Row("httpx", "3.12", "httpx"),
    Row("all", "3.13", "all", examples=True, group="test"),
    LOWEST,
)


def say(text: str) -> None:
    print(f"matrix: {text}", flush=True)


# Any one command (a pip install, a pytest run) longer than this has hung.
TIMEOUT = 600


def run(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    command = [str(a) for a in args]
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as hung:
        output = hung.stdout or ""
        print(output if isinstance(output, str) else output.decode(errors="replace"), end="")
        raise SystemExit(f"matrix: still running after {TIMEOUT} s: {' '.join(command)}") from None
    if done.returncode:
        print(done.stdout, end="")
        raise SystemExit(f"matrix: failed ({done.returncode}): {' '.join(command)}")
    return done.stdout


def interpreter(minor: str) -> str:
    """A Python of version ``minor`` (pyenv's, or one on PATH), or the running one."""
    candidates = sorted(glob.glob(str(PYENV_ROOT / "versions" / f"{minor}.*" / "bin" / "python3")))
    on_path = shutil.which(f"python{minor}")
    for found in [*reversed(candidates), *([on_path] if on_path else [])]:
        probe = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
        if probe.returncode == 0 and probe.stdout.split()[-1].startswith(f"{minor}."):
            return found
    say(f"no Python {minor} here; using {sys.executable} instead")
    return sys.executable


def venv(path: Path, python: str) -> Path:
    run(python, "-m", "venv", path)
    bin_python = path / "bin" / "python"
    run(bin_python, "-m", "pip", "install", "--quiet", "--upgrade", "pip>=25.1")
    return bin_python


def build() -> Path:
    """The wheel, built from the sdist (which proves the sdist complete)."""
    python = venv(WORK / "build", sys.executable)
    run(python, "-m", "pip", "install", "--quiet", "build")
    run(python, "-m", "build", "--outdir", DIST, ROOT)
    sdists = list(DIST.glob("*.tar.gz"))
    wheels = list(DIST.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        raise SystemExit(f"matrix: expected one sdist and one wheel in {DIST}")
    listing = run(python, "-m", "zipfile", "-l", wheels[0])
    if "tests/" in listing or "py.typed" not in listing:
        raise SystemExit(f"matrix: unexpected wheel contents:\n{listing}")
    say(f"built {sdists[0].name} and {wheels[0].name}")
    return wheels[0]


def run_dir(row: Row) -> Path:
    """A copy of what the suite reads, without the package source."""
    where = WORK / row.name / "run"
    shutil.copytree(ROOT / "tests", where / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    if row.examples:
        shutil.copytree(
            ROOT / "examples", where / "examples", ignore=shutil.ignore_patterns("__pycache__")
        )
    for name in ("README.md", "pyproject.toml", "mkdocs.yml", "CHANGELOG.md"):
        shutil.copy2(ROOT / name, where / name)
    for folder in ("tools", "docs"):  # the retry table's tool; the site's pages and examples
        if (ROOT / folder).is_dir():
            shutil.copytree(
                ROOT / folder, where / folder, ignore=shutil.ignore_patterns("__pycache__")
            )
    return where


def tools(row: Row) -> list[str]:
    """The row's group of test tools, with the row's replacements."""
    if not row.tools:
        return ["--group", f"{ROOT / 'pyproject.toml'}:{row.group}"]
    import tomllib  # Python 3.11+: the script itself runs on the machine's python3

    group = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"][row.group]
    replaced = {re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].lower() for spec in row.tools}
    kept = [s for s in group if re.split(r"[<>=!~\[ ;]", s, maxsplit=1)[0].lower() not in replaced]
    return [*kept, *row.tools]


def check_row(row: Row, wheel: Path) -> None:
    started = time.monotonic()
    python = venv(WORK / row.name / "venv", interpreter(row.python))
    install = [python, "-m", "pip", "install", "--quiet", f"{wheel}[{row.extra}]", *tools(row)]
    if row.constraints:
        install += ["--constraint", ROOT / row.constraints]
    run(*install)
    versions = run(python, "-m", "pip", "list", "--format=freeze")
    wanted = ("pytest", "requests", "responses", "httpx", "respx", "pytest-asyncio", "urllib3")
    shown = [line for line in versions.splitlines() if line.split("==")[0].lower() in wanted]
    say(f"[{row.name}] {run(python, '--version').strip()}; {', '.join(shown)}")

    where = run_dir(row)
    env = {**os.environ, "APIGW_FAULTS_MATRIX": row.extra, "PYTHONDONTWRITEBYTECODE": "1"}
    filters = [arg for spec in row.warnings for arg in ("-W", spec)]
    env["APIGW_FAULTS_INNER_ADDOPTS"] = " ".join(f"-W '{spec}'" for spec in row.warnings)
    env.pop("PYTHONPATH", None)
    env.pop("PYTEST_ADDOPTS", None)
    located = run(
        python, "-c", "import pytest_apigw_faults; print(pytest_apigw_faults.__file__)",
        cwd=where, env=env,
    ).strip()  # fmt: skip
    if not located.startswith(str(WORK / row.name / "venv")):
        raise SystemExit(f"matrix: [{row.name}] imported {located}, not the installed wheel")
    say(f"[{row.name}] pytest_apigw_faults from {located}")

    pytest_args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", *filters]
    output = run(python, *pytest_args, "tests", cwd=where, env=env)
    say(f"[{row.name}] tests: {output.strip().splitlines()[-1]}")
    if row.examples:
        output = run(python, *pytest_args, "examples", cwd=where, env=env)
        say(f"[{row.name}] examples: {output.strip().splitlines()[-1]}")
    say(f"[{row.name}] done in {time.monotonic() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", nargs="*", help=", ".join(r.name for r in ROWS))
    names = parser.parse_args().rows or [r.name for r in ROWS]
    unknown = set(names) - {r.name for r in ROWS}
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    wheel = build()
    failed: list[str] = []
    for row in ROWS:
        if row.name in names:
            try:
                check_row(row, wheel)
            except SystemExit as failure:
                print(failure, flush=True)
                failed.append(row.name)
    took = f"{time.monotonic() - started:.0f} s"
    if failed:
        raise SystemExit(f"matrix: {len(failed)} of {len(names)} rows failed in {took}: {failed}")
    say(f"{len(names)} rows passed in {took}")


if __name__ == "__main__":
    main()
