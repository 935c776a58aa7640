"""What a parent's role needs, exactly, and nothing the checks refuse."""

from __future__ import annotations

import pytest

from dms_waiters.documents import iam_policies
from dms_waiters.documents.parent_policies import (
    chained_invoke_statements,
    nested_execution_statements,
)
from tests.checks import policy_errors, wildcard_actions

WAITER = "arn:aws-us-gov:states:us-gov-west-1:210987654321:stateMachine:orders-sm-1a2b3c4"
ALIAS = "arn:aws:lambda:eu-west-1:210987654321:function:orders-waiter-1a2b3c4:live"


def test_nested_execution_statements_are_exact() -> None:
    assert nested_execution_statements(WAITER) == [
        {
            "Sid": "StartDmsWaiter",
            "Effect": "Allow",
            "Action": ["states:StartExecution"],
            "Resource": [WAITER],
        },
        {
            "Sid": "ManageDmsWaiterExecutions",
            "Effect": "Allow",
            "Action": ["states:DescribeExecution", "states:StopExecution"],
            "Resource": [
                "arn:aws-us-gov:states:us-gov-west-1:210987654321:execution:orders-sm-1a2b3c4:*"
            ],
        },
        {
            "Sid": "SyncExecutionEventsRule",
            "Effect": "Allow",
            "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            "Resource": [
                "arn:aws-us-gov:events:us-gov-west-1:210987654321:rule/"
                "StepFunctionsGetEventsForStepFunctionsExecutionRule"
            ],
        },
    ]


def test_chained_invoke_statement_is_exact() -> None:
    assert chained_invoke_statements(ALIAS) == [
        {
            "Sid": "InvokeDmsDurableWaiter",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [ALIAS],
        }
    ]


@pytest.mark.parametrize(
    "document",
    [
        iam_policies.document(*nested_execution_statements(WAITER)),
        iam_policies.document(*chained_invoke_statements(ALIAS)),
    ],
)
def test_parent_policies_pass_the_checks_with_no_wildcard(document: dict[str, object]) -> None:
    assert policy_errors(document) == []
    assert wildcard_actions(document) == set()


@pytest.mark.parametrize(
    ("build", "arn"),
    [
        (nested_execution_statements, "arn:aws:states:eu-west-1:1:activity:x"),
        (chained_invoke_statements, ALIAS.rsplit(":", 1)[0]),
        (chained_invoke_statements, WAITER),
    ],
)
def test_wrong_arns_are_refused(build: object, arn: str) -> None:
    with pytest.raises(ValueError):
        build(arn)  # type: ignore[operator]
