"""The ``apigw_fault`` marker: the scenario matrix, marker merging, and the
plugin's self-documentation (``--markers``, ``--fixtures``, ``--help``).

As in ``test_plugin.py``, every test runs pytest on a small module written
with ``pytester``; the inner runs refuse network access.
"""

from __future__ import annotations

import pytest
from support import literal, module, set_up_inner

from pytest_apigw_faults import SCENARIOS

#: The ids of the scenario table, in table order.
TABLE_IDS = [row.id for row in SCENARIOS.values()]
REST_IDS = [i for i in TABLE_IDS if i.startswith("rest-")]
HTTP_IDS = [i for i in TABLE_IDS if i.startswith("http-")]

#: Checks, with both clients, that a matrix test gets the scenario its id
#: names (timeout=None: integration_timeout takes 29 or 30 s of virtual time).
CHECK_ROW = """

def check_row(request, apigw_fault):
    assert apigw_fault.scenario.id == request.node.callspec.id
    r = requests.get(URL)
    h = httpx.get(URL, timeout=None)
    assert r.status_code == h.status_code == apigw_fault.scenario.status
    apigw_fault.assert_response(r)
    apigw_fault.assert_response(h)
"""


def collected(nodeids: list[str]) -> list[str]:
    """The exact ``--collect-only -q`` listing of ``nodeids``."""
    count = f"{len(nodeids)} test{'' if len(nodeids) == 1 else 's'} collected in *"
    return [*(literal(n) for n in nodeids), "", count]


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    return set_up_inner(pytester)


# 2. The matrix --------------------------------------------------------------


@pytest.mark.parametrize(
    ("selection", "ids"),
    [
        ('api="http"', HTTP_IDS),
        ('endpoint="edge"', [i for i in REST_IDS if i != "rest-payload_too_large"]),
        (
            'endpoint="regional"',
            [i for i in TABLE_IDS if i != "rest-request_too_large"],
        ),
    ],
    ids=[
        "api-only",
        "endpoint-only-selects-the-api-that-offers-it",
        "endpoint-only-selects-the-rows-that-exist-there",
    ],
)
def test_api_only_runs_once_per_scenario_of_that_api(inner, selection, ids):
    inner.makepyfile(
        test_user_matrix=module(
            f"""
            @pytest.mark.apigw_fault({selection})
            def test_x(request, apigw_fault):
                check_row(request, apigw_fault)
            """
        )
        + CHECK_ROW
    )
    listing = inner.runpytest("--collect-only", "-q")
    listing.stdout.fnmatch_lines(
        collected([f"test_user_matrix.py::test_x[{i}]" for i in ids]), consecutive=True
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=len(ids))


def test_name_only_runs_once_per_api(inner):
    inner.makepyfile(
        test_user_matrix=module(
            """
            @pytest.mark.apigw_fault("function_error")
            def test_x(request, apigw_fault):
                check_row(request, apigw_fault)
            """
        )
        + CHECK_ROW
    )
    listing = inner.runpytest("--collect-only", "-q")
    listing.stdout.fnmatch_lines(
        collected(
            [
                "test_user_matrix.py::test_x[rest-function_error]",
                "test_user_matrix.py::test_x[http-function_error]",
            ]
        ),
        consecutive=True,
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=2)


def test_bare_marker_runs_every_scenario_in_table_order(inner):
    inner.makepyfile(
        test_user_matrix=module(
            """
            @pytest.mark.apigw_fault
            def test_x(request, apigw_fault):
                check_row(request, apigw_fault)
            """
        )
        + CHECK_ROW
    )
    listing = inner.runpytest("--collect-only", "-q")
    listing.stdout.fnmatch_lines(
        collected([f"test_user_matrix.py::test_x[{i}]" for i in TABLE_IDS]), consecutive=True
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=len(TABLE_IDS))


def test_matrix_test_without_the_fixture_is_faulted_too(inner):
    inner.makepyfile(
        test_user_matrix=module(
            """
            @pytest.mark.apigw_fault(api="rest")
            def test_x():
                assert requests.get(URL).status_code >= 400
                assert httpx.get(URL, timeout=None).status_code >= 400
            """
        )
    )
    inner.runpytest().assert_outcomes(passed=len(REST_IDS))


def test_parametrize_with_scenarios_and_inject(inner):
    inner.makepyfile(
        test_user_param=module(
            """
            from pytest_apigw_faults import Scenario, scenarios


            @pytest.mark.parametrize("scenario", scenarios(api="rest"))
            def test_p(request, apigw_fault, scenario):
                assert isinstance(scenario, Scenario)
                assert apigw_fault.faults == ()
                fault = apigw_fault.inject(scenario)
                assert apigw_fault.fault is fault
                assert apigw_fault.scenario is scenario
                assert scenario.id == request.node.callspec.id
                r = requests.get(URL)
                assert r.status_code == scenario.status
                apigw_fault.assert_response(r)
            """
        )
    )
    listing = inner.runpytest("--collect-only", "-q")
    listing.stdout.fnmatch_lines(
        collected([f"test_user_param.py::test_p[{i}]" for i in REST_IDS]), consecutive=True
    )
    inner.runpytest().assert_outcomes(passed=len(REST_IDS))


def test_scenarios_by_name_across_apis(inner):
    inner.makepyfile(
        test_user_param="""
        import pytest
        from pytest_apigw_faults import scenarios


        @pytest.mark.parametrize("scenario", scenarios("permission_denied", "function_error"))
        def test_p(scenario):
            pass
        """
    )
    listing = inner.runpytest("--collect-only", "-q")
    listing.stdout.fnmatch_lines(
        collected(
            [
                "test_user_param.py::test_p[rest-permission_denied]",
                "test_user_param.py::test_p[rest-function_error]",
                "test_user_param.py::test_p[http-permission_denied]",
                "test_user_param.py::test_p[http-function_error]",
            ]
        ),
        consecutive=True,
    )


# 3. Merging module, class and function markers ------------------------------


def test_module_marker_merges_with_function_marker(inner):
    inner.makepyfile(
        test_user_merge=module(
            """
            pytestmark = pytest.mark.apigw_fault(api="rest")


            @pytest.mark.apigw_fault("function_error")
            def test_f(apigw_fault):
                assert apigw_fault.scenario.id == "rest-function_error"
                r = requests.get(URL)
                assert r.status_code == 502
                apigw_fault.assert_response(r)
            """
        )
    )
    listing = inner.runpytest("--collect-only", "-q")
    listing.stdout.fnmatch_lines(collected(["test_user_merge.py::test_f"]), consecutive=True)
    inner.runpytest().assert_outcomes(passed=1)


def test_class_marker_merges_with_method_marker(inner):
    inner.makepyfile(
        test_user_merge=module(
            """
            @pytest.mark.apigw_fault("function_error")
            class TestOrders:
                @pytest.mark.apigw_fault(api="http")
                def test_http(self, apigw_fault):
                    assert apigw_fault.scenario.id == "http-function_error"
                    assert requests.get(URL).status_code == 500

                def test_both(self, request, apigw_fault):
                    assert apigw_fault.scenario.id == request.node.callspec.id
                    assert apigw_fault.scenario.name == "function_error"
            """
        )
    )
    listing = inner.runpytest("--collect-only", "-q")
    listing.stdout.fnmatch_lines(
        collected(
            [
                "test_user_merge.py::TestOrders::test_http",
                "test_user_merge.py::TestOrders::test_both[rest-function_error]",
                "test_user_merge.py::TestOrders::test_both[http-function_error]",
            ]
        ),
        consecutive=True,
    )
    inner.runpytest().assert_outcomes(passed=3)


def test_module_class_and_function_markers_merge(inner):
    inner.makepyfile(
        test_user_merge=module(
            """
            pytestmark = pytest.mark.apigw_fault(api="rest", times=1)


            @pytest.mark.apigw_fault("lambda_throttled")
            class TestOrders:
                def test_three_levels(self, apigw_fault):
                    assert apigw_fault.scenario.id == "rest-lambda_throttled"
                    assert apigw_fault.fault.times == 1
            """
        )
    )
    listing = inner.runpytest("--collect-only", "-q")
    listing.stdout.fnmatch_lines(
        collected(["test_user_merge.py::TestOrders::test_three_levels"]), consecutive=True
    )
    inner.runpytest().assert_outcomes(passed=1)


def test_closest_marker_wins_a_conflicting_argument(inner):
    inner.makepyfile(
        test_user_merge=module(
            """
            pytestmark = pytest.mark.apigw_fault("permission_denied", api="http")


            def test_module_only(apigw_fault):
                assert apigw_fault.scenario.id == "http-permission_denied"
                assert requests.get(URL).status_code == 500


            @pytest.mark.apigw_fault(api="rest")
            class TestRest:
                def test_class_wins(self, apigw_fault):
                    assert apigw_fault.scenario.id == "rest-permission_denied"
                    assert "x-amzn-errortype" in requests.get(URL).headers

                @pytest.mark.apigw_fault("function_error", api="http")
                def test_function_wins(self, apigw_fault):
                    assert apigw_fault.scenario.id == "http-function_error"
                    assert "apigw-requestid" in requests.get(URL).headers

                @pytest.mark.apigw_fault(name="malformed_response")
                def test_function_name_keyword_wins(self, apigw_fault):
                    assert apigw_fault.scenario.id == "rest-malformed_response"
                    assert requests.get(URL).status_code == 502
            """
        )
    )
    listing = inner.runpytest("--collect-only", "-q")
    listing.stdout.fnmatch_lines(
        collected(
            [
                "test_user_merge.py::test_module_only",
                "test_user_merge.py::TestRest::test_class_wins",
                "test_user_merge.py::TestRest::test_function_wins",
                "test_user_merge.py::TestRest::test_function_name_keyword_wins",
            ]
        ),
        consecutive=True,
    )
    inner.runpytest().assert_outcomes(passed=4)


def test_function_marker_narrows_a_module_matrix(inner):
    inner.makepyfile(
        test_user_merge=module(
            """
            pytestmark = pytest.mark.apigw_fault(api="http")


            def test_matrix(request, apigw_fault):
                assert apigw_fault.scenario.id == request.node.callspec.id


            @pytest.mark.apigw_fault("integration_timeout")
            def test_single(apigw_fault):
                assert apigw_fault.scenario.id == "http-integration_timeout"
                assert httpx.get(URL, timeout=None).status_code == 503
            """
        )
    )
    listing = inner.runpytest("--collect-only", "-q")
    listing.stdout.fnmatch_lines(
        collected(
            [f"test_user_merge.py::test_matrix[{i}]" for i in HTTP_IDS]
            + ["test_user_merge.py::test_single"]
        ),
        consecutive=True,
    )
    inner.runpytest().assert_outcomes(passed=len(HTTP_IDS) + 1)


# 8. Self-documentation ------------------------------------------------------


def test_markers_lists_the_apigw_fault_signature(inner):
    result = inner.runpytest("--markers")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            literal(
                "@pytest.mark.apigw_fault(name=None, *, api=None, endpoint=None, url=None,"
                " times=None, clients=None, integration_timeout=None, function_timeout=None,"
                " gateway_responses=None, required_parameters=None, account_id=None,"
                " explicit_deny=None, authorizer=None, api_keys=None, iam=None,"
                " resource_policy=None, source_ip=None, cors=None, throttle=None,"
                " request_model=None, handler=None, then=None, sequence=None, after=None,"
                " stage=None, route=None,"
                " stage_variables=None, binary_media_types=None, payload_format=None,"
                " reserved_concurrency=None, handler_duration=None, virtual_time=None):"
                " answer execute-api calls made with requests, httpx or aiohttp with this API"
                " Gateway failure (or a Lambda handler's answers, or a sequence of both);"
                " without a name or an api, run the test once per matching scenario. See"
                " https://pytest-apigw-faults.readthedocs.io/en/latest/marker/"
            )
        ]
    )


def test_fixtures_shows_the_apigw_fault_docstring(inner):
    result = inner.runpytest("--fixtures")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "apigw_fault -- *pytest_apigw_faults*plugin.py:*",
            "    Real Amazon API Gateway failures (and Lambda handlers behind a fake",
        ],
        consecutive=True,
    )  # the whole help is one paragraph, shown without -v (tests/test_discovery.py)
    result.stdout.no_fnmatch_line("_apigw_fault_marker*")  # private: shown only with -v

    verbose = inner.runpytest("--fixtures", "-v")
    verbose.stdout.fnmatch_lines(
        [
            "apigw_fault -- *pytest_apigw_faults*plugin.py:*",
            "    Real Amazon API Gateway failures (and Lambda handlers behind a fake",
            "    gateway) for the requests, httpx and aiohttp calls of this test.",
        ],
        consecutive=True,
    )


def test_help_shows_the_seed_option_and_ini_key(inner):
    result = inner.runpytest("--help")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "API Gateway faults:",
            "  --apigw-seed=SEED     seed of the ids the fake API Gateway generates, so a run",
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(["*wins over the apigw_fault_seed", "*ini key"])
    result.stdout.fnmatch_lines(
        [
            "  apigw_fault_seed (string):",
            "                        seed of the ids the fake API Gateway generates, so a run",
        ],
        consecutive=True,
    )
