"""What may go on the wire: header names and values, statuses, bodies.

API Gateway decides once what a header a Lambda or a gateway response gives
becomes; every client path then writes the same bytes. None of these rules
is captured on AWS: each is marked ⚠️ and says what it rests on.

* A header whose name is not an HTTP token, or whose value holds a control
  character (CR, LF, NUL; HTAB aside), cannot be written as one header line
  (RFC 9110 §5.1, §5.5). From a Lambda it makes the answer a malformed one
  (:func:`problem`, used by the Lambda side); in a customised gateway
  response it is the configuration's error (:func:`checked_custom`). Never
  is it written raw: no header splitting.
* Other characters go out as their UTF-8 bytes (the JSON string's UTF-8
  form; an unpaired surrogate as ``?``, as Java's UTF-8 encoder writes it).
  Each client then decodes those bytes as it decodes a real server's:
  requests (http.client) as latin-1, httpx by its own detection, aiohttp
  as UTF-8. :func:`wire_bytes` and :func:`latin1` give them.
* A Lambda status of 1xx is not a final answer (RFC 9110 §15.2): malformed.
  Any other status from 200 to 599 goes out as it is, 299 included, with no
  reason phrase when it has none (:func:`reason`).
* 204 and 304 carry no body and no ``content-length`` (RFC 9110 §6.4.1,
  §8.6): a body the Lambda or a customisation gave is dropped
  (:func:`finish`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from http import HTTPStatus

from .errors import ApigwFaultError

__all__ = [
    "BODILESS_STATUSES",
    "checked_custom",
    "finish",
    "latin1",
    "problem",
    "reason",
    "status_problem",
    "wire_bytes",
]

# RFC 9110 §5.6.2: token = 1*tchar
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9110 §5.5: a field value holds no control character but HTAB.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

#: Statuses whose answers have no body and no content-length.
BODILESS_STATUSES = frozenset({204, 304})


def problem(name: str, value: str) -> str | None:
    """Why a header a Lambda returned cannot be one header line, or ``None``."""
    if not _TOKEN.fullmatch(name):
        return f"header name {name!r} is not an HTTP token"
    if _CONTROL.search(value):
        return f"header {name!r} has a control character in its value {value!r}"
    return None


def status_problem(status: int) -> str | None:
    """Why a Lambda's status cannot be the final answer, or ``None``."""
    if status < 200:
        return f"statusCode {status} is informational (1xx), not a final answer"
    return None


def checked_custom(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The headers a customised gateway response adds, or an error naming the
    one that cannot be a header line."""
    lines = tuple(headers)
    for name, value in lines:
        why = problem(name, value)
        if why is not None:
            raise ApigwFaultError(
                f"a gateway response's responseParameters give {why}; API Gateway"
                " cannot send it as a header line"
            )
    return lines


def wire_bytes(value: str) -> bytes:
    """The bytes a header value goes out as: UTF-8, an unpaired surrogate as ``?``."""
    return value.encode("utf-8", errors="replace")


def latin1(value: str) -> str:
    """``value``'s wire bytes read as latin-1: the text a client that decodes
    header bytes as latin-1 (http.client) makes of them, and what writes
    them back unchanged."""
    if value.isascii():
        return value
    return wire_bytes(value).decode("latin-1")


def reason(status: int) -> str:
    """The reason phrase of ``status`` (HTTP/1.1), ``""`` when it has none."""
    phrase = _PHRASES.get(status)
    if phrase is None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        if 100 <= status <= 999:
            _PHRASES[status] = phrase
    return phrase


# The phrases Python 3.13 renamed after RFC 9110, kept as every Python before
# it spells them (RFC 7231), so that a status line is the same bytes on every
# Python. Inferred: no HTTP/1.1 capture shows API Gateway's phrase for these
# (the captured lines are 403 Forbidden and 404 Not Found, which never changed).
_PHRASES: dict[int, str] = {
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    416: "Requested Range Not Satisfiable",
    422: "Unprocessable Entity",
}


def finish(
    status: int, headers: tuple[tuple[str, str], ...], body: bytes
) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
    """A ``status`` answer's status, headers and body once the body rules are
    applied: a 204 or 304 answer has no body and no ``content-length``."""
    if status not in BODILESS_STATUSES:
        return status, shared(headers), body
    return status, shared([(k, v) for k, v in headers if k.lower() != "content-length"]), b""


# The header lines whose value is new for every call: the ids and the date.
# Every other line (a row's content-type and error type, CloudFront's x-cache
# and POP, ...) repeats from call to call: its tuple, and its bytes as a
# client keeps them, are shared between the calls that record it, up to a
# bound, instead of kept once per call.
_PER_CALL = frozenset(
    {"date", "x-amzn-requestid", "x-amz-apigw-id", "x-amz-cf-id", "x-amzn-trace-id",
     "apigw-requestid"}
)
_MAX_SHARED = 2048
_SHARED: dict[tuple[str, str], tuple[str, str]] = {}
_ENCODED: dict[tuple[str, str], tuple[bytes, bytes]] = {}


def shared(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """``headers``, each line that repeats between calls as one shared tuple."""
    lines = []
    for line in headers:
        if line[0] not in _PER_CALL:
            known = _SHARED.get(line)
            if known is not None:
                line = known
            elif len(_SHARED) < _MAX_SHARED:
                _SHARED[line] = line
        lines.append(line)
    return tuple(lines)


def encoded(headers: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """``headers`` as ASCII names and wire bytes (:func:`wire_bytes`), the
    lines that repeat between calls shared."""
    lines = []
    for line in headers:
        pair = _ENCODED.get(line)
        if pair is None:
            pair = (line[0].encode("ascii"), wire_bytes(line[1]))
            if line[0] not in _PER_CALL and len(_ENCODED) < _MAX_SHARED:
                _ENCODED[line] = pair
        lines.append(pair)
    return lines
