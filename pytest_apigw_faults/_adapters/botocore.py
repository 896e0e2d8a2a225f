"""boto3's ``apigatewaymanagementapi`` calls answered in-process, through
botocore's documented event system: a ``before-send`` handler that returns an
``AWSResponse`` is the answer, and nothing is sent.

Every botocore client made while the hook is installed
(``botocore.session.Session.create_client``, which boto3's ``client()``
calls, wrapped) gets the handler on its ``meta.events``; removing the hook
puts ``create_client`` back and unregisters the handler from every client
that has it. ⚠️ A client made *before* a WebSocket API started is not
answered: make it in the handler, as the chat samples do, or after
``use_api``.

The handler answers a call whose host is a started API's, every one of them
(an answer of the management API, or its 403); a call to any other host goes
on as it would (``None``). An exception in the answer becomes a 500 rather
than a call on the network.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from .._gateway.records import WireResponse

__all__ = ["install", "installed", "uninstall"]

Answer = Callable[[str, str, Mapping[str, str], bytes], "WireResponse | None"]

_EVENT = "before-send.apigatewaymanagementapi"
_UNIQUE = "pytest-apigw-faults-connections"
_LOCK = threading.Lock()
_STATE: dict[str, Any] = {"original": None, "answer": None}
_CLIENTS: weakref.WeakSet[Any] = weakref.WeakSet()


class _Raw:
    """What ``AWSResponse.content`` reads: the body, in one piece."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def _body_of(request: Any) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    read = getattr(body, "read", None)
    data = read() if read is not None else b""
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _before_send(request: Any, **_: Any) -> Any:
    """botocore's ``before-send``: the answer, or ``None`` to send it."""
    answer: Answer | None = _STATE["answer"]
    if answer is None:
        return None
    from botocore.awsrequest import AWSResponse  # type: ignore[import-untyped]

    headers = {str(k): v.decode("latin-1") if isinstance(v, bytes) else str(v)
               for k, v in request.headers.items()}
    try:
        wire = answer(request.method, request.url, headers, _body_of(request))
    except Exception as error:  # never the network for a call of a started API
        body = f'{{"message":"pytest-apigw-faults: {type(error).__name__}"}}'.encode()
        wire = WireResponse(500, (("content-type", "application/json"),), body)
    if wire is None:
        return None
    return AWSResponse(request.url, wire.status, dict(wire.headers), _Raw(wire.body))


def _register(client: Any) -> None:
    client.meta.events.register(_EVENT, _before_send, unique_id=_UNIQUE)
    _CLIENTS.add(client)


def install(answer: Answer) -> None:
    """Answer with ``answer`` until :func:`uninstall` (see the module doc)."""
    import botocore.session  # type: ignore[import-untyped]

    with _LOCK:
        _STATE["answer"] = answer
        if _STATE["original"] is not None:
            return
        original = botocore.session.Session.create_client
        _STATE["original"] = original  # recorded first: uninstall puts it back

        @functools.wraps(original)
        def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(self, *args, **kwargs)
            if client.meta.service_model.service_name == "apigatewaymanagementapi":
                _register(client)
            return client

        botocore.session.Session.create_client = create_client


def installed() -> bool:
    return _STATE["original"] is not None


def uninstall() -> None:
    """Put ``create_client`` back and unregister the handler from every
    client; safe to call again."""
    with _LOCK:
        _STATE["answer"] = None
        original, _STATE["original"] = _STATE["original"], None
        if original is not None:
            import botocore.session

            botocore.session.Session.create_client = original
        for client in list(_CLIENTS):
            client.meta.events.unregister(_EVENT, unique_id=_UNIQUE)
        _CLIENTS.clear()
