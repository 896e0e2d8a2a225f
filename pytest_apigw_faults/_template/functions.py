"""A template's Lambda functions, and the state of one load.

A function's handler is its ``Handler`` read as the Python runtime reads
it (``src/app.handler``: module ``src.app``, function ``handler``) and its
code root the folder of its code: SAM's ``CodeUri`` (a local folder; the
template's folder without one), or a CDK asset's ``aws:asset:path``
metadata (relative to ``cdk.out``, the template's folder). Code inline
(``InlineCode``, ``Code.ZipFile``), in S3 or in an image has no code root.
SAM's defaults: ``Timeout`` 3 s, ``MemorySize`` 128 MB 📄 [D-SAM-FUNCTION];
``Globals.Function`` applies to every ``AWS::Serverless::Function``, with
``Environment.Variables`` merged key by key 📄 [D-SAM-GLOBALS].
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .intrinsics import Reference, Resolver
from .model import FunctionDescription

__all__ = ["FUNCTION_TYPES", "Loading"]

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
# A Lambda function's ARN inside an integration or authorizer URI.
_FUNCTION_ARN = re.compile(r"arn:[^:]+:lambda:[^:]*:[^:]*:function:([^/:]+)")


class Loading:
    """One template being read: its resolver, its folder and its globals."""

    def __init__(
        self, document: Mapping[str, Any], resolver: Resolver, base: Path | None
    ) -> None:
        self.document = document
        self.resolver = resolver
        self.base = base
        globals_ = document.get("Globals")
        self.globals: Mapping[str, Any] = globals_ if isinstance(globals_, Mapping) else {}
        self._functions: dict[str, FunctionDescription] = {}

    @property
    def origin(self) -> str:
        return self.resolver.origin

    def resources_of(self, *types: str) -> list[tuple[str, Mapping[str, Any]]]:
        """The active resources of these types, in template order, with
        their (unresolved) properties."""
        found = []
        for logical_id, resource in self.resolver.resources.items():
            if (
                isinstance(resource, Mapping) and resource.get("Type") in types
                and self.resolver.active(logical_id)
            ):
                found.append((logical_id, resource.get("Properties") or {}))
        return found

    def value(self, logical_id: str, properties: Mapping[str, Any], key: str) -> Any:
        """Property ``key`` of a resource, resolved (``None`` when absent)."""
        if key not in properties:
            return None
        return self.resolver.resolve(
            properties[key], f"Resources.{logical_id}.Properties.{key}"
        )

    def global_of(self, section: str, key: str) -> Any:
        found = self.globals.get(section)
        if not isinstance(found, Mapping) or key not in found:
            return None
        return self.resolver.resolve(found[key], f"Globals.{section}.{key}")

    def function(self, logical_id: str, path: str) -> FunctionDescription:
        """The function ``logical_id`` names (a ``path`` for the error)."""
        if logical_id in self._functions:
            return self._functions[logical_id]
        resource = self.resolver.resources.get(logical_id)
        kind = resource.get("Type") if isinstance(resource, Mapping) else None
        if kind not in FUNCTION_TYPES:
            raise self.resolver.fail(
                path, f"{logical_id!r} is not a Lambda function of this template ({kind})"
            )
        assert isinstance(resource, Mapping)
        described = self._describe(logical_id, resource)
        self._functions[logical_id] = described
        return described

    def function_of(self, value: object, path: str) -> FunctionDescription | None:
        """The function an integration URI, a function ARN or a ``Ref``
        names, or ``None`` when it is no function of this template."""
        if isinstance(value, Reference) and value.logical_id in self.resolver.resources:
            return self.function(value.logical_id, path)
        match = _FUNCTION_ARN.search(str(value))
        if match is None:
            return None
        name = match.group(1)
        if name in self.resolver.resources:
            return self.function(name, path)
        for logical_id, properties in self.resources_of(*FUNCTION_TYPES):
            if self.value(logical_id, properties, "FunctionName") == name:
                return self.function(logical_id, path)
        return None

    def _setting(self, logical_id: str, properties: Mapping[str, Any], sam: bool, key: str) -> Any:
        own = self.value(logical_id, properties, key)
        return own if own is not None or not sam else self.global_of("Function", key)

    def _describe(self, logical_id: str, resource: Mapping[str, Any]) -> FunctionDescription:
        properties = resource.get("Properties") or {}
        sam = resource.get("Type") == "AWS::Serverless::Function"
        where = f"Resources.{logical_id}.Properties"
        handler = self._setting(logical_id, properties, sam, "Handler")
        if not isinstance(handler, str) or "." not in handler:
            raise self.resolver.fail(
                f"{where}.Handler",
                f"a Python handler is 'module.function' (e.g. 'app.handler'), got {handler!r}",
            )
        module, _, name = handler.rpartition(".")
        code_root, inline = self._code_root(logical_id, resource, sam)
        timeout = self._setting(logical_id, properties, sam, "Timeout")
        memory = self._setting(logical_id, properties, sam, "MemorySize")
        runtime = self._setting(logical_id, properties, sam, "Runtime")
        reserved = self._setting(logical_id, properties, sam, "ReservedConcurrentExecutions")
        return FunctionDescription(
            logical_id=logical_id,
            handler=f"{module.replace('/', '.')}:{name}",
            code_root=code_root,
            runtime=None if runtime is None else str(runtime),
            timeout=_number(self, f"{where}.Timeout", timeout, 3.0),
            memory_size=int(_number(self, f"{where}.MemorySize", memory, 128)),
            environment=self._environment(logical_id, properties, sam),
            inline=inline,
            reserved_concurrency=None if reserved is None else int(
                _number(self, f"{where}.ReservedConcurrentExecutions", reserved, 0, zero=True)
            ),
        )

    def _environment(
        self, logical_id: str, properties: Mapping[str, Any], sam: bool
    ) -> Mapping[str, str]:
        merged: dict[str, str] = {}
        layers = [self.global_of("Function", "Environment")] if sam else []
        layers.append(self.value(logical_id, properties, "Environment"))
        for layer in layers:
            variables = layer.get("Variables") if isinstance(layer, Mapping) else None
            if isinstance(variables, Mapping):
                merged.update({str(k): _text(v) for k, v in variables.items()})
        return MappingProxyType(merged)

    def _code_root(
        self, logical_id: str, resource: Mapping[str, Any], sam: bool
    ) -> tuple[str | None, bool]:
        properties = resource.get("Properties") or {}
        if sam:
            if "InlineCode" in properties:
                return None, True
            if "ImageUri" in properties:
                return None, False
            uri = self._setting(logical_id, properties, sam, "CodeUri")
            if uri is None:
                return self._local("."), False
            if not isinstance(uri, str) or uri.startswith("s3://"):
                return None, False
            return self._local(uri), False
        code = self.value(logical_id, properties, "Code")
        if isinstance(code, Mapping) and "ZipFile" in code:
            return None, True
        found = resource.get("Metadata")
        metadata: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        asset = metadata.get("aws:asset:path")
        if isinstance(asset, str) and metadata.get("aws:asset:property", "Code") == "Code":
            return self._local(asset), False
        return None, False

    def _local(self, relative: str) -> str:
        path = Path(relative)
        if self.base is not None and not path.is_absolute():
            path = self.base / path
        return str(path) if self.base is None else str(path.resolve())


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _number(
    loading: Loading, path: str, value: object, default: float, *, zero: bool = False
) -> float:
    if value is None:
        return default
    try:
        found = float(str(value))
    except ValueError:
        raise loading.resolver.fail(path, f"expected a number, got {value!r}") from None
    if found < 0 or (found == 0 and not zero):
        above = "0 or more" if zero else "above 0"
        raise loading.resolver.fail(path, f"expected a number {above}, got {value!r}")
    return found
