"""The ``apigw_fault`` marker of a test: its options, parsed once, and the
fault it injects. Loaded when a test function has the marker."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from ..plugin import _MARKER, _OPTIONS, _PARSED, _function

if TYPE_CHECKING:
    from .._core.options import FaultOptions
    from .._gateway.table import Scenario
    from .fixture import ApigwFault

__all__ = ["inject", "marker_problem", "parse_markers"]


def _options(node: pytest.Item) -> FaultOptions | TemplateMarker:
    """The options of the item's ``apigw_fault`` markers, parsed once: those
    ``pytest_generate_tests`` parsed for its function, unless the item has
    markers of its own (``pytest.param(..., marks=...)``)."""
    options = node.stash.get(_OPTIONS, None)
    if options is None:
        markers = list(node.iter_markers(_MARKER))
        parsed = node.config.stash.get(_PARSED, {}).get(_function(node))
        if parsed is not None and len(parsed[0]) == len(markers) and all(
            mark is seen for mark, seen in zip(markers, parsed[0], strict=True)
        ):
            options = parsed[1]
        else:
            options = parse_markers(node, markers)
        node.stash[_OPTIONS] = options
    return options


@dataclass(frozen=True)
class TemplateMarker:
    """``@pytest.mark.apigw_fault(template="template.yaml", ...)``: the test's
    API is the template's (``GatewayApi.from_template`` with the other
    keyword arguments); with a scenario name and ``route=``, that route
    fails with it (``times=`` for its first calls only)."""

    source: object
    arguments: Mapping[str, object]
    scenario: str | Scenario | None = None
    route: str | None = None
    times: int | None = None


def _template_marker(markers: list[pytest.Mark]) -> TemplateMarker | None:
    """The closest marker's template form, when a marker names a template."""
    from .._gateway.table import ApigwFaultError

    found = next((m for m in markers if "template" in m.kwargs), None)
    if found is None:
        return None
    arguments = dict(found.kwargs)
    source = arguments.pop("template")
    scenario = found.args[0] if found.args else arguments.pop("name", None)
    route, times = arguments.pop("route", None), arguments.pop("times", None)
    if scenario is None and (route is not None or times is not None):
        raise ApigwFaultError(
            "route= and times= with template= say which route fails and how often: give"
            " the scenario too, e.g. apigw_fault('lambda_throttled', template=...,"
            " route='GET /orders/{id}')"
        )
    if scenario is not None and not isinstance(route, str):
        raise ApigwFaultError(
            f"a scenario ({scenario!r}) with template= fails one route of the template's"
            " API: name it with route=, e.g. route='GET /orders/{id}'"
        )
    return TemplateMarker(source, arguments, scenario, route, times)


def marker_problem(
    node: pytest.Item, markers: list[pytest.Mark]
) -> FaultOptions | TemplateMarker | str:
    """The options of ``markers`` (or their template form), or what is wrong
    with them."""
    from .._core.options import merge_markers
    from .._gateway.table import ApigwFaultError

    try:
        template = _template_marker(markers)
        if template is not None:
            return template
        return merge_markers([(m.args, m.kwargs) for m in markers])
    except ApigwFaultError as error:
        return f"{node.nodeid}: bad @pytest.mark.{_MARKER}: {error}"


def parse_markers(node: pytest.Item, markers: list[pytest.Mark]) -> FaultOptions | TemplateMarker:
    options = marker_problem(node, markers)
    if isinstance(options, str):
        pytest.fail(options, pytrace=False)
    return options


def inject(request: pytest.FixtureRequest) -> None:
    """Inject the fault of the test's ``apigw_fault`` marker (a row of the
    matrix, if it asks for one)."""
    options = _options(request.node)
    if isinstance(options, TemplateMarker):
        _use_template(request, options)
        return
    scenario = getattr(request, "param", None)
    if scenario is not None:  # a row of the matrix
        from .._core.options import for_scenario

        options = for_scenario(options, scenario)
    elif not options.single:
        pytest.fail(
            f"{request.node.nodeid}: bad @pytest.mark.{_MARKER}: it names no single"
            " scenario (a name and an api), so it asks for a scenario matrix, which"
            " only a marker on the test function, its class or its module can give;"
            " name one scenario here",
            pytrace=False,
        )
    fixture: ApigwFault = request.getfixturevalue("apigw_fault")
    from .._gateway.errors import ApigwFaultError

    try:
        fixture._inject(options)
        return
    except ApigwFaultError as error:  # the user's mistake, not the plugin's frames
        problem = f"{request.node.nodeid}: {error}"
    pytest.fail(problem, pytrace=False)


def _use_template(request: pytest.FixtureRequest, marker: TemplateMarker) -> None:
    """Start the template's API for the test, and fail its route if asked."""
    from .._gateway.table import ApigwFaultError

    fixture: ApigwFault = request.getfixturevalue("apigw_fault")
    try:
        api = fixture.use_template(marker.source, **marker.arguments)  # type: ignore[arg-type]
        if marker.scenario is not None:
            assert marker.route is not None
            api.inject(marker.scenario, route=marker.route, times=marker.times)  # type: ignore[arg-type]
        return
    except ApigwFaultError as error:  # failed outside the handler: no "During handling of"
        problem = f"{request.node.nodeid}: bad @pytest.mark.{_MARKER}(template=...): {error}"
    pytest.fail(problem, pytrace=False)
