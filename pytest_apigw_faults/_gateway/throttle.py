"""Throttling as API Gateway does it: a token bucket per limit, on the
fault's clock.

A limit is a steady ``rate`` of requests per second refilling a bucket of
``burst`` requests; a request that finds less than one token is refused
[D-THROTTLE] 📄. Usage plans throttle per API key (:mod:`.auth.keys`);
stages and methods (REST) or stages and routes (HTTP API) throttle every
request of the method or route [D-THROTTLE][D-HTTP-THROTTLE] 📄. The
account's default limit in a region is 10,000 requests per second with a
burst of 5,000 [D-LIMITS] 📄, the default of :class:`Throttle`.

Order. A stage or method limit refuses a request before its authorizer,
API key and validator run, as the REST request flow puts throttling first
[D-REST-FLOW] 📄; a refused request takes no token. The refusal is the
table's ``api_throttled`` row of the api: REST 429 ``{"message":"Too Many
Requests"}``, TooManyRequestsException ✅ [TMR-2026]; HTTP API 429, the
same body ⚠️ (never captured).

⚠️ The bucket starts full when the fault starts, refills continuously (not
in whole-second steps), and a request's arrival time on the fault's clock
(virtual time when it runs) is what it is measured at: AWS's own buckets
are distributed and only approximately this exact.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from .errors import ApigwFaultError
from .table import SCENARIOS, Api, Scenario

__all__ = [
    "ACCOUNT_BURST", "ACCOUNT_RATE", "Throttle", "Throttling", "TokenBucket", "check_throttle",
]

#: The account-level throttle of a region, by default [D-LIMITS].
ACCOUNT_RATE, ACCOUNT_BURST = 10_000.0, 5_000
#: Tokens a float's rounding may leave short of a whole one.
_EPSILON = 1e-9


class TokenBucket:
    """``burst`` tokens refilled at ``rate`` per second, full at ``start``;
    not thread-safe (its owner holds a lock)."""

    __slots__ = ("burst", "last", "rate", "tokens")

    def __init__(self, rate: float, burst: int, start: float) -> None:
        self.rate, self.burst = float(rate), burst
        self.tokens = float(burst)  # a full bucket
        self.last = start

    def take(self, at: float) -> bool:
        """Whether a request at ``at`` finds a token (and takes it)."""
        # to the microsecond: epoch seconds as floats are only as fine as
        # 2.4e-7 s, whose error, multiplied by the rate and summed over many
        # calls, would otherwise decide a request on a bucket's edge
        elapsed = max(0.0, round(at - self.last, 6))
        self.last = max(self.last, at)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        if self.tokens < 1.0 - _EPSILON:
            return False
        self.tokens = max(0.0, self.tokens - 1.0)
        return True


@dataclass(frozen=True)
class Throttle:
    """A stage's or method's (REST) or route's (HTTP API) throttle: ``rate``
    requests per second refilling a bucket of ``burst`` requests. The
    defaults are the account's in a region (10,000 / 5,000 [D-LIMITS])."""

    rate: float = ACCOUNT_RATE
    burst: int = ACCOUNT_BURST

    def __post_init__(self) -> None:
        rate = self.rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not (
            math.isfinite(rate) and rate > 0
        ):
            raise ApigwFaultError(
                f"Throttle rate= is requests per second, a number above 0, got {rate!r}"
            )
        burst = self.burst
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ApigwFaultError(
                f"Throttle burst= is the bucket's size, a whole number of requests of at"
                f" least 1, got {burst!r}"
            )


def check_throttle(value: object, context: object) -> Throttle:
    """``value``, the ``throttle=`` of a fault, checked."""
    if not isinstance(value, Throttle):
        raise ApigwFaultError(
            f"throttle= takes Throttle(rate=, burst=) (requests per second and the bucket's"
            f" size; Throttle() is the account's 10,000 / 5,000); got {value!r}"
        )
    return value


class Throttling:
    """One fault's throttle, on its clock; thread-safe. A new one starts full."""

    def __init__(self, throttle: Throttle, api: Api) -> None:
        self.throttle = throttle
        self.row: Scenario = SCENARIOS[("api_throttled", api)]
        self._bucket: TokenBucket | None = None
        self._lock = threading.Lock()

    def refusal(self, arrived_at: float) -> Scenario | None:
        """``api_throttled`` when a request at ``arrived_at`` finds the bucket
        empty, else ``None`` (it took a token)."""
        with self._lock:
            if self._bucket is None:
                self._bucket = TokenBucket(self.throttle.rate, self.throttle.burst, arrived_at)
            return None if self._bucket.take(arrived_at) else self.row
