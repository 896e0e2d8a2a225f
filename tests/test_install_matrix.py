"""The install matrix itself (noxfile.py, ``make matrix``): its rows cover every
client extra and every Python the package declares, and the lowest row pins
exactly the lower bounds pyproject.toml declares (ci/lowest.txt)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
NOXFILE = ROOT / "noxfile.py"
LOWEST = ROOT / "ci" / "lowest.txt"


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _pins() -> dict[str, Version]:
    if not LOWEST.is_file():
        pytest.skip("ci/lowest.txt is not beside the tests (a copy of tests/ alone)")
    pins = {}
    for line in LOWEST.read_text(encoding="utf-8").splitlines():
        spec = line.split("#", 1)[0].strip()
        if spec:
            requirement = Requirement(spec)
            (pin,) = requirement.specifier
            assert pin.operator == "==", spec
            pins[requirement.name.lower()] = Version(pin.version)
    return pins


def _lower_bounds(specs: list[str]) -> dict[str, Version]:
    bounds = {}
    for spec in specs:
        requirement = Requirement(spec)
        if requirement.name == "pytest-apigw-faults":
            continue  # the "all" extra names the others
        (bound,) = (s for s in requirement.specifier if s.operator == ">=")
        bounds[requirement.name.lower()] = Version(bound.version)
    return bounds


def test_the_lowest_row_pins_every_declared_lower_bound_of_all_and_only_those() -> None:
    project = _pyproject()["project"]
    extras = project["optional-dependencies"]
    included = re.fullmatch(r"pytest-apigw-faults\[(.+)\]", extras["all"][0])
    assert included
    in_all = [spec for name in included.group(1).split(",") for spec in extras[name]]
    declared = _lower_bounds([*project["dependencies"], *in_all])
    pins = _pins()
    # pluggy is pytest 8.0's own lowest, not the package's (see noxfile.py)
    assert {name: pin for name, pin in pins.items() if name != "pluggy"} == declared


def _sessions() -> dict:
    pytest.importorskip("nox")
    if not NOXFILE.is_file():
        pytest.skip("noxfile.py is not beside the tests (a copy of tests/ alone)")
    import nox.registry

    spec = importlib.util.spec_from_file_location("apigw_faults_noxfile", NOXFILE)
    assert spec
    assert spec.loader
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    return dict(nox.registry.get())


def _minor(python: str) -> str:
    if re.fullmatch(r"3\.\d+", python):
        return python  # not found on this machine: nox looks for it by name
    shown = subprocess.run([python, "--version"], capture_output=True, text=True, check=True)
    return ".".join(shown.stdout.split()[-1].split(".")[:2])


def test_the_rows_cover_each_client_alone_all_and_the_declared_pythons() -> None:
    sessions = _sessions()
    rows = {name: func for name, func in sessions.items() if name != "build"}
    assert set(rows) == {"requests", "httpx", "aiohttp", "all", "lowest"}
    assert all(func.requires == ["build"] for func in rows.values())
    classifiers = _pyproject()["project"]["classifiers"]
    declared = {c.rsplit(" :: ", 1)[1] for c in classifiers if re.search(r":: 3\.\d+$", c)}
    assert {_minor(func.python) for func in rows.values()} == declared
    assert _minor(rows["lowest"].python) == min(declared, key=Version)
