"""The vocabulary of the scenario table: the kinds of API, endpoint, evidence
and phase, and the :class:`Scenario` record every row is."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import Enum
from types import MappingProxyType

from .errors import ApigwFaultError
from .names import ScenarioName

__all__ = [
    "ENDPOINTS",
    "RESPONSE_TYPES",
    "SPACED_PHASES",
    "Api",
    "ApigwFaultError",
    "Endpoint",
    "Evidence",
    "Phase",
    "Scenario",
    "default_body",
    "message_string",
    "spaced",
]


class Api(str, Enum):
    """The kind of API Gateway API: REST (v1) or HTTP API (v2)."""

    REST = "rest"
    HTTP = "http"

    def __str__(self) -> str:
        return self.value


class Endpoint(str, Enum):
    """Where the API is reached from; decides the response header set."""

    EDGE = "edge"
    REGIONAL = "regional"
    PRIVATE = "private"

    def __str__(self) -> str:
        return self.value


class Evidence(str, Enum):
    """How sure a row is.

    ``captured``: seen on the wire from real AWS; ``documented``: stated by AWS
    documentation; ``inferred``: reasoned from other facts, not seen.
    """

    CAPTURED = "captured"
    DOCUMENTED = "documented"
    INFERRED = "inferred"

    def __str__(self) -> str:
        return self.value


class Phase(str, Enum):
    """Where the request failed, which decides the body spelling and headers.

    ``cloudfront``: rejected by CloudFront in front of an edge-optimized API,
    before API Gateway saw it. ``request``: API Gateway refused it before the
    integration (routing, authorization, API keys, WAF, throttling, size).
    ``validation``: a REST request validator refused it, also before the
    integration (BAD_REQUEST_BODY, BAD_REQUEST_PARAMETERS). ``integration``:
    it failed while API Gateway built the integration request, called the
    Lambda, or read the Lambda's answer (timeouts included).

    The spelling rule (:func:`spaced`): REST validator, integration and
    timeout messages have a space after the colon; routing, authorizer,
    API-key, WAF and throttle messages have none [PULUMI], [UDACITY], [T].
    """

    CLOUDFRONT = "cloudfront"
    REQUEST = "request"
    VALIDATION = "validation"
    INTEGRATION = "integration"

    def __str__(self) -> str:
        return self.value


#: Endpoint types each API kind offers, the first one being its default.
ENDPOINTS: Mapping[Api, tuple[Endpoint, ...]] = MappingProxyType(
    {
        Api.REST: (Endpoint.EDGE, Endpoint.REGIONAL, Endpoint.PRIVATE),
        Api.HTTP: (Endpoint.REGIONAL,),
    }
)

#: The REST gateway response types and their documented default status
#: ([D-GRT]; ``None``: the fallbacks, which have none of their own).
RESPONSE_TYPES: Mapping[str, int | None] = MappingProxyType(
    {
        "ACCESS_DENIED": 403,
        "API_CONFIGURATION_ERROR": 500,
        "AUTHORIZER_CONFIGURATION_ERROR": 500,
        "AUTHORIZER_FAILURE": 500,
        "BAD_REQUEST_PARAMETERS": 400,
        "BAD_REQUEST_BODY": 400,
        "DEFAULT_4XX": None,
        "DEFAULT_5XX": None,
        "EXPIRED_TOKEN": 403,
        "INTEGRATION_FAILURE": 504,
        "INTEGRATION_TIMEOUT": 504,
        "INVALID_API_KEY": 403,
        "INVALID_SIGNATURE": 403,
        "MISSING_AUTHENTICATION_TOKEN": 403,
        "QUOTA_EXCEEDED": 429,
        "REQUEST_TOO_LARGE": 413,
        "RESOURCE_NOT_FOUND": 404,
        "THROTTLED": 429,
        "UNAUTHORIZED": 401,
        "UNSUPPORTED_MEDIA_TYPE": 415,
        "WAF_FILTERED": 403,
    }
)


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """One failure as API Gateway answers it.

    ``body`` is the exact bytes on the wire. ``latency`` is how long the
    gateway takes before it answers, in seconds; when ``waits_for`` names a
    timeout (``"integration_timeout"`` or ``"function_timeout"``), the
    latency is that timeout and follows its configured value. ``log`` holds
    the REST execution-log lines the failure writes, without their
    ``(<request id>) `` prefix; ``{lambda_request_id}``, ``{request_id}`` and
    ``{function_timeout}`` stand for the values of each call.

    ``phase`` says where the request failed; ``traced`` whether the REST
    answer carries ``x-amzn-trace-id`` (it does when a Lambda was invoked);
    ``response_type`` is the REST gateway response that a customisation of
    the API changes (``None``: none applies); ``message`` is the
    ``$context.error.message`` a gateway response template sees;
    ``endpoints`` the endpoint types the row exists on (empty: all of the
    api's); ``extra_headers`` headers only this failure sends.

    ``renders`` names the renderer (:mod:`.render`) that writes the body
    from each request; ``body`` is then the example its sources show, and
    ``body_pattern`` what every rendered body fully matches.
    ``apigw_id_first``: ``x-amz-apigw-id`` comes before ``x-amzn-requestid``
    (a resource-policy denial [RP-2025]).

    ``evidence`` is the weakest evidence behind the status and the body,
    ``sources`` the tags of ``api-gateway-behaviour.md`` the row rests on,
    and ``note`` any doubt, headers and logs included.
    """

    name: ScenarioName
    api: Api
    status: int
    body: bytes
    error_type: str | None
    latency: float
    cause: str
    log: tuple[str, ...] = ()
    evidence: Evidence
    sources: tuple[str, ...]
    note: str = ""
    phase: Phase = Phase.INTEGRATION
    traced: bool = True
    response_type: str | None = None
    message: str | None = None
    endpoints: tuple[Endpoint, ...] = ()
    extra_headers: tuple[tuple[str, str], ...] = ()
    waits_for: str | None = None
    renders: str | None = None
    body_pattern: re.Pattern[bytes] | None = field(default=None, repr=False)
    apigw_id_first: bool = False
    content_type: str = field(default="application/json", repr=False)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            # ProxyFailure.scenario was the name until 0.1: a comparison with
            # a name goes on working for a while, and says what to write.
            warnings.warn(
                f"comparing a Scenario with the str {other!r} compares its name; write"
                " `.name == ...` (a Scenario will stop comparing equal to its name in 0.2)",
                DeprecationWarning,
                stacklevel=2,
            )
            return self.name == other
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(self))

    @property
    def id(self) -> str:
        """The test id of this row in a scenario matrix: ``"{api}-{name}"``."""
        return f"{self.api.value}-{self.name}"

    @property
    def endpoint_types(self) -> tuple[Endpoint, ...]:
        """The endpoint types this failure exists on."""
        return self.endpoints or ENDPOINTS[self.api]


#: The phases whose REST messages have a space after the colon: a request
#: validator's (``{"message": "Invalid request body"}``, 35 B [UDACITY];
#: ``{"message": "Missing required request parameters: [key]"}`` [PULUMI]),
#: and the integration's and its timeouts' [T][LGTM]. The first rule (the
#: integration phase alone) missed the validators, which run before it.
SPACED_PHASES = frozenset({Phase.VALIDATION, Phase.INTEGRATION})


def spaced(row: Scenario) -> bool:
    """Whether ``row``'s message follows its colon after a space: REST
    validator, integration and timeout messages do; routing, authorizer,
    API-key, WAF and throttle messages, and every HTTP API message, do not
    [PULUMI][UDACITY][T]."""
    return row.api is Api.REST and row.phase in SPACED_PHASES


def message_string(row: Scenario) -> str:
    """``$context.error.messageString`` of ``row``: its message quoted as a
    JSON string (``null`` when it has none), after a space where the
    spelling rule (:func:`spaced`) puts one [LS-GR][AZUL-6284]."""
    if row.message is None:
        return "null"
    quoted = json.dumps(row.message)
    return f" {quoted}" if spaced(row) else quoted


def default_body(row: Scenario) -> bytes:
    """What the default template ``{"message":$context.error.messageString}``
    makes of ``row``."""
    return f'{{"message":{message_string(row)}}}'.encode()


