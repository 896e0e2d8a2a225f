"""Checking a response, read as plain values, against what the gateway sends.

The client's response object is read at the edge
(:mod:`.._adapters.reading`); here only values are compared.
"""

from __future__ import annotations

from .table import Endpoint, Scenario
from .wire import HEADER_FORMATS, WireResponse, body_for, content_length, header_names

__all__ = ["response_problems"]


def _expected(
    scenario: Scenario | None, endpoint: Endpoint, sent: WireResponse | None, method: str
) -> tuple[int, bytes, tuple[str, ...], dict[str, str | None]]:
    """The status, body, header names in order and exact header values the
    answer must have: what the fault sent, or else the scenario's."""
    if sent is not None:  # what the fault sent, customisation included
        return sent.status, sent.body, tuple(name for name, _ in sent.headers), {}
    if scenario is None:
        raise ValueError("a Lambda's answer is checked against what was sent")
    exact: dict[str, str | None] = {
        "content-type": scenario.content_type,
        "content-length": content_length(scenario, scenario.body, method),
        "x-amzn-errortype": scenario.error_type,
        **dict(scenario.extra_headers),
    }
    if scenario.renders is not None:  # its length is the rendered body's
        del exact["content-length"]
    return scenario.status, body_for(scenario, method), header_names(scenario, endpoint), exact


def _name_problem(names: tuple[str, ...], expected_names: tuple[str, ...]) -> list[str]:
    """The difference between the header names got and expected, if any."""
    if names == expected_names:
        return []
    missing = [n for n in expected_names if n not in names]
    extra = [n for n in names if n not in expected_names]
    detail = []
    if missing:
        detail.append(f"missing {missing}")
    if extra:
        detail.append(f"unexpected {extra}")
    if not detail:
        detail.append("same names, another order")
    return [
        f"header names: {'; '.join(detail)}\n"
        f"      got      {list(names)}\n"
        f"      expected {list(expected_names)}"
    ]


def _value_problems(
    got: WireResponse, exact: dict[str, str | None], sent: WireResponse | None
) -> list[str]:
    """Each header value that is not the exact one, does not have its captured
    form, or is not the one the fault sent."""
    problems: list[str] = []
    # a repeated header (set-cookie) is compared line by line, in order
    sent_values: dict[str, list[str]] = {}
    for name, value in () if sent is None else sent.headers:
        sent_values.setdefault(name, []).append(value)
    for name, value in got.headers:
        if name in exact:
            if value != exact[name]:
                problems.append(f"header {name}: got {value!r}, expected {exact[name]!r}")
            continue
        pattern = HEADER_FORMATS.get(name)
        if pattern is not None and pattern.fullmatch(value) is None:
            problems.append(
                f"header {name}: {value!r} does not have the captured form"
                f" {pattern.pattern!r}"
            )
        if sent is not None:
            left = sent_values.get(name)
            expected = left.pop(0) if left else None
            if expected is not None and value != expected:
                problems.append(
                    f"header {name}: got {value!r}, but the fault sent {expected!r}"
                )
    return problems


def response_problems(
    got: WireResponse,
    scenario: Scenario | None,
    endpoint: Endpoint,
    sent: WireResponse | None = None,
    method: str = "GET",
) -> list[str]:
    """What differs between ``got`` and the gateway's answer for ``scenario``.

    Values are checked against their captured form; when ``sent`` (what the
    fault really sent for this call) is known, they must equal it too. The
    answer to a HEAD request has no body, and on a REST API a
    ``content-length`` of 0 [WAF-HEAD]. ``scenario`` is ``None`` for a
    Lambda's valid answer, which only ``sent`` describes.
    """
    status, body, expected_names, exact = _expected(scenario, endpoint, sent, method)
    problems: list[str] = []
    if got.status != status:
        problems.append(f"status: got {got.status}, expected {status}")
    pattern = None if sent is not None or scenario is None else scenario.body_pattern
    if got.body != body and not (body and pattern is not None and pattern.fullmatch(got.body)):
        what = f"one like {body!r}" if pattern is not None else repr(body)
        problems.append(f"body: got {got.body!r}, expected {what}")
    problems += _name_problem(tuple(name for name, _ in got.headers), expected_names)
    problems += _value_problems(got, exact, sent)
    return problems
