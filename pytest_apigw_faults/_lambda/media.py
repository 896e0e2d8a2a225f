"""Media types as API Gateway compares them: the binary media types and Accept."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["first_accept", "matches_binary", "media_type"]


def media_type(value: str | None) -> str:
    """The media type of a Content-Type or Accept value, lower-cased, without
    parameters."""
    return (value or "").split(";", 1)[0].strip().lower()


def matches_binary(wanted: str, binary_media_types: Iterable[str]) -> bool:
    """Whether a media type is one of the API's binary media types.

    ``*`` is a wildcard in the API's list (``*/*``, ``image/*``)
    [api-gateway-payload-encodings]. ⚠️ A wildcard on the client's side
    (``Accept: */*``) is taken to match nothing but ``*/*``.
    """
    if not wanted:
        return False
    kind = wanted.split("/", 1)[0]
    for entry in binary_media_types:
        entry = media_type(entry)
        if entry in (wanted, "*/*") or entry == f"{kind}/*":
            return True
    return False


def first_accept(accept: str | None) -> str:
    """The first media type of an Accept header: the only one API Gateway
    consults ("API Gateway uses the first Accept header from clients")
    [api-gateway-payload-encodings]."""
    return media_type((accept or "").split(",", 1)[0])
