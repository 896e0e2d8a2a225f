"""The activation object: a fault that is started, answers, and is stopped."""

from __future__ import annotations

import functools
import importlib.util
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._gateway.admission import invokes_lambda, refusal, request_size
from .._gateway.auth.keys import UsageAccounts, admit
from .._gateway.auth.precedence import authorize, before_auth, stamped
from .._gateway.features import Features
from .._gateway.names import ScenarioName
from .._gateway.render import check_available, needs_body, rendering_of
from .._gateway.table import SCENARIOS, Api, ApigwFaultError, Endpoint, Scenario, default_endpoint
from .._gateway.wire import Exchange, Gateway, Incoming
from .._lambda.authorizer import authorizing
from .._lambda.iam import iam_checking
from .._lambda.resource_policy import policy_checking
from . import clock as _clock
from . import runtime as _runtime
from .activation import Activation
from .arguments import FaultArguments
from .call import Call
from .calls import Calls
from .checks import CLIENTS
from .matching import UrlMatcher
from .options import FaultOptions, parse

if sys.version_info >= (3, 11):
    from typing import Unpack
elif TYPE_CHECKING:  # Python 3.10: for type checkers only
    from typing_extensions import Unpack

if TYPE_CHECKING:
    from .._lambda.authorizer import Authorizing
    from .._lambda.cognito_authorizer import CognitoAuthorizing
    from .._lambda.iam import IamChecking
    from .._lambda.integration import Integration, Step
    from .._lambda.jwt_authorizer import JwtAuthorizing
    from .._lambda.resource_policy import PolicyChecking
    from .._lambda.runtime import Invocation
    from .realsleep import RealSleep

__all__ = ["ApigwFaultWarning", "Call", "Fault"]


class ApigwFaultWarning(UserWarning):
    """A fault cannot reach every client that is installed."""


def _coherent(options: FaultOptions) -> None:
    """A ``Fault`` answers with one scenario (of one API), a handler or a
    sequence; API keys from an authorizer need the authorizer."""
    keys = options.api_keys
    if keys is not None and keys.source == "AUTHORIZER" and options.authorizer is None:
        raise ApigwFaultError(
            "api_keys=ApiKeys(..., source='AUTHORIZER') takes each call's key from a"
            " Lambda authorizer's usageIdentifierKey: give authorizer= too, or use"
            " source='HEADER' (the x-api-key header)"
        )
    if options.iam is not None and options.authorizer is not None:
        raise ApigwFaultError(
            "a method has one authorization type: give iam= (AWS_IAM) or authorizer="
            " (CUSTOM, COGNITO_USER_POOLS or JWT), not both"
        )
    if options.single:
        return
    if options.name is None:
        raise ApigwFaultError("Fault() needs a scenario name (with api=), handler= or sequence=")
    raise ApigwFaultError(
        f"Fault({options.name!r}) needs api= ('rest' or 'http') to pick one"
        f" scenario; the matrix is for the marker"
    )


@functools.cache
def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _resolve_clients(wanted: tuple[str, ...] | None) -> tuple[str, ...]:
    if wanted is not None:
        for client in wanted:
            backend, extra = CLIENTS[client]
            missing = [m for m in (client, backend) if not _installed(m)]
            if missing:
                raise ApigwFaultError(
                    f"client {client!r} needs {client} and {backend}, but"
                    f" {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'}"
                    f" not installed: pip install '{extra}'"
                )
        return wanted
    found: list[str] = []
    for client, (backend, extra) in CLIENTS.items():
        if not _installed(client):
            continue
        if _installed(backend):
            found.append(client)
        else:
            warnings.warn(
                ApigwFaultWarning(
                    f"{client} is installed but {backend} is not, so calls made"
                    f" with {client} are not faulted: pip install '{extra}', or"
                    f" pass clients= naming only the clients to fault"
                ),
                stacklevel=6,
            )
    if not found:
        raise ApigwFaultError(
            "no supported HTTP client is installed: pip install"
            " 'pytest-apigw-faults[requests]', '[httpx]', '[aiohttp]' or '[all]'"
        )
    return tuple(found)


class Fault(Activation):
    """An API Gateway failure, served to ``requests`` and ``httpx`` while started.

    Use it as a context manager (``with`` / ``async with``), as a decorator
    of sync or async functions and generators (faulted at each step, not
    between), or with :meth:`start` and :meth:`stop`. The arguments are those
    of the ``apigw_fault`` marker, but one scenario must be named: a
    ``Scenario`` from the table, or a name with ``api=``.
    """

    def __init__(
        self,
        scenario: ScenarioName | Scenario | None = None,
        *,
        seed: int | str | None = None,
        **arguments: Unpack[FaultArguments],
    ) -> None:
        """``seed`` fixes the ids for the fault's life; without it, each
        fresh start takes them from the running test's seed (random outside
        pytest). ``gateway_responses`` is an OpenAPI document (a mapping, or
        the path of a JSON or YAML file) whose
        ``x-amazon-apigateway-gateway-responses`` customise the answer.

        ``handler`` (a callable or a ``"module:function"`` path, imported
        now) answers every call as the Lambda behind the API; ``times=N,
        then=X`` answers the first N calls with the scenario (or handler)
        and the later ones with X; ``sequence`` lists what answers each call
        (scenario names, ``Scenario`` rows, handlers, Lambda results), and
        ``after`` says what follows its last item: ``"repeat"`` it (the
        default) or ``"pass"`` through.

        ``virtual_time=True`` runs the client's clocks and sleeps on virtual
        time while the fault is started (needs time-machine): each answer
        advances them by its latency, each sleep by its length.

        The other arguments are those of the marker (see
        :class:`~pytest_apigw_faults._core.arguments.FaultArguments`)."""
        __tracebackhide__ = True
        args = () if scenario is None else (scenario,)
        self._configure(parse(args, arguments, call="Fault"), seed)

    @classmethod
    def _from_options(cls, options: FaultOptions, *, seed: int | str | None = None) -> Fault:
        """The fault of options already checked (the marker's, ``inject``'s)."""
        __tracebackhide__ = True
        fault = cls.__new__(cls)
        fault._configure(options, seed)
        return fault

    def _configure(self, options: FaultOptions, seed: int | str | None) -> None:
        __tracebackhide__ = True
        _coherent(options)
        assert options.api is not None
        self._options = options  # what the route offers (``GatewayApi.failures``)
        self.api: Api = options.api
        #: The scenario named, or ``None`` for a handler or a sequence alone.
        self.scenario: Scenario | None = (
            None if options.name is None else SCENARIOS[(options.name, options.api)]
        )
        self.endpoint: Endpoint = options.endpoint or default_endpoint(self.scenario, options.api)
        self.matcher = UrlMatcher(options.url)
        self.times = options.times
        self.then = options.then
        self.sequence = options.sequence
        self.after = options.after or "repeat"
        self.handler = options.handler
        self.api_keys = options.api_keys
        self._steps: tuple[Step, ...] | None = None
        self._integration: Integration | None = None
        self._limit = options.times
        if options.scripted:
            self._script(options)
        for step in (self.scenario, *(self._steps or ())):
            check_available(step)  # botocore, for a signature's canonical request
        self._wanted_clients = options.clients
        self.clients: tuple[str, ...] = ()
        self._seed = seed
        self.integration_timeout = options.integration_timeout
        self.function_timeout = options.function_timeout
        self.gateway_responses = options.gateway_responses
        self._decisions(options)
        self.gateway = self._gateway(seed)
        #: The calls answered since it started, oldest first (:class:`.calls.Calls`).
        self.calls: Calls = Calls()
        #: Whether the client's clocks and sleeps run on virtual time while
        #: the fault is started (see :mod:`._clock`).
        self.virtual_time = bool(options.virtual_time)
        #: The backoff urllib3's ``Retry`` took between attempts this fault
        #: answered, counted as gateway time (requests only).
        self.sleeps: list[_clock.Sleep] = []
        #: The real sleeps taken while it was started without virtual time.
        self.real_sleeps: list[RealSleep] = []
        #: What each client adapter keeps for this fault while it is started.
        self.backend_state: dict[str, Any] = {}
        self._remaining = self._limit
        self._answered = 0
        self._keys = None if self.api_keys is None else UsageAccounts(self.api_keys)
        self._spent: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()  # times and calls
        self._activation = threading.Lock()  # start and stop
        self._activations = 0

    def _decisions(self, options: FaultOptions) -> None:
        """What the gateway decides for this fault's calls besides its
        answer: auth and policies, throttle, CORS, validation, and the
        values rows rendered from the request read."""
        self._authorizing: (
            Authorizing | JwtAuthorizing | CognitoAuthorizing | IamChecking | PolicyChecking | None
        )
        self._authorizing = policy_checking(
            options, authorizing(options, _clock.handler_time) or iam_checking(options)
        )
        self._features = Features(  # throttle, CORS, request validation
            self.api, cors=options.cors, throttle=options.throttle,
            request_models=options.request_model, route=options.route,
            required_parameters=options.required_parameters if options.handler else None,
        )
        self._rendering = rendering_of(
            options.required_parameters, options.account_id, options.explicit_deny
        )

    def _script(self, options: FaultOptions) -> None:
        """The steps of a handler, ``then=`` or ``sequence=`` fault."""
        __tracebackhide__ = True
        from .._lambda.integration import Integration, LambdaStep, make_step

        api = self.api
        first: Step | None = self.scenario
        if self.handler is not None:
            first = make_step(self.handler, api)
        if self.sequence is not None:
            steps = tuple(make_step(item, api) for item in self.sequence)
        elif self.then is not None:
            assert first is not None
            assert self.times is not None
            steps = (first,) * self.times + (make_step(self.then, api),)
        else:  # a handler alone, every call or the first times=N
            assert first is not None
            steps = (first,)
        self._steps = steps
        if self.sequence is not None or self.then is not None:
            self._limit = None if self.after == "repeat" else len(steps)
        if any(isinstance(step, LambdaStep) for step in steps):
            self._integration = Integration(
                api,
                stage=options.stage,
                route=options.route,
                stage_variables=options.stage_variables,
                binary_media_types=options.binary_media_types,
                payload_format=options.payload_format,
                handler_duration=options.handler_duration,
                reserved_concurrency=options.reserved_concurrency,
                handler_time=_clock.handler_time,
                source_ip=options.source_ip,
                account_id=options.account_id,
            )

    @property
    def reads_body(self) -> bool:
        """Whether a Lambda answers some call, so the adapters must hand the
        request body over (plain faults never read it)."""
        auth = self._authorizing
        return self._integration is not None or bool(auth and auth.reads_body) or (
            self._features.reads_body
        ) or any(
            needs_body(step) for step in (self.scenario, *(self._steps or ()))
            if step is None or isinstance(step, Scenario)
        )

    def _gateway(self, seed: int | str | None) -> Gateway:
        return Gateway(
            self.endpoint,
            seed=seed,
            integration_timeout=self.integration_timeout,
            function_timeout=self.function_timeout,
            responses=self.gateway_responses,
            rendering=self._rendering,
        )

    def __repr__(self) -> str:
        times = "" if self.times is None else f", times={self.times}"
        if self._steps is None:
            assert self.scenario is not None
            return (
                f"Fault({self.scenario.name!r}, api={self.scenario.api.value!r},"
                f" endpoint={self.endpoint.value!r}{times}; {self.matcher.description})"
            )
        from .._lambda.integration import LambdaStep

        def describe(step: Step) -> str:
            return step.describe() if isinstance(step, LambdaStep) else repr(step.name)

        parts = [] if self.scenario is None else [repr(self.scenario.name)]
        if self.handler is not None:
            parts.append(f"handler={describe(self._steps[0])}")
        if self.sequence is not None:
            parts.append(f"sequence=[{', '.join(describe(s) for s in self._steps)}]")
        parts += [f"api={self.api.value!r}", f"endpoint={self.endpoint.value!r}"]
        if times:
            parts.append(times[2:])
        if self.then is not None:
            parts.append(f"then={describe(self._steps[-1])}")
        if self.sequence is not None or self.then is not None:
            parts.append(f"after={self.after!r}")
        return f"Fault({', '.join(parts)}; {self.matcher.description})"

    @property
    def logs(self) -> list[str]:
        """Every execution-log line written so far, call after call."""
        return [line for call in self.calls for line in call.logs]

    def _next_step(self) -> Step | None:
        """What answers the next call: ``None`` for a plain fault."""
        steps = self._steps
        if steps is None:
            return None
        with self._lock:
            index = min(self._answered, len(steps) - 1)
            self._answered += 1
        return steps[index]

    def _take(self) -> bool:
        if self._remaining is None:
            return True
        with self._lock:
            if self._remaining <= 0:
                return False
            self._remaining -= 1
            return True

    def _exchange(
        self, arrived_at: float, incoming: Incoming, body: bytes | None, body_size: int | None,
        decided: dict[str, Any],
    ) -> tuple[Exchange, Invocation | None]:
        """What the gateway does with the next call: refuse it for its size
        or its auth, answer with a row, or let the Lambda answer (its
        invocation too). What auth decided goes in ``decided``, by Call field."""
        step = self._next_step()
        row = self.scenario if step is None else step if isinstance(step, Scenario) else None
        refused = refusal(
            self.api,
            self.endpoint,
            request_size(incoming, body, body_size),
            invokes=row is not None and invokes_lambda(row),
        )
        if refused is not None:
            return self.gateway.respond(refused, arrived_at, incoming), None
        if early := self._features.before_auth(self.gateway, arrived_at, incoming, row):
            return early, None  # throttled, or a preflight the gateway answers
        auth = authorize(self._authorizing, row, self.gateway, arrived_at, incoming)
        if auth is not None and auth.refusal is not None:
            return auth.refusal, None
        keys = None if before_auth(row) else self._keys
        authorization = None if auth is None else auth.authorization
        if refused := admit(keys, arrived_at, incoming, decided, authorization):
            return stamped(auth, self.gateway.respond(refused, arrived_at, incoming)), None
        if invalid := self._features.validate(self.gateway, arrived_at, incoming, body, row):
            return stamped(auth, invalid), None
        if row is not None:
            return stamped(auth, self.gateway.respond(row, arrived_at, incoming)), None
        assert self._integration is not None  # a Lambda answers
        assert step is not None
        assert not isinstance(step, Scenario)
        exchange, invocation = self._integration.run(
            step, self.gateway, arrived_at, incoming, body or b"", auth
        )
        return stamped(auth, exchange), invocation

    def answer(
        self,
        client: str,
        request: Any,
        *,
        read_timeout: float | None,
        method: str = "GET",
        url: str = "",
        headers: Mapping[str, str] | None = None,
        spent: float | None = None,
        body: bytes | None = None,
        body_size: int | None = None,
        wait: bool = True,
    ) -> Call:
        """Let the gateway answer one attempt of ``request`` and record it.

        ``method``, ``url`` and ``headers`` (a case-insensitive mapping, as
        clients keep them) are what the gateway sees of the request. The
        attempt arrives after ``spent``, the gateway time earlier attempts of
        the same request took (by default, those this fault answered for the
        same request object); the client waits for the latency or, when its
        read timeout is shorter, gives up at the timeout. ``body`` is the
        request body, which a Lambda sees (see :attr:`reads_body`); without
        it, ``body_size`` is its size when the client knows it cheaply, and
        else the ``Content-Length`` header says it.

        A body over a limit is refused before anything else answers
        (:mod:`._gateway.admission`); the refusal is a call like any other.
        On virtual time the thread waits ``waited`` on the clock, unless
        ``wait`` is false (an async client's: :func:`.clock.wait_for_call`).
        """
        before = self._spent.get(request, 0.0) if spent is None else spent
        clock = _clock.running()
        # on virtual time the clock stands after the earlier attempts already
        arrived_at = time.time() + (0.0 if clock is not None else before)
        incoming = Incoming(method, url, {} if headers is None else headers, body)
        decided: dict[str, Any] = {}  # by Call field: api_key
        exchange, invocation = self._exchange(arrived_at, incoming, body, body_size, decided)
        exchange = self._features.finish(exchange, incoming)  # an HTTP API's CORS headers
        timed_out = read_timeout is not None and exchange.latency > read_timeout
        waited = read_timeout if timed_out and read_timeout is not None else exchange.latency
        call = Call(
            client, request, exchange, timed_out, before + waited, self, waited=waited, **decided
        )
        call.invocation = invocation
        with self._lock:  # numbered and recorded together: calls in seq order
            call.seq = _runtime.next_seq()
            if spent is None:  # else the adapter counts the attempts itself
                self._spent[request] = call.elapsed
            self.calls._append(call)
        if clock is not None and wait:
            clock.pause(waited)  # once per attempt, here only
        return call

    def note_backoff(self, seconds: float) -> None:
        """The backoff a client adapter counts as gateway time instead of
        sleeping it (urllib3's ``Retry`` through requests): recorded, and
        passed on the virtual clock when it runs."""
        if seconds > 0:
            sleep = _clock.Sleep(float(seconds), "urllib3 Retry", _runtime.next_seq())
            with self._lock:
                self.sleeps.append(sleep)
            if (clock := _clock.running()) is not None:
                clock.pause(seconds)

    # activation (see .activation) -------------------------------------------

    def _resolve(self) -> tuple[str, ...]:
        return _resolve_clients(self._wanted_clients)

    def _afresh(self, runtime: _runtime.Runtime) -> None:
        with self._lock:
            if self._seed is None:  # ids from the running test's seed
                self.gateway = self._gateway(runtime.next_seed())
            self.calls = Calls(self.calls.keep)
            self._remaining = self._limit
            self._answered = 0
            self._keys = None if self.api_keys is None else UsageAccounts(self.api_keys)
            self._features.reset()
            self._spent = weakref.WeakKeyDictionary()
            self.sleeps = []
            self.real_sleeps = []
            self.backend_state = {}
            if self._authorizing is not None:
                self._authorizing.reset()
