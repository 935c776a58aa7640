"""Fakes for the durable tests: a DMS whose answers follow a script, and the hub's lambda client
as an adapter onto the local runner's callback API; plus helpers reading a runner's result."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing import (
    DurableFunctionTestResult,
    DurableFunctionTestRunner,
)
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from tests.handlers.fakes import ACCOUNT, REGION, client_error

TASK_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:ORDERSFULLLOAD"

#: A scripted describe answer: task fields (merged over a base task), ``None`` (DMS has no such
#: task) or an exception to raise.
Answer = Mapping[str, Any] | None | Exception


def running() -> dict[str, Any]:
    return {"Status": "running", "ReplicationTaskStats": {"FullLoadProgressPercent": 40}}


def stopped(reason: str, message: str = "") -> dict[str, Any]:
    state: dict[str, Any] = {
        "Status": "stopped",
        "StopReason": f"Stop Reason {reason}",
        "ReplicationTaskStats": {"FullLoadProgressPercent": 100, "TablesLoaded": 3},
    }
    if message:
        state["LastFailureMessage"] = message
    return state


def failed(message: str) -> dict[str, Any]:
    return {
        "Status": "failed",
        "StopReason": "Stop Reason FATAL_ERROR",
        "LastFailureMessage": message,
    }


def throttled() -> ClientError:
    return client_error("ThrottlingException", "DescribeReplicationTasks", "Rate exceeded")


class ScriptedDms:
    """DescribeReplicationTasks answers follow ``timeline`` (the last answer repeats).

    ``start_errors`` are raised by the next StartReplicationTask calls, in order. ``calls``
    records ``(method, kwargs)``; ``on_call`` (if set) sees every call first.
    """

    def __init__(self, arn: str, timeline: Sequence[Answer] = ()) -> None:
        self.arn = arn
        self.timeline: list[Answer] = list(timeline) or [running()]
        self.start_errors: list[Exception] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.on_call: Callable[[str], None] | None = None
        self._lock = threading.Lock()
        self._describes = 0

    def script(self, *answers: Answer) -> None:
        """Replace the timeline from the next describe on."""
        with self._lock:
            self.timeline = list(answers)
            self._describes = 0

    def describe_replication_tasks(self, **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            self.calls.append(("describe_replication_tasks", kwargs))
            answer = self.timeline[min(self._describes, len(self.timeline) - 1)]
            self._describes += 1
        if self.on_call:
            self.on_call("describe_replication_tasks")
        if isinstance(answer, Exception):
            raise answer
        if answer is None:
            raise client_error("ResourceNotFoundFault", "DescribeReplicationTasks", "No tasks")
        task = {"ReplicationTaskArn": self.arn, "ReplicationTaskIdentifier": "orders", **answer}
        return {"ReplicationTasks": [task]}

    def start_replication_task(self, **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            self.calls.append(("start_replication_task", kwargs))
            error = self.start_errors.pop(0) if self.start_errors else None
        if self.on_call:
            self.on_call("start_replication_task")
        if error is not None:
            raise error
        return {"ReplicationTask": {"ReplicationTaskArn": self.arn, "Status": "starting"}}

    def count(self, method: str) -> int:
        with self._lock:
            return sum(1 for m, _ in self.calls if m == method)

    def starts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [kwargs for m, kwargs in self.calls if m == "start_replication_task"]


class RunnerLambda:
    """The hub's ``lambda`` client, as far as ``DurableCompleter`` uses it: boto3's method names
    and arguments, forwarded to the local runner. Runner errors become botocore ``ClientError``s
    with the exception's name as the code (``ResourceNotFoundException`` for a closed callback,
    as the local runner and AWS answer for an unknown id)."""

    def __init__(self, runner: DurableFunctionTestRunner) -> None:
        self.runner = runner
        self.calls: list[tuple[str, str]] = []

    def _forward(
        self, operation: str, callback_id: str, call: Callable[[], None]
    ) -> dict[str, Any]:
        self.calls.append((operation, callback_id))
        try:
            call()
        except Exception as exc:
            raise ClientError(
                {"Error": {"Code": type(exc).__name__, "Message": str(exc)}}, operation
            ) from exc
        return {}

    def send_durable_execution_callback_success(
        self,
        *,
        CallbackId: str,  # noqa: N803 - boto3's argument names
        Result: bytes | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        return self._forward(
            "SendDurableExecutionCallbackSuccess",
            CallbackId,
            lambda: self.runner.send_callback_success(CallbackId, result=Result),
        )

    def send_durable_execution_callback_failure(
        self,
        *,
        CallbackId: str,  # noqa: N803
        Error: Mapping[str, Any] | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        error = (
            ErrorObject(
                message=Error.get("ErrorMessage"),
                type=Error.get("ErrorType"),
                data=Error.get("ErrorData"),
                stack_trace=Error.get("StackTrace"),
            )
            if Error
            else None
        )
        return self._forward(
            "SendDurableExecutionCallbackFailure",
            CallbackId,
            lambda: self.runner.send_callback_failure(CallbackId, error=error),
        )

    def send_durable_execution_callback_heartbeat(
        self,
        *,
        CallbackId: str,  # noqa: N803
    ) -> dict[str, Any]:
        return self._forward(
            "SendDurableExecutionCallbackHeartbeat",
            CallbackId,
            lambda: self.runner.send_callback_heartbeat(CallbackId),
        )


# -- reading a result ------------------------------------------------------------------------


def error_name(result: DurableFunctionTestResult) -> str | None:
    """The failed execution's error class name (the wire type is fully qualified)."""
    if result.error is None or result.error.type is None:
        return None
    return result.error.type.rsplit(".", 1)[-1]


def error_message(result: DurableFunctionTestResult) -> str:
    """The failed execution's error message ("" when none)."""
    return (result.error.message or "") if result.error is not None else ""


def output(result: DurableFunctionTestResult) -> Any:
    """The execution's output, parsed."""
    return json.loads(result.result) if result.result else None


def history_events(runner: DurableFunctionTestRunner, execution_arn: str) -> list[Any]:
    return list(runner.get_execution_history(execution_arn).events)


def retry_delays(runner: DurableFunctionTestRunner, execution_arn: str, name: str) -> list[int]:
    """The delays the runner recorded between the attempts of step ``name`` (each check of a
    ``wait_for_condition`` is an attempt of its step)."""
    delays: list[int] = []
    for event in history_events(runner, execution_arn):
        details = getattr(event, "step_succeeded_details", None) or getattr(
            event, "step_failed_details", None
        )
        retry = getattr(details, "retry_details", None) if details else None
        if event.name == name and retry is not None and retry.next_attempt_delay_seconds:
            delays.append(retry.next_attempt_delay_seconds)
    return delays


def invocations(runner: DurableFunctionTestRunner, execution_arn: str) -> int:
    """How many Lambda invocations the execution took (each after the first is a replay)."""
    return sum(
        1 for e in history_events(runner, execution_arn) if e.event_type == "InvocationCompleted"
    )
