"""Stage and method throttling: a token bucket on the fault's clock, refused
with the api's ``api_throttled`` row before any authorizer, byte-exact."""

from __future__ import annotations

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs

from pytest_apigw_faults import ApigwFaultError, Fault, LambdaAuthorizer, Throttle, UsagePlan
from pytest_apigw_faults._gateway.throttle import TokenBucket

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")
pytest.importorskip("responses")
pytest.importorskip("respx")
pytest.importorskip("time_machine")

REST_URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
HTTP_URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/orders"
TOO_MANY = b'{"message":"Too Many Requests"}'
STEP = 0.005  # seconds each answered call takes on the virtual clock


def ok(event, context):
    return {"statusCode": 200, "body": "ok"}


def predicted(count: int, rate: float, burst: int, step: float) -> list[int]:
    """The statuses a bucket of ``burst`` refilled at ``rate`` gives ``count``
    back-to-back requests, each answered one taking ``step`` seconds (a
    refusal takes none), worked out here on its own."""
    tokens, statuses = float(burst), []
    for _ in range(count):
        if tokens >= 1.0 - 1e-9:
            tokens -= 1.0
            statuses.append(200)
            tokens = min(float(burst), tokens + rate * step)
        else:
            statuses.append(429)
    return statuses


@pytest.mark.parametrize("client", ["requests", "httpx"])
@pytest.mark.parametrize(("api", "url"), [("rest", REST_URL), ("http", HTTP_URL)])
def test_a_burst_gets_exactly_the_429s_the_bucket_predicts(client, api, url):
    get = requests.get if client == "requests" else httpx.get
    fault = Fault(
        handler=ok, api=api, throttle=Throttle(rate=100, burst=50), handler_duration=STEP,
        virtual_time=True, clients=[client],
    )
    with fault:
        responses = [get(url) for _ in range(200)]
    statuses = [response.status_code for response in responses]
    expected = predicted(200, 100, 50, STEP)
    assert statuses == expected
    assert statuses.count(429) == expected.count(429) > 0
    refused = [r for r in responses if r.status_code == 429]
    assert {r.content for r in refused} == {TOO_MANY}
    assert all(c.scenario.name == "api_throttled" for c in fault.calls if c.result is None)
    if api == "rest":
        assert {r.headers["x-amzn-errortype"] for r in refused} == {"TooManyRequestsException"}
        assert "retry-after" not in refused[0].headers


def test_the_bucket_refills_on_the_virtual_clock():
    import time

    with Fault(handler=ok, api="rest", throttle=Throttle(rate=2, burst=1), virtual_time=True):
        assert requests.get(REST_URL).status_code == 200
        assert requests.get(REST_URL).status_code == 429
        time.sleep(0.5)  # one token back, on virtual time
        assert requests.get(REST_URL).status_code == 200
        assert requests.get(REST_URL).status_code == 429


def test_the_throttle_refuses_before_the_authorizer_runs():
    ran = []

    def authorize(event, context):
        ran.append(event)
        return {"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}

    authorizer = LambdaAuthorizer(authorize, type="TOKEN", ttl=0)
    with Fault(handler=ok, api="rest", authorizer=authorizer, throttle=Throttle(1, 1)):
        assert requests.get(REST_URL, headers={"Authorization": "t"}).status_code == 200
        refused = requests.get(REST_URL, headers={"Authorization": "t"})
    assert refused.status_code == 429
    assert refused.content == TOO_MANY
    assert len(ran) == 1


def test_a_fault_starts_with_a_full_bucket_again():
    fault = Fault(handler=ok, api="http", throttle=Throttle(rate=0.001, burst=2))
    for _ in range(2):
        with fault:
            assert [requests.get(HTTP_URL).status_code for _ in range(3)] == [200, 200, 429]


def test_the_account_default_is_10000_per_second_with_a_burst_of_5000():
    assert Throttle() == Throttle(rate=10_000, burst=5_000)


def test_usage_plans_share_the_one_bucket():
    bucket = TokenBucket(1, 1, 0.0)
    assert [bucket.take(0.0), bucket.take(0.5), bucket.take(1.0)] == [True, False, True]
    assert UsagePlan(rate=1, burst=1)  # its throttle is a TokenBucket (test_api_keys)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"rate": 10}, "throttle= takes Throttle(rate=, burst=)"),
        (Throttle, "throttle= takes Throttle(rate=, burst=)"),
    ],
)
def test_a_bad_throttle_is_named(value, message):
    with pytest.raises(ApigwFaultError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Fault(handler=ok, api="rest", throttle=value)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"rate": 0}, "rate= is requests per second"), ({"burst": 0}, "burst= is the bucket"),
     ({"rate": True}, "rate= is requests per second"), ({"burst": 1.5}, "burst= is the bucket")],
)
def test_a_bad_rate_or_burst_is_named(arguments, message):
    with pytest.raises(ApigwFaultError, match=message):
        Throttle(**arguments)
