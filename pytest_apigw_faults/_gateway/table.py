"""The scenario table: what API Gateway answers for each failure, as data.

Every row comes from a real capture or a documented fact, and says which.
Nothing here imports an HTTP client; the gateway model and the adapters read
these records, and so do the pytest marker, the matrix and the README table.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

__all__ = [
    "ENDPOINTS",
    "RESPONSE_TYPES",
    "SCENARIOS",
    "Api",
    "ApigwFaultError",
    "Endpoint",
    "Evidence",
    "Phase",
    "Scenario",
    "get_scenario",
    "message_string",
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
    integration (routing, authorization, API keys, throttling, validation);
    these bodies have no space after the colon. ``integration``: it failed
    while API Gateway built the integration request, called the Lambda, or
    read the Lambda's answer; REST bodies have a space after the colon.
    """

    CLOUDFRONT = "cloudfront"
    REQUEST = "request"
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

    ``evidence`` is the weakest evidence behind the status and the body,
    ``sources`` the tags of ``api-gateway-behaviour.md`` the row rests on,
    and ``note`` any doubt, headers and logs included.
    """

    name: str
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
    content_type: str = field(default="application/json", repr=False)

    @property
    def id(self) -> str:
        """The test id of this row in a scenario matrix: ``"{api}-{name}"``."""
        return f"{self.api.value}-{self.name}"

    @property
    def endpoint_types(self) -> tuple[Endpoint, ...]:
        """The endpoint types this failure exists on."""
        return self.endpoints or ENDPOINTS[self.api]


def message_string(row: Scenario) -> str:
    """``$context.error.messageString`` of ``row``: its message quoted as a
    JSON string (``null`` when it has none), after a space when a REST API
    raised it in the integration phase [LS-GR][AZUL-6284]."""
    if row.message is None:
        return "null"
    quoted = json.dumps(row.message)
    if row.api is Api.REST and row.phase is Phase.INTEGRATION:
        return f" {quoted}"
    return quoted


def default_body(row: Scenario) -> bytes:
    """What the default template ``{"message":$context.error.messageString}``
    makes of ``row``."""
    return f'{{"message":{message_string(row)}}}'.encode()


# Rows whose body is not what the default template makes: AWS sends a
# capital "Message" for an access denial [LOIGE][CAP-RP].
_TEMPLATE_QUIRKS = frozenset({("access_denied", Api.REST)})
_WAITS = (None, "integration_timeout", "function_timeout")


_REST_ERROR = b'{"message": "Internal server error"}'
_HTTP_ERROR = b'{"message":"Internal Server Error"}'
_HTTP_UNAVAILABLE = b'{"message":"Service Unavailable"}'
_REST_ERROR_TYPE = "InternalServerErrorException"
_REST_ERROR_MESSAGE = "Internal server error"
_HTTP_NO_LOG = "HTTP APIs write no execution log."
_GATEWAY_TIME = " Its latency was never captured; it answers at once."

_ROWS: tuple[Scenario, ...] = (
    # --- the captured Lambda failures (the seed transcripts) --------------
    Scenario(
        name="integration_timeout",
        api=Api.REST,
        status=504,
        body=b'{"message": "Endpoint request timed out"}',
        error_type=_REST_ERROR_TYPE,
        latency=29.0,
        waits_for="integration_timeout",
        cause="The Lambda did not answer within the integration timeout (29 s by default).",
        log=(
            "Execution failed due to a timeout error",
            "Method completed with status: 504",
        ),
        response_type="INTEGRATION_TIMEOUT",
        message="Endpoint request timed out",
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
        response_type="INTEGRATION_FAILURE",
        message=_REST_ERROR_MESSAGE,
        evidence=Evidence.CAPTURED,
        sources=("T", "LS-FMT", "D-PROXY"),
        note=(
            "Latency is the capture's end-to-end time, connection set-up included."
            " The gateway response type was never logged; INTEGRATION_FAILURE is"
            " inferred [AZUL-6624]."
        ),
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
        response_type="INTEGRATION_FAILURE",
        message=_REST_ERROR_MESSAGE,
        evidence=Evidence.CAPTURED,
        sources=("T", "D-LERR", "KC-REST-PERM"),
        note=(
            "A Knowledge Center article [KC-502] implies 502; the capture and"
            " [D-LERR] say 500, which is followed. The capture's log lines carry"
            " another request id than its response (another invocation). The"
            " gateway response type was never logged; INTEGRATION_FAILURE is"
            " inferred."
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
        response_type="INTEGRATION_FAILURE",
        message=_REST_ERROR_MESSAGE,
        evidence=Evidence.CAPTURED,
        sources=("T", "RP-429"),
        note=(
            "On the wire it is identical to permission_denied: status, body and"
            " error type cannot tell the two apart. The gateway response type"
            " was never logged; INTEGRATION_FAILURE is inferred."
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
        response_type="INTEGRATION_FAILURE",
        message=_REST_ERROR_MESSAGE,
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
        waits_for="integration_timeout",
        cause="The Lambda did not answer within the integration timeout (30 s by default).",
        message="Service Unavailable",
        evidence=Evidence.CAPTURED,
        sources=("T", "CORTEX", "D-LIMITS"),
        note=(
            "Latency is the default (and largest) HTTP API timeout, 30 s; the"
            f" capture took 30.16 s end to end. {_HTTP_NO_LOG}"
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
        message="Internal Server Error",
        evidence=Evidence.CAPTURED,
        sources=("T", "CGE"),
        note=f"Latency is the capture's end-to-end time. {_HTTP_NO_LOG}",
    ),
    Scenario(
        name="permission_denied",
        api=Api.HTTP,
        status=500,
        body=_HTTP_ERROR,
        error_type=None,
        latency=0.168,
        cause="API Gateway may not invoke the Lambda (resource policy or role).",
        message="Internal Server Error",
        evidence=Evidence.CAPTURED,
        sources=("T", "KC-HTTP-PERM", "D-HTTP-AUTHZ"),
        note=f"Latency is the capture's end-to-end time. {_HTTP_NO_LOG}",
    ),
    Scenario(
        name="lambda_throttled",
        api=Api.HTTP,
        status=503,
        body=_HTTP_UNAVAILABLE,
        error_type=None,
        latency=0.173,
        cause="Lambda refused the invocation with 429 (concurrency exhausted).",
        message="Service Unavailable",
        evidence=Evidence.CAPTURED,
        sources=("T",),
        note=(
            "Only the capture shows 503 for a throttled Lambda; no AWS document"
            f" states it. {_HTTP_NO_LOG}"
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
        message="Internal Server Error",
        evidence=Evidence.CAPTURED,
        sources=("T",),
        note=f"Latency is the capture's end-to-end time. {_HTTP_NO_LOG}",
    ),
    # --- the Lambda's own limits ------------------------------------------
    Scenario(
        name="function_timeout",
        api=Api.REST,
        status=502,
        body=_REST_ERROR,
        error_type=_REST_ERROR_TYPE,
        latency=3.0,
        waits_for="function_timeout",
        cause="The Lambda's own timeout fired before the integration timeout.",
        log=(
            "Lambda execution failed with status 200 due to customer function"
            " error: RequestId: {lambda_request_id} Error: Task timed out after"
            " {function_timeout:.2f} seconds. Lambda request id: {lambda_request_id}",
            "Method completed with status: 502",
        ),
        response_type="INTEGRATION_FAILURE",
        message=_REST_ERROR_MESSAGE,
        evidence=Evidence.CAPTURED,
        sources=("CM", "SANDBOX", "D-LERR"),
        note=(
            "Latency is the function timeout, Lambda's default 3 s. Lambda"
            " answers the invocation with a Sandbox.Timedout function error,"
            " which API Gateway treats as any function error; the status and"
            " body are captured [CM], the error type and the log line follow"
            " the function_error row and the error payload [SANDBOX]."
        ),
    ),
    Scenario(
        name="function_timeout",
        api=Api.HTTP,
        status=500,
        body=_HTTP_ERROR,
        error_type=None,
        latency=3.0,
        waits_for="function_timeout",
        cause="The Lambda's own timeout fired before the integration timeout.",
        message="Internal Server Error",
        evidence=Evidence.INFERRED,
        sources=("DENO-87", "SANDBOX"),
        note=(
            "Reported as a 500 [DENO-87], never captured: a Sandbox.Timedout"
            " function error takes the function-error path. Latency is"
            f" Lambda's default 3 s timeout. {_HTTP_NO_LOG}"
        ),
    ),
    Scenario(
        name="lambda_response_too_large",
        api=Api.REST,
        status=502,
        body=_REST_ERROR,
        error_type=_REST_ERROR_TYPE,
        latency=0.388,
        cause="The Lambda's result is over the 6 MB (6291556 bytes) invocation limit.",
        log=(
            "Lambda execution failed with status 200 due to customer function"
            " error: Response payload size exceeded maximum allowed payload size"
            " (6291556 bytes).. Lambda request id: {lambda_request_id}",
            "Method completed with status: 502",
        ),
        response_type="INTEGRATION_FAILURE",
        message=_REST_ERROR_MESSAGE,
        evidence=Evidence.CAPTURED,
        sources=("AZUL-8192", "AZUL-8258", "AZUL-7466", "D-LAMBDA-INVOKE"),
        note=(
            "The status, the response type and the integration error are"
            " captured [AZUL-8192]; the log line is the function-error line with"
            " that error message (whose own final period is kept). Latency is"
            " the function_error capture's."
        ),
    ),
    Scenario(
        name="lambda_response_too_large",
        api=Api.HTTP,
        status=500,
        body=_HTTP_ERROR,
        error_type=None,
        latency=0.406,
        cause="The Lambda's result is over the 6 MB (6291556 bytes) invocation limit.",
        message="Internal Server Error",
        evidence=Evidence.INFERRED,
        sources=("D-LAMBDA-INVOKE",),
        note=(
            "Never captured: expected to take the function-error path, as on"
            f" REST. Latency is the function_error capture's. {_HTTP_NO_LOG}"
        ),
    ),
    # --- refused before the integration -----------------------------------
    Scenario(
        name="route_not_found",
        api=Api.REST,
        status=403,
        body=b'{"message":"Missing Authentication Token"}',
        error_type="MissingAuthenticationTokenException",
        latency=0.0,
        cause=(
            "No resource and method match the request (a wrong path or method),"
            " and it has no Authorization header."
        ),
        phase=Phase.REQUEST,
        traced=False,
        response_type="MISSING_AUTHENTICATION_TOKEN",
        message="Missing Authentication Token",
        evidence=Evidence.CAPTURED,
        sources=("LS-ROUTE", "CAP-MAT", "D-GWR-CONSOLE"),
        note=(
            "With a non-SigV4 Authorization header AWS answers 403"
            " IncompleteSignatureException instead [AZUL-7470]; that body quotes"
            f" the header's hash and is not modelled.{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="route_not_found",
        api=Api.HTTP,
        status=404,
        body=b'{"message":"Not Found"}',
        error_type=None,
        latency=0.0,
        cause="No route matches the request's method and path.",
        phase=Phase.REQUEST,
        message="Not Found",
        evidence=Evidence.DOCUMENTED,
        sources=("D-ROUTES",),
        note=f"The body is quoted by AWS documentation, not captured.{_GATEWAY_TIME}",
    ),
    Scenario(
        name="stage_not_found",
        api=Api.REST,
        status=403,
        body=b'{"message":"Forbidden"}',
        error_type="ForbiddenException",
        latency=0.0,
        cause="The path names no deployed stage (or lacks the stage prefix).",
        phase=Phase.REQUEST,
        traced=False,
        message="Forbidden",
        evidence=Evidence.INFERRED,
        sources=("CAP-NOSTAGE",),
        note=(
            "Status and error type are captured; the body is inferred from the"
            " other ForbiddenException answers. Which gateway response applies,"
            f" if any, is unknown, so customisation leaves it alone.{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="stage_not_found",
        api=Api.HTTP,
        status=404,
        body=b'{"message":"Not Found"}',
        error_type=None,
        latency=0.0,
        cause="The path names no deployed stage (and there is no $default stage).",
        phase=Phase.REQUEST,
        message="Not Found",
        evidence=Evidence.INFERRED,
        sources=("D-ROUTES",),
        note=(
            "Presumed to be answered as an unknown route; not documented or"
            f" captured.{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="unauthorized",
        api=Api.REST,
        status=401,
        body=b'{"message":"Unauthorized"}',
        error_type="UnauthorizedException",
        latency=0.0,
        cause=(
            "A Lambda or Cognito authorizer found no identity source (token) in"
            " the request; the authorizer is not invoked."
        ),
        log=("Unauthorized request: {request_id}",),
        phase=Phase.REQUEST,
        traced=False,
        response_type="UNAUTHORIZED",
        message="Unauthorized",
        evidence=Evidence.CAPTURED,
        sources=("LOIGE", "KC-403-AUTH"),
        note=(
            "The capture [LOIGE] also carried x-amzn-trace-id, on a stage with"
            " X-Ray tracing on; an untraced stage is expected to send none. The"
            f" log line is documented [KC-403-AUTH].{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="unauthorized",
        api=Api.HTTP,
        status=401,
        body=b'{"message":"Unauthorized"}',
        error_type=None,
        latency=0.0,
        cause="A Lambda authorizer found no identity source in the request.",
        phase=Phase.REQUEST,
        message="Unauthorized",
        evidence=Evidence.DOCUMENTED,
        sources=("D-HTTP-AUTHZ", "D-JWT"),
        note=(
            "The status is documented [D-HTTP-AUTHZ]; the body is the one AWS"
            f" documents for a JWT authorizer [D-JWT].{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="jwt_rejected",
        api=Api.HTTP,
        status=401,
        body=b'{"message":"Unauthorized"}',
        error_type=None,
        latency=0.0,
        cause="A JWT authorizer rejected the token (here: a wrong audience).",
        phase=Phase.REQUEST,
        message="Unauthorized",
        extra_headers=(
            (
                "www-authenticate",
                'Bearer scope="" error="invalid_token"'
                ' error_description="the token does not have a valid audience"',
            ),
        ),
        evidence=Evidence.DOCUMENTED,
        sources=("D-JWT",),
        note=(
            "From AWS's documented curl output, which (in 2020) had no"
            " content-type; the 2025 captures of other errors have one, and it"
            f" is sent.{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="access_denied",
        api=Api.REST,
        status=403,
        body=b'{"Message":"User is not authorized to access this resource with an'
        b' explicit deny"}',
        error_type="AccessDeniedException",
        latency=0.0,
        cause="An authorizer's policy (or the API's resource policy) denies the caller.",
        phase=Phase.REQUEST,
        traced=False,
        response_type="ACCESS_DENIED",
        message="User is not authorized to access this resource with an explicit deny",
        evidence=Evidence.CAPTURED,
        sources=("LOIGE", "CAP-RP", "LS-CODE"),
        note=(
            "The key is a capital Message, unlike the default template; one"
            " Knowledge Center article [KC-403-AUTH] shows lower case, the"
            f" captures win.{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="access_denied",
        api=Api.HTTP,
        status=403,
        body=b'{"message":"Forbidden"}',
        error_type=None,
        latency=0.0,
        cause="A Lambda authorizer answered isAuthorized: false, or IAM auth failed.",
        phase=Phase.REQUEST,
        message="Forbidden",
        evidence=Evidence.INFERRED,
        sources=("D-HTTP-AUTHZ",),
        note=f"No capture was found; the body follows the other HTTP API errors.{_GATEWAY_TIME}",
    ),
    Scenario(
        name="invalid_api_key",
        api=Api.REST,
        status=403,
        body=b'{"message":"Forbidden"}',
        error_type="ForbiddenException",
        latency=0.0,
        cause="The method requires an API key and the x-api-key header is missing or wrong.",
        phase=Phase.REQUEST,
        traced=False,
        response_type="INVALID_API_KEY",
        message="Forbidden",
        evidence=Evidence.CAPTURED,
        sources=("CAP-FPROS", "LS-CODE"),
        note=f"Also what a private API answers without x-apigw-id [CAP-CN].{_GATEWAY_TIME}",
    ),
    Scenario(
        name="waf_filtered",
        api=Api.REST,
        status=403,
        body=b'{"message":"Forbidden"}',
        error_type="ForbiddenException",
        latency=0.0,
        cause="An AWS WAF web ACL on the stage blocked the request.",
        phase=Phase.REQUEST,
        traced=False,
        response_type="WAF_FILTERED",
        message="Forbidden",
        evidence=Evidence.CAPTURED,
        sources=("AZUL-7470", "CAP-WAF", "D-GRT"),
        note=(
            "A WAF custom response, when the web ACL has one, takes precedence"
            f" over gateway responses [D-GRT].{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="api_throttled",
        api=Api.REST,
        status=429,
        body=b'{"message":"Too Many Requests"}',
        error_type="TooManyRequestsException",
        latency=0.0,
        cause="API Gateway throttled the request (account, stage, method or usage-plan rate).",
        phase=Phase.REQUEST,
        traced=False,
        response_type="THROTTLED",
        message="Too Many Requests",
        evidence=Evidence.CAPTURED,
        sources=("CAP-TMR", "D-THROTTLE"),
        note=(
            "Body and error type are captured, but no capture counted its bytes;"
            f" no space is expected before the integration.{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="api_throttled",
        api=Api.HTTP,
        status=429,
        body=b'{"message":"Too Many Requests"}',
        error_type=None,
        latency=0.0,
        cause="API Gateway throttled the request (account, stage or route rate).",
        phase=Phase.REQUEST,
        message="Too Many Requests",
        evidence=Evidence.INFERRED,
        sources=("D-HTTP-THROTTLE",),
        note=f"The status is documented; the body was never captured.{_GATEWAY_TIME}",
    ),
    Scenario(
        name="quota_exceeded",
        api=Api.REST,
        status=429,
        body=b'{"message":"Limit Exceeded"}',
        error_type="LimitExceededException",
        latency=0.0,
        cause="The API key's usage-plan quota (per day, week or month) is used up.",
        phase=Phase.REQUEST,
        traced=False,
        response_type="QUOTA_EXCEEDED",
        message="Limit Exceeded",
        evidence=Evidence.CAPTURED,
        sources=("CAP-LIMIT",),
        note=(
            "Several independent captures; none counted its bytes, no space is"
            f" expected before the integration.{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="request_too_large",
        api=Api.REST,
        status=413,
        body=b"HTTP content length exceeded 10485760 bytes.",
        content_type="text; charset=utf-8",
        error_type=None,
        latency=0.0,
        cause="The request body is over API Gateway's 10 MB limit; CloudFront refuses it.",
        phase=Phase.CLOUDFRONT,
        traced=False,
        endpoints=(Endpoint.EDGE,),
        message=None,
        evidence=Evidence.CAPTURED,
        sources=("LGTM", "D-LIMITS", "REAPIT-4338"),
        note=(
            "Edge-optimized APIs only: CloudFront answers, so there is no"
            " x-amzn-* header and a REQUEST_TOO_LARGE customisation does not"
            " apply. The capture lists CloudFront's headers; a date header is"
            " assumed. What regional and private APIs answer was not captured."
        ),
    ),
    Scenario(
        name="lambda_request_too_large",
        api=Api.REST,
        status=413,
        body=b'{"message": "Request Too Long"}',
        error_type="BadRequestException",
        latency=0.0,
        cause="The request is under 10 MB but over Lambda's 6 MB invocation limit.",
        traced=False,
        response_type="REQUEST_TOO_LARGE",
        message="Request Too Long",
        evidence=Evidence.CAPTURED,
        sources=("LGTM", "D-LAMBDA-INVOKE"),
        note=(
            "Captured on an edge API (2021). The space after the colon places it"
            " in the integration phase; the gateway response type was not"
            " recorded, REQUEST_TOO_LARGE is inferred, and so is the absence of"
            " x-amzn-trace-id. LocalStack guesses RequestTooLargeException"
            f" [LS-CODE].{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="authorizer_configuration_error",
        api=Api.REST,
        status=500,
        body=b'{"message":null}',
        error_type="AuthorizerConfigurationException",
        latency=0.0,
        cause="The Lambda authorizer failed, could not be invoked, or answered nonsense.",
        log=("Execution failed due to configuration error: Authorizer error",),
        phase=Phase.REQUEST,
        traced=False,
        response_type="AUTHORIZER_CONFIGURATION_ERROR",
        message=None,
        evidence=Evidence.CAPTURED,
        sources=("LOIGE", "KC-REST-PERM"),
        note=(
            "The message is null, so the body reads {'message': null} in JSON. The log"
            " line is documented for an authorizer without invoke permission"
            f" [KC-REST-PERM].{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="authorizer_configuration_error",
        api=Api.HTTP,
        status=500,
        body=_HTTP_ERROR,
        error_type=None,
        latency=0.0,
        cause="The Lambda authorizer could not be invoked or answered nonsense.",
        phase=Phase.REQUEST,
        message="Internal Server Error",
        evidence=Evidence.INFERRED,
        sources=("D-HTTP-AUTHZ", "KC-HTTP-PERM"),
        note=f"The status is documented, the body was never captured.{_GATEWAY_TIME}",
    ),
    Scenario(
        name="api_configuration_error",
        api=Api.REST,
        status=500,
        body=_REST_ERROR,
        error_type=_REST_ERROR_TYPE,
        latency=0.0,
        cause=(
            "API Gateway could not build the integration request (an invalid"
            " endpoint address, an illegal header mapping)."
        ),
        log=(
            "Execution failed due to configuration error: Invalid endpoint address",
            "Method completed with status: 500",
        ),
        traced=False,
        response_type="API_CONFIGURATION_ERROR",
        message=_REST_ERROR_MESSAGE,
        evidence=Evidence.CAPTURED,
        sources=("LS-TI", "LS-REMAP", "D-GRT"),
        note=(
            "No Lambda is invoked, so no x-amzn-trace-id: that header alone tells"
            " it from permission_denied. The response type is inferred from its"
            f" documented description [D-GRT].{_GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="bad_request_body",
        api=Api.REST,
        status=400,
        body=b'{"message":"Invalid request body"}',
        error_type="BadRequestException",
        latency=0.0,
        cause="A request validator rejected the body against the method's model.",
        phase=Phase.REQUEST,
        traced=False,
        response_type="BAD_REQUEST_BODY",
        message="Invalid request body",
        evidence=Evidence.CAPTURED,
        sources=("LS-VAL", "D-VALIDATION", "LS-CODE"),
        note=(
            "The message is captured [LS-VAL]; the error type comes from"
            f" LocalStack's code [LS-CODE].{_GATEWAY_TIME}"
        ),
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
        "AZUL-7466": "https://github.com/DataBiosphere/azul/issues/7466 (response over 6 MB)",
        "AZUL-7470": "https://github.com/DataBiosphere/azul/issues/7470 (status and"
        " responseType table: WAF_FILTERED, MISSING_AUTHENTICATION_TOKEN, DEFAULT_4XX)",
        "AZUL-7824": "https://github.com/DataBiosphere/azul/issues/7824 (responseLatency"
        " 29009 ms)",
        "AZUL-8192": "https://github.com/DataBiosphere/azul/issues/8192 (response over 6 MB:"
        " 502, INTEGRATION_FAILURE, integrationStatus 200)",
        "AZUL-8258": "https://github.com/DataBiosphere/azul/issues/8258 (response over 6 MB)",
        "CAP-FPROS": "a public capture of a missing or invalid API key: 403 Forbidden,"
        " ForbiddenException",
        "CAP-CN": "a public capture of a private API in cn-northwest-1 (2020) reached"
        " without x-apigw-api-id: 403 Forbidden",
        "CAP-LIMIT": "several public captures of a usage-plan quota: 429 Limit Exceeded,"
        " LimitExceededException",
        "CAP-MAT": "public captures of an unknown path (2015, 2018, 2019): 403 Missing"
        " Authentication Token",
        "CAP-NOSTAGE": "a public capture of a request to a stage that does not exist:"
        " 403 ForbiddenException",
        "CAP-RP": "public captures of resource-policy denials: 403 with a capital"
        " \"Message\"",
        "CAP-TMR": "public captures of API Gateway throttling: 429 Too Many Requests,"
        " TooManyRequestsException",
        "CAP-WAF": "a public capture of a WAF block on a regional REST API:"
        " 403 ForbiddenException",
        "CGE": "https://github.com/CodeGenieApp/serverless-express/issues/355 (HTTP API 500)",
        "CM": "https://dev.classmethod.jp/articles/amazon-api-gateway-lambda-proxy-"
        "integration-timeout-error-response (2025-05-14: Lambda timeout gives 502)",
        "CORTEX": "https://github.com/cortexlabs/cortex/issues/1225 (HTTP API 503)",
        "D-GRT": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "supported-gateway-response-types.html",
        "D-GWR-CONSOLE": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "set-up-gateway-response-using-the-console.html",
        "D-HTTP-AUTHZ": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-lambda-authorizer.html",
        "D-HTTP-THROTTLE": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-throttling.html",
        "D-JWT": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-troubleshooting-jwt.html",
        "D-LAMBDA-INVOKE": "https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html"
        " (6 MB synchronous payloads)",
        "D-LERR": "https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html",
        "D-LIMITS": "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
        "D-OAS": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-swagger-extensions-gateway-responses.html",
        "D-PROXY": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "set-up-lambda-proxy-integrations.html",
        "D-REST-QUOTAS": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-execution-service-limits-table.html",
        "D-ROUTES": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-develop-routes.html",
        "D-THROTTLE": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-request-throttling.html",
        "D-VALIDATION": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-request-validation-test.html",
        "DENO-87": "https://github.com/denoland/deno_registry2/issues/87 (HTTP API: Lambda"
        " timeout reported as 500)",
        "KC-403-AUTH": "https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer",
        "KC-502": "https://repost.aws/knowledge-center/malformed-502-api-gateway",
        "KC-HTTP-PERM": "https://repost.aws/knowledge-center/api-gateway-http-lambda-integrations",
        "KC-REST-PERM": "https://repost.aws/knowledge-center/api-gateway-rest-api-lambda-integrations",
        "LGTM": "https://github.com/koki-develop/lgtm-generator/issues/10 (both REST 413s,"
        " edge, 2021)",
        "LOIGE": "Luciano Mammino, \"Debugging custom ApiGateway authorizers\", 2023-11-05"
        " (loige.co): full edge headers for 401, 403 and 500",
        "LS-CODE": "LocalStack's API Gateway emulator code (gateway_response.py and"
        " handlers); emulator code, not proof of AWS behaviour",
        "LS-FMT": "LocalStack's AWS-validated snapshot"
        " test_aws_proxy_response_payload_format_validation (2024-11-15)",
        "LS-GR": "LocalStack's AWS-validated snapshots of GetGatewayResponses and"
        " PutGatewayResponse (2024)",
        "LS-REMAP": "LocalStack's AWS-validated snapshots of header-remapping errors on a"
        " regional REST API (2024-12-11)",
        "LS-ROUTE": "LocalStack's AWS-validated snapshot test_routing_not_found (2024-07-23)",
        "LS-TI": "LocalStack's AWS-validated test-invoke snapshots (2025-08-19, 2025-09-29)",
        "LS-TRACE": "LocalStack's AWS-validated snapshot test_invocation_trace_id (2024-08-07)",
        "LS-VAL": "LocalStack's AWS-validated snapshot test_api_gateway_request_validator"
        " (2024-01-10)",
        "REAPIT-4338": "https://github.com/reapit/foundations/issues/4338 (the 10 MB edge"
        " rejection ignores REQUEST_TOO_LARGE)",
        "RP-300": "https://repost.aws/questions/QUlDTc_17EQ_mOJAhR3LHNDw (300000 ms ceiling"
        " for regional and private REST APIs)",
        "RP-429": "https://repost.aws/questions/QUfI6bsdd0SOiPeyimzxSkfQ (throttled Lambda"
        " gives the client 500)",
        "SANDBOX": "public captures of Lambda's Sandbox.Timedout error payload",
        "WN-2024": "https://aws.amazon.com/about-aws/whats-new/2024/06/amazon-api-gateway-"
        "integration-timeout-limit-29-seconds/ (2024-06-04)",
    }
)


def cited_sources(row: Scenario) -> tuple[str, ...]:
    """The source tags a row rests on, and those its note cites as ``[TAG]``."""
    return row.sources + tuple(re.findall(r"\[([A-Z][A-Z0-9-]*)\]", row.note))


def _check_row(row: Scenario) -> None:
    """The rules every row keeps, so that a new row cannot contradict them."""
    problems = []
    quirk = (row.name, row.api) in _TEMPLATE_QUIRKS
    if row.phase is not Phase.CLOUDFRONT and not quirk and row.body != default_body(row):
        problems.append(f"body {row.body!r} is not the template's {default_body(row)!r}")
    if row.api is Api.HTTP and (row.error_type or row.response_type or row.log):
        problems.append("HTTP APIs have no error type, gateway responses or execution log")
    if row.response_type is not None and row.response_type not in RESPONSE_TYPES:
        problems.append(f"unknown gateway response type {row.response_type!r}")
    if not set(row.endpoints) <= set(ENDPOINTS[row.api]):
        problems.append(f"endpoints {row.endpoints} are not all {row.api.value} endpoints")
    if row.waits_for not in _WAITS:
        problems.append(f"waits_for={row.waits_for!r} is not one of {_WAITS}")
    if problems:
        raise ValueError(f"scenario {row.id!r}: {'; '.join(problems)}")


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
        _check_row(row)
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
