"""A whole API from its template (``GatewayApi.from_template``): a SAM app
with Python handlers as ``sam init`` lays them out, and public templates of
other shapes (an HTTP API with JWT and CORS, a REST API with a REQUEST
authorizer and API keys, a CDK-synthesized REST API), each driven through
requests and httpx, right and wrong, byte for byte."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_apigw_faults import SCENARIOS, Api, ApigwFaultError, GatewayApi, JwtKeys

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")
pytest.importorskip("cfn_tools")
pytest.importorskip("time_machine")

DATA = Path(__file__).parent / "data"
ORDERS = DATA / "apps" / "orders" / "template.yaml"
TEMPLATES = DATA / "templates"
HOST = "abcdef1234.execute-api.eu-west-1.amazonaws.com"
PROD = f"https://{HOST}/prod"
LET_IN = {"Authorization": "Bearer letmein"}
KEY = {**LET_IN, "x-api-key": "OrdersApiApiKey"}  # SAM's PER_API key, by its logical id


def body(row: str, api: Api = Api.REST) -> bytes:
    return SCENARIOS[(row, api)].body


# -- a SAM app of Python functions ---------------------------------------------------


def test_the_routes_of_a_sam_app_run_its_own_handlers():
    api = GatewayApi.from_template(ORDERS, seed=1, virtual_time=True)
    assert [route.key for route in api.routes] == [
        "GET /orders/{id}", "POST /orders", "GET /health"
    ]
    with api:
        order = requests.get(f"{PROD}/orders/7", headers=LET_IN)
        health = httpx.get(f"{PROD}/health")
    # the module read TABLE_NAME (Globals, from a parameter's default) when imported
    assert json.loads(order.content) == {"id": "7", "table": "orders", "user": "user-7"}
    assert (health.status_code, health.content) == (200, b"ok")


def test_the_wrong_requests_get_what_aws_answers():
    api = GatewayApi.from_template(ORDERS, seed=2, virtual_time=True)
    with api:
        no_token = requests.get(f"{PROD}/orders/7")
        no_key = requests.post(f"{PROD}/orders", headers=LET_IN, data="x")
        no_route = httpx.delete(f"{PROD}/orders/7")
        no_stage = httpx.get(f"https://{HOST}/dev/health")
    assert (no_token.status_code, no_token.content) == (401, body("unauthorized"))
    assert (no_key.status_code, no_key.content) == (403, body("invalid_api_key"))
    assert (no_route.status_code, no_route.content) == (403, body("route_not_found"))
    assert no_stage.status_code == 403


def test_the_function_timeout_and_the_usage_plan_quota():
    api = GatewayApi.from_template(ORDERS, seed=3, virtual_time=True)
    with api:
        created = requests.post(f"{PROD}/orders", headers=KEY, data="x")
        start = time.time()
        slow = requests.post(f"{PROD}/orders", headers=KEY, data="slow")  # sleeps 2 s, Timeout 1
        took = time.time() - start
        over = requests.post(f"{PROD}/orders", headers=KEY, data="x")  # the quota is 2 a day
    assert (created.status_code, created.content) == (201, b"x")
    assert (slow.status_code, slow.content) == (502, b'{"message": "Internal server error"}')
    assert took == pytest.approx(1.0, abs=0.05)  # the function's Timeout, on virtual time
    assert (over.status_code, over.content) == (429, body("quota_exceeded"))


def test_one_route_of_the_template_fails_the_others_work():
    api = GatewayApi.from_template(ORDERS, virtual_time=True)
    with api:
        api.inject("lambda_throttled", route="GET /health")
        health = requests.get(f"{PROD}/health")
        order = requests.get(f"{PROD}/orders/1", headers=LET_IN)
    assert (health.status_code, health.content) == (500, body("lambda_throttled"))
    assert order.status_code == 200


def test_a_handler_given_by_the_test_replaces_the_templates():
    api = GatewayApi.from_template(
        ORDERS, handlers={"Health": lambda event, context: {"statusCode": 503, "body": "down"}}
    )
    with api:
        answer = requests.get(f"{PROD}/health")
    assert (answer.status_code, answer.content) == (503, b"down")


# -- public templates of other shapes ------------------------------------------------


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}


def test_an_http_api_with_a_jwt_authorizer_scopes_and_cors():
    """aws-samples/sessions-with-aws-sam http-api: Node functions, answered
    here by a Python handler each; the template's issuer, audience, route
    scopes and CORS configuration decide."""
    keys = JwtKeys.generate()
    source = TEMPLATES / "sam-http-jwt-cors" / "template.yaml"
    functions = ["LambdaFunction", "SimpleAuthLambdaFunction", "AdminLambdaFunction",
                 "SULambdaFunction", "BothLambdaFunction"]
    api = GatewayApi.from_template(
        source, api_name="HttpApi", parameters={"UserPoolId": "us-east-1_pool", "Audience": "app"},
        handlers=dict.fromkeys(functions, echo), jwks=keys,
    )
    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
    claims = {"iss": issuer, "aud": "app", "sub": "u1", "exp": int(time.time()) + 600}
    admin = keys.token({**claims, "scope": "Admins-app"})
    plain = keys.token(claims)
    url = f"https://{HOST}"
    origin = "http://localhost:8080"
    with api:
        simple = httpx.get(f"{url}/simple", headers={"Authorization": plain, "Origin": origin})
        admins = httpx.get(f"{url}/admin", headers={"Authorization": admin})
        no_scope = httpx.get(f"{url}/admin", headers={"Authorization": plain})
        anonymous = httpx.get(f"{url}/simple")
        preflight = httpx.options(
            f"{url}/simple", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
        )
    assert simple.status_code == 200
    assert json.loads(simple.content)["jwt"]["claims"]["sub"] == "u1"
    assert simple.headers["access-control-allow-origin"] == origin
    assert admins.status_code == 200
    assert (no_scope.status_code, no_scope.content) == (403, body("access_denied", Api.HTTP))
    assert (anonymous.status_code, anonymous.content) == (401, body("unauthorized", Api.HTTP))
    assert (preflight.status_code, preflight.content) == (204, b"")


def test_a_rest_api_with_a_request_authorizer_on_the_api_key_and_a_usage_plan():
    """aws-samples/serverless-patterns serverless-multi-tenant-api."""
    def authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
        tenant = event["headers"].get("x-api-key")
        effect = "Allow" if tenant == "TestApiKey" else "Deny"
        statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": "*"}
        return {
            "principalId": "tenant-1",
            "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
            "context": {"tenant": "t1"},
        }

    source = TEMPLATES / "sam-rest-authorizer-usage-plan" / "template.yaml"
    handlers = {"getByIdFunction": echo, "putItemFunction": echo, "authFunction": authorizer}
    api = GatewayApi.from_template(source, handlers=handlers)
    with api:
        got = requests.get(f"https://{HOST}/Prod/42", headers={"x-api-key": "TestApiKey"})
        unknown = requests.get(f"https://{HOST}/Prod/42", headers={"x-api-key": "other"})
        missing = httpx.post(f"https://{HOST}/Prod/")
    assert json.loads(got.content) == {"tenant": "t1", "principalId": "tenant-1",
                                       "integrationLatency": 0}
    assert (unknown.status_code, unknown.content) == (
        403, b'{"Message":"User is not authorized to access this resource with an explicit deny"}'
    )
    assert (missing.status_code, missing.content) == (401, body("unauthorized"))


def test_a_cdk_synthesized_rest_api_with_a_one_second_integration_timeout():
    """aws/aws-cdk's LambdaRestApi snapshot: ANY / and ANY /{proxy+} to one
    function, the integration's timeout 1 s."""
    def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event["path"] == "/slow":
            time.sleep(5)
        return {"statusCode": 200, "body": event["path"]}

    source = TEMPLATES / "cdk-lambda-rest-api" / "LambdaApiIntegrationOptionsStack.template.json"
    api = GatewayApi.from_template(source, handlers={"myfn8C66D016": slow}, virtual_time=True)
    with api:
        root = requests.get(f"https://{HOST}/prod/")
        deep = httpx.put(f"https://{HOST}/prod/a/b")
        start = time.time()
        timed_out = requests.get(f"https://{HOST}/prod/slow")
        took = time.time() - start
    assert (root.content, deep.content) == (b"/", b"/a/b")
    assert (timed_out.status_code, timed_out.content) == (504, body("integration_timeout"))
    assert took == pytest.approx(1.0, abs=0.05)


def test_a_route_the_fake_gateway_cannot_run_says_so_when_called():
    source = TEMPLATES / "cfn-rest-usage-plan" / "template.yaml"
    api = GatewayApi.from_template(source)
    with api, pytest.raises(ApigwFaultError) as raised:
        requests.get(f"https://{HOST}/test/pets", headers={"x-api-key": "MyAPIKey"})
    assert str(raised.value) == (
        "route 'GET /pets' is a HTTP_PROXY integration, which the fake gateway does not run:"
        " give its answer with handlers={'GET /pets': handler}"
    )


# -- errors that teach ---------------------------------------------------------------


def test_a_template_of_several_apis_needs_a_name():
    source = TEMPLATES / "sam-http-jwt-cors" / "template.yaml"
    with pytest.raises(ApigwFaultError) as raised:
        GatewayApi.from_template(source, parameters={"UserPoolId": "p", "Audience": "a"})
    assert str(raised.value) == (
        f"{source} declares 2 APIs: name one with api_name= ('HttpApi', 'ServerlessHttpApi')"
    )
    with pytest.raises(ApigwFaultError, match=r"has no API 'HttpAPI'; did you mean 'HttpApi'\?"):
        GatewayApi.from_template(
            source, api_name="HttpAPI", parameters={"UserPoolId": "p", "Audience": "a"}
        )


def test_jwt_authorizers_need_the_keys():
    source = TEMPLATES / "sam-http-jwt-cors" / "template.yaml"
    with pytest.raises(ApigwFaultError) as raised:
        GatewayApi.from_template(
            source, api_name="HttpApi", parameters={"UserPoolId": "p", "Audience": "a"},
            handlers={"SimpleAuthLambdaFunction": echo, "LambdaFunction": echo},
        )
    assert str(raised.value) == (
        "authorizer 'GeneralAuth' checks tokens against its issuer's keys, which a template does"
        " not hold: give them with jwks= (a JwtKeys, a JWKS dict, or a dict of authorizer name"
        " to either)"
    )


def test_a_node_function_needs_a_python_handler():
    source = TEMPLATES / "cdk-lambda-rest-api" / "LambdaApiIntegrationOptionsStack.template.json"
    api = GatewayApi.from_template(source)
    with api, pytest.raises(ApigwFaultError) as raised:
        requests.get(f"https://{HOST}/prod/x")
    assert str(raised.value) == (
        "route 'ANY /{proxy+}' runs function myfn8C66D016 on nodejs18.x: give a Python handler"
        " for it with handlers={'myfn8C66D016': handler}"
    )


# -- the scenario matrix of this API ------------------------------------------------


def test_each_route_can_give_only_what_it_has():
    api = GatewayApi.from_template(ORDERS)
    rows: dict[str, set[str]] = {}
    for route, row in api.failures():
        rows.setdefault(route, set()).add(row.name)
    auth = {"unauthorized", "access_denied", "authorizer_configuration_error"}
    keys = {"invalid_api_key", "quota_exceeded"}
    assert auth <= rows["GET /orders/{id}"]
    assert not keys & rows["GET /orders/{id}"]
    assert auth | keys <= rows["POST /orders"]
    assert not (auth | keys) & rows["GET /health"]  # Authorizer: NONE, no key
    assert "lambda_throttled" in rows["GET /health"]
    assert not {"route_not_found", "waf_filtered", "jwt_rejected"} & set().union(*rows.values())


MATRIX_SUITE = """
import pytest
import requests

from pytest_apigw_faults import GatewayApi, classify, route_scenarios

API = GatewayApi.from_template("template.yaml", virtual_time=True)
URL = "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/prod"
PATHS = {"GET /orders/{id}": "/orders/1", "POST /orders": "/orders", "GET /health": "/health"}


@pytest.mark.parametrize(("route", "scenario"), route_scenarios(API))
def test_every_failure_of_every_route(apigw_fault, route, scenario):
    api = apigw_fault.use_api(API)
    api.inject(scenario, route=route)
    method = route.split()[0]
    response = requests.request(method, URL + PATHS[route])
    assert scenario in classify(response)  # rows with the same bytes tie
"""


def test_the_matrix_of_this_api_runs_as_a_suite(pytester: pytest.Pytester):
    import shutil

    from support import set_up_inner

    set_up_inner(pytester)
    shutil.copytree(ORDERS.parent, pytester.path, dirs_exist_ok=True)
    pytester.makepyfile(test_matrix=MATRIX_SUITE)
    result = pytester.runpytest("-p", "no:randomly", "-v")
    expected = len(GatewayApi.from_template(ORDERS).failures())
    result.assert_outcomes(passed=expected)
    result.stdout.fnmatch_lines([
        "*test_every_failure_of_every_route?GET /orders/{id}-unauthorized? PASSED*",
        "*test_every_failure_of_every_route?POST /orders-quota_exceeded? PASSED*",
    ])


MARKER_SUITE = """
import pytest
import requests

URL = "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/prod"


@pytest.mark.apigw_fault(template="template.yaml", virtual_time=True)
def test_the_api(apigw_fault):
    assert requests.get(URL + "/health").content == b"ok"
    assert [route.key for route in apigw_fault.api.routes][-1] == "GET /health"


@pytest.mark.apigw_fault("lambda_throttled", template="template.yaml", route="GET /health",
                         times=1)
def test_one_route_fails_once(apigw_fault):
    assert requests.get(URL + "/health").status_code == 500
    assert requests.get(URL + "/health").status_code == 200


@pytest.mark.apigw_fault("lambda_throttled", template="template.yaml", route="GET /healthz")
def test_a_route_it_lacks(apigw_fault):
    pass
"""


def test_the_marker_takes_a_template(pytester: pytest.Pytester):
    import shutil

    from support import set_up_inner

    set_up_inner(pytester)
    shutil.copytree(ORDERS.parent, pytester.path, dirs_exist_ok=True)
    bad = """
import pytest


@pytest.mark.apigw_fault("lambda_throttled", template="template.yaml")
def test_no_route(apigw_fault):
    pass
"""
    pytester.makepyfile(test_marked=MARKER_SUITE, test_bad=bad)
    result = pytester.runpytest("-p", "no:randomly", "-q", "test_bad.py")
    result.assert_outcomes(errors=1)  # a collection error, as for every bad marker
    result.stdout.fnmatch_lines([
        "*test_bad.py::test_no_route: bad @pytest.mark.apigw_fault: a scenario"
        " ('lambda_throttled') with template= fails one route of the template's API: name it"
        " with route=, e.g. route='GET /orders/{id}'",
    ])
    result = pytester.runpytest("-p", "no:randomly", "-q", "test_marked.py")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines([
        "*test_marked.py::test_a_route_it_lacks: bad @pytest.mark.apigw_fault(template=...):"
        " no route 'GET /healthz' in this API; did you mean 'GET /health'? Its routes:"
        " GET /orders/{id}, POST /orders, GET /health",
    ])
