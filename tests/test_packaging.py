"""What a user sees of the package: its version, its project URLs, and an
sdist that holds what its own tests need."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pytest_apigw_faults

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def _declared_version() -> str:
    found = re.search(r'(?m)^version = "([^"]+)"$', PYPROJECT)
    assert found
    return found.group(1)


def test_the_package_has_its_version() -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("pytest-apigw-faults")
    except PackageNotFoundError:
        installed = _declared_version()
    assert pytest_apigw_faults.__version__ == installed
    assert "__version__" not in pytest_apigw_faults.__all__


def test_a_source_checkout_that_is_not_installed_reads_its_pyproject(monkeypatch) -> None:
    import importlib.metadata

    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    package = Path(pytest_apigw_faults.__file__).resolve().parent
    if (package.parent / "pyproject.toml").is_file():  # a source checkout
        assert pytest_apigw_faults.__version__ == _declared_version()
    else:  # the installed wheel (the install matrix): nothing to read
        assert pytest_apigw_faults.__version__ == "0+unknown"


def test_the_project_urls_name_the_docs_source_changelog_and_issues() -> None:
    from pytest_apigw_faults._docs import DOCS_URL

    section = PYPROJECT.split("[project.urls]")[1]
    urls = dict(re.findall(r'(?m)^(\w+) = "(https://[^"]+)"$', section))
    source = "https://github.com/pytest-apigw-faults/pytest-apigw-faults"
    assert urls == {
        "Documentation": DOCS_URL,
        "Source": source,
        "Changelog": f"{DOCS_URL}changelog/",
        "Issues": f"{source}/issues",
    }


@pytest.mark.parametrize(
    "needed",
    # the suite reads these: the site's pages and examples, the Makefile, the
    # install matrix and CI scripts its tests name, the template apps, the
    # changelog page's source
    [
        "tests",
        "docs",
        "mkdocs.yml",
        "Makefile",
        "noxfile.py",
        "ci",
        ".ci",
        "CHANGELOG.md",
        "README.md",
    ],
)
def test_the_sdist_holds_what_the_tests_need(needed: str) -> None:
    sdist = PYPROJECT.split("[tool.hatch.build.targets.sdist]", 1)[1].split("\n[", 1)[0]
    assert f'"{needed}"' in sdist
    if (ROOT / "pytest_apigw_faults").is_dir() and (ROOT / ".git").exists():
        assert (ROOT / needed).exists(), needed


def test_the_api_reference_documents_every_public_name():
    page = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
    documented = set(re.findall(r"^::: pytest_apigw_faults\.(\w+)$", page, re.MULTILINE))
    assert sorted(set(pytest_apigw_faults.__all__) - documented) == []
