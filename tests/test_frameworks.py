"""Real Lambda frameworks behind the fake gateway, through every client, as
their users drive them (reference §13, §13.1).

Mangum + FastAPI, Powertools' resolvers, apig-wsgi and serverless-wsgi +
Flask, and Chalice each serve the same small app; requests, httpx (sync and
async), aiohttp and the loopback gateway (http.client) call it on a REST API
and an HTTP API (payload 2.0 and 1.0 where the framework reads it). Each
framework is skipped where the install lacks it.
"""

from __future__ import annotations

import asyncio
import http.client
import http.cookiejar
import json
import logging
import sys
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import pytest
from framework_apps import FRAMEWORKS, Framework

from pytest_apigw_faults import Fault, GatewayServer

HOST = "abc123def4.execute-api.us-east-1.amazonaws.com"
CLIENTS = ["requests", "httpx", "httpx-async", "aiohttp", "server"]
#: api name -> the fault's arguments and the URL's stage prefix
APIS = {
    "rest": ({"api": "rest"}, "/prod"),
    "http2": ({"api": "http", "payload_format": "2.0"}, ""),
    "http1": ({"api": "http", "payload_format": "1.0"}, ""),
}
BINARY = bytes(range(256))
_NEEDS = {
    "requests": ("requests", "responses"),
    "httpx": ("httpx", "respx"),
    "httpx-async": ("httpx", "respx"),
    "aiohttp": ("aiohttp", "aioresponses"),
    "server": (),
}


# --------------------------------------------------------------------------- #
# The clients: one request each, the answer as the client saw it
# --------------------------------------------------------------------------- #


@dataclass
class Seen:
    status: int
    headers: list[tuple[str, str]]  # lower-case names, in order
    body: bytes
    jar: dict[str, str] = field(default_factory=dict)  # the client's cookie jar

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k == name]
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Send:
    method: str
    path: str  # after the stage
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    json: Any = None
    data: bytes | None = None


def _requests(url: str, send: Send) -> Seen:
    import requests

    with requests.Session() as session:
        r = session.request(send.method, url, headers=send.headers, cookies=send.cookies,
                            json=send.json, data=send.data, allow_redirects=False,
                            timeout=10)  # fmt: skip
        lines = [(k.lower(), v) for k, v in r.raw.headers.items()]
        return Seen(r.status_code, lines, r.content, dict(session.cookies))


def _httpx(url: str, send: Send) -> Seen:
    import httpx

    with httpx.Client(cookies=send.cookies, timeout=10) as client:
        r = client.request(send.method, url, headers=send.headers, json=send.json,
                           content=send.data)  # fmt: skip
        jar = {c.name: c.value for c in client.cookies.jar if c.name not in send.cookies}
    lines = [(k.decode().lower(), v.decode()) for k, v in r.headers.raw]
    return Seen(r.status_code, lines, r.content, jar)


def _httpx_async(url: str, send: Send) -> Seen:
    import httpx

    async def go() -> Seen:
        async with httpx.AsyncClient(cookies=send.cookies, timeout=10) as client:
            r = await client.request(send.method, url, headers=send.headers, json=send.json,
                                     content=send.data)  # fmt: skip
            jar = {c.name: c.value for c in client.cookies.jar if c.name not in send.cookies}
        lines = [(k.decode().lower(), v.decode()) for k, v in r.headers.raw]
        return Seen(r.status_code, lines, r.content, jar)

    return asyncio.run(go())


def _aiohttp(url: str, send: Send) -> Seen:
    import aiohttp

    async def go() -> Seen:
        async with aiohttp.ClientSession(cookies=send.cookies) as session:
            async with session.request(send.method, url, headers=send.headers, json=send.json,
                                       data=send.data, allow_redirects=False) as r:  # fmt: skip
                body = await r.read()
                lines = [(k.decode().lower(), v.decode()) for k, v in r.raw_headers]
            jar = {m.key: m.value for m in session.cookie_jar if m.key not in send.cookies}
            return Seen(r.status, lines, body, jar)

    return asyncio.run(go())


def _server(fault: Fault, url: str, send: Send) -> Seen:
    path = url.split(HOST, 1)[1]
    headers = {"Host": HOST, **send.headers}
    body = send.data
    if send.json is not None:
        body = json.dumps(send.json).encode()
        headers["Content-Type"] = "application/json"
    if send.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in send.cookies.items())
    jar = http.cookiejar.CookieJar()
    with GatewayServer([fault]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request(send.method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
        finally:
            conn.close()
        jar.extract_cookies(r, urllib.request.Request(f"http://127.0.0.1:{server.port}{path}"))  # type: ignore[arg-type]
    lines = [(k.lower(), v) for k, v in r.getheaders()]
    return Seen(r.status, lines, data, {c.name: c.value or "" for c in jar})


def call(client: str, handler: Any, api: str, send: Send, **arguments: Any) -> tuple[Seen, Fault]:
    """``send`` through ``client`` to ``handler`` behind an ``api`` gateway."""
    for module in _NEEDS[client]:
        pytest.importorskip(module)
    fault_arguments, stage = APIS[api]
    url = f"https://{HOST}{stage}{send.path}"
    if client == "server":
        fault = Fault(handler=handler, **fault_arguments, **arguments)
        return _server(fault, url, send), fault
    go = {"requests": _requests, "httpx": _httpx, "httpx-async": _httpx_async,
          "aiohttp": _aiohttp}[client]  # fmt: skip
    with Fault(handler=handler, clients=client.split("-")[0], **fault_arguments,
               **arguments) as fault:  # fmt: skip
        return go(url, send), fault


CASES = [pytest.param(f, api, id=f"{f.name}-{api}") for f in FRAMEWORKS for api in f.apis]


def drive(client: str, framework: Framework, api: str, send: Send, **arguments: Any
          ) -> tuple[Seen, Fault]:  # fmt: skip
    handler = framework.make(api)
    return call(client, handler, api, send, **framework.route(send.path), **arguments)


# --------------------------------------------------------------------------- #
# What every framework sees, through every client
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("framework", "api"), CASES)
def test_two_cookies_the_app_sets_reach_the_clients_jar(client, framework, api):
    seen, _ = drive(client, framework, api, Send("GET", "/cookies"))
    assert seen.status == 200
    assert [v.split(";")[0] for k, v in seen.headers if k == "set-cookie"] == [
        "session=abc", "theme=dark"]  # fmt: skip
    assert seen.jar == {"session": "abc", "theme": "dark"}
    # the second line's Expires has a comma: the line is still one cookie
    theme = [v for k, v in seen.headers if k == "set-cookie"][1]
    assert "=wed, 02 jan 2036 03:04:05 gmt" in theme.lower()


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("framework", "api"), CASES)
def test_request_cookies_and_repeated_query_keys_reach_the_app(client, framework, api):
    send = Send("GET", "/echo/7?a=1&a=2&b=x%20y", cookies={"c1": "v1", "c2": "v2"})
    seen, _ = drive(client, framework, api, send)
    assert seen.status == 200, seen.body
    got = seen.json()
    assert (got["id"], got["query"], got["cookies"]) == (
        "7", {"a": ["1", "2"], "b": ["x y"]}, {"c1": "v1", "c2": "v2"})  # fmt: skip


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("framework", "api"), CASES)
def test_a_json_body_reaches_the_app_as_json_text(client, framework, api):
    seen, fault = drive(client, framework, api, Send("POST", "/echo/7", json={"n": 1}))
    assert seen.status == 200, seen.body
    got = seen.json()
    assert (json.loads(got["body"]), got["ct"]) == ({"n": 1}, "application/json")
    (call,) = fault.calls
    assert call.event is not None
    assert call.event["isBase64Encoded"] is False


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("framework", "api"), CASES)
def test_a_binary_body_goes_both_ways(client, framework, api):
    octets = "application/octet-stream"
    send = Send("POST", "/bin", data=BINARY, headers={"Content-Type": octets, "Accept": octets})
    types = {"binary_media_types": ["application/octet-stream"]} if api == "rest" else {}
    seen, fault = drive(client, framework, api, send, **types)
    assert (seen.status, seen.body) == (200, BINARY)
    assert seen.header("content-type") == "application/octet-stream"
    (call,) = fault.calls
    assert call.event is not None
    assert call.event["isBase64Encoded"] is True


# The id each framework reads from the path a REST API keeps as sent and an
# HTTP API (payload 2.0) decodes [D-HTTP-PATH]. Payload 1.0 on an HTTP API is
# left out: no capture says how AWS spells its ``path``.
_PATH_IDS = {
    # sent: (framework reading the decoded path, framework reading it raw)
    "sp%20ace": ("sp ace", "sp%20ace"),
    "caf%C3%A9": ("caf\u00e9", "caf%C3%A9"),
    "hash%23tag": ("hash#tag", "hash%23tag"),
}
#: the frameworks that hand the app the event's path as it is
_RAW_PATH = {"powertools", "chalice"}


def _expected_id(framework: Framework, api: str, sent: str) -> str | None:
    decoded, raw = _PATH_IDS[sent]
    if api == "http2":  # AWS decodes it
        if framework.name == "powertools" and "#" in decoded:
            return None  # its route pattern takes no "#": its own 404
        if framework.name == "apig-wsgi" and sent == "caf%C3%A9":
            # apig-wsgi unquotes rawPath again as latin-1; werkzeug then reads it as UTF-8
            return "caf\ufffd"
        return decoded
    return raw if framework.name in _RAW_PATH else decoded


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("sent", list(_PATH_IDS))
@pytest.mark.parametrize(("framework", "api"), [c for c in CASES if c.values[1] != "http1"])
def test_a_path_parameter_is_what_aws_gives_the_framework(client, sent, framework, api):
    seen, fault = drive(client, framework, api, Send("GET", f"/echo/{sent}"))
    expected = _expected_id(framework, api, sent)
    assert seen.status == (200 if expected else 404), seen.body
    assert expected is None or seen.json()["id"] == expected
    (call,) = fault.calls
    assert call.event is not None
    if api == "rest":
        assert call.event["path"] == f"/echo/{sent}"
    else:
        assert call.event["rawPath"] == f"/echo/{_PATH_IDS[sent][0]}"


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("framework", "api"), CASES)
@pytest.mark.parametrize(("path", "status"), [("/empty", 204), ("/unchanged", 304)])
def test_an_answer_without_a_body(client, framework, api, path, status):
    seen, _ = drive(client, framework, api, Send("GET", path))
    assert (seen.status, seen.body) == (status, b"")


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("framework", "api"), CASES)
def test_a_redirect_keeps_its_location(client, framework, api):
    seen, _ = drive(client, framework, api, Send("GET", "/go"))
    assert (seen.status, seen.header("location")) == (302, "/echo/1")


#: what each framework answers to HEAD on a GET route (its own routing)
_HEAD = {"mangum": 405, "apig-wsgi": 200, "serverless-wsgi": 200, "powertools": 404,
         "chalice": 405}  # fmt: skip


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("framework", "api"), CASES)
def test_head_reaches_the_app_and_the_answer_has_no_body(client, framework, api):
    seen, fault = drive(client, framework, api, Send("HEAD", "/echo/7"))
    assert (seen.status, seen.body) == (_HEAD[framework.name], b"")
    (call,) = fault.calls
    assert call.event is not None
    method = call.event["requestContext"]["http"]["method"] if api == "http2" else call.event[
        "httpMethod"]  # fmt: skip
    assert method == "HEAD"


# --------------------------------------------------------------------------- #
# A raised exception, and the app's own 404 and 405
# --------------------------------------------------------------------------- #

REST_502 = b'{"message": "Internal server error"}'
HTTP_500 = b'{"message":"Internal Server Error"}'
#: the app's own answer to an exception (every framework but Powertools catches it)
_CAUGHT = {
    "mangum": b"Internal Server Error",
    "apig-wsgi": None,  # Flask's HTML page
    "serverless-wsgi": None,
    "chalice": b'{"Code":"InternalServerError","Message":"An internal server error occurred."}',
}


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("framework", "api"), CASES)
def test_a_raised_exception(client, framework, api):
    seen, fault = drive(client, framework, api, Send("GET", "/boom"))
    (call,) = fault.calls
    if framework.name == "powertools":  # the exception leaves the handler: a function error
        assert (seen.status, seen.body) == ((502, REST_502) if api == "rest" else (500, HTTP_500))
        assert call.lambda_error is not None
        assert (call.lambda_error["errorType"], call.lambda_error["errorMessage"]) == (
            "KeyError", "'boom'")  # fmt: skip
        assert call.lambda_log is not None
        assert "[ERROR] KeyError: 'boom'\nTraceback (most recent call last):" in call.lambda_log
        assert "\nEND RequestId: " in call.lambda_log
    else:
        assert seen.status == 500
        assert _CAUGHT[framework.name] in (None, seen.body)
        assert call.lambda_error is None


#: each framework's own answer to a path it has no route for, and to a
#: method its route does not take (Powertools answers 404 to both). Chalice's
#: 405 is what a resource taking any method forwards; a deployed Chalice API
#: has only the route's methods, and API Gateway answers the others itself.
_NOT_FOUND = {"mangum": 404, "apig-wsgi": 404, "serverless-wsgi": 404, "powertools": 404}
_NOT_ALLOWED = {"mangum": 405, "apig-wsgi": 405, "serverless-wsgi": 405, "powertools": 404,
                "chalice": 405}  # fmt: skip


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("framework", "api"), [c for c in CASES if c.values[0].name != "chalice"])
def test_the_apps_own_404(client, framework, api):
    seen, fault = drive(client, framework, api, Send("GET", "/nowhere"))
    assert seen.status == _NOT_FOUND[framework.name]
    (call,) = fault.calls
    assert call.event is not None


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("framework", "api"), CASES)
def test_the_apps_own_405(client, framework, api):
    seen, fault = drive(client, framework, api, Send("DELETE", "/cookies"))
    assert seen.status == _NOT_ALLOWED[framework.name]
    (call,) = fault.calls
    assert call.event is not None


@pytest.mark.parametrize("client", CLIENTS)
def test_a_path_no_chalice_route_has_is_the_gateways_403(client):
    # Chalice's API has a resource per route: any other path is API Gateway's own
    # 403 before the function runs [D-ERRORS]
    framework = FRAMEWORKS[-1]
    handler = framework.make("rest")
    seen, fault = call(client, handler, "rest", Send("GET", "/nowhere"), route="/cookies")
    assert (seen.status, seen.body) == (403, b'{"message":"Missing Authentication Token"}')
    assert fault.calls[0].event is None


# --------------------------------------------------------------------------- #
# A repeated query key read as one value (Powertools' get_query_string_value)
# --------------------------------------------------------------------------- #


def _single_value_app() -> Any:
    pytest.importorskip("aws_lambda_powertools")
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    app = APIGatewayRestResolver()  # Powertools' resolver for payload 1.0, REST or HTTP API

    @app.get("/colors")
    def colors() -> Any:
        return {"color": app.current_event.get_query_string_value("color")}

    return lambda event, context: app.resolve(event, context)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("api", ["rest", "http1"])
def test_a_repeated_query_key_read_as_one_value_is_its_last(client, api):
    # payload 1.0 on a REST API and on an HTTP API alike [D-PROXY][QS-V1] ⚠️
    seen, fault = call(
        client, _single_value_app(), api, Send("GET", "/colors?color=blue&color=red")
    )
    assert (seen.status, seen.json()) == (200, {"color": "red"})
    (call_,) = fault.calls
    assert call_.event is not None
    assert call_.event["queryStringParameters"] == {"color": "red"}
    assert call_.event["multiValueQueryStringParameters"] == {"color": ["blue", "red"]}


# --------------------------------------------------------------------------- #
# What a framework's own log handler writes is in the function's log
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("client", CLIENTS)
def test_chalices_own_log_of_an_exception_is_in_the_functions_log(client):
    # Chalice logs to a StreamHandler of its own on the stdout it found at
    # import; on Lambda all of stdout is the function's log [D-PYLOG]
    framework = FRAMEWORKS[-1]
    seen, fault = drive(client, framework, "rest", Send("GET", "/boom"))
    assert seen.status == 500
    (call_,) = fault.calls
    assert call_.lambda_log is not None
    logged = "\norders - ERROR - Caught exception for path /boom\nTraceback (most recent call"
    assert logged + " last):\n" in call_.lambda_log
    assert "KeyError: 'boom'\nEND RequestId: " in call_.lambda_log


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_stream_handler_made_before_the_call_writes_to_the_functions_log(stream):
    logger = logging.getLogger("made-before")
    handler = logging.StreamHandler(getattr(sys, stream))
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    try:

        def lambda_handler(event: Any, context: Any) -> Any:
            logger.warning("seen by CloudWatch")
            return {"statusCode": 200, "body": "ok"}

        seen, fault = call("server", lambda_handler, "http2", Send("GET", "/x"))
    finally:
        logger.removeHandler(handler)
    assert seen.status == 200
    (call_,) = fault.calls
    assert call_.lambda_log is not None
    assert "Version: $LATEST\nmade-before: seen by CloudWatch\nEND RequestId: " in call_.lambda_log
    assert handler.stream is getattr(sys, stream)  # put back as it was


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_a_followed_redirect_that_drops_the_stage_is_the_gateways_403(client):
    # apig-wsgi gives Flask no SCRIPT_NAME, so "/echo/1" leaves the REST stage:
    # on AWS a stage the API lacks is 403 Forbidden, before any Lambda
    for module in _NEEDS[client]:
        pytest.importorskip(module)
    handler = FRAMEWORKS[1].make("rest")
    url = f"https://{HOST}/prod/go"
    with Fault(handler=handler, api="rest", stage="prod", clients=client) as fault:
        if client == "requests":
            import requests

            response: Any = requests.get(url, timeout=10)
        else:
            import httpx

            response = httpx.get(url, follow_redirects=True, timeout=10)
    assert (response.status_code, response.content) == (403, b'{"message":"Forbidden"}')
    assert [c.scenario.name if c.scenario else None for c in fault.calls] == [
        None, "stage_not_found"]  # fmt: skip
