"""A :class:`~.gateway_api.GatewayApi` from a template's description
(:mod:`.._template`): each route's fault arguments from what the template
declares of it, its function and its authorizer.

What a route becomes:

* an ``AWS_PROXY`` integration: its function's handler, imported from the
  function's code folder with its environment variables set
  (``_lambda.code``); ``function_timeout`` the function's ``Timeout``,
  ``integration_timeout`` the integration's ``timeoutInMillis``,
  ``payload_format`` an HTTP API integration's version;
* its authorizer: a Lambda authorizer (its function loaded the same way),
  a JWT authorizer or a Cognito user pool authorizer checked against the
  keys the test gives (``jwks=``; a template names issuers, never keys), or
  ``AWS_IAM`` with the credentials the test gives (``iam=``);
* ``api_key_required``, a body model its validator checks
  (``request_model``), a method throttle;
* any other integration (MOCK, HTTP, HTTP_PROXY, AWS), or a function whose
  code is not here or not Python: answered by the handler the test gives in
  ``handlers=`` (by route key or function logical id); without one, a call
  to it raises a clear error, never a silent answer.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from typing import Any

from .._gateway.auth.cognito import CognitoAuthorizer
from .._gateway.auth.config import LambdaAuthorizer
from .._gateway.auth.jwt import JwtAuthorizer
from .._gateway.auth.jwt_keys import JwtKeys
from .._gateway.cors import Cors
from .._gateway.errors import ApigwFaultError
from .._gateway.table import Api
from .._gateway.throttle import ACCOUNT_BURST, ACCOUNT_RATE, Throttle
from .._lambda.code import load_function

__all__ = ["Unsupported", "described_api", "route_arguments"]

Handler = Callable[[Any, Any], object]
Keys = JwtKeys | Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Unsupported:
    """A route the fake gateway cannot run: why, and how to answer it."""

    reason: str


def described_api(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    api_name: str | None,
    parameters: Mapping[str, object] | None,
    stage: str | None,
) -> Any:
    """The one API of ``source`` (or the one named ``api_name``)."""
    from .._template import load

    described = load(source, parameters=parameters, stage=stage)
    names = [d.logical_id for d in described]
    if not described:
        raise ApigwFaultError(
            f"{source}: the template declares no REST or HTTP API (a WebSocket API is"
            " WebSocketApi.from_template's)"
        )
    if api_name is None:
        if len(described) > 1:
            raise ApigwFaultError(
                f"{source} declares {len(described)} APIs: name one with api_name="
                f" ({', '.join(repr(n) for n in names)})"
            )
        return described[0]
    for description in described:
        if api_name in (description.logical_id, description.name):
            return description
    import difflib

    close = difflib.get_close_matches(api_name, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ApigwFaultError(
        f"{source} has no API {api_name!r}{hint} Its APIs: {', '.join(repr(n) for n in names)}"
    )


def api_arguments(description: Any) -> dict[str, Any]:
    """The fault arguments of the whole API (every route's unless its own)."""
    args: dict[str, Any] = {"api": description.kind}
    if description.stage is not None:
        args["stage"] = description.stage
    if description.binary_media_types:
        args["binary_media_types"] = list(description.binary_media_types)
    if description.gateway_responses:
        from .._template.model import thaw

        args["gateway_responses"] = {
            "x-amazon-apigateway-gateway-responses": thaw(description.gateway_responses)
        }
    if description.api_keys is not None:
        args["api_keys"] = description.api_keys
    if description.cors is not None:
        args["cors"] = _cors(description.cors)
    if description.throttle is not None and (
        description.throttle.rate is not None or description.throttle.burst is not None
    ):
        args["throttle"] = _throttle(description.throttle)
    return args


def _cors(cors: Any) -> Cors:
    return Cors(
        allow_origins=cors.allow_origins or "*",
        allow_methods=cors.allow_methods,
        allow_headers=cors.allow_headers,
        expose_headers=cors.expose_headers,
        max_age=cors.max_age,
        allow_credentials=bool(cors.allow_credentials),
    )


def _throttle(throttle: Any) -> Throttle:
    rate = ACCOUNT_RATE if throttle.rate is None else throttle.rate
    burst = ACCOUNT_BURST if throttle.burst is None else int(throttle.burst)
    return Throttle(rate=rate, burst=burst)


def route_arguments(
    description: Any,
    route: Any,
    handlers: Mapping[str, Handler],
    jwks: Keys | Mapping[str, Keys] | None,
    iam: Any,
) -> dict[str, Any] | Unsupported:
    """The fault arguments of one route (or why it cannot run)."""
    key = f"{route.method} {route.path}"
    function = route.function
    handler = handlers.get(key) or (handlers.get(function.logical_id) if function else None)
    if handler is None:
        handler_or_why = _template_handler(route)
        if isinstance(handler_or_why, Unsupported):
            return handler_or_why
        handler = handler_or_why
    args: dict[str, Any] = {"handler": handler, "api_key_required": route.api_key_required}
    if function is not None:
        args["function_timeout"] = function.timeout
    if route.integration_timeout is not None:
        args["integration_timeout"] = route.integration_timeout
    if route.payload_format is not None and description.kind is Api.HTTP:
        args["payload_format"] = route.payload_format
    if route.validate_body and route.request_model is not None:
        args["request_model"] = route.request_schema()
    if function is not None and function.reserved_concurrency is not None:
        args["reserved_concurrency"] = function.reserved_concurrency
    if route.validate_parameters and route.required_parameters:
        args["required_parameters"] = list(route.required_parameters)
    if route.throttle is not None and (route.throttle.rate or route.throttle.burst):
        args["throttle"] = _throttle(route.throttle)
    args.update(_auth(description, route, handlers, jwks, iam))
    return args


def _template_handler(route: Any) -> Handler | Unsupported:
    """The handler the template gives ``route``, or why there is none."""
    key = f"{route.method} {route.path}"
    function = route.function
    if route.integration != "AWS_PROXY" or function is None:
        return Unsupported(
            f"route {key!r} is a {route.integration} integration, which the fake gateway does"
            f" not run: give its answer with handlers={{{key!r}: handler}}"
        )
    runtime = function.runtime or ""
    if runtime and not runtime.startswith("python"):
        return Unsupported(
            f"route {key!r} runs function {function.logical_id} on {runtime}: give a Python"
            f" handler for it with handlers={{{function.logical_id!r}: handler}}"
        )
    return load_function(
        function.logical_id, function.handler, function.code_root, function.environment
    )


def _keys_for(name: str, jwks: Keys | Mapping[str, Keys] | None) -> Keys:
    if isinstance(jwks, Mapping) and "keys" not in jwks and name in jwks:
        return jwks[name]
    if jwks is None or (isinstance(jwks, Mapping) and "keys" not in jwks):
        raise ApigwFaultError(
            f"authorizer {name!r} checks tokens against its issuer's keys, which a template"
            " does not hold: give them with jwks= (a JwtKeys, a JWKS dict, or a dict of"
            " authorizer name to either)"
        )
    return jwks


def _auth(
    description: Any,
    route: Any,
    handlers: Mapping[str, Handler],
    jwks: Keys | Mapping[str, Keys] | None,
    iam: Any,
) -> dict[str, Any]:
    if route.authorization_type == "AWS_IAM":
        if iam is None:
            raise ApigwFaultError(
                f"route '{route.method} {route.path}' is AWS_IAM: give the callers' credentials"
                " with iam=IamAuth({...})"
            )
        return {"iam": iam}
    if route.authorizer is None:
        return {}
    found = description.authorizers.get(route.authorizer)
    if found is None:
        raise ApigwFaultError(
            f"route '{route.method} {route.path}' names authorizer {route.authorizer!r},"
            f" which the template does not declare"
        )
    scopes = list(route.authorization_scopes) or None
    if found.type in ("TOKEN", "REQUEST"):
        config: LambdaAuthorizer = found.authorizer
        function = found.function
        override = handlers.get(found.name) or (
            handlers.get(function.logical_id) if function is not None else None
        )
        if override is not None:
            return {"authorizer": dataclasses.replace(config, handler=override)}
        if function is None:
            raise ApigwFaultError(
                f"authorizer {found.name!r}: its function is not in the template; give it"
                f" with handlers={{{found.name!r}: handler}}"
            )
        handler = load_function(
            function.logical_id, function.handler, function.code_root, function.environment
        )
        return {"authorizer": dataclasses.replace(config, handler=handler)}
    keys = _keys_for(found.name, jwks)
    if found.type == "JWT":
        jwks_dict = keys.jwks if isinstance(keys, JwtKeys) else keys
        jwt: JwtAuthorizer = found.jwt(jwks_dict)
        return {"authorizer": dataclasses.replace(jwt, scopes=scopes) if scopes else jwt}
    if found.type == "COGNITO_USER_POOLS":
        return {"authorizer": CognitoAuthorizer(
            user_pool_arn=list(found.user_pool_arns), jwks=keys, scopes=scopes,
            **({"identity_source": found.identity_source[0]} if found.identity_source else {}),
        )}
    raise ApigwFaultError(f"authorizer {found.name!r}: type {found.type} is not supported")
