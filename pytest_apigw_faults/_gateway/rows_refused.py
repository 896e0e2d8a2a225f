"""The rows of requests API Gateway refused before any integration ran: routing,
auth, keys, throttling, size (:mod:`.rows_size`) and configuration."""

from __future__ import annotations

from .rows_integration import (
    GATEWAY_TIME,
    HTTP_ERROR,
    REST_ERROR,
    REST_ERROR_MESSAGE,
    REST_ERROR_TYPE,
)
from .rows_size import SIZE_ROWS
from .scenario import Api, Evidence, Phase, Scenario

__all__ = ["REFUSED_ROWS"]

REFUSED_ROWS: tuple[Scenario, ...] = (
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
            " IncompleteSignatureException instead [AZUL-7470][BIZTRACK]: the gateway"
            " model answers such a request with incomplete_signature, its body"
            f" rendered from the header.{GATEWAY_TIME}"
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
        note=f"The body is quoted by AWS documentation, not captured.{GATEWAY_TIME}",
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
        evidence=Evidence.CAPTURED,
        sources=("STAGE-MISSING", "CAP-NOSTAGE", "BPM"),
        note=(
            "The body is captured for a URL without its stage [STAGE-MISSING],"
            " and so is the same body where no base-path mapping matches [BPM];"
            " status and error type are captured separately [CAP-NOSTAGE], so"
            " the whole answer was never seen at once. Which gateway response"
            " applies, if any, is unknown, so customisation leaves it alone."
            f"{GATEWAY_TIME}"
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
            f" captured.{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="bad_request_path",
        api=Api.HTTP,
        status=400,
        body=b'{"message":"Bad Request"}',
        error_type=None,
        latency=0.0,
        cause=(
            "The path does not decode twice (a lone '%25' such as /percent%25done):"
            " the HTTP API refuses it before any Lambda runs."
        ),
        phase=Phase.REQUEST,
        message="Bad Request",
        evidence=Evidence.INFERRED,
        sources=("VOKER",),
        note=(
            "The 400 and the Lambda not being invoked are captured (live, us-west-2,"
            " 2026-07) [VOKER]; the body was not recorded: the HTTP API's plain"
            " {\"message\":\"Bad Request\"} is a guess. A handler fault answers it by"
            f" itself for such a path.{GATEWAY_TIME}"
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
            f" log line is documented [KC-403-AUTH].{GATEWAY_TIME}"
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
            f" documents for a JWT authorizer [D-JWT].{GATEWAY_TIME}"
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
            f" is sent.{GATEWAY_TIME}"
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
        sources=("LOIGE", "LS-CODE"),  # CAP-RP: resource_policy_denied's order differs
        note=(
            "The key is a capital Message, unlike the default template; one"
            " Knowledge Center article [KC-403-AUTH] shows lower case, the"
            f" captures win.{GATEWAY_TIME}"
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
        note=f"No capture was found; the body follows the other HTTP API errors.{GATEWAY_TIME}",
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
        note=f"Also what a private API answers without x-apigw-id [CAP-CN].{GATEWAY_TIME}",
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
            f" over gateway responses [D-GRT].{GATEWAY_TIME}"
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
        sources=("CAP-TMR", "TMR-2026", "D-THROTTLE"),
        note=(
            "Body and error type are captured, and the body's 31 bytes (no space)"
            " were measured in 2026, with no Retry-After header [TMR-2026]."
            f"{GATEWAY_TIME}"
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
        note=f"The status is documented; the body was never captured.{GATEWAY_TIME}",
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
            f" expected before the integration.{GATEWAY_TIME}"
        ),
    ),
    *SIZE_ROWS,
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
            f" [KC-REST-PERM].{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="authorizer_configuration_error",
        api=Api.HTTP,
        status=500,
        body=HTTP_ERROR,
        error_type=None,
        latency=0.0,
        cause="The Lambda authorizer could not be invoked or answered nonsense.",
        phase=Phase.REQUEST,
        message="Internal Server Error",
        evidence=Evidence.INFERRED,
        sources=("D-HTTP-AUTHZ", "KC-HTTP-PERM"),
        note=f"The status is documented, the body was never captured.{GATEWAY_TIME}",
    ),
    Scenario(
        name="api_configuration_error",
        api=Api.REST,
        status=500,
        body=REST_ERROR,
        error_type=REST_ERROR_TYPE,
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
        message=REST_ERROR_MESSAGE,
        evidence=Evidence.CAPTURED,
        sources=("LS-TI", "LS-REMAP", "D-GRT"),
        note=(
            "No Lambda is invoked, so no x-amzn-trace-id: that header alone tells"
            " it from permission_denied. The response type is inferred from its"
            f" documented description [D-GRT].{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="bad_request_body",
        api=Api.REST,
        status=400,
        body=b'{"message": "Invalid request body"}',
        error_type="BadRequestException",
        latency=0.0,
        cause="A request validator rejected the body against the method's model.",
        phase=Phase.VALIDATION,
        traced=False,
        response_type="BAD_REQUEST_BODY",
        message="Invalid request body",
        evidence=Evidence.CAPTURED,
        sources=("UDACITY", "LS-VAL", "CONSOLE-400", "D-VALIDATION"),
        note=(
            "The 35 bytes, with a space after the colon although the validator"
            " runs before the integration, are a curl capture (2024) [UDACITY];"
            " the validator's other message has the space too in an exact-byte"
            " test against AWS [PULUMI]. The message and the 400 are"
            " AWS-validated [LS-VAL]; the error type is the console's"
            " [CONSOLE-400]. ⚠️ That the space belongs to $context.error.messageString (so"
            " a customised template keeps it), as the timeout's access log shows"
            f" [AZUL-6284], is inferred.{GATEWAY_TIME}"
        ),
    ),
)

