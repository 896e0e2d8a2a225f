"""The API-wide settings every loader reads the same way: gateway
responses, CORS, throttles, usage plans and API keys, request models.

SAM's shapes 📄 [D-SAM-API][D-SAM-HTTPAPI]: ``Cors`` values are quoted
(``"'*'"``) as in a method response mapping; ``GatewayResponses`` carry
``ResponseParameters.Headers``; ``Auth.UsagePlan.CreateUsagePlan``
``PER_API`` makes ``<Api>UsagePlan`` and ``<Api>ApiKey``, ``SHARED`` makes
``ServerlessUsagePlan`` and ``ServerlessApiKey``. An API key whose value
AWS generates (no ``Value``) is known locally by its logical id (⚠️ a
local choice: present that value in ``x-api-key``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._gateway.auth.keys import ApiKeys, UsagePlan
from .._gateway.custom import GatewayResponses
from .._gateway.errors import ApigwFaultError
from .functions import Loading
from .model import Cors, Throttle, freeze

__all__ = [
    "check_gateway_responses",
    "cors_http",
    "cors_rest",
    "gateway_responses_sam",
    "plan_of",
    "schema_text",
    "strings",
    "throttle_of",
]


def strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def check_gateway_responses(
    loading: Loading, responses: Mapping[str, Any], path: str
) -> Mapping[str, Any] | None:
    """The gateway responses map, checked as ``gateway_responses=`` checks it."""
    if not responses:
        return None
    frozen = freeze(responses)
    try:
        GatewayResponses({"x-amazon-apigateway-gateway-responses": frozen})
    except ApigwFaultError as error:
        raise loading.resolver.fail(path, str(error)) from None
    frozen_map: Mapping[str, Any] = frozen
    return frozen_map


def gateway_responses_sam(spec: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's ``GatewayResponses`` as the OpenAPI extension's map."""
    found: dict[str, Any] = {}
    for kind, settings in spec.items():
        entry: dict[str, Any] = {}
        settings = settings if isinstance(settings, Mapping) else {}
        if "StatusCode" in settings:
            entry["statusCode"] = str(settings["StatusCode"])
        parameters = settings.get("ResponseParameters") or {}
        headers = parameters.get("Headers") if isinstance(parameters, Mapping) else None
        if isinstance(headers, Mapping):
            entry["responseParameters"] = {
                f"gatewayresponse.header.{name}": value for name, value in headers.items()
            }
        if "ResponseTemplates" in settings:
            entry["responseTemplates"] = settings["ResponseTemplates"]
        found[str(kind)] = entry
    return found


def _unquote(value: object) -> str:
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


def _split(value: object) -> tuple[str, ...]:
    return tuple(part.strip() for part in _unquote(value).split(",") if part.strip())


def cors_rest(value: object) -> Cors | None:
    """SAM ``Cors`` of a REST API: a quoted origin, or the mapping."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        return Cors(allow_origins=_split(value))
    age = value.get("MaxAge")
    return Cors(
        allow_origins=_split(value.get("AllowOrigin", "")),
        allow_methods=_split(value.get("AllowMethods", "")),
        allow_headers=_split(value.get("AllowHeaders", "")),
        max_age=None if age is None else int(_unquote(age)),
        allow_credentials=None if "AllowCredentials" not in value
        else bool(value["AllowCredentials"]),
    )


def cors_http(value: object) -> Cors | None:
    """An HTTP API's ``CorsConfiguration`` (SAM: also ``true``, every
    origin) or the ``x-amazon-apigateway-cors`` extension."""
    if value is None or value is False:
        return None
    if value is True:
        return Cors(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
    if not isinstance(value, Mapping):
        return None
    lowered = {str(k).lower(): v for k, v in value.items()}
    age = lowered.get("maxage")
    credentials = lowered.get("allowcredentials")
    return Cors(
        allow_origins=strings(lowered.get("alloworigins")),
        allow_methods=strings(lowered.get("allowmethods")),
        allow_headers=strings(lowered.get("allowheaders")),
        expose_headers=strings(lowered.get("exposeheaders")),
        max_age=None if age is None else int(str(age)),
        allow_credentials=None if credentials is None else str(credentials).lower() == "true",
    )


def throttle_of(settings: object) -> Throttle | None:
    """A throttle from ``ThrottlingRateLimit``/``ThrottlingBurstLimit``
    (stage settings) or ``RateLimit``/``BurstLimit`` (usage plans)."""
    if not isinstance(settings, Mapping):
        return None
    rate = settings.get("ThrottlingRateLimit", settings.get("RateLimit"))
    burst = settings.get("ThrottlingBurstLimit", settings.get("BurstLimit"))
    if rate is None and burst is None:
        return None
    return Throttle(
        rate=None if rate is None else float(str(rate)),
        burst=None if burst is None else int(str(burst)),
    )


def plan_of(loading: Loading, spec: Mapping[str, Any], path: str) -> UsagePlan:
    """A usage plan's ``Throttle`` and ``Quota`` (CloudFormation's and SAM's shape)."""
    throttle = throttle_of(spec.get("Throttle"))
    given = spec.get("Quota")
    quota: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    try:
        return UsagePlan(
            rate=None if throttle is None else throttle.rate,
            burst=None if throttle is None else throttle.burst,
            quota=None if quota.get("Limit") is None else int(str(quota["Limit"])),
            period=None if quota.get("Period") is None else str(quota["Period"]),
            offset=int(str(quota.get("Offset", 0))),
        )
    except ApigwFaultError as error:
        raise loading.resolver.fail(path, str(error)) from None


def api_keys_of(
    loading: Loading, keys: Mapping[str, str], plans: Mapping[str, UsagePlan], source: str,
    path: str,
) -> ApiKeys | None:
    """The keys (value to plan name) as :class:`ApiKeys`, or ``None`` without any."""
    if not keys:
        return None
    try:
        return ApiKeys(dict(keys), plans=dict(plans), source=source)
    except ApigwFaultError as error:
        raise loading.resolver.fail(path, str(error)) from None


def schema_text(loading: Loading, schema: object, path: str) -> str:
    """A request model's JSON Schema as JSON text, checked with jsonschema
    (imported on use; without it the schema is taken as written)."""
    if not isinstance(schema, Mapping):
        raise loading.resolver.fail(path, f"a model's schema is a mapping, got {schema!r}")
    try:
        from jsonschema import (  # type: ignore[import-untyped,unused-ignore]
            SchemaError,
            validators,
        )
    except ImportError:  # pragma: no cover - the runtime needs it to validate anyway
        return json.dumps(schema, sort_keys=True)
    try:
        validators.validator_for(schema).check_schema(schema)
    except SchemaError as error:
        raise loading.resolver.fail(path, f"not a valid JSON Schema: {error.message}") from None
    return json.dumps(schema, sort_keys=True)
