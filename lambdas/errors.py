"""Errors the handlers raise, named exactly as the workflows see them, and AWS error helpers.

Step Functions reports a failed Lambda invocation with the exception's class name as the error
(``errorType``), so each class below is named after the error a state machine can ``Catch`` on:
the names are the constants of ``dms_status`` and ``contract``. ``HandlerError`` is their common
base so handler code can tell its own errors from unexpected ones.
"""

from __future__ import annotations

from typing import Any, Final

# -- every error name a workflow sees (its Catch names these) ------------------------------
# The DMS outcomes: every pattern fails with these, so a Catch works whichever pattern waits.
ERROR_TASK_FAILED: Final = "DmsTaskFailed"
ERROR_TASK_STOPPED: Final = "DmsTaskStopped"
ERROR_WAIT_TIMED_OUT: Final = "DmsWaitTimedOut"
ERROR_TASK_NOT_FOUND: Final = "DmsTaskNotFound"
ERROR_START_FAILED: Final = "DmsStartFailed"
ERROR_DESCRIBE_FAILED: Final = "DmsDescribeFailed"
ERROR_INVALID_INPUT: Final = "DmsInvalidInput"
ERROR_ALREADY_WAITING: Final = "DmsAlreadyWaiting"
ERROR_WAIT_RELEASED: Final = "DmsWaitReleased"
"""An operator released the wait (``dms-waiters release``): the hub failed it on purpose."""
# The handlers' own.
ERROR_THROTTLED: Final = "DmsThrottled"
"""Starter: DMS or DynamoDB throttled; nothing is left behind, retrying the invocation is safe."""
ERROR_CALLBACK_JOB_FAILED: Final = "CallbackJobFailed"
"""The job function failed (or could not be invoked): no job is waited for."""
ERROR_CALLBACK_INVALID_INPUT: Final = "CallbackInvalidInput"
"""The URL starter's payload or configuration is invalid."""
ERROR_CALLBACK_THROTTLED: Final = "CallbackThrottled"
"""Invoking the job function or DynamoDB was throttled; nothing is left behind, safe to retry."""
ERROR_CALLBACK_TIMED_OUT: Final = "CallbackTimedOut"
"""No callback (or no heartbeat) arrived in time (the state machine's Fail state)."""

#: Error codes AWS services use for "slow down"; retrying later is the right answer.
THROTTLING_CODES: Final = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        # Lambda Invoke: the function's VPC network interfaces are being throttled by EC2.
        "EC2ThrottledException",
    }
)


#: Error codes of a server-side failure that retrying later fixes (HTTP 5xx answers: internal
#: errors, service unavailable, timeouts). Every other code (bad parameters, wrong state, access
#: denied) fails at once: retrying cannot fix it.
SERVER_ERROR_CODES: Final = frozenset(
    {
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
#: botocore exceptions raised when no answer came back at all (the request may be retried).
CONNECTION_ERRORS: Final = frozenset(
    {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
    }
)


class HandlerError(Exception):
    """Base of the errors whose class name is the error a workflow sees."""

    #: The error name; equal to the class name (checked by the tests).
    error_name: str = ""


class DmsInvalidInput(HandlerError):  # noqa: N818 - the class name is the workflow's error name
    """The payload or the function's configuration is invalid (bad start type, bad reasons)."""

    error_name = ERROR_INVALID_INPUT


class DmsStartFailed(HandlerError):  # noqa: N818
    """StartReplicationTask refused to start the task (wrong state, access denied...)."""

    error_name = ERROR_START_FAILED


class DmsTaskNotFound(HandlerError):  # noqa: N818
    """DMS has no replication task with the configured ARN."""

    error_name = ERROR_TASK_NOT_FOUND


class DmsAlreadyWaiting(HandlerError):  # noqa: N818
    """A live waiter with a different token already waits for this task."""

    error_name = ERROR_ALREADY_WAITING


class DmsTaskFailed(HandlerError):  # noqa: N818
    """The task ended failed (``failed``, ``failed-move``, ``deleting``)."""

    error_name = ERROR_TASK_FAILED


class DmsTaskStopped(HandlerError):  # noqa: N818
    """The task stopped with a stop reason that is not a success (NORMAL, errors...)."""

    error_name = ERROR_TASK_STOPPED


class DmsWaitTimedOut(HandlerError):  # noqa: N818
    """The wait's deadline passed before the task finished (or the hub stopped heartbeating)."""

    error_name = ERROR_WAIT_TIMED_OUT


class DmsWaitReleased(HandlerError):  # noqa: N818
    """An operator released the wait (``dms-waiters release``); the cause carries the reason."""

    error_name = ERROR_WAIT_RELEASED


class DmsDescribeFailed(HandlerError):  # noqa: N818
    """DescribeReplicationTasks failed with an error that retrying will not fix (access...)."""

    error_name = ERROR_DESCRIBE_FAILED


class DmsThrottled(HandlerError):  # noqa: N818
    """An AWS call was throttled; nothing was left behind, so the invocation can be retried."""

    error_name = ERROR_THROTTLED


class CallbackJobFailed(HandlerError):  # noqa: N818
    """CallbackUrlWorkflow: the user's job function failed or could not be invoked."""

    error_name = ERROR_CALLBACK_JOB_FAILED


class CallbackInvalidInput(HandlerError):  # noqa: N818
    """CallbackUrlWorkflow: the URL starter's payload or configuration is invalid."""

    error_name = ERROR_CALLBACK_INVALID_INPUT


class CallbackThrottled(HandlerError):  # noqa: N818
    """CallbackUrlWorkflow: an AWS call was throttled; nothing was left behind."""

    error_name = ERROR_CALLBACK_THROTTLED


#: What ends a DMS wait other than success, raised by a starter or sent by the hub: the
#: callback definition passes each through under its own name (in this order).
WAIT_ERRORS: Final[tuple[str, ...]] = (
    ERROR_TASK_FAILED,
    ERROR_TASK_STOPPED,
    ERROR_TASK_NOT_FOUND,
    ERROR_START_FAILED,
    ERROR_DESCRIBE_FAILED,
    ERROR_INVALID_INPUT,
    ERROR_ALREADY_WAITING,
    ERROR_WAIT_TIMED_OUT,
    ERROR_WAIT_RELEASED,
)
#: The class of each error a DMS waiter reports, by name (``WAIT_ERRORS`` and a throttle): what
#: a durable waiter's step or the hub's failure payload names is raised as this class.
NAMED_ERRORS: Final[dict[str, type[HandlerError]]] = {
    cls.error_name: cls
    for cls in HandlerError.__subclasses__()
    if cls.error_name in (*WAIT_ERRORS, ERROR_THROTTLED)
}


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (duck-typed), else None."""
    response: Any = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    error = response.get("Error")
    if not isinstance(error, dict):
        return None
    code = error.get("Code")
    return code if isinstance(code, str) else None


def error_message(exc: BaseException) -> str:
    """The AWS error message of a ``ClientError``, or ``str(exc)`` for anything else."""
    response: Any = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error")
        if isinstance(error, dict) and isinstance(error.get("Message"), str):
            return str(error["Message"])
    return str(exc)


def is_throttling(exc: BaseException) -> bool:
    """True for an AWS "slow down" answer."""
    return error_code(exc) in THROTTLING_CODES


def is_transient(exc: BaseException) -> bool:
    """True for what retrying later fixes: throttling, a 5xx answer, or no answer at all.

    The one rule of every handler (the state machines apply the same one, ``sfn_errors``).
    """
    if is_throttling(exc) or error_code(exc) in SERVER_ERROR_CODES:
        return True
    if type(exc).__name__ in CONNECTION_ERRORS:
        return True
    response: Any = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if isinstance(status, int) and status >= 500:
            return True
    return False
