"""A REST API's Amazon Cognito user pool authorizer (``COGNITO_USER_POOLS``):
what a test declares, the checks API Gateway makes, and the claims the
integration sees.

The checks, for the token in the identity source (one header,
``method.request.header.Authorization`` by default [D-API-AUTHORIZER]):

- no token: 401 ``unauthorized``, the UNAUTHORIZED response [D-GRT] ✅
  (captured on the wire [CAP-COG-RBAC]: 26 B, ``UnauthorizedException``);
- the token alone ✅ [CAP-COG-RBAC], or after ``Bearer `` ⚠️ (an AWS
  workshop tests the authorizer with ``Bearer <token>`` [WS-COG]; a 2019
  report says the prefix was refused [PM-6987]);
- a token that does not decode, is not signed by a key of the pools' JWKS,
  names another issuer than one of the pools
  (``https://cognito-idp.{region}.amazonaws.com/{pool id}``), or has
  expired: 401, the same response 📄 [KC-COG-401][D-GRT]; ``nbf`` and
  ``iat`` after the current time too ⚠️ (Cognito tokens carry no ``nbf``);
- ``token_validation`` (``identityValidationExpression``): matched against
  the token's ``aud``; no match, or no ``aud`` (an access token), is 401
  📄 [D-API-AUTHORIZER] ✅ reported [RP-AUD]; the whole ``aud`` must match ⚠️;
- a method without scopes takes an ID token, and refuses an access token
  with 401 📄 [KC-COG-401][RP-SCOPES] ✅ reported [NX-828]; a method with
  ``scopes`` (``authorizationScopes``) takes an access token whose
  ``scope`` holds at least one of them [D-API-METHOD], else 401 ⚠️ (the
  same troubleshooting page [KC-COG-401]; no 403 is reported). Which kind
  a token is, is its ``token_use`` claim ⚠️.

The app client is not checked: the authorizer names only the pools
(``providerARNs`` [D-API-AUTHORIZER]). A result is cached by the token for
``ttl`` seconds (``authorizerResultTtlInSeconds``, default 300, 0 off
[D-API-AUTHORIZER][D-SAM-COG]), on the fault's clock, and never past the
token's ``exp`` ⚠️.

The integration's ``requestContext.authorizer`` is ``{"claims": {...}}``
alone: no ``principalId`` or ``integrationLatency`` ✅ [CAP-COG-RBAC]. Every
claim is a string in the token's order ✅: ``true``/``false``; a number as
its digits (``auth_time``); ``exp``, ``iat`` (and ``nbf`` ⚠️) as Java
writes a date, ``Mon Jun 15 05:56:21 UTC 2026`` ✅ [CAP-COG-RBAC]; a list's
items joined with ``,`` (``["admin"]`` is ``admin`` ✅ [CAP-COG-RBAC],
``a,b`` for two ⚠️ reported [OI-GROUPS][CHALICE-783]); an object as
compact JSON ⚠️ (one copied event's ``identities`` [STOCKIDS]).

Sources: [D-API-AUTHORIZER] https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html;
[D-API-METHOD] https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html
(authorizationScopes); [D-SAM-COG] AWS SAM, CognitoAuthorizationIdentity
(ReauthorizeEvery, ValidationExpression); [KC-COG-401]
https://repost.aws/knowledge-center/api-gateway-cognito-401-unauthorized;
[CAP-COG-RBAC] github.com/jastek69/SEIR-Serverless-SOAR Reports/rbac_test_report.md
(2026-06-15: 401s on the wire, the tokens and the events they became);
[NX-828] github.com/awslabs/nx-plugin-for-aws/pull/828 (a deployed test,
2026: no scopes, ID token 200, access token 401); [RP-SCOPES] and [RP-AUD]
re:Post answers "need access token as header in cognito" and "unable to
authorize requests to api gateway using cognito access token"; [WS-COG] an
AWS workshop's authorizer test; [PM-6987]
github.com/postmanlabs/postman-app-support/issues/6987; [OI-GROUPS]
openillumi.com on ``cognito:groups`` becoming ``group-a,group-b``;
[CHALICE-783] github.com/aws/chalice/issues/783; [STOCKIDS]
github.com/andersonlira/stockids (a copied event).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ApigwFaultError
from ..scenario import Api
from .config import MAX_TTL
from .jwt import Rejection, bare, scopes_of, signed_claims, untimely
from .jwt_keys import JwtKeys

__all__ = ["CognitoAuthorizer", "check_cognito_authorizer", "claim_strings", "verify"]

_ARN = re.compile(
    r"arn:aws[a-z-]*:cognito-idp:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d):\d{12}"
    r":userpool/(?P<pool>[a-z]{2}(?:-[a-z]+)+-\d_[0-9A-Za-z]+)"
)
_EXAMPLE = "'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Example'"
#: The claims written as a date (Java's ``Date.toString()``, in UTC).
DATE_CLAIMS = ("exp", "iat", "nbf")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class CognitoAuthorizer:
    """A Cognito user pool authorizer in front of a REST API's method
    (``authorizer=``).

    ``user_pool_arn``: the pool's ARN, or a list of them (a token from any
    of them passes). ``jwks``: the pools' public keys: a :class:`JwtKeys`,
    a JWKS dict, or a list of those. ``identity_source``: the header that
    holds the token. ``token_validation``: a regex the token's ``aud`` must
    match. ``scopes``: the method's authorization scopes; with them, an
    access token holding one of them passes, without them an ID token.
    ``ttl``: seconds a result is cached by its token (0: never).
    """

    user_pool_arn: str | Sequence[str]
    jwks: JwtKeys | Mapping[str, Any] | Sequence[JwtKeys | Mapping[str, Any]]
    identity_source: str = "method.request.header.Authorization"
    token_validation: str | None = None
    scopes: Sequence[str] | None = None
    ttl: int = 300
    issuers: tuple[str, ...] = field(init=False, repr=False)
    keys: Mapping[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "issuers", _issuers(self.user_pool_arn))
        object.__setattr__(self, "keys", _jwks(self.jwks))
        _check_source(self.identity_source)
        pattern = self.token_validation
        if pattern is not None:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as error:
                raise ApigwFaultError(
                    f"CognitoAuthorizer token_validation={pattern!r} is not a regex: {error}"
                ) from None
        scopes = self.scopes
        if scopes is not None and (
            isinstance(scopes, str)
            or not isinstance(scopes, (list, tuple))
            or not scopes
            or not all(isinstance(s, str) and s for s in scopes)
        ):
            raise ApigwFaultError(
                f"CognitoAuthorizer scopes={scopes!r}: a list of the method's scope names"
                " (such as 'orders/read'), or None"
            )
        ttl = self.ttl
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= MAX_TTL:
            raise ApigwFaultError(
                f"CognitoAuthorizer ttl={ttl!r}: whole seconds from 0 (no caching) to {MAX_TTL}"
            )


def _issuers(arns: object) -> tuple[str, ...]:
    given = [arns] if isinstance(arns, str) else arns
    if not isinstance(given, (list, tuple)) or not given:
        raise ApigwFaultError(
            f"CognitoAuthorizer user_pool_arn={arns!r}: a user pool ARN such as {_EXAMPLE},"
            " or a list of them"
        )
    issuers = []
    for arn in given:
        found = _ARN.fullmatch(arn) if isinstance(arn, str) else None
        if found is None:
            raise ApigwFaultError(
                f"CognitoAuthorizer user_pool_arn: {arn!r} is not a user pool ARN; write it"
                f" as {_EXAMPLE}"
            )
        issuers.append(f"https://cognito-idp.{found['region']}.amazonaws.com/{found['pool']}")
    return tuple(issuers)


def _jwks(value: object) -> dict[str, Any]:
    items = value if isinstance(value, (list, tuple)) else [value]
    keys: list[Any] = []
    for item in items:
        jwks = item.jwks if isinstance(item, JwtKeys) else item
        found = jwks.get("keys") if isinstance(jwks, Mapping) else None
        if not isinstance(found, list) or not found or not all(
            isinstance(k, Mapping) for k in found
        ):
            raise ApigwFaultError(
                "CognitoAuthorizer jwks= takes the pools' keys: a JwtKeys, a JWKS dict"
                ' {"keys": [{"kty": "RSA", "kid": ..., "n": ..., "e": ...}, ...]} or a list'
                f" of them, got {value!r}"
            )
        keys.extend(found)
    return {"keys": keys}


def _check_source(value: object) -> None:
    from .identity import parse_identity_sources

    prefix = "method.request.header."
    sources = parse_identity_sources(Api.REST, value) if isinstance(value, str) else ()
    if len(sources) != 1 or sources[0].location != "header":
        raise ApigwFaultError(
            f"CognitoAuthorizer identity_source={value!r}: one header, written"
            f" '{prefix}<Name>' (default '{prefix}Authorization')"
        )


def check_cognito_authorizer(value: CognitoAuthorizer, api: Api | None) -> CognitoAuthorizer:
    """``value``, if the fault's API takes it (REST only)."""
    if api is not Api.REST:
        raise ApigwFaultError(
            "CognitoAuthorizer is a REST API authorizer (COGNITO_USER_POOLS): give"
            " api='rest'. An HTTP API checks Cognito tokens with a JwtAuthorizer(issuer="
            f"{value.issuers[0]!r}, audience=[<app client id>], jwks=...)"
        )
    return value


def verify(config: CognitoAuthorizer, token: str, now: float) -> dict[str, Any] | Rejection:
    """The token's claims, if the authorizer lets it through at ``now``."""
    claims = signed_claims(config.keys, bare(token), kind="CognitoAuthorizer")
    if isinstance(claims, Rejection):
        return claims
    if claims.get("iss") not in config.issuers:
        return Rejection("issuer")
    if config.token_validation is not None:
        audience = claims.get("aud")
        given = audience if isinstance(audience, list) else [audience]
        pattern = re.compile(config.token_validation)
        if not any(isinstance(a, str) and pattern.fullmatch(a) for a in given):
            return Rejection("validation")
    if (late := untimely(claims, now)) is not None:
        return late
    kind = claims.get("token_use")
    if config.scopes is None:
        return claims if kind == "id" else Rejection("id_token")
    if kind != "access":
        return Rejection("access_token")
    if not set(scopes_of(claims)) & set(config.scopes):
        return Rejection("scope")
    return claims


def claim_strings(claims: Mapping[str, Any]) -> dict[str, str]:
    """The claims as a REST integration sees them (see the module's notes)."""
    return {name: _text(value, name in DATE_CLAIMS) for name, value in claims.items()}


def _text(value: object, date: bool = False) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if date:
            moment = time.gmtime(int(value))
            day, month = _DAYS[moment.tm_wday], _MONTHS[moment.tm_mon - 1]
            clock = time.strftime("%H:%M:%S", moment)
            return f"{day} {month} {moment.tm_mday:02d} {clock} UTC {moment.tm_year}"
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    return json.dumps(value, separators=(",", ":"))
