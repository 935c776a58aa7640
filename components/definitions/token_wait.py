"""The task both callback patterns wait on: ``lambda:invoke.waitForTaskToken`` (pure, no Pulumi).

A starter Lambda gets the task token, registers it where the resume path finds it, starts the
work and returns; the execution waits, unbilled, until someone sends the token back or the
deadline (``TimeoutSeconds``) or heartbeat (``HeartbeatSeconds``) passes. Shared by
``callback`` (DMS tasks) and ``callback_url`` (a third party's signed URL).
"""

from __future__ import annotations

import json
from typing import Any, Final

from ..arguments import MAX_EXECUTION_SECONDS
from ..documents.partitions import states_arn
from .errors import retrier

#: The Lambda integration (``partitions.states_arn`` makes the ARN). (S105: "Token" in the
#: name of a constant is not a password.)
LAMBDA_INVOKE_WAIT_FOR_TOKEN: Final = "lambda:invoke.waitForTaskToken"  # noqa: S105

#: The Fail state a missed heartbeat goes to (``timeout_states``); its name in both patterns.
HEARTBEAT_LOST: Final = "HeartbeatLost"

#: Lambda's own transient faults: AWS's recommended retry set for ``lambda:invoke``.
LAMBDA_TRANSIENT_ERRORS: Final = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)


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


def timeout_catches(heartbeat_seconds: int | None, timed_out: str) -> list[dict[str, Any]]:
    """Catch a missed deadline into ``timed_out`` and, with a heartbeat, a missed heartbeat into
    ``HEARTBEAT_LOST`` (the states ``timeout_states`` builds).

    moto reports a missed heartbeat as States.Timeout; Step Functions rejects unreachable
    states, so the heartbeat state exists (and is caught) only with ``heartbeat_seconds``.
    """
    catch = [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": timed_out}]
    if heartbeat_seconds is not None:
        catch.append(
            {
                "ErrorEquals": ["States.HeartbeatTimeout"],
                "ResultPath": "$.error",
                "Next": HEARTBEAT_LOST,
            }
        )
    return catch


def timeout_states(
    timeout_seconds: int,
    heartbeat_seconds: int | None,
    *,
    error: str,
    timed_out: str,
    no_result: str,
    no_heartbeat: str,
    **facts: Any,
) -> dict[str, Any]:
    """The Fail states ``timeout_catches`` leads to: ``timed_out`` (the deadline passed,
    ``no_result``) and, only with a heartbeat, ``HEARTBEAT_LOST`` (``no_heartbeat``); both fail
    with ``error`` and a ``timeout_cause`` naming ``facts``."""
    states: dict[str, Any] = {
        timed_out: {
            "Type": "Fail",
            "Error": error,
            "Cause": timeout_cause(timeout_seconds, heartbeat_seconds, no_result, **facts),
        }
    }
    if heartbeat_seconds is not None:
        states[HEARTBEAT_LOST] = {
            "Type": "Fail",
            "Error": error,
            "Cause": timeout_cause(timeout_seconds, heartbeat_seconds, no_heartbeat, **facts),
        }
    return states


def timeout_cause(
    timeout_seconds: int, heartbeat_seconds: int | None, reason: str, **facts: Any
) -> str:
    """The JSON cause of a missed deadline or heartbeat: ``facts`` (what was waited for), the
    two limits and the reason."""
    return json.dumps(
        {
            **facts,
            "timeout_seconds": timeout_seconds,
            "heartbeat_seconds": heartbeat_seconds,
            "reason": reason,
        },
        separators=(",", ":"),
    )
