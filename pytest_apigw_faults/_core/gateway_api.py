"""A whole API behind one fake gateway: many routes, each with its Lambda
handler, its auth and its limits, started, stopped and answered like one
:class:`~.fault.Fault`.

The gateway picks the route (``_lambda.router``: the most specific, as AWS
picks it) and the route's own fault decides the rest (size, auth, API keys,
the Lambda), so a route answers exactly as a ``Fault(handler=..., route=...)``
would. A request no route takes gets the API's own answer (REST 403 Missing
Authentication Token, HTTP API 404 Not Found). What AWS keeps per API stage
is shared by the routes: the API keys' usage plans (throttle and quota count
every method's calls) and a Lambda authorizer's result cache (cached by the
identity; the policy is evaluated against each method's ARN).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._gateway.auth.config import LambdaAuthorizer
from .._gateway.auth.jwt import JwtAuthorizer
from .._gateway.auth.keys import UsageAccounts
from .._gateway.features import Features
from .._gateway.names import ScenarioName
from .._gateway.reachable import reachable
from .._gateway.table import SCENARIOS, Api, ApigwFaultError, Scenario, parse_api
from .._gateway.wire import Exchange, Incoming
from .._lambda.authorizer import Authorizing
from .._lambda.router import pick_route
from .._lambda.routes import ROUTE_METHODS, Unrouted, check_route, parse_route_key
from .arguments import FaultArguments
from .fault import Fault
from .options import FaultOptions, parse
from .template_api import Unsupported

if sys.version_info >= (3, 11):
    from typing import Unpack
elif TYPE_CHECKING:  # Python 3.10: for type checkers only
    from typing_extensions import Unpack

if TYPE_CHECKING:
    from .._lambda.runtime import Invocation
    from . import runtime as _runtime

__all__ = ["ApiRoute", "GatewayApi"]

#: The fault arguments the API's own answers (to a call no route takes) read;
#: every argument also goes to each route.
_API_OWN = ("url", "clients", "endpoint", "virtual_time", "gateway_responses", "account_id")
#: What a route is given as: its handler, or its fault arguments (``handler``
#: among them) and ``api_key_required``.
RouteSpec = Callable[[Any, Any], object] | str | Mapping[str, Any]


@dataclass(frozen=True)
class ApiRoute:
    """One route of a :class:`GatewayApi`: its key (``"GET /orders/{id}"``,
    ``"ANY /{proxy+}"``, ``"$default"``) and the fault that answers it, or
    (``unsupported``) why the fake gateway cannot answer it: a call to it
    raises :class:`ApigwFaultError` saying so."""

    key: str
    fault: Fault | None
    unsupported: str | None = None


def _route_key(api: Api, key: object) -> str:
    """``key`` as ``"METHOD /path"`` (or ``"$default"``), checked."""
    if not isinstance(key, str) or not key.strip():
        raise ApigwFaultError(
            f"a route is 'METHOD /path' (e.g. 'GET /orders/{{id}}' or 'ANY /{{proxy+}}'),"
            f" got {key!r}"
        )
    method, path = parse_route_key(key.strip())
    if method not in ROUTE_METHODS:
        raise ApigwFaultError(
            f"route {key!r}: {method!r} is not a method; use one of {', '.join(ROUTE_METHODS)}"
        )
    if path is None:
        if api is Api.REST:
            raise ApigwFaultError("'$default' is an HTTP API route; a REST API names each path")
        return "$default"
    check_route(Api.REST, path)  # a path template, as REST resources are written
    return f"{method} {path}"


class GatewayApi(Fault):
    """An API of many routes behind the fake gateway (see the module doc):
    ``GatewayApi({"GET /orders/{id}": get_order, "POST /orders": create}, api="rest")``.

    ``routes`` maps each route key to its handler (a callable or a
    ``"module:function"`` path) or to a dict of its fault arguments
    (``handler`` among them; ``authorizer``, ``function_timeout``, …), plus
    ``api_key_required`` (default: ``True`` when ``api_keys=`` is given). The
    other keyword arguments are the marker's and apply to every route unless
    the route's dict says otherwise.
    """

    def __init__(
        self,
        routes: Mapping[str, RouteSpec | Unsupported],
        *,
        seed: int | str | None = None,
        **shared: Unpack[FaultArguments],
    ) -> None:
        if not isinstance(routes, Mapping) or not routes:
            raise ApigwFaultError(
                "GatewayApi(routes, api=...) takes a dict of route key to handler (or to a"
                f" dict of the route's fault arguments), got {routes!r}"
            )
        given: dict[str, Any] = {k: v for k, v in shared.items() if v is not None}
        if "api" not in given:
            raise ApigwFaultError("GatewayApi(routes, api=...) needs api= ('rest' or 'http')")
        kind = parse_api(given.pop("api"))
        for name in ("times", "then", "sequence", "after", "handler", "route"):
            if name in given:
                raise ApigwFaultError(
                    f"GatewayApi takes {name}= per route (in the route's dict), not for the"
                    f" whole API; inject a failure on one route with .inject(..., route=)"
                )
        own = {k: v for k, v in given.items() if k in _API_OWN}
        self._configure(parse(("route_not_found",), {"api": kind, **own}, call="Fault"), seed)
        self.scenario = None  # the routes answer; route_not_found only what none takes
        self._stage = given.get("stage")
        # the stage's throttle counts every route's calls; an HTTP API's CORS
        # headers go on every answer, and it answers the preflights no route takes
        self._features = Features(
            kind, cors=given.get("cors"), throttle=given.pop("throttle", None), preflights=True
        )
        self.routes: tuple[ApiRoute, ...] = tuple(
            self._route(kind, key, spec, given, seed) for key, spec in routes.items()
        )
        keys = [route.key for route in self.routes]
        duplicated = sorted({key for key in keys if keys.count(key) > 1})
        if duplicated:
            raise ApigwFaultError(f"route {duplicated[0]!r} is given twice")
        self._route_keys = tuple(keys)
        self._injected: dict[int, list[Fault]] = {}
        self._share_concurrency()

    def _share_concurrency(self) -> None:
        """Routes of one function share its reserved concurrency: its
        invocations in flight count, whichever route made them."""
        first: dict[int, Any] = {}
        for route in self.routes:
            integration = None if route.fault is None else route.fault._integration
            if integration is None or integration.concurrency is None:
                continue
            handler = route.fault._options.handler  # type: ignore[union-attr]
            shared = first.setdefault(id(handler), integration.concurrency)
            integration.concurrency = shared

    def _route(
        self,
        api: Api,
        key: object,
        spec: RouteSpec | Unsupported,
        shared: dict[str, Any],
        seed: int | str | None,
    ) -> ApiRoute:
        written = _route_key(api, key)
        if isinstance(spec, Unsupported):
            return ApiRoute(written, None, spec.reason)
        if isinstance(spec, Mapping):
            own = dict(spec)
        elif callable(spec) or isinstance(spec, str):
            own = {"handler": spec}
        else:
            raise ApigwFaultError(
                f"route {written!r}: give its handler (a callable or 'module:function') or a"
                f" dict of its fault arguments, got {spec!r}"
            )
        required = own.pop("api_key_required", None)
        merged = {**shared, **own, "api": api}
        if required is None:
            required = merged.get("api_keys") is not None
        if not required:
            merged.pop("api_keys", None)
        elif merged.get("api_keys") is None:
            raise ApigwFaultError(
                f"route {written!r} requires an API key, and no api_keys= declares any"
            )
        if "handler" not in merged:
            raise ApigwFaultError(f"route {written!r} has no handler=")
        _, path = parse_route_key(written)
        merged["route"] = path if api is Api.REST else written
        route_seed = None if seed is None else f"{seed}/{written}"
        try:
            options = parse((), merged, call="Fault")
        except ApigwFaultError as error:
            raise ApigwFaultError(f"route {written!r}: {error}") from None
        return ApiRoute(written, Fault._from_options(options, seed=route_seed))

    def __repr__(self) -> str:
        keys = ", ".join(repr(route.key) for route in self.routes)
        return f"GatewayApi(api={self.api.value!r}, routes=[{keys}]; {self.matcher.description})"

    @classmethod
    def from_template(
        cls,
        source: str | os.PathLike[str] | Mapping[str, Any],
        *,
        api_name: str | None = None,
        parameters: Mapping[str, object] | None = None,
        handlers: Mapping[str, Callable[[Any, Any], object]] | None = None,
        jwks: Any = None,
        seed: int | str | None = None,
        **shared: Unpack[FaultArguments],
    ) -> GatewayApi:
        """The API a SAM, CloudFormation (CDK output too) or OpenAPI template
        declares (a file, or its dict), every route answered by its own
        Python handler (see :mod:`.template_api`).

        ``api_name``: the API's logical id (or name) when the template has
        several. ``parameters`` override the template's parameters (and
        pseudo parameters such as ``AWS::Region``); ``stage=`` picks its
        stage. ``handlers`` answer routes the template's code cannot (by
        route key ``"GET /orders/{id}"``, function logical id or authorizer
        name): another runtime, or an integration that is not a Lambda.
        ``jwks``: the keys of JWT and Cognito authorizers (one set, or a dict
        by authorizer name). ``iam=`` gives AWS_IAM routes their callers'
        credentials; the other keyword arguments are the marker's, applied
        to every route over what the template says."""
        from .template_api import api_arguments, described_api, route_arguments

        __tracebackhide__ = True
        given: dict[str, Any] = {k: v for k, v in shared.items() if v is not None}
        stage = given.get("stage")
        iam = given.pop("iam", None)
        routes: dict[str, RouteSpec | Unsupported] = {}
        try:
            description = described_api(
                source, api_name=api_name, parameters=parameters, stage=stage
            )
            for route in description.routes:
                key = "$default" if route.route == "$default" else f"{route.method} {route.path}"
                routes[key] = route_arguments(description, route, handlers or {}, jwks, iam)
        except ApigwFaultError as error:  # the template's or its code's fault: no loader frames
            raise error.with_traceback(None) from error.__cause__
        if not routes:
            raise ApigwFaultError(f"{source}: API {description.logical_id} has no route")
        arguments = {**api_arguments(description), **given}
        return cls(routes, seed=seed, **arguments)

    def failures(self) -> tuple[tuple[str, Scenario], ...]:
        """Every (route key, row) this API can give: each route with the rows
        of the table it can fail with (``_gateway.reachable``: a route
        without an authorizer cannot give ``unauthorized``, one without a
        required API key ``invalid_api_key``), in route and table order."""
        found: list[tuple[str, Scenario]] = []
        for route in self.routes:
            if route.fault is not None:
                rows = reachable(self.api, self.endpoint, _features(route.fault._options))
                found += [(route.key, row) for row in rows]
        return tuple(found)

    @property
    def reads_body(self) -> bool:
        return any(route.fault.reads_body for route in self.routes if route.fault is not None)

    def inject(
        self, scenario: ScenarioName | Scenario, *, route: str, times: int | None = None
    ) -> Fault:
        """Answer the calls ``route`` takes with ``scenario`` (the first
        ``times`` of them, or every one) while the other routes keep
        answering: "this route's Lambda is throttled, the rest work"."""
        key = _route_key(self.api, route)
        if key not in self._route_keys:
            import difflib

            close = difflib.get_close_matches(key, self._route_keys, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ApigwFaultError(
                f"no route {key!r} in this API{hint} Its routes: {', '.join(self._route_keys)}"
            )
        index = self._route_keys.index(key)
        fault = Fault(scenario, api=self.api, times=times, endpoint=self.endpoint.value)
        with self._lock:
            self._injected.setdefault(index, []).append(fault)
        return fault

    def _afresh(self, runtime: _runtime.Runtime) -> None:
        super()._afresh(runtime)
        caches: dict[int, Authorizing] = {}
        accounts: dict[int, UsageAccounts] = {}
        for route in self.routes:
            fault = route.fault
            if fault is None:
                continue
            fault._afresh(runtime)
            if fault.api_keys is not None:  # a key's plan counts every method's calls
                fault._keys = accounts.setdefault(id(fault.api_keys), UsageAccounts(fault.api_keys))
            authorizing = fault._authorizing
            if isinstance(authorizing, Authorizing):  # one cache per authorizer
                first = caches.setdefault(id(authorizing.config), authorizing)
                if first is not authorizing:
                    authorizing.share(first)
        with self._lock:
            self._injected = {}

    def _exchange(
        self, arrived_at: float, incoming: Incoming, body: bytes | None, body_size: int | None,
        decided: dict[str, Any],
    ) -> tuple[Exchange, Invocation | None]:
        """The route that takes the call answers it; with none, the API."""
        features = self._features
        if (throttled := features.throttled(self.gateway, arrived_at, incoming)) is not None:
            return throttled, None  # ⚠️ before routing: a stage's throttle takes every call
        picked = pick_route(self.api, self._route_keys, self._stage, incoming.method, incoming.url)
        if isinstance(picked, Unrouted):
            if features.cors is not None and (
                self.api is Api.HTTP or picked.resource is not None  # REST: SAM's OPTIONS methods
            ):
                early = features.before_auth(self.gateway, arrived_at, incoming, None)
                if early is not None:
                    return early, None
            row = SCENARIOS[(picked.scenario, self.api)]
            return self.gateway.respond(row, arrived_at, incoming), None
        index, _ = picked
        fault = self.routes[index].fault
        if fault is None:
            raise ApigwFaultError(f"{self.routes[index].unsupported}")
        for injected in reversed(self._injected.get(index, ())):
            if injected._take():
                injected.gateway = fault.gateway
                return injected._exchange(arrived_at, incoming, body, body_size, decided)
        return fault._exchange(arrived_at, incoming, body, body_size, decided)


def _features(options: FaultOptions) -> set[str]:
    """What a route's options give it that some rows need (``reachable.NEEDS``)."""
    found: set[str] = set()
    authorizer = options.authorizer
    if isinstance(authorizer, LambdaAuthorizer):
        found.add("lambda_authorizer")
    elif isinstance(authorizer, JwtAuthorizer):
        found |= {"jwt", "jwt_scopes"} if authorizer.scopes else {"jwt"}
    elif authorizer is not None:
        found.add("cognito")
    if options.iam is not None:
        found.add("iam")
    if options.resource_policy is not None:
        found.add("resource_policy")
    if options.api_keys is not None:
        found.add("api_key")
        if any(plan.quota is not None for plan in options.api_keys.plans.values()):
            found.add("quota")
    if options.request_model is not None:
        found.add("request_model")
    if options.required_parameters:
        found.add("required_parameters")
    return found
