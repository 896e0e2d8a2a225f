"""Auth decisions as API Gateway makes them, before the integration runs:
what an authorizer is (:mod:`.config`), where its identity comes from
(:mod:`.identity`), how its IAM policy is evaluated (:mod:`.policy`), and
API keys with their usage plans (:mod:`.keys`).
Pure decisions: nothing here invokes a handler (see ``_lambda.authorizer``).
"""

from __future__ import annotations

from .cognito import CognitoAuthorizer
from .config import Authorization, LambdaAuthorizer
from .iam import IamAuth
from .identity import IdentitySource, parse_identity_sources
from .jwt import JwtAuthorizer
from .jwt_keys import JwtKeys
from .keys import ApiKeys
from .policy import PolicyError, evaluate, method_arn

#: The types the auth arguments of a fault take, by name: what the declared
#: arguments' annotations name (``_core.arguments``).
ARGUMENT_TYPES: dict[str, type] = {
    "LambdaAuthorizer": LambdaAuthorizer,
    "JwtAuthorizer": JwtAuthorizer,
    "CognitoAuthorizer": CognitoAuthorizer,
    "ApiKeys": ApiKeys,
    "IamAuth": IamAuth,
}

__all__ = [
    "ARGUMENT_TYPES",
    "Authorization",
    "CognitoAuthorizer",
    "IdentitySource",
    "JwtAuthorizer",
    "JwtKeys",
    "LambdaAuthorizer",
    "PolicyError",
    "evaluate",
    "method_arn",
    "parse_identity_sources",
]
