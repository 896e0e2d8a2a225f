"""The ``requests`` adapter, through ``responses``.

Where it hooks in: ``Session.get_adapter``. For a URL a started fault
matches, the session gets its own adapter back under a thin subclass that
puts :class:`_GatewayAdapter` between the user's adapter class and
``HTTPAdapter``. So the user's adapter code (a ``send`` that sets a default
timeout, say) still runs; its ``max_retries`` (urllib3 ``Retry``) counts
every attempt, as urllib3 does, while ``responses`` builds each answer; and
attempts no fault answers go on to ``HTTPAdapter.send`` as it is at that
moment: the network, or the user's own ``responses`` mock, in whichever order
the two were started and stopped, since the fault never patches
``HTTPAdapter.send`` itself.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests
import responses
from requests.adapters import HTTPAdapter
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import InvalidHeader, ReadTimeout, RetryError
from responses.registries import FirstMatchRegistry
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import InvalidHeader as UrllibInvalidHeader
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from .._core import patches as _patches
from .._core import runtime as _runtime
from .._core.fault import Call, Fault
from .._gateway import headers as _wire
from . import _internals

_runtime.refuse_reload(globals())

__all__ = ["TARGET", "Backend", "read_timeout_of"]

_CLIENT = "requests"


class _Target:
    """Owner of the method ``responses`` patches while faults are started.

    ``responses`` replaces ``send`` with a plain function taking
    ``(adapter, request, **kwargs)``, called on the class, not an instance.
    """

    @staticmethod
    def send(adapter: HTTPAdapter, request: Any, *, retries: Any = None, **kwargs: Any) -> Any:
        # Not patched: no fault is started any more (an adapter kept from
        # while one was, say), so the request goes where it would anyway.
        return HTTPAdapter.send(adapter, request, **kwargs)


class _TimedOut(Exception):
    def __init__(self, call: Call) -> None:
        super().__init__()
        self.call = call


class _GatewayResponse(requests.Response):
    """A response whose ``elapsed`` counts the gateway's time.

    For a faulted response, that time alone: requests' own measurement
    (around an answer that took no real time) is dropped. For a response
    that passed through after faulted attempts, the gateway time of those
    attempts plus the measured time.
    """

    # pickled with the response, so a cached response keeps its elapsed
    __attrs__ = [  # noqa: RUF012 - the list requests' own pickling reads
        *_internals.requests_pickled_attributes(),
        "_apigw_spent",
        "_apigw_measured",
    ]
    _apigw_spent = 0.0
    _apigw_measured: timedelta | None = None

    @property
    def elapsed(self) -> timedelta:
        measured = self._apigw_measured or timedelta(0)
        return timedelta(seconds=self._apigw_spent) + measured

    @elapsed.setter
    def elapsed(self, value: timedelta) -> None:
        if self._apigw_measured is not None:
            self._apigw_measured = value


def _count_gateway_time(response: requests.Response, spent: float, measured: bool) -> None:
    response.__class__ = _GatewayResponse
    response._apigw_spent = spent  # type: ignore[attr-defined]
    response._apigw_measured = timedelta(0) if measured else None  # type: ignore[attr-defined]


class _Frame:
    """What one attempt's loop shares with the ``responses`` callbacks it
    causes: the retries left, the gateway time spent so far, whether the
    attempt passed through, and the call a fault answered."""

    __slots__ = ("answered", "call", "passed_through", "retries", "spent")

    def __init__(self, retries: Retry, spent: float) -> None:
        self.retries = retries
        self.spent = spent
        self.passed_through = False
        self.call: Call | None = None
        self.answered: Call | None = None  # kept after build_response takes call


# The frame of the attempt under way in this thread. A pass-through may send
# another request from inside (a user's responses callback): each send keeps
# the frame it found and puts it back.
_current = threading.local()


def _frame() -> _Frame | None:
    frame: _Frame | None = getattr(_current, "frame", None)
    return frame
# responses' own Retry emulation is switched off: the adapter retries.
_NO_RETRIES = Retry(0)


def _read_part(timeout: Any) -> Any:
    """The read part of a ``requests`` ``timeout=``: a number, ``(connect,
    read)`` or a urllib3 ``Timeout``; as given, for urllib3's message."""
    if isinstance(timeout, tuple):
        return timeout[1]
    return getattr(timeout, "read_timeout", timeout)


def read_timeout_of(timeout: Any) -> float | None:
    """The read timeout in a ``requests`` ``timeout=`` argument, in seconds."""
    read = _read_part(timeout)
    return None if read is None else float(read)


def _pool(url: str) -> HTTPConnectionPool:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https":
        return HTTPSConnectionPool(host, parts.port or 443)
    return HTTPConnectionPool(host, parts.port or 80)


def _wait(retries: Retry, response: requests.Response, request: Any) -> float:
    """What ``Retry.sleep(response)`` would sleep after a retried status: the
    ``Retry-After`` wait when the retries respect it and it is more than 0,
    else the backoff; an unreadable Retry-After raised as requests raises it."""
    if retries.respect_retry_after_header:
        try:
            after = retries.get_retry_after(response.raw)
        except UrllibInvalidHeader as exc:
            raise InvalidHeader(exc, request=request) from None
        if after:
            return float(after)
    return float(retries.get_backoff_time())


class _GatewayAdapter(HTTPAdapter):
    """The adapter a faulted URL is sent through (see the module doc)."""

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        """Send ``request`` attempt after attempt under the adapter's ``Retry``.

        One ``Retry`` object counts read timeouts and retried statuses alike,
        as urllib3 does, and raises what requests raises when it runs out.
        Backoff is not slept: it passes as gateway-side time (the next
        attempt arrives later, ``elapsed`` includes it).
        """
        retries = Retry.from_int(self.max_retries, redirect=False, default=Retry.DEFAULT)
        kwargs = {
            "stream": stream,
            "timeout": timeout,
            "verify": verify,
            "cert": cert,
            "proxies": proxies,
        }
        outer = _frame()
        try:
            return self._attempts(request, retries, timeout, kwargs)
        finally:
            _current.frame = outer

    def _attempts(
        self,
        request: requests.PreparedRequest,
        retries: Retry,
        timeout: Any,
        kwargs: dict[str, Any],
    ) -> requests.Response:
        spent = 0.0
        url = str(request.url)
        while True:
            frame = _current.frame = _Frame(retries, spent)
            try:
                response: requests.Response = _Target.send(
                    self, request, retries=_NO_RETRIES, **kwargs
                )
            except _TimedOut as timed_out:
                spent = timed_out.call.elapsed
                error = ReadTimeoutError(
                    _pool(url), url, f"Read timed out. (read timeout={_read_part(timeout)})"
                )
                timed_out.call.exception = error
                try:
                    retries = retries.increment(request.method, url, error=error)
                except MaxRetryError as exc:
                    raised: Exception = RequestsConnectionError(exc, request=request)
                except ReadTimeoutError as exc:
                    raised = ReadTimeout(exc, request=request)
                else:
                    backoff = retries.get_backoff_time()
                    spent += backoff
                    timed_out.call.fault.note_backoff(backoff)  # not slept: counted
                    continue
                timed_out.call.exception = raised
                raise raised from None
            if frame.passed_through:
                if spent:
                    _count_gateway_time(response, spent, measured=True)
                return response
            spent = response.elapsed.total_seconds()
            response.raw.retries = retries  # as urlopen gives each response
            # urlopen's test: an empty Retry-After is none
            has_retry_after = bool(response.headers.get("Retry-After"))
            if not retries.is_retry(str(request.method), response.status_code, has_retry_after):
                return response
            try:
                retries = retries.increment(request.method, url, response=response.raw)
            except MaxRetryError as exc:
                if retries.raise_on_status:
                    raise RetryError(exc, request=request) from None
                return response
            backoff = _wait(retries, response, request)
            spent += backoff
            if frame.answered is not None:  # not slept: counted, once
                frame.answered.fault.note_backoff(backoff)

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        frame = _frame()
        if frame is not None and frame.call is not None:
            call, frame.call = frame.call, None
            _count_gateway_time(response, call.elapsed, measured=False)
            call.response = response
        return response


# Shadow classes by user adapter class; adapter classes live as long as the
# process in practice, and so do these.
_SHADOWS: dict[type[HTTPAdapter], type[HTTPAdapter]] = {HTTPAdapter: _GatewayAdapter}


def _shadow(adapter: HTTPAdapter) -> HTTPAdapter:
    """``adapter`` seen through :class:`_GatewayAdapter`, sharing its state."""
    cls = type(adapter)
    if issubclass(cls, _GatewayAdapter):
        return adapter
    shadow_cls = _SHADOWS.get(cls)
    if shadow_cls is None:
        try:
            shadow_cls = type(
                cls.__name__, (cls, _GatewayAdapter), {"__module__": cls.__module__}
            )
        except TypeError:
            shadow_cls = _GatewayAdapter
        _SHADOWS[cls] = shadow_cls
    shadow: HTTPAdapter = _internals.adapter_sharing_state(adapter, shadow_cls)
    return shadow


def _body_of(request: requests.PreparedRequest) -> bytes:
    """The request body as bytes, for a Lambda; a file or a generator body
    is read (nothing else will send it)."""
    body: Any = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    read = getattr(body, "read", None)
    chunks = [read()] if callable(read) else list(body)
    return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in chunks)


def _size_of(request: requests.PreparedRequest) -> int | None:
    """The body's size when it is bytes in memory; else ``None``, and the
    gateway reads the ``Content-Length`` requests set (for text, and for a
    file from its size). A generator's size is unknown: it is left unread."""
    body: Any = request.body
    if body is None:
        return 0
    if isinstance(body, (bytes, bytearray)):
        return len(body)
    return None


def _respond(
    fault: Fault, request: requests.PreparedRequest
) -> tuple[int, list[tuple[str, str]], bytes]:
    kwargs = _internals.responses_request_kwargs(request)
    frame = _frame()
    call = fault.answer(
        _CLIENT,
        request,
        read_timeout=read_timeout_of(kwargs.get("timeout")),
        method=str(request.method),
        url=str(request.url),
        headers=request.headers,
        spent=0.0 if frame is None else frame.spent,
        body=_body_of(request) if fault.reads_body else None,
        body_size=None if fault.reads_body else _size_of(request),
    )
    if call.timed_out:
        raise _TimedOut(call)
    if frame is not None:
        frame.call = frame.answered = call
    wire = call.exchange.response
    # responses adds each pair to urllib3's HTTPHeaderDict, so repeated lines
    # (two set-cookie) stay lines: requests' cookie jar reads each, and only
    # response.headers joins them, as with a real server. Values are the
    # bytes the gateway writes (UTF-8), as http.client reads them: latin-1.
    return wire.status, [(name, _wire.latin1(value)) for name, value in wire.headers], wire.body


class _Registry(FirstMatchRegistry):
    """Answers each attempt from the newest fault that still has calls left;
    the runtime refuses an execute-api attempt none answers (strict mode)."""

    def __init__(self) -> None:
        super().__init__()
        self._passthrough = _internals.responses_unrecorded(
            responses.PassthroughResponse("GET", "https://")
        )

    def find(self, request: Any) -> tuple[responses.BaseResponse | None, list[str]]:
        # the fault that answers, None to pass, or an ApigwFaultError
        fault = _runtime.claim(str(request.url), _CLIENT, str(request.method))
        if fault is None:
            return self._passthrough, []
        answer = fault.backend_state.get(_CLIENT)
        if answer is None:  # one per fault, even when threads race here
            answer = fault.backend_state.setdefault(
                _CLIENT,
                _internals.responses_unrecorded(
                    responses.CallbackResponse(
                        "GET", "https://", callback=partial(_respond, fault), content_type=None
                    )
                ),
            )
        return answer, []


def _passthrough(adapter: HTTPAdapter, request: Any, **kwargs: Any) -> Any:
    """Send an attempt no fault answers through ``HTTPAdapter.send`` as it is
    now (the real one, or a user's ``responses`` mock), with the retries the
    request has left."""
    frame = _frame()
    retries = None if frame is None else frame.retries
    if frame is not None:
        frame.passed_through = True
        _current.frame = None  # a request sent from in there starts its own
    if retries is not None and retries is not adapter.max_retries:
        adapter = _internals.adapter_with_retries(adapter, retries)
    return HTTPAdapter.send(adapter, request, **kwargs)


def _hook(original: Any) -> Any:
    """A ``Session.get_adapter`` that shadows the adapter of a URL the faults
    decide (answer, or refuse: see ``runtime.claim``)."""

    def get_adapter(session: requests.Session, url: str) -> Any:
        adapter = original(session, url)
        if isinstance(adapter, HTTPAdapter) and _runtime.wants(url, _CLIENT):
            return _shadow(adapter)
        return adapter

    return get_adapter


#: What the backend patches: the faults of every copy of this module share it.
TARGET = requests.Session


class Backend:
    """The ``get_adapter`` hook, and the ``responses`` mock behind it."""

    def __init__(self) -> None:
        self._patches = _patches.Patches()

    def install(self) -> None:
        # leaves a file-like request body unread: no fault reads bodies, and
        # a pass-through sends the file as it is
        mock = _internals.responses_mock(_Registry, _passthrough)
        # responses' own start() would find _Target by its dotted name, which
        # may name another copy of this module by then
        self._patches.apply(_Target, "send", lambda _: _internals.responses_send(mock))
        self._patches.apply(requests.Session, "get_adapter", _hook)

    def uninstall(self) -> list[str]:
        # Patched again on top of the hook: undoing it would drop that patch.
        # The hook stays under it; with no fault started it hands every
        # adapter through unchanged.
        return [
            f"requests.Session.get_adapter was replaced by {patch!r} while a"
            " fault was started; stop that patch before the fault"
            for owner, _, patch in self._patches.undo()
            if owner is requests.Session
        ]
