"""A WebSocket API from its template (``WebSocketApi.from_template``, the
marker's ``template=``, ``apigw_fault.use_template`` and ``serve
--template``): a SAM chat app in the shape of AWS's
simple-websockets-chat-app, served on the loopback gateway and used by real
clients, frame for frame."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support import close_websockets  # noqa: F401 (autouse: closes what connect opened)
from support import connect_websocket as connect

from pytest_apigw_faults import ApigwFaultError, GatewayApi, GatewayServer, WebSocketApi

pytest.importorskip("cfn_tools")
websocket = pytest.importorskip("websocket")  # websocket-client

pytest.importorskip("wsproto")

CHAT = Path(__file__).parent / "data" / "apps" / "chat" / "template.yaml"
ORDERS = Path(__file__).parent / "data" / "apps" / "orders" / "template.yaml"
_ID = r"[A-Za-z0-9+/]{15}="
def frame(message: str) -> re.Pattern[str]:
    return re.compile(
        rf'\{{"message": "{message}", "connectionId":"{_ID}", "requestId":"{_ID}"\}}'
    )


def wait_for(predicate: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def resources(**extra: Any) -> dict[str, Any]:
    """A small CloudFormation WebSocket API: one $default route on a function
    of the chat app's code."""
    code = str(CHAT.parent / "src")
    found: dict[str, Any] = {
        "Api": {"Type": "AWS::ApiGatewayV2::Api",
                "Properties": {"Name": "Small", "ProtocolType": "WEBSOCKET",
                               "RouteSelectionExpression": "$request.body.type"}},
        "Default": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": {"Ref": "Api"}, "RouteKey": "$default",
            "Target": "integrations/DefaultInteg"}},
        "DefaultInteg": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": {"Ref": "Api"}, "IntegrationType": "AWS_PROXY",
            "IntegrationUri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/"
                               "2015-03-31/functions/${Fn.Arn}/invocations"}}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Handler": "whoami.handler", "Runtime": "python3.12", "Timeout": 10,
            "Code": {"S3Bucket": "b", "S3Key": "k"},
            "Environment": {"Variables": {"TABLE_NAME": "small"}}},
            "Metadata": {"aws:asset:path": code}},
    }
    found.update(extra)
    return {"Resources": found}


# -- what the template says -------------------------------------------------------------


def test_the_chat_apps_routes_stage_and_timeouts():
    api = WebSocketApi.from_template(CHAT, seed=1)
    assert api.route_keys == ("$connect", "$disconnect", "sendmessage", "whoami", "report")
    assert api.route_selection == "$request.body.action"
    assert api.place.stage == "Prod"
    assert api.url.endswith(".execute-api.us-east-1.amazonaws.com/Prod")
    assert api._timeouts["report"] == (10.0, 60.0)  # TimeoutInMillis, the function's Timeout
    assert api._timeouts["sendmessage"] == (29.0, 3.0)  # the defaults: 29 s, SAM's 3 s
    assert [key for key, (_, two_way) in api._routes.items() if two_way] == ["whoami", "report"]


def test_region_and_url():
    api = WebSocketApi.from_template(CHAT, parameters={"AWS::Region": "eu-west-1"})
    assert api.place.region == "eu-west-1"
    named = WebSocketApi.from_template(
        CHAT, url="wss://abcdef1234.execute-api.eu-west-1.amazonaws.com/Prod"
    )
    assert named.place.api_id == "abcdef1234"


# -- the chat, through real clients ---------------------------------------------------------


def test_the_chat_app_end_to_end(apigw_fault):
    pytest.importorskip("boto3")
    api = apigw_fault.use_template(CHAT, parameters={"TableName": "chat-e2e"})
    assert isinstance(api, WebSocketApi)
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/Prod"
    alice = connect(f"{url}?token=letmein&user=alice")
    bob = connect(f"{url}?token=letmein&user=bob")
    alice.send(json.dumps({"action": "whoami"}))
    assert alice.recv() == "alice"  # a two-way route: its route response
    alice.send(json.dumps({"action": "sendmessage", "data": "hello"}))
    assert alice.recv() == "alice: hello"  # posted through @connections by the function
    assert bob.recv() == "alice: hello"
    bob.send(json.dumps({"action": "typo"}))  # no such route, no $default
    assert frame("Forbidden").fullmatch(bob.recv())
    table = sys.modules["chat_table"].TABLES["chat-e2e"]  # the TABLE_NAME the functions got
    assert sorted(table.values()) == ["alice", "bob"]
    alice.close()
    wait_for(lambda: api.events[-1][0] == "$disconnect")  # recorded before the handler runs
    wait_for(lambda: list(table.values()) == ["bob"])


def test_the_connect_authorizer_refuses_a_wrong_token(apigw_fault):
    apigw_fault.use_template(CHAT)
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/Prod?token=nope"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(url)
    assert (refused.value.status_code, refused.value.resp_body) == (
        401, b'{"message":"Unauthorized"}'
    )


def test_a_missing_identity_source_is_401_without_calling_the_authorizer(apigw_fault):
    api = apigw_fault.use_template(CHAT)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(f"ws://127.0.0.1:{apigw_fault.server.port}/Prod?user=frank")  # no token
    assert (refused.value.status_code, refused.value.resp_body) == (
        401, b'{"message":"Unauthorized"}'
    )
    assert api.events == []  # neither the authorizer nor $connect ran


def _allow(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"principalId": "x", "policyDocument": {"Version": "2012-10-17", "Statement": [{
        "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}]}}


@pytest.mark.parametrize(("header", "status"), [(None, 401), ("", 401), ("t", 101)])
def test_identity_source_on_a_header(header, status):
    api = WebSocketApi({"$default": _allow}, authorizer=_allow,
                       identity_source=["route.request.header.Auth"])
    with GatewayServer([api]) as server:
        url = f"ws://127.0.0.1:{server.port}/prod"
        if status == 101:
            connect(url, header={"auth": header})  # any case
            assert [route for route, _ in api.events] == ["authorizer"]
            return
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            connect(url, header={} if header is None else {"Auth": header})
    assert refused.value.status_code == status
    assert api.events == []


def test_a_bad_identity_source_is_refused_early():
    with pytest.raises(ApigwFaultError, match=re.escape(
        "identity_source= takes 'route.request.header.<name>' or"
        " 'route.request.querystring.<name>' (a list of them), got ['header.Auth']"
    )):
        WebSocketApi({"$default": _allow}, authorizer=_allow, identity_source=["header.Auth"])


@pytest.mark.apigw_fault(template=CHAT, virtual_time=True)
def test_the_marker_serves_the_template_and_its_timeouts(apigw_fault):
    url = f"ws://127.0.0.1:{apigw_fault.server.port}/Prod?token=letmein&user=carol"
    ws = connect(url)
    started = time.monotonic()
    ws.send(json.dumps({"action": "report", "seconds": 4}))
    assert ws.recv() == "report after 4 s"
    ws.send(json.dumps({"action": "report", "seconds": 45}))  # past TimeoutInMillis: 10000
    assert frame("Endpoint request timed out").fullmatch(ws.recv())
    assert time.monotonic() - started == pytest.approx(14.0)
    ws.send(json.dumps({"action": "whoami"}))
    assert ws.recv() == "carol"  # the connection stays open


def test_the_functions_own_timeout_first(apigw_fault):
    def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
        time.sleep(5)
        return {"statusCode": 200, "body": "late"}

    # the handler given for WhoAmIFunction runs with the function's Timeout (SAM's 3 s)
    api = apigw_fault.use_template(
        CHAT, handlers={"WhoAmIFunction": slow}, virtual_time=True
    )
    assert api._timeouts["whoami"] == (29.0, 3.0)
    ws = connect(f"ws://127.0.0.1:{apigw_fault.server.port}/Prod?token=letmein")
    ws.send(json.dumps({"action": "whoami"}))
    assert frame("Internal server error").fullmatch(ws.recv())


def test_handlers_by_route_key_and_authorizer_name():
    def allow_all(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"principalId": "x", "context": {"user": "dave"}, "policyDocument": {
            "Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": "Allow",
                "Resource": event["methodArn"]}]}}

    api = WebSocketApi.from_template(CHAT, handlers={
        "whoami": lambda event, context: {"statusCode": 200, "body": "given"},
        "ChatAuthorizer": allow_all,
    })
    with GatewayServer([api]) as server:
        ws = connect(f"ws://127.0.0.1:{server.port}/Prod?token=any")  # the given authorizer
        ws.send('{"action": "whoami"}')
        assert ws.recv() == "given"


def test_a_cloudformation_template_as_a_dict():
    api = WebSocketApi.from_template(resources(), stage="dev")
    assert api.route_keys == ("$default",)
    assert api.route_selection == "$request.body.type"
    assert api.place.stage == "dev"
    with GatewayServer([api]) as server:
        ws = connect(f"ws://127.0.0.1:{server.port}/dev")
        ws.send("anything")
        ws.send('{"type": "x"}')
        wait_for(lambda: len(api.events) == 2)
        ws.settimeout(0.2)
        with pytest.raises(websocket.WebSocketTimeoutException):
            ws.recv()  # no route response: nothing back
    assert [route for route, _ in api.events] == ["$default", "$default"]


# -- mistakes, early and clear -----------------------------------------------------------


def _node(props: dict[str, Any]) -> dict[str, Any]:
    return {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
        "Handler": "index.handler", "Runtime": "nodejs20.x", "Code": {"ZipFile": "x"}, **props}}}


@pytest.mark.parametrize(("template", "message"), [
    (resources(**_node({})), "route '$default' runs function Fn on nodejs20.x, which the fake"
     " gateway cannot run: give a Python handler for it with handlers={'Fn': handler}"),
    (resources(DefaultInteg={"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
        "ApiId": {"Ref": "Api"}, "IntegrationType": "MOCK"}}),
     "route '$default' is a MOCK integration, which the fake gateway does not run: give its"
     " answer with handlers={'$default': handler}"),
    ({"Resources": {"Api": {"Type": "AWS::ApiGatewayV2::Api",
                            "Properties": {"ProtocolType": "HTTP"}}}},
     "declares no WebSocket API (an AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET);"
     " GatewayApi.from_template reads REST and HTTP APIs"),
    (resources(Default={"Type": "AWS::ApiGatewayV2::Route", "Properties": {
        "ApiId": {"Ref": "Api"}, "RouteKey": "$default", "Target": "integrations/Nope"}}),
     "Resources.Default.Properties.Target: 'integrations/<id>' names no"
     " AWS::ApiGatewayV2::Integration of this API, got 'integrations/Nope'"),
    (resources(Default={"Type": "AWS::ApiGatewayV2::Route", "Properties": {
        "ApiId": {"Ref": "Api"}, "RouteKey": "$default", "AuthorizationType": "CUSTOM",
        "AuthorizerId": "Auth", "Target": "integrations/DefaultInteg"}}),
     "route '$default' has an authorizer: a WebSocket API authorizes $connect only"),
])
def test_bad_templates_are_refused_early(template, message):
    with pytest.raises(ApigwFaultError, match=re.escape(message)):
        WebSocketApi.from_template(template)


def test_a_template_with_rest_and_websocket_apis_needs_api_name(apigw_fault):
    both = resources(Rest={"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "R"}})
    with pytest.raises(ApigwFaultError, match=r"declares 2 APIs: name one with api_name="):
        apigw_fault.use_template(both)
    assert isinstance(apigw_fault.use_template(both, api_name="Small"), WebSocketApi)


def test_rest_templates_still_give_a_gateway_api(apigw_fault):
    assert isinstance(apigw_fault.use_template(ORDERS, virtual_time=True), GatewayApi)


def test_gateway_only_arguments_are_refused_for_a_websocket_api(apigw_fault):
    with pytest.raises(ApigwFaultError, match="is a WebSocket API, which does not take endpoint"):
        apigw_fault.use_template(CHAT, endpoint="regional")


def test_a_websocket_row_on_a_websocket_template_marker(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(f"""
        import json

        import pytest
        import websocket

        @pytest.mark.apigw_fault("integration_error", template={str(CHAT)!r}, route="whoami")
        def test_it(apigw_fault):
            url = f"ws://127.0.0.1:{{apigw_fault.server.port}}/Prod?token=letmein&user=dan"
            ws = websocket.create_connection(url, timeout=10)
            for _ in range(2):  # every time: the marker's times= is left out
                ws.send(json.dumps({{"action": "whoami"}}))
                assert json.loads(ws.recv())["message"] == "Internal server error"
            ws.send(json.dumps({{"action": "report", "seconds": 1}}))
            assert ws.recv() == "report after 1 s"  # the other routes answer
            ws.close()

        @pytest.mark.apigw_fault("lambda_throttled", template={str(CHAT)!r}, route="whoami")
        def test_a_table_row(apigw_fault):
            pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*::test_a_table_row: bad @pytest.mark.apigw_fault(template=...): unknown WebSocket"
        " scenario 'lambda_throttled'. Valid WebSocket scenarios: 'connect_refused', *",
    ])
    assert "During handling" not in result.stdout.str()


# -- serve --template ----------------------------------------------------------------------


def test_serve_a_websocket_template():
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_apigw_faults", "serve", "--template", str(CHAT),
         "--seed", "1", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = process.stdout.readline().strip() if process.stdout else ""
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
        ws = connect(url.replace("http://", "ws://") + "/Prod?token=letmein&user=erin")
        ws.send('{"action": "whoami"}')
        assert ws.recv() == "erin"
        ws.close()
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert f"serving WebSocket API of {CHAT} ($connect, $disconnect, sendmessage, whoami," \
        " report) at /Prod (websocket) at " in err
    assert process.returncode == 0


def test_serve_a_websocket_template_with_a_failing_route():
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_apigw_faults", "serve", "--template", str(CHAT),
         "--scenario", "integration_error", "--route", "whoami", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = process.stdout.readline().strip() if process.stdout else ""
        ws = connect(url.replace("http://", "ws://") + "/Prod?token=letmein&user=erin")
        for _ in range(2):  # every time
            ws.send('{"action": "whoami"}')
            assert frame("Internal server error").fullmatch(ws.recv())
        ws.send('{"action": "report", "seconds": 0}')
        assert ws.recv() == "report after 0 s"
        ws.close()
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert ", failing with websocket-integration_error on whoami (websocket) at " in err
    assert process.returncode == 0


def test_serve_a_websocket_template_with_a_bad_row():
    done = subprocess.run(
        [sys.executable, "-m", "pytest_apigw_faults", "serve", "--template", str(CHAT),
         "--scenario", "management_gone"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.endswith(
        "websocket-management_gone: times= counts the management calls it refuses: give a"
        " number from 1\n"
    )


def test_gateway_api_from_a_websocket_template_points_to_websocket_api():
    with pytest.raises(ApigwFaultError, match=re.escape(
        "the template declares no REST or HTTP API (a WebSocket API is"
        " WebSocketApi.from_template's)"
    )):
        GatewayApi.from_template(CHAT)
