"""Checking a client's response against what the gateway sends."""

from __future__ import annotations

from typing import Any

from ._gateway import HEADER_FORMATS, WireResponse, body_for, header_names
from ._table import Endpoint, Scenario

__all__ = ["method_of", "response_problems", "wire_of"]


def wire_of(response: Any) -> WireResponse:
    """Status, headers in order (lower-case names) and body of a ``requests``
    or ``httpx`` response, read without importing either."""
    status = getattr(response, "status_code", None)
    headers = getattr(response, "headers", None)
    if not isinstance(status, int) or headers is None:
        raise TypeError(
            "assert_response takes a requests.Response or an httpx.Response,"
            f" got {type(response).__name__}"
        )
    multi = getattr(headers, "multi_items", None)
    items = multi() if callable(multi) else list(headers.items())
    body = response.content
    return WireResponse(
        status, tuple((str(k).lower(), str(v)) for k, v in items), bytes(body)
    )


def method_of(response: Any) -> str:
    """The method of the request a response answers (``GET`` if unknown)."""
    try:
        request = response.request
    except (AttributeError, RuntimeError):  # httpx raises when none was set
        return "GET"
    return str(getattr(request, "method", None) or "GET")


def response_problems(
    got: WireResponse,
    scenario: Scenario,
    endpoint: Endpoint,
    sent: WireResponse | None = None,
    method: str = "GET",
) -> list[str]:
    """What differs between ``got`` and the gateway's answer for ``scenario``.

    Values are checked against their captured form; when ``sent`` (what the
    fault really sent for this call) is known, they must equal it too. The
    answer to a HEAD request has no body.
    """
    problems: list[str] = []
    if got.status != scenario.status:
        problems.append(f"status: got {got.status}, expected {scenario.status}")
    body = body_for(scenario, method)
    if got.body != body:
        problems.append(f"body: got {got.body!r}, expected {body!r}")
    names = tuple(name for name, _ in got.headers)
    expected_names = header_names(scenario, endpoint)
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
    exact = {
        "content-type": scenario.content_type,
        "content-length": str(len(scenario.body)),
        "x-amzn-errortype": scenario.error_type,
    }
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
            expected = sent.header(name)
            if expected is not None and value != expected:
                problems.append(
                    f"header {name}: got {value!r}, but the fault sent {expected!r}"
                )
    return problems
