"""The Lambda path on the wire, through every client: repeated header lines and
cookies, HTTP API path decoding, the answers API Gateway gives to results it
cannot send as they are, and header safety (reference §13, §13.1)."""

from __future__ import annotations

import asyncio
import http.client
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from pytest_apigw_faults import ApigwFaultError, Fault, GatewayServer
from pytest_apigw_faults._gateway import headers as wire_rules
from pytest_apigw_faults._lambda.routes import decode_http_path

HOST = "abc123def4.execute-api.us-east-1.amazonaws.com"
URL = f"https://{HOST}/prod/orders"
HTTP_URL = f"https://{HOST}/orders"
CLIENTS = ["requests", "httpx", "aiohttp", "server"]

REST_500 = b'{"message": "Internal server error"}'
HTTP_500 = b'{"message":"Internal Server Error"}'


@dataclass
class Seen:
    """What one client made of an answer: status, reason, the header lines as
    bytes (lower-case names), body, the response's cookies and (aiohttp)
    the session's cookie jar."""

    status: int
    reason: str
    lines: list[tuple[bytes, bytes]]
    body: bytes
    cookies: dict[str, str]
    jar: dict[str, str] = field(default_factory=dict)
    value: dict[str, str] = field(default_factory=dict)  # header values as the client gives them

    def values(self, name: bytes) -> list[bytes]:
        return [v for k, v in self.lines if k == name]


def _requests(method: str, url: str, **kwargs: Any) -> Seen:
    requests = pytest.importorskip("requests")
    pytest.importorskip("responses")
    r = requests.request(method, url, timeout=10, **kwargs)
    lines = [(k.lower().encode(), v.encode("latin-1")) for k, v in r.raw.headers.items()]
    return Seen(r.status_code, r.reason or "", lines, r.content, dict(r.cookies),
                value=dict(r.headers))  # fmt: skip


def _httpx(method: str, url: str, **kwargs: Any) -> Seen:
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("respx")
    r = httpx.request(method, url, timeout=10, **kwargs)
    lines = [(k.lower(), v) for k, v in r.headers.raw]
    return Seen(r.status_code, r.reason_phrase, lines, r.content, dict(r.cookies),
                value=dict(r.headers))  # fmt: skip


def _aiohttp(method: str, url: str, **kwargs: Any) -> Seen:
    aiohttp = pytest.importorskip("aiohttp")
    pytest.importorskip("aioresponses")

    async def go() -> Seen:
        async with aiohttp.ClientSession() as session:
            async with session.request(method, url, **kwargs) as r:
                body = await r.read()
                return Seen(
                    r.status,
                    r.reason or "",
                    [(k.lower(), v) for k, v in r.raw_headers],
                    body,
                    {k: m.value for k, m in r.cookies.items()},
                    {m.key: m.value for m in session.cookie_jar},
                    dict(r.headers),
                )

    return asyncio.run(go())


def _server(fault: Fault, method: str, url: str, **kwargs: Any) -> Seen:
    path = url.split(HOST, 1)[1]
    body = kwargs.get("data")
    headers = {"Host": HOST, **kwargs.get("headers", {})}
    if "json" in kwargs:
        body = json.dumps(kwargs["json"]).encode()
        headers["Content-Type"] = "application/json"
    with GatewayServer([fault]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            lines = [(k.lower().encode(), v.encode("latin-1")) for k, v in r.getheaders()]
            # the connection is kept: a second request on it is answered
            conn.request("GET", path, headers=headers)
            again = conn.getresponse()
            again.read()
            assert again.status
        finally:
            conn.close()
    cookies: dict[str, str] = {}
    for name, value in lines:
        if name == b"set-cookie":
            key, _, rest = value.decode().partition("=")
            cookies[key] = rest.split(";", 1)[0]
    return Seen(r.status, r.reason, lines, data, cookies, value=dict(r.getheaders()))


_NEEDS = {
    "requests": ("requests", "responses"),
    "httpx": ("httpx", "respx"),
    "aiohttp": ("aiohttp", "aioresponses"),
}


def call(client: str, fault_kwargs: dict[str, Any], method: str = "GET", url: str = URL,
         **kwargs: Any) -> tuple[Seen, Fault]:  # fmt: skip
    """One call through ``client`` with a fault made of ``fault_kwargs``."""
    if client == "server":
        fault = Fault(**fault_kwargs)
        return _server(fault, method, url, **kwargs), fault
    for module in _NEEDS[client]:  # the install matrix has rows without some
        pytest.importorskip(module)
    with Fault(clients=client, **fault_kwargs) as fault:
        send = {"requests": _requests, "httpx": _httpx, "aiohttp": _aiohttp}[client]
        return send(method, url, **kwargs), fault


def returning(result: object) -> Any:
    def handler(event: Any, context: Any) -> object:
        return result

    return handler


# --------------------------------------------------------------------------- #
# 1. Repeated header lines and cookies [MV-LAUNCH][RFC6265]
# --------------------------------------------------------------------------- #

TWO_COOKIES = [b"session=abc; Path=/; HttpOnly", b"theme=dark; Path=/"]


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("api", "result"),
    [
        ("rest", {"statusCode": 200, "body": "ok",
                  "multiValueHeaders": {"Set-Cookie": [c.decode() for c in TWO_COOKIES]}}),
        ("rest", {"statusCode": 200, "body": "ok",
                  "multiValueHeaders": {"Set-Cookie": [TWO_COOKIES[0].decode()]},
                  "headers": {"Set-Cookie": TWO_COOKIES[1].decode()}}),
        ("rest", {"statusCode": 200, "body": "ok",
                  "headers": {"Set-Cookie": TWO_COOKIES[0].decode(),
                              "set-cookie": TWO_COOKIES[1].decode()}}),
        ("http", {"statusCode": 200, "body": "ok",
                  "cookies": [c.decode() for c in TWO_COOKIES]}),
    ],
    ids=["rest-multi", "rest-multi-and-single", "rest-two-spellings", "http-v2-cookies"],
)  # fmt: skip
def test_two_cookies_are_two_set_cookie_lines(client, api, result):
    url = URL if api == "rest" else HTTP_URL
    seen, fault = call(client, {"handler": returning(result), "api": api}, url=url)
    assert seen.status == 200
    assert seen.values(b"set-cookie") == TWO_COOKIES
    assert seen.cookies == {"session": "abc", "theme": "dark"}
    if client == "aiohttp":
        assert seen.jar == {"session": "abc", "theme": "dark"}
    cookies = [(k.lower(), v) for k, v in fault.calls[0].result.headers[:2]]
    assert cookies == [("set-cookie", c.decode()) for c in TWO_COOKIES]


@pytest.mark.parametrize("client", CLIENTS)
def test_other_multi_value_headers_are_separate_lines_too(client):
    result = {"statusCode": 200, "multiValueHeaders": {"x-multi": ["a", "b"]}}
    seen, _ = call(client, {"handler": returning(result), "api": "rest"})
    assert seen.values(b"x-multi") == [b"a", b"b"]


@pytest.mark.parametrize("client", CLIENTS)
def test_cookies_of_a_faulted_answer_reach_the_client(client):
    document = {
        "DEFAULT_4XX": {
            "responseParameters": {"gatewayresponse.header.Set-Cookie": "'gone=1; Path=/'"}
        }
    }
    kwargs = {"scenario": "route_not_found", "api": "rest", "gateway_responses": document}
    seen, _ = call(client, kwargs)
    assert seen.status == 403
    assert seen.values(b"set-cookie") == [b"gone=1; Path=/"]
    assert seen.cookies == {"gone": "1"}
    if client == "aiohttp":
        assert seen.jar == {"gone": "1"}


def test_aiohttp_session_sends_the_cookies_back_to_the_lambda():
    aiohttp = pytest.importorskip("aiohttp")
    pytest.importorskip("aioresponses")
    events: list[dict[str, Any]] = []

    def handler(event: Any, context: Any) -> object:
        events.append(event)
        return {"statusCode": 200, "cookies": ["session=abc; Path=/"]}

    async def go() -> None:
        async with Fault(handler=handler, api="http", clients="aiohttp"):
            async with aiohttp.ClientSession() as session:
                async with session.get(HTTP_URL) as first:
                    await first.read()
                async with session.get(HTTP_URL, cookies={"extra": "1"}) as second:
                    await second.read()

    asyncio.run(go())
    assert "cookies" not in events[0]
    assert events[1]["cookies"] == ["session=abc", "extra=1"]


# --------------------------------------------------------------------------- #
# 2. HTTP API path decoding, every row of reference §13.1 [VOKER]
# --------------------------------------------------------------------------- #

PATHS = [
    ("/capture/plain", "/capture/plain"),
    ("/capture/space%20value", "/capture/space value"),
    ("/capture/question%3Fvalue", "/capture/question"),
    ("/capture/percent%25done", None),
    ("/capture/hash%23value", "/capture/hash#value"),
    ("/capture/slash%2Fvalue", "/capture/slash/value"),
    ("/capture/unicode-%CE%BB-%E4%B8%96%E7%95%8C", "/capture/unicode-\u03bb-\u4e16\u754c"),
    ("/capture/literal%252Fvalue", "/capture/literal/value"),
    ("/capture/literal%253Fvalue", "/capture/literal?value"),
    ("/capture/literal%2525value", "/capture/literal%value"),
]


class Echo:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: Any, context: Any) -> object:
        self.events.append(event)
        return {"statusCode": 200, "body": "ok"}


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("sent", "delivered"), PATHS, ids=[p for p, _ in PATHS])
def test_http_api_decodes_the_path_as_captured(client, sent, delivered):
    echo = Echo()
    seen, fault = call(client, {"handler": echo, "api": "http"}, url=f"https://{HOST}{sent}")
    if delivered is None:  # refused before the Lambda runs
        assert (seen.status, seen.body) == (400, b'{"message":"Bad Request"}')
        names = [k for k, _ in seen.lines if k != b"connection"]  # HTTP/1.1 may add it
        assert names == [b"date", b"content-type", b"content-length", b"apigw-requestid"]
        assert seen.values(b"content-type") == [b"application/json"]
        assert echo.events == []
        assert fault.calls[0].scenario.name == "bad_request_path"
        log = fault.calls[0].access_log
        assert (log["status"], log["error.message"]) == ("400", "Bad Request")
        return
    assert seen.status == 200
    event = echo.events[0]
    assert event["rawPath"] == delivered
    assert event["requestContext"]["http"]["path"] == delivered


@pytest.mark.parametrize(
    ("sent", "delivered"),
    [
        *PATHS,
        ("/a%", None),  # a lone '%' fails the first decoding
        ("/a%zz", None),
        ("/a%2", None),
        ("/a%25zz", None),  # ... or the second
        ("/a+b", "/a+b"),  # ⚠️ a path is not a form: '+' stays
        ("/a%FFb", "/a\ufffdb"),  # ⚠️ bytes that are not UTF-8: U+FFFD
        ("/a%3Fb%3Fc", "/a"),
        ("/%3F", "/"),
    ],
)
def test_decode_http_path(sent, delivered):
    assert decode_http_path(sent) == delivered


@pytest.mark.parametrize(("sent", "_"), PATHS, ids=[p for p, _ in PATHS])
def test_rest_keeps_the_path_as_sent(sent, _):
    echo = Echo()
    seen, _fault = call("httpx", {"handler": echo, "api": "rest"}, url=f"https://{HOST}/prod{sent}")
    assert seen.status == 200
    assert echo.events[0]["path"] == sent
    assert echo.events[0]["requestContext"]["path"] == f"/prod{sent}"


def test_http_api_routes_the_decoded_path():
    echo = Echo()
    kwargs = {"handler": echo, "api": "http", "route": "GET /orders/{id}"}
    seen, _ = call("httpx", kwargs, url=f"https://{HOST}/orders/caf%C3%A9")
    assert seen.status == 200
    assert echo.events[-1]["pathParameters"] == {"id": "caf\u00e9"}
    # %2F decodes to a slash: two segments, which /orders/{id} does not match
    seen, fault = call("httpx", kwargs, url=f"https://{HOST}/orders/a%2Fb")
    assert (seen.status, seen.body) == (404, b'{"message":"Not Found"}')
    assert fault.calls[0].scenario.name == "route_not_found"


# --------------------------------------------------------------------------- #
# 3. Results AWS answers with 500 [LS-V1V2]
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("fmt", "result"),
    [
        ("2.0", {"statusCode": 200, "cookies": {"test-cookies-invalid": "value1"}}),
        ("1.0", {}),
        ("1.0", {"headers": {"test-header": "value"}}),
    ],
    ids=["v2-cookies-object", "v1-empty-object", "v1-no-status"],
)
def test_http_api_answers_these_results_with_500(client, fmt, result):
    kwargs = {"handler": returning(result), "api": "http", "payload_format": fmt}
    seen, fault = call(client, kwargs, url=HTTP_URL)
    assert (seen.status, seen.body) == (500, HTTP_500)
    assert fault.calls[0].scenario.name == "malformed_response"


def test_rest_takes_an_empty_object_as_200():
    # LocalStack's AWS-validated REST snapshot [LS-FMT]: {} is valid
    seen, _ = call("httpx", {"handler": returning({}), "api": "rest"})
    assert (seen.status, seen.body) == (200, b"")
    assert seen.values(b"content-type") == [b"application/json"]


# --------------------------------------------------------------------------- #
# 4. aiohttp: a json= body reaches the Lambda as the other clients send it
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("api", ["rest", "http"])
def test_json_body_reaches_the_lambda_alike_through_every_client(api):
    url = URL if api == "rest" else HTTP_URL
    seen_events = {}
    for client in ["requests", "httpx", "aiohttp"]:
        echo = Echo()
        call(client, {"handler": echo, "api": api}, "POST", url, json={"order": 42})
        seen_events[client] = echo.events[0]
    for client, event in seen_events.items():
        headers = {k.lower(): v for k, v in event["headers"].items()}
        assert event["isBase64Encoded"] is False, client
        assert json.loads(event["body"]) == {"order": 42}, client
        assert headers["content-type"] == "application/json", client
        if api == "http":
            assert headers["content-length"] == str(len(event["body"])), client


# --------------------------------------------------------------------------- #
# 6. Results no JSON reader takes, and unpaired surrogates
# --------------------------------------------------------------------------- #


def _nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("client", ["requests", "httpx", "aiohttp"])
@pytest.mark.parametrize(
    ("result", "row"),
    [
        # the runtime cannot write it: a function error
        ({"statusCode": 200, "body": "x", "deep": _nested(100_000)}, "function_error"),
        # the runtime writes these bytes as they are; API Gateway cannot read them
        (b"[" * 100_000 + b"]" * 100_000, "malformed_response"),
    ],
    ids=["dict", "bytes"],
)
def test_deeply_nested_results_are_failures_not_errors(client, result, row):
    seen, fault = call(client, {"handler": returning(result), "api": "rest"})
    assert (seen.status, seen.body) == (502, REST_500)
    assert fault.calls[0].scenario.name == row


@pytest.mark.parametrize("client", CLIENTS)
def test_an_unpaired_surrogate_goes_out_as_a_question_mark(client):
    # a runtime that escapes non-ASCII writes "\ud800" as JSON allows it
    payload = b'{"statusCode": 200, "body": "a\\ud800b", "headers": {"x-s": "c\\udfffd"}}'
    seen, _ = call(client, {"handler": returning(payload), "api": "rest"})
    assert (seen.status, seen.body) == (200, b"a?b")
    assert seen.values(b"x-s") == [b"c?d"]


# --------------------------------------------------------------------------- #
# 7. Header safety, statuses, bodies that cannot be sent
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    "headers",
    [{"x-split": "a\r\nx-injected: 1"}, {"x-lf": "a\nb"}, {"x-nul": "a\x00b"},
     {"bad name": "v"}, {"x-colon:": "v"}, {"": "v"}],
    ids=["crlf", "lf", "nul", "space-in-name", "colon-in-name", "empty-name"],
)  # fmt: skip
@pytest.mark.parametrize("api", ["rest", "http"])
def test_a_header_that_cannot_be_a_line_makes_the_answer_malformed(client, headers, api):
    url = URL if api == "rest" else HTTP_URL
    result = {"statusCode": 200, "headers": headers, "body": "secret"}
    seen, fault = call(client, {"handler": returning(result), "api": api}, url=url)
    assert (seen.status, seen.body) == ((502, REST_500) if api == "rest" else (500, HTTP_500))
    assert b"x-injected" not in [k for k, _ in seen.lines]
    assert fault.calls[0].scenario.name == "malformed_response"


@pytest.mark.parametrize("client", CLIENTS)
def test_non_ascii_header_values_go_out_as_utf8_bytes(client):
    result = {"statusCode": 200, "headers": {"x-city": "Z\u00fcrich \u4e16"}}
    seen, _ = call(client, {"handler": returning(result), "api": "rest"})
    assert seen.values(b"x-city") == ["Z\u00fcrich \u4e16".encode()]
    # each client decodes those bytes as it decodes a server's
    as_read = {"requests": "latin-1", "server": "latin-1", "httpx": "utf-8", "aiohttp": "utf-8"}
    assert seen.value["x-city"] == "Z\u00fcrich \u4e16".encode().decode(as_read[client])


@pytest.mark.parametrize("client", CLIENTS)
def test_a_status_without_a_phrase_is_sent_as_it_is(client):
    seen, _ = call(client, {"handler": returning({"statusCode": 299, "body": "x"}), "api": "rest"})
    assert (seen.status, seen.body) == (299, b"x")
    assert seen.reason in ("", "Unknown")  # httpx names a status it does not know "Unknown"


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("status", [204, 304])
@pytest.mark.parametrize("api", ["rest", "http"])
def test_204_and_304_carry_no_body(client, status, api):
    url = URL if api == "rest" else HTTP_URL
    result = {"statusCode": status, "body": "dropped"}
    seen, fault = call(client, {"handler": returning(result), "api": api}, url=url)
    assert (seen.status, seen.body) == (status, b"")
    assert seen.values(b"content-length") == []
    assert fault.calls[0].exchange.response.body == b""


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("status", [100, 101, 199])
def test_an_informational_status_is_a_malformed_answer(client, status):
    seen, fault = call(client, {"handler": returning({"statusCode": status}), "api": "rest"})
    assert (seen.status, seen.body) == (502, REST_500)
    assert fault.calls[0].scenario.name == "malformed_response"


def test_a_gateway_response_header_with_a_line_break_is_refused():
    document = {
        "DEFAULT_4XX": {
            "responseParameters": {"gatewayresponse.header.x-split": "'a\r\nx-injected: 1'"}
        }
    }
    with pytest.raises(ApigwFaultError, match=r"x-split.*cannot send it as a header line"):
        call("httpx", {"scenario": "route_not_found", "api": "rest",
                       "gateway_responses": document})  # fmt: skip


# --------------------------------------------------------------------------- #
# A real framework behind the gateway: Flask through apig-wsgi
# --------------------------------------------------------------------------- #


def _flask_handler() -> Any:
    flask = pytest.importorskip("flask")
    apig_wsgi = pytest.importorskip("apig_wsgi")
    app = flask.Flask("orders")

    @app.route("/<path:rest>", methods=["GET", "POST"])
    def orders(rest: str) -> Any:
        response = flask.jsonify(path=flask.request.path, got=flask.request.get_json(silent=True))
        response.set_cookie("session", "abc")
        response.set_cookie("theme", "dark")
        return response

    # answers with multiValueHeaders when the event has them (REST)
    return apig_wsgi.make_lambda_handler(app)


@pytest.mark.parametrize("client", CLIENTS)
def test_flask_sets_two_cookies_through_a_rest_api(client):
    handler = _flask_handler()
    seen, _ = call(client, {"handler": handler, "api": "rest"}, "POST", URL, json={"n": 1})
    assert seen.status == 200
    assert seen.cookies == {"session": "abc", "theme": "dark"}
    assert json.loads(seen.body) == {"path": "/orders", "got": {"n": 1}}


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("sent", "flask_path"),
    [
        ("/space%20value", "/space value"),
        ("/slash%2Fvalue", "/slash/value"),
        # apig-wsgi unquotes rawPath again as latin-1 and werkzeug decodes it
        # as UTF-8: the decoded path AWS sends reaches Flask as U+FFFD
        ("/caf%C3%A9", "/caf\ufffd"),
    ],
)
def test_flask_sees_the_path_an_http_api_decodes(client, sent, flask_path):
    handler = _flask_handler()
    seen, _ = call(client, {"handler": handler, "api": "http"}, url=f"https://{HOST}{sent}")
    assert seen.status == 200
    assert json.loads(seen.body)["path"] == flask_path
    assert seen.cookies == {"session": "abc", "theme": "dark"}


def test_assert_response_reads_non_ascii_values_and_repeated_lines_back(apigw_fault):
    requests = pytest.importorskip("requests")
    httpx = pytest.importorskip("httpx")
    aiohttp = pytest.importorskip("aiohttp")
    result = {"statusCode": 200, "headers": {"x-city": "Z\u00fcrich"},
              "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}}  # fmt: skip
    apigw_fault.inject(handler=returning(result), api="rest")
    apigw_fault.assert_response(requests.get(URL, timeout=10))
    apigw_fault.assert_response(httpx.get(URL, timeout=10))

    async def go() -> None:
        async with aiohttp.ClientSession() as session, session.get(URL) as response:
            await response.read()
            apigw_fault.assert_response(response)

    asyncio.run(go())


def test_assert_response_agrees_on_an_unpaired_surrogate(apigw_fault):
    httpx = pytest.importorskip("httpx")
    payload = b'{"statusCode": 200, "body": "a\\ud800b", "headers": {"x-s": "c\\udfffd"}}'
    apigw_fault.inject(handler=returning(payload), api="http")
    response = httpx.get(HTTP_URL, timeout=10)
    assert response.headers["x-s"] == "c?d"
    assert apigw_fault.calls[-1].result.header("x-s") == "c?d"
    apigw_fault.assert_response(response)


# --------------------------------------------------------------------------- #
# Powertools' resolvers behind the gateway
# --------------------------------------------------------------------------- #


def _powertools_app(kind: str) -> Any:
    pytest.importorskip("aws_lambda_powertools")
    from aws_lambda_powertools.event_handler import (
        APIGatewayHttpResolver,
        APIGatewayRestResolver,
        Response,
    )
    from aws_lambda_powertools.shared.cookies import Cookie

    app = APIGatewayRestResolver() if kind == "rest" else APIGatewayHttpResolver()

    @app.get("/<name>")
    def hello(name: str) -> Any:
        return Response(
            200,
            "application/json",
            json.dumps({"name": name, "path": app.current_event.path}),
            cookies=[Cookie("session", "abc"), Cookie("theme", "dark")],
        )

    def handler(event: Any, context: Any) -> Any:
        return app.resolve(event, context)

    return handler


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("api", "url", "name", "path"),
    [
        ("rest", f"https://{HOST}/prod/space%20value", "space%20value", "/space%20value"),
        ("http", f"https://{HOST}/space%20value", "space value", "/space value"),
    ],
)
def test_powertools_resolvers_get_both_cookies_and_the_path_aws_gives(
    client, api, url, name, path
):
    seen, _ = call(client, {"handler": _powertools_app(api), "api": api}, url=url)
    assert seen.status == 200
    assert json.loads(seen.body) == {"name": name, "path": path}
    assert [v.split(b";")[0] for v in seen.values(b"set-cookie")] == [b"session=abc", b"theme=dark"]
    assert seen.cookies == {"session": "abc", "theme": "dark"}


# --------------------------------------------------------------------------- #
# The wire-safety rules themselves (_gateway/headers.py)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("x-ok", "a\tb", None),  # HTAB is allowed in a value
        ("X-Ok_1!#$%&'*+.^`|~", "v", None),  # every tchar
        ("x-ok", "caf\u00e9 \u4e16", None),  # non-ASCII: sent as UTF-8
        ("x-ok", "", None),
        ("x-bad", "a\x7fb", "header 'x-bad' has a control character in its value 'a\\x7fb'"),
        ("x-bad", "a\x1fb", "header 'x-bad' has a control character in its value 'a\\x1fb'"),
        ("x-bad", "a\rb", "header 'x-bad' has a control character in its value 'a\\rb'"),
        ("x(bad)", "v", "header name 'x(bad)' is not an HTTP token"),
        ("x\u00e9", "v", "header name 'x\u00e9' is not an HTTP token"),
        ("", "v", "header name '' is not an HTTP token"),
    ],
)
def test_which_headers_can_be_a_line(name, value, why):
    assert wire_rules.problem(name, value) == why


def test_status_reason_bytes_and_bodiless_answers():
    assert wire_rules.status_problem(199) is not None
    assert wire_rules.status_problem(100) is not None
    assert wire_rules.status_problem(200) is None
    assert wire_rules.reason(200) == "OK"
    assert wire_rules.reason(299) == ""
    assert wire_rules.wire_bytes("a\ud800\u00e9") == b"a?\xc3\xa9"
    assert wire_rules.latin1("\u00e9") == "\u00c3\u00a9"
    assert wire_rules.latin1("plain") == "plain"
    lines = (("content-type", "text/plain"), ("Content-Length", "5"))
    assert wire_rules.finish(200, lines, b"hello") == (200, lines, b"hello")
    for status in (204, 304):
        assert wire_rules.finish(status, lines, b"hello") == (
            status, (("content-type", "text/plain"),), b""
        )  # fmt: skip
    assert wire_rules.finish(205, lines, b"hello") == (205, lines, b"hello")
    assert wire_rules.checked_custom([("x-a", "1")]) == (("x-a", "1"),)
    with pytest.raises(ApigwFaultError, match=r"^a gateway response's responseParameters give"
                       r" header name 'a b' is not an HTTP token; API Gateway cannot"):  # fmt: skip
        wire_rules.checked_custom([("x-a", "1"), ("a b", "2")])


# -- a repeated request header through the loopback gateway --------------------------


@pytest.mark.parametrize(
    ("api", "expected"),
    [
        # HTTP API 2.0 joins a name's values with "," (§13 captures) [VOKER]
        ("http", {"headers": {"x-tag": "a,b"}}),
        # REST keeps each in multiValueHeaders, the last in headers [D-PROXY]
        ("rest", {"headers": {"x-tag": "b"}, "multiValueHeaders": {"x-tag": ["a", "b"]}}),
    ],
)
def test_the_loopback_gateway_passes_every_line_of_a_repeated_header(api, expected):
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 200, "body": "ok"}

    with GatewayServer([Fault(handler=handler, api=api)]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.putrequest("GET", "/prod/orders", skip_host=True)
            conn.putheader("Host", HOST)
            conn.putheader("X-Tag", "a")
            conn.putheader("X-Tag", "b")
            conn.endheaders()
            response = conn.getresponse()
            assert (response.status, response.read()) == (200, b"ok")
        finally:
            conn.close()
    (event,) = seen
    headers = {k.lower(): v for k, v in event["headers"].items()}
    assert headers["x-tag"] == expected["headers"]["x-tag"]
    if "multiValueHeaders" in expected:
        multi = {k.lower(): v for k, v in event["multiValueHeaders"].items()}
        assert multi["x-tag"] == expected["multiValueHeaders"]["x-tag"]
