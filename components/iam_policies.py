"""Pure builders of the IAM policy documents the components attach (plain dicts, no Pulumi).

Every statement is scoped to the ARNs it needs. ``WILDCARD_ACTIONS`` is the complete list of
actions that get ``Resource: "*"`` and why; a test checks that nothing else does and, against
AWS's service authorization data, that each of these really has no resource-level permission.
"""

from __future__ import annotations

from typing import Any, Final

PolicyDocument = dict[str, Any]

#: Actions that AWS only authorises on ``*``, with the reason we need them.
WILDCARD_ACTIONS: Final[dict[str, str]] = {
    "dms:DescribeReplicationTasks": "read the task's status; DMS has no resource-level "
    "permission for Describe* (the Filters parameter narrows it to the task)",
    "logs:CreateLogDelivery": "Step Functions execution logging (vended logs API)",
    "logs:GetLogDelivery": "Step Functions execution logging (vended logs API)",
    "logs:UpdateLogDelivery": "Step Functions execution logging (vended logs API)",
    "logs:DeleteLogDelivery": "Step Functions execution logging (vended logs API)",
    "logs:ListLogDeliveries": "Step Functions execution logging (vended logs API)",
    "logs:PutResourcePolicy": "Step Functions execution logging (vended logs API)",
    "logs:DescribeResourcePolicies": "Step Functions execution logging (vended logs API)",
    "logs:DescribeLogGroups": "Step Functions execution logging (vended logs API)",
    "xray:PutTraceSegments": "X-Ray tracing, only when tracing is on",
    "xray:PutTelemetryRecords": "X-Ray tracing, only when tracing is on",
    "xray:GetSamplingRules": "X-Ray tracing, only when tracing is on",
    "xray:GetSamplingTargets": "X-Ray tracing, only when tracing is on",
}

SFN_LOG_DELIVERY_ACTIONS: Final[list[str]] = [a for a in WILDCARD_ACTIONS if a.startswith("logs:")]
XRAY_ACTIONS: Final[list[str]] = [a for a in WILDCARD_ACTIONS if a.startswith("xray:")]


def document(*statements: dict[str, Any]) -> PolicyDocument:
    """Wrap statements in a policy document."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def statement(sid: str, actions: list[str], resources: list[str] | str) -> dict[str, Any]:
    """One Allow statement; ``resources`` may be ``"*"`` only for ``WILDCARD_ACTIONS``."""
    if resources == "*":
        scoped = [a for a in actions if a not in WILDCARD_ACTIONS]
        if scoped:
            raise ValueError(f"{sid}: {scoped} support resource-level permissions; scope them")
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


def service_assume_role_policy(service: str, account_id: str) -> PolicyDocument:
    """Trust policy for an AWS service principal, limited to calls made for our own account.

    ``aws:SourceAccount`` stops another account's state machine or function from using the role
    through the service (the confused-deputy problem).
    """
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )


def polling_state_machine_policy(
    replication_task_arn: str, can_start: bool, tracing: bool
) -> PolicyDocument:
    """The polling baseline's role policy: start one task, describe, log, optionally trace."""
    statements = []
    if can_start:
        statements.append(
            statement(
                "StartTheReplicationTask", ["dms:StartReplicationTask"], [replication_task_arn]
            )
        )
    statements.append(statement("DescribeReplicationTasks", ["dms:DescribeReplicationTasks"], "*"))
    statements.append(statement("ExecutionLogging", SFN_LOG_DELIVERY_ACTIONS, "*"))
    if tracing:
        statements.append(statement("Tracing", XRAY_ACTIONS, "*"))
    return document(*statements)
