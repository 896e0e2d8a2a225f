"""Which failures of the table a response is consistent with, from whatever
of the response is known.

Missing information is unknown, not a contradiction: a header a proxy
stripped, or a body not given, rules no row out. What is there and differs
from what a row sends (another status, other bytes, another error type, a
header the row never sends, an id in another form) rules the row out. The
rows left are ranked, best first (see :class:`Classification`), with what
would tell them apart; when none is left, the answer says why for the
nearest rows.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .classification import Classification, Match
from .table import SCENARIOS, Api, ApigwFaultError, Endpoint, Scenario
from .wire import HEADER_FORMATS, body_for, header_names

__all__ = [
    "Classification",
    "Match",
    "look_alikes",
    "parse_classify_api",
    "rows_consistent_with",
]

# The headers of each sender that tell one kind of answer from another:
# present where the gateway (or CloudFront, in front of an edge API) sends
# them, absent where it does not. Others (connection, keep-alive, a proxy's
# own) say nothing about the failure.
_GATEWAY = (
    "x-amzn-trace-id",
    "x-amzn-requestid",
    "x-amzn-errortype",
    "x-amz-apigw-id",
    "apigw-requestid",
    "www-authenticate",
)
_CLOUDFRONT = ("x-cache", "via", "x-amz-cf-pop", "x-amz-cf-id")
_TELLING = frozenset(_GATEWAY + _CLOUDFRONT)
# Headers a proxy sets as well as CloudFront: a value naming no CloudFront
# hop is the proxy's own, and says nothing.
_SHARED = {"via": "(cloudfront)", "x-cache": "from cloudfront"}
# Where a conflict names the rows it sets apart ("differs from `rest-x`'s").
_OF = "\x00"


@dataclass(frozen=True)
class _Seen:
    """A response as read for classification: lower-case names; ``values``
    the last value of each header, only CloudFront's part of ``via`` and
    ``x-cache``; ``telling`` the telling headers present."""

    status: int
    body: bytes | None
    method: str
    values: Mapping[str, str]
    telling: frozenset[str]
    notes: tuple[str, ...]


def _read(
    status: int, headers: Iterable[tuple[str, str]], body: bytes | None, method: str
) -> _Seen:
    values: dict[str, str] = {}
    lines: dict[str, list[str]] = {}
    for name, value in headers:
        lowered = name.lower()
        values[lowered] = value
        lines.setdefault(lowered, []).append(value)
    notes = []
    for name, mark in _SHARED.items():
        if name not in values:
            continue
        # a proxy adds its own hop to the list; CloudFront's is the one naming it
        parts = [p.strip() for line in lines[name] for p in line.split(",")]
        ours = [p for p in parts if mark in p.lower()]
        if ours:
            values[name] = ours[0]
        else:
            del values[name]
        if len(ours) != len(parts):
            shown = ", ".join(lines[name])
            notes.append(f"`{name}: {shown}`: what is not CloudFront's is a proxy's, left out")
    telling = frozenset(values) & _TELLING
    return _Seen(status, body, method, values, telling, tuple(notes))


def _body_matches(row: Scenario, body: bytes, method: str) -> bool:
    """Whether ``body`` is what ``row`` sends in answer to ``method``.

    The one place a row's body is compared: a row whose body is rendered
    from the request says here how its body is recognised (and
    :func:`_body_shown` how it is shown).
    """
    expected = body_for(row, method)
    if body == expected:
        return True
    # a body rendered from its request: any body of the row's form
    return bool(expected) and row.body_pattern is not None and (
        row.body_pattern.fullmatch(body) is not None
    )


def _body_shown(row: Scenario, method: str) -> str:
    """The body of ``row`` as reasons and hints show it (and tell bodies
    apart by): its bytes."""
    return repr(body_for(row, method))


def _sent(row: Scenario, endpoint: Endpoint) -> dict[str, str | None]:
    """The telling headers ``row`` sends on ``endpoint``: the exact value
    where the row decides it, ``None`` where only its form is known."""
    extra = dict(row.extra_headers)
    sent: dict[str, str | None] = {}
    for name in header_names(row, endpoint):
        if name in extra:
            sent[name] = extra[name]
        elif name == "x-amzn-errortype":
            sent[name] = row.error_type or ""
        elif name == "x-cache":
            sent[name] = "Error from cloudfront"  # every failure is an error to CloudFront
        elif name in _TELLING:
            sent[name] = None
    return sent


def _media(value: str) -> tuple[str, dict[str, str]]:
    """A content type as its media type and parameters, in lower case."""
    kind, *params = value.split(";")
    pairs = (p.split("=", 1) for p in params if "=" in p)
    return kind.strip().lower(), {k.strip().lower(): v.strip().strip('"').lower() for k, v in pairs}


def _content_type(row: Scenario, seen: _Seen, conflicts: list[str], lenient: list[str]) -> None:
    got = seen.values.get("content-type")
    if got is None or got == row.content_type:
        return
    kind, params = _media(got)
    want_kind, want_params = _media(row.content_type)
    if kind != want_kind or any(params.get(k, v) != v for k, v in want_params.items()):
        conflicts.append(f"`content-type: {got}` differs from {_OF} `{row.content_type}`")
    else:
        lenient.append(f"`content-type: {got}` read as `{row.content_type}`")


# API Gateway's two ids, whose order sets a resource-policy denial (the
# extended id first) apart from every other REST answer [RP-2025][LOIGE].
_IDS = ("x-amzn-requestid", "x-amz-apigw-id")


def _ids_in(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(name for name in names if name in _IDS)


def _order(row: Scenario, endpoint: Endpoint, seen: _Seen, lenient: list[str]) -> None:
    """The order of the ids, when both are seen: another order than the
    row's is read leniently (a proxy may reorder), so the row ranks lower."""
    shown = _ids_in(seen.values)
    sent = _ids_in(header_names(row, endpoint))
    if len(shown) == 2 and len(sent) == 2 and shown != sent:
        lenient.append(
            f"`{shown[0]}` before `{shown[1]}` read as `{sent[0]}` first (a proxy may reorder)"
        )


@dataclass(frozen=True)
class _Check:
    """A row on one endpoint type against a response: ``conflicts`` with
    ``_OF`` where the row's id goes."""

    endpoint: Endpoint
    conflicts: tuple[str, ...]
    unseen: tuple[str, ...]
    lenient: tuple[str, ...]
    cost: int


def _headers(row: Scenario, endpoint: Endpoint, seen: _Seen, conflicts: list[str]) -> list[str]:
    """Check the telling headers; return the names the row sends that are missing."""
    sent = _sent(row, endpoint)
    for name in sorted(seen.telling - sent.keys()):
        conflicts.append(f"`{name}` is present; it is not in {_OF} answer")
    unseen = []
    for name, want in sent.items():
        got = seen.values.get(name)
        if got is None:
            unseen.append(name)
        elif want is not None and got != want:
            conflicts.append(f"`{name}: {got}` differs from {_OF} `{want}`")
        elif want is None and (form := HEADER_FORMATS.get(name)) and not form.fullmatch(got):
            sender = "CloudFront" if name in _CLOUDFRONT else "API Gateway"
            conflicts.append(f"`{name}: {got}` is not in the form {sender} sends")
    return unseen


def _check(row: Scenario, endpoint: Endpoint, seen: _Seen) -> _Check:
    conflicts: list[str] = []
    lenient: list[str] = []
    if seen.status != row.status:
        conflicts.append(f"status {seen.status} differs from {_OF} {row.status}")
    if seen.body is not None and not _body_matches(row, seen.body, seen.method):
        conflicts.append(f"body differs from {_OF} {_body_shown(row, seen.method)}")
    _content_type(row, seen, conflicts, lenient)
    _order(row, endpoint, seen, lenient)
    unseen = _headers(row, endpoint, seen, conflicts)
    if "content-type" not in seen.values:
        unseen.append("content-type")
    groups = {_CLOUDFRONT if n in _CLOUDFRONT else _GATEWAY for n in seen.telling}
    cost = sum(1 for n in unseen if any(n in group for group in groups))
    if seen.body is None:
        unseen.append("body")
    return _Check(endpoint, tuple(conflicts), tuple(unseen), tuple(lenient), cost)


def _match(row: Scenario, checks: Sequence[_Check]) -> Match | None:
    fits = [c for c in checks if not c.conflicts]
    if not fits:
        return None
    scored = [
        (0 if not (c.unseen or c.lenient) else 1 + c.cost + len(c.lenient), c) for c in fits
    ]
    # among equal scores, the endpoint type that leaves the least unseen
    score, best = min(scored, key=lambda item: (item[0], len(item[1].unseen)))
    return Match(row, score, tuple(c.endpoint for c in fits), best.unseen, best.lenient)


def parse_classify_api(value: object) -> Api | None:
    """``api=`` of ``classify()``: ``None``, an :class:`Api` or its value,
    else the usual error naming the choices and the closest one."""
    if value is None or isinstance(value, Api):
        return value
    if isinstance(value, str) and value in {a.value for a in Api}:
        return Api(value)
    choices = [a.value for a in Api]
    close = difflib.get_close_matches(str(value).lower(), choices, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ApigwFaultError(
        f"unknown api {value!r}; valid choices: {', '.join(map(repr, choices))}{hint}"
    )


def rows_consistent_with(
    status: int,
    headers: Iterable[tuple[str, str]],
    body: bytes | None,
    *,
    method: str | None = None,
    api: str | Api | None = None,
) -> Classification:
    """The rows of the scenario table a response with ``status``,
    ``headers`` (names in any case) and ``body`` (``None``: unknown) is
    consistent with, ranked as :class:`Classification` says; a client's
    response is read into these by the public ``classify()``. ``api``
    narrows the answer to one kind of API."""
    kind = parse_classify_api(api)
    items = list(headers)
    seen = _read(status, items, body, (method or "GET").upper())
    rows = [row for row in SCENARIOS.values() if kind is None or row.api is kind]
    checks = {row.id: [_check(row, e, seen) for e in row.endpoint_types] for row in rows}
    matches = [m for row in rows if (m := _match(row, checks[row.id])) is not None]
    matches.sort(key=lambda m: m.score)  # stable: table order among equals
    if matches:
        return Classification(matches, _hints(matches, seen), notes=seen.notes)
    reasons = _reasons(seen, rows, checks, kind)
    if kind is not None:
        others = rows_consistent_with(status, items, body, method=method)
        if others:
            reasons += (f"without api={kind.value!r}: {_listed(_ids(others), 'or')}",)
    return Classification((), (), reasons, seen.notes)


def _reasons(
    seen: _Seen, rows: Sequence[Scenario], checks: Mapping[str, list[_Check]], kind: Api | None
) -> tuple[str, ...]:
    """Why no row of ``rows`` is consistent: for the nearest ones, what differs."""
    statuses = sorted({row.status for row in rows})
    if seen.status not in statuses:
        who = {None: "API Gateway", Api.REST: "a REST API", Api.HTTP: "an HTTP API"}[kind]
        return (
            f"status {seen.status} is no status {who} sends for a failure"
            f" (it sends {_listed(map(str, statuses), 'or')})",
        )
    fewest = min(len(c.conflicts) for checks_ in checks.values() for c in checks_)
    whose: dict[str, list[str]] = {}  # each difference, and the rows it sets apart
    for row in rows:
        check = min(checks[row.id], key=lambda c: len(c.conflicts))
        if len(check.conflicts) == fewest:
            for conflict in check.conflicts:
                whose.setdefault(conflict, []).append(f"`{row.id}`'s")
    return tuple(c.replace(_OF, _listed(ids, "and")) for c, ids in whose.items())


def _listed(items: Iterable[str], last: str) -> str:
    words = list(items)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _none_of(ids: list[str]) -> str:
    if len(ids) == 1:
        return f"not {ids[0]}"
    if len(ids) == 2:
        return f"neither {ids[0]} nor {ids[1]}"
    return f"none of {_listed(ids, 'or')}"


def _ids(rows: Iterable[Scenario]) -> list[str]:
    return [f"`{row.id}`" for row in rows]


def _hints(matches: Sequence[Match], seen: _Seen) -> tuple[str, ...]:
    """What would tell ``matches`` apart: the headers the response lacks,
    the values it does not show, and the rows nothing tells apart."""
    if len(matches) < 2:
        return ()
    sent = {m.row.id: [_sent(m.row, e) for e in m.endpoints] for m in matches}
    splits: dict[tuple[str, ...], list[str]] = {}
    for name in _GATEWAY + _CLOUDFRONT:
        if name in seen.telling:
            continue
        never = tuple(m.row.id for m in matches if all(name not in s for s in sent[m.row.id]))
        if never and len(never) < len(matches):
            splits.setdefault(never, []).append(f"`{name}`")
    hints = []
    for never, names in splits.items():
        hints.append(f"{_listed(names, 'or')} present → {_none_of([f'`{i}`' for i in never])}")
    hints += _value_hints(matches, seen)
    return tuple(hints) + _same_answers(matches, sent, seen)


def _value_hints(matches: Sequence[Match], seen: _Seen) -> list[str]:
    """For each value the response does not show (error type, content type,
    body) on which the rows differ: which rows each value would leave."""
    fields: list[tuple[str, Any]] = []
    if "x-amzn-errortype" not in seen.values:
        fields.append(("`x-amzn-errortype: {}`", lambda row: row.error_type))
    if "content-type" not in seen.values:
        fields.append(("`content-type: {}`", lambda row: row.content_type))
    if seen.body is None:
        fields.append(("body {}", lambda row: _body_shown(row, seen.method)))
    hints = []
    for form, value_of in fields:
        by_value: dict[Any, list[Scenario]] = {}
        for m in matches:
            value = value_of(m.row)
            if value is not None:
                by_value.setdefault(value, []).append(m.row)
        if len(by_value) > 1:
            for value, rows in by_value.items():
                hints.append(f"{form.format(value)} → {_listed(_ids(rows), 'or')}")
    return hints


def _same_answers(
    matches: Sequence[Match], sent: Mapping[str, list[dict[str, str | None]]], seen: _Seen
) -> tuple[str, ...]:
    """The groups of rows that send the same answer, which no response tells
    apart; the rows that wait for a timeout are told apart by the time."""
    groups: dict[tuple[Any, ...], list[Scenario]] = {}
    for m in matches:
        row = m.row
        names = frozenset(frozenset(s.items()) for s in sent[row.id])
        order = frozenset(_ids_in(s) for s in sent[row.id])
        key = (row.status, _body_shown(row, seen.method), row.content_type, names, order)
        groups.setdefault(key, []).append(row)
    notes = []
    for rows in groups.values():
        if len(rows) < 2:
            continue
        note = f"{_listed(_ids(rows), 'and')} send the same answer: no response tells them apart"
        slow = [r for r in rows if r.waits_for is not None]
        if slow and len(slow) < len(rows):
            waits = [
                f"`{r.id}` answers only after the {(r.waits_for or '').replace('_', ' ')}"
                f" ({r.latency:g} s by default)"
                for r in slow
            ]
            note = f"{note} but by the time it takes: {_listed(waits, 'and')}"
        notes.append(note)
    return tuple(notes)


def look_alikes() -> list[tuple[Endpoint, tuple[Scenario, ...]]]:
    """The groups of rows a client cannot tell apart on one endpoint type,
    largest first: same status, body and telling headers."""
    groups: dict[tuple[Any, ...], list[Scenario]] = {}
    for row in SCENARIOS.values():
        for endpoint in row.endpoint_types:
            names = frozenset(header_names(row, endpoint)) & _TELLING
            key = (
                row.api,
                endpoint,
                row.status,
                body_for(row, "GET"),
                row.content_type,
                row.error_type,
                names,
                row.extra_headers,
            )
            groups.setdefault(key, []).append(row)
    seen: set[tuple[str, ...]] = set()
    result = []
    for key, rows in groups.items():
        ids = tuple(row.id for row in rows)
        if len(rows) > 1 and ids not in seen:
            seen.add(ids)
            result.append((key[1], tuple(rows)))
    result.sort(key=lambda item: -len(item[1]))  # stable: table order among equals
    return result
