"""An HTTP API's JWT authorizer: what a test declares, and the token checks
API Gateway makes, in its documented order [D-HTTP-JWT]:

1. the identity source holds the token, alone or after ``Bearer``;
2. the token decodes;
3. its algorithm (RSA only) and signature, by the JWKS key its ``kid`` names;
4. its claims: ``iss`` is the issuer; ``aud`` (or, only when there is no
   ``aud``, ``client_id``) one of the audience entries; ``exp`` after the
   current time, ``nbf`` and ``iat`` before it;
5. when the route has authorization scopes, ``scope`` (or ``scp``) holds at
   least one of them.

A missing token is the HTTP API's 401 ``unauthorized`` row; a rejected one
the 401 ``jwt_rejected`` row with its ``www-authenticate`` header [D-JWT],
and a token without the route's scopes a 403. Only the audience's
``error_description`` is documented ("the token does not have a valid
audience" [D-JWT]); the others follow its wording (⚠️ not captured), and
so does the 403's ``insufficient_scope`` header (⚠️ RFC 6750 §3.1's form,
not captured). The current time is the fault's clock (the request's
arrival), so a token expires on virtual time too.

PyJWT (the ``jwt`` extra) is imported only when a token is checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ApigwFaultError
from ..scenario import Api

__all__ = [
    "JwtAuthorizer",
    "Rejection",
    "bare",
    "check_jwt_authorizer",
    "pyjwt",
    "signed_claims",
    "untimely",
    "verify",
]

_EXTRA = "pip install 'pytest-apigw-faults[jwt]'"
#: The algorithms a JWT authorizer takes: RSA-based only [D-HTTP-JWT].
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
#: Why a token is rejected (``error_description``): only ``audience`` is
#: documented [D-JWT]; the others are written the same way (⚠️).
DESCRIPTIONS = {
    "malformed": "the token is malformed",
    "signature": "the token does not have a valid signature",
    "issuer": "the token does not have a valid issuer",
    "audience": "the token does not have a valid audience",
    "expired": "the token has expired",
    "not_before": "the token is not valid yet",
    "issued_at": "the token was issued in the future",
    "scope": "the token does not have the required scopes",
    # A REST Cognito authorizer's reasons: call.auth.reason, never on the wire.
    "validation": "the token's aud does not match the token validation expression",
    "id_token": "the method has no scopes: it takes an ID token",
    "access_token": "the method has scopes: it takes an access token",
}


@dataclass(frozen=True)
class JwtAuthorizer:
    """A JWT authorizer in front of an HTTP API's route (``authorizer=``).

    ``issuer``: the ``iss`` a token must carry. ``audience``: the entries one
    of which the token's ``aud`` (or ``client_id``, when it has no ``aud``)
    must be. ``jwks``: the issuer's public keys, a JWKS dict
    (``{"keys": [...]}``; :class:`JwtKeys` makes one). ``identity_source``:
    where the token is (``$request.header.Authorization`` by default).
    ``scopes``: the route's authorization scopes; when given, a token needs
    one of them in its ``scope`` (or ``scp``) claim, else 403.
    """

    issuer: str
    audience: Sequence[str]
    jwks: Mapping[str, Any]
    identity_source: str = "$request.header.Authorization"
    scopes: Sequence[str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.issuer, str) or not self.issuer:
            raise ApigwFaultError(
                f"JwtAuthorizer issuer={self.issuer!r}: the issuer URL, a non-empty string"
            )
        audience = self.audience
        if isinstance(audience, str) or not _strings(audience) or not audience:
            raise ApigwFaultError(
                f"JwtAuthorizer audience={audience!r}: a list of one or more audience"
                " strings (client ids)"
            )
        keys = self.jwks.get("keys") if isinstance(self.jwks, Mapping) else None
        if not isinstance(keys, list) or not keys or not all(isinstance(k, Mapping) for k in keys):
            raise ApigwFaultError(
                'JwtAuthorizer jwks= takes a JWKS dict {"keys": [{"kty": "RSA", "kid": ...,'
                ' "n": ..., "e": ...}, ...]} (JwtKeys.generate().jwks makes one),'
                f" got {self.jwks!r}"
            )
        if not isinstance(self.identity_source, str):
            raise ApigwFaultError(
                f"JwtAuthorizer identity_source={self.identity_source!r}: one source, such"
                " as '$request.header.Authorization'"
            )
        scopes = self.scopes
        if scopes is not None and (isinstance(scopes, str) or not _strings(scopes) or not scopes):
            raise ApigwFaultError(
                f"JwtAuthorizer scopes={scopes!r}: a list of the route's scope names, or None"
            )


def _strings(value: object) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) and v for v in value)


def check_jwt_authorizer(value: JwtAuthorizer, api: Api | None) -> JwtAuthorizer:
    """``value``, if the fault's API takes a JWT authorizer (HTTP only)."""
    if api is not Api.HTTP:
        raise ApigwFaultError(
            "JwtAuthorizer is an HTTP API authorizer: give api='http' (a REST API's"
            " tokens go to a LambdaAuthorizer)"
        )
    from .identity import parse_identity_sources

    if len(parse_identity_sources(api, value.identity_source)) != 1:
        raise ApigwFaultError(
            f"JwtAuthorizer identity_source={value.identity_source!r}: a JWT authorizer"
            " has one identity source"
        )
    return value


@dataclass(frozen=True)
class Rejection:
    """Why a token was refused: ``reason`` a key of :data:`DESCRIPTIONS`."""

    reason: str

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.reason]


def pyjwt(kind: str = "JwtAuthorizer") -> Any:
    """PyJWT, or an error naming the extra that brings it (``kind``: who
    checks tokens with it)."""
    try:
        import jwt
    except ImportError:
        raise ApigwFaultError(
            f"a {kind} checks tokens with PyJWT, which is not installed: {_EXTRA}"
        ) from None
    return jwt


def bare(token: str) -> str:
    """``token`` without a leading ``Bearer `` (any case)."""
    return token[7:].strip() if token[:7].lower() == "bearer " else token


def verify(
    config: JwtAuthorizer, token: str, now: float
) -> tuple[dict[str, Any], list[str]] | Rejection:
    """The token's claims and scopes, or why it is rejected, at ``now``."""
    claims = signed_claims(config.jwks, bare(token), kind="JwtAuthorizer")
    if isinstance(claims, Rejection):
        return claims
    return _checked(config, claims, now)


def signed_claims(
    jwks: Mapping[str, Any], token: str, *, kind: str
) -> dict[str, Any] | Rejection:
    """The claims of ``token`` if it decodes and an RSA key of ``jwks``
    (the one its ``kid`` names) signed it; nothing else is checked yet.
    ``kind`` names the authorizer in errors."""
    jwt = pyjwt(kind)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return Rejection("malformed")
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        return Rejection("signature")
    try:
        keys = jwt.PyJWKSet.from_dict(dict(jwks)).keys
    except jwt.PyJWTError as error:
        raise ApigwFaultError(f"{kind} jwks= holds no usable key: {error}") from None
    key = next((k for k in keys if k.key_id == header.get("kid")), None)
    if key is None:
        return Rejection("signature")
    skip = ("exp", "nbf", "iat", "aud", "iss")
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[algorithm],
            options={"verify_signature": True, **{f"verify_{c}": False for c in skip}},
        )
    except jwt.InvalidSignatureError:
        return Rejection("signature")
    except jwt.PyJWTError:
        return Rejection("malformed")
    return claims if isinstance(claims, dict) else Rejection("malformed")


def untimely(claims: Mapping[str, Any], now: float) -> Rejection | None:
    """Why the token is not valid at ``now``: ``exp`` must be after it,
    ``nbf`` and ``iat`` (when present) not after it."""
    if not _number(claims.get("exp")) or claims["exp"] <= now:
        return Rejection("expired")
    for name, reason in (("nbf", "not_before"), ("iat", "issued_at")):
        if name in claims and (not _number(claims[name]) or claims[name] > now):
            return Rejection(reason)
    return None


def _checked(
    config: JwtAuthorizer, claims: dict[str, Any], now: float
) -> tuple[dict[str, Any], list[str]] | Rejection:
    if claims.get("iss") != config.issuer:
        return Rejection("issuer")
    audience = claims["aud"] if "aud" in claims else claims.get("client_id")
    given = audience if isinstance(audience, list) else [audience]
    if not any(isinstance(a, str) and a in config.audience for a in given):
        return Rejection("audience")
    if (late := untimely(claims, now)) is not None:
        return late
    granted = scopes_of(claims)
    if config.scopes is not None and not set(granted) & set(config.scopes):
        return Rejection("scope")
    return claims, granted


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def scopes_of(claims: Mapping[str, Any]) -> list[str]:
    """The token's scopes: ``scope`` (space-separated) or ``scp`` (a list or
    a string)."""
    value = claims.get("scope", claims.get("scp"))
    if isinstance(value, str):
        return value.split()
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def claim_strings(claims: Mapping[str, Any]) -> dict[str, str]:
    """The claims as the integration sees them: every value a string, a list
    as ``[a b]`` (⚠️ as users of HTTP API JWT authorizers report it, e.g.
    ``cognito:groups``; not captured here)."""

    def text(value: object) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return "[" + " ".join(text(v) for v in value) + "]"
        if isinstance(value, (int, float)):
            return str(int(value)) if float(value).is_integer() else str(value)
        return json.dumps(value, separators=(",", ":"))

    return {name: text(value) for name, value in claims.items()}
