"""The Lambda side of a proxy integration: context, invocation and payloads.

What AWS Lambda's Python runtime and the Lambda service do between the event
API Gateway sends and the payload API Gateway gets back: the handler's
``context``, how the runtime serialises the return value, the error payload of
an unhandled exception, the payloads the service itself substitutes when
the function times out, exits or answers more than 6 MB, and the function's
log of each invocation. No HTTP client, no clock but the one injected; the
handler runs in the environment :mod:`.environment` gives it.
:mod:`.results` turns the payload into a wire response or a scenario of the
table.

Sources (tags of ``api-gateway-behaviour.md`` where it has them):

* ``[RIC]`` aws/aws-lambda-python-runtime-interface-client: ``bootstrap.py``
  (``make_error``, ``handle_event_request``), ``lambda_runtime_marshaller.py``
  (``Encoder``), ``lambda_context.py``, ``lambda_runtime_exception.py``.
* ``[D-PYCTX]`` https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
* ``[SANDBOX]`` / ``[CM]`` the function-timeout payload (reference §7).
* ``[AZUL-8192]`` / ``[AZUL-7466]`` the response-size error text (reference §8).
* ``[CAP-EXIT]`` public captures of ``Runtime.ExitError`` payloads and logs;
  ``[D-LIFECYCLE]`` and ``[D-PYLOG]`` the Lambda guide's log examples
  (reference-2 §13).
"""

from __future__ import annotations

import decimal
import functools
import hashlib
import inspect
import json
import math
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .._gateway.limits import LAMBDA_PAYLOAD_BYTES
from .environment import capture, error_log, fresh_event_loop, function_log

__all__ = [
    "DEFAULT_RUNTIME",
    "EXIT_ERROR_TYPE",
    "MAX_PAYLOAD_BYTES",
    "RESPONSE_TOO_LARGE_TYPE",
    "TIMEOUT_ERROR_TYPE",
    "CognitoIdentity",
    "Invocation",
    "LambdaContext",
    "MarshalError",
    "error_payload",
    "exit_payload",
    "invocation_from_result",
    "invoke",
    "response_too_large_payload",
    "serialize_result",
    "timeout_invocation",
    "timeout_payload",
]

#: The largest synchronous response payload Lambda returns, in bytes: the
#: number its own error text names (reference §8, [AZUL-8192]). One more byte
#: and the invocation fails.
MAX_PAYLOAD_BYTES = LAMBDA_PAYLOAD_BYTES

#: ``errorType`` of the payload Lambda returns when the function timed out
#: (reference §7, [SANDBOX]).
TIMEOUT_ERROR_TYPE = "Sandbox.Timedout"

#: ``errorType`` of the payload Lambda returns when the runtime's process
#: exited during the invocation [CAP-EXIT].
EXIT_ERROR_TYPE = "Runtime.ExitError"

#: ``errorType`` of the payload Lambda returns when the response was too large.
#: ⚠️ Seen in a user's report (github.com/umihico/pythonista-chromeless
#: issue 11), not in the reference; API Gateway's logs only show the message.
RESPONSE_TOO_LARGE_TYPE = "Function.ResponseSizeTooLarge"

_RESPONSE_TOO_LARGE_MESSAGE = (
    f"Response payload size exceeded maximum allowed payload size ({MAX_PAYLOAD_BYTES} bytes)."
)
_MARSHAL_ERROR_TYPE = "Runtime.MarshalError"

#: Runtimes whose marshaller keeps non-ASCII characters as they are
#: (``ensure_ascii=False``) [RIC, lambda_runtime_marshaller.py]; older runtimes
#: escape them as ``\\uXXXX``. ⚠️ The runtime code read lists 3.12 and 3.13;
#: 3.14 is assumed to follow them.
_UNESCAPED_RUNTIMES = frozenset({"python3.12", "python3.13", "python3.14"})

#: The runtime whose behaviour is modelled when none is named.
DEFAULT_RUNTIME = "python3.12"

_HERE = __file__


class MarshalError(Exception):
    """The runtime could not serialise the handler's return value."""


class _RuntimeEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        # The runtime writes a Decimal through a float subclass, and the json
        # module prints floats with float.__repr__: the float's form.
        if isinstance(o, decimal.Decimal):
            return math.nan if o.is_nan() else float(o)
        return super().default(o)


def _encoder(runtime: str) -> json.JSONEncoder:
    # Default separators (", ", ": "), NaN allowed, as the runtime's Encoder.
    return _RuntimeEncoder(ensure_ascii=runtime not in _UNESCAPED_RUNTIMES, allow_nan=True)


def serialize_result(value: object, *, runtime: str = DEFAULT_RUNTIME) -> bytes:
    """The response payload the Python runtime sends for ``value``.

    ``bytes`` go out as they are (the runtime posts them as
    ``application/unknown``); anything else through ``json`` with its default
    separators, NaN allowed, ``Decimal`` as a number and, before Python 3.12,
    non-ASCII characters escaped [RIC]. A value ``json`` cannot write raises
    :class:`MarshalError` with the runtime's message.
    """
    if isinstance(value, bytes):
        return value
    try:
        return _encoder(runtime).encode(value).encode("utf-8")
    except Exception as exc:  # the runtime catches every Exception here
        raise MarshalError(f"Unable to marshal response: {exc}") from exc


def _dumps(payload: Mapping[str, object], *, runtime: str = DEFAULT_RUNTIME) -> bytes:
    return _encoder(runtime).encode(payload).encode("utf-8")


def _handler_frames(tb: Any) -> list[Any]:
    # The runtime keeps (file, line, function, text) of each frame: no
    # column, so no ``^^^`` marks on Python 3.11 and later [RIC,
    # extract_traceback]; it drops its own leading bootstrap.py frames, and
    # this module plays the bootstrap here.
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for index, frame in enumerate(frames):
        if frame[0] != _HERE:
            return frames[index:]
    return frames


def error_payload(exc: BaseException, *, request_id: str) -> dict[str, Any]:
    """The payload of an unhandled ``exc``, as the Python runtime writes it.

    Keys in the runtime's order: ``errorMessage`` (``str(exc)``),
    ``errorType`` (the class name), ``requestId`` and ``stackTrace``, one
    string per frame in :func:`traceback.format_list` form, e.g.
    ``'  File "/var/task/app.py", line 7, in handler\\n    raise ...\\n'``
    [RIC, make_error; LocalStack snapshot test_lambda_selection_patterns].
    """
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(_handler_frames(exc.__traceback__)),
    }


def timeout_payload(*, request_id: str, timeout: float) -> dict[str, str]:
    """What Lambda returns when the function ran for its whole ``timeout``.

    ``{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error:
    Task timed out after 3.00 seconds"}`` (reference §7, [SANDBOX]). Written
    by the Lambda service, not the runtime, hence the compact JSON.
    """
    message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
    return {"errorType": TIMEOUT_ERROR_TYPE, "errorMessage": message}


def response_too_large_payload() -> dict[str, str]:
    """What Lambda returns instead of a response larger than 6291556 bytes.

    The message is the one API Gateway logs (``Lambda Customer Function
    Error:Response payload size exceeded maximum allowed payload size
    (6291556 bytes).`` [AZUL-8192][AZUL-7466]). ⚠️ The ``errorType`` and the
    key order are from a user's report, not a capture of the payload.
    """
    return {"errorMessage": _RESPONSE_TOO_LARGE_MESSAGE, "errorType": RESPONSE_TOO_LARGE_TYPE}


@functools.lru_cache(maxsize=64)
def _log_stream(function_name: str, function_version: str, day_number: int) -> str:
    """One stream per execution environment: ``YYYY/MM/DD/[version]<32 hex>``,
    the same all day (``day_number``: days since the epoch, UTC)."""
    day = time.strftime("%Y/%m/%d", time.gmtime(day_number * 86400))
    instance = hashlib.sha256(f"{function_name}/{day}".encode()).hexdigest()[:32]
    return f"{day}/[{function_version}]{instance}"


@functools.lru_cache(maxsize=64)
def _function_arn(region: str, account_id: str, function_name: str) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"


@dataclass(frozen=True)
class CognitoIdentity:
    """``context.identity``: empty for calls that come through API Gateway."""

    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


_NO_IDENTITY = CognitoIdentity()  # frozen: one for every context


class LambdaContext:
    """The ``context`` a Python handler receives [D-PYCTX][RIC].

    ``clock`` is a callable returning the current time in epoch seconds
    (``time.time`` by default); pass your own to drive the function's time by
    hand. The deadline is ``started_at`` (the clock when the context is made,
    unless given) plus ``timeout`` seconds, and
    :meth:`get_remaining_time_in_millis` counts down to it as the runtime
    does: whole milliseconds, never below zero.

    As in the runtime, ``memory_limit_in_mb`` and ``function_version`` are
    strings (the runtime reads them from environment variables).
    """

    def __init__(
        self,
        *,
        aws_request_id: str,
        function_name: str = "handler",
        function_version: str = "$LATEST",
        memory_limit_in_mb: int | str = 128,
        timeout: float = 3.0,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        log_stream_name: str | None = None,
        clock: Callable[[], float] = time.time,
        started_at: float | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        self._clock = clock
        start = clock() if started_at is None else started_at
        self.timeout = float(timeout)
        self._deadline_ms = int((start + self.timeout) * 1000)
        self.aws_request_id = aws_request_id
        self.function_name = function_name
        self.function_version = function_version
        self.memory_limit_in_mb = str(memory_limit_in_mb)
        self.invoked_function_arn = _function_arn(region, account_id, function_name)
        self.log_group_name = f"/aws/lambda/{function_name}"
        if log_stream_name is None:
            log_stream_name = _log_stream(function_name, function_version, int(start // 86400))
        self.log_stream_name = log_stream_name
        self.identity = _NO_IDENTITY
        self.client_context: object = None

    @property
    def deadline_ms(self) -> int:
        """The deadline in epoch milliseconds, as Lambda hands it to the runtime."""
        return self._deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function times out, at least 0."""
        return max(self._deadline_ms - int(self._clock() * 1000), 0)

    def __repr__(self) -> str:
        return (
            f"LambdaContext(aws_request_id={self.aws_request_id!r},"
            f" function_name={self.function_name!r}, timeout={self.timeout!r})"
        )


@dataclass(frozen=True)
class Invocation:
    """What one synchronous invocation gave back to API Gateway.

    ``payload`` is the response payload bytes; ``function_error`` is
    ``"Unhandled"`` when the payload is an error (Lambda's
    ``X-Amz-Function-Error``), else ``None``. ``log`` is the function's log
    of the invocation (:func:`.environment.function_log`), when it ran.
    """

    request_id: str
    payload: bytes
    function_error: str | None = None
    log: str = ""

    @property
    def error(self) -> Mapping[str, Any] | None:
        """The error payload as a mapping, for a failed invocation."""
        if self.function_error is None:
            return None
        value = json.loads(self.payload)
        return value if isinstance(value, dict) else {"errorMessage": str(value)}


def _failed(request_id: str, payload: Mapping[str, object], *, runtime: str) -> Invocation:
    return Invocation(request_id, _dumps(payload, runtime=runtime), "Unhandled")


def timeout_invocation(*, request_id: str, timeout: float) -> Invocation:
    """The invocation of a function that timed out after ``timeout`` seconds."""
    compact = json.dumps(timeout_payload(request_id=request_id, timeout=timeout),
                         separators=(",", ":"))
    return Invocation(request_id, compact.encode("utf-8"), "Unhandled")


def invocation_from_result(
    result: object, *, request_id: str, runtime: str = DEFAULT_RUNTIME
) -> Invocation:
    """The invocation of a handler that returned ``result``.

    The runtime serialises it (:func:`serialize_result`); a value it cannot
    write becomes a ``Runtime.MarshalError`` function error, and a payload
    over :data:`MAX_PAYLOAD_BYTES` the service's response-too-large error.
    """
    try:
        payload = serialize_result(result, runtime=runtime)
    except MarshalError as exc:
        # A FaultException: no stack trace ([] in the payload) [RIC].
        error = {
            "errorMessage": str(exc),
            "errorType": _MARSHAL_ERROR_TYPE,
            "requestId": request_id,
            "stackTrace": [],
        }
        return _failed(request_id, error, runtime=runtime)
    if len(payload) > MAX_PAYLOAD_BYTES:
        compact = json.dumps(response_too_large_payload(), separators=(",", ":"))
        return Invocation(request_id, compact.encode("utf-8"), "Unhandled")
    return Invocation(request_id, payload)


def _exit_status(code: object) -> tuple[int, str]:
    """The process's exit status when ``SystemExit(code)`` ends it, and
    what the interpreter prints to stderr then: ``None`` is 0, an int is
    itself (modulo 256, as the system keeps it), anything else is printed
    and gives 1."""
    if code is None:
        return 0, ""
    if isinstance(code, int):
        return code & 0xFF, ""
    try:
        return 1, f"{code}\n"
    except Exception:  # a code whose __str__ fails: the interpreter prints nothing
        return 1, ""


def exit_payload(*, request_id: str, status: int) -> dict[str, str]:
    """What Lambda returns when the runtime process exits during the
    invocation (``sys.exit`` in a handler, an error the runtime cannot
    report): ``{"errorType":"Runtime.ExitError","errorMessage":"RequestId:
    <id> Error: Runtime exited with error: exit status 1"}``, compact, the
    type first; with exit status 0, ``Runtime exited without providing a
    reason`` [CAP-EXIT]."""
    reason = (
        "Runtime exited without providing a reason"
        if status == 0
        else f"Runtime exited with error: exit status {status}"
    )
    message = f"RequestId: {request_id} Error: {reason}"
    return {"errorType": EXIT_ERROR_TYPE, "errorMessage": message}


def _uncaught(failure: BaseException) -> str:
    """What the interpreter prints for an exception nothing catches, this
    module's frames (the runtime's own, on AWS) left out."""

    def prune(summary: traceback.TracebackException | None) -> None:
        while summary is not None:
            frames = [frame for frame in summary.stack if frame.filename != _HERE]
            summary.stack = traceback.StackSummary.from_list(frames)
            summary = summary.__context__ or summary.__cause__

    report = traceback.TracebackException(type(failure), failure, failure.__traceback__)
    prune(report)
    return "".join(report.format())


@dataclass(frozen=True)
class _Ran:
    """How the handler ended: ``result``, or the exception it raised."""

    result: object = None
    raised: BaseException | None = None


def _run(
    handler: Callable[[Any, LambdaContext], object],
    event: object,
    context: LambdaContext,
    returned: Callable[[], object] | None,
) -> _Ran:
    try:
        try:
            return _Ran(handler(event, context))
        finally:
            if returned is not None:
                returned()
    except (Exception, SystemExit) as exc:
        return _Ran(raised=exc)


def _close(value: object) -> None:
    if inspect.iscoroutine(value):  # spares the "never awaited" warning
        value.close()


def invoke(
    handler: Callable[[Any, LambdaContext], object],
    event: object,
    context: LambdaContext,
    *,
    runtime: str = DEFAULT_RUNTIME,
    returned: Callable[[], object] | None = None,
) -> Invocation:
    """Run ``handler(event, context)`` as the Python runtime would.

    The handler runs with an event loop of its own, current in its thread
    and not running, and what it writes and logs is kept for the function's
    log (:mod:`.environment`). ``returned``, when given, is called once the
    handler has returned or raised, before the deadline is checked: a caller
    that drives the context's clock by hand advances it there by the time
    the handler took; the REPORT line's duration is how far that clock moved.

    An ``Exception`` it raises becomes the runtime's error payload
    (:func:`error_payload`) and its ``[ERROR]`` log entry. ``SystemExit``
    ends the runtime's process: Lambda's ``Runtime.ExitError``
    (:func:`exit_payload`); so does an exception whose ``str()`` fails, as
    the runtime then fails itself. Other ``BaseException``\\ s
    (``KeyboardInterrupt``, pytest's own outcomes) propagate. When the
    context's clock shows no time left once the handler is done, the
    function is deemed to have run into its timeout and the result is
    Lambda's ``Sandbox.Timedout`` payload, whatever the handler did.

    The runtime does not await coroutines: an ``async def`` handler's
    coroutine cannot be serialised and gives ``Runtime.MarshalError``, as on
    AWS (it is closed here, to spare the "never awaited" warning).
    """
    started = context._clock()
    with capture(context.aws_request_id) as output, fresh_event_loop():
        ran = _run(handler, event, context, returned)
    elapsed_ms = (context._clock() - started) * 1000
    return _invocation(ran, context, output.text, elapsed_ms, runtime=runtime)


def _invocation(
    ran: _Ran, context: LambdaContext, output: str, elapsed_ms: float, *, runtime: str
) -> Invocation:
    """The invocation of a handler that ended as ``ran`` after writing
    ``output``, ``elapsed_ms`` on its clock, with the function's log."""
    request_id = context.aws_request_id

    def log(text: str, *, status: str | None = None, error_type: str | None = None) -> str:
        return function_log(
            request_id,
            text,
            duration_ms=elapsed_ms,
            memory_size=context.memory_limit_in_mb,
            version=context.function_version,
            status=status,
            error_type=error_type,
        )

    if context.get_remaining_time_in_millis() == 0:
        _close(ran.result)
        elapsed_ms = context.timeout * 1000  # Lambda stops it at the deadline
        failed = timeout_invocation(request_id=request_id, timeout=context.timeout)
        return replace(failed, log=log(output, status="timeout"))
    exc = ran.raised
    if exc is None:
        _close(ran.result)
        invocation = invocation_from_result(ran.result, request_id=request_id, runtime=runtime)
        error = invocation.error
        if error is not None and "stackTrace" in error:  # the runtime's own error
            return replace(invocation, log=log(output + error_log(dict(error))))
        return replace(invocation, log=log(output))
    if isinstance(exc, SystemExit):
        status, printed = _exit_status(exc.code)
        text = output + printed
    else:
        try:
            error = error_payload(exc, request_id=request_id)
        except Exception as failure:  # the runtime fails on str(exc) and exits
            if failure.__context__ is None:  # it was handling exc then
                failure.__context__ = exc
            status, text = 1, output + _uncaught(failure)
        else:
            failed = _failed(request_id, error, runtime=runtime)
            return replace(failed, log=log(output + error_log(error)))
    payload = json.dumps(exit_payload(request_id=request_id, status=status), separators=(",", ":"))
    crashed = Invocation(request_id, payload.encode("utf-8"), "Unhandled")
    return replace(crashed, log=log(text, status="error", error_type=EXIT_ERROR_TYPE))
