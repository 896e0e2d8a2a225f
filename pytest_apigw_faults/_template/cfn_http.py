"""HTTP APIs as CloudFormation declares them 📄 [D-CFN-APIGWV2]:
``AWS::ApiGatewayV2::Api`` (``ProtocolType: HTTP``; WebSocket APIs are
left out) with its ``Body`` or its ``Route``, ``Integration``, ``Stage``
and ``Authorizer`` resources, and quick create (``Target``: a ``$default``
route, or ``RouteKey``, to a Lambda proxy with payload 2.0 on the
``$default`` stage), which ``ApiGatewayManagedOverrides`` can change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._gateway.table import Api
from . import auth
from .functions import Loading
from .intrinsics import Reference
from .model import AuthorizerDescription, RouteDescription, Throttle
from .openapi import read_definition
from .parts import cors_http, throttle_of

__all__ = ["http_apis"]

_T = "AWS::ApiGatewayV2::"


def _id(value: object) -> str | None:
    if isinstance(value, Reference):
        return value.logical_id
    return value if isinstance(value, str) else None


def _of_api(loading: Loading, kind: str, api_id: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for logical_id, props in loading.resources_of(_T + kind):
        if _id(loading.value(logical_id, props, "ApiId")) == api_id:
            where = f"Resources.{logical_id}.Properties"
            found.append((logical_id, dict(loading.resolver.resolve(dict(props), where))))
    return found


def _integration(loading: Loading, spec: Mapping[str, Any], where: str) -> dict[str, Any]:
    kind = str(spec.get("IntegrationType", "AWS_PROXY")).upper()
    uri = spec.get("IntegrationUri")
    timeout = spec.get("TimeoutInMillis")
    return {
        "integration": kind,
        "uri": None if uri is None else str(uri),
        "function": loading.function_of(uri, f"{where}.IntegrationUri")
        if kind == "AWS_PROXY" else None,
        "integration_timeout": None if timeout is None else int(str(timeout)) / 1000,
        "payload_format": str(spec.get("PayloadFormatVersion", "2.0")),
    }


def _route(key: str, integration: Mapping[str, Any], spec: Mapping[str, Any],
           throttles: Mapping[str, Throttle]) -> RouteDescription:
    method, _, path = key.partition(" ")
    kind = str(spec.get("AuthorizationType", "NONE")).upper()
    return RouteDescription(
        route=key, method="ANY" if key == "$default" else method.upper(),
        path=key if key == "$default" else path, **integration,
        authorizer=_id(spec.get("AuthorizerId")) if kind != "NONE" else None,
        authorization_type=kind,
        authorization_scopes=tuple(map(str, spec.get("AuthorizationScopes") or ())),
        throttle=throttles.get(key),
    )


def _stage(loading: Loading, api_id: str, wanted: str | None, quick: bool
           ) -> tuple[str | None, Throttle | None, dict[str, Throttle]]:
    stages = [spec for _, spec in _of_api(loading, "Stage", api_id)]
    if quick:
        for _, spec in _of_api(loading, "ApiGatewayManagedOverrides", api_id):
            stages.append({"StageName": "$default", **(spec.get("Stage") or {})})
        stages.append({"StageName": "$default"})
    for spec in stages:
        if wanted is None or spec.get("StageName") == wanted:
            routes = {str(k): t for k, v in (spec.get("RouteSettings") or {}).items()
                      if (t := throttle_of(v)) is not None}
            return (str(spec.get("StageName")), throttle_of(spec.get("DefaultRouteSettings")),
                    routes)
    if wanted is not None and stages:
        names = ", ".join(str(s.get("StageName")) for s in stages)
        raise loading.resolver.fail(
            f"Resources.{api_id}", f"stage={wanted!r} is not a stage of this API ({names})"
        )
    return wanted, None, {}


def _quick(loading: Loading, api_id: str, target: object, props: Mapping[str, Any],
           throttles: Mapping[str, Throttle]) -> RouteDescription:
    where = f"Resources.{api_id}.Properties"
    route = {"AuthorizationType": "NONE"}
    integration = {"IntegrationType": "AWS_PROXY", "IntegrationUri": target,
                   "PayloadFormatVersion": "2.0"}
    for _, spec in _of_api(loading, "ApiGatewayManagedOverrides", api_id):
        route.update(spec.get("Route") or {})
        integration.update(spec.get("Integration") or {})
    key = str(props.get("RouteKey") or "$default")
    return _route(key, _integration(loading, integration, f"{where}.Target"), route, throttles)


def http_apis(loading: Loading, stage: str | None) -> list[dict[str, Any]]:
    """Each ``AWS::ApiGatewayV2::Api`` of protocol HTTP, as the fields of its description."""
    found = []
    for api_id, raw in loading.resources_of(_T + "Api"):
        where = f"Resources.{api_id}.Properties"
        if str(loading.value(api_id, raw, "ProtocolType") or "HTTP").upper() != "HTTP":
            continue
        target = loading.value(api_id, raw, "Target")
        stage_name, default, throttles = _stage(loading, api_id, stage, target is not None)
        authorizers: dict[str, AuthorizerDescription] = {
            logical_id: auth.from_cfn(loading, Api.HTTP, logical_id, spec,
                                      f"Resources.{logical_id}")
            for logical_id, spec in _of_api(loading, "Authorizer", api_id)
        }
        integrations = {
            logical_id: _integration(loading, spec, f"Resources.{logical_id}.Properties")
            for logical_id, spec in _of_api(loading, "Integration", api_id)
        }
        routes = []
        for logical_id, spec in _of_api(loading, "Route", api_id):
            target_of = str(spec.get("Target", "")).rpartition("/")[2]
            integration = integrations.get(target_of)
            if integration is None:
                raise loading.resolver.fail(
                    f"Resources.{logical_id}.Properties.Target",
                    f"'integrations/<id>' names no AWS::ApiGatewayV2::Integration of this API,"
                    f" got {spec.get('Target')!r}",
                )
            routes.append(_route(str(spec.get("RouteKey")), integration, spec, throttles))
        if target is not None:
            routes.append(_quick(loading, api_id, target, {"RouteKey": loading.value(
                api_id, raw, "RouteKey")}, throttles))
        fields: dict[str, Any] = {"name": loading.value(api_id, raw, "Name")}
        body = loading.value(api_id, raw, "Body")
        if isinstance(body, Mapping):
            definition = read_definition(loading, Api.HTTP, body, f"{where}.Body")
            routes = definition.routes + routes
            authorizers.update(definition.authorizers)
            fields.update(name=fields["name"] or definition.name, cors=definition.cors)
        cors = loading.value(api_id, raw, "CorsConfiguration")
        if cors is not None:
            fields["cors"] = cors_http(cors)
        found.append({**fields, "logical_id": api_id, "stage": stage_name, "routes": routes,
                      "authorizers": authorizers, "throttle": default})
    return found
