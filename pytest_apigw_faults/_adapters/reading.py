"""A client's response read as plain values: status, headers in order, body,
and the method of the request it answers.

The gateway model compares plain values (:mod:`.._gateway.check`,
:mod:`.._gateway.classify`); the client objects are read here, at the edge,
without importing any client library (``requests``, ``httpx`` and
``aiohttp`` objects are told apart by what they have).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from .._gateway.classify import Classification, parse_classify_api, rows_consistent_with
from .._gateway.names import ApiName
from .._gateway.table import Api, ApigwFaultError
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


def _aiohttp_body(response: Any, content: Any, caller: str) -> bytes:
    """The whole body of an ``aiohttp.ClientResponse``: read already, or taken
    from its stream (then kept, so ``await response.read()`` still gives it)."""
    body = _internals.aiohttp_body(response)
    if body is not None:
        return bytes(body)
    if not content.is_eof():
        raise ValueError(
            "the body of this aiohttp response has not arrived whole yet:"
            f" await response.read() before {caller}"
        )
    try:
        body = content.read_nowait()
    except Exception:  # released unread: the body is gone
        raise ValueError(
            "the body of this aiohttp response was not read before it was"
            " released: await response.read() inside `async with`, then"
            f" {caller}"
        ) from None
    _internals.aiohttp_set_body(response, body)  # what response.read() returns from now on
    return bytes(body)


def _aiohttp_wire(response: Any, caller: str) -> WireResponse | None:
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
    body = _aiohttp_body(response, content, caller)
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


def _read_response(response: Any, caller: str) -> WireResponse | None:
    """Status, headers in order (lower-case names) and body of a
    ``requests``, ``httpx`` or ``aiohttp`` response; ``None`` for any other
    object. ``caller`` names what asks, in errors."""
    wire = _aiohttp_wire(response, caller)
    if wire is not None:
        return wire
    status = getattr(response, "status_code", None)
    headers = getattr(response, "headers", None)
    if not isinstance(status, int) or headers is None:
        return None
    items = _header_lines(response, headers)
    return WireResponse(
        status, tuple((k.lower(), v) for k, v in items), bytes(response.content)
    )


def wire_of(response: Any) -> WireResponse:
    """Status, headers in order (lower-case names) and body of a ``requests``,
    ``httpx`` or ``aiohttp`` response, read without importing any of them."""
    wire = _read_response(response, "assert_response(response)")
    if wire is None:
        raise TypeError(
            "assert_response takes a requests.Response or an httpx.Response,"
            f" got {type(response).__name__}"
        )
    return wire


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


_STATUS_LINE = re.compile(r"\s*(?:HTTP/\d(?:\.\d)?\s+)?(\d{3})(?:\s+(\S.*?))?\s*")
_TOKEN = re.compile(r"[A-Za-z]+")


def _status(value: object) -> int:
    """``status=`` of ``classify()``: an int, or a str such as ``"502"``,
    ``"502 Bad Gateway"`` or a whole status line."""
    if isinstance(value, int) and not isinstance(value, bool):
        code = int(value)
    elif isinstance(value, str):
        line = _STATUS_LINE.fullmatch(value)
        if line is None:
            raise ApigwFaultError(
                f"status {value!r} is no HTTP status; give an int (502) or a str"
                " such as '502' or '502 Bad Gateway'"
            )
        code, reason = int(line[1]), line[2]
        phrase = _phrase(code)
        if reason is not None and phrase is not None and reason.lower() != phrase.lower():
            raise ApigwFaultError(
                f"status {value!r}: {reason!r} is not the reason phrase of {code} ({phrase!r})"
            )
    else:
        raise TypeError(
            "classify(status=...) takes an int (502) or a str ('502' or"
            f" '502 Bad Gateway'), got {type(value).__name__} {value!r}"
        )
    if not 100 <= code <= 599:
        raise ApigwFaultError(f"status {value!r} is no HTTP status (100 to 599)")
    return code


def _phrase(code: int) -> str | None:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return None


def _body(value: object) -> bytes | None:
    """``body=`` of ``classify()``: bytes, or a str encoded as UTF-8;
    ``None`` when the body is unknown."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ApigwFaultError(
                f"body is a str UTF-8 cannot encode ({error.reason} at {error.start});"
                " give the bytes as received (response.content)"
            ) from None
    raise TypeError(
        "classify(body=...) takes bytes, or a str (encoded as UTF-8), got"
        f" {type(value).__name__}; give the bytes as received (response.content)"
    )


def _text(value: object) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")  # as on the wire
    return str(value)


def _headers(value: object) -> list[tuple[str, str]]:
    """``headers=`` of ``classify()``: a mapping, or (name, value) pairs;
    names and values as str or bytes."""
    if value is None:
        return []
    accepted = "classify(headers=...) takes a mapping or (name, value) pairs"
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError(f"{accepted}, got {type(value).__name__} {value!r}")
    multi = getattr(value, "multi_items", None)  # httpx.Headers: each line
    items = getattr(value, "items", None)
    pairs: Any = multi() if callable(multi) else items() if callable(items) else value
    try:
        lines = list(pairs)
    except TypeError:
        raise TypeError(f"{accepted}, got {type(value).__name__} {value!r}") from None
    found = []
    for line in lines:
        if isinstance(line, (str, bytes)) or not isinstance(line, (tuple, list)) or len(line) != 2:
            raise TypeError(f"{accepted}, got {line!r} among them")
        found.append((_text(line[0]), _text(line[1])))
    return found


def _method(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"classify(method=...) takes a str ('HEAD'), got {type(value).__name__}")
    if _TOKEN.fullmatch(value) is None:
        raise ApigwFaultError(
            f"method {value!r} is no HTTP method; give one such as 'GET' or 'HEAD'"
        )
    return value.upper()


def classify(
    response: Any = None,
    *,
    status: int | str | None = None,
    headers: Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]] | None = None,
    body: bytes | str | None = None,
    method: str | None = None,
    api: ApiName | Api | None = None,
) -> Classification:
    """The rows of the scenario table that ``response`` is consistent with,
    best first.

    Give a ``requests``, ``httpx`` or (read) ``aiohttp`` response, or what
    is known of one: ``status`` (an int, ``"502"`` or ``"502 Bad
    Gateway"``), ``headers`` (a mapping or pairs, names in any case) and
    ``body`` (bytes, or a str encoded as UTF-8; left out: unknown). What is
    missing is unknown, not a contradiction: a header a proxy stripped rules
    no row out, while one that is there and differs from what a row sends
    does. Ids and dates are checked for their form only; ``method`` is the
    request's (a HEAD answer has no body); ``api`` narrows the answer to
    one kind of API.

    The answer is a :class:`Classification`, a tuple of rows: exact matches
    first (score 0), then the rows that agree with everything the response
    has (score 1, plus 1 for each header the row sends that is missing
    beside other headers of its sender, API Gateway or CloudFront, and for
    each value read leniently), table order among equals; ``.ranking``
    holds the scores. With ``.best``, ``.exact``,
    ``.hints`` (what would tell them apart) and, when no row is consistent,
    ``.reasons`` for the nearest rows. Several failures send the same bytes
    and headers (a REST 500 "Internal server error" with a trace id is
    ``permission_denied``, ``lambda_throttled`` or ``invalid_base64``).
    """
    if response is not None:
        if status is not None or headers is not None or body is not None:
            raise TypeError("classify() takes a response or status/headers/body, not both")
        wire = _read_response(response, "classify(response)")
        if wire is None:
            plain = isinstance(response, (int, str, bytes, bytearray))
            raise TypeError(
                "classify() takes a requests, httpx or aiohttp response, or"
                f" status=, headers=, body=; got {type(response).__name__} {response!r}"
                + ("" if plain else " (a WebSocket outcome goes to classify_websocket())")
            )
        code, items = wire.status, list(wire.headers)
        known: bytes | None = wire.body
        method = _method(method) or method_of(response)
    else:
        if status is None:
            raise TypeError("classify() needs a response, or at least status=")
        code, items, known = _status(status), _headers(headers), _body(body)
        method = _method(method)
    return rows_consistent_with(code, items, known, method=method, api=parse_classify_api(api))
