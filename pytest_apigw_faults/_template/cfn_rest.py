"""REST APIs as CloudFormation declares them 📄 [D-CFN-APIGW]:
``AWS::ApiGateway::RestApi`` (or its ``Body``) with its ``Resource`` tree,
``Method`` (``Integration``, ``AuthorizationType``, ``AuthorizerId``,
``ApiKeyRequired``, ``RequestParameters``, ``RequestModels``,
``RequestValidatorId``), ``Stage`` (``MethodSettings``), ``Deployment``
(``StageName``), ``GatewayResponse``, ``RequestValidator``, ``Model``,
``Authorizer``, ``ApiKey``, ``UsagePlan`` and ``UsagePlanKey``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._gateway.auth.keys import UsagePlan
from .._gateway.table import Api
from . import auth
from .functions import Loading
from .intrinsics import Reference
from .model import AuthorizerDescription, RouteDescription, Throttle
from .openapi import read_definition
from .parts import check_gateway_responses, plan_of, schema_text, throttle_of

__all__ = ["rest_apis", "stage_throttles", "usage"]

_T = "AWS::ApiGateway::"


def _id(value: object) -> str | None:
    """The logical id a ``Ref`` resolved to (or a plain name)."""
    if isinstance(value, Reference):
        return value.logical_id
    return value if isinstance(value, str) else None


def _of_api(loading: Loading, kind: str, api_id: str, key: str = "RestApiId"
            ) -> list[tuple[str, Mapping[str, Any]]]:
    return [
        (logical_id, props) for logical_id, props in loading.resources_of(_T + kind)
        if _id(loading.value(logical_id, props, key)) == api_id
    ]


def usage(
    loading: Loading, api_id: str, stage: str | None
) -> tuple[dict[str, UsagePlan], dict[str, str]]:
    """The usage plans of the API's stage, by name, and their API keys
    (value to plan name)."""
    plans: dict[str, UsagePlan] = {}
    ids: dict[str, str] = {}
    for logical_id, props in loading.resources_of(_T + "UsagePlan"):
        where = f"Resources.{logical_id}.Properties"
        stages = loading.value(logical_id, props, "ApiStages") or []
        if not any(_id(s.get("ApiId")) == api_id and (stage is None or s.get("Stage") in
                   (None, stage)) for s in stages if isinstance(s, Mapping)):
            continue
        resolved = loading.resolver.resolve(dict(props), where)
        name = str(resolved.get("UsagePlanName") or logical_id)
        plans[name] = plan_of(loading, resolved, where)
        ids[logical_id] = name
    keys: dict[str, str] = {}
    for logical_id, props in loading.resources_of(_T + "UsagePlanKey"):
        plan = ids.get(_id(loading.value(logical_id, props, "UsagePlanId")) or "")
        key_id = _id(loading.value(logical_id, props, "KeyId"))
        key = loading.resolver.resources.get(key_id or "")
        if plan is None or not isinstance(key, Mapping) or not loading.resolver.active(
            key_id or ""
        ):
            continue
        key_props = key.get("Properties") or {}
        assert key_id is not None
        if loading.value(key_id, key_props, "Enabled") in (False, "false"):
            continue
        value = loading.value(key_id, key_props, "Value")
        keys[str(value) if value is not None else key_id] = plan
    return plans, keys


def stage_throttles(settings: object) -> tuple[Throttle | None, dict[tuple[str, str], Throttle]]:
    """A stage's ``MethodSettings``: its default throttle (``/*`` ``*``)
    and each method's, by (resource path, method)."""
    default, methods = None, {}
    for item in settings if isinstance(settings, list) else ():
        throttle = throttle_of(item)
        if not isinstance(item, Mapping) or throttle is None:
            continue
        where = (str(item.get("ResourcePath", "/*")), str(item.get("HttpMethod", "*")).upper())
        if where == ("/*", "*"):
            default = throttle
        else:
            methods[where] = throttle
    return default, methods


def _path_of(loading: Loading, api_id: str, resource: object, seen: int = 0) -> str:
    if isinstance(resource, Reference) and resource.attribute == "RootResourceId":
        return "/"
    logical_id = _id(resource)
    node = loading.resolver.resources.get(logical_id or "")
    if not isinstance(node, Mapping) or node.get("Type") != _T + "Resource" or seen > 64:
        raise loading.resolver.fail(
            f"Resources.{logical_id}", "not a resource of the REST API's tree"
        )
    assert logical_id is not None
    props = node.get("Properties") or {}
    parent = _path_of(loading, api_id, loading.value(logical_id, props, "ParentId"), seen + 1)
    part = loading.value(logical_id, props, "PathPart")
    return f"{parent.rstrip('/')}/{part}"


def _method(loading: Loading, api_id: str, logical_id: str, props: Mapping[str, Any],
            throttles: Mapping[tuple[str, str], Throttle]) -> RouteDescription:
    where = f"Resources.{logical_id}.Properties"
    resolved = loading.resolver.resolve(dict(props), where)
    path = _path_of(loading, api_id, resolved.get("ResourceId"))
    method = str(resolved.get("HttpMethod", "ANY")).upper()
    integration = resolved.get("Integration") or {}
    kind = str(integration.get("Type", "MOCK")).upper()
    uri = integration.get("Uri")
    function = loading.function_of(uri, f"{where}.Integration.Uri") if kind == "AWS_PROXY" else None
    validator = loading.resolver.resources.get(_id(resolved.get("RequestValidatorId")) or "")
    checks = (validator.get("Properties") or {}) if isinstance(validator, Mapping) else {}
    checks = loading.resolver.resolve(dict(checks), f"{where}.RequestValidatorId")
    parameters = resolved.get("RequestParameters") or {}
    timeout = integration.get("TimeoutInMillis")
    return RouteDescription(
        route=path, method=method, path=path, integration=kind, function=function,
        uri=None if uri is None else str(uri),
        integration_timeout=None if timeout is None else int(str(timeout)) / 1000,
        authorizer=_id(resolved.get("AuthorizerId")),
        authorization_type=str(resolved.get("AuthorizationType", "NONE")).upper(),
        authorization_scopes=tuple(map(str, resolved.get("AuthorizationScopes") or ())),
        api_key_required=str(resolved.get("ApiKeyRequired", False)).lower() == "true",
        validate_body=str(checks.get("ValidateRequestBody", False)).lower() == "true",
        validate_parameters=str(checks.get("ValidateRequestParameters", False)).lower() == "true",
        required_parameters=tuple(
            str(k) for k, v in parameters.items() if str(v).lower() == "true"
        ),
        request_model=_model(loading, api_id, resolved.get("RequestModels"), where),
        throttle=throttles.get((path, method)),
    )


def _model(loading: Loading, api_id: str, models: object, where: str) -> str | None:
    if not isinstance(models, Mapping) or not models:
        return None
    chosen = models.get("application/json", next(iter(models.values())))
    named = str(chosen)
    for logical_id, props in _of_api(loading, "Model", api_id):
        if named in (logical_id, loading.value(logical_id, props, "Name")):
            schema = loading.value(logical_id, props, "Schema")
            return schema_text(loading, schema, f"Resources.{logical_id}.Properties.Schema")
    raise loading.resolver.fail(f"{where}.RequestModels", f"no model {named!r} of this API")


def _stage(loading: Loading, api_id: str, wanted: str | None) -> tuple[str | None, object]:
    """The stage's name and its ``MethodSettings`` (``wanted``: by name)."""
    stages = [(loading.value(i, p, "StageName"), loading.value(i, p, "MethodSettings"))
              for i, p in _of_api(loading, "Stage", api_id)]
    stages += [(loading.value(i, p, "StageName"), None)
               for i, p in _of_api(loading, "Deployment", api_id)
               if loading.value(i, p, "StageName") is not None]
    for name, settings in stages:
        if wanted is None or name == wanted:
            return (None if name is None else str(name)), settings
    if wanted is not None and stages:
        names = ", ".join(str(n) for n, _ in stages)
        raise loading.resolver.fail(
            f"Resources.{api_id}", f"stage={wanted!r} is not a stage of this API ({names})"
        )
    return wanted, None


def rest_apis(loading: Loading, stage: str | None) -> list[dict[str, Any]]:
    """Each ``AWS::ApiGateway::RestApi``, as the fields of its description."""
    found = []
    for api_id, props in loading.resources_of(_T + "RestApi"):
        where = f"Resources.{api_id}.Properties"
        stage_name, settings = _stage(loading, api_id, stage)
        default, throttles = stage_throttles(settings)
        authorizers: dict[str, AuthorizerDescription] = {}
        for logical_id, spec in _of_api(loading, "Authorizer", api_id):
            resolved = loading.resolver.resolve(dict(spec), f"Resources.{logical_id}.Properties")
            authorizers[logical_id] = auth.from_cfn(
                loading, Api.REST, logical_id, resolved, f"Resources.{logical_id}"
            )
        routes = [_method(loading, api_id, i, p, throttles)
                  for i, p in _of_api(loading, "Method", api_id)]
        fields: dict[str, Any] = {"name": loading.value(api_id, props, "Name")}
        body = loading.value(api_id, props, "Body")
        if isinstance(body, Mapping):
            definition = read_definition(loading, Api.REST, body, f"{where}.Body")
            routes = definition.routes + routes
            authorizers.update(definition.authorizers)
            fields.update(binary_media_types=definition.binary_media_types,
                          gateway_responses=definition.gateway_responses,
                          name=fields["name"] or definition.name)
            if definition.api_key_source:
                fields["api_key_source"] = definition.api_key_source
        fields.update(_api_settings(loading, api_id, props, where))
        plans, keys = usage(loading, api_id, stage_name)
        found.append({**fields, "logical_id": api_id, "stage": stage_name, "routes": routes,
                      "authorizers": authorizers, "throttle": default, "plans": plans,
                      "keys": keys})
    return found


def _api_settings(
    loading: Loading, api_id: str, props: Mapping[str, Any], where: str
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    media = loading.value(api_id, props, "BinaryMediaTypes")
    if media:
        fields["binary_media_types"] = tuple(str(m).replace("~1", "/") for m in media)
    source = loading.value(api_id, props, "ApiKeySourceType")
    if source:
        fields["api_key_source"] = str(source)
    responses: dict[str, Any] = {}
    for logical_id, spec in _of_api(loading, "GatewayResponse", api_id):
        resolved = loading.resolver.resolve(dict(spec), f"Resources.{logical_id}.Properties")
        entry = {key: resolved[cfn] for key, cfn in (
            ("statusCode", "StatusCode"), ("responseParameters", "ResponseParameters"),
            ("responseTemplates", "ResponseTemplates")) if cfn in resolved}
        responses[str(resolved.get("ResponseType"))] = entry
    if responses:
        fields["gateway_responses"] = check_gateway_responses(
            loading, responses, f"Resources.{api_id} (its GatewayResponse resources)"
        )
    return fields
