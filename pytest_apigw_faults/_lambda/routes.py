"""Requests and APIs as plain data, and which route and stage a path is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import unquote, urlsplit

from .._gateway.context import SOURCE_IP
from .._gateway.table import Api, ApigwFaultError, parse_api

__all__ = [
    "DEFAULT_ROUTES",
    "PAYLOAD_FORMATS",
    "ROUTE_METHODS",
    "ProxyApi",
    "ProxyRequest",
    "Route",
    "Unrouted",
    "check_route",
    "check_stage",
    "decode_http_path",
    "match_route",
    "parse_route_key",
    "payload_format_of",
    "resolve_route",
    "route_key",
    "stage_and_path",
    "strip_stage",
]

#: The payload formats each kind of API takes, its default first.
PAYLOAD_FORMATS: Mapping[Api, tuple[str, ...]] = MappingProxyType(
    {Api.REST: ("1.0",), Api.HTTP: ("2.0", "1.0")}
)
#: The route of an API that names none: every path (REST; ``/`` aside) or
#: every request (HTTP API).
DEFAULT_ROUTES: Mapping[Api, str] = MappingProxyType({Api.REST: "/{proxy+}", Api.HTTP: "$default"})
#: The methods an HTTP API route key may name.
ROUTE_METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


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
        object.__setattr__(self, "route", check_route(kind, self.route))
        if self.stage is not None:
            check_stage(kind, self.stage)
        object.__setattr__(self, "payload_format", payload_format_of(kind, self.payload_format))
        object.__setattr__(self, "stage_variables", MappingProxyType(dict(self.stage_variables)))
        object.__setattr__(self, "binary_media_types", tuple(self.binary_media_types))


# --------------------------------------------------------------------------- #
# What a route, a stage and a payload format are. The fault's arguments
# (``route=``, ``stage=``, ``payload_format=``) and :class:`ProxyApi` are
# checked here, and the errors name them so.
# --------------------------------------------------------------------------- #


def check_route(api: Api, route: object) -> str:
    """``route`` if it is a route of ``api``, else an error saying what one is.

    A REST route is a resource path (``/orders/{id}``); an HTTP API route is
    a route key: ``$default``, ``/path`` (any method) or ``METHOD /path``
    [D-ROUTES]. A greedy variable (``{proxy+}``) must end the path.
    """
    if not isinstance(route, str) or not route:
        raise ApigwFaultError(f"route= takes a str, got {route!r}")
    if api is Api.REST:
        if not route.startswith("/"):
            raise ApigwFaultError(
                f"route={route!r}: a REST route is a resource path starting with '/',"
                " e.g. '/orders/{id}' or '/{proxy+}' (the default)"
            )
        path = route
    elif route == "$default":
        return route
    else:
        method, _, path = route.rpartition(" ")
        if method and method.upper() not in ROUTE_METHODS:
            raise ApigwFaultError(
                f"route={route!r}: unknown method {method!r}; an HTTP API route key is"
                f" '$default' (the default), '/path' or 'METHOD /path' with METHOD one of"
                f" {', '.join(ROUTE_METHODS)}"
            )
        if not path.startswith("/"):
            raise ApigwFaultError(
                f"route={route!r} is not an HTTP API route key: '$default' (the"
                " default), '/path' or 'METHOD /path', e.g. 'GET /orders/{id}'"
            )
    try:
        match_route(path, "/")
    except ApigwFaultError as error:
        raise ApigwFaultError(f"route={route!r}: {error}") from None
    return route


def check_stage(api: Api, stage: object) -> str:
    """``stage`` if it can name a stage of ``api``, else an error: a stage
    name is not empty and has no ``/``; a REST API has no ``$default`` stage."""
    if (
        not isinstance(stage, str) or not stage or "/" in stage
        or (api is Api.REST and stage == "$default")
    ):
        raise ApigwFaultError(
            f"stage={stage!r} is not a stage name"
            + (" (a REST API has no $default stage)" if stage == "$default" else "")
            + "; default: the URL's first path segment (REST) or '$default' (HTTP API)"
        )
    return stage


def payload_format_of(api: Api, value: object) -> str:
    """The payload format ``value`` names for ``api`` (its default for
    ``None``), or an error naming the ones it takes."""
    valid = PAYLOAD_FORMATS[api]
    if value is None:
        return valid[0]
    if not isinstance(value, str) or value not in valid:
        what = (
            "REST APIs have one payload format"
            if api is Api.REST
            else "HTTP APIs take"
        )
        raise ApigwFaultError(
            f"payload_format={value!r} is not valid for api={api.value!r}:"
            f" {what}: {', '.join(repr(v) for v in sorted(valid))}"
        )
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


def parse_route_key(route: str) -> tuple[str, str | None]:
    """``(method, path)`` of an HTTP API route key; path ``None`` for ``$default``."""
    if route == "$default":
        return "ANY", None
    method, sep, path = route.partition(" ")
    if not sep:
        return "ANY", route
    return method.upper(), path


def route_key(route: str) -> str:
    method, path = parse_route_key(route)
    return "$default" if path is None else f"{method} {path}"


@dataclass(frozen=True)
class Route:
    """Where a request lands: its stage, its path inside the stage and the
    path parameters the route's template gives it."""

    stage: str
    path: str
    parameters: Mapping[str, str]


@dataclass(frozen=True)
class Unrouted:
    """A request no stage or route takes: ``scenario`` names the row API
    Gateway answers with (``stage_not_found`` or ``route_not_found``) and
    ``reason`` says why (``bad_request_path`` for an HTTP API path that does
    not decode). ``resource``: the REST resource the path matched, when it
    was its method that none took."""

    scenario: str
    reason: str
    resource: str | None = None


# --------------------------------------------------------------------------- #
# HTTP API path decoding
# --------------------------------------------------------------------------- #

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

def _decode(text: str) -> str | None:
    # A '%' not followed by two hex digits fails the decoding [VOKER]. ⚠️ Bytes
    # that are not UTF-8 become U+FFFD, as Java's URLDecoder gives them; '+'
    # stays '+' (a path is not a form). Neither is captured.
    if _BAD_ESCAPE.search(text):
        return None
    return unquote(text, errors="replace")


def decode_http_path(raw_path: str) -> str | None:
    """The path an HTTP API routes and passes on (``rawPath``,
    ``requestContext.http.path``), or ``None`` when it refuses it with 400.

    Decoded once, cut at a decoded ``?``, decoded again (reference §13.1,
    live captures [VOKER]): ``/a%20b`` → ``/a b``, ``%2F`` → ``/``,
    ``/a%3Fb`` → ``/a``, ``%252F`` → ``/``, ``%2525`` → ``%``; ``%25done``
    fails the second decoding. REST keeps the path as sent.
    """
    once = _decode(raw_path)
    if once is None:
        return None
    return _decode(once.split("?", 1)[0])


def stage_and_path(api: Api, stage: str | None, url: str) -> tuple[str, str] | Unrouted:
    """The stage of a request to ``url`` and its path inside the stage, or
    why it has none. The stage is ``stage``, or else the URL's first path
    segment (REST) or ``$default`` (HTTP API); a path outside it is
    ``stage_not_found``. An HTTP API routes the decoded path [VOKER]."""
    raw_path = urlsplit(url).path or "/"
    if api is Api.HTTP:
        decoded = decode_http_path(raw_path)
        if decoded is None:
            return Unrouted(
                "bad_request_path", f"the path {raw_path!r} does not decode twice [VOKER]"
            )
        raw_path = decoded or "/"
    if stage is None:
        stage = raw_path.strip("/").split("/", 1)[0] if api is Api.REST else "$default"
    if not stage:
        return Unrouted("stage_not_found", f"no stage in {url!r}: name it with stage=")
    path = strip_stage(raw_path, stage)
    if path is None:
        return Unrouted(
            "stage_not_found",
            f"the path {raw_path!r} is not under the stage {stage!r} (URL {url!r})",
        )
    return stage, path


def resolve_route(api: ProxyApi, method: str, url: str) -> Route | Unrouted:
    """The stage, path and path parameters of a ``method`` request to ``url``
    under ``api``, worked out once per request, or why none takes it
    (:func:`stage_and_path`; a route that does not take the method or match
    the path is ``route_not_found``).
    """
    where = stage_and_path(api.api, api.stage, url)
    if isinstance(where, Unrouted):
        return where
    stage, path = where
    if api.api is Api.REST:
        template: str | None = api.route
    else:
        wanted, template = parse_route_key(api.route)
        if wanted not in ("ANY", method.upper()):
            return Unrouted(
                "route_not_found", f"route {api.route!r} does not take a {method.upper()} request"
            )
    parameters = {} if template is None else match_route(template, path)
    if parameters is None:
        return Unrouted(
            "route_not_found",
            f"route {api.route!r} does not match the path {path!r} of {url!r}",
        )
    return Route(stage, path, MappingProxyType(parameters))
