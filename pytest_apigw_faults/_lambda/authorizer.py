"""A Lambda authorizer in front of the API: the decision API Gateway makes
before the integration runs, for one request.

:class:`Authorizing` checks the identity sources (a missing one, or a TOKEN
that fails the validation expression, is ``unauthorized`` and the function
is not invoked), looks the identity up in the result cache (its TTL on the
fault's clock: the request's arrival), else invokes the function with the
event AWS builds (:mod:`.authorizer_events`) as the runtime would
(:func:`.runtime.invoke`), and evaluates its answer
(:mod:`.._gateway.auth.policy`). ``Exception("Unauthorized")`` is a 401;
any other error, a timeout or an answer it cannot use is
``authorizer_configuration_error`` (reference, rows UNAUTHORIZED,
ACCESS_DENIED, AUTHORIZER_CONFIGURATION_ERROR [LOIGE][D-HTTP-AUTHZ];
the 401 for a raised ``Unauthorized`` [WS-AUTH], reference-2 §6).
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from .._gateway.auth.cognito import CognitoAuthorizer
from .._gateway.auth.config import Authorization, LambdaAuthorizer
from .._gateway.auth.identity import IdentitySource, parse_identity_sources, values_of
from .._gateway.auth.jwt import JwtAuthorizer
from .._gateway.auth.policy import ALLOW, EXPLICIT_DENY, PolicyError, evaluate, method_arn
from .._gateway.context import SOURCE_IP
from .._gateway.render import DEFAULT_ACCOUNT_ID
from .._gateway.table import SCENARIOS, Api, Scenario
from .._gateway.wire import Exchange, Gateway, Incoming, LambdaIds
from .authorizer_events import (
    Answer,
    authorizer_event,
    parse_answer,
    with_authorizer,
    with_claims,
    with_jwt,
)
from .integration import Spent, _no_time, resolve_handler
from .integration import proxy_event as integration_event
from .routes import DEFAULT_ROUTES, ProxyApi, ProxyRequest, Route, Unrouted, resolve_route
from .runtime import Invocation, LambdaContext, invoke

if TYPE_CHECKING:
    from .cognito_authorizer import CognitoAuthorizing
    from .jwt_authorizer import JwtAuthorizing

__all__ = ["AuthOutcome", "Authorizing", "authorizing"]

_EXECUTE_API = re.compile(r"[a-z0-9]{10}(?:-vpce-[a-z0-9]+)?\.execute-api\.([a-z0-9-]+)\.")
_DEFAULT_REGION = "us-east-1"
_CONFIGURATION = "authorizer_configuration_error"
# [LOIGE]: an implicit deny ends "…access this resource"; the table's row is
# the explicit one.
_IMPLICIT_MESSAGE = "User is not authorized to access this resource"


@dataclass(frozen=True)
class AuthOutcome:
    """The decision for one request: ``refusal`` is the exchange that
    answers it (a 401, 403 or 500), else the request goes on with ``ids``
    (the ones the authorizer's event carried) and ``answer`` for the
    integration's ``requestContext.authorizer``."""

    authorization: Authorization
    refusal: Exchange | None = None
    ids: LambdaIds | None = None
    answer: Answer | None = None
    latency_ms: int = 0
    jwt: Mapping[str, Any] | None = None  # a JWT authorizer's {"claims", "scopes"}
    claims: Mapping[str, str] | None = None  # a Cognito authorizer's claims (REST)
    #: IAM's caller, for the event's ``requestContext.identity``.
    identity: Mapping[str, Any] | None = None

    def stamp(self, exchange: Exchange) -> Exchange:
        """``exchange`` with this decision on it (``call.auth``)."""
        return dataclasses.replace(exchange, auth=self.authorization)

    def event(self, event: dict[str, Any], api: Api) -> dict[str, Any]:
        """The integration's ``event`` with the authorizer's answer (or IAM's
        caller) in it."""
        if self.jwt is not None:
            return with_jwt(event, self.jwt)
        if self.claims is not None:
            return with_claims(event, self.claims)
        if self.identity is not None:
            context = event["requestContext"]
            event["requestContext"] = {
                **context, "identity": {**context["identity"], **self.identity}
            }
        if self.answer is None:
            return event
        return with_authorizer(event, self.answer, api=api, latency_ms=self.latency_ms)


def routed_request(
    proxy_api: ProxyApi, gateway: Gateway, arrived_at: float, incoming: Incoming
) -> tuple[Route, LambdaIds, ProxyRequest, dict[str, Any]] | None:
    """What an authorizer decides on: the route that takes ``incoming``, the
    call's ids and the integration's view of the request (its proxy event,
    without the body); ``None`` when no route takes it (the gateway answers
    that before any authorizer)."""
    route = resolve_route(proxy_api, incoming.method, incoming.url)
    if isinstance(route, Unrouted):
        return None
    ids = gateway.lambda_ids(arrived_at, incoming, api=proxy_api.api)
    request, event = integration_event(proxy_api, incoming, b"", ids, arrived_at, route)
    return route, ids, request, event


def identified(
    proxy_api: ProxyApi,
    sources: tuple[IdentitySource, ...],
    gateway: Gateway,
    arrived_at: float,
    incoming: Incoming,
) -> tuple[LambdaIds, tuple[str, ...] | None] | None:
    """The call's ids and the values of a token authorizer's identity
    sources (``None`` when one is missing); ``None`` when no route takes it."""
    routed = routed_request(proxy_api, gateway, arrived_at, incoming)
    if routed is None:
        return None
    _route, ids, request, proxy_event = routed
    return ids, identity_of(sources, proxy_api, request, proxy_event)


class Declared(Protocol):
    """What a fault's options say of its API and its authorizer."""

    @property
    def api(self) -> Api | None: ...
    @property
    def authorizer(self) -> LambdaAuthorizer | JwtAuthorizer | CognitoAuthorizer | None: ...
    @property
    def route(self) -> str | None: ...
    @property
    def stage(self) -> str | None: ...
    @property
    def stage_variables(self) -> Mapping[str, str] | None: ...
    @property
    def source_ip(self) -> str | None: ...
    @property
    def account_id(self) -> str | None: ...


def authorizing(
    options: Declared, handler_time: Callable[[], AbstractContextManager[Spent | None]]
) -> Authorizing | JwtAuthorizing | CognitoAuthorizing | None:
    """The fault's authorizer, when ``authorizer=`` declares one."""
    config, api = options.authorizer, options.api
    if config is None or api is None:
        return None
    proxy_api = ProxyApi(
        api,
        options.route or DEFAULT_ROUTES[api],
        stage=options.stage,
        payload_format=(
            config.payload if api is Api.HTTP and isinstance(config, LambdaAuthorizer) else None
        ),
        stage_variables=options.stage_variables or {},
        account_id=options.account_id or DEFAULT_ACCOUNT_ID,
        source_ip=options.source_ip or SOURCE_IP,
    )
    if isinstance(config, JwtAuthorizer):
        from .jwt_authorizer import JwtAuthorizing

        return JwtAuthorizing(config, proxy_api)
    if isinstance(config, CognitoAuthorizer):
        from .cognito_authorizer import CognitoAuthorizing

        return CognitoAuthorizing(config, proxy_api)
    return Authorizing(config, proxy_api, handler_time=handler_time)


class Authorizing:
    """One fault's Lambda authorizer and its result cache."""

    #: Its events carry no body: the adapters need not hand it over.
    reads_body = False

    def __init__(
        self,
        config: LambdaAuthorizer,
        proxy_api: ProxyApi,
        *,
        handler_time: Callable[[], AbstractContextManager[Spent | None]] | None = None,
    ) -> None:
        api = proxy_api.api
        self.api = api
        self.proxy_api = proxy_api
        self.kind = config.type or ("TOKEN" if api is Api.REST else "REQUEST")
        default = "method.request.header." if api is Api.REST else "$request.header."
        written = config.identity_source
        self.sources: tuple[IdentitySource, ...] = parse_identity_sources(
            api, f"{default}Authorization" if written is None else written
        )
        self.pattern = (
            None
            if config.validation_expression is None
            else re.compile(config.validation_expression)
        )
        self.simple = api is Api.HTTP and (
            config.payload == "2.0" if config.simple_responses is None else config.simple_responses
        )
        self.ttl = config.ttl if self.sources else 0  # no identity source: no cache
        self.timeout = config.timeout
        self.handler = resolve_handler(config.handler)
        self.handler_time = handler_time or _no_time
        self.config = config
        self._cache: dict[tuple[str, ...], tuple[float, Answer]] = {}
        self._lock = threading.Lock()

    def share(self, other: Authorizing) -> None:
        """Use ``other``'s result cache: the same authorizer on another
        method of the API (API Gateway caches by the identity, not the method)."""
        self._cache, self._lock = other._cache, other._lock

    def reset(self) -> None:
        """Forget every cached result (a fault started afresh)."""
        with self._lock:
            self._cache.clear()

    def decide(self, gateway: Gateway, arrived_at: float, incoming: Incoming) -> AuthOutcome | None:
        """The decision for ``incoming``, or ``None`` when no route takes it
        (the gateway answers that before any authorizer)."""
        routed = routed_request(self.proxy_api, gateway, arrived_at, incoming)
        if routed is None:
            return None
        route, ids, request, proxy_event = routed
        identity = self._identity(request, proxy_event)
        if identity is None or (
            self.pattern is not None and self.pattern.fullmatch(identity[0]) is None
        ):
            reason = "identity source missing" if identity is None else "token not valid"
            auth = Authorization(self.kind, "unauthorized", identity, reason=reason)
            return self._refuse("unauthorized", auth, gateway, arrived_at, incoming, ids)
        arn = self._arn(incoming, proxy_event, route)
        return self._answered(gateway, arrived_at, incoming, ids, (proxy_event, arn, identity))

    def _identity(
        self, request: ProxyRequest, proxy_event: Mapping[str, Any]
    ) -> tuple[str, ...] | None:
        return identity_of(self.sources, self.proxy_api, request, proxy_event)

    def _arn(self, incoming: Incoming, proxy_event: Mapping[str, Any], route: Route) -> str:
        host = urlsplit(incoming.url).netloc.lower()
        found = _EXECUTE_API.search(host)
        region = _DEFAULT_REGION if found is None else found[1]
        context = proxy_event.get("requestContext") or {}
        return method_arn(
            region,
            self.proxy_api.account_id,
            str(context.get("apiId", "")),
            route.stage,
            incoming.method,
            route.path,
        )

    def _answered(
        self,
        gateway: Gateway,
        arrived_at: float,
        incoming: Incoming,
        ids: LambdaIds,
        request: tuple[dict[str, Any], str, tuple[str, ...]],
    ) -> AuthOutcome:
        """The decision from the cached answer, or from a fresh invocation."""
        proxy_event, arn, identity = request
        cached = self._cached(identity, arrived_at)
        event: dict[str, Any] | None = None
        log: str | None = None
        latency_ms = 0
        if cached is None:
            event = authorizer_event(
                proxy_event, api=self.api, kind=self.kind, arn=arn, identity=identity
            )
            invocation, latency_ms = self._invoke(event, gateway, arrived_at, incoming)
            log = invocation.log
            answer, failure = self._answer(invocation)
            if answer is None:  # unauthorized or error: nothing cached
                decision, reason = failure
                row = "unauthorized" if decision == "unauthorized" else _CONFIGURATION
                auth = Authorization(
                    self.kind, decision, identity, invoked=True, cached=self._caching(False),
                    event=event, log=log, reason=reason,
                )
                return self._refuse(row, auth, gateway, arrived_at, incoming, ids)
            self._store(identity, arrived_at, answer)
        else:
            answer = cached
        return self._verdict(
            answer, arn, (gateway, arrived_at, incoming, ids),
            Authorization(
                self.kind, "allow", identity, invoked=cached is None,
                cached=self._caching(cached is not None), principal_id=answer.principal_id,
                context=dict(answer.context), usage_identifier_key=answer.usage_identifier_key,
                event=event, log=log,
            ),
            latency_ms,
        )

    def _verdict(
        self,
        answer: Answer,
        arn: str,
        where: tuple[Gateway, float, Incoming, LambdaIds],
        auth: Authorization,
        latency_ms: int,
    ) -> AuthOutcome:
        gateway, arrived_at, incoming, ids = where
        try:
            verdict = (
                (ALLOW if answer.authorized else EXPLICIT_DENY)
                if answer.policy is None
                else evaluate(answer.policy, arn)
            )
        except PolicyError as error:
            failed = dataclasses.replace(auth, decision="error", reason=str(error))
            return self._refuse(_CONFIGURATION, failed, gateway, arrived_at, incoming, ids)
        if verdict == ALLOW:
            return AuthOutcome(auth, ids=ids, answer=answer, latency_ms=latency_ms)
        denied = dataclasses.replace(auth, decision="deny", reason=verdict)
        row = SCENARIOS[("access_denied", self.api)]
        if self.api is Api.REST and verdict != EXPLICIT_DENY:
            row = dataclasses.replace(
                row, body=f'{{"Message":"{_IMPLICIT_MESSAGE}"}}'.encode(), message=_IMPLICIT_MESSAGE
            )
        refused = self._refuse(row, denied, gateway, arrived_at, incoming, ids)
        # kept for a resource policy that allows what the authorizer left
        # undecided (Table A, ``.resource_policy``)
        return dataclasses.replace(refused, ids=ids, answer=answer, latency_ms=latency_ms)

    def _refuse(
        self,
        row: str | Scenario,
        auth: Authorization,
        gateway: Gateway,
        arrived_at: float,
        incoming: Incoming,
        ids: LambdaIds,
    ) -> AuthOutcome:
        scenario = SCENARIOS[(row, self.api)] if isinstance(row, str) else row
        exchange = gateway.respond(scenario, arrived_at, incoming, ids=ids)
        exchange = dataclasses.replace(exchange, lambda_request_id=None)
        outcome = AuthOutcome(auth)
        return dataclasses.replace(outcome, refusal=outcome.stamp(exchange))

    # the cache ---------------------------------------------------------------

    def _caching(self, hit: bool) -> bool | None:
        return None if self.ttl == 0 else hit

    def _cached(self, identity: tuple[str, ...], now: float) -> Answer | None:
        if self.ttl == 0:
            return None
        with self._lock:
            found = self._cache.get(identity)
            if found is None or now >= found[0]:
                return None
            return found[1]

    def _store(self, identity: tuple[str, ...], now: float, answer: Answer) -> None:
        if self.ttl:
            with self._lock:
                self._cache[identity] = (now + self.ttl, answer)

    # the invocation ------------------------------------------------------------

    def _invoke(
        self, event: dict[str, Any], gateway: Gateway, arrived_at: float, incoming: Incoming
    ) -> tuple[Invocation, int]:
        """Run the authorizer function; what it gave and how long it took (ms)."""
        own: list[Spent] = []

        def clock() -> float:
            return arrived_at + sum(spent.seconds for spent in own)

        context = LambdaContext(
            aws_request_id=gateway.lambda_ids(arrived_at, incoming, api=self.api).lambda_request_id,
            function_name=_name(self.handler),
            timeout=self.timeout,
            clock=clock,
            started_at=arrived_at,
        )
        with self.handler_time() as spent:
            own.extend(() if spent is None else (spent,))
            invocation = invoke(self.handler, event, context)
        return invocation, int((clock() - arrived_at) * 1000)

    def _answer(self, invocation: Invocation) -> tuple[Answer | None, tuple[str, str]]:
        """The usable answer, or why there is none: ``"unauthorized"`` or
        ``"error"`` and the reason."""
        error = invocation.error
        if error is not None:
            message = error.get("errorMessage")
            reason = f"{error.get('errorType')}: {message}"
            return None, ("unauthorized" if message == "Unauthorized" else "error", reason)
        try:
            return parse_answer(invocation.payload, api=self.api, simple=self.simple), ("", "")
        except PolicyError as problem:
            return None, ("error", str(problem))


def identity_of(
    sources: tuple[IdentitySource, ...],
    proxy_api: ProxyApi,
    request: ProxyRequest,
    proxy_event: Mapping[str, Any],
) -> tuple[str, ...] | None:
    """The value of each identity source in the request, or ``None`` when
    one is missing or empty."""
    query = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
    context = proxy_event.get("requestContext") or {}

    def lookup(name: str) -> object:
        value: object = context
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value

    return values_of(
        sources,
        header=request.header,
        query=query,
        stage_variables=proxy_api.stage_variables,
        context=lookup,
    )


def _name(handler: object) -> str:
    name = getattr(handler, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() else "authorizer"
