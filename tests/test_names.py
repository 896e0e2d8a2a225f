"""The ``Literal`` types of the table's names agree with the table, and a
type checker holds a typo in a scenario name, an api, an endpoint or an
event key against the user."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from pytest_apigw_faults._docs.names import PATH, main, names_module
from pytest_apigw_faults._gateway import names
from pytest_apigw_faults._gateway.table import ENDPOINTS, Api, Endpoint, scenario_names


def test_the_generated_module_is_current() -> None:
    assert PATH.read_text(encoding="utf-8") == names_module(), (
        "pytest_apigw_faults/_gateway/names.py is out of date: run"
        " `python -m pytest_apigw_faults._docs.names`"
    )
    assert main(["--check"]) == 0


def test_the_literals_are_the_table_s_names() -> None:
    assert typing.get_args(names.ScenarioName) == scenario_names()
    assert typing.get_args(names.RestScenarioName) == scenario_names(Api.REST)
    assert typing.get_args(names.HttpScenarioName) == scenario_names(Api.HTTP)
    assert typing.get_args(names.ApiName) == tuple(a.value for a in Api)
    assert typing.get_args(names.EndpointName) == tuple(e.value for e in Endpoint)
    assert typing.get_args(names.RestEndpointName) == tuple(e.value for e in ENDPOINTS[Api.REST])
    assert typing.get_args(names.HttpEndpointName) == tuple(e.value for e in ENDPOINTS[Api.HTTP])


def test_check_reports_a_stale_module(tmp_path, monkeypatch, capsys) -> None:
    stale = tmp_path / "names.py"
    stale.write_text("stale\n", encoding="utf-8")
    monkeypatch.setattr("pytest_apigw_faults._docs.names.PATH", stale)
    assert main(["--check"]) == 1
    assert "is out of date: run python -m pytest_apigw_faults._docs.names" in (
        capsys.readouterr().err
    )
    assert main([]) == 0
    assert stale.read_text(encoding="utf-8") == names_module()


TYPOS = """
from pytest_apigw_faults import ApigwFault, Fault, ScenarioName, get_scenario, scenarios


def test(apigw_fault: ApigwFault) -> None:
    Fault("functon_error", api="rest")
    apigw_fault.inject("api_throttled", api="rst")
    Fault("function_error", api="rest", endpoint="edgy")
    scenarios("unauthorised")
    get_scenario("quota_exceded", api="rest")
    call = apigw_fault.calls[-1]
    assert call.event is not None
    assert call.event["requestContext"]["requestID"]
    assert call.request_id.startswith("a")
    assert call.scenario is not None and call.scenario.name == "functon_error"
    # what is right passes: names, narrowing an event by its payload format
    name: ScenarioName = "stage_not_found"
    apigw_fault.inject(name, api="http", endpoint="regional", sequence=["api_throttled"])
    event = call.event
    if "version" not in event:  # REST
        assert event["path"] == event["requestContext"]["resourcePath"]
    elif event["version"] == "2.0":
        assert event["rawPath"] == event["requestContext"]["http"]["path"]
    else:
        assert event["multiValueHeaders"]
"""


def test_a_typo_is_a_type_error(tmp_path, monkeypatch) -> None:
    api = pytest.importorskip("mypy.api", reason="mypy (in the dev dependency group)")
    package_root = Path(__import__("pytest_apigw_faults").__file__).parents[1]
    if "site-packages" not in package_root.parts:  # a source checkout
        monkeypatch.setenv("MYPYPATH", str(package_root))
    snippet = tmp_path / "typos.py"
    snippet.write_text(TYPOS, encoding="utf-8")
    out, err, _ = api.run(
        ["--strict", "--python-version", "3.10", "--config-file", "", "--no-error-summary",
         "--hide-error-context", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )  # fmt: skip
    # each error's line and its start (the full Literal of names is long)
    errors = [
        line.split(":", 1)[1].split(" expected ", 1)[0].split(" (left operand", 1)[0]
        for line in out.splitlines()
        if ": error: " in line
    ]
    assert errors == [
        '6: error: Argument 1 to "Fault" has incompatible type "Literal[\'functon_error\']";',
        '7: error: Argument "api" to "inject" of "ApigwFault" has incompatible type'
        ' "Literal[\'rst\']";',
        '8: error: Argument "endpoint" to "Fault" has incompatible type "Literal[\'edgy\']";',
        '9: error: Argument 1 to "scenarios" has incompatible type "Literal[\'unauthorised\']";',
        '10: error: Argument 1 to "get_scenario" has incompatible type'
        ' "Literal[\'quota_exceded\']";',
        '13: error: TypedDict "RestRequestContext" has no key "requestID"  [typeddict-item]',
        '13: error: TypedDict "HttpV1RequestContext" has no key "requestID"  [typeddict-item]',
        '13: error: TypedDict "HttpV2RequestContext" has no key "requestID"  [typeddict-item]',
        '14: error: Item "None" of "str | None" has no attribute "startswith"  [union-attr]',
        "15: error: Non-overlapping equality check",
    ], out + err
