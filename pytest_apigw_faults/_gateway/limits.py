"""Every number API Gateway and Lambda document or were seen to enforce, once,
with its source. The gateway model applies them; nothing else restates them.

Source tags are those of the scenario table (:data:`.sources.SOURCES`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .scenario import Api, Endpoint

__all__ = [
    "DEFAULT_FUNCTION_TIMEOUT",
    "DEFAULT_INTEGRATION_TIMEOUT",
    "FUNCTION_TIMEOUTS",
    "LAMBDA_PAYLOAD_BYTES",
    "MAX_INTEGRATION_TIMEOUT",
    "MIN_INTEGRATION_TIMEOUT",
    "PAYLOAD_BYTES",
    "max_integration_timeout",
]

#: The shortest integration timeout API Gateway accepts, in seconds [D-LIMITS].
MIN_INTEGRATION_TIMEOUT = 0.05
#: The integration timeout an API has unless it is changed [D-LIMITS].
DEFAULT_INTEGRATION_TIMEOUT: Mapping[Api, float] = MappingProxyType(
    {Api.REST: 29.0, Api.HTTP: 30.0}
)
#: The longest integration timeout any API can have (regional and private
#: REST, raised through Service Quotas) [WN-2024][RP-300].
MAX_INTEGRATION_TIMEOUT = 300.0
#: Lambda's function timeout range, in whole seconds.
FUNCTION_TIMEOUTS = (1, 900)
#: Lambda's function timeout when none is configured, in seconds.
DEFAULT_FUNCTION_TIMEOUT = 3.0

#: API Gateway's payload limit, REST and HTTP APIs alike: 10 MB, not
#: adjustable [D-LIMITS]. On an edge-optimized REST API, CloudFront refuses a
#: larger body before API Gateway sees it ("HTTP content length exceeded
#: 10485760 bytes.") [LGTM].
PAYLOAD_BYTES = 10 * 1024 * 1024
#: Lambda's synchronous invocation limit, for the request and the response
#: alike: 6 MB, 6291556 bytes in its error text [D-LAMBDA-INVOKE][AZUL-8192].
LAMBDA_PAYLOAD_BYTES = 6_291_556


def max_integration_timeout(api: Api, endpoint: Endpoint) -> float:
    """The longest integration timeout an API of this kind can have, in
    seconds: 29 s for edge-optimized REST APIs, 300 s for regional and
    private ones (raised through Service Quotas) [WN-2024][RP-300], 30 s for
    HTTP APIs [D-LIMITS]."""
    if api is Api.HTTP:
        return 30.0
    return 29.0 if endpoint is Endpoint.EDGE else MAX_INTEGRATION_TIMEOUT
