"""IAM (SigV4) authorization in front of the API: the decision of
:mod:`.._gateway.auth.iam` for one request, as an authorizer's outcome (a
refusal, or a pass whose caller goes in the event's
``requestContext.identity``)."""

from __future__ import annotations

import re
from typing import Protocol
from urllib.parse import urlsplit

from .._gateway.auth.iam import IamAuth, decide_iam
from .._gateway.table import Api
from .._gateway.wire import Gateway, Incoming
from .authorizer import AuthOutcome

__all__ = ["IamChecking", "iam_checking"]

_EXECUTE_API = re.compile(r"[a-z0-9]{10}(?:-vpce-[a-z0-9]+)?\.execute-api\.([a-z0-9-]+)\.")


class Declared(Protocol):
    @property
    def iam(self) -> IamAuth | None: ...


def iam_checking(options: Declared) -> IamChecking | None:
    """The fault's IAM authorization, when ``iam=`` declares it."""
    return None if options.iam is None else IamChecking(options.iam)


class IamChecking:
    """One fault's IAM authorization; it keeps nothing between calls."""

    #: The signature covers the body (its hash): the adapters hand it over.
    reads_body = True

    def __init__(self, iam: IamAuth) -> None:
        self.iam = iam

    def reset(self) -> None:
        """Nothing to forget (a fault started afresh)."""

    def decide(self, gateway: Gateway, arrived_at: float, incoming: Incoming) -> AuthOutcome:
        """The decision for ``incoming``: its refusal, or the caller's identity."""
        found = _EXECUTE_API.search(urlsplit(incoming.url).netloc.lower())
        verdict = decide_iam(self.iam, incoming, arrived_at, None if found is None else found[1])
        if verdict.row is not None:
            outcome = AuthOutcome(verdict.authorization)
            return AuthOutcome(
                verdict.authorization,
                refusal=outcome.stamp(gateway.respond(verdict.row, arrived_at, incoming)),
            )
        ids = gateway.lambda_ids(arrived_at, incoming, api=Api.REST)
        return AuthOutcome(verdict.authorization, ids=ids, identity=verdict.identity)
