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
        self._virtual: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    def _backend(self, client: str) -> _Backend:
        backend = self._backends.get(client)
        if backend is None:
            module = importlib.import_module(f"pytest_apigw_faults._{client}")
            backend = cast(_Backend, module.BACKEND)
            self._backends[client] = backend
        return backend

    def add(self, fault: Fault) -> None:
        with self._lock:
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
            for client in fault.clients:
                self._release(client)

    def wants(self, url: str, client: str) -> bool:
        """Whether a started fault for ``client`` matches ``url``."""
        for fault in reversed(self._faults):
            if client in fault.clients and fault.matcher(url):
                return True
        return False

    def claim(self, url: str, client: str) -> Fault | None:
        """The newest fault that answers ``url`` now, using one of its ``times``."""
        with self._lock:
            for fault in reversed(self._faults):
                if client in fault.clients and fault.matcher(url) and fault._take():
                    return fault
        return None

    def waited(self, request: Any) -> float:
        """Gateway time already spent on ``request`` (earlier attempts)."""
        return self._virtual.get(request, 0.0)

    def wait(self, request: Any, seconds: float) -> float:
        with self._lock:
            total = self._virtual.get(request, 0.0) + seconds
            self._virtual[request] = total
        return total


ACTIVE = _Active()
_SEQUENCE = itertools.count()


def read_timeout_of(value: object) -> float | None:
    """The read timeout in a ``requests`` ``timeout=`` argument."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, tuple):
        return None if value[1] is None else float(value[1])
    read = getattr(value, "read_timeout", None)
    return None if read is None else float(read)


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
        self.gateway = Gateway(self.endpoint, seed=seed)
        self.calls: list[Call] = []
        #: What each client adapter keeps for this fault while it is started.
        self.backend_state: dict[str, Any] = {}
        self._remaining = options.times
        self._lock = threading.Lock()
        self._started = False

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

    def answer(self, client: str, request: Any, url: str, read_timeout: float | None) -> Call:
        """Let the gateway answer one attempt of ``request`` and record it.

        The attempt arrives after any gateway time earlier attempts of the
        same request spent; the client waits for the latency or, when its
        read timeout is shorter, gives up at the timeout.
        """
        before = ACTIVE.waited(request)
        exchange = self.gateway.respond(self.scenario, time.time() + before)
        timed_out = read_timeout is not None and exchange.latency > read_timeout
        waited = read_timeout if timed_out and read_timeout is not None else exchange.latency
        total = ACTIVE.wait(request, waited)
        call = Call(
            client=client,
            request=request,
            exchange=exchange,
            timed_out=timed_out,
            elapsed=total,
            seq=next(_SEQUENCE),
        )
        with self._lock:
            self.calls.append(call)
        return call

    # activation -----------------------------------------------------------

    def start(self) -> Fault:
        """Start answering, with ``times`` and ``calls`` afresh; the client
        backends are patched on first use."""
        if self._started:
            raise RuntimeError(f"{self!r} is already started")
        self.clients = _resolve_clients(self._wanted_clients)
        # each activation starts afresh: a decorated function called twice
        # gets its `times` again, and `calls` are those of this activation
        self.calls = []
        self._remaining = self.times
        ACTIVE.add(self)
        self._started = True
        return self

    def stop(self) -> None:
        """Stop answering; safe to call twice."""
        if self._started:
            self._started = False
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
