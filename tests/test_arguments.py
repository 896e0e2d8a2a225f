"""The arguments of a fault, declared once: every form that shows or checks
them agrees with the declaration, and the marker's options are parsed once.

The declaration is ``FaultArguments`` (with ``ScenarioArgument``, the first
argument); the marker's help line, the signatures in errors, the site's
tables and the ini defaults are made from it. ``Fault``, ``inject`` and
``FaultOptions`` are second forms, for type checkers: the tests below hold
them to the declaration.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
import typing
from pathlib import Path

import pytest
from support import literal, module, set_up_inner

from pytest_apigw_faults import ApigwFault, ApigwFaultError, Fault, plugin
from pytest_apigw_faults._core import arguments as declaration
from pytest_apigw_faults._core import checks
from pytest_apigw_faults._core.arguments import (
    KEYWORDS,
    MARKER_LINE,
    SIGNATURE,
    FaultArguments,
    ScenarioArgument,
    signature,
)
from pytest_apigw_faults._core.checks import arguments
from pytest_apigw_faults._core.options import FaultOptions
from pytest_apigw_faults._docs import DOCS_URL
from pytest_apigw_faults._docs.arguments import BLOCKS, update
from pytest_apigw_faults._gateway.table import Api, Scenario, scenario_names
from pytest_apigw_faults._lambda.routes import ProxyApi

ROOT = Path(__file__).resolve().parent.parent
NAMES = [argument.name for argument in arguments()]


def ok_handler(event, context):
    return {"statusCode": 200, "body": "ok"}


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    return set_up_inner(pytester)


# The declaration and its second forms -------------------------------------------


def test_the_declaration_is_the_typed_dict_with_the_scenario_first():
    assert ["name", *FaultArguments.__annotations__] == NAMES
    assert list(ScenarioArgument.__annotations__) == ["name"]
    assert tuple(NAMES[1:]) == KEYWORDS
    assert NAMES[:4] == ["name", "api", "endpoint", "url"]
    assert NAMES[-1] == "virtual_time"
    assert not FaultArguments.__required_keys__  # every argument may be left out


def test_every_argument_has_a_type_a_one_line_doc_and_a_check():
    for argument in arguments():
        assert argument.written.endswith(" | None"), argument  # None: left out
        assert argument.doc.strip() == argument.doc, argument
        assert "\n" not in argument.doc, argument
        assert "|" not in argument.doc, argument  # a table cell
        assert callable(argument.check), argument
        assert argument.group in (declaration.FAULT, declaration.SCRIPT, declaration.LAMBDA)


def test_fault_options_keep_one_field_per_argument_in_order():
    assert [field.name for field in dataclasses.fields(FaultOptions)] == NAMES
    assert all(field.default is None for field in dataclasses.fields(FaultOptions))


def _hints(function: object) -> dict[str, object]:
    names: dict[str, object] = {}
    if sys.version_info < (3, 11):  # the modules import Unpack for type checkers only
        names["Unpack"] = pytest.importorskip("typing_extensions").Unpack
    return typing.get_type_hints(function, localns=names)


@pytest.mark.parametrize(
    ("function", "keywords"),
    [(Fault.__init__, ["seed"]), (ApigwFault.inject, [])],
    ids=["Fault", "inject"],
)
def test_fault_and_inject_take_the_declared_arguments(function, keywords):
    parameters = list(inspect.signature(function).parameters.values())[1:]  # self
    first, *others, rest = parameters
    assert (first.name, first.kind, first.default) == (
        "scenario", inspect.Parameter.POSITIONAL_OR_KEYWORD, None,
    )  # fmt: skip
    assert [(p.name, p.kind, p.default) for p in others] == [
        (name, inspect.Parameter.KEYWORD_ONLY, None) for name in keywords
    ]
    assert rest.kind is inspect.Parameter.VAR_KEYWORD
    hints = _hints(function)
    assert typing.get_args(hints[rest.name]) == (FaultArguments,)  # Unpack[FaultArguments]
    names = {"Scenario": Scenario, "checks": checks}  # what the declaration imports to type-check
    declared = typing.get_type_hints(ScenarioArgument, localns=names)["name"]
    assert hints["scenario"] == declared
    assert hints["scenario"] == arguments()[0].type


TYPED_USE = """
import re

from pytest_apigw_faults import ApigwFault, Fault, get_scenario


def handler(event: object, context: object) -> object:
    return {"statusCode": 200}


Fault("function_error", api="rest", times=2, url=re.compile("https://x"), seed=3)
Fault(handler=handler, api="http", route="GET /x", handler_duration=lambda event: 1.0)
Fault(get_scenario("function_error", api="rest"), sequence=["api_throttled", handler, {}])


def test(apigw_fault: ApigwFault) -> None:
    apigw_fault.inject(handler="app:handler", api="rest", stage_variables={"a": "b"})
    apigw_fault.inject("function_error", api="rest", seed=1)
    Fault("function_error", apii="rest")
    Fault("function_error", api="rest", times="2")
"""


def test_type_checkers_read_the_declared_arguments(tmp_path, monkeypatch):
    api = pytest.importorskip("mypy.api", reason="mypy (in the dev dependency group)")
    package_root = Path(__import__("pytest_apigw_faults").__file__).parents[1]
    if "site-packages" not in package_root.parts:  # a source checkout
        monkeypatch.setenv("MYPYPATH", str(package_root))
    snippet = tmp_path / "typed_use.py"
    snippet.write_text(TYPED_USE, encoding="utf-8")
    out, err, _ = api.run(
        ["--strict", "--python-version", "3.10", "--config-file", "", "--no-error-summary",
         "--hide-error-context", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )  # fmt: skip
    errors = [line.split(": ", 1)[1] for line in out.splitlines() if ": error: " in line]
    assert errors == [
        'error: Unexpected keyword argument "seed" for "inject" of "ApigwFault"  [call-arg]',
        'error: Unexpected keyword argument "apii" for "Fault"; did you mean "api"?  [call-arg]',
        'error: Argument "times" to "Fault" has incompatible type "str"; expected "int | None"'
        "  [arg-type]",
    ], out + err


def test_the_signatures_in_errors_name_each_way_in():
    assert signature("apigw_fault") == SIGNATURE
    assert SIGNATURE.startswith("apigw_fault(name=None, *, api=None, endpoint=None,")
    assert SIGNATURE.endswith(", handler_duration=None, virtual_time=None)")
    assert signature("Fault").startswith("Fault(scenario=None, *, seed=None, api=None,")
    assert signature("inject").startswith("inject(scenario=None, *, api=None,")
    for name in NAMES[1:]:
        for call in ("apigw_fault", "Fault", "inject"):
            assert f" {name}=None" in signature(call)


def test_the_marker_help_line_is_made_from_the_declaration(inner):
    result = inner.runpytest("--markers")
    assert result.ret == 0
    result.stdout.fnmatch_lines([literal(f"@pytest.mark.{MARKER_LINE}")])
    assert MARKER_LINE.startswith(f"{SIGNATURE}: answer execute-api calls")
    # the marker's page of the site (PyPI's page has no heading anchors)
    assert MARKER_LINE.endswith(f"See {DOCS_URL}marker/")
    assert (ROOT / "docs" / "marker.md").is_file()


# The site's tables ---------------------------------------------------------------


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.path)
def test_the_site_s_argument_tables_are_current(block):
    text = (ROOT / block.path).read_text(encoding="utf-8")
    assert update(text) == text, (
        f"{block.path}'s argument table is out of date: run"
        " `python -m pytest_apigw_faults._docs.arguments`"
    )


def test_the_site_has_a_row_per_argument_with_its_doc():
    generated = "\n".join(
        (ROOT / block.path).read_text(encoding="utf-8").partition(block.start)[2]
        .partition(block.end)[0]
        for block in BLOCKS
    )
    for argument in arguments():
        assert f"| `{argument.name}` | `" in generated, argument.name
        doc = re.sub(r"\]\(#([a-z0-9-]+)\)", r"](PAGE#\1)", argument.doc)
        pattern = re.escape(f" | {doc} |").replace("PAGE", r"[\w./-]+\.md")
        assert re.search(pattern, generated), argument.name
    sequence = "| `sequence` | `Sequence[ScenarioName \\| Scenario \\| Callable[[Any, Any], object]"
    assert sequence in generated
    marker = (ROOT / "docs" / "marker.md").read_text(encoding="utf-8").split("# The marker\n\n")[1]
    assert marker.startswith(
        BLOCKS[0].start + "\n<!-- not-run: the marker's signature, not an example -->\n"
        "```python\n@pytest.mark.apigw_fault(name=None,"
    )


def test_update_refuses_a_text_without_the_markers():
    with pytest.raises(ValueError, match="argument-table"):
        update("no markers here")


def test_a_link_to_a_section_no_page_holds_is_an_error(monkeypatch):
    from pytest_apigw_faults._docs import arguments as module

    assert module._linked("see [CORS](#cors).") == (
        "see [CORS](cors-validation-throttling.md#cors)."
    )
    with pytest.raises(ValueError, match="#nowhere"):
        module._linked("see [it](#nowhere)")


# Unknown arguments ---------------------------------------------------------------


def test_an_unknown_argument_of_fault_names_the_closest_and_fault_s_signature():
    with pytest.raises(ApigwFaultError) as error:
        Fault("function_error", apii="rest")  # type: ignore[call-arg]
    assert str(error.value) == (
        f"unknown argument 'apii'; did you mean 'api'? Valid arguments: {signature('Fault')}"
    )
    with pytest.raises(ApigwFaultError, match=re.escape("unknown argument 'name'. Valid")):
        Fault(name="function_error", api="rest")  # type: ignore[call-arg]


def test_an_unknown_argument_of_inject_is_reported_with_its_signature(inner):
    inner.makepyfile(
        test_user_inject=module(
            """
            def test_seeded(apigw_fault):
                apigw_fault.inject("function_error", api="rest", sed=1)
            """
        )
    )
    result = inner.runpytest("--tb=short")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            literal(
                "E   pytest_apigw_faults.ApigwFaultError: unknown argument 'sed'. Valid"
                f" arguments: {signature('inject')}"
            )
        ]
    )


# Route, stage and payload format: checked in one place ------------------------


@pytest.mark.parametrize(
    ("api", "given", "message"),
    [
        ("rest", {"route": "orders"}, "route='orders': a REST route is a resource path"),
        ("http", {"route": "FETCH /x"}, "route='FETCH /x': unknown method 'FETCH'"),
        ("http", {"route": "orders"}, "route='orders' is not an HTTP API route key"),
        ("rest", {"route": "/{proxy+}/x"}, "a greedy variable must end the route"),
        ("rest", {"stage": "$default"}, "(a REST API has no $default stage)"),
        ("http", {"stage": "a/b"}, "stage='a/b' is not a stage name; default:"),
        ("rest", {"payload_format": "2.0"}, "REST APIs have one payload format: '1.0'"),
        ("http", {"payload_format": "3"}, "HTTP APIs take: '1.0', '2.0'"),
    ],
)
def test_the_fault_and_the_lambda_side_say_the_same(api, given, message):
    with pytest.raises(ApigwFaultError) as by_fault:
        Fault(handler=ok_handler, api=api, **given)
    with pytest.raises(ApigwFaultError) as by_lambda:
        ProxyApi(api, **{"route": "/x" if api == "rest" else "$default", **given})
    assert message in str(by_fault.value)
    assert str(by_fault.value) == str(by_lambda.value)


# Parsed once ---------------------------------------------------------------------

COUNT_PARSES = """
import pytest_apigw_faults._core.options as options
import pytest_apigw_faults._core.fault as fault
import pytest_apigw_faults._pytest.fixture as fixture

PARSES = []
_parse = options.parse


def counting(*args, **kwargs):
    PARSES.append(kwargs.get("call", "apigw_fault"))
    return _parse(*args, **kwargs)


for home in (options, fault, fixture):
    home.parse = counting


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(f"parses: {sorted(PARSES)}")
"""


def test_marker_options_are_parsed_once_per_test_function(inner):
    inner.makeconftest(
        inner.path.joinpath("conftest.py").read_text(encoding="utf-8") + COUNT_PARSES
    )
    inner.makepyfile(
        test_user_once=module(
            """
            from pytest_apigw_faults import Fault


            @pytest.mark.apigw_fault(api="http", times=1)
            def test_matrix(apigw_fault):
                assert apigw_fault.fault.times == 1


            @pytest.mark.apigw_fault("function_error", api="rest")
            @pytest.mark.parametrize("n", [1, 2, 3])
            def test_single(apigw_fault, n):
                assert requests.get(URL).status_code == 502


            @pytest.mark.apigw_fault("function_error", api="rest")
            def test_and_by_hand(apigw_fault):
                apigw_fault.inject("api_throttled", api="rest")
                Fault("lambda_throttled", api="rest")
            """
        )
    )
    result = inner.runpytest_subprocess()  # the counting wrapper stays in there
    result.assert_outcomes(passed=len(scenario_names(Api.HTTP)) + 3 + 1)
    result.stdout.fnmatch_lines(
        [literal("parses: ['Fault', 'apigw_fault', 'apigw_fault', 'apigw_fault', 'inject']")]
    )


def test_a_parametrized_item_with_a_marker_of_its_own_parses_its_own(inner):
    inner.makepyfile(
        test_user_own=module(
            """
            @pytest.mark.apigw_fault("function_error", api="rest")
            @pytest.mark.parametrize(
                "times", [None, pytest.param(1, marks=pytest.mark.apigw_fault(times=1))]
            )
            def test_merged(apigw_fault, times):
                assert requests.get(URL).status_code == 502
                assert apigw_fault.fault.times == times
            """
        )
    )
    inner.runpytest().assert_outcomes(passed=2)


# The ini defaults ----------------------------------------------------------------


def test_each_ini_key_of_the_declaration_is_registered_and_named_in_its_doc(pytester):
    config = pytester.parseconfig()
    keyed = [argument for argument in arguments() if argument.ini is not None]
    assert [a.name for a in keyed] == [
        "clients", "integration_timeout", "gateway_responses", "virtual_time",
    ]  # fmt: skip
    for argument in keyed:
        key, _ = argument.ini
        assert not config.getini(key)  # registered (else ValueError), and unset
        assert f"`{key}` ini key" in argument.doc
    # the plugin looks at these keys before it loads the declaration
    assert sorted(plugin._ARGUMENT_KEYS) == sorted(a.ini[0] for a in keyed)
