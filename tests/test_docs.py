"""Every code example of the documentation runs, by page and heading (see
``doc_examples``): as a pytest module through pytester when it defines
tests, else as a script, in a fresh directory holding the files it names.
Blocks marked ``<!-- not-run: why -->`` are left out, and every block is
either run or so marked."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import support  # also: one copy of the client modules across pytester runs
from doc_examples import DOCS, NOT_RUN, ROOT, Example, examples, pages

DATA = Path(__file__).parent / "data"

# -- what an example needs ------------------------------------------------------------

#: Libraries an example needs beyond those it imports: each client's backend,
#: and the extra a feature it uses needs.
IMPLIED = {"requests": ["responses"], "httpx": ["respx"], "aiohttp": ["aioresponses"]}
FEATURES = {
    "virtual_time=True": "time_machine",
    "JwtKeys": "jwt",
    ".server": "httptools",
    "WebSocketApi": "wsproto",  # the serve extra: WebSocket APIs on the loopback server
    "use_template": "cfn_tools",
    "from_template": "cfn_tools",
    "request_model=": "jsonschema",
    "iam=": "botocore",
    "pytest.mark.asyncio": "pytest_asyncio",
    "pytest.mark.anyio": "anyio",
    "httpx_mock": "pytest_httpx",
}
_IMPORT = re.compile(r"^(?:import|from) ([a-z_][a-z0-9_]*)", re.M)
_STANDARD = frozenset(__import__("sys").stdlib_module_names) | {"pytest", "pytest_apigw_faults"}


def needs(code: str) -> list[str]:
    """The modules ``code`` needs that may be missing from an install."""
    found = [name for name in _IMPORT.findall(code) if name not in _STANDARD]
    found += [backend for name in list(found) for backend in IMPLIED.get(name, [])]
    found += [module for key, module in FEATURES.items() if key in code]
    return list(dict.fromkeys(found))


# -- the files a section's example works with -----------------------------------------

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


def _orders_app(path: Path) -> None:
    shutil.copytree(DATA / "apps" / "orders", path, dirs_exist_ok=True)


def _three_templates(path: Path) -> None:
    (path / "cdk.out").mkdir()
    (path / "cdk.out" / "OrdersStack.template.json").write_text(json.dumps(CDK_TEMPLATE))
    (path / "openapi.yaml").write_text(OPENAPI)
    shutil.copy(DATA / "templates" / "sam-http-jwt-cors" / "template.yaml", path)


def _chat_app(path: Path) -> None:
    shutil.copytree(DATA / "apps" / "chat", path, dirs_exist_ok=True)


#: The files each example works with, by its id.
FILES: dict[str, Callable[[Path], None]] = {
    "docs/templates.md::A SAM app": _orders_app,
    "docs/websocket.md::From a template": _chat_app,
    "docs/templates.md::CloudFormation, CDK and OpenAPI": _three_templates,
}
#: What runs after a script example, to check it did what its page says.
AFTER = {
    "docs/templates.md::CloudFormation, CDK and OpenAPI": """
import requests
with cdk, openapi:
    URL = "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/prod/pets"
    assert requests.get(URL).text == "[]"
assert [route.key for route in http_api.routes][:2] == ["GET /", "GET /simple"]
""",
}

# -- running them ---------------------------------------------------------------------

ALL = [example for page in pages() for example in examples(page) if example.blocks]
_TEST = re.compile(r"^(?:async )?def (test_\w+)", re.M)
TESTS = [example for example in ALL if _TEST.search(example.code)]
SCRIPTS = [example for example in ALL if not _TEST.search(example.code)]


def _prepare(example: Example, path: Path) -> str:
    code = example.code + AFTER.get(example.id, "")
    for module in needs(code):
        pytest.importorskip(module)
    FILES.get(example.id, lambda path: None)(path)
    return code


@pytest.mark.parametrize("example", TESTS, ids=lambda example: example.id)
def test_the_tests_of_the_example_pass(pytester: pytest.Pytester, example: Example) -> None:
    code = _prepare(example, pytester.path)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_example=code)
    # warnings are errors, but for the install matrix row's own filters (pytest 8.0)
    result = pytester.runpytest("-p", "no:randomly", "-q", *support.warnings_as_errors())
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= len(_TEST.findall(code)), result.stdout.str()
    assert set(outcomes) <= {"passed"}, result.stdout.str()


@pytest.mark.parametrize("example", SCRIPTS, ids=lambda example: example.id)
def test_the_script_example_runs(tmp_path: Path, monkeypatch, example: Example) -> None:
    # in this process: pytester's module snapshots would import cryptography twice
    code = _prepare(example, tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    exec(compile(code, example.page, "exec"), {"__name__": "__doc_example__"})


def test_every_block_is_run_or_marked_with_a_reason() -> None:
    fences = 0
    for page in pages():
        text = page.read_text(encoding="utf-8")
        fences += len(re.findall(r"^```python$", text, re.M))
        # a marker stands right before a fence, and says why
        for match in re.finditer(r"^<!-- not-run:.*", text, re.M):
            after = text[match.end():].lstrip("\n")
            assert NOT_RUN.fullmatch(match.group(0)), (page, match.group(0))
            assert after.startswith("```python\n"), f"{page}: {match.group(0)} marks no block"
    found = [example for page in pages() for example in examples(page)]
    run = sum(len(example.blocks) for example in found)
    marked = sum(len(example.not_run) for example in found)
    assert run + marked == fences
    assert run == sum(len(example.blocks) for example in ALL)
    assert marked >= 1  # the marker's signature


def test_examples_are_found_by_page_and_heading(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n```python\na = 1\n```\n\n## One\n\n```python\nb = a\n```\n\n### Sub\n\n"
        "```python\nc = b\n```\n\n## Two\n\n<!-- not-run: a sketch -->\n```python\n...\n```\n"
        "\n```text\nnot python\n```\n",
        encoding="utf-8",
    )
    found = [(e.heading, e.blocks, [r for r, _ in e.not_run]) for e in _examples_of(page)]
    assert found == [
        ("# Title", ["a = 1\n"], []),
        ("## One", ["b = a\n", "c = b\n"], []),
        ("## Two", [], ["a sketch"]),
    ]


def _examples_of(page: Path) -> list[Example]:
    import doc_examples

    original = doc_examples.ROOT
    doc_examples.ROOT = page.parent
    try:
        return examples(page)
    finally:
        doc_examples.ROOT = original


def test_every_page_is_in_the_site_s_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:\n", 1)[1]
    listed = set(re.findall(r": ([\w/.-]+\.md)$", nav, re.M))
    assert listed == {page.relative_to(DOCS).as_posix() for page in DOCS.rglob("*.md")}
