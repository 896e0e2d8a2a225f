from __future__ import annotations

from typing import Any

from chat_table import table


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": table().get(event["requestContext"]["connectionId"], "?")}
