"""What a route served from a template costs per request (issue "Your whole
API from its template").

The sample SAM app in ``tests/data/apps/orders`` (Python handlers laid out
as ``sam init`` lays them out, a TOKEN authorizer, a usage plan) is loaded
with ``GatewayApi.from_template``; for ``requests`` and ``httpx`` (sync),
per request, medians over interleaved rounds in one run:

* ``direct``: the route's handler called as a plain function with a ready
  event: the floor;
* ``Fault``: the same handler behind ``Fault(handler=..., api="rest")``,
  one route, no template;
* ``template``: the route of the template's API (routing among its routes,
  its authorizer when it has one, its usage plan's key check).

``sam local start-api`` runs each request in a Docker container, reported
at about 1 to 4 s per request; it is not measured here (no Docker on this
machine), only printed beside the figures for scale.

    .venv/bin/python benchmarks/template.py [--requests 1000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_apigw_faults import Fault, GatewayApi

ORDERS = Path(__file__).resolve().parent.parent / "tests" / "data" / "apps" / "orders"
URL = "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/prod"
ROUTES = {
    # route: (path, headers)
    "GET /health": ("/health", {}),
    "GET /orders/{id}": ("/orders/7", {"Authorization": "Bearer letmein"}),
}


def timed(call: Callable[[], object], n: int) -> float:
    call()  # warm-up
    start = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - start) / n


def route_figures(
    api: GatewayApi,
    key: str,
    get: Callable[..., Any],
    url: str,
    headers: dict[str, str],
    args: argparse.Namespace,
) -> tuple[float, ...]:
    """Medians in ms: the route's handler called directly, behind a
    ``Fault`` of its own (with the route's authorizer, if any), and through
    the template's API."""
    route = next(r for r in api.routes if r.key == key)
    assert route.fault is not None
    options = route.fault._options
    handler = options.handler
    assert callable(handler)
    event: dict[str, Any] = {
        "path": url, "pathParameters": {"id": "7"},
        "requestContext": {"authorizer": {"principalId": "user-7"}},
    }
    single = Fault(handler=handler, api="rest", seed="bench", authorizer=options.authorizer)
    direct_s, fault_s, template_s = [], [], []
    for _ in range(args.rounds):
        direct_s.append(timed(lambda: handler(event, None), args.requests))
        with single:
            fault_s.append(timed(lambda: get(url, headers=headers), args.requests))
        with api:
            template_s.append(timed(lambda: get(url, headers=headers), args.requests))
    return tuple(statistics.median(x) * 1e3 for x in (direct_s, fault_s, template_s))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    import httpx
    import requests

    api = GatewayApi.from_template(ORDERS / "template.yaml", seed="bench")
    print(f"{'per request, ms':<34} {'direct':>8} {'Fault':>8} {'template':>9} {'ratio':>6}")
    for client_name, make in (("requests", requests.Session), ("httpx", httpx.Client)):
        client = make()
        try:
            for key, (path, headers) in ROUTES.items():
                d, f, t = route_figures(api, key, client.get, URL + path, headers, args)
                print(f"{client_name + ': ' + key:<34} {d:>8.4f} {f:>8.3f} {t:>9.3f} {t / f:>6.2f}")
        finally:
            client.close()
    print(
        "\ndirect: the handler as a plain call; Fault: Fault(handler=...) without a template;"
        " template: the template's route (routing, its authorizer, its key check);"
        " ratio: template / Fault. sam local start-api: ~1,000-4,000 ms per request (reported)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
