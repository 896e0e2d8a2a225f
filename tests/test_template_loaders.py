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


# Intrinsic functions, through a function's environment ------------------------


def _with_env(value: object, **template: Any) -> dict[str, Any]:
    return {
        "Resources": {
            "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
                "ProtocolType": "HTTP", "Target": {"Fn::GetAtt": ["Fn", "Arn"]}}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
                "Handler": "app.handler", "Code": {"ZipFile": "x"},
                "Environment": {"Variables": {"V": value}}}},
            "Table": {"Type": "AWS::DynamoDB::Table"},
        },
        **template,
    }


def _env(template: dict[str, Any], **parameters: object) -> object:
    (api,) = load(template, parameters=parameters or None)
    function = api.routes[0].function
    assert function is not None
    return function.environment.get("V")


PARAMETERS = {"Env": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
              "Names": {"Type": "CommaDelimitedList", "Default": "a,b,c"}}
CONDITIONS = {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
              "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
              "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "NotProd"}]},
              "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "NotProd"}]}}
MAPPINGS = {"Sizes": {"dev": {"Memory": 128}, "prod": {"Memory": 1024}}}


@pytest.mark.parametrize(
    ("value", "parameters", "expected"),
    [
        ({"Ref": "Env"}, {}, "dev"),
        ({"Ref": "Env"}, {"Env": "prod"}, "prod"),
        ({"Ref": "AWS::Region"}, {}, "us-east-1"),
        ({"Ref": "AWS::Region"}, {"AWS::Region": "eu-west-1"}, "eu-west-1"),
        ({"Ref": "AWS::AccountId"}, {}, "123456789012"),
        ({"Ref": "AWS::StackName"}, {}, "local"),
        ({"Ref": "AWS::Partition"}, {}, "aws"),
        ({"Ref": "AWS::URLSuffix"}, {}, "amazonaws.com"),
        ({"Ref": "Table"}, {}, "Table"),
        ({"Fn::GetAtt": ["Table", "Arn"]}, {}, "arn:aws:dynamodb:us-east-1:123456789012:Table"),
        ({"Fn::GetAtt": "Fn.Arn"}, {}, "arn:aws:lambda:us-east-1:123456789012:function:Fn"),
        ({"Fn::GetAtt": ["Table", "StreamLabel"]}, {}, "Table.StreamLabel"),
        ({"Fn::Sub": "${Env}-${AWS::Region}-${Table}-${!Literal}"}, {},
         "dev-us-east-1-Table-${Literal}"),
        ({"Fn::Sub": "${Table.Arn}"}, {}, "arn:aws:dynamodb:us-east-1:123456789012:Table"),
        ({"Fn::Sub": ["${A}/${Env}", {"A": {"Ref": "AWS::Partition"}}]}, {}, "aws/dev"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Env"}, 3]]}, {}, "a-dev-3"),
        ({"Fn::Select": [1, {"Ref": "Names"}]}, {}, "b"),
        ({"Fn::Select": ["0", {"Fn::Split": ["/", "x/y"]}]}, {}, "x"),
        ({"Fn::Select": [2, {"Ref": "Names"}]}, {"Names": "x,y,z"}, "z"),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Memory"]}, {"Env": "prod"}, "1024"),
        ({"Fn::If": ["IsProd", "p", "d"]}, {}, "d"),
        ({"Fn::If": ["IsProd", "p", "d"]}, {"Env": "prod"}, "p"),
        ({"Fn::If": ["Both", "p", "d"]}, {}, "d"),
        ({"Fn::If": ["Either", "p", "d"]}, {}, "p"),
        ({"Fn::If": ["NotProd", {"Ref": "AWS::NoValue"}, "d"]}, {}, None),
        (True, {}, "true"),
    ],
)
def test_intrinsic_functions_resolve(
    value: object, parameters: dict[str, object], expected: object
) -> None:
    template = _with_env(value, Parameters=PARAMETERS, Conditions=CONDITIONS, Mappings=MAPPINGS)
    assert _env(template, **parameters) == expected


def test_a_resource_whose_condition_is_false_is_left_out() -> None:
    template = _with_env("x", Parameters=PARAMETERS, Conditions=CONDITIONS)
    template["Resources"]["Api"]["Condition"] = "IsProd"
    assert load(template) == []
    assert len(load(template, parameters={"Env": "prod"})) == 1


ORIGIN = "template: "
V = "Resources.Fn.Properties.Environment.Variables.V."


@pytest.mark.parametrize(
    ("value", "parameters", "message"),
    [
        ({"Ref": "Missing"}, {},
         V + "Ref: Ref 'Missing' names no parameter or resource"),
        ({"Ref": "Tabel"}, {}, V + "Ref: Ref 'Tabel' names no"
         " parameter or resource; did you mean 'Table'?"),
        ({"Ref": "Needed"}, {}, V + "Ref: parameter 'Needed' has"
         " no Default: give it in parameters= (e.g. parameters={'Needed': ...})"),
        ("x", {"Env": "test"},
         "Parameters.Env: 'test' is not one of its AllowedValues: dev, prod"),
        ("x", {"Evn": "dev"}, "Parameters: parameters= gives 'Evn', which the template does"
         " not declare; did you mean 'Env'? (declared: Env, Names, Needed)"),
        ({"Fn::ImportValue": "Shared"}, {},
         V + "Fn::ImportValue: Fn::ImportValue cannot be"
         " resolved for a local run"),
        ({"Fn::GetAtt": ["Nope", "Arn"]}, {},
         V + "Fn::GetAtt: Fn::GetAtt names no resource 'Nope'"),
        ({"Fn::If": ["Unknown", 1, 2]}, {}, V + "Fn::If[0]:"
         " condition 'Unknown' is not in Conditions (declared: IsProd, NotProd, Both, Either)"),
        ({"Fn::FindInMap": ["Sizes", "qa", "Memory"]}, {},
         V + "Fn::FindInMap: Fn::FindInMap: Mappings.Sizes has"
         " no key 'qa'"),
        ({"Fn::Select": [5, ["a"]]}, {},
         V + "Fn::Select: Fn::Select: index 5 is not in ['a']"),
    ],
)
def test_what_cannot_be_resolved_is_named_by_its_path(
    value: object, parameters: dict[str, object], message: str
) -> None:
    template = _with_env(value, Parameters={**PARAMETERS, "Needed": {"Type": "String"}},
                         Conditions=CONDITIONS, Mappings=MAPPINGS)
    with pytest.raises(ApigwFaultError) as error:
        _env(template, **parameters)
    assert str(error.value) == ORIGIN + message


def test_the_error_names_the_file_and_the_handler_path(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  GetOrder:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      Handler: !Ref Nowhere\n"
        "      Events:\n        Get:\n          Type: Api\n"
        "          Properties: {Path: '/orders/{id}', Method: get}\n",
        encoding="utf-8",
    )
    with pytest.raises(ApigwFaultError) as error:
        load(path)
    assert str(error.value) == (
        f"{path}: Resources.GetOrder.Properties.Handler.Ref: Ref 'Nowhere' names no parameter"
        " or resource"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"Foo": 1}, "template: neither a CloudFormation or SAM template (no Resources) nor an"
         " OpenAPI document (no 'openapi' or 'swagger' key)"),
        (42, "a template is the path of a YAML or JSON file, or a dict, got int 42"),
        ("/nonexistent/template.yaml",
         "/nonexistent/template.yaml: cannot read the template (No such file or directory)"),
    ],
)
def test_documents_that_are_no_template(source: Any, message: str) -> None:
    with pytest.raises(ApigwFaultError) as error:
        load(source)
    assert str(error.value) == message


# SAM ----------------------------------------------------------------------------

SAM_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
    CodeUri: src/
    Environment: {Variables: {SHARED: one, OVERRIDDEN: global}}
  Api:
    BinaryMediaTypes: [image~1png]
Resources:
  Orders:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
      Cors: {AllowOrigin: "'https://example.com'", AllowMethods: "'GET,POST'", MaxAge: "'600'"}
      GatewayResponses:
        DEFAULT_4XX:
          StatusCode: 400
          ResponseParameters: {Headers: {Access-Control-Allow-Origin: "'*'"}}
      MethodSettings:
        - {ResourcePath: /*, HttpMethod: '*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 5}
        - {ResourcePath: '/orders/{id}', HttpMethod: GET, ThrottlingRateLimit: 1,
           ThrottlingBurstLimit: 1}
      Models:
        Order: {type: object, required: [id], properties: {id: {type: string}}}
      Auth:
        DefaultAuthorizer: Token
        ApiKeyRequired: true
        Authorizers:
          Token:
            FunctionArn: !GetAtt AuthFunction.Arn
            Identity: {Header: X-Token, ValidationExpression: "^Bearer .+$", ReauthorizeEvery: 60}
          Pool:
            UserPoolArn: !GetAtt UserPool.Arn
        UsagePlan:
          CreateUsagePlan: PER_API
          Throttle: {RateLimit: 2, BurstLimit: 4}
          Quota: {Limit: 100, Period: DAY}
  UserPool: {Type: AWS::Cognito::UserPool}
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties: {Handler: auth.handler}
  GetOrder:
    Type: AWS::Serverless::Function
    Properties:
      Handler: handlers/orders.get
      MemorySize: 256
      Environment: {Variables: {OVERRIDDEN: own}}
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref Orders
            Path: /orders/{id}
            Method: get
            RequestParameters: [method.request.querystring.verbose,
                                {method.request.header.x-version: {Required: true}}]
        Put:
          Type: Api
          Properties:
            RestApiId: !Ref Orders
            Path: /orders/{id}
            Method: put
            Auth: {Authorizer: NONE, ApiKeyRequired: false}
            RequestModel: {Model: Order, Required: true}
        Implicit:
          Type: Api
          Properties: {Path: '/{proxy+}', Method: any, TimeoutInMillis: 5000}
"""


def test_a_sam_template_with_globals_auth_models_and_an_implicit_api(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(SAM_TEMPLATE, encoding="utf-8")
    orders, implicit = load(tmp_path / "template.yaml", parameters={"Stage": "v1"})
    src = str((tmp_path / "src").resolve())
    get = FunctionDescription(
        logical_id="GetOrder", handler="handlers.orders:get", code_root=src,
        runtime="python3.12", timeout=10.0, memory_size=256,
        environment={"SHARED": "one", "OVERRIDDEN": "own"},
    )
    auth_function = dataclasses.replace(
        get, logical_id="AuthFunction", handler="auth:handler", memory_size=128,
        environment={"SHARED": "one", "OVERRIDDEN": "global"},
    )
    plan = UsagePlan(rate=2.0, burst=4, quota=100, period="DAY")
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    assert orders == ApiDescription(
        kind=Api.REST, logical_id="Orders", name=None, stage="v1", source="sam",
        routes=(
            RouteDescription(
                route="/orders/{id}", method="GET", path="/orders/{id}", function=get,
                authorizer="Token", authorization_type="CUSTOM", api_key_required=True,
                required_parameters=("method.request.querystring.verbose",
                                     "method.request.header.x-version"),
                throttle=Throttle(rate=1.0, burst=1),
            ),
            RouteDescription(
                route="/orders/{id}", method="PUT", path="/orders/{id}", function=get,
                validate_body=True, validate_parameters=True,
                request_model=json.dumps(schema, sort_keys=True),
            ),
        ),
        binary_media_types=("image/png",),
        gateway_responses={"DEFAULT_4XX": {
            "statusCode": "400",
            "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        }},
        usage_plans={"OrdersUsagePlan": plan},
        api_keys=ApiKeys({"OrdersApiKey": "OrdersUsagePlan"}, plans={"OrdersUsagePlan": plan}),
        authorizers={
            "Token": AuthorizerDescription(
                name="Token", type="TOKEN", identity_source=("method.request.header.X-Token",),
                authorizer=LambdaAuthorizer(
                    "auth:handler", type="TOKEN",
                    identity_source=["method.request.header.X-Token"],
                    validation_expression="^Bearer .+$", ttl=60, timeout=10.0,
                ),
                function=auth_function,
            ),
            "Pool": AuthorizerDescription(
                name="Pool", type="COGNITO_USER_POOLS",
                identity_source=("method.request.header.Authorization",),
                user_pool_arns=("arn:aws:cognito:us-east-1:123456789012:UserPool",),
            ),
        },
        cors=Cors(allow_origins=("https://example.com",), allow_methods=("GET", "POST"),
                  max_age=600),
        throttle=Throttle(rate=10.0, burst=5),
    )
    assert orders.routes[1].request_schema() == schema
    assert implicit == ApiDescription(
        kind=Api.REST, logical_id="ServerlessRestApi", name=None, stage="Prod", source="sam",
        routes=(RouteDescription(route="/{proxy+}", method="ANY", path="/{proxy+}",
                                 function=get, integration_timeout=5.0),),
        binary_media_types=("image/png",),
    )


# OpenAPI, CloudFormation HTTP APIs, CDK assets ----------------------------------

OPENAPI = {
    "openapi": "3.0.1",
    "info": {"title": "orders"},
    "x-amazon-apigateway-binary-media-types": ["application/octet-stream"],
    "x-amazon-apigateway-api-key-source": "AUTHORIZER",
    "x-amazon-apigateway-request-validators": {
        "all": {"validateRequestBody": True, "validateRequestParameters": True},
        "params": {"validateRequestBody": False, "validateRequestParameters": True},
    },
    "x-amazon-apigateway-request-validator": "params",
    "x-amazon-apigateway-gateway-responses": {"MISSING_AUTHENTICATION_TOKEN": {"statusCode": 404}},
    "components": {
        "schemas": {"Order": {"type": "object", "properties": {"n": {"type": "integer"}}}},
        "securitySchemes": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "tok": {"type": "apiKey", "name": "Authorization", "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {
                        "type": "token", "authorizerResultTtlInSeconds": 0,
                        "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/"
                        "functions/arn:aws:lambda:us-east-1:1:function:Auth/invocations"}},
        },
    },
    "paths": {
        "/orders/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True}],
            "post": {
                "security": [{"tok": []}, {"api_key": []}],
                "x-amazon-apigateway-request-validator": "all",
                "parameters": [{"name": "trace", "in": "header", "required": True},
                               {"name": "page", "in": "query"}],
                "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Order"}}}},
                "x-amazon-apigateway-integration": {
                    "type": "aws_proxy", "timeoutInMillis": 2500, "uri": "arn:aws:apigateway:"
                    "us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:"
                    "function:Orders/invocations"},
            },
            "options": {"x-amazon-apigateway-integration": {"type": "mock"}},
        },
    },
}


def test_an_openapi_document_with_api_gateway_extensions() -> None:
    (api,) = load(OPENAPI, stage="v1")
    assert api == ApiDescription(
        kind=Api.REST, logical_id="orders", name="orders", stage="v1", source="openapi",
        routes=(
            RouteDescription(
                route="/orders/{id}", method="POST", path="/orders/{id}",
                uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                "arn:aws:lambda:us-east-1:1:function:Orders/invocations",
                integration_timeout=2.5, authorizer="tok", authorization_type="TOKEN",
                api_key_required=True, validate_body=True, validate_parameters=True,
                required_parameters=("method.request.path.id", "method.request.header.trace"),
                request_model=json.dumps(
                    {"properties": {"n": {"type": "integer"}}, "type": "object"}),
            ),
            RouteDescription(route="/orders/{id}", method="OPTIONS", path="/orders/{id}",
                             integration="MOCK", validate_parameters=True,
                             required_parameters=("method.request.path.id",)),
        ),
        binary_media_types=("application/octet-stream",),
        gateway_responses={"MISSING_AUTHENTICATION_TOKEN": {"statusCode": 404}},
        api_key_source="AUTHORIZER",
        authorizers={"tok": AuthorizerDescription(
            name="tok", type="TOKEN", identity_source=("method.request.header.Authorization",))},
    )


def test_a_bad_gateway_response_or_model_is_named_by_its_path() -> None:
    bad = {**OPENAPI, "x-amazon-apigateway-gateway-responses": {"NOPE": {}}}
    with pytest.raises(ApigwFaultError, match=r"^template: x-amazon-apigateway-gateway-"
                       r"responses: x-amazon-apigateway-gateway-responses\.NOPE: unknown"):
        load(bad)
    schemas = {"Order": {"type": "nonsense"}}
    with pytest.raises(ApigwFaultError) as error:
        load({**OPENAPI, "components": {**OPENAPI["components"], "schemas": schemas}})
    assert str(error.value).startswith(
        "template: paths./orders/{id}.post.schema: not a valid JSON Schema: 'nonsense' is not"
    )


def test_a_cloudformation_http_api_with_routes_integrations_and_a_stage() -> None:
    def ref(name: str) -> dict[str, str]:
        return {"Ref": name}

    template = {"Resources": {
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
            "ProtocolType": "HTTP", "Name": "h",
            "CorsConfiguration": {"AllowOrigins": ["*"], "AllowCredentials": False,
                                  "MaxAge": 300, "ExposeHeaders": ["x-id"]}}},
        "Ws": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Handler": "app.main", "Code": {"S3Bucket": "b", "S3Key": "k.zip"}},
            "Metadata": {"aws:asset:path": "asset.abc", "aws:asset:property": "Code"}},
        "Lambda": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": ref("Api"), "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "1.0",
            "IntegrationUri": {"Fn::GetAtt": ["Fn", "Arn"]}, "TimeoutInMillis": 8000}},
        "Web": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": ref("Api"), "IntegrationType": "HTTP_PROXY",
            "IntegrationUri": "https://example.com"}},
        "Get": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": ref("Api"), "RouteKey": "GET /items/{id}",
            "Target": {"Fn::Join": ["/", ["integrations", ref("Lambda")]]},
            "AuthorizationType": "JWT", "AuthorizerId": ref("Jwt"),
            "AuthorizationScopes": ["read"]}},
        "Proxy": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": ref("Api"), "RouteKey": "$default", "Target": "integrations/Web"}},
        "Jwt": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
            "ApiId": ref("Api"), "AuthorizerType": "JWT", "Name": "jwt",
            "IdentitySource": ["$request.header.Authorization"],
            "JwtConfiguration": {"Issuer": "https://issuer", "Audience": ["aud"]}}},
        "Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {
            "ApiId": ref("Api"), "StageName": "live",
            "DefaultRouteSettings": {"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 20},
            "RouteSettings": {"GET /items/{id}": {"ThrottlingRateLimit": 1,
                                                  "ThrottlingBurstLimit": 2}}}},
    }}
    (api,) = load(template)
    fn = FunctionDescription(logical_id="Fn", handler="app:main", code_root="asset.abc")
    assert api == ApiDescription(
        kind=Api.HTTP, logical_id="Api", name="h", stage="live", source="cloudformation",
        routes=(
            RouteDescription(
                route="GET /items/{id}", method="GET", path="/items/{id}", function=fn,
                uri="arn:aws:lambda:us-east-1:123456789012:function:Fn",
                integration_timeout=8.0, payload_format="1.0", authorizer="Jwt",
                authorization_type="JWT", authorization_scopes=("read",),
                throttle=Throttle(rate=1.0, burst=2),
            ),
            RouteDescription(route="$default", method="ANY", path="$default",
                             integration="HTTP_PROXY", uri="https://example.com",
                             payload_format="2.0"),
        ),
        authorizers={"Jwt": AuthorizerDescription(
            name="jwt", type="JWT", identity_source=("$request.header.Authorization",),
            issuer="https://issuer", audience=("aud",))},
        cors=Cors(allow_origins=("*",), expose_headers=("x-id",), max_age=300,
                  allow_credentials=False),
        throttle=Throttle(rate=50.0, burst=20),
    )
    with pytest.raises(ApigwFaultError) as error:
        load(template, stage="beta")
    assert str(error.value) == "template: Resources.Api: stage='beta' is not a stage of this API" \
        " (live)"
