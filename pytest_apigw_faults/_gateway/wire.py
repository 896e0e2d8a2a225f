"""The gateway model: what API Gateway puts on the wire for a scenario.

Given a scenario and the moment a request arrived, :class:`Gateway` decides
the status, the exact body, the headers in the order AWS sends them, every
id in its captured form, the ``date`` the answer leaves at, and the REST
execution-log lines. It imports no HTTP client; the adapters only translate.
"""

from __future__ import annotations

import functools
import re
import threading
from binascii import b2a_base64
from collections.abc import Mapping
from email.utils import formatdate
from random import Random
from types import MappingProxyType
from typing import TYPE_CHECKING

from . import headers as _safe
from .records import _GET, Exchange, Incoming, LambdaIds, WireResponse
from .render import Rendering, render, substitute
from .table import SCENARIOS, Api, Endpoint, Phase, Scenario
from .wire_order import (
    _CLOUDFRONT_HEADERS,
    _FRONT,
    _SUCCESS_IDS,
    body_for,
    content_length,
    header_names,
    http11_headers,
    interleave,
)

if TYPE_CHECKING:
    from .custom import GatewayResponses
    from .result import ProxyResult

__all__ = [
    "HEADER_FORMATS",
    "Exchange",
    "Gateway",
    "Incoming",
    "LambdaIds",
    "WireResponse",
    "body_for",
    "content_length",
    "header_names",
    "http11_headers",
    "http11_response",
    "interleave",
]

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
_DATE = (
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} GMT"
)
# 11 random bytes in URL-safe base64: 15 characters, the last one carrying
# two zero bits, then one '=' of padding (K2G9wEbUoAMEvag=, K2Ib_G66IAMEF6g=).
_APIGW_ID = r"[A-Za-z0-9_-]{14}[AEIMQUYcgkosw048]="

#: The form of every header value the gateway sends, as full-match regexes.
#: ``content-type``, ``content-length`` and ``x-amzn-errortype`` are exact
#: values per scenario and are checked as such, not through this table.
HEADER_FORMATS: Mapping[str, re.Pattern[str]] = MappingProxyType(
    {
        "date": re.compile(_DATE),
        # a client's own trace header comes back with its Parent and Sampled;
        # a success adds ;Parent=<16hex>;Sampled=0;Lineage=1:<8hex>:0 (2025)
        "x-amzn-trace-id": re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}(?:;[A-Za-z]+=[^;]*)*"),
        "x-amzn-requestid": re.compile(_UUID),
        "x-amz-apigw-id": re.compile(_APIGW_ID),
        "apigw-requestid": re.compile(_APIGW_ID),
        "x-cache": re.compile(r"(Error|Miss) from cloudfront"),
        "via": re.compile(r"1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)"),
        "x-amz-cf-pop": re.compile(r"[A-Z]{3}\d{1,2}-[CP]\d"),
        "x-amz-cf-id": re.compile(r"[A-Za-z0-9_-]{54}=="),
    }
)

# What only API Gateway decides; a gateway response's own headers cannot
# replace these (x-amzn-errortype survives customisation [D-GWR-CONSOLE]).
_RESERVED = frozenset(
    {
        "content-length",
        "date",
        "x-amzn-trace-id",
        "x-amzn-requestid",
        "x-amzn-errortype",
        "x-amz-apigw-id",
        "apigw-requestid",
        *_CLOUDFRONT_HEADERS,
    }
)

# CloudFront POPs seen in front of execute-api in public captures.
_POPS = ("YTO50-P2", "DUB56-P1", "NRT20-C4", "MIA3-P5", "HIO50-C1", "IAD89-P1")


# base64 to its URL-safe alphabet, as base64.urlsafe_b64encode
_URLSAFE = bytes.maketrans(b"+/", b"-_")


@functools.lru_cache(maxsize=64)
def _http_date(second: int) -> str:
    return formatdate(second, usegmt=True)


# The header order of a valid Lambda answer. REST: the first three as on
# errors (``_FRONT``), then ``x-amzn-trace-id`` before ``x-amzn-requestid``
# (2024-2025 wire captures [NINTENDO][EDGE-H1-2025]; the older ones put it
# last [REG-H2], and the sorted snapshots [LS-FMT][LS-TRACE] are no order
# evidence), then ``x-amzn-requestid`` and ``x-amz-apigw-id`` with the
# Lambda's own headers among them (:func:`interleave`, ⚠️ inferred), and
# CloudFront's four on edge. ⚠️ The trace's place on regional APIs comes
# from the edge captures. No x-amzn-errortype. HTTP API: ``date,
# content-type, content-length``, the Lambda's own headers, then
# ``apigw-requestid`` [T][D-JWT]. The Lambda's content-type takes the
# content-type slot.
# A Lambda header API Gateway sends under another name, so that its own
# stands (REST) [D-PROXY "x-amzn-Remapped-"]; an HTTP_PROXY capture shows
# Connection, Server and Date so renamed among the other headers [PERMATE].
# ⚠️ Other reserved names are dropped; not in the reference.
_REMAPPED = frozenset({"content-length", "date", "connection", "server", "authorization"})


class Gateway:
    """One API Gateway front door, with its own source of ids.

    ``seed`` makes every id reproducible; requests that arrive together from
    several threads each get their own ids. An edge-optimized API keeps one
    CloudFront POP and a small pool of edge hosts, as a client in one place
    sees in practice. ``integration_timeout`` and ``function_timeout`` (in
    seconds) replace the defaults of the rows that wait for them;
    ``responses`` are the API's customised gateway responses (REST);
    ``rendering`` what the bodies rendered from a request need (:mod:`.render`).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        seed: int | str | None = None,
        integration_timeout: float | None = None,
        function_timeout: float | None = None,
        responses: GatewayResponses | None = None,
        rendering: Rendering | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.rendering = rendering
        self.integration_timeout = integration_timeout
        self.function_timeout = function_timeout
        self.responses = responses
        self._random = Random(seed)
        self._lock = threading.Lock()
        self.pop = self._random.choice(_POPS)
        self._vias = tuple(  # CloudFront's via header of each edge host
            f"1.1 {self._random.getrandbits(128):032x}.cloudfront.net (CloudFront)"
            for _ in range(3)
        )
        self._lineage: int | None = None

    def latency(self, scenario: Scenario) -> float:
        """How long the gateway takes to answer ``scenario``, in seconds."""
        if scenario.waits_for == "integration_timeout" and self.integration_timeout:
            return self.integration_timeout
        if scenario.waits_for == "function_timeout" and self.function_timeout:
            return self.function_timeout
        return scenario.latency

    def _cloudfront(self, status: int) -> list[tuple[str, str]]:
        """CloudFront's four headers, in order; call with the lock held.
        ``x-cache`` says Error for a 4xx or 5xx, Miss otherwise [LS-TRACE]."""
        via = self._random.choice(self._vias)
        return [
            ("x-cache", "Error from cloudfront" if status >= 400 else "Miss from cloudfront"),
            ("via", via),
            ("x-amz-cf-pop", self.pop),
            ("x-amz-cf-id", self._b64(40)),
        ]

    def _uuid(self) -> str:
        bits = self._random.getrandbits(128)
        bits = (bits & ~(0xF << 76)) | (0x4 << 76)
        bits = (bits & ~(0x3 << 62)) | (0x2 << 62)
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _b64(self, size: int) -> str:
        raw = self._random.getrandbits(size * 8).to_bytes(size, "big")
        return b2a_base64(raw, newline=False).translate(_URLSAFE).decode("ascii")

    def _trace(self, arrived_at: float, incoming: str | None) -> str:
        # A client's own trace header comes back whole when it has a Parent;
        # with a Root alone, the gateway adds its Parent. [LS-TRACE]
        if incoming and incoming.startswith("Root="):
            if ";Parent=" in incoming:
                return incoming
            return f"{incoming};Parent={self._random.getrandbits(64):016x}"
        return f"Root=1-{int(arrived_at):08x}-{self._random.getrandbits(96):024x}"

    def _success_trace(self, ids: LambdaIds, request: Incoming) -> str:
        """The ``x-amzn-trace-id`` of a Lambda's valid answer; call with the
        lock held. With no trace header from the client, 2025 answers carry
        ``Root=1-<8hex>-<24hex>;Parent=<16hex>;Sampled=0;Lineage=1:<8hex>:0``
        [EDGE-H1-2025][NINTENDO], while errors keep ``Root`` alone [T]. ⚠️ The
        Lineage hash is taken to be the function's: one per gateway here."""
        if request.header("X-Amzn-Trace-Id"):
            return ids.trace_id  # the client's own, as answered today [LS-TRACE]
        if self._lineage is None:
            self._lineage = self._random.getrandbits(32)
        parent = self._random.getrandbits(64)
        return f"{ids.trace_id};Parent={parent:016x};Sampled=0;Lineage=1:{self._lineage:08x}:0"

    def lambda_ids(self, arrived_at: float, request: Incoming = _GET, *, api: Api) -> LambdaIds:
        """Fresh ids for a request that reaches a Lambda of ``api``."""
        with self._lock:
            if api is Api.HTTP:
                request_id = extended = self._b64(11)
            else:
                request_id, extended = self._uuid(), self._b64(11)
            trace = self._trace(arrived_at, request.header("X-Amzn-Trace-Id"))
            return LambdaIds(request_id, extended, trace, self._uuid())

    def _success_headers(
        self, result: ProxyResult, request: Incoming, ids: LambdaIds, *, api: Api, date: str
    ) -> list[tuple[str, str]]:
        """The headers of a valid Lambda ``result``, in the order noted above
        ``_REMAPPED``."""
        content_type, lambda_headers = _lambda_headers(result.headers, api)
        values = {"date": date, "content-length": str(len(result.body))}
        if content_type is not None:
            values["content-type"] = content_type
        if api is Api.HTTP:
            return [
                *[(name, values[name]) for name in _FRONT[Endpoint.REGIONAL] if name in values],
                *lambda_headers,
                ("apigw-requestid", ids.request_id),
            ]
        front = [(name, values[name]) for name in _FRONT[self.endpoint] if name in values]
        own = {"x-amzn-requestid": ids.request_id, "x-amz-apigw-id": ids.extended_request_id}
        order = interleave(_SUCCESS_IDS, tuple(name for name, _ in lambda_headers))
        lines = iter(lambda_headers)
        with self._lock:
            trace = self._success_trace(ids, request)
            cloudfront = self._cloudfront(result.status) if self.endpoint is Endpoint.EDGE else []
        return [
            *front,
            ("x-amzn-trace-id", trace),
            *[(name, own[name]) if name in own else next(lines) for name in order],
            *cloudfront,
        ]

    def succeed(
        self,
        result: ProxyResult,
        arrived_at: float,
        request: Incoming,
        ids: LambdaIds,
        *,
        api: Api,
        latency: float,
        logs: tuple[str, ...] = (),
        event: Mapping[str, object] | None = None,
    ) -> Exchange:
        """The exchange of a valid Lambda ``result``: its status, headers and
        body with API Gateway's own success headers around them (the order
        noted above ``_REMAPPED``). A HEAD request gets no body."""
        body = result.body
        headers = self._success_headers(
            result, request, ids, api=api, date=_http_date(int(arrived_at + latency))
        )
        prefix = f"({ids.request_id}) "
        return Exchange(
            scenario=None,
            response=WireResponse(  # no body after 204 or 304 (headers.py)
                *_safe.finish(
                    result.status, tuple(headers), b"" if request.method == "HEAD" else body
                )
            ),
            request_id=ids.request_id,
            arrived_at=arrived_at,
            latency=latency,
            logs=tuple(prefix + line for line in logs) if api is Api.REST else (),
            result=result,
            event=event,
            lambda_request_id=ids.lambda_request_id,
        )

    def _log(self, scenario: Scenario, request_id: str, latency: float) -> tuple[str, ...]:
        prefix = f"({request_id}) "
        lines = []
        for line in scenario.log:
            if "{" in line:
                line = line.format(
                    lambda_request_id=self._uuid(),
                    request_id=request_id,
                    function_timeout=latency,
                )
            lines.append(prefix + line)
        return tuple(lines)

    def respond(
        self,
        scenario: Scenario,
        arrived_at: float,
        request: Incoming = _GET,
        *,
        ids: LambdaIds | None = None,
        logs: tuple[str, ...] | None = None,
        latency: float | None = None,
        event: Mapping[str, object] | None = None,
        rendering: Rendering | None = None,
    ) -> Exchange:
        """The exchange for ``request``, which arrived at ``arrived_at``
        (epoch seconds).

        A HEAD request gets the same headers and no body; a REST API's
        ``content-length`` is then 0 (:func:`content_length`). A client's own
        ``X-Amzn-Trace-Id`` is echoed. For a request that reached a Lambda,
        ``ids`` are the ids drawn before it ran, ``logs`` the log lines that
        replace the row's (without their prefix), ``latency`` the time the
        gateway took and ``event`` what the Lambda was invoked with.
        ``rendering`` replaces the gateway's for this request (a decided
        resource-policy denial: its caller and its kind of deny).
        """
        scenario = substitute(scenario, request, SCENARIOS)
        if latency is None:
            latency = self.latency(scenario)
        answer = _Answer(
            render(scenario, request, rendering or self.rendering, arrived_at), scenario
        )
        with self._lock:
            if scenario.api is Api.HTTP:
                answer.request_id = self._b64(11) if ids is None else ids.request_id
                answer.values["apigw-requestid"] = answer.request_id
            else:
                self._rest(answer, arrived_at, request, ids)
                answer.logs = (
                    self._log(scenario, answer.request_id, latency)
                    if logs is None
                    else tuple(f"({answer.request_id}) {line}" for line in logs)
                )
        return Exchange(
            scenario=scenario,  # the table's row, whatever was rendered
            response=WireResponse(
                *_safe.finish(
                    answer.status,
                    answer.headers(
                        self.endpoint, _http_date(int(arrived_at + latency)), request.method
                    ),
                    b"" if request.method == "HEAD" else answer.body,
                )
            ),
            request_id=answer.request_id,
            arrived_at=arrived_at,
            latency=latency,
            logs=answer.logs,
            event=event,
            lambda_request_id=None if ids is None else ids.lambda_request_id,
            message=None if scenario.renders is None else answer.scenario.message,
        )

    def _rest(
        self, answer: _Answer, arrived_at: float, request: Incoming, ids: LambdaIds | None
    ) -> None:
        """The ids, the customisation and CloudFront's headers of a REST
        answer; call with the lock held."""
        scenario, values = answer.scenario, answer.values
        if scenario.phase is Phase.CLOUDFRONT:
            # CloudFront refuses a request before API Gateway gives it an id
            answer.request_id = ""
        else:
            request_id = answer.request_id = self._uuid() if ids is None else ids.request_id
            extended = self._b64(11) if ids is None else ids.extended_request_id
            values["x-amzn-requestid"] = request_id
            values["x-amzn-errortype"] = scenario.error_type or ""
            values["x-amz-apigw-id"] = extended
            if scenario.traced:
                values["x-amzn-trace-id"] = (
                    self._trace(arrived_at, request.header("X-Amzn-Trace-Id"))
                    if ids is None
                    else ids.trace_id
                )
            if self.responses is not None:
                rendered = self.responses.render(
                    scenario, request, request_id, extended, arrived_at
                )
                if rendered is not None:
                    answer.status, answer.content_type, answer.body, added = rendered
                    # API Gateway's own headers cannot be replaced
                    answer.custom = tuple(
                        h for h in _safe.checked_custom(added) if h[0] not in _RESERVED
                    )
        if self.endpoint is Endpoint.EDGE:
            values.update(self._cloudfront(answer.status))


def http11_response(
    exchange: Exchange,
    api: Api,
    *,
    responses: GatewayResponses | None = None,
    keep_alive: bool = True,
) -> WireResponse:
    """``exchange``'s answer as API Gateway sends it over HTTP/1.1
    (:func:`http11_headers`): its own names in their mixed case, and the
    names a Lambda returned (``exchange.result``) or the API's gateway
    ``responses`` add spelt as they spelt them."""
    spelling: dict[str, str] = {}
    if exchange.result is not None:
        for name, _ in exchange.result.headers:
            spelling.setdefault(name.lower(), name)
    if responses is not None:
        for lowered, name in responses.spelling.items():
            spelling.setdefault(lowered, name)
    wire = exchange.response
    headers = http11_headers(wire.headers, api, keep_alive=keep_alive, spelling=spelling)
    return WireResponse(wire.status, headers, wire.body)


class _Answer:
    """A failure's answer while the gateway puts it together."""

    __slots__ = ("body", "content_type", "custom", "logs", "request_id", "row", "scenario",
                 "status", "values")

    def __init__(self, scenario: Scenario, row: Scenario | None = None) -> None:
        self.scenario = scenario  # as rendered for the request
        self.row = scenario if row is None else row  # the table's, for the header names
        self.status = scenario.status
        self.content_type = scenario.content_type
        self.body = scenario.body
        self.values: dict[str, str] = dict(scenario.extra_headers)
        self.custom: tuple[tuple[str, str], ...] = ()
        self.request_id = ""
        self.logs: tuple[str, ...] = ()

    def headers(
        self, endpoint: Endpoint, date: str, method: str = "GET"
    ) -> tuple[tuple[str, str], ...]:
        values = self.values
        values.update(self.custom)
        values["date"] = date
        values["content-type"] = self.content_type
        values["content-length"] = content_length(self.scenario, self.body, method)
        custom = tuple(name for name, _ in self.custom)
        names = header_names(self.row, endpoint, custom) if custom else _names(
            self.row, endpoint
        )
        return tuple([(name, values[name]) for name in names])


# The header order of each row on each endpoint, without a customisation.
_NAMES: dict[tuple[int, Endpoint], tuple[Scenario, tuple[str, ...]]] = {}


def _names(scenario: Scenario, endpoint: Endpoint) -> tuple[str, ...]:
    known = _NAMES.get((id(scenario), endpoint))
    if known is not None and known[0] is scenario:
        return known[1]
    names = header_names(scenario, endpoint)
    if len(_NAMES) < 1024:
        _NAMES[(id(scenario), endpoint)] = (scenario, names)
    return names


def _lambda_headers(
    headers: tuple[tuple[str, str], ...], api: Api
) -> tuple[str | None, list[tuple[str, str]]]:
    """The content-type of a Lambda result's headers, and the others as API
    Gateway passes them on (lower-case; its own names dropped, or remapped
    on REST)."""
    lambda_headers: list[tuple[str, str]] = []
    content_type: str | None = None
    for name, value in headers:
        lowered = name.lower()  # HTTP/2, as the captures
        if lowered == "content-type" and content_type is None:
            content_type = value
        elif api is Api.REST and lowered in _REMAPPED:
            lambda_headers.append((f"x-amzn-remapped-{lowered}", value))
        elif lowered in _RESERVED:
            continue
        else:
            lambda_headers.append((lowered, value))
    return content_type, lambda_headers
