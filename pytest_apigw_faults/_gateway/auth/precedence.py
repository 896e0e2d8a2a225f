"""Where the authorizer stands among the gateway's steps.

API Gateway authorizes a request after routing it, throttling it and
checking its size, and before validating it and calling the integration
(the REST request flow [D-REST-FLOW]; HTTP APIs have no validator). So a row
of the ``request`` or ``cloudfront`` phase answers without the authorizer,
and a ``validation`` or ``integration`` row (or a Lambda) only after it let
the request through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

from ..scenario import Phase, Scenario

if TYPE_CHECKING:
    from ..records import Exchange, Incoming
    from ..wire import Gateway

__all__ = ["authorize", "stamped"]

Outcome = TypeVar("Outcome", covariant=True)


class Stamps(Protocol):
    def stamp(self, exchange: Exchange) -> Exchange: ...


def stamped(auth: Stamps | None, exchange: Exchange) -> Exchange:
    """``exchange`` with the authorizer's decision on it, when one decided."""
    return exchange if auth is None else auth.stamp(exchange)


class Decides(Protocol[Outcome]):
    def decide(self, gateway: Gateway, arrived_at: float, incoming: Incoming) -> Outcome | None:
        ...


def authorize(
    authorizer: Decides[Outcome] | None,
    row: Scenario | None,
    gateway: Gateway,
    arrived_at: float,
    incoming: Incoming,
) -> Outcome | None:
    """The authorizer's decision for ``incoming``, or ``None`` when there is
    no authorizer or ``row`` (what answers) comes before it."""
    if authorizer is None or before_auth(row):
        return None
    return authorizer.decide(gateway, arrived_at, incoming)


def before_auth(row: Scenario | None) -> bool:
    """Whether ``row`` (what answers) is decided before any authorizer or API
    key is looked at: the front door's and the stage's own answers
    (throttling, routing, WAF), which no auth decision can change."""
    return row is not None and row.phase in (Phase.REQUEST, Phase.CLOUDFRONT)
