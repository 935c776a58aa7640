"""Resume a waiter from the truth: the one completion path of the event handler and the reconciler.

``resume_waiter(waiter, task)`` judges the described task with ``dms_status.classify`` (the
waiter's own success stop reasons), and when the task is finished completes the waiting workflow
and deletes the waiter:

* succeeded -> success with ``{replication_task_arn, status, stop_reason, stats}``;
* failed / stopped -> failure ``DmsTaskFailed`` / ``DmsTaskStopped`` with the cause JSON
  ``{replication_task_arn, status, stop_reason, last_failure_message}``;
* task unknown to DMS (``task is None``) -> failure ``DmsTaskNotFound``, same cause shape: a
  deleted task will never finish, so waiting on is pointless.

Output and cause are the polling workflow's shapes with the same values (raw DMS ``Status`` and
``StopReason``, "" when absent), so callers handle every pattern alike.

Completion goes through a ``Completer``: ``StepFunctionsCompleter`` (task tokens) or
``DurableCompleter`` (durable execution callback ids). An answer meaning "this workflow is
already finished" (timed out, completed by a concurrent resume, token unknown) raises
``TokenGone`` inside the completer; here it deletes the waiter and reports ``already_done``.
Any other error (throttling...) propagates so the invocation is retried; the waiter is kept, so
nothing is lost. Completing first and deleting second is what makes a retry safe: a repeat finds
the token gone and only deletes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Final, Literal, Protocol

from . import contract, errors
from . import dms_status as dms
from .aws_clients import client as aws_client
from .errors import error_code
from .logs import json_default
from .waiter_store import Waiter, WaiterStore

Outcome = Literal["waiting", "succeeded", "failed", "stopped", "not_found", "already_done"]
HeartbeatOutcome = Literal["heartbeat", "already_done"]

#: Step Functions' limit on ``cause`` (characters).
MAX_CAUSE_CHARS: Final = 32768
_TRUNCATED: Final = " [truncated]"
NOT_FOUND_MESSAGE: Final = "DMS has no replication task with this ARN (deleted?)"


class TokenGone(Exception):  # noqa: N818 - a state of the workflow, not our failure
    """The workflow behind a token or callback id is already finished: nothing to resume."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class Completer(Protocol):
    """Resumes one kind of waiting workflow. Raises ``TokenGone`` for a finished workflow."""

    def succeed(self, token: str, output: str) -> None:
        """Resume with success; ``output`` is a JSON document."""

    def fail(self, token: str, error: str, cause: str) -> None:
        """Resume with failure ``error``; ``cause`` is a JSON document."""

    def heartbeat(self, token: str) -> None:
        """Tell the workflow its waiter is still alive."""


def _gone_or_raise(exc: Exception, gone_codes: frozenset[str]) -> None:
    code = error_code(exc)
    if code in gone_codes:
        raise TokenGone(code or "", str(exc)) from exc
    raise exc


class _ClientCompleter:
    """A completer calling one AWS service: a token whose wait is over (one of ``GONE_CODES``)
    raises ``TokenGone``, any other error propagates."""

    #: The service's boto3 name.
    SERVICE: ClassVar[str]
    #: The error codes the service answers for a token whose wait is over.
    GONE_CODES: ClassVar[frozenset[str]]

    def __init__(self, client: Any = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        """The service's client (the shared lazy one unless given)."""
        return self._client if self._client is not None else aws_client(self.SERVICE)

    def _call(self, operation: str, **params: Any) -> None:
        try:
            getattr(self.client, operation)(**params)
        except Exception as exc:
            _gone_or_raise(exc, self.GONE_CODES)


class StepFunctionsCompleter(_ClientCompleter):
    """Task tokens: ``SendTaskSuccess`` / ``SendTaskFailure`` / ``SendTaskHeartbeat``."""

    SERVICE = "stepfunctions"
    #: Step Functions' answers for a token whose task is over (aws-facts: "already done").
    GONE_CODES = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"})

    def succeed(self, token: str, output: str) -> None:
        """``SendTaskSuccess(taskToken, output)``."""
        self._call("send_task_success", taskToken=token, output=output)

    def fail(self, token: str, error: str, cause: str) -> None:
        """``SendTaskFailure(taskToken, error, cause)``."""
        self._call("send_task_failure", taskToken=token, error=error, cause=cause)

    def heartbeat(self, token: str) -> None:
        """``SendTaskHeartbeat(taskToken)``."""
        self._call("send_task_heartbeat", taskToken=token)


class DurableCompleter(_ClientCompleter):
    """Durable execution callbacks: ``SendDurableExecutionCallback{Success,Failure,Heartbeat}``.

    Failure payload: ``Error={ErrorType: <error name>, ErrorMessage: <cause JSON>, ErrorData:
    {"error": <name>, "cause": <cause object>} as JSON}`` (see ``contract``): the durable SDK
    raises ``CallbackError`` with the message and data only, so the name travels in the data.
    """

    SERVICE = "lambda"
    #: AWS answers CallbackTimeoutException for a closed or expired callback; the local durable
    #: runner (and AWS for an unknown id) answers ResourceNotFoundException.
    GONE_CODES = frozenset({"CallbackTimeoutException", "ResourceNotFoundException"})

    def succeed(self, token: str, output: str) -> None:
        """``SendDurableExecutionCallbackSuccess(CallbackId, Result=<JSON bytes>)``."""
        self._call(
            "send_durable_execution_callback_success",
            CallbackId=token,
            Result=output.encode("utf-8"),
        )

    def fail(self, token: str, error: str, cause: str) -> None:
        """``SendDurableExecutionCallbackFailure(CallbackId, Error={...})``."""
        try:
            cause_value: Any = json.loads(cause)
        except ValueError:
            cause_value = cause
        data = json.dumps(
            {
                contract.DURABLE_ERROR_DATA_ERROR: error,
                contract.DURABLE_ERROR_DATA_CAUSE: cause_value,
            }
        )
        self._call(
            "send_durable_execution_callback_failure",
            CallbackId=token,
            Error={"ErrorType": error, "ErrorMessage": cause, "ErrorData": data},
        )

    def heartbeat(self, token: str) -> None:
        """``SendDurableExecutionCallbackHeartbeat(CallbackId)``."""
        self._call("send_durable_execution_callback_heartbeat", CallbackId=token)


def completer_for(kind: str) -> Completer:
    """The completer for a waiter ``kind`` (``sfn`` or ``durable``), on the shared clients."""
    if kind == contract.KIND_SFN:
        return StepFunctionsCompleter()
    if kind == contract.KIND_DURABLE:
        return DurableCompleter()
    raise ValueError(f"unknown waiter kind {kind!r}")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def success_output(arn: str, task: Mapping[str, Any]) -> dict[str, Any]:
    """``{replication_task_arn, status, stop_reason, stats}`` as the polling workflow outputs."""
    stats = task.get("ReplicationTaskStats")
    return {
        "replication_task_arn": arn,
        "status": _text(task.get("Status")),
        "stop_reason": _text(task.get("StopReason")),
        "stats": stats if isinstance(stats, Mapping) else {},
    }


def failure_cause(arn: str, task: Mapping[str, Any] | None, message: str | None = None) -> str:
    """The cause JSON ``{replication_task_arn, status, stop_reason, last_failure_message}``.

    ``message`` replaces ``LastFailureMessage`` (used when there is no task). Long messages are
    shortened so the cause fits Step Functions' 32,768 characters.
    """
    task = task or {}
    cause = {
        "replication_task_arn": arn,
        "status": _text(task.get("Status")),
        "stop_reason": _text(task.get("StopReason")),
        "last_failure_message": message
        if message is not None
        else _text(task.get("LastFailureMessage")),
    }
    text = json.dumps(cause)
    if len(text) > MAX_CAUSE_CHARS:
        # JSON escaping makes one character 1 to 6 long: find the longest prefix that fits.
        full = cause["last_failure_message"]
        low, high = 0, len(full)
        while low < high:
            mid = (low + high + 1) // 2
            cause["last_failure_message"] = full[:mid] + _TRUNCATED
            if len(json.dumps(cause)) <= MAX_CAUSE_CHARS:
                low = mid
            else:
                high = mid - 1
        cause["last_failure_message"] = full[:low] + _TRUNCATED
        text = json.dumps(cause)
    return text


def _finish(
    store: WaiterStore, waiter: Waiter, send: Callable[[], None], outcome: Outcome
) -> Outcome:
    try:
        send()
    except TokenGone:
        store.delete(waiter.key, waiter.token)
        return "already_done"
    store.delete(waiter.key, waiter.token)
    return outcome


def resume_waiter(
    waiter: Waiter,
    task: Mapping[str, Any] | None,
    *,
    store: WaiterStore,
    completer: Completer | None = None,
    not_found_message: str = NOT_FOUND_MESSAGE,
) -> Outcome:
    """Resume ``waiter`` if the described ``task`` (None: DMS has no such task) is finished.

    Returns ``waiting`` (nothing done: the caller ignores or heartbeats), the verdict that was
    sent (``succeeded``, ``failed``, ``stopped``, ``not_found``), or ``already_done`` when the
    workflow had finished anyway. The waiter is deleted in every case but ``waiting``.
    """
    sender = completer if completer is not None else completer_for(waiter.kind)
    arn = waiter.key
    if task is None:
        cause = failure_cause(arn, None, not_found_message)
        return _finish(
            store,
            waiter,
            lambda: sender.fail(waiter.token, errors.ERROR_TASK_NOT_FOUND, cause),
            "not_found",
        )
    reasons = waiter.success_stop_reasons or dms.DEFAULT_SUCCESS_STOP_REASONS
    verdict = dms.classify(task, reasons)
    if verdict.verdict == "waiting":
        return "waiting"
    if verdict.verdict == "succeeded":
        output = json.dumps(success_output(arn, task), default=json_default)
        return _finish(store, waiter, lambda: sender.succeed(waiter.token, output), "succeeded")
    error = verdict.error or errors.ERROR_TASK_FAILED
    cause = failure_cause(arn, task)
    return _finish(
        store,
        waiter,
        lambda: sender.fail(waiter.token, error, cause),
        verdict.verdict,
    )


def heartbeat_waiter(
    waiter: Waiter, *, store: WaiterStore, completer: Completer | None = None
) -> HeartbeatOutcome:
    """Heartbeat a still-running waiter; a finished workflow's waiter is deleted instead."""
    sender = completer if completer is not None else completer_for(waiter.kind)
    try:
        sender.heartbeat(waiter.token)
    except TokenGone:
        store.delete(waiter.key, waiter.token)
        return "already_done"
    return "heartbeat"
