"""REST Cognito user pool authorizers in front of the fake gateway: an ID
token's claims in the handler's event as REST writes them, access tokens
and method scopes, every refusal byte for byte, several pools, the result
cache and token expiry on virtual time, the loopback server, and the
configuration errors (here and in the marker)."""

from __future__ import annotations

import http.client
import json
import sys
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from support import literal, set_up_inner

from pytest_apigw_faults import (
    SCENARIOS,
    Api,
    ApigwFaultError,
    CognitoAuthorizer,
    Fault,
    GatewayServer,
    JwtKeys,
)
from pytest_apigw_faults._gateway.auth.cognito import claim_strings

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")
pytest.importorskip("jwt")
pytest.importorskip("cryptography")

API_HOST = "abcdef1234.execute-api.eu-west-1.amazonaws.com"
URL = f"https://{API_HOST}/prod/orders/7"
POOL = "eu-west-1_Example"
ARN = f"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/{POOL}"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"
OTHER_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Partner"
OTHER_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Partner"
KEYS = JwtKeys.generate()
STRANGER = JwtKeys.generate()  # the same kid, another key: a bad signature
PARTNER = JwtKeys.generate(kid="partner-key")
UNAUTHORIZED = SCENARIOS[("unauthorized", Api.REST)]
#: The regional REST 401's headers, in the order of the capture [CAP-COG-RBAC].
HEADERS_401 = [
    "date", "content-type", "content-length", "x-amzn-requestid", "x-amzn-errortype",
    "x-amz-apigw-id",
]


def id_claims(**changes: Any) -> dict[str, Any]:
    """An ID token's claims, in the order Cognito writes them."""
    now = int(time.time())
    base = {
        "sub": "58e18350-4001-704c-0029-30a8ec351fa0", "cognito:groups": ["admin", "ops"],
        "email_verified": True, "iss": ISSUER, "cognito:username": "jane",
        "origin_jti": "39c55a59-abc3-4b17-9c4f-b0b86b291013", "aud": "app-client",
        "event_id": "435aec7a-caa9-478a-b711-001d9c48d868", "token_use": "id",
        "auth_time": now - 10, "exp": now + 3600, "iat": now - 10,
        "jti": "e2826537-2570-4200-a45c-f1f8b331023b", "email": "jane@example.com",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def access_claims(**changes: Any) -> dict[str, Any]:
    """An access token's claims: no ``aud``, a ``client_id`` and ``scope``."""
    now = int(time.time())
    base = {
        "sub": "58e18350-4001-704c-0029-30a8ec351fa0", "cognito:groups": ["admin"],
        "iss": ISSUER, "version": 2, "client_id": "app-client",
        "origin_jti": "39c55a59-abc3-4b17-9c4f-b0b86b291013",
        "event_id": "435aec7a-caa9-478a-b711-001d9c48d868", "token_use": "access",
        "scope": "orders/read aws.cognito.signin.user.admin", "auth_time": now - 10,
        "exp": now + 3600, "iat": now - 10, "jti": "f1", "username": "jane",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def java_date(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")


def echo_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["authorizer"])}


def fault(**options: Any) -> Fault:
    config = {k: options.pop(k) for k in ("scopes", "token_validation", "ttl") if k in options}
    authorizer = CognitoAuthorizer(user_pool_arn=ARN, jwks=KEYS, **config)
    return Fault(
        handler=echo_handler, api="rest", endpoint="regional", authorizer=authorizer, **options
    )


def assert_401(response: Any, call: Any, reason: str) -> None:
    assert (response.status_code, response.content) == (401, b'{"message":"Unauthorized"}')
    assert (UNAUTHORIZED.status, UNAUTHORIZED.body) == (401, response.content)
    assert [name.lower() for name in response.headers] == HEADERS_401
    assert response.headers["x-amzn-errortype"] == "UnauthorizedException"
    assert (call.auth.type, call.auth.decision, call.auth.reason) == (
        "COGNITO_USER_POOLS", "unauthorized", reason,
    )
    assert (call.event, call.invocation) == (None, None)


def test_an_id_token_s_claims_reach_the_handler_as_rest_writes_them():
    claims = id_claims()
    token = KEYS.token(claims)
    with fault() as f:
        response = requests.get(URL, headers={"Authorization": token})
    (call,) = f.calls
    assert response.status_code == 200
    expected = {
        "sub": claims["sub"], "cognito:groups": "admin,ops", "email_verified": "true",
        "iss": ISSUER, "cognito:username": "jane", "origin_jti": claims["origin_jti"],
        "aud": "app-client", "event_id": claims["event_id"], "token_use": "id",
        "auth_time": str(claims["auth_time"]), "exp": java_date(claims["exp"]),
        "iat": java_date(claims["iat"]), "jti": claims["jti"], "email": "jane@example.com",
    }
    authorizer = call.event["requestContext"]["authorizer"]
    assert authorizer == {"claims": expected}  # no principalId, no integrationLatency
    assert list(authorizer["claims"]) == list(claims)  # the token's order
    assert response.json() == authorizer
    auth = call.auth
    assert (auth.type, auth.decision, auth.identity, auth.invoked, auth.cached) == (
        "COGNITO_USER_POOLS", "allow", (token,), False, False,
    )
    assert (auth.principal_id, auth.context) == (claims["sub"], expected)


def test_the_captured_token_becomes_the_captured_claims():
    # [CAP-COG-RBAC]: a real ID token's payload, and the claims REST gave the handler
    payload = {
        "sub": "58e18350-4001-704c-0029-30a8ec351fa0", "cognito:groups": ["admin"],
        "email_verified": True,
        "iss": "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_UxTtSDhka",
        "cognito:username": "adminii.test", "origin_jti": "39c55a59-abc3-4b17-9c4f-b0b86b291013",
        "aud": "ifgmi34q9at5m8j6otoh3ur1h", "event_id": "435aec7a-caa9-478a-b711-001d9c48d868",
        "token_use": "id", "auth_time": 1781499381, "exp": 1781502981, "iat": 1781499381,
        "jti": "e2826537-2570-4200-a45c-f1f8b331023b", "email": "admin@example.com",
    }
    assert claim_strings(payload) == {
        **payload, "cognito:groups": "admin", "email_verified": "true",
        "auth_time": "1781499381", "exp": "Mon Jun 15 05:56:21 UTC 2026",
        "iat": "Mon Jun 15 04:56:21 UTC 2026",
    }
    # a day of the month below 10 keeps its zero; an object is compact JSON
    assert claim_strings({"exp": 1783235045, "identities": [{"userId": "1", "issuer": None}]}) == {
        "exp": "Sun Jul 05 07:04:05 UTC 2026", "identities": '{"userId":"1","issuer":null}',
    }


def test_with_scopes_an_access_token_holding_one_passes_through_httpx():
    claims = access_claims()
    token = KEYS.token(claims)
    with fault(scopes=["orders/write", "orders/read"]) as f, httpx.Client() as client:
        response = client.get(URL, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    got = response.json()["claims"]
    assert (got["scope"], got["client_id"], got["version"], got["token_use"]) == (
        "orders/read aws.cognito.signin.user.admin", "app-client", "2", "access",
    )
    assert "aud" not in got
    assert f.calls[0].auth.identity == (f"Bearer {token}",)


@pytest.mark.parametrize(
    ("options", "token", "reason"),
    [
        ({}, lambda: None, "identity source missing"),
        ({}, lambda: "not.a.token", "the token is malformed"),
        ({}, lambda: STRANGER.token(id_claims()), "the token does not have a valid signature"),
        ({}, lambda: KEYS.token(id_claims(iss=OTHER_ISSUER)),
         "the token does not have a valid issuer"),
        ({}, lambda: KEYS.token(id_claims(exp=int(time.time()) - 1)), "the token has expired"),
        ({}, lambda: KEYS.token(access_claims()), "the method has no scopes: it takes an ID token"),
        ({"scopes": ["orders/read"]}, lambda: KEYS.token(id_claims()),
         "the method has scopes: it takes an access token"),
        ({"scopes": ["orders/write"]}, lambda: KEYS.token(access_claims()),
         "the token does not have the required scopes"),
        ({"token_validation": "web-client"}, lambda: KEYS.token(id_claims()),
         "the token's aud does not match the token validation expression"),
        ({"token_validation": ".*", "scopes": ["orders/read"]},
         lambda: KEYS.token(access_claims()),  # an access token has no aud
         "the token's aud does not match the token validation expression"),
    ],
    ids=[
        "missing", "malformed", "signature", "other-pool", "expired", "access-without-scopes",
        "id-with-scopes", "scope-missing", "validation", "validation-access-token",
    ],
)
def test_every_refusal_is_the_401_unauthorized_row(options, token, reason):
    value = token()
    headers = {} if value is None else {"Authorization": value}
    with fault(**options) as f:
        response = requests.get(URL, headers=headers)
    (call,) = f.calls
    assert_401(response, call, reason)
    assert call.auth.identity == (None if value is None else (value,))
    assert call.logs == (f"({call.request_id}) Unauthorized request: {call.request_id}",)


def test_a_token_matching_the_validation_expression_passes():
    with fault(token_validation="app-.*") as f:
        response = requests.get(URL, headers={"Authorization": KEYS.token(id_claims())})
    assert response.status_code == 200
    assert f.calls[0].auth.decision == "allow"


def test_tokens_of_any_listed_pool_pass_and_no_app_client_is_checked():
    config = CognitoAuthorizer(user_pool_arn=[ARN, OTHER_ARN], jwks=[KEYS, PARTNER.jwks])
    tokens = [
        KEYS.token(id_claims(aud="web-client")),
        PARTNER.token(id_claims(iss=OTHER_ISSUER, aud="partner-client")),
        KEYS.token(id_claims(iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Nope")),
    ]
    with Fault(handler=echo_handler, api="rest", authorizer=config) as f:
        statuses = [requests.get(URL, headers={"Authorization": t}).status_code for t in tokens]
    assert statuses == [200, 200, 401]
    assert f.calls[2].auth.reason == "the token does not have a valid issuer"
    assert config.issuers == (ISSUER, OTHER_ISSUER)


def test_results_are_cached_by_token_until_the_ttl_or_the_expiry_on_virtual_time():
    with fault(virtual_time=True, ttl=300) as f:
        lasting = KEYS.token(id_claims(exp=int(time.time()) + 3600))
        for wait in (0, 200, 101):  # cached 300 s, then checked afresh
            time.sleep(wait)
            requests.get(URL, headers={"Authorization": lasting})
        brief = KEYS.token(id_claims(exp=int(time.time()) + 60))
        for wait in (0, 30, 31):  # cached until it expires, not for 300 s
            time.sleep(wait)
            requests.get(URL, headers={"Authorization": brief})
    assert [c.auth.cached for c in f.calls] == [False, True, False, False, True, False]
    assert [c.exchange.response.status for c in f.calls] == [200, 200, 200, 200, 200, 401]
    assert f.calls[-1].auth.reason == "the token has expired"


def test_ttl_zero_never_caches():
    token = KEYS.token(id_claims())
    with fault(ttl=0) as f:
        for _ in range(2):
            requests.get(URL, headers={"Authorization": token})
    assert [c.auth.cached for c in f.calls] == [None, None]


def test_through_the_loopback_server():
    f = fault(seed=5)
    with GatewayServer([f]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            got = []
            for token in (KEYS.token(id_claims()), STRANGER.token(id_claims()), None):
                headers = {"Host": API_HOST}
                if token is not None:
                    headers["Authorization"] = token
                conn.request("GET", "/prod/orders/7", headers=headers)
                answer = conn.getresponse()
                got.append((answer.status, answer.getheader("x-amzn-errortype"), answer.read()))
        finally:
            conn.close()
    assert got[1:] == [(401, "UnauthorizedException", b'{"message":"Unauthorized"}')] * 2
    assert (got[0][0], json.loads(got[0][2])["claims"]["cognito:groups"]) == (200, "admin,ops")
    assert [c.auth.decision for c in f.calls] == ["allow", "unauthorized", "unauthorized"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"user_pool_arn": "eu-west-1_Example"},
            "CognitoAuthorizer user_pool_arn: 'eu-west-1_Example' is not a user pool ARN; write"
            " it as 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Example'",
        ),
        (
            {"user_pool_arn": []},
            "CognitoAuthorizer user_pool_arn=[]: a user pool ARN such as"
            " 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Example', or a"
            " list of them",
        ),
        (
            {"jwks": {"keys": []}},
            "CognitoAuthorizer jwks= takes the pools' keys: a JwtKeys, a JWKS dict"
            ' {"keys": [{"kty": "RSA", "kid": ..., "n": ..., "e": ...}, ...]} or a list of'
            " them, got {'keys': []}",
        ),
        (
            {"identity_source": "method.request.querystring.token"},
            "CognitoAuthorizer identity_source='method.request.querystring.token': one header,"
            " written 'method.request.header.<Name>' (default"
            " 'method.request.header.Authorization')",
        ),
        (
            {"scopes": "orders/read"},
            "CognitoAuthorizer scopes='orders/read': a list of the method's scope names (such"
            " as 'orders/read'), or None",
        ),
        (
            {"token_validation": "app-("},
            "CognitoAuthorizer token_validation='app-(' is not a regex: missing ), unterminated"
            " subpattern at position 4",
        ),
        (
            {"ttl": 3601},
            "CognitoAuthorizer ttl=3601: whole seconds from 0 (no caching) to 3600",
        ),
    ],
    ids=["arn", "no-arn", "jwks", "source", "scopes", "regex", "ttl"],
)
def test_bad_cognito_authorizers_fail_early(config, message):
    given = {"user_pool_arn": ARN, "jwks": KEYS, **config}
    with pytest.raises(ApigwFaultError) as error:
        CognitoAuthorizer(**given)
    assert str(error.value) == message


HTTP_MESSAGE = (
    "CognitoAuthorizer is a REST API authorizer (COGNITO_USER_POOLS): give api='rest'. An"
    " HTTP API checks Cognito tokens with a JwtAuthorizer(issuer="
    f"'{ISSUER}', audience=[<app client id>], jwks=...)"
)


def test_an_http_api_is_pointed_at_the_jwt_authorizer():
    with pytest.raises(ApigwFaultError) as error:
        Fault(handler=echo_handler, api="http", authorizer=CognitoAuthorizer(ARN, KEYS))
    assert str(error.value) == HTTP_MESSAGE


def test_the_marker_names_the_mistake(pytester: pytest.Pytester):
    inner = set_up_inner(pytester)
    inner.makepyfile(
        test_user_bad=f"""
        import pytest
        from pytest_apigw_faults import CognitoAuthorizer, JwtKeys

        AUTHORIZER = CognitoAuthorizer({ARN!r}, JwtKeys.generate())


        def handler(event, context):
            return {{"statusCode": 200}}


        @pytest.mark.apigw_fault(handler=handler, api="http", authorizer=AUTHORIZER)
        def test_k():
            pass
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [literal(f"test_user_bad.py::test_k: bad @pytest.mark.apigw_fault: {HTTP_MESSAGE}")]
    )


def test_without_pyjwt_a_cognito_authorizer_names_the_extra(monkeypatch):
    f = fault()
    monkeypatch.setitem(sys.modules, "jwt", None)
    with f, pytest.raises(ApigwFaultError) as error:
        requests.get(URL, headers={"Authorization": "token"})
    assert str(error.value) == (
        "a CognitoAuthorizer checks tokens with PyJWT, which is not installed:"
        " pip install 'pytest-apigw-faults[jwt]'"
    )


def test_the_readme_cognito_section_runs_as_pasted():
    from doc_examples import section

    (block,) = section("docs/auth.md", "## Cognito user pools").blocks
    namespace: dict[str, Any] = {}
    exec(compile(block, "docs/auth.md", "exec"), namespace)
    assert [call.auth.type for call in namespace["fault"].calls] == ["COGNITO_USER_POOLS"] * 3


def _policy(effect: str, ip: str) -> dict[str, Any]:
    statement = {
        "Effect": effect, "Principal": "*", "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*", "Condition": {"IpAddress": {"aws:SourceIp": ip}},
    }
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        (_policy("Allow", "192.0.2.0/24"), 200),  # the caller's address: allowed
        (_policy("Allow", "198.51.100.0/24"), 200),  # neither allowed nor denied: the token
        (_policy("Deny", "192.0.2.0/24"), 403),  # explicit deny, before the token is read
    ],
)
def test_a_resource_policy_around_a_cognito_authorizer(policy, status):
    config = CognitoAuthorizer(user_pool_arn=ARN, jwks=KEYS)
    fault = Fault(handler=lambda e, c: {"statusCode": 200, "body": "ok"}, api="rest",
                  authorizer=config, resource_policy=policy)
    with fault:
        token = KEYS.token(id_claims())
        response = requests.get(URL, headers={"Authorization": token})
    assert response.status_code == status
    auth = fault.calls[0].auth
    assert auth.type == "COGNITO_USER_POOLS"
    if status == 403:
        assert response.content == (
            b'{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on'
            b' resource: arn:aws:execute-api:eu-west-1:********9012:abcdef1234/prod/GET/orders/7'
            b' with an explicit deny"}'
        )
        assert auth.invoked is False
