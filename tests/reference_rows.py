"""The rows of the second reference pass (``api-gateway-behaviour-2.md`` §0.1),
copied from the reference, not from the table; no client library here, so
that test_table_reference can read them on every install."""

from __future__ import annotations

from pytest_apigw_faults import Evidence

C, I = Evidence.CAPTURED, Evidence.INFERRED  # noqa: E741
HOST = "abc123def4.execute-api.us-east-1.amazonaws.com"
URL = f"https://{HOST}/prod/orders"
T0 = 0x682BEB8A  # 2025-05-20 02:40:10 UTC
FORBIDDEN = b'{"message":"Forbidden"}'
MAT = b'{"message":"Missing Authentication Token"}'
RP_2025 = (
    b'{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on'
    b' resource: arn:aws:execute-api:us-west-2:********7089:u1hp5d8r0b/api/GET/prod"}'
)
ISE_2025 = (
    b'{"message":"Invalid key=value pair (missing equal-sign) in Authorization header'
    b" (hashed with SHA-256 and encoded with Base64):"
    b" 'ou+P2pI0l1aih+LHseZdzDv0Qh1V68y/KzyHX43jNNs='.\"}"
)
ISE_CRED = (
    b'{"message":"Authorization header requires \'Credential\' parameter. Authorization'
    b" header requires 'Signature' parameter. Authorization header requires"
    b" 'SignedHeaders' parameter. Authorization header requires existence of either a"
    b" 'X-Amz-Date' or a 'Date' header. Authorization=Bearer\"}"
)
PARAMS = b'{"message": "Missing required request parameters: [key]"}'
TOKEN = b'{"message":"The security token included in the request is invalid."}'

# Copied from the reference (§0.1), not from the table: (api, name, status,
# example body, its length (None: not counted there), x-amzn-errortype,
# response type, evidence, a source tag the row must carry)
NEW_ROWS = [
    ("rest", "resource_policy_denied", 403, RP_2025, 158, "AccessDeniedException",
     "ACCESS_DENIED", C, "RP-2025"),
    ("rest", "incomplete_signature", 403, ISE_2025, 176, "IncompleteSignatureException",
     "DEFAULT_4XX", C, "ISE-NEW"),
    ("rest", "bad_request_parameters", 400, PARAMS, 57, "BadRequestException",
     "BAD_REQUEST_PARAMETERS", C, "PULUMI"),
    ("rest", "invalid_signature", 403, None, None, "InvalidSignatureException",
     "INVALID_SIGNATURE", C, "SIG-MISMATCH"),
    ("rest", "invalid_security_token", 403, TOKEN, 68, "InvalidSignatureException",
     "INVALID_SIGNATURE", C, "SIG-TOKEN"),
    ("rest", "base_path_not_mapped", 403, FORBIDDEN, 23, "ForbiddenException", None, C,
     "BPM"),
    ("rest", "preflight_not_found", 403, MAT, 42, "MissingAuthenticationTokenException",
     "MISSING_AUTHENTICATION_TOKEN", C, "MAT-OPTIONS"),
    ("rest", "default_endpoint_disabled", 403, FORBIDDEN, 23, "ForbiddenException", None, I,
     "KC-DISABLE"),
    ("http", "default_endpoint_disabled", 404, b'{"message":"Not Found"}', 23, None, None, I,
     "KC-DISABLE"),
    # reference 2 §13.1: a path whose second decoding fails; the body a guess
    ("http", "bad_request_path", 400, b'{"message":"Bad Request"}', 25, None, None, I,
     "VOKER"),
]
