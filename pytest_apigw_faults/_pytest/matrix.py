"""The scenario matrix as ``pytest.param`` values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from .._gateway.names import ApiName, ScenarioName, WebSocketPhaseName, WebSocketScenarioName
from .._gateway.table import SCENARIOS, Api, check_name, parse_api
from .._gateway.websocket import WEBSOCKET_SCENARIOS, check_websocket_name, check_websocket_phase

if TYPE_CHECKING:
    from .._core.gateway_api import GatewayApi

__all__ = ["route_scenarios", "scenarios", "websocket_scenarios"]


def scenarios(*names: ScenarioName, api: ApiName | Api | None = None) -> list[Any]:
    """Rows of the table as ``pytest.param`` values with ids ``"{api}-{name}"``.

    With no names, every row (of ``api``, when given); unknown names and apis
    are an error that lists the valid ones. Use it with
    ``@pytest.mark.parametrize("scenario", scenarios(api="rest"))`` and
    ``apigw_fault.inject(scenario)``.
    """
    kind = None if api is None else parse_api(api)
    wanted = {check_name(name, kind) for name in names}
    return [
        pytest.param(row, id=row.id)
        for (name, row_api), row in SCENARIOS.items()
        if (kind is None or row_api is kind) and (not wanted or name in wanted)
    ]


def route_scenarios(api: GatewayApi, *names: ScenarioName) -> list[Any]:
    """The scenario matrix of one API: a ``pytest.param(route, row)`` for
    every route of ``api`` (a :class:`GatewayApi`) and every row of the
    table that route can give (:meth:`GatewayApi.failures`), with ids
    ``"GET /orders/{id}-unauthorized"``; only the rows ``names`` when given.
    Use it with ``@pytest.mark.parametrize(("route", "scenario"),
    route_scenarios(API))`` and ``api.inject(scenario, route=route)``."""
    wanted = {check_name(name, api.api) for name in names}
    return [
        pytest.param(route, row, id=f"{route}-{row.name}")
        for route, row in api.failures()
        if not wanted or row.name in wanted
    ]


def websocket_scenarios(
    *names: WebSocketScenarioName, phase: WebSocketPhaseName | None = None
) -> list[Any]:
    """The WebSocket failures (:data:`WEBSOCKET_SCENARIOS`) as ``pytest.param``
    values with ids ``"websocket-{name}"``: every row (of ``phase``:
    ``"connect"``, ``"message"``, ``"connection"`` or ``"management"``, when
    given), or the rows ``names``; an unknown name is an error that lists
    the valid ones. Use it with ``@pytest.mark.parametrize("scenario",
    websocket_scenarios(phase="message"))`` and ``api.inject(scenario)``
    (:meth:`WebSocketApi.inject`), then :func:`classify_websocket` or the
    row's ``status``, ``body``, ``frame`` and ``close_code`` to check what
    the client saw."""
    kind = None if phase is None else check_websocket_phase(phase)
    wanted = {check_websocket_name(name, kind) for name in names}
    return [
        pytest.param(row, id=row.id)
        for name, row in WEBSOCKET_SCENARIOS.items()
        if (kind is None or row.phase == kind) and (not wanted or name in wanted)
    ]
