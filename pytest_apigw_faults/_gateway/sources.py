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
        " 128 KB, closed with 1009; idle 10 minutes; 2 hours; integration timeout 50 ms"
        " to 29 s)",
        "WS-TIMEOUT": "https://github.com/aws/chalice/issues/1406 (2020-04: the frame"
        " {\"message\": \"Endpoint request timed out\", \"connectionId\":\"Llf4ceE2NjMCF7w=\","
        " \"requestId\":\"Llf7PFSNNjMFZeA=\"} in a browser) and"
        " https://github.com/Kludex/mangum/issues/128 (2020-06: the same frame after 30 s)",
        "D-WS-BINARY": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "websocket-api-develop-binary-media-types.html (a binary frame: disconnected with"
        " code 1003)",
        "D-WS-ROUTES": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "websocket-api-develop-routes.html ($request.body.action; $connect, $disconnect,"
        " $default)",
        "D-WS-PROTOCOL": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "websocket-connect-route-subprotocol.html (the $connect integration returns"
        " Sec-WebSocket-Protocol; a 400 refuses: 'Unexpected server response: 400')",
        "MGMT-MODEL": "botocore's service model apigatewaymanagementapi 2018-11-29"
        " (data/apigatewaymanagementapi/2018-11-29/service-2.json): POST, GET and DELETE"
        " /@connections/{connectionId} (200, 200, 204); GoneException 410,"
        " ForbiddenException 403, PayloadTooLargeException 413, LimitExceededException 429;"
        " Data at most 131072 bytes",
        "GONE": "https://github.com/georgeboot/laravel-echo-api-gateway/issues/9 (2021, PHP:"
        " '410 Gone ... Unable to parse error information from response'),"
        " https://github.com/aws/aws-sdk-java/issues/2200 ('GoneException: null ... Status"
        " Code: 410'), https://github.com/aws/aws-sdk-js-v3/issues/2763 (JS v2: message"
        " '410'): the 410 of PostToConnection has no JSON body",
        "RP-GONE": "https://repost.aws/knowledge-center/410-gone-api-gateway (410 when the"
        " connection is closed, or posted to before it is established, as from $connect)",
        "D-MGMT-GET": "https://awscli.amazonaws.com/v2/documentation/api/latest/reference/"
        "apigatewaymanagementapi/get-connection.html (example output: ConnectedAt"
        " 2020-04-30T20:10:33.236Z, Identity with SourceIp only, LastActiveAt)",
        "BOTO3-3789": "https://github.com/boto/boto3/issues/3789 (2023-07: after"
        " delete_connection, the $disconnect event in the execution log has"
        " disconnectStatusCode 1000 and disconnectReason 'Connection Closed Normally')",
        "PT-WS-EVENTS": "aws-powertools/powertools-lambda-python tests/events/"
        "apiGatewayWebSocketApi{Connect,Message,Disconnect}.json and"
        " apiGatewayAuthorizerWebSocketEvent.json (events captured 2024-11 and 2025-01)",
        "WN-2024": "https://aws.amazon.com/about-aws/whats-new/2024/06/amazon-api-gateway-"
        "integration-timeout-limit-29-seconds/ (2024-06-04)",
        # Tags the modules' docstrings cite (beyond the table's rows).
        "CAP-COG-RBAC": "github.com/jastek69/SEIR-Serverless-SOAR Reports/rbac_test_report.md"
        " (2026-06-15): a Cognito user pool authorizer's 401s on the wire (26 bytes,"
        " UnauthorizedException), the tokens sent and the events they became",
        "CAP-DASH": "a public capture of access-log lines (stored capture id 69451052717):"
        " an unset variable is written as '-'",
        "CDK-9076": "https://github.com/aws/aws-cdk/issues/9076 (2020-07-15: an HTTP API's"
        " CORS with allowCredentials and the origin '*' is refused, 400 BadRequestException"
        " \"allow-credentials is not supported if 'allow-origin' is *\")",
        "CHALICE-783": "https://github.com/aws/chalice/issues/783 (a Cognito claim's list"
        " reaching the integration as one comma-joined string)",
        "D-API-AUTHORIZER": "https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html"
        " (identitySource, identityValidationExpression, providerARNs,"
        " authorizerResultTtlInSeconds)",
        "D-API-METHOD": "https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html"
        " (authorizationScopes)",
        "D-AUTHZ-OUT": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-lambda-authorizer-output.html",
        "D-CALL": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "how-to-call-api.html",
        "D-CFN-APIGW": "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
        "AWS_ApiGateway.html (the AWS::ApiGateway::* resource types)",
        "D-CFN-APIGWV2": "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
        "AWS_ApiGatewayV2.html (the AWS::ApiGatewayV2::* resource types)",
        "D-CORS-REST": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "how-to-cors.html"
        " (CORS for REST APIs: an OPTIONS method with a MOCK integration, and gateway"
        " responses for errors)",
        "D-CTX": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-mapping-template-reference.html ($context variables)",
        "D-DOMAINS": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "apigateway-regional-api-custom-domain-create.html and"
        " .../how-to-edge-optimized-custom-domain-name.html",
        "D-EXEC-POLICY": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-control-access-using-iam-policies-to-invoke-api.html (statement"
        " reference of IAM policies for executing an API)",
        "D-GWR-DEF": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-gatewayResponse-definition.html",
        "D-HTTPCORS": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-cors.html",
        "D-HTTPLAMBDA": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "http-api-develop-integrations-lambda.html",
        "D-IAM-COND": "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
        "reference_policies_elements_condition.html, .../reference_policies_elements_"
        "condition_operators.html and .../reference_policies_multi-value-conditions.html",
        "D-LAMBDA-CONCURRENCY": "https://docs.aws.amazon.com/lambda/latest/dg/"
        "configuration-concurrency.html (reserved concurrency)",
        "D-MODELS": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "models-mappings-models.html (models are JSON Schema draft 4)",
        "D-PASSTHROUGH": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "integration-passthrough-behaviors.html",
        "D-PRIVATE": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "apigateway-private-api-test-invoke-url.html",
        "D-PY-HANDLER": "https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html"
        " (the code root /var/task is LAMBDA_TASK_ROOT, .../configuration-envvars.html)",
        "D-PYCTX": "https://docs.aws.amazon.com/lambda/latest/dg/python-context.html",
        "D-REQVAL": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-method-request-validation.html",
        "D-REST-AUTHZ": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "apigateway-use-lambda-authorizer.html and"
        " .../configure-api-gateway-lambda-authorization.html (a REST Lambda authorizer's"
        " identity sources; result TTL 300 s by default, 3600 s at most)",
        "D-REST-AUTHZ-IN": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-lambda-authorizer-input.html",
        "D-REST-FLOW": "cited by the first pass without a link: the order of a REST"
        " request's checks (throttling, authorizer, API key, request validator, then the"
        " integration); no AWS page spelling out that whole order was found (validation"
        " before the integration request is in D-REQVAL's page)",
        "D-REST-ROUTING": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-method-settings-method-request.html (the REST resource tree, path"
        " variables and greedy {proxy+} resources); the precedence between them is not"
        " spelled out there",
        "D-RP-FLOW": "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "apigateway-authorization-flow.html (tables A and B)",
        "D-SAM-API": "https://docs.aws.amazon.com/serverless-application-model/latest/"
        "developerguide/sam-resource-api.html",
        "D-SAM-COG": "https://docs.aws.amazon.com/serverless-application-model/latest/"
        "developerguide/sam-property-api-cognitoauthorizationidentity.html"
        " (ReauthorizeEvery, ValidationExpression)",
        "D-SAM-EVENTS": "https://docs.aws.amazon.com/serverless-application-model/latest/"
        "developerguide/sam-property-function-api.html and"
        " .../sam-property-function-httpapi.html",
        "D-SAM-FUNCTION": "https://docs.aws.amazon.com/serverless-application-model/latest/"
        "developerguide/sam-resource-function.html",
        "D-SAM-GLOBALS": "https://docs.aws.amazon.com/serverless-application-model/latest/"
        "developerguide/sam-specification-template-anatomy-globals.html",
        "D-SAM-HTTPAPI": "https://docs.aws.amazon.com/serverless-application-model/latest/"
        "developerguide/sam-resource-httpapi.html",
        "EXECLOG": "https://github.com/DataBiosphere/azul/issues/6335,"
        " serverless-heaven/serverless-webpack#314, venveo/serverless-sharp#56: the"
        " execution log's first lines",
        "GUIDE": "an API Gateway error-mapping guide (stored capture id 48277143925, httpie,"
        " pretty-printed): CloudFront's 403 HTML page for a GET with a body to an edge API",
        "KC-COG-401": "https://repost.aws/knowledge-center/api-gateway-cognito-401-unauthorized",
        "LP59": "https://github.com/vincentsarago/lambda-proxy/issues/59 (a malformed proxy"
        " answer's execution log)",
        "LS-FMT2": "LocalStack's AWS-validated test test_lambda_aws_proxy_response_format"
        " (test_apigateway_lambda.py, with lambda_aws_proxy_format.py)",
        "LS-NONPOST": "LocalStack's AWS-validated snapshot"
        " test_lambda_aws_proxy_integration_non_post_method (2024-03-20) and its comment:"
        " an AWS_PROXY integration whose method is not POST gives 500, INTEGRATION_FAILURE",
        "NX-828": "https://github.com/awslabs/nx-plugin-for-aws/pull/828 (2026, a deployed"
        " test: a method without scopes takes an ID token, 200, and refuses an access"
        " token, 401)",
        "OI-GROUPS": "an openillumi.com article on cognito:groups reaching the integration as"
        " 'group-a,group-b'; cited without a link",
        "PM-6987": "https://github.com/postmanlabs/postman-app-support/issues/6987 (2019: a"
        " Cognito token after 'Bearer ' refused)",
        "RP-AUD": "a re:Post question, \"unable to authorize requests to api gateway using"
        " cognito access token\" (an access token has no aud); cited without a link",
        "RP-SCOPES": "a re:Post question, \"need access token as header in cognito\" (a"
        " method without scopes refuses an access token); cited without a link",
        "SAM": "github:aws/aws-sam-cli @ fe8f8db, samcli/local/apigw/local_apigw_service.py"
        " (SAM CLI's local API Gateway); emulator code, not proof of AWS behaviour",
        "SAM-CORS": "https://github.com/aws/serverless-application-model"
        " samtranslator/swagger/swagger.py (_options_method_response_for_cors: the OPTIONS"
        " method SAM's Cors property generates)",
        "SST-2760": "https://github.com/anomalyco/sst/issues/2760 (a REST answer with a"
        " \"cookies\" key: 502, Malformed Lambda proxy response)",
        "STOCKIDS": "github.com/andersonlira/stockids (a copied Cognito-authorized event:"
        " an object claim, identities, as compact JSON)",
        "VAL-LOG": "public console tests of a request validator's execution log: stored"
        " capture id 42485901271 (2021-11-29, the notes CONSOLE-400 comes from) and a"
        " 2023 one the first pass cited without an id",
        "WS-COG": "an AWS workshop testing a Cognito authorizer with 'Bearer <token>'; cited"
        " without a link",
    }
)

