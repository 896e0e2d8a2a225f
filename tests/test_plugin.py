"""The pytest surface of pytest-apigw-faults, as a user meets it.

Each test writes a small test module with ``pytester``, runs pytest on it and
checks the outcome and the text pytest prints. This file covers activation
and the fixture, isolation between tests, ``times=``, async tests, seeds and
start-up cost; ``test_plugin_marker.py`` covers the scenario matrix, marker
merging and what ``--markers``, ``--fixtures`` and ``--help`` say;
``test_plugin_errors.py`` covers bad input and ``assert_response`` failures.

The inner runs never reach the network: their conftest refuses every socket
connection and name lookup, and any call that may pass a fault by is answered
by the test's own ``responses`` / ``respx`` mock.
"""

from __future__ import annotations

import re

import pytest
from support import INI, NO_NETWORK, literal, module, set_up_inner

from pytest_apigw_faults._gateway.table import Api, scenario_names

REST_ERROR = b'{"message": "Internal server error"}'
HTTP_UNAVAILABLE = b'{"message":"Service Unavailable"}'
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
CLIENT_MODULES = ("requests", "httpx", "responses", "respx")


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    return set_up_inner(pytester)


# 1. The marker alone, and the fixture -------------------------------------


def test_marker_alone_faults_requests_and_httpx(inner):
    inner.makepyfile(
        test_user_alone=module(
            """
            @pytest.mark.apigw_fault("lambda_throttled", api="rest")
            def test_call():
                r = requests.get(URL)
                assert r.status_code == 500
                assert r.content == b'{"message": "Internal server error"}'
                assert r.headers["x-amzn-errortype"] == "InternalServerErrorException"
                h = httpx.get(URL)
                assert h.status_code == 500
                assert h.content == r.content
                assert h.headers["x-amzn-errortype"] == "InternalServerErrorException"
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=1)


def test_fixture_shows_scenario_calls_and_rest_logs(inner):
    inner.makepyfile(
        test_user_fixture=module(
            f"""
            import re

            UUID = {UUID!r}


            @pytest.mark.apigw_fault("lambda_throttled", api="rest")
            def test_call(apigw_fault):
                assert apigw_fault.scenario.id == "rest-lambda_throttled"
                assert apigw_fault.scenario.status == 500
                assert apigw_fault.calls == []
                assert apigw_fault.logs == []

                r = requests.get(URL)
                h = httpx.get(URL)

                first, second = apigw_fault.calls
                assert first.client == "requests"
                assert isinstance(first.request, requests.PreparedRequest)
                assert (first.request.method, first.request.url) == ("GET", URL)
                assert first.response is r
                assert first.request_id == r.headers["x-amzn-requestid"]
                assert second.client == "httpx"
                assert isinstance(second.request, httpx.Request)
                assert (second.request.method, str(second.request.url)) == ("GET", URL)
                assert second.response is h
                assert second.request_id == h.headers["x-amzn-requestid"]
                assert first.request_id != second.request_id

                lambda_ids = []
                expected = []
                for call in (first, second):
                    rid = call.request_id
                    assert re.fullmatch(UUID, rid)
                    lines = apigw_fault.logs[len(expected):len(expected) + 3]
                    head = (
                        f"({{rid}}) Lambda invocation failed with status: 429."
                        " Lambda request id: "
                    )
                    assert lines[0].startswith(head)
                    lambda_ids.append(lines[0][len(head):])
                    expected += [
                        head + lambda_ids[-1],
                        f"({{rid}}) Execution failed due to configuration error: Rate Exceeded.",
                        f"({{rid}}) Method completed with status: 500",
                    ]
                assert apigw_fault.logs == expected
                assert all(re.fullmatch(UUID, i) for i in lambda_ids)
                assert len(set(lambda_ids + [first.request_id, second.request_id])) == 4

                apigw_fault.assert_response(r)
                apigw_fault.assert_response(h)
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=1)


def test_fixture_for_http_api_has_no_logs(inner):
    inner.makepyfile(
        test_user_http=module(
            """
            @pytest.mark.apigw_fault("lambda_throttled", api="http")
            def test_call(apigw_fault):
                r = requests.get(URL)
                h = httpx.get(URL)
                assert r.status_code == h.status_code == 503
                assert r.content == h.content == b'{"message":"Service Unavailable"}'
                assert [c.request_id for c in apigw_fault.calls] == [
                    r.headers["apigw-requestid"],
                    h.headers["apigw-requestid"],
                ]
                assert apigw_fault.logs == []
                apigw_fault.assert_response(r)
                apigw_fault.assert_response(h)
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=1)


def test_integration_timeout_needs_a_long_enough_client_timeout(inner):
    # 29 s of gateway latency, spent on a virtual clock: no test sleeps.
    inner.makepyfile(
        test_user_timeout=module(
            """
            @pytest.mark.apigw_fault("integration_timeout", api="rest")
            def test_call(apigw_fault):
                assert requests.get(URL).status_code == 504
                assert httpx.get(URL, timeout=None).status_code == 504
                with pytest.raises(httpx.ReadTimeout):
                    httpx.get(URL)  # httpx's default 5 s read timeout
                with pytest.raises(requests.ReadTimeout):
                    requests.get(URL, timeout=1)
                assert [c.timed_out for c in apigw_fault.calls] == [False, False, True, True]
                assert [c.response is None for c in apigw_fault.calls] == [False, False, True, True]
                apigw_fault.assert_response(apigw_fault.calls[0].response)
                apigw_fault.assert_response(apigw_fault.calls[1].response)
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=1)


def test_marker_fault_answers_inside_an_explicit_session_and_client(inner):
    inner.makepyfile(
        test_user_clients=module(
            """
            @pytest.mark.apigw_fault("function_error", api="rest")
            def test_call(apigw_fault):
                with requests.Session() as session:
                    r = session.post(URL, json={"id": 1})
                with httpx.Client(base_url=URL) as client:
                    h = client.put("", json={"id": 1})
                assert r.status_code == h.status_code == 502
                assert [c.request.method for c in apigw_fault.calls] == ["POST", "PUT"]
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=1)


# 6. No patch outlives its test --------------------------------------------

ISOLATION = """
import httpx
import pytest
import requests
import requests.adapters

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"

ORIGINALS = {
    "requests.Session.get_adapter": requests.Session.get_adapter,
    "httpx.HTTPTransport.handle_request": httpx.HTTPTransport.handle_request,
    "httpx.AsyncHTTPTransport.handle_async_request": (
        httpx.AsyncHTTPTransport.handle_async_request
    ),
    "requests.adapters.HTTPAdapter.send": requests.adapters.HTTPAdapter.send,
}


def current():
    return {
        "requests.Session.get_adapter": requests.Session.get_adapter,
        "httpx.HTTPTransport.handle_request": httpx.HTTPTransport.handle_request,
        "httpx.AsyncHTTPTransport.handle_async_request": (
            httpx.AsyncHTTPTransport.handle_async_request
        ),
        "requests.adapters.HTTPAdapter.send": requests.adapters.HTTPAdapter.send,
    }


def changed():
    return sorted(name for name, now in current().items() if now is not ORIGINALS[name])


PATCHED = [
    "httpx.AsyncHTTPTransport.handle_async_request",
    "httpx.HTTPTransport.handle_request",
    "requests.Session.get_adapter",
]


@pytest.mark.apigw_fault("function_error", api="rest")
def test_1_fails():
    assert changed() == PATCHED
    assert requests.get(URL).status_code == 502
    assert httpx.get(URL).status_code == 502
    pytest.fail("failing on purpose while faulted")


def test_2_after_failure():
    assert changed() == []


@pytest.fixture
def later_fixture():
    assert changed() == PATCHED  # the marker's fault is already started
    raise RuntimeError("later fixture broke while faulted")


@pytest.mark.apigw_fault("function_error", api="http")
def test_3_setup_error(apigw_fault, later_fixture):
    pass


def test_4_after_setup_error():
    assert changed() == []


@pytest.mark.apigw_fault("function_error", api="rest")
def test_5_raises_in_faulted_call():
    def broken_hook(response):
        raise RuntimeError("hook broke inside a faulted call")

    with httpx.Client(event_hooks={"response": [broken_hook]}) as client:
        client.get(URL)


def test_6_after_raise_in_httpx_call():
    assert changed() == []


@pytest.mark.apigw_fault("integration_timeout", api="rest")
def test_7_times_out_in_faulted_call():
    requests.get(URL, timeout=1)


def test_8_after_raise_in_requests_call():
    assert changed() == []
"""


def test_no_patch_outlives_a_failing_erroring_or_raising_test(inner):
    inner.makepyfile(test_user_isolation=ISOLATION)
    result = inner.runpytest("-v", "-p", "no:randomly")
    result.assert_outcomes(passed=4, failed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "test_user_isolation.py::test_1_fails FAILED *",
            "test_user_isolation.py::test_2_after_failure PASSED *",
            "test_user_isolation.py::test_3_setup_error ERROR *",
            "test_user_isolation.py::test_4_after_setup_error PASSED *",
            "test_user_isolation.py::test_5_raises_in_faulted_call FAILED *",
            "test_user_isolation.py::test_6_after_raise_in_httpx_call PASSED *",
            "test_user_isolation.py::test_7_times_out_in_faulted_call FAILED *",
            "test_user_isolation.py::test_8_after_raise_in_requests_call PASSED *",
        ],
        consecutive=True,
    )
    # Each bad test went wrong for the intended reason, while faulted.
    result.stdout.fnmatch_lines(
        [
            "_*_ ERROR at setup of test_3_setup_error _*_",
            "E *RuntimeError: later fixture broke while faulted",
            "_*_ test_1_fails _*_",
            "E *Failed: failing on purpose while faulted",
            "_*_ test_5_raises_in_faulted_call _*_",
            "E *RuntimeError: hook broke inside a faulted call",
            "_*_ test_7_times_out_in_faulted_call _*_",
            "E *requests.exceptions.ReadTimeout: *Read timed out. (read timeout=1)",
        ]
    )


# 7. times= -----------------------------------------------------------------


def test_times_2_lets_the_third_requests_call_through_to_the_user_mock(inner):
    inner.makepyfile(
        test_user_times=module(
            """
            import responses


            @pytest.mark.apigw_fault("function_error", api="rest", times=2)
            def test_call(apigw_fault):
                with responses.RequestsMock() as user:  # asserts its route is used
                    user.get(URL, body="from the user's mock")
                    got = [requests.get(URL) for _ in range(3)]
                    assert [call.response for call in user.calls] == got[2:]
                assert [r.status_code for r in got] == [502, 502, 200]
                assert got[2].text == "from the user's mock"
                assert [c.response for c in apigw_fault.calls] == got[:2]
            """
        )
    )
    result = inner.runpytest("--apigw-strict=off")  # times=N lets later calls pass
    result.assert_outcomes(passed=1)


def test_times_2_lets_the_third_httpx_call_through_to_the_user_mock(inner):
    inner.makepyfile(
        test_user_times=module(
            """
            import respx


            @pytest.mark.apigw_fault("function_error", api="http", times=2)
            def test_call(apigw_fault):
                with respx.mock() as user:  # asserts its route is used
                    route = user.get(URL).respond(200, text="from the user's mock")
                    got = [httpx.get(URL) for _ in range(3)]
                assert [r.status_code for r in got] == [500, 500, 200]
                assert got[2].text == "from the user's mock"
                assert [c.response for c in apigw_fault.calls] == got[:2]
                assert route.call_count == 1
            """
        )
    )
    result = inner.runpytest("--apigw-strict=off")  # times=N lets later calls pass
    result.assert_outcomes(passed=1)


def test_times_counts_the_calls_of_both_clients_together(inner):
    inner.makepyfile(
        test_user_times=module(
            """
            import respx
            import responses


            @pytest.mark.apigw_fault("function_error", api="rest", times=2)
            def test_call(apigw_fault):
                with responses.RequestsMock() as user_requests, respx.mock() as user_httpx:
                    user_requests.get(URL, body="requests mock")
                    user_httpx.get(URL).respond(200, text="respx mock")
                    statuses = [
                        requests.get(URL).status_code,
                        httpx.get(URL).status_code,
                        requests.get(URL).status_code,
                        httpx.get(URL).status_code,
                    ]
                assert statuses == [502, 502, 200, 200]
                assert [c.client for c in apigw_fault.calls] == ["requests", "httpx"]
            """
        )
    )
    result = inner.runpytest("--apigw-strict=off")  # times=N lets later calls pass
    result.assert_outcomes(passed=1)


# 11. Async tests ------------------------------------------------------------


def test_async_test_with_marker_faults_httpx_async_client(inner):
    inner.makepyfile(
        test_user_async=module(
            """
            @pytest.mark.asyncio
            @pytest.mark.apigw_fault("lambda_throttled", api="http")
            async def test_single(apigw_fault):
                async with httpx.AsyncClient() as client:
                    r = await client.get(URL)
                assert r.status_code == 503
                assert r.content == b'{"message":"Service Unavailable"}'
                assert apigw_fault.calls[0].client == "httpx"
                assert apigw_fault.calls[0].response is r
                apigw_fault.assert_response(r)


            @pytest.mark.asyncio
            @pytest.mark.apigw_fault(api="rest")
            async def test_matrix(apigw_fault):
                async with httpx.AsyncClient(timeout=None) as client:
                    r = await client.get(URL)
                assert r.status_code == apigw_fault.scenario.status
                apigw_fault.assert_response(r)
            """
        )
    )
    result = inner.runpytest("-v")
    result.assert_outcomes(passed=1 + len(scenario_names(Api.REST)))
    result.stdout.fnmatch_lines(
        [
            "test_user_async.py::test_single PASSED *",
            "test_user_async.py::test_matrix[[]rest-integration_timeout[]] PASSED *",
        ]
    )


# 9. Seeds -------------------------------------------------------------------

SEEDED = module(
    """
    import pathlib


    def write_ids(request, apigw_fault):
        r = requests.get(URL)
        h = httpx.get(URL)
        header = "x-amzn-requestid" if apigw_fault.scenario.api == "rest" else "apigw-requestid"
        ids = [c.request_id for c in apigw_fault.calls]
        assert ids == [r.headers[header], h.headers[header]]
        with open(pathlib.Path(__file__).with_name("ids.txt"), "a") as out:
            out.write(f"{request.node.name} {' '.join(ids)}\\n")


    @pytest.mark.apigw_fault("function_error")
    def test_ids(request, apigw_fault):
        write_ids(request, apigw_fault)


    @pytest.mark.apigw_fault("function_error", api="rest")
    def test_more_ids(request, apigw_fault):
        write_ids(request, apigw_fault)
    """
)
SEED_LINE = re.compile(r"^apigw-faults: seed (\S+) \(reproduce with --apigw-seed\)$", re.M)


def run_ids(pytester: pytest.Pytester, *args: str, subprocess: bool = False) -> tuple[str, list]:
    """Run the seeded module; return the seed in the header and the ids written."""
    run = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    result = run(*args)
    result.assert_outcomes(passed=3)
    seeds = SEED_LINE.findall(result.stdout.str())
    assert len(seeds) == 1, result.stdout.str()
    written = pytester.path / "ids.txt"
    lines = sorted(written.read_text().splitlines())
    written.unlink()
    assert [line.split()[0] for line in lines] == [
        "test_ids[http-function_error]",
        "test_ids[rest-function_error]",
        "test_more_ids",
    ]
    return seeds[0], lines


def all_ids(lines: list) -> set:
    return {request_id for line in lines for request_id in line.split()[1:]}


def test_report_header_shows_a_fresh_seed_per_run(inner):
    inner.makepyfile(test_user_seed=SEEDED)
    first_seed, first = run_ids(inner)
    second_seed, second = run_ids(inner)
    assert first_seed.isdigit()
    assert second_seed.isdigit()
    assert first_seed != second_seed
    assert all_ids(first).isdisjoint(all_ids(second))


def test_the_header_seed_reproduces_a_run(inner):
    inner.makepyfile(test_user_seed=SEEDED)
    seed, first = run_ids(inner)
    again_seed, again = run_ids(inner, f"--apigw-seed={seed}")
    assert again_seed == seed
    assert again == first


def test_seed_option_makes_request_ids_reproducible(inner):
    inner.makepyfile(test_user_seed=SEEDED)
    seed, first = run_ids(inner, "--apigw-seed=123")
    assert seed == "123"
    assert len(all_ids(first)) == 6  # every call of every test its own id
    assert run_ids(inner, "--apigw-seed=123") == ("123", first)
    other_seed, other = run_ids(inner, "--apigw-seed=124")
    assert other_seed == "124"
    assert all_ids(other).isdisjoint(all_ids(first))


def test_seed_ini_key_works_and_the_option_wins(inner):
    inner.makepyfile(test_user_seed=SEEDED)
    _, by_option_123 = run_ids(inner, "--apigw-seed=123")
    _, by_option_456 = run_ids(inner, "--apigw-seed=456")

    inner.makeini(INI + "apigw_fault_seed = 123\n")
    assert run_ids(inner) == ("123", by_option_123)
    assert run_ids(inner, "--apigw-seed=456") == ("456", by_option_456)


def test_xdist_workers_use_the_controllers_seed(inner):
    pytest.importorskip("xdist", reason="pytest-xdist (in the test dependency group)")
    inner.makepyfile(test_user_seed=SEEDED)
    seed, distributed = run_ids(inner, "-p", "xdist", "-n", "2", subprocess=True)
    assert seed.isdigit()
    assert run_ids(inner, f"--apigw-seed={seed}", "-p", "no:xdist") == (seed, distributed)


# 10. Start-up cost ----------------------------------------------------------

LOADED_REPORT = f"""
import sys


def pytest_terminal_summary(terminalreporter):
    clients = [name for name in {CLIENT_MODULES!r} if name in sys.modules]
    ours = sorted(name for name in sys.modules if name.startswith("pytest_apigw_faults"))
    terminalreporter.write_line(f"client modules at session end: {{clients}}")
    terminalreporter.write_line(f"plugin modules at session end: {{ours}}")
"""


def test_a_run_that_uses_no_fault_imports_no_http_client(pytester):
    # respx registers a pytest plugin of its own (respx.plugin, for its
    # respx_mock fixture) that imports respx and so httpx whenever it is
    # installed; it is disabled here so that only this plugin is measured,
    # and so is pytest-httpx's plugin (in the test group), which imports httpx.
    # pytest-asyncio, anyio and xdist import none of the four.
    pytester.makeini(INI)
    pytester.makeconftest(LOADED_REPORT)
    pytester.makepyfile(
        test_user_plain=f"""
        import sys


        def test_plain():
            assert [m for m in {CLIENT_MODULES!r} if m in sys.modules] == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:respx", "-p", "no:pytest_httpx")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "apigw-faults: seed * (reproduce with --apigw-seed)",  # the plugin is loaded
            "plugins: *apigw-faults-*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            literal("client modules at session end: []"),
            literal(
                "plugin modules at session end: ['pytest_apigw_faults',"
                " 'pytest_apigw_faults._core', 'pytest_apigw_faults._core.arguments',"
                " 'pytest_apigw_faults._gateway',"
                " 'pytest_apigw_faults._gateway.errors', 'pytest_apigw_faults._gateway.names',"
                " 'pytest_apigw_faults.plugin']"
            ),
        ],
        consecutive=True,
    )


def test_the_start_up_check_sees_clients_a_fault_imports(pytester):
    # The same measurement, with a test that uses a fault: it sees the backend
    # of the client the test imports (requests), and only that one: httpx and
    # aiohttp, not imported, get theirs if they are imported while the fault
    # is started. (pytest-httpx's plugin, which imports httpx, is left out.)
    pytest.importorskip("requests")
    pytest.importorskip("responses")
    pytester.makeini(INI)
    pytester.makeconftest(LOADED_REPORT + NO_NETWORK)
    pytester.makepyfile(
        test_user_faulted="""
        import pytest
        import requests


        @pytest.mark.apigw_fault("function_error", api="rest")
        def test_faulted():
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:respx", "-p", "no:pytest_httpx")
    result.assert_outcomes(passed=1)
    clients = literal("client modules at session end: ['requests', 'responses']")
    result.stdout.fnmatch_lines([clients])
