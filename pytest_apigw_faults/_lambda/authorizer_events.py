"""The event a Lambda authorizer receives, and what API Gateway makes of its
answer.

Events, as the authorizer pages document them: REST ``TOKEN``
[D-REST-AUTHZ-IN]: ``type``, ``authorizationToken``, ``methodArn``; REST
``REQUEST``: ``type``, ``methodArn``, then the proxy event's ``resource``,
``path``, ``httpMethod``, ``headers``, ``multiValueHeaders``,
``queryStringParameters``, ``multiValueQueryStringParameters``,
``pathParameters``, ``stageVariables``, ``requestContext`` (no body). HTTP
API [D-HTTP-AUTHZ]: payload 2.0 is the 2.0 event without its body, after
``version``, ``type: "REQUEST"``, ``routeArn`` and the ``identitySource``
values (a list); payload 1.0 the 1.0 event without its body, after
``version``, ``type``, ``methodArn``, ``identitySource`` and
``authorizationToken`` (both the identity values joined with ``,``).

Answers [D-AUTHZ-OUT]: ``principalId``, ``policyDocument``, ``context``
(string, number and boolean values) and ``usageIdentifierKey``; an HTTP API
with simple responses takes ``{"isAuthorized": bool, "context": {...}}``.
The integration sees the context in ``requestContext.authorizer``: REST with
``principalId`` and ``integrationLatency``, each context value as a string
(⚠️ the coercion is what the ``@types/aws-lambda`` declarations note, not a
capture); HTTP API under ``requestContext.authorizer.lambda`` [D-HTTP-AUTHZ].
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._gateway.auth.config import context_string
from .._gateway.auth.policy import PolicyError
from .._gateway.table import Api

__all__ = [
    "Answer",
    "authorizer_event",
    "parse_answer",
    "with_authorizer",
    "with_claims",
    "with_jwt",
]

_BODY_KEYS = ("body", "isBase64Encoded")


def authorizer_event(
    proxy_event: Mapping[str, Any],
    *,
    api: Api,
    kind: str,
    arn: str,
    identity: tuple[str, ...],
) -> dict[str, Any]:
    """The authorizer's event, from the proxy event API Gateway would build
    for the integration (:func:`.events.build_event`)."""
    if kind == "TOKEN":
        return {"type": "TOKEN", "authorizationToken": identity[0], "methodArn": arn}
    rest = {k: v for k, v in proxy_event.items() if k not in _BODY_KEYS and k != "version"}
    if api is Api.REST:
        return {"type": "REQUEST", "methodArn": arn, **rest}
    if proxy_event.get("version") == "2.0":
        return {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": arn,
            "identitySource": list(identity),
            **rest,
        }
    joined = ",".join(identity)
    return {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": arn,
        "identitySource": joined,
        "authorizationToken": joined,
        **rest,
    }


@dataclass(frozen=True)
class Answer:
    """An authorizer's answer, as API Gateway keeps (and caches) it: a
    simple response's ``authorized``, or an IAM ``policy`` to evaluate
    against each request's ARN."""

    principal_id: str | None
    context: Mapping[str, Any] = field(default_factory=dict)
    policy: object = None
    authorized: bool | None = None
    usage_identifier_key: str | None = None


def _context(value: object, *, strict: bool) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise PolicyError(f"context must be an object, got {value!r}")
    if strict:  # REST: string, number or boolean values only [D-AUTHZ-OUT]
        for key, item in value.items():
            if item is not None and not isinstance(item, (str, int, float, bool)):
                raise PolicyError(
                    f"context[{key!r}] is a {type(item).__name__}; values must be"
                    " strings, numbers or booleans"
                )
    return dict(value)


def parse_answer(payload: bytes, *, api: Api, simple: bool) -> Answer:
    """The answer in the authorizer's response ``payload``; raises
    :class:`PolicyError` for one API Gateway cannot use (a 500)."""
    try:
        value = json.loads(payload)
    except ValueError:
        raise PolicyError(f"the answer is not JSON: {payload[:200]!r}") from None
    if not isinstance(value, Mapping):
        raise PolicyError(f"the answer must be an object, got {value!r}")
    if simple:
        authorized = value.get("isAuthorized")
        if not isinstance(authorized, bool):
            raise PolicyError(f"isAuthorized must be true or false, got {authorized!r}")
        return Answer(None, _context(value.get("context"), strict=False), authorized=authorized)
    principal = value.get("principalId")
    if api is Api.REST and not isinstance(principal, str):
        # ⚠️ a REST authorizer's answer without principalId is taken as malformed
        raise PolicyError(f"principalId must be a string, got {principal!r}")
    if "policyDocument" not in value:
        raise PolicyError("the answer has no policyDocument")
    key = value.get("usageIdentifierKey")
    return Answer(
        principal if isinstance(principal, str) else None,
        _context(value.get("context"), strict=api is Api.REST),
        policy=value["policyDocument"],
        usage_identifier_key=key if isinstance(key, str) else None,
    )


def with_authorizer(
    event: dict[str, Any], answer: Answer, *, api: Api, latency_ms: int
) -> dict[str, Any]:
    """``event`` (the integration's) with the authorizer's answer in its
    ``requestContext.authorizer``."""
    context = event.get("requestContext")
    if not isinstance(context, dict):
        return event
    if api is Api.REST:
        value: dict[str, Any] = {k: context_string(v) for k, v in answer.context.items()}
        value["principalId"] = answer.principal_id
        value["integrationLatency"] = latency_ms
    elif event.get("version") == "2.0":
        value = {"lambda": dict(answer.context)}
    else:  # ⚠️ payload 1.0 keeps its claims and scopes keys beside lambda
        value = {"claims": None, "scopes": None, "lambda": dict(answer.context)}
    context["authorizer"] = value
    return event


def with_jwt(event: dict[str, Any], jwt: Mapping[str, Any]) -> dict[str, Any]:
    """``event`` with a JWT authorizer's ``claims`` and ``scopes``: payload
    2.0 under ``requestContext.authorizer.jwt``, 1.0 directly under
    ``requestContext.authorizer`` [D-HTTP-JWT]."""
    context = event.get("requestContext")
    if isinstance(context, dict):
        value = {"claims": dict(jwt["claims"]), "scopes": jwt["scopes"]}
        context["authorizer"] = {"jwt": value} if event.get("version") == "2.0" else value
    return event


def with_claims(event: dict[str, Any], claims: Mapping[str, str]) -> dict[str, Any]:
    """``event`` (REST) with a Cognito user pool authorizer's claims: its
    ``requestContext.authorizer`` is ``{"claims": {...}}`` and nothing else
    (:mod:`.._gateway.auth.cognito`)."""
    context = event.get("requestContext")
    if isinstance(context, dict):
        context["authorizer"] = {"claims": dict(claims)}
    return event
