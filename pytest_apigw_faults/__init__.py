"""pytest-apigw-faults: real Amazon API Gateway failures for requests and httpx.

The names below are imported on first use, so that loading the pytest plugin
costs next to nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "SCENARIOS",
    "Api",
    "ApigwFault",
    "ApigwFaultError",
    "ApigwFaultWarning",
    "Call",
    "Endpoint",
    "Evidence",
    "Fault",
    "GatewayResponses",
    "GatewayServer",
    "Phase",
    "ProxyFailure",
    "ProxyResult",
    "Scenario",
    "classify",
    "get_scenario",
    "scenarios",
    "validate_proxy_result",
]

if TYPE_CHECKING:
    from ._classify import classify
    from ._custom import GatewayResponses
    from ._fault import ApigwFaultWarning, Call, Fault
    from ._fixture import ApigwFault
    from ._matrix import scenarios
    from ._proxy import ProxyFailure, ProxyResult, validate_proxy_result
    from ._server import GatewayServer
    from ._table import (
        SCENARIOS,
        Api,
        ApigwFaultError,
        Endpoint,
        Evidence,
        Phase,
        Scenario,
        get_scenario,
    )

_HOME = {
    "SCENARIOS": "_table",
    "Api": "_table",
    "ApigwFaultError": "_table",
    "Endpoint": "_table",
    "Evidence": "_table",
    "Phase": "_table",
    "classify": "_classify",
    "GatewayResponses": "_custom",
    "Scenario": "_table",
    "get_scenario": "_table",
    "scenarios": "_matrix",
    "ApigwFault": "_fixture",
    "ApigwFaultWarning": "_fault",
    "Call": "_fault",
    "Fault": "_fault",
    "GatewayServer": "_server",
    "ProxyFailure": "_proxy",
    "ProxyResult": "_proxy",
    "validate_proxy_result": "_proxy",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
