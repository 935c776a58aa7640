"""Pure builder of the polling baseline's state machine (Amazon States Language, JSONPath).

Plain data in, a dict out, no Pulumi: the component serialises it, the tests lint it and run it
in the emulator. The loop is Wait -> Tally -> Describe -> Evaluate: four transitions per poll,
because JSONPath has no way to update a counter without a Pass state, and the counter is what
makes the deadline hold on AWS and on the emulator's virtual clock alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .lambdas import dms_status as dms

SDK_START = "arn:aws:states:::aws-sdk:databasemigration:startReplicationTask"
SDK_DESCRIBE = "arn:aws:states:::aws-sdk:databasemigration:describeReplicationTasks"

# Step Functions names aws-sdk errors "<Service>.<Exception>". AWS uses the Java SDK's class
# names (ResourceNotFoundException); the emulator derives them from botocore's shape names
# (ResourceNotFoundFault -> ResourceNotFoundFaultException). Match both spellings.
NOT_FOUND_ERRORS = [
    "DatabaseMigration.ResourceNotFoundException",
    "DatabaseMigration.ResourceNotFoundFaultException",
]
# Throttling and transient faults surface as the service's base exception or the SDK client's.
TRANSIENT_ERRORS = [
    "DatabaseMigration.ThrottlingException",
    "DatabaseMigration.DatabaseMigrationException",
    "DatabaseMigration.SdkClientException",
    "States.Timeout",
]

# Defaults merged under the described task so every later path exists even when DMS omits a
# field (a running task has no StopReason): a missing JSONPath is a runtime error in ASL.
_TASK_DEFAULTS = '{"StopReason": "", "LastFailureMessage": "", "ReplicationTaskStats": {}}'

# Slack added to the overall deadline for the execution-level TimeoutSeconds backstop.
_BACKSTOP_SLACK_SECONDS = 3600

# Where the described task lives in the state between Describe and the end.
TASK = "$.described.task"


@dataclass(frozen=True)
class PollingSpec:
    """Everything the polling definition depends on; validated by ``validate``."""

    replication_task_arn: str
    start_type: str = "start-replication"
    poll_interval_seconds: int = 60
    max_poll_interval_seconds: int = 600
    backoff: bool = True
    timeout_seconds: int = 7 * 24 * 3600
    success_stop_reasons: Sequence[str] = field(
        default_factory=lambda: list(dms.DEFAULT_SUCCESS_STOP_REASONS)
    )


def _retry(errors: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "ErrorEquals": errors,
            "IntervalSeconds": 2,
            "BackoffRate": 2.0,
            "MaxAttempts": 6,
            "MaxDelaySeconds": 60,
            "JitterStrategy": "FULL",
        }
    ]


def _catch(errors: list[str], next_state: str) -> dict[str, Any]:
    return {"ErrorEquals": errors, "ResultPath": "$.error", "Next": next_state}


def _fail_from_error(error: str) -> dict[str, Any]:
    return {"Type": "Fail", "Error": error, "CausePath": "$.error.Cause"}


def _init_state(spec: PollingSpec, start_type_path: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "poll": {"interval": spec.poll_interval_seconds, "elapsed": 0, "polls": 0}
    }
    if start_type_path:
        params["start_type.$"] = start_type_path
    else:
        params["start_type"] = spec.start_type
    return {"Type": "Pass", "Parameters": params, "Next": "ShouldStart"}


def _tally(interval: Any, next_state: str = "DescribeReplicationTask") -> dict[str, Any]:
    interval_key = "interval.$" if isinstance(interval, str) else "interval"
    return {
        "Type": "Pass",
        "Parameters": {
            interval_key: interval,
            "elapsed.$": "States.MathAdd($.poll.elapsed, $.poll.interval)",
            "polls.$": "States.MathAdd($.poll.polls, 1)",
        },
        "ResultPath": "$.poll",
        "Next": next_state,
    }


def _success_rule(reasons: Sequence[str]) -> dict[str, Any]:
    forms = [form for reason in reasons for form in dms.stop_reason_forms(reason)]
    return {
        "And": [
            {"Variable": f"{TASK}.Status", "StringEquals": dms.STOPPED_STATUS},
            {"Or": [{"Variable": f"{TASK}.StopReason", "StringEquals": f} for f in forms]},
        ],
        "Next": "Succeeded",
    }


def _failure_summary(arn: str, error_state: str) -> dict[str, Any]:
    return {
        "Type": "Pass",
        "Parameters": {
            "replication_task_arn": arn,
            "status.$": f"{TASK}.Status",
            "stop_reason.$": f"{TASK}.StopReason",
            "last_failure_message.$": f"{TASK}.LastFailureMessage",
        },
        "ResultPath": "$.failure",
        "Next": error_state,
    }


def _fail_with_summary(error: str) -> dict[str, Any]:
    return {"Type": "Fail", "Error": error, "CausePath": "States.JsonToString($.failure)"}


def build_polling_definition(spec: PollingSpec) -> dict[str, Any]:
    """Return the state machine definition for ``spec`` (call ``validate`` first)."""
    arn = spec.replication_task_arn
    cap = spec.max_poll_interval_seconds
    reasons = list(spec.success_stop_reasons)
    # A wait-only workflow has no permission to start the task, so it accepts no other type.
    overridable = (
        dms.START_TYPES if spec.start_type != dms.START_TYPE_NONE else (dms.START_TYPE_NONE,)
    )
    allowed_start_types = [
        {"Variable": "$.start_type", "StringEquals": value} for value in overridable
    ]
    # The backoff ramp: double while the doubled interval stays within the cap, then hold it.
    # Without backoff both branches keep the configured interval.
    grow_rule: list[dict[str, Any]] = (
        [
            {
                "Variable": "$.poll.interval",
                "NumericLessThanEquals": cap // 2,
                "Next": "WaitThenGrow",
            }
        ]
        if spec.backoff and spec.poll_interval_seconds * 2 <= cap
        else []
    )
    hold_interval = cap if spec.backoff else spec.poll_interval_seconds
    states: dict[str, Any] = {
        "CheckInput": {
            "Type": "Choice",
            "Comment": "The execution input may override start_type.",
            "Choices": [
                {"Not": {"Variable": "$.start_type", "IsPresent": True}, "Next": "InitDefaults"},
                {"Or": allowed_start_types, "Next": "InitFromInput"},
            ],
            "Default": "InvalidInput",
        },
        "InvalidInput": {
            "Type": "Fail",
            "Error": dms.ERROR_INVALID_INPUT,
            "Cause": "start_type must be one of: " + ", ".join(overridable),
        },
        "InitDefaults": _init_state(spec, None),
        "InitFromInput": _init_state(spec, "$.start_type"),
        "ShouldStart": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.start_type",
                    "StringEquals": dms.START_TYPE_NONE,
                    "Next": "DescribeReplicationTask",
                }
            ],
            "Default": "StartReplicationTask",
        },
        "StartReplicationTask": {
            "Type": "Task",
            "Resource": SDK_START,
            "Parameters": {
                "ReplicationTaskArn": arn,
                "StartReplicationTaskType.$": "$.start_type",
            },
            "ResultPath": None,
            "Retry": _retry(TRANSIENT_ERRORS),
            "Catch": [
                _catch(NOT_FOUND_ERRORS, "TaskNotFound"),
                _catch(["States.ALL"], "StartFailed"),
            ],
            # Enter the ramp when there is one: WaitThenHold would jump straight to the cap.
            "Next": "WaitThenGrow" if grow_rule else "WaitThenHold",
        },
        "WaitThenGrow": {
            "Type": "Wait",
            "SecondsPath": "$.poll.interval",
            "Next": "TallyAndGrow",
        },
        "TallyAndGrow": _tally("States.MathAdd($.poll.interval, $.poll.interval)"),
        "WaitThenHold": {
            "Type": "Wait",
            "SecondsPath": "$.poll.interval",
            "Next": "TallyAndHold",
        },
        "TallyAndHold": _tally(hold_interval),
        "DescribeReplicationTask": {
            "Type": "Task",
            "Resource": SDK_DESCRIBE,
            "Parameters": {
                "Filters": [{"Name": "replication-task-arn", "Values": [arn]}],
                "WithoutSettings": True,
            },
            # Take the task as an object, then read its fields from that object: reading
            # [0].Status directly yields a list in the emulator but a string on AWS.
            "ResultSelector": {
                "task.$": f"States.JsonMerge(States.StringToJson('{_TASK_DEFAULTS}'), "
                "$.ReplicationTasks[0], false)"
            },
            "ResultPath": "$.described",
            "Retry": _retry(TRANSIENT_ERRORS),
            "Catch": [
                _catch(NOT_FOUND_ERRORS, "TaskNotFound"),
                _catch(["States.ALL"], "DescribeFailed"),
            ],
            "Next": "Evaluate",
        },
        "Evaluate": {
            "Type": "Choice",
            "Choices": [
                _success_rule(reasons),
                {
                    "Or": [
                        {"Variable": f"{TASK}.Status", "StringEquals": s}
                        for s in dms.FAILED_STATUSES
                    ],
                    "Next": "SummariseFailed",
                },
                {
                    "Variable": f"{TASK}.Status",
                    "StringEquals": dms.STOPPED_STATUS,
                    "Next": "SummariseStopped",
                },
                {
                    "Variable": "$.poll.elapsed",
                    "NumericGreaterThanEquals": spec.timeout_seconds,
                    "Next": "SummariseTimedOut",
                },
                *grow_rule,
            ],
            "Default": "WaitThenHold",
        },
        "Succeeded": {
            "Type": "Pass",
            "Parameters": {
                "replication_task_arn": arn,
                "status.$": f"{TASK}.Status",
                "stop_reason.$": f"{TASK}.StopReason",
                "stats.$": f"{TASK}.ReplicationTaskStats",
                "polls.$": "$.poll.polls",
                "waited_seconds.$": "$.poll.elapsed",
            },
            "End": True,
        },
        "SummariseFailed": _failure_summary(arn, "TaskFailed"),
        "TaskFailed": _fail_with_summary(dms.ERROR_TASK_FAILED),
        "SummariseStopped": _failure_summary(arn, "TaskStopped"),
        "TaskStopped": _fail_with_summary(dms.ERROR_TASK_STOPPED),
        "SummariseTimedOut": _failure_summary(arn, "WaitTimedOut"),
        "WaitTimedOut": _fail_with_summary(dms.ERROR_WAIT_TIMED_OUT),
        "TaskNotFound": _fail_from_error(dms.ERROR_TASK_NOT_FOUND),
        "StartFailed": _fail_from_error(dms.ERROR_START_FAILED),
        "DescribeFailed": _fail_from_error(dms.ERROR_DESCRIBE_FAILED),
    }
    if not grow_rule:
        # Nothing transitions to the ramp, and Step Functions rejects unreachable states.
        del states["WaitThenGrow"], states["TallyAndGrow"]
    return {
        "Comment": f"Wait for DMS replication task {arn} by polling (dms-waiters).",
        "StartAt": "CheckInput",
        # A backstop only: the poll loop's own deadline fails first, with DmsWaitTimedOut.
        "TimeoutSeconds": spec.timeout_seconds + cap + _BACKSTOP_SLACK_SECONDS,
        "States": states,
    }
