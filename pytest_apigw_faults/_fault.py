"""The activation object: a fault that is started, answers, and is stopped."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import itertools
import re
import threading
import time
import warnings
import weakref
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, TypeVar, cast

from ._gateway import Exchange, Gateway
from ._matching import UrlMatcher
from ._options import CLIENTS, parse_args
from ._seeding import next_seed
from ._table import ENDPOINTS, SCENARIOS, ApigwFaultError, Endpoint, Scenario

__all__ = ["ApigwFaultWarning", "Call", "Fault"]

_F = TypeVar("_F", bound=Callable[..., Any])


class ApigwFaultWarning(UserWarning):
    """A fault cannot reach every client that is installed."""


@dataclass
class Call:
    """One request a fault answered.

    ``request`` and ``response`` are the client's own objects
    (``requests.PreparedRequest`` / ``requests.Response``, or
    ``httpx.Request`` / ``httpx.Response``). When the client gave up first
    (its read timeout was shorter than the gateway's latency), ``response``
    is ``None`` and ``exception`` holds what the client raised.
    """

    client: str
    request: Any
    exchange: Exchange
    timed_out: bool
    elapsed: float
    fault: Fault = field(repr=False, compare=False)
    response: Any = None
    exception: BaseException | None = None
    seq: int = field(default=0, repr=False, compare=False)

    @property
    def scenario(self) -> Scenario:
        return self.exchange.scenario

    @property
    def request_id(self) -> str:
        """``x-amzn-requestid`` (REST) or ``apigw-requestid`` (HTTP API)."""
        return self.exchange.request_id

    @property
    def logs(self) -> tuple[str, ...]:
        """The execution-log lines the gateway wrote for this call."""
        return self.exchange.logs


class _Backend(Protocol):
    def install(self) -> None: ...

    def uninstall(self) -> None: ...


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
                stacklevel=4,
            )
    if not found:
        raise ApigwFaultError(
            "no supported HTTP client is installed: pip install"
            " 'pytest-apigw-faults[requests]', '[httpx]' or '[all]'"
        )
    return tuple(found)


class _Active:
    """The faults that are started, newest last, and the patches they need.

    The patches are process-wide by nature (they replace methods of client
    classes), so this registry is too: one instance, guarded by a lock. A
    backend is installed when the first fault that needs it starts, and
    removed when the last one stops, whatever order faults stop in.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        # replaced, never mutated, so that readers need no lock
        self._faults: tuple[Fault, ...] = ()
        self._users: dict[str, int] = {}
        self._backends: dict[str, _Backend] = {}

    @property
    def faults(self) -> tuple[Fault, ...]:
        """The started faults, oldest first."""
        return self._faults

    def _backend(self, client: str) -> _Backend:
        backend = self._backends.get(client)
        if backend is None:
            module = importlib.import_module(f"pytest_apigw_faults._{client}")
            backend = cast(_Backend, module.BACKEND)
            self._backends[client] = backend
        return backend

    def add(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                raise RuntimeError(f"{fault!r} is already started")
            installed: list[str] = []
            try:
                for client in fault.clients:
                    if not self._users.get(client):
                        self._backend(client).install()
                    self._users[client] = self._users.get(client, 0) + 1
                    installed.append(client)
            except BaseException:
                for client in installed:
                    self._release(client)
                raise
            self._faults = (*self._faults, fault)

    def _release(self, client: str) -> None:
        self._users[client] -= 1
        if not self._users[client]:
            self._backend(client).uninstall()

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault not in self._faults:
                return
            self._faults = tuple(f for f in self._faults if f is not fault)
            errors: list[Exception] = []
            for client in fault.clients:
                try:
                    self._release(client)
                except Exception as error:  # release the other clients all the same
                    errors.append(error)
            if errors:
                raise errors[0]

    def _matching(self, url: str, client: str) -> Iterator[Fault]:
        for fault in reversed(self._faults):
            if client in fault.clients and fault.matcher(url):
                yield fault

    def wants(self, url: str, client: str) -> bool:
        """Whether a started fault for ``client`` matches ``url``."""
        return next(self._matching(url, client), None) is not None

    def claim(self, url: str, client: str) -> Fault | None:
        """The newest fault that answers ``url`` now, using one of its ``times``."""
        return next((f for f in self._matching(url, client) if f._take()), None)


ACTIVE = _Active()
_SEQUENCE = itertools.count()


class Fault:
    """An API Gateway failure, served to ``requests`` and ``httpx`` while started.

    Use it as a context manager (``with`` / ``async with``), as a decorator
    of sync or async functions, or with :meth:`start` and :meth:`stop`. The
    arguments are those of the ``apigw_fault`` marker, but one scenario must
    be named: a ``Scenario`` from the table, or a name with ``api=``.
    """

    def __init__(
        self,
        scenario: str | Scenario,
        *,
        api: str | None = None,
        endpoint: str | None = None,
        url: str | re.Pattern[str] | None = None,
        times: int | None = None,
        clients: str | Sequence[str] | None = None,
        seed: int | str | None = None,
    ) -> None:
        """``seed`` fixes the ids for the fault's life; without it, each
        fresh start takes them from the running test's seed (random outside
        pytest)."""
        options = parse_args(
            scenario, api=api, endpoint=endpoint, url=url, times=times, clients=clients
        )
        if not options.single:
            raise ApigwFaultError(
                f"Fault({scenario!r}) needs api= ('rest' or 'http') to pick one"
                f" scenario; the matrix is for the marker"
            )
        assert options.name is not None
        assert options.api is not None
        self.scenario: Scenario = SCENARIOS[(options.name, options.api)]
        self.endpoint: Endpoint = options.endpoint or ENDPOINTS[options.api][0]
        self.matcher = UrlMatcher(options.url)
        self.times = options.times
        self._wanted_clients = options.clients
        self.clients: tuple[str, ...] = ()
        self._seed = seed
        self.gateway = Gateway(self.endpoint, seed=seed)
        self.calls: list[Call] = []
        #: What each client adapter keeps for this fault while it is started.
        self.backend_state: dict[str, Any] = {}
        self._remaining = options.times
        self._spent: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()  # times and calls
        self._activation = threading.Lock()  # start and stop
        self._activations = 0

    def __repr__(self) -> str:
        times = "" if self.times is None else f", times={self.times}"
        return (
            f"Fault({self.scenario.name!r}, api={self.scenario.api.value!r},"
            f" endpoint={self.endpoint.value!r}{times}; {self.matcher.description})"
        )

    @property
    def logs(self) -> list[str]:
        """Every execution-log line written so far, call after call."""
        return [line for call in self.calls for line in call.logs]

    def _take(self) -> bool:
        if self._remaining is None:
            return True
        with self._lock:
            if self._remaining <= 0:
                return False
            self._remaining -= 1
            return True

    def answer(
        self,
        client: str,
        request: Any,
        *,
        read_timeout: float | None,
        method: str = "GET",
        trace_id: str | None = None,
        spent: float | None = None,
    ) -> Call:
        """Let the gateway answer one attempt of ``request`` and record it.

        The attempt arrives after ``spent``, the gateway time earlier attempts
        of the same request took (by default, those this fault answered for
        the same request object); the client waits for the latency or, when
        its read timeout is shorter, gives up at the timeout.
        """
        before = self._spent.get(request, 0.0) if spent is None else spent
        exchange = self.gateway.respond(
            self.scenario, time.time() + before, method=method, trace_id=trace_id
        )
        timed_out = read_timeout is not None and exchange.latency > read_timeout
        waited = read_timeout if timed_out and read_timeout is not None else exchange.latency
        call = Call(
            client=client,
            request=request,
            exchange=exchange,
            timed_out=timed_out,
            elapsed=before + waited,
            fault=self,
            seq=next(_SEQUENCE),
        )
        with self._lock:
            self._spent[request] = call.elapsed
            self.calls.append(call)
        return call

    # activation -----------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._activations > 0

    def start(self) -> Fault:
        """Start answering; the client backends are patched on first use.

        Activations nest: starting a started fault (a decorated function that
        runs twice at once, say) counts, and the fault answers until each
        start has its stop. The first start begins afresh: ``times`` are
        whole again and ``calls`` empty.
        """
        with self._activation:
            if not self._activations:
                clients = _resolve_clients(self._wanted_clients)
                with self._lock:
                    if self._seed is None:  # ids from the running test's seed
                        self.gateway = Gateway(self.endpoint, seed=next_seed())
                    self.calls = []
                    self._remaining = self.times
                    self._spent = weakref.WeakKeyDictionary()
                    self.backend_state = {}
                self.clients = clients
                ACTIVE.add(self)
            self._activations += 1
        return self

    def stop(self) -> None:
        """Undo one :meth:`start`; safe to call when stopped."""
        with self._activation:
            if not self._activations:
                return
            self._activations -= 1
            if not self._activations:
                ACTIVE.remove(self)

    def stop_all(self) -> None:
        """Stop answering, however many starts are pending."""
        with self._activation:
            if self._activations:
                self._activations = 0
                ACTIVE.remove(self)

    def __enter__(self) -> Fault:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Fault:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __call__(self, func: _F) -> _F:
        """Decorate ``func`` so the fault is started around each call."""
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                async with self:
                    return await cast(Callable[..., Awaitable[Any]], func)(*args, **kwargs)

            return cast(_F, async_wrapper)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return cast(_F, wrapper)


def iter_calls(faults: Sequence[Fault]) -> Iterator[Call]:
    """The calls of several faults, in the order they were answered."""
    return iter(sorted((c for f in faults for c in f.calls), key=lambda c: c.seq))
