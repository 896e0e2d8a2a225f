"""Which rows of the table one route of an API can give: the scenario
matrix of *this* API.

A row is reachable when the route has what the row needs: an authorizer
for ``unauthorized`` (a JWT authorizer for ``jwt_rejected``, a Lambda
authorizer for ``authorizer_configuration_error``), a required API key for
``invalid_api_key`` (a plan with a quota for ``quota_exceeded``), IAM for
the signature rows, a resource policy for ``resource_policy_denied``, a
request model for ``bad_request_body``, required parameters for
``bad_request_parameters``. ``access_denied`` needs an authorizer whose
answer can deny: a Lambda authorizer's policy, or a JWT authorizer's
scopes. Rows no route of a template gives are left out: routing misses
(``route_not_found``, ``stage_not_found``, ``bad_request_path``,
``preflight_not_found``: the gateway's, before any route), a custom domain's
``base_path_not_mapped``, a disabled default endpoint, and ``waf_filtered``
(no web ACL is declared). Every other row (the Lambda's failures, the
stage's throttle, the size limits) any route can give, on the rows' endpoint
types (``request_too_large`` is CloudFront's, an edge API's).
"""

from __future__ import annotations

from collections.abc import Iterable

from .table import SCENARIOS, Api, Endpoint, Scenario

__all__ = ["NEEDS", "NEVER", "reachable"]

#: What a route needs to give each row (any one of the named features).
NEEDS: dict[str, frozenset[str]] = {
    "unauthorized": frozenset({"lambda_authorizer", "jwt", "cognito"}),
    "jwt_rejected": frozenset({"jwt"}),
    "access_denied": frozenset({"lambda_authorizer", "jwt_scopes"}),
    "authorizer_configuration_error": frozenset({"lambda_authorizer"}),
    "invalid_api_key": frozenset({"api_key"}),
    "quota_exceeded": frozenset({"quota"}),
    "incomplete_signature": frozenset({"iam"}),
    "invalid_signature": frozenset({"iam"}),
    "invalid_security_token": frozenset({"iam"}),
    "resource_policy_denied": frozenset({"resource_policy"}),
    "bad_request_body": frozenset({"request_model"}),
    "bad_request_parameters": frozenset({"required_parameters"}),
}
#: Rows no route gives: the gateway's own answers before any route, and
#: what a template does not declare.
NEVER = frozenset({
    "route_not_found", "stage_not_found", "bad_request_path", "preflight_not_found",
    "base_path_not_mapped", "default_endpoint_disabled", "waf_filtered",
})


def reachable(api: Api, endpoint: Endpoint, features: Iterable[str]) -> tuple[Scenario, ...]:
    """The rows of ``api`` on ``endpoint`` a route with ``features`` can
    give, in table order."""
    has = frozenset(features)
    return tuple(
        row
        for (name, kind), row in SCENARIOS.items()
        if kind is api
        and endpoint in row.endpoint_types
        and name not in NEVER
        and (name not in NEEDS or NEEDS[name] & has)
    )
