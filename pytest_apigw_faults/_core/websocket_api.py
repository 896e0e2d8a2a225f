"""A WebSocket API behind the fake gateway: its routes, each answered by a
Python handler as a Lambda proxy integration, served by the loopback server
(:class:`~pytest_apigw_faults._serve.server.GatewayServer`, or
``apigw_fault.use_api(...)`` then ``apigw_fault.server``).

The gateway's decisions are :mod:`.._gateway.websocket` (the failures, with
their evidence); the events the handlers get, :mod:`.._lambda.websocket`. A
:class:`WebSocketSession` is one connection as the gateway keeps it: the
server's WebSocket loop hands it each message and asks it what to send.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._gateway.table import ApigwFaultError
from .._gateway.websocket import (
    CONNECT,
    DEFAULT_SELECTION,
    INTEGRATION_TIMEOUT,
    ROUTE_TIMEOUTS,
    WEBSOCKET_SCENARIOS,
    Handshake,
    WebSocketIds,
    WebSocketScenario,
    check_route_key,
    check_route_timeouts,
    check_selection,
    handshake,
    identity_missing,
    identity_sources,
    timed_out,
)
from .._lambda.integration import resolve_handler
from .._lambda.websocket import (
    Answered,
    Place,
    Upgrade,
    authorize,
    authorizer_event,
    connect_event,
    run_handler,
)
from . import clock as _clock
from . import connections as _connections
from .websocket_inject import Injections, check_injection
from .websocket_log import check_reconnected
from .websocket_session import Channel, Frame, WebSocketSession

if TYPE_CHECKING:
    from .._gateway.auth.iam import IamAuth
    from .._gateway.connections import ManagementCall
    from .._gateway.names import WebSocketScenarioName
    from .._gateway.websocket_records import WebSocketConnection

__all__ = ["Channel", "Frame", "WebSocketApi", "WebSocketSession"]
_REFUSALS = ("gone", "forbidden", "payload_too_large", "limit_exceeded")


Handler = Callable[[Any, Any], object]
#: A route: its handler (a callable or ``"module:function"``), or a dict with
#: ``handler`` and ``route_response`` (the route answers the client with the
#: result's ``body``: a two-way route), ``integration_timeout`` (seconds, 29
#: at most) and ``function_timeout`` (the Lambda's own).
RouteSpec = Handler | str | Mapping[str, Any]


def _route(key: object, spec: object) -> tuple[str, Handler, bool]:
    written = check_route_key(key)
    given = dict(spec) if isinstance(spec, Mapping) else {"handler": spec}
    unknown = sorted(set(given) - {"handler", "route_response", *ROUTE_TIMEOUTS})
    if unknown or "handler" not in given:
        raise ApigwFaultError(
            f"route {written!r}: give its handler (a callable or 'module:function') or a"
            f" dict with 'handler' and 'route_response', 'integration_timeout' or"
            f" 'function_timeout', got {spec!r}"
        )
    handler = given["handler"]
    if not (callable(handler) or isinstance(handler, str)):
        raise ApigwFaultError(f"route {written!r}: handler {handler!r} is not callable")
    return written, resolve_handler(handler), bool(given.get("route_response", False))


def _checked_iam(value: object) -> IamAuth:
    from .._gateway.auth.iam import IamAuth

    if not isinstance(value, IamAuth):
        raise ApigwFaultError(
            "iam= takes IamAuth({access key id: IamCredentials(secret=...)}), the"
            f" credentials the management API's callers sign with; got {value!r}"
        )
    import importlib.util

    if importlib.util.find_spec("botocore") is None:
        raise ApigwFaultError(
            "iam= verifies SigV4 signatures with botocore, which is not installed:"
            " pip install 'pytest-apigw-faults[sigv4]'"
        )
    return value


def _place(url: str | None, stage: str | None, region: str, account_id: str,
           ids: WebSocketIds) -> Place:
    """Where the API is: from ``url`` (``wss://{id}.execute-api.{region}.amazonaws.com/{stage}``)
    when given, else an id of its own."""
    if url is None:
        api_id = "".join(c for c in ids.new().lower() if c.isalnum())[:10]
        return Place(api_id, stage or "prod", region, account_id)
    parts = urlsplit(url)
    labels = (parts.hostname or "").split(".")
    path = parts.path.strip("/")
    well_formed = (
        parts.scheme == "wss" and len(labels) == 5 and labels[1] == "execute-api"
        and labels[3:] == ["amazonaws", "com"] and bool(path) and "/" not in path
    )
    if not well_formed:
        raise ApigwFaultError(
            "url= takes the API's wss://{api-id}.execute-api.{region}.amazonaws.com/{stage},"
            f" got {url!r}"
        )
    if stage is not None and stage != path:
        raise ApigwFaultError(f"stage={stage!r} is not the stage of url={url!r}")
    return Place(labels[0], path, labels[2], account_id)


class WebSocketApi:
    """A WebSocket API: ``WebSocketApi({"$connect": on_connect, "sendMessage":
    on_send, "$default": on_other})``, served by the loopback gateway at
    ``ws://127.0.0.1:{port}/{stage}``.

    ``routes`` maps each route key (``$connect``, ``$disconnect``,
    ``$default``, or a value the route selection expression picks) to its
    handler, or to ``{"handler": ..., "route_response": True}`` for a route
    that answers the client with the result's ``body``. ``route_selection``
    is the API's route selection expression (``$request.body.action``).
    ``authorizer`` is the ``$connect`` route's Lambda authorizer (a
    ``REQUEST`` authorizer's handler, which returns an IAM policy);
    ``identity_source`` its sources (``route.request.header.Auth``,
    ``route.request.querystring.token``): one missing refuses with 401.
    ``url`` (``wss://{api-id}.execute-api.{region}.amazonaws.com/{stage}``)
    names the API; else ``stage`` (``"prod"``) and ``region``.
    ``virtual_time=True`` runs the test on virtual time once
    ``apigw_fault.use_api`` starts it: the 10-minute idle timeout and the
    2-hour limit pass at once. ``seed`` fixes the ids.

    Started (``apigw_fault.use_api``, :meth:`start` or ``with api:``), its
    ``@connections`` management API answers boto3's
    ``apigatewaymanagementapi`` calls in-process (and the loopback server
    answers ``/{stage}/@connections/{id}`` always); ``iam=IamAuth(...)``
    verifies their signatures (see :mod:`.connections`).
    """

    def __init__(
        self,
        routes: Mapping[str, RouteSpec],
        *,
        route_selection: str = DEFAULT_SELECTION,
        authorizer: Handler | str | None = None,
        identity_source: Sequence[str] = (),
        url: str | None = None,
        stage: str | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        virtual_time: bool = False,
        seed: int | str | None = None,
        iam: IamAuth | None = None,
    ) -> None:
        if not isinstance(routes, Mapping) or not routes:
            raise ApigwFaultError(
                "WebSocketApi(routes) takes a dict of route key ('$connect', '$default',"
                f" 'sendMessage', ...) to handler, got {routes!r}"
            )
        self._routes = {key: (handler, two_way) for key, handler, two_way in (
            _route(key, spec) for key, spec in routes.items()
        )}
        self._timeouts = {key: check_route_timeouts(key, spec) for key, spec in routes.items()}
        self._selection = check_selection(route_selection)
        self.route_selection = route_selection
        self._authorizer = None if authorizer is None else resolve_handler(authorizer)
        self._identity = identity_sources(identity_source)
        self._ids = WebSocketIds(seed)
        self.place = _place(url, stage, region, account_id, self._ids)
        self.virtual_time = bool(virtual_time)
        #: The connections open now, by connection id.
        self.connections: dict[str, WebSocketSession] = {}
        #: Every ``(route key, event)`` a handler was given, oldest first.
        self.events: list[tuple[str, dict[str, Any]]] = []
        #: Every frame of every connection, oldest first (see :class:`Frame`).
        self.frames: list[Frame] = []
        #: Every management call: ``(operation, connection id, status)``.
        self.management: list[tuple[str, str, int]] = []
        self.iam = None if iam is None else _checked_iam(iam)
        self._refusals: list[str] = []
        self._injections = Injections()
        self._sessions: list[WebSocketSession] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        keys = ", ".join(repr(key) for key in self._routes)
        return f"WebSocketApi(routes=[{keys}]; {self.url})"

    @classmethod
    def from_template(
        cls, source: str | os.PathLike[str] | Mapping[str, Any], *,
        api_name: str | None = None, parameters: Mapping[str, object] | None = None,
        handlers: Mapping[str, Handler] | None = None, stage: str | None = None,
        url: str | None = None, region: str | None = None, account_id: str = "123456789012",
        virtual_time: bool = False, seed: int | str | None = None, iam: IamAuth | None = None,
    ) -> WebSocketApi:
        """The WebSocket API a SAM or CloudFormation template declares
        (``AWS::ApiGatewayV2::Api`` of protocol ``WEBSOCKET``; a file, or its
        dict), each route run by its function's Python handler
        (:mod:`.template_websocket`). ``api_name``: the API's logical id (or
        name) when there are several; ``parameters`` override the template's
        (``AWS::Region`` too: the API's region unless ``region=``);
        ``handlers`` answer what its code cannot (by route key, function
        logical id or authorizer name). The rest is the constructor's."""
        from .template_websocket import from_template

        __tracebackhide__ = True
        try:
            return from_template(cls, source, dict(
                api_name=api_name, parameters=parameters, handlers=handlers, stage=stage,
                url=url, region=region, account_id=account_id, virtual_time=virtual_time,
                seed=seed, iam=iam,
            ))
        except ApigwFaultError as error:  # the template's or its code's fault: no loader frames
            raise error.with_traceback(None) from error.__cause__

    @property
    def url(self) -> str:
        """The API's own URL, ``wss://{api-id}.execute-api.{region}.amazonaws.com/{stage}``."""
        return f"wss://{self.place.domain_name}/{self.place.stage}"

    @property
    def route_keys(self) -> tuple[str, ...]:
        return tuple(self._routes)

    def takes(self, target: str, host: str | None) -> bool:
        """Whether an upgrade to ``target`` (path and query) on ``host`` is
        this API's: the path is ``/{stage}``, and an execute-api host is its own."""
        path = target.split("?", 1)[0].rstrip("/")
        hostname = (host or "").rsplit(":", 1)[0].lower()
        if hostname.endswith(".amazonaws.com") and hostname != self.place.domain_name:
            return False
        return path == f"/{self.place.stage}"

    @property
    def history(self) -> list[WebSocketConnection]:
        """Every connection the API saw, refused ones too, oldest first, as
        it stands now (each a :class:`WebSocketConnection`)."""
        with self._lock:
            return [session.log.record() for session in self._sessions]

    def assert_reconnected(
        self, times: int | None = None, *, after: str | int | None = None
    ) -> None:
        """Check the client reconnected: ``times`` reconnects exactly (each
        connection after the first, refused ones too), or at least one when
        ``None``; with ``after`` (a row that ends a connection, such as
        ``"frame_too_large"`` or ``"idle_timeout"``, or a close code), only
        those after a connection that ended with it."""
        __tracebackhide__ = True
        check_reconnected(self.history, times, after)

    def assert_not_reconnected(self, *, after: str | int | None = None) -> None:
        """Check the client did not reconnect (after ``after``, when given)."""
        __tracebackhide__ = True
        check_reconnected(self.history, 0, after)

    # -- the management API ------------------------------------------------------------

    def start(self) -> WebSocketApi:
        """Answer boto3's calls of the management API in-process until :meth:`stop`."""
        _connections.start(self)
        return self

    def stop(self) -> None:
        """Stop answering in-process; safe to call again."""
        _connections.stop(self)

    def __enter__(self) -> WebSocketApi:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def refuse_management(self, name: str, times: int = 1) -> None:
        """Answer the next ``times`` management calls with the refusal
        ``name``: ``"limit_exceeded"`` (429), ``"forbidden"`` (403),
        ``"gone"`` (410) or ``"payload_too_large"`` (413)."""
        if name not in _REFUSALS:
            import difflib

            close = difflib.get_close_matches(str(name), _REFUSALS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ApigwFaultError(
                f"refuse_management takes one of {', '.join(map(repr, _REFUSALS))},"
                f" got {name!r}{hint}"
            )
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ApigwFaultError(f"refuse_management times= is a number from 1, got {times!r}")
        with self._lock:
            self._refusals += [name] * times

    def inject(
        self, scenario: WebSocketScenarioName | WebSocketScenario, *, route: str | None = None,
        times: int | None = 1,
    ) -> WebSocketScenario:
        """Fail the next ``times`` times with ``scenario`` (a row of
        ``websocket_scenarios(...)`` or its name), where its phase says: a
        ``connect`` row refuses the next upgrade with its status and body, a
        ``message`` row answers the next message (on ``route``, or any)
        with its error frame (fresh ids) or closes the connection with its
        code, a ``connection`` row closes the next connection with its code
        once it is open, a ``management`` row refuses the next
        ``@connections`` call (:meth:`refuse_management`). ``times=None``
        fails every time (not for management rows). The row answers instead
        of the handlers; it is returned."""
        row, key, count = check_injection(scenario, route, times, self.route_keys)
        if row.phase == "management":
            assert count is not None  # checked: management rows take a count
            self.refuse_management(row.name.removeprefix("management_"), count)
        else:
            self._injections.add(row, key, count)
        return row

    def _next_refusal(self) -> str | None:
        with self._lock:
            return self._refusals.pop(0) if self._refusals else None

    def _record_management(self, call: ManagementCall, status: int) -> None:
        with self._lock:
            self.management.append((call.operation, call.connection_id, status))

    def _record(self, frame: Frame) -> None:
        with self._lock:
            self.frames.append(frame)

    # -- the gateway's side of a connection -------------------------------------------

    def _run(self, route_key: str, event: dict[str, Any]) -> Answered:
        with self._lock:
            self.events.append((route_key, event))
        handler = self._routes[route_key][0]
        integration, function = self._timeouts.get(route_key, (INTEGRATION_TIMEOUT, None))
        return run_handler(
            handler, event, request_id=self._ids.new(), name=route_key.lstrip("$"),
            handler_time=_clock.handler_time, timeout=function or integration,
        )

    def _ending(self, route_key: str, ran: Answered) -> str | None:
        """How the integration ended (:func:`timed_out`); on virtual time the
        gateway first waits what the function took, up to its timeout."""
        integration, function = self._timeouts.get(route_key, (INTEGRATION_TIMEOUT, None))
        ending = timed_out(ran.seconds, integration_timeout=integration,
                           function_timeout=function)
        if _clock.running() is not None and ran.seconds > 0:
            threading.Event().wait(min(ran.seconds, function or integration, integration))
        return ending

    def connect(
        self, headers: tuple[tuple[str, str], ...], target: str,
        peer: tuple[str, int] = ("127.0.0.1", 0),
    ) -> WebSocketSession:
        """An upgrade request: authorize it, run ``$connect``, and the session
        whose :attr:`~WebSocketSession.handshake` says whether it connected
        (it is in :attr:`connections` once the server attaches it)."""
        query = target.split("?", 1)[1] if "?" in target else ""
        connection_id, request_id = self._ids.new(), self._ids.new()
        now = int(time.time() * 1000)
        trace = self._ids.trace_id(now // 1000)
        upgrade = Upgrade(headers, query, connection_id, request_id, trace, now)
        injected = self._injections.take("connect")
        if injected is not None:
            refused = Handshake(injected.status or 500, injected.body or b"", injected)
            return WebSocketSession(self, connection_id, now, refused)
        allowed: dict[str, Any] | None = None
        if self._authorizer is not None:
            verdict: str | dict[str, Any] = "connect_unauthorized"  # an identity missing
            if not identity_missing(self._identity, headers, query):
                event = authorizer_event(self.place, upgrade)
                with self._lock:
                    self.events.append(("authorizer", event))
                verdict = authorize(
                    self._authorizer, event, request_id=self._ids.new(),
                    handler_time=_clock.handler_time,
                )
            if isinstance(verdict, str):
                row = WEBSOCKET_SCENARIOS[verdict]
                refused = Handshake(row.status or 500, row.body or b"", row)
                return self._kept(WebSocketSession(self, connection_id, now, refused))
            allowed = verdict
        answer = handshake()
        if CONNECT in self._routes:
            ran = self._run(CONNECT, connect_event(self.place, upgrade, authorizer=allowed))
            ending = self._ending(CONNECT, ran)
            answer = handshake(
                failed=ran.failed or ending is not None, status=ran.status,
                body=(ran.body or "").encode(), headers=ran.headers,
                timeout=ending == "integration_timeout",
            )
        session = WebSocketSession(self, connection_id, now, answer)
        if answer.connected:
            session._closing = self._injections.take("connection")
        session.peer = peer
        session.user_agent = next(
            (value for name, value in headers if name.lower() == "user-agent"), None
        )
        return self._kept(session)

    def _kept(self, session: WebSocketSession) -> WebSocketSession:
        with self._lock:
            self._sessions.append(session)
        return session
