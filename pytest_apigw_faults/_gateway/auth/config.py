"""What a test declares of a Lambda authorizer, and what one did for a call."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import ApigwFaultError
from ..scenario import Api
from .jwt import JwtAuthorizer, check_jwt_authorizer

if TYPE_CHECKING:
    from .cognito import CognitoAuthorizer

__all__ = ["TYPES", "Authorization", "LambdaAuthorizer", "check_authorizer", "context_string"]

#: The kinds of Lambda authorizer: REST has both, an HTTP API ``REQUEST``.
TYPES = ("TOKEN", "REQUEST")
#: The largest result TTL AWS takes, in seconds [D-REST-AUTHZ].
MAX_TTL = 3600


@dataclass(frozen=True)
class LambdaAuthorizer:
    """A Lambda authorizer in front of the API (``authorizer=``).

    ``handler`` is the authorizer function: a callable ``(event, context)``
    or a ``"module:function"`` path. ``type``: ``"TOKEN"`` (REST, the
    default there) or ``"REQUEST"`` (the only kind of an HTTP API).
    ``identity_source``: where the identity is; by default the
    ``Authorization`` header (``method.request.header.Authorization`` /
    ``$request.header.Authorization``). ``validation_expression``: a TOKEN
    authorizer's regex; a token it does not match is refused 401 without
    invoking. ``ttl``: seconds a result is cached by its identity values (0:
    never). HTTP API: ``payload`` ``"2.0"`` or ``"1.0"``, and
    ``simple_responses`` (``{"isAuthorized": …}``; default on with 2.0).
    ``timeout``: the authorizer function's timeout in seconds.
    """

    handler: Callable[[Any, Any], object] | str
    type: str | None = None
    identity_source: str | Sequence[str] | None = None
    validation_expression: str | None = None
    ttl: int = 300
    payload: str = "2.0"
    simple_responses: bool | None = None
    timeout: float = 3.0

    def __post_init__(self) -> None:
        if not (callable(self.handler) or isinstance(self.handler, str)):
            raise ApigwFaultError(
                "LambdaAuthorizer(handler=) takes a callable (event, context) or a"
                f" 'module:function' string, got {self.handler!r}"
            )
        if self.type is not None and self.type not in TYPES:
            raise ApigwFaultError(
                f"LambdaAuthorizer type={self.type!r}: use 'TOKEN' or 'REQUEST'"
            )
        ttl = self.ttl
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= MAX_TTL:
            raise ApigwFaultError(
                f"LambdaAuthorizer ttl={ttl!r}: whole seconds from 0 (no caching) to {MAX_TTL}"
            )
        if self.payload not in ("1.0", "2.0"):
            raise ApigwFaultError(
                f"LambdaAuthorizer payload={self.payload!r}: use '2.0' or '1.0'"
            )
        if self.simple_responses and self.payload != "2.0":
            raise ApigwFaultError(
                "LambdaAuthorizer simple_responses=True needs payload='2.0'"
            )
        if self.validation_expression is not None:
            if self.type == "REQUEST":
                raise ApigwFaultError(
                    "LambdaAuthorizer validation_expression= is for TOKEN authorizers"
                )
            try:
                re.compile(self.validation_expression)
            except re.error as error:
                raise ApigwFaultError(
                    f"LambdaAuthorizer validation_expression={self.validation_expression!r}"
                    f" is not a regex: {error}"
                ) from None
        timeout = self.timeout
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ApigwFaultError(f"LambdaAuthorizer timeout={timeout!r}: seconds, above 0")


@dataclass(frozen=True)
class Authorization:
    """What the authorizer did for one call (``call.auth``).

    ``decision``: ``"allow"``, ``"deny"`` (403), ``"unauthorized"`` (401:
    identity missing or not valid, or the authorizer raised
    ``Unauthorized``) or ``"error"`` (500, ``authorizer_configuration_error``).
    ``invoked``: whether the function ran for this call; ``cached``: whether
    a cached result answered (``None`` when caching is off). ``event`` and
    ``log`` are the authorizer's invocation's, when it ran.
    ``resource_policy``: the API's resource policy's own verdict for the
    call (``"allow"``, ``"explicit_deny"`` or ``"implicit_deny"``; ``None``
    without ``resource_policy=`` or when it was not reached); ``decision``
    is the outcome of both. ``type`` is ``"NONE"`` when the resource policy
    decides alone.
    """

    type: str
    decision: str
    identity: tuple[str, ...] | None = None
    invoked: bool = False
    cached: bool | None = None
    principal_id: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    usage_identifier_key: str | None = None
    event: Mapping[str, Any] | None = field(default=None, repr=False)
    log: str | None = field(default=None, repr=False)
    reason: str = ""
    resource_policy: str | None = None


def context_string(value: object) -> str:
    """A REST authorizer's ``context`` value as API Gateway passes it on:
    a string (``true``/``false``, numbers as JSON writes them) [D-PROXY]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


class _Checked(Protocol):
    api: Api | None


def check_authorizer(
    value: object, context: _Checked
) -> LambdaAuthorizer | JwtAuthorizer | CognitoAuthorizer:
    """``value`` if it is a :class:`LambdaAuthorizer`, (HTTP API) a
    :class:`JwtAuthorizer` or (REST) a :class:`CognitoAuthorizer` the
    fault's API takes."""
    from .cognito import CognitoAuthorizer, check_cognito_authorizer

    if isinstance(value, JwtAuthorizer):
        return check_jwt_authorizer(value, context.api)
    if isinstance(value, CognitoAuthorizer):
        return check_cognito_authorizer(value, context.api)
    if not isinstance(value, LambdaAuthorizer):
        raise ApigwFaultError(
            "authorizer= takes a LambdaAuthorizer(handler, type='TOKEN' or 'REQUEST',"
            " identity_source=..., ttl=...), for an HTTP API a JwtAuthorizer(issuer=,"
            " audience=, jwks=), or for a REST API a CognitoAuthorizer(user_pool_arn=,"
            f" jwks=), got {type(value).__name__} {value!r}"
        )
    if context.api is None:
        raise ApigwFaultError(
            "authorizer= needs api= ('rest' or 'http'): the authorizer's event and"
            " answers depend on it"
        )
    if context.api is Api.HTTP:
        if value.type == "TOKEN":
            raise ApigwFaultError(
                "an HTTP API's Lambda authorizers are REQUEST authorizers: leave type="
                " out or write type='REQUEST'"
            )
        if value.validation_expression is not None:
            raise ApigwFaultError("validation_expression= is a REST TOKEN authorizer setting")
    elif value.payload != "2.0" or value.simple_responses is not None:
        raise ApigwFaultError(
            "payload= and simple_responses= are HTTP API authorizer settings; a REST"
            " authorizer answers with an IAM policy"
        )
    from .identity import parse_identity_sources

    if value.identity_source is not None:
        parse_identity_sources(context.api, value.identity_source)
    return value
