"""The $connect authorizer: the token in the query string must be CHAT_TOKEN."""

from __future__ import annotations

import os
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    query = event.get("queryStringParameters") or {}
    if query.get("token") != os.environ["CHAT_TOKEN"]:
        raise Exception("Unauthorized")
    return {
        "principalId": query.get("user", "anonymous"),
        "policyDocument": {"Version": "2012-10-17", "Statement": [{
            "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"],
        }]},
        "context": {"user": query.get("user", "anonymous")},
    }
