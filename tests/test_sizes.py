"""No function of the package over 60 lines, no module over 500: past that,
a function does more than one thing and a module holds more than one idea."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from test_layers import PACKAGE, modules

MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 500

#: Functions allowed past the limit, as (module, qualified name): none. An
#: entry must name a function that is long: the test fails on one that is not.
KNOWN_LONG_FUNCTIONS: frozenset[tuple[str, str]] = frozenset()


def _label(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def function_lengths(source: str) -> dict[str, int]:
    """Each function's length in lines, decorators included, by qualified name."""
    lengths: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                name = f"{prefix}{child.name}"
                lengths[name] = (child.end_lineno or child.lineno) - start + 1
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return lengths


@pytest.mark.parametrize("path", modules(), ids=_label)
def test_functions_are_at_most_60_lines(path: Path) -> None:
    lengths = function_lengths(path.read_text(encoding="utf-8"))
    known = {name for module, name in KNOWN_LONG_FUNCTIONS if module == _label(path)}
    long = {name: n for name, n in lengths.items() if n > MAX_FUNCTION_LINES}
    assert {name: n for name, n in long.items() if name not in known} == {}
    assert known <= set(long), f"no longer long: remove {sorted(known - set(long))}"


@pytest.mark.parametrize("path", modules(), ids=_label)
def test_modules_are_at_most_500_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES


def test_lengths_count_decorators_and_nested_functions() -> None:
    source = "class A:\n    @staticmethod\n    def f():\n        def g():\n            pass\n"
    assert function_lengths(source) == {"A.f": 4, "A.f.g": 2}
