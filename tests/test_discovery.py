"""What a user meets first: every bad marker of a module at once, a
handler's import error in the user's own lines, the fixture's help in
``pytest --fixtures``."""

from __future__ import annotations

import pytest
from support import set_up_inner

from pytest_apigw_faults._gateway.table import Api, scenario_names

REST_NAMES = ", ".join(repr(name) for name in scenario_names(Api.REST))


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    return set_up_inner(pytester)


def test_every_bad_marker_of_a_module_is_reported(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_bad_markers="""
        import pytest

        @pytest.mark.apigw_fault("functon_error", api="rest")
        def test_one(apigw_fault):
            pass

        def test_fine():
            pass

        @pytest.mark.apigw_fault("function_error", api="rst")
        def test_two(apigw_fault):
            pass

        @pytest.mark.apigw_fault("function_error", api="rest", times=0)
        def test_three(apigw_fault):
            pass
        """
    )
    result = inner.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    text = result.stdout.str()
    report = text.split(" ERROR collecting test_bad_markers.py ", 1)[1].split("\n", 1)[1]
    assert report.split("\n=")[0].splitlines() == [
        "test_bad_markers.py::test_one: bad @pytest.mark.apigw_fault: unknown scenario"
        " 'functon_error' for api='rest'; did you mean 'function_error'? Valid names:"
        f" {REST_NAMES}",
        "test_bad_markers.py::test_two: bad @pytest.mark.apigw_fault: unknown api 'rst'; valid"
        " choices: 'rest', 'http'",
        "test_bad_markers.py::test_three: bad @pytest.mark.apigw_fault: times= takes a whole"
        " number of calls, at least 1, or None for every call; got 0",
    ]


def test_a_handler_whose_module_raises_shows_the_user_s_lines(inner: pytest.Pytester) -> None:
    pkg = inner.mkpydir("unset_database_orders")
    (pkg / "app.py").write_text(
        "import os\n\nDATABASE = os.environ['ORDERS_DATABASE_URL']\n\n"
        "def handler(event, context):\n    return {'statusCode': 200}\n"
    )
    inner.makepyfile(
        test_unset_database="""
        import pytest

        @pytest.mark.apigw_fault(handler="unset_database_orders.app:handler", api="rest")
        def test_marked(apigw_fault):
            pass

        def test_injected(apigw_fault):
            apigw_fault.inject(handler="unset_database_orders.app:handler", api="rest")
        """
    )
    result = inner.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1, failed=1)
    text = result.stdout.str()
    app = pkg / "app.py"
    error = [
        "handler 'unset_database_orders.app:handler': importing module"
        " 'unset_database_orders.app' raised KeyError: 'ORDERS_DATABASE_URL'",
        f'  File "{app}", line 3, in <module>',
        "    DATABASE = os.environ['ORDERS_DATABASE_URL']",
    ]
    marked = text.split(" ERROR at setup of test_marked ", 1)[1].split("\n", 1)[1]
    shown = []
    for line in marked.splitlines():
        if line.startswith(("=", "_")):
            break
        if line.strip(" ~^"):  # Python 3.11+ underlines the expression: not checked
            shown.append(line)
    assert shown == [
        f"test_unset_database.py::test_marked: {error[0]}", *error[1:],
    ]
    injected = text.split(" test_injected ", 1)[1].split("\n", 1)[1]
    lines = injected.split("\n=")[0].strip("\n").splitlines()
    assert len(lines) <= 12, injected  # the test's own frame and the error, no plugin frames
    assert "pytest_apigw_faults/" not in injected
    assert f"E       pytest_apigw_faults.ApigwFaultError: {error[0]}" in lines
    assert f"E       {error[1]}" in lines
    assert len(text.splitlines()) < 50, text  # the whole run, header and summary included


def test_pytest_fixtures_shows_the_whole_docstring(inner: pytest.Pytester) -> None:
    result = inner.runpytest("--fixtures", "-p", "no:randomly")
    text = result.stdout.str()
    shown = text.split("apigw_fault -- ", 1)[1].split("\n", 1)[1].split("\n\n", 1)[0]
    for part in (
        "@pytest.mark.apigw_fault(name, api=...)", ".inject(", ".serve()", ".use_template(",
        ".calls", ".request_id", ".assert_response(response)", ".assert_retried(times=)",
        "Every fault stops when the test ends.",
        "See https://pypi.org/project/pytest-apigw-faults/",
    ):
        assert part in shown, shown
