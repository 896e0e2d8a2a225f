"""The API's resource policy and its IAM callers' identity policies, in front
of (or around) the method's own authorization, in the order of AWS's
authorization workflow [D-RP-FLOW] (:mod:`.._gateway.auth.resource_policy`):

* no authorizer: the resource policy alone, for an anonymous caller; it
  must allow;
* a Lambda or Cognito authorizer: an explicit deny of the resource policy
  refuses the caller before the authorizer runs; then Table A combines the
  authorizer's decision with the resource policy's verdict (a valid Cognito
  token is the authorizer's allow);
* IAM: the signature is verified first (its refusals stand); then the
  caller's identity policy and the resource policy, by Table A in the API's
  account and Table B across accounts.

A denial is the ``resource_policy_denied`` row, rendered with the caller
(``anonymous`` or the signed caller's ARN) and the kind of deny; a Lambda
authorizer's own deny keeps its ``access_denied`` answer.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from .._gateway.auth.config import Authorization
from .._gateway.auth.iam import IamAuth
from .._gateway.auth.policy import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Verdict
from .._gateway.auth.resource_policy import Policy, combine, facts_of
from .._gateway.context import SOURCE_IP
from .._gateway.render import DEFAULT_ACCOUNT_ID, Rendering
from .._gateway.table import SCENARIOS, Api
from .._gateway.wire import Gateway, Incoming
from .authorizer import Authorizing, AuthOutcome
from .cognito_authorizer import CognitoAuthorizing
from .iam import IamChecking
from .routes import DEFAULT_ROUTES, ProxyApi, Unrouted, resolve_route

__all__ = ["PolicyChecking", "policy_checking"]

_DENIED = SCENARIOS[("resource_policy_denied", Api.REST)]


class Declared(Protocol):
    @property
    def resource_policy(self) -> Policy | None: ...
    @property
    def iam(self) -> IamAuth | None: ...
    @property
    def account_id(self) -> str | None: ...
    @property
    def source_ip(self) -> str | None: ...
    @property
    def route(self) -> str | None: ...
    @property
    def stage(self) -> str | None: ...


def policy_checking(options: Declared, inner: Any) -> Any:
    """``inner`` (the method's authorization, or ``None``) behind the
    fault's resource policy and identity policies, when it declares any;
    else ``inner`` as it is."""
    iam = options.iam
    identity = iam is not None and any(
        c.identity_policy is not None for c in iam.credentials.values()
    )
    if options.resource_policy is None and not identity:
        return inner
    proxy_api = ProxyApi(Api.REST, options.route or DEFAULT_ROUTES[Api.REST], stage=options.stage)
    return PolicyChecking(
        options.resource_policy,
        inner,
        proxy_api,
        account_id=options.account_id or DEFAULT_ACCOUNT_ID,
        source_ip=options.source_ip or SOURCE_IP,
    )


class PolicyChecking:
    """One fault's policies around its method authorization (``inner``)."""

    def __init__(
        self,
        policy: Policy | None,
        inner: Authorizing | CognitoAuthorizing | IamChecking | None,
        proxy_api: ProxyApi,
        *,
        account_id: str,
        source_ip: str,
    ) -> None:
        self.policy = policy
        self.inner = inner
        self.proxy_api = proxy_api
        self.account_id = account_id
        self.source_ip = source_ip
        self.reads_body = bool(inner is not None and inner.reads_body)

    def reset(self) -> None:
        if self.inner is not None:
            self.inner.reset()

    def _verdict(self, incoming: Incoming, principal: str | None = None) -> Verdict | None:
        if self.policy is None:
            return None
        facts = facts_of(incoming, self.account_id, self.source_ip, principal)
        return self.policy.evaluate(facts)

    def _deny(
        self,
        gateway: Gateway,
        arrived_at: float,
        incoming: Incoming,
        verdict: Verdict,
        auth: Authorization,
    ) -> AuthOutcome:
        """The ``resource_policy_denied`` answer for ``auth``'s caller."""
        principal = auth.principal_id if auth.type == "AWS_IAM" else None
        rendering = dataclasses.replace(
            gateway.rendering or Rendering(),
            account_id=self.account_id,
            explicit_deny=verdict == EXPLICIT_DENY,
            principal=principal or "anonymous",
        )
        exchange = gateway.respond(_DENIED, arrived_at, incoming, rendering=rendering)
        return AuthOutcome(auth, refusal=dataclasses.replace(exchange, auth=auth))

    def decide(self, gateway: Gateway, arrived_at: float, incoming: Incoming) -> AuthOutcome | None:
        """The decision for ``incoming``, or ``None`` when no route takes it
        (the gateway answers that before any authorization)."""
        inner = self.inner
        if isinstance(inner, IamChecking):
            return self._iam(inner, gateway, arrived_at, incoming)
        if isinstance(resolve_route(self.proxy_api, incoming.method, incoming.url), Unrouted):
            return None
        verdict = self._verdict(incoming)
        assert verdict is not None  # no IAM: a resource policy made this
        if inner is None:  # the resource policy alone
            auth = Authorization("NONE", "allow", resource_policy=verdict)
            if verdict != ALLOW:
                denied = dataclasses.replace(auth, decision="deny", reason=verdict)
                return self._deny(gateway, arrived_at, incoming, verdict, denied)
            return AuthOutcome(auth, ids=gateway.lambda_ids(arrived_at, incoming, api=Api.REST))
        if verdict == EXPLICIT_DENY:  # before the authorizer runs
            auth = Authorization(
                inner.kind, "deny", reason=verdict, resource_policy=verdict
            )
            return self._deny(gateway, arrived_at, incoming, verdict, auth)
        outcome = inner.decide(gateway, arrived_at, incoming)
        if outcome is None:
            return None
        return self._authorized(outcome, verdict)

    @staticmethod
    def _authorized(outcome: AuthOutcome, verdict: Verdict) -> AuthOutcome:
        """A Lambda authorizer's outcome with the resource policy's verdict
        (Table A): a policy the authorizer left undecided, the resource
        policy may allow."""
        auth = dataclasses.replace(outcome.authorization, resource_policy=verdict)
        if (
            outcome.refusal is not None
            and auth.decision == "deny"
            and auth.reason == IMPLICIT_DENY
            and combine(IMPLICIT_DENY, verdict) == ALLOW
        ):
            allowed = dataclasses.replace(auth, decision="allow", reason="")
            return dataclasses.replace(outcome, authorization=allowed, refusal=None)
        refusal = outcome.refusal
        if refusal is not None:
            refusal = dataclasses.replace(refusal, auth=auth)
        return dataclasses.replace(outcome, authorization=auth, refusal=refusal)

    def _iam(
        self, inner: IamChecking, gateway: Gateway, arrived_at: float, incoming: Incoming
    ) -> AuthOutcome:
        """IAM's signature check, then both policies for the signed caller."""
        outcome = inner.decide(gateway, arrived_at, incoming)
        if outcome.refusal is not None:
            return outcome
        auth = outcome.authorization
        assert auth.identity is not None
        assert auth.principal_id is not None
        credentials = inner.iam.credentials[auth.identity[0]]
        policy = credentials.identity_policy
        principal = auth.principal_id
        facts = facts_of(incoming, self.account_id, self.source_ip, principal)
        mine = ALLOW if policy is None else policy.evaluate(facts)
        theirs = self._verdict(incoming, principal)
        same = credentials.account_id == self.account_id
        result = combine(mine, IMPLICIT_DENY if theirs is None else theirs, same_account=same)
        auth = dataclasses.replace(auth, resource_policy=theirs)
        if result == ALLOW:
            return dataclasses.replace(outcome, authorization=auth)
        denied = dataclasses.replace(auth, decision="deny", reason=result)
        return self._deny(gateway, arrived_at, incoming, result, denied)
