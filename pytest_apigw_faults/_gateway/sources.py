"""What each source tag of the scenario table stands for."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["SOURCES"]

#: What each source tag of the table stands for.
SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "T": "the project's two real captures (curl -v and execution logs), May 2025:"
        " a REST API (edge-optimized) and an HTTP API in us-east-1",
        "AZUL-3886": "https://github.com/DataBiosphere/azul/issues/3886 (2022, httpie:"
        " the HTTP/1.1 spelling of an edge REST answer's headers, not their order)",
        "AZUL-6284": "https://github.com/DataBiosphere/azul/issues/6284 (access-log values"
        " of a real 504)",
        "AZUL-6624": "https://github.com/DataBiosphere/azul/pull/6624 (function error,"
        " INTEGRATION_FAILURE)",
        "AZUL-7466": "https://github.com/DataBiosphere/azul/issues/7466 (response over 6 MB)",
        "AZUL-7470": "https://github.com/DataBiosphere/azul/issues/7470 (status and"
        " responseType table: WAF_FILTERED, MISSING_AUTHENTICATION_TOKEN, DEFAULT_4XX)",
        "AZUL-7475": "https://github.com/DataBiosphere/azul/pull/7475 (2025-10-08: the"
        " customised 502 over 6 MB after a redeploy, retry-after in another place)",
        "AZUL-7824": "https://github.com/DataBiosphere/azul/issues/7824 (responseLatency"
        " 29009 ms)",
        "AZUL-8192": "https://github.com/DataBiosphere/azul/issues/8192 (response over 6 MB:"
        " 502, INTEGRATION_FAILURE, integrationStatus 200)",
        "AZUL-8258": "https://github.com/DataBiosphere/azul/issues/8258 (response over 6 MB)",
        "BIZTRACK": "a deployed-stack note, 2026-07-23: POST with a Cognito token to a resource"
        " without POST gives 403 IncompleteSignatureException; without Authorization,"
        " Missing Authentication Token",
        "BPM": "https://github.com/Miserlou/Zappa/issues/1248 (2018),"
        " https://github.com/amplify-education/serverless-domain-manager/issues/57 (2017),"
        " https://github.com/Miserlou/django-zappa/issues/100: a custom domain without a"
        " base-path mapping answers 403 {\"message\":\"Forbidden\"}",
        "CAP-FPROS": "a public capture of a missing or invalid API key: 403 Forbidden,"
        " ForbiddenException",
        "CAP-CN": "a public capture of a private API in cn-northwest-1 (2020) reached"
        " without x-apigw-api-id: 403 Forbidden",
        "CAP-ISE": "public captures of IncompleteSignatureException answers to a non-SigV4"
        " Authorization header (an API Gateway error guide, a deployed-stack note, 2026)",
        "CAP-LIMIT": "several public captures of a usage-plan quota: 429 Limit Exceeded,"
        " LimitExceededException",
        "CAP-MAT": "public captures of an unknown path (2015, 2018, 2019): 403 Missing"
        " Authentication Token",
        "CAP-NOSTAGE": "a public capture of a request to a stage that does not exist:"
        " 403 ForbiddenException",
        "CAP-RP": "public captures of resource-policy denials: 403 with a capital"
        " \"Message\"",
        "CAP-SIG": "public captures of AWS SigV4 front doors (Lambda function URLs) sending"
        " InvalidSignatureException, including for an invalid security token",
        "CAP-TMR": "public captures of API Gateway throttling: 429 Too Many Requests,"
        " TooManyRequestsException",
        "CAP-WAF": "a public capture of a WAF block on a regional REST API:"
        " 403 ForbiddenException",
        "CGE": "https://github.com/CodeGenieApp/serverless-express/issues/355 (HTTP API 500)",
        "CM": "https://dev.classmethod.jp/articles/amazon-api-gateway-lambda-proxy-"
        "integration-timeout-error-response (2025-05-14: Lambda timeout gives 502)",
        "CN-PRIV": "two public HTTP/1.1 captures of a private REST API in cn-northwest-1"
        " (2020): Date first, then Content-Type, Content-Length, Connection",
        "CONSOLE-400": "a console TestInvoke output of a request-validator 400:"
        " {\"x-amzn-ErrorType\":\"BadRequestException\"}",
        "CORTEX": "https://github.com/cortexlabs/cortex/issues/1225 (HTTP API 503)",
        "D-ACCESS-VARS": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-variables-for-access-logging.html and .../http-api-logging-variables.html",
        "D-GRT": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "supported-gateway-response-types.html",
        "D-GWR-CONSOLE": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "set-up-gateway-response-using-the-console.html",
        "D-HTTP-AUTHZ": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-lambda-authorizer.html",
        "D-HTTP-THROTTLE": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-throttling.html",
        "D-HTTP-JWT": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-jwt-authorizer.html",
        "D-JWT": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-troubleshooting-jwt.html",
        "D-LAMBDA-INVOKE": "https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html"
        " (6 MB synchronous payloads)",
        "D-LERR": "https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html",
        "D-LIMITS": "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
        "D-OAS": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-swagger-extensions-gateway-responses.html",
        "D-PROXY": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "set-up-lambda-proxy-integrations.html",
        "D-REST-QUOTAS": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-execution-service-limits-table.html",
        "D-ROUTES": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-develop-routes.html",
        "D-THROTTLE": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-request-throttling.html",
        "D-VALIDATION": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-request-validation-test.html",
        "DENO-87": "https://github.com/denoland/deno_registry2/issues/87 (HTTP API: Lambda"
        " timeout reported as 500)",
        "EDGE-H1-2025": "https://github.com/DataBiosphere/azul/issues/7582 (2025-11-19:"
        " edge REST over HTTP/1.1, urllib3 HTTPHeaderDict in wire order, a 2025 trace"
        " value with Parent, Sampled and Lineage)",
        "GUARDDUTY": "an AWS API reference sample response (GuardDuty, 2018) with"
        " Connection: keep-alive after CloudFront's headers; perhaps assembled by hand",
        "HTTPAPI-H1": "a public curl -i capture of an HTTP API over HTTP/1.1 (2026-07-08):"
        " Date, Content-Type, Content-Length, X-Correlation-Id, Apigw-Requestid",
        "ISE-CRED": "https://github.com/aws-amplify/amplify-flutter/issues/1539 (2022-04-19), and"
        " public code quoting the body it received: 'Authorization header requires"
        " 'Credential' parameter. … Authorization=<value>'",
        "ISE-NEW": "public captures (2025-26: a proxy's raw body log, a 2026-01-15 note, a PingOne"
        " note) of the IncompleteSignatureException body quoting a SHA-256/base64 hash",
        "ISE-OLD": "https://github.com/luisgoncalves/xades4j/issues/134 (2023-10-29, curl HTTP/2:"
        " the older IncompleteSignatureException body quoting the header)",
        "KC-403-AUTH": "https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer",
        "KC-502": "https://repost.aws/knowledge-center/malformed-502-api-gateway",
        "KC-DISABLE": "https://repost.aws/knowledge-center/api-gateway-disable-endpoint,"
        " as quoted in"
        " https://github.com/floci-io/floci/pull/2054 (2026-08-11): 403 for REST APIs,"
        " 404 for HTTP APIs",
        "KC-HTTP-PERM": "https://repost.aws/knowledge-center/api-gateway-http-lambda-integrations",
        "KC-REST-PERM": "https://repost.aws/knowledge-center/api-gateway-rest-api-lambda-integrations",
        "LGTM": "https://github.com/koki-develop/lgtm-generator/issues/10 (both REST 413s,"
        " edge, 2021)",
        "LOIGE": "Luciano Mammino, \"Debugging custom ApiGateway authorizers\", 2023-11-05"
        " (loige.co): full edge headers for 401, 403 and 500",
        "LS-B64": "LocalStack's AWS-validated test of binary support in"
        " test_apigateway_lambda.py: a Lambda answering isBase64Encoded with a body that"
        " is not base64 gets the client a 500",
        "LS-CODE": "LocalStack's API Gateway emulator code (gateway_response.py and"
        " handlers); emulator code, not proof of AWS behaviour",
        "LS-FMT": "LocalStack's AWS-validated snapshot"
        " test_aws_proxy_response_payload_format_validation (2024-11-15)",
        "LS-GR": "LocalStack's AWS-validated snapshots of GetGatewayResponses and"
        " PutGatewayResponse (2024)",
        "LS-REMAP": "LocalStack's AWS-validated snapshots of header-remapping errors on a"
        " regional REST API (2024-12-11)",
        "LS-ROUTE": "LocalStack's AWS-validated snapshot test_routing_not_found (2024-07-23)",
        "LS-TI": "LocalStack's AWS-validated test-invoke snapshots (2025-08-19, 2025-09-29)",
        "LS-TRACE": "LocalStack's AWS-validated snapshot test_invocation_trace_id (2024-08-07)",
        "LS-V1V2": "LocalStack's AWS-validated tests"
        " test_aws_proxy_response_payload_format_validation_v1 and _v2 of HTTP APIs:"
        " payload 1.0 answers {} and a missing statusCode with 500 and ignores other"
        " keys; payload 2.0 answers a cookies object with 500",
        "LS-VAL": "LocalStack's AWS-validated snapshot test_api_gateway_request_validator"
        " (2024-01-10)",
        "MAT-OPTIONS": "a public HTTP/2 capture of a CORS preflight to a resource without"
        " an OPTIONS method: 403 Missing Authentication Token, with the DEFAULT_4XX CORS headers",
        "MV-LAUNCH": "https://aws.amazon.com/blogs/compute/support-for-multi-value-"
        "parameters-in-amazon-api-gateway/ (2018: multiValueHeaders, \"sending multiple"
        " Set-Cookie headers\")",
        "NINTENDO": "a public write-up of an edge REST success over HTTP/1.1"
        " (2024-10-17): X-Amzn-Trace-Id before x-amzn-RequestId, Connection last",
        "PERMATE": "a ZAP raw report of a regional REST custom domain over HTTP/1.1"
        " (2024-01-07): a DEFAULT_4XX with CORS headers, and an HTTP_PROXY 200, whose"
        " added headers sit among API Gateway's own",
        "PULUMI": "https://github.com/pulumi/pulumi-awsx nodejs/awsx/aws_test.go @"
        " 00335cf3744305396021a9e5531e24e754e43e93: exact-byte assertions against a deployed API",
        "QS-V1": "https://gist.github.com/metaskills/55f9e3c7e205f6dc9db2f2a1bcd3d289 (2020:"
        " a repeated query key's queryStringParameters value is the last, on an HTTP API's"
        " payload 1.0 as on REST)",
        "REAPIT-4338": "https://github.com/reapit/foundations/issues/4338 (the 10 MB edge"
        " rejection ignores REQUEST_TOO_LARGE)",
        "REG-H2": "a public curl -v capture of a regional REST success over HTTP/2"
        " (2022-11): date, content-type, content-length, x-amzn-requestid,"
        " x-amz-apigw-id, a Lambda header, x-amzn-trace-id",
        "RFC6265": "RFC 6265 section 3: Set-Cookie header lines are never folded into one",
        "RP-2025": "a CTF write-up, curl -i, 2025-09-04: a full edge HTTP/2 response to a"
        " resource-policy denial (158 bytes, x-amz-apigw-id before x-amzn-requestid)",
        "RP-IAM": "reference 2 section 4, stored captures ids 7946360049, 22165364824 and"
        " 5003417956: a signed IAM caller's resource-policy denial names its"
        " arn:aws:sts::<account>:assumed-role/... principal",
        "RP-300": "https://repost.aws/questions/QUlDTc_17EQ_mOJAhR3LHNDw (300000 ms ceiling"
        " for regional and private REST APIs)",
        "RP-429": "https://repost.aws/questions/QUfI6bsdd0SOiPeyimzxSkfQ (throttled Lambda"
        " gives the client 500)",
        "CAP-EXIT": "public captures of Runtime.ExitError: the payload"
        " {\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: <id> Error:"
        " Runtime exited with error: exit status N\"} (aws lambda invoke output), 'Runtime"
        " exited without providing a reason' after an exit with status 0, and REPORT lines"
        " (Duration, Billed Duration rounded up, Status: error, Error Type)",
        "D-LIFECYCLE": "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-"
        "environment.html (the REPORT line's Status and Error Type, new log format)",
        "D-PYLOG": "https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html"
        " (START, END and REPORT lines)",
        "RIC": "https://github.com/aws/aws-lambda-python-runtime-interface-client"
        " awslambdaric/bootstrap.py (make_error, log_error, handle_event_request,"
        " _setup_logging)",
        "RP-OLD": "public captures (2022 and earlier) of resource-policy denials ending"
        " ' with an explicit deny'",
        "SANDBOX": "public captures of Lambda's Sandbox.Timedout error payload",
        "SIG-MISMATCH": "https://github.com/aws/aws-sdk-js/issues/2372 (2018),"
        " https://github.com/postmanlabs/postman-app-support/issues/5815 (2019),"
        " https://github.com/mhart/aws4/issues/110 (2020): the signature-mismatch body",
        "SIG-TOKEN": "https://github.com/kndt84/aws-api-gateway-client/issues/31 (2017),"
        " https://github.com/aws-amplify/amplify-js/issues/2626 (2019): the invalid"
        " security token body",
        "SPAPI": "https://github.com/amzn/selling-partner-api-models/issues/113 (2021, HTTP/1.1"
        " headers of a regional REST custom domain: x-amzn-ErrorType:"
        " InvalidSignatureException)",
        "STAGE-MISSING": "https://github.com/asishrs/smartthings-ringalarmv2/issues/5"
        " (2019): {\"message\":\"Forbidden\"} for a URL without its stage",
        "TMR-2026": "a public note measuring API Gateway throttling against a production"
        " API (2026-08-27): 429 {\"message\":\"Too Many Requests\"}, 31 bytes,"
        " TooManyRequestsException, no Retry-After",
        "UDACITY": "public course notes with curl output (2024-03) of a REST request"
        " validator: {\"message\": \"Invalid request body\"}, 35 bytes",
        "VOKER": "github.com/hotsock/voker vokerhttp/testdata/ingress-paths.json and"
        " apigwv2-request.json @ a1c00bf: live HTTP API captures, us-west-2, 2026-07"
        " (rawPath decoded once, cut at '?', decoded again; a failing second decoding"
        " is a 400 before the Lambda)",
        "WAF-HEAD": "two public curl -I captures of a regional REST API (2026-07-25,"
        " 2026-08-03): HTTP/1.1 403s to HEAD with Content-Length: 0, Date first",
        "WS-CONNECT": "reference 2 section 9.1, stored capture id 17215390265 (wscat against a"
        " WebSocket API, ap-northeast-1): a $connect statusCode N refuses the upgrade with N"
        " (301, 401, 501), 2xx connects, a Lambda that throws gives 502; a non-2xx on"
        " $default keeps the connection open",
        "WS-FORBIDDEN": "reference 2 section 9.2, stored captures ids 30300877931, 16078279199,"
        " 10374237590, 893650856, 55709642030 and"
        " https://github.com/aws-samples/simple-websockets-chat-app/issues/24: the frame"
        " {\"message\": \"Forbidden\", \"connectionId\":\"...\", \"requestId\":\"...\"}",
        "WS-ISE": "reference 2 section 9.2, stored captures ids 17215390265, 26183381986,"
        " 15025886497, 54689234205: the frame {\"message\": \"Internal server error\","
        " \"connectionId\":\"...\", \"requestId\":\"...\"}, one per failed message",
        "WS-AUTH": "https://github.com/localstack/localstack/issues/6368 (2022: 401 for an"
        " authorizer's Unauthorized) and"
        " https://github.com/aws-powertools/powertools-lambda-python/issues/5800 (2024-12:"
        " 403 for a deny) on a WebSocket $connect",
        "D-WS-QUOTA": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "apigateway-execution-service-websocket-limits-table.html (frame 32 KB, message"
        " 128 KB, closed with 1009; idle 10 minutes; 2 hours)",
        "D-WS-BINARY": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "websocket-api-develop-binary-media-types.html (a binary frame: disconnected with"
        " code 1003)",
        "D-WS-ROUTES": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "websocket-api-develop-routes.html ($request.body.action; $connect, $disconnect,"
        " $default)",
        "D-WS-PROTOCOL": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "websocket-connect-route-subprotocol.html (the $connect integration returns"
        " Sec-WebSocket-Protocol; a 400 refuses: 'Unexpected server response: 400')",
        "PT-WS-EVENTS": "aws-powertools/powertools-lambda-python tests/events/"
        "apiGatewayWebSocketApi{Connect,Message,Disconnect}.json and"
        " apiGatewayAuthorizerWebSocketEvent.json (events captured 2024-11 and 2025-01)",
        "WN-2024": "https://aws.amazon.com/about-aws/whats-new/2024/06/amazon-api-gateway-"
        "integration-timeout-limit-29-seconds/ (2024-06-04)",
    }
)

