"""What API Gateway makes of the Lambda's answer: a :class:`ProxyResult` (the
status, headers and body it sends on) or a :class:`ProxyFailure` naming the
scenario of the table it becomes, with the REST execution-log lines.

The rules follow the reference §5; its source tags are quoted as ``[TAG]``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from .._gateway import headers as _wire
from .._gateway.names import ApiName, ScenarioName
from .._gateway.result import ProxyResult
from .._gateway.table import SCENARIOS, Api, Scenario, parse_api
from .media import first_accept, matches_binary
from .proxy_values import INVALID as _INVALID
from .proxy_values import MergedHeaders as _Headers
from .proxy_values import b64decode as _b64decode
from .proxy_values import header_value as _header_value
from .proxy_values import status_code as _status_code
from .routes import payload_format_of
from .runtime import (
    DEFAULT_RUNTIME,
    RESPONSE_TOO_LARGE_TYPE,
    TIMEOUT_ERROR_TYPE,
    Invocation,
    invocation_from_result,
)

__all__ = [
    "FUNCTION_ERROR",
    "FUNCTION_TIMEOUT",
    "INVALID_BASE64",
    "MALFORMED_RESPONSE",
    "RESPONSE_TOO_LARGE",
    "ProxyFailure",
    "ProxyResult",
    "translate_invocation",
    "validate_proxy_result",
]

# The scenario names a failure becomes (rows of the table, keyed with the api).
MALFORMED_RESPONSE: Final = "malformed_response"
FUNCTION_ERROR: Final = "function_error"
FUNCTION_TIMEOUT: Final = "function_timeout"
RESPONSE_TOO_LARGE: Final = "lambda_response_too_large"
#: REST only: ``isBase64Encoded`` with a body that is not base64 gives 500
#: [LS-B64].
INVALID_BASE64: Final = "invalid_base64"


@dataclass(frozen=True)
class ProxyFailure:
    """A Lambda answer API Gateway rejects: the table scenario it becomes.

    ``scenario`` is that row of the table (a :class:`Scenario`, as
    ``Call.scenario`` is) and ``name`` its name (``malformed_response``,
    ``function_error``, ``function_timeout``, ``lambda_response_too_large``,
    ``invalid_base64``); ``api`` the kind of API that judged the answer;
    ``status`` is the status AWS answers with; ``reason`` says what was
    wrong; ``log`` holds the REST execution-log lines, without their
    ``(<request id>) `` prefix and ending with ``Method completed with
    status: N`` (HTTP APIs write none).

    The lines follow the convention of the table's ``Scenario.log``: they
    are ``str.format`` templates, every literal brace doubled, and
    ``{lambda_request_id}`` stands where the Lambda request id goes when it
    was not known. :meth:`render` gives the text.
    """

    name: ScenarioName
    status: int
    reason: str
    log: tuple[str, ...] = ()
    api: Api = field(kw_only=True)

    @property
    def scenario(self) -> Scenario:
        """The row of the table this failure is (until 0.2, it compares
        equal to its name, with a ``DeprecationWarning``: compare
        ``.name``)."""
        return SCENARIOS[(self.name, self.api)]

    def render(self, lambda_request_id: str = "") -> tuple[str, ...]:
        """The log lines as written, ``lambda_request_id`` filled in."""
        return tuple(line.format(lambda_request_id=lambda_request_id) for line in self.log)


_V1_KEYS = frozenset({"statusCode", "body", "headers", "multiValueHeaders", "isBase64Encoded"})
_REST_DEFAULT_TYPE = "application/json"
_HTTP_DEFAULT_TYPE = "text/plain; charset=utf-8"


def _failure_status(api: Api) -> int:
    return 502 if api is Api.REST else 500


def _malformed(api: Api, payload_text: str, reason: str) -> ProxyFailure:
    if api is not Api.REST:
        return ProxyFailure(MALFORMED_RESPONSE, 500, reason, api=api)
    # [T][LP59]: the payload as Lambda returned it, then the verdict.
    log = (
        f"Endpoint response body before transformations: {_escape(payload_text)}",
        "Execution failed due to configuration error: Malformed Lambda proxy response",
        "Method completed with status: 502",
    )
    return ProxyFailure(MALFORMED_RESPONSE, 502, reason, log, api=api)


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _function_failure(invocation: Invocation, api: Api, *, known_id: bool) -> ProxyFailure:
    try:
        error = invocation.error or {}
        message = str(error.get("errorMessage", ""))
        error_type = str(error.get("errorType", ""))
    except (ValueError, RecursionError):  # a payload that is not JSON, or too deep
        message = invocation.payload.decode("utf-8", errors="replace")
        error_type = ""
    scenario: ScenarioName
    if error_type == TIMEOUT_ERROR_TYPE:
        # Reference §7 [CM][SANDBOX]: a function error to API Gateway.
        # ⚠️ HTTP API status 500 from [DENO-87] only.
        scenario = FUNCTION_TIMEOUT
    elif error_type == RESPONSE_TOO_LARGE_TYPE:
        # Reference §8 [AZUL-8192]: 502 on REST. ⚠️ HTTP API 500 not captured.
        scenario = RESPONSE_TOO_LARGE
    else:
        scenario = FUNCTION_ERROR
    status = _failure_status(api)
    reason = f"{error_type}: {message}" if error_type else message
    if api is not Api.REST:
        return ProxyFailure(scenario, status, reason, api=api)
    # [T]: "Lambda execution failed with status 200 due to customer function
    # error: <errorMessage>. Lambda request id: <id>". ⚠️ For the timeout and
    # the response-too-large errors this line is inferred from the same
    # template (reference §9.1 lists them under "Function error").
    lambda_id = _escape(invocation.request_id) if known_id else "{lambda_request_id}"
    line = (
        "Lambda execution failed with status 200 due to customer function error:"
        f" {_escape(message)}. Lambda request id: {lambda_id}"
    )
    log = (line, f"Method completed with status: {status}")
    return ProxyFailure(scenario, status, reason, log, api=api)


def _reject_constant(name: str) -> Any:
    # The runtime may write NaN and Infinity; they are not JSON, and a strict
    # parser refuses them. ⚠️ That API Gateway's does is assumed.
    raise ValueError(f"{name} is not JSON")


def _v1_result(
    value: object,
    payload_text: str,
    *,
    api: Api,
    accept: str | None,
    binary_media_types: Sequence[str],
) -> ProxyResult | ProxyFailure:
    """REST and HTTP API 1.0 answers: ``{statusCode, headers,
    multiValueHeaders, body, isBase64Encoded}`` [D-PROXY][LS-FMT]."""
    if not isinstance(value, dict):
        kind = "null" if value is None else type(value).__name__
        return _malformed(api, payload_text, f"the payload is JSON {kind}, not an object")
    # REST: any other key is malformed [D-PROXY][LS-FMT][LS-FMT2], a v2
    # "cookies" too [SST-2760]; ``{}`` is a valid answer, 200 [LS-FMT].
    # HTTP API 1.0 ignores other keys and needs a statusCode: ``{}`` and
    # ``{"headers": …}`` are answered 500 [LS-V1V2] (reference §13).
    if api is Api.REST:
        unknown = sorted(k for k in value if k not in _V1_KEYS)
        if unknown:
            return _malformed(api, payload_text, f"unknown key(s) {unknown}")
    elif value.get("statusCode") is None:  # ⚠️ null taken as missing
        return _malformed(api, payload_text, "no statusCode (HTTP API payload 1.0 needs one)")
    status = _status_code(value.get("statusCode"))
    if status is _INVALID:
        return _malformed(api, payload_text, f"statusCode {value.get('statusCode')!r} is invalid")
    assert isinstance(status, int)
    informational = _wire.status_problem(status)  # ⚠️ 1xx: not a final answer
    if informational is not None:
        return _malformed(api, payload_text, informational)
    merged = _v1_headers(value, api, payload_text)
    if isinstance(merged, ProxyFailure):
        return merged
    read = _body_of(value, api, payload_text)
    if isinstance(read, ProxyFailure):
        return read
    data = _v1_data(*read, api, payload_text, accept, binary_media_types)
    if isinstance(data, ProxyFailure):
        return data
    # Each value is its own header line: REST [MV-LAUNCH] ("sending multiple
    # Set-Cookie headers"; RFC 6265 §3 forbids folding Set-Cookie [RFC6265]);
    # the joined value in LocalStack's snapshot [LS-FMT] was read through a
    # client that joins repeated headers itself, not wire evidence (reference
    # §13). ⚠️ HTTP API 1.0 likewise, duplicates included, as captured in
    # awslabs/aws-lambda-go-api-proxy issue 75 (2020).
    headers = _sendable(merged.lines())
    if isinstance(headers, str):
        return _malformed(api, payload_text, headers)
    if not merged.named_types:
        headers.append(("Content-Type", _default_type(api)))
    return ProxyResult(status, tuple(headers), data)


def _sendable(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]] | str:
    """A Lambda's headers as they go out (an unpaired surrogate as ``?``), or
    why one cannot be a header line (⚠️ malformed: ``_gateway/headers.py``)."""
    lines = []
    for name, value in headers:
        why = _wire.problem(name, value)
        if why is not None:
            return why
        lines.append((name, value if value.isascii() else _utf8(value).decode("utf-8")))
    return lines


def _utf8(text: str) -> bytes:
    # Unpaired surrogates (a JSON "\ud800" decodes to one) go out as "?", as
    # Java's UTF-8 encoder writes them. ⚠️ Inferred, not captured.
    return text.encode("utf-8", errors="replace")


def _v1_headers(value: dict[str, Any], api: Api, payload_text: str) -> _Headers | ProxyFailure:
    """A 1.0 answer's ``multiValueHeaders`` and ``headers``, merged."""
    merged = _Headers()
    multi = value.get("multiValueHeaders")
    single = value.get("headers")
    if multi is not None and not isinstance(multi, dict):
        return _malformed(api, payload_text, "multiValueHeaders is not an object")
    if single is not None and not isinstance(single, dict):
        return _malformed(api, payload_text, "headers is not an object")
    for name, values in (multi or {}).items():
        if not isinstance(values, list):  # [LS-FMT]
            return _malformed(api, payload_text, f"multiValueHeaders {name!r} is not a list")
        converted = [_header_value(v) for v in values]
        if any(v is _INVALID for v in converted):
            return _malformed(api, payload_text, f"multiValueHeaders {name!r} has a bad value")
        strings = [v for v in converted if isinstance(v, str)]
        key = name.lower()
        merged.named_types |= key == "content-type"
        if key in merged.entries:
            merged.entries[key][1].extend(strings)
        else:
            merged.entries[key] = (name, strings)
    for name, raw in (single or {}).items():
        header = _header_value(raw)
        if header is _INVALID:
            return _malformed(api, payload_text, f"header {name!r} is {type(raw).__name__}")
        key = name.lower()
        merged.named_types |= key == "content-type"
        if not isinstance(header, str):
            continue
        if key not in merged.entries:
            merged.entries[key] = (name, [header])
        elif api is not Api.REST or header not in merged.entries[key][1]:
            # [LS-FMT]: the multi values first, then the single one, under the
            # multiValueHeaders spelling; [D-PROXY]: a value given in both is
            # sent once.
            merged.entries[key][1].append(header)
    return merged


def _body_of(value: dict[str, Any], api: Api, payload_text: str) -> tuple[str, bool] | ProxyFailure:
    """An answer's ``body`` (``""`` when absent) and ``isBase64Encoded``."""
    body = value.get("body")
    if body is not None and not isinstance(body, str):
        # [LP59]; on an HTTP API 2.0 ⚠️ taken from the REST rule, not seen there
        return _malformed(api, payload_text, f"body is {type(body).__name__}, not a string")
    encoded = value.get("isBase64Encoded")
    if encoded is not None and not isinstance(encoded, bool):
        # ⚠️ Not covered by a source: a non-boolean flag is taken as malformed.
        return _malformed(api, payload_text, "isBase64Encoded is not a boolean")
    return body or "", bool(encoded)


def _v1_data(
    text: str,
    encoded: bool,
    api: Api,
    payload_text: str,
    accept: str | None,
    binary_media_types: Sequence[str],
) -> bytes | ProxyFailure:
    """The bytes a 1.0 answer's body goes out as."""
    data = _utf8(text)
    # REST decodes only when the request's first Accept type is one of the
    # API's binaryMediaTypes, whatever the response's Content-Type; else the
    # text goes out as it is [LS-B64][LS-FMT]. HTTP APIs have no
    # binaryMediaTypes and always decode (🔧 [SAM]).
    if encoded and (
        api is not Api.REST or matches_binary(first_accept(accept), binary_media_types)
    ):
        decoded = _b64decode(text)
        if decoded is None:
            if api is Api.REST:
                # [LS-B64]: 500. ⚠️ The log lines after the body are unknown.
                return ProxyFailure(
                    INVALID_BASE64,
                    500,
                    "isBase64Encoded is true and the body is not base64",
                    (
                        f"Endpoint response body before transformations: {_escape(payload_text)}",
                        "Method completed with status: 500",
                    ),
                    api=api,
                )
            # ⚠️ HTTP API: taken as a malformed answer (500 either way).
            return _malformed(api, payload_text, "the body is not base64")
        data = decoded
    return data


def _default_type(api: Api) -> str:
    # REST adds Content-Type: application/json when the Lambda names none
    # ([LS-TI]: "Method response headers: {X-Amzn-Trace-Id=…,
    # Content-Type=application/json}"; aws/aws-sam-cli issue 1218). ⚠️ HTTP
    # APIs send text/plain; charset=utf-8 (github.com/fujiwara/ridge pull 9,
    # aws-powertools/powertools-lambda-python issue 2464); not in the reference.
    return _REST_DEFAULT_TYPE if api is Api.REST else _HTTP_DEFAULT_TYPE


def _v2_result(value: object, payload_text: str) -> ProxyResult | ProxyFailure:
    """HTTP API 2.0 answers [D-HTTPLAMBDA], reference §5.2."""
    api = Api.HTTP
    if not (isinstance(value, dict) and "statusCode" in value):
        if isinstance(value, dict) and "errorMessage" in value:
            # ⚠️ A returned {"errorMessage": …} is answered 500 in the
            # AWS-validated LocalStack test (stored file id 3281491556): the
            # gateway takes it for a failed invocation. Not in the reference.
            return _malformed(api, payload_text, "the payload looks like a Lambda error")
        # No statusCode: 200, application/json, the whole value as the body;
        # a string as it is [D-HTTPLAMBDA]. Other JSON goes out as the runtime
        # wrote it, which for Python is json.dumps. ⚠️ That API Gateway does
        # not re-serialise it is inferred from the documentation's example.
        whole = value if isinstance(value, str) else payload_text
        return ProxyResult(200, (("Content-Type", "application/json"),), _utf8(whole))
    status = _status_code(value.get("statusCode"))
    if status is _INVALID:
        return _malformed(api, payload_text, f"statusCode {value.get('statusCode')!r} is invalid")
    assert isinstance(status, int)
    informational = _wire.status_problem(status)  # ⚠️ 1xx: not a final answer
    if informational is not None:
        return _malformed(api, payload_text, informational)
    # Keys other than statusCode, headers, body, isBase64Encoded and cookies
    # are ignored (🔧 [SAM]; also the AWS-validated LocalStack test).
    found = _v2_headers(value, payload_text)
    if isinstance(found, ProxyFailure):
        return found
    headers, named_type = found
    read = _body_of(value, api, payload_text)
    if isinstance(read, ProxyFailure):
        return read
    body, encoded = read
    data = _utf8(body)
    if encoded:
        # Honoured whatever the content type: HTTP APIs have no binary media
        # types (🔧 [SAM]). ⚠️ An undecodable body is taken as malformed.
        decoded = _b64decode(body)
        if decoded is None:
            return _malformed(api, payload_text, "the body is not base64")
        data = decoded
    if not named_type:
        headers.append(("Content-Type", _HTTP_DEFAULT_TYPE))
    return ProxyResult(status, tuple(headers), data)


def _v2_headers(
    value: dict[str, Any], payload_text: str
) -> tuple[list[tuple[str, str]], bool] | ProxyFailure:
    """A 2.0 answer's ``headers`` and ``cookies`` as header lines, and whether
    they name a content type."""
    api = Api.HTTP
    raw_headers = value.get("headers")
    if raw_headers is not None and not isinstance(raw_headers, dict):
        return _malformed(api, payload_text, "headers is not an object")
    headers: list[tuple[str, str]] = []
    named_type = False
    for name, raw in (raw_headers or {}).items():
        if isinstance(raw, list):  # [CGE]: an array value gives 500
            return _malformed(api, payload_text, f"header {name!r} is an array")
        header = _header_value(raw)  # ⚠️ the REST value rules, assumed
        if header is _INVALID:
            return _malformed(api, payload_text, f"header {name!r} is {type(raw).__name__}")
        named_type |= name.lower() == "content-type"
        if isinstance(header, str):
            headers.append((name, header))
    cookies = value.get("cookies")
    if isinstance(cookies, list):
        # Each cookie becomes a set-cookie header [D-HTTPLAMBDA]. ⚠️ Non-string
        # items are skipped.
        headers.extend(("set-cookie", c) for c in cookies if isinstance(c, str))
    elif cookies is not None:
        # An object (any other non-list) is answered 500 [LS-V1V2] (reference
        # §13; the SAM CLI's "ignored" of the first pass is not AWS). ⚠️ null
        # is taken as absent.
        return _malformed(api, payload_text, "cookies is not a list")
    sendable = _sendable(headers)
    if isinstance(sendable, str):
        return _malformed(api, payload_text, sendable)
    return sendable, named_type


def translate_invocation(
    invocation: Invocation,
    *,
    api: ApiName | Api,
    payload_format: str | None = None,
    accept: str | None = None,
    binary_media_types: Sequence[str] = (),
) -> ProxyResult | ProxyFailure:
    """What API Gateway makes of ``invocation``'s answer.

    A failed invocation (``function_error`` set) becomes
    ``function_timeout``, ``lambda_response_too_large`` or
    ``function_error`` by its ``errorType``; a payload is validated as
    reference §5 says for the api and payload format. ``accept`` is the
    request's Accept header and ``binary_media_types`` the API's list; they
    decide the REST base64 decoding.
    """
    return _translate(
        invocation,
        api=parse_api(api),
        payload_format=payload_format,
        accept=accept,
        binary_media_types=binary_media_types,
        known_id=True,
    )


def _translate(
    invocation: Invocation,
    *,
    api: Api,
    payload_format: str | None,
    accept: str | None,
    binary_media_types: Sequence[str],
    known_id: bool,
) -> ProxyResult | ProxyFailure:
    fmt = payload_format_of(api, payload_format)
    if invocation.function_error is not None:
        return _function_failure(invocation, api, known_id=known_id)
    payload_text = invocation.payload.decode("utf-8", errors="replace")
    try:
        value = json.loads(invocation.payload, parse_constant=_reject_constant)
    except ValueError:
        return _malformed(api, payload_text, "the payload is not JSON")
    except RecursionError:
        # ⚠️ Nested deeper than a JSON reader goes (Jackson's default limit is
        # 1000 levels): taken as a payload API Gateway cannot read.
        return _malformed(api, payload_text, "the payload is nested too deeply to read")
    if api is Api.HTTP and fmt == "2.0":
        return _v2_result(value, payload_text)
    return _v1_result(
        value, payload_text, api=api, accept=accept, binary_media_types=binary_media_types
    )


def validate_proxy_result(
    result: object,
    *,
    api: ApiName | Api,
    payload_format: str | None = None,
    accept: str | None = None,
    binary_media_types: Sequence[str] = (),
    lambda_request_id: str | None = None,
    runtime: str = DEFAULT_RUNTIME,
) -> ProxyResult | ProxyFailure:
    """What API Gateway makes of a handler that returned ``result``.

    ``result`` is serialised as the Python runtime does
    (:func:`._lambda.serialize_result`): a value it cannot write is a
    ``function_error`` (``Runtime.MarshalError``), more than 6291556 bytes
    is ``lambda_response_too_large``; the payload is then validated
    (:func:`translate_invocation`). ``lambda_request_id`` goes into the log
    line of a function error; without it the line keeps the
    ``{lambda_request_id}`` placeholder. A failure's ``log`` holds templates
    (see :class:`ProxyFailure`); ``failure.render()`` gives the lines as
    written.
    """
    kind = parse_api(api)
    invocation = invocation_from_result(
        result, request_id=lambda_request_id or "", runtime=runtime
    )
    return _translate(
        invocation,
        api=kind,
        payload_format=payload_format,
        accept=accept,
        binary_media_types=binary_media_types,
        known_id=lambda_request_id is not None,
    )
