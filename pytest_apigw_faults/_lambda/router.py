"""Which of an API's routes takes a request, as API Gateway picks it.

REST [D-REST-ROUTING] 📄: the resource tree is matched first, the most
specific resource winning segment by segment (a literal segment over a path
variable, a variable over a greedy ``{proxy+}``); then its method, an exact
one over ``ANY``. A resource without the request's method answers
``route_not_found`` (403 Missing Authentication Token): REST does not fall
back to a less specific resource (reference §3: a POST to a resource with
only GET gets the missing-token answer).

HTTP API [D-ROUTES] 📄: "the most-specific match": a route whose path has no
variable, then one with path variables, then one with a greedy variable,
each with the request's method before ``ANY``; ``$default`` when nothing
else matches, else ``route_not_found`` (404 Not Found). ⚠️ Between two
routes with variables, the one whose first differing segment is literal
wins, as for REST (not documented for HTTP APIs).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from .._gateway.table import Api
from .routes import _PARAM, Route, Unrouted, match_route, parse_route_key, stage_and_path

__all__ = ["pick_route", "specificity"]

#: A route that matches: (specificity, method rank), its index, its path
#: parameters and its path template.
_Match = tuple[tuple[tuple[int, ...], int], int, dict[str, str], str]


def specificity(path: str) -> tuple[int, ...]:
    """A path template's rank, lowest most specific: per segment 0 for a
    literal, 1 for a variable, 2 for a greedy variable."""
    ranks = []
    for part in path.strip("/").split("/") if path.strip("/") else []:
        variable = _PARAM.fullmatch(part)
        ranks.append(0 if variable is None else 2 if variable.group(2) else 1)
    return tuple(ranks)


def pick_route(
    api: Api, keys: Sequence[str], stage: str | None, method: str, url: str
) -> tuple[int, Route] | Unrouted:
    """The index in ``keys`` (route keys: ``"GET /orders/{id}"``,
    ``"ANY /{proxy+}"``, ``"$default"``) of the route that takes a
    ``method`` request to ``url``, with where it lands; or why none does."""
    where = stage_and_path(api, stage, url)
    if isinstance(where, Unrouted):
        return where
    stage, path = where
    method = method.upper()
    found: list[_Match] = []
    default = None
    for index, key in enumerate(keys):
        wanted, template = parse_route_key(key)
        if template is None:
            default = index
            continue
        parameters = match_route(template, path)
        if parameters is None:
            continue
        exact = 0 if wanted == method else 1 if wanted == "ANY" else 2
        found.append(((specificity(template), exact), index, parameters, template))
    if api is Api.REST:
        return _rest_pick(found, stage, path, method)
    found = [f for f in found if f[0][1] < 2]
    if found:
        _, index, parameters, _ = min(found, key=lambda f: f[0])
        return index, Route(stage, path, MappingProxyType(parameters))
    if default is not None:
        return default, Route(stage, path, MappingProxyType({}))
    return Unrouted("route_not_found", f"no route takes {method} {path!r}")


def _rest_pick(
    found: list[_Match], stage: str, path: str, method: str
) -> tuple[int, Route] | Unrouted:
    """The most specific resource first, then its method (exact over ANY)."""
    if not found:
        return Unrouted("route_not_found", f"no resource matches the path {path!r}")
    resource = min(found, key=lambda f: f[0][0])[3]
    on_resource = [f for f in found if f[3] == resource and f[0][1] < 2]
    if not on_resource:
        return Unrouted(
            "route_not_found", f"the resource {resource!r} has no {method} method", resource
        )
    _, index, parameters, _ = min(on_resource, key=lambda f: f[0][1])
    return index, Route(stage, path, MappingProxyType(parameters))
