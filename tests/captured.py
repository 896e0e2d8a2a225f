"""Figures copied from the two real captures (REST edge API and HTTP API, May
2025), shared by the tests that check the table and the gateway model."""

# The five failures of each capture, in capture order.
NAMES = (
    "integration_timeout",
    "malformed_response",
    "permission_denied",
    "lambda_throttled",
    "function_error",
)

# The REST execution log exactly as captured, request-id prefix included;
# permission_denied's log came from another invocation than its response,
# hence another request id.
CAPTURED_LOGS = {
    "integration_timeout": (
        "(fbcaf9e5-d535-40a1-891c-7b70118cf7e8) Execution failed due to a timeout error",
        "(fbcaf9e5-d535-40a1-891c-7b70118cf7e8) Method completed with status: 504",
    ),
    "malformed_response": (
        '(8212e5af-c174-48ce-85d5-729d73c6771a) Endpoint response body before'
        ' transformations: "Bad response"',
        "(8212e5af-c174-48ce-85d5-729d73c6771a) Execution failed due to configuration"
        " error: Malformed Lambda proxy response",
        "(8212e5af-c174-48ce-85d5-729d73c6771a) Method completed with status: 502",
    ),
    "permission_denied": (
        "(73737819-c94c-48d7-86d7-b1700e4be29b) Execution failed due to configuration"
        " error: Invalid permissions on Lambda function",
        "(73737819-c94c-48d7-86d7-b1700e4be29b) Method completed with status: 500",
    ),
    "lambda_throttled": (
        "(394365dc-1b10-411f-9668-70521cec1205) Lambda invocation failed with status: 429."
        " Lambda request id: dcb2ab89-2d03-4b77-98cd-18d14fd2b850",
        "(394365dc-1b10-411f-9668-70521cec1205) Execution failed due to configuration"
        " error: Rate Exceeded.",
        "(394365dc-1b10-411f-9668-70521cec1205) Method completed with status: 500",
    ),
    "function_error": (
        "(5293df93-f895-46ee-8c21-1471f0d0cef0) Lambda execution failed with status 200"
        " due to customer function error: Application error in a Lambda function."
        " Lambda request id: 758a8c2f-35eb-4713-b55e-56879fbc968b",
        "(5293df93-f895-46ee-8c21-1471f0d0cef0) Method completed with status: 502",
    ),
}

# Value forms read off the captures (e.g. K2G9wEbUoAMEvag=, YTO50-P2).
_APIGW_ID = r"[A-Za-z0-9_-]{15}="
FORMS = {
    "date": r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
            r"|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT",
    "x-amzn-trace-id": r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}",
    "x-amzn-requestid": r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
    "x-amz-apigw-id": _APIGW_ID,
    "apigw-requestid": _APIGW_ID,
    "via": r"1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)",
    "x-amz-cf-pop": r"[A-Z]{3}\d{1,2}-[CP]\d",
    "x-amz-cf-id": r"[A-Za-z0-9_-]{54}==",
}  # fmt: skip

# AWS's HTTP/1.1 names, in wire order (second pass §6.3, §6.7, C8, C9): edge
# REST as urllib3 kept it [EDGE-H1-2025], HTTP API as curl -i showed it
# [HTTPAPI-H1], which has no Connection header (keep-alive is HTTP/1.1's default).
NAMES_HTTP11 = {
    "rest": ["Content-Type", "Content-Length", "Connection", "Date", "X-Amzn-Trace-Id",
             "x-amzn-RequestId", "x-amzn-ErrorType", "x-amz-apigw-id", "X-Cache", "Via",
             "X-Amz-Cf-Pop", "X-Amz-Cf-Id"],
    "http": ["Date", "Content-Type", "Content-Length", "Apigw-Requestid"],
}  # fmt: skip

# The wire of each failure, for test_wire.py and test_aiohttp.py: (api, name,
# status, body, content-length, latency s, log lines)
_TIMED_OUT = b'{"message": "Endpoint request timed out"}'
WIRE_ROWS = [
    ("rest", "integration_timeout", 504, _TIMED_OUT, "41", 29.0, 2),
    ("rest", "malformed_response", 502, b'{"message": "Internal server error"}', "36", 0.513, 3),
    ("rest", "permission_denied", 500, b'{"message": "Internal server error"}', "36", 0.103, 2),
    ("rest", "lambda_throttled", 500, b'{"message": "Internal server error"}', "36", 0.105, 3),
    ("rest", "function_error", 502, b'{"message": "Internal server error"}', "36", 0.388, 2),
    ("http", "integration_timeout", 503, b'{"message":"Service Unavailable"}', "33", 30.0, 0),
    ("http", "malformed_response", 500, b'{"message":"Internal Server Error"}', "35", 0.386, 0),
    ("http", "permission_denied", 500, b'{"message":"Internal Server Error"}', "35", 0.168, 0),
    ("http", "lambda_throttled", 503, b'{"message":"Service Unavailable"}', "33", 0.173, 0),
    ("http", "function_error", 500, b'{"message":"Internal Server Error"}', "35", 0.406, 0),
]
WIRE_ROW_IDS = [f"{r[0]}-{r[1]}" for r in WIRE_ROWS]

# The header names of each capture's answers, in order.
HEADER_NAMES = {
    "rest": ["content-type", "content-length", "date", "x-amzn-trace-id", "x-amzn-requestid",
             "x-amzn-errortype", "x-amz-apigw-id", "x-cache", "via", "x-amz-cf-pop",
             "x-amz-cf-id"],
    "http": ["date", "content-type", "content-length", "apigw-requestid"],
}
