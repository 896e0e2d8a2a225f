"""The rows of requests API Gateway refused for who sent them or where they
went: SigV4 and resource-policy refusals (whose bodies are rendered from the
request, :mod:`.render`), request-parameter validation, a custom domain with
no mapping, a preflight with no OPTIONS method and a disabled default
endpoint (reference 2, sections 1-5 and 7)."""

from __future__ import annotations

import re

from .rows_integration import GATEWAY_TIME
from .scenario import Api, Endpoint, Evidence, Phase, Scenario

__all__ = ["SIGNED_ROWS"]

# A JSON string's content: any character but a quote or a backslash, or an escape.
_TEXT = rb'(?:[^"\\]|\\.)*'
_DENIED_EXAMPLE = (
    "User: anonymous is not authorized to perform: execute-api:Invoke on resource:"
    " arn:aws:execute-api:us-west-2:********7089:u1hp5d8r0b/api/GET/prod"
)
# A signed caller's principal in a resource-policy denial [RP-IAM]: an IAM or
# STS ARN whose account is printed in full (or masked, in one capture).
_PRINCIPAL = rb"arn:aws[a-z-]*:(?:sts|iam)::(?:[0-9]{12}|\*{8}[0-9]{4}):[^\s\"\\]+"
_HASHED_EXAMPLE = (
    "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with"
    " SHA-256 and encoded with Base64): 'ou+P2pI0l1aih+LHseZdzDv0Qh1V68y/KzyHX43jNNs='."
)
_PARAMETERS_EXAMPLE = "Missing required request parameters: [key]"
# The body botocore's signer gives for a GET of
# https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders signed at
# 20250520T024010Z for host and x-amz-date (tests/test_new_rows.py renders it).
_SIGNATURE_EXAMPLE = (
    "The request signature we calculated does not match the signature you provided."
    " Check your AWS Secret Access Key and signing method. Consult the service"
    " documentation for details.\n\nThe Canonical String for this request should have"
    " been\n'GET\n/prod/orders\n\nhost:abc123def4.execute-api.us-east-1.amazonaws.com\n"
    "x-amz-date:20250520T024010Z\n\nhost;x-amz-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n\n"
    "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20250520T024010Z\n"
    "20250520/us-east-1/execute-api/aws4_request\n"
    "7c0c7354ae3849f15ada845b67cff82fff78d7eb0f7074a6bc898b264452fe4a'\n"
)
_TOKEN = "The security token included in the request is invalid."
_NO_OPTIONS = "Missing Authentication Token"


def _escaped(message: str) -> bytes:
    """``message`` as a compact JSON string's content."""
    import json

    return json.dumps(message).encode()[1:-1]


SIGNED_ROWS: tuple[Scenario, ...] = (
    Scenario(
        name="resource_policy_denied",
        api=Api.REST,
        status=403,
        body=b'{"Message":"' + _escaped(_DENIED_EXAMPLE) + b'"}',
        error_type="AccessDeniedException",
        latency=0.0,
        cause=(
            "The API's resource policy does not allow an unsigned caller (implicit deny),"
            " or denies it (explicit_deny=True); the ARN is the request's."
        ),
        phase=Phase.REQUEST,
        traced=False,
        response_type="ACCESS_DENIED",
        message=_DENIED_EXAMPLE,
        evidence=Evidence.CAPTURED,
        sources=("RP-2025", "RP-OLD", "RP-IAM"),
        renders="resource_policy",
        body_pattern=re.compile(
            rb'\{"Message":"User: (?:anonymous|' + _PRINCIPAL + rb") is not authorized to"
            rb" perform: execute-api:Invoke"
            rb" on resource: arn:aws:execute-api:[a-z0-9-]+:\*{8}[0-9]{4}:[a-z0-9]{10}/"
            + _TEXT
            + rb'"\}'
        ),
        apigw_id_first=True,
        note=(
            "The body is rendered: the request's region, API id, stage, method and path,"
            " and the account (account_id=, masked to its last four digits); an explicit"
            " deny adds ' with an explicit deny' [RP-OLD]. x-amz-apigw-id comes before"
            " x-amzn-requestid, as in the one full capture (edge, HTTP/2, 2025)"
            " [RP-2025]; the same order on regional and private APIs: ⚠️ inferred. The"
            " ARN's path is the request's as sent (percent-encoding kept, query left"
            " out): ⚠️ inferred. A custom domain's request has no API id in its host:"
            " the capture's region and id stand in, and its first path segment stands in"
            " for the stage (⚠️ a base path is not a stage; the mapping is unknown here)."
            " A signed caller's denial names its IAM or STS ARN instead of anonymous"
            " [RP-IAM]: classify() and assert_response recognise it; a fault renders it"
            " when its resource_policy= (or an identity policy) denies a signed caller,"
            " and the unsigned form when the row is named. The capital 'Message' shows"
            " this body is not the"
            " default gateway-response template's; ⚠️ whether a customised ACCESS_DENIED"
            " (or DEFAULT_4XX) template replaces it was not captured: here a configured"
            " template does, and headers or a status alone leave the body as it is."
            f"{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="incomplete_signature",
        api=Api.REST,
        status=403,
        body=b'{"message":"' + _escaped(_HASHED_EXAMPLE) + b'"}',
        error_type="IncompleteSignatureException",
        latency=0.0,
        cause=(
            "An IAM-authorized method (or a routing miss, or a private API's endpoint"
            " policy) got an Authorization header that is not SigV4 (a bearer token)."
        ),
        phase=Phase.REQUEST,
        traced=False,
        response_type="DEFAULT_4XX",
        message=_HASHED_EXAMPLE,
        evidence=Evidence.CAPTURED,
        sources=("ISE-NEW", "ISE-CRED", "AZUL-7470", "BIZTRACK"),
        renders="authorization_value",
        body_pattern=re.compile(
            rb'\{"message":"(?:Invalid key=value pair \(missing equal-sign\) in Authorization'
            rb" header \(hashed with SHA-256 and encoded with Base64\):"
            rb" '[A-Za-z0-9+/]{43}='\.|(?=Authorization header requires)"
            rb"(?:Authorization header requires 'Credential' parameter\. )?"
            rb"(?:Authorization header requires 'Signature' parameter\. )?"
            rb"(?:Authorization header requires 'SignedHeaders' parameter\. )?"
            rb"(?:Authorization header requires existence of either a 'X-Amz-Date' or a"
            rb" 'Date' header\. )?Authorization="
            + _TEXT
            + rb')"\}'
        ),
        note=(
            "The body is rendered from the Authorization value: with a space whose second"
            " word has no '=', the 2025-26 form quoting base64(sha256(value)), always 176"
            " bytes [ISE-NEW] (what is hashed, the whole value or the token, is ⚠️"
            " inferred); without a space, the form naming the missing SigV4 parts and"
            " ending with the raw value [ISE-CRED] (2022; whether 2026 hashes that tail"
            " is unknown). ⚠️ Inferred: a value with a space whose second word has '='"
            " (Basic base64 with its padding, a SigV4 value lacking a part) gets the form"
            " naming what it lacks, and an empty value gets that form too, ending"
            " 'Authorization=' (no capture shows either). The ≤2023 form ('<token>' not a"
            " valid key=value pair …)"
            " [ISE-OLD] is not offered: AWS no longer sends it. Without an Authorization"
            " header the captured example answers. A REST route_not_found answers this"
            " row instead when the request has a non-SigV4 Authorization header. The"
            " response type is DEFAULT_4XX [AZUL-7470]; the headers are the other"
            " request-phase errors' (the one capture [ISE-OLD] is behind Cloudflare). That"
            " capture also carried x-amzn-trace-id after x-amz-apigw-id, on a stage with"
            " X-Ray tracing on; an untraced stage is expected to send none."
            f"{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="bad_request_parameters",
        api=Api.REST,
        status=400,
        body=b'{"message": "' + _escaped(_PARAMETERS_EXAMPLE) + b'"}',
        error_type="BadRequestException",
        latency=0.0,
        cause=(
            "A request validator found required request parameters (required_parameters=)"
            " missing from the request."
        ),
        phase=Phase.VALIDATION,
        traced=False,
        response_type="BAD_REQUEST_PARAMETERS",
        message=_PARAMETERS_EXAMPLE,
        evidence=Evidence.CAPTURED,
        sources=("PULUMI", "LS-VAL", "D-VALIDATION", "CONSOLE-400"),
        renders="missing_parameters",
        body_pattern=re.compile(
            rb'\{"message": "Missing required request parameters: \[' + _TEXT + rb'\]"\}'
        ),
        note=(
            "The body has a space after the colon although the validator runs before the"
            " integration (an exact-byte test against AWS [PULUMI]). The names are the"
            " request's missing ones among required_parameters=, headers first, then path,"
            " then query string [LS-VAL] (⚠️ one controlled sample); a path parameter counts"
            " as present (its resource matched). When nothing declared is missing, every"
            " declared name is listed. The error type is the console's [CONSOLE-400]. ⚠️"
            " That the space belongs to $context.error.messageString (so a customised"
            " template keeps it), as the timeout's access log shows [AZUL-6284], is"
            f" inferred.{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="invalid_signature",
        api=Api.REST,
        status=403,
        body=b'{"message":"' + _escaped(_SIGNATURE_EXAMPLE) + b'"}',
        error_type="InvalidSignatureException",
        latency=0.0,
        cause=(
            "An IAM-authorized method got a SigV4 signature that does not match (a wrong"
            " secret key, or a request changed after signing)."
        ),
        phase=Phase.REQUEST,
        traced=False,
        response_type="INVALID_SIGNATURE",
        message=_SIGNATURE_EXAMPLE,
        evidence=Evidence.CAPTURED,
        sources=("SIG-MISMATCH", "SPAPI"),
        renders="signature",
        body_pattern=re.compile(
            rb'\{"message":"The request signature we calculated does not match the signature'
            rb" you provided\. Check your AWS Secret Access Key and signing method\. Consult"
            rb" the service documentation for details\.\\n\\nThe Canonical String for this"
            rb" request should have been\\n'"
            + _TEXT
            + rb"'\\n\\nThe String-to-Sign should have been\\n'AWS4-HMAC-SHA256\\n"
            + _TEXT
            + rb"'\\n\"\}"
        ),
        note=(
            "The body is rendered: the canonical request and string-to-sign of the"
            " request (botocore's signer, with the request's SignedHeaders, X-Amz-Date and"
            " credential scope; the payload hashed from the body) [SIG-MISMATCH]; the error"
            " type was captured on a regional custom domain [SPAPI]. An unsigned request"
            " (which AWS would refuse as route_not_found or incomplete_signature) is"
            " rendered as if signed for host and x-amz-date at its arrival, in the URL's"
            " region. Needs botocore: pip install 'pytest-apigw-faults[sigv4]'. Non-ASCII"
            f" is written as JSON escapes: ⚠️ inferred.{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="invalid_security_token",
        api=Api.REST,
        status=403,
        body=b'{"message":"' + _TOKEN.encode() + b'"}',
        error_type="InvalidSignatureException",
        latency=0.0,
        cause=(
            "A SigV4-signed request carried an unknown or malformed session token"
            " (x-amz-security-token)."
        ),
        phase=Phase.REQUEST,
        traced=False,
        response_type="INVALID_SIGNATURE",
        message=_TOKEN,
        evidence=Evidence.CAPTURED,
        sources=("SIG-TOKEN",),
        note=(
            "The 68-byte body is captured [SIG-TOKEN]; the error type was not captured on"
            " execute-api: ⚠️ InvalidSignatureException is what Lambda function URLs send"
            " for this text [CAP-SIG] (other AWS APIs say UnrecognizedClientException), and"
            f" the response type INVALID_SIGNATURE follows it.{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="base_path_not_mapped",
        api=Api.REST,
        status=403,
        body=b'{"message":"Forbidden"}',
        error_type="ForbiddenException",
        latency=0.0,
        cause=(
            "A custom domain has no base-path mapping for the request's path (give your"
            " domain as url=)."
        ),
        phase=Phase.REQUEST,
        traced=False,
        message="Forbidden",
        evidence=Evidence.CAPTURED,
        sources=("BPM",),
        note=(
            "The body is captured [BPM] (2017-18); the headers were not, and the error type"
            " is ⚠️ inferred from the other 403 Forbidden answers. No API is reached, so no"
            " gateway response customises it. It looks like stage_not_found. ⚠️ No stage is"
            " reached, so AWS is not expected to write an access-log entry (access logging"
            f" is a stage setting); call.access_log still shows the answer's values.{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="preflight_not_found",
        api=Api.REST,
        status=403,
        body=b'{"message":"' + _NO_OPTIONS.encode() + b'"}',
        error_type="MissingAuthenticationTokenException",
        latency=0.0,
        cause="A CORS preflight (OPTIONS) reached a resource that has no OPTIONS method.",
        phase=Phase.REQUEST,
        traced=False,
        response_type="MISSING_AUTHENTICATION_TOKEN",
        message=_NO_OPTIONS,
        evidence=Evidence.CAPTURED,
        sources=("MAT-OPTIONS",),
        note=(
            "Answered as an unknown route; the DEFAULT_4XX or MISSING_AUTHENTICATION_TOKEN"
            " gateway response's headers (access-control-allow-*) are added when the API"
            " customises them (gateway_responses=) [MAT-OPTIONS]. Their place follows the"
            " inferred interleaving of [PERMATE] (the last configured name after"
            " x-amz-apigw-id): ⚠️ the [MAT-OPTIONS] excerpts show all three before"
            " x-amzn-errortype, in two different orders, with API Gateway's ids left out,"
            f" so they do not settle it.{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="default_endpoint_disabled",
        api=Api.REST,
        status=403,
        body=b'{"message":"Forbidden"}',
        error_type="ForbiddenException",
        latency=0.0,
        cause=(
            "The API's default execute-api endpoint is disabled"
            " (disableExecuteApiEndpoint); only its custom domains answer."
        ),
        phase=Phase.REQUEST,
        traced=False,
        message="Forbidden",
        evidence=Evidence.INFERRED,
        sources=("KC-DISABLE",),
        endpoints=(Endpoint.EDGE, Endpoint.REGIONAL),
        note=(
            "The status is documented (as quoted) [KC-DISABLE]; the body and error type"
            " are ⚠️ inferred from the other 403 Forbidden answers. Private APIs have no"
            " such setting. ⚠️ The default endpoint reaches no stage, so AWS is not expected"
            " to write an access-log entry; call.access_log still shows the answer's values."
            f"{GATEWAY_TIME}"
        ),
    ),
    Scenario(
        name="default_endpoint_disabled",
        api=Api.HTTP,
        status=404,
        body=b'{"message":"Not Found"}',
        error_type=None,
        latency=0.0,
        cause=(
            "The API's default execute-api endpoint is disabled"
            " (disableExecuteApiEndpoint); only its custom domains answer."
        ),
        phase=Phase.REQUEST,
        message="Not Found",
        evidence=Evidence.INFERRED,
        sources=("KC-DISABLE",),
        note=(
            "The status is documented (as quoted) [KC-DISABLE]; the body is ⚠️ inferred"
            " from the HTTP API's other 404. ⚠️ The default endpoint reaches no stage, so"
            " AWS is not expected to write an access-log entry; call.access_log still shows"
            f" the answer's values.{GATEWAY_TIME}"
        ),
    ),
)
