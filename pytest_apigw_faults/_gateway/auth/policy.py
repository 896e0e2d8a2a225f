"""The IAM policy a Lambda authorizer returns, evaluated as API Gateway does.

Sources: the authorizer output page [D-AUTHZ-OUT] (``principalId``,
``policyDocument`` with ``execute-api:Invoke`` statements, ``context`` of
string, number and boolean values, ``usageIdentifierKey``) and the execute-api
policy statement reference [D-EXEC-POLICY]: a resource is a method ARN
``arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{path}``
in which ``*`` matches any run of characters and ``?`` one character; an
explicit ``Deny`` wins over any ``Allow``; no matching ``Allow`` is an
implicit deny. The reference's access-denied row [LOIGE] gives the two REST
bodies: ``…access this resource with an explicit deny`` and, for the
implicit deny, ``…access this resource``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Literal

__all__ = [
    "ALLOW", "EXPLICIT_DENY", "IMPLICIT_DENY", "PolicyError", "evaluate", "method_arn", "wildcard",
]

Verdict = Literal["allow", "explicit_deny", "implicit_deny"]
ALLOW: Verdict = "allow"
EXPLICIT_DENY: Verdict = "explicit_deny"
IMPLICIT_DENY: Verdict = "implicit_deny"


class PolicyError(ValueError):
    """The authorizer's answer is not a policy API Gateway can use: the
    request ends in ``authorizer_configuration_error``."""


def method_arn(region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    """The ARN of the method a request calls: ``path`` is the request's path
    inside the stage (``/orders/1``); the ARN keeps it without its leading
    slash, so the stage's root ends ``/GET/`` [D-AUTHZ-OUT]."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


@functools.lru_cache(maxsize=512)
def wildcard(text: str) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters, ``?`` one; the rest
    literal; matched whole, case-sensitively (resources) [D-EXEC-POLICY]."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile("".join(parts), re.DOTALL)


def _strings(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"a statement's {what} must be a string or a list of strings: {value!r}")


def _matches(statement: Mapping[str, object], arn: str) -> bool:
    actions = _strings(statement.get("Action"), "Action")
    resources = _strings(statement.get("Resource"), "Resource")
    # Action names are case-insensitive in IAM.
    acted = any(
        wildcard(a.lower()).fullmatch("execute-api:invoke") is not None for a in actions
    )
    return acted and any(wildcard(r).fullmatch(arn) is not None for r in resources)


def evaluate(document: object, arn: str) -> Verdict:
    """Whether ``document`` (the ``policyDocument``) lets the caller invoke
    the method ``arn``. A document without a ``Statement`` list, or a
    statement without ``Effect`` ``Allow``/``Deny``, ``Action`` or
    ``Resource``, raises :class:`PolicyError`."""
    if not isinstance(document, Mapping):
        raise PolicyError(f"policyDocument must be an object, got {document!r}")
    statements = document.get("Statement")
    if isinstance(statements, Mapping):  # IAM takes a single statement too
        statements = [statements]
    if not isinstance(statements, list):
        raise PolicyError(f"policyDocument has no Statement list: {document!r}")
    allowed = False
    for statement in statements:
        if not isinstance(statement, Mapping):
            raise PolicyError(f"a Statement must be an object, got {statement!r}")
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyError(f"a statement's Effect must be Allow or Deny, got {effect!r}")
        if _matches(statement, arn):
            if effect == "Deny":
                return EXPLICIT_DENY
            allowed = True
    return ALLOW if allowed else IMPLICIT_DENY
