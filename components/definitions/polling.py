"""Pure builder of the polling baseline's state machine (Amazon States Language, JSONPath).

Plain data in, a dict out, no Pulumi: the component serialises it, the tests lint it and run it
in the emulator. The loop is Wait -> Tally -> Describe -> Evaluate: four transitions per poll,
because JSONPath has no way to update a counter without a Pass state, and the counter is what
makes the deadline hold on AWS and on the emulator's virtual clock alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ..documents.partitions import states_arn
from ..lambdas import contract, errors
from ..lambdas import dms_status as dms
from . import errors as err

#: The aws-sdk integrations (``partitions.states_arn`` makes the ARNs).
SDK_START = "aws-sdk:databasemigration:startReplicationTask"
SDK_DESCRIBE = "aws-sdk:databasemigration:describeReplicationTasks"

#: The Start state of each DMS start type ``auto`` can pick (``dms_status.auto_start_type``).
AUTO_START_STATES: Final[dict[str, str]] = {
    dms.START_REPLICATION: "StartFirstRun",
    dms.RELOAD_TARGET: "RestartReloadTarget",
    dms.RESUME_PROCESSING: "RestartResumeProcessing",
}

# Defaults merged under the described task so every later path exists even when DMS omits a
# field (a running task has no StopReason): a missing JSONPath is a runtime error in ASL.
_TASK_DEFAULTS = '{"StopReason": "", "LastFailureMessage": "", "ReplicationTaskStats": {}}'
# The same for the describe of ``auto``: a task that never ran has no ReplicationTaskStartDate,
# which the default null stands for (DMS's JSON may also carry an explicit null).
_START_DEFAULTS = '{"Status": "", "MigrationType": "", "ReplicationTaskStartDate": null}'
# What Evaluate reads before the first describe answered (a transient error on the first poll).
_NOTHING_DESCRIBED: dict[str, Any] = {
    "task": {"Status": "", "StopReason": "", "LastFailureMessage": "", "ReplicationTaskStats": {}}
}

# Slack added to the overall deadline for the execution-level TimeoutSeconds backstop.
_BACKSTOP_SLACK_SECONDS = 3600

#: Polls whose describe failed transiently that an execution tolerates in all: past them DMS is
#: not recovering, and the bound keeps the history-limit math exact (``polling.py``).
MAX_POLLS_WITHOUT_NEWS: Final = 50

# Where the described task lives in the state between Describe and the end.
TASK = "$.described.task"
# Where auto's describe puts the task it chooses the start type from.
CURRENT = "$.current.task"


@dataclass(frozen=True)
class PollingSpec:
    """Everything the polling definition depends on; validated by ``validate``."""

    replication_task_arn: str
    start_type: str = dms.START_TYPE_AUTO
    poll_interval_seconds: int = contract.DEFAULT_POLL_INTERVAL_SECONDS
    max_poll_interval_seconds: int = contract.DEFAULT_MAX_POLL_INTERVAL_SECONDS
    backoff: bool = True
    timeout_seconds: int = contract.DEFAULT_TIMEOUT_SECONDS
    success_stop_reasons: Sequence[str] = field(
        default_factory=lambda: list(dms.DEFAULT_SUCCESS_STOP_REASONS)
    )


def _catch(errors: list[str], next_state: str) -> dict[str, Any]:
    return {"ErrorEquals": errors, "ResultPath": "$.error", "Next": next_state}


def _fail_from_error(error: str) -> dict[str, Any]:
    return {"Type": "Fail", "Error": error, "CausePath": "$.error.Cause"}


def _sdk_catches(not_found: str, transient: str, otherwise: str) -> list[dict[str, Any]]:
    """A DMS task's Catch: a missing task, an unmodelled error (judged by its cause), the rest."""
    return [
        _catch([err.DMS_NOT_FOUND], not_found),
        _catch([err.DMS_UNMODELLED], transient),
        _catch(["States.ALL"], otherwise),
    ]


def _start_state(
    arn: str, start_type: str | None, first_wait: str, partition: str
) -> dict[str, Any]:
    """StartReplicationTask with a fixed type, or with ``$.start_type`` when None."""
    params: dict[str, Any] = {"ReplicationTaskArn": arn}
    if start_type is None:
        params["StartReplicationTaskType.$"] = "$.start_type"
    else:
        params["StartReplicationTaskType"] = start_type
    return {
        "Type": "Task",
        "Resource": states_arn(partition, SDK_START),
        "Parameters": params,
        "ResultPath": None,
        "Retry": err.retrier(err.RETRIED_DMS_ERRORS),
        "Catch": _sdk_catches("TaskNotFound", "StartErrorIsTransient", "StartFailed"),
        "Next": first_wait,
    }


def _retry_start_gate(otherwise: str) -> dict[str, Any]:
    """After an unmodelled error of the start (or of auto's describe): wait and start over
    while the cause is transient and retries remain, else fail with ``otherwise``."""
    return {
        "Type": "Choice",
        "Choices": [
            {
                "And": [
                    err.transient_cause_rule("$.error.Cause"),
                    {
                        "Variable": "$.start_retry.attempts",
                        "NumericLessThan": err.START_RETRIES,
                    },
                ],
                "Next": "WaitBeforeRetryingStart",
            }
        ],
        "Default": otherwise,
    }


def _auto_states(arn: str, partition: str) -> dict[str, Any]:
    """Describe the task, then start it with ``dms_status.auto_start_type``'s choice."""
    by_restart: dict[str, list[str]] = {}
    for migration_type, restart in dms.RESTART_TYPES.items():
        by_restart.setdefault(restart, []).append(migration_type)
    restart_rules = [
        {
            "Or": [
                {"Variable": f"{CURRENT}.MigrationType", "StringEquals": migration_type}
                for migration_type in migration_types
            ],
            "Next": AUTO_START_STATES[restart],
        }
        for restart, migration_types in by_restart.items()
        if restart != dms.DEFAULT_RESTART_TYPE
    ]
    return {
        "DescribeBeforeStart": {
            "Type": "Task",
            "Comment": "start_type auto: has the task ever run, and what does it migrate?",
            "Resource": states_arn(partition, SDK_DESCRIBE),
            "Parameters": {
                "Filters": [{"Name": "replication-task-arn", "Values": [arn]}],
                "WithoutSettings": True,
            },
            "ResultSelector": {
                "task.$": f"States.JsonMerge(States.StringToJson('{_START_DEFAULTS}'), "
                "$.ReplicationTasks[0], false)"
            },
            "ResultPath": "$.current",
            "Retry": err.retrier(err.RETRIED_DMS_ERRORS),
            "Catch": _sdk_catches(
                "TaskNotFound", "DescribeBeforeStartErrorIsTransient", "DescribeFailed"
            ),
            "Next": "ChooseStartType",
        },
        "DescribeBeforeStartErrorIsTransient": _retry_start_gate("DescribeFailed"),
        "ChooseStartType": {
            "Type": "Choice",
            "Comment": "dms_status.auto_start_type: start-replication on the first run, then "
            "the migration type's restart.",
            "Choices": [
                {
                    "And": [
                        {"Variable": f"{CURRENT}.Status", "StringEquals": dms.FIRST_RUN_STATUS},
                        {"Variable": f"{CURRENT}.ReplicationTaskStartDate", "IsNull": True},
                    ],
                    "Next": AUTO_START_STATES[dms.START_REPLICATION],
                },
                *restart_rules,
            ],
            "Default": AUTO_START_STATES[dms.DEFAULT_RESTART_TYPE],
        },
    }


def _init_state(spec: PollingSpec, start_type_path: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "poll": {
            "interval": spec.poll_interval_seconds,
            "elapsed": 0,
            "polls": 0,
            "without_news": 0,
        },
        "described": _NOTHING_DESCRIBED,
        "start_retry": {"attempts": 0, "delay": err.START_RETRY_FIRST_DELAY_SECONDS},
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
            "without_news.$": "$.poll.without_news",
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


def build_polling_definition(spec: PollingSpec, *, partition: str) -> dict[str, Any]:
    """Return the state machine definition for ``spec`` (call ``validate`` first), its ARNs in
    ``partition`` (the provider's: ``aws``, ``aws-cn``, ``aws-us-gov``...)."""
    arn = spec.replication_task_arn
    cap = spec.max_poll_interval_seconds
    reasons = list(spec.success_stop_reasons)
    overridable = dms.overridable_start_types(spec.start_type)
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
    first_wait = "WaitThenGrow" if grow_rule else "WaitThenHold"
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
            "Error": errors.ERROR_INVALID_INPUT,
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
                },
                {
                    "Variable": "$.start_type",
                    "StringEquals": dms.START_TYPE_AUTO,
                    "Next": "DescribeBeforeStart",
                },
            ],
            "Default": "StartReplicationTask",
        },
        **_auto_states(arn, partition),
        # Enter the ramp when there is one: WaitThenHold would jump straight to the cap.
        "StartReplicationTask": _start_state(arn, None, first_wait, partition),
        **{
            state: _start_state(arn, start_type, first_wait, partition)
            for start_type, state in AUTO_START_STATES.items()
        },
        "StartErrorIsTransient": _retry_start_gate("StartFailed"),
        "WaitBeforeRetryingStart": {
            "Type": "Wait",
            "SecondsPath": "$.start_retry.delay",
            "Next": "CountStartRetry",
        },
        "CountStartRetry": {
            "Type": "Pass",
            "Parameters": {
                "attempts.$": "States.MathAdd($.start_retry.attempts, 1)",
                "delay.$": "States.MathAdd($.start_retry.delay, $.start_retry.delay)",
            },
            "ResultPath": "$.start_retry",
            # Start over: auto describes again, since nothing was started.
            "Next": "ShouldStart",
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
            "Resource": states_arn(partition, SDK_DESCRIBE),
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
            "Retry": err.retrier(err.RETRIED_DMS_ERRORS),
            "Catch": _sdk_catches("TaskNotFound", "DescribeErrorIsTransient", "DescribeFailed"),
            "Next": "Evaluate",
        },
        "DescribeErrorIsTransient": {
            "Type": "Choice",
            "Comment": "A throttled or 5xx describe is a poll without news: the loop goes on "
            "with the last known task, and the deadline still holds.",
            "Choices": [
                {
                    "And": [
                        err.transient_cause_rule("$.error.Cause"),
                        {
                            "Variable": "$.poll.without_news",
                            "NumericLessThan": MAX_POLLS_WITHOUT_NEWS,
                        },
                    ],
                    "Next": "CountPollWithoutNews",
                }
            ],
            "Default": "DescribeFailed",
        },
        "CountPollWithoutNews": {
            "Type": "Pass",
            "Parameters": {
                "interval.$": "$.poll.interval",
                "elapsed.$": "$.poll.elapsed",
                "polls.$": "$.poll.polls",
                "without_news.$": "States.MathAdd($.poll.without_news, 1)",
            },
            "ResultPath": "$.poll",
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
        "TaskFailed": _fail_with_summary(errors.ERROR_TASK_FAILED),
        "SummariseStopped": _failure_summary(arn, "TaskStopped"),
        "TaskStopped": _fail_with_summary(errors.ERROR_TASK_STOPPED),
        "SummariseTimedOut": _failure_summary(arn, "WaitTimedOut"),
        "WaitTimedOut": _fail_with_summary(errors.ERROR_WAIT_TIMED_OUT),
        "TaskNotFound": _fail_from_error(errors.ERROR_TASK_NOT_FOUND),
        "StartFailed": _fail_from_error(errors.ERROR_START_FAILED),
        "DescribeFailed": _fail_from_error(errors.ERROR_DESCRIBE_FAILED),
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
