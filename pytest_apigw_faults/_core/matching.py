"""Which URLs a fault answers: execute-api hosts, or the URLs a user names."""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

__all__ = ["UrlMatcher", "is_execute_api_host"]

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}"
_VPCE = r"vpce-[0-9a-f]{8,17}"
_EXECUTE_API_HOST = re.compile(
    # {api-id}.execute-api.{region}.amazonaws.com[.cn], with the private
    # Route 53 alias form {api-id}-{vpce-id}.execute-api... and a regional
    # custom domain's target d-{id}.execute-api... [D-DOMAINS]
    rf"(?:d-)?[a-z0-9]+(?:-{_VPCE})?\.execute-api\.{_REGION}\.amazonaws\.com(?:\.cn)?"
    # the VPC endpoint's public DNS name: {vpce-id}-{suffix}.execute-api.{region}.vpce.amazonaws.com
    rf"|{_VPCE}-[a-z0-9]+(?:-[a-z0-9-]+)?\.execute-api\.{_REGION}\.vpce\.amazonaws\.com"
)


def is_execute_api_host(host: str) -> bool:
    """Whether ``host`` is an API Gateway execute-api host name."""
    return _EXECUTE_API_HOST.fullmatch(host.lower().rstrip(".")) is not None


@functools.lru_cache(maxsize=1024)
def _is_execute_api_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and is_execute_api_host(parts.hostname or "")


class UrlMatcher:
    """Decides whether a fault answers a URL.

    With no ``url``, every ``https`` URL on an execute-api host matches. A
    ``str`` matches the URLs that start with it; a compiled regex, the URLs
    it matches from their start (``re.Pattern.match``), as in ``responses``.
    """

    __slots__ = ("_pattern", "_prefix", "description")

    def __init__(self, url: str | re.Pattern[str] | None = None) -> None:
        self._prefix: str | None = None
        self._pattern: re.Pattern[str] | None = None
        if url is None:
            self.description = "any execute-api host"
        elif isinstance(url, str):
            self._prefix = url
            self.description = f"URLs starting with {url!r}"
        else:
            self._pattern = url
            self.description = f"URLs matching {url.pattern!r}"

    @property
    def named(self) -> bool:
        """Whether ``url=`` named the URLs (else: any execute-api host)."""
        return self._prefix is not None or self._pattern is not None

    def __call__(self, url: str) -> bool:
        if self._prefix is not None:
            return url.startswith(self._prefix)
        if self._pattern is not None:
            return self._pattern.match(url) is not None
        return _is_execute_api_url(url)
