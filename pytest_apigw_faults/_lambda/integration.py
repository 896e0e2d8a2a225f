"""A real Lambda handler behind the fake gateway, and fail-then-succeed sequences.

For each call a handler (or a static result) answers, :class:`Integration`
does what API Gateway and Lambda do in turn: route the request, once (stage,
then route, :func:`.routes.resolve_route`; no match is ``stage_not_found`` /
``route_not_found``), draw the request's ids, build the event with them and
the route found (:func:`.events.build_event`), let Lambda refuse an event over
its 6 MB invocation limit (:func:`._gateway.admission.refusal`), run
the handler with a :class:`._lambda.LambdaContext` on a virtual clock,
translate its answer (:func:`.results.translate_invocation`) and put it on the
wire with the gateway's own headers (:meth:`._gateway.Gateway.succeed`) or as
the failure row it becomes (:meth:`._gateway.Gateway.respond`). It imports no
HTTP client.

Time is virtual: the handler's real running time does not count. It "takes"
``handler_duration`` seconds (a number, or a callable given the event), plus
what it waits on its own clock (``handler_time``: on virtual time, its sleeps
and timed waits pass at once there): the context's clock stands at the
request's arrival, moves with those waits while the handler runs, and on by
``handler_duration`` when it returns. Past the function timeout the answer
is ``function_timeout``; past the integration timeout (when that is the
shorter) ``integration_timeout``, after the integration timeout.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from .._gateway.admission import refusal
from .._gateway.context import SOURCE_IP
from .._gateway.limits import DEFAULT_FUNCTION_TIMEOUT, LAMBDA_PAYLOAD_BYTES
from .._gateway.render import DEFAULT_ACCOUNT_ID
from .._gateway.table import SCENARIOS, Api, ApigwFaultError, Scenario
from .._gateway.wire import Exchange, Gateway, Incoming, LambdaIds
from .events import build_event, payload_size
from .import_errors import import_failure
from .results import FUNCTION_TIMEOUT, ProxyFailure, translate_invocation
from .routes import (
    DEFAULT_ROUTES,
    ProxyApi,
    ProxyRequest,
    Route,
    Unrouted,
    resolve_route,
)
from .runtime import Invocation, LambdaContext, invoke

if TYPE_CHECKING:
    from .authorizer import AuthOutcome

__all__ = ["DEFAULT_FUNCTION_TIMEOUT", "Integration", "LambdaStep", "Step", "make_step"]

#: Lambda's default function timeout, in seconds.

Handler = Callable[[Any, LambdaContext], object]


@dataclass(frozen=True)
class LambdaStep:
    """One answer by the Lambda: ``handler`` runs, or (``handler`` is
    ``None``) the function returns ``result`` as it is. ``given`` is what
    the user wrote, for messages."""

    handler: Handler | None
    result: object = None
    given: object = None

    def describe(self) -> str:
        if self.handler is None:
            return repr(self.result)
        if isinstance(self.given, str):
            return repr(self.given)
        module = getattr(self.handler, "__module__", None)
        name = getattr(self.handler, "__qualname__", None) or repr(self.handler)
        return f"{module}.{name}" if module else str(name)


#: What answers one call of a scripted fault.
Step = Scenario | LambdaStep


def _import_failed(spec: str, module_name: str, error: BaseException) -> str:
    """What importing the handler's module raised, in the user's lines."""
    return f"handler {spec!r}: importing module {module_name!r} raised {import_failure(error)}"


def resolve_handler(spec: object) -> Handler:
    """``spec`` itself when callable; a ``"module:function"`` path imported
    now, with an error naming the module or the attribute that is missing."""
    __tracebackhide__ = True
    if callable(spec):
        return cast(Handler, spec)
    assert isinstance(spec, str)
    module_name, _, attribute = spec.partition(":")
    try:
        value: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is None or not f"{module_name}.".startswith(f"{error.name}."):
            raise ApigwFaultError(_import_failed(spec, module_name, error)) from None
        raise ApigwFaultError(
            f"handler {spec!r}: cannot import module {module_name!r}: {error}"
        ) from error
    except Exception as error:
        raise ApigwFaultError(_import_failed(spec, module_name, error)) from None
    for part in attribute.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise ApigwFaultError(
                f"handler {spec!r}: module {module_name!r} has no attribute {attribute!r}"
            ) from None
    if not callable(value):
        raise ApigwFaultError(
            f"handler {spec!r}: {module_name}.{attribute} is a {type(value).__name__},"
            " not a callable (event, context) -> result"
        )
    return value  # type: ignore[no-any-return]


def make_step(item: object, api: Api) -> Step:
    """The step of an item the fault's options have checked: a scenario row, or a
    handler (resolved now) or a static result."""
    __tracebackhide__ = True
    if isinstance(item, Scenario):
        return item
    if isinstance(item, str) and ":" not in item:
        return SCENARIOS[(item, api)]
    if isinstance(item, Mapping):
        return LambdaStep(None, item, item)
    return LambdaStep(resolve_handler(item), given=item)


def _header_pairs(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """A client's request headers in order, repeats and spelling kept."""
    raw = getattr(headers, "raw", None)  # httpx.Headers: the names as sent
    if isinstance(raw, list):
        return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)
    multi = getattr(headers, "multi_items", None)
    if callable(multi):
        return tuple(multi())
    return tuple(headers.items())


def proxy_event(
    proxy_api: ProxyApi,
    incoming: Incoming,
    body: bytes,
    ids: LambdaIds,
    arrived_at: float,
    route: Route,
) -> tuple[ProxyRequest, dict[str, Any]]:
    """The request as the integration sees it, and its proxy event, with
    the call's ids: what the handler, and an authorizer before it, are given."""
    request = ProxyRequest(incoming.method, incoming.url, _header_pairs(incoming.headers), body)
    event = build_event(
        request,
        proxy_api,
        request_id=ids.request_id,
        extended_request_id=ids.extended_request_id,
        time_epoch_ms=int(arrived_at * 1000),
        trace_id=ids.trace_id,
        route=route,
    )
    return request, event


class Spent(Protocol):
    """How far a handler's own clock moved while it ran, in seconds."""

    seconds: float


@contextlib.contextmanager
def _no_time() -> Iterator[Spent | None]:
    yield None


def check_reserved_concurrency(value: object, context: object = None) -> int:
    """``value`` if it is a function's reserved concurrency: a whole number, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ApigwFaultError(
            f"reserved_concurrency={value!r}: the invocations the function may run at once,"
            " a whole number, 0 or more (0 throttles every call)"
        )
    return value


class Concurrency:
    """A function's reserved concurrency: how many invocations may be in
    flight at once [D-LAMBDA-CONCURRENCY]. An invocation is in flight from
    its arrival to its end in the gateway's time (a ``handler_duration=``
    included, so calls on virtual time overlap as they would on AWS); one
    still running in another thread is in flight until it ends. One over
    the limit is refused by Lambda (429 TooManyRequestsException), which the
    gateway answers with its ``lambda_throttled`` row; the handler never runs."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._spans: list[list[float]] = []  # [start, end]; end inf while running
        self._lock = threading.Lock()

    def acquire(self, at: float) -> list[float] | None:
        """A slot for an invocation arriving ``at``, or ``None`` when every
        slot is taken."""
        with self._lock:
            self._spans = [span for span in self._spans if span[1] > at]
            if sum(1 for start, _ in self._spans if start <= at) >= self.limit:
                return None
            span = [at, math.inf]
            self._spans.append(span)
            return span

    def release(self, span: list[float], end: float) -> None:
        with self._lock:
            span[1] = end


class Integration:
    """A Lambda proxy integration: the API in front of it, the function's
    timeout and how long each invocation takes."""

    def __init__(
        self,
        api: Api,
        *,
        stage: str | None = None,
        route: str | None = None,
        stage_variables: Mapping[str, str] | None = None,
        binary_media_types: tuple[str, ...] | None = None,
        payload_format: str | None = None,
        handler_duration: float | Callable[[Any], float] | None = None,
        handler_time: Callable[[], AbstractContextManager[Spent | None]] | None = None,
        source_ip: str | None = None,
        account_id: str | None = None,
        reserved_concurrency: int | None = None,
    ) -> None:
        self.api = api
        self.concurrency = None if reserved_concurrency is None else Concurrency(
            reserved_concurrency
        )
        #: Runs a handler in its own time and says how far that moved (the
        #: virtual clock's, when it runs; see :meth:`_invoke`).
        self.handler_time = handler_time or _no_time
        self.proxy_api = ProxyApi(  # checks the route, the stage and the payload format
            api,
            route or DEFAULT_ROUTES[api],
            stage=stage,
            payload_format=payload_format,
            stage_variables=stage_variables or {},
            binary_media_types=binary_media_types or (),
            account_id=account_id or DEFAULT_ACCOUNT_ID,
            source_ip=source_ip or SOURCE_IP,
        )
        self.handler_duration = handler_duration
        # what the API adds to every event, in characters (see _payload)
        self._constant = 16384 + 4 * sum(
            len(name) + len(value) for name, value in self.proxy_api.stage_variables.items()
        ) + 4 * len(self.proxy_api.route)

    def _payload(self, request: ProxyRequest, event: object) -> int:
        """The size of the invocation payload of ``event``, or, when it cannot
        come near Lambda's limit, an upper bound of it (spares encoding it).

        Every string of the event comes from the body (once, base64 at most
        4/3 of it), the headers (at most four times: headers, multi-value
        headers, cookies, the identity), the URL (path, query twice, host,
        parameters: at most eight times) or the API; JSON writes a character
        in at most 6 bytes (an escape)."""
        chars = (
            2 * len(request.body)
            + 4 * sum(len(name) + len(value) + 8 for name, value in request.headers)
            + 8 * len(request.url)
            + self._constant
        )
        bound = 6 * chars
        return bound if bound <= LAMBDA_PAYLOAD_BYTES else payload_size(event)

    def _duration(self, event: object) -> float:
        duration = self.handler_duration
        seconds = duration(event) if callable(duration) else duration or 0.0
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not (seconds >= 0):
            raise ApigwFaultError(
                f"handler_duration gave {seconds!r} for this call; it must give seconds,"
                " a number of at least 0"
            )
        return float(seconds)

    def run(
        self,
        step: LambdaStep,
        gateway: Gateway,
        arrived_at: float,
        incoming: Incoming,
        body: bytes,
        auth: AuthOutcome | None = None,
    ) -> tuple[Exchange, Invocation | None]:
        """The exchange of one call that ``step`` answers, and the Lambda's
        invocation (its payload and log), or ``None`` when the gateway
        answered before invoking it. ``auth`` is the authorizer's pass: its
        ids, and its answer for the event's ``requestContext.authorizer``
        (the caller stamps its decision on the exchange)."""
        api = self.api
        route = resolve_route(self.proxy_api, incoming.method, incoming.url)
        if isinstance(route, Unrouted):
            return gateway.respond(SCENARIOS[(route.scenario, api)], arrived_at, incoming), None
        ids = gateway.lambda_ids(arrived_at, incoming, api=api) if auth is None else auth.ids
        assert ids is not None
        request, event = proxy_event(self.proxy_api, incoming, body, ids, arrived_at, route)
        if auth is not None:
            event = auth.event(event, api)
        refused = refusal(
            api, gateway.endpoint, len(body), invokes=True, payload=self._payload(request, event)
        )
        if refused is not None:  # Lambda refuses the invocation: the handler never runs
            return gateway.respond(refused, arrived_at, incoming), None
        slots = self.concurrency
        span = None if slots is None else slots.acquire(arrived_at)
        if slots is not None and span is None:  # every reserved slot is in flight
            throttled = SCENARIOS[("lambda_throttled", api)]
            return gateway.respond(throttled, arrived_at, incoming, ids=ids, event=event), None
        try:
            exchange, invocation = self._invoke(step, gateway, arrived_at, incoming, ids, event)
        except BaseException:
            if slots is not None and span is not None:
                slots.release(span, arrived_at)
            raise
        if slots is not None and span is not None:
            slots.release(span, arrived_at + exchange.latency)
        return exchange, invocation

    def _invoke(
        self,
        step: LambdaStep,
        gateway: Gateway,
        arrived_at: float,
        incoming: Incoming,
        ids: LambdaIds,
        event: dict[str, Any],
    ) -> tuple[Exchange, Invocation]:
        """Run the handler with ``event`` and put what comes of it on the wire."""
        api = self.api
        function_timeout = gateway.function_timeout or DEFAULT_FUNCTION_TIMEOUT
        timeout_row = SCENARIOS[("integration_timeout", api)]
        integration_timeout = gateway.latency(timeout_row)
        duration = self._duration(event)
        now = arrived_at
        own: list[Spent] = []  # the handler's own time, once it runs

        def clock() -> float:  # what the handler waits moves it too
            return now + sum(spent.seconds for spent in own)

        def returned() -> None:
            nonlocal now
            now = arrived_at + duration

        context = LambdaContext(
            aws_request_id=ids.lambda_request_id,
            function_name=_function_name(step),
            timeout=function_timeout,
            clock=clock,
            started_at=arrived_at,
        )
        handler: Handler = step.handler or _returns(step.result)
        with self.handler_time() as spent:
            own.extend(() if spent is None else (spent,))
            invocation = invoke(handler, event, context, returned=returned)
        duration += clock() - now  # what it waited is the integration's latency
        if duration >= integration_timeout and integration_timeout <= function_timeout:
            # The gateway gave up; the Lambda ran on, its answer unseen.
            exchange = gateway.respond(timeout_row, arrived_at, incoming, ids=ids, event=event)
            return exchange, invocation
        timing = (duration, function_timeout)
        exchange = self._deliver(invocation, gateway, arrived_at, incoming, ids, event, timing)
        return exchange, invocation

    def _deliver(
        self,
        invocation: Invocation,
        gateway: Gateway,
        arrived_at: float,
        incoming: Incoming,
        ids: LambdaIds,
        event: dict[str, Any],
        timing: tuple[float, float],
    ) -> Exchange:
        """What API Gateway makes of the Lambda's answer, on the wire;
        ``timing`` is how long the handler took and the function timeout."""
        api = self.api
        duration, function_timeout = timing
        outcome = translate_invocation(
            invocation,
            api=api,
            payload_format=self.proxy_api.payload_format,
            accept=incoming.header("Accept"),
            binary_media_types=self.proxy_api.binary_media_types,
        )
        if isinstance(outcome, ProxyFailure):
            row = outcome.scenario
            latency = function_timeout if outcome.name == FUNCTION_TIMEOUT else duration
            return gateway.respond(
                row,
                arrived_at,
                incoming,
                ids=ids,
                logs=outcome.render(ids.lambda_request_id),
                latency=latency,
                event=event,
            )
        # [LS-TI]: the tail of a successful Lambda-proxy execution log.
        payload = invocation.payload.decode("utf-8", errors="replace")
        logs = (
            f"Endpoint response body before transformations: {payload}",
            "Successfully completed execution",
            f"Method completed with status: {outcome.status}",
        )
        return gateway.succeed(
            outcome,
            arrived_at,
            incoming,
            ids,
            api=api,
            latency=duration,
            logs=logs,
            event=event,
        )


def _returns(result: object) -> Handler:
    def handler(event: object, context: LambdaContext) -> object:
        return result

    return handler


def _function_name(step: LambdaStep) -> str:
    name = getattr(step.handler, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() else "handler"

