"""The polling pattern's state machine definitions and IAM policies pass every check."""

from __future__ import annotations

from typing import Any

import pytest

from dms_waiters.definitions.polling import build_polling_definition
from dms_waiters.documents import iam_policies
from dms_waiters.polling import polling_spec_from_args
from tests.checks import (
    asl_validator_errors,
    policy_errors,
    sdk_integration_errors,
    statelint_errors,
    wildcard_actions,
)
from tests.checks.iam import action_arn_formats
from tests.components.conftest import LOG_DELIVERY_ACTIONS, XRAY_ACTIONS

TASK_ARN = "arn:aws:dms:eu-west-1:210987654321:task:ORDERS7XQ2ABCDEFGHIJKLMNOP"

#: Argument combinations that change the definition's shape.
ARGUMENT_CASES: dict[str, dict[str, Any]] = {
    "defaults": {},
    "start-type-none": {"start_type": "none"},
    "resume-processing": {"start_type": "resume-processing"},
    "backoff-off": {"backoff": False, "poll_interval_seconds": 300, "timeout_seconds": 86400},
    # The doubled interval already exceeds the cap: no grow rule.
    "no-room-to-grow": {"poll_interval_seconds": 400, "max_poll_interval_seconds": 600},
    "custom-success-reasons": {
        "success_stop_reasons": ["NORMAL", "Stop Reason FULL_LOAD_ONLY_FINISHED"],
    },
}

CHECKS = {
    "asl-validator": asl_validator_errors,
    "statelint": statelint_errors,
    "aws-sdk": sdk_integration_errors,
}


def definition_for(case: str) -> dict[str, Any]:
    args = {"replication_task_arn": TASK_ARN, **ARGUMENT_CASES[case]}
    return build_polling_definition(polling_spec_from_args("orders", args), partition="aws")  # type: ignore[arg-type]


@pytest.mark.parametrize("check", sorted(CHECKS))
@pytest.mark.parametrize("case", sorted(ARGUMENT_CASES))
def test_polling_definition_passes(case: str, check: str) -> None:
    assert CHECKS[check](definition_for(case)) == []


def test_argument_cases_build_different_definitions() -> None:
    # Otherwise a case would test nothing new.
    definitions = [definition_for(case) for case in ARGUMENT_CASES]
    assert all(d != e for i, d in enumerate(definitions) for e in definitions[i + 1 :])


@pytest.mark.parametrize("tracing", [False, True], ids=["no-tracing", "tracing"])
@pytest.mark.parametrize("can_start", [False, True], ids=["wait-only", "can-start"])
def test_polling_policy_passes(can_start: bool, tracing: bool) -> None:
    document = iam_policies.polling_state_machine_policy(TASK_ARN, can_start, tracing)
    assert policy_errors(document) == []


@pytest.mark.parametrize("tracing", [False, True], ids=["no-tracing", "tracing"])
@pytest.mark.parametrize("can_start", [False, True], ids=["wait-only", "can-start"])
def test_polling_policy_wildcards_are_exactly_the_documented_exceptions(
    can_start: bool, tracing: bool
) -> None:
    document = iam_policies.polling_state_machine_policy(TASK_ARN, can_start, tracing)
    expected = {"dms:DescribeReplicationTasks", *LOG_DELIVERY_ACTIONS}
    if tracing:
        expected |= set(XRAY_ACTIONS)
    assert wildcard_actions(document) == expected


def test_polling_wildcards_are_documented_exceptions() -> None:
    # The complete list, every pattern's, is stated in tests/test_callback_checks.py.
    polling = {"dms:DescribeReplicationTasks", *LOG_DELIVERY_ACTIONS, *XRAY_ACTIONS}
    assert polling <= set(iam_policies.WILDCARD_ACTIONS)


@pytest.mark.parametrize("action", sorted(iam_policies.WILDCARD_ACTIONS))
def test_wildcard_action_has_no_resource_type(action: str) -> None:
    # The reason they may be granted on "*": AWS's authorization data lists no resource type.
    assert action_arn_formats(action) == ()


def test_polling_trust_policy_passes() -> None:
    trust = iam_policies.service_assume_role_policy("states.amazonaws.com", "210987654321")
    assert policy_errors(trust) == []
