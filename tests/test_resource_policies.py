"""A REST API's resource policy (``resource_policy=``) and IAM callers'
identity policies, evaluated as AWS's authorization workflow documents them:
alone, before and with a Lambda authorizer (Table A), and with IAM in the
API's account (Table A) and across accounts (Table B). Sent with requests
and httpx; each denial is the ``resource_policy_denied`` row, byte for byte."""

from __future__ import annotations

import json

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs

from pytest_apigw_faults import ApigwFaultError, Fault, IamAuth, IamCredentials, LambdaAuthorizer
from pytest_apigw_faults._gateway.auth.resource_policy import TABLE_A, TABLE_B

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")

HOST = "abc123def4.execute-api.us-east-1.amazonaws.com"
URL = f"https://{HOST}/prod/orders/1"
ARN = "arn:aws:execute-api:us-east-1:********9012:abc123def4/prod/GET/orders/1"
# The regional order of the injected row's headers (tests/test_new_rows.py).
HEADERS = [
    "date", "content-type", "content-length", "x-amz-apigw-id", "x-amzn-requestid",
    "x-amzn-errortype",
]


def body(user="anonymous", explicit=False, arn=ARN):
    suffix = " with an explicit deny" if explicit else ""
    message = (
        f"User: {user} is not authorized to perform: execute-api:Invoke on resource:"
        f" {arn}{suffix}"
    )
    return json.dumps({"Message": message}, separators=(",", ":")).encode()


def policy(effect="Allow", resource="execute-api:/*", principal="*", **condition):
    statement = {
        "Effect": effect, "Principal": principal, "Action": "execute-api:Invoke",
        "Resource": resource,
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


ALLOW_ALL = policy()
DENY_ALL = policy("Deny")
SILENT = policy(resource="execute-api:/other/*")  # allows another stage only


def echo(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["identity"])}


def _fault(**arguments):
    return Fault(handler=echo, api="rest", endpoint="regional", seed=5, **arguments)


def _get(client, url=URL, headers=None):
    if client == "requests":
        got = requests.get(url, headers=headers)
        return got.status_code, got.content, [k.lower() for k in got.headers]
    got = httpx.get(url, headers=headers)
    return got.status_code, got.content, [k.lower() for k, _ in got.headers.multi_items()]


def assert_denied(answer, expected):
    status, content, names = answer
    assert (status, content) == (403, expected)
    assert names == HEADERS


CLIENTS = pytest.mark.parametrize("client", ["requests", "httpx"])


# The resource policy alone --------------------------------------------------------


@CLIENTS
@pytest.mark.parametrize(
    ("document", "allowed", "explicit"),
    [(ALLOW_ALL, True, False), (SILENT, False, False), (DENY_ALL, False, True)],
)
def test_the_resource_policy_alone_needs_an_explicit_allow(client, document, allowed, explicit):
    with _fault(resource_policy=document) as fault:
        answer = _get(client)
    auth = fault.calls[0].auth
    if allowed:
        assert answer[0] == 200
        assert (auth.type, auth.decision, auth.resource_policy) == ("NONE", "allow", "allow")
    else:
        assert_denied(answer, body(explicit=explicit))
        verdict = "explicit_deny" if explicit else "implicit_deny"
        assert (auth.type, auth.decision, auth.resource_policy) == ("NONE", "deny", verdict)


@CLIENTS
def test_a_json_string_and_a_full_arn_with_wildcards(client):
    resource = "arn:aws:execute-api:us-east-1:123456789012:*/pr?d/GET/orders/*"
    document = json.dumps(policy(resource=resource))
    with _fault(resource_policy=document):
        assert _get(client)[0] == 200
        assert_denied(_get(client, URL.replace("orders", "users")), body(
            arn=ARN.replace("orders", "users")
        ))


@CLIENTS
@pytest.mark.parametrize(
    ("source_ip", "allowed"),
    [("203.0.113.7", True), ("203.0.114.7", False), ("2001:db8::1", True)],
)
def test_ip_conditions_see_the_events_source_ip(client, source_ip, allowed):
    document = policy(IpAddress={"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]})
    with _fault(resource_policy=document, source_ip=source_ip):
        answer = _get(client)
    if allowed:
        assert answer[0] == 200
        assert json.loads(answer[1])["sourceIp"] == source_ip
    else:
        assert_denied(answer, body())


def test_a_deny_not_ip_address_statement_beats_the_allow():
    document = ALLOW_ALL | {"Statement": [
        *ALLOW_ALL["Statement"], policy("Deny", NotIpAddress={"aws:SourceIp": "10.0.0.0/8"})[
            "Statement"][0],
    ]}
    with _fault(resource_policy=document, source_ip="10.1.2.3"):
        assert requests.get(URL).status_code == 200
    with _fault(resource_policy=document):  # 192.0.2.1 by default
        assert requests.get(URL).content == body(explicit=True)


def test_source_vpce_comes_from_a_private_api_url():
    document = policy("Deny", StringNotEquals={"aws:SourceVpce": "vpce-1a2b3c4d"})
    document["Statement"].insert(0, ALLOW_ALL["Statement"][0])
    private = "https://abc123def4-vpce-1a2b3c4d.execute-api.us-east-1.amazonaws.com/prod/x"
    other = "https://abc123def4-vpce-99999999.execute-api.us-east-1.amazonaws.com/prod/x"
    own_dns = "https://vpce-1a2b3c4d-abcd1234.execute-api.us-east-1.vpce.amazonaws.com/prod/x"
    with Fault(handler=echo, api="rest", endpoint="private", resource_policy=document, seed=1,
               url="https://"):
        assert requests.get(private).status_code == 200
        assert requests.get(own_dns, headers={"x-apigw-api-id": "abc123def4"}).status_code == 200
        denied = requests.get(other)
    assert denied.status_code == 403
    assert denied.json()["Message"].endswith("abc123def4/prod/GET/x with an explicit deny")


# A Lambda authorizer and the resource policy (Table A) --------------------------------


def authorizer(effect):
    def handler(event, context):
        if effect == "Unauthorized":
            raise Exception("Unauthorized")
        resource = event["methodArn"] if effect != "Neither" else "arn:aws:execute-api:*:*:*/x/*"
        return {
            "principalId": "user",
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": "Deny" if effect == "Deny" else "Allow",
                "Resource": resource,
            }]},
        }

    return LambdaAuthorizer(handler, ttl=0)


AUTHORIZER_DENY = (
    b'{"Message":"User is not authorized to access this resource with an explicit deny"}'
)
AUTHORIZER_IMPLICIT = b'{"Message":"User is not authorized to access this resource"}'
VERDICTS = {"Allow": ALLOW_ALL, "Neither": SILENT, "Deny": DENY_ALL}


@CLIENTS
@pytest.mark.parametrize("theirs", ["Allow", "Neither", "Deny"])
@pytest.mark.parametrize("mine", ["Allow", "Neither", "Deny"])
def test_table_a_with_a_lambda_authorizer(client, mine, theirs):
    with _fault(authorizer=authorizer(mine), resource_policy=VERDICTS[theirs]) as fault:
        status, content, _ = _get(client, headers={"Authorization": "token"})
    auth = fault.calls[0].auth
    expected = {"allow": 200, "explicit_deny": 403, "implicit_deny": 403}[
        TABLE_A[({"Allow": "allow", "Neither": "implicit_deny", "Deny": "explicit_deny"}[mine],
                 {"Allow": "allow", "Neither": "implicit_deny", "Deny": "explicit_deny"}[theirs])]
    ]
    assert status == expected
    if theirs == "Deny":  # refused before the authorizer runs
        assert content == body(explicit=True)
        assert not auth.invoked
    elif mine == "Deny":
        assert content == AUTHORIZER_DENY
    elif status == 403:
        assert content == AUTHORIZER_IMPLICIT
    assert auth.resource_policy == {"Allow": "allow", "Neither": "implicit_deny",
                                    "Deny": "explicit_deny"}[theirs]


def test_an_authorizer_s_401_stands_whatever_the_resource_policy_allows():
    with _fault(authorizer=authorizer("Unauthorized"), resource_policy=ALLOW_ALL):
        got = requests.get(URL, headers={"Authorization": "token"})
    assert (got.status_code, got.content) == (401, b'{"message":"Unauthorized"}')


# IAM and the resource policy (Tables A and B) ---------------------------------------

pytest.importorskip("botocore")
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ALICE = "arn:aws:iam::123456789012:user/alice"
BOB = "arn:aws:sts::210987654321:assumed-role/Reader/bob"
IDENTITY = {
    "Allow": {"Statement": [{"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}]},
    "Neither": {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
                               "Resource": "execute-api:/other/*"}]},
    "Deny": {"Statement": [{"Effect": "Deny", "Action": "execute-api:Invoke",
                            "Resource": "arn:aws:execute-api:*"}]},
}


def signed(url=URL):
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(KEY, SECRET), "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def iam(principal=ALICE, identity=None):
    return IamAuth({KEY: IamCredentials(SECRET, principal=principal, policy=identity)})


@CLIENTS
@pytest.mark.parametrize("principal", [ALICE, BOB])
@pytest.mark.parametrize("theirs", ["Allow", "Neither", "Deny"])
@pytest.mark.parametrize("mine", ["Allow", "Neither", "Deny"])
def test_tables_a_and_b_with_iam(client, principal, mine, theirs):
    resource = VERDICTS[theirs]
    word = {"Allow": "allow", "Neither": "implicit_deny", "Deny": "explicit_deny"}
    table = TABLE_A if principal == ALICE else TABLE_B
    outcome = table[(word[mine], word[theirs])]
    with _fault(iam=iam(principal, IDENTITY[mine]), resource_policy=resource) as fault:
        answer = _get(client, headers=signed())
    auth = fault.calls[0].auth
    assert auth.resource_policy == word[theirs]
    if outcome == "allow":
        assert answer[0] == 200
        assert json.loads(answer[1])["userArn"] == principal
        assert auth.decision == "allow"
    else:
        assert_denied(answer, body(principal, outcome == "explicit_deny"))
        assert (auth.type, auth.decision, auth.reason) == ("AWS_IAM", "deny", outcome)


def test_iam_without_an_identity_policy_allows_as_before_unless_the_resource_policy_denies():
    with _fault(iam=iam(), resource_policy=SILENT):
        assert requests.get(URL, headers=signed()).status_code == 200
    with _fault(iam=iam(), resource_policy=policy("Deny", principal={"AWS": "123456789012"})):
        assert requests.get(URL, headers=signed()).content == body(ALICE, explicit=True)
    with _fault(iam=iam(BOB), resource_policy=SILENT):  # across accounts both must allow
        assert requests.get(URL, headers=signed()).content == body(BOB)


def test_an_identity_policy_alone_decides_for_its_caller():
    with _fault(iam=iam(identity=IDENTITY["Neither"])) as fault:
        assert requests.get(URL, headers=signed()).content == body(ALICE)
    assert fault.calls[0].auth.resource_policy is None


def test_principals_and_principal_conditions():
    role = "arn:aws:iam::210987654321:role/Reader"
    with _fault(iam=iam(BOB, IDENTITY["Allow"]), resource_policy=policy(principal={"AWS": role})):
        assert requests.get(URL, headers=signed()).status_code == 200
    document = policy(StringEquals={"aws:PrincipalAccount": "123456789012"})
    with _fault(iam=iam(BOB, IDENTITY["Allow"]), resource_policy=document):
        assert requests.get(URL, headers=signed()).content == body(BOB)
    with _fault(resource_policy=policy(principal={"AWS": role})):  # anonymous: not named
        assert requests.get(URL).content == body()


def test_a_signature_refusal_comes_before_the_policies():
    with _fault(iam=iam(), resource_policy=DENY_ALL) as fault:
        got = requests.get(URL)
    assert got.content == b'{"message":"Missing Authentication Token"}'
    assert fault.calls[0].auth.resource_policy is None


def test_account_id_is_the_api_s_account_for_the_policy_and_the_body():
    document = policy(resource="arn:aws:execute-api:us-east-1:645143808269:abc123def4/*")
    with _fault(resource_policy=document, account_id="645143808269") as fault:
        assert requests.get(URL).status_code == 200
    assert fault.calls[0].event["requestContext"]["accountId"] == "645143808269"
    with _fault(resource_policy=DENY_ALL, account_id="645143808269"):
        assert requests.get(URL).content == body(explicit=True, arn=ARN.replace("9012", "8269"))


def test_the_loopback_server_decides_the_same():
    import http.client

    from pytest_apigw_faults import GatewayServer

    fault = _fault(resource_policy=policy(IpAddress={"aws:SourceIp": "203.0.113.0/24"}))
    with GatewayServer([fault]) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            connection.request("GET", "/prod/orders/1", headers={"Host": HOST})
            response = connection.getresponse()
            got = (response.status, response.read())
            names = [name.lower() for name, _ in response.getheaders()]
        finally:
            connection.close()
    assert got == (403, body())
    assert [n for n in names if n.startswith("x-amz")] == HEADERS[3:]


def test_a_decided_denial_is_the_named_row_rendered_for_its_caller():
    with Fault("resource_policy_denied", api="rest", endpoint="regional", seed=5,
               explicit_deny=True):
        named = _get("requests")
    with _fault(resource_policy=DENY_ALL) as fault:
        decided = _get("requests")
    assert named[::2] == decided[::2] == (403, HEADERS)
    assert named[1] == decided[1] == body(explicit=True)
    assert fault.calls[0].scenario.name == "resource_policy_denied"


# Bad policies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{", "resource_policy= is not valid JSON"),
        ({"Version": "2012-10-17"}, "needs a Statement list"),
        (policy("Permit"), "Effect must be 'Allow' or 'Deny'"),
        (policy(principal="me"), "Principal 'me' is not supported"),
        (policy(resource="arn:aws:s3:::bucket/*"), "is not an execute-api resource"),
        (policy(IpAdress={"aws:SourceIp": "1.2.3.4"}),
         "condition operator 'IpAdress' is not supported (did you mean 'IpAddress'?);"
         " supported: IpAddress, NotIpAddress, StringEquals, StringNotEquals, StringLike,"
         " StringNotLike"),
        (policy(StringEquals={"aws:Referer": "x"}),
         "condition key 'aws:Referer' is not supported"),
        (policy(StringEquals={"aws:SourceVpc": "vpc-1"}), "cannot know"),
        (policy(IpAddress={"aws:SourceIp": "300.1.1.1/8"}), "not an IP address or CIDR"),
        (policy(IpAddress={"aws:SourceVpce": "vpce-1"}), "IpAddress takes aws:SourceIp"),
    ],
)
def test_a_bad_policy_fails_early(document, message):
    with pytest.raises(ApigwFaultError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("?", r"\?")):
        _fault(resource_policy=document)


def test_bad_arguments_fail_early():
    with pytest.raises(ApigwFaultError, match="HTTP APIs have no resource policies"):
        Fault(handler=echo, api="http", resource_policy=ALLOW_ALL)
    with pytest.raises(ApigwFaultError, match="an identity policy has no Principal"):
        IamCredentials(SECRET, policy=ALLOW_ALL)
    with pytest.raises(ApigwFaultError, match="source_ip= takes an IPv4 or IPv6 address"):
        _fault(source_ip="localhost")


def test_the_marker_names_a_bad_policy(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        import pytest
        import requests

        @pytest.mark.apigw_fault(api="rest", handler=lambda e, c: {"statusCode": 200},
                                 resource_policy={"Statement": [{"Effect": "Allow",
                                 "Principal": "*", "Action": "execute-api:Invoke",
                                 "Resource": "execute-api:/*", "Condition": {
                                 "StringEquals": {"aws:SourceIP": "1.2.3.4"}}}]})
        def test_it():
            requests.get("https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/x")
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-q")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*resource_policy= Statement 0: StringEquals does not take aws:SourceIp;"
        " IpAddress/NotIpAddress are for aws:SourceIp, String* operators for the other keys*"
    ])
