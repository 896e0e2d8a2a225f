"""The arguments a fault takes, checked once for the marker, the fixture and
:class:`~pytest_apigw_faults.Fault` alike."""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._gateway.limits import (
    DEFAULT_INTEGRATION_TIMEOUT,
    FUNCTION_TIMEOUTS,
    MAX_INTEGRATION_TIMEOUT,
    MIN_INTEGRATION_TIMEOUT,
    max_integration_timeout,
)
from .._gateway.table import (
    ENDPOINTS,
    SCENARIOS,
    Api,
    ApigwFaultError,
    Endpoint,
    Scenario,
    check_name,
    parse_api,
    parse_endpoint,
)

if TYPE_CHECKING:
    from .._gateway.custom import GatewayResponses

__all__ = [
    "CLIENTS",
    "FaultOptions",
    "check_timeouts",
    "max_integration_timeout",
    "merge_markers",
    "parse_args",
]

#: The HTTP clients a fault can answer, with the extra that installs each.
CLIENTS: Mapping[str, tuple[str, str]] = {
    "requests": ("responses", "pytest-apigw-faults[requests]"),
    "httpx": ("respx", "pytest-apigw-faults[httpx]"),
    "aiohttp": ("aioresponses", "pytest-apigw-faults[aiohttp]"),
}


def _signature(
    name: str | Scenario | None = None,
    *,
    api: str | None = None,
    endpoint: str | None = None,
    url: str | re.Pattern[str] | None = None,
    times: int | None = None,
    clients: str | Sequence[str] | None = None,
    integration_timeout: float | None = None,
    function_timeout: float | None = None,
    gateway_responses: object = None,
    handler: object = None,
    then: object = None,
    sequence: Sequence[object] | None = None,
    after: str | None = None,
    stage: str | None = None,
    route: str | None = None,
    stage_variables: Mapping[str, str] | None = None,
    binary_media_types: str | Sequence[str] | None = None,
    payload_format: str | None = None,
    handler_duration: float | Callable[[Any], float] | None = None,
    virtual_time: bool | None = None,
) -> None:
    """The one argument list of the marker, ``inject`` and ``Fault``."""


_KEYWORDS = tuple(inspect.signature(_signature).parameters)
SIGNATURE = (
    "apigw_fault(name=None, *, api=None, endpoint=None, url=None, times=None,"
    " clients=None, integration_timeout=None, function_timeout=None,"
    " gateway_responses=None, handler=None, then=None, sequence=None, after=None,"
    " stage=None, route=None, stage_variables=None, binary_media_types=None,"
    " payload_format=None, handler_duration=None, virtual_time=None)"
)

#: What a fault does after the last item of ``sequence=`` (or ``then=``):
#: answer with that item again, or let later calls pass through.
AFTER = ("repeat", "pass")
#: The arguments that describe the API in front of a Lambda; they need one.
_API_KEYWORDS = (
    "stage",
    "route",
    "stage_variables",
    "binary_media_types",
    "payload_format",
    "handler_duration",
)
_HANDLER_PATH = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")
_ROUTE_METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_ITEM_KINDS = (
    "a scenario name, a Scenario, a handler (a callable or a 'module:function'"
    " string) or a Lambda result (a dict)"
)

def _api_phrase(api: Api, endpoint: Endpoint) -> str:
    if api is Api.HTTP:
        return "an HTTP API"
    return {
        Endpoint.EDGE: "an edge-optimized REST API",
        Endpoint.REGIONAL: "a regional REST API",
        Endpoint.PRIVATE: "a private REST API",
    }[endpoint]


def _seconds_arg(key: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ApigwFaultError(f"{key}= takes seconds (a number), got {value!r}")
    return float(value)


def _bool_arg(key: str, value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ApigwFaultError(f"{key}= takes True or False, got {value!r}")


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


@dataclass(frozen=True)
class FaultOptions:
    """Checked arguments: the scenarios they select and how to serve them."""

    name: str | None
    api: Api | None
    endpoint: Endpoint | None
    url: str | re.Pattern[str] | None
    times: int | None
    clients: tuple[str, ...] | None
    integration_timeout: float | None = None
    function_timeout: float | None = None
    gateway_responses: GatewayResponses | None = None
    handler: object = None
    then: object = None
    sequence: tuple[object, ...] | None = None
    after: str | None = None
    stage: str | None = None
    route: str | None = None
    stage_variables: Mapping[str, str] | None = None
    binary_media_types: tuple[str, ...] | None = None
    payload_format: str | None = None
    handler_duration: float | Callable[[Any], float] | None = None
    virtual_time: bool | None = None

    @property
    def scripted(self) -> bool:
        """Whether a handler, ``then=`` or ``sequence=`` answers (no matrix)."""
        return self.handler is not None or self.then is not None or self.sequence is not None

    def lambda_kwargs(self) -> dict[str, Any]:
        """The handler, sequence and API arguments, as ``Fault`` takes them."""
        return {
            "handler": self.handler,
            "then": self.then,
            "sequence": self.sequence,
            "after": self.after,
            "stage": self.stage,
            "route": self.route,
            "stage_variables": self.stage_variables,
            "binary_media_types": self.binary_media_types,
            "payload_format": self.payload_format,
            "handler_duration": self.handler_duration,
        }

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


def _check_keywords(kwargs: Mapping[str, Any]) -> None:
    for key in kwargs:
        if key not in _KEYWORDS:
            close = difflib.get_close_matches(key, _KEYWORDS, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise ApigwFaultError(
                f"unknown argument {key!r}{hint} Valid arguments: {SIGNATURE}"
            )


def parse_clients(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
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


def parse_args(*args: object, **kwargs: object) -> FaultOptions:
    """Check the arguments of the marker, ``inject`` or ``Fault``."""
    return _parse(args, kwargs, partial=False)


def _parse(
    args: Sequence[object], kwargs: Mapping[str, object], *, partial: bool
) -> FaultOptions:
    """:func:`parse_args`; ``partial`` checks one of several markers that
    merge, whose handler, sequence and API arguments may be completed by
    another: only each value is checked then, not how they combine."""
    if len(args) > 1:
        raise ApigwFaultError(
            f"takes at most one positional argument (the scenario name), got"
            f" {len(args)}: {', '.join(repr(a) for a in args)}. Valid arguments:"
            f" {SIGNATURE}"
        )
    _check_keywords(kwargs)
    if args and args[0] is not None and kwargs.get("name") is not None:
        raise ApigwFaultError(
            f"the scenario name is given twice: {args[0]!r} and name={kwargs['name']!r}"
        )
    name: object = args[0] if args and args[0] is not None else kwargs.get("name")
    api = None if kwargs.get("api") is None else parse_api(kwargs["api"])
    if isinstance(name, Scenario):
        if api is not None and api is not name.api:
            raise ApigwFaultError(
                f"scenario {name.id!r} is a {name.api.value!r} scenario, but"
                f" api={api.value!r} was given"
            )
        api = name.api
        name = name.name
    if name is not None:
        name = check_name(name, api)
    endpoint: Endpoint | None = None
    raw_endpoint = kwargs.get("endpoint")
    if raw_endpoint is not None:
        if api is not None:
            endpoint = parse_endpoint(raw_endpoint, api)
        else:
            apis = [
                a
                for a in Api
                if isinstance(raw_endpoint, str)
                and raw_endpoint in {e.value for e in ENDPOINTS[a]}
            ]
            if not apis:
                valid = sorted({e.value for a in Api for e in ENDPOINTS[a]})
                raise ApigwFaultError(
                    f"unknown endpoint {raw_endpoint!r}; valid choices:"
                    f" {', '.join(repr(v) for v in valid)}"
                )
            endpoint = Endpoint(str(raw_endpoint))
    url = kwargs.get("url")
    if url is not None and not isinstance(url, (str, re.Pattern)):
        raise ApigwFaultError(
            f"url= takes a URL prefix (str) or a compiled regex, got"
            f" {type(url).__name__} {url!r}"
        )
    if isinstance(url, str) and not url.startswith(("http://", "https://")):
        raise ApigwFaultError(
            f"url={url!r} is not an absolute http(s) URL prefix"
        )
    times = kwargs.get("times")
    if times is not None and (
        isinstance(times, bool) or not isinstance(times, int) or times < 1
    ):
        raise ApigwFaultError(
            f"times= takes a whole number of calls, at least 1, or None for"
            f" every call; got {times!r}"
        )
    integration_timeout = _seconds_arg("integration_timeout", kwargs.get("integration_timeout"))
    function_timeout = _seconds_arg("function_timeout", kwargs.get("function_timeout"))
    low, high = FUNCTION_TIMEOUTS
    if function_timeout is not None and not (
        function_timeout.is_integer() and low <= function_timeout <= high
    ):
        raise ApigwFaultError(
            f"function_timeout={function_timeout:g} is not a Lambda timeout: whole"
            f" seconds from {low} to {high}"
        )
    responses = None
    if kwargs.get("gateway_responses") is not None:
        if api is not Api.REST:
            raise ApigwFaultError(
                "gateway_responses= customises REST APIs only; HTTP APIs have no"
                " gateway responses"
                + ("" if api is Api.HTTP else " (add api='rest')")
            )
        from .._gateway.custom import load

        responses = load(kwargs["gateway_responses"])
    scripted = {} if partial else _check_scripted(kwargs, name, api, endpoint, times)
    if partial and kwargs.get("handler") is not None:
        check_handler("handler", kwargs["handler"])
    options = FaultOptions(
        name=name,
        api=api,
        endpoint=endpoint,
        url=url,
        times=times,
        clients=parse_clients(kwargs.get("clients")),
        integration_timeout=integration_timeout,
        function_timeout=function_timeout,
        gateway_responses=responses,
        virtual_time=_bool_arg("virtual_time", kwargs.get("virtual_time")),
        **scripted,
    )
    rows = options.scenarios()
    if not rows:
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
    if options.scripted:
        assert api is not None
        # the rows the fault may answer with, and the integration timeout a
        # handler can run into (its range only: either timeout may fire first)
        named = [name] if name is not None else []
        named += [n for n in (_item_name(i, api) for i in _items(options)) if n]
        rows = tuple(SCENARIOS[(n, api)] for n in dict.fromkeys(named))
        rows += (SCENARIOS[("integration_timeout", api)],)
    check_timeouts(rows, endpoint, integration_timeout, function_timeout)
    return options


def _items(options: FaultOptions) -> tuple[object, ...]:
    if options.sequence is not None:
        return options.sequence
    return () if options.then is None else (options.then,)


def check_handler(key: str, value: object) -> None:
    """An error unless ``value`` is a callable or a ``"module:function"`` path."""
    if isinstance(value, str):
        if _HANDLER_PATH.fullmatch(value) is None:
            raise ApigwFaultError(
                f"{key}={value!r} is not a handler path: write 'module:function'"
                " (e.g. 'app.main:handler'), or pass the function itself"
            )
        return
    if not callable(value):
        raise ApigwFaultError(
            f"{key}= takes a handler: a callable (event, context) -> result, or a"
            f" 'module:function' string; got {type(value).__name__} {value!r}"
        )


def _item_name(item: object, api: Api) -> str | None:
    """The scenario name an item of a sequence stands for, or ``None`` for a
    handler or a Lambda result."""
    if isinstance(item, Scenario):
        return item.name
    if isinstance(item, str) and ":" not in item:
        return item
    return None


def check_item(key: str, item: object, api: Api, endpoint: Endpoint | None) -> bool:
    """Check one item of ``sequence=`` (or ``then=``); whether it invokes
    the Lambda (a handler or a result) rather than naming a scenario."""
    if isinstance(item, Scenario):
        if item.api is not api:
            raise ApigwFaultError(
                f"{key}: scenario {item.id!r} is a {item.api.value!r} scenario, but"
                f" api={api.value!r}"
            )
        name = item.name
    elif isinstance(item, str) and ":" not in item:
        try:
            name = check_name(item, api)
        except ApigwFaultError as error:
            raise ApigwFaultError(f"{key}: {error}") from None
    elif isinstance(item, str) or callable(item):
        check_handler(key, item)
        return True
    elif isinstance(item, Mapping):
        return True
    else:
        raise ApigwFaultError(
            f"{key}: {type(item).__name__} {item!r} is not {_ITEM_KINDS}"
        )
    row = SCENARIOS[(name, api)]
    where = endpoint or ENDPOINTS[api][0]
    if where not in row.endpoint_types:
        raise ApigwFaultError(
            f"{key}: scenario {name!r} does not exist on endpoint {where.value!r}; it"
            f" exists on {', '.join(e.value for e in row.endpoint_types)}"
        )
    return False


def _check_route(route: object, api: Api) -> str:
    if not isinstance(route, str) or not route:
        raise ApigwFaultError(f"route= takes a str, got {route!r}")
    if api is Api.REST:
        if not route.startswith("/"):
            raise ApigwFaultError(
                f"route={route!r}: a REST route is a resource path starting with '/',"
                " e.g. '/orders/{id}' or '/{proxy+}' (the default)"
            )
        path = route
    elif route == "$default":
        return route
    else:
        method, _, path = route.rpartition(" ")
        if method and method.upper() not in _ROUTE_METHODS:
            raise ApigwFaultError(
                f"route={route!r}: unknown method {method!r}; an HTTP API route key is"
                f" '$default' (the default), '/path' or 'METHOD /path' with METHOD one of"
                f" {', '.join(_ROUTE_METHODS)}"
            )
        if not path.startswith("/"):
            raise ApigwFaultError(
                f"route={route!r} is not an HTTP API route key: '$default' (the"
                " default), '/path' or 'METHOD /path', e.g. 'GET /orders/{id}'"
            )
    from .._lambda.routes import match_route

    try:
        match_route(path, "/")
    except ApigwFaultError as error:
        raise ApigwFaultError(f"route={route!r}: {error}") from None
    return route


def _check_strings(key: str, value: object) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, (bytes, Mapping)) or not all(
        isinstance(i, str) and i for i in items
    ):
        raise ApigwFaultError(
            f"{key}= takes media types (a str or a list of str, e.g."
            f" ['image/png', 'application/octet-stream']), got {value!r}"
        )
    return tuple(items)


def _check_scripted(
    kwargs: Mapping[str, object],
    name: str | None,
    api: Api | None,
    endpoint: Endpoint | None,
    times: int | None,
) -> dict[str, Any]:
    """Check ``handler=``, ``then=``, ``sequence=``, ``after=`` and the API
    arguments of a Lambda; the values :class:`FaultOptions` keeps."""
    handler, then, sequence, after = (
        kwargs.get(key) for key in ("handler", "then", "sequence", "after")
    )
    given = [key for key in ("handler", "then", "sequence") if kwargs.get(key) is not None]
    api_given = [key for key in _API_KEYWORDS if kwargs.get(key) is not None]
    if not given:
        if after is not None:
            raise ApigwFaultError(
                f"after={after!r} says what follows the last item of then= or"
                " sequence=, and neither is given; times=N alone lets later calls"
                " pass through"
            )
        if api_given:
            raise ApigwFaultError(
                f"{api_given[0]}= describes the API in front of a Lambda, and no"
                " Lambda is given: pass handler=, or a handler or a result in then="
                " or sequence="
            )
        return {}
    if api is None:
        raise ApigwFaultError(
            f"{given[0]}= needs api= ('rest' or 'http'): the event, the validation"
            " of the result and the scenarios depend on it"
        )
    invokes = False
    if handler is not None:
        if name is not None:
            raise ApigwFaultError(
                f"a scenario name ({name!r}) and handler= both say what answers; to fail"
                f" first and then run the handler, write times=N, then=handler, or"
                f" sequence=[{name!r}, ..., handler]"
            )
        check_handler("handler", handler)
        invokes = True
    items: tuple[object, ...] | None = None
    if sequence is not None:
        if name is not None:
            raise ApigwFaultError(
                f"sequence= lists what answers each call, so it takes no scenario name"
                f" ({name!r}); put the name in the sequence"
            )
        if handler is not None:
            raise ApigwFaultError(
                "sequence= lists what answers each call; put the handler in the"
                " sequence instead of handler="
            )
        if times is not None or then is not None:
            raise ApigwFaultError(
                "sequence= and times=/then= both say what answers each call; use one:"
                " times=N, then=X is sequence=[name] * N + [X]"
            )
        if isinstance(sequence, (str, bytes, Mapping)) or not isinstance(sequence, Iterable):
            raise ApigwFaultError(
                f"sequence= takes a list of items, each {_ITEM_KINDS}; got {sequence!r}"
            )
        items = tuple(sequence)
        if not items:
            raise ApigwFaultError(f"sequence= is empty; give at least one item: {_ITEM_KINDS}")
        for index, item in enumerate(items):
            invokes |= check_item(f"sequence[{index}]", item, api, endpoint)
    if then is not None:
        if times is None:
            raise ApigwFaultError(
                "then= answers the calls after the first times=N; give times= too"
                " (e.g. times=2, then={'statusCode': 200, 'body': 'ok'})"
            )
        if name is None and handler is None:
            raise ApigwFaultError(
                "then= follows what answers the first times=N calls: a scenario name"
                " or handler="
            )
        invokes |= check_item("then", then, api, endpoint)
    if after is not None and after not in AFTER:
        raise ApigwFaultError(
            f"unknown after={after!r}; valid choices: {', '.join(repr(a) for a in AFTER)}"
            " (answer every later call with the last item, the default, or let later"
            " calls pass through)"
        )
    if api_given and not invokes:
        raise ApigwFaultError(
            f"{api_given[0]}= describes the API in front of a Lambda, and no item"
            " invokes one: add a handler or a result (a dict)"
        )
    stage = kwargs.get("stage")
    if stage is not None and (
        not isinstance(stage, str) or not stage or "/" in stage
        or (api is Api.REST and stage == "$default")
    ):
        raise ApigwFaultError(
            f"stage={stage!r} is not a stage name"
            + (" (a REST API has no $default stage)" if stage == "$default" else "")
            + "; default: the URL's first path segment (REST) or '$default' (HTTP API)"
        )
    route = kwargs.get("route")
    payload_format = kwargs.get("payload_format")
    if payload_format is not None:
        valid = ("1.0",) if api is Api.REST else ("1.0", "2.0")
        if payload_format not in valid:
            what = "REST APIs have one payload format" if api is Api.REST else "HTTP APIs take"
            raise ApigwFaultError(
                f"payload_format={payload_format!r} is not valid for api={api.value!r}:"
                f" {what}: {', '.join(repr(v) for v in valid)}"
            )
    variables = kwargs.get("stage_variables")
    if variables is not None and not (
        isinstance(variables, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in variables.items())
    ):
        raise ApigwFaultError(
            f"stage_variables= takes a dict of str to str, got {variables!r}"
        )
    binary = kwargs.get("binary_media_types")
    if binary is not None and api is Api.HTTP:
        raise ApigwFaultError(
            "binary_media_types= is a REST API setting; HTTP APIs base64-encode"
            " request bodies by their content type and decode a result's body by"
            " its isBase64Encoded"
        )
    duration = kwargs.get("handler_duration")
    if duration is not None and not callable(duration):
        seconds = _seconds_arg("handler_duration", duration)
        if seconds is None or seconds < 0:
            raise ApigwFaultError(
                f"handler_duration= takes seconds (a number, at least 0) or a"
                f" callable(event) -> seconds; got {duration!r}"
            )
        duration = seconds
    return {
        "handler": handler,
        "then": then,
        "sequence": items,
        "after": after,
        "stage": stage,
        "route": None if route is None else _check_route(route, api),
        "stage_variables": None if variables is None else dict(variables),
        "binary_media_types": None if binary is None else _check_strings(
            "binary_media_types", binary
        ),
        "payload_format": payload_format,
        "handler_duration": duration,
    }


def merge_markers(
    markers: Sequence[tuple[tuple[object, ...], Mapping[str, object]]],
) -> FaultOptions:
    """Merge module, class and function markers, given closest first.

    Each marker is checked on its own; then a closer marker's arguments
    replace those of a farther one, one argument at a time.
    """
    merged: dict[str, object] = {}
    for args, kwargs in reversed(markers):
        _parse(args, kwargs, partial=True)
        merged.update(kwargs)
        if args:
            merged["name"] = args[0]
    return parse_args(**merged)
