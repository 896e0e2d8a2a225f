"""Bodies API Gateway writes from the request: the ARN of a resource-policy
denial, the hash or the value of a malformed ``Authorization`` header, the
names of missing request parameters, and the canonical request and
string-to-sign of a signature mismatch.

A row of the table whose ``renders`` names one of :data:`RENDERERS` keeps,
in ``body``, the example its sources show and, in ``body_pattern``, what
every body it renders looks like. The gateway model (``Gateway.respond``)
renders the body for each request, so that every client path gets the same
bytes; :func:`render` gives the row as answered for one request.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib.util
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import parse_qsl, urlsplit

from .errors import ApigwFaultError
from .records import Incoming
from .scenario import Api, Scenario

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_REQUIRED_PARAMETERS",
    "PARAMETER_LOCATIONS",
    "RENDERERS",
    "Rendering",
    "authorization_parts",
    "check_available",
    "needs_body",
    "not_sigv4",
    "render",
    "rendering_of",
    "request_arn",
    "substitute",
]

#: The account of the rendered ARNs when none is given: the one AWS's own
#: documentation uses in its examples.
DEFAULT_ACCOUNT_ID = "123456789012"
#: Where a required request parameter is declared, in the order the names
#: appear in the body [LS-VAL]: ``method.request.<location>.<name>``.
PARAMETER_LOCATIONS = ("header", "path", "querystring")
#: The parameters required when none are declared: the example of the
#: exact-byte capture [PULUMI], ``[key]`` from a query string.
DEFAULT_REQUIRED_PARAMETERS: tuple[tuple[str, str], ...] = (("querystring", "key"),)

# Where the ARN's region and API id come from when the host is not an
# execute-api host (a custom domain): the 2025 capture's [RP-2025].
_EXAMPLE_REGION, _EXAMPLE_API = "us-west-2", "u1hp5d8r0b"
_EXECUTE_API = re.compile(
    r"(?P<api>[a-z0-9]{10})(?:-vpce-[a-z0-9]+)?\.execute-api\.(?P<region>[a-z0-9-]+)\."
)
_SIGV4 = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class Rendering:
    """What a fault's arguments say of the API, for the bodies rendered from
    a request: the required request parameters (``(location, name)`` pairs,
    in declaration order), the account that owns the API, and, for a
    resource-policy denial, whether a statement denies explicitly and who
    the caller is (``anonymous``, or a signed caller's ARN [RP-IAM]). A
    denial the fault decides (``resource_policy=``) answers with its own."""

    required_parameters: tuple[tuple[str, str], ...] = DEFAULT_REQUIRED_PARAMETERS
    account_id: str = DEFAULT_ACCOUNT_ID
    explicit_deny: bool = False
    principal: str = "anonymous"


_DEFAULT = Rendering()


def rendering_of(
    required_parameters: tuple[tuple[str, str], ...] | None = None,
    account_id: str | None = None,
    explicit_deny: bool | None = None,
) -> Rendering | None:
    """The rendering a fault's checked arguments give (``None``: defaults)."""
    if required_parameters is None and account_id is None and explicit_deny is None:
        return None
    return Rendering(
        required_parameters or DEFAULT_REQUIRED_PARAMETERS,
        account_id or DEFAULT_ACCOUNT_ID,
        bool(explicit_deny),
    )


def _json(key: str, message: str) -> bytes:
    """``{"<key>":"<message>"}`` as AWS writes it: compact, ASCII."""
    return json.dumps({key: message}, separators=(",", ":")).encode()


def _api_of(url: str) -> tuple[str, str]:
    """The region and API id of an execute-api URL, or the capture's."""
    found = _EXECUTE_API.search(urlsplit(url).netloc.lower())
    if found is None:
        return _EXAMPLE_REGION, _EXAMPLE_API
    return found["region"], found["api"]


# resource_policy_denied [RP-2025][RP-OLD] ----------------------------------------


def request_arn(request: Incoming, account: str) -> tuple[str, str]:
    """The ARN of the method ``request`` calls, as a resource policy sees it
    and its denial names it, and the API's own ARN it starts with:
    ``arn:aws:execute-api:<region>:<account>:<api-id>`` then
    ``/<stage>/<METHOD>/<path without the stage>``."""
    region, api_id = _api_of(request.url)
    segments = urlsplit(request.url).path.lstrip("/").split("/", 1)
    stage, path = segments[0], segments[1] if len(segments) > 1 else ""
    prefix = f"arn:aws:execute-api:{region}:{account}:{api_id}"
    return f"{prefix}/{stage}/{request.method}/{path}", prefix


def _denied(request: Incoming, rendering: Rendering) -> tuple[bytes, str]:
    """``User: <caller> is not authorized …`` with the ARN of the method
    (:func:`request_arn`), the account masked to its last four digits."""
    arn, _ = request_arn(request, f"********{rendering.account_id[-4:]}")
    message = (
        f"User: {rendering.principal} is not authorized to perform: execute-api:Invoke on"
        f" resource: {arn}"
    )
    if rendering.explicit_deny:
        message += " with an explicit deny"
    return _json("Message", message), message


# incomplete_signature [ISE-NEW][ISE-CRED] --------------------------------------


def _incomplete(request: Incoming, rendering: Rendering) -> tuple[bytes, str] | None:
    """The body for the request's ``Authorization`` value: with a space whose
    second word has no ``=``, the 2025 form quoting a SHA-256/base64 hash (of
    the whole value: ⚠️ inferred); else the form that names the SigV4 parts
    it lacks and ends with the value [ISE-CRED] (a bare token lacks all four,
    as captured; naming only the lacking ones of a partly SigV4 value is ⚠️
    inferred). No header: the row's example."""
    value = request.header("Authorization")
    if value is None:
        return None
    words = value.split(" ", 1)
    if len(words) == 2 and "=" not in words[1].split(" ", 1)[0]:
        digest = base64.b64encode(hashlib.sha256(value.encode("utf-8")).digest()).decode()
        message = (
            "Invalid key=value pair (missing equal-sign) in Authorization header (hashed"
            f" with SHA-256 and encoded with Base64): '{digest}'."
        )
    else:
        message = " ".join(_lacking(request, value) or _REQUIREMENTS) + f" Authorization={value}"
    return _json("message", message), message


# What a SigV4 Authorization value needs, each sentence as AWS words it [ISE-CRED].
_REQUIREMENTS = (
    "Authorization header requires 'Credential' parameter.",
    "Authorization header requires 'Signature' parameter.",
    "Authorization header requires 'SignedHeaders' parameter.",
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
)


def _lacking(request: Incoming, value: str) -> list[str]:
    """The requirements of :data:`_REQUIREMENTS` that ``value`` (with the
    request's date headers) does not meet, in their order."""
    keys = {word.partition("=")[0] for word in value.replace(",", " ").split() if "=" in word}
    lacking = [
        _REQUIREMENTS[index]
        for index, part in enumerate(("Credential", "Signature", "SignedHeaders"))
        if part not in keys
    ]
    if request.header("X-Amz-Date") is None and request.header("Date") is None:
        lacking.append(_REQUIREMENTS[3])
    return lacking


def not_sigv4(request: Incoming) -> bool:
    """Whether the request has an ``Authorization`` header API Gateway cannot
    take as SigV4: another scheme, or a SigV4 value that lacks a part or its
    date header (refused as an incomplete signature)."""
    value = request.header("Authorization")
    if value is None:
        return False
    return not value.startswith(_SIGV4 + " ") or bool(_lacking(request, value))


# bad_request_parameters [PULUMI][LS-VAL] -----------------------------------------


def _present(request: Incoming, location: str, name: str) -> bool:
    if location == "header":
        return request.header(name) is not None
    if location == "querystring":
        query = urlsplit(request.url).query
        return any(key == name for key, _ in parse_qsl(query, keep_blank_values=True))
    return True  # a path parameter: the resource matched, so it has one


def missing_parameters(
    request: Incoming, required: tuple[tuple[str, str], ...]
) -> list[str]:
    """The names of the ``required`` (location, name) parameters ``request``
    lacks, by location (header, path, query string), each in declared order."""
    order = {location: index for index, location in enumerate(PARAMETER_LOCATIONS)}
    declared = sorted(required, key=lambda item: order[item[0]])
    return [n for loc, n in declared if not _present(request, loc, n)]


def _missing(request: Incoming, rendering: Rendering) -> tuple[bytes, str]:
    """``Missing required request parameters: [a, b]``, the request's
    missing ones by location (header, path, query string), each in the
    order declared; with a space after the colon. When none is missing (the
    fault answers all the same), every declared name."""
    order = {location: index for index, location in enumerate(PARAMETER_LOCATIONS)}
    declared = sorted(rendering.required_parameters, key=lambda item: order[item[0]])
    missing = missing_parameters(request, rendering.required_parameters)
    names = missing or [name for _, name in declared]
    message = f"Missing required request parameters: [{', '.join(names)}]"
    return json.dumps({"message": message}).encode(), message


# invalid_signature [SIG-MISMATCH] ------------------------------------------------


def authorization_parts(value: str | None) -> dict[str, str]:
    """``Credential``, ``SignedHeaders`` and ``Signature`` of a SigV4 value."""
    if value is None or not value.startswith(_SIGV4 + " "):
        return {}
    parts = {}
    for item in value[len(_SIGV4) + 1 :].split(","):
        key, _, text = item.strip().partition("=")
        parts[key] = text
    return parts


_NO_BOTOCORE = (
    "scenario 'invalid_signature' computes the canonical request with botocore,"
    " which is not installed: pip install 'pytest-apigw-faults[sigv4]'"
)


def botocore_installed() -> bool:
    return importlib.util.find_spec("botocore") is not None


def check_available(scenario: object) -> None:
    """An error, when a fault is made, for a row whose renderer cannot run here."""
    if (
        isinstance(scenario, Scenario)
        and scenario.renders == "signature"
        and not botocore_installed()
    ):
        raise ApigwFaultError(_NO_BOTOCORE)


def _signer() -> Callable[..., tuple[str, str]]:
    try:
        from ._sigv4 import canonical_strings
    except ImportError:
        raise ApigwFaultError(_NO_BOTOCORE) from None
    return canonical_strings


def _mismatch(request: Incoming, rendering: Rendering, arrived_at: float) -> tuple[bytes, str]:
    """The canonical request and string-to-sign API Gateway computed from the
    request: its signed headers, its ``X-Amz-Date`` and its credential scope.
    An unsigned request is taken as signed for ``host`` and ``x-amz-date``,
    at its arrival, for execute-api in the URL's region."""
    parts = authorization_parts(request.header("Authorization"))
    scope = parts.get("Credential", "").split("/")
    region, _ = _api_of(request.url)
    if len(scope) == 5:
        region, service = scope[2], scope[3]
    else:
        service = "execute-api"
    signed = tuple(
        name for name in parts.get("SignedHeaders", "host;x-amz-date").split(";") if name
    )
    canonical, to_sign = _signer()(request, signed, region, service, arrived_at)
    message = (
        "The request signature we calculated does not match the signature you provided."
        " Check your AWS Secret Access Key and signing method. Consult the service"
        " documentation for details.\n\nThe Canonical String for this request should"
        f" have been\n'{canonical}'\n\nThe String-to-Sign should have been\n'{to_sign}'\n"
    )
    return _json("message", message), message


#: The renderers, by the name a row's ``renders`` gives; each gives the body
#: and the message (``$context.error.message``), or ``None`` for the row's own.
RENDERERS: Mapping[str, Callable[[Incoming, Rendering, float], tuple[bytes, str] | None]] = (
    MappingProxyType(
        {
            "resource_policy": lambda request, rendering, _: _denied(request, rendering),
            "authorization_value": lambda request, rendering, _: _incomplete(
                request, rendering
            ),
            "missing_parameters": lambda request, rendering, _: _missing(request, rendering),
            "signature": _mismatch,
        }
    )
)
# The renderers that read the request body (the payload's hash).
_READS_BODY = frozenset({"signature"})


def needs_body(scenario: Scenario | None) -> bool:
    """Whether answering ``scenario`` needs the request body."""
    return scenario is not None and scenario.renders in _READS_BODY


def render(
    scenario: Scenario,
    request: Incoming,
    rendering: Rendering | None = None,
    arrived_at: float = 0.0,
) -> Scenario:
    """``scenario`` as answered for ``request``: a rendered row with the
    body and message made from the request, any other row as it is."""
    if scenario.renders is None:
        return scenario
    made = RENDERERS[scenario.renders](request, rendering or _DEFAULT, arrived_at)
    if made is None:
        return scenario
    body, message = made
    return dataclasses.replace(scenario, body=body, message=message)


def substitute(scenario: Scenario, request: Incoming, table: Mapping[tuple[str, Api], Scenario]
               ) -> Scenario:
    """The row API Gateway answers ``request`` with instead of ``scenario``:
    a REST routing miss with a non-SigV4 ``Authorization`` header is parsed
    as a signature and refused as incomplete [CAP-ISE][BIZTRACK]."""
    if (
        scenario.api is Api.REST
        and scenario.name == "route_not_found"
        and not_sigv4(request)
    ):
        return table[("incomplete_signature", Api.REST)]
    return scenario
