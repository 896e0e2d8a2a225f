"""Second copies of the package's modules: in-process pytester runs and
``importlib.reload``.

pytester's in-process runs put ``sys.modules`` back as it was after every
run, so a module first imported inside a run is imported afresh by the next
one, while objects of the old copy live on (the package's public names, a
fault kept by the outer test). Each copy must find the faults of every other
(one runtime per run, one patchboard per process), and nothing may reach the
network: the inner conftest refuses every socket. ``importlib.reload`` of a
module either keeps everything working or refuses with a clear
``ApigwFaultError``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pkgutil
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import NO_NETWORK, assert_untouched, set_up_inner

import pytest_apigw_faults
from pytest_apigw_faults import Fault
from pytest_apigw_faults._core import runtime

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
BACKENDS = {"requests": "responses", "httpx": "respx", "aiohttp": "aioresponses"}
CLIENTS = [c for c, b in BACKENDS.items() if all(importlib.util.find_spec(m) for m in (c, b))]
# The modules the plugin loads at start-up: they are in every snapshot.
KEPT = {
    "pytest_apigw_faults",
    "pytest_apigw_faults.plugin",
    "pytest_apigw_faults._core",
    "pytest_apigw_faults._core.runtime",
}




def needs(client: str) -> None:
    pytest.importorskip(client)
    pytest.importorskip(BACKENDS[client])


@pytest.fixture(autouse=True)
def _untouched() -> Iterator[None]:
    assert_untouched()
    yield
    assert_untouched()


# -- in-process runs ------------------------------------------------------------

CALLS = {
    "requests": """
        import requests

        def get():
            return requests.get(URL, timeout=5).status_code

        def own():
            return requests.Session.get_adapter.__module__ == "requests.sessions"
    """,
    "httpx": """
        import asyncio

        import httpx

        def get():
            async def get_async():
                async with httpx.AsyncClient() as client:
                    return (await client.get(URL)).status_code

            statuses = {httpx.get(URL).status_code, asyncio.run(get_async())}
            assert len(statuses) == 1, statuses
            return statuses.pop()

        def own():
            return httpx.HTTPTransport.handle_request.__module__ == "httpx._transports.default"
    """,
    "aiohttp": """
        import asyncio

        import aiohttp

        def get():
            async def get_async():
                async with aiohttp.ClientSession() as session:
                    async with session.get(URL) as response:
                        return response.status

            return asyncio.run(get_async())

        def own():
            return aiohttp.ClientSession._request.__module__ == "aiohttp.client"
    """,
}

INNER_TESTS = """
import pytest
from pytest_apigw_faults import Fault

URL = {url!r}
CLIENT = {client!r}
{calls}


@pytest.mark.apigw_fault("function_error", api="rest", clients=CLIENT)
def test_the_marker(apigw_fault):
    assert get() == 502
    assert len(apigw_fault.calls) == 1 + (CLIENT == "httpx")


def test_inject(apigw_fault):
    apigw_fault.inject("lambda_throttled", api="http", clients=CLIENT, virtual_time=True)
    assert get() == 503


def test_a_hand_made_fault():
    with Fault("lambda_throttled", api="rest", clients=CLIENT) as fault:
        assert get() == 500
    assert fault.calls


@Fault("function_error", api="rest", clients=CLIENT)
def test_a_decorated_test():
    assert get() == 502


def test_then_the_client_is_its_own_again():
    assert own()
"""


@contextlib.contextmanager
def imported_afresh(names: set[str]) -> Iterator[None]:
    """``names`` out of ``sys.modules`` meanwhile, as if never imported; then
    ``sys.modules``, the packages' attributes and the public names the
    package has looked up as they were, for the tests after this one."""
    public = dict(vars(pytest_apigw_faults))
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    try:
        yield
    finally:
        for name in [n for n in sys.modules if n.startswith("pytest_apigw_faults.")]:
            if name not in KEPT and name not in saved:
                del sys.modules[name]
        sys.modules.update(saved)
        for name, module in saved.items():
            parent, _, attribute = name.rpartition(".")
            if parent in sys.modules:
                setattr(sys.modules[parent], attribute, module)
        vars(pytest_apigw_faults).clear()
        vars(pytest_apigw_faults).update(public)


@pytest.fixture(params=["package", "package-and-client"])
def fresh(request: pytest.FixtureRequest) -> str:
    """Which modules each inner run imports afresh: the package's (but those
    the plugin loads at start-up), and for the second param the client
    library and its mock library too."""
    return str(request.param)


@pytest.mark.parametrize("client", CLIENTS)
def test_every_in_process_run_has_its_faults_answer(
    pytester: pytest.Pytester, client: str, fresh: str
) -> None:
    needs(client)
    set_up_inner(pytester)
    pytester.makepyfile(
        test_user_runs=INNER_TESTS.format(
            url=URL, client=client, calls=textwrap.dedent(CALLS[client])
        )
    )
    names = {n for n in sys.modules if n.startswith("pytest_apigw_faults.")} - KEPT
    if fresh == "package-and-client":
        roots = {client, BACKENDS[client]}
        names |= {n for n in sys.modules if n.split(".")[0] in roots}
    with imported_afresh(names):
        for run in range(3):
            result = pytester.runpytest("-p", "no:randomly")
            assert result.ret == 0, f"run {run + 1}:\n{result.stdout.str()}"
            result.assert_outcomes(passed=5)
            assert runtime.board().installed == {}
            assert runtime.board().clock is None


def test_a_fault_of_the_outer_test_answers_inside_an_inner_run(
    pytester: pytest.Pytester,
) -> None:
    """The inner run's hooks see it, its runtime does not stop it."""
    needs("requests")
    set_up_inner(pytester)
    pytester.makepyfile(
        test_user_inner=f"""
        import requests

        def test_outer_fault_answers():
            assert requests.get({URL!r}, timeout=5).status_code == 503
        """
    )
    with Fault("lambda_throttled", api="http", clients="requests") as outer:
        pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
        pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
        assert outer.started
        assert runtime.current().faults == (outer,)
    assert len(outer.calls) == 2


def test_the_mocker_is_not_registered_with_respx() -> None:
    needs("httpx")
    import respx.mocks

    with Fault("function_error", api="rest", clients="httpx"):
        pass
    assert not any("apigw" in name for name in respx.mocks.Mocker.registry)


# -- the seed stream ------------------------------------------------------------

SEEDED_AROUND_A_RUN = """
import pathlib

import requests
from pytest_apigw_faults import Fault

URL = {url!r}


def request_id():
    with Fault("function_error", api="rest", clients="requests"):
        return requests.get(URL, timeout=5).headers["x-amzn-requestid"]


def test_ids(pytester):
    first = request_id()
    if {inner_run!r}:
        pytester.makeconftest({conftest!r})
        pytester.makepyfile(test_nothing="def test_nothing(): pass")
        pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    pathlib.Path({out!r}).write_text(first + " " + request_id())
"""


def test_an_inner_run_leaves_the_outer_runs_seed_stream_alone(pytester: pytest.Pytester) -> None:
    needs("requests")
    set_up_inner(pytester)
    out = pytester.path / "ids.txt"

    def ids(inner_run: bool) -> str:
        pytester.makepyfile(
            test_user_seeded=SEEDED_AROUND_A_RUN.format(
                url=URL, inner_run=inner_run, conftest=NO_NETWORK, out=str(out)
            )
        )
        result = pytester.runpytest("-p", "pytester", "--apigw-seed=7")
        result.assert_outcomes(passed=1)
        return out.read_text()

    assert ids(inner_run=True) == ids(inner_run=False)


# -- importlib.reload -----------------------------------------------------------

RELOAD_EVERY_MODULE = r"""
import asyncio
import importlib
import json
import os
import pkgutil
import socket
import sys
import time

import pytest_apigw_faults

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
CLIENTS = json.loads(sys.argv[1])


def refuse(*args, **kwargs):
    raise OSError("reload check: the network is off limits")


socket.getaddrinfo = refuse
socket.create_connection = refuse
socket.socket.connect = refuse


SESSIONS = {}  # made once, before the forks


def call(client):
    if client == "requests":
        import requests

        if client not in SESSIONS:
            SESSIONS[client] = requests.Session()
        return SESSIONS[client].get(URL, timeout=5).status_code
    if client == "httpx":
        import httpx

        if client not in SESSIONS:
            SESSIONS[client] = httpx.Client()
        return SESSIONS[client].get(URL).status_code
    import aiohttp

    async def get():
        async with aiohttp.ClientSession() as session:
            async with session.get(URL) as response:
                return response.status

    return asyncio.run(get())


def real():
    import asyncio.base_events

    found = {
        "sleep": time.sleep, "monotonic": time.monotonic,
        "loop time": asyncio.base_events.BaseEventLoop.__dict__["time"],
    }
    if "requests" in CLIENTS:
        import requests
        found["get_adapter"] = requests.Session.__dict__["get_adapter"]
    if "httpx" in CLIENTS:
        import httpx
        found["handle_request"] = httpx.HTTPTransport.__dict__["handle_request"]
    if "aiohttp" in CLIENTS:
        import aiohttp
        found["_request"] = aiohttp.ClientSession.__dict__["_request"]
    return found


def fault(**kwargs):
    return pytest_apigw_faults.Fault("function_error", api="rest", clients=CLIENTS, **kwargs)


def answered(started):
    for client in CLIENTS:
        status = call(client)
        assert status == 502, f"{client} got {status}"
    assert len(started.calls) == len(CLIENTS)


def check(name, phase):
    module = importlib.import_module(name)
    outcome = "reloaded"
    started = fault(virtual_time=True).start() if phase == "while-started" else None
    try:
        importlib.reload(module)
    except Exception as error:
        if type(error).__name__ != "ApigwFaultError":
            raise
        outcome = f"refused: {error}"
    if started is not None:
        answered(started)
        started.stop()
    with fault(virtual_time=True) as again:
        answered(again)
    for client in CLIENTS:  # a call no fault answers is still refused, not let out
        with fault(times=1):
            assert call(client) == 502
            refused(client)
    assert real() == REAL, "something is still patched"
    return outcome


def refused(client):
    try:
        status = call(client)
    except Exception as error:
        if type(error).__name__ != "ApigwFaultError" or "refused" not in str(error):
            raise
        return
    raise AssertionError(f"{client}: a call no fault answers passed through ({status})")


with fault(virtual_time=True) as warming:  # adapters, clock and clients made once
    answered(warming)
REAL = real()
names = sorted(
    info.name
    for info in pkgutil.walk_packages(pytest_apigw_faults.__path__, "pytest_apigw_faults.")
)
for name in ["pytest_apigw_faults", *names]:
    for phase in ("idle", "while-started"):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                result = check(name, phase)
            except BaseException as error:
                result = f"FAILED: {type(error).__name__}: {error}"
            os.write(write, json.dumps([name, phase, result]).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            received = pipe.read()
        os.waitpid(pid, 0)
        print(received or json.dumps([name, phase, "FAILED: the check died"]), flush=True)
"""


@pytest.fixture(scope="module")
def reloads(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    """Every module reloaded, idle and with a fault started, each in a fork
    of one process: what happened."""
    if not hasattr(os, "fork"):
        pytest.skip("needs os.fork")
    if not CLIENTS:
        pytest.skip("needs a client")
    script = tmp_path_factory.mktemp("reload") / "reload_every_module.py"
    script.write_text(RELOAD_EVERY_MODULE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), json.dumps(CLIENTS)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    found: dict[tuple[str, str], str] = {}
    for line in done.stdout.splitlines():
        name, phase, result = json.loads(line)
        found[(name, phase)] = result
    return found


def _importable(module: str) -> bool:
    """Whether an adapter module's client and mock library are installed
    (the single-client rows of the install matrix, noxfile.py, lack the others)."""
    client = module.rpartition(".")[2] if "._adapters." in module else None
    if client not in BACKENDS:
        return True
    return all(importlib.util.find_spec(name) for name in (client, BACKENDS[client]))


MODULES = [
    "pytest_apigw_faults",
    *sorted(
        info.name
        for info in pkgutil.walk_packages(pytest_apigw_faults.__path__, "pytest_apigw_faults.")
        if _importable(info.name)
    ),
]


@pytest.mark.parametrize("phase", ["idle", "while-started"])
@pytest.mark.parametrize("name", MODULES)
def test_reloading_a_module_keeps_faults_answering_or_refuses_clearly(
    reloads: dict[tuple[str, str], str], name: str, phase: str
) -> None:
    result = reloads[(name, phase)]
    assert not result.startswith("FAILED"), result
    if result.startswith("refused"):
        # only an adapter whose patches are installed refuses
        assert phase == "while-started"
        assert "._adapters." in name, result
        assert "cannot be reloaded while a fault patches its client" in result


TWO_COPIES = r"""
import asyncio
import json
import socket
import sys

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
CLIENTS = json.loads(sys.argv[1])


def refuse(*args, **kwargs):
    raise OSError("two copies: the network is off limits")


socket.getaddrinfo = refuse
socket.create_connection = refuse
socket.socket.connect = refuse


def call(client):
    if client == "requests":
        import requests

        return requests.get(URL, timeout=5).status_code
    if client == "httpx":
        import httpx

        return httpx.get(URL).status_code
    import aiohttp

    async def get():
        async with aiohttp.ClientSession() as session:
            async with session.get(URL) as response:
                return response.status

    return asyncio.run(get())


def real():
    import requests, httpx, aiohttp
    return (
        requests.Session.__dict__["get_adapter"],
        httpx.HTTPTransport.__dict__["handle_request"],
        aiohttp.ClientSession.__dict__["_request"],
    )


REAL = real()
import pytest_apigw_faults as first
import pytest_apigw_faults._core.runtime as first_runtime

FirstFault = first.Fault

first_copy = {n: m for n, m in sys.modules.items() if n.startswith("pytest_apigw_faults")}
for name in first_copy:
    del sys.modules[name]
import pytest_apigw_faults as second
import pytest_apigw_faults._core.runtime as second_runtime

assert second is not first
assert second_runtime is not first_runtime
assert second_runtime.board() is first_runtime.board()  # one per process
assert second.Fault is not FirstFault
for client in CLIENTS:
    for order in ("last-in-first-out", "first-in-first-out"):
        older = FirstFault("function_error", api="rest", clients=client).start()
        newer = second.Fault("lambda_throttled", api="http", clients=client).start()
        assert call(client) == 503
        for fault in (newer, older) if order == "last-in-first-out" else (older, newer):
            fault.stop()
            if newer.started:
                assert call(client) == 503
            elif older.started:
                assert call(client) == 502
        assert real() == REAL, f"{client} {order}: still patched"
        print(client, order, "works")
"""


def test_a_second_copy_of_every_module_works_beside_the_first(tmp_path: Path) -> None:
    """The package imported again after ``sys.modules`` was cleared of it:
    the faults of both copies answer, through either copy's hooks, in the
    one patchboard of the process."""
    if set(CLIENTS) != set(BACKENDS):
        pytest.skip("needs every client")
    script = tmp_path / "two_copies.py"
    script.write_text(TWO_COPIES, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), json.dumps(CLIENTS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{client} {order} works"
        for client in CLIENTS
        for order in ("last-in-first-out", "first-in-first-out")
    ]


PLUGIN_RELOADED = """
import importlib

import pytest
import requests

import pytest_apigw_faults.plugin
from pytest_apigw_faults import Fault

URL = {url!r}


def test_reload_the_plugin():
    importlib.reload(pytest_apigw_faults.plugin)


@pytest.mark.apigw_fault("function_error", api="rest", clients="requests")
def test_the_marker_after(apigw_fault):
    assert requests.get(URL, timeout=5).status_code == 502
    assert len(apigw_fault.calls) == 1


def test_a_fault_left_started_is_still_caught():
    Fault("function_error", api="rest", clients="requests").start()


def test_ids(apigw_fault):
    apigw_fault.inject("function_error", api="rest", clients="requests")
    print("ID", requests.get(URL, timeout=5).headers["x-amzn-requestid"])
    with Fault("function_error", api="rest", clients="requests"):
        print("ID", requests.get(URL, timeout=5).headers["x-amzn-requestid"])
"""


def test_a_run_goes_on_after_the_plugin_module_is_reloaded(pytester: pytest.Pytester) -> None:
    needs("requests")
    set_up_inner(pytester)
    pytester.makepyfile(test_user_reload=PLUGIN_RELOADED.format(url=URL))

    def run(*args: str) -> list[str]:
        result = pytester.runpytest_subprocess("-s", "--apigw-seed=3", "-p", "no:randomly", *args)
        result.stdout.fnmatch_lines(["*test_a_fault_left_started_is_still_caught*did not stop it*"])
        return re.findall(r"ID ([0-9a-f-]{36})", result.stdout.str())

    reloaded = run()
    assert len(reloaded) == 2
    assert reloaded == run("-k", "not test_reload_the_plugin")  # the same seeds
