"""The template loaders: SAM, CloudFormation (CDK output) and OpenAPI to
frozen API descriptions, on public templates and on small ones, table-driven."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from pytest_apigw_faults._gateway.auth.config import LambdaAuthorizer
from pytest_apigw_faults._gateway.auth.keys import ApiKeys, UsagePlan
from pytest_apigw_faults._gateway.errors import ApigwFaultError
from pytest_apigw_faults._gateway.table import Api
from pytest_apigw_faults._template import (
    ApiDescription,
    AuthorizerDescription,
    Cors,
    FunctionDescription,
    RouteDescription,
    Throttle,
    load,
)

pytest.importorskip("cfn_tools")
DATA = Path(__file__).parent / "data" / "templates"
NO_ENV: Any = MappingProxyType({})


def function(logical_id: str, handler: str, root: Path | None, **extra: Any) -> FunctionDescription:
    return FunctionDescription(
        logical_id=logical_id, handler=handler,
        code_root=None if root is None else str(root.resolve()), **extra,
    )


# The public templates ---------------------------------------------------------


def test_sam_rest_api_with_a_request_authorizer_api_keys_and_a_usage_plan() -> None:
    folder = DATA / "sam-rest-authorizer-usage-plan"
    env = {"ITEM_TABLE": "ItemTable"}
    node = {"runtime": "nodejs24.x", "timeout": 5.0, "environment": env}
    authorizer_function = function(
        "authFunction", "src.handlers.auth:authHandler", folder, runtime="nodejs24.x",
        timeout=5.0, environment={
            "CONFIG_TABLE": "ConfigTable",
            "ITEM_TABLE_ARN": "arn:aws:serverless:us-east-1:123456789012:ItemTable",
            "AUTHORIZER_ACCESS_ROLE_ARN": "arn:aws:iam:us-east-1:123456789012:AuthorizerAccessRole",
        },
    )
    common = {"authorizer": "MyLambdaRequestAuthorizer", "authorization_type": "CUSTOM",
              "api_key_required": True}
    plan = UsagePlan()
    assert load(folder / "template.yaml") == [
        ApiDescription(
            kind=Api.REST, logical_id="MyApi", name=None, stage="Prod", source="sam",
            routes=(
                RouteDescription(route="/{id}", method="GET", path="/{id}", **common,
                                 function=function("getByIdFunction",
                                                   "src.handlers.get-by-id:getByIdHandler",
                                                   folder, **node)),
                RouteDescription(route="/", method="POST", path="/", **common,
                                 function=function("putItemFunction",
                                                   "src.handlers.put-item:putItemHandler",
                                                   folder, **node)),
            ),
            api_key_source="HEADER",
            usage_plans={"UsagePlan": plan},
            api_keys=ApiKeys({"TestApiKey": "UsagePlan"}, plans={"UsagePlan": plan}),
            authorizers={"MyLambdaRequestAuthorizer": AuthorizerDescription(
                name="MyLambdaRequestAuthorizer", type="REQUEST",
                identity_source=("method.request.header.x-api-key",),
                authorizer=LambdaAuthorizer(
                    "src.handlers.auth:authHandler", type="REQUEST",
                    identity_source=["method.request.header.x-api-key"], ttl=0, timeout=5.0,
                ),
                function=authorizer_function,
            )},
        )
    ]


def test_sam_http_api_with_a_jwt_authorizer_and_cors() -> None:
    folder = DATA / "sam-http-jwt-cors"
    src = folder / "src"

    def route(key: str, logical_id: str, **extra: Any) -> RouteDescription:
        method, _, path = key.partition(" ") if " " in key else ("ANY", "", key)
        return RouteDescription(
            route=key, method=method, path=path, payload_format="2.0",
            function=function(logical_id, "app:lambdaHandler", src, runtime="nodejs16.x",
                              timeout=5.0),
            **extra,
        )

    jwt = {"authorizer": "GeneralAuth", "authorization_type": "JWT"}
    apis = load(folder / "template.yaml",
                parameters={"UserPoolId": "us-east-1_pool", "Audience": "client"})
    assert apis == [
        ApiDescription(
            kind=Api.HTTP, logical_id="HttpApi", name=None, stage="$default", source="sam",
            routes=(
                route("GET /", "LambdaFunction"),
                route("GET /simple", "SimpleAuthLambdaFunction", **jwt),
                route("GET /admin", "AdminLambdaFunction", **jwt,
                      authorization_scopes=("Admins-client",)),
                route("GET /su", "SULambdaFunction", **jwt, authorization_scopes=("SU-client",)),
                route("GET /both", "BothLambdaFunction", **jwt,
                      authorization_scopes=("Admins-client", "SU-client")),
            ),
            authorizers={"GeneralAuth": AuthorizerDescription(
                name="GeneralAuth", type="JWT",
                identity_source=("$request.header.Authorization",),
                issuer="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool",
                audience=("client",), scopes=("email",),
            )},
            cors=Cors(allow_origins=("http://localhost:8080",), allow_methods=("GET",)),
        ),
        ApiDescription(
            kind=Api.HTTP, logical_id="ServerlessHttpApi", name=None, stage="$default",
            source="sam", routes=(route("$default", "CatchAllLambdaFunction"),),
        ),
    ]
    keys = {"keys": [{"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"}]}
    made = apis[0].authorizers["GeneralAuth"].jwt(keys)
    assert (made.issuer, list(made.audience), made.identity_source) == (
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool", ["client"],
        "$request.header.Authorization",
    )


def test_cdk_synthesized_lambda_rest_api() -> None:
    template = DATA / "cdk-lambda-rest-api" / "LambdaApiIntegrationOptionsStack.template.json"
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:myfn8C66D016/invocations"
    )
    handler = function("myfn8C66D016", "index:handler", None, runtime="nodejs18.x", inline=True)
    route = RouteDescription(route="/{proxy+}", method="ANY", path="/{proxy+}",
                             function=handler, uri=uri, integration_timeout=1.0)
    assert load(template) == [
        ApiDescription(
            kind=Api.REST, logical_id="lambdarestapiF559E4F2", name="lambdarestapi",
            stage="prod", source="cloudformation",
            routes=(route, dataclasses.replace(route, route="/", path="/")),
        )
    ]


def test_cloudformation_rest_api_with_an_http_proxy_a_usage_plan_and_a_key() -> None:
    plan = UsagePlan(rate=200.0, burst=200)
    assert load(DATA / "cfn-rest-usage-plan" / "template.yaml") == [
        ApiDescription(
            kind=Api.REST, logical_id="MyAPI", name="example-with-usage-plan", stage="test",
            source="cloudformation",
            routes=(RouteDescription(
                route="/pets", method="GET", path="/pets", integration="HTTP_PROXY",
                uri="http://petstore.execute-api.us-west-1.amazonaws.com/petstore/pets",
            ),),
            usage_plans={"ExampleUsagePlan": plan},
            api_keys=ApiKeys({"MyAPIKey": "ExampleUsagePlan"}, plans={"ExampleUsagePlan": plan}),
        )
    ]


def test_descriptions_are_frozen() -> None:
    (api,) = load(DATA / "cfn-rest-usage-plan" / "template.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        api.stage = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        api.usage_plans["x"] = UsagePlan()  # type: ignore[index]
    assert api.route("GET /pets") is api.routes[0]
