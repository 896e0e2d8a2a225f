"""A whole API of many routes behind one fake gateway (``GatewayApi``): the
route AWS would pick, the answer for a call no route takes, per-route auth
and limits, what the routes share, a failure injected on one route, and the
loopback server."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest

from pytest_apigw_faults import (
    SCENARIOS,
    Api,
    ApigwFaultError,
    ApiKeys,
    GatewayApi,
    GatewayServer,
    LambdaAuthorizer,
    UsagePlan,
)
from pytest_apigw_faults._lambda.router import pick_route, specificity

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")

HOST = "abcdef1234.execute-api.eu-west-1.amazonaws.com"
REST = f"https://{HOST}/prod"
HTTP = f"https://{HOST}"
MISSING = SCENARIOS[("route_not_found", Api.REST)].body
NOT_FOUND = SCENARIOS[("route_not_found", Api.HTTP)].body


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    route = event.get("resource") or event.get("routeKey")
    return {"statusCode": 200, "body": json.dumps([route, event.get("pathParameters")])}


# -- which route AWS picks -------------------------------------------------------

ROUTES = ("GET /orders/{id}", "ANY /{proxy+}", "POST /orders", "GET /orders/new", "ANY /a/{x}/c")


@pytest.mark.parametrize(
    ("method", "path", "picked"),
    [
        ("GET", "/orders/7", "GET /orders/{id}"),
        ("GET", "/orders/new", "GET /orders/new"),  # a literal over a variable
        ("POST", "/orders", "POST /orders"),
        ("GET", "/x/y/z", "ANY /{proxy+}"),
        ("PUT", "/a/b/c", "ANY /a/{x}/c"),  # a variable over a greedy variable
    ],
)
def test_rest_picks_the_most_specific_resource(method, path, picked):
    found = pick_route(Api.REST, ROUTES, None, method, f"{REST}{path}")
    assert not isinstance(found, tuple) or ROUTES[found[0]] == picked


@pytest.mark.parametrize(
    ("method", "path", "reason"),
    [
        # the resource matches, its method does not: no fallback to {proxy+}
        ("DELETE", "/orders/7", "the resource '/orders/{id}' has no DELETE method"),
        ("GET", "/", "no resource matches the path '/'"),  # {proxy+} takes no empty path
    ],
)
def test_rest_unrouted(method, path, reason):
    found = pick_route(Api.REST, ROUTES, None, method, f"{REST}{path}")
    assert (found.scenario, found.reason) == ("route_not_found", reason)


@pytest.mark.parametrize(
    ("method", "path", "picked"),
    [
        ("GET", "/orders/7", "GET /orders/{id}"),
        ("DELETE", "/orders/7", "ANY /{proxy+}"),  # HTTP APIs fall back to a less specific route
        ("GET", "/", "$default"),
    ],
)
def test_http_picks_the_most_specific_route(method, path, picked):
    keys = (*ROUTES, "$default")
    found = pick_route(Api.HTTP, keys, None, method, f"{HTTP}{path}")
    assert isinstance(found, tuple)
    assert keys[found[0]] == picked


def test_specificity():
    assert specificity("/orders/new") < specificity("/orders/{id}") < specificity("/orders/{p+}")
    assert specificity("/") == ()


# -- a REST API of three routes ----------------------------------------------------


def test_each_route_answers_with_its_handler_and_the_rest_is_missing_token():
    api = GatewayApi(
        {"GET /orders/{id}": echo, "POST /orders": echo, "ANY /{proxy+}": echo}, api="rest", seed=1
    )
    with api:
        answers = [
            requests.request(method, f"{REST}{path}")
            for method, path in (
                ("GET", "/orders/7"), ("POST", "/orders"), ("PATCH", "/x/y"),
                ("DELETE", "/orders/7"), ("GET", "/"),
            )
        ]
    assert [json.loads(a.content) for a in answers[:3]] == [
        ["/orders/{id}", {"id": "7"}],
        ["/orders", None],
        ["/{proxy+}", {"proxy": "x/y"}],
    ]
    assert [(a.status_code, a.content) for a in answers[3:]] == [(403, MISSING)] * 2
    assert answers[3].headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert len(api.calls) == 5
    assert len({a.headers["x-amzn-RequestId"] for a in answers}) == 5  # ids never repeat


def test_an_http_api_routes_by_route_key_and_404s_the_rest():
    api = GatewayApi({"GET /orders/{id}": echo, "POST /orders": echo}, api="http")
    with api:
        got = httpx.get(f"{HTTP}/orders/7")
        missing = httpx.delete(f"{HTTP}/orders/7")
    assert json.loads(got.content) == ["GET /orders/{id}", {"id": "7"}]
    assert (missing.status_code, missing.content) == (404, NOT_FOUND)


def test_one_route_fails_the_rest_work():
    api = GatewayApi({"GET /orders/{id}": echo, "ANY /{proxy+}": echo}, api="rest")
    with api:
        injected = api.inject("lambda_throttled", route="GET /orders/{id}", times=2)
        statuses = [requests.get(f"{REST}/orders/{n}").status_code for n in range(3)]
        other = requests.get(f"{REST}/elsewhere")
    row = SCENARIOS[("lambda_throttled", Api.REST)]
    assert statuses == [row.status, row.status, 200]
    assert other.status_code == 200
    assert injected.times == 2


# -- per-route auth and what the routes share ---------------------------------------


def _authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _authorizer.invoked += 1  # type: ignore[attr-defined]
    statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
    }


def test_an_authorizer_on_some_routes_caches_across_them():
    """The cache is by token, across methods: a policy that allows only the
    first call's method ARN denies the other method from the cache (the
    caching pitfall AWS documents)."""
    _authorizer.invoked = 0  # type: ignore[attr-defined]
    config = LambdaAuthorizer(_authorizer)
    api = GatewayApi(
        {
            "GET /orders/{id}": {"handler": echo, "authorizer": config},
            "POST /orders": {"handler": echo, "authorizer": config},
            "GET /health": echo,  # no authorizer
        },
        api="rest",
    )
    token = {"Authorization": "Bearer t"}
    with api:
        first = requests.get(f"{REST}/orders/1", headers=token)
        second = requests.post(f"{REST}/orders", headers=token)
        unauthorized = requests.get(f"{REST}/orders/1")
        health = requests.get(f"{REST}/health")
    assert (first.status_code, second.status_code, health.status_code) == (200, 403, 200)
    assert second.content == b'{"Message":"User is not authorized to access this resource"}'
    assert unauthorized.status_code == 401
    assert _authorizer.invoked == 1  # type: ignore[attr-defined]
    assert [c.auth.cached if c.auth else None for c in api.calls] == [False, True, None, None]


def test_a_usage_plan_counts_every_route_of_the_api():
    keys = ApiKeys({"k1": "basic"}, plans={"basic": UsagePlan(quota=3, period="DAY")})
    api = GatewayApi(
        {"GET /a": echo, "GET /b": echo, "GET /open": {"handler": echo, "api_key_required": False}},
        api="rest",
        api_keys=keys,
    )
    with api:
        statuses = [
            requests.get(f"{REST}/{path}", headers={"x-api-key": "k1"}).status_code
            for path in ("a", "b", "a", "b", "open")
        ]
        no_key = requests.get(f"{REST}/a").status_code
    assert statuses == [200, 200, 200, 429, 200]
    assert no_key == 403


def test_through_the_loopback_server():
    api = GatewayApi({"GET /orders/{id}": echo}, api="rest", seed=2)
    with GatewayServer([api]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            got = []
            for path in ("/prod/orders/9", "/prod/nothing"):
                conn.request("GET", path, headers={"Host": HOST})
                answer = conn.getresponse()
                got.append((answer.status, answer.read()))
        finally:
            conn.close()
    assert got == [(200, b'["/orders/{id}", {"id": "9"}]'), (403, MISSING)]


# -- errors that teach ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("routes", "kwargs", "message"),
    [
        ({}, {"api": "rest"}, "GatewayApi(routes, api=...) takes a dict of route key"),
        ({"GET /a": echo}, {}, "GatewayApi(routes, api=...) needs api= ('rest' or 'http')"),
        ({"GIT /a": echo}, {"api": "rest"}, "route 'GIT /a': 'GIT' is not a method"),
        ({"$default": echo}, {"api": "rest"}, "'$default' is an HTTP API route"),
        ({"GET /a": 3}, {"api": "rest"}, "route 'GET /a': give its handler"),
        ({"GET /a": {"authorizer": None}}, {"api": "rest"}, "route 'GET /a' has no handler="),
        ({"GET /a": echo}, {"api": "rest", "times": 2}, "GatewayApi takes times= per route"),
        (
            {"GET /a": {"handler": echo, "api_key_required": True}},
            {"api": "rest"},
            "route 'GET /a' requires an API key, and no api_keys= declares any",
        ),
        (
            {"GET /a": {"handler": echo, "function_timeout": -1}},
            {"api": "rest"},
            "route 'GET /a': function_timeout=",
        ),
    ],
)
def test_bad_apis_are_named(routes, kwargs, message):
    with pytest.raises(ApigwFaultError) as raised:
        GatewayApi(routes, **kwargs)
    assert str(raised.value).startswith(message)


def test_injecting_on_a_route_the_api_lacks_names_the_closest():
    api = GatewayApi({"GET /orders/{id}": echo}, api="rest")
    with pytest.raises(ApigwFaultError, match=r"no route 'GET /order/\{id\}' in this API; did you"
                       r" mean 'GET /orders/\{id\}'\? Its routes: GET /orders/\{id\}"):
        api.inject("lambda_throttled", route="GET /order/{id}")


# -- the stage's throttle and CORS, across routes --------------------------------------


def test_the_stage_throttle_counts_every_route():
    from pytest_apigw_faults import Throttle

    throttle = Throttle(rate=1, burst=2)
    api = GatewayApi({"GET /a": echo, "GET /b": echo}, api="rest", throttle=throttle)
    with api:  # no time passes between the calls (virtual time is off, latency 0)
        statuses = [requests.get(f"{REST}/{p}").status_code for p in ("a", "b", "a", "b")]
    assert statuses[:2] == [200, 200]
    assert statuses[2:] == [SCENARIOS[("api_throttled", Api.REST)].status] * 2


def test_an_http_api_answers_preflights_no_route_takes():
    from pytest_apigw_faults import Cors

    cors = Cors(allow_origins=["https://app.example"], allow_methods=["GET", "POST"])
    api = GatewayApi({"GET /orders/{id}": echo}, api="http", cors=cors)
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    with api:
        answered = httpx.options(f"{HTTP}/orders/7", headers=preflight)
        got = httpx.get(f"{HTTP}/orders/7", headers={"Origin": "https://app.example"})
    assert (answered.status_code, answered.content) == (204, b"")
    assert answered.headers["access-control-allow-origin"] == "https://app.example"
    assert got.status_code == 200
    assert got.headers["access-control-allow-origin"] == "https://app.example"


def test_a_rest_api_with_cors_answers_options_on_each_resource():
    from pytest_apigw_faults import Cors

    api = GatewayApi({"GET /orders/{id}": echo}, api="rest", cors=Cors(allow_origins=["*"]))
    with api:
        options = requests.options(f"{REST}/orders/7", headers={"Origin": "https://x.example"})
        nowhere = requests.options(f"{REST}/nothing/here")
    assert (options.status_code, options.content) == (200, b"{}\n")
    assert options.headers["Access-Control-Allow-Origin"] == "*"
    assert (nowhere.status_code, nowhere.content) == (403, MISSING)


# -- reserved concurrency ---------------------------------------------------------------


def _slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import time

    time.sleep(1)  # on virtual time: in flight for a second of the gateway's time
    return {"statusCode": 200, "body": "done"}


def test_reserved_concurrency_throttles_what_is_over_it_across_routes():
    import threading

    inside = threading.Semaphore(0)
    release = threading.Event()

    def held(event: dict[str, Any], context: Any) -> dict[str, Any]:
        inside.release()
        release.wait(10)
        return {"statusCode": 200, "body": "done"}

    api = GatewayApi({"GET /a": held, "GET /b": held}, api="rest", reserved_concurrency=2)
    statuses: list[int] = []
    with api:
        def call(path: str) -> None:
            statuses.append(requests.get(f"{REST}/{path}").status_code)

        threads = [threading.Thread(target=call, args=(p,)) for p in ("a", "b")]
        for thread in threads:
            thread.start()
        assert inside.acquire(timeout=10)  # both in flight
        assert inside.acquire(timeout=10)
        third = requests.get(f"{REST}/a")  # a third invocation of the same function
        release.set()
        for thread in threads:
            thread.join(10)
        later = requests.get(f"{REST}/b")  # the first two have ended
    throttled = SCENARIOS[("lambda_throttled", Api.REST)]
    assert (third.status_code, third.content) == (throttled.status, throttled.body)
    assert statuses == [200, 200]
    assert later.status_code == 200
    refused = [c for c in api.calls if c.scenario is not None]
    assert [c.scenario.name for c in refused] == ["lambda_throttled"]
    assert refused[0].invocation is None  # Lambda refused it: the handler never ran


def test_reserved_concurrency_zero_throttles_every_call():
    from pytest_apigw_faults import Fault

    with Fault(handler=_slow, api="http", reserved_concurrency=0) as fault:
        answer = httpx.get(f"{HTTP}/anything")
    assert (answer.status_code, answer.content) == (503, b'{"message":"Service Unavailable"}')
    assert fault.calls[0].scenario.name == "lambda_throttled"


def test_a_templates_reserved_concurrency():
    pytest.importorskip("cfn_tools")
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Paused": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "InlineCode": "def handler(event, context): ...", "Handler": "index.handler",
                    "Runtime": "python3.12", "ReservedConcurrentExecutions": 0,
                    "Events": {
                        "Get": {"Type": "Api", "Properties": {"Path": "/p", "Method": "get"}}
                    },
                },
            }
        },
    }
    api = GatewayApi.from_template(template, handlers={"Paused": echo})
    with api:
        answer = requests.get(f"https://{HOST}/Prod/p")
    assert answer.content == SCENARIOS[("lambda_throttled", Api.REST)].body
