"""What a user meets first: every bad marker of a module at once, a
handler's import error in the user's own lines, the fixture's help in
``pytest --fixtures``."""

from __future__ import annotations

import pytest
from doc_examples import DOCS
from support import set_up_inner

from pytest_apigw_faults._docs import DOCS_URL
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
        ".use_api(WebSocketApi(routes))", ".websocket()",
        ".calls", ".request_id", ".assert_response(response)", ".assert_retried(times=)",
        "Every fault stops",
        f"See {DOCS_URL}fixture/",
    ):
        assert part in shown, shown
    assert (DOCS / "fixture.md").is_file()


def _user_lines(text: str, heading: str) -> list[str]:
    """The lines pytest shows under ``heading`` up to the next section, the
    underlines Python 3.11+ draws left out."""
    section = text.split(f" {heading} ", 1)[1].split("\n", 1)[1]
    shown = []
    for line in section.splitlines():
        if line.startswith(("=", "_")):
            break
        if line.strip(" ~^E"):
            shown.append(line)
    return shown


def test_a_handler_module_with_a_syntax_error_or_a_missing_import_shows_where(
    inner: pytest.Pytester,
) -> None:
    pkg = inner.mkpydir("broken_orders")
    (pkg / "syntax.py").write_text("def handler(event, context)\n    return {}\n")
    (pkg / "missing.py").write_text(
        "import not_an_installed_dependency\n\ndef handler(event, context):\n    return {}\n"
    )
    inner.makepyfile(
        test_broken="""
        import pytest
        from pytest_apigw_faults import Fault

        @pytest.mark.apigw_fault(handler="broken_orders.syntax:handler", api="http")
        def test_syntax(apigw_fault):
            pass

        def test_missing():
            Fault(handler="broken_orders.missing:handler", api="rest")
        """
    )
    result = inner.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1, failed=1)
    text = result.stdout.str()
    assert _user_lines(text, "ERROR at setup of test_syntax") == [
        "test_broken.py::test_syntax: handler 'broken_orders.syntax:handler': importing module"
        f" 'broken_orders.syntax' raised SyntaxError: {_syntax_message()}",
        f'  File "{pkg / "syntax.py"}", line 1',
        "    def handler(event, context)",
    ]
    missing = text.split(" test_missing ", 1)[1].split("\n=", 1)[0]
    assert "pytest_apigw_faults/" not in missing
    assert len(missing.strip("\n").splitlines()) <= 10, missing
    assert (
        "E       pytest_apigw_faults.ApigwFaultError: handler 'broken_orders.missing:handler':"
        " importing module 'broken_orders.missing' raised ModuleNotFoundError: No module named"
        " 'not_an_installed_dependency'"
    ) in missing
    assert f'E         File "{pkg / "missing.py"}", line 1, in <module>' in missing


def _syntax_message() -> str:
    try:
        compile("def handler(event, context)\n    return {}\n", "x", "exec")
    except SyntaxError as error:
        return str(error.msg)
    raise AssertionError("compiled")


def test_a_lambda_style_handler_path_gets_the_path_it_means(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_dotted="""
        def test_dotted(apigw_fault):
            apigw_fault.inject(handler="orders.app.handler", api="rest")
        """
    )
    result = inner.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    failure = result.stdout.str().split(" test_dotted ", 1)[1].split("\n=", 1)[0]
    assert "pytest_apigw_faults/" not in failure  # the test's line, not the checks' frames
    assert failure.rstrip().endswith("test_dotted.py:2: ApigwFaultError")
    assert "did you mean 'orders.app:handler'?" in failure


TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "OrdersFn": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": "src/", "Handler": "app.handler", "Runtime": "python3.12",
                "Events": {"Get": {"Type": "Api", "Properties": {"Path": "/orders",
                                                                 "Method": "get"}}},
            },
        }
    },
}


def test_a_template_function_whose_module_raises_shows_the_user_s_lines(
    inner: pytest.Pytester,
) -> None:
    import json

    src = inner.mkdir("src")
    (src / "app.py").write_text(
        "import settings\n\ndef handler(event, context):\n    return {'statusCode': 200}\n"
    )
    (src / "settings.py").write_text("import os\n\nTABLE = os.environ['ORDERS_TABLE']\n")
    (inner.path / "template.json").write_text(json.dumps(TEMPLATE))
    inner.makepyfile(
        test_template="""
        import pytest

        def test_used(apigw_fault):
            apigw_fault.use_template("template.json")

        @pytest.mark.apigw_fault(template="template.json")
        def test_marked(apigw_fault):
            pass
        """
    )
    result = inner.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1, failed=1)
    text = result.stdout.str()
    error = (
        f"function OrdersFn: importing {src / 'app.py'} raised KeyError: 'ORDERS_TABLE'"
    )
    where = [
        f'  File "{src / "app.py"}", line 1, in <module>',
        "    import settings",
        f'  File "{src / "settings.py"}", line 3, in <module>',
        "    TABLE = os.environ['ORDERS_TABLE']",
    ]
    assert _user_lines(text, "ERROR at setup of test_marked") == [
        f"test_template.py::test_marked: bad @pytest.mark.apigw_fault(template=...): {error}",
        *where,
    ]
    used = text.split(" test_used ", 1)[1].split("\n=", 1)[0]
    assert "pytest_apigw_faults/" not in used
    assert "The above exception" not in text
    assert "During handling" not in text
    assert f"E       pytest_apigw_faults.ApigwFaultError: {error}" in used
    assert all(f"E       {line}" in used for line in where), used
    assert len(text.splitlines()) < 50, text


def test_the_fixture_page_names_every_public_member_of_the_fixture() -> None:
    import re

    from pytest_apigw_faults import ApigwFault

    text = (DOCS / "fixture.md").read_text(encoding="utf-8")
    members = [name for name in dir(ApigwFault) if not name.startswith("_")]
    missing = [name for name in members if not re.search(rf"`{name}[`(]", text)]
    assert missing == [], f"docs/fixture.md does not name {missing}"
