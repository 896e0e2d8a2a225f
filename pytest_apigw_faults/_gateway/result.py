"""A valid Lambda answer as API Gateway takes it: what the gateway model sends on."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ProxyResult"]


@dataclass(frozen=True)
class ProxyResult:
    """What API Gateway sends on for a valid Lambda answer.

    ``headers`` are the Lambda's own, merged and in order, plus the default
    ``Content-Type`` when it gave none; names keep the Lambda's spelling
    (HTTP/2 lower-cases them on the wire). The gateway's own headers
    (``date``, ``content-length``, request ids, …) are not included.
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)
