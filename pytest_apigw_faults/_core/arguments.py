"""The arguments of a fault, declared once.

The ``apigw_fault`` marker, ``apigw_fault.inject()`` and ``Fault()`` take
the same arguments. :class:`FaultArguments` declares each: its name, its type
as users write it (``**kwargs: Unpack[FaultArguments]`` gives ``inject`` and
``Fault`` their typed signatures), and, in its ``Annotated`` metadata, a
one-line doc, its check and the ini key that gives it a default. The
marker's help line, the signature in error messages, the unknown-argument
errors, the README's argument table (:mod:`.._docs.arguments`), the ini
defaults and the checks (:mod:`.options`) all read it from here.

Imported when pytest starts (the marker's help line, the ini defaults): it
needs the checks and the table's vocabulary, not the table.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ForwardRef, NamedTuple, TypedDict

from .._gateway.errors import ApigwFaultError
from .._gateway.names import ApiName, EndpointName, ScenarioName

if TYPE_CHECKING:
    from pathlib import Path

    from .._gateway.auth.cognito import CognitoAuthorizer
    from .._gateway.auth.config import LambdaAuthorizer
    from .._gateway.auth.iam import IamAuth
    from .._gateway.auth.jwt import JwtAuthorizer
    from .._gateway.auth.keys import ApiKeys
    from .._gateway.cors import Cors
    from .._gateway.scenario import Api, Endpoint, Scenario
    from .._gateway.throttle import Throttle
    from . import checks

    #: A check: the value given (never ``None``) and its context, to the value kept.
    Check = Callable[[Any, checks.Context], Any]
    #: How an ini value becomes a default: the value and the ini file's folder.
    IniReader = Callable[[Any, Path], Any]

__all__ = [
    "FAULT",
    "KEYWORDS",
    "LAMBDA",
    "MARKER_LINE",
    "SCRIPT",
    "SIGNATURE",
    "Arg",
    "Argument",
    "FaultArguments",
    "ScenarioArgument",
    "check_keywords",
    "declared",
    "signature",
]

#: The groups of arguments: the scenario and how the gateway serves it, what
#: answers call by call, and the API in front of a Lambda.
FAULT, SCRIPT, LAMBDA = "fault", "script", "lambda"


class Arg(NamedTuple):
    """What the declaration says of an argument besides its name and type."""

    doc: str  #: one line of Markdown: its row in the README's table
    check: Check
    group: str = FAULT
    #: the ini key that sets it for every marker and ``inject()``, and how
    #: its value is read
    ini: tuple[str, IniReader] | None = None


class ScenarioArgument(TypedDict, total=False):
    """The first argument: ``name`` in the marker, ``scenario`` in
    ``Fault()`` and ``inject()``."""

    name: Annotated[
        ScenarioName | Scenario | None,
        Arg(
            "a scenario name from the table (or a `Scenario`). Without it, the test runs"
            " once per matching row.",
            checks.check_name,
        ),
    ]


class FaultArguments(TypedDict, total=False):
    """The keyword arguments of the ``apigw_fault`` marker, of
    ``apigw_fault.inject()`` and of ``Fault()``; ``None`` leaves one out."""

    api: Annotated[
        ApiName | Api | None,
        Arg('`"rest"` or `"http"`. Without it, the test runs for both kinds.', checks.check_api),
    ]
    endpoint: Annotated[
        EndpointName | Endpoint | None,
        Arg(
            'REST: `"edge"` (the kind of the captures, the default), `"regional"` or'
            ' `"private"`; HTTP API: `"regional"`. Decides the header set; an endpoint the'
            " api (or the scenario) does not have is an error.",
            checks.check_endpoint,
        ),
    ]
    url: Annotated[
        str | re.Pattern[str] | None,
        Arg(
            "answer only URLs that start with this string, or that a compiled regex"
            " matches (`re.Pattern.match`), e.g. a custom domain. Default: any"
            " execute-api host.",
            checks.check_url,
        ),
    ]
    times: Annotated[
        int | None,
        Arg(
            "fault the first N calls only; later execute-api calls raise an error"
            " (strict mode), or pass through with strict mode off. Default: every call.",
            checks.check_times,
        ),
    ]
    clients: Annotated[
        str | Sequence[str] | None,
        Arg(
            '`"requests"`, `"httpx"`, `"aiohttp"`, or a list of them. Default: the'
            " `apigw_fault_clients` ini key, else every installed client whose backend"
            " (responses, respx, aioresponses) is installed.",
            checks.check_clients,
            ini=("apigw_fault_clients", checks.ini_clients),
        ),
    ]
    integration_timeout: Annotated[
        float | None,
        Arg(
            "the API's integration timeout in seconds: what `integration_timeout` waits"
            " (virtually) before it answers. REST: 0.05 to 29, up to 300 on regional and"
            " private APIs; HTTP API: up to 30. Default: the"
            " `apigw_fault_integration_timeout` ini key, else 29 s / 30 s.",
            checks.check_integration_timeout,
            ini=("apigw_fault_integration_timeout", checks.ini_integration_timeout),
        ),
    ]
    function_timeout: Annotated[
        float | None,
        Arg(
            "the Lambda's timeout in whole seconds (1 to 900): what `function_timeout`"
            " waits, and the figure in its log line. Default: Lambda's 3 s.",
            checks.check_function_timeout,
        ),
    ]
    gateway_responses: Annotated[
        Mapping[str, Any] | str | os.PathLike[str] | None,
        Arg(
            "an OpenAPI document (a dict, or the path of a JSON or YAML file) whose"
            " `x-amazon-apigateway-gateway-responses` customise the answer (REST only)."
            " Default: the `apigw_fault_gateway_responses` ini key.",
            checks.check_gateway_responses,
            ini=("apigw_fault_gateway_responses", checks.ini_gateway_responses),
        ),
    ]
    required_parameters: Annotated[
        str | Sequence[str] | None,
        Arg(
            "REST, for `bad_request_parameters`: the method's required request parameters,"
            ' as in its `requestParameters`: `"method.request.querystring.key"` or'
            ' `"querystring.key"` (also `header.` and `path.`). The body names those the'
            ' request lacks. Default: `["querystring.key"]`. With `handler=`, the request'
            " validator in front of the Lambda: a request lacking one gets"
            " `bad_request_parameters` instead of the Lambda.",
            checks.check_required_parameters,
        ),
    ]
    account_id: Annotated[
        str | None,
        Arg(
            "REST, for `resource_policy_denied` and `resource_policy=`: the 12-digit account"
            " that owns the API; its last four digits show in the denial's ARN. Default:"
            " `\"123456789012\"`.",
            checks.check_account_id,
        ),
    ]
    explicit_deny: Annotated[
        bool | None,
        Arg(
            "REST, for `resource_policy_denied`: `True` when a statement of the resource"
            " policy denies the caller (the body ends ` with an explicit deny`). Default:"
            " `False`, no statement allows it (an implicit deny).",
            checks.check_explicit_deny,
        ),
    ]
    authorizer: Annotated[
        LambdaAuthorizer | JwtAuthorizer | CognitoAuthorizer | None,
        Arg(
            "a `LambdaAuthorizer(handler, type=, identity_source=, validation_expression=,"
            " ttl=, payload=, simple_responses=)` in front of the API: it decides each call"
            " before the row or the handler answers (401 `unauthorized`, 403"
            " `access_denied`, 500 `authorizer_configuration_error`), as on AWS; needs"
            " `api=`. See [Lambda authorizers](#lambda-authorizers). HTTP API: or a"
            " `JwtAuthorizer(issuer=, audience=, jwks=, scopes=)` (401 `jwt_rejected` with"
            " its `www-authenticate`); see [JWT authorizers](#jwt-authorizers). REST: or a"
            " `CognitoAuthorizer(user_pool_arn=, jwks=, scopes=, token_validation=, ttl=)`"
            " (401 `unauthorized`); see [Cognito user pools](#cognito-user-pools).",
            checks.check_authorizer,
        ),
    ]
    api_keys: Annotated[
        ApiKeys | None,
        Arg(
            "REST: the method requires an API key, `ApiKeys({key: plan name}, plans={plan"
            ' name: UsagePlan(rate=, burst=, quota=, period="DAY")}, source="HEADER")`: a'
            " missing or unknown key gets `invalid_api_key`, a plan's throttle `api_throttled`"
            " and its quota `quota_exceeded`, on the fault's clock. See [API keys and usage"
            " plans](#api-keys-and-usage-plans).",
            checks.check_api_keys,
        ),
    ]
    iam: Annotated[
        IamAuth | None,
        Arg(
            "REST: the method uses IAM authorization (`AWS_IAM`), `IamAuth({access key id:"
            ' IamCredentials(secret=, session_token=, principal=)}, region=None)`: each call'
            " is SigV4-verified with botocore (the `sigv4` extra) and refused as AWS refuses"
            " it (`incomplete_signature`, `invalid_security_token`, `invalid_signature`, …)."
            " See [IAM (SigV4)](#iam-sigv4).",
            checks.check_iam,
        ),
    ]
    resource_policy: Annotated[
        Mapping[str, Any] | str | None,
        Arg(
            "REST: the API's resource policy, a policy document (a dict, or its JSON"
            ' string) of `execute-api:Invoke` statements: `Principal` `"*"` or `{"AWS":'
            ' ...}`, `Resource` `"execute-api:/{stage}/{METHOD}/{path}"` or a full ARN'
            " (`*`, `?`), conditions on `aws:SourceIp`, `aws:SourceVpce`,"
            " `aws:PrincipalAccount`, `aws:PrincipalArn`. Evaluated with `iam=` or"
            " `authorizer=` in AWS's order; a denial is `resource_policy_denied`. See"
            " [Resource policies](#resource-policies).",
            checks.check_resource_policy,
        ),
    ]
    source_ip: Annotated[
        str | None,
        Arg(
            "the caller's address the API sees: the Lambda event's"
            " `requestContext.identity.sourceIp` and a resource policy's `aws:SourceIp`."
            ' Default: `"192.0.2.1"`.',
            checks.check_source_ip,
        ),
    ]
    cors: Annotated[
        Cors | None,
        Arg(
            "`Cors(allow_origins=, allow_methods=, allow_headers=, expose_headers=, max_age=,"
            " allow_credentials=)`. HTTP API: its `CorsConfiguration`: the gateway answers"
            " preflights itself (204) and puts `access-control-*` headers on answers to"
            " requests with an `Origin`, the integration's own dropped. REST: what SAM's"
            " `Cors` generates, an `OPTIONS` MOCK method answering 200 with the headers."
            " See [CORS](#cors).",
            checks.check_cors,
        ),
    ]
    throttle: Annotated[
        Throttle | None,
        Arg(
            "`Throttle(rate=, burst=)`: the stage's (or method's, route's) throttle, a token"
            " bucket on the fault's clock; a request that finds it empty gets"
            " `api_throttled` (429) before any authorizer. `Throttle()` is the account's"
            " default, 10,000 per second with a burst of 5,000. See"
            " [Throttling](#throttling).",
            checks.check_throttle,
        ),
    ]
    request_model: Annotated[
        Mapping[str, Any] | None,
        Arg(
            "REST: the method's request model, a JSON Schema (draft 4) for"
            " `application/json` bodies, or a dict of content types (`$default` too) to"
            " schemas; a body that fails gets `bad_request_body` with AWS's log line, after"
            " auth, before the integration (needs the `validation` extra). See [Request"
            " validation](#request-validation).",
            checks.check_request_model,
        ),
    ]
    handler: Annotated[
        Callable[[Any, Any], object] | str | None,
        Arg(
            'a Lambda handler, a callable `(event, context)` or a `"module:function"`'
            " string (imported when the fault starts), that answers every call (or the"
            " first `times`); needs `api=` and takes no `name`. See [A real handler behind"
            " the fake gateway](#a-real-handler-behind-the-fake-gateway).",
            checks.check_handler,
            SCRIPT,
        ),
    ]
    then: Annotated[
        ScenarioName | Scenario | Callable[[Any, Any], object] | Mapping[str, Any] | None,
        Arg(
            "with `times=N`: what answers the later calls, a handler, a Lambda result (a"
            " dict) or a scenario name.",
            checks.check_then,
            SCRIPT,
        ),
    ]
    sequence: Annotated[
        Sequence[ScenarioName | Scenario | Callable[[Any, Any], object] | Mapping[str, Any]]
        | None,
        Arg(
            "what answers each call in turn: scenario names, `Scenario` rows, handlers and"
            ' Lambda results, e.g. `["api_throttled", "api_throttled", {"statusCode": 200,'
            ' "body": "ok"}]`. Takes no `name`, `times` or `then`.',
            checks.check_sequence,
            SCRIPT,
        ),
    ]
    after: Annotated[
        str | None,
        Arg(
            'what follows the last item of `then` or `sequence`: `"repeat"` it (the'
            ' default) or `"pass"` later calls through to the network or your own mocks.',
            checks.check_after,
            SCRIPT,
        ),
    ]
    stage: Annotated[
        str | None,
        Arg(
            "the stage name. Default: the URL's first path segment (REST) or `$default`"
            " (HTTP API, whose paths then carry no stage).",
            checks.check_stage,
            LAMBDA,
        ),
    ]
    route: Annotated[
        str | None,
        Arg(
            'REST: the resource path, e.g. `"/orders/{id}"`; default `"/{proxy+}"` (which,'
            " as on AWS, does not take the stage's root `/`). HTTP API: the route key,"
            ' `"GET /orders/{id}"`, `"/orders/{id}"` (any method) or `"$default"`, the'
            " default.",
            checks.check_route,
            LAMBDA,
        ),
    ]
    stage_variables: Annotated[
        Mapping[str, str] | None,
        Arg(
            "a dict of str to str: the event's `stageVariables`.",
            checks.check_stage_variables,
            LAMBDA,
        ),
    ]
    binary_media_types: Annotated[
        str | Sequence[str] | None,
        Arg(
            'REST: the API\'s binary media types (`"image/png"`, `"image/*"`, `"*/*"`): a'
            " request with such a `Content-Type` reaches the handler base64-encoded, and a"
            " result's `isBase64Encoded` body is decoded only for a request whose first"
            " `Accept` type is one. HTTP APIs have none: they encode request bodies by"
            " content type and always decode.",
            checks.check_binary_media_types,
            LAMBDA,
        ),
    ]
    payload_format: Annotated[
        str | None,
        Arg(
            'HTTP API: `"2.0"` (the default) or `"1.0"`; REST has `"1.0"` only.',
            checks.check_payload_format,
            LAMBDA,
        ),
    ]
    reserved_concurrency: Annotated[
        int | None,
        Arg(
            "the function's reserved concurrency: how many invocations may be in flight at"
            " once (from arrival to end in the gateway's time, `handler_duration=` included);"
            " one more is refused by Lambda and answered `lambda_throttled`, the handler not"
            " run. `0` throttles every call.",
            checks.check_reserved_concurrency,
            LAMBDA,
        ),
    ]
    handler_duration: Annotated[
        float | Callable[[Any], float] | None,
        Arg(
            "seconds the handler takes (a number, or a callable given the event);"
            " default 0.",
            checks.check_handler_duration,
            LAMBDA,
        ),
    ]
    virtual_time: Annotated[
        bool | None,
        Arg(
            "`True`: the test runs on [virtual time](#virtual-time); the client's clocks"
            " and sleeps follow the gateway's latency and its own backoff, without"
            " waiting. Default: the `apigw_fault_virtual_time` ini key, else off.",
            checks.check_virtual_time,
            ini=("apigw_fault_virtual_time", checks.ini_virtual_time),
        ),
    ]


class Argument(NamedTuple):
    """One declared argument, as the code that derives from it reads it."""

    name: str
    #: the type users write (``None`` included), as evaluated
    type: Any
    #: that type as written in the declaration
    written: str
    doc: str
    check: Check
    group: str
    ini: tuple[str, IniReader] | None


def _written(text: str) -> str:
    """The type of an ``Annotated[type, Arg(...)]`` annotation, as written."""
    import ast

    node = ast.parse(text, mode="eval").body
    assert isinstance(node, ast.Subscript), "Annotated[type, Arg(...)]"
    assert isinstance(node.slice, ast.Tuple), "Annotated[type, Arg(...)]"
    return ast.unparse(node.slice.elts[0])


def declared(namespace: Mapping[str, object]) -> tuple[Argument, ...]:
    """Every argument, the scenario name first, in the order of the signature,
    its annotation evaluated in this module's names and ``namespace`` (where
    ``checks`` and ``Scenario`` are found).

    :func:`.checks.arguments` calls it with its own names: this module stays
    free of the rest of the package, so that the pytest plugin can load it
    for the marker line, and the checks are those of the copy of the package
    that asks. (``typing.get_type_hints`` would look the module up in
    ``sys.modules``, which an in-process pytester run may have filled with a
    second copy.)"""
    scope = {**globals(), **namespace}
    found = []
    for typed_dict in (ScenarioArgument, FaultArguments):
        for name, annotation in typed_dict.__annotations__.items():
            text = annotation.__forward_arg__ if isinstance(annotation, ForwardRef) else annotation
            assert isinstance(text, str), "the declaration's annotations are strings"
            hint = eval(text, scope)  # the declaration above, nothing else
            (arg,) = (m for m in hint.__metadata__ if isinstance(m, Arg))
            found.append(
                Argument(
                    name, hint.__origin__, _written(text), arg.doc, arg.check, arg.group,
                    arg.ini,
                )
            )
    return tuple(found)


#: The keyword arguments, in order (``name`` aside).
KEYWORDS: tuple[str, ...] = tuple(FaultArguments.__annotations__)
#: Each way in: what the first argument is called, and the other keyword
#: arguments it takes.
_CALLS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "apigw_fault": ("name", ()),
    "Fault": ("scenario", ("seed",)),
    "inject": ("scenario", ()),
}


def signature(call: str = "apigw_fault") -> str:
    """The arguments ``call`` (the marker, ``Fault`` or ``inject``) takes,
    as a signature."""
    first, extra = _CALLS[call]
    keywords = ", ".join(f"{key}=None" for key in (*extra, *KEYWORDS))
    return f"{call}({first}=None, *, {keywords})"


SIGNATURE = signature()
#: The marker's line in ``pytest --markers``.
MARKER_LINE = (
    f"{SIGNATURE}: answer execute-api calls made with requests, httpx or aiohttp with this"
    " API Gateway failure (or a Lambda handler's answers, or a sequence of both); without"
    " a name or an api, run the test once per matching scenario. See"
    " https://pytest-apigw-faults.readthedocs.io/en/latest/marker/"  # the docs' DOCS_URL
)


def check_keywords(kwargs: Mapping[str, object], call: str = "apigw_fault") -> None:
    """An error for the first keyword ``call`` does not take, with the
    closest one it does and its signature."""
    first, extra = _CALLS[call]
    valid = (*(("name",) if first == "name" else ()), *extra, *KEYWORDS)
    for key in kwargs:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise ApigwFaultError(
                f"unknown argument {key!r}{hint} Valid arguments: {signature(call)}"
            )
