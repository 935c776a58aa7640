"""Pure builder of ``CallbackUrlWorkflow``'s state machine (Amazon States Language, JSONPath).

One ``lambda:invoke.waitForTaskToken`` task: the URL starter registers the task token under a
signed URL, then starts the user's job with the URLs; the third party's POST to a URL resumes
the execution through the hub's endpoint. The execution's output is the JSON body of the
success call; a failure call fails it with the error and cause the caller sent (unknown or
reserved names become ``CallbackFailed``); a failed job start fails it with
``CallbackJobFailed``; a missed deadline or heartbeat with ``CallbackTimedOut``. A run costs one
state transition (two when it times out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ..lambdas import contract, errors
from .token_wait import (
    LAMBDA_TRANSIENT_ERRORS,
    lambda_token_task,
    timeout_catches,
    timeout_states,
    validate_token_wait,
)

#: The starter's transient faults: Lambda's own, and CallbackThrottled (nothing left behind).
RETRIED_ERRORS: Final = (*LAMBDA_TRANSIENT_ERRORS, errors.ERROR_CALLBACK_THROTTLED)

# State names.
WAIT: Final = "StartJobAndWait"
TIMED_OUT: Final = "CallbackTimedOut"


@dataclass(frozen=True)
class CallbackUrlSpec:
    """Everything the definition depends on; checked by ``validate_callback_url_spec``."""

    starter_function_arn: str
    timeout_seconds: int = contract.DEFAULT_TIMEOUT_SECONDS
    heartbeat_seconds: int | None = None


def validate_callback_url_spec(spec: CallbackUrlSpec) -> None:
    """Raise ``ValueError`` for a spec Step Functions would reject."""
    validate_token_wait(spec.timeout_seconds, spec.heartbeat_seconds)


def build_callback_url_definition(spec: CallbackUrlSpec, *, partition: str) -> dict[str, Any]:
    """Return the state machine definition for ``spec`` (validated first), its ARNs in
    ``partition``."""
    validate_callback_url_spec(spec)
    wait = lambda_token_task(
        spec.starter_function_arn,
        {
            f"{contract.PAYLOAD_TOKEN}.$": "$$.Task.Token",
            f"{contract.PAYLOAD_EXECUTION}.$": "$$.Execution.Id",
            f"{contract.PAYLOAD_INPUT}.$": "$",
        },
        comment="The starter signs URLs for our token and starts the job; a URL call resumes us.",
        partition=partition,
        timeout_seconds=spec.timeout_seconds,
        heartbeat_seconds=spec.heartbeat_seconds,
        retried_errors=RETRIED_ERRORS,
    )
    # Every other error (CallbackJobFailed, the caller's own) fails the execution as is.
    wait["Catch"] = timeout_catches(spec.heartbeat_seconds, TIMED_OUT)
    wait["End"] = True
    states: dict[str, Any] = {
        WAIT: wait,
        **timeout_states(
            spec.timeout_seconds,
            spec.heartbeat_seconds,
            error=errors.ERROR_CALLBACK_TIMED_OUT,
            timed_out=TIMED_OUT,
            no_result="no callback within timeout_seconds",
            no_heartbeat="no heartbeat call within heartbeat_seconds",
        ),
    }
    return {
        "Comment": "Start a third-party job and wait for its signed callback URL (dms-waiters).",
        "StartAt": WAIT,
        "States": states,
    }
