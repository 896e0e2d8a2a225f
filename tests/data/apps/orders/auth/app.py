def handler(event, context):
    if event["authorizationToken"] != "Bearer letmein":
        raise Exception("Unauthorized")
    return {
        "principalId": "user-7",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}],
        },
    }
