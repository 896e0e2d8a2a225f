"""API keys and usage plans of a REST API, decided per request.

A method that requires an API key (``apiKeyRequired``) takes the key from
the ``x-api-key`` header (key source ``HEADER``) or from the Lambda
authorizer's ``usageIdentifierKey`` (key source ``AUTHORIZER``). A missing
key, or one no usage plan of the stage knows, is refused with
``invalid_api_key`` (403 ``{"message":"Forbidden"}``, ForbiddenException
[CAP-FPROS][PULUMI]). A known key's plan then throttles it with a token
bucket (``rate`` requests per second refill a bucket of ``burst``
[D-THROTTLE]; refused with ``api_throttled``, 429 ``{"message":"Too Many
Requests"}``, TooManyRequestsException, no Retry-After [TMR-2026]) and
counts it against its quota per DAY, WEEK or MONTH (refused with
``quota_exceeded``, 429 ``{"message":"Limit Exceeded"}``,
LimitExceededException [CAP-LIMIT]). The API-key messages are written
before the integration: no space after the colon [PULUMI].

Order. The execution log writes the usage-plan lines ("Verifying Usage Plan
for request: …", "Usage Plan check succeeded for API Key …") before
"Starting execution for request" [EXECLOG], and request validation happens
after it: the key is checked before a request validator. With key source
AUTHORIZER the authorizer must have run first, since it returns the key. ⚠️
For key source HEADER the place of the authorizer relative to the key check
is taken to be the same (authorizer first), not captured. Key validity is
checked before the throttle, the throttle before the quota; a request the
throttle refuses is not counted against the quota (⚠️ inferred).

Periods (⚠️ inferred, not captured): a DAY starts at 00:00 UTC, a WEEK on
Sunday 00:00 UTC, a MONTH on its first day 00:00 UTC. ``offset`` is "the
number of requests subtracted from the given limit in the initial time
period" (QuotaSettings, API reference): here the period of the key's first
request since the fault started.

⚠️ The execution-log lines for a key-required method (the key masked, the
plan named) are not in the reference: none are written for these decisions.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from ..errors import ApigwFaultError
from ..table import SCENARIOS, Api
from ..throttle import TokenBucket

if TYPE_CHECKING:
    from ..records import Incoming
    from ..scenario import Scenario

__all__ = [
    "KEY_SOURCES",
    "OUTCOMES",
    "PERIODS",
    "ApiKeys",
    "KeyDecision",
    "UsageAccounts",
    "UsagePlan",
    "admit",
    "check_api_keys",
]

#: Where a method's API key comes from (``apiKeySource`` of the REST API).
KEY_SOURCES = ("HEADER", "AUTHORIZER")
#: The quota periods of a usage plan (QuotaSettings ``period``).
PERIODS = ("DAY", "WEEK", "MONTH")
#: What the gateway decides of a request's key: it passes, or the table's row.
OUTCOMES = ("allowed", "invalid_api_key", "api_throttled", "quota_exceeded")
#: The header a key comes in with key source HEADER (any case).
KEY_HEADER = "x-api-key"


def _choices(values: Sequence[str]) -> str:
    return ", ".join(repr(value) for value in values)


@dataclass(frozen=True)
class UsagePlan:
    """A usage plan: its throttle (``rate`` requests per second refilling a
    bucket of ``burst`` requests, given together) and its ``quota`` of
    requests per ``period`` (``"DAY"``, ``"WEEK"`` or ``"MONTH"``), less
    ``offset`` requests in the first period. Each is applied per API key;
    leave one out for no limit of that kind."""

    rate: float | None = None
    burst: int | None = None
    quota: int | None = None
    period: str | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        if (self.rate is None) != (self.burst is None):
            raise ApigwFaultError(
                f"UsagePlan takes rate= and burst= together (the throttle's steady rate"
                f" per second and its bucket), got rate={self.rate!r}, burst={self.burst!r}"
            )
        if self.rate is not None:
            rate = self.rate
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not (
                math.isfinite(rate) and rate > 0
            ):
                raise ApigwFaultError(
                    f"UsagePlan rate= is requests per second, a number above 0, got {rate!r}"
                )
            _count("burst", self.burst, 1)
        if (self.quota is None) != (self.period is None):
            raise ApigwFaultError(
                f"UsagePlan takes quota= and period= together (period one of"
                f" {_choices(PERIODS)}), got quota={self.quota!r}, period={self.period!r}"
            )
        if self.quota is not None:
            _count("quota", self.quota, 1)
            if self.period not in PERIODS:
                raise ApigwFaultError(
                    f"UsagePlan period={self.period!r} is not a quota period; valid"
                    f" periods: {_choices(PERIODS)}"
                )
        _count("offset", self.offset, 0)
        if self.offset and (self.quota is None or self.offset >= self.quota):
            raise ApigwFaultError(
                f"UsagePlan offset={self.offset!r} is the requests subtracted from quota="
                f" in the first period: it needs a quota above it, got quota={self.quota!r}"
            )


def _count(name: str, value: object, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ApigwFaultError(
            f"UsagePlan {name}= is a whole number of requests, at least {least}, got {value!r}"
        )


@dataclass(frozen=True)
class ApiKeys:
    """The API keys a REST method requires (``apiKeyRequired``): each key's
    value and the name of its usage plan in ``plans`` (a list of keys: each
    in a plan without limits), and where the key comes from: ``source``
    ``"HEADER"`` (the ``x-api-key`` header) or ``"AUTHORIZER"`` (the Lambda
    authorizer's ``usageIdentifierKey``)."""

    keys: Mapping[str, str] | Sequence[str]
    plans: Mapping[str, UsagePlan] = field(default_factory=dict)
    source: str = "HEADER"
    #: each key's plan name (``None``: no limits)
    _plan_names: Mapping[str, str | None] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if self.source not in KEY_SOURCES:
            raise ApigwFaultError(
                f"ApiKeys source={self.source!r} is not a key source; valid sources:"
                f" {_choices(KEY_SOURCES)}"
            )
        if not isinstance(self.plans, Mapping) or not all(
            isinstance(name, str) and isinstance(plan, UsagePlan)
            for name, plan in self.plans.items()
        ):
            raise ApigwFaultError(
                f"ApiKeys plans= is a dict of plan names to UsagePlan(...), got {self.plans!r}"
            )
        names = _keys(self.keys, self.plans)
        keys = tuple(names) if not isinstance(self.keys, Mapping) else MappingProxyType(names)
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "_plan_names", MappingProxyType(names))
        object.__setattr__(self, "plans", MappingProxyType(dict(self.plans)))

    def plan_of(self, key: str) -> tuple[str | None, UsagePlan] | None:
        """The name and the usage plan of ``key``, or ``None`` for an unknown key."""
        if key not in self._plan_names:
            return None
        name = self._plan_names[key]
        return name, _NO_LIMITS if name is None else self.plans[name]


def _keys(keys: object, plans: Mapping[str, UsagePlan]) -> dict[str, str | None]:
    """Each key's plan name (``None``: a key of a list, without limits)."""
    if isinstance(keys, Mapping):
        pairs: dict[str, str | None] = dict(keys)
    elif isinstance(keys, Sequence) and not isinstance(keys, (str, bytes)):
        pairs = dict.fromkeys(keys)
    else:
        raise ApigwFaultError(
            f"ApiKeys takes a dict of API key values to plan names, or a list of key"
            f" values, got {keys!r}"
        )
    if not pairs:
        raise ApigwFaultError("ApiKeys needs at least one API key")
    for key, plan in pairs.items():
        if not isinstance(key, str) or not key:
            raise ApigwFaultError(f"an API key is a non-empty string, got {key!r}")
        if isinstance(keys, Mapping) and plan not in plans:
            raise ApigwFaultError(
                f"API key {key!r} names plan {plan!r}, which plans= does not declare;"
                f" declared plans: {_choices(list(plans)) or 'none'}"
            )
    return pairs


class _Checked(Protocol):
    api: Api | None


def check_api_keys(value: object, context: _Checked) -> ApiKeys:
    """``value``, the ``api_keys=`` of a fault (``context.api``), checked."""
    api = context.api
    if not isinstance(value, ApiKeys):
        raise ApigwFaultError(
            f"api_keys= takes ApiKeys({{key: plan name}}, plans={{plan name:"
            f" UsagePlan(...)}}, source={' or '.join(map(repr, KEY_SOURCES))}); got {value!r}"
        )
    if api is not Api.REST:
        raise ApigwFaultError(
            "api_keys= needs api='rest': API keys and usage plans belong to REST APIs"
            " (HTTP APIs have none)"
        )
    return value


@dataclass(frozen=True, slots=True)
class KeyDecision:
    """What the gateway decided of one request's API key (``call.api_key``).

    ``key`` is the key the request presented (``None``: none), ``plan`` the
    name of its usage plan when the key is known, ``outcome`` one of
    ``"allowed"``, ``"invalid_api_key"``, ``"api_throttled"`` and
    ``"quota_exceeded"``, and ``remaining`` the requests left of the
    quota in this period (``None`` without a quota)."""

    key: str | None
    plan: str | None
    outcome: str
    remaining: int | None = None

    @property
    def allowed(self) -> bool:
        """Whether the key let the request through."""
        return self.outcome == "allowed"


_NO_LIMITS = UsagePlan()


def _period_start(period: str, at: float) -> float:
    """The start (epoch seconds) of the quota period ``at`` falls in, UTC."""
    moment = datetime.fromtimestamp(at, tz=timezone.utc)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "DAY":
        return day.timestamp()
    if period == "WEEK":  # Sunday (weekday() is 0 on Monday)
        return (day - timedelta(days=(day.weekday() + 1) % 7)).timestamp()
    return day.replace(day=1).timestamp()


class _Account:
    """One key's throttle bucket and quota count; used under the lock."""

    __slots__ = ("bucket", "first", "period", "used")

    def __init__(self, plan: UsagePlan, at: float) -> None:
        self.bucket = (
            None if plan.rate is None or plan.burst is None
            else TokenBucket(plan.rate, plan.burst, at)
        )
        self.period: float | None = None  # the start of the counted period
        self.first: float | None = None  # the start of the key's first period
        self.used = 0

    def throttled(self, plan: UsagePlan, at: float) -> bool:
        """Whether the bucket has no token for a request at ``at``; else
        one is taken."""
        return self.bucket is not None and not self.bucket.take(at)

    def counted(self, plan: UsagePlan, at: float) -> int | None:
        """The requests left of the quota once this one counts, or -1 when
        none was left; ``None`` without a quota."""
        if plan.quota is None or plan.period is None:
            return None
        start = _period_start(plan.period, at)
        if self.first is None:
            self.first = start
        if self.period is None or start > self.period:
            self.period, self.used = start, 0
        allowance = plan.quota - (plan.offset if start == self.first else 0)
        if self.used >= allowance:
            return -1
        self.used += 1
        return allowance - self.used


class UsageAccounts:
    """The API keys of one fault and every key's throttle and quota, on the
    fault's clock; thread-safe. A new one starts afresh."""

    def __init__(self, api_keys: ApiKeys) -> None:
        self.api_keys = api_keys
        self._accounts: dict[str, _Account] = {}
        self._lock = threading.Lock()

    def key_of(self, incoming: Incoming, authorizer: object = None) -> str | None:
        """The key a request presents: its ``x-api-key`` header, or the
        ``usage_identifier_key`` of the authorizer's decision."""
        if self.api_keys.source == "AUTHORIZER":
            key = getattr(authorizer, "usage_identifier_key", None)
            return key if isinstance(key, str) and key else None
        return incoming.header(KEY_HEADER) or None

    def decide(
        self, arrived_at: float, incoming: Incoming, authorizer: object = None
    ) -> KeyDecision:
        """The decision for a request that arrived at ``arrived_at``: its key
        checked, then its plan's throttle, then its quota (see the module)."""
        key = self.key_of(incoming, authorizer)
        known = None if key is None else self.api_keys.plan_of(key)
        if key is None or known is None:
            return KeyDecision(key, None, "invalid_api_key")
        name, plan = known
        with self._lock:
            account = self._accounts.get(key)
            if account is None:
                account = self._accounts[key] = _Account(plan, arrived_at)
            if account.throttled(plan, arrived_at):
                return KeyDecision(key, name, "api_throttled")
            remaining = account.counted(plan, arrived_at)
        if remaining is not None and remaining < 0:
            return KeyDecision(key, name, "quota_exceeded", 0)
        return KeyDecision(key, name, "allowed", remaining)


def admit(
    accounts: UsageAccounts | None,
    arrived_at: float,
    incoming: Incoming,
    decided: MutableMapping[str, object],
    authorization: object = None,
) -> Scenario | None:
    """The row that refuses a request for its API key, or ``None`` when it
    passes (or the method requires no key: ``accounts`` is ``None``). The
    decision goes in ``decided["api_key"]`` (the call's ``api_key``);
    ``authorization`` is the authorizer's, when one ran first (its
    ``usage_identifier_key`` is the key for ``source="AUTHORIZER"``)."""
    if accounts is None:
        return None
    decision = accounts.decide(arrived_at, incoming, authorization)
    decided["api_key"] = decision
    if decision.allowed:
        return None
    return SCENARIOS[(decision.outcome, Api.REST)]
