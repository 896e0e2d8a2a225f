"""HTTP API JWT authorizers in front of the fake gateway: a valid token's
claims in the handler's event, each rejection byte for byte with its
``www-authenticate`` header, expiry on virtual time, the loopback server,
and the configuration errors."""

from __future__ import annotations

import http.client
import json
import sys
import time
from typing import Any

import pytest

from pytest_apigw_faults import (
    SCENARIOS,
    Api,
    ApigwFaultError,
    Fault,
    GatewayServer,
    JwtAuthorizer,
    JwtKeys,
    LambdaAuthorizer,
)

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")
pytest.importorskip("jwt")
pytest.importorskip("cryptography")

API_HOST = "abcdef1234.execute-api.eu-west-1.amazonaws.com"
URL = f"https://{API_HOST}/orders/7"
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"
KEYS = JwtKeys.generate()
OTHER = JwtKeys.generate()  # the same kid, another key: a bad signature
REJECTED = SCENARIOS[("jwt_rejected", Api.HTTP)]


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER, "aud": "app-client", "sub": "user-42", "exp": now + 3600,
        "iat": now - 10, "scope": "orders/read profile", "cognito:groups": ["admin", "ops"],
        "email_verified": True,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def echo_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["authorizer"])}


def fault(**options: Any) -> Fault:
    config = JwtAuthorizer(
        issuer=ISSUER, audience=["app-client"], jwks=KEYS.jwks, scopes=options.pop("scopes", None)
    )
    return Fault(handler=echo_handler, api="http", authorizer=config, **options)


def _header(description: str) -> str:
    return f'Bearer scope="" error="invalid_token" error_description="{description}"'


def test_a_valid_token_passes_its_claims_to_the_handler():
    with fault() as f:
        response = requests.get(URL, headers={"Authorization": f"Bearer {KEYS.token(claims())}"})
    (call,) = f.calls
    assert response.status_code == 200
    jwt = call.event["requestContext"]["authorizer"]["jwt"]
    now = claims()["iat"] + 10
    # every claim a string, a list as "[a b]"; no route scopes: scopes null
    assert jwt["claims"]["cognito:groups"] == "[admin ops]"
    assert jwt["claims"]["email_verified"] == "true"
    assert abs(int(jwt["claims"]["exp"]) - (now + 3600)) <= 2
    assert (jwt["claims"]["sub"], jwt["claims"]["iss"]) == ("user-42", ISSUER)
    assert jwt["scopes"] is None
    assert response.json() == {"jwt": jwt}
    auth = call.auth
    assert (auth.type, auth.decision, auth.principal_id) == ("JWT", "allow", "user-42")
    assert call.auth.context == jwt["claims"]


def test_route_scopes_pass_the_token_s_scopes_through_httpx():
    token = KEYS.token(claims())  # a bare token, no Bearer: also taken
    with fault(scopes=["orders/read", "orders/write"]) as f, httpx.Client() as client:
        response = client.get(URL, headers={"Authorization": token})
    assert response.status_code == 200
    assert response.json()["jwt"]["scopes"] == ["orders/read", "profile"]
    assert f.calls[0].auth.identity == (token,)


@pytest.mark.parametrize(
    ("token", "description"),
    [
        (lambda: KEYS.token(claims(aud="another-app")), "the token does not have a valid audience"),
        (
            lambda: KEYS.token(claims(iss="https://elsewhere")),
            "the token does not have a valid issuer",
        ),
        (lambda: OTHER.token(claims()), "the token does not have a valid signature"),
        (lambda: KEYS.token(claims(exp=int(time.time()) - 1)), "the token has expired"),
        (lambda: KEYS.token(claims(nbf=int(time.time()) + 600)), "the token is not valid yet"),
        (lambda: "not.a.token", "the token is malformed"),
    ],
    ids=["audience", "issuer", "signature", "expired", "not_before", "malformed"],
)
def test_rejected_tokens_are_401_with_the_reason_in_www_authenticate(token, description):
    with fault() as f:
        response = requests.get(URL, headers={"Authorization": f"Bearer {token()}"})
    (call,) = f.calls
    assert (response.status_code, response.content) == (401, b'{"message":"Unauthorized"}')
    assert response.headers["www-authenticate"] == _header(description)
    assert (call.auth.decision, call.auth.reason) == ("unauthorized", description)
    assert call.event is None


def test_the_documented_audience_rejection_is_the_table_row():
    with fault() as f, httpx.Client() as client:
        token = KEYS.token(claims(aud=None, client_id="another-app"))  # client_id when no aud
        response = client.get(URL, headers={"Authorization": token})
    assert (response.status_code, response.content) == (REJECTED.status, REJECTED.body)
    assert response.headers["www-authenticate"] == dict(REJECTED.extra_headers)["www-authenticate"]
    assert f.calls[0].auth.type == "JWT"


def test_client_id_is_the_audience_when_there_is_no_aud():
    with fault() as f:
        token = KEYS.token(claims(aud=None, client_id="app-client"))
        response = requests.get(URL, headers={"Authorization": token})
    assert response.status_code == 200
    assert f.calls[0].auth.decision == "allow"


def test_a_missing_token_is_401_without_the_header():
    with fault() as f, httpx.Client() as client:
        response = client.get(URL)
    assert (response.status_code, response.content) == (401, b'{"message":"Unauthorized"}')
    assert "www-authenticate" not in response.headers
    assert (f.calls[0].auth.decision, f.calls[0].auth.reason) == (
        "unauthorized",
        "identity source missing",
    )


def test_a_token_without_the_route_s_scopes_is_403():
    with fault(scopes=["orders/write"]) as f:
        response = requests.get(URL, headers={"Authorization": KEYS.token(claims())})
    assert (response.status_code, response.content) == (403, b'{"message":"Forbidden"}')
    assert response.headers["www-authenticate"] == (
        'Bearer scope="orders/write" error="insufficient_scope"'
        ' error_description="the token does not have the required scopes"'
    )
    assert f.calls[0].auth.decision == "deny"
    assert f.calls[0].invocation is None


def test_a_token_expires_on_virtual_time():
    with fault(virtual_time=True) as f:
        token = KEYS.token(claims(exp=int(time.time()) + 60))
        first = requests.get(URL, headers={"Authorization": token})
        time.sleep(61)
        second = requests.get(URL, headers={"Authorization": token})
    assert (first.status_code, second.status_code) == (200, 401)
    assert second.headers["www-authenticate"] == _header("the token has expired")
    assert [c.auth.decision for c in f.calls] == ["allow", "unauthorized"]


def test_through_the_loopback_server():
    f = fault(seed=3)
    with GatewayServer([f]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            got = []
            for token in (KEYS.token(claims()), OTHER.token(claims()), None):
                headers = {"Host": API_HOST}
                if token is not None:
                    headers["Authorization"] = f"Bearer {token}"
                conn.request("GET", "/orders/7", headers=headers)
                answer = conn.getresponse()
                got.append((answer.status, answer.getheader("www-authenticate"), answer.read()))
        finally:
            conn.close()
    assert got[1:] == [
        (401, _header("the token does not have a valid signature"), b'{"message":"Unauthorized"}'),
        (401, None, b'{"message":"Unauthorized"}'),
    ]
    assert got[0][0] == 200
    assert json.loads(got[0][2])["jwt"]["claims"]["sub"] == "user-42"
    assert [c.auth.decision for c in f.calls] == ["allow", "unauthorized", "unauthorized"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"issuer": ""},
            "JwtAuthorizer issuer='': the issuer URL, a non-empty string",
        ),
        (
            {"audience": "app-client"},
            "JwtAuthorizer audience='app-client': a list of one or more audience strings"
            " (client ids)",
        ),
        (
            {"jwks": {"keys": []}},
            'JwtAuthorizer jwks= takes a JWKS dict {"keys": [{"kty": "RSA", "kid": ..., "n":'
            ' ..., "e": ...}, ...]} (JwtKeys.generate().jwks makes one), got {\'keys\': []}',
        ),
        (
            {"scopes": "orders/read"},
            "JwtAuthorizer scopes='orders/read': a list of the route's scope names, or None",
        ),
    ],
)
def test_bad_jwt_authorizers_fail_early(config, message):
    given = {"issuer": ISSUER, "audience": ["app-client"], "jwks": KEYS.jwks, **config}
    with pytest.raises(ApigwFaultError) as error:
        JwtAuthorizer(**given)
    assert str(error.value) == message


def test_a_jwt_authorizer_needs_an_http_api():
    config = JwtAuthorizer(issuer=ISSUER, audience=["app-client"], jwks=KEYS.jwks)
    with pytest.raises(ApigwFaultError) as error:
        Fault(handler=echo_handler, api="rest", authorizer=config)
    assert str(error.value) == (
        "JwtAuthorizer is an HTTP API authorizer: give api='http' (a REST API's tokens go to"
        " a LambdaAuthorizer)"
    )


def test_authorizer_names_both_kinds_when_given_something_else():
    with pytest.raises(ApigwFaultError, match=r"a LambdaAuthorizer\(.*\), for an HTTP API a"
                       r" JwtAuthorizer\(issuer=, audience=, jwks=\), or for a REST API a"
                       r" CognitoAuthorizer\(user_pool_arn=, jwks=\), got str 'x'"):
        Fault(handler=echo_handler, api="http", authorizer="x")
    assert LambdaAuthorizer(echo_handler).type is None


def test_without_pyjwt_a_jwt_authorizer_names_the_extra(monkeypatch):
    f = fault()
    monkeypatch.setitem(sys.modules, "jwt", None)
    with f, pytest.raises(ApigwFaultError) as error:
        requests.get(URL, headers={"Authorization": "token"})
    assert str(error.value) == (
        "a JwtAuthorizer checks tokens with PyJWT, which is not installed:"
        " pip install 'pytest-apigw-faults[jwt]'"
    )


def test_the_readme_jwt_section_runs_as_pasted():
    from doc_examples import section

    (block,) = section("docs/auth.md", "## JWT authorizers").blocks
    namespace: dict[str, Any] = {}
    exec(compile(block, "docs/auth.md", "exec"), namespace)
    assert [call.auth.type for call in namespace["fault"].calls] == ["JWT", "JWT"]
