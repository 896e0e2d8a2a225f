"""Every private part of a third-party library the package touches, in one place.

Each entry is one small function (or constant) named for what it does, with
what it touches, why, and the versions it was checked against: the lowest
versions the project declares (``pyproject.toml``, ``ci/lowest.txt``) and the
ones installed in the development environment. When a new release of a
library breaks the plugin, the break is here: re-check every entry of that
library and update its "checked" line.

Lowest declared: pytest 8.0.0, requests 2.31.0, responses 0.25.2,
httpx 0.25.0, respx 0.22.0, aiohttp 3.9.0, aioresponses 0.7.6 (urllib3,
multidict and yarl are not declared: the versions those bring).
Installed when last checked: pytest 9.2.0, requests 2.34.2, urllib3 2.8.0,
responses 0.26.3, httpx 0.28.1, respx 0.23.1, aiohttp 3.14.5,
aioresponses 0.7.9, multidict 7.2.1, yarl 1.25.1.

Importing this module imports none of those libraries: each function imports
what it needs when it is called. :data:`PRIVATE_ATTRIBUTES` lists every
private attribute name used here; ``tests/test_internals.py`` checks that no
other module of the package uses them, nor imports a private or internal
module of those libraries.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    import aiohttp
    import requests
    import responses
    from aiohttp import ClientResponse, ClientSession, RequestInfo, payload
    from aiohttp.streams import StreamReader
    from respx.mocks import AbstractRequestMocker as AbstractRequestMocker  # for the adapter
    from yarl import URL

__all__ = [
    "AIOHTTP_REQUEST",
    "PRIVATE_ATTRIBUTES",
    "PRIVATE_MODULES",
    "adapter_sharing_state",
    "adapter_with_retries",
    "aiohttp_body",
    "aiohttp_form_payload",
    "aiohttp_not_given",
    "aiohttp_registry_payload",
    "aiohttp_set_body",
    "aiohttp_stream",
    "aioresponses_patch_options",
    "build_url",
    "fixture_scope",
    "merge_params",
    "new_client_response",
    "prepare_headers",
    "requests_pickled_attributes",
    "responses_mock",
    "responses_request_kwargs",
    "responses_send",
    "responses_unrecorded",
    "respx_pass_through",
    "respx_request_mocker",
    "session_json",
    "session_raise_for_status",
    "session_response_class",
    "set_response_cookies",
    "set_response_headers",
    "terminal_width",
]

#: The private attribute names of third-party objects used in this module,
#: and nowhere else in the package.
PRIVATE_ATTRIBUTES = frozenset(
    {
        "_request",
        "_build_url",
        "_prepare_headers",
        "_json_serialize",
        "_json_serialize_bytes",
        "_raise_for_status",
        "_response_class",
        "_headers",
        "_raw_headers",
        "_calls",
        "_raw_cookie_headers",
        "_body",
        "_read_filelike_body",
        "_tw",
    }
)

#: The private or internal modules of third-party libraries imported here,
#: and nowhere else in the package.
PRIVATE_MODULES = frozenset(
    {
        "aiohttp.helpers",
        "aiohttp.base_protocol",
        "aioresponses.compat",
        "respx.mocks",
        "respx.models",
    }
)


# --- aiohttp -------------------------------------------------------------

#: ``ClientSession._request``: the coroutine every call of a session goes
#: through, and the one aioresponses patches; the aiohttp adapter's hook
#: replaces it. Checked: aiohttp 3.9.0, 3.14.5 (``_request(self, method,
#: str_or_url, **kwargs)``); aioresponses 0.7.6, 0.7.9 patch the same name.
AIOHTTP_REQUEST = "_request"


def build_url(session: ClientSession, str_or_url: Any) -> URL:
    """``ClientSession._build_url``: the URL a call is sent to, with the
    session's ``base_url`` applied, exactly as ``_request`` builds it.
    Checked: aiohttp 3.9.0, 3.14.5."""
    return session._build_url(str_or_url)


def merge_params(url: URL, params: Any) -> URL:
    """``aioresponses.compat.merge_params``: ``params=`` added to the query the
    way aiohttp adds them (aioresponses matches URLs with the same function).
    Checked: aioresponses 0.7.6, 0.7.9 (``merge_params(url, params)``)."""
    from aioresponses.compat import merge_params as merge

    return merge(url, params)


def aiohttp_not_given() -> Any:
    """``aiohttp.helpers.sentinel``: the default of ``timeout=`` that means
    "the session's timeout". Checked: aiohttp 3.9.0, 3.14.5."""
    from aiohttp.helpers import sentinel

    return sentinel


def session_json(session: ClientSession, document: Any) -> bytes | str:
    """``json=`` serialised with the session's own serialiser:
    ``ClientSession._json_serialize_bytes`` (aiohttp 3.12+) when set, else
    ``_json_serialize``, as ``_request`` does. Checked: aiohttp 3.9.0 (only
    ``_json_serialize``), 3.14.5 (both)."""
    dumps_bytes = getattr(session, "_json_serialize_bytes", None)
    if dumps_bytes:
        return cast(bytes, dumps_bytes(document))
    return cast("bytes | str", session._json_serialize(document))


def prepare_headers(session: ClientSession, headers: Any) -> Any:
    """``ClientSession._prepare_headers``: the session's default headers merged
    with the call's, as aiohttp sends them (a ``CIMultiDict``).
    Checked: aiohttp 3.9.0, 3.14.5."""
    return session._prepare_headers(headers)


def session_raise_for_status(session: ClientSession) -> Any:
    """``ClientSession._raise_for_status``: the session's ``raise_for_status=``
    (a bool or a coroutine function), used when the call gives none.
    Checked: aiohttp 3.9.0, 3.14.5."""
    return getattr(session, "_raise_for_status", False)


def session_response_class(session: ClientSession) -> type[ClientResponse]:
    """``ClientSession._response_class``: the session's ``response_class=``.
    Checked: aiohttp 3.9.0, 3.14.5."""
    from aiohttp import ClientResponse

    return cast("type[ClientResponse]", getattr(session, "_response_class", ClientResponse))


class _SentBody:
    """The stream writer of a request that is sent already (aiohttp 3.14+
    asks for one): nothing to write, nothing written."""

    output_size = 0


@functools.cache
def _takes_stream_writer() -> bool:
    import inspect

    from aiohttp import ClientResponse

    return "stream_writer" in inspect.signature(ClientResponse.__init__).parameters


def new_client_response(
    response_class: type[ClientResponse],
    request_info: RequestInfo,
    loop: asyncio.AbstractEventLoop,
    session: ClientSession,
) -> ClientResponse:
    """A ``ClientResponse`` made as ``ClientRequest.send`` makes one, for a
    request already sent: its ``__init__`` is undocumented and takes
    ``writer``, ``continue100``, ``timer`` (``aiohttp.helpers.TimerNoop``),
    ``request_info``, ``traces``, ``loop``, ``session``, and since 3.14
    ``stream_writer`` (found by introspecting the signature).
    Checked: aiohttp 3.9.0 (no ``stream_writer``), 3.14.5."""
    from aiohttp.helpers import TimerNoop

    options: dict[str, Any] = {
        "writer": None,
        "continue100": None,
        "timer": TimerNoop(),
        "request_info": request_info,
        "traces": [],
        "loop": loop,
        "session": session,
    }
    if _takes_stream_writer():
        options["stream_writer"] = _SentBody()
    return response_class(request_info.method, request_info.url, **options)


def set_response_headers(response: ClientResponse, headers: Iterable[tuple[str, str]]) -> None:
    """``ClientResponse._headers`` and ``_raw_headers``, set as
    ``ClientResponse.start`` sets them from the parsed message: the headers in
    wire order under their wire names, and the raw lines as latin-1 bytes.
    Checked: aiohttp 3.9.0, 3.14.5."""
    from multidict import CIMultiDict, CIMultiDictProxy

    lines = list(headers)
    response._headers = CIMultiDictProxy(CIMultiDict(lines))
    response._raw_headers = tuple(
        (name.encode("ascii"), value.encode("utf-8", "surrogateescape")) for name, value in lines
    )


def set_response_cookies(response: ClientResponse, lines: list[str]) -> None:
    """``response.cookies`` from the answer's Set-Cookie lines, as
    ``ClientResponse.start`` makes it: aiohttp 3.12+ keeps the lines in
    ``_raw_cookie_headers`` and parses them when ``cookies`` is read (more
    leniently than ``SimpleCookie``); before, ``start`` loads each line into
    the ``cookies`` ``SimpleCookie`` and skips one it cannot parse.
    Checked: aiohttp 3.9.0 (``cookies.load``), 3.14.5 (``_raw_cookie_headers``)."""
    from http.cookies import CookieError

    if not lines:
        return
    if hasattr(type(response), "_raw_cookie_headers"):
        response._raw_cookie_headers = tuple(lines)
        return
    for line in lines:
        try:
            response.cookies.load(line)
        except CookieError:  # aiohttp logs a warning and goes on
            continue


def aiohttp_stream(loop: asyncio.AbstractEventLoop, body: bytes) -> StreamReader:
    """A ``StreamReader`` holding ``body`` whole, for ``ClientResponse.content``;
    its protocol is an ``aiohttp.base_protocol.BaseProtocol``, as the
    connection's would be. Checked: aiohttp 3.9.0 (``BaseProtocol(loop)``,
    ``StreamReader(protocol, limit, *, loop=)``), 3.14.5 (``BaseProtocol(loop,
    parser=None)``)."""
    from aiohttp.base_protocol import BaseProtocol
    from aiohttp.streams import StreamReader

    stream = StreamReader(BaseProtocol(loop), limit=2**16, loop=loop)
    stream.feed_data(body)
    stream.feed_eof()
    return stream


def aiohttp_body(response: Any) -> bytes | None:
    """``ClientResponse._body``: the body once read (``None`` before), what
    ``read()`` returns without touching the stream again.
    Checked: aiohttp 3.9.0 (set in ``__init__``), 3.14.5 (a class default)."""
    return cast("bytes | None", getattr(response, "_body", None))


def aiohttp_set_body(response: Any, body: bytes) -> None:
    """Sets ``ClientResponse._body``, so that ``await response.read()`` gives
    ``body`` after it was taken from the stream here.
    Checked: aiohttp 3.9.0, 3.14.5."""
    response._body = body


def aiohttp_registry_payload(data: Any) -> payload.Payload | None:
    """``aiohttp.payload.PAYLOAD_REGISTRY.get(data, disposition=None)``: the
    payload aiohttp makes of a ``data=`` value; ``None`` when the registry has
    none (``payload.LookupError``: aiohttp then sends it as a form).
    Checked: aiohttp 3.9.0, 3.14.5."""
    from aiohttp import payload

    try:
        return payload.PAYLOAD_REGISTRY.get(data, disposition=None)
    except payload.LookupError:
        return None


def aiohttp_form_payload(form: aiohttp.FormData) -> payload.Payload:
    """``FormData.__call__``: the payload a form is sent as (undocumented;
    ``_request`` calls it). Checked: aiohttp 3.9.0, 3.14.5."""
    return form()


def aioresponses_patch_options(mock: Any) -> dict[str, Any]:
    """``aioresponses.patcher.kwargs``: the options of the ``unittest.mock``
    patcher aioresponses starts (``side_effect`` is its request handler),
    which the adapter wraps so that faulted URLs are answered first.
    Checked: aioresponses 0.7.6, 0.7.9 (``patch(..., side_effect=self.
    _request_mock, autospec=True)``)."""
    return cast("dict[str, Any]", mock.patcher.kwargs)


# --- httpx / respx -------------------------------------------------------


def respx_request_mocker() -> type[AbstractRequestMocker]:
    """``respx.mocks.AbstractRequestMocker``: the base of respx's mockers, whose
    ``mock`` classmethod makes the functions that replace a transport method
    (``targets``, ``target_methods``, ``handler``, ``async_handler``,
    ``prepare_*_request``, ``to_httpx_request``, ``from_*_httpx_response``
    are its undocumented protocol). Checked: respx 0.22.0, 0.23.1 (the class
    is the same in both)."""
    from respx.mocks import AbstractRequestMocker

    return AbstractRequestMocker


def respx_pass_through(message: str, request: Any) -> Exception:
    """``respx.models.PassThrough``: raised by a mocker's handler, makes respx
    call the real transport. ``origin`` (a route) is ``None``: no route
    decided it. Checked: respx 0.22.0, 0.23.1 (``PassThrough(message, *,
    request, origin)``)."""
    from respx.models import PassThrough

    return PassThrough(message, request=request, origin=None)  # type: ignore[arg-type]


# --- requests / responses ------------------------------------------------


@functools.cache
def _mock_class() -> type[responses.RequestsMock]:
    import responses

    class _Mock(responses.RequestsMock):
        """``responses``, leaving a file-like request body unread: no fault
        reads bodies, and a pass-through sends the file as it is."""

        def _read_filelike_body(self, body: Any) -> Any:
            return body

    return _Mock


def responses_mock(registry: type[Any], real_adapter_send: Any) -> responses.RequestsMock:
    """A ``responses.RequestsMock`` with ``registry`` and the undocumented
    ``real_adapter_send=`` (what a pass-through calls), whose
    ``_read_filelike_body`` (0.25.4+) is overridden to leave file bodies
    unread, and which records no call (:func:`responses_unrecorded`).
    Checked: responses 0.25.2 (``real_adapter_send=``, no
    ``_read_filelike_body``: bodies are not read), 0.26.3."""
    mock = _mock_class()(
        assert_all_requests_are_fired=False,
        registry=registry,
        real_adapter_send=real_adapter_send,
    )
    return responses_unrecorded(mock)


_Recorder = TypeVar("_Recorder")


def responses_unrecorded(recorder: _Recorder) -> _Recorder:
    """``recorder`` (a ``RequestsMock`` or a ``BaseResponse``) with a call
    list that keeps nothing: the faults record each call themselves, and
    ``responses`` would keep every request and response a second time, for
    as long as the backend is installed (its private ``_calls``, a
    ``CallList`` whose ``add`` and ``add_call`` record). Checked: responses
    0.25.2, 0.26.3."""
    import responses

    class _Unrecorded(responses.CallList):
        def add(self, request: Any, response: Any) -> None:
            pass

        def add_call(self, call: Any) -> None:
            pass

    if isinstance(getattr(recorder, "_calls", None), responses.CallList):
        recorder._calls = _Unrecorded()  # type: ignore[attr-defined]
    return recorder


def responses_send(mock: responses.RequestsMock) -> Any:
    """``RequestsMock.unbound_on_send()``: the function responses' own
    ``start()`` puts in place of ``HTTPAdapter.send`` (undocumented).
    Checked: responses 0.25.2, 0.26.3."""
    return mock.unbound_on_send()


def responses_request_kwargs(request: Any) -> dict[str, Any]:
    """``PreparedRequest.req_kwargs``, set by responses' ``_on_request``: the
    ``send`` keyword arguments (``timeout=`` among them); empty when absent.
    Checked: responses 0.25.2, 0.26.3."""
    return cast("dict[str, Any]", getattr(request, "req_kwargs", {}))


def requests_pickled_attributes() -> list[str]:
    """``requests.Response.__attrs__``: the attributes requests' pickling
    keeps (undocumented). Checked: requests 2.31.0, 2.34.2."""
    import requests

    return list(requests.Response.__attrs__)


def adapter_sharing_state(adapter: requests.adapters.HTTPAdapter, cls: type[Any]) -> Any:
    """An instance of ``cls`` that shares ``adapter``'s state (its
    ``__dict__``): ``HTTPAdapter`` keeps all of it there (no ``__slots__``),
    its pool manager included. Checked: requests 2.31.0, 2.34.2."""
    shadow = object.__new__(cls)
    shadow.__dict__ = adapter.__dict__
    return shadow


def adapter_with_retries(adapter: Any, retries: Any) -> Any:
    """A copy of ``adapter`` sharing its pools, with ``max_retries`` replaced:
    ``HTTPAdapter.send`` reads the retries from there only.
    Checked: requests 2.31.0, 2.34.2."""
    clone = object.__new__(type(adapter))
    clone.__dict__ = {**adapter.__dict__, "max_retries": retries}
    return clone


# --- pytest --------------------------------------------------------------


def terminal_width(terminalreporter: Any) -> int:
    """``TerminalReporter._tw.fullwidth``: the width of the terminal pytest
    writes to (there is no public accessor). Checked: pytest 8.0.0, 9.2.0."""
    return int(terminalreporter._tw.fullwidth)


@functools.cache
def _fixture_setup_code() -> Any:
    """The code of pytest's own ``pytest_fixture_setup`` hook, in the module
    of ``FixtureDef``."""
    import pytest

    module = sys.modules[pytest.FixtureDef.__module__]
    return getattr(getattr(module, "pytest_fixture_setup", None), "__code__", None)


def fixture_scope(frame: Any) -> str | None:
    """The scope of the innermost fixture pytest is setting up in ``frame``'s
    stack (``None``: none): pytest sets a fixture up in its own
    ``pytest_fixture_setup(fixturedef, request)``, whose ``fixturedef`` local
    says the scope. Without it every fault counts as the test's.
    Checked: pytest 8.0.0 (the install matrix's lowest row), 9.2.0."""
    code = _fixture_setup_code()
    while frame is not None:
        if frame.f_code is code:
            fixturedef = frame.f_locals.get("fixturedef")
            return str(getattr(fixturedef, "scope", "function"))
        frame = frame.f_back
    return None
