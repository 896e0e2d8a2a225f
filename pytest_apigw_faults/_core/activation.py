"""Starting and stopping a fault, and ``@Fault(...)``.

A fault starts in the runtime in force (see :mod:`.runtime`) and stops in
the one it started in. Starts nest: the fault answers until each start has
its stop. Starting is all or nothing and a stop, once begun, ends: an
exception or interrupt at any line of either leaves the fault stopped with
nothing of it patched, or (a stop interrupted before it began) started with
all of it in place.

As a decorator, the fault is started around each call of a function, or
around each step of a generator: a generator's body runs only when it is
resumed, so the fault is started around each resume (``next``, ``send``,
``throw``, ``close``, and their async forms) and stopped while the generator
is suspended, so that calls made by its consumer between two items are not
faulted. The first step starts the fault afresh, as a call of a function
does; the later ones go on where it stopped, so that ``times`` and ``calls``
count over the generator's whole run.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import AsyncGenerator, Callable, Generator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from . import runtime as _runtime

if TYPE_CHECKING:
    from .fault import Fault

__all__ = ["Activation", "around"]

_F = TypeVar("_F", bound=Callable[..., Any])
_A = TypeVar("_A", bound="Activation")


class Activation:
    """Start and stop, for :class:`~.fault.Fault` (see the module doc)."""

    # set by Fault.__init__
    _activation: threading.Lock
    _activations: int
    clients: tuple[str, ...]
    #: The runtime the fault is started in, while it is.
    _started_in: _runtime.Runtime | None = None

    def _resolve(self) -> tuple[str, ...]:
        """The clients to patch now."""
        raise NotImplementedError

    def _afresh(self, runtime: _runtime.Runtime) -> None:
        """Begin afresh: ``times`` whole, ``calls`` empty, new ids."""
        raise NotImplementedError

    @property
    def started(self) -> bool:
        return self._activations > 0

    def start(self: _A) -> _A:
        """Start answering; the client backends are patched on first use.

        Activations nest: starting a started fault (a decorated function that
        runs twice at once, say) counts, and the fault answers until each
        start has its stop. The first start begins afresh: ``times`` are
        whole again and ``calls`` empty. It starts in the runtime in force
        (the pytest run's, or the default one outside pytest); an exception
        or interrupt anywhere in it leaves the fault stopped and nothing of
        it patched.
        """
        return self._activate(afresh=True)

    def _start_in(self: _A, runtime: _runtime.Runtime) -> _A:
        """:meth:`start`, in ``runtime`` rather than the one in force (the
        fixture's faults start in its run's)."""
        return self._activate(afresh=True, runtime=runtime)

    def _resume(self: _A) -> _A:
        """Start again where it stopped (``times``, ``calls``): a decorated
        generator's fault at each step but the first."""
        return self._activate(afresh=False)

    def _activate(self: _A, *, afresh: bool, runtime: _runtime.Runtime | None = None) -> _A:
        with self._activation:
            pending = self._activations
            if pending:
                try:
                    self._activations = pending + 1
                    return self
                except BaseException:
                    self._activations = pending
                    raise
            runtime = _runtime.current() if runtime is None else runtime
            clients = self._resolve()
            try:
                self._begin(runtime, clients, afresh)
                return self
            except BaseException:
                self._activations = 0
                self._started_in = None
                runtime.remove(cast("Fault", self))
                raise

    def _begin(self, runtime: _runtime.Runtime, clients: tuple[str, ...], afresh: bool) -> None:
        if afresh:
            self._afresh(runtime)
        self.clients = clients
        self._started_in = runtime
        runtime.add(cast("Fault", self))
        self._activations = 1

    def stop(self) -> None:
        """Undo one :meth:`start`; safe to call when stopped. Once it has
        begun, an exception or interrupt does not keep it from ending."""
        with self._activation:
            pending = self._activations
            if pending > 1:
                self._activations = pending - 1
            elif pending:
                self._end()

    def stop_all(self) -> None:
        """Stop answering, however many starts are pending."""
        with self._activation:
            if self._activations:
                self._end()

    def _end(self) -> None:
        runtime = self._started_in
        try:
            self._activations = 0
            self._started_in = None
            if runtime is not None:
                runtime.remove(cast("Fault", self))
        except BaseException:  # finish, then raise
            self._activations = 0
            self._started_in = None
            if runtime is not None:
                runtime.remove(cast("Fault", self))
            raise

    def __enter__(self: _A) -> _A:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self: _A) -> _A:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __call__(self, func: _F) -> _F:
        """Decorate ``func`` so the fault is started around each call; for a
        generator (or async generator) function, around each step of the
        generator, and not between them."""
        return around(self, func)


def around(fault: Activation, func: _F) -> _F:
    """``func`` with ``fault`` started around each call, or each step."""
    if inspect.isasyncgenfunction(func):
        return cast(_F, _around_async_generator(fault, func))
    if inspect.isgeneratorfunction(func):
        return cast(_F, _around_generator(fault, func))
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            with fault:
                return await func(*args, **kwargs)

        return cast(_F, async_wrapper)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with fault:
            return func(*args, **kwargs)

    return cast(_F, wrapper)


class _Steps(AbstractContextManager["_Steps"]):
    """The fault around one generator's steps: started afresh for the first."""

    def __init__(self, fault: Activation) -> None:
        self._fault = fault
        self._begun = False

    def __enter__(self) -> _Steps:
        first = not self._begun
        self._begun = True  # first: nothing may come between the start and the block
        (self._fault.start if first else self._fault._resume)()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._fault.stop()


def _around_generator(
    fault: Activation, func: Callable[..., Generator[Any, Any, Any]]
) -> Callable[..., Generator[Any, Any, Any]]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        inner = func(*args, **kwargs)
        steps = _Steps(fault)
        resume: Callable[[Any], Any] = inner.send
        value: Any = None
        while True:
            try:
                with steps:
                    item = resume(value)
            except StopIteration as stop:
                return stop.value
            try:
                value = yield item
                resume = inner.send
            except GeneratorExit:
                with steps:
                    inner.close()
                raise
            except BaseException as error:  # thrown in: into the generator
                resume, value = inner.throw, error

    return wrapper


def _around_async_generator(
    fault: Activation, func: Callable[..., AsyncGenerator[Any, Any]]
) -> Callable[..., AsyncGenerator[Any, Any]]:
    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        inner = func(*args, **kwargs)
        steps = _Steps(fault)
        resume: Callable[[Any], Any] = inner.asend
        value: Any = None
        while True:
            try:
                with steps:
                    item = await resume(value)
            except StopAsyncIteration:
                return
            try:
                value = yield item
                resume = inner.asend
            except GeneratorExit:
                with steps:
                    await inner.aclose()
                raise
            except BaseException as error:  # thrown in: into the generator
                resume, value = inner.athrow, error

    return wrapper
