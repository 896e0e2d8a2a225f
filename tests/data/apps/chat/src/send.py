"""Posts the message's data to every connection, as the chat sample does."""

from __future__ import annotations

import json
from typing import Any

from chat_table import table


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import boto3  # on use: the function imports without it

    context_ = event["requestContext"]
    management = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"https://{context_['domainName']}/{context_['stage']}",
        region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    data = json.loads(event["body"])["data"]
    sender = table().get(context_["connectionId"], "?")
    for connection_id in list(table()):
        try:
            management.post_to_connection(
                ConnectionId=connection_id, Data=f"{sender}: {data}".encode()
            )
        except management.exceptions.GoneException:
            table().pop(connection_id, None)
    return {"statusCode": 200, "body": "Data sent."}
