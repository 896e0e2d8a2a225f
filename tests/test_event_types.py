"""``call.event``'s TypedDicts hold the keys and value types the gateway
builds (:mod:`pytest_apigw_faults._lambda.events`), for each payload format,
with every optional part present and absent."""

from __future__ import annotations

import types
import typing

import pytest

from pytest_apigw_faults import HttpEventV1, HttpEventV2, RestEvent
from pytest_apigw_faults._gateway.table import Api
from pytest_apigw_faults._lambda.events import build_event
from pytest_apigw_faults._lambda.routes import ProxyApi, ProxyRequest

HOST = "abc123def4.execute-api.us-east-1.amazonaws.com"
FULL = ProxyRequest(
    "POST",
    f"https://{HOST}/prod/orders/42?a=1&a=2",
    (("Content-Type", "application/json"), ("Cookie", "s=1; t=2"), ("User-Agent", "ua")),
    b'{"x": 1}',
)
BARE = ProxyRequest("GET", f"https://{HOST}/prod/orders/42")


def _matches(value: object, hint: object, where: str) -> None:
    """``value`` is of type ``hint`` (the forms the TypedDicts use)."""
    origin = typing.get_origin(hint)
    if typing.is_typeddict(hint):
        assert isinstance(value, dict), where
        hints = typing.get_type_hints(hint)
        required = hint.__required_keys__  # type: ignore[attr-defined]
        assert required <= value.keys() <= hints.keys(), (where, value.keys() ^ hints.keys())
        for key, item in value.items():
            _matches(item, hints[key], f"{where}.{key}")
    elif origin in (typing.Union, types.UnionType):
        problems = []
        for option in typing.get_args(hint):
            try:
                _matches(value, option, where)
                return
            except AssertionError as error:
                problems.append(error)
        raise AssertionError(where, value, problems)
    elif origin is typing.Literal:
        assert value in typing.get_args(hint), where
    elif origin is dict:
        assert isinstance(value, dict), where
        key_type, value_type = typing.get_args(hint)
        for key, item in value.items():
            _matches(key, key_type, where)
            _matches(item, value_type, f"{where}[{key!r}]")
    elif origin is list:
        assert isinstance(value, list), where
        for item in value:
            _matches(item, typing.get_args(hint)[0], where)
    elif hint is typing.Any:
        return
    elif hint is None or hint is type(None):
        assert value is None, where
    else:
        assert type(value) is hint, (where, value, hint)


@pytest.mark.parametrize("request_", [FULL, BARE], ids=["full", "bare"])
@pytest.mark.parametrize(
    ("api", "payload_format", "route", "typed"),
    [
        (Api.REST, None, "/orders/{id}", RestEvent),
        (Api.HTTP, "1.0", "POST /orders/{id}", HttpEventV1),
        (Api.HTTP, "2.0", "POST /orders/{id}", HttpEventV2),
    ],
    ids=["rest", "http-1.0", "http-2.0"],
)
def test_each_payload_format_s_event_is_its_typed_dict(request_, api, payload_format, route, typed):
    if request_ is BARE:
        route = route.replace("POST", "GET")
    proxy_api = ProxyApi(
        api, route, stage="prod", payload_format=payload_format,
        stage_variables={"v": "1"} if request_ is FULL else {},
    )  # fmt: skip
    event = build_event(
        request_, proxy_api, request_id="r", extended_request_id="e", time_epoch_ms=1_700_000_000
    )
    _matches(event, typed, typed.__name__)
