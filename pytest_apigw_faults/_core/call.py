"""The record of one request a fault answered: :class:`Call`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from .._gateway.auth import Authorization
    from .._gateway.auth.keys import KeyDecision
    from .._gateway.result import ProxyResult
    from .._gateway.table import Scenario
    from .._gateway.wire import Exchange
    from .._lambda.event_types import LambdaEvent
    from .._lambda.runtime import Invocation
    from .fault import Fault

__all__ = ["Call"]


@dataclass(slots=True)
class Call:
    """One request a fault answered.

    ``request`` and ``response`` are the client's own objects
    (``requests.PreparedRequest`` / ``requests.Response``, or
    ``httpx.Request`` / ``httpx.Response``). When the client gave up first
    (its read timeout was shorter than the gateway's latency), ``response``
    is ``None`` and ``exception`` holds what the client raised.
    """

    client: str
    request: Any
    exchange: Exchange
    timed_out: bool
    elapsed: float
    fault: Fault = field(repr=False, compare=False)
    response: Any = None
    exception: BaseException | None = None
    seq: int = field(default=0, repr=False, compare=False)
    #: How long the client waited for this attempt: the gateway's latency,
    #: or its own read timeout when that fired first.
    waited: float = 0.0
    #: The Lambda's invocation, when one ran (see :attr:`lambda_log`).
    invocation: Invocation | None = field(default=None, repr=False, compare=False)
    #: What the gateway decided of the request's API key (``api_keys=``), else ``None``.
    api_key: KeyDecision | None = field(default=None, compare=False)

    @property
    def scenario(self) -> Scenario | None:
        """The failure that answered, or ``None`` when a Lambda handler's
        valid result did (see :attr:`result`)."""
        return self.exchange.scenario

    @property
    def result(self) -> ProxyResult | None:
        """The Lambda's valid result that answered (status, headers, body, as
        API Gateway took them), or ``None`` when a failure did."""
        return self.exchange.result

    @property
    def event(self) -> LambdaEvent | None:
        """The event the Lambda was invoked with, or ``None`` if none was:
        a ``RestEvent``, ``HttpEventV1`` or ``HttpEventV2`` (the API's payload
        format; ``"version" in event`` is false for REST)."""
        return cast("LambdaEvent | None", self.exchange.event)

    @property
    def auth(self) -> Authorization | None:
        """What the Lambda authorizer did for this call, or ``None`` (none ran)."""
        return self.exchange.auth

    @property
    def lambda_request_id(self) -> str | None:
        """The invocation's ``context.aws_request_id``, if a Lambda ran."""
        return self.exchange.lambda_request_id

    @property
    def lambda_log(self) -> str | None:
        """The Lambda function's log of this call, as CloudWatch Logs keeps
        it, or ``None`` if no Lambda ran: ``START RequestId: <id> Version:
        $LATEST``, what the handler printed and logged, the runtime's
        ``[ERROR] <type>: <message>`` entry with its traceback when it
        raised, ``END RequestId: <id>`` and the ``REPORT`` line (duration on
        the gateway's clock: ``handler_duration``). One line per entry,
        each ending with a newline; a traceback's lines are indented with
        no-break spaces, as the runtime writes them."""
        invocation = self.invocation
        return None if invocation is None else invocation.log

    @property
    def lambda_error(self) -> Mapping[str, Any] | None:
        """The Lambda's error payload when the function failed, else
        ``None``: the runtime's ``errorMessage``, ``errorType``,
        ``requestId`` and ``stackTrace`` for an exception the handler
        raised, or what Lambda itself returns (``Sandbox.Timedout``,
        ``Runtime.ExitError`` when the handler called ``sys.exit``, …)."""
        invocation = self.invocation
        return None if invocation is None else invocation.error

    @property
    def request_id(self) -> str | None:
        """``x-amzn-requestid`` (REST) or ``apigw-requestid`` (HTTP API), or
        ``None`` when the answer has none (CloudFront refused the request
        before API Gateway saw it)."""
        return self.exchange.request_id or None

    @property
    def logs(self) -> tuple[str, ...]:
        """The execution-log lines the gateway wrote for this call."""
        return self.exchange.logs

    @property
    def access_log(self) -> Mapping[str, str]:
        """The access-log variables of this call, by their ``$context`` name
        (``status``, ``error.responseType``, ``integrationErrorMessage``, …);
        ``"-"`` where API Gateway writes nothing or the value is unknown."""
        from .._gateway.accesslog import access_log

        return access_log(self.exchange, self.api_key, self.auth)
