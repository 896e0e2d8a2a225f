"""Strict mode's words: why each started fault does not answer a call, and
the error a refused call raises (the runtime's rule 8 decides; this says)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .fault import Fault

__all__ = ["lets_through", "refusal", "why_not"]


def _used_up(fault: Fault) -> bool:
    remaining = fault._remaining
    return remaining is not None and remaining <= 0


def lets_through(fault: Fault, url: str, client: str) -> bool:
    """Whether ``fault`` asks for the call to pass: it would answer it, but
    its ``sequence=`` or ``then=`` ended with ``after="pass"``."""
    return (
        client in fault.clients
        and fault.matcher(url)
        and fault.after == "pass"
        and (fault.sequence is not None or fault.then is not None)
        and _used_up(fault)
    )


def _calls_used(fault: Fault) -> str:
    if fault.sequence is not None:
        n = len(fault.sequence)
        what = f"its sequence= of {n} item{'s' if n != 1 else ''}"
    elif fault.then is not None:
        n = (fault.times or 0) + 1
        what = f"its times={fault.times} calls and its then= call"
    else:
        n = fault.times or 0
        what = f"its times={n} call{'s' if n != 1 else ''}"
    return f"{what} {'are' if n != 1 else 'is'} used up ({n} of {n})"


def why_not(fault: Fault, url: str, client: str | None) -> str:
    """Why ``fault`` does not answer a ``client`` call of ``url`` (any
    client's, for ``None``: the loopback server's)."""
    if client is not None and client not in fault.clients:
        clients = " and ".join(fault.clients) or "no client"
        return f"it answers {clients} calls only, not {client} (clients=)"
    # the loopback server gives every URL to a fault without url=
    if (client is not None or fault.matcher.named) and not fault.matcher(url):
        if fault.matcher.named:
            return f"the URL is outside its url= ({fault.matcher.description})"
        return "the URL is not https on an execute-api host"
    if _used_up(fault):
        return _calls_used(fault)
    return "it was stopped or used up while the call arrived"


def refusal(method: str, url: str, client: str, faults: list[Fault]) -> str:
    """The text of the error a refused call raises (see :func:`claim`)."""
    lines = [
        f"pytest-apigw-faults refused {method.upper()} {url} ({client}): no started"
        " fault answers it, and execute-api calls do not reach the network while a"
        " fault is started (strict mode).",
        "Started faults, oldest first:",
        *(f"  {fault!r}: {why_not(fault, url, client)}" for fault in faults),
        "To let such calls through, set apigw_fault_strict = false in the ini file or"
        ' pass --apigw-strict=off, or end a fault\'s sequence= or then= with'
        ' after="pass"; to have a fault answer them, scope its url= to match this URL.',
    ]
    return "\n".join(lines)
