"""The arguments a fault takes, checked once for the marker, the fixture and
:class:`~pytest_apigw_faults.Fault` alike."""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._table import (
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

__all__ = ["CLIENTS", "FaultOptions", "merge_markers", "parse_args"]

#: The HTTP clients a fault can answer, with the extra that installs each.
CLIENTS: Mapping[str, tuple[str, str]] = {
    "requests": ("responses", "pytest-apigw-faults[requests]"),
    "httpx": ("respx", "pytest-apigw-faults[httpx]"),
}


def _signature(
    name: str | Scenario | None = None,
    *,
    api: str | None = None,
    endpoint: str | None = None,
    url: str | re.Pattern[str] | None = None,
    times: int | None = None,
    clients: str | Sequence[str] | None = None,
) -> None:
    """The one argument list of the marker, ``inject`` and ``Fault``."""


_KEYWORDS = tuple(inspect.signature(_signature).parameters)
SIGNATURE = (
    "apigw_fault(name=None, *, api=None, endpoint=None, url=None, times=None,"
    " clients=None)"
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

    def scenarios(self) -> tuple[Scenario, ...]:
        """Every row these options select, in table order."""
        return tuple(
            row
            for (row_name, row_api), row in SCENARIOS.items()
            if (self.name is None or row_name == self.name)
            and (self.api is None or row_api is self.api)
            and (self.endpoint is None or self.endpoint in ENDPOINTS[row_api])
        )

    @property
    def single(self) -> bool:
        """Whether the options name exactly one row (no matrix)."""
        return self.name is not None and self.api is not None


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
    if len(args) > 1:
        raise ApigwFaultError(
            f"takes at most one positional argument (the scenario name), got"
            f" {len(args)}: {', '.join(repr(a) for a in args)}. Valid arguments:"
            f" {SIGNATURE}"
        )
    _check_keywords(kwargs)
    if args and "name" in kwargs:
        raise ApigwFaultError(
            f"the scenario name is given twice: {args[0]!r} and name={kwargs['name']!r}"
        )
    name: object = args[0] if args else kwargs.get("name")
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
            apis = [a for a in Api if raw_endpoint in {e.value for e in ENDPOINTS[a]}]
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
    options = FaultOptions(
        name=name,
        api=api,
        endpoint=endpoint,
        url=url,
        times=times,
        clients=parse_clients(kwargs.get("clients")),
    )
    if not options.scenarios():
        raise ApigwFaultError(
            f"no scenario has name={name!r}, api={api and api.value!r} and"
            f" endpoint={endpoint and endpoint.value!r}"
        )
    return options


def merge_markers(
    markers: Sequence[tuple[tuple[object, ...], Mapping[str, object]]],
) -> FaultOptions:
    """Merge module, class and function markers, given closest first.

    Each marker is checked on its own; then a closer marker's arguments
    replace those of a farther one, one argument at a time.
    """
    merged: dict[str, object] = {}
    for args, kwargs in reversed(markers):
        parse_args(*args, **kwargs)
        merged.update(kwargs)
        if args:
            merged["name"] = args[0]
    return parse_args(**merged)
