"""The access-log variables API Gateway would write for one exchange.

Only the variables whose value for a failure the reference records are
given a value; the rest are ``"-"``, as API Gateway writes an unset variable
[AZUL-6284][CAP-DASH]. The values: the timeout's message and response type
[AZUL-6284]; the function error's ``integration.error`` [AZUL-6624]; the
oversized response's ``integrationStatus`` [AZUL-8192]; the HTTP API's
``integrationErrorMessage`` for a missing invoke permission [KC-HTTP-PERM];
the REST ``identity.apiKey``, "the API key associated with the method
request" [D-CTX], for a key the API knows (``api_keys=``); ``identity.apiKeyId``
stays ``"-"``: the keys a test declares have no ids.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from .table import Api, Phase, Scenario, message_string
from .wire import Exchange

if TYPE_CHECKING:
    from .auth.keys import KeyDecision

__all__ = ["HTTP_VARIABLES", "REST_VARIABLES", "access_log"]

#: The REST access-log variables given here, as ``$context.<name>``.
REST_VARIABLES = (
    "requestId",
    "extendedRequestId",
    "status",
    "responseLength",
    "responseLatency",
    "error.message",
    "error.messageString",
    "error.responseType",
    "integration.error",
    "integration.integrationStatus",
    "integration.status",
    "identity.apiKey",
    "identity.apiKeyId",
)
#: The HTTP API access-log variables given here.
HTTP_VARIABLES = (
    "requestId",
    "extendedRequestId",
    "status",
    "responseLength",
    "responseLatency",
    "error.message",
    "integrationErrorMessage",
    "integrationStatus",
)

_FUNCTION_ERROR = re.compile(
    r"customer function error: (?P<message>.*)\. Lambda request id: [0-9a-f-]+$", re.DOTALL
)
_HTTP_PERMISSION = (
    "The IAM role configured on the integration or API Gateway doesn't have"
    " permissions to call the integration. Check the permissions and try again."
)


def _function_error(exchange: Exchange) -> str | None:
    for line in exchange.logs:
        match = _FUNCTION_ERROR.search(line)
        if match:
            return match.group("message")
    return None


def _rest(exchange: Exchange, row: Scenario | None, values: dict[str, str]) -> None:
    if row is None:  # the Lambda's valid result answered
        values["integration.integrationStatus"] = "200"
        values["integration.status"] = str(exchange.response.status)
        return
    if exchange.message is not None:  # rendered from the request
        row = dataclasses.replace(row, message=exchange.message)
    values["error.message"] = "-" if row.message is None else row.message
    values["error.messageString"] = message_string(row)
    values["error.responseType"] = row.response_type or "-"
    if row.phase is Phase.INTEGRATION:  # a function-error log line: the Lambda ran
        error = _function_error(exchange)
        if error is not None:  # the Lambda ran and failed
            values["integration.error"] = f"Lambda Customer Function Error:{error}"
            values["integration.integrationStatus"] = "200"


def access_log(exchange: Exchange, api_key: KeyDecision | None = None) -> Mapping[str, str]:
    """The access-log variables of ``exchange`` (without ``$context.``), and
    of the decision on its API key when the method requires one."""
    row = exchange.scenario
    api = row.api if row is not None else _api_of(exchange)
    names = REST_VARIABLES if api is Api.REST else HTTP_VARIABLES
    values = dict.fromkeys(names, "-")
    values["requestId"] = exchange.request_id or "-"
    extended = exchange.response.header("x-amz-apigw-id") or exchange.response.header(
        "apigw-requestid"
    )
    values["extendedRequestId"] = extended or "-"
    values["status"] = str(exchange.response.status)
    values["responseLength"] = exchange.response.header("content-length") or "-"
    values["responseLatency"] = str(round(exchange.latency * 1000))
    if api is Api.REST:
        _rest(exchange, row, values)
        if api_key is not None and api_key.outcome != "invalid_api_key":
            values["identity.apiKey"] = api_key.key or "-"
    elif row is not None:
        values["error.message"] = "-" if row.message is None else row.message
        if row.name == "permission_denied":
            values["integrationErrorMessage"] = _HTTP_PERMISSION
    else:
        values["integrationStatus"] = "200"
    return MappingProxyType(values)


def _api_of(exchange: Exchange) -> Api:
    return Api.HTTP if exchange.response.header("apigw-requestid") else Api.REST
