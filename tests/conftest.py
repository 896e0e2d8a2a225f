"""What every test here shares: inner pytest runs start without two plugins
of the test group.

- pytest-randomly (for its own tests in test_other_plugins.py) would shuffle
  the inner runs' order;
- Hypothesis' plugin re-imports much of Hypothesis in every in-process run
  (pytester restores ``sys.modules`` after each), about 0.5 s a run.

Both are loaded by every pytest run where they are installed, pytester's inner
runs included. pytester clears ``PYTEST_ADDOPTS`` when it is set up, so it is
set here, after it; subprocess runs inherit it too. A test that wants one of
them passes ``-p randomly`` (or ``-p hypothesispytest``), which unblocks it.
"""

from __future__ import annotations

import ast
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# The install matrix (noxfile.py) adds options of its own for a row (warning
# filters for old versions) through APIGW_FAULTS_INNER_ADDOPTS.
INNER_ADDOPTS = " ".join(
    ["-p no:randomly -p no:hypothesispytest", os.environ.get("APIGW_FAULTS_INNER_ADDOPTS", "")]
).strip()


@pytest.fixture
def strict_off() -> Iterator[None]:
    """Strict mode off in this run for one test, as ``--apigw-strict=off``
    turns it off for a run: execute-api calls no fault answers pass through."""
    from pytest_apigw_faults._core import runtime

    current = runtime.current()
    before, current.strict = current.strict, False
    try:
        yield
    finally:
        current.strict = before


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTEST_ADDOPTS", INNER_ADDOPTS)
    return pytester


# A module that imports a client library (or its backend) at its top needs
# it; where it is missing (the single-client rows of the install matrix,
# noxfile.py), the module is reported as skipped, naming what is missing,
# instead of failing to import.
CLIENT_LIBRARIES = ("requests", "responses", "httpx", "respx", "aiohttp", "aioresponses")
MISSING = frozenset(name for name in CLIENT_LIBRARIES if importlib.util.find_spec(name) is None)


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_bytes(), filename=str(path))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


class _SkippedModule(pytest.Module):
    missing: tuple[str, ...] = ()

    def collect(self) -> list[pytest.Item]:
        raise pytest.skip.Exception(
            f"needs {', '.join(self.missing)}, not installed", allow_module_level=True
        )


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(
    module_path: Path, parent: pytest.Collector
) -> pytest.Module | None:
    if not MISSING or not module_path.name.startswith("test_"):
        return None
    missing = sorted(MISSING & _top_level_imports(module_path))
    if not missing:
        return None
    module = _SkippedModule.from_parent(parent, path=module_path)
    module.missing = tuple(missing)
    return module
