"""Customised REST gateway responses, as an API's OpenAPI document sets them.

A REST API can change what API Gateway answers for each gateway response
type: the status, extra headers and the body template
(``x-amazon-apigateway-gateway-responses`` [D-OAS]). This module reads that
map, checks it (a mistake names its path inside the document), and renders
a scenario's answer the way AWS does:

* a type that is configured uses its own ``statusCode``,
  ``responseParameters`` and ``responseTemplates``; what it leaves out comes
  from ``DEFAULT_4XX`` / ``DEFAULT_5XX`` (by the class of the status the
  failure has), then from AWS's defaults [LS-GR][D-GRT];
* without a ``statusCode`` anywhere, the failure keeps the status it has on
  the wire (so INTEGRATION_FAILURE stays 502 or 500, not its documented 504)
  [LS-NONPOST][AZUL-7470];
* ``x-amzn-ErrorType`` and API Gateway's ids are kept [D-GWR-CONSOLE];
* templates are not VTL: only ``$context.*`` and ``$stageVariables.*``
  variables are substituted [D-GWR-DEF].
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .context import SOURCE_IP, request_time
from .table import RESPONSE_TYPES, ApigwFaultError, Scenario, message_string

if TYPE_CHECKING:
    from .wire import Incoming

__all__ = ["CONTEXT_VARIABLES", "GatewayResponse", "GatewayResponses", "load"]

_EXTENSION = "x-amazon-apigateway-gateway-responses"
_HEADER_KEY = re.compile(r"gatewayresponse\.header\.([!#$%&'*+.^_`|~0-9A-Za-z-]+)")
_SOURCE = re.compile(
    r"method\.request\.(header|multivalueheader|path|querystring|multivaluequerystring)"
    r"\.([^\s.][^\s]*)|stageVariables\.(\w+)|context\.([\w.]+)"
)
_VARIABLE = re.compile(r"\$(context(?:\.\w+)+|stageVariables\.\w+)")

#: The ``$context`` variables a gateway response template can use here.
CONTEXT_VARIABLES = (
    "apiId",
    "domainName",
    "domainPrefix",
    "error.message",
    "error.messageString",
    "error.responseType",
    "error.validationErrorString",
    "extendedRequestId",
    "httpMethod",
    "identity.sourceIp",
    "identity.userAgent",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourcePath",
    "stage",
)


@dataclass(frozen=True)
class GatewayResponse:
    """One configured response type: what it sets, ``None`` where it is silent."""

    status: int | None
    parameters: tuple[tuple[str, str], ...] | None
    templates: tuple[tuple[str, str], ...] | None


def _where(path: tuple[str, ...]) -> str:
    return ".".join((_EXTENSION, *path))


def _check_template(template: object, path: tuple[str, ...]) -> str:
    if not isinstance(template, str):
        raise ApigwFaultError(
            f"{_where(path)}: a template is a string, got {type(template).__name__}"
        )
    for match in _VARIABLE.finditer(template):
        name = match.group(1)
        if name.startswith("context.") and name[8:] not in CONTEXT_VARIABLES:
            raise ApigwFaultError(
                f"{_where(path)}: ${name} is not a variable gateway responses offer"
                f" here; valid: {', '.join('$context.' + v for v in CONTEXT_VARIABLES)},"
                " $stageVariables.<name>"
            )
    return template


def _check_source(value: object, path: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise ApigwFaultError(
            f"{_where(path)}: a header value is a string, got {type(value).__name__}"
        )
    if len(value) >= 2 and value.startswith("'") and value.endswith("'"):
        return value
    match = _SOURCE.fullmatch(value)
    if match is None or (match.group(4) and match.group(4) not in CONTEXT_VARIABLES):
        raise ApigwFaultError(
            f"{_where(path)}: {value!r} is neither a quoted static value ('text') nor"
            " method.request.{header|multivalueheader|path|querystring|"
            "multivaluequerystring}.<name>, stageVariables.<name> or context.<name>"
        )
    return value


def _parse_one(name: str, spec: object, spelling: dict[str, str]) -> GatewayResponse:
    path = (name,)
    if not isinstance(spec, Mapping):
        raise ApigwFaultError(
            f"{_where(path)}: a gateway response is a mapping with statusCode,"
            f" responseParameters and responseTemplates, got {type(spec).__name__}"
        )
    unknown = sorted(set(spec) - {"statusCode", "responseParameters", "responseTemplates"})
    if unknown:
        raise ApigwFaultError(
            f"{_where(path)}: unknown keys {unknown}; valid: statusCode,"
            " responseParameters, responseTemplates"
        )
    status: int | None = None
    if "statusCode" in spec:
        raw = spec["statusCode"]
        text = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
        if not (text.isdigit() and 100 <= int(text) <= 599):
            raise ApigwFaultError(
                f"{_where((*path, 'statusCode'))}: {raw!r} is not a status code"
                " (a string or number from 100 to 599)"
            )
        status = int(text)
    parameters = None
    if "responseParameters" in spec:
        params = spec["responseParameters"]
        if not isinstance(params, Mapping):
            raise ApigwFaultError(
                f"{_where((*path, 'responseParameters'))}: expected a mapping of"
                f" gatewayresponse.header.<Name> to a value, got {type(params).__name__}"
            )
        checked = []
        for key, value in params.items():
            where = (*path, "responseParameters", str(key))
            match = _HEADER_KEY.fullmatch(str(key))
            if match is None:
                raise ApigwFaultError(
                    f"{_where(where)}: the key must be gatewayresponse.header.<Name>"
                    " (only headers reach the response)"
                )
            checked.append((match.group(1).lower(), _check_source(value, where)))
            spelling.setdefault(match.group(1).lower(), match.group(1))
        parameters = tuple(checked)
    templates = None
    if "responseTemplates" in spec:
        raw_templates = spec["responseTemplates"]
        if not isinstance(raw_templates, Mapping) or not raw_templates:
            raise ApigwFaultError(
                f"{_where((*path, 'responseTemplates'))}: expected a mapping of content"
                " type to template, with at least one entry"
            )
        templates = tuple(
            (str(ctype), _check_template(text, (*path, "responseTemplates", str(ctype))))
            for ctype, text in raw_templates.items()
        )
    return GatewayResponse(status, parameters, templates)


def _gateway_map(document: object) -> Mapping[str, Any]:
    if not isinstance(document, Mapping):
        raise ApigwFaultError(
            "gateway_responses: expected an OpenAPI document (a mapping, or a JSON or"
            f" YAML file), got {type(document).__name__}"
        )
    if _EXTENSION in document:
        found = document[_EXTENSION]
        if not isinstance(found, Mapping):
            raise ApigwFaultError(
                f"{_EXTENSION}: expected a mapping of response type to gateway"
                f" response, got {type(found).__name__}"
            )
        return found
    if document and all(str(key) in RESPONSE_TYPES for key in document):
        return document  # the extension's own map, given bare
    raise ApigwFaultError(
        f"gateway_responses: the document has no {_EXTENSION!r} key at its root"
    )


class GatewayResponses:
    """An API's customised gateway responses, checked."""

    def __init__(self, document: object, *, origin: str = "") -> None:
        responses = {}
        spelling: dict[str, str] = {}
        for name, spec in _gateway_map(document).items():
            if name not in RESPONSE_TYPES:
                raise ApigwFaultError(
                    f"{_where((str(name),))}: unknown gateway response type; valid:"
                    f" {', '.join(RESPONSE_TYPES)}"
                )
            responses[str(name)] = _parse_one(str(name), spec, spelling)
        self.types: Mapping[str, GatewayResponse] = MappingProxyType(responses)
        #: Each added header's name (lower case) as the document spells it,
        #: which HTTP/1.1 keeps (``Access-Control-Allow-Origin`` [PERMATE]);
        #: over HTTP/2 every name is lower case.
        self.spelling: Mapping[str, str] = MappingProxyType(spelling)
        self.origin = origin

    def __repr__(self) -> str:
        where = f" from {self.origin}" if self.origin else ""
        return f"GatewayResponses({', '.join(self.types)}{where})"

    def resolve(self, scenario: Scenario) -> GatewayResponse | None:
        """What applies to ``scenario``, its own type's settings first, then
        its fallback's; ``None`` when nothing is customised for it."""
        if scenario.response_type is None:
            return None
        own = self.types.get(scenario.response_type)
        fallback = self.types.get("DEFAULT_4XX" if scenario.status < 500 else "DEFAULT_5XX")
        if own is None and fallback is None:
            return None
        layers = [layer for layer in (own, fallback) if layer is not None]
        return GatewayResponse(
            status=next((x.status for x in layers if x.status is not None), None),
            parameters=next((x.parameters for x in layers if x.parameters is not None), None),
            templates=next((x.templates for x in layers if x.templates is not None), None),
        )

    def render(
        self,
        scenario: Scenario,
        request: Incoming,
        request_id: str,
        extended_request_id: str,
        arrived_at: float,
    ) -> tuple[int, str, bytes, tuple[tuple[str, str], ...]] | None:
        """Status, content type, body and added headers of ``scenario`` as
        customised, or ``None`` when the API leaves it as AWS makes it."""
        applied = self.resolve(scenario)
        if applied is None:
            return None
        context = _context(scenario, request, request_id, extended_request_id, arrived_at)
        status = scenario.status if applied.status is None else applied.status
        if applied.templates is None:
            content_type = scenario.content_type
            body = scenario.body
        else:
            content_type, template = _pick(applied.templates, request.header("Accept"))
            body = _VARIABLE.sub(lambda m: context.get(m.group(1), ""), template).encode()
        headers = []
        for name, source in applied.parameters or ():
            value = _header_value(source, request, context)
            if value is not None:
                headers.append((name, value))
        return status, content_type, body, tuple(headers)


def _pick(templates: tuple[tuple[str, str], ...], accept: str | None) -> tuple[str, str]:
    """The template for the request's ``Accept``, else ``application/json``,
    else the first one (AWS's choice among several is inferred)."""
    if accept:
        wanted = [part.split(";")[0].strip().lower() for part in accept.split(",")]
        for media in wanted:
            for ctype, template in templates:
                if ctype.lower() == media:
                    return ctype, template
    for ctype, template in templates:
        if ctype.lower() == "application/json":
            return ctype, template
    return templates[0]


def _context(
    scenario: Scenario,
    request: Incoming,
    request_id: str,
    extended_request_id: str,
    arrived_at: float,
) -> dict[str, str]:
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    segments = [s for s in parts.path.split("/") if s]
    stage = segments[0] if segments else ""
    resource = "/" + "/".join(segments[1:])
    epoch_ms = int(arrived_at * 1000)
    return {
        "context.apiId": host.split(".")[0].split("-vpce-")[0],
        "context.domainName": host,
        "context.domainPrefix": host.split(".")[0],
        "context.error.message": scenario.message or "",
        "context.error.messageString": message_string(scenario),
        "context.error.responseType": scenario.response_type or "",
        "context.error.validationErrorString": "",
        "context.extendedRequestId": extended_request_id,
        "context.httpMethod": request.method,
        "context.identity.sourceIp": SOURCE_IP,
        "context.identity.userAgent": request.header("User-Agent") or "",
        "context.path": parts.path or "/",
        "context.protocol": "HTTP/1.1",
        "context.requestId": request_id,
        "context.requestTime": request_time(epoch_ms),
        "context.requestTimeEpoch": str(epoch_ms),
        "context.resourcePath": resource,
        "context.stage": stage,
    }


def _header_value(source: str, request: Incoming, context: Mapping[str, str]) -> str | None:
    """A header's value from its mapping; ``None`` (no header) when the
    request has nothing there."""
    if source.startswith("'"):
        return source[1:-1]
    match = _SOURCE.fullmatch(source)
    assert match is not None  # checked when the document was read
    where, name, stage_variable, context_name = match.groups()
    if stage_variable is not None:
        return None  # the fake API has no stage variables
    if context_name is not None:
        return context.get(f"context.{context_name}")
    if where in ("header", "multivalueheader"):
        return request.header(name)
    if where in ("querystring", "multivaluequerystring"):
        values = [v for k, v in parse_qsl(urlsplit(request.url).query) if k == name]
        if not values:
            return None
        return values[0] if where == "querystring" else ",".join(values)
    return None  # path parameters need a resource template, which a fault has not


@functools.lru_cache(maxsize=32)
def _load_file(path: str, mtime: float) -> GatewayResponses:
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith((".yaml", ".yml")):
        try:
            import yaml  # type: ignore[import-untyped,unused-ignore]
        except ImportError:
            raise ApigwFaultError(
                f"gateway_responses={path!r} is YAML, which needs PyYAML: pip install"
                " pyyaml (or give the document as JSON or a dict)"
            ) from None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ApigwFaultError(f"gateway_responses={path!r}: not valid YAML: {error}") from None
    else:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ApigwFaultError(f"gateway_responses={path!r}: not valid JSON: {error}") from None
    try:
        return GatewayResponses(document, origin=path)
    except ApigwFaultError as error:
        raise ApigwFaultError(f"{path}: {error}") from None


def load(source: object) -> GatewayResponses:
    """Gateway responses from an OpenAPI document: a mapping, or the path of
    a JSON or YAML file (``str`` or ``os.PathLike``)."""
    if isinstance(source, GatewayResponses):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            mtime = os.stat(path).st_mtime
        except OSError as error:
            raise ApigwFaultError(
                f"gateway_responses={path!r}: cannot read the file ({error.strerror})"
            ) from None
        return _load_file(path, mtime)
    return GatewayResponses(source)
