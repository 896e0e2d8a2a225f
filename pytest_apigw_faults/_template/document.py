"""Reading a template: a file (YAML with CloudFormation's short tags, or
JSON) or a mapping, and what kind of document it is.

YAML is read with cfn-flip's loader (``cfn_tools.CfnYamlLoader``, AWS's own
template flipper, imported on use): ``!Ref``, ``!GetAtt A.B``, ``!Sub`` and
the other short forms become their long ``{"Fn::…": …}`` forms.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._gateway.errors import ApigwFaultError

__all__ = ["CLOUDFORMATION", "OPENAPI", "SAM", "SAM_TRANSFORM", "kind_of", "read"]

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
SAM, CLOUDFORMATION, OPENAPI = "sam", "cloudformation", "openapi"


def _plain(value: Any) -> Any:
    """The loader's ordered mappings as plain dicts, its lists as lists."""
    if isinstance(value, Mapping):
        return {str(k) if not isinstance(k, str) else k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _yaml(text: str, origin: str) -> Any:
    try:
        import yaml  # type: ignore[import-untyped,unused-ignore]
        from cfn_tools.yaml_loader import (  # type: ignore[import-untyped,unused-ignore]
            CfnYamlLoader,
        )
    except ImportError:
        raise ApigwFaultError(
            f"{origin} is YAML, which needs cfn-flip (and PyYAML): pip install"
            " 'pytest-apigw-faults[templates]' (or give the template as JSON or a dict)"
        ) from None
    try:
        return yaml.load(text, Loader=CfnYamlLoader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ApigwFaultError(f"{origin}: not valid YAML: {error}") from None


def read(source: object) -> tuple[dict[str, Any], str, Path | None]:
    """The document, its name for errors and the folder paths in it are
    relative to (``None`` for a mapping: the current directory)."""
    if isinstance(source, Mapping):
        return _plain(source), "template", None
    if not isinstance(source, (str, os.PathLike)):
        raise ApigwFaultError(
            "a template is the path of a YAML or JSON file, or a dict, got"
            f" {type(source).__name__} {source!r}"
        )
    path = Path(source)
    origin = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ApigwFaultError(f"{origin}: cannot read the template ({error.strerror})") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ApigwFaultError(f"{origin}: not valid JSON: {error}") from None
    else:
        document = _yaml(text, origin)
    if not isinstance(document, Mapping):
        raise ApigwFaultError(
            f"{origin}: a template is a mapping at its root, got {type(document).__name__}"
        )
    return _plain(document), origin, path.resolve().parent


def kind_of(document: Mapping[str, Any], origin: str) -> str:
    """``"sam"``, ``"cloudformation"`` or ``"openapi"``."""
    if "openapi" in document or "swagger" in document:
        return OPENAPI
    transform = document.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if SAM_TRANSFORM in transforms:
        return SAM
    if isinstance(document.get("Resources"), Mapping):
        return CLOUDFORMATION
    raise ApigwFaultError(
        f"{origin}: neither a CloudFormation or SAM template (no Resources) nor an OpenAPI"
        " document (no 'openapi' or 'swagger' key)"
    )
