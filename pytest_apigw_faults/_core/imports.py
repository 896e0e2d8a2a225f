"""Installing a client's backend the moment the client is imported.

A fault that needs a client not imported yet when it starts has no call of
it to fault; installing the backend then would import the client (and its
mock library) for nothing. :class:`ClientImports` sits on ``sys.meta_path``
while such a fault is started and, once the client's module has run,
installs its backend (rule 1 of :mod:`.runtime`).
"""

from __future__ import annotations

import importlib.util
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runtime import Patchboard

__all__ = ["ClientImports"]


class ClientImports:
    """On ``sys.meta_path`` while a started fault waits for its client to be
    imported: once the client's module has run, its backend is installed."""

    def __init__(self, patchboard: Patchboard) -> None:
        self._patchboard = patchboard
        self._finding: set[str] = set()

    def find_spec(self, name: str, path: object = None, target: object = None) -> Any:
        if name not in _CLIENT_NAMES or name in self._finding:
            return None
        self._finding.add(name)  # the finders after this one find it
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self._finding.discard(name)
        if spec is None or spec.loader is None:
            return spec
        loader, found = spec.loader, spec
        patchboard = self._patchboard

        class _Then:  # runs the client's module, then installs its backend
            def __getattr__(self, attribute: str) -> Any:
                return getattr(loader, attribute)

            def create_module(self, spec: Any) -> Any:
                return loader.create_module(spec)

            def exec_module(self, module: types.ModuleType) -> None:
                module.__loader__ = found.loader = loader  # its own, from now on
                loader.exec_module(module)
                patchboard.imported(name)

        spec.loader = _Then()  # type: ignore[assignment]
        return spec


#: The module of each client, as ``fault.clients`` names it.
_CLIENT_NAMES = frozenset({"requests", "httpx", "aiohttp"})
