"""SAM's APIs 📄 [D-SAM-API][D-SAM-HTTPAPI][D-SAM-EVENTS]:
``AWS::Serverless::Api`` and ``AWS::Serverless::HttpApi`` (with
``Globals.Api`` / ``Globals.HttpApi``), and the ``Api`` / ``HttpApi`` events
of ``AWS::Serverless::Function``. An event without ``RestApiId`` / ``ApiId``
belongs to the implicit ``ServerlessRestApi`` (stage ``Prod``) or
``ServerlessHttpApi`` (stage ``$default``). An HTTP API event's payload
format defaults to 2.0; ``Auth.Authorizer: NONE`` lifts the API's
``DefaultAuthorizer``. A ``RequestModel`` without ``ValidateBody`` /
``ValidateParameters`` validates what its ``Required`` says (⚠️ inferred).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._gateway.table import Api
from . import auth
from .cfn_rest import stage_throttles, usage
from .functions import Loading
from .intrinsics import Reference
from .model import FunctionDescription, RouteDescription
from .openapi import read_definition
from .parts import (
    check_gateway_responses,
    cors_http,
    cors_rest,
    gateway_responses_sam,
    plan_of,
    schema_text,
    throttle_of,
)

__all__ = ["sam_apis"]

_IMPLICIT = {Api.REST: ("ServerlessRestApi", "Prod"), Api.HTTP: ("ServerlessHttpApi", "$default")}
#: A route's authorization type by its authorizer's type.
_KINDS = {"JWT": "JWT", "COGNITO_USER_POOLS": "COGNITO_USER_POOLS", "AWS_IAM": "AWS_IAM"}
_TYPES = {Api.REST: ("AWS::Serverless::Api", "Api", "RestApiId"),
          Api.HTTP: ("AWS::Serverless::HttpApi", "HttpApi", "ApiId")}


def _events(loading: Loading, api: Api) -> dict[str, list[tuple[FunctionDescription, str, Any]]]:
    """Each API's events (by the API's logical id): function, path for errors, properties."""
    _, event_type, key = _TYPES[api]
    found: dict[str, list[tuple[FunctionDescription, str, Any]]] = {}
    for logical_id, props in loading.resources_of("AWS::Serverless::Function"):
        for name, event in (props.get("Events") or {}).items():
            if not isinstance(event, Mapping) or event.get("Type") != event_type:
                continue
            where = f"Resources.{logical_id}.Properties.Events.{name}"
            spec = loading.resolver.resolve(event.get("Properties") or {}, f"{where}.Properties")
            target = spec.get(key)
            api_id = target.logical_id if isinstance(target, Reference) else target
            api_id = str(api_id) if api_id else _IMPLICIT[api][0]
            function = loading.function(logical_id, where)
            found.setdefault(api_id, []).append((function, where, spec))
    return found


def _settings(loading: Loading, api: Api, api_id: str) -> dict[str, Any]:
    """The API's properties over its ``Globals`` section, resolved."""
    section = _TYPES[api][1]
    merged = dict(loading.globals.get(section) or {})
    resource = loading.resolver.resources.get(api_id)
    if isinstance(resource, Mapping):
        merged.update(resource.get("Properties") or {})
    return dict(loading.resolver.resolve(merged, f"Resources.{api_id}.Properties"))


def _event_route(
    api: Api, settings: Mapping[str, Any], function: FunctionDescription, spec: Mapping[str, Any],
    models: Mapping[str, str], throttles: Mapping[tuple[str, str], Any], types: Mapping[str, str],
) -> RouteDescription:
    api_auth = settings.get("Auth") or {}
    own = spec.get("Auth") or {}
    authorizer = own.get("Authorizer", api_auth.get("DefaultAuthorizer"))
    authorizer = None if authorizer in (None, "NONE") else str(authorizer)
    method = str(spec.get("Method", "any")).upper()
    path = str(spec.get("Path", "$default" if api is Api.HTTP else "/"))
    timeout = spec.get("TimeoutInMillis")
    request = spec.get("RequestModel") or {}
    required = bool(request.get("Required", False))
    parameters: list[str] = []
    for item in spec.get("RequestParameters") or ():
        if isinstance(item, str):
            parameters.append(item)
        elif isinstance(item, Mapping):
            parameters += [str(k) for k, v in item.items()
                           if isinstance(v, Mapping) and v.get("Required")]
    route = path if api is Api.REST or path == "$default" else f"{method} {path}"
    return RouteDescription(
        route=route, method=method, path=path, function=function,
        integration_timeout=None if timeout is None else int(str(timeout)) / 1000,
        payload_format=str(spec.get("PayloadFormatVersion", "2.0")) if api is Api.HTTP else None,
        authorizer=authorizer,
        authorization_type="NONE" if authorizer is None else _KINDS.get(
            types.get(authorizer, authorizer), "CUSTOM"),
        authorization_scopes=tuple(map(str, own.get("AuthorizationScopes") or ())),
        api_key_required=bool(own.get("ApiKeyRequired", api_auth.get("ApiKeyRequired", False))),
        validate_body=bool(request.get("ValidateBody", required)) if request else False,
        validate_parameters=bool(request.get("ValidateParameters", required)) if request else False,
        required_parameters=tuple(parameters),
        request_model=models.get(str(request.get("Model"))) if request else None,
        throttle=throttles.get((path, method)),
    )


def _route_of(key: str) -> tuple[str, str]:
    """(path, method) of an HTTP API route key."""
    method, _, path = key.partition(" ")
    return (path, method.upper()) if path else (key, "ANY")


def _usage(loading: Loading, api_id: str, settings: Mapping[str, Any], stage: str
           ) -> tuple[dict[str, Any], dict[str, str]]:
    plans, keys = usage(loading, api_id, stage)
    spec = (settings.get("Auth") or {}).get("UsagePlan") or {}
    create = str(spec.get("CreateUsagePlan", "NONE")).upper()
    if create in ("PER_API", "SHARED"):
        prefix = api_id if create == "PER_API" else "Serverless"
        name = str(spec.get("UsagePlanName") or f"{prefix}UsagePlan")
        plans[name] = plan_of(loading, spec, f"Resources.{api_id}.Properties.Auth.UsagePlan")
        keys[f"{prefix}ApiKey"] = name
    return plans, keys


def _one_api(loading: Loading, api: Api, api_id: str, events: list[Any], stage: str | None
             ) -> dict[str, Any]:
    settings = _settings(loading, api, api_id)
    where = f"Resources.{api_id}.Properties"
    stage_name = stage or str(settings.get("StageName", _IMPLICIT[api][1]))
    models = {str(name): schema_text(loading, schema, f"{where}.Models.{name}")
              for name, schema in (settings.get("Models") or {}).items()}
    if api is Api.REST:
        default, throttles = stage_throttles(settings.get("MethodSettings"))
    else:
        default = throttle_of(settings.get("DefaultRouteSettings"))
        throttles = {_route_of(str(k)): t for k, v in (settings.get("RouteSettings") or {}).items()
                     if (t := throttle_of(v)) is not None}
    authorizers = {
        str(name): auth.from_sam(loading, api, str(name), spec, f"{where}.Auth.Authorizers.{name}")
        for name, spec in ((settings.get("Auth") or {}).get("Authorizers") or {}).items()
    }
    types = {name: described.type for name, described in authorizers.items()}
    routes = [_event_route(api, settings, function, spec, models, throttles, types)
              for function, _, spec in events]
    fields: dict[str, Any] = {"name": settings.get("Name")}
    body = settings.get("DefinitionBody")
    if isinstance(body, Mapping):
        definition = read_definition(loading, api, body, f"{where}.DefinitionBody")
        routes = definition.routes + routes
        authorizers = {**definition.authorizers, **authorizers}
        fields.update(name=fields["name"] or definition.name,
                      binary_media_types=definition.binary_media_types,
                      gateway_responses=definition.gateway_responses, cors=definition.cors)
    if api is Api.REST:
        fields.update(_rest_fields(loading, settings, where))
        fields["plans"], fields["keys"] = _usage(loading, api_id, settings, stage_name)
    elif "CorsConfiguration" in settings:
        fields["cors"] = cors_http(settings["CorsConfiguration"])
    return {**fields, "logical_id": api_id, "stage": stage_name, "routes": routes,
            "authorizers": authorizers, "throttle": default, "kind": api}


def _rest_fields(loading: Loading, settings: Mapping[str, Any], where: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if settings.get("BinaryMediaTypes"):
        fields["binary_media_types"] = tuple(
            str(m).replace("~1", "/") for m in settings["BinaryMediaTypes"]
        )
    if settings.get("GatewayResponses"):
        fields["gateway_responses"] = check_gateway_responses(
            loading, gateway_responses_sam(settings["GatewayResponses"]),
            f"{where}.GatewayResponses",
        )
    if "Cors" in settings:
        fields["cors"] = cors_rest(settings["Cors"])
    if settings.get("ApiKeySourceType"):
        fields["api_key_source"] = str(settings["ApiKeySourceType"])
    return fields


def sam_apis(loading: Loading, stage: str | None) -> list[dict[str, Any]]:
    """Each SAM API, explicit or implicit, as the fields of its description."""
    found = []
    for api in (Api.REST, Api.HTTP):
        events = _events(loading, api)
        ids = [i for i, _ in loading.resources_of(_TYPES[api][0])]
        ids += [i for i in events if i not in ids]
        for api_id in ids:
            if api_id not in loading.resolver.resources and api_id != _IMPLICIT[api][0]:
                where = events[api_id][0][1]
                raise loading.resolver.fail(
                    where, f"the event's API {api_id!r} is no {_TYPES[api][0]} of this template"
                )
            found.append(_one_api(loading, api, api_id, events.get(api_id, []), stage))
    return found
