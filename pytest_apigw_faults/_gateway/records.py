"""The plain records the gateway model takes and gives: what it sees of a
request, the response as it leaves, what it did with one request, and the ids
of a request that reaches a Lambda."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .table import Scenario

if TYPE_CHECKING:
    from .auth.config import Authorization
    from .result import ProxyResult

__all__ = ["Exchange", "Incoming", "LambdaIds", "WireResponse"]


# The clients' header mappings, whose lookups ignore case already (requests,
# httpx, aiohttp/multidict): a miss there is a miss.
_CASELESS = frozenset(
    {"CaseInsensitiveDict", "Headers", "CIMultiDict", "CIMultiDictProxy"}
    | {"_RequestHeaders"}  # the loopback server's (_serve/server.py)
)


@dataclass(frozen=True, slots=True)
class Incoming:
    """What the gateway sees of a request: its method, URL and headers.

    ``headers`` is any mapping; lookups ignore case, as the clients' own
    header mappings do. ``body`` is the request body when it was read (a
    Lambda sees it; a signature covers its hash), else ``None``.
    """

    method: str = "GET"
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def header(self, name: str) -> str | None:
        headers = self.headers
        value = headers.get(name)
        if value is not None or type(headers).__name__ in _CASELESS:
            return value
        lowered = name.lower()
        for key, item in self.headers.items():
            if key.lower() == lowered:
                return item
        return None


_GET = Incoming()


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Exchange:
    """What the gateway did with one request.

    ``scenario`` is the failure it answered with, or ``None`` when a Lambda
    handler's valid result answered: ``result`` is then that result.
    ``event`` is the event a Lambda was invoked with (``None`` when none
    was) and ``lambda_request_id`` its ``context.aws_request_id``.
    """

    scenario: Scenario | None
    response: WireResponse
    request_id: str
    arrived_at: float
    latency: float
    logs: tuple[str, ...]
    result: ProxyResult | None = None
    event: Mapping[str, object] | None = None
    lambda_request_id: str | None = None
    #: ``$context.error.message`` when the body was rendered from the request
    #: (:mod:`.render`); ``None``: the scenario's own.
    message: str | None = None
    #: What a Lambda authorizer did for the request
    #: (:class:`.auth.config.Authorization`), or ``None`` when none is set.
    auth: Authorization | None = None


@dataclass(frozen=True, slots=True)
class LambdaIds:
    """The ids of one request that reaches a Lambda, drawn before it runs:
    the event carries the same ids as the response headers.

    REST: ``request_id`` is ``x-amzn-requestid`` (a UUID) and
    ``extended_request_id`` ``x-amz-apigw-id``; HTTP API: both are
    ``apigw-requestid``. ``trace_id`` is what the gateway passes on as
    ``X-Amzn-Trace-Id`` (and, REST, answers with); ``lambda_request_id`` the
    Lambda invocation's own id.
    """

    request_id: str
    extended_request_id: str
    trace_id: str
    lambda_request_id: str
