"""What auth costs per request through the fake gateway (issue "Auth as API
Gateway does it").

For ``requests`` and ``httpx`` (sync), per request, medians over interleaved
rounds in one run:

* ``handler``: ``Fault(handler=..., api="rest")`` with no auth: the floor
  every auth figure is measured against;
* ``TOKEN, no cache``: a TOKEN Lambda authorizer with ``ttl=0`` in front of
  the same handler: the authorizer's event, its invocation, the policy
  evaluation and the ``requestContext.authorizer`` the handler gets, on
  every call;
* ``TOKEN, cached``: the same with the default ``ttl=300`` (answered from
  the cache after the first call);
* ``JWT``: an HTTP API JWT authorizer (RS256 signature check with PyJWT) in
  front of the same handler, against an HTTP API handler without auth;
* ``IAM``: a REST method with ``iam=`` (SigV4 recomputed with botocore's
  signer on every call), the request signed once beforehand.

Each row also gives the direct floor: the authorizer and the handler called
as plain functions with ready events (no gateway, no client), so "plugin" is
what the gateway adds beyond the functions themselves and the client's own
work. Nothing touches the network.

    .venv/bin/python benchmarks/auth.py [--requests 1000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pytest_apigw_faults import (
    Fault,
    IamAuth,
    IamCredentials,
    JwtAuthorizer,
    JwtKeys,
    LambdaAuthorizer,
)

HOST = "abcdef1234.execute-api.eu-west-1.amazonaws.com"
REST_URL = f"https://{HOST}/prod/orders/7"
HTTP_URL = f"https://{HOST}/orders/7"
TOKEN = "Bearer good"
KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def handler(event: Any, context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}


def authorizer(event: Any, context: Any) -> dict[str, Any]:
    if event["authorizationToken"] != TOKEN:
        raise Exception("Unauthorized")
    statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
    return {
        "principalId": "user-42",
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": {"tenant": "acme"},
    }


@dataclass
class Case:
    name: str
    fault: Callable[[], Fault]
    url: str
    headers: dict[str, str]
    floor: Callable[[], Fault]  # the same handler without auth
    direct: Callable[[], object] | None = None  # the authorizer function alone


def cases() -> list[Case]:
    from pytest_apigw_faults._lambda.runtime import LambdaContext

    context = LambdaContext(aws_request_id="bench")
    token_event = {"type": "TOKEN", "authorizationToken": TOKEN, "methodArn": "arn:aws:x"}

    keys = JwtKeys.generate()
    issuer = "https://issuer.example.com"
    claims = {"iss": issuer, "aud": "app", "sub": "user-7", "exp": int(time.time()) + 3600}
    token = keys.token(claims)
    jwt = JwtAuthorizer(issuer=issuer, audience=["app"], jwks=keys.jwks)
    principal = "arn:aws:iam::123456789012:user/alice"
    iam = IamAuth({KEY: IamCredentials(secret=SECRET, principal=principal)})

    def rest(**auth: Any) -> Callable[[], Fault]:
        return lambda: Fault(handler=handler, api="rest", seed="bench", **auth)

    def http(**auth: Any) -> Callable[[], Fault]:
        return lambda: Fault(handler=handler, api="http", seed="bench", **auth)

    bearer = {"Authorization": TOKEN}
    return [
        Case("TOKEN, no cache", rest(authorizer=LambdaAuthorizer(authorizer, ttl=0)),
             REST_URL, bearer, rest(), lambda: authorizer(token_event, context)),
        Case("TOKEN, cached", rest(authorizer=LambdaAuthorizer(authorizer)),
             REST_URL, bearer, rest()),
        Case("JWT", http(authorizer=jwt), HTTP_URL, {"Authorization": f"Bearer {token}"},
             http()),
        Case("IAM (SigV4)", rest(iam=iam), REST_URL, signed(REST_URL), rest()),
    ]


def signed(url: str) -> dict[str, str]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=url, headers={"Host": HOST})
    SigV4Auth(Credentials(KEY, SECRET), "execute-api", "eu-west-1").add_auth(request)
    return {k: v for k, v in request.headers.items() if k.lower() != "host"}


def per_call(get: Callable[..., Any], case: Case, make: Callable[[], Fault], n: int) -> float:
    headers = case.headers
    with make():
        response = get(case.url, headers=headers)  # warm-up, and a check
        if response.status_code != 200:
            sys.exit(f"{case.name}: the warm-up call got {response.status_code}")
        start = time.perf_counter()
        for _ in range(n):
            get(case.url, headers=headers)
        return (time.perf_counter() - start) / n


def direct(case: Case, n: int) -> float:
    call = case.direct
    if call is None:
        return 0.0
    start = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - start) / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    import httpx
    import requests

    print(
        f"{'per request, ms':<30} {'handler':>8} {'auth':>8} {'ratio':>6} {'adds':>7}"
        f" {'fn':>7} {'gateway':>8}"
    )
    for client_name, make_client in (("requests", requests.Session), ("httpx", httpx.Client)):
        client = make_client()
        try:
            for case in cases():
                floors, authed, directs = [], [], []
                for _ in range(args.rounds):
                    directs.append(direct(case, args.requests))
                    floors.append(per_call(client.get, case, case.floor, args.requests))
                    authed.append(per_call(client.get, case, case.fault, args.requests))
                d, f, a = (statistics.median(x) * 1e3 for x in (directs, floors, authed))
                name = f"{client_name}: {case.name}"
                print(
                    f"{name:<30} {f:>8.3f} {a:>8.3f} {a / f:>6.2f} {a - f:>+7.3f}"
                    f" {d:>7.4f} {a - f - d:>8.3f}"
                )
        finally:
            client.close()
    print(
        "\nhandler: a call through Fault(handler=...) without auth; auth: the same"
        " call with it; ratio: auth/handler; adds: what auth adds per call; fn: the"
        " authorizer function called directly; gateway: what auth adds beyond it."
    )
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
