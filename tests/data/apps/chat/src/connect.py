from __future__ import annotations

from typing import Any

from chat_table import table


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    context_ = event["requestContext"]
    table()[context_["connectionId"]] = context_["authorizer"]["user"]
    return {"statusCode": 200, "body": "Connected."}
