"""IAM (SigV4) authorization of a REST method, decided from the request:
signed with botocore's ``SigV4Auth`` (and requests-aws4auth,
aws-requests-auth when installed), sent with requests and httpx; the right
request reaches the handler with its caller in ``requestContext.identity``,
each wrong one gets AWS's exact body."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import time

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs

from pytest_apigw_faults import (
    SCENARIOS,
    Api,
    ApigwFaultError,
    Fault,
    GatewayServer,
    IamAuth,
    IamCredentials,
    LambdaAuthorizer,
)
from pytest_apigw_faults._gateway.records import Incoming
from pytest_apigw_faults._gateway.render import render

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")
pytest.importorskip("botocore")
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

HOST = "abc123def4.execute-api.us-east-1.amazonaws.com"
URL = f"https://{HOST}/prod/orders"
KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ALICE = "arn:aws:iam::123456789012:user/alice"
IAM = IamAuth({KEY: IamCredentials(secret=SECRET, principal=ALICE, user_id="AIDAEXAMPLE")})
TOKEN_BODY = b'{"message":"The security token included in the request is invalid."}'
MISSING = b'{"message":"Missing Authentication Token"}'


def echo(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["identity"])}


def _fault(**arguments):
    arguments.setdefault("iam", IAM)
    return Fault(handler=echo, api="rest", clients=["requests", "httpx"], seed=5, **arguments)


def _signed(method="GET", url=URL, body=b"", secret=SECRET, key=KEY, headers=None,
            token=None, region="us-east-1", at=None):
    """The headers botocore's SigV4Auth gives the request (at ``at``, else now)."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    signer = SigV4Auth(Credentials(key, secret, token), "execute-api", region)
    if at is None:
        signer.add_auth(request)
    else:  # botocore stamps the request with datetime.now: sign at a fixed time
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(at))
        request.context["timestamp"] = stamp
        request.headers["X-Amz-Date"] = stamp
        if token is not None:
            request.headers["X-Amz-Security-Token"] = token
        canonical = signer.canonical_request(request)
        to_sign = signer.string_to_sign(request, canonical)
        signer._inject_signature_to_request(request, signer.signature(to_sign, request))
    return dict(request.headers.items())


def _mismatch_body(method, url, headers, body=b""):
    """What invalid_signature renders for this request (the reference rendering)."""
    row = SCENARIOS[("invalid_signature", Api.REST)]
    return render(row, Incoming(method, url, headers, body)).body


# Right -------------------------------------------------------------------------------


def test_a_right_signature_reaches_the_handler_with_the_caller():
    with _fault() as fault:
        got = requests.get(URL, headers=_signed())
    assert got.status_code == 200
    assert got.json() | {"sourceIp": None, "userAgent": None} == {
        "accessKey": KEY, "accountId": "123456789012", "caller": "AIDAEXAMPLE",
        "cognitoAuthenticationProvider": None, "cognitoAuthenticationType": None,
        "cognitoIdentityId": None, "cognitoIdentityPoolId": None, "principalOrgId": None,
        "sourceIp": None, "user": "AIDAEXAMPLE", "userAgent": None, "userArn": ALICE,
    }
    auth = fault.calls[0].auth
    assert (auth.type, auth.decision, auth.identity, auth.principal_id) == (
        "AWS_IAM", "allow", (KEY,), ALICE,
    )


def test_a_signed_post_with_a_body_passes_through_httpx_and_a_changed_body_does_not():
    body = b'{"item":"book"}'
    headers = _signed("POST", body=body, headers={"Content-Type": "application/json"})
    with _fault() as fault:
        right = httpx.post(URL, content=body, headers=headers)
        changed = httpx.post(URL, content=b'{"item":"pen"}', headers=headers)
    assert right.status_code == 200
    assert changed.status_code == 403
    assert changed.headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert changed.content == _mismatch_body("POST", URL, headers, b'{"item":"pen"}')
    assert [c.auth.decision for c in fault.calls] == ["allow", "deny"]


def test_temporary_credentials_need_their_session_token():
    role = "arn:aws:sts::123456789012:assumed-role/reader/session-1"
    iam = IamAuth({"ASIAEXAMPLE": IamCredentials(SECRET, session_token="tok-1", principal=role)})
    right = _signed(key="ASIAEXAMPLE", token="tok-1")
    wrong = _signed(key="ASIAEXAMPLE", token="tok-2")
    without = _signed(key="ASIAEXAMPLE")
    with _fault(iam=iam):
        answers = [requests.get(URL, headers=h) for h in (right, wrong, without)]
    assert answers[0].status_code == 200
    assert answers[0].json()["userArn"] == role
    assert [(a.status_code, a.content) for a in answers[1:]] == [(403, TOKEN_BODY)] * 2


# Wrong -------------------------------------------------------------------------------


def test_a_wrong_secret_gets_invalid_signature_with_the_canonical_request():
    headers = _signed(secret="not-the-secret")
    with _fault() as fault:
        got = requests.get(URL, headers=headers)
    assert got.status_code == 403
    assert got.headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert got.content == _mismatch_body("GET", URL, headers)
    message = got.json()["message"]
    assert f"'GET\n/prod/orders\n\nhost:{HOST}\nx-amz-date:{headers['X-Amz-Date']}\n" in message
    assert fault.calls[0].invocation is None  # the handler never ran
    assert fault.calls[0].auth.reason == "signature mismatch"


def test_a_tampered_signed_header_and_a_missing_signed_header_fail():
    signed = _signed(headers={"X-Tenant": "blue"})
    tampered = signed | {"X-Tenant": "red"}
    missing = {k: v for k, v in signed.items() if k != "X-Tenant"}
    with _fault():
        first = requests.get(URL, headers=tampered)
        second = httpx.get(URL, headers=missing)
    assert (first.status_code, first.content) == (403, _mismatch_body("GET", URL, tampered))
    assert "x-tenant:red\n" in first.json()["message"]
    assert (second.status_code, second.content) == (403, _mismatch_body("GET", URL, missing))
    assert "x-tenant:\n" in second.json()["message"]


def test_an_unknown_access_key_gets_invalid_security_token():
    with _fault() as fault:
        got = requests.get(URL, headers=_signed(key="AKIDUNKNOWN"))
    assert (got.status_code, got.content) == (403, TOKEN_BODY)
    assert got.headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert fault.calls[0].auth.reason == "unknown access key"


def test_no_authorization_header_gets_missing_authentication_token():
    with _fault() as fault:
        got = httpx.get(URL)
    assert (got.status_code, got.content) == (403, MISSING)
    assert got.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert fault.calls[0].scenario.response_type == "MISSING_AUTHENTICATION_TOKEN"


def test_a_non_sigv4_authorization_header_gets_incomplete_signature():
    bearer = "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"
    digest = base64.b64encode(hashlib.sha256(bearer.encode()).digest()).decode()
    with _fault():
        hashed = requests.get(URL, headers={"Authorization": bearer})
        bare = requests.get(URL, headers={"Authorization": "token123"})
    assert hashed.status_code == 403
    assert hashed.content == (
        b'{"message":"Invalid key=value pair (missing equal-sign) in Authorization header'
        b" (hashed with SHA-256 and encoded with Base64): '" + digest.encode() + b"'.\"}"
    )
    assert len(hashed.content) == 176
    assert bare.content == (
        b"{\"message\":\"Authorization header requires 'Credential' parameter. Authorization"
        b" header requires 'Signature' parameter. Authorization header requires"
        b" 'SignedHeaders' parameter. Authorization header requires existence of either a"
        b" 'X-Amz-Date' or a 'Date' header. Authorization=token123\"}"
    )
    assert hashed.headers["x-amzn-errortype"] == "IncompleteSignatureException"


def test_a_date_older_than_5_minutes_is_expired_on_a_fixed_old_date():
    at = time.time() - 3600
    with _fault() as fault:
        got = requests.get(URL, headers=_signed(at=at))
    message = got.json()["message"]
    assert got.status_code == 403
    assert message.startswith(
        f"Signature expired: {time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(at))} is now"
        " earlier than "
    )
    assert message.endswith(" - 5 min.)")
    assert got.headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert fault.calls[0].auth.decision == "deny"


def test_a_signature_goes_stale_on_virtual_time():
    pytest.importorskip("time_machine")
    with _fault(virtual_time=True):
        headers = _signed()
        fresh = requests.get(URL, headers=headers)
        time.sleep(301)  # virtual: the clock moves, nothing waits
        stale = requests.get(URL, headers=headers)
    assert fresh.status_code == 200
    assert stale.status_code == 403
    assert stale.json()["message"].startswith("Signature expired: ")


def test_a_future_date_is_not_yet_current():
    with _fault():
        got = requests.get(URL, headers=_signed(at=time.time() + 3600))
    assert got.status_code == 403
    assert got.json()["message"].startswith("Signature not yet current: ")
    assert got.json()["message"].endswith(" + 5 min.)")


def test_a_scope_for_another_region_is_refused():
    with _fault():
        got = requests.get(URL, headers=_signed(region="eu-west-1"))
    assert (got.status_code, got.content) == (
        403, b'{"message":"Credential should be scoped to a valid region. "}'
    )


# Other signing libraries -------------------------------------------------------------


def test_requests_aws4auth_right_and_wrong():
    aws4auth = pytest.importorskip("requests_aws4auth")
    with _fault() as fault:
        right = requests.get(URL, auth=aws4auth.AWS4Auth(KEY, SECRET, "us-east-1", "execute-api"))
        wrong = requests.get(URL, auth=aws4auth.AWS4Auth(KEY, "nope", "us-east-1", "execute-api"))
    assert right.status_code == 200
    assert wrong.status_code == 403
    assert wrong.json()["message"].startswith("The request signature we calculated")
    assert [c.auth.decision for c in fault.calls] == ["allow", "deny"]


# aws-requests-auth 0.4 dates its signatures with datetime.utcnow(), which
# Python 3.12+ deprecates: the library's warning, not ours
@pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")
def test_aws_requests_auth_right_and_wrong():
    module = pytest.importorskip("aws_requests_auth.aws_auth")

    def auth(secret):
        return module.AWSRequestsAuth(
            aws_access_key=KEY, aws_secret_access_key=secret, aws_host=HOST,
            aws_region="us-east-1", aws_service="execute-api",
        )

    with _fault():
        right = requests.post(URL, data=b"{}", auth=auth(SECRET))
        wrong = requests.post(URL, data=b"{}", auth=auth("nope"))
    assert right.status_code == 200
    assert wrong.status_code == 403
    assert wrong.headers["x-amzn-errortype"] == "InvalidSignatureException"


# The loopback server, arguments ------------------------------------------------------


def test_through_the_loopback_server():
    fault = Fault(handler=echo, api="rest", iam=IAM, seed=3)
    right, wrong = _signed(), _signed(secret="nope")
    with GatewayServer([fault]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            got = []
            for headers in (right, wrong, {"Host": HOST}):
                conn.request("GET", "/prod/orders", headers={"Host": HOST, **headers})
                answer = conn.getresponse()
                got.append((answer.status, answer.read()))
        finally:
            conn.close()
    assert got[0][0] == 200
    assert json.loads(got[0][1])["userArn"] == ALICE
    assert got[1][0] == 403
    assert json.loads(got[1][1])["message"].startswith("The request signature we calculated")
    assert got[2] == (403, MISSING)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: IamAuth({}), "dict of access key ids"),
        (lambda: IamAuth({KEY: "secret"}), "dict of access key ids"),
        (lambda: IamCredentials(""), "secret access key"),
        (lambda: IamCredentials(SECRET, principal="alice"), "IAM or STS ARN"),
        (lambda: Fault(handler=echo, api="http", iam=IAM), "needs api='rest'"),
        (lambda: Fault(handler=echo, api="rest", iam="AKID"), r"iam= takes IamAuth"),
        (
            lambda: Fault(
                handler=echo, api="rest", iam=IAM, authorizer=LambdaAuthorizer(echo)
            ),
            "one authorization type",
        ),
    ],
)
def test_bad_iam_arguments_fail_early(make, message):
    with pytest.raises(ApigwFaultError, match=message):
        make()
