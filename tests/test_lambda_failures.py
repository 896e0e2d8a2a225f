"""A handler's failure is visible, and a handler runs as Lambda runs it (issue 12).

Each call keeps the function's log as CloudWatch Logs has it (``START``, the
handler's output, the runtime's ``[ERROR]`` entry, ``END``, ``REPORT``) and
the error payload; a failed test shows them. The handler gets an event loop
of its own whatever ran before; ``SystemExit`` and an exception whose
``str()`` fails are Lambda's ``Runtime.ExitError``; ``KeyboardInterrupt``
still stops the run.
"""

from __future__ import annotations

import asyncio
import asyncio.events
import json
import logging
import re
import sys
import threading
import time
from typing import Any

import pytest
from support import NO_NETWORK, get_with, literal, set_up_inner

from pytest_apigw_faults import Fault
from pytest_apigw_faults._lambda.runtime import LambdaContext, invoke

REST_URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders/42"
HTTP_URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/orders/42"
NBSP = "\u00a0"


def _client() -> str:
    for name, backend in (("requests", "responses"), ("httpx", "respx")):
        try:
            __import__(name)
            __import__(backend)
        except ImportError:
            continue
        return name
    pytest.skip("needs requests or httpx")


def call_through(handler: Any, *, api: str = "http", **arguments: Any) -> Any:
    """The one call a fault with ``handler`` answered."""
    client = _client()
    url = HTTP_URL if api == "http" else REST_URL
    with Fault(handler=handler, api=api, seed=12, clients=(client,), **arguments) as fault:
        get_with(client, url)
    (call,) = fault.calls
    return call


def report(request_id: str, duration: str, billed: int, tail: str = "") -> str:
    return (
        f"REPORT RequestId: {request_id}\tDuration: {duration} ms\tBilled Duration: {billed} ms"
        f"\tMemory Size: 128 MB\tMax Memory Used: 40 MB{tail}\n"
    )


def key_error(event, context):
    print("looking up the order")
    return {"statusCode": 200, "body": event["pathParameters"]["id"]}


KEY_ERROR_LINE = key_error.__code__.co_firstlineno + 2


# -- the log and the error payload ------------------------------------------------


def test_a_handler_that_raises_leaves_the_runtimes_log_and_error():
    call = call_through(key_error, handler_duration=0.0123)
    rid = call.lambda_request_id
    frame = f'  File "{__file__}", line {KEY_ERROR_LINE}, in key_error\n'
    code = '    return {"statusCode": 200, "body": event["pathParameters"]["id"]}\n'
    assert call.lambda_error == {
        "errorMessage": "'pathParameters'",
        "errorType": "KeyError",
        "requestId": rid,
        "stackTrace": [frame + code],
    }
    assert call.lambda_log == (
        f"START RequestId: {rid} Version: $LATEST\n"
        "looking up the order\n"
        "[ERROR] KeyError: 'pathParameters'\n"
        "Traceback (most recent call last):\n"
        f"{NBSP * 2}File \"{__file__}\", line {KEY_ERROR_LINE}, in key_error\n"
        f"{NBSP * 4}return {{\"statusCode\": 200, \"body\": event[\"pathParameters\"][\"id\"]}}\n"
        f"END RequestId: {rid}\n" + report(rid, "12.30", 13)
    )
    assert call.exchange.response.status == 500
    assert call.exchange.response.body == b'{"message":"Internal Server Error"}'


def test_a_valid_result_leaves_a_log_without_error():
    def handler(event, context):
        sys.stderr.write("to stderr\n")
        logging.getLogger("app").warning("low on %s", "stock")
        logging.getLogger("app").info("not at the root logger's level")
        print("no newline", end="")
        return {"statusCode": 200, "body": "ok"}

    call = call_through(handler, api="rest", handler_duration=1.5)
    rid = call.lambda_request_id
    assert call.lambda_error is None
    lines = call.lambda_log.split("\n")
    assert lines[:2] == [f"START RequestId: {rid} Version: $LATEST", "to stderr"]
    # the runtime's format of a log record: level, UTC time, request id, message
    assert re.fullmatch(
        rf"\[WARNING\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{rid}\tlow on stock", lines[2]
    )
    assert lines[3:] == [
        "no newline",
        f"END RequestId: {rid}",
        report(rid, "1500.00", 1500).rstrip("\n"),
        "",
    ]


def test_a_scenario_runs_no_lambda_and_leaves_no_log():
    client = _client()
    with Fault("api_throttled", api="http", clients=(client,)) as fault:
        get_with(client, HTTP_URL)
    assert (fault.calls[0].lambda_log, fault.calls[0].lambda_error) == (None, None)


def test_a_timed_out_function_reports_its_timeout():
    def handler(event, context):
        print("working")
        return {"statusCode": 200}

    call = call_through(handler, api="rest", handler_duration=5, function_timeout=3)
    rid = call.lambda_request_id
    assert call.scenario.name == "function_timeout"
    assert call.lambda_error == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {rid} Error: Task timed out after 3.00 seconds",
    }
    assert call.lambda_log == (
        f"START RequestId: {rid} Version: $LATEST\nworking\nEND RequestId: {rid}\n"
        + report(rid, "3000.00", 3000, "\tStatus: timeout")
    )


def test_a_result_the_runtime_cannot_write_is_its_marshal_error():
    call = call_through(lambda event, context: {"body": object()})
    rid = call.lambda_request_id
    message = "Unable to marshal response: Object of type object is not JSON serializable"
    assert call.lambda_error == {
        "errorMessage": message,
        "errorType": "Runtime.MarshalError",
        "requestId": rid,
        "stackTrace": [],
    }
    assert call.lambda_log == (
        f"START RequestId: {rid} Version: $LATEST\n"
        f"[ERROR] Runtime.MarshalError: {message}\n"
        "Traceback (most recent call last):\n"
        f"END RequestId: {rid}\n" + report(rid, "0.00", 1)
    )


def test_the_report_line_takes_the_functions_memory_size():
    ctx = LambdaContext(
        aws_request_id="r-1", memory_limit_in_mb=1024, clock=lambda: 100.0, started_at=100.0
    )
    invocation = invoke(lambda event, context: None, {}, ctx)
    assert invocation.log.endswith("\tMemory Size: 1024 MB\tMax Memory Used: 40 MB\n")


# -- SystemExit and the runtime's own failures --------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "printed"),
    [
        (None, 0, ""),
        (0, 0, ""),
        (1, 1, ""),
        (3, 3, ""),
        (256, 0, ""),
        ("bye", 1, "bye\n"),
    ],
)
def test_system_exit_is_the_runtime_exit_error(code, status, printed):
    def handler(event, context):
        print("about to leave")
        sys.exit(code)

    call = call_through(handler, api="rest")
    rid = call.lambda_request_id
    reason = (
        "Runtime exited without providing a reason"
        if status == 0
        else f"Runtime exited with error: exit status {status}"
    )
    message = f"RequestId: {rid} Error: {reason}"
    assert call.lambda_error == {"errorType": "Runtime.ExitError", "errorMessage": message}
    assert call.invocation.payload == json.dumps(
        {"errorType": "Runtime.ExitError", "errorMessage": message}, separators=(",", ":")
    ).encode()
    assert call.lambda_log == (
        f"START RequestId: {rid} Version: $LATEST\nabout to leave\n{printed}"
        f"END RequestId: {rid}\n"
        + report(rid, "0.00", 1, "\tStatus: error\tError Type: Runtime.ExitError")
    )
    # API Gateway: a function error, its message in the execution log
    response = call.exchange.response
    assert (response.status, response.body) == (502, b'{"message": "Internal server error"}')
    assert (
        "Lambda execution failed with status 200 due to customer function error:"
        f" {message}. Lambda request id: {rid}"
    ) in "\n".join(call.logs)


class Unprintable(Exception):
    def __str__(self) -> str:
        raise ValueError("no text for this one")


def test_an_exception_whose_str_fails_ends_the_runtime():
    def handler(event, context):
        raise Unprintable()

    call = call_through(handler, api="http")
    rid = call.lambda_request_id
    assert call.lambda_error == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: exit status 1",
    }
    assert call.exchange.response.status == 500
    log = call.lambda_log
    assert log.startswith(f"START RequestId: {rid} Version: $LATEST\nTraceback (most recent")
    # the interpreter's report of the error in the runtime, chained to the handler's
    assert "    raise Unprintable()\n" in log
    assert "\nDuring handling of the above exception, another exception occurred:\n" in log
    assert '    raise ValueError("no text for this one")\nValueError: no text for this one\n' in log
    assert "runtime.py" not in log  # the runtime's own frames are not the handler's
    assert log.endswith(
        f"END RequestId: {rid}\n"
        + report(rid, "0.00", 1, "\tStatus: error\tError Type: Runtime.ExitError")
    )


def test_keyboard_interrupt_still_interrupts_and_leaves_nothing_behind():
    stdout, stderr, handlers = sys.stdout, sys.stderr, list(logging.getLogger().handlers)

    def handler(event, context):
        print("interrupted")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        call_through(handler)
    assert (sys.stdout, sys.stderr) == (stdout, stderr)
    assert logging.getLogger().handlers == handlers


# -- the event loop -----------------------------------------------------------------


def loop_handler(event, context):
    loop = asyncio.get_event_loop()
    assert not loop.is_running()
    seen.append(loop)
    body = loop.run_until_complete(asyncio.sleep(0, "from the loop"))
    return {"statusCode": 200, "body": body}


seen: list[asyncio.AbstractEventLoop] = []


def test_a_handler_gets_a_loop_after_asyncio_run_and_leaves_none():
    asyncio.run(asyncio.sleep(0))  # leaves the thread without a current loop
    with pytest.raises(RuntimeError, match="no current event loop"):
        asyncio.get_event_loop()
    seen.clear()
    call = call_through(loop_handler)
    assert (call.lambda_error, call.exchange.response.body) == (None, b"from the loop")
    assert _idle(seen[0])
    with pytest.raises(RuntimeError, match="no current event loop"):
        asyncio.get_event_loop()  # as before the call


def test_a_loop_set_before_the_call_is_the_current_one_after_it():
    mine = asyncio.new_event_loop()
    asyncio.set_event_loop(mine)
    try:
        seen.clear()
        assert call_through(loop_handler).lambda_error is None
        assert seen[0] is not mine
        assert asyncio.get_event_loop() is mine
        assert not mine.is_closed()
    finally:
        asyncio.set_event_loop(None)
        mine.close()


def test_a_handler_called_inside_a_running_loop_gets_its_own():
    pytest.importorskip("httpx")
    pytest.importorskip("respx")

    async def main() -> tuple[Any, asyncio.AbstractEventLoop | None]:
        import httpx

        with Fault(handler=loop_handler, api="http", clients=("httpx",)) as fault:
            async with httpx.AsyncClient() as http:
                response = await http.get(HTTP_URL)
        return (response, fault.calls[0]), asyncio.events._get_running_loop()

    seen.clear()
    outer = asyncio.new_event_loop()
    try:
        (response, call), running = outer.run_until_complete(main())
    finally:
        outer.close()
    assert (response.status_code, response.text, call.lambda_error) == (200, "from the loop", None)
    assert running is outer  # the outer loop ran on, as the running one
    assert seen[0] is not outer
    assert _idle(seen[0])


def _idle(loop: asyncio.AbstractEventLoop) -> bool:
    """A loop an invocation has left: closed, or kept idle with no task."""
    return loop.is_closed() or (not loop.is_running() and not asyncio.all_tasks(loop))


def test_a_task_a_handler_leaves_is_cancelled_and_the_next_call_starts_clean():
    started: list[asyncio.Task[None]] = []

    def handler(event, context):
        loop = asyncio.get_event_loop()
        assert not asyncio.all_tasks(loop)  # nothing from an earlier call
        started.append(loop.create_task(asyncio.sleep(3600)))
        return {"statusCode": 200, "body": "ok"}

    for _ in range(2):
        assert call_through(handler).lambda_error is None
    assert [task.cancelled() for task in started] == [True, True]


def test_an_executor_a_handler_starts_leaves_no_thread_behind():
    before = set(threading.enumerate())

    def handler(event, context):
        loop = asyncio.get_event_loop()
        body = loop.run_until_complete(loop.run_in_executor(None, str, 42))
        return {"statusCode": 200, "body": body}

    call = call_through(handler)
    assert call.exchange.response.body == b"42"
    assert set(threading.enumerate()) <= before


def test_concurrent_calls_keep_their_own_output():
    client = _client()
    ready = threading.Barrier(2)

    def handler(event, context):
        ready.wait(timeout=5)
        for _ in range(3):
            print(f"order {event['rawPath']}")
            time.sleep(0.001)
        return {"statusCode": 200}

    with Fault(handler=handler, api="http", clients=(client,)) as fault:
        threads = [
            threading.Thread(target=get_with, args=(client, f"{HTTP_URL}{n}")) for n in (1, 2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        logs = {c.event["rawPath"]: c.lambda_log for c in fault.calls}
    for path in ("/orders/421", "/orders/422"):
        assert logs[path].count(f"order {path}\n") == 3
        assert logs[path].count("order ") == 3


# -- what a failed test shows --------------------------------------------------------

INNER = '''
import asyncio

import pytest

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com"


def get(url):
    try:
        import requests
    except ImportError:
        import httpx

        return httpx.get(url)
    return requests.get(url)


def handler(event, context):
    print("looking up", event["rawPath"])
    return {"statusCode": 200, "body": event["queryStringParameters"]["id"]}


@pytest.mark.apigw_fault(handler=handler, api="http")
def test_order(apigw_fault):
    response = get(URL + "/orders")
    print("REQUEST", apigw_fault.calls[0].lambda_request_id)
    assert response.status_code == 200


@pytest.mark.apigw_fault(handler=handler, api="http")
def test_passing_call_then_failure():
    assert get(URL + "/orders?id=1").status_code == 200
    assert False, "no Lambda failed"
'''


def test_a_failed_test_shows_the_lambdas_error_and_log(pytester):
    _client()
    set_up_inner(pytester)
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    (rid,) = re.findall(r"REQUEST (\S+)", out)
    line = INNER.split("\n").index("def handler(event, context):") + 2
    result.stdout.fnmatch_lines(
        [
            "E       assert 500 == 200",
            "*- Captured stdout call -*",
            "looking up /orders",
            f"REQUEST {rid}",
            "*- Captured Lambda log call -*",
            literal("GET /orders -> 500 (http-function_error), " + _client()),
            "Lambda error: KeyError: 'queryStringParameters'",
            literal(f"START RequestId: {rid} Version: $LATEST"),
            "looking up /orders",
            "[[]ERROR] KeyError: 'queryStringParameters'",
            "Traceback (most recent call last):",
            literal(f'{NBSP * 2}File "{pytester.path / "test_inner.py"}", line {line}, in handler'),
            literal(
                f'{NBSP * 4}return {{"statusCode": 200, "body":'
                ' event["queryStringParameters"]["id"]}'
            ),
            literal(f"END RequestId: {rid}"),
            literal(report(rid, "0.00", 1).rstrip("\n")),
            "*= short test summary info =*",
        ],
        consecutive=False,
    )
    # the test whose Lambda answered well has no such section
    second = out[out.index("test_passing_call_then_failure ___") :]
    assert "Captured Lambda log" not in second


def test_a_fixture_that_fails_on_a_lambda_shows_its_log_too(pytester):
    _client()
    set_up_inner(pytester)
    pytester.makepyfile(
        test_inner=INNER.split("@pytest.mark")[0]
        + """
@pytest.fixture
def order(apigw_fault):
    apigw_fault.inject(handler=handler, api="http")
    response = get(URL + "/orders")
    assert response.status_code == 200


def test_uses_the_order(order):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*- Captured Lambda log setup -*",
            literal("GET /orders -> 500 (http-function_error), " + _client()),
            "Lambda error: KeyError: 'queryStringParameters'",
        ]
    )


def test_show_capture_no_hides_the_lambda_log(pytester):
    _client()
    set_up_inner(pytester)
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--show-capture=no")
    result.assert_outcomes(failed=2)
    assert "Captured Lambda log" not in result.stdout.str()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--show-capture=log")
    result.stdout.fnmatch_lines(["*- Captured Lambda log call -*"])


# -- real frameworks -------------------------------------------------------------------

MANGUM = '''
import asyncio

import pytest
from fastapi import FastAPI
from mangum import Mangum

app = FastAPI()


@app.get("/orders/{order_id}")
async def read(order_id: str):
    await asyncio.sleep(0)
    return {"id": order_id}


handler = Mangum(app, lifespan="off")


def get(url):
    try:
        import requests
    except ImportError:
        import httpx

        return httpx.get(url)
    return requests.get(url)


def test_an_asyncio_test():
    asyncio.run(asyncio.sleep(0))


@pytest.mark.parametrize(
    ("api", "url"),
    [
        ("http", "https://abc123def4.execute-api.us-east-1.amazonaws.com/orders/7"),
        ("rest", "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders/7"),
    ],
)
def test_the_app(apigw_fault, api, url):
    apigw_fault.inject(handler=handler, api=api)
    response = get(url)
    assert apigw_fault.calls[0].lambda_error is None, apigw_fault.calls[0].lambda_log
    assert (response.status_code, response.json()) == (200, {"id": "7"})


@pytest.mark.asyncio
async def test_the_app_from_an_async_client(apigw_fault):
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("respx")
    apigw_fault.inject(handler=handler, api="http", clients=["httpx"])
    async with httpx.AsyncClient() as client:
        response = await client.get(
            "https://abc123def4.execute-api.us-east-1.amazonaws.com/orders/8"
        )
    assert apigw_fault.calls[0].lambda_error is None, apigw_fault.calls[0].lambda_log
    assert (response.status_code, response.json()) == (200, {"id": "8"})
'''


@pytest.mark.parametrize("order", ["asyncio first", "app first"])
def test_mangum_and_fastapi_run_whatever_ran_before(pytester, order):
    pytest.importorskip("mangum")
    pytest.importorskip("fastapi")
    _client()
    set_up_inner(pytester)
    pytester.makepyfile(test_app=MANGUM)
    if order == "app first":
        pytester.makeconftest(
            NO_NETWORK + "\n\ndef pytest_collection_modifyitems(items):\n    items.reverse()\n"
        )
    # (not -W error: importing a Mangum app makes an event loop it never closes)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
