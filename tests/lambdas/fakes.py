"""The fakes of every handler test: what moto cannot do, a call recorder, scripted DMS answers.

* ``FakeSfn`` / ``FakeLambda``: record ``send_task_*`` / ``send_durable_execution_callback_*``
  calls and raise a real botocore ``ClientError`` on demand (TaskTimedOut...).
* ``FakeDms``: a moto DMS client whose DescribeReplicationTasks answer can be overridden per
  task (moto's tasks never reach ``stopped``/``failed``), and whose calls can fail on demand.
* ``Recorder``: wraps any client and appends ``(name, method)`` to a shared list, to assert the
  order of calls across clients.
* ``running``/``stopped``/``failed``: a task's describe fields, for either kind of fake DMS.
* ``ScriptedDms`` (a DMS whose answers follow a script), ``RunnerLambda`` (the hub's lambda
  client onto the local durable runner) and helpers reading a runner's result.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing import (
    DurableFunctionTestResult,
    DurableFunctionTestRunner,
)
from botocore.exceptions import ClientError

from localcloud.dms.tasks import create_task as create_moto_task

REGION = "us-east-1"


def use_dummy_aws_environment(monkeypatch: Any) -> None:
    """Dummy credentials and a region: nothing can authenticate against real AWS, and boto3
    needs a region to build a client."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)


ACCOUNT = "123456789012"


def client_error(code: str, operation: str, message: str = "fake error") -> ClientError:
    """The exception botocore raises for an AWS error answer."""
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class Recorder:
    """Proxy recording every method call on ``inner`` as ``(name, method)`` into ``calls``."""

    def __init__(self, inner: Any, name: str, calls: list[tuple[str, str]]) -> None:
        self._inner = inner
        self._name = name
        self._calls = calls

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._inner, attr)
        if not callable(value) or attr.startswith("_"):
            return value

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self._calls.append((self._name, attr))
            return value(*args, **kwargs)

        return recorded


class Forbidden:
    """A client the test did not expect to be used: any call fails the test loudly."""

    def __init__(self, service: str) -> None:
        self._service = service

    def __getattr__(self, attr: str) -> Any:
        raise AssertionError(f"unexpected {self._service}.{attr}: inject a client in the test")


class FakeSfn:
    """Step Functions callbacks: records calls; ``errors[method] = code`` makes one fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: dict[str, str] = {}

    def _call(self, method: str, operation: str, **kwargs: Any) -> dict[str, Any]:
        self.calls.append((method, kwargs))
        code = self.errors.get(method)
        if code:
            raise client_error(code, operation, "Task Timed Out: 'Provided task does not exist'")
        return {}

    def send_task_success(self, *, taskToken: str, output: str) -> dict[str, Any]:  # noqa: N803
        return self._call(
            "send_task_success", "SendTaskSuccess", taskToken=taskToken, output=output
        )

    def send_task_failure(self, *, taskToken: str, error: str, cause: str) -> dict[str, Any]:  # noqa: N803
        return self._call(
            "send_task_failure", "SendTaskFailure", taskToken=taskToken, error=error, cause=cause
        )

    def send_task_heartbeat(self, *, taskToken: str) -> dict[str, Any]:  # noqa: N803
        return self._call("send_task_heartbeat", "SendTaskHeartbeat", taskToken=taskToken)

    def methods(self) -> list[str]:
        """The methods called, in order."""
        return [m for m, _ in self.calls]


class FakeLambda:
    """Durable execution callbacks: records calls; ``errors[method] = code`` makes one fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: dict[str, str] = {}

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        self.calls.append((method, kwargs))
        code = self.errors.get(method)
        if code:
            raise client_error(code, method)
        return {}

    def send_durable_execution_callback_success(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("send_durable_execution_callback_success", **kwargs)

    def send_durable_execution_callback_failure(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("send_durable_execution_callback_failure", **kwargs)

    def send_durable_execution_callback_heartbeat(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("send_durable_execution_callback_heartbeat", **kwargs)


class FakeDms:
    """A moto DMS client with overridable task states and injectable errors.

    ``states[arn] = {...}`` is merged over moto's task in DescribeReplicationTasks answers (for
    ``stopped``/``failed``, which moto never reaches); ``describe_error`` / ``start_error`` (an
    error code) make those calls fail; ``calls`` records ``(method, kwargs)``.
    """

    def __init__(self, moto_dms: Any) -> None:
        self.moto = moto_dms
        self.states: dict[str, dict[str, Any]] = {}
        self.describe_error: str | None = None
        self.start_error: str | None = None
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def describe_replication_tasks(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("describe_replication_tasks", kwargs))
        if self.describe_error:
            raise client_error(self.describe_error, "DescribeReplicationTasks")
        response = copy.deepcopy(self.moto.describe_replication_tasks(**kwargs))
        for task in response.get("ReplicationTasks", []):
            task.update(self.states.get(task["ReplicationTaskArn"], {}))
        return dict(response)

    def start_replication_task(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("start_replication_task", kwargs))
        if self.start_error:
            raise client_error(self.start_error, "StartReplicationTask", "Task is running")
        return dict(self.moto.start_replication_task(**kwargs))

    def methods(self) -> list[str]:
        """The methods called, in order."""
        return [m for m, _ in self.calls]


#: The statistics of a task that loaded its three tables.
LOADED: Final[dict[str, Any]] = {"FullLoadProgressPercent": 100, "TablesLoaded": 3}


def running() -> dict[str, Any]:
    """Describe fields of a task still loading."""
    return {"Status": "running", "ReplicationTaskStats": {"FullLoadProgressPercent": 40}}


def stopped(reason: str, message: str = "", stats: dict[str, Any] | None = None) -> dict[str, Any]:
    """Describe fields of a task that stopped with ``reason`` (API form, with the prefix), with
    ``stats`` as its ``ReplicationTaskStats`` when given."""
    state: dict[str, Any] = {"Status": "stopped", "StopReason": f"Stop Reason {reason}"}
    if stats is not None:
        state["ReplicationTaskStats"] = dict(stats)
    if message:
        state["LastFailureMessage"] = message
    return state


def failed(reason: str, message: str) -> dict[str, Any]:
    """Describe fields of a failed task."""
    return {
        "Status": "failed",
        "StopReason": f"Stop Reason {reason}",
        "LastFailureMessage": message,
    }


def create_task(dms: Any, identifier: str) -> str:
    """Create a DMS replication task in moto; return its ARN."""
    return create_moto_task(dms, REGION, ACCOUNT, identifier)


def owner(waiter: Any) -> tuple[str, str, str, str | None]:
    """Who a waiter resumes: its kind, token, workflow and execution."""
    return (waiter.kind, waiter.token, waiter.workflow, waiter.execution)


def only(calls: list[tuple[str, dict[str, Any]]], method: str) -> list[dict[str, Any]]:
    """The kwargs of every call of ``method``."""
    return [kwargs for m, kwargs in calls if m == method]


# -- durable functions (the local runner) --------------------------------------------------

TASK_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:ORDERSFULLLOAD"

#: A scripted describe answer: task fields (merged over a base task), ``None`` (DMS has no such
#: task) or an exception to raise.
Answer = Mapping[str, Any] | None | Exception


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
