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
    "states:SendTaskSuccess": "resume a waiting execution; the task token is the capability "
    "and Step Functions has no resource-level permission for it",
    "states:SendTaskFailure": "fail a waiting execution with the DMS error; the task token is the "
    "capability and Step Functions has no resource-level permission for it",
    "states:SendTaskHeartbeat": "keep a long wait alive (reconciler); the task token is the "
    "capability and Step Functions has no resource-level permission for it",
}

SFN_LOG_DELIVERY_ACTIONS: Final[list[str]] = [a for a in WILDCARD_ACTIONS if a.startswith("logs:")]
XRAY_ACTIONS: Final[list[str]] = [a for a in WILDCARD_ACTIONS if a.startswith("xray:")]
#: What a Lambda function with active tracing sends (the sampling actions are the daemon's).
LAMBDA_XRAY_ACTIONS: Final[list[str]] = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
#: What a function needs in its own log group (the group itself is created by the component).
LAMBDA_LOG_ACTIONS: Final[list[str]] = ["logs:CreateLogStream", "logs:PutLogEvents"]


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


#: Services whose documentation shows ``aws:SourceAccount`` in the trust policy of the role
#: they assume (docs/aws-facts.md, "IAM trust policies"): Step Functions. Lambda is not one: AWS
#: documents its execution role's trust policy without a condition, and a condition there has
#: broken function creation in a recorded run.
SOURCE_ACCOUNT_SERVICES: Final = frozenset({"states.amazonaws.com"})


def service_assume_role_policy(service: str, account_id: str | None = None) -> PolicyDocument:
    """Trust policy for an AWS service principal.

    For a service in ``SOURCE_ACCOUNT_SERVICES`` it is limited to calls made for our own
    account (``account_id``): ``aws:SourceAccount`` stops another account's state machine from
    using the role through the service (the confused-deputy problem).
    """
    trust: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if service in SOURCE_ACCOUNT_SERVICES:
        if account_id is None:
            raise ValueError(f"{service}'s trust policy names the account: pass account_id")
        trust["Condition"] = {"StringEquals": {"aws:SourceAccount": account_id}}
    return document(trust)


def start_task_statement(replication_task_arn: str) -> dict[str, Any]:
    """Start (or resume, or reload) one DMS task, and no other."""
    return statement(
        "StartTheReplicationTask", ["dms:StartReplicationTask"], [replication_task_arn]
    )


def describe_tasks_statement() -> dict[str, Any]:
    """Read replication tasks (no resource-level permission exists: see WILDCARD_ACTIONS)."""
    return statement("DescribeReplicationTasks", ["dms:DescribeReplicationTasks"], "*")


def polling_state_machine_policy(
    replication_task_arn: str, can_start: bool, tracing: bool
) -> PolicyDocument:
    """The polling baseline's role policy: start one task, describe, log, optionally trace."""
    statements = []
    if can_start:
        statements.append(start_task_statement(replication_task_arn))
    statements.append(describe_tasks_statement())
    statements.append(statement("ExecutionLogging", SFN_LOG_DELIVERY_ACTIONS, "*"))
    if tracing:
        statements.append(statement("Tracing", XRAY_ACTIONS, "*"))
    return document(*statements)


# -- the callback pattern ---------------------------------------------------------------------


def callback_state_machine_policy(starter_function_arn: str, tracing: bool) -> PolicyDocument:
    """The callback state machine's role policy: invoke its starter, log, optionally trace.

    The qualified form (``function:NAME:*``) covers a version or alias, should the definition
    ever name one; nothing else of Lambda is reachable.
    """
    statements = [
        statement(
            "InvokeTheStarter",
            ["lambda:InvokeFunction"],
            [starter_function_arn, f"{starter_function_arn}:*"],
        ),
        statement("ExecutionLogging", SFN_LOG_DELIVERY_ACTIONS, "*"),
    ]
    if tracing:
        statements.append(statement("Tracing", XRAY_ACTIONS, "*"))
    return document(*statements)


def lambda_function_policy(
    statements: list[dict[str, Any]], log_group_arn: str, tracing: bool = False
) -> PolicyDocument:
    """A handler's whole role policy: ``statements`` plus writing to its own log group only.

    Replaces the managed AWSLambdaBasicExecutionRole, which may create and write any log group
    of the account.
    """
    extra = [statement("OwnLogGroup", LAMBDA_LOG_ACTIONS, [f"{log_group_arn}:*"])]
    if tracing:
        extra.append(statement("Tracing", LAMBDA_XRAY_ACTIONS, "*"))
    return document(*statements, *extra)


def starter_statements(
    table_arn: str, replication_task_arn: str, can_start: bool
) -> list[dict[str, Any]]:
    """The starter's permissions: register its waiter (a conditional put; on a conflict it reads
    the item to tell its own retry from another execution), mark it started, remove it when the
    start fails, and start its one task, describing it first (start type ``auto``, which any
    run may ask for)."""
    statements = [
        statement(
            "RegisterWaiter",
            ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            [table_arn],
        ),
    ]
    if can_start:
        statements.append(start_task_statement(replication_task_arn))
        statements.append(describe_tasks_statement())
    return statements


def resume_statements(table_arn: str, dead_letter_queue_arn: str) -> list[dict[str, Any]]:
    """The resume Lambda's permissions: look a waiter up and clear it, read the task's real
    status, complete the waiting execution, and dead-letter an event it failed on."""
    return [
        statement("ReadAndClearWaiters", ["dynamodb:GetItem", "dynamodb:DeleteItem"], [table_arn]),
        describe_tasks_statement(),
        statement(
            "CompleteWaitingExecutions", ["states:SendTaskSuccess", "states:SendTaskFailure"], "*"
        ),
        # Lambda's own dead-letter queue for async invocations that failed every retry.
        statement("DeadLetterQueue", ["sqs:SendMessage"], [dead_letter_queue_arn]),
    ]


def reconciler_statements(table_arn: str) -> list[dict[str, Any]]:
    """The reconciler's permissions: list every waiter, read the task's real status, complete
    finished waits, heartbeat running ones (and note when on the waiter) and clear what is
    done."""
    return [
        statement(
            "ScanAndClearWaiters",
            ["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            [table_arn],
        ),
        describe_tasks_statement(),
        statement(
            "CompleteAndHeartbeatWaitingExecutions",
            ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
            "*",
        ),
    ]


# -- callback URLs ------------------------------------------------------------------------------


def callback_url_statements(table_arn: str, secret_arn: str) -> list[dict[str, Any]]:
    """The URL endpoint's permissions: read and consume a URL waiter (and put it back when the
    resume failed retryably), read the signing key, resume or heartbeat the execution."""
    return [
        statement(
            "ConsumeUrlWaiters",
            ["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem"],
            [table_arn],
        ),
        statement("ReadTheSigningKey", ["secretsmanager:GetSecretValue"], [secret_arn]),
        statement(
            "ResumeWaitingExecutions",
            ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
            "*",
        ),
    ]


def url_starter_statements(
    table_arn: str, secret_arn: str, job_function_arn: str
) -> list[dict[str, Any]]:
    """The URL starter's permissions: register (and on failure remove) its waiter, read the
    signing key or store the generated one, and invoke the user's job function."""
    return [
        statement(
            "RegisterWaiter",
            ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            [table_arn],
        ),
        statement(
            "ReadOrCreateTheSigningKey",
            ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
            [secret_arn],
        ),
        statement("InvokeTheJob", ["lambda:InvokeFunction"], [job_function_arn]),
    ]


DURABLE_CALLBACK_ACTIONS: Final[list[str]] = [
    "lambda:SendDurableExecutionCallbackSuccess",
    "lambda:SendDurableExecutionCallbackFailure",
    "lambda:SendDurableExecutionCallbackHeartbeat",
]


def durable_callback_statements(function_arn: str) -> list[dict[str, Any]]:
    """Complete (and heartbeat) the callbacks of one durable function's executions.

    The resource is ``function:NAME:VERSION/durable-execution/...``: ``<unqualified ARN>:*``
    covers every version and alias of that one function and nothing else.
    """
    return [
        statement("CompleteDurableCallbacks", DURABLE_CALLBACK_ACTIONS, [f"{function_arn}:*"]),
    ]


#: What a durable function's own role needs to run it: record each operation's result and read
#: back the execution's state on replay (the two actions of the managed policy
#: AWSLambdaBasicDurableExecutionRolePolicy, without its logs:* on every log group).
DURABLE_EXECUTION_ACTIONS: Final[list[str]] = [
    "lambda:CheckpointDurableExecution",
    "lambda:GetDurableExecutionState",
]


def durable_execution_statements(function_arn: str) -> list[dict[str, Any]]:
    """Run the durable executions of one function (its own role): checkpoint and read state.

    Scoped like ``durable_callback_statements``: ``<unqualified ARN>:*`` is every version and
    alias of that function, whose executions are ``function:NAME:VERSION/durable-execution/...``.
    """
    return [
        statement("OwnDurableExecutions", DURABLE_EXECUTION_ACTIONS, [f"{function_arn}:*"]),
    ]


def durable_waiter_statements(
    replication_task_arn: str, can_start: bool, table_arn: str | None
) -> list[dict[str, Any]]:
    """The durable waiter's DMS and waiter-table permissions (its own executions and log group
    are added by the function's wiring).

    In callback mode (``table_arn`` given) what the starter needs: register the waiter before
    starting the task (describing it first for ``auto``), remove it after a failed start or a
    timeout; a wait-only callback function never describes (the hub's resume path does). In poll
    mode the start and ``DescribeReplicationTasks``.
    """
    if table_arn is not None:
        return starter_statements(table_arn, replication_task_arn, can_start)
    statements = [start_task_statement(replication_task_arn)] if can_start else []
    statements.append(describe_tasks_statement())
    return statements


def dead_letter_queue_policy(queue_arn: str, rule_arn: str) -> PolicyDocument:
    """The DLQ's resource policy: only EventBridge, and only for the hub's rule, may send."""
    return document(
        {
            "Sid": "EventBridgeRuleDeadLetters",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
        }
    )
