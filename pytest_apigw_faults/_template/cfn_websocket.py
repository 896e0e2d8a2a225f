"""WebSocket APIs as CloudFormation (and SAM, which has no WebSocket type of
its own) declares them 📄 [D-CFN-APIGWV2]: ``AWS::ApiGatewayV2::Api`` with
``ProtocolType: WEBSOCKET`` and its ``RouteSelectionExpression``; its
``Route`` resources (``RouteKey``, ``Target: integrations/<id>``,
``AuthorizationType``, ``AuthorizerId``), each ``Integration``
(``IntegrationType``, ``IntegrationUri`` naming a function of the template,
``TimeoutInMillis``), a ``RouteResponse`` (the route answers the client: a
two-way route), the ``Stage`` and a ``REQUEST`` Lambda ``Authorizer``
(``AuthorizerUri``, ``IdentitySource`` such as ``route.request.header.Auth``).
Nothing is imported or run here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .cfn_http import _id, _of_api, _stage
from .functions import Loading
from .model import FunctionDescription

__all__ = [
    "WebSocketAuthorizerDescription",
    "WebSocketDescription",
    "WebSocketRouteDescription",
    "websocket_apis",
]

_T = "AWS::ApiGatewayV2::"


@dataclass(frozen=True)
class WebSocketRouteDescription:
    """One route: its key, its integration's type and function (``None``:
    not a function of this template), its integration timeout in seconds
    (``None``: the default), its authorization and whether it has a route
    response."""

    key: str
    integration: str
    function: FunctionDescription | None
    integration_timeout: float | None
    authorization_type: str = "NONE"
    authorizer: str | None = None
    route_response: bool = False


@dataclass(frozen=True)
class WebSocketAuthorizerDescription:
    """A Lambda authorizer: its name, type, function and identity sources."""

    name: str
    type: str
    function: FunctionDescription | None
    identity_source: tuple[str, ...] = ()


@dataclass(frozen=True)
class WebSocketDescription:
    """A WebSocket API of a template."""

    logical_id: str
    name: str | None
    stage: str | None
    route_selection: str
    routes: tuple[WebSocketRouteDescription, ...]
    authorizers: Mapping[str, WebSocketAuthorizerDescription]
    source: str


def _integration(loading: Loading, spec: Mapping[str, Any], where: str) -> dict[str, Any]:
    kind = str(spec.get("IntegrationType", "AWS_PROXY")).upper()
    uri = spec.get("IntegrationUri")
    timeout = spec.get("TimeoutInMillis")
    if timeout is not None:
        try:
            timeout = int(str(timeout)) / 1000
        except ValueError:
            raise loading.resolver.fail(
                f"{where}.TimeoutInMillis", f"expected milliseconds, got {timeout!r}"
            ) from None
    return {
        "integration": kind,
        "function": loading.function_of(uri, f"{where}.IntegrationUri")
        if kind in ("AWS_PROXY", "AWS") else None,
        "integration_timeout": timeout,
    }


def _authorizer(loading: Loading, logical_id: str, spec: Mapping[str, Any]
                ) -> WebSocketAuthorizerDescription:
    where = f"Resources.{logical_id}.Properties"
    sources = spec.get("IdentitySource") or ()
    return WebSocketAuthorizerDescription(
        name=str(spec.get("Name") or logical_id),
        type=str(spec.get("AuthorizerType", "REQUEST")).upper(),
        function=loading.function_of(spec.get("AuthorizerUri"), f"{where}.AuthorizerUri"),
        identity_source=tuple(str(s) for s in (
            sources if isinstance(sources, (list, tuple)) else str(sources).split(",")
        ) if str(s).strip()),
    )


def _routes(loading: Loading, api_id: str) -> list[WebSocketRouteDescription]:
    integrations = {
        logical_id: _integration(loading, spec, f"Resources.{logical_id}.Properties")
        for logical_id, spec in _of_api(loading, "Integration", api_id)
    }
    two_way = {_id(spec.get("RouteId")) for _, spec in _of_api(loading, "RouteResponse", api_id)}
    routes = []
    for logical_id, spec in _of_api(loading, "Route", api_id):
        where = f"Resources.{logical_id}.Properties"
        target = str(spec.get("Target", "")).rpartition("/")[2]
        integration = integrations.get(target)
        if integration is None:
            raise loading.resolver.fail(
                f"{where}.Target",
                "'integrations/<id>' names no AWS::ApiGatewayV2::Integration of this API,"
                f" got {spec.get('Target')!r}",
            )
        kind = str(spec.get("AuthorizationType", "NONE")).upper()
        routes.append(WebSocketRouteDescription(
            key=str(spec.get("RouteKey")), **integration, authorization_type=kind,
            authorizer=_id(spec.get("AuthorizerId")) if kind == "CUSTOM" else None,
            route_response=logical_id in two_way,
        ))
    return routes


def websocket_apis(loading: Loading, stage: str | None) -> list[WebSocketDescription]:
    """Each ``AWS::ApiGatewayV2::Api`` of protocol WEBSOCKET."""
    found = []
    for api_id, raw in loading.resources_of(_T + "Api"):
        if str(loading.value(api_id, raw, "ProtocolType") or "").upper() != "WEBSOCKET":
            continue
        stage_name = _stage(loading, api_id, stage, False)[0]
        name = loading.value(api_id, raw, "Name")
        selection = loading.value(api_id, raw, "RouteSelectionExpression")
        found.append(WebSocketDescription(
            logical_id=api_id,
            name=None if name is None else str(name),
            stage=stage_name,
            route_selection=str(selection or "$request.body.action"),
            routes=tuple(_routes(loading, api_id)),
            authorizers=MappingProxyType({
                logical_id: _authorizer(loading, logical_id, spec)
                for logical_id, spec in _of_api(loading, "Authorizer", api_id)
            }),
            source=loading.origin,
        ))
    return found
