"""A REST API's Cognito user pool authorizer deciding one request, before
the integration (the checks and the claims' strings:
:mod:`.._gateway.auth.cognito`).

A missing token and a token the authorizer refuses are both the REST
``unauthorized`` row (401 ``{"message":"Unauthorized"}``,
``UnauthorizedException``); the reason is in ``call.auth.reason`` only. A
pass puts the claims in the integration's ``requestContext.authorizer``
(:func:`.authorizer_events.with_claims`). Passes are cached by the token
for the authorizer's ``ttl`` on the fault's clock, never past the token's
``exp``; refusals are not cached (⚠️ as for a Lambda authorizer).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from .._gateway.auth.cognito import CognitoAuthorizer, claim_strings, verify
from .._gateway.auth.config import Authorization
from .._gateway.auth.identity import parse_identity_sources
from .._gateway.auth.jwt import Rejection
from .._gateway.table import SCENARIOS, Api
from .._gateway.wire import Exchange, Gateway, Incoming, LambdaIds
from .authorizer import AuthOutcome, identified
from .routes import ProxyApi

__all__ = ["KIND", "CognitoAuthorizing"]

#: ``call.auth.type`` of a Cognito authorizer: AWS's name for the type.
KIND = "COGNITO_USER_POOLS"


class CognitoAuthorizing:
    """One fault's Cognito user pool authorizer and its result cache."""

    reads_body = False  # the token is in a header
    kind = "COGNITO_USER_POOLS"  # the method's authorization type

    def __init__(self, config: CognitoAuthorizer, proxy_api: ProxyApi) -> None:
        self.config = config
        self.proxy_api = proxy_api
        self.sources = parse_identity_sources(Api.REST, config.identity_source)
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget every cached result (a fault started afresh)."""
        with self._lock:
            self._cache.clear()

    def decide(self, gateway: Gateway, arrived_at: float, incoming: Incoming) -> AuthOutcome | None:
        """The decision for ``incoming`` at ``arrived_at`` (the fault's
        clock), or ``None`` when no route takes it."""
        found = identified(self.proxy_api, self.sources, gateway, arrived_at, incoming)
        if found is None:
            return None
        ids, identity = found
        where = (gateway, arrived_at, incoming, ids)
        if identity is None:
            auth = Authorization(KIND, "unauthorized", reason="identity source missing")
            return self._refuse(auth, where)
        cached = self._cached(identity[0], arrived_at)
        claims = cached if cached is not None else verify(self.config, identity[0], arrived_at)
        caching = None if self.config.ttl == 0 else cached is not None
        if isinstance(claims, Rejection):
            auth = Authorization(
                KIND, "unauthorized", identity, cached=caching, reason=claims.description
            )
            return self._refuse(auth, where)
        if cached is None:
            self._store(identity[0], arrived_at, claims)
        strings = claim_strings(claims)
        subject = claims.get("sub")
        auth = Authorization(
            KIND, "allow", identity, cached=caching,
            principal_id=subject if isinstance(subject, str) else None, context=strings,
        )
        return AuthOutcome(auth, ids=ids, claims=strings)

    def _refuse(
        self, auth: Authorization, where: tuple[Gateway, float, Incoming, LambdaIds]
    ) -> AuthOutcome:
        gateway, arrived_at, incoming, ids = where
        row = SCENARIOS[("unauthorized", Api.REST)]
        exchange: Exchange = gateway.respond(row, arrived_at, incoming, ids=ids)
        exchange = dataclasses.replace(exchange, lambda_request_id=None, auth=auth)
        return AuthOutcome(auth, refusal=exchange)

    def _cached(self, token: str, now: float) -> dict[str, Any] | None:
        with self._lock:
            found = self._cache.get(token)
        return None if found is None or now >= found[0] else found[1]

    def _store(self, token: str, now: float, claims: dict[str, Any]) -> None:
        if self.config.ttl:
            until = min(now + self.config.ttl, float(claims["exp"]))
            with self._lock:
                self._cache[token] = (until, claims)
