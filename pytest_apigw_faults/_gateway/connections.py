"""The ``@connections`` management API of a WebSocket API, as data and pure
functions: which calls are its own, and the bytes of each answer.

``https://{api-id}.execute-api.{region}.amazonaws.com/{stage}/@connections/{id}``,
as boto3's ``apigatewaymanagementapi`` client calls it (``endpoint_url=`` the
stage's URL). The operations and errors are the service model's
[MGMT-MODEL] 📄: ``POST`` (``PostToConnection``) → 200, ``GET``
(``GetConnection``) → 200 with ``connectedAt``, ``identity`` (``sourceIp``,
``userAgent``) and ``lastActiveAt``, ``DELETE`` (``DeleteConnection``) → 204;
410 ``GoneException``, 403 ``ForbiddenException``, 413
``PayloadTooLargeException`` (``Data`` over 131072 bytes, POST only), 429
``LimitExceededException``.

* The 410 has no body: three SDKs read its code from ``x-amzn-ErrorType`` and
  find no JSON (the JavaScript SDK v2's message is the status, ``"410"``,
  which it gives for an empty body) [GONE] ✅ behaviour; ⚠️ the exact bytes
  (empty) and headers are inferred.
* ``GetConnection``'s times are ISO 8601 with milliseconds and ``Z``
  (``2020-04-30T20:10:33.236Z``) [D-MGMT-GET] 📄; ⚠️ the wire JSON is assumed
  compact; ``userAgent`` is left out when the client sent none, as that
  example has it ⚠️.
* ⚠️ The bodies of the 403, 413 and 429 are not captured: the REST answers of
  the same names are used (``{"message":"Forbidden"}``, ``{"message":"Request
  Too Long"}``, ``{"message":"Limit Exceeded"}``).
* ⚠️ The headers (``Date``, ``Content-Type``, ``Content-Length``,
  ``x-amzn-RequestId``, ``x-amzn-ErrorType``, ``x-amz-apigw-id``) are in the
  order of a regional REST error [WAF-HEAD]; not captured for this API.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from .records import WireResponse
from .websocket import WEBSOCKET_SCENARIOS

__all__ = [
    "DATA_BYTES",
    "DELETED_CODE",
    "DELETED_REASON",
    "ManagementCall",
    "answer",
    "connection_info",
    "management_call",
    "path_of",
    "refusal",
]

#: The largest ``Data`` of ``PostToConnection``, in bytes [MGMT-MODEL].
DATA_BYTES = 131072
#: What ``$disconnect`` hears of a ``DeleteConnection``: captured in an
#: execution log [BOTO3-3789] ✅; ⚠️ the close frame the client gets is
#: assumed to carry the same code, without a reason.
DELETED_CODE = 1000
DELETED_REASON = "Connection Closed Normally"
_OPERATIONS = {"POST": "PostToConnection", "GET": "GetConnection", "DELETE": "DeleteConnection"}


@dataclass(frozen=True)
class ManagementCall:
    """A call of the management API: its operation and connection id."""

    operation: str
    connection_id: str


def management_call(method: str, path: str, stage: str) -> ManagementCall | None:
    """The management call ``method`` on ``path`` (no query) is, for an API
    whose stage is ``stage``; ``None`` when it is none (another path, or a
    method the API has not: ⚠️ answered as any other request)."""
    prefix = f"/{stage}/"
    if not path.startswith(prefix):
        return None
    rest = path[len(prefix):]
    head, _, encoded = rest.partition("/")
    if unquote(head) != "@connections" or not encoded or "/" in encoded:
        return None
    operation = _OPERATIONS.get(method.upper())
    if operation is None:
        return None
    return ManagementCall(operation, unquote(encoded))


def path_of(url: str) -> str:
    """The path of ``url`` (absolute, or a request target)."""
    return urlsplit(url).path if "://" in url else url.split("?", 1)[0]


def _iso(epoch_ms: int) -> str:
    seconds, ms = divmod(int(epoch_ms), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def connection_info(
    *, connected_at: int, last_active_at: int, source_ip: str, user_agent: str | None
) -> bytes:
    """``GetConnection``'s body [MGMT-MODEL][D-MGMT-GET]."""
    identity = {"sourceIp": source_ip}
    if user_agent is not None:
        identity["userAgent"] = user_agent
    document = {
        "connectedAt": _iso(connected_at),
        "identity": identity,
        "lastActiveAt": _iso(last_active_at),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def answer(
    status: int, body: bytes = b"", *, error_type: str | None = None, apigw_id: str = "",
    now: float | None = None,
) -> WireResponse:
    """An answer of the management API, headers as the module doc says."""
    headers = [
        ("date", formatdate(time.time() if now is None else now, usegmt=True)),
        ("content-type", "application/json"),
        ("content-length", str(len(body))),
        ("x-amzn-requestid", str(uuid.uuid4())),
    ]
    if error_type is not None:
        headers.append(("x-amzn-errortype", error_type))
    if apigw_id:
        headers.append(("x-amz-apigw-id", apigw_id))
    return WireResponse(status, tuple(headers), body)


def refusal(name: str, *, apigw_id: str = "") -> WireResponse:
    """The answer of the management row ``name`` (``gone``, ``forbidden``,
    ``payload_too_large``, ``limit_exceeded``)."""
    row = WEBSOCKET_SCENARIOS[f"management_{name}"]
    return answer(
        row.status or 500, row.body or b"", error_type=row.error_type, apigw_id=apigw_id
    )
