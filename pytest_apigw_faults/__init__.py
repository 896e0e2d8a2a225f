"""pytest-apigw-faults: real Amazon API Gateway failures for requests and httpx.

The names below are imported on first use, so that loading the pytest plugin
costs next to nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "SCENARIOS",
    "WEBSOCKET_SCENARIOS",
    "Api",
    "ApiKeys",
    "ApiName",
    "ApigwFault",
    "ApigwFaultError",
    "ApigwFaultSleepWarning",
    "ApigwFaultWarning",
    "Authorization",
    "Call",
    "Classification",
    "CognitoAuthorizer",
    "Cors",
    "Endpoint",
    "EndpointName",
    "Evidence",
    "Fault",
    "GatewayApi",
    "GatewayResponses",
    "GatewayServer",
    "HttpEventV1",
    "HttpEventV2",
    "HttpScenarioName",
    "IamAuth",
    "IamCredentials",
    "JwtAuthorizer",
    "JwtKeys",
    "KeyDecision",
    "LambdaAuthorizer",
    "LambdaEvent",
    "Phase",
    "ProxyFailure",
    "ProxyResult",
    "RestEvent",
    "RestScenarioName",
    "Scenario",
    "ScenarioName",
    "Throttle",
    "UsagePlan",
    "WebSocketApi",
    "WebSocketClassification",
    "WebSocketClosed",
    "WebSocketConnection",
    "WebSocketPhaseName",
    "WebSocketRefused",
    "WebSocketScenario",
    "WebSocketScenarioName",
    "classify",
    "classify_websocket",
    "get_scenario",
    "route_scenarios",
    "scenarios",
    "validate_proxy_result",
    "websocket_scenarios",
]

if TYPE_CHECKING:
    __version__: str  # the installed distribution's version; see _version()
    from ._adapters.reading import classify
    from ._adapters.websocket_reading import classify_websocket
    from ._core.fault import ApigwFaultWarning, Call, Fault
    from ._core.gateway_api import GatewayApi
    from ._core.realsleep import ApigwFaultSleepWarning
    from ._core.websocket_api import WebSocketApi
    from ._gateway.auth import (
        Authorization,
        CognitoAuthorizer,
        JwtAuthorizer,
        JwtKeys,
        LambdaAuthorizer,
    )
    from ._gateway.auth.iam import IamAuth, IamCredentials
    from ._gateway.auth.keys import ApiKeys, KeyDecision, UsagePlan
    from ._gateway.classification import Classification
    from ._gateway.cors import Cors
    from ._gateway.custom import GatewayResponses
    from ._gateway.names import (
        ApiName,
        EndpointName,
        HttpScenarioName,
        RestScenarioName,
        ScenarioName,
        WebSocketPhaseName,
        WebSocketScenarioName,
    )
    from ._gateway.table import (
        SCENARIOS,
        Api,
        ApigwFaultError,
        Endpoint,
        Evidence,
        Phase,
        Scenario,
        get_scenario,
    )
    from ._gateway.throttle import Throttle
    from ._gateway.websocket import WEBSOCKET_SCENARIOS, WebSocketScenario
    from ._gateway.websocket_classify import WebSocketClassification
    from ._gateway.websocket_records import WebSocketConnection
    from ._lambda.event_types import HttpEventV1, HttpEventV2, LambdaEvent, RestEvent
    from ._lambda.results import ProxyFailure, ProxyResult, validate_proxy_result
    from ._pytest.fixture import ApigwFault
    from ._pytest.matrix import route_scenarios, scenarios, websocket_scenarios
    from ._serve.server import GatewayServer
    from ._serve.ws_client import WebSocketClosed, WebSocketRefused

_HOME = {
    "SCENARIOS": "_gateway.table",
    "Api": "_gateway.table",
    "ApigwFaultError": "_gateway.table",
    "Endpoint": "_gateway.table",
    "Evidence": "_gateway.table",
    "ApiName": "_gateway.names",
    "EndpointName": "_gateway.names",
    "HttpScenarioName": "_gateway.names",
    "RestScenarioName": "_gateway.names",
    "ScenarioName": "_gateway.names",
    "WebSocketScenarioName": "_gateway.names",
    "WebSocketPhaseName": "_gateway.names",
    "RestEvent": "_lambda.event_types",
    "HttpEventV1": "_lambda.event_types",
    "HttpEventV2": "_lambda.event_types",
    "LambdaEvent": "_lambda.event_types",
    "ApiKeys": "_gateway.auth.keys",
    "KeyDecision": "_gateway.auth.keys",
    "UsagePlan": "_gateway.auth.keys",
    "IamAuth": "_gateway.auth.iam",
    "IamCredentials": "_gateway.auth.iam",
    "Phase": "_gateway.table",
    "classify": "_adapters.reading",
    "Classification": "_gateway.classification",
    "GatewayResponses": "_gateway.custom",
    "Cors": "_gateway.cors",
    "Throttle": "_gateway.throttle",
    "Scenario": "_gateway.table",
    "get_scenario": "_gateway.table",
    "scenarios": "_pytest.matrix",
    "route_scenarios": "_pytest.matrix",
    "ApigwFault": "_pytest.fixture",
    "ApigwFaultWarning": "_core.fault",
    "ApigwFaultSleepWarning": "_core.realsleep",
    "Call": "_core.fault",
    "Authorization": "_gateway.auth",
    "LambdaAuthorizer": "_gateway.auth",
    "JwtAuthorizer": "_gateway.auth.jwt",
    "JwtKeys": "_gateway.auth.jwt_keys",
    "CognitoAuthorizer": "_gateway.auth.cognito",
    "Fault": "_core.fault",
    "GatewayApi": "_core.gateway_api",
    "GatewayServer": "_serve.server",
    "WebSocketApi": "_core.websocket_api",
    "WebSocketClosed": "_serve.ws_client",
    "WebSocketConnection": "_gateway.websocket_records",
    "WebSocketRefused": "_serve.ws_client",
    "WEBSOCKET_SCENARIOS": "_gateway.websocket",
    "WebSocketScenario": "_gateway.websocket",
    "WebSocketClassification": "_gateway.websocket_classify",
    "classify_websocket": "_adapters.websocket_reading",
    "websocket_scenarios": "_pytest.matrix",
    "ProxyFailure": "_lambda.results",
    "ProxyResult": "_lambda.results",
    "validate_proxy_result": "_lambda.results",
}


def _version() -> str:
    """The installed distribution's version; in a source checkout that is not
    installed, the version its pyproject.toml declares, else ``0+unknown``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pytest-apigw-faults")
    except PackageNotFoundError:
        import re
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        found = None
        if pyproject.is_file():
            text = pyproject.read_text(encoding="utf-8")
            found = re.search(r'(?m)^version = "([^"]+)"$', text)
        return found.group(1) if found else "0+unknown"


def __getattr__(name: str) -> Any:
    # Looked up in sys.modules each time, never cached here: an in-process
    # pytester run imports the package's modules afresh, and a name cached
    # from an earlier run would mix two copies of the scenario table.
    if name == "__version__":  # read on use: loading the plugin stays cheap
        return _version()
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{home}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
