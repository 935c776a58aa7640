"""Pure builders of what a workflow's schedule needs: the scheduler role's trust and policy,
the starter's statements and the schedule target's input (no Pulumi).

The scheduler may only invoke this workflow's schedule starter (and dead-letter to its queue);
the starter may only start this workflow (docs/aws-facts.md, "EventBridge Scheduler").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from ..lambdas import contract
from .iam_policies import PolicyDocument, document, statement

SCHEDULER_SERVICE: Final = "scheduler.amazonaws.com"
#: The schedule group every workflow schedule is created in.
SCHEDULE_GROUP: Final = "default"
#: The context attribute Scheduler replaces with the invocation's scheduled time.
SCHEDULED_TIME_ATTRIBUTE: Final = "<aws.scheduler.scheduled-time>"


def schedule_group_arn(partition: str, region: str, account_id: str) -> str:
    """ARN of the schedule group the schedules are in (the trust policy's ``aws:SourceArn``)."""
    return f"arn:{partition}:scheduler:{region}:{account_id}:schedule-group/{SCHEDULE_GROUP}"


def scheduler_assume_role_policy(account_id: str, group_arn: str) -> PolicyDocument:
    """Trust for EventBridge Scheduler, only for schedules of this account's schedule group:
    the confused-deputy conditions AWS documents for ``scheduler.amazonaws.com``."""
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Service": SCHEDULER_SERVICE},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id, "aws:SourceArn": group_arn}
            },
        }
    )


def scheduler_role_policy(starter_arn: str, dead_letter_queue_arn: str) -> PolicyDocument:
    """Invoke this workflow's starter and no other function; dead-letter to its queue."""
    return document(
        statement("InvokeTheScheduleStarter", ["lambda:InvokeFunction"], [starter_arn]),
        statement("ScheduleDeadLetters", ["sqs:SendMessage"], [dead_letter_queue_arn]),
    )


def starter_statements(
    kind: str, target_arn: str, dead_letter_queue_arn: str
) -> list[dict[str, Any]]:
    """What the starter may do: start this state machine's executions, or invoke this durable
    function's alias; and dead-letter its failed invocations to the schedule's queue."""
    actions = {
        contract.KIND_SFN: "states:StartExecution",
        contract.KIND_DURABLE: "lambda:InvokeFunction",
    }
    if kind not in actions:
        raise ValueError(f"unknown schedule target kind {kind!r}")
    return [
        statement("StartTheWorkflow", [actions[kind]], [target_arn]),
        statement("ScheduleDeadLetters", ["sqs:SendMessage"], [dead_letter_queue_arn]),
    ]


def schedule_target_input(
    start_type: str | None, run_input: Mapping[str, Any] | None = None
) -> str:
    """The starter's payload: the scheduled time (substituted by Scheduler), the start type
    (none: the run's input does not name one) and the rest of the run's input, if any."""
    payload: dict[str, Any] = {contract.PAYLOAD_SCHEDULED_TIME: SCHEDULED_TIME_ATTRIBUTE}
    if start_type is not None:
        payload[contract.PAYLOAD_START_TYPE] = start_type
    if run_input:
        payload[contract.PAYLOAD_INPUT] = dict(run_input)
    return json.dumps(payload, sort_keys=True)
