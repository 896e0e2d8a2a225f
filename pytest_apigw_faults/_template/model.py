"""What a template says of an API, as frozen data: no handler is imported
and nothing runs. The runtime reads these descriptions; each field says
which fault argument it feeds, where one exists."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .._gateway.auth.config import LambdaAuthorizer
from .._gateway.auth.jwt import JwtAuthorizer
from .._gateway.auth.keys import ApiKeys, UsagePlan
from .._gateway.errors import ApigwFaultError
from .._gateway.table import Api

__all__ = [
    "ApiDescription",
    "AuthorizerDescription",
    "Cors",
    "FunctionDescription",
    "RouteDescription",
    "Throttle",
    "freeze",
]

#: What ``integration`` says of a route whose integration is a Lambda proxy.
LAMBDA = "AWS_PROXY"


def freeze(value: Any) -> Any:
    """``value`` with its mappings read-only and its lists tuples, all the way down."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """A frozen value as plain dicts and lists again (for JSON and JSON Schema)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Throttle:
    """A stage's or a method's throttle: ``rate`` requests per second
    refilling a bucket of ``burst``; ``None`` where the template is silent."""

    rate: float | None = None
    burst: int | None = None


@dataclass(frozen=True)
class Cors:
    """An API's CORS settings as the template declares them (plain data)."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool | None = None


@dataclass(frozen=True)
class FunctionDescription:
    """A Lambda function of the template.

    ``handler``: ``"module:function"`` (the fault's ``handler=`` form), from
    the function's ``Handler`` (``src/app.handler`` is ``src.app:handler``,
    as the Python runtime reads it). ``code_root``: the folder to put on
    ``sys.path`` before importing it (``None``: the code is inline, in S3
    or an image, so not here). ``timeout`` feeds ``function_timeout=``;
    ``environment`` is set while the handler runs;
    ``reserved_concurrency`` (``ReservedConcurrentExecutions``) feeds
    ``reserved_concurrency=``.
    """

    logical_id: str
    handler: str
    code_root: str | None
    runtime: str | None = None
    timeout: float = 3.0
    memory_size: int = 128
    environment: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    inline: bool = False
    reserved_concurrency: int | None = None


@dataclass(frozen=True)
class AuthorizerDescription:
    """An authorizer the template declares, by its name in the template.

    ``type``: ``"TOKEN"``, ``"REQUEST"`` (Lambda; ``authorizer`` is the
    :class:`LambdaAuthorizer` ready for ``authorizer=``), ``"JWT"`` (see
    :meth:`jwt`), ``"COGNITO_USER_POOLS"`` or ``"AWS_IAM"`` (plain data).
    """

    name: str
    type: str
    identity_source: tuple[str, ...] = ()
    authorizer: LambdaAuthorizer | None = None
    function: FunctionDescription | None = None
    issuer: str | None = None
    audience: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    user_pool_arns: tuple[str, ...] = ()

    def jwt(self, jwks: Mapping[str, Any]) -> JwtAuthorizer:
        """This JWT authorizer for ``authorizer=``, checking tokens against
        ``jwks`` (the issuer's keys are not in the template)."""
        if self.type != "JWT" or self.issuer is None:
            raise ApigwFaultError(f"authorizer {self.name!r} is a {self.type} authorizer, not JWT")
        source = self.identity_source[0] if self.identity_source else None
        return JwtAuthorizer(
            issuer=self.issuer,
            audience=list(self.audience),
            jwks=jwks,
            **({"identity_source": source} if source else {}),
        )


@dataclass(frozen=True)
class RouteDescription:
    """One route (a REST method on a resource, or an HTTP API route).

    ``route``: what ``route=`` takes (REST ``/orders/{id}``; HTTP API
    ``GET /orders/{id}`` or ``$default``). ``integration``: ``"AWS_PROXY"``
    (a Lambda proxy, ``function`` set) or another type (``"MOCK"``,
    ``"HTTP_PROXY"``, ``"HTTP"``, ``"AWS"``) that runs no handler.
    ``integration_timeout`` (seconds) feeds ``integration_timeout=``;
    ``required_parameters`` feeds ``required_parameters=``;
    ``request_model`` is the JSON Schema of a REST request body, as JSON text.
    """

    route: str
    method: str
    path: str
    integration: str = LAMBDA
    function: FunctionDescription | None = None
    uri: str | None = None
    integration_timeout: float | None = None
    payload_format: str | None = None
    authorizer: str | None = None
    authorization_type: str = "NONE"
    authorization_scopes: tuple[str, ...] = ()
    api_key_required: bool = False
    validate_body: bool = False
    validate_parameters: bool = False
    required_parameters: tuple[str, ...] = ()
    request_model: str | None = None
    throttle: Throttle | None = None

    @property
    def handler(self) -> str | None:
        """The Lambda handler, ``"module:function"``, or ``None``."""
        return None if self.function is None else self.function.handler

    @property
    def function_timeout(self) -> float | None:
        """The Lambda's timeout in seconds (``function_timeout=``)."""
        return None if self.function is None else self.function.timeout

    def request_schema(self) -> dict[str, Any] | None:
        """The request model's JSON Schema as a new dict, or ``None``."""
        return None if self.request_model is None else dict(json.loads(self.request_model))


@dataclass(frozen=True)
class ApiDescription:
    """One API of a template: what the runtime needs to serve every route.

    ``gateway_responses`` is the ``x-amazon-apigateway-gateway-responses``
    map (what ``gateway_responses=`` takes); ``usage_plans`` and
    ``api_keys`` feed ``api_keys=``; ``authorizers`` are by name (a route's
    ``authorizer``); ``throttle`` is the stage's default throttle.
    """

    kind: Api
    logical_id: str
    name: str | None
    stage: str | None
    source: str
    routes: tuple[RouteDescription, ...] = ()
    binary_media_types: tuple[str, ...] = ()
    gateway_responses: Mapping[str, Any] | None = None
    api_key_source: str = "HEADER"
    usage_plans: Mapping[str, UsagePlan] = field(default_factory=lambda: MappingProxyType({}))
    api_keys: ApiKeys | None = None
    authorizers: Mapping[str, AuthorizerDescription] = field(
        default_factory=lambda: MappingProxyType({})
    )
    cors: Cors | None = None
    throttle: Throttle | None = None

    def route(self, key: str) -> RouteDescription:
        """The route whose ``route`` (or ``"METHOD path"``) is ``key``."""
        for route in self.routes:
            if key in (route.route, f"{route.method} {route.path}"):
                return route
        known = ", ".join(f"{r.method} {r.path}" for r in self.routes) or "none"
        raise ApigwFaultError(f"API {self.logical_id} has no route {key!r}; its routes: {known}")
