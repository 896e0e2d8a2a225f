"""The scenario table: what API Gateway answers for each failure, as data.

Every row comes from a real capture or a documented fact, and says which.
Nothing here imports an HTTP client; the gateway model and the adapters read
these records, and so do the pytest marker, the matrix and the README table.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from .names import ApiName, ScenarioName
from .rows_integration import INTEGRATION_ROWS
from .rows_refused import REFUSED_ROWS
from .rows_signed import SIGNED_ROWS
from .scenario import (
    ENDPOINTS,
    RESPONSE_TYPES,
    Api,
    ApigwFaultError,
    Endpoint,
    Evidence,
    Phase,
    Scenario,
    default_body,
    message_string,
)
from .sources import SOURCES

__all__ = [
    "ENDPOINTS",
    "RESPONSE_TYPES",
    "SCENARIOS",
    "SOURCES",
    "Api",
    "ApigwFaultError",
    "Endpoint",
    "Evidence",
    "Phase",
    "Scenario",
    "check_name",
    "cited_sources",
    "default_body",
    "get_scenario",
    "message_string",
    "parse_api",
    "parse_endpoint",
    "scenario_names",
]

# Rows whose body is not what the default template makes: AWS sends a
# capital "Message" for an access denial [LOIGE][CAP-RP].
_TEMPLATE_QUIRKS = frozenset({("access_denied", Api.REST)})
_WAITS = (None, "integration_timeout", "function_timeout")
# The renderers of .render (which imports this module, so named here).
_RENDERERS = frozenset({"resource_policy", "authorization_value", "missing_parameters",
                        "signature"})



def cited_sources(row: Scenario) -> tuple[str, ...]:
    """The source tags a row rests on, and those its note cites as ``[TAG]``."""
    return row.sources + tuple(re.findall(r"\[([A-Z][A-Z0-9-]*)\]", row.note))


def _body_problems(row: Scenario, quirk: bool) -> list[str]:
    """How ``row``'s body breaks the template rule: the body (or, for a row
    rendered from the request, its example) is what the default template
    ``{"message":$context.error.messageString}`` makes of its message."""
    problems = []
    if row.renders is not None:  # rendered: its example must look like every rendering
        if row.body_pattern is None or row.body_pattern.fullmatch(row.body) is None:
            problems.append(f"example body {row.body!r} does not match its body_pattern")
        if not row.body.startswith(b'{"message"'):
            return problems  # its own template (a resource policy's "Message")
    elif row.phase is Phase.CLOUDFRONT or quirk:
        return problems
    if row.body != default_body(row):
        problems.append(f"body {row.body!r} is not the template's {default_body(row)!r}")
    return problems


def _check_row(row: Scenario) -> None:
    """The rules every row keeps, so that a new row cannot contradict them."""
    problems = []
    quirk = (row.name, row.api) in _TEMPLATE_QUIRKS
    problems += _body_problems(row, quirk)
    if row.api is Api.HTTP and (row.error_type or row.response_type or row.log):
        problems.append("HTTP APIs have no error type, gateway responses or execution log")
    if row.response_type is not None and row.response_type not in RESPONSE_TYPES:
        problems.append(f"unknown gateway response type {row.response_type!r}")
    if not set(row.endpoints) <= set(ENDPOINTS[row.api]):
        problems.append(f"endpoints {row.endpoints} are not all {row.api.value} endpoints")
    if row.renders is not None and row.renders not in _RENDERERS:
        problems.append(f"renders={row.renders!r} is not one of {sorted(_RENDERERS)}")
    if row.waits_for not in _WAITS:
        problems.append(f"waits_for={row.waits_for!r} is not one of {_WAITS}")
    if problems:
        raise ValueError(f"scenario {row.id!r}: {'; '.join(problems)}")


def _build(rows: Iterable[Scenario]) -> Mapping[tuple[str, Api], Scenario]:
    table: dict[tuple[str, Api], Scenario] = {}
    for row in rows:
        key = (row.name, row.api)
        if key in table:
            raise ValueError(f"duplicate scenario {row.id!r} in the table")
        unknown = [tag for tag in cited_sources(row) if tag not in SOURCES]
        if unknown:
            raise ValueError(f"scenario {row.id!r} cites unknown sources {unknown}")
        if not row.name.isidentifier():
            raise ValueError(f"scenario name {row.name!r} is not an identifier")
        _check_row(row)
        table[key] = row
    return MappingProxyType(table)


#: The read-only scenario table, keyed by ``(name, api)``.
SCENARIOS: Mapping[tuple[str, Api], Scenario] = _build(
    INTEGRATION_ROWS + REFUSED_ROWS + SIGNED_ROWS
)


def scenario_names(api: Api | None = None) -> tuple[str, ...]:
    """The scenario names of the table, in table order, for one api or all."""
    seen: dict[str, None] = {}
    for name, row_api in SCENARIOS:
        if api is None or row_api is api:
            seen[name] = None
    return tuple(seen)


def _choices(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


def parse_api(value: object) -> Api:
    """``value`` as an :class:`Api`, or an error naming the valid choices."""
    if isinstance(value, Api):
        return value
    if isinstance(value, str):
        try:
            return Api(value)
        except ValueError:
            pass
    raise ApigwFaultError(
        f"unknown api {value!r}; valid choices: {_choices(a.value for a in Api)}"
    )


def parse_endpoint(value: object, api: Api) -> Endpoint:
    """``value`` as an endpoint type that ``api`` offers, or an error."""
    valid = ENDPOINTS[api]
    if isinstance(value, str) and value in {e.value for e in valid}:
        return Endpoint(value)
    if isinstance(value, str) and value in {e.value for e in Endpoint}:
        raise ApigwFaultError(
            f"endpoint {value!r} is not available for api={api.value!r};"
            f" valid choices: {_choices(e.value for e in valid)}"
        )
    raise ApigwFaultError(
        f"unknown endpoint {value!r}; valid choices for api={api.value!r}:"
        f" {_choices(e.value for e in valid)}"
    )


def check_name(name: object, api: Api | None = None) -> str:
    """``name`` if the table has it (for ``api``, when given), else an error
    that lists the valid names and suggests the closest one."""
    valid = scenario_names(api)
    if isinstance(name, str) and name in valid:
        return name
    if not isinstance(name, str):
        raise ApigwFaultError(
            f"a scenario name must be a str, got {type(name).__name__}"
            f" {name!r}; valid names: {_choices(valid)}"
        )
    where = "" if api is None else f" for api={api.value!r}"
    from .websocket import WEBSOCKET_SCENARIOS

    if name.removeprefix("websocket-") in WEBSOCKET_SCENARIOS and name not in scenario_names():
        raise ApigwFaultError(
            f"{name!r} is a failure of a WebSocket API, not of the scenario table{where}:"
            f" websocket_scenarios({name.removeprefix('websocket-')!r}) gives its row,"
            " WebSocketApi.inject(...) answers with it"
        )
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    raise ApigwFaultError(
        f"unknown scenario {name!r}{where}{hint} Valid names: {_choices(valid)}"
    )


def get_scenario(name: ScenarioName, *, api: ApiName | Api) -> Scenario:
    """The row ``(name, api)`` of the scenario table.

    >>> get_scenario("function_error", api="rest").status
    502
    """
    kind = parse_api(api)
    return SCENARIOS[(check_name(name, kind), kind)]


def default_endpoint(scenario: Scenario | None, api: Api) -> Endpoint:
    """The API's default endpoint type, or the first one ``scenario`` exists
    on when it does not exist on that (a regional API's own 413, say)."""
    default = ENDPOINTS[api][0]
    if scenario is None or default in scenario.endpoint_types:
        return default
    return scenario.endpoint_types[0]
