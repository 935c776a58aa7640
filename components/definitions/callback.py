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

from dataclasses import dataclass
from typing import Any, Final

from ..lambdas import contract, errors
from ..lambdas import dms_status as dms
from .token_wait import HEARTBEAT_LOST as HEARTBEAT_LOST
from .token_wait import (
    LAMBDA_TRANSIENT_ERRORS,
    lambda_token_task,
    timeout_catches,
    timeout_states,
    validate_token_wait,
)

# The Payload keys the starter reads (lambdas/contract.py): token, execution, start_type.
PAYLOAD_TOKEN: Final = contract.PAYLOAD_TOKEN
PAYLOAD_EXECUTION: Final = contract.PAYLOAD_EXECUTION
PAYLOAD_START_TYPE: Final = contract.PAYLOAD_START_TYPE

#: Transient faults worth retrying: Lambda's own and the starter's DmsThrottled (DMS or DynamoDB
#: throttled; it leaves nothing behind).
RETRIED_ERRORS: Final = (*LAMBDA_TRANSIENT_ERRORS, errors.ERROR_THROTTLED)
#: Errors that end the wait, raised by the starter or sent with SendTaskFailure by the resume
#: Lambda or the reconciler; each fails the execution under the same name, with the same cause.
PASS_THROUGH_ERRORS: Final = errors.WAIT_ERRORS

# State names.
CHECK_INPUT: Final = "CheckInput"
WAIT: Final = "StartAndWait"
WAIT_WITH_START_TYPE: Final = "StartAndWaitWithStartType"
INVALID_INPUT: Final = "InvalidStartType"
TIMED_OUT: Final = "WaitTimedOut"
STARTER_FAILED: Final = "StarterFailed"


@dataclass(frozen=True)
class CallbackSpec:
    """Everything the callback definition depends on; checked by ``validate_callback_spec``."""

    replication_task_arn: str
    starter_function_arn: str
    start_type: str = dms.START_TYPE_AUTO
    timeout_seconds: int = contract.DEFAULT_TIMEOUT_SECONDS
    heartbeat_seconds: int | None = None


def validate_callback_spec(spec: CallbackSpec) -> None:
    """Raise ``ValueError`` for a spec Step Functions would reject or that could wait forever.

    The component reports the same problems earlier, naming the argument; this guards callers
    of the pure builder.
    """
    if spec.start_type not in dms.START_TYPES:
        raise ValueError(f"start_type {spec.start_type!r} is not one of {dms.START_TYPES}")
    validate_token_wait(spec.timeout_seconds, spec.heartbeat_seconds)


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
    catch = timeout_catches(spec.heartbeat_seconds, TIMED_OUT)
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


def build_callback_definition(spec: CallbackSpec, *, partition: str) -> dict[str, Any]:
    """Return the state machine definition for ``spec`` (validated first), its ARNs in
    ``partition``."""
    validate_callback_spec(spec)
    overridable = dms.overridable_start_types(spec.start_type)
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
            "Error": errors.ERROR_INVALID_INPUT,
            "Cause": "start_type must be one of: " + ", ".join(overridable),
        },
        WAIT: _wait_state(spec, with_start_type=False, partition=partition),
        WAIT_WITH_START_TYPE: _wait_state(spec, with_start_type=True, partition=partition),
        **timeout_states(
            spec.timeout_seconds,
            spec.heartbeat_seconds,
            error=errors.ERROR_WAIT_TIMED_OUT,
            timed_out=TIMED_OUT,
            no_result="no result within timeout_seconds",
            no_heartbeat="no heartbeat within heartbeat_seconds: is the hub's reconciler running?",
            replication_task_arn=spec.replication_task_arn,
        ),
    }
    for error in PASS_THROUGH_ERRORS:
        # The sender's cause (a JSON summary of the task) is kept as is.
        states[error] = {"Type": "Fail", "Error": error, "CausePath": "$.error.Cause"}
    states[STARTER_FAILED] = {
        "Type": "Fail",
        "Error": errors.ERROR_START_FAILED,
        # Keep the original error name (Lambda.Unknown, DmsThrottled...) in the cause.
        "CausePath": "States.Format('{}: {}', $.error.Error, $.error.Cause)",
    }
    return {
        "Comment": f"Wait for DMS replication task {spec.replication_task_arn} by event "
        "callback (dms-waiters).",
        "StartAt": CHECK_INPUT,
        "States": states,
    }
