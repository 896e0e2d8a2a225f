"""The rows of failures that reach the integration: the Lambda timed out,
failed, was throttled or answered wrongly."""

from __future__ import annotations

from .scenario import Api, Evidence, Scenario

__all__ = [
    "GATEWAY_TIME",
    "HTTP_ERROR",
    "HTTP_NO_LOG",
    "INTEGRATION_ROWS",
    "REST_ERROR",
    "REST_ERROR_MESSAGE",
    "REST_ERROR_TYPE",
]

REST_ERROR = b'{"message": "Internal server error"}'
HTTP_ERROR = b'{"message":"Internal Server Error"}'
HTTP_UNAVAILABLE = b'{"message":"Service Unavailable"}'
REST_ERROR_TYPE = "InternalServerErrorException"
REST_ERROR_MESSAGE = "Internal server error"
HTTP_NO_LOG = "HTTP APIs write no execution log."
GATEWAY_TIME = " Its latency was never captured; it answers at once."

INTEGRATION_ROWS: tuple[Scenario, ...] = (
    # --- the captured Lambda failures (the seed transcripts) --------------
    Scenario(
        name="integration_timeout",
        api=Api.REST,
        status=504,
        body=b'{"message": "Endpoint request timed out"}',
        error_type=REST_ERROR_TYPE,
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
        body=REST_ERROR,
        error_type=REST_ERROR_TYPE,
        latency=0.513,
        cause="The Lambda returned something that is not a valid proxy response.",
        log=(
            'Endpoint response body before transformations: "Bad response"',
            "Execution failed due to configuration error:"
            " Malformed Lambda proxy response",
            "Method completed with status: 502",
        ),
        response_type="INTEGRATION_FAILURE",
        message=REST_ERROR_MESSAGE,
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
        body=REST_ERROR,
        error_type=REST_ERROR_TYPE,
        latency=0.103,
        cause="API Gateway may not invoke the Lambda (resource policy or role).",
        log=(
            "Execution failed due to configuration error:"
            " Invalid permissions on Lambda function",
            "Method completed with status: 500",
        ),
        response_type="INTEGRATION_FAILURE",
        message=REST_ERROR_MESSAGE,
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
        body=REST_ERROR,
        error_type=REST_ERROR_TYPE,
        latency=0.105,
        cause="Lambda refused the invocation with 429 (concurrency exhausted).",
        log=(
            "Lambda invocation failed with status: 429."
            " Lambda request id: {lambda_request_id}",
            "Execution failed due to configuration error: Rate Exceeded.",
            "Method completed with status: 500",
        ),
        response_type="INTEGRATION_FAILURE",
        message=REST_ERROR_MESSAGE,
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
        body=REST_ERROR,
        error_type=REST_ERROR_TYPE,
        latency=0.388,
        cause="The Lambda raised an unhandled error.",
        log=(
            "Lambda execution failed with status 200 due to customer function"
            " error: Application error in a Lambda function."
            " Lambda request id: {lambda_request_id}",
            "Method completed with status: 502",
        ),
        response_type="INTEGRATION_FAILURE",
        message=REST_ERROR_MESSAGE,
        evidence=Evidence.CAPTURED,
        sources=("T", "D-LERR", "AZUL-6624"),
    ),
    Scenario(
        name="integration_timeout",
        api=Api.HTTP,
        status=503,
        body=HTTP_UNAVAILABLE,
        error_type=None,
        latency=30.0,
        waits_for="integration_timeout",
        cause="The Lambda did not answer within the integration timeout (30 s by default).",
        message="Service Unavailable",
        evidence=Evidence.CAPTURED,
        sources=("T", "CORTEX", "D-LIMITS"),
        note=(
            "Latency is the default (and largest) HTTP API timeout, 30 s; the"
            f" capture took 30.16 s end to end. {HTTP_NO_LOG}"
        ),
    ),
    Scenario(
        name="malformed_response",
        api=Api.HTTP,
        status=500,
        body=HTTP_ERROR,
        error_type=None,
        latency=0.386,
        cause="The Lambda returned something that is not a valid response.",
        message="Internal Server Error",
        evidence=Evidence.CAPTURED,
        sources=("T", "CGE"),
        note=f"Latency is the capture's end-to-end time. {HTTP_NO_LOG}",
    ),
    Scenario(
        name="permission_denied",
        api=Api.HTTP,
        status=500,
        body=HTTP_ERROR,
        error_type=None,
        latency=0.168,
        cause="API Gateway may not invoke the Lambda (resource policy or role).",
        message="Internal Server Error",
        evidence=Evidence.CAPTURED,
        sources=("T", "KC-HTTP-PERM", "D-HTTP-AUTHZ"),
        note=f"Latency is the capture's end-to-end time. {HTTP_NO_LOG}",
    ),
    Scenario(
        name="lambda_throttled",
        api=Api.HTTP,
        status=503,
        body=HTTP_UNAVAILABLE,
        error_type=None,
        latency=0.173,
        cause="Lambda refused the invocation with 429 (concurrency exhausted).",
        message="Service Unavailable",
        evidence=Evidence.CAPTURED,
        sources=("T",),
        note=(
            "Only the capture shows 503 for a throttled Lambda; no AWS document"
            f" states it. {HTTP_NO_LOG}"
        ),
    ),
    Scenario(
        name="function_error",
        api=Api.HTTP,
        status=500,
        body=HTTP_ERROR,
        error_type=None,
        latency=0.406,
        cause="The Lambda raised an unhandled error.",
        message="Internal Server Error",
        evidence=Evidence.CAPTURED,
        sources=("T",),
        note=f"Latency is the capture's end-to-end time. {HTTP_NO_LOG}",
    ),
    # --- the Lambda's own limits ------------------------------------------
    Scenario(
        name="function_timeout",
        api=Api.REST,
        status=502,
        body=REST_ERROR,
        error_type=REST_ERROR_TYPE,
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
        message=REST_ERROR_MESSAGE,
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
        body=HTTP_ERROR,
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
            f" Lambda's default 3 s timeout. {HTTP_NO_LOG}"
        ),
    ),
    Scenario(
        name="lambda_response_too_large",
        api=Api.REST,
        status=502,
        body=REST_ERROR,
        error_type=REST_ERROR_TYPE,
        latency=0.388,
        cause="The Lambda's result is over the 6 MB (6291556 bytes) invocation limit.",
        log=(
            "Lambda execution failed with status 200 due to customer function"
            " error: Response payload size exceeded maximum allowed payload size"
            " (6291556 bytes).. Lambda request id: {lambda_request_id}",
            "Method completed with status: 502",
        ),
        traced=False,
        response_type="INTEGRATION_FAILURE",
        message=REST_ERROR_MESSAGE,
        evidence=Evidence.CAPTURED,
        sources=("AZUL-8192", "AZUL-8258", "AZUL-7466", "AZUL-7475", "D-LAMBDA-INVOKE"),
        note=(
            "The status, the response type and the integration error are"
            " captured [AZUL-8192]; the log line is the function-error line with"
            " that error message (whose own final period is kept). No"
            " x-amzn-trace-id, although the Lambda ran: two 2025 captures of this"
            " 502 have none, on a stage whose Lambda answers carry one"
            " [AZUL-7466][AZUL-7475][EDGE-H1-2025]. Latency is the function_error"
            " capture's."
        ),
    ),
    Scenario(
        name="lambda_response_too_large",
        api=Api.HTTP,
        status=500,
        body=HTTP_ERROR,
        error_type=None,
        latency=0.406,
        cause="The Lambda's result is over the 6 MB (6291556 bytes) invocation limit.",
        message="Internal Server Error",
        evidence=Evidence.INFERRED,
        sources=("D-LAMBDA-INVOKE",),
        note=(
            "Never captured: expected to take the function-error path, as on"
            f" REST. Latency is the function_error capture's. {HTTP_NO_LOG}"
        ),
    ),
    # --- what API Gateway makes of the Lambda's answer ----------------------
    Scenario(
        name="invalid_base64",
        api=Api.REST,
        status=500,
        body=REST_ERROR,
        error_type=REST_ERROR_TYPE,
        latency=0.388,
        cause=(
            "The Lambda answered isBase64Encoded: true with a body that is not base64,"
            " and the request's first Accept type is one of the API's binary media types."
        ),
        log=(
            "Endpoint response body before transformations:"
            ' {{"statusCode": 200, "body": "not base64!", "isBase64Encoded": true}}',
            "Method completed with status: 500",
        ),
        response_type="API_CONFIGURATION_ERROR",
        message=REST_ERROR_MESSAGE,
        evidence=Evidence.INFERRED,
        sources=("LS-B64", "D-GRT"),
        note=(
            "The status is captured [LS-B64]; the body and error type are those of"
            " every other REST 500 after the integration [LS-TI], inferred. The gateway"
            " response type is the one whose documented description names a failed"
            " base64 decoding [D-GRT]. A Lambda was invoked, so x-amzn-trace-id is"
            " sent: on the wire it is permission_denied and lambda_throttled again."
            " The log's payload line is an example (a Lambda behind the fault logs its"
            " own); what follows it before the last line is unknown. Latency is the"
            " function_error capture's. HTTP APIs take such an answer for a malformed"
            " one (malformed_response)."
        ),
    ),
)
