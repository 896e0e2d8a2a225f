"""A REST API's resource policy (``resource_policy=``) and an IAM caller's
identity policy (``IamCredentials(policy=)``), checked when the fault is made
and evaluated for each request as API Gateway does.

Sources:

* [D-RP-FLOW] https://docs.aws.amazon.com/apigateway/latest/developerguide/
  apigateway-authorization-flow.html 📄: with no authorization type the
  resource policy alone needs an explicit allow; with a Lambda authorizer it
  is evaluated twice, an explicit deny refusing the caller before the
  authorizer runs, then with the authorizer's policy by Table A; with IAM
  the caller's own policies and the resource policy are evaluated together,
  by Table A in the API owner's account and Table B across accounts (both
  must allow). The tables are :data:`TABLE_A` and :data:`TABLE_B`.
* [D-EXEC-POLICY] the execute-api policy reference 📄: ``Resource`` is
  ``arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{path}``
  or, in a resource policy, the short ``execute-api:/{stage}/{METHOD}/{path}``
  (the API's own ARN prefix), ``*`` any run of characters, ``?`` one.
* [D-IAM-COND] the IAM condition reference 📄: operators AND together, keys
  within an operator AND, values of a key OR; a key the request lacks makes
  a positive operator false and a negated one (``Not…``) true; ``…IfExists``
  makes a missing key true. Key names are case-insensitive.

The request's ``aws:SourceIp`` is the address the Lambda event's
``requestContext.identity.sourceIp`` shows (``source_ip=``, by default
192.0.2.1). ``aws:SourceVpce`` is the VPC endpoint a private API's URL names
[D-PRIVATE]: ``{api-id}-{vpce-id}.execute-api.{region}.amazonaws.com`` or
the endpoint's own ``{vpce-id}-{suffix}.execute-api.{region}.vpce.amazonaws.com``;
⚠️ a private API reached through private DNS (``{api-id}.execute-api…``)
shows no endpoint here, so the key is missing. ``aws:SourceVpc`` cannot be
known from a request and is refused when the policy is checked.

⚠️ Inferred: which body a combined denial gets. A signed IAM caller denied
by either policy gets the ``resource_policy_denied`` row naming its ARN
[RP-IAM] (captured for resource policies; for an identity policy alone ⚠️);
a Lambda authorizer's own deny keeps its ``access_denied`` body.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from urllib.parse import urlsplit

from ..errors import ApigwFaultError
from ..records import Incoming
from ..render import request_arn
from ..scenario import Api
from .policy import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Verdict, wildcard

__all__ = [
    "TABLE_A",
    "TABLE_B",
    "Policy",
    "RequestFacts",
    "check_resource_policy",
    "combine",
    "facts_of",
    "parse_policy",
    "vpce_of",
]

Kind = Literal["resource", "identity"]
VERSIONS = ("2012-10-17", "2008-10-17")
_STATEMENT_KEYS = (
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "Resource", "NotResource",
    "Condition",
)
#: The condition operators understood, without ``IfExists``; ``Not…`` ones negate.
IP_OPERATORS = ("IpAddress", "NotIpAddress")
STRING_OPERATORS = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")
OPERATORS = IP_OPERATORS + STRING_OPERATORS
#: The condition keys the fake gateway knows of a request, by lower-cased name.
KEYS = {
    "aws:sourceip": "aws:SourceIp",
    "aws:sourcevpce": "aws:SourceVpce",
    "aws:principalaccount": "aws:PrincipalAccount",
    "aws:principalarn": "aws:PrincipalArn",
}
_UNKNOWABLE = {
    "aws:sourcevpc": "aws:SourceVpc names the VPC a request came from, which the fake"
    " gateway cannot know; match the VPC endpoint instead (aws:SourceVpce, from a private"
    " API's URL)",
}

# (identity-side verdict, resource policy verdict) -> result [D-RP-FLOW].
# "identity side": the IAM caller's policies, or a Lambda authorizer's.
#: Table A: the caller is in the API owner's account (and Lambda authorizers).
TABLE_A: Mapping[tuple[Verdict, Verdict], Verdict] = {
    (ALLOW, ALLOW): ALLOW,
    (ALLOW, IMPLICIT_DENY): ALLOW,
    (ALLOW, EXPLICIT_DENY): EXPLICIT_DENY,
    (IMPLICIT_DENY, ALLOW): ALLOW,
    (IMPLICIT_DENY, IMPLICIT_DENY): IMPLICIT_DENY,
    (IMPLICIT_DENY, EXPLICIT_DENY): EXPLICIT_DENY,
    (EXPLICIT_DENY, ALLOW): EXPLICIT_DENY,
    (EXPLICIT_DENY, IMPLICIT_DENY): EXPLICIT_DENY,
    (EXPLICIT_DENY, EXPLICIT_DENY): EXPLICIT_DENY,
}
#: Table B: the caller is in another account; both must allow.
TABLE_B: Mapping[tuple[Verdict, Verdict], Verdict] = {
    (ALLOW, ALLOW): ALLOW,
    (ALLOW, IMPLICIT_DENY): IMPLICIT_DENY,
    (ALLOW, EXPLICIT_DENY): EXPLICIT_DENY,
    (IMPLICIT_DENY, ALLOW): IMPLICIT_DENY,
    (IMPLICIT_DENY, IMPLICIT_DENY): IMPLICIT_DENY,
    (IMPLICIT_DENY, EXPLICIT_DENY): EXPLICIT_DENY,
    (EXPLICIT_DENY, ALLOW): EXPLICIT_DENY,
    (EXPLICIT_DENY, IMPLICIT_DENY): EXPLICIT_DENY,
    (EXPLICIT_DENY, EXPLICIT_DENY): EXPLICIT_DENY,
}


def combine(identity: Verdict, resource: Verdict, *, same_account: bool = True) -> Verdict:
    """The outcome of the caller's side and the resource policy [D-RP-FLOW]."""
    return (TABLE_A if same_account else TABLE_B)[(identity, resource)]


@dataclass(frozen=True)
class RequestFacts:
    """What a policy sees of one request: the method's ``arn`` (account in
    full), the parts of the API's own ARN (for ``execute-api:/…`` resources),
    the caller's address, VPC endpoint and, for a signed caller, its ARN."""

    arn: str
    api_prefix: str  # arn:aws:execute-api:{region}:{account}:{api-id}
    source_ip: str
    vpce: str | None = None
    principal: str | None = None  # None: anonymous

    def value(self, key: str) -> str | None:
        """The value of condition key ``key`` (canonical spelling), if any."""
        principal = self.principal
        if key == "aws:SourceIp":
            return self.source_ip
        if key == "aws:SourceVpce":
            return self.vpce
        if key == "aws:PrincipalArn":
            return principal
        return None if principal is None else principal.split(":")[4]


_VPCE_HOSTS = (
    re.compile(r"[a-z0-9]{10}-(vpce-[0-9a-z]+)\.execute-api\."),
    re.compile(r"(vpce-[0-9a-z]+)-[0-9a-z]+\.execute-api\.[a-z0-9-]+\.vpce\."),
)


def vpce_of(url: str) -> str | None:
    """The VPC endpoint a private API's URL names, if it names one."""
    host = urlsplit(url).netloc.lower()
    for form in _VPCE_HOSTS:
        found = form.match(host)
        if found is not None:
            return found[1]
    return None


def facts_of(
    request: Incoming, account: str, source_ip: str, principal: str | None = None
) -> RequestFacts:
    """What a policy of the API owned by ``account`` sees of ``request``."""
    arn, prefix = request_arn(request, account)
    return RequestFacts(arn, prefix, source_ip, vpce_of(request.url), principal)


@dataclass(frozen=True)
class Condition:
    operator: str  # without IfExists
    key: str  # canonical
    values: tuple[str, ...]
    if_exists: bool = False

    def holds(self, facts: RequestFacts) -> bool:
        negated = "Not" in self.operator
        value = facts.value(self.key)
        if value is None:
            return self.if_exists or negated
        if self.operator in IP_OPERATORS:
            address = ipaddress.ip_address(value)
            found = any(address in ipaddress.ip_network(v, strict=False) for v in self.values)
        elif self.operator in ("StringLike", "StringNotLike"):
            found = any(wildcard(v).fullmatch(value) is not None for v in self.values)
        else:
            found = value in self.values
        return found != negated


@dataclass(frozen=True)
class Statement:
    effect: str
    principals: tuple[str, ...] | None  # None: no Principal element (identity policy)
    not_principal: bool
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[Condition, ...]

    def applies(self, facts: RequestFacts) -> bool:
        if self.principals is not None:
            named = any(_names(p, facts.principal) for p in self.principals)
            if named == self.not_principal:
                return False
        if not any(wildcard(a.lower()).fullmatch("execute-api:invoke") for a in self.actions):
            return False
        matched = any(_resource(r, facts).fullmatch(facts.arn) for r in self.resources)
        if matched == self.not_resource:
            return False
        return all(condition.holds(facts) for condition in self.conditions)


def _resource(resource: str, facts: RequestFacts) -> re.Pattern[str]:
    if resource.startswith("execute-api:"):
        resource = facts.api_prefix + resource[len("execute-api:"):]
    return wildcard(resource)


def _names(principal: str, caller: str | None) -> bool:
    """Whether the ``Principal`` value ``principal`` names ``caller`` (an
    IAM or STS ARN, ``None`` for anonymous): ``*`` anyone; an account id or
    its ``:root`` ARN, any principal of the account; a role's ARN, its
    sessions; else the ARN itself."""
    if principal == "*":
        return True
    if caller is None:
        return False
    account = caller.split(":")[4]
    if principal in (account, f"arn:aws:iam::{account}:root"):
        return True
    if principal == caller:
        return True
    parts = caller.split(":", 5)
    if parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        role = parts[5].split("/")[1]
        return principal == f"arn:aws:iam::{account}:role/{role}"
    return False


@dataclass(frozen=True)
class Policy:
    """A checked policy document: its statements, evaluated in order."""

    statements: tuple[Statement, ...]
    kind: Kind = "resource"

    def evaluate(self, facts: RequestFacts) -> Verdict:
        """An explicit deny wins; else any allow; else an implicit deny."""
        allowed = False
        for statement in self.statements:
            if statement.applies(facts):
                if statement.effect == "Deny":
                    return EXPLICIT_DENY
                allowed = True
        return ALLOW if allowed else IMPLICIT_DENY


def parse_policy(value: object, kind: Kind = "resource") -> Policy:
    """``value`` (a dict as JSON-decoded, a JSON string or a :class:`Policy`)
    checked: an :class:`ApigwFaultError` names what is wrong."""
    what = "resource_policy=" if kind == "resource" else "IamCredentials policy="
    if isinstance(value, Policy):
        return value
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise ApigwFaultError(f"{what} is not valid JSON: {error}") from None
    if not isinstance(value, Mapping):
        raise ApigwFaultError(
            f"{what} takes a policy document, a dict (or its JSON string) with"
            f' "Version" and "Statement"; got {type(value).__name__} {value!r}'
        )
    unknown = sorted(set(value) - {"Version", "Id", "Statement"})
    if unknown:
        raise ApigwFaultError(f"{what} has {unknown[0]!r}; a policy has Version, Id, Statement")
    version = value.get("Version", VERSIONS[0])
    if version not in VERSIONS:
        raise ApigwFaultError(f"{what} Version {version!r}: use {VERSIONS[0]!r}")
    statements = value.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise ApigwFaultError(f"{what} needs a Statement list of one or more statements")
    return Policy(
        tuple(_statement(s, f"{what} Statement {i}", kind) for i, s in enumerate(statements)),
        kind,
    )


def _choose(word: str, given: object, valid: Sequence[str], what: str) -> str:
    close = difflib.get_close_matches(str(given), valid, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    listed = ", ".join(valid)
    return f"{what}: {word} {given!r} is not supported{hint}; supported: {listed}"


def _strings(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str) and value:
        return (value,)
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, str) and v for v in value)
    ):
        return tuple(value)
    raise ApigwFaultError(f"{what} takes a string or a list of strings, got {value!r}")


def _statement(value: object, what: str, kind: Kind) -> Statement:
    if not isinstance(value, Mapping):
        raise ApigwFaultError(f"{what} must be an object, got {value!r}")
    for key in value:
        if key not in _STATEMENT_KEYS:
            raise ApigwFaultError(_choose("element", key, _STATEMENT_KEYS, what))
    effect = value.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise ApigwFaultError(f"{what}: Effect must be 'Allow' or 'Deny', got {effect!r}")
    principals, negated = _principal(value, what, kind)
    if "Action" not in value:
        raise ApigwFaultError(f"{what} needs Action (e.g. 'execute-api:Invoke')")
    actions = _strings(value["Action"], f"{what} Action")
    for action in actions:
        if action != "*" and not action.lower().startswith("execute-api:"):
            raise ApigwFaultError(
                f"{what}: Action {action!r} is not an execute-api action; write"
                " 'execute-api:Invoke' (wildcards allowed: 'execute-api:*')"
            )
    if ("Resource" in value) == ("NotResource" in value):
        raise ApigwFaultError(f"{what} needs Resource (or NotResource), exactly one")
    key = "Resource" if "Resource" in value else "NotResource"
    resources = _strings(value[key], f"{what} {key}")
    for resource in resources:
        if not resource.startswith(("arn:aws:execute-api:", "execute-api:/")) and resource != "*":
            raise ApigwFaultError(
                f"{what}: {key} {resource!r} is not an execute-api resource; write"
                " 'execute-api:/{stage}/{METHOD}/{path}' or 'arn:aws:execute-api:{region}:"
                "{account}:{api-id}/{stage}/{METHOD}/{path}' (with * and ? wildcards)"
            )
    conditions = _conditions(value.get("Condition", {}), what)
    return Statement(
        effect, principals, negated, actions, resources, key == "NotResource", conditions
    )


def _principal(
    value: Mapping[str, object], what: str, kind: Kind
) -> tuple[tuple[str, ...] | None, bool]:
    has = [k for k in ("Principal", "NotPrincipal") if k in value]
    if kind == "identity":
        if has:
            raise ApigwFaultError(
                f"{what}: an identity policy has no {has[0]}; it is the caller's own"
            )
        return None, False
    if len(has) != 1:
        raise ApigwFaultError(
            f"{what} needs Principal (or NotPrincipal), exactly one: \"*\" or"
            ' {"AWS": account id or IAM ARN}'
        )
    given = value[has[0]]
    if given == "*":
        return ("*",), has[0] == "NotPrincipal"
    if isinstance(given, Mapping) and set(given) == {"AWS"}:
        return _strings(given["AWS"], f"{what} {has[0]} AWS"), has[0] == "NotPrincipal"
    raise ApigwFaultError(
        f"{what}: {has[0]} {given!r} is not supported; write \"*\" or"
        ' {"AWS": "123456789012"} (an account id, or IAM ARNs)'
    )


def _conditions(value: object, what: str) -> tuple[Condition, ...]:
    if not isinstance(value, Mapping):
        raise ApigwFaultError(f"{what}: Condition must be an object, got {value!r}")
    found: list[Condition] = []
    for written, keys in value.items():
        operator = str(written)
        if_exists = operator.endswith("IfExists")
        if if_exists:
            operator = operator[: -len("IfExists")]
        if operator not in OPERATORS:
            raise ApigwFaultError(_choose("condition operator", written, OPERATORS, what))
        if not isinstance(keys, Mapping) or not keys:
            raise ApigwFaultError(
                f"{what}: Condition {written!r} takes an object of keys, got {keys!r}"
            )
        for key, values in keys.items():
            canonical = KEYS.get(str(key).lower())
            if str(key).lower() in _UNKNOWABLE:
                raise ApigwFaultError(f"{what}: {_UNKNOWABLE[str(key).lower()]}")
            if canonical is None:
                raise ApigwFaultError(_choose("condition key", key, tuple(KEYS.values()), what))
            ip = operator in IP_OPERATORS
            if ip != (canonical == "aws:SourceIp"):
                raise ApigwFaultError(
                    f"{what}: {written} {'takes' if ip else 'does not take'} aws:SourceIp;"
                    " IpAddress/NotIpAddress are for aws:SourceIp, String… operators for"
                    " the other keys"
                )
            strings = _strings(values, f"{what} Condition {written} {key}")
            if ip:
                for network in strings:
                    try:
                        ipaddress.ip_network(network, strict=False)
                    except ValueError:
                        raise ApigwFaultError(
                            f"{what}: {network!r} is not an IP address or CIDR block"
                        ) from None
            found.append(Condition(operator, canonical, strings, if_exists))
    return tuple(found)


class _Checked(Protocol):
    api: Api | None


def check_resource_policy(value: object, context: _Checked) -> Policy:
    """``resource_policy=``: a REST API's resource policy, checked."""
    if context.api is Api.HTTP:
        raise ApigwFaultError(
            "resource_policy= is a REST API's; HTTP APIs have no resource policies"
            " (use authorizer= or iam= … on a REST API)"
        )
    return parse_policy(value)
