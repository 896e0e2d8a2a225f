"""The canonical request and string-to-sign of a request, by botocore's own
SigV4 signer, and the signature it gives with a secret (imported only when
``invalid_signature`` answers or ``iam=`` verifies a request; the ``sigv4``
extra installs it)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import Credentials  # type: ignore[import-untyped]

from .records import Incoming

__all__ = ["canonical_strings", "signature"]

_EXAMPLE_HOST = "u1hp5d8r0b.execute-api.us-west-2.amazonaws.com"  # [RP-2025]'s API


class _Signed(SigV4Auth):  # type: ignore[misc]
    """The signer, with the headers the request says it signed."""

    def __init__(self, service: str, region: str, signed: tuple[str, ...]) -> None:
        super().__init__(None, service, region)
        self._signed = signed

    def headers_to_sign(self, request: Any) -> Any:
        found = super().headers_to_sign(request)
        for name in list(found.keys()):
            if name not in self._signed:
                del found[name]
        for name in self._signed:
            if name not in found:
                found[name] = ""  # signed, but not sent
        return found


def _prepared(
    request: Incoming, signed: tuple[str, ...], region: str, service: str, arrived_at: float,
    credentials: Any = None,
) -> tuple[_Signed, Any]:
    """botocore's signer and request for ``request`` as it was signed."""
    headers = dict(request.headers.items())
    stamp = request.header("X-Amz-Date") or time.strftime(
        "%Y%m%dT%H%M%SZ", time.gmtime(arrived_at)
    )
    if "x-amz-date" in signed and request.header("X-Amz-Date") is None:
        headers["X-Amz-Date"] = stamp
    url = request.url
    if not urlsplit(url).netloc:  # no host to sign: the Host header's, or the capture's
        url = f"https://{request.header('Host') or _EXAMPLE_HOST}/"
    aws = AWSRequest(method=request.method, url=url, headers=headers,
                     data=request.body or b"")
    aws.context["timestamp"] = stamp
    signer = _Signed(service, region, signed)
    signer.credentials = credentials
    return signer, aws


def canonical_strings(
    request: Incoming,
    signed: tuple[str, ...],
    region: str,
    service: str,
    arrived_at: float,
) -> tuple[str, str]:
    """The canonical request and the string-to-sign of ``request``, for the
    headers it ``signed``, at its ``X-Amz-Date`` (else its arrival)."""
    signer, aws = _prepared(request, signed, region, service, arrived_at)
    canonical = signer.canonical_request(aws)
    return canonical, signer.string_to_sign(aws, canonical)


def signature(
    request: Incoming,
    signed: tuple[str, ...],
    scope: tuple[str, str],
    secret: str,
    arrived_at: float,
) -> str:
    """The signature of ``request`` with ``secret``, for the headers it
    ``signed`` and its credential ``scope`` (region, service): what botocore's
    signer writes in ``Signature=``."""
    credentials = Credentials("", secret)
    signer, aws = _prepared(request, signed, scope[0], scope[1], arrived_at, credentials)
    canonical = signer.canonical_request(aws)
    return str(signer.signature(signer.string_to_sign(aws, canonical), aws))
