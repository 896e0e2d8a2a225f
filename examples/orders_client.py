"""A small client for an orders API behind Amazon API Gateway.

This is the kind of code ``pytest-apigw-faults`` is meant to test: a thin
client with a retry policy, a timeout, error types of its own and logging.
Nothing in it knows about the plugin.

* :class:`OrdersClient` is synchronous: a ``requests.Session`` whose
  ``HTTPAdapter`` retries GETs twice on 500/502/503/504 (urllib3 ``Retry``,
  no backoff) with a ``(3.05, 10)`` connect/read timeout.
* :class:`AsyncOrdersClient` is asynchronous: an ``httpx.AsyncClient`` with
  a 10 s timeout and a retry loop of its own, 3 attempts on 502/503/504 and
  on ``httpx.ReadTimeout``, with an injectable ``sleep`` for the backoff.

Both return the parsed JSON body, raise :class:`OrdersError` on an error
status (with the API Gateway request id, from ``x-amzn-requestid`` for a
REST API or ``apigw-requestid`` for an HTTP API) and :class:`OrdersTimeout`
when the API did not answer in time, and log the request id of every
failure with the ``logging`` module.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import httpx
import requests
import urllib3
from requests.adapters import HTTPAdapter

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncOrdersClient",
    "OrdersClient",
    "OrdersClientError",
    "OrdersError",
    "OrdersTimeout",
    "request_id_of",
]

logger = logging.getLogger("orders_client")

DEFAULT_BASE_URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod"

#: Where API Gateway puts its request id: REST APIs, then HTTP APIs.
REQUEST_ID_HEADERS = ("x-amzn-requestid", "apigw-requestid")


class OrdersClientError(Exception):
    """Any failure of the orders API as the clients report it."""


class OrdersError(OrdersClientError):
    """The orders API answered with an error status."""

    def __init__(
        self, status: int, request_id: str | None, message: str, response: Any = None
    ) -> None:
        super().__init__(f"orders API error {status}: {message} (request id {request_id})")
        self.status = status
        self.request_id = request_id
        self.message = message
        #: The client's own response object (``requests`` or ``httpx``).
        self.response = response


class OrdersTimeout(OrdersClientError):
    """The orders API did not answer within the client's read timeout."""

    def __init__(self, url: str, attempts: int) -> None:
        super().__init__(f"no answer from {url} after {attempts} attempt(s)")
        self.url = url
        self.attempts = attempts


def request_id_of(response: Any) -> str | None:
    """The API Gateway request id of a ``requests`` or ``httpx`` response."""
    for name in REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if value:
            return str(value)
    return None


def _error_message(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return str(response.text)
    if isinstance(body, dict):
        # REST access denials spell the key with a capital M
        for key in ("message", "Message"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return str(response.text)


def _parse(response: Any) -> Any:
    """The JSON body of a successful response, else :class:`OrdersError`."""
    request_id = request_id_of(response)
    status = int(response.status_code)
    if status >= 400:
        message = _error_message(response)
        logger.warning(
            "GET %s failed with %d %r (request id %s)",
            response.url,
            status,
            message,
            request_id,
        )
        raise OrdersError(status, request_id, message, response=response)
    logger.debug("GET %s: %d (request id %s)", response.url, status, request_id)
    return response.json()


def _caused_by_timeout(error: BaseException) -> bool:
    """Whether a ``requests`` ``ConnectionError`` comes from a timeout.

    When urllib3 runs out of retries on read timeouts, requests raises
    ``ConnectionError(MaxRetryError(reason=ReadTimeoutError(...)))``.
    """
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (urllib3.exceptions.TimeoutError, requests.exceptions.Timeout)):
            return True
        if isinstance(current, urllib3.exceptions.MaxRetryError):
            todo.append(current.reason)
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))
        todo.extend((current.__cause__, current.__context__))
    return False


class OrdersClient:
    """The synchronous orders client (``requests``)."""

    #: Connect and read timeout, in seconds.
    timeout = (3.05, 10)

    def __init__(
        self, base_url: str = DEFAULT_BASE_URL, *, session: requests.Session | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else requests.Session()
        retry = urllib3.util.Retry(
            total=2,
            status_forcelist=[500, 502, 503, 504],
            allowed_methods=["GET"],
            backoff_factor=0,
            raise_on_status=False,
        )
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.headers["accept"] = "application/json"

    def fetch_orders(self, *, status: str | None = None) -> Any:
        """``GET /orders``: the parsed JSON body."""
        url = f"{self.base_url}/orders"
        params = {"status": status} if status is not None else None
        attempts = 1 + 2  # the adapter's Retry(total=2)
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.exceptions.ReadTimeout as exc:
            logger.warning("GET %s timed out: %s", url, exc)
            raise OrdersTimeout(url, attempts) from exc
        except requests.exceptions.ConnectionError as exc:
            if not _caused_by_timeout(exc):
                raise
            logger.warning("GET %s timed out on every attempt: %s", url, exc)
            raise OrdersTimeout(url, attempts) from exc
        return _parse(response)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> OrdersClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncOrdersClient:
    """The asynchronous orders client (``httpx``), with its own retry loop."""

    attempts = 3
    retry_statuses = frozenset({502, 503, 504})

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        client: httpx.AsyncClient | None = None,
        backoff: float = 0.25,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = (
            client
            if client is not None
            else httpx.AsyncClient(timeout=10.0, headers={"accept": "application/json"})
        )
        self.backoff = backoff
        self._sleep = sleep

    async def fetch_orders(self, *, status: str | None = None) -> Any:
        """``GET /orders``: the parsed JSON body."""
        url = f"{self.base_url}/orders"
        params = {"status": status} if status is not None else None
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                response = await self.client.get(url, params=params)
            except httpx.ReadTimeout as exc:
                logger.warning("GET %s timed out (attempt %d/%d)", url, attempt, self.attempts)
                if last:
                    raise OrdersTimeout(url, attempt) from exc
            else:
                if last or response.status_code not in self.retry_statuses:
                    return _parse(response)
                logger.warning(
                    "GET %s: %d, retrying (attempt %d/%d, request id %s)",
                    url,
                    response.status_code,
                    attempt,
                    self.attempts,
                    request_id_of(response),
                )
            await self._sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> AsyncOrdersClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
