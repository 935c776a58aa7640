"""Small fakes for what moto cannot do in handler tests, and a call recorder.

* ``FakeSfn`` / ``FakeLambda``: record ``send_task_*`` / ``send_durable_execution_callback_*``
  calls and raise a real botocore ``ClientError`` on demand (TaskTimedOut...).
* ``FakeDms``: a moto DMS client whose DescribeReplicationTasks answer can be overridden per
  task (moto's tasks never reach ``stopped``/``failed``), and whose calls can fail on demand.
* ``Recorder``: wraps any client and appends ``(name, method)`` to a shared list, to assert the
  order of calls across clients.
"""

from __future__ import annotations

import copy
from typing import Any

from botocore.exceptions import ClientError

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


def stopped(reason: str, message: str = "") -> dict[str, Any]:
    """Describe fields of a task that stopped with ``reason`` (API form, with the prefix)."""
    state: dict[str, Any] = {"Status": "stopped", "StopReason": f"Stop Reason {reason}"}
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
    prefix = f"arn:aws:dms:{REGION}:{ACCOUNT}"
    response = dms.create_replication_task(
        ReplicationTaskIdentifier=identifier,
        SourceEndpointArn=f"{prefix}:endpoint:SRC{identifier.upper()}",
        TargetEndpointArn=f"{prefix}:endpoint:TGT{identifier.upper()}",
        ReplicationInstanceArn=f"{prefix}:rep:INST{identifier.upper()}",
        MigrationType="full-load",
        TableMappings='{"rules": []}',
    )
    arn: str = response["ReplicationTask"]["ReplicationTaskArn"]
    return arn


def only(calls: list[tuple[str, dict[str, Any]]], method: str) -> list[dict[str, Any]]:
    """The kwargs of every call of ``method``."""
    return [kwargs for m, kwargs in calls if m == method]
