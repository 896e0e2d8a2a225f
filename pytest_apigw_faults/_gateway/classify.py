"""Which failures of the table a real response is consistent with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .table import SCENARIOS, Api, Endpoint, Scenario, parse_api
from .wire import HEADER_FORMATS, body_for, header_names

__all__ = ["look_alikes", "rows_consistent_with"]

# Headers that tell one kind of answer from another: present where the
# gateway sends them, absent where it does not. Others (connection,
# keep-alive, a proxy's own) say nothing about the failure.
_TELLING = frozenset(
    {
        "x-amzn-trace-id",
        "x-amzn-requestid",
        "x-amzn-errortype",
        "x-amz-apigw-id",
        "apigw-requestid",
        "www-authenticate",
        "x-cache",
        "via",
        "x-amz-cf-pop",
        "x-amz-cf-id",
    }
)


def _signature(row: Scenario, endpoint: Endpoint, method: str) -> tuple[Any, ...]:
    """What a client can see of ``row``: everything but ids and times."""
    names = frozenset(header_names(row, endpoint)) & _TELLING
    return (
        row.status,
        body_for(row, method),
        row.content_type,
        row.error_type,
        names,
        row.extra_headers,
    )


def _consistent(
    row: Scenario,
    endpoint: Endpoint,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    method: str,
) -> bool:
    expected_status, expected_body, content_type, error_type, names, extra = _signature(
        row, endpoint, method
    )
    if status != expected_status:
        return False
    if body != expected_body and not (  # a body rendered from its request
        expected_body and row.body_pattern is not None and row.body_pattern.fullmatch(body)
    ):
        return False
    if names != frozenset(headers) & _TELLING:
        return False
    if headers.get("content-type", content_type) != content_type:
        return False
    if error_type is not None and headers.get("x-amzn-errortype") != error_type:
        return False
    if any(headers.get(name) != value for name, value in extra):
        return False
    # every failure is an error to CloudFront; a success says Miss
    if "x-cache" in names and headers["x-cache"] != "Error from cloudfront":
        return False
    for name in names:
        pattern = HEADER_FORMATS.get(name)
        if pattern is not None and pattern.fullmatch(headers[name]) is None:
            return False
    return True


def rows_consistent_with(
    status: int,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    method: str | None = None,
    api: str | Api | None = None,
) -> tuple[Scenario, ...]:
    """The rows of the scenario table a response with ``status``, ``headers``
    (names in any case) and ``body`` is consistent with, in table order; a
    client's response is read into these by the public ``classify()``.
    ``api`` narrows the answer to one kind of API."""
    lowered = {name.lower(): value for name, value in headers}
    kind = None if api is None else parse_api(api)
    verb = (method or "GET").upper()
    found = []
    for row in SCENARIOS.values():
        if kind is not None and row.api is not kind:
            continue
        if any(
            _consistent(row, endpoint, status, lowered, body, verb)
            for endpoint in row.endpoint_types
        ):
            found.append(row)
    return tuple(found)


def look_alikes() -> list[tuple[Endpoint, tuple[Scenario, ...]]]:
    """The groups of rows a client cannot tell apart on one endpoint type,
    largest first: same status, body and telling headers."""
    groups: dict[tuple[Any, ...], list[Scenario]] = {}
    for row in SCENARIOS.values():
        for endpoint in row.endpoint_types:
            key = (row.api, endpoint, *_signature(row, endpoint, "GET"))
            groups.setdefault(key, []).append(row)
    seen: set[tuple[str, ...]] = set()
    result = []
    for key, rows in groups.items():
        ids = tuple(row.id for row in rows)
        if len(rows) > 1 and ids not in seen:
            seen.add(ids)
            result.append((key[1], tuple(rows)))
    result.sort(key=lambda item: -len(item[1]))  # stable: table order among equals
    return result
