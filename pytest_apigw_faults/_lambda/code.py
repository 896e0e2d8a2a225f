"""A template's Lambda function as a handler: its module imported from its
code folder, its environment variables set while it is imported and while
it runs.

Each function's module is imported under a name of its own
(``apigw_function.<LogicalId>.<module>``), so two functions whose code
folders both hold an ``app.py`` (the layout ``sam init`` makes) stay two
modules. While the module is imported, its code folder leads ``sys.path``,
so it imports its siblings as Lambda's Python runtime lets it (the code
folder is ``/var/task``) [D-PY-HANDLER]. ⚠️ A sibling module is imported
once per process: two functions whose folders hold different ``utils.py``
share the first one imported.

The environment variables (``Environment.Variables``) are set in
``os.environ`` while the module is imported (module-level code often reads
them) and around each invocation, then put back. ⚠️ ``os.environ`` is the
process's: handlers running at once in threads see each other's.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .._gateway.errors import ApigwFaultError
from .import_errors import import_failure

__all__ = ["load_function"]

Handler = Callable[[Any, Any], object]
_NAME = re.compile(r"[^0-9A-Za-z_]")


@contextlib.contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _import(name: str, handler: str, root: Path, variables: Mapping[str, str]) -> Any:
    __tracebackhide__ = True
    module = handler.partition(":")[0]
    path = _module_file(root, module)
    if path is None:
        raise ApigwFaultError(
            f"function {name}: its handler {handler!r} names module {module!r}, and"
            f" {root} has no {module.replace('.', '/')}.py"
        )
    unique = f"apigw_function.{_NAME.sub('_', name)}.{module}"
    if unique in sys.modules:
        return sys.modules[unique]
    spec = importlib.util.spec_from_file_location(unique, path)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(root))
    sys.modules[unique] = loaded
    try:
        with _environment(variables):
            spec.loader.exec_module(loaded)
    except BaseException as error:
        del sys.modules[unique]
        if isinstance(error, Exception):  # the user's lines, not the importer's frames
            raise ApigwFaultError(
                f"function {name}: importing {path} raised {import_failure(error)}"
            ) from None
        raise
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(root))
    return loaded


def load_function(
    name: str, handler: str, code_root: str | None, environment: Mapping[str, str]
) -> Handler:
    """The handler of function ``name`` (its logical id): ``handler``
    (``"module:function"``) imported from ``code_root``, run with
    ``environment`` set; the same object for the same function (its routes
    share it, and with it its reserved concurrency)."""
    __tracebackhide__ = True
    return _load(name, handler, code_root, tuple(environment.items()))


@functools.lru_cache(maxsize=256)
def _load(
    name: str, handler: str, code_root: str | None, items: tuple[tuple[str, str], ...]
) -> Handler:
    __tracebackhide__ = True
    environment = dict(items)
    if code_root is None:
        raise ApigwFaultError(
            f"function {name}: its code is not in a local folder (inline, in S3 or an"
            " image); give its handler with handlers={...}"
        )
    root = Path(code_root)
    if not root.is_dir():
        raise ApigwFaultError(f"function {name}: its code folder {root} does not exist")
    loaded = _import(name, handler, root, environment)
    value: Any = loaded
    attribute = handler.partition(":")[2]
    for part in attribute.split("."):
        value = getattr(value, part, None)
    if not callable(value):
        raise ApigwFaultError(
            f"function {name}: its module {handler.partition(':')[0]!r} has no function"
            f" {attribute!r}"
        )
    if not environment:
        return value  # type: ignore[no-any-return]
    function: Handler = value

    @functools.wraps(function)
    def with_environment(event: Any, context: Any) -> object:
        with _environment(environment):
            return function(event, context)

    return with_environment
