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


def start(runner: DurableFunctionTestRunner, event: dict[str, Any] | None = None) -> str:
    return runner.run_async(input=json.dumps(event or {}), execution_timeout=60)


def start_registered(
    runner: DurableFunctionTestRunner,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
    **env: object,
) -> tuple[str, Waiter]:
    """``configure`` the function, start a run and wait for its waiter: (run arn, waiter)."""
    configure(monkeypatch, **env)
    arn = start(runner)
    return arn, registered(runner, arn, store)


def registered(runner: DurableFunctionTestRunner, arn: str, store: WaiterStore) -> Waiter:
    """Wait for the callback to exist; return the waiter the submitter registered for it."""
    callback_id = runner.wait_for_callback(arn, timeout=10)
    waiter = store.get(TASK_ARN)
    assert waiter is not None
    assert (waiter.kind, waiter.token) == (c.KIND_DURABLE, callback_id)
    return waiter


def hub_resume(runner: DurableFunctionTestRunner, store: WaiterStore, dms: ScriptedDms) -> str:
    """What the event handler / reconciler does: describe (the truth), then resume."""
    waiter = store.get(TASK_ARN)
    assert waiter is not None
    completer = DurableCompleter(RunnerLambda(runner))
    return resume_waiter(waiter, describe_task(dms, TASK_ARN), store=store, completer=completer)


def result_of(runner: DurableFunctionTestRunner, arn: str) -> DurableFunctionTestResult:
    return runner.wait_for_result(arn, timeout=30)


def test_success_completed_by_the_hub(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arn, waiter = start_registered(runner, store, monkeypatch, **{c.ENV_HEARTBEAT_SECONDS: 20})
    assert waiter.execution == arn
    assert waiter.workflow == "orders"
    assert waiter.started_at is not None
    assert waiter.expires_at - waiter.created_at == 30 + c.WAITER_TTL_MARGIN_SECONDS
    assert [s["StartReplicationTaskType"] for s in dms.starts()] == ["start-replication"]

    dms.script(running())
    assert hub_resume(runner, store, dms) == "waiting"
    dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    assert hub_resume(runner, store, dms) == "succeeded"

    result = result_of(runner, arn)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert output(result) == {
        "replication_task_arn": TASK_ARN,
        "status": "stopped",
        "stop_reason": "Stop Reason FULL_LOAD_ONLY_FINISHED",
        "stats": {"FullLoadProgressPercent": 100, "TablesLoaded": 3},
    }
    assert store.get(TASK_ARN) is None
    # wait_for_callback = a context + its callback + the submitter step.
    assert count_operations(result) == 3


def test_the_waiter_is_registered_before_the_task_starts(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch)
    calls: list[tuple[str, str]] = []
    aws_clients.set_client("dynamodb", Recorder(store.dynamodb, "dynamodb", calls))
    dms.on_call = lambda method: calls.append(("dms", method))
    arn = start(runner)
    registered(runner, arn, store)
    assert calls.index(("dynamodb", "put_item")) < calls.index(("dms", "start_replication_task"))


def test_a_task_that_stops_at_once_still_finds_its_waiter(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch)
    # Finished before anyone saw it running.
    dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    arn = start(runner)
    registered(runner, arn, store)
    assert hub_resume(runner, store, dms) == "succeeded"
    assert result_of(runner, arn).status is InvocationStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("state", "error", "message"),
    [
        (failed("FATAL_ERROR", "disk full"), "DmsTaskFailed", "disk full"),
        (stopped("NORMAL", stats=LOADED), "DmsTaskStopped", ""),
        (None, "DmsTaskNotFound", "DMS has no replication task with this ARN (deleted?)"),
    ],
)
def test_failure_sent_by_the_hub_raises_the_error_name_with_the_cause(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
    state: dict[str, Any] | None,
    error: str,
    message: str,
) -> None:
    arn, _ = start_registered(runner, store, monkeypatch)
    dms.script(state)
    hub_resume(runner, store, dms)
    result = result_of(runner, arn)
    assert result.status is InvocationStatus.FAILED
    assert error_name(result) == error
    cause = json.loads(error_message(result))
    assert cause["replication_task_arn"] == TASK_ARN
    assert cause["last_failure_message"] == message
    assert store.get(TASK_ARN) is None


def test_timeout_fails_with_dms_wait_timed_out_and_forgets_the_waiter(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # callback timeouts run in real time
    arn, waiter = start_registered(runner, store, monkeypatch, **{c.ENV_TIMEOUT_SECONDS: 1})
    result = result_of(runner, arn)
    assert error_name(result) == "DmsWaitTimedOut"
    assert "1 s" in json.loads(error_message(result))["last_failure_message"]
    assert store.get(TASK_ARN) is None  # step forget-waiter
    assert result.get_step(STEP_FORGET_WAITER).result == "true"
    # A completion arriving late finds the callback closed: "already done", no error.
    dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    completer = DurableCompleter(RunnerLambda(runner))
    assert (
        resume_waiter(waiter, describe_task(dms, TASK_ARN), store=store, completer=completer)
        == "already_done"
    )


def test_heartbeats_from_the_hub_keep_the_wait_alive(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arn, waiter = start_registered(runner, store, monkeypatch, **{c.ENV_HEARTBEAT_SECONDS: 1})
    lambda_client = RunnerLambda(runner)
    completer = DurableCompleter(lambda_client)
    for _ in range(4):  # 1.2 s in all: longer than the heartbeat timeout
        assert heartbeat_waiter(waiter, store=store, completer=completer) == "heartbeat"
        time.sleep(0.3)
    dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    assert hub_resume(runner, store, dms) == "succeeded"
    assert result_of(runner, arn).status is InvocationStatus.SUCCEEDED
    assert [op for op, _ in lambda_client.calls].count("SendDurableExecutionCallbackHeartbeat") == 4


def test_a_refused_start_deletes_the_waiter_and_raises_dms_start_failed(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch)
    dms.start_errors = [client_error("InvalidResourceStateFault", "StartReplicationTask", "busy")]
    result = result_of(runner, start(runner))
    assert error_name(result) == "DmsStartFailed"
    assert error_message(result) == "InvalidResourceStateFault: busy"
    assert store.get(TASK_ARN) is None
    assert len(dms.starts()) == 1


def test_another_live_waiter_is_dms_already_waiting(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch)
    store.register(TASK_ARN, c.KIND_SFN, "other-token", (), 3600, "other")
    result = result_of(runner, start(runner))
    assert error_name(result) == "DmsAlreadyWaiting"
    assert dms.starts() == []
    waiter = store.get(TASK_ARN)
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


def test_a_throttled_start_in_the_submitter_is_retried(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch)
    dms.start_errors = [client_error("ThrottlingException", "StartReplicationTask", "slow down")]
    arn = start(runner)
    # Ready after the first (failed) submitter attempt, which deleted the waiter it registered;
    # the retry registers the same callback id again and starts the task.
    callback_id = runner.wait_for_callback(arn, timeout=10)
    deadline = time.monotonic() + 10
    while len(dms.starts()) < 2 or getattr(store.get(TASK_ARN), "started_at", None) is None:
        assert time.monotonic() < deadline, "the submitter was not retried"
        time.sleep(0.02)
    assert len(dms.starts()) == 2
    waiter = store.get(TASK_ARN)
    assert waiter is not None and waiter.token == callback_id
    dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    assert hub_resume(runner, store, dms) == "succeeded"
    result = result_of(runner, arn)
    assert result.status is InvocationStatus.SUCCEEDED
    assert count_operations(result) == 4  # the submitter step took 2 attempts


def test_untagged_messages_are_left_alone() -> None:
    assert untag("DmsStartFailed: x: y") == (DmsStartFailed, "x: y")
    assert untag("NotOurs: x") == (None, "NotOurs: x")
    assert untag(None) == (None, "")


def test_wait_only_registers_without_starting(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arn, waiter = start_registered(runner, store, monkeypatch, **{c.ENV_START_TYPE: "none"})
    assert waiter.started_at is None
    assert dms.starts() == []
    dms.script(stopped("STOPPED_AFTER_CACHED_EVENTS", stats=LOADED))
    assert hub_resume(runner, store, dms) == "succeeded"
    assert result_of(runner, arn).status is InvocationStatus.SUCCEEDED


def test_auto_restarts_a_full_load_that_already_ran(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    store: WaiterStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch, **{c.ENV_START_TYPE: "auto"})
    dms.script({"Status": "stopped", "MigrationType": "full-load", "ReplicationTaskStartDate": "x"})
    arn = start(runner)
    registered(runner, arn, store)
    assert [s["StartReplicationTaskType"] for s in dms.starts()] == ["reload-target"]
    assert dms.count("describe_replication_tasks") == 1
