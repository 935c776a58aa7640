"""Pure builder of the callback pattern's state machine (Amazon States Language, JSONPath).

One ``lambda:invoke.waitForTaskToken`` task: the starter Lambda registers the task token in the
hub's waiter table, then starts the DMS task; the hub's resume path (or reconciler) later calls
SendTaskSuccess / SendTaskFailure with that token. Plain data in, a dict out, no Pulumi.

A run costs the same few state transitions whatever the task's duration: two for a success
(CheckInput and the wait), three for a failure (plus the Fail state), measured in the local
cloud. The error names are the polling pattern's (``lambdas/dms_status.py``), so a caller's
Catch works the same whichever pattern waits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from ..arguments import MAX_EXECUTION_SECONDS
from ..documents.partitions import states_arn
from ..lambdas import contract
from ..lambdas import dms_status as dms
from .errors import retrier

#: The Lambda integration (``partitions.states_arn`` makes the ARN). (S105: "Token" in the
#: name of a constant is not a password.)
LAMBDA_INVOKE_WAIT_FOR_TOKEN: Final = "lambda:invoke.waitForTaskToken"  # noqa: S105

# The Payload keys the starter reads (lambdas/contract.py): token, execution, start_type.
PAYLOAD_TOKEN: Final = contract.PAYLOAD_TOKEN
PAYLOAD_EXECUTION: Final = contract.PAYLOAD_EXECUTION
PAYLOAD_START_TYPE: Final = contract.PAYLOAD_START_TYPE

#: Transient faults worth retrying: Lambda's own (AWS's recommended retry set for lambda:invoke)
#: and the starter's DmsThrottled (DMS or DynamoDB throttled; it leaves nothing behind).
LAMBDA_TRANSIENT_ERRORS: Final = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)
RETRIED_ERRORS: Final = (*LAMBDA_TRANSIENT_ERRORS, contract.ERROR_THROTTLED)
#: Errors that end the wait, raised by the starter or sent with SendTaskFailure by the resume
#: Lambda or the reconciler; each fails the execution under the same name, with the same cause.
PASS_THROUGH_ERRORS: Final = (
    dms.ERROR_TASK_FAILED,
    dms.ERROR_TASK_STOPPED,
    dms.ERROR_TASK_NOT_FOUND,
    dms.ERROR_START_FAILED,
    dms.ERROR_DESCRIBE_FAILED,
    dms.ERROR_INVALID_INPUT,
    dms.ERROR_ALREADY_WAITING,
    dms.ERROR_WAIT_TIMED_OUT,
)

DEFAULT_TIMEOUT_SECONDS: Final = 7 * 24 * 3600

# State names.
CHECK_INPUT: Final = "CheckInput"
WAIT: Final = "StartAndWait"
WAIT_WITH_START_TYPE: Final = "StartAndWaitWithStartType"
INVALID_INPUT: Final = "InvalidStartType"
TIMED_OUT: Final = "WaitTimedOut"
HEARTBEAT_LOST: Final = "HeartbeatLost"
STARTER_FAILED: Final = "StarterFailed"


@dataclass(frozen=True)
class CallbackSpec:
    """Everything the callback definition depends on; checked by ``validate_callback_spec``."""

    replication_task_arn: str
    starter_function_arn: str
    start_type: str = dms.START_TYPE_AUTO
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    heartbeat_seconds: int | None = None


def validate_callback_spec(spec: CallbackSpec) -> None:
    """Raise ``ValueError`` for a spec Step Functions would reject or that could wait forever.

    The component reports the same problems earlier, naming the argument; this guards callers
    of the pure builder.
    """
    if spec.start_type not in dms.START_TYPES:
        raise ValueError(f"start_type {spec.start_type!r} is not one of {dms.START_TYPES}")
    validate_token_wait(spec.timeout_seconds, spec.heartbeat_seconds)


def validate_token_wait(timeout_seconds: int, heartbeat_seconds: int | None) -> None:
    """Raise ``ValueError`` for a deadline or heartbeat Step Functions would reject."""
    if not 1 <= timeout_seconds <= MAX_EXECUTION_SECONDS:
        raise ValueError(f"timeout_seconds {timeout_seconds} is not in 1..{MAX_EXECUTION_SECONDS}")
    if heartbeat_seconds is not None and not 1 <= heartbeat_seconds < timeout_seconds:
        # Step Functions rejects HeartbeatSeconds >= TimeoutSeconds at creation.
        raise ValueError(
            f"heartbeat_seconds {heartbeat_seconds} must be at least 1 and less than "
            f"timeout_seconds ({timeout_seconds})"
        )


def lambda_token_task(
    function_arn: str,
    payload: dict[str, Any],
    *,
    partition: str,
    comment: str,
    timeout_seconds: int,
    heartbeat_seconds: int | None,
    retried_errors: tuple[str, ...],
) -> dict[str, Any]:
    """A ``lambda:invoke.waitForTaskToken`` Task (no Catch, no Next/End yet): a deadline, an
    optional heartbeat, and capped, jittered retries of ``retried_errors``."""
    state: dict[str, Any] = {
        "Type": "Task",
        "Comment": comment,
        "Resource": states_arn(partition, LAMBDA_INVOKE_WAIT_FOR_TOKEN),
        "Parameters": {"FunctionName": function_arn, "Payload": payload},
        "TimeoutSeconds": timeout_seconds,
    }
    if heartbeat_seconds is not None:
        state["HeartbeatSeconds"] = heartbeat_seconds
    state["Retry"] = retrier(retried_errors)
    return state


def timeout_catches(
    heartbeat_seconds: int | None, timed_out: str, heartbeat_lost: str
) -> list[dict[str, Any]]:
    """Catch a missed deadline (and, with a heartbeat, a missed heartbeat) into Fail states.

    moto reports a missed heartbeat as States.Timeout; Step Functions rejects unreachable
    states, so the heartbeat state exists (and is caught) only with ``heartbeat_seconds``.
    """
    catch = [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": timed_out}]
    if heartbeat_seconds is not None:
        catch.append(
            {
                "ErrorEquals": ["States.HeartbeatTimeout"],
                "ResultPath": "$.error",
                "Next": heartbeat_lost,
            }
        )
    return catch


def _wait_state(spec: CallbackSpec, with_start_type: bool, partition: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        f"{PAYLOAD_TOKEN}.$": "$$.Task.Token",
        f"{PAYLOAD_EXECUTION}.$": "$$.Execution.Id",
    }
    if with_start_type:
        payload[f"{PAYLOAD_START_TYPE}.$"] = "$.start_type"
    state = lambda_token_task(
        spec.starter_function_arn,
        payload,
        comment="The starter stores the token, then starts the task; the hub resumes us.",
        partition=partition,
        timeout_seconds=spec.timeout_seconds,
        heartbeat_seconds=spec.heartbeat_seconds,
        retried_errors=RETRIED_ERRORS,
    )
    # A missed deadline or heartbeat fails with DmsWaitTimedOut either way.
    catch = timeout_catches(spec.heartbeat_seconds, TIMED_OUT, HEARTBEAT_LOST)
    catch.extend(
        {"ErrorEquals": [error], "ResultPath": "$.error", "Next": error}
        for error in PASS_THROUGH_ERRORS
    )
    # Anything else can only come from invoking the starter (an exhausted retry, a crash): the
    # task was not started, as the polling pattern reports a failed start.
    catch.append({"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": STARTER_FAILED})
    state["Catch"] = catch
    # The output is what the resume path sends with SendTaskSuccess: replication_task_arn,
    # status, stop_reason, stats (the polling pattern's shape).
    state["End"] = True
    return state


def _timeout_cause(spec: CallbackSpec, reason: str) -> str:
    return json.dumps(
        {
            "replication_task_arn": spec.replication_task_arn,
            "timeout_seconds": spec.timeout_seconds,
            "heartbeat_seconds": spec.heartbeat_seconds,
            "reason": reason,
        },
        separators=(",", ":"),
    )


def build_callback_definition(spec: CallbackSpec, *, partition: str) -> dict[str, Any]:
    """Return the state machine definition for ``spec`` (validated first), its ARNs in
    ``partition``."""
    validate_callback_spec(spec)
    # A wait-only workflow's starter has no permission to start the task, so it accepts no
    # other start type.
    overridable = (
        dms.START_TYPES if spec.start_type != dms.START_TYPE_NONE else (dms.START_TYPE_NONE,)
    )
    states: dict[str, Any] = {
        CHECK_INPUT: {
            "Type": "Choice",
            "Comment": "The execution input may override start_type; the starter's default "
            "applies otherwise.",
            "Choices": [
                {"Not": {"Variable": "$.start_type", "IsPresent": True}, "Next": WAIT},
                {
                    "Or": [
                        {"Variable": "$.start_type", "StringEquals": value} for value in overridable
                    ],
                    "Next": WAIT_WITH_START_TYPE,
                },
            ],
            "Default": INVALID_INPUT,
        },
        INVALID_INPUT: {
            "Type": "Fail",
            "Error": dms.ERROR_INVALID_INPUT,
            "Cause": "start_type must be one of: " + ", ".join(overridable),
        },
        WAIT: _wait_state(spec, with_start_type=False, partition=partition),
        WAIT_WITH_START_TYPE: _wait_state(spec, with_start_type=True, partition=partition),
        TIMED_OUT: {
            "Type": "Fail",
            "Error": dms.ERROR_WAIT_TIMED_OUT,
            "Cause": _timeout_cause(spec, "no result within timeout_seconds"),
        },
    }
    if spec.heartbeat_seconds is not None:
        states[HEARTBEAT_LOST] = {
            "Type": "Fail",
            "Error": dms.ERROR_WAIT_TIMED_OUT,
            "Cause": _timeout_cause(
                spec, "no heartbeat within heartbeat_seconds: is the hub's reconciler running?"
            ),
        }
    for error in PASS_THROUGH_ERRORS:
        # The sender's cause (a JSON summary of the task) is kept as is.
        states[error] = {"Type": "Fail", "Error": error, "CausePath": "$.error.Cause"}
    states[STARTER_FAILED] = {
        "Type": "Fail",
        "Error": dms.ERROR_START_FAILED,
        # Keep the original error name (Lambda.Unknown, DmsThrottled...) in the cause.
        "CausePath": "States.Format('{}: {}', $.error.Error, $.error.Cause)",
    }
    return {
        "Comment": f"Wait for DMS replication task {spec.replication_task_arn} by event "
        "callback (dms-waiters).",
        "StartAt": CHECK_INPUT,
        "States": states,
    }
