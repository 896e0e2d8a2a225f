"""The package's layers import only downward, and only the edges import clients.

The layers, lowest first: the gateway model, the Lambda side (and the
template loaders beside it), the core, then
the edges (adapters, docs), the loopback server, and the pytest surface. A
module may import its own subpackage and any lower layer; type-only imports
count too, since they couple the same way. The top-level modules (the
package's ``__init__``, ``plugin``, ``__main__``) stand above every layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pytest_apigw_faults

# the package under test, from the source tree or from the installed wheel
PACKAGE = Path(pytest_apigw_faults.__file__).resolve().parent
LAYERS = {
    "_gateway": 0,
    "_lambda": 1,
    "_core": 2,
    "_template": 1,
    "_adapters": 3,
    "_docs": 3,
    "_serve": 4,
    "_pytest": 5,
}
#: The third-party libraries each subpackage may import at all.
CLIENT_LIBRARIES = frozenset(
    {"requests", "responses", "urllib3", "httpx", "respx", "aiohttp", "aioresponses"}
    | {"multidict", "yarl"}  # aiohttp's own types
)
ALLOWED_LIBRARIES = {
    # gateway responses from a YAML document; a signature's canonical request
    # (botocore, the sigv4 extra); JWT checks and test keys (the jwt extra);
    # request models (jsonschema, the validation extra): each imported on use
    "_gateway": {"yaml", "botocore", "jwt", "cryptography", "jsonschema"},
    "_lambda": set(),
    "_core": {"time_machine"},  # virtual time, imported on use
    # templates: YAML with CloudFormation's tags (cfn-flip's loader on PyYAML)
    # and request models checked as JSON Schema, each imported on use
    "_template": {"yaml", "cfn_tools", "jsonschema"},
    # _internals: pytest's private parts too; botocore: boto3's management API calls
    "_adapters": CLIENT_LIBRARIES | {"pytest", "botocore"},
    "_docs": set(),
    "_serve": {"httptools", "wsproto"},  # the serve extra, imported when a server starts
    "_pytest": {"pytest"},
}
STANDARD = frozenset(__import__("sys").stdlib_module_names)


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def subpackage(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """Every import of the module at ``path`` (its text, or ``source``) as
    (line, absolute dotted module)."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    package = ["pytest_apigw_faults", *path.relative_to(PACKAGE).parent.parts]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            if node.module is None:
                # from . import x: x may itself be a subpackage
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "pytest_apigw_faults" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


@pytest.mark.parametrize(
    "path", [p for p in modules() if subpackage(p)], ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_a_module_imports_only_its_own_layer_and_lower_ones(path: Path) -> None:
    home = subpackage(path)
    assert home in LAYERS, f"{home} is no layer: add it to LAYERS in this test"
    wrong = [
        f"line {line}: {module}"
        for line, module in imports(path)
        if (target := layer_of(module)) is not None
        and target != home
        and LAYERS[target] >= LAYERS[home]
    ]
    assert wrong == [], f"{path.name} ({home}) imports upward or sideways"


@pytest.mark.parametrize(
    "path", [p for p in modules() if subpackage(p)], ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_only_the_adapters_import_http_clients(path: Path) -> None:
    home = subpackage(path)
    assert home is not None
    third_party = {
        module.split(".")[0]
        for _, module in imports(path)
        if module.split(".")[0] not in STANDARD
        and not module.startswith("pytest_apigw_faults")
        and module.split(".")[0] not in {"__future__", "typing_extensions"}
    }
    assert third_party <= ALLOWED_LIBRARIES[home]


def test_every_subpackage_is_a_layer() -> None:
    found = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert found == set(LAYERS)


def test_the_checker_resolves_relative_imports_as_python_does() -> None:
    wire = PACKAGE / "_gateway" / "wire.py"
    source = "from .table import SCENARIOS\nfrom ..\u005fpytest.fixture import ApigwFault\n"
    assert imports(wire, source) == [
        (1, "pytest_apigw_faults._gateway.table"),
        (2, "pytest_apigw_faults._pytest.fixture"),
    ]
    assert [layer_of(m) for _, m in imports(wire, source)] == ["_gateway", "_pytest"]
