"""The same small app on each real Lambda framework, for tests/test_frameworks.py:
the request as the framework gives it to the app, as JSON. Each factory skips
the test when the install lacks its framework."""

from __future__ import annotations

import asyncio
import base64
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest

#: the second cookie's expiry: its ``Expires=`` has a comma in it
EXPIRES = datetime.datetime(2036, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)

# --------------------------------------------------------------------------- #
# One app per framework: the same routes, the request as the framework gives it
# --------------------------------------------------------------------------- #


def _cookie_header(value: str | None) -> dict[str, str]:
    pairs = (p.strip().partition("=") for p in (value or "").split(";") if p.strip())
    return {k: v for k, _, v in pairs}


def _mangum(api: str) -> Any:
    fastapi = pytest.importorskip("fastapi")
    mangum = pytest.importorskip("mangum")
    from fastapi.responses import JSONResponse, RedirectResponse, Response

    app = fastapi.FastAPI()

    @app.get("/cookies")
    def cookies() -> Any:
        response = JSONResponse({"ok": True})
        response.set_cookie("session", "abc")
        response.set_cookie("theme", "dark", expires=EXPIRES)
        return response

    async def echo(id: str, request: Any) -> Any:
        query: dict[str, list[str]] = {}
        for k, v in request.query_params.multi_items():
            query.setdefault(k, []).append(v)
        return {"path": request.url.path, "id": id, "query": query,
                "cookies": dict(request.cookies), "body": (await request.body()).decode("latin-1"),
                "ct": request.headers.get("content-type")}  # fmt: skip

    async def binary(request: Any) -> Any:
        return Response(await request.body(), media_type="application/octet-stream")

    # the annotations FastAPI reads, as objects (this module's are strings)
    echo.__annotations__.update(id=str, request=fastapi.Request)
    binary.__annotations__.update(request=fastapi.Request)
    app.api_route("/echo/{id}", methods=["GET", "POST"])(echo)
    app.post("/bin")(binary)

    app.get("/empty")(lambda: Response(status_code=204))
    app.get("/unchanged")(lambda: Response(status_code=304))
    app.get("/go")(lambda: RedirectResponse("/echo/1", status_code=302))

    @app.get("/boom")
    def boom() -> Any:
        raise KeyError("boom")

    # Mangum() makes and sets a loop of its own when the thread has none (as
    # at a Lambda's import); a later asyncio.run would drop it unclosed
    loop = asyncio.new_event_loop()
    try:
        with mock.patch.object(asyncio, "get_event_loop", return_value=loop):
            return mangum.Mangum(app, lifespan="off")
    finally:
        loop.close()


def _flask() -> Any:
    flask = pytest.importorskip("flask")
    app = flask.Flask("orders")

    @app.get("/cookies")
    def cookies() -> Any:
        response = flask.jsonify(ok=True)
        response.set_cookie("session", "abc")
        response.set_cookie("theme", "dark", expires=EXPIRES)
        return response

    @app.route("/echo/<id>", methods=["GET", "POST"])
    def echo(id: str) -> Any:
        request = flask.request
        return {"path": request.path, "id": id, "query": request.args.to_dict(flat=False),
                "cookies": dict(request.cookies), "body": request.get_data().decode("latin-1"),
                "ct": request.headers.get("content-type") or None}  # fmt: skip

    @app.post("/bin")
    def binary() -> Any:
        return flask.Response(flask.request.get_data(), mimetype="application/octet-stream")

    app.get("/empty", endpoint="empty")(lambda: ("", 204))
    app.get("/unchanged", endpoint="unchanged")(lambda: ("", 304))
    app.get("/go", endpoint="go")(lambda: flask.redirect("/echo/1"))

    @app.get("/boom")
    def boom() -> Any:
        raise KeyError("boom")

    return app


def _apig_wsgi(api: str) -> Any:
    apig_wsgi = pytest.importorskip("apig_wsgi")
    return apig_wsgi.make_lambda_handler(_flask(), binary_support=True)


def _serverless_wsgi(api: str) -> Any:
    serverless_wsgi = pytest.importorskip("serverless_wsgi")
    app = _flask()

    def handler(event: Any, context: Any) -> Any:
        return serverless_wsgi.handle_request(app, event, context)

    return handler


def _powertools(api: str) -> Any:
    pytest.importorskip("aws_lambda_powertools")
    from aws_lambda_powertools.event_handler import (
        APIGatewayHttpResolver,
        APIGatewayRestResolver,
        Response,
    )
    from aws_lambda_powertools.shared.cookies import Cookie

    app = APIGatewayHttpResolver() if api == "http2" else APIGatewayRestResolver()

    @app.get("/cookies")
    def cookies() -> Any:
        return Response(200, "application/json", "{}",
                        cookies=[Cookie("session", "abc"),
                                 Cookie("theme", "dark", expires=EXPIRES)])  # fmt: skip

    def echo(id: str) -> Any:
        event = app.current_event
        if api == "http2":  # repeated keys joined with "," [D-HTTPLAMBDA]
            single = event.query_string_parameters or {}
            query = {k: v.split(",") for k, v in single.items()}
            cookies = _cookie_header("; ".join(event.get("cookies") or []))
        else:
            query = dict(event.multi_value_query_string_parameters or {})
            cookies = _cookie_header(event.headers.get("cookie") or event.headers.get("Cookie"))
        body = event.decoded_body or ""
        return {"path": event.path, "id": id, "query": query, "cookies": cookies,
                "body": body.decode("latin-1") if isinstance(body, bytes) else body,
                "ct": event.headers.get("content-type")}  # fmt: skip

    app.get("/echo/<id>")(echo)
    app.post("/echo/<id>")(echo)

    @app.post("/bin")
    def binary() -> Any:
        body = app.current_event.body or ""
        raw = base64.b64decode(body) if app.current_event.is_base64_encoded else body.encode()
        return Response(200, "application/octet-stream", raw)

    app.get("/empty")(lambda: Response(204, None, ""))
    app.get("/unchanged")(lambda: Response(304, None, ""))
    app.get("/go")(lambda: Response(302, None, "", headers={"Location": "/echo/1"}))

    @app.get("/boom")
    def boom() -> Any:
        raise KeyError("boom")

    return lambda event, context: app.resolve(event, context)


def _chalice(api: str) -> Any:
    chalice = pytest.importorskip("chalice")
    Response = chalice.Response
    app = chalice.Chalice(app_name="orders")
    app.api.binary_types.append("application/octet-stream")

    @app.route("/cookies")
    def cookies() -> Any:
        when = EXPIRES.strftime("%a, %d %b %Y %H:%M:%S GMT")
        two = ["session=abc; Path=/", f"theme=dark; Expires={when}; Path=/"]
        return Response(body={"ok": True}, status_code=200, headers={"Set-Cookie": two})

    @app.route("/echo/{id}", methods=["GET", "POST"])
    def echo(id: str) -> Any:
        request = app.current_request
        params = request.query_params or {}
        return {"path": request.context["path"], "id": id,
                "query": {k: params.getlist(k) for k in params},
                "cookies": _cookie_header(request.headers.get("cookie")),
                "body": request.raw_body.decode("latin-1"),
                "ct": request.headers.get("content-type")}  # fmt: skip

    @app.route("/bin", methods=["POST"], content_types=["application/octet-stream"])
    def binary() -> Any:
        return Response(body=app.current_request.raw_body, status_code=200,
                        headers={"Content-Type": "application/octet-stream"})  # fmt: skip

    app.route("/empty")(lambda: Response(body="", status_code=204))
    app.route("/unchanged")(lambda: Response(body="", status_code=304))
    app.route("/go")(lambda: Response(body="", status_code=302, headers={"Location": "/echo/1"}))

    @app.route("/boom")
    def boom() -> Any:
        raise KeyError("boom")

    return app


def _chalice_route(path: str) -> dict[str, str]:
    """Chalice dispatches on the REST resource: the one its deployed API has."""
    path = path.split("?", 1)[0]
    return {"route": "/echo/{id}" if path.startswith("/echo/") else path}


@dataclass(frozen=True)
class Framework:
    name: str
    make: Callable[[str], Any]
    apis: tuple[str, ...] = ("rest", "http2", "http1")
    route: Callable[[str], dict[str, str]] = lambda path: {}


FRAMEWORKS = [
    Framework("mangum", _mangum),
    Framework("apig-wsgi", _apig_wsgi),
    Framework("serverless-wsgi", _serverless_wsgi),
    Framework("powertools", _powertools),
    Framework("chalice", _chalice, ("rest",), _chalice_route),  # REST APIs only
]
