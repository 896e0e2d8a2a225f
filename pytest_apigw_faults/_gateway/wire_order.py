"""Where API Gateway puts each header, and how it spells them.

The order of a failure's headers (:func:`header_names`), where headers a
gateway response or an integration adds go (:func:`interleave`), the
``content-length`` of an answer to HEAD (:func:`content_length`), and the
HTTP/1.1 spelling of a header list (:func:`http11_headers`). The model
(:mod:`.wire`) gives the HTTP/2 form, lower case, as the in-process clients
receive it; the loopback server sends the HTTP/1.1 form.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .scenario import Api, Endpoint, Phase, Scenario

__all__ = [
    "body_for",
    "content_length",
    "header_names",
    "http11_headers",
    "interleave",
]

_CLOUDFRONT_HEADERS = ("x-cache", "via", "x-amz-cf-pop", "x-amz-cf-id")


def body_for(scenario: Scenario, method: str) -> bytes:
    """The body the gateway sends for ``scenario``: none to a HEAD request."""
    return b"" if method == "HEAD" else scenario.body


def content_length(scenario: Scenario, body: bytes, method: str) -> str:
    """The ``content-length`` of a failure's answer whose GET body is ``body``.

    A REST API answers a HEAD request's failure with ``Content-Length: 0``,
    not the GET body's length: two regional captures, a WAF 403 (GET body
    23 B) and a MissingAuthenticationToken 403 (42 B) [WAF-HEAD]. Both come
    from one API. ⚠️ Edge HEAD was never captured: it is taken to be the
    same, as CloudFront passes API Gateway's own Content-Length on. HTTP API
    HEAD was never captured either; it keeps the GET body's length, and so
    does CloudFront's own refusal (``request_too_large``).
    """
    if (
        method == "HEAD"
        and scenario.api is Api.REST
        and scenario.phase is not Phase.CLOUDFRONT
    ):
        return "0"
    return str(len(body))


# API Gateway's first three headers. Regional and private REST APIs and
# HTTP APIs send ``date`` first (five REST captures, 2020-2026, HTTP/1.1
# [WAF-HEAD][SPAPI][CN-PRIV][PERMATE]; one regional HTTP/2 success [REG-H2];
# the HTTP API seeds [T]). On an edge-optimized API CloudFront reorders them,
# ``date`` third [T][EDGE-H1-2025][NINTENDO]. ⚠️ No regional HTTP/2 error was
# captured: it is taken to be the HTTP/1.1 order, lower-cased.
_FRONT = {
    Endpoint.EDGE: ("content-type", "content-length", "date"),
    Endpoint.REGIONAL: ("date", "content-type", "content-length"),
    Endpoint.PRIVATE: ("date", "content-type", "content-length"),
}


def interleave(own: tuple[str, ...], added: tuple[str, ...]) -> tuple[str, ...]:
    """API Gateway's own ids ``own`` (``x-amzn-requestid`` first and
    ``x-amz-apigw-id`` last) with the headers ``added`` by a gateway response
    or an integration among them: the last added name (each of its lines)
    after ``x-amz-apigw-id``, the others after ``x-amzn-requestid``.

    ⚠️ Inferred. The captures show added headers among API Gateway's own,
    not after them, in places that change from one deployment to the next
    [AZUL-7466][AZUL-7475]; no rule was found. This one reproduces exactly
    the DEFAULT_4XX with CORS headers of [PERMATE] (``x-amzn-requestid,
    Access-Control-Allow-Origin, Access-Control-Allow-Headers,
    x-amzn-errortype, x-amz-apigw-id, Access-Control-Allow-Methods``, as
    configured Origin, Headers, Methods) and the regional success of
    [REG-H2] (a Lambda's one header after ``x-amz-apigw-id``).
    """
    if not added:
        return own
    last = added[-1]
    cut = len(added)
    while cut and added[cut - 1] == last:
        cut -= 1
    return (own[0], *added[:cut], *own[1:], *added[cut:])


def header_names(
    scenario: Scenario, endpoint: Endpoint, custom: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The header names the gateway sends for ``scenario`` on ``endpoint``,
    in wire order (HTTP/2, lower-case); ``custom`` are the names a gateway
    response adds.

    REST: ``date`` first on regional and private APIs, third on edge, where
    CloudFront's four end the list (see ``_FRONT``); ``x-amzn-trace-id``
    only when a Lambda was invoked, before ``x-amzn-requestid`` [T] (⚠️ on
    regional and private APIs that place is the edge captures'); then
    ``x-amzn-requestid, x-amzn-errortype, x-amz-apigw-id`` with a
    customisation's headers among them (:func:`interleave`, inferred), and a
    failure's own after them. HTTP API: four headers, and a failure's own
    (``www-authenticate``) before the request id, as documented [D-JWT].
    """
    extra = tuple(name for name, _ in scenario.extra_headers)
    if scenario.api is Api.HTTP:
        return ("date", "content-type", "content-length", *extra, "apigw-requestid")
    if scenario.phase is Phase.CLOUDFRONT:
        return ("content-type", "content-length", "date", *_CLOUDFRONT_HEADERS)
    names = list(_FRONT[endpoint])
    if scenario.traced:
        names.append("x-amzn-trace-id")
    ids = _IDS_APIGW_FIRST if scenario.apigw_id_first else _IDS  # [RP-2025]
    added = tuple(name for name in custom if name not in names and name not in ids)
    names += interleave(ids, added)
    names += [name for name in extra if name not in names]
    if endpoint is Endpoint.EDGE:
        names += _CLOUDFRONT_HEADERS
    return tuple(names)


_IDS = ("x-amzn-requestid", "x-amzn-errortype", "x-amz-apigw-id")
# a resource-policy denial: the extended id first [RP-2025]
_IDS_APIGW_FIRST = ("x-amz-apigw-id", "x-amzn-requestid", "x-amzn-errortype")
_SUCCESS_IDS = ("x-amzn-requestid", "x-amz-apigw-id")


# HTTP/1.1 spelling of the names API Gateway and CloudFront send: mixed case
# for some, lower case kept for others, as captured (REST regional
# [WAF-HEAD][SPAPI][PERMATE], REST edge [EDGE-H1-2025][NINTENDO][AZUL-3886],
# HTTP API [HTTPAPI-H1]). Over HTTP/2 every name is lower case [T].
_HTTP11_NAMES = MappingProxyType(
    {
        "date": "Date",
        "content-type": "Content-Type",
        "content-length": "Content-Length",
        "connection": "Connection",
        "x-amzn-requestid": "x-amzn-RequestId",
        "x-amzn-errortype": "x-amzn-ErrorType",
        "x-amz-apigw-id": "x-amz-apigw-id",
        "x-amzn-trace-id": "X-Amzn-Trace-Id",
        "x-cache": "X-Cache",
        "via": "Via",
        "x-amz-cf-pop": "X-Amz-Cf-Pop",
        "x-amz-cf-id": "X-Amz-Cf-Id",
        "apigw-requestid": "Apigw-Requestid",
    }
)
_REMAPPED_PREFIX = "x-amzn-remapped-"


def _http11_name(name: str, spelling: Mapping[str, str]) -> str:
    known = _HTTP11_NAMES.get(name)
    if known is not None:
        return known
    if name.startswith(_REMAPPED_PREFIX):  # x-amzn-Remapped-Content-Length [PERMATE]
        rest = name[len(_REMAPPED_PREFIX):]
        sent = spelling.get(rest) or "-".join(part.capitalize() for part in rest.split("-"))
        return "x-amzn-Remapped-" + sent
    return spelling.get(name, name)


def http11_headers(
    headers: tuple[tuple[str, str], ...],
    api: Api,
    *,
    keep_alive: bool = True,
    spelling: Mapping[str, str] | None = None,
) -> tuple[tuple[str, str], ...]:
    """``headers`` (the model's HTTP/2 form) as API Gateway sends them over
    HTTP/1.1: its own names in their mixed case (``x-amzn-RequestId``,
    ``X-Amzn-Trace-Id``, ``Apigw-Requestid``, ...; C8, C9), and on a REST API
    ``Connection: keep-alive`` right after ``Content-Length``.

    That place holds on regional APIs (five captures [WAF-HEAD][SPAPI]
    [CN-PRIV][PERMATE]) and on edge, where urllib3 kept the wire order
    [EDGE-H1-2025]. ❌ Two other edge sources put it last
    [NINTENDO][GUARDDUTY]; they may have been assembled by hand. ⚠️ The one
    HTTP API capture over HTTP/1.1 (curl -i) has no ``Connection``
    [HTTPAPI-H1], so an HTTP API sends none here. ``keep_alive=False`` sends
    ``Connection: close`` in its place, on either API, when the connection
    is closed after the answer. Names the gateway does not own (a Lambda's,
    a gateway response's) are spelt as their sender spelt them, where
    ``spelling`` (lower case to sent) says so [PERMATE]; else lower case.
    API Gateway's own names are always spelt its way, whoever else sent them.
    """
    spelt = spelling or {}
    out: list[tuple[str, str]] = []
    connection = "keep-alive" if keep_alive else "close"
    placed = api is Api.HTTP and keep_alive
    for name, value in headers:
        if name == "connection":
            continue  # hop-by-hop: the front door decides it
        out.append((_http11_name(name, spelt), value))
        if name == "content-length" and not placed:
            out.append(("Connection", connection))
            placed = True
    if not placed:
        out.append(("Connection", connection))
    return tuple(out)
