"""IAM (SigV4) authorization of a REST method (``authorizationType``
``AWS_IAM``), decided from the request against the credentials a test
declares (``iam=IamAuth(...)``).

The steps, each refusal one of the table's rows (reference-2 §1, §3, §4):

1. No ``Authorization`` header: 403 ``Missing Authentication Token``, the
   answer AWS gives an IAM method called unsigned (the ``route_not_found``
   row's bytes, MissingAuthenticationTokenException [CAP-MAT][BIZTRACK]).
   ⚠️ A presigned URL (``X-Amz-Signature`` in the query) is not verified
   here: it is answered as unsigned.
2. A value API Gateway cannot parse as SigV4 (another scheme, a bare token,
   a SigV4 value lacking a part or its date header): ``incomplete_signature``,
   its body rendered from the value [ISE-NEW][ISE-CRED].
3. An access key no credentials declare, or a session token
   (``x-amz-security-token``) that is not the key's (missing, extra or
   different): ``invalid_security_token``, "The security token included in
   the request is invalid." [SIG-TOKEN].
4. A credential scope for another region or service: ⚠️ "Credential should
   be scoped to a valid region. " (listed by one client test as an API
   Gateway body [id 69279427313], not captured) and "Credential should be
   scoped to correct service: 'execute-api'. " (the wording of other AWS
   SigV4 front doors), both as InvalidSignatureException.
5. A request time (``X-Amz-Date``, else ``Date``) more than 5 minutes from
   the gateway's clock: ⚠️ "Signature expired: <t> is now earlier than <t2>
   (<now> - 5 min.)" and "Signature not yet current: <t> is still later
   than <t2> (<now> + 5 min.)", seen on other AWS SigV4 front doors [id
   39827492116], not captured on execute-api; InvalidSignatureException.
6. A signature that is not the one botocore's signer computes with the
   key's secret, for the request's signed headers, scope and body:
   ``invalid_signature``, with the canonical request and string-to-sign
   rendered [SIG-MISMATCH].

⚠️ The order of steps 3 to 6 is inferred (no capture combines two faults).
A request that passes gets the caller in ``requestContext.identity``
(``accessKey``, ``accountId``, ``caller``, ``user``, ``userArn``), as the
REST proxy event documents them for IAM callers [D-PROXY].
"""

from __future__ import annotations

import calendar
import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import MappingProxyType
from typing import Any, Protocol

from ..errors import ApigwFaultError
from ..records import Incoming
from ..render import authorization_parts, not_sigv4
from ..table import SCENARIOS, Api, Scenario
from .config import Authorization
from .resource_policy import Policy, parse_policy

__all__ = ["IamAuth", "IamCredentials", "IamVerdict", "check_iam", "decide_iam"]

_NO_BOTOCORE = (
    "iam= verifies SigV4 signatures with botocore, which is not installed:"
    " pip install 'pytest-apigw-faults[sigv4]'"
)
#: How far a request's time may be from the gateway's clock, in seconds.
SKEW = 300
_STAMP = "%Y%m%dT%H%M%SZ"
_SERVICE = "execute-api"


@dataclass(frozen=True)
class IamCredentials:
    """One caller's credentials: its ``secret`` access key, its
    ``session_token`` (temporary credentials; ``None`` for an IAM user's
    long-term keys) and its ``principal`` ARN (``arn:aws:iam::<account>:user/
    <name>`` or ``arn:aws:sts::<account>:assumed-role/<role>/<session>``).
    ``user_id``: the principal's unique id (``AIDA…``, or ``AROA…:<session>``
    for a role), given to the handler as ``caller`` and ``user``.
    ``policy``: an identity policy the principal has (a dict or its JSON
    string, no ``Principal``), evaluated with the API's resource policy
    (see :mod:`.resource_policy`); ``None``: the principal may invoke any
    method (the method's IAM check alone decides)."""

    secret: str
    session_token: str | None = None
    principal: str = "arn:aws:iam::123456789012:user/test"
    user_id: str | None = None
    policy: Mapping[str, Any] | str | Policy | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.secret, str) or not self.secret:
            raise ApigwFaultError("IamCredentials secret= is the secret access key, a string")
        if self.session_token is not None and (
            not isinstance(self.session_token, str) or not self.session_token
        ):
            raise ApigwFaultError(
                f"IamCredentials session_token= is a string or None, got {self.session_token!r}"
            )
        parts = self.principal.split(":", 5) if isinstance(self.principal, str) else []
        if len(parts) != 6 or parts[0] != "arn" or parts[2] not in ("iam", "sts"):
            raise ApigwFaultError(
                "IamCredentials principal= is an IAM or STS ARN, e.g."
                f" 'arn:aws:iam::123456789012:user/alice', got {self.principal!r}"
            )
        if self.policy is not None:
            object.__setattr__(self, "policy", parse_policy(self.policy, "identity"))

    @property
    def identity_policy(self) -> Policy | None:
        """The checked ``policy``."""
        return self.policy if isinstance(self.policy, Policy) else None

    @property
    def account_id(self) -> str:
        """The principal's account."""
        return self.principal.split(":")[4]


@dataclass(frozen=True)
class IamAuth:
    """The method uses IAM authorization (``AWS_IAM``): each request must be
    SigV4-signed for ``execute-api`` with one of ``credentials`` (access key
    id → :class:`IamCredentials`). ``region``: the API's region; by default
    the execute-api URL's, else whatever region the request was signed for."""

    credentials: Mapping[str, IamCredentials]
    region: str | None = None

    def __post_init__(self) -> None:
        credentials = self.credentials
        if (
            not isinstance(credentials, Mapping)
            or not credentials
            or not all(
                isinstance(key, str) and key and isinstance(value, IamCredentials)
                for key, value in credentials.items()
            )
        ):
            raise ApigwFaultError(
                "IamAuth takes a dict of access key ids to IamCredentials(secret=...,"
                f" session_token=..., principal=...), got {credentials!r}"
            )
        if self.region is not None and (not isinstance(self.region, str) or not self.region):
            raise ApigwFaultError(f"IamAuth region= is a region name or None, got {self.region!r}")
        object.__setattr__(self, "credentials", MappingProxyType(dict(credentials)))


class _Checked(Protocol):
    api: Api | None


def check_iam(value: object, context: _Checked) -> IamAuth:
    """``value``, the ``iam=`` of a fault (``context.api``), checked."""
    if not isinstance(value, IamAuth):
        raise ApigwFaultError(
            "iam= takes IamAuth({access key id: IamCredentials(secret=..., principal=...)},"
            f" region=None); got {value!r}"
        )
    if context.api is not Api.REST:
        raise ApigwFaultError(
            "iam= needs api='rest': the IAM refusals of the table are REST API answers"
        )
    import importlib.util

    if importlib.util.find_spec("botocore") is None:
        raise ApigwFaultError(_NO_BOTOCORE)
    return value


@dataclass(frozen=True)
class IamVerdict:
    """What IAM decided of one request: ``row`` refuses it (``None``: it
    passes, with ``identity`` for the event's ``requestContext.identity``)."""

    authorization: Authorization
    row: Scenario | None = None
    identity: Mapping[str, Any] | None = None


def _variant(name: str, message: str, note: str) -> Scenario:
    """The ``name`` row with another message: an answer the table's row stands for."""
    row = SCENARIOS[(name, Api.REST)]
    body = ('{"message":"' + message.replace('"', '\\"') + '"}').encode()
    return dataclasses.replace(row, body=body, message=message, renders=None, note=note)


def _refused(row: Scenario, reason: str, key: str | None = None) -> IamVerdict:
    return IamVerdict(
        Authorization("AWS_IAM", "deny", None if key is None else (key,), reason=reason), row
    )


def _signed_at(request: Incoming) -> float | None:
    """The request's time: ``X-Amz-Date``, else ``Date``; ``None``: unreadable."""
    stamp = request.header("X-Amz-Date")
    try:
        if stamp is not None:
            return float(calendar.timegm(time.strptime(stamp, _STAMP)))
        value = request.header("Date")
        return None if value is None else parsedate_to_datetime(value).timestamp()
    except (ValueError, TypeError, OverflowError):
        return None


def _skewed(request: Incoming, arrived_at: float) -> str | None:
    """The message for a request time more than :data:`SKEW` from the clock."""
    at = _signed_at(request)
    if at is None:
        return None

    def stamp(moment: float) -> str:
        return time.strftime(_STAMP, time.gmtime(moment))

    if at < arrived_at - SKEW:
        return (
            f"Signature expired: {stamp(at)} is now earlier than {stamp(arrived_at - SKEW)}"
            f" ({stamp(arrived_at)} - 5 min.)"
        )
    if at > arrived_at + SKEW:
        return (
            f"Signature not yet current: {stamp(at)} is still later than"
            f" {stamp(arrived_at + SKEW)} ({stamp(arrived_at)} + 5 min.)"
        )
    return None


def _scope_refusal(scope: list[str], region: str | None) -> str | None:
    if len(scope) != 5:
        return "Credential should be scoped to a valid region. "
    if scope[3] != _SERVICE:
        return f"Credential should be scoped to correct service: '{_SERVICE}'. "
    if region is not None and scope[2] != region:
        return "Credential should be scoped to a valid region. "
    return None


_INFERRED = "⚠️ Not captured on execute-api: the wording of other AWS SigV4 front doors."


def decide_iam(
    iam: IamAuth, incoming: Incoming, arrived_at: float, url_region: str | None
) -> IamVerdict:
    """IAM's decision for ``incoming`` at ``arrived_at`` (see the module);
    ``url_region`` is the execute-api URL's region, if it has one."""
    if incoming.header("Authorization") is None:
        row = dataclasses.replace(
            SCENARIOS[("route_not_found", Api.REST)],
            cause="An IAM-authorized method got a request without an Authorization header.",
        )
        return _refused(row, "no Authorization header")
    if not_sigv4(incoming):
        return _refused(SCENARIOS[("incomplete_signature", Api.REST)], "not a SigV4 value")
    parts = authorization_parts(incoming.header("Authorization"))
    scope = parts["Credential"].split("/")
    key = scope[0]
    found = iam.credentials.get(key)
    token = incoming.header("X-Amz-Security-Token")
    if found is None or token != found.session_token:
        reason = "unknown access key" if found is None else "session token not the key's"
        return _refused(SCENARIOS[("invalid_security_token", Api.REST)], reason, key)
    region = iam.region or url_region
    message = _scope_refusal(scope, region)
    if message is not None:
        return _refused(_variant("invalid_signature", message, _INFERRED), message.strip(), key)
    if (message := _skewed(incoming, arrived_at)) is not None:
        return _refused(_variant("invalid_signature", message, _INFERRED), message, key)
    from .._sigv4 import signature

    signed = tuple(name for name in parts.get("SignedHeaders", "").split(";") if name)
    expected = signature(incoming, signed, (scope[2], scope[3]), found.secret, arrived_at)
    if expected != parts.get("Signature"):
        return _refused(SCENARIOS[("invalid_signature", Api.REST)], "signature mismatch", key)
    identity = {
        "accessKey": key,
        "accountId": found.account_id,
        "caller": found.user_id,
        "user": found.user_id,
        "userArn": found.principal,
    }
    return IamVerdict(
        Authorization("AWS_IAM", "allow", (key,), principal_id=found.principal),
        identity=MappingProxyType(identity),
    )
