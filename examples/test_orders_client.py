"""The orders clients against every API Gateway failure the plugin knows.

Each test is marked with ``@pytest.mark.apigw_fault``: the fault is started
before the test body runs, answers every ``https`` call to an execute-api
host made with ``requests`` or ``httpx``, and is stopped after the test.
The ``apigw_fault`` fixture then shows what the client did: ``.calls``
(one per attempt), ``.scenario``, ``.logs`` and ``.assert_response()``.

What the clients should do is written down here, in ``EXPECTED``, from the
clients' retry policies, not read from the plugin's scenario table: if the
gateway model or a client changed, these tests would say so.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import httpx
import pytest
import requests
import responses
import respx
from orders_client import (
    DEFAULT_BASE_URL,
    AsyncOrdersClient,
    OrdersError,
    OrdersTimeout,
)
from urllib3.exceptions import ReadTimeoutError

ORDERS_URL = f"{DEFAULT_BASE_URL}/orders"
ORDERS = {"orders": [{"id": "ord-1001", "status": "shipped", "total": "42.50"}]}


@dataclass(frozen=True)
class Expected:
    """What the clients do for one scenario.

    ``status`` is the error status the client reports, or ``None`` when it
    times out instead. ``sync_attempts``: the requests client retries twice
    on 500/502/503/504 and on read timeouts. ``async_attempts``: the httpx
    client makes 3 attempts on 502/503/504 and on read timeouts, and gives
    up on anything else at once.
    """

    status: int | None
    message: str | re.Pattern[str] | None
    sync_attempts: int
    async_attempts: int


TIMES_OUT = None

EXPECTED: dict[str, Expected] = {
    # scenario id: Expected(status, message, sync attempts, async attempts)
    "rest-integration_timeout": Expected(TIMES_OUT, None, 3, 3),  # 29 s > 10 s read timeout
    "rest-malformed_response": Expected(502, "Internal server error", 3, 3),
    "rest-permission_denied": Expected(500, "Internal server error", 3, 1),
    "rest-lambda_throttled": Expected(500, "Internal server error", 3, 1),
    "rest-function_error": Expected(502, "Internal server error", 3, 3),
    "http-integration_timeout": Expected(TIMES_OUT, None, 3, 3),  # 30 s > 10 s read timeout
    "http-malformed_response": Expected(500, "Internal Server Error", 3, 1),
    "http-permission_denied": Expected(500, "Internal Server Error", 3, 1),
    "http-lambda_throttled": Expected(503, "Service Unavailable", 3, 3),
    "http-function_error": Expected(500, "Internal Server Error", 3, 1),
    # the Lambda's own limits
    "rest-function_timeout": Expected(502, "Internal server error", 3, 3),  # 3 s < 10 s
    "http-function_timeout": Expected(500, "Internal Server Error", 3, 1),
    "rest-lambda_response_too_large": Expected(502, "Internal server error", 3, 3),
    "http-lambda_response_too_large": Expected(500, "Internal Server Error", 3, 1),
    # what API Gateway makes of the Lambda's answer
    "rest-invalid_base64": Expected(500, "Internal server error", 3, 1),
    # refused before the integration: 4xx are never retried
    "rest-route_not_found": Expected(403, "Missing Authentication Token", 1, 1),
    "http-route_not_found": Expected(404, "Not Found", 1, 1),
    "rest-stage_not_found": Expected(403, "Forbidden", 1, 1),
    "http-stage_not_found": Expected(404, "Not Found", 1, 1),
    "http-bad_request_path": Expected(400, "Bad Request", 1, 1),
    "rest-unauthorized": Expected(401, "Unauthorized", 1, 1),
    "http-unauthorized": Expected(401, "Unauthorized", 1, 1),
    "http-jwt_rejected": Expected(401, "Unauthorized", 1, 1),
    "rest-access_denied": Expected(
        403, "User is not authorized to access this resource with an explicit deny", 1, 1
    ),
    "http-access_denied": Expected(403, "Forbidden", 1, 1),
    "rest-invalid_api_key": Expected(403, "Forbidden", 1, 1),
    "rest-waf_filtered": Expected(403, "Forbidden", 1, 1),
    "rest-api_throttled": Expected(429, "Too Many Requests", 1, 1),
    "http-api_throttled": Expected(429, "Too Many Requests", 1, 1),
    "rest-quota_exceeded": Expected(429, "Limit Exceeded", 1, 1),
    "rest-bad_request_body": Expected(400, "Invalid request body", 1, 1),
    # CloudFront's plain-text refusal: the client reports the text
    "rest-request_too_large": Expected(413, "HTTP content length exceeded 10485760 bytes.", 1, 1),
    "rest-lambda_request_too_large": Expected(413, "Request Too Long", 1, 1),
    "rest-payload_too_large": Expected(413, "Request Too Long", 1, 1),
    "http-payload_too_large": Expected(413, "Request Too Long", 1, 1),
    "http-lambda_request_too_large": Expected(413, "Request Too Long", 1, 1),
    # a null message: the client reports the body as it is
    "rest-authorizer_configuration_error": Expected(500, '{"message":null}', 3, 1),
    "http-authorizer_configuration_error": Expected(500, "Internal Server Error", 3, 1),
    "rest-api_configuration_error": Expected(500, "Internal server error", 3, 1),
    # refused for who sent the request or where it went; some messages are
    # written from the request (GET /prod/orders, no Authorization header)
    "rest-resource_policy_denied": Expected(
        403,
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource:"
        " arn:aws:execute-api:us-east-1:********9012:abc123def4/prod/GET/orders",
        1,
        1,
    ),
    "rest-incomplete_signature": Expected(
        403,
        "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with"
        " SHA-256 and encoded with Base64): 'ou+P2pI0l1aih+LHseZdzDv0Qh1V68y/KzyHX43jNNs='.",
        1,
        1,
    ),
    "rest-bad_request_parameters": Expected(
        400, "Missing required request parameters: [key]", 1, 1
    ),
    # the canonical request carries the time the request arrived
    "rest-invalid_signature": Expected(
        403,
        re.compile(
            r"The request signature we calculated does not match the signature you"
            r" provided\..*\n'GET\n/prod/orders\n\nhost:abc123def4\.execute-api\.us-east-1"
            r"\.amazonaws\.com\nx-amz-date:\d{8}T\d{6}Z\n\nhost;x-amz-date\n[0-9a-f]{64}'\n.*",
            re.DOTALL,
        ),
        1,
        1,
    ),
    "rest-invalid_security_token": Expected(
        403, "The security token included in the request is invalid.", 1, 1
    ),
    "rest-base_path_not_mapped": Expected(403, "Forbidden", 1, 1),
    "rest-preflight_not_found": Expected(403, "Missing Authentication Token", 1, 1),
    "rest-default_endpoint_disabled": Expected(403, "Forbidden", 1, 1),
    "http-default_endpoint_disabled": Expected(404, "Not Found", 1, 1),
}

#: The request id header each kind of API sends.
REQUEST_ID_HEADER = {"rest": "x-amzn-requestid", "http": "apigw-requestid"}

#: The async client's backoff before attempt 2 and 3 (backoff=0.25, doubling).
BACKOFF = [0.25, 0.5]


def expected_for(apigw_fault) -> Expected:
    return EXPECTED[apigw_fault.scenario.id]


def check_error(error: OrdersError, expected: Expected, apigw_fault, client_log) -> None:
    """The checks every error outcome shares, sync or async."""
    last = apigw_fault.calls[-1]
    assert error.status == expected.status
    if isinstance(expected.message, re.Pattern):
        assert expected.message.fullmatch(error.message), error.message
    else:
        assert error.message == expected.message
    # The id the client reports is the one of the attempt it gave up on.
    header = REQUEST_ID_HEADER[apigw_fault.scenario.api.value]
    if header not in error.response.headers:  # refused by CloudFront, not API Gateway
        assert error.request_id is None
        apigw_fault.assert_response(error.response)
        return
    assert error.request_id == last.request_id
    assert error.response.headers[header] == error.request_id
    # The client hands back the very response the gateway sent, byte for byte.
    assert error.response is last.response
    apigw_fault.assert_response(error.response)
    # ... and logs its request id, so it can be found in CloudWatch.
    assert error.request_id in client_log.text


# -- the whole matrix, requests ---------------------------------------------


@pytest.mark.apigw_fault
def test_sync_client_over_the_whole_matrix(apigw_fault, orders_client, client_log):
    expected = expected_for(apigw_fault)
    started = time.monotonic()

    if expected.status is TIMES_OUT:
        with pytest.raises(OrdersTimeout):
            orders_client.fetch_orders()
        assert all(call.timed_out and call.response is None for call in apigw_fault.calls)
    else:
        with pytest.raises(OrdersError) as caught:
            orders_client.fetch_orders()
        check_error(caught.value, expected, apigw_fault, client_log)
        assert [call.response.status_code for call in apigw_fault.calls] == [
            expected.status
        ] * expected.sync_attempts

    assert len(apigw_fault.calls) == expected.sync_attempts
    # Gateway time is virtual: a 29 s timeout, three times, in no time at all.
    assert time.monotonic() - started < 5


# -- one kind of API at a time, httpx ----------------------------------------


@pytest.mark.asyncio
@pytest.mark.apigw_fault(api="rest")
async def test_async_client_against_a_rest_api(apigw_fault, sleeps, client_log):
    expected = expected_for(apigw_fault)
    async with AsyncOrdersClient(sleep=sleeps) as client:
        if expected.status is TIMES_OUT:
            with pytest.raises(OrdersTimeout):
                await client.fetch_orders()
        else:
            with pytest.raises(OrdersError) as caught:
                await client.fetch_orders()
            check_error(caught.value, expected, apigw_fault, client_log)
            # The id the client logged is the one in the execution log, which
            # is how a REST API failure is traced to its Lambda invocation.
            request_id = caught.value.request_id
            if apigw_fault.scenario.log:
                assert any(line.startswith(f"({request_id}) ") for line in apigw_fault.logs)

    assert len(apigw_fault.calls) == expected.async_attempts
    assert sleeps.delays == BACKOFF[: expected.async_attempts - 1]


@pytest.mark.asyncio
@pytest.mark.apigw_fault(api="http")
async def test_async_client_against_an_http_api(apigw_fault, sleeps, client_log):
    expected = expected_for(apigw_fault)
    async with AsyncOrdersClient(sleep=sleeps) as client:
        if expected.status is TIMES_OUT:
            with pytest.raises(OrdersTimeout):
                await client.fetch_orders()
        else:
            with pytest.raises(OrdersError) as caught:
                await client.fetch_orders()
            check_error(caught.value, expected, apigw_fault, client_log)
            assert "x-amzn-requestid" not in caught.value.response.headers

    assert len(apigw_fault.calls) == expected.async_attempts
    assert sleeps.delays == BACKOFF[: expected.async_attempts - 1]
    assert apigw_fault.logs == []  # HTTP APIs write no execution log


# -- the 29 s integration timeout against a 10 s read timeout ----------------


@pytest.mark.apigw_fault("integration_timeout", api="rest")
def test_sync_client_gives_up_at_its_read_timeout(apigw_fault, orders_client):
    with pytest.raises(OrdersTimeout) as caught:
        orders_client.fetch_orders()

    calls = apigw_fault.calls
    assert len(calls) == EXPECTED["rest-integration_timeout"].sync_attempts
    assert all(call.timed_out and call.response is None for call in calls)
    # urllib3 retries the same request: 10 s of (virtual) waiting per attempt.
    assert [call.elapsed for call in calls] == [10.0, 20.0, 30.0]
    assert isinstance(calls[0].exception, ReadTimeoutError)
    assert "read timeout=10" in str(calls[0].exception)
    # Out of retries, requests raises ConnectionError(MaxRetryError(ReadTimeoutError)).
    assert isinstance(caught.value.__cause__, requests.exceptions.ConnectionError)
    assert caught.value.attempts == 3


@pytest.mark.apigw_fault("integration_timeout", api="rest")
def test_sync_client_with_a_longer_read_timeout_sees_the_504(apigw_fault, orders_client):
    orders_client.timeout = (3.05, 30)  # longer than the 29 s integration timeout

    with pytest.raises(OrdersError) as caught:
        orders_client.fetch_orders()

    assert caught.value.status == 504
    assert caught.value.message == "Endpoint request timed out"
    assert not any(call.timed_out for call in apigw_fault.calls)
    assert [call.elapsed for call in apigw_fault.calls] == pytest.approx([29.0, 58.0, 87.0])
    assert caught.value.response.elapsed.total_seconds() == pytest.approx(87.0)


@pytest.mark.asyncio
@pytest.mark.apigw_fault("integration_timeout", api="rest")
async def test_async_client_gives_up_at_its_read_timeout(apigw_fault, sleeps):
    async with AsyncOrdersClient(sleep=sleeps) as client:
        with pytest.raises(OrdersTimeout) as caught:
            await client.fetch_orders()

    calls = apigw_fault.calls
    assert len(calls) == EXPECTED["rest-integration_timeout"].async_attempts
    # Every attempt is a new httpx request, each waiting its own 10 s.
    assert [call.elapsed for call in calls] == [10.0, 10.0, 10.0]
    assert all(isinstance(call.exception, httpx.ReadTimeout) for call in calls)
    assert caught.value.__cause__ is calls[-1].exception
    assert sleeps.delays == BACKOFF


# -- what the client got is what API Gateway sends ---------------------------


@pytest.mark.apigw_fault("function_error", api="rest")
def test_every_recorded_response_is_the_gateways(apigw_fault, orders_client):
    with pytest.raises(OrdersError):
        orders_client.fetch_orders()

    for call in apigw_fault.calls:
        apigw_fault.assert_response(call.response)
    # Three attempts, three distinct request ids.
    assert len({call.request_id for call in apigw_fault.calls}) == 3


@pytest.mark.asyncio
async def test_a_hand_written_mock_is_not_the_gateway(apigw_fault, sleeps):
    async with AsyncOrdersClient(sleep=sleeps) as client:
        # First the usual hand-written guess: no space after the colon, no
        # headers. (Made before the fault starts: while one is started, an
        # execute-api call it does not answer is refused, not mocked.)
        with respx.mock(assert_all_called=True) as router:
            router.get(ORDERS_URL).respond(
                500,
                content=b'{"message":"Internal server error"}',
                headers={"content-type": "application/json"},
            )
            with pytest.raises(OrdersError) as mocked:
                await client.fetch_orders()
        apigw_fault.inject("permission_denied", api="rest")
        with pytest.raises(OrdersError) as faulted:
            await client.fetch_orders()

    apigw_fault.assert_response(faulted.value.response)
    assert mocked.value.status == faulted.value.status
    assert mocked.value.message == faulted.value.message
    with pytest.raises(AssertionError, match="header names: missing") as problems:
        apigw_fault.assert_response(mocked.value.response)
    # REST's integration errors have a space after the colon.
    assert "body: got" in str(problems.value)
    assert mocked.value.request_id is None


# -- two failures, then the API recovers --------------------------------------


# after="pass": once the sequence is used up, calls go on to the network or your
# own mocks (after times=2 alone they would be refused: strict mode).
@pytest.mark.apigw_fault(sequence=["malformed_response"] * 2, api="rest", after="pass")
def test_sync_client_recovers_after_two_failures(apigw_fault, orders_client, client_log):
    with responses.RequestsMock() as rsps:
        rsps.get(ORDERS_URL, json=ORDERS, headers={"x-amzn-requestid": "ok-request"})
        # The fault answers first while it has calls left, then this mock.
        assert orders_client.fetch_orders() == ORDERS
        assert len(rsps.calls) == 1

    assert [call.response.status_code for call in apigw_fault.calls] == [502, 502]
    assert "ok-request" in client_log.text


@pytest.mark.asyncio
@pytest.mark.apigw_fault(sequence=["lambda_throttled"] * 2, api="http", after="pass")
async def test_async_client_recovers_after_two_failures(apigw_fault, sleeps):
    with respx.mock(assert_all_called=True) as router:
        route = router.get(ORDERS_URL).respond(200, json=ORDERS)
        async with AsyncOrdersClient(sleep=sleeps) as client:
            assert await client.fetch_orders() == ORDERS
        assert route.call_count == 1

    assert [call.response.status_code for call in apigw_fault.calls] == [503, 503]
    assert sleeps.delays == BACKOFF


@pytest.mark.asyncio
@pytest.mark.apigw_fault("permission_denied", api="http", times=2)
async def test_async_client_does_not_retry_a_500(apigw_fault, sleeps):
    with respx.mock(assert_all_called=False) as router:
        route = router.get(ORDERS_URL).respond(200, json=ORDERS)
        async with AsyncOrdersClient(sleep=sleeps) as client:
            with pytest.raises(OrdersError) as caught:
                await client.fetch_orders()
        assert not route.called

    assert caught.value.status == 500
    assert len(apigw_fault.calls) == EXPECTED["http-permission_denied"].async_attempts
    assert sleeps.delays == []
