"""The event API Gateway passes to the Lambda for a request given as plain
data: REST (payload 1.0) and HTTP API payload 1.0 and 2.0.

The rules follow the reference §5 to §9; its source tags are quoted as
``[TAG]``. Where the reference marks a rule ⚠️ or 🔧, or is silent and another
source is used, the comment beside the rule says so.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .._gateway.context import request_time as _format_request_time
from .._gateway.table import Api, ApigwFaultError
from .media import matches_binary, media_type
from .routes import (
    ProxyApi,
    ProxyRequest,
    Route,
    Unrouted,
    decode_http_path,
    parse_route_key,
    resolve_route,
    route_key,
)

__all__ = ["build_event", "http_event_v1", "http_event_v2", "payload_size", "rest_event"]


@functools.lru_cache(maxsize=256)
def _short_id(*parts: str) -> str:
    """A stable 6-character lowercase id (resourceId, deploymentId): the
    same for every call of a fault, so worked out once."""
    digest = int(hashlib.sha256("\0".join(parts).encode()).hexdigest(), 16)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    chars = []
    for _ in range(6):
        digest, index = divmod(digest, 36)
        chars.append(alphabet[index])
    return "".join(chars)


@functools.lru_cache(maxsize=64)
def _second_time(second: int) -> str:
    return _format_request_time(second * 1000)


def request_time(epoch_ms: int) -> str:
    """``requestTime``: to the second, so formatted once per second."""
    return _second_time(epoch_ms // 1000)


_HTTP_TEXT_TYPES = frozenset({"application/json", "application/xml", "application/javascript"})


def _http_body_is_text(content_type: str | None) -> bool:
    # HTTP APIs pass text/*, application/json, application/xml and
    # application/javascript as text and base64-encode every other body, a
    # missing Content-Type and form posts included: checked against AWS in
    # github.com/ministackorg/ministack pull 766. Not in the reference.
    media = media_type(content_type)
    return media.startswith("text/") or media in _HTTP_TEXT_TYPES


def _encode_body(body: bytes, binary: bool) -> tuple[str | None, bool]:
    if not body:
        return None, False
    if binary:
        return base64.b64encode(body).decode("ascii"), True
    # ⚠️ Bytes that are not UTF-8 in a text body: replaced, not rejected.
    return body.decode("utf-8", errors="replace"), False


def _group(headers: Iterable[tuple[str, str]]) -> dict[str, tuple[str, list[str]]]:
    """Headers by lower-case name: first spelling seen, every value in order."""
    grouped: dict[str, tuple[str, list[str]]] = {}
    for name, value in headers:
        key = name.lower()
        if key in grouped:
            grouped[key][1].append(value)
        else:
            grouped[key] = (name, [value])
    return grouped


@dataclass(frozen=True)
class _Parsed:
    host: str
    raw_path: str
    raw_query: str
    stage: str
    route_path: str  # the path inside the stage
    path_parameters: dict[str, str]
    api_id: str
    domain_prefix: str
    query: tuple[tuple[str, str], ...]
    decoded_path: str  # as an HTTP API decodes it (reference §13.1)


def _parse(request: ProxyRequest, api: ProxyApi, route: Route | None) -> _Parsed:
    """The parts of ``request`` an event carries; ``route`` is where it
    lands, when the caller has resolved it already."""
    if route is None:
        resolved = resolve_route(api, request.method, request.url)
        if isinstance(resolved, Unrouted):
            raise ApigwFaultError(resolved.reason)
        route = resolved
    parts = urlsplit(request.url)
    host = (parts.hostname or "").lower()
    label = host.split(".", 1)[0]
    api_id = api.api_id or request.header("x-apigw-api-id") or label.split("-vpce-", 1)[0]
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    return _Parsed(
        host,
        parts.path or "/",
        parts.query,
        route.stage,
        route.path,
        dict(route.parameters),
        api_id,
        label,
        query,
        decode_http_path(parts.path or "/") or parts.path or "/",
    )


def _gateway_headers(
    request: ProxyRequest, parsed: _Parsed, api: ProxyApi, trace_id: str | None
) -> list[tuple[str, str]]:
    """The client's headers plus those the gateway adds before the Lambda.

    Seen in REST events on AWS (LocalStack's validated snapshots):
    ``Host``, ``X-Amzn-Trace-Id``, ``X-Forwarded-For`` (client address, then
    the edge's), ``X-Forwarded-Port: 443``, ``X-Forwarded-Proto: https``.
    ⚠️ The ``CloudFront-*``, ``Via`` and ``X-Amz-Cf-Id`` headers an edge API
    also passes are left out, and so is the edge's own address in
    ``X-Forwarded-For``.
    """
    headers = list(request.headers)
    names = {name.lower() for name, _ in headers}
    if "host" not in names:
        headers.insert(0, ("Host", parsed.host))
    if trace_id is not None:
        headers = [(k, v) for k, v in headers if k.lower() != "x-amzn-trace-id"]
        headers.append(("X-Amzn-Trace-Id", trace_id))
    forwarded = request.header("x-forwarded-for")
    headers = [(k, v) for k, v in headers if k.lower() not in _FORWARDED]
    headers.append(
        ("X-Forwarded-For", f"{forwarded}, {api.source_ip}" if forwarded else api.source_ip)
    )
    headers.append(("X-Forwarded-Port", "443"))
    headers.append(("X-Forwarded-Proto", "https"))
    return headers


_FORWARDED = frozenset({"x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"})
# REST events lack Content-Length and Connection, and an edge API's CloudFront
# capitalises User-Agent (LocalStack's validated snapshots: a POST with a body
# has no Content-Length; 'user-Agent' arrives 'User-Agent'). 🔧 Authorization
# too, from LocalStack's code only.
_REST_DROPPED = frozenset({"content-length", "connection"})
_REST_CAPITALISED = {"user-agent": "User-Agent", "authorization": "Authorization"}


def _identity(api: ProxyApi, user_agent: str | None) -> dict[str, Any]:
    return {
        "accessKey": None,
        "accountId": None,
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": api.source_ip,
        "user": None,
        "userAgent": user_agent,
        "userArn": None,
    }


def rest_event(
    request: ProxyRequest,
    api: ProxyApi,
    *,
    request_id: str,
    extended_request_id: str,
    time_epoch_ms: int,
    trace_id: str | None = None,
    route: Route | None = None,
) -> dict[str, Any]:
    """The REST (payload 1.0) event for ``request`` [D-PROXY].

    ``request_id`` is the gateway's ``x-amzn-requestid`` (a UUID) and
    ``extended_request_id`` its ``x-amz-apigw-id``. Shape and value forms as
    AWS sends them (LocalStack's validated snapshots): ``path`` is the path
    inside the stage, raw; ``requestContext.path`` the full raw path;
    ``headers`` keeps each name's last value and ``multiValueHeaders`` every
    value; ``queryStringParameters`` the last value, decoded (``+`` is a
    space); both query maps, ``pathParameters`` and ``stageVariables`` are
    ``null`` when empty; ``body`` is ``null`` without a body, and base64 with
    ``isBase64Encoded`` when the request's Content-Type is one of the API's
    binary media types.
    """
    if api.api is not Api.REST:
        raise ApigwFaultError("rest_event needs a REST API; use build_event")
    parsed = _parse(request, api, route)
    raw = [
        (_REST_CAPITALISED.get(k.lower(), k), v)
        for k, v in _gateway_headers(request, parsed, api, trace_id)
        if k.lower() not in _REST_DROPPED
    ]
    grouped = _group(raw)
    query = _group(parsed.query)
    binary = matches_binary(media_type(request.header("content-type")), api.binary_media_types)
    body, encoded = _encode_body(request.body, binary)
    return {
        "resource": api.route,
        "path": parsed.route_path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in grouped.values()} or None,
        "multiValueHeaders": {name: list(values) for name, values in grouped.values()} or None,
        # The last value of a repeated parameter: captured on AWS in
        # github.com/floci-io/floci pull 3548 and the snapshot's
        # category=electronics&category=books -> "books".
        "queryStringParameters": {n: vs[-1] for n, vs in query.values()} or None,
        "multiValueQueryStringParameters": {n: list(vs) for n, vs in query.values()} or None,
        "pathParameters": parsed.path_parameters or None,
        "stageVariables": dict(api.stage_variables) or None,
        "requestContext": _rest_context(
            request, api, parsed, request_id, extended_request_id, time_epoch_ms
        ),
        "body": body,
        "isBase64Encoded": encoded,
    }


def _rest_context(
    request: ProxyRequest,
    api: ProxyApi,
    parsed: _Parsed,
    request_id: str,
    extended_request_id: str,
    time_epoch_ms: int,
) -> dict[str, Any]:
    """The ``requestContext`` of a REST event."""
    return {
        "accountId": api.account_id,
        "apiId": parsed.api_id,
        "deploymentId": _short_id("deployment", parsed.api_id, parsed.stage),
        "domainName": parsed.host,
        "domainPrefix": parsed.domain_prefix,
        "extendedRequestId": extended_request_id,
        "httpMethod": request.method,
        "identity": _identity(api, request.header("user-agent")),
        "path": parsed.raw_path,
        "protocol": api.protocol,
        "requestId": request_id,
        "requestTime": request_time(time_epoch_ms),
        "requestTimeEpoch": time_epoch_ms,
        "resourceId": _short_id("resource", parsed.api_id, api.route),
        "resourcePath": api.route,
        "stage": parsed.stage,
    }


def _http_headers(
    request: ProxyRequest, parsed: _Parsed, api: ProxyApi, trace_id: str | None
) -> list[tuple[str, str]]:
    # HTTP API events carry lower-case header names (the 2.0 doc: "All header
    # names are lowercase"; ⚠️ assumed for 1.0 as well) and a content-length
    # even for a GET (a captured 2.0 event in
    # github.com/logandk/serverless-wsgi issue 191). ⚠️ Added when absent.
    headers = [(k.lower(), v) for k, v in _gateway_headers(request, parsed, api, trace_id)]
    if not any(k == "content-length" for k, _ in headers):
        headers.append(("content-length", str(len(request.body))))
    return headers


def http_event_v2(
    request: ProxyRequest,
    api: ProxyApi,
    *,
    request_id: str,
    time_epoch_ms: int,
    trace_id: str | None = None,
    route: Route | None = None,
) -> dict[str, Any]:
    """The HTTP API payload 2.0 event for ``request`` [D-HTTPLAMBDA].

    ``request_id`` is the gateway's ``apigw-requestid``. Repeated headers
    and query parameters are joined with ``,``; ``Cookie`` headers become the
    ``cookies`` list (split on ``;``) and leave ``headers``; ``rawPath`` and
    ``requestContext.http.path`` keep a named stage's prefix, the
    ``$default`` stage has none (github.com/logandk/serverless-wsgi issue
    191, aws-powertools/powertools-lambda-python issue 621), decoded as the
    API routes them (:func:`.routes.decode_http_path` [VOKER]; ⚠️ what follows
    a decoded ``?`` is dropped, not moved to the query). Keys with
    nothing to carry (``cookies``, ``queryStringParameters``,
    ``pathParameters``, ``stageVariables``, ``body``) are left out. ⚠️ Their
    absence, rather than ``null``, follows the documentation's wording and
    client libraries that treat them as optional.
    """
    if api.api is not Api.HTTP or api.payload_format != "2.0":
        raise ApigwFaultError("http_event_v2 needs an HTTP API with payload format 2.0")
    parsed = _parse(request, api, route)
    cookies: list[str] = []
    kept: list[tuple[str, str]] = []
    for name, value in _http_headers(request, parsed, api, trace_id):
        if name == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
        else:
            kept.append((name, value))
    grouped = _group(kept)
    query = _group(parsed.query)
    body, encoded = _encode_body(
        request.body, not _http_body_is_text(request.header("content-type"))
    )
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key(api.route),
        "rawPath": parsed.decoded_path,
        "rawQueryString": parsed.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = {name: ",".join(values) for name, values in grouped.values()}
    if query:
        event["queryStringParameters"] = {n: ",".join(vs) for n, vs in query.values()}
    event["requestContext"] = _v2_context(request, api, parsed, request_id, time_epoch_ms)
    if body is not None:
        event["body"] = body
    if parsed.path_parameters:
        event["pathParameters"] = parsed.path_parameters
    event["isBase64Encoded"] = encoded
    if api.stage_variables:
        event["stageVariables"] = dict(api.stage_variables)
    return event


def _v2_context(
    request: ProxyRequest, api: ProxyApi, parsed: _Parsed, request_id: str, time_epoch_ms: int
) -> dict[str, Any]:
    """The ``requestContext`` of an HTTP API payload 2.0 event."""
    return {
        "accountId": api.account_id,
        "apiId": parsed.api_id,
        "domainName": parsed.host,
        "domainPrefix": parsed.domain_prefix,
        "http": {
            "method": request.method,
            "path": parsed.decoded_path,
            "protocol": api.protocol,
            "sourceIp": api.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": request_id,
        "routeKey": route_key(api.route),
        "stage": parsed.stage,
        "time": request_time(time_epoch_ms),
        "timeEpoch": time_epoch_ms,
    }


def http_event_v1(
    request: ProxyRequest,
    api: ProxyApi,
    *,
    request_id: str,
    time_epoch_ms: int,
    trace_id: str | None = None,
    route: Route | None = None,
) -> dict[str, Any]:
    """The HTTP API payload 1.0 event for ``request`` [D-HTTPLAMBDA].

    REST-like, with ``version: "1.0"``; ``requestId`` and ``extendedRequestId``
    are both the ``apigw-requestid`` [D-ACCESS-VARS]. ``path`` and
    ``requestContext.path`` keep a named stage's prefix (⚠️ dougmoscrop/
    serverless-http pull 143, sivchari/kumo pull 877), as sent (⚠️ §13.1's
    decoding is captured for 2.0 only). A repeated query key keeps its *last*
    value in ``queryStringParameters`` as on REST: captured [QS-V1] ⚠️ (the
    documentation's hand-written 1.0 example shows the first).
    """
    if api.api is not Api.HTTP or api.payload_format != "1.0":
        raise ApigwFaultError("http_event_v1 needs an HTTP API with payload format 1.0")
    parsed = _parse(request, api, route)
    grouped = _group(_http_headers(request, parsed, api, trace_id))
    query = _group(parsed.query)
    body, encoded = _encode_body(
        request.body, not _http_body_is_text(request.header("content-type"))
    )
    _, route_path = parse_route_key(api.route)
    resource = "$default" if route_path is None else route_path  # ⚠️ for the $default route
    return {
        "version": "1.0",
        "resource": resource,
        "path": parsed.raw_path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in grouped.values()},
        "multiValueHeaders": {name: list(values) for name, values in grouped.values()},
        "queryStringParameters": {n: vs[-1] for n, vs in query.values()} or None,
        "multiValueQueryStringParameters": {n: list(vs) for n, vs in query.values()} or None,
        "requestContext": _v1_context(request, api, parsed, request_id, time_epoch_ms, resource),
        "pathParameters": parsed.path_parameters or None,
        "stageVariables": dict(api.stage_variables) or None,
        "body": body,
        "isBase64Encoded": encoded,
    }


def _v1_context(
    request: ProxyRequest,
    api: ProxyApi,
    parsed: _Parsed,
    request_id: str,
    time_epoch_ms: int,
    resource: str,
) -> dict[str, Any]:
    """The ``requestContext`` of an HTTP API payload 1.0 event."""
    return {
        "accountId": api.account_id,
        "apiId": parsed.api_id,
        "authorizer": {"claims": None, "scopes": None},
        "domainName": parsed.host,
        "domainPrefix": parsed.domain_prefix,
        "extendedRequestId": request_id,
        "httpMethod": request.method,
        "identity": _identity(api, request.header("user-agent")),
        "path": parsed.raw_path,
        "protocol": api.protocol,
        "requestId": request_id,
        "requestTime": request_time(time_epoch_ms),
        "requestTimeEpoch": time_epoch_ms,
        "resourceId": None,
        "resourcePath": resource,
        "stage": parsed.stage,
    }


def build_event(
    request: ProxyRequest,
    api: ProxyApi,
    *,
    request_id: str,
    extended_request_id: str | None = None,
    time_epoch_ms: int,
    trace_id: str | None = None,
    route: Route | None = None,
) -> dict[str, Any]:
    """The event the Lambda receives for ``request`` through ``api``.

    REST needs ``extended_request_id`` (the ``x-amz-apigw-id``); HTTP APIs
    have one id, ``request_id`` (the ``apigw-requestid``). ``trace_id`` is
    the ``X-Amzn-Trace-Id`` the gateway passes on. ``route`` is where the
    request lands (:func:`.routes.resolve_route`), when the caller has
    resolved it; else it is resolved here, and raises
    :class:`ApigwFaultError` when the URL is not under the stage or the
    route does not match it.
    """
    if api.api is Api.REST:
        if extended_request_id is None:
            raise ApigwFaultError("a REST event needs the extended request id (x-amz-apigw-id)")
        return rest_event(
            request,
            api,
            request_id=request_id,
            extended_request_id=extended_request_id,
            time_epoch_ms=time_epoch_ms,
            trace_id=trace_id,
            route=route,
        )
    build = http_event_v1 if api.payload_format == "1.0" else http_event_v2
    return build(
        request,
        api,
        request_id=request_id,
        time_epoch_ms=time_epoch_ms,
        trace_id=trace_id,
        route=route,
    )


def payload_size(event: object) -> int:
    """The bytes of the invocation payload ``event`` makes: what Lambda's 6 MB
    request limit compares [D-LAMBDA-INVOKE].

    ⚠️ API Gateway's own serialisation was never seen; compact UTF-8 JSON is
    taken, the smallest a JSON writer makes of it. One that escapes non-ASCII
    characters or puts spaces after separators writes more, so near the limit
    an event may be let in that AWS refuses.
    """
    text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-8"))
