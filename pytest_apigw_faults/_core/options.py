"""A fault's arguments, checked once for the marker, the fixture and
:class:`~pytest_apigw_faults.Fault` alike, and kept as :class:`FaultOptions`.

Each value is checked by the check :mod:`.arguments` declares for it; here
are the rules of how they combine: which arguments go together, and the
timeouts the scenarios can have.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._gateway.limits import (
    DEFAULT_INTEGRATION_TIMEOUT,
    MIN_INTEGRATION_TIMEOUT,
    max_integration_timeout,
)
from .._gateway.table import SCENARIOS, Api, ApigwFaultError, Endpoint, Scenario
from .arguments import (
    FAULT,
    LAMBDA,
    SCRIPT,
    SIGNATURE,
    Argument,
    check_keywords,
    signature,
)
from .checks import AFTER, CLIENTS, Context, arguments, invokes, item_name

if TYPE_CHECKING:
    from .._gateway.auth.cognito import CognitoAuthorizer
    from .._gateway.auth.config import LambdaAuthorizer
    from .._gateway.auth.iam import IamAuth
    from .._gateway.auth.jwt import JwtAuthorizer
    from .._gateway.auth.keys import ApiKeys
    from .._gateway.auth.resource_policy import Policy
    from .._gateway.cors import Cors
    from .._gateway.custom import GatewayResponses
    from .._gateway.throttle import Throttle
    from .._gateway.validation import RequestModels

__all__ = [
    "AFTER",
    "CLIENTS",
    "SIGNATURE",
    "FaultOptions",
    "check_timeouts",
    "for_scenario",
    "merge_markers",
    "parse",
    "parse_args",
    "with_defaults",
]


@dataclass(frozen=True)
class FaultOptions:
    """Checked arguments: the scenarios they select and how to serve them.

    One field per declared argument (:func:`.arguments.arguments`), in its
    order, holding the value its check gave.
    """

    name: str | None = None
    api: Api | None = None
    endpoint: Endpoint | None = None
    url: str | re.Pattern[str] | None = None
    times: int | None = None
    clients: tuple[str, ...] | None = None
    integration_timeout: float | None = None
    function_timeout: float | None = None
    gateway_responses: GatewayResponses | None = None
    required_parameters: tuple[tuple[str, str], ...] | None = None
    account_id: str | None = None
    explicit_deny: bool | None = None
    authorizer: LambdaAuthorizer | JwtAuthorizer | CognitoAuthorizer | None = None
    api_keys: ApiKeys | None = None
    iam: IamAuth | None = None
    resource_policy: Policy | None = None
    source_ip: str | None = None
    cors: Cors | None = None
    throttle: Throttle | None = None
    request_model: RequestModels | None = None
    handler: object = None
    then: object = None
    sequence: tuple[object, ...] | None = None
    after: str | None = None
    stage: str | None = None
    route: str | None = None
    stage_variables: Mapping[str, str] | None = None
    binary_media_types: tuple[str, ...] | None = None
    payload_format: str | None = None
    reserved_concurrency: int | None = None
    handler_duration: float | Callable[[Any], float] | None = None
    virtual_time: bool | None = None

    @property
    def scripted(self) -> bool:
        """Whether a handler, ``then=`` or ``sequence=`` answers (no matrix)."""
        return self.handler is not None or self.then is not None or self.sequence is not None

    def scenarios(self) -> tuple[Scenario, ...]:
        """Every row these options select, in table order."""
        return tuple(
            row
            for (row_name, row_api), row in SCENARIOS.items()
            if (self.name is None or row_name == self.name)
            and (self.api is None or row_api is self.api)
            and (self.endpoint is None or self.endpoint in row.endpoint_types)
        )

    @property
    def single(self) -> bool:
        """Whether the options name exactly one row, or a handler or a
        sequence for one api (no matrix)."""
        return self.api is not None and (self.name is not None or self.scripted)

    @property
    def items(self) -> tuple[object, ...]:
        """What answers the calls after the first: ``sequence=`` or ``then=``."""
        if self.sequence is not None:
            return self.sequence
        return () if self.then is None else (self.then,)


# Timeouts ---------------------------------------------------------------------


def _api_phrase(api: Api, endpoint: Endpoint) -> str:
    if api is Api.HTTP:
        return "an HTTP API"
    return {
        Endpoint.EDGE: "an edge-optimized REST API",
        Endpoint.REGIONAL: "a regional REST API",
        Endpoint.PRIVATE: "a private REST API",
    }[endpoint]


def check_timeouts(
    rows: Iterable[Scenario],
    endpoint: Endpoint | None,
    integration_timeout: float | None,
    function_timeout: float | None,
) -> None:
    """Errors for timeouts no API of the rows' kinds can have."""
    for row in rows:
        where = endpoint or row.endpoint_types[0]
        limit = max_integration_timeout(row.api, where)
        if integration_timeout is not None and not (
            MIN_INTEGRATION_TIMEOUT <= integration_timeout <= limit
        ):
            beyond = (
                "; only regional and private REST APIs go beyond 29 s, up to 300 s"
                if row.api is Api.REST and where is Endpoint.EDGE
                else ""
            )
            raise ApigwFaultError(
                f"integration_timeout={integration_timeout:g} is out of range for"
                f" {_api_phrase(row.api, where)} ({row.id}): from"
                f" {MIN_INTEGRATION_TIMEOUT:g} s to {limit:g} s{beyond}"
            )
        if row.waits_for == "function_timeout":
            lambda_timeout = row.latency if function_timeout is None else function_timeout
            gateway = integration_timeout or DEFAULT_INTEGRATION_TIMEOUT[row.api]
            if lambda_timeout >= gateway:
                given = (
                    f"function_timeout={function_timeout:g} is"
                    if function_timeout is not None
                    else f"Lambda's default function timeout ({lambda_timeout:g} s) is"
                )
                raise ApigwFaultError(
                    f"{given} not shorter than the integration timeout ({gateway:g} s)"
                    f" of {row.id}: the gateway would time out first (scenario"
                    " 'integration_timeout')"
                )


def _check_options_timeouts(options: FaultOptions) -> None:
    rows = options.scenarios()
    if options.scripted:
        assert options.api is not None
        # the rows the fault may answer with, and the integration timeout a
        # handler can run into (its range only: either timeout may fire first)
        named = [options.name] if options.name is not None else []
        named += [n for n in map(item_name, options.items) if n]
        rows = tuple(SCENARIOS[(n, options.api)] for n in dict.fromkeys(named))
        rows += (SCENARIOS[("integration_timeout", options.api)],)
    check_timeouts(rows, options.endpoint, options.integration_timeout, options.function_timeout)


# Parsing ------------------------------------------------------------------------


def parse_args(*args: object, **kwargs: object) -> FaultOptions:
    """Check the arguments of the marker (the scenario name, then keywords)."""
    return parse(args, kwargs)


def parse(
    args: Sequence[object],
    kwargs: Mapping[str, object],
    *,
    call: str = "apigw_fault",
    partial: bool = False,
) -> FaultOptions:
    """The options of the arguments ``call`` (the marker, ``Fault`` or
    ``inject``) was given, each value checked by its declared check, then
    how they combine.

    ``partial`` checks one of several markers that merge, whose handler,
    sequence and API arguments may be completed by another: only each value
    is checked then, not how they combine.
    """
    __tracebackhide__ = True
    try:
        return _parse(args, kwargs, call, partial)
    except ApigwFaultError as error:  # the caller's mistake: not the checks' frames
        raise error.with_traceback(None) from error.__cause__


def _parse(
    args: Sequence[object], kwargs: Mapping[str, object], call: str, partial: bool
) -> FaultOptions:
    if len(args) > 1:
        raise ApigwFaultError(
            f"takes at most one positional argument (the scenario name), got"
            f" {len(args)}: {', '.join(repr(a) for a in args)}. Valid arguments:"
            f" {signature(call)}"
        )
    check_keywords(kwargs, call)
    given = {key: value for key, value in kwargs.items() if value is not None}
    if args and args[0] is not None:
        if "name" in given:
            raise ApigwFaultError(
                f"the scenario name is given twice: {args[0]!r} and name={given['name']!r}"
            )
        given["name"] = args[0]
    declared = {argument.name: argument for argument in arguments()}
    values: dict[str, Any] = dict.fromkeys(declared)

    def check(argument: Argument, context: Context) -> None:
        if argument.name in given:
            values[argument.name] = argument.check(given[argument.name], context)

    check(declared["api"], Context())
    check(declared["name"], Context(values["api"]))
    if isinstance(values["name"], Scenario):
        values["api"], values["name"] = values["name"].api, values["name"].name
    check(declared["endpoint"], Context(values["api"]))
    context = Context(values["api"], values["endpoint"])
    for argument in declared.values():
        if argument.group == FAULT and argument.name not in ("name", "api", "endpoint"):
            check(argument, context)
    if partial:  # the handler's value only; the options keep none of these
        if "handler" in given:
            declared["handler"].check(given["handler"], context)
    elif _check_combination(given, values["name"], values["api"]):
        for argument in declared.values():
            if argument.group in (SCRIPT, LAMBDA):
                check(argument, context)
        _check_invokes(values, given)
    options = FaultOptions(**values)
    _check_rendering(options)
    _check_selects_a_row(options)
    _check_options_timeouts(options)
    return options


def _check_combination(given: Mapping[str, object], name: str | None, api: Api | None) -> bool:
    """Check which of ``handler=``, ``then=``, ``sequence=``, ``after=`` and
    the API arguments of a Lambda go together; whether any is given."""
    answers = [key for key in ("handler", "then", "sequence") if key in given]
    api_given = [a.name for a in arguments() if a.group == LAMBDA and a.name in given]
    if not answers:
        if "after" in given:
            raise ApigwFaultError(
                f"after={given['after']!r} says what follows the last item of then= or"
                " sequence=, and neither is given; after times=N alone, later"
                " execute-api calls are refused (strict mode); to let them pass, give"
                " sequence=[name] * N with after='pass', or set apigw_fault_strict = false"
            )
        if api_given:
            raise ApigwFaultError(
                f"{api_given[0]}= describes the API in front of a Lambda, and no"
                " Lambda is given: pass handler=, or a handler or a result in then="
                " or sequence="
            )
        return False
    if api is None:
        raise ApigwFaultError(
            f"{answers[0]}= needs api= ('rest' or 'http'): the event, the validation"
            " of the result and the scenarios depend on it"
        )
    if "handler" in given and name is not None:
        raise ApigwFaultError(
            f"a scenario name ({name!r}) and handler= both say what answers; to fail"
            f" first and then run the handler, write times=N, then=handler, or"
            f" sequence=[{name!r}, ..., handler]"
        )
    if "sequence" in given:
        if name is not None:
            raise ApigwFaultError(
                f"sequence= lists what answers each call, so it takes no scenario name"
                f" ({name!r}); put the name in the sequence"
            )
        if "handler" in given:
            raise ApigwFaultError(
                "sequence= lists what answers each call; put the handler in the"
                " sequence instead of handler="
            )
        if "times" in given or "then" in given:
            raise ApigwFaultError(
                "sequence= and times=/then= both say what answers each call; use one:"
                " times=N, then=X is sequence=[name] * N + [X]"
            )
    if "then" in given:
        if "times" not in given:
            raise ApigwFaultError(
                "then= answers the calls after the first times=N; give times= too"
                " (e.g. times=2, then={'statusCode': 200, 'body': 'ok'})"
            )
        if name is None and "handler" not in given:
            raise ApigwFaultError(
                "then= follows what answers the first times=N calls: a scenario name"
                " or handler="
            )
    return True


def _check_invokes(values: Mapping[str, Any], given: Mapping[str, object]) -> None:
    """The API arguments of a Lambda need an item that invokes it."""
    items = values["sequence"] or ([values["then"]] if "then" in given else [])
    if "handler" in given or any(invokes(item) for item in items):
        return
    api_given = [a.name for a in arguments() if a.group == LAMBDA and a.name in given]
    if api_given:
        raise ApigwFaultError(
            f"{api_given[0]}= describes the API in front of a Lambda, and no item"
            " invokes one: add a handler or a result (a dict)"
        )


#: The arguments only some rows read, and those rows.
_READ_BY = {
    "required_parameters": "bad_request_parameters",
    "account_id": "resource_policy_denied",
    "explicit_deny": "resource_policy_denied",
}


def _check_rendering(options: FaultOptions) -> None:
    """An argument given for a row that does not read it is an error."""
    names = {options.name} | {item_name(item) for item in options.items}
    names.discard(None)
    if not names and not options.scripted:  # a matrix
        return
    for key, row in _READ_BY.items():
        if key == "account_id" and options.resource_policy is not None:
            continue  # the resource policy's account
        if key == "required_parameters" and options.handler is not None:
            continue  # the request validator in front of the Lambda
        if getattr(options, key) is not None and row not in names:
            answers = ", ".join(repr(n) for n in sorted(names, key=str)) or "a Lambda only"
            raise ApigwFaultError(
                f"{key}= is read by scenario {row!r} only, and this fault answers with"
                f" {answers}"
            )


def _check_selects_a_row(options: FaultOptions) -> None:
    if options.scenarios():
        return
    name, api, endpoint = options.name, options.api, options.endpoint
    if name is not None and endpoint is not None:
        where = [
            f"{row.id} on {', '.join(e.value for e in row.endpoint_types)}"
            for (row_name, _), row in SCENARIOS.items()
            if row_name == name
        ]
        raise ApigwFaultError(
            f"scenario {name!r} does not exist on endpoint {endpoint.value!r};"
            f" it exists as {'; '.join(where)}"
        )
    raise ApigwFaultError(
        f"no scenario has name={name!r}, api={api and api.value!r} and"
        f" endpoint={endpoint and endpoint.value!r}"
    )


# Markers, rows and defaults -----------------------------------------------------


def merge_markers(
    markers: Sequence[tuple[tuple[object, ...], Mapping[str, object]]],
) -> FaultOptions:
    """Merge module, class and function markers, given closest first.

    Each marker of several is checked on its own; then a closer marker's
    arguments replace those of a farther one, one argument at a time, and
    the result is checked as a whole (a single marker: that check only).
    """
    if len(markers) == 1:
        return parse(*markers[0])
    merged: dict[str, object] = {}
    for args, kwargs in reversed(markers):
        parse(args, kwargs, partial=True)
        merged.update(kwargs)
        if args:
            merged["name"] = args[0]
    return parse((), merged)


def for_scenario(options: FaultOptions, row: Scenario) -> FaultOptions:
    """The options of one row of the matrix ``options`` select."""
    assert row in options.scenarios()
    return dataclasses.replace(options, name=row.name, api=row.api)


def with_defaults(options: FaultOptions, defaults: Mapping[str, Any]) -> FaultOptions:
    """``options`` with the ini file's defaults (checked values, by argument
    name) for the arguments they leave out; a default document of gateway
    responses goes to REST faults only. The timeouts are checked again."""
    filled = {
        key: value
        for key, value in defaults.items()
        if getattr(options, key) is None
        and (key != "gateway_responses" or options.api is Api.REST)
    }
    if not filled:
        return options
    options = dataclasses.replace(options, **filled)
    _check_options_timeouts(options)
    return options

