"""The object behind the ``apigw_fault`` fixture."""

from __future__ import annotations

import itertools
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .._adapters.reading import method_of, wire_of
from .._core import clock as _clock
from .._core import fault as _fault
from .._core import runtime as _runtime
from .._core.arguments import FaultArguments
from .._core.calls import CallsMerger
from .._core.checks import CLIENTS
from .._core.fault import Call, Fault
from .._core.options import FaultOptions, parse, with_defaults
from .._gateway.check import response_problems
from .._gateway.names import ScenarioName
from .._gateway.table import Scenario

if sys.version_info >= (3, 11):
    from typing import Unpack
elif TYPE_CHECKING:  # Python 3.10: for type checkers only
    from typing_extensions import Unpack

if TYPE_CHECKING:
    from .._core.gateway_api import GatewayApi
    from .._core.websocket_api import WebSocketApi
    from .._gateway.websocket_records import WebSocketConnection
    from .._serve.server import GatewayServer, Latency
    from .._serve.ws_client import WebSocketClient

_F = TypeVar("_F", bound=Fault)
_Api = TypeVar("_Api", "GatewayApi", "WebSocketApi")

__all__ = ["ApigwFault"]


def _no_client_installed(clients: object) -> bool:
    """Whether a fault that names no client finds no client library at all
    to patch: it then serves the loopback server only."""
    return clients is None and not any(_fault._installed(client) for client in CLIENTS)


class ApigwFault:
    """Faults for one test: inject them, then look at what the client did.

    Every fault injected here is stopped when the test ends, whether it
    passed, failed or errored. With the ``apigw_fault`` marker, the marked
    fault is already injected when the test starts.
    """

    def __init__(
        self,
        seed: str,
        defaults: Mapping[str, Any] | None = None,
        *,
        runtime: _runtime.Runtime | None = None,
    ) -> None:
        self._seed = seed
        self._defaults = dict(defaults or {})
        self._runtime = _runtime.current() if runtime is None else runtime
        self._faults: list[Fault] = []
        self._server_only: list[Fault] = []
        self._websockets: list[WebSocketApi] = []
        self._clients: list[WebSocketClient] = []
        self._server: GatewayServer | None = None
        # the virtual clock this test holds, and where it stood when taken
        self._clock: _clock.VirtualClock | None = None
        self._clock_base = (0.0, 0)
        # threads may inject and serve at once: one index each, one server
        self._lock = threading.RLock()
        self._injected = itertools.count()
        self._calls = CallsMerger()

    def inject(
        self,
        scenario: ScenarioName | Scenario | None = None,
        **arguments: Unpack[FaultArguments],
    ) -> Fault:
        """Start a fault until the end of the test; it takes the marker's
        arguments, or a :class:`Scenario` from the table. Arguments left out
        come from the ini file (``apigw_fault_clients``,
        ``apigw_fault_integration_timeout``, ``apigw_fault_gateway_responses``).

        ``handler=`` puts a Lambda handler behind the API; ``times=N,
        then=X`` and ``sequence=[...]`` script the calls one by one (see
        :class:`Fault`).

        ``virtual_time=True`` (or the ``apigw_fault_virtual_time`` ini key)
        runs the rest of the test on virtual time: ``time.sleep``,
        ``asyncio.sleep`` and the clocks advance by each faulted call's
        latency and each backoff sleep, without waiting."""
        __tracebackhide__ = True
        args = () if scenario is None else (scenario,)
        return self._inject(parse(args, arguments, call="inject"))

    def _inject(self, options: FaultOptions) -> Fault:
        """Start the fault of checked options (``inject``'s, or the marker's),
        with the ini file's defaults for the arguments they leave out."""
        __tracebackhide__ = True
        options = with_defaults(options, self._defaults)
        fault = Fault._from_options(options, seed=f"{self._seed}:{next(self._injected)}")
        return self._start(fault, options.clients)

    def _start(self, fault: _F, clients: object) -> _F:
        """Start ``fault`` until the end of the test (or keep it for the
        loopback server alone, when no client library is installed)."""
        if fault.virtual_time:
            self._hold_clock()
        if _no_client_installed(clients):
            self._server_only.append(fault)
            self._faults.append(fault)
            return fault
        self._faults.append(fault)  # first: the test's end stops it
        try:
            fault._start_in(self._runtime)
        except BaseException:
            self._faults.remove(fault)
            raise
        return fault

    def use_template(
        self,
        source: str | os.PathLike[str] | Mapping[str, Any],
        **arguments: Any,
    ) -> Any:
        """Start the API a SAM, CloudFormation or OpenAPI template declares
        until the end of the test (:meth:`GatewayApi.from_template`, which
        takes the same arguments); :attr:`api` is it. A template whose API
        is a WebSocket API gives a :class:`WebSocketApi`
        (:meth:`WebSocketApi.from_template`), served by :attr:`server`."""
        from .._core.template_websocket import api_from_template

        __tracebackhide__ = True
        arguments.setdefault("seed", f"{self._seed}:{next(self._injected)}")
        return self.use_api(api_from_template(source, **arguments))

    def use_api(self, api: _Api) -> _Api:
        """Start ``api`` (a :class:`GatewayApi`) until the end of the test;
        a :class:`WebSocketApi` is served by :attr:`server` (with its
        ``virtual_time``, the test runs on virtual time)."""
        from .._core.websocket_api import WebSocketApi

        if isinstance(api, WebSocketApi):
            if api.virtual_time:
                self._hold_clock()
            with self._lock:
                self._websockets.append(api)  # first: the test's end stops it
            api.start()
            return api
        return self._start(api, api._wanted_clients)

    def websocket(
        self,
        path: str = "/prod",
        *,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | str | None = None,
        subprotocols: Sequence[str] = (),
        timeout: float = 5.0,
    ) -> WebSocketClient:
        """A WebSocket client connected to :attr:`server` at ``path`` (the
        stage of a :class:`WebSocketApi` started with :meth:`use_api`), with
        ``headers`` and ``query`` on the upgrade; closed when the test ends.
        A refused ``$connect`` raises :class:`WebSocketRefused` (its
        ``status`` and ``body``). See :class:`WebSocketClient`."""
        from .._serve.ws_client import WebSocketClient

        client = WebSocketClient.connect(
            self.server.port, path, headers=headers, query=query,
            subprotocols=subprotocols, timeout=timeout, apis=tuple(self._websockets),
        )
        with self._lock:
            self._clients.append(client)
        return client

    @property
    def api(self) -> GatewayApi:
        """The API started last in this test (:meth:`use_template`,
        :meth:`use_api`): its routes, ``inject(..., route=)``, its calls."""
        from .._core.gateway_api import GatewayApi

        for fault in reversed(self._faults):
            if isinstance(fault, GatewayApi):
                return fault
        raise LookupError(
            "no API is started in this test: call apigw_fault.use_template(path) or"
            " apigw_fault.use_api(GatewayApi(...))"
        )

    def _hold_clock(self) -> None:
        """Hold the virtual clock until the test ends, so time never jumps
        back between faults."""
        with self._lock:
            if self._clock is None:
                clock = self._runtime.hold_clock(self)
                self._clock_base = (clock.elapsed, len(clock.sleeps))
                self._clock = clock

    @property
    def server(self) -> GatewayServer:
        """This test's API Gateway on ``127.0.0.1``, started on first use.

        It answers with the faults injected in the test, the newest first,
        for clients no fault can patch (a subprocess, curl, ``urllib``);
        ``server.url`` is its base URL. It stops when the test ends.
        """
        return self.serve()

    def serve(self, *, latency: Latency | None = None) -> GatewayServer:
        """:attr:`server`, with ``latency`` set when given: ``0`` answers at
        once (the default), ``"real"`` waits the gateway's latency, a factor
        such as ``0.01`` that share of it."""
        with self._lock:  # threads asking at once get the one server
            server = self._server
            if server is None:
                from .._serve.server import GatewayServer

                server = GatewayServer(self._served, latency=0.0 if latency is None else latency)
                self._server = server  # kept first: the test's end stops it
                server.start()
            elif latency is not None:
                server.latency = latency
            return server

    def _served(self) -> list[Fault | WebSocketApi]:
        return [
            *self._websockets,
            *(f for f in self._faults if f.started or f in self._server_only),
        ]

    @property
    def faults(self) -> tuple[Fault, ...]:
        """Every fault injected in this test, oldest first."""
        return tuple(self._faults)

    @property
    def fault(self) -> Fault:
        """The fault injected last."""
        if not self._faults:
            raise LookupError(
                "no fault is injected: mark the test with @pytest.mark.apigw_fault"
                "(...) or call apigw_fault.inject(...)"
            )
        return self._faults[-1]

    @property
    def scenario(self) -> Scenario | None:
        """The scenario of the fault injected last (``None`` for a handler or
        a sequence without a scenario name; see each call's ``scenario``)."""
        return self.fault.scenario

    @property
    def calls(self) -> Sequence[Call]:
        """Every call the faults answered, in order, as they stand now: a
        sequence that reads as a list does (``calls[-1]``, slices, ``len``,
        ``calls == []``). Reading the newest costs the same after 100,000
        calls as after one. A call a Lambda answered has the function's log
        and error payload too (``call.lambda_log``, ``call.lambda_error``)."""
        return self._calls.view(self._faults)

    @property
    def logs(self) -> list[str]:
        """The execution-log lines of every call, in order (REST only)."""
        return [line for call in self.calls for line in call.logs]

    @property
    def virtual_time(self) -> bool:
        """Whether this test runs on virtual time (a fault was injected with
        ``virtual_time=True``, or the ini key turns it on)."""
        return self._clock is not None

    def _sleep_records(self) -> list[_clock.Sleep]:
        records = [sleep for fault in self._faults for sleep in fault.sleeps]
        if self._clock is not None:
            records += self._clock.sleeps[self._clock_base[1] :]
        return sorted(records, key=lambda sleep: sleep.seq)

    @property
    def sleeps(self) -> list[float]:
        """The backoff sleeps the client took between calls, in seconds, in
        order. On virtual time: every ``time.sleep`` and ``asyncio.sleep``
        (of a positive length) while the test ran, and the backoff urllib3's
        ``Retry`` takes through requests. Without virtual time, that urllib3
        backoff only (the plugin counts it as gateway time; other sleeps
        really happen and are not seen: see :attr:`real_sleeps`)."""
        return [sleep.seconds for sleep in self._sleep_records()]

    @property
    def real_sleeps(self) -> float:
        """The seconds the test really slept (``time.sleep``,
        ``asyncio.sleep``) while one of its faults was started without
        virtual time; a Lambda handler's own sleeps are not counted. From
        0.1 s on, the test's end warns (``ApigwFaultSleepWarning``)."""
        from .._core.realsleep import slept

        return sum(sleep.seconds for sleep in slept(self._faults))

    def _warn_real_sleeps(self) -> None:
        import warnings

        from .._core.realsleep import sleep_warning, slept

        sleeps = slept(self._faults)
        warning = sleep_warning(sleeps)
        if warning is None:
            return
        first = sleeps[0]
        if first.path:  # shown at the line that slept first
            warnings.warn_explicit(warning, type(warning), first.path, first.lineno)
        else:
            warnings.warn(warning, stacklevel=2)

    @property
    def elapsed(self) -> float:
        """The test's total virtual time, in seconds: on virtual time, how far
        the clock moved since the first fault with virtual time (latencies and
        sleeps); otherwise the time each call waited plus :attr:`sleeps`."""
        if self._clock is not None:
            return self._clock.elapsed - self._clock_base[0]
        return sum(call.waited for call in self.calls) + sum(self.sleeps)

    def assert_retried(self, times: int | None = None) -> None:
        """Check the client retried: ``times`` retries exactly (attempts - 1),
        or at least one when ``times`` is ``None``."""
        __tracebackhide__ = True
        from .behaviour import check_retried

        check_retried(self, times)

    def assert_not_retried(self) -> None:
        """Check the client made exactly one attempt."""
        __tracebackhide__ = True
        from .behaviour import check_retried

        check_retried(self, 0)

    def assert_gave_up_within(self, seconds: float) -> None:
        """Check the client was done (gave up, or got its answer) within
        ``seconds`` of (virtual) time: :attr:`elapsed` is at most that."""
        __tracebackhide__ = True
        from .behaviour import check_gave_up_within

        check_gave_up_within(self, seconds)

    def assert_reconnected(
        self, times: int | None = None, *, after: str | int | None = None
    ) -> None:
        """Check the WebSocket client reconnected: ``times`` reconnects
        exactly (each connection after the first to the test's
        :class:`WebSocketApi` s, refused ones too), or at least one when
        ``None``; with ``after`` (a row that ends a connection, such as
        ``"frame_too_large"`` or ``"idle_timeout"``, or a close code), only
        those after a connection that ended with it."""
        __tracebackhide__ = True
        from .behaviour import check_reconnected

        check_reconnected(self, times, after)

    def assert_not_reconnected(self, *, after: str | int | None = None) -> None:
        """Check the WebSocket client did not reconnect (after ``after``, when given)."""
        __tracebackhide__ = True
        from .behaviour import check_reconnected

        check_reconnected(self, 0, after)

    def _websocket_history(self) -> list[WebSocketConnection]:
        """The connections of every WebSocket API of the test, oldest first."""
        with self._lock:
            apis = list(self._websockets)
        return sorted((c for api in apis for c in api.history), key=lambda c: c.opened_at)

    def _report_row(self) -> str:
        """This test's row of the resilience report, as JSON."""
        from .behaviour import report_row

        return report_row(self)

    def assert_response(self, response: Any) -> None:
        """Check a ``requests``, ``httpx`` or ``aiohttp`` response against the gateway.

        An ``aiohttp.ClientResponse`` needs its body: ``await response.read()``
        first, or check it before it is released (inside ``async with``).

        Status, body bytes, header names in order and the form of every
        value must be those of the scenario; for a response one of the faults
        here sent, every value must also be the one it sent. The failure
        message lists each difference.
        """
        __tracebackhide__ = True
        got = wire_of(response)
        # the newest first: the response checked is most often the last one
        call = next((c for c in reversed(self.calls) if c.response is response), None)
        fault = self.fault if call is None else call.fault
        scenario = fault.scenario if call is None else call.scenario
        sent = None if call is None else call.exchange.response
        if scenario is None and sent is None:
            raise AssertionError(
                f"no fault here sent this response, and {fault!r} answers with a"
                " Lambda: only a response it sent can be checked"
            )
        problems = response_problems(got, scenario, fault.endpoint, sent, method_of(response))
        if problems:
            listing = "\n".join(f"  {p}" for p in problems)
            what = (
                scenario.id
                if scenario is not None
                else f"the Lambda's {fault.api.value} answer {sent and sent.status}"
            )
            raise AssertionError(
                f"response does not match {what} ({fault.endpoint.value}):\n{listing}"
            )

    def _stop_server(self) -> None:
        """Stop this test's server, if it runs: every call in flight ends
        (answered, or recorded as abandoned) before it returns."""
        with self._lock:
            server, self._server = self._server, None
            for api in self._websockets:  # what is open now ends with the test
                for session in list(api._sessions):
                    session.log.test_ended = True
        if server is not None:
            server.stop()

    def _stop(self) -> None:
        errors: list[Exception] = []
        for stop in [c.abandon for c in self._clients] + [a.stop for a in self._websockets]:
            try:
                stop()
            except Exception as error:  # stop the others all the same
                errors.append(error)
        try:
            self._stop_server()
        except Exception as error:  # stop the faults all the same
            errors.append(error)
        for fault in reversed(self._faults):
            try:
                fault.stop_all()
            except Exception as error:  # stop the others all the same
                errors.append(error)
        self._runtime.release_clock(self)  # if it holds it
        self._clock = None
        self._warn_real_sleeps()
        if errors:
            raise errors[0]
