"""The Python examples of the documentation pass ``mypy --strict``.

Each ```` ```python ```` block of each Markdown file is a module of its own,
after a preamble of the names the examples take as given (``pytest``,
``requests``, the ``URL`` of the API, a ``handler``). Test functions may go
unannotated, as tests are written, and so may their helpers
(``--allow-untyped-defs``, ``--allow-untyped-calls``); their bodies are
checked all the same (``--strict`` checks untyped definitions). Blocks
that are not Python modules (the marker's signature) are left out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The Markdown files whose examples are checked.
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: What the examples take as given, each put before the examples that use it
#: and do not define it themselves.
GIVEN = {
    "pytest": "import pytest\n",
    "requests": "import requests\n",
    "URL": 'URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"\n',
    "handler": "from typing import Any\ndef handler(event: Any, context: Any) -> Any:\n"
    "    raise NotImplementedError\n",
}
OPTIONS = "# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-calls\n"


def preamble(code: str) -> str:
    """The lines ``code`` needs before it: the given names it uses and does
    not bind."""
    tree = ast.parse(code)
    bound = {
        node.id if isinstance(node, ast.Name) else node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        or (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store))
    }
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return OPTIONS + "".join(line for name, line in GIVEN.items() if name in used - bound)


_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def snippets(path: Path) -> list[tuple[int, str]]:
    """The Python modules among ``path``'s code blocks, with their first line."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in _BLOCK.finditer(text):
        try:
            ast.parse(match.group(1))
        except SyntaxError:
            continue  # a signature or a fragment, not a module
        found.append((text.count("\n", 0, match.start(1)) + 1, match.group(1)))
    return found


def snippet_errors(paths: list[Path], workdir: Path) -> list[str]:
    """mypy's errors for every example of ``paths``, as ``file:line: message``
    with the line in the Markdown file."""
    from mypy import api

    files: dict[str, tuple[Path, int]] = {}
    for number, path in enumerate(paths):
        for first, code in snippets(path):
            name = f"snippet_{number}_{first}.py"
            head = preamble(code)
            (workdir / name).write_text(head + code, encoding="utf-8")
            files[name] = (path, first - head.count("\n") - 1)
    out, err, _ = api.run(
        ["--strict", "--python-version", "3.10", "--config-file", "", "--no-error-summary",
         "--hide-error-context", "--ignore-missing-imports", "--cache-dir",
         str(workdir / ".cache"), *(str(workdir / name) for name in files)]
    )  # fmt: skip
    errors = []
    for line in out.splitlines():
        name, _, rest = line.partition(":")
        number, _, message = rest.partition(":")
        if Path(name).name in files and "error:" in message:
            path, offset = files[Path(name).name]
            errors.append(f"{path.name}:{offset + int(number)}:{message}")
    return errors or ([err] if err else [])


def test_the_readme_examples_pass_mypy_strict(tmp_path, monkeypatch) -> None:
    pytest.importorskip("mypy.api", reason="mypy (in the dev dependency group)")
    package_root = Path(__import__("pytest_apigw_faults").__file__).parents[1]
    if "site-packages" not in package_root.parts:  # a source checkout
        monkeypatch.setenv("MYPYPATH", str(package_root))
    assert snippet_errors(DOCUMENTS, tmp_path) == []


def test_an_error_names_its_markdown_line(tmp_path) -> None:
    pytest.importorskip("mypy.api", reason="mypy (in the dev dependency group)")
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n```python\nx: int = 1\ny: str = x\n```\n", encoding="utf-8")
    (tmp_path / "work").mkdir()
    errors = snippet_errors([page], tmp_path / "work")
    assert errors == [
        'page.md:5: error: Incompatible types in assignment (expression has type "int",'
        ' variable has type "str")  [assignment]'
    ]
