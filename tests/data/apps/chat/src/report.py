"""A slow route: it works for the seconds the message asks."""

from __future__ import annotations

import json
import time
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    seconds = json.loads(event["body"]).get("seconds", 0)
    time.sleep(seconds)
    return {"statusCode": 200, "body": f"report after {seconds} s"}
