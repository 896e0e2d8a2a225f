"""The scenario table: what API Gateway answers for each failure, as data.

Every row comes from a real capture or a documented fact, and says which.
Nothing here imports an HTTP client; the gateway model and the adapters read
these records, and so do the pytest marker, the matrix and the README table.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

__all__ = [
    "SCENARIOS",
    "Api",
    "ApigwFaultError",
    "Endpoint",
    "Evidence",
    "Scenario",
    "get_scenario",
    "scenario_names",
]


class ApigwFaultError(ValueError):
    """Bad input to the plugin: an unknown scenario, api, endpoint or argument."""


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


#: Endpoint types each API kind offers, the first one being its default.
ENDPOINTS: Mapping[Api, tuple[Endpoint, ...]] = MappingProxyType(
    {Api.REST: (Endpoint.EDGE,), Api.HTTP: (Endpoint.REGIONAL,)}
)


@dataclass(frozen=True)
class Scenario:
    """One failure as API Gateway answers it.

    ``body`` is the exact bytes on the wire. ``latency`` is how long the
    gateway takes before it answers, in seconds. ``log`` holds the REST
    execution-log lines the failure writes, without their ``(<request id>) ``
    prefix; ``{lambda_request_id}`` stands for a fresh Lambda request id.
    ``evidence`` is the weakest evidence behind the row, ``sources`` the tags
    of ``api-gateway-behaviour.md`` it rests on, and ``note`` any doubt.
    """

    name: str
    api: Api
    status: int
    body: bytes
    error_type: str | None
    latency: float
    cause: str
    log: tuple[str, ...]
    evidence: Evidence
    sources: tuple[str, ...]
    note: str = ""
    content_type: str = field(default="application/json", repr=False)

    @property
    def id(self) -> str:
        """The test id of this row in a scenario matrix: ``"{api}-{name}"``."""
        return f"{self.api.value}-{self.name}"


_REST_ERROR = b'{"message": "Internal server error"}'
_HTTP_ERROR = b'{"message":"Internal Server Error"}'
_HTTP_UNAVAILABLE = b'{"message":"Service Unavailable"}'
_REST_ERROR_TYPE = "InternalServerErrorException"

_ROWS: tuple[Scenario, ...] = (
    Scenario(
        name="integration_timeout",
        api=Api.REST,
        status=504,
        body=b'{"message": "Endpoint request timed out"}',
        error_type=_REST_ERROR_TYPE,
        latency=29.0,
        cause="The Lambda did not answer within the 29 s integration timeout.",
        log=(
            "Execution failed due to a timeout error",
            "Method completed with status: 504",
        ),
        evidence=Evidence.CAPTURED,
        sources=("T", "AZUL-6284", "AZUL-7824", "D-LIMITS"),
        note=(
            "Latency is the default integration timeout (29000 ms); the capture"
            " took 29.23 s end to end, AWS logged 29009 ms."
        ),
    ),
    Scenario(
        name="malformed_response",
        api=Api.REST,
        status=502,
        body=_REST_ERROR,
        error_type=_REST_ERROR_TYPE,
        latency=0.513,
        cause="The Lambda returned something that is not a valid proxy response.",
        log=(
            'Endpoint response body before transformations: "Bad response"',
            "Execution failed due to configuration error:"
            " Malformed Lambda proxy response",
            "Method completed with status: 502",
        ),
        evidence=Evidence.CAPTURED,
        sources=("T", "LS-FMT", "D-PROXY"),
        note="Latency is the capture's end-to-end time, connection set-up included.",
    ),
    Scenario(
        name="permission_denied",
        api=Api.REST,
        status=500,
        body=_REST_ERROR,
        error_type=_REST_ERROR_TYPE,
        latency=0.103,
        cause="API Gateway may not invoke the Lambda (resource policy or role).",
        log=(
            "Execution failed due to configuration error:"
            " Invalid permissions on Lambda function",
            "Method completed with status: 500",
        ),
        evidence=Evidence.CAPTURED,
        sources=("T", "D-LERR", "KC-REST-PERM"),
        note=(
            "A Knowledge Center article [KC-502] implies 502; the capture and"
            " [D-LERR] say 500, which is followed. The capture's log lines carry"
            " another request id than its response (another invocation)."
        ),
    ),
    Scenario(
        name="lambda_throttled",
        api=Api.REST,
        status=500,
        body=_REST_ERROR,
        error_type=_REST_ERROR_TYPE,
        latency=0.105,
        cause="Lambda refused the invocation with 429 (concurrency exhausted).",
        log=(
            "Lambda invocation failed with status: 429."
            " Lambda request id: {lambda_request_id}",
            "Execution failed due to configuration error: Rate Exceeded.",
            "Method completed with status: 500",
        ),
        evidence=Evidence.CAPTURED,
        sources=("T", "RP-429"),
        note=(
            "On the wire it is identical to permission_denied: status, body and"
            " error type cannot tell the two apart."
        ),
    ),
    Scenario(
        name="function_error",
        api=Api.REST,
        status=502,
        body=_REST_ERROR,
        error_type=_REST_ERROR_TYPE,
        latency=0.388,
        cause="The Lambda raised an unhandled error.",
        log=(
            "Lambda execution failed with status 200 due to customer function"
            " error: Application error in a Lambda function."
            " Lambda request id: {lambda_request_id}",
            "Method completed with status: 502",
        ),
        evidence=Evidence.CAPTURED,
        sources=("T", "D-LERR", "AZUL-6624"),
    ),
    Scenario(
        name="integration_timeout",
        api=Api.HTTP,
        status=503,
        body=_HTTP_UNAVAILABLE,
        error_type=None,
        latency=30.0,
        cause="The Lambda did not answer within the 30 s integration timeout.",
        log=(),
        evidence=Evidence.CAPTURED,
        sources=("T", "CORTEX", "D-LIMITS"),
        note=(
            "Latency is the fixed 30 s HTTP API limit; the capture took 30.16 s"
            " end to end. HTTP APIs write no execution log."
        ),
    ),
    Scenario(
        name="malformed_response",
        api=Api.HTTP,
        status=500,
        body=_HTTP_ERROR,
        error_type=None,
        latency=0.386,
        cause="The Lambda returned something that is not a valid response.",
        log=(),
        evidence=Evidence.CAPTURED,
        sources=("T", "CGE"),
        note="Latency is the capture's end-to-end time. No execution log.",
    ),
    Scenario(
        name="permission_denied",
        api=Api.HTTP,
        status=500,
        body=_HTTP_ERROR,
        error_type=None,
        latency=0.168,
        cause="API Gateway may not invoke the Lambda (resource policy or role).",
        log=(),
        evidence=Evidence.CAPTURED,
        sources=("T", "KC-HTTP-PERM", "D-HTTP-AUTHZ"),
        note="Latency is the capture's end-to-end time. No execution log.",
    ),
    Scenario(
        name="lambda_throttled",
        api=Api.HTTP,
        status=503,
        body=_HTTP_UNAVAILABLE,
        error_type=None,
        latency=0.173,
        cause="Lambda refused the invocation with 429 (concurrency exhausted).",
        log=(),
        evidence=Evidence.CAPTURED,
        sources=("T",),
        note=(
            "Only the capture shows 503 for a throttled Lambda; no AWS document"
            " states it. No execution log."
        ),
    ),
    Scenario(
        name="function_error",
        api=Api.HTTP,
        status=500,
        body=_HTTP_ERROR,
        error_type=None,
        latency=0.406,
        cause="The Lambda raised an unhandled error.",
        log=(),
        evidence=Evidence.CAPTURED,
        sources=("T",),
        note="Latency is the capture's end-to-end time. No execution log.",
    ),
)


#: What each source tag of the table stands for.
SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "T": "the project's two real captures (curl -v and execution logs), May 2025:"
        " a REST API (edge-optimized) and an HTTP API in us-east-1",
        "AZUL-6284": "https://github.com/DataBiosphere/azul/issues/6284 (access-log values"
        " of a real 504)",
        "AZUL-6624": "https://github.com/DataBiosphere/azul/pull/6624 (function error,"
        " INTEGRATION_FAILURE)",
        "AZUL-7824": "https://github.com/DataBiosphere/azul/issues/7824 (responseLatency"
        " 29009 ms)",
        "CGE": "https://github.com/CodeGenieApp/serverless-express/issues/355 (HTTP API 500)",
        "CORTEX": "https://github.com/cortexlabs/cortex/issues/1225 (HTTP API 503)",
        "D-HTTP-AUTHZ": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-lambda-authorizer.html",
        "D-LERR": "https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html",
        "D-LIMITS": "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
        "D-PROXY": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "set-up-lambda-proxy-integrations.html",
        "KC-502": "https://repost.aws/knowledge-center/malformed-502-api-gateway",
        "KC-HTTP-PERM": "https://repost.aws/knowledge-center/api-gateway-http-lambda-integrations",
        "KC-REST-PERM": "https://repost.aws/knowledge-center/api-gateway-rest-api-lambda-integrations",
        "LS-FMT": "LocalStack's AWS-validated snapshot"
        " test_aws_proxy_response_payload_format_validation (2024-11-15)",
        "RP-429": "https://repost.aws/questions/QUfI6bsdd0SOiPeyimzxSkfQ (throttled Lambda"
        " gives the client 500)",
    }
)


def cited_sources(row: Scenario) -> tuple[str, ...]:
    """The source tags a row rests on, and those its note cites as ``[TAG]``."""
    return row.sources + tuple(re.findall(r"\[([A-Z][A-Z0-9-]*)\]", row.note))


def _build(rows: Iterable[Scenario]) -> Mapping[tuple[str, Api], Scenario]:
    table: dict[tuple[str, Api], Scenario] = {}
    for row in rows:
        key = (row.name, row.api)
        if key in table:
            raise ValueError(f"duplicate scenario {row.id!r} in the table")
        unknown = [tag for tag in cited_sources(row) if tag not in SOURCES]
        if unknown:
            raise ValueError(f"scenario {row.id!r} cites unknown sources {unknown}")
        if not row.name.isidentifier():
            raise ValueError(f"scenario name {row.name!r} is not an identifier")
        table[key] = row
    return MappingProxyType(table)


#: The read-only scenario table, keyed by ``(name, api)``.
SCENARIOS: Mapping[tuple[str, Api], Scenario] = _build(_ROWS)


def scenario_names(api: Api | None = None) -> tuple[str, ...]:
    """The scenario names of the table, in table order, for one api or all."""
    seen: dict[str, None] = {}
    for name, row_api in SCENARIOS:
        if api is None or row_api is api:
            seen[name] = None
    return tuple(seen)


def _choices(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


def parse_api(value: object) -> Api:
    """``value`` as an :class:`Api`, or an error naming the valid choices."""
    if isinstance(value, Api):
        return value
    if isinstance(value, str):
        try:
            return Api(value)
        except ValueError:
            pass
    raise ApigwFaultError(
        f"unknown api {value!r}; valid choices: {_choices(a.value for a in Api)}"
    )


def parse_endpoint(value: object, api: Api) -> Endpoint:
    """``value`` as an endpoint type that ``api`` offers, or an error."""
    valid = ENDPOINTS[api]
    if isinstance(value, str) and value in {e.value for e in valid}:
        return Endpoint(value)
    if isinstance(value, str) and value in {e.value for e in Endpoint}:
        raise ApigwFaultError(
            f"endpoint {value!r} is not available for api={api.value!r};"
            f" valid choices: {_choices(e.value for e in valid)}"
        )
    raise ApigwFaultError(
        f"unknown endpoint {value!r}; valid choices for api={api.value!r}:"
        f" {_choices(e.value for e in valid)}"
    )


def check_name(name: object, api: Api | None = None) -> str:
    """``name`` if the table has it (for ``api``, when given), else an error
    that lists the valid names and suggests the closest one."""
    valid = scenario_names(api)
    if isinstance(name, str) and name in valid:
        return name
    if not isinstance(name, str):
        raise ApigwFaultError(
            f"a scenario name must be a str, got {type(name).__name__}"
            f" {name!r}; valid names: {_choices(valid)}"
        )
    where = "" if api is None else f" for api={api.value!r}"
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    raise ApigwFaultError(
        f"unknown scenario {name!r}{where}{hint} Valid names: {_choices(valid)}"
    )


def get_scenario(name: str, *, api: Api | str) -> Scenario:
    """The row ``(name, api)`` of the scenario table.

    >>> get_scenario("function_error", api="rest").status
    502
    """
    kind = parse_api(api)
    return SCENARIOS[(check_name(name, kind), kind)]
