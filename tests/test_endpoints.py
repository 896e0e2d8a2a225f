"""Endpoint types: REST edge-optimized, regional and private, and HTTP APIs.

Header names, their order and their values per endpoint type, through
requests and httpx, against the reference (``api-gateway-behaviour.md`` §6,
§8) and the REST edge capture (seed 000). The literals below are copied from
there, not read from the package.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
import requests
from support import (
    assert_collection_error,
    get_with,
    module,
    refuse_network,
    set_up_inner,
    wire_headers,
)

from pytest_apigw_faults import ApigwFaultError, Fault
from pytest_apigw_faults._gateway.wire import HEADER_FORMATS

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
# The Route 53 alias form of a private API [D-PRIVATE]
PRIVATE_URL = (
    "https://abc123def4-vpce-01234567abcdef012.execute-api.us-east-1.amazonaws.com/prod/orders"
)

CLOUDFRONT = ("x-cache", "via", "x-amz-cf-pop", "x-amz-cf-id")
# REST edge, a Lambda was invoked (seed 000, in wire order)
REST_TRACED = (
    "content-type", "content-length", "date", "x-amzn-trace-id", "x-amzn-requestid",
    "x-amzn-errortype", "x-amz-apigw-id",
)
# REST edge, refused before the integration: no trace id [LS-REMAP][CAP-MAT]
REST_UNTRACED = (
    "content-type", "content-length", "date", "x-amzn-requestid", "x-amzn-errortype",
    "x-amz-apigw-id",
)
# Regional and private REST send date first (second pass C2) [WAF-HEAD][SPAPI][CN-PRIV]
REGIONAL_TRACED = ("date", "content-type", "content-length", *REST_TRACED[3:])
REGIONAL_UNTRACED = ("date", "content-type", "content-length", *REST_UNTRACED[3:])
EXPECTED_NAMES = {
    ("function_error", "edge"): REST_TRACED + CLOUDFRONT,
    ("function_error", "regional"): REGIONAL_TRACED,
    ("function_error", "private"): REGIONAL_TRACED,
    ("route_not_found", "edge"): REST_UNTRACED + CLOUDFRONT,
    ("route_not_found", "regional"): REGIONAL_UNTRACED,
    ("route_not_found", "private"): REGIONAL_UNTRACED,
}
HTTP_NAMES = ("date", "content-type", "content-length", "apigw-requestid")
JWT_NAMES = ("date", "content-type", "content-length", "www-authenticate", "apigw-requestid")
# The >10 MB rejection: CloudFront answers, no x-amzn-* at all [LGTM]
CLOUDFRONT_ONLY = ("content-type", "content-length", "date", *CLOUDFRONT)

ROWS = {
    "function_error": (502, b'{"message": "Internal server error"}', "36",
                       "InternalServerErrorException"),
    "route_not_found": (403, b'{"message":"Missing Authentication Token"}', "42",
                        "MissingAuthenticationTokenException"),
}
WWW_AUTHENTICATE = (
    'Bearer scope="" error="invalid_token"'
    ' error_description="the token does not have a valid audience"'
)
TOO_LARGE_BODY = b"HTTP content length exceeded 10485760 bytes."
CLIENTS = ("requests", "httpx")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    refuse_network(monkeypatch, "test_endpoints")


def _get(client, url=URL, **kwargs):
    return get_with(client, url, **kwargs)


_wire_headers = wire_headers


def _check_values(headers, exact):
    """Every value: exact where the reference gives one, else its captured form."""
    for name, value in headers:
        if name in exact:
            assert value == exact[name], name
        else:
            assert name in HEADER_FORMATS, f"{name} has neither an exact value nor a form"
            assert HEADER_FORMATS[name].fullmatch(value), (name, value)


# -- REST: one row traced, one refused before the integration -------------------


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("endpoint", ["edge", "regional", "private"])
@pytest.mark.parametrize("name", ["function_error", "route_not_found"])
def test_rest_headers_per_endpoint_type(name, endpoint, client):
    status, body, length, error_type = ROWS[name]
    url = PRIVATE_URL if endpoint == "private" else URL
    with Fault(name, api="rest", endpoint=endpoint, seed=7) as fault:
        response = _get(client, url)
    headers = _wire_headers(response)
    assert tuple(k for k, _ in headers) == EXPECTED_NAMES[(name, endpoint)]
    assert response.status_code == status
    assert response.content == body
    exact = {
        "content-type": "application/json",
        "content-length": length,
        "x-amzn-errortype": error_type,
        "x-cache": "Error from cloudfront",
    }
    _check_values(headers, exact)
    values = dict(headers)
    assert values["x-amzn-requestid"] == fault.calls[0].request_id
    if endpoint == "edge":
        assert values["x-cache"] == "Error from cloudfront"
    else:
        assert not set(CLOUDFRONT) & set(values)
    assert ("x-amzn-trace-id" in values) is (name == "function_error")


@pytest.mark.parametrize("endpoint", ["regional", "private"])
def test_rest_regional_and_private_send_what_edge_sends_without_cloudfront(endpoint):
    with Fault("function_error", api="rest", seed=3) as edge:
        on_edge = _wire_headers(requests.get(URL, timeout=None))
    with Fault("function_error", api="rest", endpoint=endpoint, seed=3) as other:
        elsewhere = _wire_headers(requests.get(URL, timeout=None))
    # the same headers, date first and no CloudFront [WAF-HEAD][CN-PRIV]
    edge_names = [k for k, _ in on_edge if k not in CLOUDFRONT]
    assert edge_names[:3] == ["content-type", "content-length", "date"]
    assert ["date", *edge_names[:2], *edge_names[3:]] == [k for k, _ in elsewhere]
    assert edge.endpoint.value == "edge"
    assert other.endpoint.value == endpoint


def test_rest_default_endpoint_is_edge():
    with Fault("function_error", api="rest") as fault:
        response = requests.get(URL, timeout=None)
    assert fault.endpoint.value == "edge"
    assert tuple(response.headers) == REST_TRACED + CLOUDFRONT


@pytest.mark.asyncio
async def test_rest_regional_headers_through_async_httpx():
    async with Fault("route_not_found", api="rest", endpoint="regional", seed=5) as fault:
        async with httpx.AsyncClient() as http:
            response = await http.get(URL, timeout=None)
    headers = _wire_headers(response)
    assert tuple(k for k, _ in headers) == REGIONAL_UNTRACED
    assert response.status_code == 403
    assert response.content == b'{"message":"Missing Authentication Token"}'
    _check_values(
        headers,
        {
            "content-type": "application/json",
            "content-length": "42",
            "x-amzn-errortype": "MissingAuthenticationTokenException",
        },
    )
    assert dict(headers)["x-amzn-requestid"] == fault.calls[0].request_id


# -- marker and fixture ------------------------------------------------------------


@pytest.mark.apigw_fault("function_error", api="rest", endpoint="private")
def test_marker_endpoint_private(apigw_fault):
    response = requests.get(PRIVATE_URL, timeout=None)
    assert apigw_fault.fault.endpoint.value == "private"
    assert tuple(response.headers) == REGIONAL_TRACED
    apigw_fault.assert_response(response)


def test_inject_endpoint_regional(apigw_fault):
    apigw_fault.inject("route_not_found", api="rest", endpoint="regional")
    response = httpx.get(URL, timeout=None)
    assert tuple(k.decode() for k, _ in response.headers.raw) == REGIONAL_UNTRACED
    apigw_fault.assert_response(response)


def test_assert_response_rejects_cloudfront_headers_on_a_regional_fault(apigw_fault):
    apigw_fault.inject("function_error", api="rest", endpoint="regional")
    with Fault("function_error", api="rest", endpoint="edge"):
        edge_response = requests.get(URL, timeout=None)
    with pytest.raises(AssertionError, match=r"unexpected \['x-cache', 'via'"):
        apigw_fault.assert_response(edge_response)


# -- HTTP API ------------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("endpoint", [None, "regional"])
def test_http_api_headers(client, endpoint):
    with Fault("function_error", api="http", endpoint=endpoint, seed=11) as fault:
        response = _get(client)
    headers = _wire_headers(response)
    assert tuple(k for k, _ in headers) == HTTP_NAMES
    assert response.status_code == 500
    assert response.content == b'{"message":"Internal Server Error"}'
    _check_values(headers, {"content-type": "application/json", "content-length": "35"})
    assert dict(headers)["apigw-requestid"] == fault.calls[0].request_id
    assert fault.endpoint.value == "regional"


@pytest.mark.parametrize("client", CLIENTS)
def test_http_route_not_found_headers(client):
    with Fault("route_not_found", api="http", seed=2):
        response = _get(client)
    headers = _wire_headers(response)
    assert tuple(k for k, _ in headers) == HTTP_NAMES
    assert (response.status_code, response.content) == (404, b'{"message":"Not Found"}')
    _check_values(headers, {"content-type": "application/json", "content-length": "23"})


@pytest.mark.parametrize("client", CLIENTS)
def test_jwt_rejected_sends_www_authenticate_before_the_request_id(client):
    with Fault("jwt_rejected", api="http", seed=4) as fault:
        response = _get(client)
    headers = _wire_headers(response)
    assert tuple(k for k, _ in headers) == JWT_NAMES
    assert (response.status_code, response.content) == (401, b'{"message":"Unauthorized"}')
    _check_values(
        headers,
        {
            "content-type": "application/json",
            "content-length": "26",
            "www-authenticate": WWW_AUTHENTICATE,
        },
    )
    assert dict(headers)["apigw-requestid"] == fault.calls[0].request_id


@pytest.mark.asyncio
async def test_jwt_rejected_through_async_httpx(apigw_fault):
    apigw_fault.inject("jwt_rejected", api="http")
    async with httpx.AsyncClient() as http:
        response = await http.get(URL, headers={"Authorization": "Bearer x.y.z"})
    assert [k.decode() for k, _ in response.headers.raw] == list(JWT_NAMES)
    assert response.headers["WWW-Authenticate"] == WWW_AUTHENTICATE
    apigw_fault.assert_response(response)


# -- the CloudFront-only rejection of a request over 10 MB ----------------------------


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("endpoint", [None, "edge"])
def test_request_too_large_is_cloudfront_only(client, endpoint):
    with Fault("request_too_large", api="rest", endpoint=endpoint, seed=9) as fault:
        if client == "requests":
            response = requests.post(URL, data=b"{}", timeout=None)
        else:
            response = httpx.post(URL, content=b"{}", timeout=None)
    headers = _wire_headers(response)
    assert tuple(k for k, _ in headers) == CLOUDFRONT_ONLY
    assert response.status_code == 413
    assert response.content == TOO_LARGE_BODY
    _check_values(
        headers,
        {
            "content-type": "text; charset=utf-8",
            "content-length": "44",
            "x-cache": "Error from cloudfront",
        },
    )
    assert not [k for k, _ in headers if k.startswith(("x-amzn-", "x-amz-apigw"))]
    call = fault.calls[0]
    assert call.request_id is None
    assert call.logs == ()
    assert fault.endpoint.value == "edge"


@pytest.mark.apigw_fault("request_too_large", api="rest")
def test_request_too_large_passes_assert_response(apigw_fault):
    response = requests.put(URL, data=b"x", timeout=None)
    apigw_fault.assert_response(response)
    assert apigw_fault.calls[0].request_id is None


@pytest.mark.parametrize("endpoint", ["regional", "private"])
def test_request_too_large_elsewhere_names_where_it_exists(endpoint):
    message = (
        f"scenario 'request_too_large' does not exist on endpoint '{endpoint}';"
        " it exists as rest-request_too_large on edge"
    )
    with pytest.raises(ApigwFaultError) as error:
        Fault("request_too_large", api="rest", endpoint=endpoint)
    assert str(error.value) == message


def test_request_too_large_on_regional_through_inject(apigw_fault):
    with pytest.raises(ApigwFaultError) as error:
        apigw_fault.inject("request_too_large", api="rest", endpoint="regional")
    assert str(error.value) == (
        "scenario 'request_too_large' does not exist on endpoint 'regional';"
        " it exists as rest-request_too_large on edge"
    )
    assert apigw_fault.faults == ()


def test_edge_http_api_names_the_valid_choices(apigw_fault):
    message = "endpoint 'edge' is not available for api='http'; valid choices: 'regional'"
    with pytest.raises(ApigwFaultError) as error:
        Fault("function_error", api="http", endpoint="edge")
    assert str(error.value) == message
    with pytest.raises(ApigwFaultError) as error:
        apigw_fault.inject("jwt_rejected", api="http", endpoint="edge")
    assert str(error.value) == message


def test_private_http_api_names_the_valid_choices():
    with pytest.raises(ApigwFaultError) as error:
        Fault("function_error", api="http", endpoint="private")
    assert str(error.value) == (
        "endpoint 'private' is not available for api='http'; valid choices: 'regional'"
    )


def test_marker_request_too_large_on_regional_is_a_collection_error(pytester):
    inner = set_up_inner(pytester)
    inner.makepyfile(
        test_user_endpoint=module(
            """
            @pytest.mark.apigw_fault("request_too_large", endpoint="regional")
            def test_k():
                pass
            """
        )
    )
    assert_collection_error(
        inner,
        "test_user_endpoint.py::test_k: bad @pytest.mark.apigw_fault: scenario"
        " 'request_too_large' does not exist on endpoint 'regional'; it exists as"
        " rest-request_too_large on edge",
    )


def test_matrix_per_endpoint_sends_the_header_set_of_that_endpoint(pytester):
    inner = set_up_inner(pytester)
    inner.makepyfile(
        test_user_matrix=module(
            f"""
            CLOUDFRONT = {CLOUDFRONT!r}


            @pytest.mark.apigw_fault("function_error", api="rest")
            @pytest.mark.parametrize("endpoint", ["edge", "regional", "private"])
            def test_each(apigw_fault, endpoint):
                apigw_fault.inject("route_not_found", api="rest", endpoint=endpoint)
                response = requests.get(URL)
                names = set(response.headers)
                assert (endpoint == "edge") is (set(CLOUDFRONT) <= names)
                assert "x-amzn-trace-id" not in names
                apigw_fault.assert_response(response)
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=3)


def test_async_httpx_and_sync_clients_agree_on_a_private_endpoint():
    async def fetch():
        async with httpx.AsyncClient() as http:
            return await http.get(PRIVATE_URL, timeout=None)

    with Fault("function_error", api="rest", endpoint="private", seed=1):
        async_names = [k.decode() for k, _ in asyncio.run(fetch()).headers.raw]
        sync_names = list(requests.get(PRIVATE_URL, timeout=None).headers)
    assert tuple(async_names) == tuple(sync_names) == REGIONAL_TRACED
