"""The ``@connections`` management API of the WebSocket APIs that are
started (:meth:`WebSocketApi.start`, or ``apigw_fault.use_api``), answered
in-process and by the loopback server.

In-process, boto3's ``apigatewaymanagementapi`` calls are answered through
botocore's ``before-send`` event (:mod:`.._adapters.botocore`): the hook is
installed when the first API starts and removed when the last one stops
(whatever happens in between: what is installed is recorded first). It
answers only the calls whose host is a started API's
(``{api-id}.execute-api.{region}.amazonaws.com``), and every one of those: a
path that is no management call of the API's stage gets the 403 a wrong
stage gets ⚠️. The loopback server answers ``/{stage}/@connections/{id}`` on
its own address (:mod:`.._serve.websocket`).

Signatures: with ``iam=IamAuth(...)`` on the API, each call is verified as
an IAM-authorized REST method's request is (:mod:`.._gateway.auth.iam`: the
key, its session token, the scope, the time, the signature), and refused
with the same answers ⚠️. Without it, any signed call is taken, and a call
with no ``Authorization`` header gets the 403 ``Missing Authentication
Token`` ⚠️ (an unsigned call gets a 403; its body is not captured).
``execute-api:ManageConnections`` in an identity policy is not evaluated.

The state is kept on the ``sys`` module, so every copy of this module (see
:mod:`.runtime`, rule 7) shares one hook.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._gateway.connections import (
    DATA_BYTES,
    answer,
    connection_info,
    management_call,
    path_of,
    refusal,
)
from .._gateway.records import Incoming, WireResponse

if TYPE_CHECKING:
    from .websocket_api import WebSocketApi

__all__ = ["answer_in_process", "manage", "start", "started", "stop"]

_STATE: dict[str, Any] = sys.__dict__.setdefault(
    "_pytest_apigw_faults_management", {"lock": threading.RLock(), "apis": (), "hook": None}
)


def started() -> tuple[WebSocketApi, ...]:
    """The started APIs, oldest first."""
    return tuple(_STATE["apis"])


def start(api: WebSocketApi) -> None:
    """Answer ``api``'s management calls in-process until :func:`stop`."""
    with _STATE["lock"]:
        if any(other is api for other in _STATE["apis"]):
            return
        _STATE["apis"] = (*_STATE["apis"], api)
        try:
            if _STATE["hook"] is None and importlib.util.find_spec("botocore") is not None:
                adapter = importlib.import_module(
                    f"{__package__.rpartition('.')[0]}._adapters.botocore"
                )
                _STATE["hook"] = adapter  # recorded first: stop removes it
                adapter.install(answer_in_process)
        except BaseException:
            stop(api)
            raise


def stop(api: WebSocketApi) -> None:
    """Stop answering ``api``'s calls; the hook goes with the last API."""
    with _STATE["lock"]:
        _STATE["apis"] = tuple(other for other in _STATE["apis"] if other is not api)
        hook = _STATE["hook"]
        if hook is not None and not _STATE["apis"]:
            _STATE["hook"] = None
            hook.uninstall()


def answer_in_process(
    method: str, url: str, headers: Mapping[str, str], body: bytes
) -> WireResponse | None:
    """The answer to a management call of a started API, or ``None``: the
    URL's host is no started API's."""
    host = (urlsplit(url).hostname or "").lower()
    for api in reversed(started()):
        if host == api.place.domain_name:
            found = manage(api, method, url, headers, body)
            return found if found is not None else refusal("forbidden", apigw_id=api._ids.new())
    return None


def _authorize(
    api: WebSocketApi, method: str, url: str, headers: Mapping[str, str], body: bytes,
    apigw_id: str,
) -> WireResponse | None:
    """The refusal of an unsigned call, or of one ``api.iam`` refuses."""
    incoming = Incoming(method, url, headers, body)
    from .._gateway.render import render
    from .._gateway.table import SCENARIOS, Api

    now = time.time()
    if api.iam is None:
        if incoming.header("Authorization") is not None:
            return None
        row = SCENARIOS[("route_not_found", Api.REST)]
    else:
        from .._gateway.auth.iam import decide_iam

        verdict = decide_iam(api.iam, incoming, now, api.place.region)
        if verdict.row is None:
            return None
        row = render(verdict.row, incoming, arrived_at=now)
    return answer(row.status, row.body, error_type=row.error_type, apigw_id=apigw_id, now=now)


def manage(
    api: WebSocketApi, method: str, url: str, headers: Mapping[str, str], body: bytes
) -> WireResponse | None:
    """``api``'s answer to a management call (``None``: the request is no
    management call of its stage). The order: the signature, a refusal the
    test asked for, the data's size ⚠️, then the connection."""
    call = management_call(method, path_of(url), api.place.stage)
    if call is None:
        return None
    apigw_id = api._ids.new()
    refused = _authorize(api, method, url, headers, body, apigw_id)
    if refused is None:
        name = api._next_refusal()
        refused = None if name is None else refusal(name, apigw_id=apigw_id)
    if refused is None and call.operation == "PostToConnection" and len(body) > DATA_BYTES:
        refused = refusal("payload_too_large", apigw_id=apigw_id)
    session = api.connections.get(call.connection_id)
    if refused is not None:
        api._record_management(call, refused.status)
        return refused
    done: WireResponse | None = None
    if session is not None:
        if call.operation == "PostToConnection":
            done = answer(200, apigw_id=apigw_id) if session.post(body) else None
        elif call.operation == "DeleteConnection":
            done = answer(204, apigw_id=apigw_id) if session.delete() else None
        elif session.open:
            info = connection_info(
                connected_at=session.connected_at, last_active_at=session.last_active,
                source_ip=session.source_ip, user_agent=session.user_agent,
            )
            done = answer(200, info, apigw_id=apigw_id)
    if done is None:
        done = refusal("gone", apigw_id=apigw_id)
    api._record_management(call, done.status)
    return done
