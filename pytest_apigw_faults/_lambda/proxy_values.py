"""How API Gateway reads the values of a Lambda proxy answer: the status
code, a header value, a base64 body, and headers merged from two fields.

The rules follow the reference §5; its source tags are quoted as ``[TAG]``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

__all__ = ["INVALID", "MergedHeaders", "b64decode", "header_value", "status_code"]

#: What a reader gives for a value API Gateway takes as malformed.
INVALID = object()


def status_code(value: object) -> int | object:
    """A statusCode as API Gateway reads it, or ``INVALID``.

    Missing or ``null``: 200 ([LS-FMT]; ``null`` 🔧 from LocalStack's code). A
    number, or a string of digits ("201" gives 201) [LS-FMT]; "test" is
    malformed [LS-FMT]. ⚠️ Booleans, fractions and statuses outside 100 to 599
    are taken as malformed; an integral float (200.0) as its integer.
    """
    if value is None:
        return 200
    if isinstance(value, bool):
        return INVALID
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,3}", value):
        value = int(value)
    if isinstance(value, int) and 100 <= value <= 599:
        return value
    return INVALID


def header_value(value: object) -> str | object | None:
    """A header value as sent: booleans lower-cased [LS-FMT]; ``null`` drops
    the header (⚠️ and keeps the default Content-Type away, as reported from
    AWS in aws/aws-sam-cli issue 1218); anything else is malformed (🔧
    LocalStack rejects numbers; ⚠️ not verified against AWS, reference §5.1)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, str):
        return value
    return INVALID


def b64decode(text: str) -> bytes | None:
    # ⚠️ A strict decoder (no whitespace, URL-safe letters refused) that, like
    # Java's basic decoder, does not require the padding.
    if re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text) is None:
        return None
    core = text.rstrip("=")
    if len(core) % 4 == 1:
        return None
    try:
        return base64.b64decode(core + "=" * (-len(core) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


@dataclass
class MergedHeaders:
    """Response headers being merged: lower-case name -> (spelling, values)."""

    entries: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    named_types: bool = False  # the Lambda named a Content-Type, even as null

    def lines(self) -> list[tuple[str, str]]:
        """One header line per value, in order, under the first spelling."""
        return [(spelling, v) for spelling, values in self.entries.values() for v in values]
