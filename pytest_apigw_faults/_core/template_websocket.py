"""A :class:`~.websocket_api.WebSocketApi` from a template's description
(:mod:`.._template.cfn_websocket`), and which kind of API a template's is.

What a route becomes: its function's handler, imported from the function's
code folder with its environment variables set (``_lambda.code``), with
``integration_timeout`` the integration's ``TimeoutInMillis`` and
``function_timeout`` the function's ``Timeout``; a route response makes it
two-way. The ``$connect`` route's ``REQUEST`` Lambda authorizer is loaded
the same way. A route whose integration is no Python function of the
template (another runtime, code not here, an ``HTTP`` or ``MOCK``
integration) takes the handler the test gives in ``handlers=`` (by route
key or function logical id); without one, a clear error at once.
"""

from __future__ import annotations

import difflib
import inspect
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._gateway.errors import ApigwFaultError
from .._gateway.websocket import CONNECT
from .._lambda.code import load_function

if TYPE_CHECKING:
    from .._template.cfn_websocket import WebSocketDescription
    from .._template.model import FunctionDescription
    from .websocket_api import WebSocketApi

__all__ = ["api_from_template", "from_template", "websocket_description", "websocket_routes"]

Handler = Callable[[Any, Any], object]
Source = str | os.PathLike[str] | Mapping[str, Any]


def websocket_description(
    source: Source, *, api_name: str | None, parameters: Mapping[str, object] | None,
    stage: str | None,
) -> WebSocketDescription | None:
    """The template's WebSocket API (the one named ``api_name``), or ``None``
    when it declares none (or ``api_name`` names another kind of API)."""
    from .._template import load_websockets

    found = load_websockets(source, parameters=parameters, stage=stage)
    if api_name is not None:
        return next((d for d in found if api_name in (d.logical_id, d.name)), None)
    if len(found) > 1:
        names = ", ".join(repr(d.logical_id) for d in found)
        raise ApigwFaultError(
            f"{source} declares {len(found)} WebSocket APIs: name one with api_name= ({names})"
        )
    return found[0] if found else None


def _function(
    what: str, function: FunctionDescription | None, handlers: Mapping[str, Handler],
    key: str,
) -> Handler:
    """The handler of ``function`` (``key`` names it in ``handlers=``)."""
    if function is not None and function.logical_id in handlers:
        return handlers[function.logical_id]
    runtime = "" if function is None else function.runtime or ""
    if function is None or (runtime and not runtime.startswith("python")):
        why = "is not a Lambda function of the template" if function is None else (
            f"runs function {function.logical_id} on {runtime}"
        )
        name = key if function is None else function.logical_id
        raise ApigwFaultError(
            f"{what} {why}, which the fake gateway cannot run: give a Python handler for it"
            f" with handlers={{{name!r}: handler}}"
        )
    return load_function(
        function.logical_id, function.handler, function.code_root, function.environment
    )


def websocket_routes(
    description: WebSocketDescription, handlers: Mapping[str, Handler]
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The routes ``WebSocketApi`` takes, and its ``authorizer`` and
    ``identity_source`` arguments (``$connect``'s authorizer)."""
    routes: dict[str, dict[str, Any]] = {}
    authorizer: dict[str, Any] = {}
    for route in description.routes:
        given = handlers.get(route.key)
        if given is None and route.integration not in ("AWS_PROXY", "AWS"):
            raise ApigwFaultError(
                f"route {route.key!r} is a {route.integration} integration, which the fake"
                f" gateway does not run: give its answer with handlers={{{route.key!r}: handler}}"
            )
        handler = given if given is not None else _function(
            f"route {route.key!r}", route.function, handlers, route.key
        )
        spec: dict[str, Any] = {"handler": handler, "route_response": route.route_response}
        if route.integration_timeout is not None:
            spec["integration_timeout"] = route.integration_timeout
        if route.function is not None and given is None:
            spec["function_timeout"] = route.function.timeout
        routes[route.key] = spec
        if route.authorization_type == "AWS_IAM":
            raise ApigwFaultError(
                f"route {route.key!r} is AWS_IAM, which WebSocketApi does not check: use a"
                " REQUEST Lambda authorizer on $connect, or leave it out (NONE)"
            )
        if route.authorization_type == "CUSTOM":
            authorizer = _authorizer(description, route.key, route.authorizer, handlers)
    return routes, authorizer


def _authorizer(
    description: WebSocketDescription, key: str, name: str | None,
    handlers: Mapping[str, Handler],
) -> dict[str, Any]:
    if key != CONNECT:
        raise ApigwFaultError(
            f"route {key!r} has an authorizer: a WebSocket API authorizes $connect only"
        )
    found = description.authorizers.get(name or "")
    if found is None:
        known = list(description.authorizers)
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ApigwFaultError(
            f"route '$connect' names authorizer {name!r}, which the template does not"
            f" declare{hint}"
        )
    if found.type != "REQUEST":
        raise ApigwFaultError(
            f"authorizer {found.name!r} is {found.type}: a WebSocket API's is a REQUEST"
            " Lambda authorizer"
        )
    handler = handlers.get(found.name) or _function(
        f"authorizer {found.name!r}", found.function, handlers, found.name
    )
    return {"authorizer": handler, "identity_source": found.identity_source}


def from_template(cls: type[WebSocketApi], source: Source, given: dict[str, Any]
                  ) -> WebSocketApi:
    """``WebSocketApi.from_template``: ``given`` its keyword arguments."""
    api_name, parameters, stage = given.pop("api_name"), given.pop("parameters"), given["stage"]
    description = websocket_description(
        source, api_name=api_name, parameters=parameters, stage=stage
    )
    if description is None:
        which = "no WebSocket API" if api_name is None else f"no WebSocket API {api_name!r}"
        raise ApigwFaultError(
            f"{source} declares {which} (an AWS::ApiGatewayV2::Api with ProtocolType"
            " WEBSOCKET); GatewayApi.from_template reads REST and HTTP APIs"
        )
    routes, authorizer = websocket_routes(description, given.pop("handlers") or {})
    if not routes:
        raise ApigwFaultError(f"{source}: API {description.logical_id} has no route")
    if given["region"] is None:
        given["region"] = str((parameters or {}).get("AWS::Region", "us-east-1"))
    if given["url"] is None:
        given["stage"] = description.stage or stage
    else:
        given["stage"] = None
    return cls(routes, route_selection=description.route_selection, **authorizer, **given)


def api_from_template(
    source: Source, *, gateway_only: Mapping[str, Any] | None = None, **arguments: Any
) -> Any:
    """The template's API: a :class:`WebSocketApi` when it is a WebSocket
    API (the only one, or the one ``api_name=`` names), else a
    :class:`~.gateway_api.GatewayApi` (``GatewayApi.from_template``, with
    ``gateway_only`` too)."""
    __tracebackhide__ = True
    try:
        return _api_from_template(source, gateway_only, arguments)
    except ApigwFaultError as error:  # the template's or its code's fault: no loader frames
        raise error.with_traceback(None) from error.__cause__


def _api_from_template(
    source: Source, gateway_only: Mapping[str, Any] | None, arguments: dict[str, Any]
) -> Any:
    from .gateway_api import GatewayApi
    from .websocket_api import WebSocketApi

    description = websocket_description(
        source, api_name=arguments.get("api_name"), parameters=arguments.get("parameters"),
        stage=arguments.get("stage"),
    )
    if description is None:
        return GatewayApi.from_template(source, **arguments, **(gateway_only or {}))
    if arguments.get("api_name") is None:
        from .._template import load

        others = load(source, parameters=arguments.get("parameters"),
                      stage=arguments.get("stage"))
        if others:
            names = ", ".join(repr(n) for n in [*(d.logical_id for d in others),
                                                 description.logical_id])
            raise ApigwFaultError(
                f"{source} declares {len(others) + 1} APIs: name one with api_name= ({names})"
            )
    websocket_only = set(list(inspect.signature(WebSocketApi.from_template).parameters)[1:])
    unknown = sorted(set(arguments) - websocket_only)
    if unknown:
        raise ApigwFaultError(
            f"{source}: its API {description.logical_id} is a WebSocket API, which does not"
            f" take {', '.join(unknown)} (it takes {', '.join(sorted(websocket_only))})"
        )
    api: WebSocketApi = WebSocketApi.from_template(source, **arguments)
    return api
