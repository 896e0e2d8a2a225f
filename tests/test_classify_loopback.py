"""``classify()`` of answers read over HTTP/1.1 from the loopback gateway:
its header lines as ``urllib``, ``http.client`` and ``requests`` give them,
a status line as text, a body as bytes or text."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request

import pytest
import requests

from pytest_apigw_faults import Fault, GatewayServer, classify

PATH = "/prod/items"
TRACED_500 = ["rest-permission_denied", "rest-lambda_throttled", "rest-invalid_base64"]


def test_urllib_s_error_gives_status_headers_and_body():
    with GatewayServer([Fault("integration_timeout", api="rest")]) as server:
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(server.url + PATH, timeout=10)
        error = raised.value
        body = error.read()
    status = f"{error.code} {error.reason}"
    assert status == "504 Gateway Timeout"
    found = classify(status=status, headers=error.headers, body=body)
    assert [row.id for row in found.exact] == ["rest-integration_timeout"]


def test_http_client_s_header_lines_and_a_head_answer():
    with GatewayServer([Fault("lambda_throttled", api="rest", endpoint="regional")]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("HEAD", PATH)
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
    assert body == b""
    found = classify(
        status=f"HTTP/1.1 {response.status} {response.reason}",
        headers=response.getheaders(),
        body=body,
        method="HEAD",
    )
    assert [row.id for row in found.exact] == TRACED_500
    untraced = [(k, v) for k, v in response.getheaders() if k.lower() != "x-amzn-trace-id"]
    found = classify(status=response.status, headers=untraced, body=body, method="HEAD")
    assert [(m.row.id, m.score) for m in found.ranking] == [
        ("rest-api_configuration_error", 0), *[(i, 2) for i in TRACED_500]
    ]


def test_a_requests_response_from_the_loopback_gateway():
    with GatewayServer([Fault("jwt_rejected", api="http")]) as server:
        response = requests.get(server.url + PATH, timeout=10)
    found = classify(response)
    assert [row.id for row in found] == ["http-jwt_rejected"]
    assert found.exact == found.rows
