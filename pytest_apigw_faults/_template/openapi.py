"""OpenAPI 2 and 3 definitions with API Gateway's extensions 📄 [D-OAS]:
``x-amazon-apigateway-integration`` (``type``, ``uri``, ``timeoutInMillis``,
``payloadFormatVersion``), ``-any-method``, ``-gateway-responses``,
``-request-validators`` / ``-request-validator``, ``-binary-media-types``,
``-api-key-source``, ``-cors``, ``-authorizer`` in security schemes, and
``-authtype``. A standalone document, a SAM ``DefinitionBody`` or a
``RestApi``/``Api`` ``Body`` are read the same way.

An integration's function is found by its URI's function ARN, among the
template's functions; a standalone document has none (``function`` is
``None`` and ``uri`` says which function the route calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._gateway.table import Api
from . import auth
from .functions import Loading
from .model import AuthorizerDescription, Cors, RouteDescription
from .parts import check_gateway_responses, cors_http, schema_text, strings

__all__ = ["Definition", "kind_of_definition", "read_definition"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_ANY = "x-amazon-apigateway-any-method"
_LOCATIONS = {"query": "querystring", "header": "header", "path": "path"}


@dataclass
class Definition:
    """What an OpenAPI definition says, API-wide and per route."""

    routes: list[RouteDescription] = field(default_factory=list)
    authorizers: dict[str, AuthorizerDescription] = field(default_factory=dict)
    name: str | None = None
    binary_media_types: tuple[str, ...] = ()
    gateway_responses: Mapping[str, Any] | None = None
    api_key_source: str | None = None
    cors: Cors | None = None


def kind_of_definition(body: Mapping[str, Any]) -> Api:
    """REST, unless the definition uses what only HTTP APIs have."""
    if "swagger" in body:
        return Api.REST
    if "x-amazon-apigateway-cors" in body or "x-amazon-apigateway-importexport-version" in body:
        return Api.HTTP
    for item in (body.get("paths") or {}).values():
        for op in (item or {}).values() if isinstance(item, Mapping) else ():
            spec = op.get("x-amazon-apigateway-integration") if isinstance(op, Mapping) else None
            if isinstance(spec, Mapping) and "payloadFormatVersion" in spec:
                return Api.HTTP
    return Api.REST


def _schemes(body: Mapping[str, Any]) -> Mapping[str, Any]:
    found = (body.get("components") or {}).get("securitySchemes")
    if found is None:
        found = body.get("securityDefinitions")
    return found if isinstance(found, Mapping) else {}


def read_definition(loading: Loading, api: Api, body: Mapping[str, Any], at: str) -> Definition:
    """The definition ``body`` (resolved) found at ``at`` (``""``: the document)."""
    path = f"{at}." if at else ""
    found = Definition(name=(body.get("info") or {}).get("title"))
    for name, scheme in _schemes(body).items():
        if isinstance(scheme, Mapping):
            described = auth.from_openapi(
                loading, api, str(name), scheme, f"{path}securitySchemes.{name}"
            )
            if described is not None:
                found.authorizers[str(name)] = described
    found.binary_media_types = strings(body.get("x-amazon-apigateway-binary-media-types"))
    responses = body.get("x-amazon-apigateway-gateway-responses")
    if isinstance(responses, Mapping):
        found.gateway_responses = check_gateway_responses(
            loading, responses, f"{path}x-amazon-apigateway-gateway-responses"
        )
    source = body.get("x-amazon-apigateway-api-key-source")
    found.api_key_source = None if source is None else str(source).upper()
    found.cors = cors_http(body.get("x-amazon-apigateway-cors"))
    for route_path, item in (body.get("paths") or {}).items():
        if isinstance(item, Mapping):
            for method, op in item.items():
                if method in _METHODS or method == _ANY:
                    verb = "ANY" if method == _ANY else method.upper()
                    where = f"{path}paths.{route_path}.{method}"
                    found.routes.append(
                        _route(loading, api, body, str(route_path), verb, item, op, where)
                    )
    return found


def _security(
    body: Mapping[str, Any], op: Mapping[str, Any]
) -> tuple[str | None, tuple[str, ...], bool, str]:
    """The route's authorizer and scopes, whether it needs an API key, and
    its authorization type."""
    schemes = _schemes(body)
    authorizer: str | None = None
    scopes: tuple[str, ...] = ()
    key, kind = False, "NONE"
    for requirement in op.get("security", body.get("security")) or ():
        for name, wanted in (requirement or {}).items():
            scheme = schemes.get(name) or {}
            if "x-amazon-apigateway-authorizer" in scheme:
                authorizer, scopes = str(name), strings(wanted)
                kind = str(scheme["x-amazon-apigateway-authorizer"].get("type", "CUSTOM")).upper()
            elif scheme.get("x-amazon-apigateway-authtype") == "awsSigv4":
                authorizer, kind = str(name), "AWS_IAM"
            elif scheme.get("type") == "apiKey" and str(scheme.get("name")).lower() == "x-api-key":
                key = True
    return authorizer, scopes, key, kind


def _ref(body: Mapping[str, Any], schema: Any, depth: int = 0) -> Any:
    """``schema`` with its local ``$ref`` entries inlined (cycles left as they are)."""
    if isinstance(schema, Mapping):
        target = schema.get("$ref")
        if isinstance(target, str) and target.startswith("#/") and depth < 32:
            found: Any = body
            for part in target[2:].split("/"):
                found = found.get(part) if isinstance(found, Mapping) else None
            if found is not None:
                return _ref(body, found, depth + 1)
        return {k: _ref(body, v, depth + 1) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_ref(body, v, depth + 1) for v in schema]
    return schema


def _model(body: Mapping[str, Any], op: Mapping[str, Any], parameters: list[Any]) -> Any:
    content = (op.get("requestBody") or {}).get("content") or {}
    media = content.get("application/json") or next(iter(content.values()), None)
    if isinstance(media, Mapping) and "schema" in media:
        return _ref(body, media["schema"])
    for parameter in parameters:
        if isinstance(parameter, Mapping) and parameter.get("in") == "body":
            return _ref(body, parameter.get("schema"))
    return None


def _route(
    loading: Loading, api: Api, body: Mapping[str, Any], route_path: str, method: str,
    item: Mapping[str, Any], op: Any, path: str,
) -> RouteDescription:
    op = op if isinstance(op, Mapping) else {}
    spec = op.get("x-amazon-apigateway-integration") or {}
    integration = str(spec.get("type", "aws_proxy")).upper()
    uri = spec.get("uri")
    function = None
    if integration == "AWS_PROXY" and uri is not None:
        function = loading.function_of(uri, f"{path}.x-amazon-apigateway-integration.uri")
    parameters = [_ref(body, p) for p in [*item.get("parameters", ()), *op.get("parameters", ())]]
    required = tuple(
        f"method.request.{_LOCATIONS[p['in']]}.{p['name']}"
        for p in parameters
        if isinstance(p, Mapping) and p.get("required") and p.get("in") in _LOCATIONS
    )
    validators = body.get("x-amazon-apigateway-request-validators") or {}
    chosen = op.get("x-amazon-apigateway-request-validator",
                    body.get("x-amazon-apigateway-request-validator"))
    validator = validators.get(chosen) or {} if chosen is not None else {}
    model = _model(body, op, parameters)
    authorizer, scopes, key, kind = _security(body, op)
    timeout = spec.get("timeoutInMillis")
    payload = spec.get("payloadFormatVersion")
    if api is Api.HTTP:
        route = "$default" if route_path == "/$default" else f"{method} {route_path}"
    else:
        route = route_path
    return RouteDescription(
        route=route, method=method, path=route_path, integration=integration,
        function=function, uri=None if uri is None else str(uri),
        integration_timeout=None if timeout is None else int(str(timeout)) / 1000,
        payload_format=None if payload is None else str(payload),
        authorizer=authorizer, authorization_type=kind, authorization_scopes=scopes,
        api_key_required=key,
        validate_body=bool(validator.get("validateRequestBody", False)),
        validate_parameters=bool(validator.get("validateRequestParameters", False)),
        required_parameters=required,
        request_model=None if model is None else schema_text(loading, model, f"{path}.schema"),
    )
