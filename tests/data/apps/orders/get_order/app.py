import json
import os

TABLE = os.environ["TABLE_NAME"]  # read at import, as handlers do


def lambda_handler(event, context):
    order = {"id": event["pathParameters"]["id"], "table": TABLE}
    order["user"] = event["requestContext"]["authorizer"]["principalId"]
    return {"statusCode": 200, "body": json.dumps(order)}
