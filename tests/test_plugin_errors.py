"""Bad input and failed checks, as pytest reports them to a user.

As in ``test_plugin.py``, every test runs pytest on a small module written
with ``pytester``; the inner runs refuse network access.
"""

from __future__ import annotations

import re

import pytest
from support import assert_collection_error, literal, module, set_up_inner

from pytest_apigw_faults._core.options import CLIENTS, SIGNATURE
from pytest_apigw_faults._gateway.table import Api, scenario_names

NAMES = ", ".join(repr(name) for name in scenario_names())
REST_NAMES = ", ".join(repr(name) for name in scenario_names(Api.REST))
HTTP_NAMES = ", ".join(repr(name) for name in scenario_names(Api.HTTP))
CLIENT_NAMES = ", ".join(repr(client) for client in CLIENTS)
ERROR = "pytest_apigw_faults.ApigwFaultError"


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    return set_up_inner(pytester)


# 4. Bad marker arguments, reported at collection ----------------------------

BAD_MARKERS = [
    pytest.param(
        '"functon_error"',
        "unknown scenario 'functon_error'; did you mean 'function_error'?"
        f" Valid names: {NAMES}",
        id="misspelt-name",
    ),
    pytest.param(
        '"functon_error", api="http"',
        "unknown scenario 'functon_error' for api='http'; did you mean 'function_error'?"
        f" Valid names: {HTTP_NAMES}",
        id="misspelt-name-with-api",
    ),
    pytest.param(
        'api="v3"',
        "unknown api 'v3'; valid choices: 'rest', 'http'",
        id="bad-api",
    ),
    pytest.param(
        'apii="rest"',
        f"unknown argument 'apii'; did you mean 'api'? Valid arguments: {SIGNATURE}",
        id="misspelt-argument",
    ),
    pytest.param(
        'api="http", endpoint="edge"',
        "endpoint 'edge' is not available for api='http'; valid choices: 'regional'",
        id="endpoint-not-offered",
    ),
    pytest.param(
        'endpoint="central"',
        "unknown endpoint 'central'; valid choices: 'edge', 'private', 'regional'",
        id="unknown-endpoint",
    ),
    pytest.param(
        '"function_error", api="rest", times=0',
        "times= takes a whole number of calls, at least 1, or None for every call; got 0",
        id="times-0",
    ),
    pytest.param(
        '"function_error", api="rest", times="2"',
        "times= takes a whole number of calls, at least 1, or None for every call; got '2'",
        id="times-str",
    ),
    pytest.param(
        '"function_error", api="rest", url=42',
        "url= takes a URL prefix (str) or a compiled regex, got int 42",
        id="url-int",
    ),
    pytest.param(
        '"function_error", api="rest", url="/prod/orders"',
        "url='/prod/orders' is not an absolute http(s) URL prefix",
        id="url-relative",
    ),
    pytest.param(
        '"function_error", "rest"',
        "takes at most one positional argument (the scenario name), got 2:"
        f" 'function_error', 'rest'. Valid arguments: {SIGNATURE}",
        id="two-positional",
    ),
    pytest.param(
        '"function_error", name="lambda_throttled"',
        "the scenario name is given twice: 'function_error' and name='lambda_throttled'",
        id="name-twice",
    ),
    pytest.param(
        '"function_error", api="rest", clients="curl"',
        f"unknown client 'curl'; valid choices: {CLIENT_NAMES}",
        id="unknown-client",
    ),
    pytest.param(
        "42",
        f"a scenario name must be a str, got int 42; valid names: {NAMES}",
        id="name-not-str",
    ),
    # Without a close match the two sentences still need a separator, as the
    # two-positional message has ("... 'rest'. Valid arguments: ...").
    pytest.param(
        '"nope"',
        f"unknown scenario 'nope'. Valid names: {NAMES}",
        id="unknown-name-no-suggestion",
    ),
    pytest.param(
        'zebra="red"',
        f"unknown argument 'zebra'. Valid arguments: {SIGNATURE}",
        id="unknown-argument-no-suggestion",
    ),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_MARKERS)
def test_bad_marker_is_a_collection_error_naming_the_test(inner, arguments, message):
    inner.makepyfile(
        test_user_bad=f"""
        import pytest


        def test_fine():
            pass


        @pytest.mark.apigw_fault({arguments})
        def test_k():
            pass
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "_*_ ERROR collecting test_user_bad.py _*_",
            literal(f"test_user_bad.py::test_k: bad @pytest.mark.apigw_fault: {message}"),
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(["*! Interrupted: 1 error during collection !*"])


def test_bad_marker_on_a_method_names_the_method(inner):
    inner.makepyfile(
        test_user_bad="""
        import pytest


        class TestOrders:
            @pytest.mark.apigw_fault(api="v3")
            def test_k(self):
                pass
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "_*_ ERROR collecting test_user_bad.py _*_",
            literal(
                "test_user_bad.py::TestOrders::test_k: bad @pytest.mark.apigw_fault:"
                " unknown api 'v3'; valid choices: 'rest', 'http'"
            ),
        ],
        consecutive=True,
    )


def test_markers_that_conflict_once_merged_name_the_test(inner):
    inner.makepyfile(
        test_user_bad="""
        import pytest

        pytestmark = pytest.mark.apigw_fault(api="http")


        @pytest.mark.apigw_fault("function_error", endpoint="edge")
        def test_k():
            pass
        """
    )
    assert_collection_error(
        inner,
        "test_user_bad.py::test_k: bad @pytest.mark.apigw_fault:"
        " endpoint 'edge' is not available for api='http'; valid choices: 'regional'",
    )


def test_each_bad_module_is_reported(inner):
    inner.makepyfile(
        test_user_bad_api="""
        import pytest


        @pytest.mark.apigw_fault(api="v3")
        def test_a():
            pass
        """,
        test_user_bad_times="""
        import pytest


        @pytest.mark.apigw_fault("function_error", api="rest", times=0)
        def test_b():
            pass
        """,
    )
    result = inner.runpytest()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "_*_ ERROR collecting test_user_bad_api.py _*_",
            "test_user_bad_api.py::test_a: bad @pytest.mark.apigw_fault: unknown api 'v3'; *",
            "_*_ ERROR collecting test_user_bad_times.py _*_",
            "test_user_bad_times.py::test_b: bad @pytest.mark.apigw_fault: times= *; got 0",
        ]
    )


def test_matrix_marker_given_through_pytest_param_is_reported(inner):
    # A marker that names no single scenario can only be expanded into a
    # matrix at collection, from the function, class or module. Given through
    # pytest.param(marks=...) it cannot be, and the user should be told so
    # like any other bad marker, not see the plugin's own bare assert fail.
    inner.makepyfile(
        test_user_param_marks="""
        import pytest


        @pytest.mark.parametrize(
            "x",
            [
                pytest.param(1, marks=pytest.mark.apigw_fault("function_error", api="rest"),
                             id="single"),
                pytest.param(2, marks=pytest.mark.apigw_fault(api="rest"), id="matrix"),
            ],
        )
        def test_p(x, apigw_fault):
            assert apigw_fault.scenario.id == "rest-function_error"
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*test_user_param_marks.py::test_p[[]matrix[]]: bad @pytest.mark.apigw_fault: *"]
    )
    result.stdout.no_fnmatch_line("*AssertionError*")


def test_scenarios_with_an_unknown_name_is_a_collection_error(inner):
    inner.makepyfile(
        test_user_bad="""
        import pytest
        from pytest_apigw_faults import scenarios


        @pytest.mark.parametrize("scenario", scenarios("function_eror", api="rest"))
        def test_p(scenario):
            pass
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "_*_ ERROR collecting test_user_bad.py _*_",
            "E *"
            + literal(
                f"{ERROR}: unknown scenario 'function_eror' for api='rest';"
                f" did you mean 'function_error'? Valid names: {REST_NAMES}"
            ),
        ]
    )


# 4. Bad input at run time ---------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            'apigw_fault.inject("lambda_throtled", api="http")',
            "unknown scenario 'lambda_throtled' for api='http'; did you mean"
            f" 'lambda_throttled'? Valid names: {HTTP_NAMES}",
            id="misspelt",
        ),
        pytest.param(
            'apigw_fault.inject("nope", api="rest")',
            f"unknown scenario 'nope' for api='rest'. Valid names: {REST_NAMES}",
            id="unknown",
        ),
        pytest.param(
            'apigw_fault.inject("function_error", api="v2")',
            "unknown api 'v2'; valid choices: 'rest', 'http'",
            id="bad-api",
        ),
        pytest.param(
            'apigw_fault.inject("function_error")',
            "Fault('function_error') needs api= ('rest' or 'http') to pick one scenario;"
            " the matrix is for the marker",
            id="no-api",
        ),
        pytest.param(
            'apigw_fault.inject("function_error", api="rest", times=0)',
            "times= takes a whole number of calls, at least 1, or None for every call; got 0",
            id="times-0",
        ),
    ],
)
def test_bad_inject_fails_the_test(inner, call, message):
    inner.makepyfile(
        test_user_inject=module(
            f"""
            def test_inject(apigw_fault):
                {call}
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E *" + literal(f"{ERROR}: {message}")])


def test_fault_without_api_is_an_error(inner):
    inner.makepyfile(
        test_user_fault=module(
            """
            from pytest_apigw_faults import ApigwFaultError, Fault


            def test_fault():
                with pytest.raises(ApigwFaultError) as caught:
                    Fault("function_error")
                assert str(caught.value) == (
                    "Fault('function_error') needs api= ('rest' or 'http') to pick one"
                    " scenario; the matrix is for the marker"
                )


            def test_fault_uncaught():
                Fault("function_error")
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *"
            + literal(
                f"{ERROR}: Fault('function_error') needs api= ('rest' or 'http') to pick one"
                " scenario; the matrix is for the marker"
            )
        ]
    )


def test_fixture_without_a_fault_says_how_to_inject_one(inner):
    inner.makepyfile(
        test_user_empty=module(
            """
            def test_empty(apigw_fault):
                apigw_fault.scenario
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *LookupError: no fault is injected: mark the test with"
            " @pytest.mark.apigw_fault(...) or call apigw_fault.inject(...)"
        ]
    )


# 5. assert_response failures list every difference --------------------------


def test_assert_response_lists_each_change_to_a_requests_response(inner):
    inner.makepyfile(
        test_user_tampered=module(
            """
            @pytest.mark.apigw_fault("function_error", api="rest")
            def test_tampered(apigw_fault):
                r = requests.get(URL)
                apigw_fault.assert_response(r)  # untouched, it passes
                print("SENT", r.headers["x-amzn-requestid"])
                r.status_code = 200
                r.headers["content-length"] = "99"
                r.headers["x-amzn-requestid"] = "not-a-uuid"
                apigw_fault.assert_response(r)
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    sent = re.findall(r"^SENT (\S+)$", result.stdout.str(), re.M)
    assert len(sent) == 1
    result.stdout.fnmatch_lines(
        [
            literal(line)
            for line in [
                "E       AssertionError: response does not match rest-function_error (edge):",
                "E         status: got 200, expected 502",
                "E         header content-length: got '99', but the fault sent '36'",
                "E         header x-amzn-requestid: 'not-a-uuid' does not have the captured"
                " form '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'",
                "E         header x-amzn-requestid: got 'not-a-uuid', but the fault sent"
                f" '{sent[0]}'",
                "",
            ]
        ]
        + ["test_user_tampered.py:*: AssertionError"],
        consecutive=True,
    )


def test_assert_response_lists_each_difference_from_another_scenario(inner):
    inner.makepyfile(
        test_user_other=module(
            """
            from pytest_apigw_faults import Fault


            @pytest.mark.apigw_fault("function_error", api="rest")
            def test_other(apigw_fault):
                with Fault("function_error", api="http"):
                    h = httpx.get(URL)
                apigw_fault.assert_response(h)
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    rest_names = (
        "['content-type', 'content-length', 'date', 'x-amzn-trace-id', 'x-amzn-requestid',"
        " 'x-amzn-errortype', 'x-amz-apigw-id', 'x-cache', 'via', 'x-amz-cf-pop',"
        " 'x-amz-cf-id']"
    )
    result.stdout.fnmatch_lines(
        [
            literal(line)
            for line in [
                "E       AssertionError: response does not match rest-function_error (edge):",
                "E         status: got 500, expected 502",
                """E         body: got b'{"message":"Internal Server Error"}',"""
                """ expected b'{"message": "Internal server error"}'""",
                "E         header names: missing ['x-amzn-trace-id', 'x-amzn-requestid',"
                " 'x-amzn-errortype', 'x-amz-apigw-id', 'x-cache', 'via', 'x-amz-cf-pop',"
                " 'x-amz-cf-id']; unexpected ['apigw-requestid']",
                "E             got      ['date', 'content-type', 'content-length',"
                " 'apigw-requestid']",
                f"E             expected {rest_names}",
                "E         header content-length: got '35', expected '36'",
            ]
        ],
        consecutive=True,
    )


def test_assert_response_reports_reordered_headers(inner):
    inner.makepyfile(
        test_user_order=module(
            """
            @pytest.mark.apigw_fault("function_error", api="http")
            def test_order(apigw_fault):
                h = httpx.get(URL)
                shuffled = httpx.Response(
                    h.status_code,
                    headers=list(reversed(h.headers.multi_items())),
                    content=h.content,
                )
                apigw_fault.assert_response(shuffled)
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            literal(line)
            for line in [
                "E       AssertionError: response does not match http-function_error (regional):",
                "E         header names: same names, another order",
                "E             got      ['apigw-requestid', 'content-length', 'content-type',"
                " 'date']",
                "E             expected ['date', 'content-type', 'content-length',"
                " 'apigw-requestid']",
            ]
        ],
        consecutive=True,
    )


def test_assert_response_checks_each_response_against_its_own_fault(inner):
    inner.makepyfile(
        test_user_two=module(
            """
            def test_two(apigw_fault):
                apigw_fault.inject("function_error", api="rest", url=URL + "/a")
                apigw_fault.inject("lambda_throttled", api="http", url=URL + "/b")
                a = requests.get(URL + "/a")
                b = httpx.get(URL + "/b")
                assert (a.status_code, b.status_code) == (502, 503)
                apigw_fault.assert_response(a)  # not the newest fault's scenario
                apigw_fault.assert_response(b)
            """
        )
    )
    inner.runpytest().assert_outcomes(passed=1)


def test_assert_response_rejects_what_is_not_a_response(inner):
    inner.makepyfile(
        test_user_type=module(
            """
            @pytest.mark.apigw_fault("function_error", api="rest")
            def test_type(apigw_fault):
                apigw_fault.assert_response("502")
            """
        )
    )
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["E *TypeError: assert_response takes a requests.Response or an httpx.Response, got str"]
    )


def test_a_changed_copy_of_a_row_is_refused_not_answered_as_the_original():
    import dataclasses

    from pytest_apigw_faults import ApigwFaultError, Fault, get_scenario

    row = get_scenario("function_error", api="rest")
    changed = dataclasses.replace(row, status=401, body=b"{}")
    message = (
        "scenario 'rest-function_error' is not a row of the scenario table (it differs from"
        " the table's in status, body): a fault answers with the table's rows"
        " (get_scenario(name, api=...)); change an answer with gateway_responses=, or a"
        " handler"
    )
    with pytest.raises(ApigwFaultError) as caught:
        Fault(changed)
    assert str(caught.value) == message
    with pytest.raises(ApigwFaultError) as caught:
        Fault(sequence=[row, changed], api="rest")
    assert str(caught.value) == message
    assert repr(Fault(row)) == repr(Fault("function_error", api="rest"))  # the table's own
