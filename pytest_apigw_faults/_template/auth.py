"""Authorizers as templates declare them, to :class:`AuthorizerDescription`.

A Lambda authorizer whose function is in the template carries a ready
:class:`LambdaAuthorizer` (its handler, type, identity sources, validation
expression, result TTL and, HTTP API, payload format and simple
responses). JWT authorizers keep their issuer and audience (the keys are
given at run time, :meth:`AuthorizerDescription.jwt`); Cognito and IAM
authorizers are plain data. Defaults: a REST Lambda authorizer's identity
is the ``Authorization`` header and its TTL 300 s 📄 [D-REST-AUTHZ]; an
HTTP API authorizer's payload format 2.0 with simple responses off unless
set 📄 [D-HTTP-AUTHZ]; the result TTL of an ``AWS::ApiGatewayV2::Authorizer``
that sets none is 0 (⚠️ inferred: the property has no documented default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._gateway.auth.config import LambdaAuthorizer
from .._gateway.table import Api
from .functions import Loading
from .model import AuthorizerDescription

__all__ = ["from_cfn", "from_openapi", "from_sam", "lambda_authorizer"]

_DEFAULT_SOURCE = {Api.REST: "method.request.header.Authorization",
                   Api.HTTP: "$request.header.Authorization"}


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, Sequence):
        return tuple(str(v) for v in value)
    return (str(value),)


def lambda_authorizer(
    loading: Loading, api: Api, name: str, settings: Mapping[str, Any], path: str
) -> AuthorizerDescription:
    """A Lambda authorizer from normalised ``settings``: ``type``,
    ``function`` (a URI, an ARN or a ``Ref``), ``identity`` (sources),
    ``validation``, ``ttl``, ``payload``, ``simple``."""
    kind = str(settings.get("type") or ("TOKEN" if api is Api.REST else "REQUEST")).upper()
    identity = _strings(settings.get("identity")) or (
        (_DEFAULT_SOURCE[api],) if kind == "TOKEN" or api is Api.HTTP else ()
    )
    function = loading.function_of(settings.get("function"), path)
    ttl = settings.get("ttl")
    ttl_seconds = 300 if ttl is None else int(str(ttl))
    authorizer = None
    if function is not None:
        http = api is Api.HTTP
        payload = str(settings.get("payload") or "2.0")
        simple = settings.get("simple")
        authorizer = LambdaAuthorizer(
            handler=function.handler,
            type=kind,
            identity_source=list(identity) or None,
            validation_expression=settings.get("validation") or None,
            ttl=ttl_seconds,
            payload=payload if http else "2.0",
            simple_responses=(bool(simple) if simple is not None else None) if http else None,
            timeout=function.timeout,
        )
    return AuthorizerDescription(
        name=name, type=kind, identity_source=identity, authorizer=authorizer, function=function
    )


def _jwt(name: str, config: Mapping[str, Any], identity: object, scopes: object = None
         ) -> AuthorizerDescription:
    lowered = {str(k).lower(): v for k, v in config.items()}
    return AuthorizerDescription(
        name=name,
        type="JWT",
        identity_source=_strings(identity) or (_DEFAULT_SOURCE[Api.HTTP],),
        issuer=None if lowered.get("issuer") is None else str(lowered["issuer"]),
        audience=_strings(lowered.get("audience")),
        scopes=_strings(scopes),
    )


def from_sam(
    loading: Loading, api: Api, name: str, spec: Mapping[str, Any], path: str
) -> AuthorizerDescription:
    """One entry of a SAM ``Auth.Authorizers`` (resolved)."""
    if "JwtConfiguration" in spec:
        return _jwt(name, spec["JwtConfiguration"], spec.get("IdentitySource"),
                    spec.get("AuthorizationScopes"))
    given = spec.get("Identity")
    identity: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    if "UserPoolArn" in spec:
        header = identity.get("Header", "Authorization")
        return AuthorizerDescription(
            name=name, type="COGNITO_USER_POOLS",
            identity_source=(f"method.request.header.{header}",),
            user_pool_arns=_strings(spec["UserPoolArn"]),
            scopes=_strings(spec.get("AuthorizationScopes")),
        )
    if api is Api.REST:
        kind = str(spec.get("FunctionPayloadType", "TOKEN")).upper()
        prefix = "method.request."
    else:
        kind, prefix = "REQUEST", "$request."
    sources = [f"{prefix}header.{identity['Header']}"] if "Header" in identity else []
    http = api is Api.HTTP
    for key, where in (("Headers", "header"), ("QueryStrings", "querystring"),
                       ("StageVariables", "stageVariables"), ("Context", "context")):
        request = where in ("header", "querystring")
        head = prefix if request else ("$" if http else "")
        sources += [f"{head}{where}.{item}" for item in _strings(identity.get(key))]
    settings = {
        "type": kind,
        "function": spec.get("FunctionArn"),
        "identity": sources,
        "validation": identity.get("ValidationExpression"),
        "ttl": identity.get("ReauthorizeEvery"),
        "payload": spec.get("AuthorizerPayloadFormatVersion"),
        "simple": spec.get("EnableSimpleResponses"),
    }
    return lambda_authorizer(loading, api, name, settings, path)


def from_cfn(
    loading: Loading, api: Api, name: str, spec: Mapping[str, Any], path: str
) -> AuthorizerDescription:
    """An ``AWS::ApiGateway::Authorizer`` or ``AWS::ApiGatewayV2::Authorizer`` (resolved)."""
    kind = str(spec.get("Type") or spec.get("AuthorizerType") or "TOKEN").upper()
    label = str(spec.get("Name") or name)
    if kind == "JWT":
        return _jwt(label, spec.get("JwtConfiguration") or {}, spec.get("IdentitySource"))
    if kind == "COGNITO_USER_POOLS":
        return AuthorizerDescription(
            name=label, type=kind, identity_source=_strings(spec.get("IdentitySource")),
            user_pool_arns=_strings(spec.get("ProviderARNs")),
        )
    ttl = spec.get("AuthorizerResultTtlInSeconds")
    settings = {
        "type": kind,
        "function": spec.get("AuthorizerUri"),
        "identity": spec.get("IdentitySource"),
        "validation": spec.get("IdentityValidationExpression"),
        "ttl": ttl if ttl is not None or api is Api.REST else 0,
        "payload": spec.get("AuthorizerPayloadFormatVersion"),
        "simple": spec.get("EnableSimpleResponses"),
    }
    return lambda_authorizer(loading, api, label, settings, path)


def from_openapi(
    loading: Loading, api: Api, name: str, scheme: Mapping[str, Any], path: str
) -> AuthorizerDescription | None:
    """A security scheme with ``x-amazon-apigateway-authorizer`` (resolved);
    ``None`` for another scheme (an API key, ``sigv4``: IAM)."""
    spec = scheme.get("x-amazon-apigateway-authorizer")
    if scheme.get("x-amazon-apigateway-authtype") == "awsSigv4":
        return AuthorizerDescription(name=name, type="AWS_IAM")
    if not isinstance(spec, Mapping):
        return None
    kind = str(spec.get("type", "token")).upper()
    if kind == "JWT":
        return _jwt(name, spec.get("jwtConfiguration") or {}, spec.get("identitySource"))
    if kind == "COGNITO_USER_POOLS":
        return AuthorizerDescription(
            name=name, type=kind, user_pool_arns=_strings(spec.get("providerARNs")),
            identity_source=(f"method.request.header.{scheme.get('name', 'Authorization')}",),
        )
    identity = spec.get("identitySource")
    if identity is None and kind == "TOKEN" and scheme.get("in") == "header":
        identity = f"method.request.header.{scheme.get('name', 'Authorization')}"
    settings = {
        "type": kind,
        "function": spec.get("authorizerUri"),
        "identity": identity,
        "validation": spec.get("identityValidationExpression"),
        "ttl": spec.get("authorizerResultTtlInSeconds"),
        "payload": spec.get("authorizerPayloadFormatVersion"),
        "simple": spec.get("enableSimpleResponses"),
    }
    return lambda_authorizer(loading, api, name, settings, path)
