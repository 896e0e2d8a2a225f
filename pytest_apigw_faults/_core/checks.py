"""The check of each argument of a fault, on its own value.

Each check takes a value the user gave (never ``None``) and the API and
endpoint the fault is for, and gives the value as the options keep it, or
raises an :class:`ApigwFaultError` that names the argument and the valid
choices. How the arguments combine is checked in :mod:`.options`.

Imported when pytest starts (the declaration in :mod:`.arguments` names
these checks), so the scenario table, the Lambda side and the gateway
responses are imported by the checks that need them, when they run.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._gateway.auth import ARGUMENT_TYPES
from .._gateway.auth.config import check_authorizer as check_authorizer
from .._gateway.auth.iam import check_iam as check_iam
from .._gateway.auth.keys import check_api_keys as check_api_keys
from .._gateway.auth.resource_policy import check_resource_policy as check_resource_policy
from .._gateway.context import check_source_ip as check_source_ip
from .._gateway.cors import Cors
from .._gateway.cors import check_cors as check_cors
from .._gateway.limits import FUNCTION_TIMEOUTS, MAX_INTEGRATION_TIMEOUT, MIN_INTEGRATION_TIMEOUT
from .._gateway.scenario import ENDPOINTS, Api, ApigwFaultError, Endpoint, Scenario
from .._gateway.table import SCENARIOS, parse_api, parse_endpoint
from .._gateway.table import check_name as table_name
from .._gateway.throttle import Throttle
from .._gateway.throttle import check_throttle as check_throttle
from .._gateway.validation import check_request_model as check_request_model
from .._lambda import routes as _routes
from .._lambda.integration import check_reserved_concurrency as check_reserved_concurrency
from . import arguments as _declaration

if TYPE_CHECKING:
    from .._gateway.custom import GatewayResponses

__all__ = [
    "AFTER",
    "CLIENTS",
    "Context",
    "check_handler",
    "check_item",
    "invokes",
    "item_name",
    "parse_clients",
    "parse_integration_timeout",
]

#: The HTTP clients a fault can answer, with the extra that installs each.
CLIENTS: Mapping[str, tuple[str, str]] = {
    "requests": ("responses", "pytest-apigw-faults[requests]"),
    "httpx": ("respx", "pytest-apigw-faults[httpx]"),
    "aiohttp": ("aioresponses", "pytest-apigw-faults[aiohttp]"),
}
#: What a fault does after the last item of ``sequence=`` (or ``then=``):
#: answer with that item again, or let later calls pass through (which
#: strict mode then allows: see ``runtime.claim``).
AFTER = ("repeat", "pass")
ITEM_KINDS = (
    "a scenario name, a Scenario, a handler (a callable or a 'module:function'"
    " string) or a Lambda result (a dict)"
)
_HANDLER_PATH = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


@dataclass(frozen=True)
class Context:
    """What a value is checked against: the fault's API and endpoint, when
    they are known (the Lambda's arguments are checked only once they are)."""

    api: Api | None = None
    endpoint: Endpoint | None = None

    @property
    def lambda_api(self) -> Api:
        assert self.api is not None, "the Lambda's arguments need api="
        return self.api


# The scenario ---------------------------------------------------------------


def check_api(value: object, context: Context) -> Api:
    return parse_api(value)


def check_name(value: object, context: Context) -> str | Scenario:
    """A scenario name (of ``context.api``, when given), or a row of the
    table, which must be of that api."""
    if isinstance(value, Scenario):
        if context.api is not None and context.api is not value.api:
            raise ApigwFaultError(
                f"scenario {value.id!r} is a {value.api.value!r} scenario, but"
                f" api={context.api.value!r} was given"
            )
        return table_row(value)

    return table_name(value, context.api)


def check_endpoint(value: object, context: Context) -> Endpoint:
    """An endpoint type the api offers, or (without an api) that one offers."""
    if context.api is not None:
        return parse_endpoint(value, context.api)
    offered = {e.value for api in Api for e in ENDPOINTS[api]}
    if not isinstance(value, str) or value not in offered:
        raise ApigwFaultError(
            f"unknown endpoint {value!r}; valid choices:"
            f" {', '.join(repr(v) for v in sorted(offered))}"
        )
    return Endpoint(value)


def check_url(value: object, context: Context) -> str | re.Pattern[str]:
    if not isinstance(value, (str, re.Pattern)):
        raise ApigwFaultError(
            f"url= takes a URL prefix (str) or a compiled regex, got"
            f" {type(value).__name__} {value!r}"
        )
    if isinstance(value, str) and not value.startswith(("http://", "https://")):
        raise ApigwFaultError(f"url={value!r} is not an absolute http(s) URL prefix")
    return value


def check_times(value: object, context: Context) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApigwFaultError(
            f"times= takes a whole number of calls, at least 1, or None for"
            f" every call; got {value!r}"
        )
    return value


def parse_clients(value: object) -> tuple[str, ...]:
    """The clients ``value`` names (a name or several), each once."""
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, (bytes, Mapping)):
        items = (value,)
    result: list[str] = []
    for item in items:
        if not isinstance(item, str) or item not in CLIENTS:
            raise ApigwFaultError(
                f"unknown client {item!r}; valid choices:"
                f" {', '.join(repr(c) for c in CLIENTS)}"
            )
        if item not in result:
            result.append(item)
    if not result:
        raise ApigwFaultError(
            "clients= names no client; valid choices:"
            f" {', '.join(repr(c) for c in CLIENTS)}"
        )
    return tuple(result)


def check_clients(value: object, context: Context) -> tuple[str, ...]:
    return parse_clients(value)


def _seconds(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ApigwFaultError(f"{key}= takes seconds (a number), got {value!r}")
    return float(value)


def check_integration_timeout(value: object, context: Context) -> float:
    """Seconds; the range of the API's endpoint is checked with the rows
    (:func:`.options.check_timeouts`)."""
    return _seconds("integration_timeout", value)


def check_function_timeout(value: object, context: Context) -> float:
    seconds = _seconds("function_timeout", value)
    low, high = FUNCTION_TIMEOUTS
    if not (seconds.is_integer() and low <= seconds <= high):
        raise ApigwFaultError(
            f"function_timeout={seconds:g} is not a Lambda timeout: whole"
            f" seconds from {low} to {high}"
        )
    return seconds


def check_gateway_responses(value: object, context: Context) -> GatewayResponses:
    if context.api is not Api.REST:
        raise ApigwFaultError(
            "gateway_responses= customises REST APIs only; HTTP APIs have no"
            " gateway responses"
            + ("" if context.api is Api.HTTP else " (add api='rest')")
        )
    from .._gateway.custom import load

    return load(value)


def check_virtual_time(value: object, context: Context) -> bool:
    if isinstance(value, bool):
        return value
    raise ApigwFaultError(f"virtual_time= takes True or False, got {value!r}")


# What the bodies rendered from a request need -------------------------------

_PARAMETER = re.compile(r"(?:method\.request\.)?(?P<location>[^.]+)\.(?P<name>.+)")


def _rest_only(key: str, scenario: str, context: Context) -> None:
    if context.api is Api.HTTP:
        raise ApigwFaultError(
            f"{key}= describes a REST API's {scenario!r} answer; HTTP APIs have none"
        )


def _parameter(item: object) -> tuple[str, str]:
    from .._gateway.render import PARAMETER_LOCATIONS

    found = _PARAMETER.fullmatch(item) if isinstance(item, str) else None
    if found is None:
        raise ApigwFaultError(
            f"required_parameters: {item!r} is not a request parameter; write"
            " 'method.request.<location>.<name>' or '<location>.<name>', e.g."
            " 'querystring.key', 'header.x-api-version' or 'path.id'"
        )
    location = found["location"]
    if location not in PARAMETER_LOCATIONS:
        close = difflib.get_close_matches(location, PARAMETER_LOCATIONS, n=1, cutoff=0.4)
        hint = f"; did you mean {close[0]!r}?" if close else ";"
        raise ApigwFaultError(
            f"required_parameters: {item!r} has the unknown location {location!r}{hint}"
            f" valid locations: {', '.join(repr(loc) for loc in PARAMETER_LOCATIONS)}"
        )
    return location, found["name"]


def check_required_parameters(value: object, context: Context) -> tuple[tuple[str, str], ...]:
    """``(location, name)`` pairs, in the order given, each once."""
    _rest_only("required_parameters", "bad_request_parameters", context)
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, (bytes, Mapping)):
        raise ApigwFaultError(
            "required_parameters= takes a parameter or a list of them, e.g."
            f" ['querystring.key', 'header.x-api-version']; got {value!r}"
        )
    pairs = tuple(dict.fromkeys(_parameter(item) for item in items))
    if not pairs:
        raise ApigwFaultError(
            "required_parameters= names no parameter; give at least one, e.g."
            " 'querystring.key'"
        )
    return pairs


def check_account_id(value: object, context: Context) -> str:
    _rest_only("account_id", "resource_policy_denied", context)
    if not isinstance(value, str) or re.fullmatch(r"[0-9]{12}", value) is None:
        raise ApigwFaultError(
            f"account_id= takes an AWS account id, 12 digits as a str (e.g."
            f" '123456789012'); got {value!r}"
        )
    return value


def check_explicit_deny(value: object, context: Context) -> bool:
    _rest_only("explicit_deny", "resource_policy_denied", context)
    if not isinstance(value, bool):
        raise ApigwFaultError(
            f"explicit_deny= takes True (a statement denies) or False (none allows);"
            f" got {value!r}"
        )
    return value


# What answers, call by call -------------------------------------------------


def check_handler(value: object, context: Context | None = None, key: str = "handler") -> object:
    """``value`` if it is a callable or a ``"module:function"`` path."""
    if isinstance(value, str) and _HANDLER_PATH.fullmatch(value) is None:
        meant = ":".join(value.rsplit(".", 1))  # Lambda's own 'app.handler' notation
        hint = f"; did you mean {meant!r}?" if _HANDLER_PATH.fullmatch(meant) else ""
        raise ApigwFaultError(f"{key}={value!r} is not a handler path: write 'module:function'"
                              f" (e.g. 'app.main:handler'), or pass the function itself{hint}")
    if not isinstance(value, str) and not callable(value):
        raise ApigwFaultError(
            f"{key}= takes a handler: a callable (event, context) -> result, or a"
            f" 'module:function' string; got {type(value).__name__} {value!r}"
        )
    return value


def table_row(row: Scenario) -> Scenario:
    """``row``, which must be the table's own: a fault answers with the
    table's rows only, so a changed copy would be answered as the original."""
    own = SCENARIOS.get((row.name, row.api))
    if own is None or own != row:
        fields = "" if own is None else ", ".join(
            f.name for f in dataclasses.fields(row) if getattr(row, f.name) != getattr(own, f.name)
        )
        detail = f" (it differs from the table's in {fields})" if fields else ""
        raise ApigwFaultError(
            f"scenario {row.id!r} is not a row of the scenario table{detail}: a fault"
            " answers with the table's rows (get_scenario(name, api=...)); change an"
            " answer with gateway_responses=, or a handler"
        )
    return own


def item_name(item: object) -> str | None:
    """The scenario name an item of a sequence stands for, or ``None`` for a
    handler or a Lambda result."""
    if isinstance(item, Scenario):
        return item.name
    if isinstance(item, str) and ":" not in item:
        return item
    return None


def invokes(item: object) -> bool:
    """Whether an item invokes the Lambda (a handler or a result)."""
    return item_name(item) is None


def check_item(key: str, item: object, context: Context) -> object:
    """One item of ``sequence=`` (or ``then=``): a scenario of the api that
    its endpoint has, a handler, or a Lambda result."""
    api = context.lambda_api
    if isinstance(item, Scenario):
        if item.api is not api:
            raise ApigwFaultError(
                f"{key}: scenario {item.id!r} is a {item.api.value!r} scenario, but"
                f" api={api.value!r}"
            )
        name: str = table_row(item).name
    elif isinstance(item, str) and ":" not in item:
        try:
            name = table_name(item, api)
        except ApigwFaultError as error:
            raise ApigwFaultError(f"{key}: {error}") from None
    elif isinstance(item, str) or callable(item):
        return check_handler(item, context, key)
    elif isinstance(item, Mapping):
        return item
    else:
        raise ApigwFaultError(f"{key}: {type(item).__name__} {item!r} is not {ITEM_KINDS}")

    row = SCENARIOS[(name, api)]
    where = context.endpoint or ENDPOINTS[api][0]
    if where not in row.endpoint_types:
        raise ApigwFaultError(
            f"{key}: scenario {name!r} does not exist on endpoint {where.value!r}; it"
            f" exists on {', '.join(e.value for e in row.endpoint_types)}"
        )
    return item


def check_then(value: object, context: Context) -> object:
    return check_item("then", value, context)


def check_sequence(value: object, context: Context) -> tuple[object, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise ApigwFaultError(
            f"sequence= takes a list of items, each {ITEM_KINDS}; got {value!r}"
        )
    items = tuple(value)
    if not items:
        raise ApigwFaultError(f"sequence= is empty; give at least one item: {ITEM_KINDS}")
    for index, item in enumerate(items):
        check_item(f"sequence[{index}]", item, context)
    return items


def check_after(value: object, context: Context) -> str:
    if not isinstance(value, str) or value not in AFTER:
        raise ApigwFaultError(
            f"unknown after={value!r}; valid choices: {', '.join(repr(a) for a in AFTER)}"
            " (answer every later call with the last item, the default, or let later"
            " calls pass through to the network or your own mocks, even in strict mode)"
        )
    return value


# The API in front of the Lambda (what each is: see _lambda/routes.py) --------


def check_stage(value: object, context: Context) -> str:
    return _routes.check_stage(context.lambda_api, value)


def check_route(value: object, context: Context) -> str:
    return _routes.check_route(context.lambda_api, value)


def check_stage_variables(value: object, context: Context) -> dict[str, str]:
    if not (
        isinstance(value, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    ):
        raise ApigwFaultError(f"stage_variables= takes a dict of str to str, got {value!r}")
    return dict(value)


def check_binary_media_types(value: object, context: Context) -> tuple[str, ...]:
    if context.api is Api.HTTP:
        raise ApigwFaultError(
            "binary_media_types= is a REST API setting; HTTP APIs base64-encode"
            " request bodies by their content type and decode a result's body by"
            " its isBase64Encoded"
        )
    items = (value,) if isinstance(value, str) else value
    if (
        not isinstance(items, Iterable)
        or isinstance(items, (bytes, Mapping))
        or not all(isinstance(i, str) and i for i in items)
    ):
        raise ApigwFaultError(
            "binary_media_types= takes media types (a str or a list of str, e.g."
            f" ['image/png', 'application/octet-stream']), got {value!r}"
        )
    return tuple(items)


def check_payload_format(value: object, context: Context) -> str:
    return _routes.payload_format_of(context.lambda_api, value)


def check_handler_duration(value: object, context: Context) -> Any:
    """Seconds (at least 0) or a callable given the event."""
    if callable(value):
        return value
    seconds = _seconds("handler_duration", value)
    if seconds < 0:
        raise ApigwFaultError(
            f"handler_duration= takes seconds (a number, at least 0) or a"
            f" callable(event) -> seconds; got {value!r}"
        )
    return seconds


# The ini keys ---------------------------------------------------------------


def parse_integration_timeout(text: str) -> float:
    """An ini value for the integration timeout, checked against the widest
    range any API accepts (each fault checks its own endpoint's)."""
    try:
        value = float(text)
    except ValueError:
        raise ApigwFaultError(f"{text!r} is not a number of seconds") from None
    if not MIN_INTEGRATION_TIMEOUT <= value <= MAX_INTEGRATION_TIMEOUT:  # NaN fails too
        raise ApigwFaultError(
            f"{text!r} is no API's integration timeout: from"
            f" {MIN_INTEGRATION_TIMEOUT:g} s to {MAX_INTEGRATION_TIMEOUT:g} s"
            " (29 s on edge-optimized REST APIs, 30 s on HTTP APIs)"
        )
    return value


def ini_clients(value: object, base: Path) -> tuple[str, ...]:
    return parse_clients(value)


def ini_integration_timeout(value: object, base: Path) -> float:
    return parse_integration_timeout(str(value))


def ini_gateway_responses(value: object, base: Path) -> GatewayResponses:
    """The document the ini key names, relative to the ini file."""
    from .._gateway.custom import load

    return load(base / str(value))


def ini_virtual_time(value: object, base: Path) -> bool:
    return bool(value)


_THIS = sys.modules[__name__]  # this copy of the module, whatever sys.modules holds later


@functools.cache
def arguments() -> tuple[_declaration.Argument, ...]:
    """Every declared argument with its check, the scenario name first, in
    the order of the signature (see :mod:`.arguments`)."""
    names = {
        "checks": _THIS, "Scenario": Scenario, "Cors": Cors, "Throttle": Throttle,
        "Api": Api, "Endpoint": Endpoint, **ARGUMENT_TYPES,
    }
    return _declaration.declared(names)
