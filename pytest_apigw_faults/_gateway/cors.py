"""CORS as API Gateway answers it, per api.

HTTP API (``CorsConfiguration`` [D-HTTPCORS] 📄). API Gateway "automatically
sends a response to preflight OPTIONS requests, even if there isn't an
OPTIONS route configured", "ignores CORS headers returned from your backend
integration", and returns CORS headers only when the request has an
``Origin`` header, and a preflight (OPTIONS) also
``Access-Control-Request-Method``. A ``$default`` route (or any route that
takes OPTIONS: ``ANY``, ``/path``) catches preflights too, authorizer
included, so that AWS advises an unauthorized ``OPTIONS /{proxy+}`` route
[D-HTTPCORS] 📄: here a preflight the fault's route takes goes to the route
(its row or Lambda), and the gateway answers the others itself. Allowing
credentials with the origin ``*`` is refused when the API is configured
("allow-credentials is not supported if 'allow-origin' is *", a
BadRequestException [CDK-9076] ✅), so :class:`Cors` refuses it too.

⚠️ Inferred, not captured: the gateway's own preflight answer is ``204`` with
no body and no content-type; its headers are ``access-control-allow-origin``
(the request's origin, or ``*`` when every origin is allowed),
``-allow-credentials: true``, ``-allow-methods`` and ``-allow-headers`` (the
configured lists joined with ``,``, header names lower-cased), and
``-max-age``, in that order before ``apigw-requestid``; other answers get
``-allow-origin``, ``-allow-credentials`` and ``-expose-headers`` there. A
preflight whose origin, method or headers the configuration does not allow
(a rejected preflight, not captured) gets the 204 without any
``access-control-*`` header, which the browser refuses. An origin ``scheme://*``
allows every origin of that scheme.

REST APIs have no CORS setting: CORS is an ``OPTIONS`` method with a MOCK
integration, and gateway responses carrying ``access-control-*`` headers on
errors [D-CORS-REST] 📄. ``cors=`` on a REST fault means what AWS SAM's
``Cors`` property generates [SAM-CORS] 📄 (its swagger editor,
``_options_method_response_for_cors``): an ``OPTIONS`` method whose MOCK
integration answers any OPTIONS request with 200, ``application/json``, the
response template ``{}\\n`` and the static headers
``Access-Control-Allow-Origin`` (the origins as one comma-separated value),
``-Allow-Headers``, ``-Allow-Methods`` (default: every method of the
resource and OPTIONS, sorted; an ``ANY`` method gives all seven),
``-Max-Age`` and ``-Allow-Credentials: 'true'`` (only when true), in that
order. SAM adds nothing to the Lambda's answers ("your backend must return
the Access-Control-Allow-Origin ... headers") nor to errors, unless gateway
responses (``gateway_responses=``) say so. ⚠️ The OPTIONS method here has no
authorizer and no API key (the console's "Enable CORS" way; SAM adds the
default authorizer unless ``AddDefaultAuthorizerToCorsPreflight: false``);
the body is the template's text as written, ``{}`` and a newline; where the
headers go among API Gateway's own follows the success order (inferred).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .errors import ApigwFaultError
from .records import Exchange, Incoming
from .result import ProxyResult
from .table import Api

__all__ = ["SAM_ANY_METHODS", "Cors", "check_cors", "is_preflight", "with_cors"]

#: What SAM's Access-Control-Allow-Methods is for a resource with an ANY
#: method: every method it knows, upper-case and sorted [SAM-CORS].
SAM_ANY_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_PREFIX = "access-control-"


def _strings(name: str, value: object) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not all(isinstance(i, str) and i for i in items):
        raise ApigwFaultError(
            f"Cors {name}= takes a str or a list of non-empty str, got {value!r}"
        )
    return tuple(items)


@dataclass(frozen=True)
class Cors:
    """A CORS configuration: an HTTP API's ``CorsConfiguration``, or on a
    REST API what SAM's ``Cors`` property generates (an OPTIONS MOCK method).

    ``allow_origins`` are origins (``"https://app.example.com"``, ``"*"``),
    ``allow_methods`` and ``allow_headers`` what a preflight may ask for
    (``"*"``: any), ``expose_headers`` the headers a browser may read (HTTP
    API only), ``max_age`` the seconds a browser may cache a preflight, and
    ``allow_credentials`` whether requests may carry credentials (not with
    the origin ``"*"``). Each list takes a str or a list of str."""

    allow_origins: str | Sequence[str] = "*"
    allow_methods: str | Sequence[str] = ()
    allow_headers: str | Sequence[str] = ()
    expose_headers: str | Sequence[str] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    def __post_init__(self) -> None:
        for name in ("allow_origins", "allow_methods", "allow_headers", "expose_headers"):
            object.__setattr__(self, name, _strings(name, getattr(self, name)))
        if not self.allow_origins:
            raise ApigwFaultError("Cors allow_origins= names no origin; give '*' or an origin")
        methods = tuple(method.upper() for method in self.allow_methods)
        object.__setattr__(self, "allow_methods", methods)
        age = self.max_age
        if age is not None and (isinstance(age, bool) or not isinstance(age, int) or age < 0):
            raise ApigwFaultError(f"Cors max_age= is whole seconds, at least 0, got {age!r}")
        if not isinstance(self.allow_credentials, bool):
            raise ApigwFaultError(
                f"Cors allow_credentials= takes True or False, got {self.allow_credentials!r}"
            )
        if self.allow_credentials and "*" in self.allow_origins:
            raise ApigwFaultError(  # as AWS refuses the configuration [CDK-9076]
                "Cors: allow-credentials is not supported if 'allow-origin' is *; name the"
                " origins that may send credentials"
            )

    @property
    def origins(self) -> tuple[str, ...]:
        return self.allow_origins  # type: ignore[return-value]  # a tuple once made

    @property
    def methods(self) -> tuple[str, ...]:
        return self.allow_methods  # type: ignore[return-value]

    @property
    def headers(self) -> tuple[str, ...]:
        return self.allow_headers  # type: ignore[return-value]

    @property
    def exposed(self) -> tuple[str, ...]:
        return self.expose_headers  # type: ignore[return-value]

    # HTTP API ---------------------------------------------------------------

    def allowed_origin(self, origin: str) -> str | None:
        """The ``access-control-allow-origin`` value for ``origin``, or
        ``None`` when the configuration does not allow it."""
        for allowed in self.origins:
            if allowed == "*":
                return "*"
            if allowed.endswith("://*") and origin.lower().startswith(allowed[:-1].lower()):
                return origin
            if allowed.lower() == origin.lower():
                return origin
        return None

    def _allows(self, method: str, requested: str | None) -> bool:
        if "*" not in self.methods and method.upper() not in self.methods:
            return False
        if requested is None or "*" in self.headers:
            return True
        allowed = {name.lower() for name in self.headers}
        names = (name.strip().lower() for name in requested.split(","))
        return all(name in allowed for name in names if name)

    def preflight_headers(self, incoming: Incoming) -> tuple[tuple[str, str], ...]:
        """The headers of an HTTP API's answer to a preflight, or none when
        it does not pass (see the module)."""
        origin = incoming.header("Origin") or ""
        allowed = self.allowed_origin(origin)
        method = incoming.header("Access-Control-Request-Method") or ""
        if allowed is None or not self._allows(method, incoming.header(
            "Access-Control-Request-Headers"
        )):
            return ()
        headers = [("access-control-allow-origin", allowed)]
        if self.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
        if self.methods:
            headers.append(("access-control-allow-methods", ",".join(self.methods)))
        if self.headers:
            headers.append(
                ("access-control-allow-headers", ",".join(h.lower() for h in self.headers))
            )
        if self.max_age is not None:
            headers.append(("access-control-max-age", str(self.max_age)))
        return tuple(headers)

    def response_headers(self, incoming: Incoming) -> tuple[tuple[str, str], ...]:
        """The headers an HTTP API adds to an answer that is not its own
        preflight answer: none without an allowed ``Origin``."""
        if is_preflight(incoming):  # a preflight a route answered
            return self.preflight_headers(incoming)
        allowed = self.allowed_origin(incoming.header("Origin") or "")
        if allowed is None:
            return ()
        headers = [("access-control-allow-origin", allowed)]
        if self.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
        if self.exposed:
            headers.append(("access-control-expose-headers", ",".join(self.exposed)))
        return tuple(headers)

    # REST (SAM) ---------------------------------------------------------------

    def mock_result(self) -> ProxyResult:
        """The answer of the OPTIONS MOCK method SAM generates [SAM-CORS]."""
        headers = [
            ("Content-Type", "application/json"),
            ("Access-Control-Allow-Origin", ",".join(self.origins)),
        ]
        if self.headers:
            headers.append(("Access-Control-Allow-Headers", ",".join(self.headers)))
        headers.append(
            ("Access-Control-Allow-Methods", ",".join(self.methods or SAM_ANY_METHODS))
        )
        if self.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(self.max_age)))
        if self.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return ProxyResult(200, tuple(headers), b"{}\n")


def is_preflight(incoming: Incoming) -> bool:
    """Whether ``incoming`` is a CORS preflight as an HTTP API tells one."""
    return (
        incoming.method == "OPTIONS"
        and incoming.header("Origin") is not None
        and incoming.header("Access-Control-Request-Method") is not None
    )


def with_cors(exchange: Exchange, cors: Cors, incoming: Incoming) -> Exchange:
    """An HTTP API's ``exchange`` with the integration's ``access-control-*``
    headers dropped and the configuration's put before ``apigw-requestid``,
    when the request has an ``Origin``."""
    if incoming.header("Origin") is None:
        return exchange
    added = cors.response_headers(incoming)
    response = exchange.response
    kept = [line for line in response.headers if not line[0].startswith(_PREFIX)]
    at = next((i for i, (name, _) in enumerate(kept) if name == "apigw-requestid"), len(kept))
    headers = (*kept[:at], *added, *kept[at:])
    return dataclasses.replace(
        exchange, response=dataclasses.replace(response, headers=headers)
    )


class _Checked(Protocol):
    api: Api | None


def check_cors(value: object, context: _Checked) -> Cors:
    """``value``, the ``cors=`` of a fault (``context.api``), checked."""
    api = context.api
    if not isinstance(value, Cors):
        raise ApigwFaultError(
            "cors= takes Cors(allow_origins=, allow_methods=, allow_headers=,"
            f" expose_headers=, max_age=, allow_credentials=); got {value!r}"
        )
    if api is None:
        raise ApigwFaultError(
            "cors= needs api=: an HTTP API answers preflights itself, a REST API through"
            " an OPTIONS MOCK method (as SAM generates it)"
        )
    if api is Api.REST and value.exposed:
        raise ApigwFaultError(
            "Cors expose_headers= is an HTTP API setting; SAM's Cors for a REST API has"
            " no ExposeHeaders (the Lambda sends Access-Control-Expose-Headers itself)"
        )
    return value
