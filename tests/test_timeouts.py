"""Configured timeouts: ``integration_timeout=`` and ``function_timeout=``.

The figures are the reference's (``api-gateway-behaviour.md`` §7): REST
integration timeouts from 50 ms to 29 s, up to 300 s on regional and private
REST APIs since 2024-06 [WN-2024][RP-300], HTTP APIs up to 30 s [D-LIMITS];
Lambda timeouts in whole seconds from 1 to 900. Nothing here sleeps: every
latency is virtual, and the tests would take minutes if one were real.
"""

from __future__ import annotations

import calendar
import re
import socket
import threading
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest
import requests
from support import INI, assert_collection_error, literal, module, set_up_inner

from pytest_apigw_faults import Api, ApigwFaultError, Fault
from pytest_apigw_faults._gateway.table import scenario_names

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
TIMED_OUT = b'{"message": "Endpoint request timed out"}'
UNAVAILABLE = b'{"message":"Service Unavailable"}'
REST_ERROR = b'{"message": "Internal server error"}'
HTTP_ERROR = b'{"message":"Internal Server Error"}'
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
GATEWAY_FIRST = "the gateway would time out first (scenario 'integration_timeout')"
EDGE_BEYOND = "; only regional and private REST APIs go beyond 29 s, up to 300 s"


@pytest.fixture(autouse=True)
def _no_network_and_no_sleeping(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("test_timeouts: the network is off limits")

    test_thread = threading.get_ident()
    real_sleep = time.sleep
    slept = []

    def watched_sleep(seconds):
        if threading.get_ident() == test_thread:
            slept.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(time, "sleep", watched_sleep)
    started = time.monotonic()
    yield
    assert slept == [], "a fault really slept"
    assert time.monotonic() - started < 20, "a latency was waited for real"


def _get(client, **kwargs):
    if client == "requests":
        return requests.get(URL, **kwargs)
    with httpx.Client() as http:
        return http.get(URL, **kwargs)


def _gateway_seconds(response):
    """Seconds between the trace id's epoch (arrival) and ``date`` (departure)."""
    epoch = int(response.headers["x-amzn-trace-id"].split("-")[1], 16)
    left = calendar.timegm(parsedate_to_datetime(response.headers["date"]).utctimetuple())
    return left - epoch


# -- integration_timeout: the REST row answers after the configured time ---------------


@pytest.mark.parametrize("client", ["requests", "httpx"])
@pytest.mark.parametrize(
    ("endpoint", "seconds"),
    [("edge", 5), ("edge", 29), ("regional", 120), ("private", 300), ("regional", 1)],
)
def test_rest_integration_timeout_answers_after_the_configured_time(client, endpoint, seconds):
    with Fault(
        "integration_timeout", api="rest", endpoint=endpoint, integration_timeout=seconds
    ) as fault:
        response = _get(client, timeout=None)
    assert response.status_code == 504
    assert response.content == TIMED_OUT
    assert response.headers["x-amzn-errortype"] == "InternalServerErrorException"
    assert response.elapsed == timedelta(seconds=seconds)
    call = fault.calls[0]
    assert call.exchange.latency == seconds
    assert call.elapsed == seconds
    assert _gateway_seconds(response) == seconds
    assert call.logs[-1] == f"({call.request_id}) Method completed with status: 504"


def test_default_rest_integration_timeout_is_29_s_on_every_endpoint():
    for endpoint in ("edge", "regional", "private"):
        with Fault("integration_timeout", api="rest", endpoint=endpoint) as fault:
            response = requests.get(URL, timeout=None)
        assert response.elapsed == timedelta(seconds=29), endpoint
        assert fault.calls[0].exchange.latency == 29.0
        assert _gateway_seconds(response) == 29


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_http_integration_timeout_answers_after_the_configured_time(client):
    with Fault("integration_timeout", api="http", integration_timeout=12) as fault:
        response = _get(client, timeout=None)
    assert (response.status_code, response.content) == (503, UNAVAILABLE)
    assert response.elapsed == timedelta(seconds=12)
    assert fault.calls[0].exchange.latency == 12
    assert fault.calls[0].logs == ()


def test_the_shortest_integration_timeout_is_50_ms():
    with Fault("integration_timeout", api="rest", integration_timeout=0.05) as fault:
        response = requests.get(URL, timeout=None)
    assert response.status_code == 504
    assert response.elapsed == timedelta(milliseconds=50)
    assert fault.calls[0].exchange.latency == 0.05
    with Fault("integration_timeout", api="http", integration_timeout=0.05):
        assert httpx.get(URL).elapsed == timedelta(milliseconds=50)


def test_integration_timeout_leaves_other_rows_alone():
    with Fault("function_error", api="rest", integration_timeout=5) as fault:
        response = requests.get(URL, timeout=None)
    assert response.elapsed == timedelta(seconds=0.388)
    assert fault.calls[0].exchange.latency == 0.388


# -- the client's read timeout races the configured one ----------------------------------


@pytest.mark.parametrize("timeout", [10, (3.05, 10)])
def test_requests_read_timeout_longer_than_the_integration_timeout_sees_the_504(timeout):
    with Fault("integration_timeout", api="rest", integration_timeout=5) as fault:
        response = requests.get(URL, timeout=timeout)
    assert response.status_code == 504
    assert response.elapsed == timedelta(seconds=5)
    assert fault.calls[0].timed_out is False


@pytest.mark.parametrize("timeout", [10, (3.05, 10)])
def test_requests_read_timeout_shorter_than_the_integration_timeout_raises(timeout):
    with Fault(
        "integration_timeout", api="rest", endpoint="regional", integration_timeout=12
    ) as fault:
        with pytest.raises(requests.exceptions.ReadTimeout) as raised:
            requests.get(URL, timeout=timeout)
    call = fault.calls[0]
    assert call.timed_out is True
    assert call.response is None
    assert call.exception is raised.value
    assert call.elapsed == 10
    assert call.exchange.latency == 12


def test_httpx_read_timeout_races_the_integration_timeout():
    with Fault("integration_timeout", api="rest", integration_timeout=5) as fault:
        assert httpx.get(URL, timeout=10).status_code == 504
    with Fault("integration_timeout", api="rest", integration_timeout=12) as fault:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(URL, timeout=10)
    assert fault.calls[0].timed_out is True
    assert fault.calls[0].elapsed == 10


def test_httpx_default_timeout_sees_a_short_integration_timeout():
    # httpx waits 5 s by default: a 4 s integration timeout reaches it, 29 s does not
    with Fault("integration_timeout", api="rest", integration_timeout=4):
        response = httpx.get(URL)
    assert response.status_code == 504
    assert response.elapsed == timedelta(seconds=4)
    with Fault("integration_timeout", api="http", integration_timeout=6):
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(URL)


@pytest.mark.asyncio
async def test_async_httpx_races_the_integration_timeout():
    async with Fault("integration_timeout", api="http", integration_timeout=8):
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.get(URL)
        async with httpx.AsyncClient(timeout=7) as http:
            with pytest.raises(httpx.ReadTimeout):
                await http.get(URL)
    assert (response.status_code, response.elapsed) == (503, timedelta(seconds=8))


# -- limits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "endpoint", "seconds"),
    [
        ("rest", "edge", 29),
        ("rest", "edge", 0.05),
        ("rest", "regional", 300),
        ("rest", "regional", 29.5),
        ("rest", "private", 300),
        ("rest", "private", 0.05),
        ("http", "regional", 30),
        ("http", None, 0.05),
    ],
)
def test_timeouts_within_the_limits_are_accepted(api, endpoint, seconds):
    fault = Fault("integration_timeout", api=api, endpoint=endpoint, integration_timeout=seconds)
    assert fault.integration_timeout == seconds
    assert fault.gateway.latency(fault.scenario) == seconds


@pytest.mark.parametrize(
    ("api", "endpoint", "seconds", "message"),
    [
        pytest.param(
            "rest", "regional", 300.5,
            "integration_timeout=300.5 is out of range for a regional REST API"
            " (rest-integration_timeout): from 0.05 s to 300 s",
            id="regional-above",
        ),
        pytest.param(
            "rest", "regional", 0.04,
            "integration_timeout=0.04 is out of range for a regional REST API"
            " (rest-integration_timeout): from 0.05 s to 300 s",
            id="regional-below",
        ),
        pytest.param(
            "rest", "private", 301,
            "integration_timeout=301 is out of range for a private REST API"
            " (rest-integration_timeout): from 0.05 s to 300 s",
            id="private-above",
        ),
        pytest.param(
            "http", None, 30.5,
            "integration_timeout=30.5 is out of range for an HTTP API"
            " (http-integration_timeout): from 0.05 s to 30 s",
            id="http-above",
        ),
        pytest.param(
            "http", "regional", 0,
            "integration_timeout=0 is out of range for an HTTP API"
            " (http-integration_timeout): from 0.05 s to 30 s",
            id="http-zero",
        ),
    ],
)
def test_timeouts_out_of_range_state_the_limit(api, endpoint, seconds, message):
    with pytest.raises(ApigwFaultError) as error:
        Fault("integration_timeout", api=api, endpoint=endpoint, integration_timeout=seconds)
    assert str(error.value) == message


@pytest.mark.parametrize("seconds", [29.5, 30, 0.049, -1])
def test_edge_timeouts_out_of_range_state_the_29_s_limit(seconds):
    with pytest.raises(ApigwFaultError) as error:
        Fault("integration_timeout", api="rest", integration_timeout=seconds)
    assert str(error.value) == (
        f"integration_timeout={seconds:g} is out of range for an edge-optimized REST API"
        " (rest-integration_timeout): from 0.05 s to 29 s" + EDGE_BEYOND
    )


def test_the_limit_applies_to_every_row_of_the_api():
    with pytest.raises(ApigwFaultError) as error:
        Fault("function_error", api="rest", endpoint="private", integration_timeout=400)
    assert str(error.value) == (
        "integration_timeout=400 is out of range for a private REST API"
        " (rest-function_error): from 0.05 s to 300 s"
    )


@pytest.mark.parametrize(
    ("value", "shown"), [("5", "'5'"), (True, "True"), (float("nan"), "nan"), ([5], "[5]")]
)
def test_integration_timeout_must_be_a_number(value, shown):
    with pytest.raises(ApigwFaultError) as error:
        Fault("integration_timeout", api="rest", integration_timeout=value)
    assert str(error.value) == f"integration_timeout= takes seconds (a number), got {shown}"


# -- inject() and the marker ------------------------------------------------------------


def test_inject_integration_timeout(apigw_fault):
    fault = apigw_fault.inject("integration_timeout", api="rest", integration_timeout=5)
    response = requests.get(URL, timeout=10)
    assert response.status_code == 504
    assert response.elapsed == timedelta(seconds=5)
    assert apigw_fault.calls[0].exchange.latency == 5
    assert _gateway_seconds(response) == 5
    assert fault.integration_timeout == 5
    apigw_fault.assert_response(response)


def test_inject_integration_timeout_out_of_range(apigw_fault):
    with pytest.raises(ApigwFaultError) as error:
        apigw_fault.inject("integration_timeout", api="http", integration_timeout=31)
    assert str(error.value) == (
        "integration_timeout=31 is out of range for an HTTP API"
        " (http-integration_timeout): from 0.05 s to 30 s"
    )


@pytest.mark.apigw_fault("integration_timeout", api="rest", integration_timeout=5)
def test_marker_integration_timeout(apigw_fault):
    response = requests.get(URL, timeout=10)
    assert response.status_code == 504
    assert response.elapsed == timedelta(seconds=5)
    assert _gateway_seconds(response) == 5
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(URL, timeout=4.5)
    assert [c.timed_out for c in apigw_fault.calls] == [False, True]


@pytest.mark.apigw_fault(
    "integration_timeout", api="rest", endpoint="regional", integration_timeout=240
)
def test_marker_integration_timeout_beyond_29_s_on_regional(apigw_fault):
    response = requests.get(URL, timeout=300)
    assert response.status_code == 504
    assert response.elapsed == timedelta(minutes=4)
    assert _gateway_seconds(response) == 240


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    return set_up_inner(pytester)


def test_marker_integration_timeout_out_of_range_is_a_collection_error(inner):
    inner.makepyfile(
        test_user_timeout=module(
            """
            @pytest.mark.apigw_fault(
                "integration_timeout", api="rest", endpoint="regional",
                integration_timeout=400,
            )
            def test_k():
                pass
            """
        )
    )
    assert_collection_error(
        inner,
        "test_user_timeout.py::test_k: bad @pytest.mark.apigw_fault:"
        " integration_timeout=400 is out of range for a regional REST API"
        " (rest-integration_timeout): from 0.05 s to 300 s",
    )


def test_marker_matrix_takes_the_integration_timeout(inner):
    inner.makepyfile(
        test_user_matrix=module(
            """
            @pytest.mark.apigw_fault(api="http", integration_timeout=9)
            def test_each(apigw_fault):
                response = httpx.get(URL, timeout=None)
                call = apigw_fault.calls[0]
                if apigw_fault.scenario.name == "integration_timeout":
                    assert response.elapsed.total_seconds() == 9
                    assert call.exchange.latency == 9
                else:
                    assert call.exchange.latency == apigw_fault.scenario.latency
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=len(scenario_names(Api.HTTP)))  # the HTTP API rows


# -- the ini key ---------------------------------------------------------------------

INI_USER = """
import calendar
from email.utils import parsedate_to_datetime


def gateway_seconds(response):
    epoch = int(response.headers["x-amzn-trace-id"].split("-")[1], 16)
    left = parsedate_to_datetime(response.headers["date"]).utctimetuple()
    return calendar.timegm(left) - epoch


def test_inject_takes_the_ini_timeout(apigw_fault):
    apigw_fault.inject("integration_timeout", api="rest")
    response = requests.get(URL, timeout=None)
    assert response.status_code == 504
    assert response.elapsed.total_seconds() == 7
    assert apigw_fault.calls[0].exchange.latency == 7
    assert gateway_seconds(response) == 7


def test_http_api_takes_it_too(apigw_fault):
    apigw_fault.inject("integration_timeout", api="http")
    response = httpx.get(URL, timeout=None)
    assert response.status_code == 503
    assert response.elapsed.total_seconds() == 7


@pytest.mark.apigw_fault("integration_timeout", api="rest")
def test_marker_takes_the_ini_timeout(apigw_fault):
    response = httpx.get(URL, timeout=10)
    assert response.status_code == 504
    assert response.elapsed.total_seconds() == 7


@pytest.mark.apigw_fault("integration_timeout", api="rest", integration_timeout=3)
def test_the_marker_wins(apigw_fault):
    assert requests.get(URL, timeout=None).elapsed.total_seconds() == 3


def test_inject_wins(apigw_fault):
    apigw_fault.inject("integration_timeout", api="rest", integration_timeout=2)
    assert requests.get(URL, timeout=None).elapsed.total_seconds() == 2


def test_the_client_race_uses_it(apigw_fault):
    apigw_fault.inject("integration_timeout", api="rest")
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(URL, timeout=6.5)
"""


def test_ini_integration_timeout(inner):
    inner.makeini(INI + "apigw_fault_integration_timeout = 7\n")
    inner.makepyfile(test_user_ini=module(INI_USER))
    result = inner.runpytest()
    result.assert_outcomes(passed=6)


def test_ini_integration_timeout_not_a_number_is_a_usage_error(inner):
    inner.makeini(INI + "apigw_fault_integration_timeout = abc\n")
    inner.makepyfile(test_user_ini=module("def test_never():\n    pass\n"))
    result = inner.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            literal(
                "ERROR: apigw_fault_integration_timeout in the ini file:"
                " 'abc' is not a number of seconds"
            )
        ]
    )
    assert "test_never" not in result.stdout.str()


@pytest.mark.parametrize("value", ["nan", "-1", "400"])
def test_ini_integration_timeout_no_api_accepts_is_a_usage_error(inner, value):
    inner.makeini(INI + f"apigw_fault_integration_timeout = {value}\n")
    inner.makepyfile(
        test_user_ini=module(
            """
            def test_one(apigw_fault):
                apigw_fault.inject("integration_timeout", api="rest", endpoint="regional")
            """
        )
    )
    result = inner.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "apigw_fault_integration_timeout in the ini file" in result.stderr.str()


# -- function_timeout ------------------------------------------------------------------

LOG = re.compile(
    rf"\((?P<rid>{UUID})\) Lambda execution failed with status 200 due to customer function"
    rf" error: RequestId: (?P<lambda_id>{UUID}) Error: Task timed out after"
    rf" (?P<seconds>\d+\.\d\d) seconds\. Lambda request id: (?P=lambda_id)"
)


@pytest.mark.parametrize("client", ["requests", "httpx"])
@pytest.mark.parametrize("seconds", [1, 7, 28])
def test_rest_function_timeout_drives_latency_and_log(client, seconds):
    with Fault("function_timeout", api="rest", function_timeout=seconds) as fault:
        response = _get(client, timeout=None)
    assert (response.status_code, response.content) == (502, REST_ERROR)
    assert response.headers["x-amzn-errortype"] == "InternalServerErrorException"
    assert response.elapsed == timedelta(seconds=seconds)
    assert _gateway_seconds(response) == seconds
    call = fault.calls[0]
    assert call.exchange.latency == seconds
    first, last = call.logs
    match = LOG.fullmatch(first)
    assert match, first
    assert match["rid"] == response.headers["x-amzn-requestid"] == call.request_id
    assert match["seconds"] == f"{seconds}.00"
    assert last == f"({call.request_id}) Method completed with status: 502"


def test_rest_function_timeout_log_text_for_7_s():
    with Fault("function_timeout", api="rest", function_timeout=7) as fault:
        requests.get(URL, timeout=None)
    line = fault.calls[0].logs[0]
    assert "Error: Task timed out after 7.00 seconds. Lambda request id: " in line
    lambda_ids = re.findall(UUID, line)
    assert len(lambda_ids) == 3  # the gateway's request id, then the Lambda's twice
    assert lambda_ids[1] == lambda_ids[2] != lambda_ids[0]


def test_function_timeout_default_is_lambdas_3_s():
    with Fault("function_timeout", api="rest") as fault:
        response = requests.get(URL, timeout=None)
    assert response.elapsed == timedelta(seconds=3)
    assert "Task timed out after 3.00 seconds." in fault.calls[0].logs[0]


def test_http_function_timeout_drives_latency_only():
    with Fault("function_timeout", api="http", function_timeout=12) as fault:
        response = httpx.get(URL, timeout=None)
    assert (response.status_code, response.content) == (500, HTTP_ERROR)
    assert response.elapsed == timedelta(seconds=12)
    assert fault.calls[0].logs == ()


def test_function_timeout_beyond_29_s_on_a_regional_api_with_a_long_integration_timeout():
    with Fault(
        "function_timeout", api="rest", endpoint="regional",
        integration_timeout=120, function_timeout=90,
    ) as fault:
        response = requests.get(URL, timeout=None)
    assert response.elapsed == timedelta(seconds=90)
    assert "Task timed out after 90.00 seconds." in fault.calls[0].logs[0]


def test_client_read_timeout_races_the_function_timeout():
    with Fault("function_timeout", api="rest", function_timeout=7) as fault:
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(URL, timeout=5)
        assert requests.get(URL, timeout=8).status_code == 502
    assert [c.timed_out for c in fault.calls] == [True, False]


def test_function_timeout_leaves_other_rows_alone():
    with Fault("function_error", api="rest", function_timeout=900) as fault:
        response = requests.get(URL, timeout=None)
    assert response.elapsed == timedelta(seconds=0.388)
    assert fault.calls[0].exchange.latency == 0.388


def test_inject_function_timeout(apigw_fault):
    apigw_fault.inject("function_timeout", api="rest", function_timeout=11)
    response = httpx.get(URL, timeout=None)
    assert response.elapsed == timedelta(seconds=11)
    assert "Task timed out after 11.00 seconds." in apigw_fault.logs[0]
    apigw_fault.assert_response(response)


@pytest.mark.apigw_fault("function_timeout", api="http", function_timeout=20)
def test_marker_function_timeout(apigw_fault):
    response = requests.get(URL, timeout=None)
    assert response.status_code == 500
    assert response.elapsed == timedelta(seconds=20)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "function_timeout=0 is not a Lambda timeout: whole seconds from 1 to 900"),
        (901, "function_timeout=901 is not a Lambda timeout: whole seconds from 1 to 900"),
        (2.5, "function_timeout=2.5 is not a Lambda timeout: whole seconds from 1 to 900"),
        (-3, "function_timeout=-3 is not a Lambda timeout: whole seconds from 1 to 900"),
        ("3", "function_timeout= takes seconds (a number), got '3'"),
        (False, "function_timeout= takes seconds (a number), got False"),
    ],
)
def test_function_timeout_must_be_a_lambda_timeout(value, message):
    with pytest.raises(ApigwFaultError) as error:
        Fault("function_error", api="rest", function_timeout=value)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("api", "kwargs", "message"),
    [
        pytest.param(
            "rest", {"function_timeout": 29},
            f"function_timeout=29 is not shorter than the integration timeout (29 s) of"
            f" rest-function_timeout: {GATEWAY_FIRST}",
            id="rest-edge-default-29",
        ),
        pytest.param(
            "rest", {"function_timeout": 10, "integration_timeout": 10},
            f"function_timeout=10 is not shorter than the integration timeout (10 s) of"
            f" rest-function_timeout: {GATEWAY_FIRST}",
            id="rest-equal",
        ),
        pytest.param(
            "rest", {"function_timeout": 20, "integration_timeout": 15},
            f"function_timeout=20 is not shorter than the integration timeout (15 s) of"
            f" rest-function_timeout: {GATEWAY_FIRST}",
            id="rest-longer",
        ),
        pytest.param(
            "rest",
            {"function_timeout": 900, "integration_timeout": 300, "endpoint": "private"},
            f"function_timeout=900 is not shorter than the integration timeout (300 s) of"
            f" rest-function_timeout: {GATEWAY_FIRST}",
            id="rest-private-900",
        ),
        pytest.param(
            "http", {"function_timeout": 30},
            f"function_timeout=30 is not shorter than the integration timeout (30 s) of"
            f" http-function_timeout: {GATEWAY_FIRST}",
            id="http-default-30",
        ),
    ],
)
def test_function_timeout_not_shorter_than_the_integration_timeout(api, kwargs, message):
    with pytest.raises(ApigwFaultError) as error:
        Fault("function_timeout", api=api, **kwargs)
    assert str(error.value) == message


def test_function_timeout_just_shorter_is_accepted():
    assert Fault("function_timeout", api="rest", function_timeout=28).function_timeout == 28
    assert Fault("function_timeout", api="http", function_timeout=29).function_timeout == 29
    fault = Fault("function_timeout", api="rest", function_timeout=9, integration_timeout=10)
    assert fault.gateway.latency(fault.scenario) == 9


@pytest.mark.parametrize("endpoint", ["regional", "private"])
def test_function_timeout_beyond_the_default_29_s_on_regional_is_an_error(endpoint):
    with pytest.raises(ApigwFaultError) as error:
        Fault("function_timeout", api="rest", endpoint=endpoint, function_timeout=60)
    assert str(error.value) == (
        "function_timeout=60 is not shorter than the integration timeout (29 s) of"
        f" rest-function_timeout: {GATEWAY_FIRST}"
    )


def test_integration_timeout_shorter_than_the_default_function_timeout():
    refused = None
    try:
        fault = Fault("function_timeout", api="rest", integration_timeout=2)
    except ApigwFaultError as error:
        refused = str(error)
    if refused is not None:  # refusing it is one right answer
        assert "is not shorter than the integration timeout (2 s)" in refused
        return
    with fault:  # answering before the gateway's timeout is the other
        response = requests.get(URL, timeout=None)
    assert response.elapsed <= timedelta(seconds=2)


def test_marker_function_timeout_too_long_is_a_collection_error(inner):
    inner.makepyfile(
        test_user_timeout=module(
            """
            @pytest.mark.apigw_fault("function_timeout", api="http", function_timeout=45)
            def test_k():
                pass
            """
        )
    )
    assert_collection_error(
        inner,
        "test_user_timeout.py::test_k: bad @pytest.mark.apigw_fault:"
        " function_timeout=45 is not shorter than the integration timeout (30 s)"
        f" of http-function_timeout: {GATEWAY_FIRST}",
    )
