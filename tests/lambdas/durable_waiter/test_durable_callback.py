"""Callback mode of the durable waiter, completed by the hub's REAL completion code.

The submitter registers the callback id in the waiter table (moto DynamoDB) before starting the
task; the test then plays the hub: it describes the task and calls ``completion.resume_waiter``
with a ``DurableCompleter`` whose lambda client forwards boto3's
``send_durable_execution_callback_*`` calls to the local runner.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

import pytest
from aws_durable_execution_sdk_python.lambda_service import InvocationStatus
from aws_durable_execution_sdk_python_testing import (
    DurableFunctionTestResult,
    DurableFunctionTestRunner,
)

from dms_waiters.lambdas import aws_clients
from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas.completion import DurableCompleter, heartbeat_waiter, resume_waiter
from dms_waiters.lambdas.dms_api import describe_task
from dms_waiters.lambdas.durable_waiter.callback import make_submitter
from dms_waiters.lambdas.durable_waiter.config import DurableWaiterConfig
from dms_waiters.lambdas.durable_waiter.named_errors import untag
from dms_waiters.lambdas.durable_waiter.operations import STEP_FORGET_WAITER
from dms_waiters.lambdas.errors import DmsAlreadyWaiting, DmsStartFailed
from dms_waiters.lambdas.waiter_store import Waiter, WaiterStore
from localcloud.awslambda.durable_results import count_operations
from tests.lambdas.durable_waiter.conftest import configure_waiter
from tests.lambdas.fakes import (
    LOADED,
    TASK_ARN,
    Recorder,
    RunnerLambda,
    ScriptedDms,
    client_error,
    error_message,
    error_name,
    failed,
    output,
    running,
    stopped,
)


def configure(monkeypatch: pytest.MonkeyPatch, **env: object) -> None:
    settings = {c.ENV_TIMEOUT_SECONDS: 30, c.ENV_WORKFLOW_NAME: "orders", **env}
    configure_waiter(monkeypatch, "callback", **settings)


@dataclass
class Waiting:
    """A callback-mode durable waiter under test: the local runner, the scripted DMS, the waiter
    table, and what the hub does to it."""

    runner: DurableFunctionTestRunner
    dms: ScriptedDms
    store: WaiterStore
    monkeypatch: pytest.MonkeyPatch

    def configure(self, **env: object) -> None:
        configure(self.monkeypatch, **env)

    def start(self, event: dict[str, Any] | None = None) -> str:
        return self.runner.run_async(input=json.dumps(event or {}), execution_timeout=60)

    def start_registered(self, **env: object) -> tuple[str, Waiter]:
        """``configure`` the function, start a run and wait for its waiter: (run arn, waiter)."""
        self.configure(**env)
        arn = self.start()
        return arn, self.registered(arn)

    def registered(self, arn: str) -> Waiter:
        """Wait for the callback to exist; return the waiter the submitter registered for it."""
        callback_id = self.runner.wait_for_callback(arn, timeout=10)
        waiter = self.store.get(TASK_ARN)
        assert waiter is not None
        assert (waiter.kind, waiter.token) == (c.KIND_DURABLE, callback_id)
        return waiter

    def hub_resume(self) -> str:
        """What the event handler / reconciler does: describe (the truth), then resume."""
        waiter = self.store.get(TASK_ARN)
        assert waiter is not None
        return resume_waiter(
            waiter,
            describe_task(self.dms, TASK_ARN),
            store=self.store,
            completer=DurableCompleter(RunnerLambda(self.runner)),
        )

    def result(self, arn: str) -> DurableFunctionTestResult:
        return self.runner.wait_for_result(arn, timeout=30)


@pytest.fixture
def w(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
) -> Waiting:
    return Waiting(runner, dms, store, monkeypatch)


def test_success_completed_by_the_hub(w: Waiting) -> None:
    arn, waiter = w.start_registered(**{c.ENV_HEARTBEAT_SECONDS: 20})
    assert waiter.execution == arn
    assert waiter.workflow == "orders"
    assert waiter.started_at is not None
    assert waiter.expires_at - waiter.created_at == 30 + c.WAITER_TTL_MARGIN_SECONDS
    assert [s["StartReplicationTaskType"] for s in w.dms.starts()] == ["start-replication"]

    w.dms.script(running())
    assert w.hub_resume() == "waiting"
    w.dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    assert w.hub_resume() == "succeeded"

    result = w.result(arn)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert output(result) == {
        "replication_task_arn": TASK_ARN,
        "status": "stopped",
        "stop_reason": "Stop Reason FULL_LOAD_ONLY_FINISHED",
        "stats": {"FullLoadProgressPercent": 100, "TablesLoaded": 3},
    }
    assert w.store.get(TASK_ARN) is None
    # wait_for_callback = a context + its callback + the submitter step.
    assert count_operations(result) == 3


def test_the_waiter_is_registered_before_the_task_starts(w: Waiting) -> None:
    w.configure()
    calls: list[tuple[str, str]] = []
    aws_clients.set_client("dynamodb", Recorder(w.store.dynamodb, "dynamodb", calls))
    w.dms.on_call = lambda method: calls.append(("dms", method))
    arn = w.start()
    w.registered(arn)
    assert calls.index(("dynamodb", "put_item")) < calls.index(("dms", "start_replication_task"))


def test_a_task_that_stops_at_once_still_finds_its_waiter(w: Waiting) -> None:
    w.configure()
    # Finished before anyone saw it running.
    w.dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    arn = w.start()
    w.registered(arn)
    assert w.hub_resume() == "succeeded"
    assert w.result(arn).status is InvocationStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("state", "error", "message"),
    [
        (failed("FATAL_ERROR", "disk full"), "DmsTaskFailed", "disk full"),
        (stopped("NORMAL", stats=LOADED), "DmsTaskStopped", ""),
        (None, "DmsTaskNotFound", "DMS has no replication task with this ARN (deleted?)"),
    ],
)
def test_failure_sent_by_the_hub_raises_the_error_name_with_the_cause(
    w: Waiting,
    state: dict[str, Any] | None,
    error: str,
    message: str,
) -> None:
    arn, _ = w.start_registered()
    w.dms.script(state)
    w.hub_resume()
    result = w.result(arn)
    assert result.status is InvocationStatus.FAILED
    assert error_name(result) == error
    cause = json.loads(error_message(result))
    assert cause["replication_task_arn"] == TASK_ARN
    assert cause["last_failure_message"] == message
    assert w.store.get(TASK_ARN) is None


def test_timeout_fails_with_dms_wait_timed_out_and_forgets_the_waiter(w: Waiting) -> None:
    # callback timeouts run in real time
    arn, waiter = w.start_registered(**{c.ENV_TIMEOUT_SECONDS: 1})
    result = w.result(arn)
    assert error_name(result) == "DmsWaitTimedOut"
    assert "1 s" in json.loads(error_message(result))["last_failure_message"]
    assert w.store.get(TASK_ARN) is None  # step forget-waiter
    assert result.get_step(STEP_FORGET_WAITER).result == "true"
    # A completion arriving late finds the callback closed: "already done", no error.
    w.dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    completer = DurableCompleter(RunnerLambda(w.runner))
    assert (
        resume_waiter(waiter, describe_task(w.dms, TASK_ARN), store=w.store, completer=completer)
        == "already_done"
    )


def test_heartbeats_from_the_hub_keep_the_wait_alive(w: Waiting) -> None:
    arn, waiter = w.start_registered(**{c.ENV_HEARTBEAT_SECONDS: 1})
    lambda_client = RunnerLambda(w.runner)
    completer = DurableCompleter(lambda_client)
    for _ in range(4):  # 1.2 s in all: longer than the heartbeat timeout
        assert heartbeat_waiter(waiter, store=w.store, completer=completer) == "heartbeat"
        time.sleep(0.3)
    w.dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    assert w.hub_resume() == "succeeded"
    assert w.result(arn).status is InvocationStatus.SUCCEEDED
    assert [op for op, _ in lambda_client.calls].count("SendDurableExecutionCallbackHeartbeat") == 4


def test_a_refused_start_deletes_the_waiter_and_raises_dms_start_failed(w: Waiting) -> None:
    w.configure()
    w.dms.start_errors = [client_error("InvalidResourceStateFault", "StartReplicationTask", "busy")]
    result = w.result(w.start())
    assert error_name(result) == "DmsStartFailed"
    assert error_message(result) == "InvalidResourceStateFault: busy"
    assert w.store.get(TASK_ARN) is None
    assert len(w.dms.starts()) == 1


def test_another_live_waiter_is_dms_already_waiting(w: Waiting) -> None:
    w.configure()
    w.store.register(TASK_ARN, c.KIND_SFN, "other-token", (), 3600, "other")
    result = w.result(w.start())
    assert error_name(result) == "DmsAlreadyWaiting"
    assert w.dms.starts() == []
    waiter = w.store.get(TASK_ARN)
    assert waiter is not None and waiter.token == "other-token"  # left alone


class _Ctx:
    """What a submitter gets besides the callback id (a logger)."""

    class logger:  # noqa: N801 - mimics the attribute
        @staticmethod
        def warning(message: str) -> None:
            pass


def test_the_submitter_is_idempotent_for_the_same_callback_id(
    dms: ScriptedDms, store: WaiterStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch)
    config = DurableWaiterConfig.from_env(os.environ)
    submit = make_submitter(config, "start-replication", "arn:execution/1")
    submit("callback-1", _Ctx())  # type: ignore[arg-type]
    submit("callback-1", _Ctx())  # type: ignore[arg-type]  # at-least-once: a retry
    waiter = store.get(TASK_ARN)
    assert waiter is not None and waiter.token == "callback-1"
    assert len(dms.starts()) == 1  # the retry saw started_at and did not start again
    # Another execution's submitter is refused (the error name travels as a message prefix).
    other = make_submitter(config, "start-replication", "arn:execution/2")
    with pytest.raises(DmsAlreadyWaiting, match=r"^DmsAlreadyWaiting: "):
        other("callback-2", _Ctx())  # type: ignore[arg-type]
    assert len(dms.starts()) == 1


def test_a_throttled_start_in_the_submitter_is_retried(w: Waiting) -> None:
    w.configure()
    w.dms.start_errors = [client_error("ThrottlingException", "StartReplicationTask", "slow down")]
    arn = w.start()
    # Ready after the first (failed) submitter attempt, which deleted the waiter it registered;
    # the retry registers the same callback id again and starts the task.
    callback_id = w.runner.wait_for_callback(arn, timeout=10)
    deadline = time.monotonic() + 10
    while len(w.dms.starts()) < 2 or getattr(w.store.get(TASK_ARN), "started_at", None) is None:
        assert time.monotonic() < deadline, "the submitter was not retried"
        time.sleep(0.02)
    assert len(w.dms.starts()) == 2
    waiter = w.store.get(TASK_ARN)
    assert waiter is not None and waiter.token == callback_id
    w.dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    assert w.hub_resume() == "succeeded"
    result = w.result(arn)
    assert result.status is InvocationStatus.SUCCEEDED
    assert count_operations(result) == 4  # the submitter step took 2 attempts


def test_untagged_messages_are_left_alone() -> None:
    assert untag("DmsStartFailed: x: y") == (DmsStartFailed, "x: y")
    assert untag("NotOurs: x") == (None, "NotOurs: x")
    assert untag(None) == (None, "")


def test_wait_only_registers_without_starting(w: Waiting) -> None:
    arn, waiter = w.start_registered(**{c.ENV_START_TYPE: "none"})
    assert waiter.started_at is None
    assert w.dms.starts() == []
    w.dms.script(stopped("STOPPED_AFTER_CACHED_EVENTS", stats=LOADED))
    assert w.hub_resume() == "succeeded"
    assert w.result(arn).status is InvocationStatus.SUCCEEDED


def test_auto_restarts_a_full_load_that_already_ran(w: Waiting) -> None:
    w.configure(**{c.ENV_START_TYPE: "auto"})
    ran = {"Status": "stopped", "MigrationType": "full-load", "ReplicationTaskStartDate": "x"}
    w.dms.script(ran)
    arn = w.start()
    w.registered(arn)
    assert [s["StartReplicationTaskType"] for s in w.dms.starts()] == ["reload-target"]
    assert w.dms.count("describe_replication_tasks") == 1
