"""CloudFormation's intrinsic functions, resolved as far as a local run needs.

Parameters take their ``Default`` unless ``parameters=`` overrides them;
pseudo parameters have fixed local values (``AWS::Region`` us-east-1,
``AWS::AccountId`` 123456789012, overridable the same way). A ``Ref`` to a
resource is its logical id and ``Fn::GetAtt`` an ARN-shaped placeholder
(``arn:aws:lambda:us-east-1:123456789012:function:<LogicalId>``): both are
:class:`Reference` strings that remember what they point at, so that the
loaders can follow an integration URI back to its function. Values are
resolved only where a loader reads them: an unresolvable value elsewhere
(an IAM policy, an export) does not stop a load. What cannot be resolved is
an :class:`ApigwFaultError` naming its path in the template.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

from .._gateway.errors import ApigwFaultError

__all__ = ["NO_VALUE", "PSEUDO", "Reference", "Resolver"]

#: The pseudo parameters' local values.
PSEUDO = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "local",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/local/"
    "00000000-0000-0000-0000-000000000000",
}
_SUB = re.compile(r"\$\{(!?)([^}]*)\}")
#: ARN service names of resource types an ``Arn`` placeholder is shaped for.
_SERVICES = {"AWS::Lambda::Function": "lambda", "AWS::Serverless::Function": "lambda"}


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


#: ``Ref: AWS::NoValue``: the property is left out.
NO_VALUE: Any = _NoValue()


class Reference(str):
    """A resolved ``Ref`` or ``Fn::GetAtt`` of a resource: a string that
    knows the logical id (and attribute) it came from."""

    logical_id: str
    attribute: str | None

    def __new__(cls, text: str, logical_id: str, attribute: str | None = None) -> Reference:
        made = super().__new__(cls, text)
        made.logical_id = logical_id
        made.attribute = attribute
        return made


class Resolver:
    """The intrinsic functions of one template, with its parameters."""

    def __init__(
        self, template: Mapping[str, Any], parameters: Mapping[str, object] | None, origin: str
    ) -> None:
        self.origin = origin
        resources = template.get("Resources") or {}
        self.resources: Mapping[str, Any] = resources if isinstance(resources, Mapping) else {}
        self.mappings: Mapping[str, Any] = template.get("Mappings") or {}
        self._conditions: Mapping[str, Any] = template.get("Conditions") or {}
        self._decided: dict[str, bool] = {}
        self.values = self._parameters(template.get("Parameters") or {}, dict(parameters or {}))
        self._functions: dict[str, Callable[[Any, str], Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._getatt,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::If": self._if,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": lambda arg, path: self.resolve(arg, path),
            "Condition": lambda arg, path: self.condition(arg, path),
            "Fn::Equals": self._equals,
            "Fn::Not": lambda arg, path: not self._truth(self._one(arg, path), path),
            "Fn::And": lambda arg, path: all(self._truth(c, path) for c in self._list(arg, path)),
            "Fn::Or": lambda arg, path: any(self._truth(c, path) for c in self._list(arg, path)),
        }

    def fail(self, path: str, why: str) -> ApigwFaultError:
        """The error for the value at ``path``."""
        return ApigwFaultError(f"{self.origin}: {path}: {why}")

    # parameters ---------------------------------------------------------------

    def _parameters(
        self, declared: Mapping[str, Any], given: dict[str, object]
    ) -> dict[str, Any]:
        values: dict[str, Any] = dict(PSEUDO)
        for name in given:
            if name not in declared and name not in PSEUDO:
                close = difflib.get_close_matches(name, list(declared), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise self.fail(
                    "Parameters",
                    f"parameters= gives {name!r}, which the template does not declare{hint}"
                    f" (declared: {', '.join(declared) or 'none'})",
                )
        for name, spec in declared.items():
            spec = spec if isinstance(spec, Mapping) else {}
            if name in given:
                value = given[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                values[name] = None  # an error only where it is used
                continue
            values[name] = self._typed(name, spec, value)
        values.update({k: v for k, v in given.items() if k in PSEUDO})
        return values

    def _typed(self, name: str, spec: Mapping[str, Any], value: object) -> Any:
        allowed = spec.get("AllowedValues")
        kind = str(spec.get("Type", "String"))
        if isinstance(value, (list, tuple)):
            items = [str(v) for v in value]
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            items = [part.strip() for part in text.split(",")] if "List" in kind else [text]
        if allowed is not None and any(str(v) not in map(str, allowed) for v in items):
            raise self.fail(
                f"Parameters.{name}",
                f"{value!r} is not one of its AllowedValues: {', '.join(map(str, allowed))}",
            )
        return items if "List" in kind else items[0]

    # conditions ---------------------------------------------------------------

    def condition(self, name: object, path: str) -> bool:
        """Whether the template's condition ``name`` holds."""
        if not isinstance(name, str) or name not in self._conditions:
            raise self.fail(
                path,
                f"condition {name!r} is not in Conditions"
                f" (declared: {', '.join(self._conditions) or 'none'})",
            )
        if name not in self._decided:
            self._decided[name] = self._truth(self._conditions[name], f"Conditions.{name}")
        return self._decided[name]

    def _truth(self, value: object, path: str) -> bool:
        found = self.resolve(value, path)
        if isinstance(found, bool):
            return found
        if isinstance(found, str) and found.lower() in ("true", "false"):
            return found.lower() == "true"
        raise self.fail(path, f"a condition must be true or false, got {found!r}")

    def active(self, logical_id: str) -> bool:
        """Whether the resource exists: its ``Condition``, if any, holds."""
        resource = self.resources.get(logical_id)
        if not isinstance(resource, Mapping) or "Condition" not in resource:
            return True
        return self.condition(resource["Condition"], f"Resources.{logical_id}.Condition")

    # resolving ---------------------------------------------------------------

    def resolve(self, value: Any, path: str) -> Any:
        """``value`` with every intrinsic function in it resolved;
        ``AWS::NoValue`` entries are dropped from mappings and lists."""
        if isinstance(value, Mapping):
            if len(value) == 1:
                (key, arg), = value.items()
                function = self._functions.get(str(key))
                if function is not None:
                    return function(arg, f"{path}.{key}")
                if str(key).startswith("Fn::"):
                    raise self.fail(
                        f"{path}.{key}", f"{key} cannot be resolved for a local run"
                    )
            resolved = {k: self.resolve(v, f"{path}.{k}") for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(value, list):
            items = [self.resolve(v, f"{path}[{i}]") for i, v in enumerate(value)]
            return [v for v in items if v is not NO_VALUE]
        return value

    def text(self, value: Any, path: str) -> str:
        """``value`` resolved to a string (numbers and booleans as CloudFormation writes them)."""
        found = self.resolve(value, path)
        if isinstance(found, bool):
            return str(found).lower()
        if isinstance(found, (str, int, float)):
            return found if isinstance(found, str) else str(found)
        raise self.fail(path, f"expected a string, got {type(found).__name__} {found!r}")

    def _list(self, arg: object, path: str) -> list[Any]:
        if not isinstance(arg, list):
            raise self.fail(path, f"expected a list of arguments, got {arg!r}")
        return arg

    def _one(self, arg: object, path: str) -> Any:
        items = self._list(arg, path)
        if len(items) != 1:
            raise self.fail(path, f"expected one argument, got {len(items)}")
        return items[0]

    def _ref(self, arg: object, path: str) -> Any:
        name = self.resolve(arg, path)
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::NotificationARNs":
            return []
        if isinstance(name, str) and name in self.values:
            if self.values[name] is None:
                raise self.fail(
                    path,
                    f"parameter {name!r} has no Default: give it in parameters="
                    f" (e.g. parameters={{{name!r}: ...}})",
                )
            return self.values[name]
        if isinstance(name, str) and name in self.resources:
            return Reference(name, name)
        if isinstance(name, str) and "." in name:  # SAM: !Ref MyApi.Stage
            return self._getatt(name.split(".", 1), path)
        known = [*self.values, *self.resources]
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise self.fail(path, f"Ref {name!r} names no parameter or resource{hint}")

    def _getatt(self, arg: object, path: str) -> Reference:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        parts = self.resolve(arg, path)
        if not isinstance(parts, list) or len(parts) != 2 or not all(
            isinstance(p, str) for p in parts
        ):
            raise self.fail(path, f"Fn::GetAtt takes [LogicalId, Attribute], got {arg!r}")
        logical_id, attribute = parts
        resource = self.resources.get(logical_id)
        if not isinstance(resource, Mapping):
            close = difflib.get_close_matches(logical_id, list(self.resources), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.fail(path, f"Fn::GetAtt names no resource {logical_id!r}{hint}")
        kind = str(resource.get("Type", ""))
        if attribute == "Stage" and kind == "AWS::Serverless::Api":
            stage = resource.get("Properties", {}).get("StageName", "Prod")
            return Reference(self.text(stage, f"Resources.{logical_id}.Properties.StageName"),
                             logical_id, attribute)
        if attribute == "Arn" or attribute.endswith("Arn"):
            region, account = self.values["AWS::Region"], self.values["AWS::AccountId"]
            service = _SERVICES.get(kind, kind.split("::")[1].lower() if "::" in kind else "aws")
            middle = "function:" if service == "lambda" else ""
            text = f"arn:{self.values['AWS::Partition']}:{service}:{region}:{account}:{middle}"
            return Reference(f"{text}{logical_id}", logical_id, attribute)
        return Reference(f"{logical_id}.{attribute}", logical_id, attribute)

    def _sub(self, arg: object, path: str) -> str:
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], Mapping):
            template, variables = arg[0], self.resolve(arg[1], path + "[1]")
        elif isinstance(arg, str):
            template, variables = arg, {}
        else:
            raise self.fail(path, f"Fn::Sub takes a string or [string, {{variables}}], got {arg!r}")
        if not isinstance(template, str):
            raise self.fail(path, f"Fn::Sub's template is a string, got {template!r}")

        def one(match: re.Match[str]) -> str:
            if match.group(1):
                return "${" + match.group(2) + "}"
            name = match.group(2).strip()
            if name in variables:
                return self.text(variables[name], path)
            if "." in name and name.split(".", 1)[0] in self.resources:
                return str(self._getatt(name, path))
            return self.text({"Ref": name}, path)

        return _SUB.sub(one, template)

    def _join(self, arg: object, path: str) -> str:
        items = self._list(arg, path)
        if len(items) != 2:
            raise self.fail(path, "Fn::Join takes [delimiter, [values]]")
        delimiter = self.text(items[0], path + "[0]")
        values = self.resolve(items[1], path + "[1]")
        if not isinstance(values, list):
            raise self.fail(path, f"Fn::Join's values are a list, got {values!r}")
        return delimiter.join(self.text(v, f"{path}[1]") for v in values)

    def _if(self, arg: object, path: str) -> Any:
        items = self._list(arg, path)
        if len(items) != 3:
            raise self.fail(path, "Fn::If takes [condition, value if true, value if false]")
        chosen = items[1] if self.condition(items[0], path + "[0]") else items[2]
        return self.resolve(chosen, path)

    def _equals(self, arg: object, path: str) -> bool:
        items = self._list(arg, path)
        if len(items) != 2:
            raise self.fail(path, "Fn::Equals takes two values")
        left, right = (self.resolve(v, path) for v in items)
        return bool(_comparable(left) == _comparable(right))

    def _select(self, arg: object, path: str) -> Any:
        items = self._list(arg, path)
        if len(items) != 2:
            raise self.fail(path, "Fn::Select takes [index, [values]]")
        index, values = self.text(items[0], path + "[0]"), self.resolve(items[1], path + "[1]")
        if not index.isdigit() or not isinstance(values, list) or int(index) >= len(values):
            raise self.fail(path, f"Fn::Select: index {index} is not in {values!r}")
        return values[int(index)]

    def _split(self, arg: object, path: str) -> list[str]:
        items = self._list(arg, path)
        if len(items) != 2:
            raise self.fail(path, "Fn::Split takes [delimiter, string]")
        return self.text(items[1], path + "[1]").split(self.text(items[0], path + "[0]"))

    def _find_in_map(self, arg: object, path: str) -> Any:
        items = self._list(arg, path)
        if len(items) not in (3, 4):
            raise self.fail(path, "Fn::FindInMap takes [map, top-level key, second-level key]")
        keys = [self.text(v, f"{path}[{i}]") for i, v in enumerate(items[:3])]
        found: Any = self.mappings
        for depth, key in enumerate(keys):
            if not isinstance(found, Mapping) or key not in found:
                if len(items) == 4:  # AWS::LanguageExtensions' DefaultValue
                    default = items[3]
                    return self.resolve(
                        default.get("DefaultValue") if isinstance(default, Mapping) else default,
                        path,
                    )
                where = "Mappings." + ".".join(keys[:depth]) if depth else "Mappings"
                raise self.fail(path, f"Fn::FindInMap: {where} has no key {key!r}")
            found = found[key]
        return self.resolve(found, path)


def _comparable(value: object) -> object:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, (int, float)) else value
