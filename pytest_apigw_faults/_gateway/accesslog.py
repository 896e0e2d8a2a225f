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

A call an authorizer decided also has the documented authorizer variables
[D-ACCESS-VARS] 📄: ``authorizer.principalId``, each ``context`` value as
``authorizer.<key>`` (stringified as the integration's event has them), a
JWT's or Cognito token's claims as ``authorizer.claims.<claim>``, and
(REST) an IAM caller's ``identity.userArn`` and ``identity.accessKey``.
⚠️ Inferred, not captured: ``authorize.status`` and ``authorizer.status``
are the status the decision answers with (200 when it lets the call
through); ``authorize.error`` and ``authorizer.error`` the refusal's message;
``authorizer.integrationStatus`` is ``200`` when a Lambda authorizer was
invoked for the call (Lambda's Invoke answers 200 even for a function
error). The latencies stay ``"-"``: the gateway does not model the
authorizer's own latency.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from .auth.config import context_string
from .table import Api, Phase, Scenario, message_string
from .wire import Exchange

if TYPE_CHECKING:
    from .auth.config import Authorization
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


#: The authorizer types whose context is a token's claims.
_CLAIMS = frozenset({"JWT", "COGNITO_USER_POOLS"})


def _authorizer(auth: Authorization, api: Api, exchange: Exchange, values: dict[str, str]) -> None:
    """The authorizer's variables: what it decided and what it passed on."""
    if auth.type == "AWS_IAM":
        if auth.principal_id is not None:
            values["identity.userArn"] = auth.principal_id
        if auth.identity:
            values["identity.accessKey"] = auth.identity[0]
        return
    prefix = "authorizer.claims." if auth.type in _CLAIMS else "authorizer."
    for key, value in auth.context.items():
        values[prefix + key] = context_string(value)
    values["authorizer.principalId"] = auth.principal_id or "-"
    row = exchange.scenario if auth.decision != "allow" else None
    values["authorizer.error"] = "-" if row is None else exchange.message or row.message or "-"
    if api is Api.REST:
        status = "200" if row is None else str(exchange.response.status)
        values["authorize.status"] = values["authorizer.status"] = status
        values["authorize.error"] = values["authorizer.error"]
        if auth.invoked:
            values["authorizer.integrationStatus"] = "200"


def access_log(
    exchange: Exchange, api_key: KeyDecision | None = None, auth: Authorization | None = None
) -> Mapping[str, str]:
    """The access-log variables of ``exchange`` (without ``$context.``), of
    the decision on its API key when the method requires one, and of its
    authorizer's decision (``auth``) when one decided."""
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
    if auth is not None:
        _authorizer(auth, api, exchange, values)
    return MappingProxyType(values)


def _api_of(exchange: Exchange) -> Api:
    return Api.HTTP if exchange.response.header("apigw-requestid") else Api.REST
