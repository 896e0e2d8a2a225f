"""The rows of requests refused for their size: over API Gateway's 10 MB
payload limit, or over Lambda's 6 MB invocation limit. Which one answers a
request is decided by :mod:`.admission`."""

from __future__ import annotations

from .rows_integration import GATEWAY_TIME, HTTP_NO_LOG
from .scenario import Api, Endpoint, Evidence, Phase, Scenario

__all__ = ["SIZE_ROWS", "TOO_LONG"]

#: The one JSON 413 body captured, the Lambda's [LGTM], without its space.
TOO_LONG = b'{"message":"Request Too Long"}'

SIZE_ROWS: tuple[Scenario, ...] = (
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
            " assumed. What regional and private APIs answer was not captured:"
            " see payload_too_large."
        ),
    ),
    Scenario(
        name="payload_too_large",
        api=Api.REST,
        status=413,
        body=TOO_LONG,
        error_type="BadRequestException",
        latency=0.0,
        cause=(
            "The request body is over API Gateway's 10 MB limit, on an API with no"
            " CloudFront in front (regional or private)."
        ),
        phase=Phase.REQUEST,
        traced=False,
        response_type="REQUEST_TOO_LARGE",
        message="Request Too Long",
        endpoints=(Endpoint.REGIONAL, Endpoint.PRIVATE),
        evidence=Evidence.INFERRED,
        sources=("D-LIMITS", "D-GRT", "LGTM"),
        note=(
            "Never captured. The limit is documented [D-LIMITS], and so is the"
            " REQUEST_TOO_LARGE gateway response, 413 by default [D-GRT]; the message"
            " and error type are those of the one JSON 413 captured, Lambda's"
            " [LGTM], without the space, as API Gateway refuses the body before"
            " anything else. Should the edge's plain text (request_too_large) come"
            " from API Gateway's own front door rather than from CloudFront, regional"
            f" and private APIs send that text instead.{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="payload_too_large",
        api=Api.HTTP,
        status=413,
        body=TOO_LONG,
        error_type=None,
        latency=0.0,
        cause="The request body is over API Gateway's 10 MB limit.",
        phase=Phase.REQUEST,
        message="Request Too Long",
        evidence=Evidence.INFERRED,
        sources=("D-LIMITS", "LGTM"),
        note=(
            "Never captured: only the limit is documented [D-LIMITS]. The status is"
            " expected; the message is the one REST sends for a 413 [LGTM], spelt as"
            f" every HTTP API body, with no space.{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="lambda_request_too_large",
        api=Api.REST,
        status=413,
        body=b'{"message": "Request Too Long"}',
        error_type="BadRequestException",
        latency=0.0,
        cause=(
            "The request is under 10 MB, but the event the Lambda would be invoked"
            " with is over Lambda's 6 MB (6291556 bytes) invocation limit."
        ),
        traced=False,
        response_type="REQUEST_TOO_LARGE",
        message="Request Too Long",
        evidence=Evidence.CAPTURED,
        sources=("LGTM", "D-LAMBDA-INVOKE"),
        note=(
            "Captured on an edge API (2021). The space after the colon places it"
            " among the validator, integration and timeout messages: taken to be"
            " the integration's, which cannot invoke the Lambda with so large an"
            " event; the gateway response type was not"
            " recorded, REQUEST_TOO_LARGE is inferred, and so is the absence of"
            " x-amzn-trace-id. LocalStack guesses RequestTooLargeException"
            " [LS-CODE]. The limit is Lambda's on the invocation payload"
            " [D-LAMBDA-INVOKE], the event: the body with the request's headers and"
            " context around it, base64 for a binary body, so a body somewhat under"
            f" 6 MB can be refused.{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="lambda_request_too_large",
        api=Api.HTTP,
        status=413,
        body=TOO_LONG,
        error_type=None,
        latency=0.0,
        cause=(
            "The request is under 10 MB, but the event the Lambda would be invoked"
            " with is over Lambda's 6 MB (6291556 bytes) invocation limit."
        ),
        message="Request Too Long",
        evidence=Evidence.INFERRED,
        sources=("D-LAMBDA-INVOKE", "LGTM"),
        note=(
            "Never captured: taken to be answered as on REST [LGTM], a 413, spelt as"
            " every HTTP API body. A 500 Internal Server Error, as for an invocation"
            " Lambda refuses for its permissions, is as likely."
            f"{GATEWAY_TIME} {HTTP_NO_LOG}"
        ),
    ),
)
