"""API keys and usage plans of a REST API, decided per request by the gateway
model: the key from ``x-api-key`` (or the authorizer), the plan's token
bucket and its quota on the fault's clock, each refusal byte-exact."""

from __future__ import annotations

import http.client
import time
from types import SimpleNamespace

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs

from pytest_apigw_faults import (
    ApigwFault,
    ApigwFaultError,
    ApiKeys,
    Fault,
    GatewayServer,
    KeyDecision,
    LambdaAuthorizer,
    UsagePlan,
)
from pytest_apigw_faults._gateway.auth.keys import UsageAccounts
from pytest_apigw_faults._gateway.records import Incoming

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")
pytest.importorskip("responses")
pytest.importorskip("respx")

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
GOLD = UsagePlan(rate=10, burst=20, quota=1000, period="DAY")
KEYS = ApiKeys({"key-gold": "gold"}, plans={"gold": GOLD})
FORBIDDEN = b'{"message":"Forbidden"}'
TOO_MANY = b'{"message":"Too Many Requests"}'
LIMIT = b'{"message":"Limit Exceeded"}'


def ok(event, context):
    return {"statusCode": 200, "body": "ok"}


def _keyed(**arguments):
    arguments.setdefault("api_keys", KEYS)
    return Fault(handler=ok, api="rest", clients=["requests", "httpx"], seed=7, **arguments)


def _get(key=None):
    return requests.get(URL, headers={} if key is None else {"x-api-key": key})


# Which key ------------------------------------------------------------------------


def test_a_missing_key_gets_invalid_api_key_and_the_handler_never_runs():
    ran = []

    def handler(event, context):
        ran.append(event)
        return {"statusCode": 200, "body": "ok"}

    with Fault(handler=handler, api="rest", api_keys=KEYS, seed=7) as fault:
        response = requests.get(URL)
    assert (response.status_code, response.content) == (403, FORBIDDEN)
    assert response.headers["x-amzn-errortype"] == "ForbiddenException"
    assert response.headers["content-type"] == "application/json"
    assert "retry-after" not in response.headers
    (call,) = fault.calls
    assert call.api_key == KeyDecision(None, None, "invalid_api_key")
    assert call.scenario is not None
    assert call.scenario.name == "invalid_api_key"
    assert call.invocation is None
    assert not ran
    assert call.logs == ()  # the reference has no execution-log line for it
    assert call.access_log["error.responseType"] == "INVALID_API_KEY"
    assert call.access_log["identity.apiKey"] == "-"


def test_an_unknown_or_empty_key_gets_invalid_api_key_through_httpx():
    with _keyed() as fault, httpx.Client() as client:
        unknown = client.get(URL, headers={"x-api-key": "key-silver"})
        empty = client.get(URL, headers={"x-api-key": ""})
    for response in (unknown, empty):
        assert (response.status_code, response.content) == (403, FORBIDDEN)
        assert response.headers["x-amzn-errortype"] == "ForbiddenException"
    assert [call.api_key for call in fault.calls] == [
        KeyDecision("key-silver", None, "invalid_api_key"),
        KeyDecision(None, None, "invalid_api_key"),
    ]


def test_a_good_key_in_any_case_reaches_the_handler():
    with _keyed() as fault:
        first = requests.get(URL, headers={"X-API-Key": "key-gold"})
        with httpx.Client() as client:
            second = client.get(URL, headers={"x-api-key": "key-gold"})
    assert [(r.status_code, r.content) for r in (first, second)] == [(200, b"ok")] * 2
    assert [call.api_key for call in fault.calls] == [
        KeyDecision("key-gold", "gold", "allowed", 999),
        KeyDecision("key-gold", "gold", "allowed", 998),
    ]
    assert fault.calls[0].api_key.allowed
    assert fault.calls[0].access_log["identity.apiKey"] == "key-gold"
    assert fault.calls[0].access_log["identity.apiKeyId"] == "-"


def test_a_good_key_lets_the_row_answer():
    with Fault("function_error", api="rest", api_keys=ApiKeys(["k1"]), seed=1) as fault:
        keyed = _get("k1")
        bare = _get()
    assert (keyed.status_code, keyed.content) == (502, b'{"message": "Internal server error"}')
    assert (bare.status_code, bare.content) == (403, FORBIDDEN)
    assert fault.calls[0].api_key == KeyDecision("k1", None, "allowed")


@pytest.mark.apigw_fault(handler=ok, api="rest", api_keys=KEYS)
def test_the_marker_takes_api_keys(apigw_fault: ApigwFault):
    assert _get().status_code == 403
    assert _get("key-gold").content == b"ok"
    assert [call.api_key.outcome for call in apigw_fault.calls] == ["invalid_api_key", "allowed"]


def test_the_authorizer_s_usage_identifier_key_is_the_key_with_source_authorizer():
    keys = ApiKeys({"key-gold": "gold"}, plans={"gold": GOLD}, source="AUTHORIZER")
    accounts = UsageAccounts(keys)
    header_only = Incoming("GET", URL, {"x-api-key": "key-gold"})
    authorizer = SimpleNamespace(usage_identifier_key="key-gold")
    assert accounts.decide(0.0, header_only).outcome == "invalid_api_key"  # not the header
    assert accounts.decide(0.0, header_only, authorizer) == KeyDecision(
        "key-gold", "gold", "allowed", 999
    )
    with pytest.raises(ApigwFaultError) as excinfo:  # no authorizer: no key could come
        _keyed(api_keys=accounts.api_keys)
    assert str(excinfo.value) == (
        "api_keys=ApiKeys(..., source='AUTHORIZER') takes each call's key from a Lambda"
        " authorizer's usageIdentifierKey: give authorizer= too, or use source='HEADER'"
        " (the x-api-key header)"
    )


def _key_from_token(event, context):
    """A TOKEN authorizer that allows every caller and names the API key."""
    return {
        "principalId": "caller",
        "usageIdentifierKey": event["authorizationToken"].removeprefix("Bearer "),
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
            ],
        },
    }


def test_a_lambda_authorizer_s_key_is_checked_against_the_plans():
    keys = ApiKeys({"key-gold": "gold"}, plans={"gold": GOLD}, source="AUTHORIZER")
    authorizer = LambdaAuthorizer(_key_from_token, ttl=0)
    with _keyed(api_keys=keys, authorizer=authorizer) as fault:
        good = requests.get(URL, headers={"Authorization": "Bearer key-gold"})
        unknown = requests.get(URL, headers={"Authorization": "Bearer key-lead"})
        header = requests.get(URL, headers={"x-api-key": "key-gold"})  # no token
    assert (good.status_code, good.content) == (200, b"ok")
    assert (unknown.status_code, unknown.content) == (403, FORBIDDEN)
    assert (header.status_code, header.content) == (401, b'{"message":"Unauthorized"}')
    first, second, third = fault.calls
    assert first.api_key == KeyDecision("key-gold", "gold", "allowed", 999)
    assert first.auth is not None
    assert first.auth.usage_identifier_key == "key-gold"
    assert second.api_key == KeyDecision("key-lead", None, "invalid_api_key")
    assert second.auth is not None
    assert second.auth.decision == "allow"
    assert third.api_key is None  # the authorizer refused first: no key was looked at
    assert third.auth is not None
    assert third.auth.decision == "unauthorized"


# Throttle -------------------------------------------------------------------------


def test_a_burst_of_200_gets_20_answers_then_180_throttled_and_refills_at_the_rate():
    with _keyed(virtual_time=True) as fault:
        burst = [_get("key-gold") for _ in range(200)]
        time.sleep(1)  # virtual: the bucket refills 10 tokens
        later = [_get("key-gold") for _ in range(11)]
    assert [r.status_code for r in burst] == [200] * 20 + [429] * 180
    for response in burst[20:] + later[10:]:
        assert response.content == TOO_MANY
        assert response.headers["x-amzn-errortype"] == "TooManyRequestsException"
        assert "retry-after" not in response.headers
    assert [r.status_code for r in later] == [200] * 10 + [429]
    outcomes = [call.api_key.outcome for call in fault.calls]
    assert outcomes.count("allowed") == 30
    assert fault.calls[20].api_key == KeyDecision("key-gold", "gold", "api_throttled")
    assert fault.calls[-2].api_key.remaining == 1000 - 30  # the throttled are not counted
    assert fault.calls[20].access_log["error.responseType"] == "THROTTLED"


def test_a_fault_started_again_starts_with_a_full_bucket():
    plan = ApiKeys({"k": "p"}, plans={"p": UsagePlan(rate=1, burst=2)})
    fault = _keyed(virtual_time=True, api_keys=plan)
    for _ in range(2):
        with fault:
            codes = [_get("k").status_code for _ in range(3)]
        assert codes == [200, 200, 429]


# Quota ----------------------------------------------------------------------------


def test_a_used_up_quota_gets_quota_exceeded_until_the_next_period():
    plan = ApiKeys({"k": "daily"}, plans={"daily": UsagePlan(quota=3, period="DAY")})
    with _keyed(virtual_time=True, api_keys=plan) as fault:
        today = [_get("k") for _ in range(4)]
        time.sleep(86_400)  # virtual: past the next 00:00 UTC
        tomorrow = [_get("k") for _ in range(4)]
    for day in (today, tomorrow):
        assert [r.status_code for r in day] == [200, 200, 200, 429]
        assert day[3].content == LIMIT
        assert day[3].headers["x-amzn-errortype"] == "LimitExceededException"
    assert [call.api_key.remaining for call in fault.calls[:4]] == [2, 1, 0, 0]
    assert fault.calls[3].api_key == KeyDecision("k", "daily", "quota_exceeded", 0)
    assert fault.calls[3].access_log["error.responseType"] == "QUOTA_EXCEEDED"


def test_the_offset_is_taken_from_the_first_period_only():
    plan = UsagePlan(quota=3, period="WEEK", offset=1)
    keys = ApiKeys({"k": "weekly"}, plans={"weekly": plan})
    with _keyed(virtual_time=True, api_keys=keys):
        first = [_get("k").status_code for _ in range(3)]
        time.sleep(7 * 86_400)
        second = [_get("k").status_code for _ in range(4)]
    assert first == [200, 200, 429]
    assert second == [200, 200, 200, 429]


# Through the loopback server ------------------------------------------------------


def test_the_loopback_server_checks_the_key():
    slow = UsagePlan(rate=0.001, burst=1)  # a token every 1000 s
    fault = _keyed(api_keys=ApiKeys({"k": "p"}, plans={"p": slow}))
    with GatewayServer([fault]) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        answers = []
        try:
            for headers in ({}, {"X-Api-Key": "k"}, {"X-Api-Key": "k"}):
                connection.request("GET", "/prod/orders", headers=headers)
                response = connection.getresponse()
                answers.append((response.status, response.read()))
        finally:
            connection.close()
    # the third finds the bucket of one empty
    assert answers == [(403, FORBIDDEN), (200, b"ok"), (429, TOO_MANY)]
    assert [call.client for call in fault.calls] == ["server"] * 3


# Bad arguments --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: UsagePlan(rate=10),
            "UsagePlan takes rate= and burst= together (the throttle's steady rate per"
            " second and its bucket), got rate=10, burst=None",
        ),
        (
            lambda: UsagePlan(rate=0, burst=1),
            "UsagePlan rate= is requests per second, a number above 0, got 0",
        ),
        (
            lambda: UsagePlan(rate=1, burst=0),
            "UsagePlan burst= is a whole number of requests, at least 1, got 0",
        ),
        (
            lambda: UsagePlan(quota=10, period="YEAR"),
            "UsagePlan period='YEAR' is not a quota period; valid periods: 'DAY', 'WEEK',"
            " 'MONTH'",
        ),
        (
            lambda: UsagePlan(quota=10),
            "UsagePlan takes quota= and period= together (period one of 'DAY', 'WEEK',"
            " 'MONTH'), got quota=10, period=None",
        ),
        (
            lambda: UsagePlan(quota=2, period="DAY", offset=2),
            "UsagePlan offset=2 is the requests subtracted from quota= in the first period:"
            " it needs a quota above it, got quota=2",
        ),
        (
            lambda: ApiKeys({"k": "gold"}, source="QUERY"),
            "ApiKeys source='QUERY' is not a key source; valid sources: 'HEADER',"
            " 'AUTHORIZER'",
        ),
        (
            lambda: ApiKeys({"k": "silver"}, plans={"gold": GOLD}),
            "API key 'k' names plan 'silver', which plans= does not declare; declared"
            " plans: 'gold'",
        ),
        (lambda: ApiKeys({}), "ApiKeys needs at least one API key"),
        (
            lambda: ApiKeys("k"),
            "ApiKeys takes a dict of API key values to plan names, or a list of key"
            " values, got 'k'",
        ),
        (
            lambda: Fault(handler=ok, api="http", api_keys=KEYS),
            "api_keys= needs api='rest': API keys and usage plans belong to REST APIs"
            " (HTTP APIs have none)",
        ),
        (
            lambda: Fault(handler=ok, api="rest", api_keys={"k": "gold"}),
            "api_keys= takes ApiKeys({key: plan name}, plans={plan name: UsagePlan(...)},"
            " source='HEADER' or 'AUTHORIZER'); got {'k': 'gold'}",
        ),
    ],
)
def test_bad_arguments_name_the_valid_choices(make, message):
    with pytest.raises(ApigwFaultError) as excinfo:
        make()
    assert str(excinfo.value) == message
