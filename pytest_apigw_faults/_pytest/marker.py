"""The ``apigw_fault`` marker of a test: its options, parsed once, and the
fault it injects. Loaded when a test function has the marker."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ..plugin import _MARKER, _OPTIONS, _PARSED, _function

if TYPE_CHECKING:
    from .._core.options import FaultOptions
    from .fixture import ApigwFault

__all__ = ["inject", "marker_problem", "parse_markers"]


def _options(node: pytest.Item) -> FaultOptions:
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


def marker_problem(node: pytest.Item, markers: list[pytest.Mark]) -> FaultOptions | str:
    """The options of ``markers``, or what is wrong with them."""
    from .._core.options import merge_markers
    from .._gateway.table import ApigwFaultError

    try:
        return merge_markers([(m.args, m.kwargs) for m in markers])
    except ApigwFaultError as error:
        return f"{node.nodeid}: bad @pytest.mark.{_MARKER}: {error}"


def parse_markers(node: pytest.Item, markers: list[pytest.Mark]) -> FaultOptions:
    options = marker_problem(node, markers)
    if isinstance(options, str):
        pytest.fail(options, pytrace=False)
    return options


def inject(request: pytest.FixtureRequest) -> None:
    """Inject the fault of the test's ``apigw_fault`` marker (a row of the
    matrix, if it asks for one)."""
    options = _options(request.node)
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
