"""Only ``_adapters/_internals.py`` touches the private parts of third-party
libraries: no other module of the package imports a private or internal
module of requests, urllib3, responses, httpx, respx, aiohttp, aioresponses,
multidict, yarl or pytest, nor reads, writes or overrides a private attribute
of theirs. When a release of one of them breaks the plugin, the break is in
that one module, each access named with the versions it was checked against.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_layers import PACKAGE, imports, modules

from pytest_apigw_faults._adapters import _internals

INTERNALS = PACKAGE / "_adapters" / "_internals.py"
LIBRARIES = frozenset(
    {"requests", "urllib3", "responses", "httpx", "respx", "aiohttp", "aioresponses"}
    | {"multidict", "yarl", "pytest", "_pytest"}
)
#: The submodules of those libraries the package may import outside
#: ``_internals``: public, documented ones. Any other needs judging: public
#: (add it here) or internal (reach it through ``_internals``).
PUBLIC_SUBMODULES = frozenset(
    {
        "requests.adapters",
        "requests.exceptions",
        "responses.registries",
        "urllib3.exceptions",
        "urllib3.util.retry",
    }
)


def _others() -> list[Path]:
    return [p for p in modules() if p != INTERNALS]


def _label(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(path: Path, source: str | None = None) -> list[str]:
    """The imports of a private or internal module (or name) of the libraries."""
    text = path.read_text(encoding="utf-8") if source is None else source
    found = []
    for line, module in imports(path, text):
        parts = module.split(".")
        if parts[0] not in LIBRARIES or (len(parts) == 1 and parts[0] != "_pytest"):
            continue
        if module in PUBLIC_SUBMODULES and not any(_is_private(p) for p in parts):
            continue
        found.append(f"line {line}: {module}")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in LIBRARIES:
            found += [
                f"line {node.lineno}: {node.module}.{alias.name}"
                for alias in node.names
                if _is_private(alias.name)
            ]
    return found


def _library_names(tree: ast.AST) -> dict[str, str]:
    """The names a module binds to the libraries or to what it imports from
    them, with the dotted path each stands for."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LIBRARIES:
                    bound = alias.asname or alias.name.split(".")[0]
                    names[bound] = alias.name if alias.asname else bound
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in LIBRARIES:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr) -> list[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id, *reversed(parts)] if isinstance(node, ast.Name) else []


def _has(path: str, name: str) -> bool:
    """Whether the object at dotted ``path`` (imported now) has ``name``; true
    when it cannot be imported here, to be safe."""
    module, *rest = path.split(".")
    try:
        found: object = importlib.import_module(module)
        for part in rest:
            try:
                found = getattr(found, part)
            except AttributeError:
                module = f"{module}.{part}"
                found = importlib.import_module(module)
    except ImportError:
        return True
    return hasattr(found, name)


def _root(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _own_names(cls: ast.ClassDef) -> set[str]:
    """What a class of ours defines: methods, class attributes, ``self.x =``."""
    names = {n.name for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for node in ast.walk(cls):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name):
                names.add(target.id)
            elif isinstance(target, ast.Attribute) and _root(target) == "self":
                names.add(target.attr)
    return names


class _Finder(ast.NodeVisitor):
    """Private third-party attributes read, written, named or overridden."""

    def __init__(self, library_names: dict[str, str]) -> None:
        self.library_names = library_names
        self.own: list[set[str]] = []
        self.found: list[str] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in map(_dotted, node.bases):
            if not base or base[0] not in self.library_names:
                continue
            path = ".".join([self.library_names[base[0]], *base[1:]])
            self.found += [
                f"line {item.lineno}: overrides {item.name}"
                for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                and _is_private(item.name)
                and _has(path, item.name)
            ]
        self.own.append(_own_names(node))
        self.generic_visit(node)
        self.own.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        root = _root(node.value)
        ours = root in {"self", "cls"} and bool(self.own) and node.attr in self.own[-1]
        if not ours and (
            node.attr in _internals.PRIVATE_ATTRIBUTES
            or (_is_private(node.attr) and root in self.library_names)
        ):
            self.found.append(f"line {node.lineno}: .{node.attr}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        # getattr(x, "_body"), patching "_request" by name, ...
        if isinstance(node.value, str) and node.value in _internals.PRIVATE_ATTRIBUTES:
            self.found.append(f"line {node.lineno}: {node.value!r}")


def private_attributes(path: Path, source: str | None = None) -> list[str]:
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text)
    finder = _Finder(_library_names(tree))
    finder.visit(tree)
    return finder.found


@pytest.mark.parametrize("path", _others(), ids=_label)
def test_no_other_module_imports_private_parts_of_a_library(path: Path) -> None:
    assert private_imports(path) == [], (
        f"{_label(path)} imports private or internal modules: reach them through"
        " _adapters/_internals.py, with the versions checked"
    )


@pytest.mark.parametrize("path", _others(), ids=_label)
def test_no_other_module_touches_private_attributes_of_a_library(path: Path) -> None:
    client = path.stem if path.parent.name == "_adapters" else None
    if client in {"requests", "httpx", "aiohttp"} and importlib.util.find_spec(client) is None:
        # which private methods an adapter's subclass overrides is known only
        # where its client is installed (the install matrix's other rows)
        pytest.skip(f"{client} is not installed")
    assert private_attributes(path) == [], (
        f"{_label(path)} touches private attributes of a third-party library:"
        " reach them through _adapters/_internals.py, with the versions checked"
    )


def test_the_checks_find_what_they_look_for() -> None:
    path = PACKAGE / "_adapters" / "aiohttp.py"
    source = (
        "from aiohttp.helpers import sentinel\n"
        "from aiohttp import ClientSession, _private\n"
        "from _pytest.terminal import TerminalReporter\n"
        "from requests.adapters import HTTPAdapter\n"
        "import respx.models\n"
    )
    assert private_imports(path, source) == [
        "line 1: aiohttp.helpers",
        "line 3: _pytest.terminal",
        "line 5: respx.models",
        "line 2: aiohttp._private",
    ]
    source = (
        "import aiohttp, responses\n"
        "from aiohttp import ClientSession\n"
        "url = session._build_url(x)\n"
        "body = getattr(response, '_body', None)\n"
        "ClientSession._hidden = 1\n"
        "aiohttp.client._thing()\n"
        "class Mock(responses.RequestsMock):\n"
        "    def _on_request(self, adapter, request): return None\n"
        "class Handler:\n"
        "    def _request(self): return self._request()\n"
        "    def other(self): return self._tw\n"
    )
    assert private_attributes(path, source) == [
        "line 3: ._build_url",
        "line 4: '_body'",
        "line 5: ._hidden",
        "line 6: ._thing",
        "line 8: overrides _on_request",  # a private method of every responses release
        "line 11: ._tw",
    ]


def test_the_internals_declare_what_they_touch() -> None:
    """Every name :data:`PRIVATE_ATTRIBUTES` lists is touched in the module,
    every module :data:`PRIVATE_MODULES` lists is imported there, and each
    function says which versions it was checked against."""
    text = INTERNALS.read_text(encoding="utf-8")
    tree = ast.parse(text)
    touched = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    touched |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    touched |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert set(_internals.PRIVATE_ATTRIBUTES) <= touched
    imported = {module for _, module in imports(INTERNALS)}
    assert set(_internals.PRIVATE_MODULES) <= imported
    unchecked = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")
        and "Checked:" not in (ast.get_docstring(node) or "")
    ]
    assert unchecked == []
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined |= {t.id for t in targets if isinstance(t, ast.Name)}
    assert set(_internals.__all__) == {name for name in defined if not name.startswith("_")}


def test_importing_the_internals_loads_no_library() -> None:
    code = (
        "import sys\n"
        "import pytest_apigw_faults._adapters._internals\n"
        f"print(sorted(m for m in {sorted(LIBRARIES - {'pytest', '_pytest'})!r}"
        " if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"
