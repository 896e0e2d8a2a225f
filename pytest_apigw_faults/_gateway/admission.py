"""Admission: whether a request is refused for its size before the integration
runs, and with which row of the table.

Two limits apply, in this order (the numbers are in :mod:`.limits`):

1. API Gateway's payload limit, 10485760 bytes of body [D-LIMITS]. On an
   edge-optimized REST API, CloudFront refuses a larger body before API Gateway
   sees it (``request_too_large``, captured [LGTM]); on regional and private
   REST APIs and on HTTP APIs, API Gateway refuses it itself
   (``payload_too_large``, never captured, inferred). It comes before routing,
   authorization and everything else the gateway does.
2. Lambda's synchronous invocation limit, 6291556 bytes of invocation payload
   [D-LAMBDA-INVOKE], when the answer involves invoking the Lambda
   (``lambda_request_too_large``: captured on REST [LGTM], inferred on HTTP
   APIs). The payload is the event, the JSON API Gateway invokes the Lambda
   with, not the body: the body sits in it among the headers and the request
   context, base64-encoded when it is binary, so the event is always the larger.
   Where the event is built (a Lambda handler behind the fault) its size is
   compared; where it is not (a plain fault), the body's size stands for it, a
   lower bound, so a body a little under 6 MB whose event is over is let in.

The size is taken where it is cheap: the body's length when the client holds
it in memory, else its ``Content-Length``. A streamed body of unknown length
(chunked, with no ``Content-Length``) is not read by a plain fault, so it is
never refused for its size.
"""

from __future__ import annotations

from .limits import LAMBDA_PAYLOAD_BYTES, PAYLOAD_BYTES
from .rows_integration import INTEGRATION_ROWS
from .table import SCENARIOS, Api, Endpoint, Scenario
from .wire import Incoming

__all__ = ["declared_size", "invokes_lambda", "refusal", "request_size"]

# The failures API Gateway answers with after it invoked the Lambda (or tried
# to: Lambda refused the invocation for its permissions or concurrency).
_INVOKED = frozenset((row.name, row.api) for row in INTEGRATION_ROWS)


def invokes_lambda(row: Scenario) -> bool:
    """Whether API Gateway invokes the Lambda, or tries to, before it answers
    with ``row``: the failures of the integration, and not those refused
    before it (routing, authorization, keys, throttling, configuration)."""
    return (row.name, row.api) in _INVOKED


def declared_size(request: Incoming) -> int | None:
    """The body size the request's headers declare: its ``Content-Length``;
    ``None`` (unknown) for a body sent with a ``Transfer-Encoding`` and no
    length, or a length that is not a number; ``0`` with neither header."""
    length = request.header("Content-Length")
    if length is not None:
        length = length.strip()
        return int(length) if length.isdigit() else None
    return None if request.header("Transfer-Encoding") is not None else 0


def request_size(
    request: Incoming, body: bytes | None = None, size: int | None = None
) -> int | None:
    """The request body's size: ``len(body)`` when the body is at hand, else
    ``size`` when the client adapter knew it, else what the headers declare."""
    if body is not None:
        return len(body)
    if size is not None:
        return size
    return declared_size(request)


def refusal(
    api: Api,
    endpoint: Endpoint,
    size: int | None,
    *,
    invokes: bool,
    payload: int | None = None,
) -> Scenario | None:
    """The row that refuses a request of ``size`` body bytes (``None``:
    unknown) before the integration, or ``None`` when the request is let in.

    ``invokes`` says whether the answer involves invoking the Lambda, and
    ``payload`` is the size of the event it would be invoked with, when it is
    known (the body's size stands for it otherwise).
    """
    if size is not None and size > PAYLOAD_BYTES:
        if api is Api.REST and endpoint is Endpoint.EDGE:
            return SCENARIOS[("request_too_large", api)]
        return SCENARIOS[("payload_too_large", api)]
    invocation = size if payload is None else payload
    if invokes and invocation is not None and invocation > LAMBDA_PAYLOAD_BYTES:
        return SCENARIOS[("lambda_request_too_large", api)]
    return None
