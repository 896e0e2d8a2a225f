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
import warnings
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests
import responses
from requests.adapters import HTTPAdapter
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ReadTimeout, RetryError
from responses.registries import FirstMatchRegistry
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from ._fault import ACTIVE, ApigwFaultWarning, Call, Fault

__all__ = ["BACKEND", "read_timeout_of"]

_CLIENT = "requests"


class _Target:
    """Owner of the method ``responses`` patches while faults are started.

    ``responses`` replaces ``send`` with a plain function taking
    ``(adapter, request, **kwargs)``, called on the class, not an instance.
    """

    @staticmethod
    def send(adapter: HTTPAdapter, request: Any, **kwargs: Any) -> Any:
        raise RuntimeError("pytest-apigw-faults: the requests backend is not started")


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


# What the adapter loop tells the responses callback, one thread at a time:
# retries (what is left), spent (gateway time so far), passed_through, call.
_pending = threading.local()
# responses' own Retry emulation is switched off: the adapter retries.
_NO_RETRIES = Retry(0)


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


def _timeout_text(value: Any) -> str:
    if isinstance(value, tuple):
        value = value[1]
    return str(getattr(value, "read_timeout", value))


def _pool(url: str) -> HTTPConnectionPool:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https":
        return HTTPSConnectionPool(host, parts.port or 443)
    return HTTPConnectionPool(host, parts.port or 80)


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
        spent = 0.0
        url = str(request.url)
        kwargs = {
            "stream": stream,
            "timeout": timeout,
            "verify": verify,
            "cert": cert,
            "proxies": proxies,
        }
        while True:
            _pending.retries = retries
            _pending.spent = spent
            _pending.passed_through = False
            try:
                response: requests.Response = _Target.send(
                    self, request, retries=_NO_RETRIES, **kwargs
                )
            except _TimedOut as timed_out:
                spent = timed_out.call.elapsed
                error = ReadTimeoutError(
                    _pool(url), url, f"Read timed out. (read timeout={_timeout_text(timeout)})"
                )
                timed_out.call.exception = error
                try:
                    retries = retries.increment(request.method, url, error=error)
                except MaxRetryError as exc:
                    raised: Exception = RequestsConnectionError(exc, request=request)
                except ReadTimeoutError as exc:
                    raised = ReadTimeout(exc, request=request)
                else:
                    spent += retries.get_backoff_time()
                    continue
                timed_out.call.exception = raised
                raise raised from None
            if _pending.passed_through:
                if spent:
                    _count_gateway_time(response, spent, measured=True)
                return response
            spent = response.elapsed.total_seconds()
            if not retries.is_retry(
                str(request.method), response.status_code, "Retry-After" in response.headers
            ):
                return response
            try:
                retries = retries.increment(request.method, url, response=response.raw)
            except MaxRetryError as exc:
                if retries.raise_on_status:
                    raise RetryError(exc, request=request) from None
                return response
            spent += retries.get_backoff_time()

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        call: Call | None = getattr(_pending, "call", None)
        if call is not None:
            _pending.call = None
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
    shadow = object.__new__(shadow_cls)
    shadow.__dict__ = adapter.__dict__
    return shadow


def _respond(
    fault: Fault, request: requests.PreparedRequest
) -> tuple[int, list[tuple[str, str]], bytes]:
    kwargs: dict[str, Any] = getattr(request, "req_kwargs", {})
    call = fault.answer(
        _CLIENT,
        request,
        read_timeout=read_timeout_of(kwargs.get("timeout")),
        method=str(request.method),
        trace_id=request.headers.get("X-Amzn-Trace-Id"),
        spent=getattr(_pending, "spent", 0.0),
    )
    if call.timed_out:
        raise _TimedOut(call)
    _pending.call = call
    wire = call.exchange.response
    return wire.status, list(wire.headers), wire.body


class _Registry(FirstMatchRegistry):
    """Answers each attempt from the newest fault that still has calls left."""

    def __init__(self) -> None:
        super().__init__()
        self._passthrough = responses.PassthroughResponse("GET", "https://")

    def find(self, request: Any) -> tuple[responses.BaseResponse | None, list[str]]:
        fault = ACTIVE.claim(str(request.url), _CLIENT)
        if fault is None:
            return self._passthrough, []
        answer = fault.backend_state.get(_CLIENT)
        if answer is None:
            answer = responses.CallbackResponse(
                "GET", "https://", callback=partial(_respond, fault), content_type=None
            )
            fault.backend_state[_CLIENT] = answer
        return answer, []


def _passthrough(adapter: HTTPAdapter, request: Any, **kwargs: Any) -> Any:
    """Send an attempt no fault answers through ``HTTPAdapter.send`` as it is
    now (the real one, or a user's ``responses`` mock), with the retries the
    request has left."""
    _pending.passed_through = True
    retries = getattr(_pending, "retries", None)
    if retries is not None and retries is not adapter.max_retries:
        clone = object.__new__(type(adapter))
        clone.__dict__ = {**adapter.__dict__, "max_retries": retries}
        adapter = clone
    return HTTPAdapter.send(adapter, request, **kwargs)


class _Backend:
    """Installs the ``get_adapter`` hook and the ``responses`` mock behind it."""

    def __init__(self) -> None:
        self._mock: responses.RequestsMock | None = None
        self._original: Any = None
        self._hook: Any = None

    def install(self) -> None:
        original = requests.Session.get_adapter

        def get_adapter(session: requests.Session, url: str) -> Any:
            adapter = original(session, url)
            if isinstance(adapter, HTTPAdapter) and ACTIVE.wants(url, _CLIENT):
                return _shadow(adapter)
            return adapter

        mock = responses.RequestsMock(
            assert_all_requests_are_fired=False,
            target=f"{__name__}._Target.send",
            registry=_Registry,
            real_adapter_send=_passthrough,  # type: ignore[arg-type]
        )
        mock.start()
        self._mock, self._original, self._hook = mock, original, get_adapter
        requests.Session.get_adapter = get_adapter  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        current = requests.Session.get_adapter
        if current is self._hook:
            requests.Session.get_adapter = self._original  # type: ignore[method-assign]
        elif current is not self._original:
            # Patched again on top of the hook: undoing it would drop that
            # patch. The hook stays under it; with no fault started it hands
            # every adapter through unchanged.
            warnings.warn(
                ApigwFaultWarning(
                    f"requests.Session.get_adapter was replaced by {current!r} while a"
                    " fault was started; stop that patch before the fault"
                ),
                stacklevel=2,
            )
        self._hook = self._original = None
        if self._mock is not None:
            self._mock.stop(allow_assert=False)
            self._mock.reset()
            self._mock = None


BACKEND = _Backend()
