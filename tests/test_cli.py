"""``python -m pytest_apigw_faults``: ``list`` and ``serve``."""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pytest_apigw_faults import SCENARIOS, Api
from pytest_apigw_faults._docs.table import scenario_table, websocket_table
from pytest_apigw_faults._gateway.table import scenario_names
from pytest_apigw_faults._gateway.websocket import WEBSOCKET_SCENARIOS
from pytest_apigw_faults._serve.cli import main

ORDERS = Path(__file__).parent / "data" / "apps" / "orders" / "template.yaml"

CURL = shutil.which("curl")


@contextlib.contextmanager
def free_port(listen=False):
    """A free port of 127.0.0.1, bound while inside (and listening if asked)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        if listen:
            sock.listen()
        yield sock.getsockname()[1]


def run(*argv):
    out = io.StringIO()
    assert main(list(argv), out=out) == 0
    return out.getvalue()


def usage_error(capsys, *argv):
    with pytest.raises(SystemExit) as excinfo:
        main(list(argv), out=io.StringIO())
    assert excinfo.value.code == 2
    return capsys.readouterr().err


# -- list ------------------------------------------------------------------------------


def test_list_as_a_table_has_a_line_per_row():
    lines = run("list").split("\n\n")[0].splitlines()  # then the WebSocket failures
    assert lines[0].split() == ["id", "status", "latency", "evidence", "body"]
    assert [line.split()[0] for line in lines[1:]] == [row.id for row in SCENARIOS.values()]
    row = SCENARIOS[("function_error", Api.REST)]
    line = next(line for line in lines if line.startswith("rest-function_error "))
    assert line.split()[1:4] == ["502", "0.388", "s"]
    assert line.endswith(row.body.decode())


@pytest.mark.parametrize("api", ["rest", "http"])
def test_list_one_api(api):
    ids = [line.split()[0] for line in run("list", "--api", api).splitlines()[1:]]
    assert ids == [row.id for row in SCENARIOS.values() if row.api.value == api]


def test_list_as_json_has_every_field_of_every_row():
    records = json.loads(run("list", "--format", "json"))[: len(SCENARIOS)]
    rows = list(SCENARIOS.values())
    assert [record["id"] for record in records] == [row.id for row in rows]
    names = {field.name for field in dataclasses.fields(rows[0])}
    for record, row in zip(records, rows, strict=True):
        assert set(record) == names | {"id", "endpoint_types"}
        assert record["endpoint_types"] == [endpoint.value for endpoint in row.endpoint_types]
        assert record["body"].encode() == row.body
        assert record["api"] == row.api.value
        assert record["evidence"] == row.evidence.value
        assert record["status"] == row.status
        assert record["latency"] == row.latency
        assert record["log"] == list(row.log)
    http_only = json.loads(run("list", "--api", "http", "--format", "json"))
    assert {record["api"] for record in http_only} == {"http"}
    by_id = {record["id"]: record for record in records}
    assert by_id["rest-function_error"]["endpoint_types"] == ["edge", "regional", "private"]
    assert by_id["rest-function_error"]["endpoints"] == []  # as declared: () is every one
    assert by_id["http-function_error"]["endpoint_types"] == ["regional"]
    assert by_id["rest-default_endpoint_disabled"]["endpoint_types"] != ["edge", "regional",
                                                                          "private"]


def test_list_shows_the_websocket_failures_after_the_table():
    text = run("list")
    assert text.split("\n\n")[1] == run("list", "--api", "websocket")
    lines = run("list", "--api", "websocket").splitlines()
    assert lines[0].split() == ["id", "phase", "evidence", "seen"]
    ids = [row.id for row in WEBSOCKET_SCENARIOS.values()]
    assert [line.split()[0] for line in lines[1:]] == ids
    assert "websocket-management_gone               management  captured    410, GoneException," \
        " no body" in lines
    assert "websocket-frame_too_large               message     documented  close 1009" in lines
    assert "websocket-" not in run("list", "--api", "rest")


def test_list_websocket_as_json_has_every_field_with_evidence_sources_and_notes():
    records = json.loads(run("list", "--api", "websocket", "--format", "json"))
    assert records == json.loads(run("list", "--format", "json"))[len(SCENARIOS):]
    rows = list(WEBSOCKET_SCENARIOS.values())
    assert [record["id"] for record in records] == [row.id for row in rows]
    names = {field.name for field in dataclasses.fields(rows[0])}
    for record, row in zip(records, rows, strict=True):
        assert set(record) == names | {"id", "api"}
        assert record["api"] == "websocket"
        assert record["evidence"] == row.evidence.value
        assert record["sources"] == list(row.sources)
        assert record["note"] == row.note
        assert record["close_code"] == row.close_code
        assert record["body"] == (None if row.body is None else row.body.decode())
    gone = records[[row.name for row in rows].index("management_gone")]
    assert (gone["status"], gone["body"], gone["error_type"]) == (410, "", "GoneException")
    assert run("list", "--api", "websocket", "--format", "markdown") == websocket_table() + "\n"


def test_list_as_markdown_is_the_readme_table():
    assert run("list", "--format", "markdown") == (
        f"{scenario_table()}\n\n{websocket_table()}\n"
    )
    rest = run("list", "--format", "markdown", "--api", "rest")
    assert "| `rest-function_error` | 502 |" in rest
    assert "`http-" not in rest


def test_the_module_runs_as_a_program():
    done = subprocess.run(
        [sys.executable, "-m", "pytest_apigw_faults", "list", "--api", "http", "--format",
         "json"], capture_output=True, text=True, timeout=60, check=True,
    )
    assert {record["api"] for record in json.loads(done.stdout)} == {"http"}


def test_the_console_script_is_the_same_command(capsys, monkeypatch):
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    scripts = pyproject.split("[project.scripts]\n", 1)[1].split("\n[", 1)[0]
    assert 'apigw-faults = "pytest_apigw_faults._serve.cli:console"' in scripts.splitlines()
    from pytest_apigw_faults._serve.cli import console

    monkeypatch.setattr(sys, "argv", ["apigw-faults", "list", "--api", "http"])
    assert console() == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("http-")
    monkeypatch.setattr(sys, "argv", ["apigw-faults", "--help"])
    with pytest.raises(SystemExit) as excinfo:
        console()
    assert excinfo.value.code == 0
    assert capsys.readouterr().out.startswith("usage: apigw-faults [-h] {serve,list}")


# -- bad arguments -----------------------------------------------------------------------


def test_an_unknown_scenario_names_the_valid_choices(capsys):
    error = usage_error(capsys, "serve", "--api", "rest", "--scenario", "functon_error")
    assert "argument --scenario: invalid choice: 'functon_error'" in error
    for name in scenario_names():
        assert repr(name) in error


def test_a_scenario_of_the_other_api_names_the_api_s_choices(capsys):
    rest_only = next(name for name in scenario_names(Api.REST)
                     if name not in scenario_names(Api.HTTP))
    error = usage_error(capsys, "serve", "--api", "http", "--scenario", rest_only)
    assert f"{rest_only!r} is not a scenario of --api http" in error
    assert ", ".join(repr(name) for name in scenario_names(Api.HTTP)) in error


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--scenario", "function_error"], "give --api and --scenario, or --template"),
        (["serve", "--api", "soap", "--scenario", "function_error"],
         "argument --api: invalid choice: 'soap' (choose from"),
        (["serve", "--api", "rest", "--scenario", "function_error", "--latency", "fast"],
         "argument --latency: 'fast' is neither 'real' nor a scale factor"),
        (["serve", "--api", "rest", "--scenario", "function_error", "--latency", "-1"],
         "argument --latency: '-1' is neither 'real' nor a scale factor"),
        (["serve", "--api", "rest", "--scenario", "function_error", "--port", "70000"],
         "argument --port: '70000' is not a port"),
        (["serve", "--api", "http", "--scenario", "function_error", "--endpoint", "edge"],
         "endpoint 'edge' is not available for api='http'; valid choices: 'regional'"),
        (["list", "--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
        (["list", "--api", "soap"], "argument --api: invalid choice: 'soap'"),
        ([], "the following arguments are required: {serve,list}"),
        (["serve", "--template", str(ORDERS), "--scenario", "function_error"],
         "--scenario function_error with --template fails one route: name it with --route"
         " (one of 'GET /orders/{id}', 'POST /orders', 'GET /health')"),
        (["serve", "--template", str(ORDERS), "--parameter", "TableName"],
         "argument --parameter: 'TableName' is not KEY=VALUE"),
        (["serve", "--template", "nowhere.yaml"], "nowhere.yaml"),
    ],
    ids=["no-api", "bad-api", "bad-latency", "negative-latency", "bad-port", "bad-endpoint",
         "bad-format", "list-bad-api", "no-command", "template-no-route", "template-parameter",
         "template-missing"],
)
def test_bad_arguments(capsys, argv, message):
    assert message in usage_error(capsys, *argv)


# -- serve -------------------------------------------------------------------------------


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Serving:
    """``python -m pytest_apigw_faults serve ...`` in a subprocess."""

    def __init__(self, *argv):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pytest_apigw_faults", "serve", *argv],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            # Ctrl-C reaches it even when this run was started in the
            # background of a shell, which ignores SIGINT for its children
            preexec_fn=_default_sigint,
        )
        self.url = self.process.stdout.readline().strip()

    def get(self, path="/prod/orders", timeout=10):
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def stop(self):
        """Ctrl-C; what it wrote on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            _, err = self.process.communicate(timeout=20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.communicate()
        return err

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def test_serve_prints_the_url_and_answers_until_ctrl_c():
    with Serving("--api", "rest", "--scenario", "function_error", "--seed", "42") as serving:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", serving.url), serving.url
        status, headers, body = serving.get()
        again = serving.get()
        err = serving.stop()
        code = serving.process.returncode
    assert (status, body) == (502, b'{"message": "Internal server error"}')
    # HTTP/1.1 spelling, Connection after Content-Length [EDGE-H1-2025]
    assert [name for name, _ in headers][:4] == [
        "Content-Type", "Content-Length", "Connection", "Date"
    ]
    assert dict(headers)["x-amzn-RequestId"] != dict(again[1])["x-amzn-RequestId"]
    assert code == 0
    assert "serving rest-function_error (edge) at " + serving.url in err
    assert "GET http://" in err
    assert "-> 502 rest-function_error (gateway latency 0.388 s" in err


def test_serve_a_template_like_sam_local_start_api():
    pytest.importorskip("cfn_tools")
    argv = ("--template", str(ORDERS), "--parameter", "TableName=books", "--seed", "1",
            "--scenario", "lambda_throttled", "--route", "GET /health")
    with Serving(*argv) as serving:
        conn_url = urlsplit(serving.url)
        conn = http.client.HTTPConnection(conn_url.hostname, conn_url.port, timeout=10)
        try:
            conn.request("GET", "/prod/orders/3", headers={"Authorization": "Bearer letmein"})
            order = conn.getresponse()
            order_body = order.read()
        finally:
            conn.close()
        health, _, health_body = serving.get("/prod/health")
        missing, _, _ = serving.get("/prod/nothing")
        err = serving.stop()
    assert (order.status, json.loads(order_body)) == (
        200, {"id": "3", "table": "books", "user": "user-7"}
    )
    assert (health, health_body) == (500, SCENARIOS[("lambda_throttled", Api.REST)].body)
    assert missing == 403
    assert (
        f"serving rest API of {ORDERS} (3 routes), GET /health failing with lambda_throttled"
        f" (edge) at {serving.url}"
    ) in err


def test_serve_quiet_logs_no_line_per_request():
    with Serving("--api", "rest", "--scenario", "function_error", "--quiet") as serving:
        status, _, _ = serving.get()
        err = serving.stop()
    assert status == 502
    assert err.splitlines() == [
        f"serving rest-function_error (edge) at {serving.url}; Ctrl-C stops",
        "answered 1 call",
    ]


def test_the_same_seed_gives_the_same_ids():
    ids = []
    for _ in range(2):
        with Serving("--api", "http", "--scenario", "lambda_throttled", "--seed", "7") as serving:
            ids.append(dict(serving.get()[1])["Apigw-Requestid"])
    assert ids[0] == ids[1]


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_serve_to_curl_with_a_fixed_port_and_a_scaled_latency():
    with free_port() as port:
        pass
    with Serving("--api", "http", "--scenario", "integration_timeout", "--port", str(port),
                 "--latency", "0.01") as serving:
        assert serving.url == f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        done = subprocess.run(
            [CURL, "-sS", "-i", serving.url + "/prod/orders"], capture_output=True, timeout=30,
            check=True,
        )
        took = time.perf_counter() - started
        timed_out = subprocess.run(
            [CURL, "-sS", "--max-time", "0.1", serving.url + "/prod/orders"],
            capture_output=True, timeout=30, check=False,
        )
    assert done.stdout.startswith(b"HTTP/1.1 503 Service Unavailable\r\nDate: ")
    assert done.stdout.endswith(b'\r\n\r\n{"message":"Service Unavailable"}')
    assert took >= 0.3  # 30 s x 0.01
    assert timed_out.returncode == 28  # curl's "operation timed out"


def test_serve_on_a_port_in_use_says_so():
    with free_port(listen=True) as port:
        done = subprocess.run(
            [sys.executable, "-m", "pytest_apigw_faults", "serve", "--api", "rest",
             "--scenario", "function_error", "--port", str(port)],
            capture_output=True, text=True, timeout=60, check=False,
        )
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_a_template_function_that_fails_to_import_is_told_in_the_user_s_lines(
    capsys, tmp_path
):
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text("import os\n\nTABLE = os.environ['CLI_ORDERS_TABLE']\n")
    template = tmp_path / "template.json"
    template.write_text(json.dumps({
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {"OrdersFn": {"Type": "AWS::Serverless::Function", "Properties": {
            "CodeUri": "src/", "Handler": "app.handler", "Runtime": "python3.12",
            "Events": {"Get": {"Type": "Api", "Properties": {"Path": "/", "Method": "get"}}},
        }}},
    }))
    error = usage_error(capsys, "serve", "--template", str(template))
    assert error.splitlines()[:3] == [
        "python -m pytest_apigw_faults serve: error: function OrdersFn: importing"
        f" {src / 'app.py'} raised KeyError: 'CLI_ORDERS_TABLE'",
        f'  File "{src / "app.py"}", line 3, in <module>',
        "    TABLE = os.environ['CLI_ORDERS_TABLE']",
    ]
    assert "usage:" not in error
