"""The install matrix: the suite against the package as users install it.

The ``build`` session builds the sdist, then the wheel from the sdist (which
proves the sdist complete). Each row installs that wheel into a fresh venv,
with one extra, beside the test tools: the client-free ``test-base`` group, or
the whole ``test`` group (moto, pytest-httpx, httpx-retries, ...) in the
``all`` rows. It runs the suite from a copy of ``tests/`` (and ``examples/``
where both clients are installed) in a directory where the source tree is not
importable, after checking that ``pytest_apigw_faults`` is the installed copy.

    nox                      # every row (make matrix)
    nox -s httpx all         # some rows (the wheel is built first)
    nox -l                   # the rows

The ``lowest`` row pins the lowest versions pyproject.toml declares
(``ci/lowest.txt``, a pip/uv constraints file) on Python 3.10; the rows
together cover Python 3.10 to 3.13. Venvs and the built files go to
``.nox/`` (gitignored), made afresh each run.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent
DIST = ROOT / ".nox" / "dist"
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")

# uv venvs: the five rows' venvs and installs (nox --install-only) took 10-15 s
# with uv against 52-59 s with virtualenv and pip on the 2-core CI machine (see
# docs/architecture.md); --force-venv-backend virtualenv runs without uv.
nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "no"  # every run from fresh venvs
nox.options.error_on_missing_interpreters = True  # a row never passes by being skipped
nox.options.download_python = "never"  # the Pythons of the machine (CI: pyenv's)
nox.options.sessions = ["requests", "httpx", "aiohttp", "all", "lowest"]

# A command running longer than this has hung (coreutils' timeout, where present).
TIMEOUT = 600


def python(minor: str) -> str:
    """The newest of pyenv's Pythons ``minor`` (pyenv's shims run only the
    active versions), or ``minor`` itself for nox to find on PATH."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = [
        (Version(folder.name), folder / "bin" / "python3")
        for folder in versions.glob(f"{minor}.*")
        if re.fullmatch(rf"{re.escape(minor)}\.\d+", folder.name)
        and (folder / "bin" / "python3").exists()
    ]
    return str(max(found)[1]) if found else minor


def with_timeout(*args: str | Path) -> list[str | Path]:
    timeout = shutil.which("timeout")
    return [timeout, "--kill-after=10", str(TIMEOUT), *args] if timeout else list(args)


@nox.session
def build(session: nox.Session) -> None:
    """The sdist, then the wheel from the sdist, in .nox/dist."""
    shutil.rmtree(DIST, ignore_errors=True)
    # install steps: the rows install what they build (also under --install-only)
    if session.venv_backend == "uv":  # uv build: the sdist, then the wheel from it
        session.run_install("uv", "build", "--out-dir", str(DIST), str(ROOT), silent=True)
    else:
        session.install("build>=1.2")
        session.run_install("python", "-m", "build", "--outdir", str(DIST), str(ROOT), silent=True)
    sdists, wheels = list(DIST.glob("*.tar.gz")), list(DIST.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        session.error(f"expected one sdist and one wheel in {DIST}")
    names = zipfile.ZipFile(wheels[0]).namelist()
    if any(name.startswith("tests/") for name in names) or not any(
        name.endswith("/py.typed") for name in names
    ):
        session.error(f"unexpected wheel contents: {names}")
    session.log(f"built {sdists[0].name} and {wheels[0].name}")


def tools(group: str, replaced: tuple[str, ...]) -> list[str]:
    """The dependency group's requirements, those named in ``replaced`` swapped."""
    names = {Requirement(spec).name.lower() for spec in replaced}
    kept = nox.project.dependency_groups(PYPROJECT, group)
    return [s for s in kept if Requirement(s).name.lower() not in names] + list(replaced)


def run_dir(session: nox.Session, examples: bool) -> Path:
    """A copy of what the suite reads, without the package source."""
    where = Path(session.virtualenv.location) / "run"
    shutil.rmtree(where, ignore_errors=True)
    skip = shutil.ignore_patterns("__pycache__")
    for folder in ("tests", "tools", "docs", *(["examples"] if examples else [])):
        shutil.copytree(ROOT / folder, where / folder, ignore=skip)
    for name in ("README.md", "pyproject.toml", "mkdocs.yml", "CHANGELOG.md"):
        shutil.copy2(ROOT / name, where / name)
    return where


def check_row(
    session: nox.Session,
    extra: str,
    *,
    group: str = "test-base",
    examples: bool = False,
    constraints: str | None = None,
    replaced: tuple[str, ...] = (),
    warnings: tuple[str, ...] = (),
) -> None:
    """Install the wheel with ``extra`` and the ``group`` of test tools (those
    named in ``replaced`` swapped), then run the suite with ``warnings``
    filters added, in its own run and in its inner pytest runs."""
    (wheel,) = DIST.glob("*.whl")
    pins = ["--constraint", str(ROOT / constraints)] if constraints else []
    requirement = f"pytest-apigw-faults[{extra}] @ {wheel.as_uri()}"
    session.install(requirement, *tools(group, replaced), *pins)
    versions = session.run("python", "-c", SHOW_VERSIONS, silent=True)
    if isinstance(versions, str):  # not under nox --install-only
        session.log(versions.strip())

    where = run_dir(session, examples)
    env: dict[str, str | None] = {
        "APIGW_FAULTS_MATRIX": extra,
        "APIGW_FAULTS_INNER_ADDOPTS": " ".join(f"-W '{spec}'" for spec in warnings),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": None,
        "PYTEST_ADDOPTS": None,
    }
    with session.chdir(where):
        located = session.run("python", "-c", LOCATE, env=env, silent=True)
        if not isinstance(located, str):  # nox --install-only: installed, nothing run
            return
        located = located.strip()
        venv = Path(session.virtualenv.location)
        if not Path(located).is_relative_to(venv) or "site-packages" not in located:
            session.error(f"imported {located}, not the installed wheel")
        session.log(f"pytest_apigw_faults from {located}")
        bin_python = str(venv / "bin" / "python")
        filters = [arg for spec in warnings for arg in ("-W", spec)]
        pytest = [bin_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", *filters]
        session.run(*with_timeout(*pytest, "tests"), env=env, external=True)
        if examples:
            session.run(*with_timeout(*pytest, "examples"), env=env, external=True)


LOCATE = "import pytest_apigw_faults; print(pytest_apigw_faults.__file__)"
SHOW_VERSIONS = """
import importlib.metadata as m, sys
names = "pytest pytest-asyncio requests responses httpx respx aiohttp aioresponses urllib3"
found = []
for name in names.split():
    try:
        found.append(f"{name}=={m.version(name)}")
    except m.PackageNotFoundError:
        pass
print("Python", sys.version.split()[0] + ";", ", ".join(found))
"""


@nox.session(python=python("3.11"), requires=["build"])
def requests(session: nox.Session) -> None:
    """[requests] only, on Python 3.11."""
    check_row(session, "requests")


@nox.session(python=python("3.12"), requires=["build"])
def httpx(session: nox.Session) -> None:
    """[httpx] only, on Python 3.12."""
    check_row(session, "httpx")


@nox.session(python=python("3.12"), requires=["build"])
def aiohttp(session: nox.Session) -> None:
    """[aiohttp] only, on Python 3.12."""
    check_row(session, "aiohttp")


@nox.session(name="all", python=python("3.13"), requires=["build"])
def all_extras(session: nox.Session) -> None:
    """[all] with the whole test group, and the examples, on Python 3.13."""
    check_row(session, "all", group="test", examples=True)


# pytest 8.0 is older than the suite's tools: pytest-asyncio 1.x needs pytest
# 8.4, so the row takes 0.23.8, which does not know the
# asyncio_default_fixture_loop_scope ini key (a PytestConfigWarning) and
# leaves an event loop's socket unclosed now and then (an unraisable
# ResourceWarning); pluggy 1.3, pytest 8.0's lowest, since later pluggy warns
# when a pytest 8.0 hook wrapper sees the collection errors the suite checks.
@nox.session(python=python("3.10"), requires=["build"])
def lowest(session: nox.Session) -> None:
    """[all] at the lowest declared versions (ci/lowest.txt), on Python 3.10."""
    check_row(
        session,
        "all",
        examples=True,
        constraints="ci/lowest.txt",
        replaced=("pytest-asyncio==0.23.8",),
        warnings=(
            "ignore:Unknown config option:pytest.PytestConfigWarning",
            "ignore:Exception ignored in:pytest.PytestUnraisableExceptionWarning",
        ),
    )
