from __future__ import annotations

from typing import Any

from chat_table import table


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    table().pop(event["requestContext"]["connectionId"], None)
    return {"statusCode": 200, "body": "Disconnected."}
