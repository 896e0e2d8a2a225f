"""The README's scenario table is the one the code generates."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs

from pytest_apigw_faults._docs.table import END, START, scenario_table, update
from pytest_apigw_faults._gateway.table import Api, scenario_names

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_scenario_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert update(text) == text, (
        "README.md's scenario table is out of date: run"
        " `python -m pytest_apigw_faults._docs.table README.md`"
    )


def test_the_generated_table_has_a_line_per_row_with_its_exact_body() -> None:
    table = scenario_table()
    rest_timeout = (
        '| `rest-integration_timeout` | 504 | `{"message": "Endpoint request timed out"}`'
    )
    assert rest_timeout in table
    assert '| `http-function_error` | 500 | `{"message":"Internal Server Error"}` (35 B)' in table
    assert table.count("| `rest-") == len(scenario_names(Api.REST))
    assert table.count("| `http-") == len(scenario_names(Api.HTTP))


def test_update_refuses_a_readme_without_the_markers() -> None:
    with pytest.raises(ValueError, match="scenario-table"):
        update("no markers here")
    assert START in update(f"a\n{START}\nold\n{END}\nb").splitlines()[1]


def _block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def _needs_both_clients() -> None:
    # the README's snippets use requests and httpx
    for name in ("requests", "responses", "httpx", "respx"):
        pytest.importorskip(name)


def test_the_quick_start_runs_as_pasted(pytester: pytest.Pytester) -> None:
    _needs_both_clients()
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_quick_start=_block_after("## Quick start"))
    result = pytester.runpytest("-p", "no:randomly", "-q")
    result.assert_outcomes(passed=1 + len(scenario_names(Api.HTTP)) + 1)


def test_the_fault_object_snippet_runs() -> None:
    _needs_both_clients()
    exec(compile(_block_after("Outside pytest"), "README.md", "exec"), {})


PREAMBLE = """
import pytest
import requests

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
"""


@pytest.mark.parametrize(
    ("heading", "extra"),
    [
        ("## Endpoint types and timeouts", ""),
        ("## CORS", ""),
        ("## Request validation", ""),
        ("## Throttling", ""),
        (
            "## Customised gateway responses",
            # the snippet's DEFAULT_5XX part, checked on a 5XX failure
            """

@pytest.mark.apigw_fault("function_error", api="rest", gateway_responses=DOC)
def test_the_5xx_fallback_adds_its_header(apigw_fault):
    response = requests.get(URL)
    assert response.status_code == 502
    assert response.headers["x-team"] == "orders"
    assert response.content == b'{"message": "Internal server error"}'
""",
        ),
    ],
)
def test_section_snippets_run_as_pasted(pytester: pytest.Pytester, heading, extra) -> None:
    _needs_both_clients()
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_snippet=PREAMBLE + _block_after(heading) + extra)
    result = pytester.runpytest("-p", "no:randomly", "-q")
    result.assert_outcomes(passed=2 if extra else 1)


# -- "Your whole API from its template" ------------------------------------------------

DATA = Path(__file__).parent / "data"
CDK_TEMPLATE = {
    "Resources": {
        "OrdersFn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Handler": "index.handler", "Runtime": "nodejs20.x",
                           "Code": {"ZipFile": "exports.handler = async () => ({})"}},
        },
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "orders"}},
        "Pets": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {"RestApiId": {"Ref": "Api"}, "PathPart": "pets",
                           "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}},
        },
        "GetPets": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Pets"}, "HttpMethod": "GET",
                "AuthorizationType": "NONE",
                "Integration": {
                    "Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                    "Uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31"
                            "/functions/${OrdersFn.Arn}/invocations"},
                },
            },
        },
        "Stage": {"Type": "AWS::ApiGateway::Stage",
                  "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "prod"}},
    }
}
OPENAPI = """\
openapi: "3.0.1"
info: {title: pets, version: "1"}
paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/FUNCTION/invocations
""".replace("FUNCTION", "arn:aws:lambda:us-east-1:123456789012:function:pets")


def test_the_template_snippets_run_as_pasted(pytester: pytest.Pytester) -> None:
    _needs_both_clients()
    pytest.importorskip("cfn_tools")
    pytest.importorskip("time_machine")
    pytest.importorskip("jwt")
    import json
    import shutil

    shutil.copytree(DATA / "apps" / "orders", pytester.path, dirs_exist_ok=True)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    heading = "## Your whole API from its template"
    pytester.makepyfile(test_orders=_block_after(heading))
    result = pytester.runpytest("-p", "no:randomly", "-q")
    result.assert_outcomes(passed=1)

    second = README.read_text(encoding="utf-8").split(heading, 1)[1].split("```python\n")[2]
    (pytester.path / "cdk.out").mkdir()
    (pytester.path / "cdk.out" / "OrdersStack.template.json").write_text(json.dumps(CDK_TEMPLATE))
    (pytester.path / "openapi.yaml").write_text(OPENAPI)
    shutil.copy(DATA / "templates" / "sam-http-jwt-cors" / "template.yaml", pytester.path)
    snippet = second.split("```", 1)[0] + """
import requests
with cdk, openapi:
    URL = "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/prod/pets"
    assert requests.get(URL).text == "[]"
assert [route.key for route in http_api.routes][:2] == ["GET /", "GET /simple"]
"""
    pytester.makepyfile(snippet_two="")
    (pytester.path / "snippet_two.py").write_text(snippet)
    done = pytester.run(sys.executable, "snippet_two.py")
    assert done.ret == 0, done.stderr.str()
