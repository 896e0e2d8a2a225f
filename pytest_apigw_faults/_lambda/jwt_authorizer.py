"""An HTTP API's JWT authorizer deciding one request, before the integration
(the checks themselves: :mod:`.._gateway.auth.jwt`).

A missing token is the ``unauthorized`` row (401, no header); a token that
fails a check is the ``jwt_rejected`` row with the reason in its
``www-authenticate`` header [D-JWT]; a valid token without the route's
scopes is the HTTP API's 403 ``{"message":"Forbidden"}`` with an
``insufficient_scope`` header (⚠️ RFC 6750's form, not captured). A pass
puts the claims, each a string, and the scopes in the integration's
``requestContext.authorizer`` (:func:`.authorizer_events.with_jwt`); the
scopes are ``None`` when the route has none (⚠️ as the documented 2.0
example leaves them, not captured).
"""

from __future__ import annotations

import dataclasses

from .._gateway.auth.config import Authorization
from .._gateway.auth.identity import parse_identity_sources
from .._gateway.auth.jwt import JwtAuthorizer, Rejection, claim_strings, verify
from .._gateway.table import SCENARIOS, Api, Scenario
from .._gateway.wire import Exchange, Gateway, Incoming, LambdaIds
from .authorizer import AuthOutcome, identified
from .routes import ProxyApi

__all__ = ["JwtAuthorizing"]


class JwtAuthorizing:
    """One fault's JWT authorizer (it keeps no cache: each token is checked)."""

    reads_body = False  # a token is in the headers or the query string
    kind = "JWT"  # the route's authorization type

    def __init__(self, config: JwtAuthorizer, proxy_api: ProxyApi) -> None:
        self.config = config
        self.api = proxy_api.api
        self.proxy_api = proxy_api
        self.sources = parse_identity_sources(self.api, config.identity_source)

    def reset(self) -> None:
        """Nothing to forget: the authorizer keeps no state."""

    def decide(self, gateway: Gateway, arrived_at: float, incoming: Incoming) -> AuthOutcome | None:
        """The decision for ``incoming`` at ``arrived_at`` (the fault's
        clock), or ``None`` when no route takes it."""
        found = identified(self.proxy_api, self.sources, gateway, arrived_at, incoming)
        if found is None:
            return None
        ids, identity = found
        if identity is None:
            auth = Authorization("JWT", "unauthorized", reason="identity source missing")
            row = SCENARIOS[("unauthorized", self.api)]
            return self._refuse(row, auth, (gateway, arrived_at, incoming, ids))
        verified = verify(self.config, identity[0], arrived_at)
        if isinstance(verified, Rejection):
            return self._rejected(verified, identity, (gateway, arrived_at, incoming, ids))
        claims, scopes = verified
        strings = claim_strings(claims)
        subject = claims.get("sub")
        auth = Authorization(
            "JWT", "allow", identity, principal_id=subject if isinstance(subject, str) else None,
            context=strings,
        )
        granted = None if self.config.scopes is None else scopes
        return AuthOutcome(auth, ids=ids, jwt={"claims": strings, "scopes": granted})

    def _rejected(
        self,
        rejection: Rejection,
        identity: tuple[str, ...],
        where: tuple[Gateway, float, Incoming, LambdaIds],
    ) -> AuthOutcome:
        description = rejection.description
        if rejection.reason == "scope":
            required = " ".join(self.config.scopes or ())
            header = (
                f'Bearer scope="{required}" error="insufficient_scope"'
                f' error_description="{description}"'
            )
            decision, row = "deny", SCENARIOS[("access_denied", self.api)]
        else:
            header = f'Bearer scope="" error="invalid_token" error_description="{description}"'
            decision, row = "unauthorized", SCENARIOS[("jwt_rejected", Api.HTTP)]
        row = dataclasses.replace(row, extra_headers=(("www-authenticate", header),))
        auth = Authorization("JWT", decision, identity, reason=description)
        return self._refuse(row, auth, where)

    def _refuse(
        self,
        row: Scenario,
        auth: Authorization,
        where: tuple[Gateway, float, Incoming, LambdaIds],
    ) -> AuthOutcome:
        gateway, arrived_at, incoming, ids = where
        exchange: Exchange = gateway.respond(row, arrived_at, incoming, ids=ids)
        exchange = dataclasses.replace(exchange, lambda_request_id=None, auth=auth)
        return AuthOutcome(auth, refusal=exchange)
