"""What the front door answers to a request it cannot read as HTTP/1.1.

Conflicting framing (two ``Content-Length`` headers, ``Content-Length`` with
``Transfer-Encoding``), a ``Content-Length`` that is not a number, an
unknown transfer coding, no ``Host`` on HTTP/1.1, a request line or header
section over the limits, another HTTP version: none of these reaches API
Gateway, and no capture shows what CloudFront or API Gateway's own front
door answer to them (the one CloudFront refusal captured, a GET with a body
on an edge API, is its HTML page [GUIDE], which the server does not imitate).

⚠️ Inferred: the answer here is the plainest one in the gateway's header
style: the status, ``Content-Type: application/json``, ``Content-Length``
and ``Connection: close`` (the connection cannot be read further), and a
body ``{"message":"<phrase>"}`` spelt as an HTTP API's. No ``Server``, no
``Date``, no id: no API Gateway request was made.
"""

from __future__ import annotations

import functools

from .records import WireResponse
from .scenario import Api
from .wire_order import http11_headers

__all__ = ["PHRASES", "unreadable"]

#: The message of each answer, whatever the Python version's reason phrases.
PHRASES = {
    400: "Bad Request",
    414: "Request-URI Too Long",  # as the status line: headers.reason
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    505: "HTTP Version Not Supported",
}


@functools.cache
def unreadable(status: int) -> WireResponse:
    """The front door's answer ``status`` (see :data:`PHRASES`), in its
    HTTP/1.1 form, the connection closed after it."""
    body = b'{"message":"%s"}' % PHRASES[status].encode("ascii")
    headers = (("content-type", "application/json"), ("content-length", str(len(body))))
    return WireResponse(status, http11_headers(headers, Api.REST, keep_alive=False), body)
