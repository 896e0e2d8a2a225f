"""What the gateway knows of every request it takes: the caller's address the
fake API sees and the form of its request time."""

from __future__ import annotations

import ipaddress
import time

from .errors import ApigwFaultError

__all__ = ["SOURCE_IP", "check_source_ip", "request_time"]

#: The caller's address the fake API sees (TEST-NET-1: a documentation address).
SOURCE_IP = "192.0.2.1"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def request_time(epoch_ms: int) -> str:
    """``dd/MMM/yyyy:HH:mm:ss +0000``, English months whatever the locale."""
    t = time.gmtime(epoch_ms // 1000)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year:04d}"
        f":{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def check_source_ip(value: object, context: object) -> str:
    """``source_ip=``: the caller's address the API sees, an IPv4 or IPv6 address."""
    try:
        return str(ipaddress.ip_address(value if isinstance(value, str) else ""))
    except ValueError:
        raise ApigwFaultError(
            f"source_ip= takes an IPv4 or IPv6 address as a str (e.g. '203.0.113.7');"
            f" got {value!r}"
        ) from None
