"""Lambda authorizers in front of the fake gateway: REST TOKEN and REQUEST,
HTTP API simple and IAM responses, each outcome byte for byte, the events
the authorizer and the handler saw, and the result cache on virtual time."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any

import pytest

from pytest_apigw_faults import (
    SCENARIOS,
    Api,
    ApigwFaultError,
    Fault,
    GatewayServer,
    LambdaAuthorizer,
)

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")
# authorizers as teams write them: with aws-lambda-powertools (the test group has it)
_powertools = pytest.importorskip(
    "aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event"
)
APIGatewayAuthorizerResponse = _powertools.APIGatewayAuthorizerResponse
APIGatewayAuthorizerResponseV2 = _powertools.APIGatewayAuthorizerResponseV2
APIGatewayAuthorizerTokenEvent = _powertools.APIGatewayAuthorizerTokenEvent
HttpVerb = _powertools.HttpVerb

API_HOST = "abcdef1234.execute-api.eu-west-1.amazonaws.com"
REST_URL = f"https://{API_HOST}/prod/orders/7"
HTTP_URL = f"https://{API_HOST}/orders/7"
ARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/orders/7"


def powertools_authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A TOKEN authorizer as teams write it with Powertools."""
    token = APIGatewayAuthorizerTokenEvent(event)
    arn = token.parsed_arn
    if token.authorization_token == "expired":
        raise Exception("Unauthorized")
    if token.authorization_token == "broken":
        raise KeyError("jwks")
    policy = APIGatewayAuthorizerResponse(
        principal_id="user-42",
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        context={"tenant": "acme", "tier": 2, "admin": False},
    )
    if token.authorization_token == "allow":
        policy.allow_route(http_method=HttpVerb.GET.value, resource="/orders/*")
    elif token.authorization_token == "deny":
        policy.deny_all_routes()
    else:  # a token for another route only: no Allow matches this one
        policy.allow_route(http_method=HttpVerb.POST.value, resource="/orders")
    return policy.asdict()


def echo_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}


def _row_answer(row: tuple[str, Api], status: int, body: bytes, headers: Any) -> None:
    scenario = SCENARIOS[row]
    assert (status, body) == (scenario.status, scenario.body)
    if scenario.error_type is not None:
        assert headers["x-amzn-errortype"] == scenario.error_type


def _same_wire(call: Any, response: Any) -> None:
    """The client got exactly what the gateway model sent."""
    sent = call.exchange.response
    assert response.status_code == sent.status
    assert response.content == sent.body
    assert [n.lower() for n, _ in sent.headers] == [n.lower() for n in response.headers]


@pytest.fixture
def rest_fault():
    config = LambdaAuthorizer(powertools_authorizer)
    return Fault(handler=echo_handler, api="rest", authorizer=config)


def test_token_allow_passes_principal_and_context_to_the_handler(rest_fault):
    with rest_fault:
        response = requests.get(REST_URL, headers={"Authorization": "allow"})
    (call,) = rest_fault.calls
    assert response.status_code == 200
    _same_wire(call, response)
    assert call.auth.event == {"type": "TOKEN", "authorizationToken": "allow", "methodArn": ARN}
    assert (call.auth.type, call.auth.decision, call.auth.invoked) == ("TOKEN", "allow", True)
    assert call.auth.principal_id == "user-42"
    assert call.auth.context == {"tenant": "acme", "tier": 2, "admin": False}
    # REST passes each context value on as a string, beside principalId
    assert call.event["requestContext"]["authorizer"] == {
        "tenant": "acme",
        "tier": "2",
        "admin": "false",
        "principalId": "user-42",
        "integrationLatency": 0,
    }
    assert response.json() == call.event["requestContext"]["authorizer"]


@pytest.mark.parametrize(
    ("token", "row", "decision"),
    [
        (None, "unauthorized", "unauthorized"),
        ("expired", "unauthorized", "unauthorized"),
        ("deny", "access_denied", "deny"),
        ("broken", "authorizer_configuration_error", "error"),
    ],
)
def test_token_refusals_are_the_table_rows(rest_fault, token, row, decision):
    headers = {} if token is None else {"Authorization": token}
    with rest_fault:
        response = requests.get(REST_URL, headers=headers)
    (call,) = rest_fault.calls
    _row_answer((row, Api.REST), response.status_code, response.content, response.headers)
    _same_wire(call, response)
    assert call.auth.decision == decision
    assert call.auth.invoked is (token is not None)
    assert call.event is None
    assert call.invocation is None
    assert call.logs == tuple(
        f"({call.request_id}) {line.format(request_id=call.request_id)}"
        for line in SCENARIOS[(row, Api.REST)].log
    )


def test_no_matching_allow_is_the_implicit_deny(rest_fault):
    with rest_fault:
        response = httpx.get(REST_URL, headers={"Authorization": "other-route"})
    assert response.status_code == 403
    assert response.content == b'{"Message":"User is not authorized to access this resource"}'
    assert response.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert rest_fault.calls[0].auth.reason == "implicit_deny"


def test_validation_expression_refuses_without_invoking():
    seen: list[object] = []

    def authorizer(event: Any, context: Any) -> object:
        seen.append(event)
        return powertools_authorizer(event, context)

    config = LambdaAuthorizer(authorizer, validation_expression=r"^[a-z]+$")
    with Fault(handler=echo_handler, api="rest", authorizer=config) as fault:
        bad = httpx.get(REST_URL, headers={"Authorization": "Bearer 123"})
        good = httpx.get(REST_URL, headers={"Authorization": "allow"})
    _row_answer(("unauthorized", Api.REST), bad.status_code, bad.content, bad.headers)
    assert good.status_code == 200
    assert len(seen) == 1
    assert fault.calls[0].auth.reason == "token not valid"


def plain_request_authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A REQUEST authorizer written with plain dicts."""
    effect = "Allow" if event["queryStringParameters"]["key"] == "k1" else "Deny"
    api_arn = event["methodArn"].split("/", 1)[0]
    return {
        "principalId": event["headers"]["X-User"],
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": effect,
                    "Resource": f"{api_arn}/*/GET/orders/??",
                }
            ],
        },
        "context": {"user": event["headers"]["X-User"]},
        "usageIdentifierKey": "plan-key",
    }


def test_request_authorizer_event_and_identity_sources():
    config = LambdaAuthorizer(
        plain_request_authorizer,
        type="REQUEST",
        identity_source="method.request.header.X-User, method.request.querystring.key",
    )
    fault = Fault(handler=echo_handler, api="rest", route="/orders/{id}", authorizer=config)
    url = f"https://{API_HOST}/prod/orders/42?key=k1"
    with fault:
        ok = requests.get(url, headers={"X-User": "ann"})
        missing = requests.get(f"https://{API_HOST}/prod/orders/42", headers={"X-User": "ann"})
        denied = requests.get(f"{url[:-2]}zz", headers={"X-User": "ann"})
    assert ok.status_code == 200
    _row_answer(("unauthorized", Api.REST), missing.status_code, missing.content, missing.headers)
    assert denied.content == SCENARIOS[("access_denied", Api.REST)].body
    call = fault.calls[0]
    event = call.auth.event
    assert list(event)[:2] == ["type", "methodArn"]
    assert event["methodArn"] == ARN.replace("orders/7", "orders/42")
    handler_event = call.event
    for key in ("resource", "path", "httpMethod", "headers", "multiValueHeaders",
                "queryStringParameters", "multiValueQueryStringParameters",
                "pathParameters", "stageVariables"):
        assert event[key] == handler_event[key]
    assert "body" not in event
    assert event["pathParameters"] == {"id": "42"}
    assert event["requestContext"]["requestId"] == handler_event["requestContext"]["requestId"]
    assert call.request_id == handler_event["requestContext"]["requestId"]
    assert call.auth.usage_identifier_key == "plan-key"
    assert call.auth.identity == ("ann", "k1")


@pytest.mark.parametrize(
    "answer",
    [
        {"principalId": "u", "policyDocument": {"Statement": "nope"}},
        {"policyDocument": {"Statement": []}},
        {"principalId": "u", "policyDocument": {"Statement": []}, "context": {"a": {"b": 1}}},
        "not an object",
    ],
)
def test_malformed_answers_are_configuration_errors(answer):
    config = LambdaAuthorizer(lambda event, context: answer)
    with Fault(handler=echo_handler, api="rest", authorizer=config) as fault:
        response = requests.get(REST_URL, headers={"Authorization": "t"})
    _row_answer(
        ("authorizer_configuration_error", Api.REST),
        response.status_code, response.content, response.headers,
    )
    assert fault.calls[0].auth.decision == "error"
    assert fault.calls[0].logs == (
        f"({fault.calls[0].request_id}) Execution failed due to configuration error:"
        " Authorizer error",
    )


def test_cache_hits_within_the_ttl_and_expires_on_virtual_time():
    invoked: list[str] = []

    def authorizer(event: Any, context: Any) -> dict[str, Any]:
        invoked.append(event["authorizationToken"])
        return powertools_authorizer(event, context)

    config = LambdaAuthorizer(authorizer)  # ttl 300 s
    with Fault(handler=echo_handler, api="rest", authorizer=config, virtual_time=True) as fault:
        requests.get(REST_URL, headers={"Authorization": "allow"})
        time.sleep(200)
        requests.get(REST_URL, headers={"Authorization": "allow"})
        time.sleep(101)
        requests.get(REST_URL, headers={"Authorization": "allow"})
    assert [c.auth.cached for c in fault.calls] == [False, True, False]
    assert [c.auth.invoked for c in fault.calls] == [True, False, True]
    assert len(invoked) == 2


def test_cached_policy_is_evaluated_against_each_method_arn():
    config = LambdaAuthorizer(powertools_authorizer)
    with Fault(handler=echo_handler, api="rest", authorizer=config) as fault:
        get = requests.get(REST_URL, headers={"Authorization": "allow"})
        post = requests.post(REST_URL, headers={"Authorization": "allow"})
    assert (get.status_code, post.status_code) == (200, 403)
    assert fault.calls[1].auth.cached is True


def test_ttl_zero_never_caches():
    config = LambdaAuthorizer(powertools_authorizer, ttl=0)
    with Fault(handler=echo_handler, api="rest", authorizer=config) as fault:
        for _ in range(2):
            requests.get(REST_URL, headers={"Authorization": "allow"})
    assert [(c.auth.invoked, c.auth.cached) for c in fault.calls] == [(True, None), (True, None)]


# HTTP API -------------------------------------------------------------------------


def simple_authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = event["headers"].get("authorization")
    if token == "boom":
        raise RuntimeError("jwks down")
    return APIGatewayAuthorizerResponseV2(
        authorize=token == "yes", context={"team": "blue", "level": 3}
    ).asdict()


@pytest.mark.parametrize(
    ("token", "status", "body"),
    [
        ("yes", 200, None),
        (None, 401, b'{"message":"Unauthorized"}'),
        ("no", 403, b'{"message":"Forbidden"}'),
        ("boom", 500, SCENARIOS[("authorizer_configuration_error", Api.HTTP)].body),
    ],
)
def test_http_simple_responses(token, status, body):
    config = LambdaAuthorizer(simple_authorizer)
    headers = {} if token is None else {"Authorization": token}
    with Fault(handler=echo_handler, api="http", authorizer=config) as fault:
        response = httpx.get(HTTP_URL, headers=headers)
    (call,) = fault.calls
    assert response.status_code == status
    _same_wire(call, response)
    if body is not None:
        assert response.content == body
        return
    assert call.event["requestContext"]["authorizer"] == {"lambda": {"team": "blue", "level": 3}}
    event = call.auth.event
    assert list(event)[:4] == ["version", "type", "routeArn", "identitySource"]
    assert event["identitySource"] == ["yes"]
    assert event["routeArn"] == ARN.replace("/prod/", "/$default/")
    assert event["requestContext"]["requestId"] == call.event["requestContext"]["requestId"]
    assert "body" not in event


def test_http_payload_1_iam_policy():
    def authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert event["authorizationToken"] == event["identitySource"] == "t1"
        return {
            "principalId": "p",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Action": "execute-api:*", "Effect": "Allow", "Resource": "*"}],
            },
            "context": {"k": "v"},
        }

    config = LambdaAuthorizer(
        authorizer, payload="1.0", identity_source=["$request.header.X-Token"]
    )
    with Fault(handler=echo_handler, api="http", authorizer=config) as fault:
        ok = requests.get(HTTP_URL, headers={"X-Token": "t1"})
        missing = requests.get(HTTP_URL)
    assert ok.status_code == 200
    assert fault.calls[0].auth.event["version"] == "1.0"
    assert fault.calls[0].auth.event["methodArn"].endswith("/$default/GET/orders/7")
    assert fault.calls[0].event["requestContext"]["authorizer"]["lambda"] == {"k": "v"}
    assert (missing.status_code, missing.content) == (401, b'{"message":"Unauthorized"}')


def test_a_row_of_the_request_phase_answers_before_the_authorizer():
    invoked: list[object] = []
    config = LambdaAuthorizer(lambda event, context: invoked.append(event))
    with Fault("api_throttled", api="rest", authorizer=config) as fault:
        response = requests.get(REST_URL)
    assert response.status_code == 429
    assert fault.calls[0].auth is None
    assert not invoked


@pytest.mark.parametrize(
    ("kwargs", "config", "message"),
    [
        ({"api": "http"}, {"type": "TOKEN"}, "REQUEST authorizers"),
        ({"api": "rest"}, {"payload": "1.0"}, "HTTP API authorizer settings"),
        ({"api": "rest"}, {"identity_source": "$request.header.A"}, "method.request.header."),
        ({"api": "http"}, {"identity_source": "header.A"}, "$request.header."),
    ],
)
def test_bad_configurations_are_named(kwargs, config, message):
    with pytest.raises(ApigwFaultError, match=message.replace("$", r"\$")):
        Fault(handler=echo_handler, authorizer=LambdaAuthorizer(echo_handler, **config), **kwargs)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"type": "JWT"}, "'TOKEN' or 'REQUEST'"),
        ({"ttl": 3601}, "0 .no caching. to 3600"),
        ({"payload": "3.0"}, "'2.0' or '1.0'"),
        ({"payload": "1.0", "simple_responses": True}, "needs payload='2.0'"),
        ({"validation_expression": "("}, "not a regex"),
    ],
)
def test_bad_authorizers_fail_early(config, message):
    with pytest.raises(ApigwFaultError, match=message):
        LambdaAuthorizer(echo_handler, **config)


def test_through_the_loopback_server():
    config = LambdaAuthorizer(powertools_authorizer)
    fault = Fault(handler=echo_handler, api="rest", authorizer=config, seed=3)
    with GatewayServer([fault]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            got = []
            for token in ("allow", "deny", None):
                headers = {"Host": API_HOST}
                if token is not None:
                    headers["Authorization"] = token
                conn.request("GET", "/prod/orders/7", headers=headers)
                answer = conn.getresponse()
                got.append((answer.status, answer.read()))
        finally:
            conn.close()
    assert got[1:] == [
        (403, SCENARIOS[("access_denied", Api.REST)].body),
        (401, SCENARIOS[("unauthorized", Api.REST)].body),
    ]
    assert got[0][0] == 200
    assert json.loads(got[0][1])["principalId"] == "user-42"
    assert [c.auth.decision for c in fault.calls] == ["allow", "deny", "unauthorized"]


AUTH_SUITE = '''
import pytest
import requests

from pytest_apigw_faults import LambdaAuthorizer, classify, scenarios

URL = "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/prod/orders/7"


def authorizer(event, context):
    token = event["authorizationToken"]
    if token == "bad":
        raise Exception("Unauthorized")
    effect = "Deny" if token == "deny" else "Allow"
    statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    return {"principalId": "u", "policyDocument": policy}


def handler(event, context):
    return {"statusCode": 200, "body": "ok"}


AUTH = LambdaAuthorizer(authorizer, ttl=0)


@pytest.mark.apigw_fault(handler=handler, api="rest", authorizer=AUTH)
def test_decided(apigw_fault):
    answers = [requests.get(URL, headers=h) for h in (
        {"Authorization": "good"}, {}, {"Authorization": "bad"}, {"Authorization": "deny"}
    )]
    assert [classify(r)[0].name for r in answers[1:]] == [
        "unauthorized", "unauthorized", "access_denied"
    ]


@pytest.mark.parametrize("row", scenarios("unauthorized", "access_denied",
                                          "authorizer_configuration_error", api="rest"))
def test_matrix(apigw_fault, row):
    apigw_fault.inject(row)
    assert classify(requests.get(URL))[0] == row
'''


def test_decided_refusals_are_rows_in_the_report_classify_and_the_matrix(pytester):
    pytest.importorskip("aws_lambda_powertools")  # this module's imports
    from support import set_up_inner

    set_up_inner(pytester)
    pytester.makepyfile(test_auth=AUTH_SUITE)
    result = pytester.runpytest("-p", "no:randomly", "--apigw-report-json=report.json", "-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([
        "*test_matrix?rest-unauthorized? PASSED*",
        "*test_matrix?rest-access_denied? PASSED*",
        "*test_matrix?rest-authorizer_configuration_error? PASSED*",
    ])
    report = json.loads((pytester.path / "report.json").read_text())
    rows = {row["test"]: row for row in report["tests"]}
    decided = rows["test_auth.py::test_decided"]
    assert [(c["answered_by"], c["outcome"]) for c in decided["calls"]] == [
        ("lambda 200", "200"),
        ("rest-unauthorized", "401"),
        ("rest-unauthorized", "401"),
        ("rest-access_denied", "403"),
    ]
