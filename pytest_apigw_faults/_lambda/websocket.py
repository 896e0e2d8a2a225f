"""The Lambda side of a WebSocket API: the events API Gateway sends each
route's function, and what it makes of the function's answer.

The events follow captured ones [PT-WS-EVENTS] (2024-11, 2025-01):

* ``$connect``: ``headers`` and ``multiValueHeaders`` (the client's, without
  ``Connection`` and ``Upgrade``, plus ``X-Amzn-Trace-Id`` and the
  ``X-Forwarded-*`` trio, names sorted regardless of case ⚠️ as both
  captures have them), ``queryStringParameters`` and
  ``multiValueQueryStringParameters`` when the URL has a query, and the
  ``requestContext``; ``isBase64Encoded`` false.
* a message: ``requestContext`` (with ``messageId``), ``body`` (the text of
  the message), ``isBase64Encoded`` false; no headers.
* ``$disconnect``: the captured odd headers (``Host``, empty ``x-api-key``,
  ``X-Forwarded-For`` and ``x-restapi``), ``disconnectStatusCode`` and
  ``disconnectReason`` (1005 and "Client-side close frame status not set"
  when the client's close frame has no code, as captured; ⚠️ otherwise the
  client's code and reason).
* the ``$connect`` Lambda authorizer's ``REQUEST`` event: ``methodArn``
  ``…/{stage}/$connect``, every header (``Sec-WebSocket-Key`` only among the
  ``multiValueHeaders``, as captured), the query, ``stageVariables``.

``requestId`` equals ``extendedRequestId``; ``requestTime`` is the CLF time
to the second; ``connectedAt`` and ``requestTimeEpoch`` are epoch ms.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .._gateway.auth.policy import ALLOW, PolicyError, evaluate
from .._gateway.websocket import CONNECT, DISCONNECT
from .events import request_time
from .runtime import LambdaContext, invoke

__all__ = [
    "Answered",
    "Place",
    "Upgrade",
    "authorize",
    "authorizer_event",
    "connect_event",
    "disconnect_event",
    "message_event",
    "run_handler",
]

#: Headers the gateway drops from the ``$connect`` event [PT-WS-EVENTS].
_HOP = frozenset({"connection", "upgrade"})
_NO_STATUS = "Client-side close frame status not set"


@dataclass(frozen=True)
class Place:
    """Where the API is: its id, stage, region and account; and the caller's
    address."""

    api_id: str
    stage: str
    region: str
    account_id: str
    source_ip: str = "127.0.0.1"

    @property
    def domain_name(self) -> str:
        return f"{self.api_id}.execute-api.{self.region}.amazonaws.com"

    @property
    def connect_arn(self) -> str:
        return (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}"
            f"/{self.stage}/{CONNECT}"
        )


@dataclass(frozen=True)
class Upgrade:
    """An upgrade request as ``$connect`` (and its authorizer) see it: the
    header lines, the query, and the ids and time the gateway gave it."""

    headers: Sequence[tuple[str, str]]
    query: str
    connection_id: str
    request_id: str
    trace_id: str
    now: int


def _context(
    place: Place, route_key: str, event_type: str, *, connection_id: str, request_id: str,
    connected_at: int, now: int, extra: Mapping[str, Any] = {},
) -> dict[str, Any]:
    """A ``requestContext`` in the captured order; ``extra`` after the route
    key (``messageId``, the disconnect's status)."""
    return {
        "routeKey": route_key,
        **extra,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": request_time(now),
        "messageDirection": "IN",
        "stage": place.stage,
        "connectedAt": connected_at,
        "requestTimeEpoch": now,
        "identity": {"sourceIp": place.source_ip},
        "requestId": request_id,
        "domainName": place.domain_name,
        "connectionId": connection_id,
        "apiId": place.api_id,
    }


def _headers(
    lines: Sequence[tuple[str, str]], place: Place, trace_id: str, *, drop: frozenset[str]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """``headers`` (a name's last value ⚠️) and ``multiValueHeaders``."""
    added = {
        "x-amzn-trace-id": ("X-Amzn-Trace-Id", trace_id),
        "x-forwarded-for": ("X-Forwarded-For", place.source_ip),
        "x-forwarded-port": ("X-Forwarded-Port", "443"),
        "x-forwarded-proto": ("X-Forwarded-Proto", "https"),
    }
    kept = [(name, value) for name, value in lines if name.lower() not in drop | set(added)]
    kept += added.values()
    kept.sort(key=lambda line: line[0].lower())
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in kept:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _query(query: str) -> dict[str, Any]:
    """``queryStringParameters`` (a name's last value ⚠️) and the multi form,
    when there is a query."""
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:
        return {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return {
        "queryStringParameters": {name: values[-1] for name, values in multi.items()},
        "multiValueQueryStringParameters": multi,
    }


def connect_event(
    place: Place, upgrade: Upgrade, *, authorizer: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``$connect`` event; ``authorizer`` is what the Lambda authorizer
    allowed with (``principalId`` and its context)."""
    single, multi = _headers(upgrade.headers, place, upgrade.trace_id, drop=_HOP)
    context = _context(
        place, CONNECT, "CONNECT", connection_id=upgrade.connection_id,
        request_id=upgrade.request_id, connected_at=upgrade.now, now=upgrade.now,
    )
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)  # ⚠️ its place among the keys
    return {
        "headers": single,
        "multiValueHeaders": multi,
        **_query(upgrade.query),
        "requestContext": context,
        "isBase64Encoded": False,
    }


def message_event(
    place: Place, route_key: str, body: str, *, connection_id: str, connected_at: int,
    request_id: str, message_id: str, now: int,
) -> dict[str, Any]:
    """The event of one message, to the route it took."""
    context = _context(
        place, route_key, "MESSAGE", connection_id=connection_id, request_id=request_id,
        connected_at=connected_at, now=now, extra={"messageId": message_id},
    )
    return {"requestContext": context, "body": body, "isBase64Encoded": False}


def disconnect_event(
    place: Place, *, code: int | None, reason: str, connection_id: str, connected_at: int,
    request_id: str, now: int,
) -> dict[str, Any]:
    """The ``$disconnect`` event: how the connection ended."""
    headers = {"Host": place.domain_name, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    extra = {
        "disconnectStatusCode": 1005 if code is None else code,
        "eventType": "DISCONNECT",
    }
    context = _context(
        place, DISCONNECT, "DISCONNECT", connection_id=connection_id, request_id=request_id,
        connected_at=connected_at, now=now, extra=extra,
    )
    # captured order: ... messageDirection, disconnectReason, stage ...
    ordered: dict[str, Any] = {}
    for key, value in context.items():
        ordered[key] = value
        if key == "messageDirection":
            ordered["disconnectReason"] = _NO_STATUS if code is None else reason
    return {
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "requestContext": ordered,
        "isBase64Encoded": False,
    }


def authorizer_event(place: Place, upgrade: Upgrade) -> dict[str, Any]:
    """The ``REQUEST`` event of the ``$connect`` Lambda authorizer."""
    single, multi = _headers(upgrade.headers, place, upgrade.trace_id, drop=frozenset())
    single = {k: v for k, v in single.items() if k.lower() != "sec-websocket-key"}
    query_values = _query(upgrade.query)
    return {
        "type": "REQUEST",
        "methodArn": place.connect_arn,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": query_values.get("queryStringParameters", {}),
        "multiValueQueryStringParameters": query_values.get(
            "multiValueQueryStringParameters", {}
        ),
        "stageVariables": {},
        "requestContext": _context(
            place, CONNECT, "CONNECT", connection_id=upgrade.connection_id,
            request_id=upgrade.request_id, connected_at=upgrade.now, now=upgrade.now,
        ),
    }


# -- running the functions -----------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """What a route's function gave back: ``failed`` (it raised, timed out,
    or its answer is not a result API Gateway can read), else its
    ``status`` (``None``: no ``statusCode``), ``body`` and ``headers``."""

    failed: bool
    status: int | None = None
    body: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    log: str = field(default="", repr=False)
    #: How long it ran: its own (virtual) time, or the real time it took.
    seconds: float = 0.0


HandlerTime = Callable[[], AbstractContextManager[Any]]


def _ran(
    handler: Callable[[Any, Any], object], event: object, *, request_id: str, name: str,
    handler_time: HandlerTime, timeout: float,
) -> tuple[tuple[object, str] | None, float]:
    """The handler's answer, decoded, and its log (``None`` when it failed),
    and the seconds it ran: its own on virtual time, else the real ones."""
    context = LambdaContext(aws_request_id=request_id, function_name=name, timeout=timeout)
    started = time.monotonic()
    with handler_time() as spent:
        invocation = invoke(handler, event, context)
    seconds = time.monotonic() - started if spent is None else spent.seconds
    if invocation.function_error is not None:
        return None, seconds
    return (json.loads(invocation.payload), invocation.log), seconds


def run_handler(
    handler: Callable[[Any, Any], object], event: object, *, request_id: str, name: str,
    handler_time: HandlerTime, timeout: float = 29.0,
) -> Answered:
    """Run one route's function as the proxy integration does (``timeout``:
    the function's own, for its context). A result that
    is not an object, or has no ``statusCode``, counts as a 200 with no body
    (⚠️ a WebSocket integration is not strict about it); a ``statusCode``
    that is not a number, or a ``body`` that is not a string, as a failure ⚠️."""
    ran, seconds = _ran(
        handler, event, request_id=request_id, name=name, handler_time=handler_time,
        timeout=timeout,
    )
    if ran is None:
        return Answered(True, seconds=seconds)
    result, log = ran
    if not isinstance(result, Mapping):
        return Answered(False, None, None, log=log, seconds=seconds)
    status, body, headers = result.get("statusCode"), result.get("body"), result.get("headers")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
        if not (isinstance(status, str) and status.isdigit()):
            return Answered(True, log=log, seconds=seconds)
        status = int(status)
    if body is not None and not isinstance(body, str):
        return Answered(True, log=log, seconds=seconds)
    pairs = tuple(
        (str(k), str(v)) for k, v in (headers.items() if isinstance(headers, Mapping) else ())
    )
    return Answered(False, status, body, pairs, log, seconds)


def authorize(
    handler: Callable[[Any, Any], object], event: Mapping[str, Any], *, request_id: str,
    handler_time: HandlerTime,
) -> str | dict[str, Any]:
    """The ``$connect`` authorizer's verdict: what ``requestContext.authorizer``
    holds when its policy allows ``$connect``; else ``"connect_forbidden"``
    (a deny), ``"connect_unauthorized"`` (it raised ``Unauthorized``) or
    ``"connect_authorizer_error"`` (it failed otherwise, ⚠️)."""
    context = LambdaContext(aws_request_id=request_id, function_name="authorizer", timeout=29.0)
    with handler_time():
        invocation = invoke(handler, event, context)
    error = invocation.error
    if error is not None:
        unauthorized = error.get("errorMessage") == "Unauthorized"
        return "connect_unauthorized" if unauthorized else "connect_authorizer_error"
    answer = json.loads(invocation.payload)
    if not isinstance(answer, Mapping):
        return "connect_authorizer_error"
    try:
        verdict = evaluate(answer.get("policyDocument"), str(event["methodArn"]))
    except PolicyError:
        return "connect_authorizer_error"
    if verdict != ALLOW:
        return "connect_forbidden"
    own = answer.get("context")
    principal = answer.get("principalId")
    return {"principalId": principal, **(own if isinstance(own, Mapping) else {})}

