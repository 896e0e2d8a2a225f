"""The ``httpx`` adapter, through ``respx``.

Where it hooks in: ``HTTPTransport.handle_request`` and
``AsyncHTTPTransport.handle_async_request``, replaced by the functions a
``respx`` mocker of its own makes. So a user's transport that wraps
``HTTPTransport`` (a retry transport) runs as it would against AWS; the
faulted ``httpx.Response`` is the object the client returns, which lets its
``elapsed`` be the gateway's time; and calls that are not faulted go on to
the real transport, and so to httpcore, where the user's own ``respx`` mock
(its default mocker) answers them, in whichever order the two were started
and stopped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from .._core import clock as _clock
from .._core import patches as _patches
from .._core import runtime as _runtime
from .._core.fault import Call, Fault
from .._gateway import headers as _wire
from .._gateway.table import ApigwFaultError
from . import _internals

if TYPE_CHECKING:
    from ._internals import AbstractRequestMocker
else:
    AbstractRequestMocker = _internals.respx_request_mocker()

_runtime.refuse_reload(globals())

__all__ = ["TARGET", "Backend"]

_CLIENT = "httpx"
_TARGETS = {
    httpx.HTTPTransport: "handle_request",
    httpx.AsyncHTTPTransport: "handle_async_request",
}


class _TransportMocker(AbstractRequestMocker):
    """Makes the functions that replace httpx's own transports' methods, one
    level above respx's default.

    respx makes them: they read the request, and call the real transport
    for a pass-through; the faults answer directly, with no router in
    between (a router would add its own matching and call log to every
    request). The mocker has no name, so respx does not register it: the
    backend patches with its functions itself (see :class:`Backend`), and
    any number of copies of this module can be imported.
    """

    targets: ClassVar[list[str]] = [f"httpx.{cls.__name__}" for cls in _TARGETS]
    target_methods: ClassVar[list[str]] = list(_TARGETS.values())

    @classmethod
    def handler(cls, httpx_request: httpx.Request) -> httpx.Response:
        fault = _claim(httpx_request)
        if fault is not None and fault.reads_body:  # a Lambda sees the body
            httpx_request.read()
        return _reply(httpx_request, _answer(httpx_request, fault, wait=True))

    @classmethod
    async def async_handler(cls, httpx_request: httpx.Request) -> httpx.Response:
        fault = _claim(httpx_request)
        if fault is not None and fault.reads_body:
            await httpx_request.aread()
        call = _answer(httpx_request, fault, wait=False)
        await _clock.wait_for_call(call)  # on the loop: its deadlines may fire first
        return _reply(httpx_request, call)

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
    """The fault that answers, ``None`` to pass, or an ``ApigwFaultError``
    out of the client call (strict mode)."""
    return _runtime.claim(str(request.url), _CLIENT, request.method)


def _answer(request: httpx.Request, fault: Fault | None, *, wait: bool) -> Call:
    if fault is None:  # respx calls the real transport
        raise _internals.respx_pass_through("not faulted", request)
    return fault.answer(
        _CLIENT,
        request,
        read_timeout=_read_timeout(request),
        method=request.method,
        url=str(request.url),
        headers=request.headers,
        body=request.content if fault.reads_body else None,
        wait=wait,
    )


def _reply(request: httpx.Request, call: Call) -> httpx.Response:
    if call.timed_out:
        error = httpx.ReadTimeout("The read operation timed out", request=request)
        call.exception = error
        raise error
    wire = call.exchange.response
    response = _GatewayResponse(
        wire.status,
        # the bytes the gateway writes (UTF-8); httpx decodes them as it
        # decodes a server's
        headers=_wire.encoded(wire.headers),
        stream=httpx.ByteStream(wire.body),
        request=request,
    )
    response._apigw_elapsed = timedelta(seconds=call.elapsed)
    call.response = response
    return response


def _describe(function: Any) -> str:
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', function)}"


#: What the backend patches: the faults of every copy of this module share it.
TARGET = httpx.HTTPTransport


class Backend:
    """Patches the transports, refusing to stack on a foreign patch."""

    def __init__(self) -> None:
        self._patches = _patches.Patches()

    def install(self) -> None:
        for cls, method in _TARGETS.items():
            _refuse_foreign(cls, method)
        for cls, method in _TARGETS.items():
            self._patches.apply(cls, method, _TransportMocker.mock)

    def uninstall(self) -> list[str]:
        # A patch made on top of the fault's (and not undone yet) stays: the
        # fault's own, left under it, passes every call through once no
        # fault is started, and is replaced by httpx's own at the next start.
        return [
            f"httpx.{cls.__name__}.{method} was replaced by {_describe(patch)}"
            " while a fault was started; stop that patch before the fault"
            for cls, method, patch in self._patches.undo()
        ]


def _refuse_foreign(cls: type, method: str) -> None:
    current = _patches.unwrap(cls.__dict__[method])
    target = f"httpx.{cls.__name__}.{method}"
    if _patches.is_ours(current):
        raise ApigwFaultError(
            f"{target} is patched by pytest-apigw-faults, but not through the"
            " process's patchboard (sys._pytest_apigw_faults_patchboard was"
            " replaced while faults were started?); stop those faults first"
        )
    if not getattr(current, "__module__", "").startswith("httpx."):
        raise ApigwFaultError(
            f"{target} is already replaced by {_describe(current)}"
            " (pytest-httpx's httpx_mock, or a monkeypatch), so a fault started"
            " now would never see an httpx call. With pytest-httpx, start the"
            " fault first (the apigw_fault marker) and leave execute-api calls to"
            " it: @pytest.mark.httpx_mock(should_mock=lambda request:"
            " '.execute-api.' not in request.url.host). Or pass clients='requests'"
        )
