"""An API from its template: SAM, CloudFormation (CDK output included) or
OpenAPI with API Gateway's extensions, loaded into frozen descriptions.

:func:`load` reads the document, resolves the intrinsic functions it needs
(:mod:`.intrinsics`) and describes every API it declares
(:class:`ApiDescription`): its routes with their handlers (``module:function``
strings and the folder to import them from, nothing imported), timeouts,
authorizers, API keys, validation, CORS and throttles. Nothing runs here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .._gateway.table import Api
from .cfn_http import http_apis
from .cfn_rest import rest_apis
from .document import CLOUDFORMATION, OPENAPI, SAM, kind_of, read
from .functions import Loading
from .intrinsics import Resolver
from .model import (
    ApiDescription,
    AuthorizerDescription,
    Cors,
    FunctionDescription,
    RouteDescription,
    Throttle,
)
from .openapi import kind_of_definition, read_definition
from .parts import api_keys_of

__all__ = [
    "CLOUDFORMATION",
    "OPENAPI",
    "SAM",
    "ApiDescription",
    "AuthorizerDescription",
    "Cors",
    "FunctionDescription",
    "RouteDescription",
    "Throttle",
    "load",
    "load_websockets",
]


def _openapi(loading: Loading, document: Mapping[str, Any], stage: str | None
             ) -> list[dict[str, Any]]:
    body = loading.resolver.resolve(document, "")
    api = kind_of_definition(body)
    definition = read_definition(loading, api, body, "")
    fields: dict[str, Any] = {
        "logical_id": definition.name or "Api",
        "name": definition.name,
        "stage": stage if stage is not None or api is Api.REST else "$default",
        "routes": definition.routes,
        "authorizers": definition.authorizers,
        "binary_media_types": definition.binary_media_types,
        "gateway_responses": definition.gateway_responses,
        "cors": definition.cors,
        "kind": api,
    }
    if definition.api_key_source:
        fields["api_key_source"] = definition.api_key_source
    return [fields]


def _describe(loading: Loading, fields: dict[str, Any], kind: Api, source: str) -> ApiDescription:
    plans = fields.pop("plans", {})
    keys = fields.pop("keys", {})
    fields.setdefault("kind", kind)
    fields["api_key_source"] = str(fields.get("api_key_source", "HEADER")).upper()
    return _build(loading, fields, plans, keys, source)


def _build(loading: Loading, fields: dict[str, Any], plans: Mapping[str, Any],
           keys: Mapping[str, str], source: str) -> ApiDescription:
    name = fields.get("name")
    return ApiDescription(
        kind=fields["kind"],
        logical_id=str(fields["logical_id"]),
        name=None if name is None else str(name),
        stage=fields.get("stage"),
        source=source,
        routes=tuple(fields.get("routes", ())),
        binary_media_types=tuple(fields.get("binary_media_types", ())),
        gateway_responses=fields.get("gateway_responses"),
        api_key_source=fields["api_key_source"],
        usage_plans=MappingProxyType(dict(plans)),
        api_keys=api_keys_of(loading, keys, plans, fields["api_key_source"],
                             f"Resources.{fields['logical_id']}"),
        authorizers=MappingProxyType(dict(fields.get("authorizers", {}))),
        cors=fields.get("cors"),
        throttle=fields.get("throttle"),
    )


def load(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    parameters: Mapping[str, object] | None = None,
    stage: str | None = None,
) -> list[ApiDescription]:
    """Every API ``source`` declares: a SAM or CloudFormation template or an
    OpenAPI document (a YAML or JSON file, or a dict). ``parameters``
    override the template's parameters (and the pseudo parameters, e.g.
    ``{"AWS::Region": "eu-west-1"}``); ``stage`` picks a stage by name (a
    SAM API's ``StageName`` is replaced by it)."""
    document, origin, base = read(source)
    kind = kind_of(document, origin)
    resolver = Resolver(document if kind != OPENAPI else {}, parameters, origin)
    loading = Loading(document, resolver, base)
    described = []
    if kind == OPENAPI:
        for fields in _openapi(loading, document, stage):
            described.append(_describe(loading, fields, fields["kind"], kind))
        return described
    if kind == SAM:
        from .sam import sam_apis

        for fields in sam_apis(loading, stage):
            described.append(_describe(loading, fields, fields["kind"], kind))
    for fields in rest_apis(loading, stage):
        described.append(_describe(loading, fields, Api.REST, kind))
    for fields in http_apis(loading, stage):
        described.append(_describe(loading, fields, Api.HTTP, kind))
    return described


def load_websockets(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    parameters: Mapping[str, object] | None = None,
    stage: str | None = None,
) -> list[Any]:
    """Every WebSocket API a SAM or CloudFormation template declares
    (:class:`.cfn_websocket.WebSocketDescription`); none for OpenAPI."""
    from .cfn_websocket import websocket_apis

    document, origin, base = read(source)
    if kind_of(document, origin) == OPENAPI:
        return []
    resolver = Resolver(document, parameters, origin)
    return list(websocket_apis(Loading(document, resolver, base), stage))
