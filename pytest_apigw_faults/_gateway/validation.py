"""Request body validation of a REST method against its models.

A request validator that validates the body checks "the applicable request
payload" against "the configured JSON schema request of the method for a
given content type. If no matching content type is found, request
validation is not performed. To use the same model regardless of the
content type, set the content type for your data model to ``$default``"
[D-REQVAL] 📄. Models are JSON Schema draft 4 [D-MODELS] 📄, checked here
with ``jsonschema`` (the ``validation`` extra). A request that fails is
refused with ``bad_request_body`` (400 ``{"message": "Invalid request
body"}`` ✅ [UDACITY]), after the authorizer and the API key, before the
integration [D-REST-FLOW] 📄, and HTTP APIs have no validators.

The execution log says why ✅ [VAL-LOG] (two console tests, 2021-2023):
``Request body does not match model schema for content type
application/json: [object has missing required properties (["email",
"password","repeatPassword"])]``, and ``[Unknown error parsing request
body]`` for an empty body. AWS validates with a Java library whose messages
are not jsonschema's; the missing-properties message is captured (the names
in the schema's ``required`` order), ⚠️ the others are written here in that
library's (java-json-tools) wording, as is ``Method completed with status:
400`` after it, and a body that is not JSON is taken to fail as an empty
one does. Several errors are listed in one pair of brackets, ``, ``-joined.

⚠️ A request without a ``Content-Type`` is taken as ``application/json``, as
API Gateway assumes for mapping templates [D-PASSTHROUGH] 📄; a content
type's parameters (``; charset=utf-8``) are ignored and its case too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from .errors import ApigwFaultError
from .records import Incoming

__all__ = ["DEFAULT_CONTENT_TYPE", "RequestModels", "check_request_model", "invalid_body"]

DEFAULT_CONTENT_TYPE = "application/json"
_ANY = "$default"
_NO_JSONSCHEMA = (
    "request_model= validates bodies with jsonschema, which is not installed:"
    " pip install 'pytest-apigw-faults[validation]'"
)

#: The models of a method, by content type (``$default``: any other).
RequestModels = Mapping[str, Mapping[str, Any]]


def _validator(schema: Mapping[str, Any], *, check: bool = True) -> Any:
    try:
        import jsonschema  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise ApigwFaultError(_NO_JSONSCHEMA) from None
    if not check:  # checked when the argument was
        return jsonschema.Draft4Validator(schema)
    try:
        jsonschema.Draft4Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise ApigwFaultError(
            f"request_model= is not a JSON Schema draft 4 model: {error.message}"
        ) from None
    return jsonschema.Draft4Validator(schema)


def _by_content_type(value: Mapping[str, Any]) -> bool:
    return bool(value) and all(
        isinstance(key, str) and ("/" in key or key == _ANY) for key in value
    )


def check_request_model(value: object, context: object) -> RequestModels:
    """``request_model=`` of a fault (``context.api``): a schema (for
    ``application/json``) or a dict of content types (``$default``
    included) to schemas, each checked now."""
    from .table import Api

    if getattr(context, "api", None) is not Api.REST:
        raise ApigwFaultError(
            "request_model= needs api='rest': request validators belong to REST APIs"
            " (HTTP APIs have none)"
        )
    if not isinstance(value, Mapping):
        raise ApigwFaultError(
            "request_model= takes a JSON Schema (a dict, for application/json) or a dict"
            f" of content types to schemas, e.g. {{'application/json': {{...}}}}; got {value!r}"
        )
    models = dict(value) if _by_content_type(value) else {DEFAULT_CONTENT_TYPE: value}
    for content_type, schema in models.items():
        if not isinstance(schema, Mapping):
            raise ApigwFaultError(
                f"request_model= for {content_type!r} is not a JSON Schema (a dict): {schema!r}"
            )
        _validator(schema)
    return MappingProxyType({key.lower(): schema for key, schema in models.items()})


def _content_type(incoming: Incoming) -> str:
    value = incoming.header("Content-Type")
    if not value:
        return DEFAULT_CONTENT_TYPE
    return value.split(";", 1)[0].strip().lower()


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(
        type(value), "null"
    )


def _allowed(value: object) -> str:
    return _json([value] if isinstance(value, str) else value)


# The messages of java-json-tools' validator, by keyword (⚠️ but "required").
_MESSAGES: Mapping[str, Callable[[Any, Any, Mapping[str, Any]], str]] = {
    "required": lambda value, instance, schema: (
        "object has missing required properties ("
        + _json([name for name in value if name not in instance]) + ")"
    ),
    "type": lambda value, instance, schema: (
        f"instance type ({_kind(instance)}) does not match any allowed primitive type"
        f" (allowed: {_allowed(value)})"
    ),
    "enum": lambda value, instance, schema: (
        f"instance value ({_json(instance)}) not found in enum (possible values: {_json(value)})"
    ),
    "minimum": lambda value, instance, schema: (
        f"numeric instance is not strictly greater than the required minimum {_json(value)}"
        if schema.get("exclusiveMinimum") else
        f"numeric instance is lower than the required minimum (minimum: {_json(value)},"
        f" found: {_json(instance)})"
    ),
    "maximum": lambda value, instance, schema: (
        f"numeric instance is not strictly lower than the required maximum {_json(value)}"
        if schema.get("exclusiveMaximum") else
        f"numeric instance is greater than the required maximum (maximum: {_json(value)},"
        f" found: {_json(instance)})"
    ),
    "minLength": lambda value, instance, schema: (
        f"string {_json(instance)} is too short (length: {len(instance)}, required"
        f" minimum: {value})"
    ),
    "maxLength": lambda value, instance, schema: (
        f"string {_json(instance)} is too long (length: {len(instance)}, maximum"
        f" allowed: {value})"
    ),
    "pattern": lambda value, instance, schema: (
        f"ECMA 262 regex {_json(value)} does not match input string {_json(instance)}"
    ),
    "minItems": lambda value, instance, schema: (
        f"array is too short: must have at least {value} elements but instance has"
        f" {len(instance)} elements"
    ),
    "maxItems": lambda value, instance, schema: (
        f"array is too long: must have at most {value} elements but instance has"
        f" {len(instance)} elements"
    ),
    "additionalProperties": lambda value, instance, schema: (
        "object instance has properties which are not allowed by the schema: "
        + _json(sorted(set(instance) - set(schema.get("properties", {}))))
    ),
}


def _message(error: Any) -> str:
    made = _MESSAGES.get(error.validator)
    if made is None:
        return str(error.message)
    return made(error.validator_value, error.instance, error.schema)


def invalid_body(models: RequestModels, incoming: Incoming, body: bytes) -> str | None:
    """Why the request's body fails its content type's model (the
    execution-log line), or ``None`` when it passes or has no model."""
    content_type = _content_type(incoming)
    schema = models.get(content_type, models.get(_ANY))
    if schema is None:
        return None
    prefix = f"Request body does not match model schema for content type {content_type}: "
    try:
        document = json.loads(body)
    except ValueError:
        return prefix + "[Unknown error parsing request body]"
    messages: list[str] = []
    for error in _validator(schema, check=False).iter_errors(document):
        message = _message(error)
        if message not in messages:  # "required" once per object
            messages.append(message)
    if not messages:
        return None
    return prefix + "[" + ", ".join(messages) + "]"
