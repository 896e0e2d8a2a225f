"""The ``aiohttp`` adapter, beside ``aioresponses``.

Where it hooks in: ``ClientSession._request``, the one coroutine every call
of a session goes through (``get``, ``post``, ``request``, ``aiohttp.request``
and what is built on them), and the method ``aioresponses`` patches too. The
hook answers a URL a started fault matches with a ``ClientResponse`` made as
aiohttp makes one from the wire (headers in wire order under their wire
names), and sends any other call on to what was there before it: the real
``_request``, or a user's own ``aioresponses`` mock that was started first.

A user's mock started after the fault sits above the hook. So that faulted
URLs still get the fault, the mocks ``aioresponses`` starts while a fault is
started let the faults answer first; every other call is theirs, routes,
pass-through and call records alike.

aiohttp's client middlewares (3.12+), trace configs and redirects run inside
``_request``, so they do not see a faulted call, as with ``aioresponses``.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, cast

import aiohttp
from aiohttp import (
    ClientResponse,
    ClientSession,
    ClientTimeout,
    HttpVersion11,
    RequestInfo,
    payload,
)
from aioresponses import aioresponses
from multidict import CIMultiDictProxy
from yarl import URL

from .._core import clock as _clock
from .._core import patches as _patches
from .._core import runtime as _runtime
from .._core.fault import Call, Fault
from .._gateway import headers as _wire
from .._gateway.wire import WireResponse
from . import _internals

_runtime.refuse_reload(globals())

__all__ = ["TARGET", "Backend", "SentRequest"]

_CLIENT = "aiohttp"

_Request = Callable[..., Awaitable[ClientResponse]]

# What aiohttp raises when the socket read timeout fires (3.10+), and before.
_SOCKET_TIMEOUT: type[Exception] = getattr(
    aiohttp, "SocketTimeoutError", aiohttp.ServerTimeoutError
)

sentinel = _internals.aiohttp_not_given()  # the default of timeout=


class SentRequest:
    """What the fault saw of an aiohttp call: ``Call.request`` for aiohttp.

    ``url`` is the full URL (``yarl.URL``, query included) and ``headers``
    the session's and the call's headers merged, as aiohttp sends them.
    """

    __slots__ = ("__weakref__", "headers", "method", "url")

    def __init__(self, method: str, url: URL, headers: CIMultiDictProxy[str]) -> None:
        self.method = method
        self.url = url
        self.headers = headers

    def __repr__(self) -> str:
        return f"<SentRequest {self.method} {self.url}>"


def _full_url(session: ClientSession, str_or_url: Any, params: Any) -> URL | None:
    """The URL aiohttp will request, or ``None`` when it cannot tell (aiohttp
    then raises its own error)."""
    try:
        url = _internals.build_url(session, str_or_url)
        if params:
            url = _internals.merge_params(url, params)  # added to the query, as aiohttp does
    except (TypeError, ValueError):
        return None
    return url


def _timeout_of(session: ClientSession, timeout: Any) -> ClientTimeout:
    if timeout is sentinel:
        return session.timeout
    if isinstance(timeout, ClientTimeout):
        return timeout
    return ClientTimeout(total=timeout)


def _limit(seconds: float | None) -> float | None:
    # aiohttp treats 0 like None: no timeout
    return seconds if seconds else None


def _read_timeout(timeout: ClientTimeout) -> tuple[float | None, bool]:
    """The time the client waits for the answer, and whether ``total`` (not
    ``sock_read``) is the limit that fires.

    aiohttp rounds deadlines of 5 s and more up to a whole second of its
    loop clock; the fault takes the timeouts as given.
    """
    total, sock_read = _limit(timeout.total), _limit(timeout.sock_read)
    if sock_read is None or (total is not None and total <= sock_read):
        return total, True
    return sock_read, False


class _Collected:
    """A stream writer that keeps what an aiohttp payload writes."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        self.parts.append(bytes(chunk))


def _payload(session: ClientSession, kwargs: dict[str, Any]) -> bytes | payload.Payload:
    """What aiohttp would send for ``data=`` or ``json=``: the bytes when they
    are at hand, else the payload that writes them (nothing is read yet)."""
    data, document = kwargs.get("data"), kwargs.get("json")
    if document is not None:
        data = _internals.session_json(session, document)
    if data is None:
        return b""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, payload.Payload):
        return data
    if isinstance(data, aiohttp.FormData):
        return _internals.aiohttp_form_payload(data)  # as aiohttp does when it sends it
    found = _internals.aiohttp_registry_payload(data)
    if found is None:  # a form, as aiohttp makes it
        return _internals.aiohttp_form_payload(aiohttp.FormData(cast(Any, data)))
    return found


async def _request_body(session: ClientSession, kwargs: dict[str, Any]) -> tuple[bytes, str | None]:
    """The bytes aiohttp would send for ``data=`` or ``json=`` (a Lambda
    behind the fault sees them), and the Content-Type aiohttp gives them."""
    data = _payload(session, kwargs)
    if isinstance(data, bytes):
        return data, _content_type_of(kwargs) if data else None
    collected = _Collected()
    await data.write(collected)  # type: ignore[arg-type]
    return b"".join(collected.parts), data.content_type


def _content_type_of(kwargs: dict[str, Any]) -> str:
    """The Content-Type of a body given as ``json=``, text or bytes: the
    one of the payload aiohttp makes of it (JsonPayload, StringPayload,
    BytesPayload)."""
    if kwargs.get("json") is not None:
        return "application/json"
    if isinstance(kwargs.get("data"), str):
        return "text/plain; charset=utf-8"
    return "application/octet-stream"


def _auto_headers(
    headers: Any, kwargs: dict[str, Any], body: bytes, content_type: str | None
) -> None:
    """Add to ``headers`` what aiohttp adds for a body: its Content-Type (when
    none is given and ``skip_auto_headers`` does not name it) and its
    Content-Length, so that a Lambda sees the request aiohttp sends."""
    skipped = {str(name).lower() for name in kwargs.get("skip_auto_headers") or ()}
    if content_type and "Content-Type" not in headers and "content-type" not in skipped:
        headers["Content-Type"] = content_type
    if body and "Content-Length" not in headers and "Transfer-Encoding" not in headers:
        headers["Content-Length"] = str(len(body))


def _add_cookies(session: ClientSession, url: URL, headers: Any, kwargs: dict[str, Any]) -> None:
    """The Cookie header aiohttp sends: the call's own, then the session's
    jar's cookies for ``url`` and the call's ``cookies=``, a name given twice
    keeping the later value."""
    cookies = session.cookie_jar.filter_cookies(url)
    given = kwargs.get("cookies")
    if given:
        jar = aiohttp.CookieJar(unsafe=True)
        jar.update_cookies(given)
        cookies.load(jar.filter_cookies(url))
    if not cookies:
        return
    pairs: dict[str, str] = {}
    for part in str(headers.get("Cookie", "")).split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            pairs[name] = value
    pairs.update((morsel.key, morsel.coded_value) for morsel in cookies.values())
    headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in pairs.items())


def _body_size(session: ClientSession, kwargs: dict[str, Any]) -> int | None:
    """The size of the body aiohttp would send, known without reading it:
    bytes, text, ``json=``, a form, a file (its size); ``None`` for a stream
    of unknown length, which a plain fault leaves unread. A ``FormData``
    is not measured: making its payload uses it up in some aiohttp versions."""
    if isinstance(kwargs.get("data"), aiohttp.FormData):
        return None
    data = _payload(session, kwargs)
    if isinstance(data, bytes):
        return len(data)
    size = data.size
    return size if isinstance(size, int) else None


async def _respond(
    fault: Fault, session: ClientSession, method: str, url: URL, kwargs: dict[str, Any]
) -> ClientResponse:
    if session.closed:
        raise RuntimeError("Session is closed")
    headers = _internals.prepare_headers(session, kwargs.get("headers"))
    read_timeout, total = _read_timeout(_timeout_of(session, kwargs.get("timeout", sentinel)))
    body: bytes | None = None
    if fault.reads_body:  # a Lambda sees the request as aiohttp sends it
        body, content_type = await _request_body(session, kwargs)
        _auto_headers(headers, kwargs, body, content_type)
        _add_cookies(session, url, headers, kwargs)
    request = SentRequest(method.upper(), url, CIMultiDictProxy(headers))
    call: Call = fault.answer(
        _CLIENT,
        request,
        read_timeout=read_timeout,
        method=request.method,
        url=str(url),
        headers=headers,
        body=body,
        body_size=None if fault.reads_body else _body_size(session, kwargs),
        wait=False,
    )
    await _clock.wait_for_call(call)  # on the loop: its deadlines may fire first
    if call.timed_out:
        error: Exception = (
            asyncio.TimeoutError()
            if total
            else _SOCKET_TIMEOUT("Timeout on reading data from socket")
        )
        call.exception = error
        raise error
    response = _build_response(session, request, call.exchange.response)
    _take_cookies(session, response)
    call.response = response
    raise_for_status = kwargs.get("raise_for_status")
    if raise_for_status is None:
        raise_for_status = _internals.session_raise_for_status(session)
    if callable(raise_for_status):
        await raise_for_status(response)
    elif raise_for_status:
        response.raise_for_status()
    return response


def _build_response(
    session: ClientSession, request: SentRequest, wire: WireResponse
) -> ClientResponse:
    """The ``ClientResponse`` aiohttp would make of ``wire``: the headers in
    wire order under their wire names, the body in its stream."""
    loop = asyncio.get_running_loop()
    response = _internals.new_client_response(
        _internals.session_response_class(session),
        RequestInfo(request.url, request.method, request.headers, request.url),
        loop,
        session,
    )
    response.version = HttpVersion11
    response.status = wire.status
    response.reason = _wire.reason(wire.status)  # "" for a status it has no phrase for (299)
    # the bytes the gateway writes (UTF-8), read back as aiohttp's parser does
    lines = [
        (name, _wire.wire_bytes(value).decode("utf-8", "surrogateescape"))
        for name, value in wire.headers
    ]
    _internals.set_response_headers(response, lines)
    _internals.set_response_cookies(
        response, [value for name, value in lines if name.lower() == "set-cookie"]
    )
    response.content = _internals.aiohttp_stream(loop, wire.body)
    return response


def _take_cookies(session: ClientSession, response: ClientResponse) -> None:
    """The session's cookie jar takes the answer's cookies, as ``_request``
    does with every response it receives."""
    jar = session.cookie_jar
    lines = response.headers.getall("Set-Cookie", ())
    if not lines:
        return
    from_headers = getattr(jar, "update_cookies_from_headers", None)  # aiohttp 3.12+
    if callable(from_headers):
        from_headers(list(lines), response.url)
    else:
        jar.update_cookies(response.cookies, response.url)


def _hook(below: _Request) -> _Request:
    """A ``ClientSession._request`` that answers faulted URLs and sends the
    rest to ``below``."""

    @functools.wraps(below)  # aioresponses' autospec reads the real signature
    async def _request(
        session: ClientSession, method: str, str_or_url: Any, **kwargs: Any
    ) -> ClientResponse:
        return await _hand_down(below, session, method, str_or_url, **kwargs)

    return _request


async def _hand_down(
    inner: _Request, session: ClientSession, method: str, str_or_url: Any, **kwargs: Any
) -> ClientResponse:
    """Faulted URLs are answered here; the rest go to ``inner`` (the real
    method, or a user's mock started below or above the hook)."""
    url = _full_url(session, str_or_url, kwargs.get("params"))
    # the fault that answers, None to pass, or an ApigwFaultError (strict mode)
    fault = None if url is None else _runtime.claim(str(url), _CLIENT, method)
    if fault is None or url is None:
        return await inner(session, method, str_or_url, **kwargs)
    return await _respond(fault, session, method, url, kwargs)


def _start(original: Callable[[aioresponses], None]) -> Callable[[aioresponses], None]:
    @functools.wraps(original)
    def start(mock: aioresponses) -> None:
        options = _internals.aioresponses_patch_options(mock)
        inner = options.get("side_effect")
        if isinstance(inner, functools.partial) and inner.func is _hand_down:
            inner = inner.args[0]
        if inner is not None:
            options["side_effect"] = functools.partial(_hand_down, inner)
        original(mock)

    return start


#: What the backend patches: the faults of every copy of this module share it.
TARGET = ClientSession


class Backend:
    """Installs the hook, and the hand-down in mocks started meanwhile."""

    def __init__(self) -> None:
        self._patches = _patches.Patches()

    def install(self) -> None:
        self._patches.apply(aioresponses, "start", _start)
        self._patches.apply(ClientSession, _internals.AIOHTTP_REQUEST, _hook)

    def uninstall(self) -> list[str]:
        # A mock started after the fault and still on top puts the hook back
        # when it stops; the hook passes every call through then, and the
        # next install takes it off.
        self._patches.undo()
        return []
