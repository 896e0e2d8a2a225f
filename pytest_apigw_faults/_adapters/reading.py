"""A client's response read as plain values: status, headers in order, body,
and the method of the request it answers.

The gateway model compares plain values (:mod:`.._gateway.check`,
:mod:`.._gateway.classify`); the client objects are read here, at the edge,
without importing any client library (``requests``, ``httpx`` and
``aiohttp`` objects are told apart by what they have).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._gateway.classify import rows_consistent_with
from .._gateway.table import Api, Scenario
from .._gateway.wire import WireResponse
from . import _internals

__all__ = ["classify", "method_of", "wire_of"]


def _utf8_text(raw: bytes) -> str:
    """Header bytes as the gateway model writes text: UTF-8 (else latin-1)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _as_sent(text: str) -> str:
    """A header value a client decoded as latin-1 (http.client, so requests),
    read back as the UTF-8 text the gateway model sent."""
    if text.isascii():
        return text
    try:
        return _utf8_text(text.encode("latin-1"))
    except UnicodeEncodeError:  # not decoded from bytes as latin-1
        return text


def _aiohttp_body(response: Any, content: Any) -> bytes:
    """The whole body of an ``aiohttp.ClientResponse``: read already, or taken
    from its stream (then kept, so ``await response.read()`` still gives it)."""
    body = _internals.aiohttp_body(response)
    if body is not None:
        return bytes(body)
    if not content.is_eof():
        raise ValueError(
            "the body of this aiohttp response has not arrived whole yet:"
            " await response.read() before assert_response(response)"
        )
    try:
        body = content.read_nowait()
    except Exception:  # released unread: the body is gone
        raise ValueError(
            "the body of this aiohttp response was not read before it was"
            " released: await response.read() inside `async with`, then"
            " assert_response(response)"
        ) from None
    _internals.aiohttp_set_body(response, body)  # what response.read() returns from now on
    return bytes(body)


def _aiohttp_wire(response: Any) -> WireResponse | None:
    """An ``aiohttp.ClientResponse`` as it came off the wire, or ``None`` for
    any other object.

    Its body must be whole: read (``await response.read()``), or received in
    full and not released, as the fault's answers are.
    """
    status = getattr(response, "status", None)
    raw = getattr(response, "raw_headers", None)
    content: Any = getattr(response, "content", None)
    if not isinstance(status, int) or not isinstance(raw, tuple):
        return None
    if not callable(getattr(content, "read_nowait", None)):
        return None
    body = _aiohttp_body(response, content)
    headers = tuple((k.decode("latin-1").lower(), _utf8_text(v)) for k, v in raw)
    return WireResponse(status, headers, body)


def _header_lines(response: Any, headers: Any) -> list[tuple[str, str]]:
    """The header lines of a ``requests`` or ``httpx`` response, in order.

    requests joins a repeated header (set-cookie) into one value; urllib3's
    raw response keeps each line, used while the response's headers are
    still what arrived.
    """
    multi = getattr(headers, "multi_items", None)
    if callable(multi):  # httpx
        return [(str(k), str(v)) for k, v in multi()]
    items = [(str(k), _as_sent(str(v))) for k, v in headers.items()]
    raw = getattr(getattr(response, "raw", None), "headers", None)
    if raw is None or not callable(getattr(raw, "getlist", None)):
        return items
    lines = [(str(k), _as_sent(str(v))) for k, v in raw.items()]
    joined: dict[str, list[str]] = {}
    for name, value in lines:
        joined.setdefault(name.lower(), []).append(value)
    if {k.lower(): v for k, v in items} == {k: ", ".join(v) for k, v in joined.items()}:
        return lines
    return items


def wire_of(response: Any) -> WireResponse:
    """Status, headers in order (lower-case names) and body of a ``requests``,
    ``httpx`` or ``aiohttp`` response, read without importing any of them."""
    wire = _aiohttp_wire(response)
    if wire is not None:
        return wire
    status = getattr(response, "status_code", None)
    headers = getattr(response, "headers", None)
    if not isinstance(status, int) or headers is None:
        raise TypeError(
            "assert_response takes a requests.Response or an httpx.Response,"
            f" got {type(response).__name__}"
        )
    items = _header_lines(response, headers)
    return WireResponse(
        status, tuple((k.lower(), v) for k, v in items), bytes(response.content)
    )


def method_of(response: Any) -> str:
    """The method of the request a response answers (``GET`` if unknown)."""
    info = getattr(response, "request_info", None)  # aiohttp
    if info is not None:
        return str(getattr(info, "method", None) or "GET")
    try:
        request = response.request
    except (AttributeError, RuntimeError):  # httpx raises when none was set
        return "GET"
    return str(getattr(request, "method", None) or "GET")


def classify(
    response: Any = None,
    *,
    status: int | None = None,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body: bytes | None = None,
    method: str | None = None,
    api: str | Api | None = None,
) -> tuple[Scenario, ...]:
    """The rows of the scenario table that ``response`` is consistent with.

    Give a ``requests``, ``httpx`` or (read) ``aiohttp`` response, or its
    ``status``, ``headers`` and ``body``. The answer lists every failure the
    response could be, in table order; more than one when AWS sends the same
    bytes and headers for several (a REST 500 "Internal server error" with a
    trace id is ``permission_denied`` or ``lambda_throttled``), none when it
    is no failure API Gateway sends by default. Ids and dates are checked
    for their form only; ``api`` narrows the answer to one kind of API.
    """
    if response is not None:
        if status is not None or headers is not None or body is not None:
            raise TypeError("classify() takes a response or status/headers/body, not both")
        wire = wire_of(response)
        status, items, body = wire.status, list(wire.headers), wire.body
        method = method or method_of(response)
    else:
        if status is None:
            raise TypeError("classify() needs a response, or at least status=")
        pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
        items = [(str(k), str(v)) for k, v in pairs]
        body = b"" if body is None else body
    return rows_consistent_with(status, items, body, method=method, api=api)
