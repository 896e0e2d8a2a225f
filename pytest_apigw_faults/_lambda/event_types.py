"""The Lambda proxy events as ``TypedDict`` types: what ``call.event`` is.

One type per payload format, with the keys and value types
:mod:`.events` builds (a test holds the two together): REST and HTTP API
payload 1.0, and HTTP API payload 2.0. An authorizer adds
``requestContext.authorizer`` (:mod:`.authorizer_events`), whose shape
depends on the authorizer: a mapping.

``call.event`` is the union :data:`LambdaEvent`; the keys every format
has (``headers``, ``requestContext["requestId"]``, ``body``,
``isBase64Encoded``) read without narrowing, and ``"version" in event``
tells a REST event (it has none) from an HTTP API one.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias, TypedDict

__all__ = [
    "HttpEventV1",
    "HttpEventV2",
    "HttpV1RequestContext",
    "HttpV2Http",
    "HttpV2RequestContext",
    "Identity",
    "LambdaEvent",
    "RestEvent",
    "RestRequestContext",
]


class Identity(TypedDict):
    """``requestContext.identity`` (REST and HTTP API payload 1.0)."""

    accessKey: str | None
    accountId: str | None
    caller: str | None
    cognitoAuthenticationProvider: str | None
    cognitoAuthenticationType: str | None
    cognitoIdentityId: str | None
    cognitoIdentityPoolId: str | None
    principalOrgId: str | None
    sourceIp: str
    user: str | None
    userAgent: str | None
    userArn: str | None


class _Authorized(TypedDict, total=False):
    #: what an authorizer put in: its context, a JWT's claims and scopes, ...
    authorizer: dict[str, Any]


class RestRequestContext(_Authorized):
    """``requestContext`` of a REST event."""

    accountId: str
    apiId: str
    deploymentId: str
    domainName: str
    domainPrefix: str
    extendedRequestId: str
    httpMethod: str
    identity: Identity
    path: str
    protocol: str
    requestId: str
    requestTime: str
    requestTimeEpoch: int
    resourceId: str
    resourcePath: str
    stage: str


class RestEvent(TypedDict):
    """A REST API's Lambda proxy event (payload format 1.0)."""

    resource: str
    path: str
    httpMethod: str
    headers: dict[str, str] | None
    multiValueHeaders: dict[str, list[str]] | None
    queryStringParameters: dict[str, str] | None
    multiValueQueryStringParameters: dict[str, list[str]] | None
    pathParameters: dict[str, str] | None
    stageVariables: dict[str, str] | None
    requestContext: RestRequestContext
    body: str | None
    isBase64Encoded: bool


class HttpV1RequestContext(TypedDict):
    """``requestContext`` of an HTTP API payload 1.0 event."""

    accountId: str
    apiId: str
    authorizer: dict[str, Any]
    domainName: str
    domainPrefix: str
    extendedRequestId: str
    httpMethod: str
    identity: Identity
    path: str
    protocol: str
    requestId: str
    requestTime: str
    requestTimeEpoch: int
    resourceId: None
    resourcePath: str
    stage: str


class HttpEventV1(TypedDict):
    """An HTTP API's Lambda proxy event, payload format 1.0."""

    version: Literal["1.0"]
    resource: str
    path: str
    httpMethod: str
    headers: dict[str, str]
    multiValueHeaders: dict[str, list[str]]
    queryStringParameters: dict[str, str] | None
    multiValueQueryStringParameters: dict[str, list[str]] | None
    requestContext: HttpV1RequestContext
    pathParameters: dict[str, str] | None
    stageVariables: dict[str, str] | None
    body: str | None
    isBase64Encoded: bool


class HttpV2Http(TypedDict):
    """``requestContext.http`` of a payload 2.0 event."""

    method: str
    path: str
    protocol: str
    sourceIp: str
    userAgent: str


class HttpV2RequestContext(_Authorized):
    """``requestContext`` of an HTTP API payload 2.0 event."""

    accountId: str
    apiId: str
    domainName: str
    domainPrefix: str
    http: HttpV2Http
    requestId: str
    routeKey: str
    stage: str
    time: str
    timeEpoch: int


class _HttpV2Optional(TypedDict, total=False):
    # left out when there is nothing to carry
    cookies: list[str]
    queryStringParameters: dict[str, str]
    body: str
    pathParameters: dict[str, str]
    stageVariables: dict[str, str]


class HttpEventV2(_HttpV2Optional):
    """An HTTP API's Lambda proxy event, payload format 2.0 (the default)."""

    version: Literal["2.0"]
    routeKey: str
    rawPath: str
    rawQueryString: str
    headers: dict[str, str]
    requestContext: HttpV2RequestContext
    isBase64Encoded: bool


#: ``call.event``: the event of the API's payload format.
LambdaEvent: TypeAlias = RestEvent | HttpEventV1 | HttpEventV2
