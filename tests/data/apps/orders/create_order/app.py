import time


def lambda_handler(event, context):
    if event["body"] == "slow":
        time.sleep(2)  # over the function's 1 s Timeout
    return {"statusCode": 201, "body": event["body"]}
