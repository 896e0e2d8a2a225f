"""Where an authorizer's identity comes from, and whether a request has it.

REST [D-REST-AUTHZ]: ``method.request.header.<Name>``,
``method.request.querystring.<name>``, ``stageVariables.<name>`` and
``context.<name>``; a TOKEN authorizer takes one header. HTTP API
[D-HTTP-AUTHZ]: ``$request.header.<name>``, ``$request.querystring.<name>``,
``$stageVariables.<name>`` and ``$context.<name>``. A request that lacks
any of them is refused ``401 Unauthorized`` and the authorizer is not
invoked (reference, UNAUTHORIZED row [LOIGE]; ``[D-HTTP-AUTHZ]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import ApigwFaultError
from ..scenario import Api

__all__ = ["LOCATIONS", "IdentitySource", "parse_identity_sources", "values_of"]

#: The locations an identity source names, by how each API writes them.
LOCATIONS: Mapping[Api, Mapping[str, str]] = {
    Api.REST: {
        "method.request.header.": "header",
        "method.request.querystring.": "querystring",
        "stageVariables.": "stage",
        "context.": "context",
    },
    Api.HTTP: {
        "$request.header.": "header",
        "$request.querystring.": "querystring",
        "$stageVariables.": "stage",
        "$context.": "context",
    },
}


@dataclass(frozen=True)
class IdentitySource:
    """One identity source: ``location`` is ``header``, ``querystring``,
    ``stage`` or ``context``; ``written`` as the API writes it."""

    location: str
    name: str
    written: str


def parse_identity_sources(api: Api, value: str | Sequence[str]) -> tuple[IdentitySource, ...]:
    """The identity sources of ``value``: one string (several joined with
    commas, as REST writes them) or a list."""
    items = value.split(",") if isinstance(value, str) else list(value)
    found = []
    for item in items:
        text = item.strip() if isinstance(item, str) else item
        if not isinstance(text, str) or not text:
            raise ApigwFaultError(f"identity_source: {item!r} is not an identity source")
        for prefix, location in LOCATIONS[api].items():
            if text.startswith(prefix) and len(text) > len(prefix):
                found.append(IdentitySource(location, text[len(prefix):], text))
                break
        else:
            forms = ", ".join(f"'{p}<name>'" for p in LOCATIONS[api])
            raise ApigwFaultError(
                f"identity_source {text!r} is not one of the {api.value} API's forms: {forms}"
            )
    return tuple(found)


def values_of(
    sources: Sequence[IdentitySource],
    *,
    header: Callable[[str], str | None],
    query: Mapping[str, str],
    stage_variables: Mapping[str, str],
    context: Callable[[str], object],
) -> tuple[str, ...] | None:
    """The value of each source in the request, or ``None`` when one is
    missing or empty."""
    values: list[str] = []
    for source in sources:
        if source.location == "header":
            value: object = header(source.name)
        elif source.location == "querystring":
            value = query.get(source.name)
        elif source.location == "stage":
            value = stage_variables.get(source.name)
        else:
            value = context(source.name)
        if value is None or value == "":
            return None
        values.append(str(value))
    return tuple(values)
