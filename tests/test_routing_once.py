"""A handler's request is routed once: the stage, path and path parameters
found for it go into the event as they are."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from support import refuse_network

from pytest_apigw_faults._lambda import integration, routes

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders/42"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    refuse_network(monkeypatch, "test_routing_once")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    counts = {"resolve_route": 0, "match_route": 0}

    def count(module: Any, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    count(integration, "resolve_route")
    count(routes, "match_route")
    return counts


@pytest.mark.parametrize(
    ("api", "route"), [("rest", "/orders/{id}"), ("http", "GET /prod/orders/{id}")]
)
def test_one_routing_per_call(api, route, counted, apigw_fault):
    events = []
    apigw_fault.inject(
        handler=lambda event, context: events.append(event) or {"statusCode": 204},
        api=api,
        route=route,
    )
    counted.update(resolve_route=0, match_route=0)  # inject() checks the route once
    assert requests.get(URL, timeout=10).status_code == 204
    assert requests.get(URL, timeout=10).status_code == 204
    assert counted == {"resolve_route": 2, "match_route": 2}
    assert [e["pathParameters"] for e in events] == [{"id": "42"}, {"id": "42"}]


def test_a_request_no_route_takes_is_routed_once(counted, apigw_fault):
    apigw_fault.inject(handler=lambda event, context: {}, api="rest", route="/orders/{id}")
    counted.update(resolve_route=0, match_route=0)
    assert requests.get(URL + "/items", timeout=10).status_code == 403
    assert apigw_fault.calls[0].scenario.name == "route_not_found"
    assert counted == {"resolve_route": 1, "match_route": 1}
