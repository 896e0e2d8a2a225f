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
