"""The API Gateway side of a Lambda proxy integration.

Three pure steps, no HTTP client and no module state:

* :func:`match_route` / :func:`strip_stage`: which route and stage a path is;
* :func:`build_event`: the event API Gateway passes to the Lambda for a
  request given as plain data (REST, HTTP API payload 1.0 and 2.0);
* :func:`translate_invocation` / :func:`validate_proxy_result`: what API
  Gateway makes of the Lambda's answer, either a :class:`ProxyResult` (the
  status, headers and body it sends on) or a :class:`ProxyFailure` naming the
  scenario of the table it becomes, with the REST execution-log lines.

The rules follow ``api-gateway-behaviour.md`` (the reference) §5 to §9; its
source tags are quoted as ``[TAG]``. Where the reference marks a rule ⚠️ or
🔧, or is silent and another source is used, the comment beside the rule
says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .._gateway.table import Api, ApigwFaultError, parse_api
from .runtime import (
    DEFAULT_RUNTIME,
    RESPONSE_TOO_LARGE_TYPE,
    TIMEOUT_ERROR_TYPE,
    Invocation,
    invocation_from_result,
)

__all__ = [
    "FUNCTION_ERROR",
    "FUNCTION_TIMEOUT",
    "INVALID_BASE64",
    "MALFORMED_RESPONSE",
    "RESPONSE_TOO_LARGE",
    "ProxyApi",
    "ProxyFailure",
    "ProxyRequest",
    "ProxyResult",
    "build_event",
    "http_event_v1",
    "http_event_v2",
    "match_route",
    "rest_event",
    "strip_stage",
    "translate_invocation",
    "validate_proxy_result",
]

# The scenario names a failure becomes (rows of the table, keyed with the api).
MALFORMED_RESPONSE = "malformed_response"
FUNCTION_ERROR = "function_error"
FUNCTION_TIMEOUT = "function_timeout"
RESPONSE_TOO_LARGE = "lambda_response_too_large"
#: REST only: ``isBase64Encoded`` with a body that is not base64 gives 500
#: [LS-B64]. The table has no row for it yet.
INVALID_BASE64 = "invalid_base64"

_PAYLOAD_FORMATS = ("1.0", "2.0")
#: The caller's address the fake API sees (TEST-NET-1: a documentation address).
SOURCE_IP = "192.0.2.1"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- #
# Requests and APIs as plain data
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class ProxyRequest:
    """A client request: method, full URL, headers in order (repeats allowed), body."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        object.__setattr__(self, "headers", tuple((str(k), str(v)) for k, v in self.headers))

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


@dataclass(frozen=True)
class ProxyApi:
    """An API and the route whose Lambda proxy integration is called.

    ``route`` is, for REST, the resource path (``/orders/{id}``,
    ``/{proxy+}``); for an HTTP API, the route key (``GET /orders/{id}``,
    ``ANY /{proxy+}``, ``$default``; a bare path means ``ANY``).
    ``stage`` defaults to the URL's first path segment (REST) or ``$default``
    (HTTP API). ``payload_format`` defaults to ``1.0`` (REST, its only one) or
    ``2.0`` (HTTP API). ``api_id`` defaults to the first label of the URL's
    host (without a ``-vpce-…`` suffix), or the ``x-apigw-api-id`` header.
    """

    api: Api
    route: str
    stage: str | None = None
    payload_format: str | None = None
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    binary_media_types: tuple[str, ...] = ()
    account_id: str = "123456789012"
    api_id: str | None = None
    source_ip: str = SOURCE_IP
    protocol: str = "HTTP/1.1"

    def __post_init__(self) -> None:
        kind = parse_api(self.api)
        object.__setattr__(self, "api", kind)
        object.__setattr__(self, "payload_format", _payload_format(kind, self.payload_format))
        object.__setattr__(self, "stage_variables", MappingProxyType(dict(self.stage_variables)))
        object.__setattr__(self, "binary_media_types", tuple(self.binary_media_types))
        if kind is Api.REST and self.stage == "$default":
            raise ApigwFaultError("a REST API has no $default stage; name the stage")
        if kind is Api.REST and not self.route.startswith("/"):
            raise ApigwFaultError(
                f"a REST route is a resource path starting with '/', got {self.route!r}"
            )


def _payload_format(api: Api, value: str | None) -> str:
    if value is None:
        return "1.0" if api is Api.REST else "2.0"
    if value not in _PAYLOAD_FORMATS:
        raise ApigwFaultError(
            f"unknown payload format {value!r}; valid choices: '1.0', '2.0'"
        )
    if api is Api.REST and value != "1.0":
        raise ApigwFaultError("REST APIs have one payload format, '1.0'")
    return value


# --------------------------------------------------------------------------- #
# Routes and stages
# --------------------------------------------------------------------------- #

_PARAM = re.compile(r"\{([A-Za-z0-9._-]+)(\+?)\}")


def match_route(template: str, path: str) -> dict[str, str] | None:
    """The path parameters of ``path`` under ``template``, or ``None``.

    ``/orders/{id}`` matches ``/orders/42`` with ``{"id": "42"}``; a greedy
    last segment ``{proxy+}`` takes one or more segments (``/{proxy+}`` and
    ``/a/b`` give ``{"proxy": "a/b"}``) and never matches nothing, so
    ``/{proxy+}`` does not match ``/`` [D-PROXY]. A template without
    variables gives ``{}``. Values stay as sent, percent-escapes included, and
    one trailing ``/`` is ignored: ``/test-path/`` under ``/{proxy+}`` gives
    ``test-path`` (both seen on AWS in LocalStack's validated snapshot of
    test_lambda_aws_proxy_integration). ⚠️ That a single-segment variable
    ignores the trailing slash too is assumed.
    """
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    want = template[1:].split("/") if template not in ("", "/") else []
    got = path[1:].split("/") if path not in ("", "/") else []
    params: dict[str, str] = {}
    for index, part in enumerate(want):
        variable = _PARAM.fullmatch(part)
        if variable and variable.group(2):
            if index != len(want) - 1:
                raise ApigwFaultError(f"a greedy variable must end the route: {template!r}")
            rest = got[index:]
            if not rest or any(segment == "" for segment in rest):
                return None
            params[variable.group(1)] = "/".join(rest)
            return params
        if index >= len(got):
            return None
        if variable:
            if got[index] == "":
                return None
            params[variable.group(1)] = got[index]
        elif part != got[index]:
            return None
    return params if len(got) == len(want) else None


def strip_stage(path: str, stage: str) -> str | None:
    """``path`` without its ``/{stage}`` prefix, or ``None`` if it lacks one.

    The ``$default`` stage of an HTTP API has no prefix: the path is
    returned unchanged [D-ROUTES][D-CALL].
    """
    if stage == "$default":
        return path or "/"
    prefix = f"/{stage}"
    if path == prefix:
        return "/"
    if path.startswith(prefix + "/"):
        return path[len(prefix):]
    return None


def _parse_route_key(route: str) -> tuple[str, str | None]:
    """``(method, path)`` of an HTTP API route key; path ``None`` for ``$default``."""
    if route == "$default":
        return "ANY", None
    method, sep, path = route.partition(" ")
    if not sep:
        return "ANY", route
    return method.upper(), path


def _route_key(route: str) -> str:
    method, path = _parse_route_key(route)
    return "$default" if path is None else f"{method} {path}"


# --------------------------------------------------------------------------- #
# Events
# --------------------------------------------------------------------------- #


def _request_time(epoch_ms: int) -> str:
    """``dd/MMM/yyyy:HH:mm:ss +0000``, English months whatever the locale."""
    t = time.gmtime(epoch_ms // 1000)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year:04d}"
        f":{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def _short_id(*parts: str) -> str:
    """A stable 6-character lowercase id (resourceId, deploymentId)."""
    digest = int(hashlib.sha256("\0".join(parts).encode()).hexdigest(), 16)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    chars = []
    for _ in range(6):
        digest, index = divmod(digest, 36)
        chars.append(alphabet[index])
    return "".join(chars)


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def _matches_binary(media_type: str, binary_media_types: Iterable[str]) -> bool:
    """Whether a media type is one of the API's binary media types.

    ``*`` is a wildcard in the API's list (``*/*``, ``image/*``)
    [api-gateway-payload-encodings]. ⚠️ A wildcard on the client's side
    (``Accept: */*``) is taken to match nothing but ``*/*``.
    """
    if not media_type:
        return False
    kind = media_type.split("/", 1)[0]
    for entry in binary_media_types:
        entry = _media_type(entry)
        if entry in (media_type, "*/*") or entry == f"{kind}/*":
            return True
    return False


def _first_accept(accept: str | None) -> str:
    """The first media type of an Accept header: the only one API Gateway
    consults ("API Gateway uses the first Accept header from clients")
    [api-gateway-payload-encodings]."""
    return _media_type((accept or "").split(",", 1)[0])


_HTTP_TEXT_TYPES = frozenset({"application/json", "application/xml", "application/javascript"})


def _http_body_is_text(content_type: str | None) -> bool:
    # HTTP APIs pass text/*, application/json, application/xml and
    # application/javascript as text and base64-encode every other body, a
    # missing Content-Type and form posts included: checked against AWS in
    # github.com/ministackorg/ministack pull 766. Not in the reference.
    media = _media_type(content_type)
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


def _parse(request: ProxyRequest, api: ProxyApi) -> _Parsed:
    parts = urlsplit(request.url)
    host = (parts.hostname or "").lower()
    raw_path = parts.path or "/"
    if api.stage is not None:
        stage = api.stage
    elif api.api is Api.REST:
        stage = raw_path.strip("/").split("/", 1)[0]
        if not stage:
            raise ApigwFaultError(f"no stage in {request.url!r}: name it with stage=")
    else:
        stage = "$default"
    route_path = strip_stage(raw_path, stage)
    if route_path is None:
        raise ApigwFaultError(
            f"the path {raw_path!r} is not under the stage {stage!r} (URL {request.url!r})"
        )
    if api.api is Api.REST:
        template: str | None = api.route
    else:
        method, template = _parse_route_key(api.route)
        if method != "ANY" and method != request.method:
            raise ApigwFaultError(
                f"route {api.route!r} does not take a {request.method} request"
            )
    params: dict[str, str] | None = {} if template is None else match_route(template, route_path)
    if params is None:
        raise ApigwFaultError(
            f"route {api.route!r} does not match the path {route_path!r} of {request.url!r}"
        )
    label = host.split(".", 1)[0]
    api_id = api.api_id or request.header("x-apigw-api-id") or label.split("-vpce-", 1)[0]
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    return _Parsed(host, raw_path, parts.query, stage, route_path, params, api_id, label, query)


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
    parsed = _parse(request, api)
    raw = [
        (_REST_CAPITALISED.get(k.lower(), k), v)
        for k, v in _gateway_headers(request, parsed, api, trace_id)
        if k.lower() not in _REST_DROPPED
    ]
    grouped = _group(raw)
    query = _group(parsed.query)
    binary = _matches_binary(_media_type(request.header("content-type")), api.binary_media_types)
    body, encoded = _encode_body(request.body, binary)
    user_agent = request.header("user-agent")
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
        "requestContext": {
            "accountId": api.account_id,
            "apiId": parsed.api_id,
            "deploymentId": _short_id("deployment", parsed.api_id, parsed.stage),
            "domainName": parsed.host,
            "domainPrefix": parsed.domain_prefix,
            "extendedRequestId": extended_request_id,
            "httpMethod": request.method,
            "identity": _identity(api, user_agent),
            "path": parsed.raw_path,
            "protocol": api.protocol,
            "requestId": request_id,
            "requestTime": _request_time(time_epoch_ms),
            "requestTimeEpoch": time_epoch_ms,
            "resourceId": _short_id("resource", parsed.api_id, api.route),
            "resourcePath": api.route,
            "stage": parsed.stage,
        },
        "body": body,
        "isBase64Encoded": encoded,
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
) -> dict[str, Any]:
    """The HTTP API payload 2.0 event for ``request`` [D-HTTPLAMBDA].

    ``request_id`` is the gateway's ``apigw-requestid``. Repeated headers
    and query parameters are joined with ``,``; ``Cookie`` headers become the
    ``cookies`` list (split on ``;``) and leave ``headers``; ``rawPath`` and
    ``requestContext.http.path`` keep a named stage's prefix, the
    ``$default`` stage has none (github.com/logandk/serverless-wsgi issue
    191, aws-powertools/powertools-lambda-python issue 621). Keys with
    nothing to carry (``cookies``, ``queryStringParameters``,
    ``pathParameters``, ``stageVariables``, ``body``) are left out. ⚠️ Their
    absence, rather than ``null``, follows the documentation's wording and
    client libraries that treat them as optional.
    """
    if api.api is not Api.HTTP or api.payload_format != "2.0":
        raise ApigwFaultError("http_event_v2 needs an HTTP API with payload format 2.0")
    parsed = _parse(request, api)
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
        "routeKey": _route_key(api.route),
        "rawPath": parsed.raw_path,
        "rawQueryString": parsed.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = {name: ",".join(values) for name, values in grouped.values()}
    if query:
        event["queryStringParameters"] = {n: ",".join(vs) for n, vs in query.values()}
    event["requestContext"] = {
        "accountId": api.account_id,
        "apiId": parsed.api_id,
        "domainName": parsed.host,
        "domainPrefix": parsed.domain_prefix,
        "http": {
            "method": request.method,
            "path": parsed.raw_path,
            "protocol": api.protocol,
            "sourceIp": api.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": request_id,
        "routeKey": _route_key(api.route),
        "stage": parsed.stage,
        "time": _request_time(time_epoch_ms),
        "timeEpoch": time_epoch_ms,
    }
    if body is not None:
        event["body"] = body
    if parsed.path_parameters:
        event["pathParameters"] = parsed.path_parameters
    event["isBase64Encoded"] = encoded
    if api.stage_variables:
        event["stageVariables"] = dict(api.stage_variables)
    return event


def http_event_v1(
    request: ProxyRequest,
    api: ProxyApi,
    *,
    request_id: str,
    time_epoch_ms: int,
    trace_id: str | None = None,
) -> dict[str, Any]:
    """The HTTP API payload 1.0 event for ``request`` [D-HTTPLAMBDA].

    REST-like, with ``version: "1.0"``; ``requestId`` and
    ``extendedRequestId`` are both the ``apigw-requestid``
    [D-HTTPLOGVARS]. ``path`` and ``requestContext.path`` keep a named
    stage's prefix (⚠️ github.com/dougmoscrop/serverless-http pull 143 and
    github.com/sivchari/kumo pull 877, not AWS documents). ⚠️ A repeated query
    parameter keeps its *first* value in ``queryStringParameters``, as the
    documentation's 1.0 example shows, unlike REST.
    """
    if api.api is not Api.HTTP or api.payload_format != "1.0":
        raise ApigwFaultError("http_event_v1 needs an HTTP API with payload format 1.0")
    parsed = _parse(request, api)
    grouped = _group(_http_headers(request, parsed, api, trace_id))
    query = _group(parsed.query)
    body, encoded = _encode_body(
        request.body, not _http_body_is_text(request.header("content-type"))
    )
    _, route_path = _parse_route_key(api.route)
    resource = "$default" if route_path is None else route_path  # ⚠️ for the $default route
    return {
        "version": "1.0",
        "resource": resource,
        "path": parsed.raw_path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in grouped.values()},
        "multiValueHeaders": {name: list(values) for name, values in grouped.values()},
        "queryStringParameters": {n: vs[0] for n, vs in query.values()} or None,
        "multiValueQueryStringParameters": {n: list(vs) for n, vs in query.values()} or None,
        "requestContext": {
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
            "requestTime": _request_time(time_epoch_ms),
            "requestTimeEpoch": time_epoch_ms,
            "resourceId": None,
            "resourcePath": resource,
            "stage": parsed.stage,
        },
        "pathParameters": parsed.path_parameters or None,
        "stageVariables": dict(api.stage_variables) or None,
        "body": body,
        "isBase64Encoded": encoded,
    }


def build_event(
    request: ProxyRequest,
    api: ProxyApi,
    *,
    request_id: str,
    extended_request_id: str | None = None,
    time_epoch_ms: int,
    trace_id: str | None = None,
) -> dict[str, Any]:
    """The event the Lambda receives for ``request`` through ``api``.

    REST needs ``extended_request_id`` (the ``x-amz-apigw-id``); HTTP APIs
    have one id, ``request_id`` (the ``apigw-requestid``). ``trace_id`` is
    the ``X-Amzn-Trace-Id`` the gateway passes on. Raises
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
        )
    build = http_event_v1 if api.payload_format == "1.0" else http_event_v2
    return build(request, api, request_id=request_id, time_epoch_ms=time_epoch_ms,
                 trace_id=trace_id)


# --------------------------------------------------------------------------- #
# Results
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class ProxyResult:
    """What API Gateway sends on for a valid Lambda answer.

    ``headers`` are the Lambda's own, merged and in order, plus the default
    ``Content-Type`` when it gave none; names keep the Lambda's spelling
    (HTTP/2 lower-cases them on the wire). The gateway's own headers
    (``date``, ``content-length``, request ids, …) are not included.
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


@dataclass(frozen=True)
class ProxyFailure:
    """A Lambda answer API Gateway rejects: the table scenario it becomes.

    ``scenario`` names the row (``malformed_response``, ``function_error``,
    ``function_timeout``, ``lambda_response_too_large``, ``invalid_base64``);
    ``status`` is the status AWS answers with; ``reason`` says what was
    wrong; ``log`` holds the REST execution-log lines, without their
    ``(<request id>) `` prefix and ending with ``Method completed with
    status: N`` (HTTP APIs write none).

    The lines follow the convention of the table's ``Scenario.log``: they
    are ``str.format`` templates, every literal brace doubled, and
    ``{lambda_request_id}`` stands where the Lambda request id goes when it
    was not known. :meth:`render` gives the text.
    """

    scenario: str
    status: int
    reason: str
    log: tuple[str, ...] = ()

    def render(self, lambda_request_id: str = "") -> tuple[str, ...]:
        """The log lines as written, ``lambda_request_id`` filled in."""
        return tuple(line.format(lambda_request_id=lambda_request_id) for line in self.log)


_V1_KEYS = frozenset({"statusCode", "body", "headers", "multiValueHeaders", "isBase64Encoded"})
_REST_DEFAULT_TYPE = "application/json"
_HTTP_DEFAULT_TYPE = "text/plain; charset=utf-8"
_INVALID = object()


def _failure_status(api: Api) -> int:
    return 502 if api is Api.REST else 500


def _malformed(api: Api, payload_text: str, reason: str) -> ProxyFailure:
    if api is not Api.REST:
        return ProxyFailure(MALFORMED_RESPONSE, 500, reason)
    # [T][LP59]: the payload as Lambda returned it, then the verdict.
    log = (
        f"Endpoint response body before transformations: {_escape(payload_text)}",
        "Execution failed due to configuration error: Malformed Lambda proxy response",
        "Method completed with status: 502",
    )
    return ProxyFailure(MALFORMED_RESPONSE, 502, reason, log)


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _function_failure(invocation: Invocation, api: Api, *, known_id: bool) -> ProxyFailure:
    try:
        error = invocation.error or {}
        message = str(error.get("errorMessage", ""))
        error_type = str(error.get("errorType", ""))
    except ValueError:  # a payload that is not JSON
        message = invocation.payload.decode("utf-8", errors="replace")
        error_type = ""
    if error_type == TIMEOUT_ERROR_TYPE:
        # Reference §7 [CM][SANDBOX]: a function error to API Gateway.
        # ⚠️ HTTP API status 500 from [DENO-87] only.
        scenario = FUNCTION_TIMEOUT
    elif error_type == RESPONSE_TOO_LARGE_TYPE:
        # Reference §8 [AZUL-8192]: 502 on REST. ⚠️ HTTP API 500 not captured.
        scenario = RESPONSE_TOO_LARGE
    else:
        scenario = FUNCTION_ERROR
    status = _failure_status(api)
    reason = f"{error_type}: {message}" if error_type else message
    if api is not Api.REST:
        return ProxyFailure(scenario, status, reason)
    # [T]: "Lambda execution failed with status 200 due to customer function
    # error: <errorMessage>. Lambda request id: <id>". ⚠️ For the timeout and
    # the response-too-large errors this line is inferred from the same
    # template (reference §9.1 lists them under "Function error").
    lambda_id = _escape(invocation.request_id) if known_id else "{lambda_request_id}"
    line = (
        "Lambda execution failed with status 200 due to customer function error:"
        f" {_escape(message)}. Lambda request id: {lambda_id}"
    )
    return ProxyFailure(scenario, status, reason, (line, f"Method completed with status: {status}"))


def _reject_constant(name: str) -> Any:
    # The runtime may write NaN and Infinity; they are not JSON, and a strict
    # parser refuses them. ⚠️ That API Gateway's does is assumed.
    raise ValueError(f"{name} is not JSON")


def _status_code(value: object) -> int | object:
    """A statusCode as API Gateway reads it, or ``_INVALID``.

    Missing or ``null``: 200 ([LS-FMT]; ``null`` 🔧 from LocalStack's code). A
    number, or a string of digits ("201" gives 201) [LS-FMT]; "test" is
    malformed [LS-FMT]. ⚠️ Booleans, fractions and statuses outside 100 to 599
    are taken as malformed; an integral float (200.0) as its integer.
    """
    if value is None:
        return 200
    if isinstance(value, bool):
        return _INVALID
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,3}", value):
        value = int(value)
    if isinstance(value, int) and 100 <= value <= 599:
        return value
    return _INVALID


def _header_value(value: object) -> str | object | None:
    """A header value as sent: booleans lower-cased [LS-FMT]; ``null`` drops
    the header (⚠️ and keeps the default Content-Type away, as reported from
    AWS in aws/aws-sam-cli issue 1218); anything else is malformed (🔧
    LocalStack rejects numbers; ⚠️ not verified against AWS, reference §5.1)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, str):
        return value
    return _INVALID


def _b64decode(text: str) -> bytes | None:
    # ⚠️ A strict decoder (no whitespace, URL-safe letters refused) that, like
    # Java's basic decoder, does not require the padding.
    if re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text) is None:
        return None
    core = text.rstrip("=")
    if len(core) % 4 == 1:
        return None
    try:
        return base64.b64decode(core + "=" * (-len(core) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


@dataclass
class _Headers:
    """Response headers being merged: lower-case name -> (spelling, values)."""

    entries: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    named_types: bool = False  # the Lambda named a Content-Type, even as null

    def lines(self, *, joined: bool) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for spelling, values in self.entries.values():
            if joined:
                if values:
                    out.append((spelling, ", ".join(values)))
            else:
                out.extend((spelling, v) for v in values)
        return out


def _v1_result(
    value: object,
    payload_text: str,
    *,
    api: Api,
    accept: str | None,
    binary_media_types: Sequence[str],
) -> ProxyResult | ProxyFailure:
    """REST and HTTP API 1.0 answers: ``{statusCode, headers,
    multiValueHeaders, body, isBase64Encoded}`` [D-PROXY][LS-FMT]."""
    if not isinstance(value, dict):
        kind = "null" if value is None else type(value).__name__
        return _malformed(api, payload_text, f"the payload is JSON {kind}, not an object")
    # REST: any other key is malformed [D-PROXY][LS-FMT][LS-FMT2], a v2
    # "cookies" too [SST-2760]. HTTP API 1.0 applies the same shape
    # [D-HTTPLAMBDA]. ⚠️ Doubt: SAM CLI [SAM] ignores unknown keys on HTTP APIs,
    # and so does AWS in a LocalStack test marked AWS-validated
    # (TestHttpApiAwsProxyIntegration.test_aws_proxy_response_payload_format_
    # validation_v1, stored file id 3281491556), which also requires a
    # statusCode on 1.0; the reference keeps the REST shape.
    unknown = sorted(k for k in value if k not in _V1_KEYS)
    if unknown:
        return _malformed(api, payload_text, f"unknown key(s) {unknown}")
    status = _status_code(value.get("statusCode"))
    if status is _INVALID:
        return _malformed(api, payload_text, f"statusCode {value.get('statusCode')!r} is invalid")
    assert isinstance(status, int)
    merged = _Headers()
    multi = value.get("multiValueHeaders")
    single = value.get("headers")
    if multi is not None and not isinstance(multi, dict):
        return _malformed(api, payload_text, "multiValueHeaders is not an object")
    if single is not None and not isinstance(single, dict):
        return _malformed(api, payload_text, "headers is not an object")
    for name, values in (multi or {}).items():
        if not isinstance(values, list):  # [LS-FMT]
            return _malformed(api, payload_text, f"multiValueHeaders {name!r} is not a list")
        converted = [_header_value(v) for v in values]
        if any(v is _INVALID for v in converted):
            return _malformed(api, payload_text, f"multiValueHeaders {name!r} has a bad value")
        strings = [v for v in converted if isinstance(v, str)]
        key = name.lower()
        merged.named_types |= key == "content-type"
        if key in merged.entries:
            merged.entries[key][1].extend(strings)
        else:
            merged.entries[key] = (name, strings)
    for name, raw in (single or {}).items():
        header = _header_value(raw)
        if header is _INVALID:
            return _malformed(api, payload_text, f"header {name!r} is {type(raw).__name__}")
        key = name.lower()
        merged.named_types |= key == "content-type"
        if not isinstance(header, str):
            continue
        if key not in merged.entries:
            merged.entries[key] = (name, [header])
        elif api is not Api.REST or header not in merged.entries[key][1]:
            # [LS-FMT]: the multi values first, then the single one, under the
            # multiValueHeaders spelling; [D-PROXY]: a value given in both is
            # sent once.
            merged.entries[key][1].append(header)
    body = value.get("body")
    if body is not None and not isinstance(body, str):  # [LP59]
        return _malformed(api, payload_text, f"body is {type(body).__name__}, not a string")
    encoded = value.get("isBase64Encoded")
    if encoded is not None and not isinstance(encoded, bool):
        # ⚠️ Not covered by a source: a non-boolean flag is taken as malformed.
        return _malformed(api, payload_text, "isBase64Encoded is not a boolean")
    text = body or ""
    data = text.encode("utf-8")
    # REST decodes only when the request's first Accept type is one of the
    # API's binaryMediaTypes, whatever the response's Content-Type; else the
    # text goes out as it is [LS-B64][LS-FMT]. HTTP APIs have no
    # binaryMediaTypes and always decode (🔧 [SAM]).
    if encoded and (
        api is not Api.REST or _matches_binary(_first_accept(accept), binary_media_types)
    ):
        decoded = _b64decode(text)
        if decoded is None:
            if api is Api.REST:
                # [LS-B64]: 500. ⚠️ The log lines after the body are unknown.
                return ProxyFailure(
                    INVALID_BASE64,
                    500,
                    "isBase64Encoded is true and the body is not base64",
                    (
                        f"Endpoint response body before transformations: {_escape(payload_text)}",
                        "Method completed with status: 500",
                    ),
                )
            # ⚠️ HTTP API: taken as a malformed answer (500 either way).
            return _malformed(api, payload_text, "the body is not base64")
        data = decoded
    # REST joins a name's values into one line [LS-FMT]. ⚠️ HTTP API 1.0 sends
    # each value as its own line, duplicates included, as captured in
    # awslabs/aws-lambda-go-api-proxy issue 75 (2020).
    headers = merged.lines(joined=api is Api.REST)
    if not merged.named_types:
        headers.append(("Content-Type", _default_type(api)))
    return ProxyResult(status, tuple(headers), data)


def _default_type(api: Api) -> str:
    # REST adds Content-Type: application/json when the Lambda names none
    # ([LS-TI]: "Method response headers: {X-Amzn-Trace-Id=…,
    # Content-Type=application/json}"; aws/aws-sam-cli issue 1218). ⚠️ HTTP
    # APIs send text/plain; charset=utf-8 (github.com/fujiwara/ridge pull 9,
    # aws-powertools/powertools-lambda-python issue 2464); not in the reference.
    return _REST_DEFAULT_TYPE if api is Api.REST else _HTTP_DEFAULT_TYPE


def _v2_result(value: object, payload_text: str) -> ProxyResult | ProxyFailure:
    """HTTP API 2.0 answers [D-HTTPLAMBDA], reference §5.2."""
    api = Api.HTTP
    if not (isinstance(value, dict) and "statusCode" in value):
        if isinstance(value, dict) and "errorMessage" in value:
            # ⚠️ A returned {"errorMessage": …} is answered 500 in the
            # AWS-validated LocalStack test (stored file id 3281491556): the
            # gateway takes it for a failed invocation. Not in the reference.
            return _malformed(api, payload_text, "the payload looks like a Lambda error")
        # No statusCode: 200, application/json, the whole value as the body;
        # a string as it is [D-HTTPLAMBDA]. Other JSON goes out as the runtime
        # wrote it, which for Python is json.dumps. ⚠️ That API Gateway does
        # not re-serialise it is inferred from the documentation's example.
        whole = value if isinstance(value, str) else payload_text
        return ProxyResult(200, (("Content-Type", "application/json"),), whole.encode("utf-8"))
    status = _status_code(value.get("statusCode"))
    if status is _INVALID:
        return _malformed(api, payload_text, f"statusCode {value.get('statusCode')!r} is invalid")
    assert isinstance(status, int)
    # Keys other than statusCode, headers, body, isBase64Encoded and cookies
    # are ignored (🔧 [SAM]; also the AWS-validated LocalStack test).
    raw_headers = value.get("headers")
    if raw_headers is not None and not isinstance(raw_headers, dict):
        return _malformed(api, payload_text, "headers is not an object")
    headers: list[tuple[str, str]] = []
    named_type = False
    for name, raw in (raw_headers or {}).items():
        if isinstance(raw, list):  # [CGE]: an array value gives 500
            return _malformed(api, payload_text, f"header {name!r} is an array")
        header = _header_value(raw)  # ⚠️ the REST value rules, assumed
        if header is _INVALID:
            return _malformed(api, payload_text, f"header {name!r} is {type(raw).__name__}")
        named_type |= name.lower() == "content-type"
        if isinstance(header, str):
            headers.append((name, header))
    cookies = value.get("cookies")
    if isinstance(cookies, list):
        # Each cookie becomes a set-cookie header [D-HTTPLAMBDA]. ⚠️ Non-string
        # items are skipped.
        headers.extend(("set-cookie", c) for c in cookies if isinstance(c, str))
    # A cookies value that is not a list is ignored: 🔧 SAM CLI, kept as the
    # reference states it (§5.2). ⚠️ Doubt: the AWS-validated LocalStack test
    # (stored file id 3281491556) answers {"cookies": {...}} with 500.
    body = value.get("body")
    if body is not None and not isinstance(body, str):
        # ⚠️ Taken from the REST rule [LP59]; not seen on an HTTP API.
        return _malformed(api, payload_text, f"body is {type(body).__name__}, not a string")
    encoded = value.get("isBase64Encoded")
    if encoded is not None and not isinstance(encoded, bool):
        return _malformed(api, payload_text, "isBase64Encoded is not a boolean")  # ⚠️
    data = (body or "").encode("utf-8")
    if encoded:
        # Honoured whatever the content type: HTTP APIs have no binary media
        # types (🔧 [SAM]). ⚠️ An undecodable body is taken as malformed.
        decoded = _b64decode(body or "")
        if decoded is None:
            return _malformed(api, payload_text, "the body is not base64")
        data = decoded
    if not named_type:
        headers.append(("Content-Type", _HTTP_DEFAULT_TYPE))
    return ProxyResult(status, tuple(headers), data)


def translate_invocation(
    invocation: Invocation,
    *,
    api: Api | str,
    payload_format: str | None = None,
    accept: str | None = None,
    binary_media_types: Sequence[str] = (),
) -> ProxyResult | ProxyFailure:
    """What API Gateway makes of ``invocation``'s answer.

    A failed invocation (``function_error`` set) becomes
    ``function_timeout``, ``lambda_response_too_large`` or
    ``function_error`` by its ``errorType``; a payload is validated as
    reference §5 says for the api and payload format. ``accept`` is the
    request's Accept header and ``binary_media_types`` the API's list; they
    decide the REST base64 decoding.
    """
    return _translate(
        invocation,
        api=parse_api(api),
        payload_format=payload_format,
        accept=accept,
        binary_media_types=binary_media_types,
        known_id=True,
    )


def _translate(
    invocation: Invocation,
    *,
    api: Api,
    payload_format: str | None,
    accept: str | None,
    binary_media_types: Sequence[str],
    known_id: bool,
) -> ProxyResult | ProxyFailure:
    fmt = _payload_format(api, payload_format)
    if invocation.function_error is not None:
        return _function_failure(invocation, api, known_id=known_id)
    payload_text = invocation.payload.decode("utf-8", errors="replace")
    try:
        value = json.loads(invocation.payload, parse_constant=_reject_constant)
    except ValueError:
        return _malformed(api, payload_text, "the payload is not JSON")
    if api is Api.HTTP and fmt == "2.0":
        return _v2_result(value, payload_text)
    return _v1_result(
        value, payload_text, api=api, accept=accept, binary_media_types=binary_media_types
    )


def validate_proxy_result(
    result: object,
    *,
    api: Api | str,
    payload_format: str | None = None,
    accept: str | None = None,
    binary_media_types: Sequence[str] = (),
    lambda_request_id: str | None = None,
    runtime: str = DEFAULT_RUNTIME,
) -> ProxyResult | ProxyFailure:
    """What API Gateway makes of a handler that returned ``result``.

    ``result`` is serialised as the Python runtime does
    (:func:`._lambda.serialize_result`): a value it cannot write is a
    ``function_error`` (``Runtime.MarshalError``), more than 6291556 bytes
    is ``lambda_response_too_large``; the payload is then validated
    (:func:`translate_invocation`). ``lambda_request_id`` goes into the log
    line of a function error; without it the line keeps the
    ``{lambda_request_id}`` placeholder. A failure's ``log`` holds templates
    (see :class:`ProxyFailure`); ``failure.render()`` gives the lines as
    written.
    """
    kind = parse_api(api)
    invocation = invocation_from_result(
        result, request_id=lambda_request_id or "", runtime=runtime
    )
    return _translate(
        invocation,
        api=kind,
        payload_format=payload_format,
        accept=accept,
        binary_media_types=binary_media_types,
        known_id=lambda_request_id is not None,
    )
