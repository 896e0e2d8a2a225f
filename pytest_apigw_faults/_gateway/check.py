"""Checking a client's response against what the gateway sends."""

from __future__ import annotations

from typing import Any

from .table import Endpoint, Scenario
from .wire import HEADER_FORMATS, WireResponse, body_for, header_names

__all__ = ["method_of", "response_problems", "wire_of"]


def _aiohttp_wire(response: Any) -> WireResponse | None:
    """An ``aiohttp.ClientResponse`` as it came off the wire, or ``None`` for
    any other object.

    Its body must be whole: read (``await response.read()``), or received in
    full and not released, as the fault's answers are; it is then read here,
    and ``await response.read()`` still gives it.
    """
    status = getattr(response, "status", None)
    raw = getattr(response, "raw_headers", None)
    content: Any = getattr(response, "content", None)
    if not isinstance(status, int) or not isinstance(raw, tuple):
        return None
    if not callable(getattr(content, "read_nowait", None)):
        return None
    body = getattr(response, "_body", None)
    if body is None:
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
        response._body = body  # what response.read() returns from now on
    headers = tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw)
    return WireResponse(status, headers, bytes(body))


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
    multi = getattr(headers, "multi_items", None)
    # requests joins a repeated header (set-cookie) into one value; urllib3's
    # raw response keeps each line
    raw = getattr(getattr(response, "raw", None), "headers", None)
    items = multi() if callable(multi) else list(headers.items())
    if not callable(multi) and raw is not None and callable(getattr(raw, "getlist", None)):
        lines = [(str(k), str(v)) for k, v in raw.items()]
        joined: dict[str, list[str]] = {}
        for name, value in lines:
            joined.setdefault(name.lower(), []).append(value)
        # only while the response's headers are still what arrived
        if {k.lower(): v for k, v in items} == {k: ", ".join(v) for k, v in joined.items()}:
            items = lines
    body = response.content
    return WireResponse(
        status, tuple((str(k).lower(), str(v)) for k, v in items), bytes(body)
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


def response_problems(
    got: WireResponse,
    scenario: Scenario | None,
    endpoint: Endpoint,
    sent: WireResponse | None = None,
    method: str = "GET",
) -> list[str]:
    """What differs between ``got`` and the gateway's answer for ``scenario``.

    Values are checked against their captured form; when ``sent`` (what the
    fault really sent for this call) is known, they must equal it too. The
    answer to a HEAD request has no body. ``scenario`` is ``None`` for a
    Lambda's valid answer, which only ``sent`` describes.
    """
    problems: list[str] = []
    if sent is not None:  # what the fault sent, customisation included
        status, body = sent.status, sent.body
        expected_names = tuple(name for name, _ in sent.headers)
        exact: dict[str, str | None] = {}
    else:
        if scenario is None:
            raise ValueError("a Lambda's answer is checked against what was sent")
        status, body = scenario.status, body_for(scenario, method)
        expected_names = header_names(scenario, endpoint)
        exact = {
            "content-type": scenario.content_type,
            "content-length": str(len(scenario.body)),
            "x-amzn-errortype": scenario.error_type,
            **dict(scenario.extra_headers),
        }
    if got.status != status:
        problems.append(f"status: got {got.status}, expected {status}")
    if got.body != body:
        problems.append(f"body: got {got.body!r}, expected {body!r}")
    names = tuple(name for name, _ in got.headers)
    if names != expected_names:
        missing = [n for n in expected_names if n not in names]
        extra = [n for n in names if n not in expected_names]
        detail = []
        if missing:
            detail.append(f"missing {missing}")
        if extra:
            detail.append(f"unexpected {extra}")
        if not detail:
            detail.append("same names, another order")
        problems.append(
            f"header names: {'; '.join(detail)}\n"
            f"      got      {list(names)}\n"
            f"      expected {list(expected_names)}"
        )
    # a repeated header (set-cookie) is compared line by line, in order
    sent_values: dict[str, list[str]] = {}
    for name, value in () if sent is None else sent.headers:
        sent_values.setdefault(name, []).append(value)
    for name, value in got.headers:
        if name in exact:
            if value != exact[name]:
                problems.append(f"header {name}: got {value!r}, expected {exact[name]!r}")
            continue
        pattern = HEADER_FORMATS.get(name)
        if pattern is not None and pattern.fullmatch(value) is None:
            problems.append(
                f"header {name}: {value!r} does not have the captured form"
                f" {pattern.pattern!r}"
            )
        if sent is not None:
            left = sent_values.get(name)
            expected = left.pop(0) if left else None
            if expected is not None and value != expected:
                problems.append(
                    f"header {name}: got {value!r}, but the fault sent {expected!r}"
                )
    return problems
