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
from base64 import urlsafe_b64encode
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from random import Random
from types import MappingProxyType

from ._table import Api, Endpoint, Scenario

__all__ = ["HEADER_FORMATS", "Exchange", "Gateway", "WireResponse", "body_for", "header_names"]

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
        # a client's own trace header comes back with its Parent and Sampled
        "x-amzn-trace-id": re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}(?:;[A-Za-z]+=[^;]*)*"),
        "x-amzn-requestid": re.compile(_UUID),
        "x-amz-apigw-id": re.compile(_APIGW_ID),
        "apigw-requestid": re.compile(_APIGW_ID),
        "x-cache": re.compile(r"Error from cloudfront"),
        "via": re.compile(r"1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)"),
        "x-amz-cf-pop": re.compile(r"[A-Z]{3}\d{1,2}-[CP]\d"),
        "x-amz-cf-id": re.compile(r"[A-Za-z0-9_-]{54}=="),
    }
)

_REST_EDGE_HEADERS = (
    "content-type",
    "content-length",
    "date",
    "x-amzn-trace-id",
    "x-amzn-requestid",
    "x-amzn-errortype",
    "x-amz-apigw-id",
    "x-cache",
    "via",
    "x-amz-cf-pop",
    "x-amz-cf-id",
)
_HTTP_HEADERS = ("date", "content-type", "content-length", "apigw-requestid")

# CloudFront POPs seen in front of execute-api in public captures.
_POPS = ("YTO50-P2", "DUB56-P1", "NRT20-C4", "MIA3-P5", "HIO50-C1", "IAD89-P1")


@functools.lru_cache(maxsize=64)
def _http_date(second: int) -> str:
    return formatdate(second, usegmt=True)


def body_for(scenario: Scenario, method: str) -> bytes:
    """The body the gateway sends for ``scenario``: none to a HEAD request."""
    return b"" if method == "HEAD" else scenario.body


def header_names(scenario: Scenario, endpoint: Endpoint) -> tuple[str, ...]:
    """The header names the gateway sends for ``scenario``, in wire order."""
    if scenario.api is Api.HTTP:
        return _HTTP_HEADERS
    return _REST_EDGE_HEADERS


@dataclass(frozen=True)
class WireResponse:
    """A response as it leaves the gateway: status, ordered headers, body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        for key, value in self.headers:
            if key == lowered:
                return value
        return None


@dataclass(frozen=True)
class Exchange:
    """What the gateway did with one request."""

    scenario: Scenario
    response: WireResponse
    request_id: str
    arrived_at: float
    latency: float
    logs: tuple[str, ...]


class Gateway:
    """One API Gateway front door, with its own source of ids.

    ``seed`` makes every id reproducible; requests that arrive together from
    several threads each get their own ids. An edge-optimized API keeps one
    CloudFront POP and a small pool of edge hosts, as a client in one place
    sees in practice.
    """

    def __init__(self, endpoint: Endpoint, *, seed: int | str | None = None) -> None:
        self.endpoint = endpoint
        self._random = Random(seed)
        self._lock = threading.Lock()
        self.pop = self._random.choice(_POPS)
        self._edge_hosts = tuple(
            f"{self._random.getrandbits(128):032x}" for _ in range(3)
        )

    def _uuid(self) -> str:
        bits = self._random.getrandbits(128)
        bits = (bits & ~(0xF << 76)) | (0x4 << 76)
        bits = (bits & ~(0x3 << 62)) | (0x2 << 62)
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _b64(self, size: int) -> str:
        raw = self._random.getrandbits(size * 8).to_bytes(size, "big")
        return urlsafe_b64encode(raw).decode("ascii")

    def _trace(self, arrived_at: float, incoming: str | None) -> str:
        # A client's own trace header comes back whole when it has a Parent;
        # with a Root alone, the gateway adds its Parent. [LS-TRACE]
        if incoming and incoming.startswith("Root="):
            if ";Parent=" in incoming:
                return incoming
            return f"{incoming};Parent={self._random.getrandbits(64):016x}"
        return f"Root=1-{int(arrived_at):08x}-{self._random.getrandbits(96):024x}"

    def respond(
        self,
        scenario: Scenario,
        arrived_at: float,
        *,
        method: str = "GET",
        trace_id: str | None = None,
    ) -> Exchange:
        """The exchange for a ``method`` request that arrived at ``arrived_at``
        (epoch seconds), carrying the client's ``X-Amzn-Trace-Id`` if any.

        A HEAD request gets the same headers, ``content-length`` included,
        and no body.
        """
        left_at = arrived_at + scenario.latency
        date = _http_date(int(left_at))
        body = scenario.body
        with self._lock:
            if scenario.api is Api.HTTP:
                request_id = self._b64(11)
                headers: tuple[tuple[str, str], ...] = (
                    ("date", date),
                    ("content-type", scenario.content_type),
                    ("content-length", str(len(body))),
                    ("apigw-requestid", request_id),
                )
                logs: tuple[str, ...] = ()
            else:
                request_id = self._uuid()
                trace = self._trace(arrived_at, trace_id)
                edge_host = self._random.choice(self._edge_hosts)
                headers = (
                    ("content-type", scenario.content_type),
                    ("content-length", str(len(body))),
                    ("date", date),
                    ("x-amzn-trace-id", trace),
                    ("x-amzn-requestid", request_id),
                    ("x-amzn-errortype", scenario.error_type or ""),
                    ("x-amz-apigw-id", self._b64(11)),
                    ("x-cache", "Error from cloudfront"),
                    ("via", f"1.1 {edge_host}.cloudfront.net (CloudFront)"),
                    ("x-amz-cf-pop", self.pop),
                    ("x-amz-cf-id", self._b64(40)),
                )
                prefix = f"({request_id}) "
                logs = tuple(
                    prefix + line.format(lambda_request_id=self._uuid())
                    if "{lambda_request_id}" in line
                    else prefix + line
                    for line in scenario.log
                )
        return Exchange(
            scenario=scenario,
            response=WireResponse(scenario.status, headers, body_for(scenario, method)),
            request_id=request_id,
            arrived_at=arrived_at,
            latency=scenario.latency,
            logs=logs,
        )
