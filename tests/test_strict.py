"""Strict mode: while a fault is started, an execute-api call no fault answers
raises an ``ApigwFaultError`` naming each started fault and why it did not
answer; it never reaches the network. Tested as a user meets it: inner runs
whose conftest refuses every socket, so that a call let through fails in the
network layer with that conftest's words, not the plugin's."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
from typing import Any

import pytest
import support
from support import literal, module, set_up_inner

from pytest_apigw_faults import ApigwFaultError, Fault

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
OTHER_API = "https://zzz999yyy8.execute-api.us-east-1.amazonaws.com/prod/"
NETWORK_REFUSED = "*pytest-apigw-faults tests must not touch the network*"


def _refusal(method: str, client: str, *faults: str, url: str = URL) -> list[str]:
    """The lines of the refusal's text."""
    return [
        f"pytest-apigw-faults refused {method} {url} ({client}): no started fault answers"
        " it, and execute-api calls do not reach the network while a fault is started"
        " (strict mode).",
        "Started faults, oldest first:",
        *(f"  {fault}" for fault in faults),
        "To let such calls through, set apigw_fault_strict = false in the ini file or"
        " pass --apigw-strict=off, or end a fault's sequence= or then= with"
        ' after="pass"; to have a fault answer them, scope its url= to match this URL.',
    ]


def _refused(method: str, client: str, *faults: str, url: str = URL) -> list[str]:
    """The refusal as pytest shows the exception, as fnmatch patterns."""
    first, *rest = _refusal(method, client, *faults, url=url)
    lines = [f"E       pytest_apigw_faults.ApigwFaultError: {first}"]
    lines += [f"E       {line}" for line in rest]
    return [literal(line) for line in lines]


TIMES_1 = (
    "Fault('function_error', api='rest', endpoint='edge', times=1; any execute-api host):"
    " its times=1 call is used up (1 of 1)"
)


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    return set_up_inner(pytester)


# -- refused ---------------------------------------------------------------------------


def test_requests_after_times_ran_out(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_user=module(
            """
            @pytest.mark.apigw_fault("function_error", api="rest", times=1)
            def test_call(apigw_fault):
                assert requests.get(URL, timeout=5).status_code == 502
                requests.get(URL, timeout=5)
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(_refused("GET", "requests", TIMES_1), consecutive=True)


def test_httpx_to_another_api_than_the_url_of_the_fault(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_user=module(
            f"""
            @pytest.mark.apigw_fault("function_error", api="rest", url={OTHER_API!r})
            def test_call(apigw_fault):
                httpx.post(URL, json={{}})
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    fault = (
        "Fault('function_error', api='rest', endpoint='edge'; URLs starting with"
        f" {OTHER_API!r}): the URL is outside its url= (URLs starting with {OTHER_API!r})"
    )
    result.stdout.fnmatch_lines(_refused("POST", "httpx", fault), consecutive=True)


def test_async_httpx_beside_a_fault_for_another_client(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_user=module(
            f"""
            @pytest.mark.asyncio
            async def test_call(apigw_fault):
                apigw_fault.inject("function_error", api="rest", clients="requests")
                apigw_fault.inject("lambda_throttled", api="http", clients="httpx",
                                   url={OTHER_API!r})
                async with httpx.AsyncClient() as client:
                    await client.delete(URL)
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    faults = (
        "Fault('function_error', api='rest', endpoint='edge'; any execute-api host):"
        " it answers requests calls only, not httpx (clients=)",
        "Fault('lambda_throttled', api='http', endpoint='regional'; URLs starting with"
        f" {OTHER_API!r}): the URL is outside its url= (URLs starting with {OTHER_API!r})",
    )
    result.stdout.fnmatch_lines(_refused("DELETE", "httpx", *faults), consecutive=True)


AIOHTTP_TEST = """
import aiohttp
import pytest

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


@pytest.mark.asyncio
@pytest.mark.apigw_fault("function_error", api="rest", times=1)
async def test_call(apigw_fault):
    async with aiohttp.ClientSession() as session:
        async with session.get(URL) as response:
            assert response.status == 502
        async with session.get(URL, params={"page": "2"}) as response:
            pass
"""


def test_aiohttp_after_times_ran_out(inner: pytest.Pytester) -> None:
    pytest.importorskip("aiohttp")
    pytest.importorskip("aioresponses")
    inner.makepyfile(test_user=AIOHTTP_TEST)
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    lines = _refused("GET", "aiohttp", TIMES_1, url=URL + "?page=2")
    result.stdout.fnmatch_lines(lines, consecutive=True)


# -- let through ----------------------------------------------------------------------

# Each client's call, and the network layer's refusal of it: the inner
# conftest refuses every name lookup and connection.
LET_THROUGH = """
import aiohttp


def network_refused(error):
    assert "must not touch the network" in str(error) or "must not touch the network" in str(
        error.__cause__ or error.__context__
    ), repr(error)
    assert not isinstance(error, pytest_apigw_faults.ApigwFaultError)


def through_requests(url):
    with pytest.raises(requests.ConnectionError) as error:
        requests.get(url, timeout=5)
    network_refused(error.value)


def through_httpx(url):
    with pytest.raises(httpx.ConnectError) as error:
        httpx.get(url)
    network_refused(error.value)


async def through_async_httpx(url):
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError) as error:
            await client.get(url)
    network_refused(error.value)


async def through_aiohttp(url):
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError) as error:
            await session.get(url)
    network_refused(error.value)


async def each_client(url):
    through_requests(url)
    through_httpx(url)
    await through_async_httpx(url)
    await through_aiohttp(url)
"""


def _let_through(body: str) -> str:
    pytest.importorskip("aiohttp")
    pytest.importorskip("aioresponses")
    return module("import pytest_apigw_faults\n" + LET_THROUGH + textwrap.dedent(body))


USED_UP = """
@pytest.mark.asyncio
@pytest.mark.apigw_fault("function_error", api="rest", times=1)
async def test_used_up(apigw_fault):
    assert requests.get(URL, timeout=5).status_code == 502
    await each_client(URL)
    assert len(apigw_fault.calls) == 1
"""


@pytest.mark.parametrize(
    ("ini", "args"),
    [
        ("apigw_fault_strict = false", ()),
        ("apigw_fault_strict = true", ("--apigw-strict=off",)),
    ],
    ids=["ini-key", "option-over-ini-key"],
)
def test_strict_off_lets_every_client_through_to_the_network(
    inner: pytest.Pytester, ini: str, args: tuple[str, ...]
) -> None:
    inner.makeini(support.INI + ini + "\n")
    inner.makepyfile(test_user=_let_through(USED_UP))
    inner.runpytest(*args).assert_outcomes(passed=1)


def test_the_option_turns_strict_mode_on_over_the_ini_key(inner: pytest.Pytester) -> None:
    inner.makeini(support.INI + "apigw_fault_strict = false\n")
    inner.makepyfile(test_user=_let_through(USED_UP))
    result = inner.runpytest("--apigw-strict=on")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(_refused("GET", "requests", TIMES_1), consecutive=True)


def test_a_bad_strict_option_names_the_choices(inner: pytest.Pytester) -> None:
    result = inner.runpytest("--apigw-strict=of")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*argument --apigw-strict: invalid choice: 'of' (choose from 'on', 'off')"]
    )


def test_after_pass_lets_every_client_through_once_the_sequence_is_used(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(
        test_user=_let_through(
            """
            @pytest.mark.asyncio
            async def test_sequence(apigw_fault):
                apigw_fault.inject(sequence=["api_throttled"], api="rest", after="pass")
                assert httpx.get(URL).status_code == 429
                await each_client(URL)

            @pytest.mark.asyncio
            async def test_then(apigw_fault):
                apigw_fault.inject("function_error", api="rest", times=1, then="api_throttled",
                                   after="pass")
                assert [requests.get(URL).status_code for _ in range(2)] == [502, 429]
                await each_client(URL)
            """
        )
    )
    inner.runpytest().assert_outcomes(passed=2)


def test_other_hosts_are_left_alone_while_a_fault_is_started(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_user=_let_through(
            """
            OTHERS = [
                "https://example.com/health",
                "https://api.example.com/orders",  # a custom domain no fault names
                "http://abc123def4.execute-api.us-east-1.amazonaws.com/prod",  # not https
                "https://abc123def4.execute-api.us-east-1.amazonaws.com.example.com/prod",
            ]

            @pytest.mark.asyncio
            @pytest.mark.parametrize("url", OTHERS)
            @pytest.mark.apigw_fault("function_error", api="rest")
            async def test_other(apigw_fault, url):
                await each_client(url)
                assert apigw_fault.calls == []
            """
        )
    )
    inner.runpytest().assert_outcomes(passed=4)


# -- in this process ---------------------------------------------------------------------


def test_a_retrying_requests_session_does_not_retry_the_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requests = pytest.importorskip("requests")
    pytest.importorskip("responses")
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    support.refuse_network(monkeypatch, "strict")
    session = requests.Session()
    retry = Retry(total=5, connect=5, read=5, status_forcelist=[502])
    session.mount("https://", HTTPAdapter(max_retries=retry))
    with Fault("function_error", api="rest", times=2, clients="requests") as fault:
        with pytest.raises(ApigwFaultError, match=r"^pytest-apigw-faults refused GET "):
            session.get(URL, timeout=5)  # two 502s retried, then the refusal, once
    assert len(fault.calls) == 2


def test_a_retrying_httpx_transport_does_not_retry_the_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("respx")

    support.refuse_network(monkeypatch, "strict")
    with Fault("function_error", api="rest", times=1, clients="httpx") as fault, httpx.Client(
        transport=httpx.HTTPTransport(retries=5)
    ) as client:
        assert client.get(URL).status_code == 502
        with pytest.raises(ApigwFaultError, match=r"^pytest-apigw-faults refused GET "):
            client.get(URL)
    assert len(fault.calls) == 1


OUTSIDE_PYTEST = f"""
import socket

import requests

from pytest_apigw_faults import ApigwFaultError, Fault


def refuse(*args, **kwargs):
    raise OSError("the network is off limits")


socket.getaddrinfo = refuse
socket.socket.connect = refuse
with Fault("function_error", api="rest", times=1, clients="requests"):
    print(requests.get({URL!r}).status_code)
    try:
        requests.get({URL!r})
    except ApigwFaultError as error:
        print(error)
"""


def test_a_fault_made_outside_pytest_is_strict(tmp_path: Any) -> None:
    pytest.importorskip("responses")
    script = tmp_path / "outside.py"
    script.write_text(OUTSIDE_PYTEST, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["502", *_refusal("GET", "requests", TIMES_1)]


def _get(client: str, url: str) -> int:
    if client == "requests":
        import requests

        return int(requests.get(url, timeout=5).status_code)
    import asyncio

    import aiohttp

    async def get() -> int:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status

    return asyncio.run(get())


def _patch_on_top(client: str, patch: pytest.MonkeyPatch) -> None:
    """A user's patch of the method the client's hook replaced, calling it."""
    if client == "requests":
        import requests

        below = requests.Session.get_adapter

        def get_adapter(session: Any, url: str) -> Any:
            return below(session, url)

        patch.setattr(requests.Session, "get_adapter", get_adapter)
        return
    import aiohttp

    request = aiohttp.ClientSession._request

    async def _request(session: Any, *args: Any, **kwargs: Any) -> Any:
        return await request(session, *args, **kwargs)

    patch.setattr(aiohttp.ClientSession, "_request", _request)


@pytest.mark.parametrize("client", ["requests", "aiohttp"])
def test_a_stale_foreign_patch_over_a_stopped_fault_lets_no_faulted_call_out(
    client: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip(client)
    pytest.importorskip({"requests": "responses", "aiohttp": "aioresponses"}[client])
    support.refuse_network(monkeypatch, "strict")
    before = support.replaced_functions()
    first = Fault("function_error", api="rest", clients=client).start()
    patch = pytest.MonkeyPatch()
    try:
        _patch_on_top(client, patch)
        with pytest.warns() if client == "requests" else contextlib.nullcontext():
            first.stop()  # its hook stays under the user's patch, stale
        with Fault("lambda_throttled", api="rest", times=1, clients=client) as second:
            assert _get(client, URL) == 500
            with pytest.raises(ApigwFaultError, match=r"its times=1 call is used up"):
                _get(client, URL)
        assert len(second.calls) == 1
    finally:
        patch.undo()
    Fault("function_error", api="rest", clients=client).start().stop()  # takes the stale hook off
    assert support.replaced_functions() == before


def test_an_httpx_patch_over_a_stopped_fault_refuses_the_next_start() -> None:
    httpx = pytest.importorskip("httpx")
    first = Fault("function_error", api="rest", clients="httpx").start()
    below = httpx.HTTPTransport.handle_request

    def handle_request(transport: Any, request: Any) -> Any:
        return below(transport, request)

    patch = pytest.MonkeyPatch()
    patch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
    try:
        with pytest.warns(match="handle_request was replaced by"):
            first.stop()
        second = Fault("lambda_throttled", api="rest", clients="httpx")
        with pytest.raises(ApigwFaultError, match=r"is already replaced by .*handle_request"):
            second.start()  # at start, not at the first call
        assert not second.started
    finally:
        patch.undo()  # puts the first fault's function back, stale
    Fault("function_error", api="rest", clients="httpx").start().stop()  # takes it off
    assert httpx.HTTPTransport.handle_request.__module__ == "httpx._transports.default"


def test_a_backend_that_cannot_install_fails_at_start_and_patches_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    responses = pytest.importorskip("responses")
    pytest.importorskip("respx")
    before = support.replaced_functions()
    # as a responses release without the method the backend builds on
    monkeypatch.delattr(responses.RequestsMock, "unbound_on_send")
    fault = Fault("function_error", api="rest", clients=("httpx", "requests"))
    with pytest.raises(AttributeError, match="unbound_on_send"):
        fault.start()
    assert not fault.started
    assert support.replaced_functions() == before


EVERY_REASON = """
import asyncio

import aiohttp


async def call(client):
    if client == "requests":
        return requests.get(URL, timeout=5).status_code
    if client == "httpx":
        return httpx.get(URL).status_code
    if client == "httpx-async":
        async with httpx.AsyncClient() as http:
            return (await http.get(URL)).status_code
    async with aiohttp.ClientSession() as session, session.get(URL) as response:
        return response.status


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["requests", "httpx", "httpx-async", "aiohttp"])
async def test_call(apigw_fault, client):
    other = "aiohttp" if client.startswith("requests") else "requests"
    apigw_fault.inject("function_error", api="rest", times=1)
    apigw_fault.inject("api_throttled", api="http", url=OTHER_API)
    apigw_fault.inject("lambda_throttled", api="rest", clients=other)
    assert await call(client) == 502
    await call(client)
"""


@pytest.mark.parametrize(
    ("client", "other"),
    [
        ("requests", "aiohttp"),
        ("httpx", "requests"),
        ("httpx-async", "requests"),
        ("aiohttp", "requests"),
    ],
)
def test_every_reason_for_every_client(inner: pytest.Pytester, client: str, other: str) -> None:
    pytest.importorskip("aiohttp")
    pytest.importorskip("aioresponses")
    body = f"OTHER_API = {OTHER_API!r}\n" + EVERY_REASON
    inner.makepyfile(test_user=module(body))
    result = inner.runpytest(f"test_user.py::test_call[{client}]")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*> * await call(client)"])  # the second call
    faults = (
        TIMES_1,
        "Fault('api_throttled', api='http', endpoint='regional'; URLs starting with"
        f" {OTHER_API!r}): the URL is outside its url= (URLs starting with {OTHER_API!r})",
        "Fault('lambda_throttled', api='rest', endpoint='edge'; any execute-api host):"
        f" it answers {other} calls only, not {client.removesuffix('-async')} (clients=)",
    )
    lines = _refused("GET", client.removesuffix("-async"), *faults)
    result.stdout.fnmatch_lines(lines, consecutive=True)
