"""The runtime: the faults that are started, what they patch, the virtual
clock, the seed stream and the order of calls.

Who owns what
-------------
A :class:`Runtime` belongs to one pytest run (it lives in ``config.stash``,
made in ``pytest_configure`` and closed in ``pytest_unconfigure``), or is the
default one, which serves faults started outside pytest. It owns the faults
started in it, the holds its fixtures keep on the virtual clock, and the
stream of seeds that faults made without one take. Closing it stops them.

Patches are process-wide by nature (there is one ``requests.Session.get_adapter``
and one ``time.sleep``), so what is patched is kept by the one
:class:`Patchboard` of the process, under these rules, decided here only:

1. A client's backend is installed when the first started fault that needs
   it starts, in whichever runtime, and removed when the last one stops, in
   whatever order they stop. Nothing is counted: what must be installed is
   worked out again from the started faults (:meth:`Patchboard.settle`).
   A client library that is not imported yet has no call to fault: its
   backend is installed the moment it is imported, while a fault that
   needs it is started (:mod:`.imports`), and not before.
2. A backend is known by what it patches (its adapter's ``TARGET``:
   ``requests.Session``, ``httpx.HTTPTransport``, ``aiohttp.ClientSession``).
   Faults of any copy of the package's modules share an installed backend; a
   second copy of a client library is patched apart.
3. A call goes to the newest started fault that matches it, the runtimes
   searched newest (innermost) first; the hooks of every copy ask here.
4. One virtual clock runs in the process, while some started fault with
   ``virtual_time=True`` or some fixture holds it. While a fault is started
   and it does not run, real sleeps are counted (:mod:`.realsleep`).
5. Installing is all or nothing and removing always completes: whatever is
   patched is recorded before it is made (:class:`Patches`), so that an
   exception or interrupt at any line is undone by :meth:`Patchboard.settle`.
6. A patch made on top of one of ours stays when ours is removed; ours,
   under it, passes every call through and is taken off by the next install
   once it is on top again.
7. There is one patchboard in a process, whatever copies of the package's
   modules exist (pytester's in-process runs import them afresh, and so may
   anything that clears ``sys.modules``; ``importlib.reload`` re-runs them):
   it is kept on the ``sys`` module, which no copy replaces, and each copy
   of this module finds it there. The hooks of every copy of an adapter ask
   it, and so see the faults of every copy of ``Fault``.
8. Never a silent pass-through (:func:`claim`, which every adapter asks):
   while a fault is started in a strict runtime (the default; the
   ``apigw_fault_strict`` ini key), an https execute-api call no fault
   answers raises an ``ApigwFaultError`` saying why each started fault does
   not, unless a fault that would answer it ended its ``sequence=`` or
   ``then=`` with ``after="pass"``. Other URLs, and every call while no
   fault is started, pass.
9. A pytest run does not load this module: it puts itself on a list kept on
   ``sys`` (``_pytest_apigw_faults_pending``), and its runtime is opened,
   in the order the runs began, the first time the runtime in force is asked
   for. So a run that makes no fault loads nothing of the package's
   machinery, and the stack is what it would be had each run opened its
   runtime when it began.

The runtime in force
--------------------
The open runtimes form a stack, the default one at the bottom. A fault
starts in the one on top, which is the innermost pytest run configured now
(pytester's in-process runs configure a run inside a test of the outer one),
and stops in the one it started in. The stack is process-wide, not per thread
or context: threads a test starts (and their faults) belong to its run.

Kept free of client libraries and of the rest of the package, so that
loading the plugin costs next to nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import sys
import threading
import types
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, cast

from .patches import Patches
from .refusal import lets_through, refusal, why_not

if TYPE_CHECKING:
    from .clock import VirtualClock
    from .fault import Fault
    from .imports import ClientImports
    from .realsleep import SleepWatch

__all__ = ["Patchboard", "Patches", "Runtime", "board", "claim", "current", "next_seq"]
__all__ += ["refusal", "refuse_reload", "wants", "why_not"]

class Backend(Protocol):
    """One client adapter's patches, made by ``Backend()`` of its module."""

    def install(self) -> None:
        """Patch; on an exception, what was patched is left for :meth:`uninstall`."""

    def uninstall(self) -> list[str]:
        """Put everything back (again, if need be); what to warn about."""


class Runtime:
    """The faults of one pytest run, or of the process outside pytest (see
    the module doc)."""

    def __init__(self, name: str = "default", *, strict: bool = True) -> None:
        self.name = name
        #: Whether an execute-api call no started fault answers is refused
        #: (see :func:`claim`); the ``apigw_fault_strict`` ini key sets it.
        self.strict = strict
        # replaced, never mutated, so that readers need no lock: the started
        # faults, oldest first, with the targets of the backends each needs
        self._started: tuple[tuple[Fault, tuple[object, ...]], ...] = ()
        self._holders: tuple[object, ...] = ()  # of the clock, besides faults
        self._seed: tuple[str | None, Iterator[int]] = (None, itertools.count(1))
        self._seed_lock = threading.Lock()
        #: Where faults started without a seed take one when none was given
        #: by :meth:`seed_faults_from` (a pytest run: its running test's).
        self.seed_source: Callable[[], str | None] | None = None
        #: Told of each fault started here, once it is (a pytest run's
        #: bookkeeping); what it raises undoes the start.
        self.watcher: Callable[[Fault], None] | None = None
        self.closed = False

    def __repr__(self) -> str:
        return f"<Runtime {self.name}: {len(self._started)} started>"

    @property
    def faults(self) -> tuple[Fault, ...]:
        """The started faults, oldest first."""
        return tuple(fault for fault, _ in self._started)

    def users(self, client: str) -> int:
        """How many started faults need ``client``."""
        return sum(client in fault.clients for fault, _ in self._started)

    # -- seeds ---------------------------------------------------------------

    def seed_faults_from(self, seed: str | None) -> None:
        """Faults started afresh without a seed get ``seed:Fault1``,
        ``seed:Fault2``, ...; ``None`` ends it (their ids are then random)."""
        with self._seed_lock:
            self._seed = (seed, itertools.count(1))

    def next_seed(self) -> str | None:
        with self._seed_lock:
            seed, count = self._seed
            if seed is None:
                source = self.seed_source
                return None if source is None else source()
            return f"{seed}:Fault{next(count)}"

    # -- faults --------------------------------------------------------------

    def _without(self, fault: Fault) -> tuple[tuple[Fault, tuple[object, ...]], ...]:
        return tuple(entry for entry in self._started if entry[0] is not fault)

    def add(self, fault: Fault) -> None:
        """Start answering with ``fault``: its backends installed and the
        clock running if it needs them; all of it, or nothing."""
        patchboard = board()
        # the clients imported now; the others get their backend on import (rule 1)
        ready = [client for client in fault.clients if client in sys.modules]
        adapters = [patchboard.adapter(client) for client in ready]
        with patchboard.lock:
            if self.closed:
                raise RuntimeError(f"{self!r} is closed")
            if any(entry[0] is fault for entry in self._started):
                raise RuntimeError(f"{fault!r} is already started")
            try:
                targets = tuple(patchboard.install(adapter) for adapter in adapters)
                if fault.virtual_time:
                    patchboard.start_clock()
                self._started = (*self._started, (fault, targets))
                patchboard.watch_sleeps()
                if len(ready) < len(fault.clients):
                    patchboard.watch_imports()
            except BaseException:
                self._started = self._without(fault)
                patchboard.settle()
                raise
        for client in fault.clients:
            if client not in ready and client in sys.modules:  # imported meanwhile
                patchboard.imported(client)
        watcher = self.watcher
        if watcher is not None:  # outside the lock: it may run pytest's hooks
            watcher(fault)

    def remove(self, fault: Fault) -> None:
        """Stop answering with ``fault``, removing what no started fault
        needs any more; after an interrupt, calling it again completes it."""
        patchboard = board()
        with patchboard.lock:
            self._started = self._without(fault)
            patchboard.settle()

    def claim(self, url: str, client: str) -> Fault | None:
        """The newest fault that answers ``url`` now, using one of its ``times``."""
        for fault, _ in reversed(self._started):
            if client in fault.clients and fault.matcher(url) and fault._take():
                return fault
        return None

    # -- the clock -----------------------------------------------------------

    def hold_clock(self, holder: object) -> VirtualClock:
        """The running virtual clock, started if none runs, held by
        ``holder`` until :meth:`release_clock`; all of it, or nothing."""
        patchboard = board()
        with patchboard.lock:
            held = any(h is holder for h in self._holders)
            try:
                clock = patchboard.start_clock()
                if not held:
                    self._holders = (*self._holders, holder)
                return clock
            except BaseException:
                if not held:
                    self._holders = tuple(h for h in self._holders if h is not holder)
                patchboard.settle()
                raise

    def release_clock(self, holder: object) -> None:
        """Undo :meth:`hold_clock`; the clock stops when nothing holds it."""
        patchboard = board()
        with patchboard.lock:
            self._holders = tuple(h for h in self._holders if h is not holder)
            patchboard.settle()

    def holds_clock(self) -> bool:
        return bool(self._holders) or any(fault.virtual_time for fault, _ in self._started)

    # -- the end -------------------------------------------------------------

    def close(self) -> None:
        """Stop every fault started here and let go of the clock; the
        runtime answers no more. Safe to call again."""
        errors: list[Exception] = []
        for fault in reversed(self.faults):
            try:
                fault.stop_all()
            except Exception as error:  # stop the others all the same
                errors.append(error)
        patchboard = board()
        with patchboard.lock:
            self.closed = True
            self._started = ()
            self._holders = ()
            patchboard.runtimes = tuple(r for r in patchboard.runtimes if r is not self)
            patchboard.settle()
        if errors:
            raise errors[0]


class Patchboard:
    """What is patched in the process, and the runtimes that ask for it (see
    the rules in the module doc)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.default = Runtime()
        self.runtimes: tuple[Runtime, ...] = (self.default,)
        #: The installed backends, by what they patch.
        self.installed: dict[object, Backend] = {}
        self.clock: VirtualClock | None = None
        self.sleep_watch: SleepWatch | None = None  # while no clock runs (rule 4)
        self.sequence = itertools.count()
        #: On ``sys.meta_path`` while a started fault waits for its client.
        self.imports: ClientImports | None = None

    def open(self, name: str) -> Runtime:
        """A new runtime, in force until it is closed (or another opens)."""
        runtime = Runtime(name)
        with self.lock:
            self.open_pending()
            self.runtimes = (*self.runtimes, runtime)
        return runtime

    def open_pending(self) -> None:
        """Open the runtimes of the pytest runs that began without one, oldest
        first (rule 8); each run is handed its runtime."""
        with self.lock:
            while _PENDING:
                run = _PENDING[0]
                runtime = Runtime(run.name)
                self.runtimes = (*self.runtimes, runtime)
                del _PENDING[0]
                run.opened(runtime)

    def current(self) -> Runtime:
        if _PENDING:
            self.open_pending()
        return self.runtimes[-1]

    def claim(self, url: str, client: str, method: str) -> Fault | None:
        """See :func:`claim`."""
        runtimes = self.runtimes
        for runtime in reversed(runtimes):
            fault = runtime.claim(url, client)
            if fault is not None:
                return fault
        if not self._strict_for(url):
            return None
        faults = [fault for runtime in runtimes for fault in runtime.faults]
        if any(lets_through(fault, url, client) for fault in faults):
            return None
        from .._gateway.errors import ApigwFaultError

        raise ApigwFaultError(refusal(method, url, client, faults))

    def wants(self, url: str, client: str) -> bool:
        """See :func:`wants`."""
        for runtime in self.runtimes:
            for fault, _ in runtime._started:
                if client in fault.clients and fault.matcher(url):
                    return True
        return self._strict_for(url)

    def _strict_for(self, url: str) -> bool:
        """Whether a call of ``url`` no fault answers is refused: an https
        execute-api URL, while a runtime that is strict has a started fault."""
        if not any(runtime.strict and runtime._started for runtime in self.runtimes):
            return False
        from urllib.parse import urlsplit

        from .matching import is_execute_api_host

        parts = urlsplit(url)
        return parts.scheme == "https" and is_execute_api_host(parts.hostname or "")

    @staticmethod
    def adapter(client: str) -> types.ModuleType:
        """``client``'s adapter module, as imported now (imported outside the
        lock: importing one takes it)."""
        return importlib.import_module(f"{__package__.rpartition('.')[0]}._adapters.{client}")

    def install(self, adapter: types.ModuleType) -> object:
        """The target of ``adapter``'s backend, installed if it is not yet."""
        target: object = adapter.TARGET
        with self.lock:
            if target not in self.installed:
                backend = cast(Backend, adapter.Backend())
                self.installed[target] = backend  # recorded first: settle undoes it
                backend.install()
        return target

    def watch_imports(self) -> None:
        """Install the backend of a client the moment it is imported."""
        with self.lock:
            if self.imports is None:
                from .imports import ClientImports

                self.imports = ClientImports(self)
                sys.meta_path.insert(0, self.imports)

    def imported(self, client: str) -> None:
        """``client`` was imported: install its backend for every started
        fault that needs it (rule 1)."""
        waiting = any(
            client in fault.clients for r in self.runtimes for fault, _ in r._started
        )
        if not waiting:
            return
        adapter = self.adapter(client)  # outside the lock
        target: object = adapter.TARGET
        with self.lock:
            try:
                for runtime in self.runtimes:
                    runtime._started = tuple(
                        (fault, (*targets, self.install(adapter)))
                        if client in fault.clients and target not in targets
                        else (fault, targets)
                        for fault, targets in runtime._started
                    )
            except BaseException:
                self.settle()
                raise

    def start_clock(self) -> VirtualClock:
        with self.lock:
            clock = self.clock
            if clock is None:
                self.watch_sleeps(off=True)  # the clock's patches take their place
                from .clock import VirtualClock

                clock = self.clock = VirtualClock()  # recorded first: settle stops it
                clock.start()
            return clock

    def watch_sleeps(self, *, off: bool = False) -> None:
        """Count real sleeps while a fault is started and no clock runs (rule 4)."""
        on = not off and self.clock is None and any(r._started for r in self.runtimes)
        if on is (self.sleep_watch is None):
            from .realsleep import turn

            turn(self, on)

    def settle(self) -> None:
        """Remove every backend no started fault needs, and the clock if
        nothing holds it; after an interrupt, running it again completes it."""
        errors: list[Exception] = []
        warnings: list[str] = []
        with self.lock:
            needed = {t for r in self.runtimes for _, targets in r._started for t in targets}
            for target, backend in list(self.installed.items()):
                if target not in needed:
                    try:
                        warnings += backend.uninstall()
                    except Exception as error:  # remove the others all the same
                        errors.append(error)
                    del self.installed[target]
            clock = self.clock
            if clock is not None and not any(r.holds_clock() for r in self.runtimes):
                clock.stop()
                self.clock = None
            imports = self.imports
            if imports is not None and not any(
                len(targets) < len(fault.clients)
                for r in self.runtimes
                for fault, targets in r._started
            ):
                self.imports = None
                with contextlib.suppress(ValueError):
                    sys.meta_path.remove(imports)
            self.watch_sleeps()
        if warnings:
            _warn(warnings)
        if errors:
            raise errors[0]


def _warn(messages: list[str]) -> None:
    import warnings

    from .fault import ApigwFaultWarning

    for message in messages:
        warnings.warn(ApigwFaultWarning(message), stacklevel=6)  # Fault.stop's caller


def refuse_reload(module_globals: dict[str, Any]) -> None:
    """Called at the top of an adapter module: re-running it with
    ``importlib.reload`` while its backend is installed would leave the
    installed hooks calling the new definitions; refuse instead."""
    from .._gateway.table import ApigwFaultError

    for backend in tuple(board().installed.values()):  # no lock: see Patchboard.adapter
        if getattr(type(backend).install, "__globals__", None) is module_globals:
            raise ApigwFaultError(
                f"{module_globals['__name__']} cannot be reloaded while a fault"
                " patches its client; stop the faults first"
            )


class PendingRun(Protocol):
    """A pytest run waiting for its runtime (rule 8)."""

    name: str

    def opened(self, runtime: Runtime) -> None:
        """Take ``runtime``, now open and in force."""


#: The runs that began without a runtime, oldest first (rule 8); plugin.py
#: appends to the same list.
_PENDING: list[PendingRun] = sys.__dict__.setdefault("_pytest_apigw_faults_pending", [])

# One patchboard per process, for every copy of this module (rule 7).
_BOARD: Patchboard = sys.__dict__.setdefault("_pytest_apigw_faults_patchboard", Patchboard())


def board() -> Patchboard:
    return _BOARD


def current() -> Runtime:
    """The runtime in force: faults start in it."""
    return _BOARD.current()


def claim(url: str, client: str, method: str = "GET") -> Fault | None:
    """What answers a ``client`` call of ``url``, decided here for every
    adapter (rule 8): the newest started fault that answers it now (one of
    its ``times`` used), or ``None`` to let it through (see
    :meth:`Patchboard.claim`); or an ``ApigwFaultError`` naming the call, the
    started faults and why each does not answer it (:func:`refusal`)."""
    return _BOARD.claim(url, client, method)


def wants(url: str, client: str) -> bool:
    """Whether a ``client`` call of ``url`` is for the faults to decide: a
    started fault matches it, or a refusal may (no ``times`` is used)."""
    return _BOARD.wants(url, client)


def next_seq() -> int:
    """The next number of the one order of calls and sleeps in the process."""
    return next(_BOARD.sequence)
