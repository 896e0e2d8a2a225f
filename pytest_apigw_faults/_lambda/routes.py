"""Requests and APIs as plain data, and which route and stage a path is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlsplit

from .._gateway.context import SOURCE_IP
from .._gateway.table import Api, ApigwFaultError, parse_api

__all__ = [
    "ProxyApi",
    "ProxyRequest",
    "Route",
    "Unrouted",
    "match_route",
    "parse_route_key",
    "payload_format_of",
    "resolve_route",
    "route_key",
    "strip_stage",
]

_PAYLOAD_FORMATS = ("1.0", "2.0")


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
        object.__setattr__(self, "payload_format", payload_format_of(kind, self.payload_format))
        object.__setattr__(self, "stage_variables", MappingProxyType(dict(self.stage_variables)))
        object.__setattr__(self, "binary_media_types", tuple(self.binary_media_types))
        if kind is Api.REST and self.stage == "$default":
            raise ApigwFaultError("a REST API has no $default stage; name the stage")
        if kind is Api.REST and not self.route.startswith("/"):
            raise ApigwFaultError(
                f"a REST route is a resource path starting with '/', got {self.route!r}"
            )


def payload_format_of(api: Api, value: str | None) -> str:
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
    ``reason`` says why."""

    scenario: str
    reason: str


def resolve_route(api: ProxyApi, method: str, url: str) -> Route | Unrouted:
    """The stage, path and path parameters of a ``method`` request to ``url``
    under ``api``, worked out once per request, or why none takes it.

    The stage is ``api.stage``, or else the URL's first path segment (REST)
    or ``$default`` (HTTP API); a path outside it is ``stage_not_found``. A
    route that does not take the method or match the path is
    ``route_not_found``.
    """
    raw_path = urlsplit(url).path or "/"
    stage = api.stage
    if stage is None:
        stage = raw_path.strip("/").split("/", 1)[0] if api.api is Api.REST else "$default"
    if not stage:
        return Unrouted("stage_not_found", f"no stage in {url!r}: name it with stage=")
    path = strip_stage(raw_path, stage)
    if path is None:
        return Unrouted(
            "stage_not_found",
            f"the path {raw_path!r} is not under the stage {stage!r} (URL {url!r})",
        )
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
