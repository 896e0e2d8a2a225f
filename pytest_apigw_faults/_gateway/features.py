"""What a fault's gateway does besides its row or its Lambda, in the order
of the request flow [D-REST-FLOW] 📄: the stage's (or method's, route's)
throttle (:mod:`.throttle`) and the preflights the gateway answers itself
(:mod:`.cors`) before any authorizer; the request validator
(:mod:`.validation`) after the authorizer and the API key; and an HTTP
API's CORS headers on whatever answers."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from .cors import is_preflight, with_cors
from .render import missing_parameters
from .scenario import Phase
from .table import SCENARIOS, Api, Scenario
from .throttle import Throttling
from .validation import invalid_body

if TYPE_CHECKING:
    from .cors import Cors
    from .records import Exchange, Incoming
    from .throttle import Throttle
    from .validation import RequestModels
    from .wire import Gateway

__all__ = ["Features"]

# A route key's methods that take a preflight (OPTIONS) [D-ROUTES].
_TAKE_OPTIONS = frozenset({"ANY", "OPTIONS"})


class Features:
    """The throttle, CORS and request models of one fault of ``api``;
    ``route`` is its HTTP API route key (``None``: ``$default``)."""

    def __init__(
        self,
        api: Api,
        *,
        cors: Cors | None = None,
        throttle: Throttle | None = None,
        request_models: RequestModels | None = None,
        route: str | None = None,
        preflights: bool | None = None,
        required_parameters: tuple[tuple[str, str], ...] | None = None,
    ) -> None:
        self.api, self.cors, self.throttle = api, cors, throttle
        self.request_models = request_models
        #: the parameters a REST request validator requires, when a Lambda answers
        self.required_parameters = required_parameters
        method = "ANY"
        if api is Api.HTTP and route is not None and route != "$default":
            before, sep, _ = route.partition(" ")
            method = before.upper() if sep else "ANY"
        #: whether the gateway answers a preflight itself: no route takes
        #: OPTIONS (``preflights``: the API's router knows)
        self._answers_preflight = method not in _TAKE_OPTIONS if preflights is None else preflights
        self._throttling = None if throttle is None else Throttling(throttle, api)

    @property
    def reads_body(self) -> bool:
        """Whether the request body must be at hand (to validate it)."""
        return self.request_models is not None

    def reset(self) -> None:
        """Start afresh: a full bucket."""
        if self.throttle is not None:
            self._throttling = Throttling(self.throttle, self.api)

    def before_auth(
        self, gateway: Gateway, arrived_at: float, incoming: Incoming, row: Scenario | None
    ) -> Exchange | None:
        """The answer of the throttle or of a preflight the gateway answers
        itself, or ``None`` to go on to the authorizer."""
        if row is not None and row.phase is Phase.CLOUDFRONT:
            return None  # CloudFront answers before API Gateway sees the request
        if (throttled := self.throttled(gateway, arrived_at, incoming)) is not None:
            return throttled
        cors = self.cors
        if cors is None:
            return None
        if self.api is Api.REST:
            if incoming.method != "OPTIONS":
                return None
            return self._own(gateway, cors.mock_result(), arrived_at, incoming)
        if not (self._answers_preflight and is_preflight(incoming)):
            return None
        from .result import ProxyResult

        result = ProxyResult(204, cors.preflight_headers(incoming), b"")
        return self._own(gateway, result, arrived_at, incoming)

    def throttled(self, gateway: Gateway, arrived_at: float, incoming: Incoming) -> Exchange | None:
        """The throttle's refusal, when its bucket is empty."""
        if self._throttling is not None and (refused := self._throttling.refusal(arrived_at)):
            return gateway.respond(refused, arrived_at, incoming)
        return None

    def _own(
        self, gateway: Gateway, result: object, arrived_at: float, incoming: Incoming
    ) -> Exchange:
        """The gateway's own answer (a MOCK integration's, or an HTTP API's
        preflight answer): a success, with no Lambda behind it."""
        from .result import ProxyResult

        assert isinstance(result, ProxyResult)
        ids = gateway.lambda_ids(arrived_at, incoming, api=self.api)
        exchange = gateway.succeed(
            result, arrived_at, incoming, ids, api=self.api, latency=0.0
        )
        return dataclasses.replace(exchange, lambda_request_id=None)

    def validate(
        self,
        gateway: Gateway,
        arrived_at: float,
        incoming: Incoming,
        body: bytes | None,
        row: Scenario | None,
    ) -> Exchange | None:
        """``bad_request_parameters`` when the request validator finds a
        required parameter missing, ``bad_request_body`` with its log line
        when it refuses the body, else ``None``. Only a request that would reach the
        integration (a Lambda, or an integration row) is validated."""
        if row is not None and row.phase is not Phase.INTEGRATION:
            return None
        required = self.required_parameters
        if required and missing_parameters(incoming, required):
            # ⚠️ parameters before the body: the order of the two checks is not captured
            refused = SCENARIOS[("bad_request_parameters", Api.REST)]
            return gateway.respond(refused, arrived_at, incoming)
        models = self.request_models
        if models is None:
            return None
        why = invalid_body(models, incoming, body or b"")
        if why is None:
            return None
        refused = SCENARIOS[("bad_request_body", Api.REST)]
        logs = (why, f"Method completed with status: {refused.status}")
        return gateway.respond(refused, arrived_at, incoming, logs=logs)

    def finish(self, exchange: Exchange, incoming: Incoming) -> Exchange:
        """``exchange`` with an HTTP API's CORS headers, when it has a CORS
        configuration (its own preflight answers have them already)."""
        if self.cors is None or self.api is not Api.HTTP:
            return exchange
        if exchange.result is not None and exchange.lambda_request_id is None:
            return exchange  # the gateway's own preflight answer
        return with_cors(exchange, self.cors, incoming)
