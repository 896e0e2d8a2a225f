"""The ``httpx`` adapter, through ``respx``.

Where it hooks in: ``HTTPTransport.handle_request`` and
``AsyncHTTPTransport.handle_async_request``, through a ``respx`` mocker of its
own. So a user's transport that wraps ``HTTPTransport`` (a retry transport)
runs as it would against AWS; the faulted ``httpx.Response`` is the object
the client returns, which lets its ``elapsed`` be the gateway's time; and
calls that are not faulted go on to the real transport, and so to httpcore,
where the user's own ``respx`` mock (its default mocker) answers them, in
whichever order the two were started and stopped.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any, ClassVar

import httpx
from respx.mocks import AbstractRequestMocker
from respx.models import PassThrough

from .._core.fault import ACTIVE, ApigwFaultWarning, Fault
from .._gateway.table import ApigwFaultError

__all__ = ["BACKEND"]

_CLIENT = "httpx"
_MOCKER = "pytest_apigw_faults"
_TARGETS = {
    "httpx.HTTPTransport": "handle_request",
    "httpx.AsyncHTTPTransport": "handle_async_request",
}


class _TransportMocker(AbstractRequestMocker):
    """Patches httpx's own transports, one level above respx's default.

    respx does the patching, the reading of the request body and the call of
    the real transport for a pass-through; the faults answer directly, with
    no router in between (a router would add its own matching and call log
    to every request).
    """

    name = _MOCKER
    targets: ClassVar[list[str]] = list(_TARGETS)
    target_methods: ClassVar[list[str]] = list(_TARGETS.values())

    @classmethod
    def handler(cls, httpx_request: httpx.Request) -> httpx.Response:
        fault = _claim(httpx_request)
        if fault is not None and fault.reads_body:  # a Lambda sees the body
            httpx_request.read()
        return _respond(httpx_request, fault)

    @classmethod
    async def async_handler(cls, httpx_request: httpx.Request) -> httpx.Response:
        fault = _claim(httpx_request)
        if fault is not None and fault.reads_body:
            await httpx_request.aread()
        return _respond(httpx_request, fault)

    @classmethod
    def prepare_sync_request(
        cls, httpx_request: httpx.Request, **kwargs: Any
    ) -> tuple[httpx.Request, dict[str, Any]]:
        # Only a handler fault reads the body, once it has claimed the call:
        # a streamed upload that is not faulted goes out as it comes.
        return httpx_request, kwargs

    @classmethod
    async def prepare_async_request(
        cls, httpx_request: httpx.Request, **kwargs: Any
    ) -> tuple[httpx.Request, dict[str, Any]]:
        return httpx_request, kwargs

    @classmethod
    def to_httpx_request(cls, **kwargs: Any) -> httpx.Request:
        request: httpx.Request = kwargs["request"]
        return request

    @classmethod
    def from_sync_httpx_response(
        cls, httpx_response: httpx.Response, target: Any, **kwargs: Any
    ) -> httpx.Response:
        return httpx_response

    @classmethod
    async def from_async_httpx_response(
        cls, httpx_response: httpx.Response, target: Any, **kwargs: Any
    ) -> httpx.Response:
        return httpx_response


class _GatewayResponse(httpx.Response):
    """A faulted response; its ``elapsed`` is the gateway's time, not ours."""

    _apigw_elapsed = timedelta(0)

    @property
    def elapsed(self) -> timedelta:
        return self._apigw_elapsed

    @elapsed.setter
    def elapsed(self, elapsed: timedelta) -> None:
        # httpx sets the time it measured when the stream closes; the gateway
        # time of the faulted attempts stands instead.
        pass


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    read = timeout.get("read")
    return None if read is None else float(read)


def _claim(request: httpx.Request) -> Fault | None:
    return ACTIVE.claim(str(request.url), _CLIENT)


def _respond(request: httpx.Request, fault: Fault | None) -> httpx.Response:
    if fault is None:  # respx calls the real transport
        raise PassThrough("not faulted", request=request, origin=None)  # type: ignore[arg-type]
    call = fault.answer(
        _CLIENT,
        request,
        read_timeout=_read_timeout(request),
        method=request.method,
        url=str(request.url),
        headers=request.headers,
        body=request.content if fault.reads_body else None,
    )
    if call.timed_out:
        error = httpx.ReadTimeout("The read operation timed out", request=request)
        call.exception = error
        raise error
    wire = call.exchange.response
    response = _GatewayResponse(
        wire.status,
        headers=list(wire.headers),
        stream=httpx.ByteStream(wire.body),
        request=request,
    )
    response._apigw_elapsed = timedelta(seconds=call.elapsed)
    call.response = response
    return response


def _describe(function: Any) -> str:
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', function)}"


class _Backend:
    """Starts and stops the mocker, refusing to stack on a foreign patch."""

    def __init__(self) -> None:
        self._ours: dict[tuple[type, str], Any] = {}
        # functions of ours a foreign patch put back after we stopped, and
        # the httpx functions they stand for
        self._stale: dict[Any, Any] = {}

    def install(self) -> None:
        for target, method in _TARGETS.items():
            cls = getattr(httpx, target.split(".")[1])
            current = getattr(cls, method)
            if current in self._stale:
                setattr(cls, method, self._stale.pop(current))
                continue
            if not getattr(current, "__module__", "").startswith("httpx."):
                raise ApigwFaultError(
                    f"{target}.{method} is already replaced by {_describe(current)}"
                    " (pytest-httpx's httpx_mock, or a monkeypatch), so a fault started"
                    " now would never see an httpx call. With pytest-httpx, start the"
                    " fault first (the apigw_fault marker) and leave execute-api calls to"
                    " it: @pytest.mark.httpx_mock(should_mock=lambda request:"
                    " '.execute-api.' not in request.url.host). Or pass clients='requests'"
                )
        _TransportMocker.start()
        self._ours = {
            (patch.target, patch.attribute): getattr(patch.target, patch.attribute)
            for patch in _TransportMocker._patches
        }
        if len(self._ours) != len(_TARGETS):
            _TransportMocker.stop(force=True)
            raise RuntimeError(
                "pytest-apigw-faults could not patch httpx's transports"
                f" ({', '.join(f'{t}.{m}' for t, m in _TARGETS.items())});"
                f" this httpx {httpx.__version__} is not supported"
            )

    def uninstall(self) -> None:
        # A patch made on top of the fault's (and not undone yet) stays: the
        # fault's own, left under it, passes every call through once no
        # fault is started, and is replaced by httpx's own at the next start.
        on_top = {
            key: current
            for key, ours in self._ours.items()
            if (current := getattr(*key)) is not ours
        }
        originals = {
            (patch.target, patch.attribute): patch.temp_original
            for patch in _TransportMocker._patches
        }
        _TransportMocker.stop(force=True)
        for key, current in on_top.items():
            setattr(*key, current)
            self._stale[self._ours[key]] = originals[key]
        self._ours = {}
        for (cls, method), current in on_top.items():
            warnings.warn(
                ApigwFaultWarning(
                    f"httpx.{cls.__name__}.{method} was replaced by {_describe(current)}"
                    " while a fault was started; stop that patch before the fault"
                ),
                stacklevel=2,
            )


BACKEND = _Backend()
