"""Poll mode of the durable waiter, run by the official local runner (virtual time)."""

from __future__ import annotations

import json

import pytest
from aws_durable_execution_sdk_python.lambda_service import InvocationStatus
from aws_durable_execution_sdk_python_testing import (
    DurableFunctionTestResult,
    DurableFunctionTestRunner,
)

from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas.durable_waiter.operations import WAIT_TASK
from dms_waiters.lambdas.durable_waiter.task_state import MAX_MESSAGE_CHARS
from localcloud.awslambda.durable_results import count_operations
from tests.lambdas.durable_waiter.conftest import configure_waiter
from tests.lambdas.fakes import (
    LOADED,
    TASK_ARN,
    ScriptedDms,
    client_error,
    error_message,
    error_name,
    failed,
    invocations,
    output,
    retry_delays,
    running,
    stopped,
    throttled,
)


def configure(monkeypatch: pytest.MonkeyPatch, **env: object) -> None:
    configure_waiter(
        monkeypatch,
        "poll",
        **{
            c.ENV_POLL_INTERVAL_SECONDS: 10,
            c.ENV_MAX_POLL_INTERVAL_SECONDS: 40,
            c.ENV_TIMEOUT_SECONDS: 3600,
            **env,
        },
    )


def run(
    runner: DurableFunctionTestRunner, event: dict[str, object] | None = None
) -> tuple[str, DurableFunctionTestResult]:
    arn = runner.run_async(input=json.dumps(event or {}), execution_timeout=60)
    return arn, runner.wait_for_result(arn, timeout=30)


@pytest.mark.parametrize("reason", ["FULL_LOAD_ONLY_FINISHED", "STOPPED_AFTER_CACHED_EVENTS"])
def test_success_after_some_polls_with_a_success_stop_reason(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    monkeypatch: pytest.MonkeyPatch,
    reason: str,
) -> None:
    configure(monkeypatch)
    dms.script(running(), running(), running(), stopped(reason, stats=LOADED))
    arn, result = run(runner)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert output(result) == {
        "replication_task_arn": TASK_ARN,
        "status": "stopped",
        "stop_reason": f"Stop Reason {reason}",
        "stats": {"FullLoadProgressPercent": 100, "TablesLoaded": 3},
    }
    assert dms.starts() == [
        {"ReplicationTaskArn": TASK_ARN, "StartReplicationTaskType": "start-replication"}
    ]
    assert dms.count("describe_replication_tasks") == 4
    # start (1 attempt) + wait-task (4 checks, each an attempt of its step).
    assert count_operations(result) == 5
    assert count_operations(result, attempts=False) == 2
    assert invocations(runner, arn) == 4  # one per check: the waits in between suspend


def test_a_stop_reason_counts_only_when_configured(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, **{c.ENV_SUCCESS_STOP_REASONS: "NORMAL"})
    dms.script(running(), stopped("NORMAL", stats=LOADED))
    _, result = run(runner)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert output(result)["stop_reason"] == "Stop Reason NORMAL"


def test_failed_task_raises_dms_task_failed_with_the_cause(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch)
    dms.script(running(), failed("FATAL_ERROR", "ORA-01017: invalid username/password"))
    _, result = run(runner)
    assert result.status is InvocationStatus.FAILED
    assert error_name(result) == "DmsTaskFailed"
    assert json.loads(error_message(result)) == {
        "replication_task_arn": TASK_ARN,
        "status": "failed",
        "stop_reason": "Stop Reason FATAL_ERROR",
        "last_failure_message": "ORA-01017: invalid username/password",
    }


def test_normal_stop_is_dms_task_stopped(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch)
    dms.script(running(), stopped("NORMAL", stats=LOADED))
    _, result = run(runner)
    assert error_name(result) == "DmsTaskStopped"
    assert json.loads(error_message(result))["stop_reason"] == "Stop Reason NORMAL"


def test_backoff_doubles_up_to_the_cap(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch)  # 10 s, x2, cap 40 s, no jitter
    dms.script(*[running()] * 6, stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    arn, result = run(runner)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert retry_delays(runner, arn, WAIT_TASK) == [10, 20, 40, 40, 40, 40]


def test_full_jitter_stays_within_the_backoff(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, **{c.ENV_POLL_JITTER: "full"})
    dms.script(*[running()] * 4, stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    arn, result = run(runner)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    delays = retry_delays(runner, arn, WAIT_TASK)
    assert len(delays) == 4
    assert all(1 <= d <= cap for d, cap in zip(delays, [10, 20, 40, 40], strict=True))


def test_deadline_fails_with_dms_wait_timed_out(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(
        monkeypatch,
        **{
            c.ENV_POLL_INTERVAL_SECONDS: 60,
            c.ENV_MAX_POLL_INTERVAL_SECONDS: 600,
            c.ENV_TIMEOUT_SECONDS: 300,
        },
    )
    dms.script(running())  # never finishes
    arn, result = run(runner)
    assert error_name(result) == "DmsWaitTimedOut"
    cause = json.loads(error_message(result))
    assert cause["status"] == "running"
    assert "300 s" in cause["last_failure_message"]
    # Checks at 0, 60, 180 and 300 s: the last delay is clipped to the deadline, not 240 s.
    assert retry_delays(runner, arn, WAIT_TASK) == [60, 120, 120]
    assert dms.count("describe_replication_tasks") == 4


def test_throttled_and_transient_describes_are_absorbed(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch)
    dms.script(
        throttled(),
        running(),
        throttled(),
        client_error("InternalFailure", "DescribeReplicationTasks"),
        stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED),
    )
    _, result = run(runner)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert dms.count("describe_replication_tasks") == 5


def test_a_describe_error_retrying_cannot_fix_ends_the_wait(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch)
    dms.script(client_error("AccessDeniedException", "DescribeReplicationTasks", "no"))
    _, result = run(runner)
    assert error_name(result) == "DmsDescribeFailed"
    assert "AccessDeniedException" in error_message(result)


def test_a_task_unknown_to_dms_is_dms_task_not_found(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, **{c.ENV_START_TYPE: "none"})
    dms.script(running(), None)
    _, result = run(runner)
    assert error_name(result) == "DmsTaskNotFound"
    assert dms.starts() == []


@pytest.mark.parametrize(
    ("code", "error"),
    [("InvalidResourceStateFault", "DmsStartFailed"), ("ResourceNotFoundFault", "DmsTaskNotFound")],
)
def test_a_refused_start_raises_its_error_name(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    error: str,
) -> None:
    configure(monkeypatch)
    dms.start_errors = [client_error(code, "StartReplicationTask", "Task is running")]
    _, result = run(runner)
    assert error_name(result) == error
    assert "Task is running" in error_message(result)
    assert not error_message(result).startswith(error)  # the tag is stripped
    assert dms.count("describe_replication_tasks") == 0
    assert len(dms.starts()) == 1  # not retried


def test_a_throttled_start_is_retried_by_the_step(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch)
    dms.start_errors = [throttled(), throttled()]
    dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    _, result = run(runner)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert len(dms.starts()) == 3


def test_the_event_overrides_the_start_type(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch)
    dms.script(stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    _, result = run(runner, {"start_type": "reload-target"})
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert [s["StartReplicationTaskType"] for s in dms.starts()] == ["reload-target"]


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ({"Status": "ready", "MigrationType": "full-load"}, "start-replication"),
        (
            {"Status": "stopped", "MigrationType": "full-load", "ReplicationTaskStartDate": "x"},
            "reload-target",
        ),
        (
            {"Status": "stopped", "MigrationType": "cdc", "ReplicationTaskStartDate": "x"},
            "resume-processing",
        ),
    ],
)
def test_auto_describes_once_in_the_start_step_then_polls(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    monkeypatch: pytest.MonkeyPatch,
    first: dict[str, object],
    expected: str,
) -> None:
    configure(monkeypatch, **{c.ENV_START_TYPE: "auto"})
    dms.script(first, stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    _, result = run(runner)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert [s["StartReplicationTaskType"] for s in dms.starts()] == [expected]
    assert dms.count("describe_replication_tasks") == 2  # auto's, then the first check


def test_a_throttled_describe_of_auto_is_retried_by_the_step(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, **{c.ENV_START_TYPE: "auto"})
    dms.script(throttled(), {"Status": "ready"}, stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    _, result = run(runner)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert [s["StartReplicationTaskType"] for s in dms.starts()] == ["start-replication"]


@pytest.mark.parametrize(
    ("env", "event"),
    [
        ({}, {"start_type": "bogus"}),
        ({c.ENV_START_TYPE: "none"}, {"start_type": "start-replication"}),
        ({c.ENV_MAX_POLL_INTERVAL_SECONDS: 5}, {}),
        ({c.ENV_POLL_JITTER: "some"}, {}),
        ({c.ENV_WAIT_MODE: "push"}, {}),
        ({c.ENV_SUCCESS_STOP_REASONS: "FINISHED"}, {}),
    ],
)
def test_invalid_configuration_or_event_is_dms_invalid_input(
    runner: DurableFunctionTestRunner,
    dms: ScriptedDms,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, object],
    event: dict[str, object],
) -> None:
    configure(monkeypatch, **env)
    _, result = run(runner, event)
    assert error_name(result) == "DmsInvalidInput"
    assert dms.calls == []


def test_the_checkpointed_state_is_small_whatever_dms_returns(
    runner: DurableFunctionTestRunner, dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch)
    huge = {
        **failed("FATAL_ERROR", "x" * 100_000),
        "TableMappings": "y" * 200_000,
        "ReplicationTaskSettings": "z" * 200_000,
    }
    dms.script(running(), huge)
    _, result = run(runner)
    assert error_name(result) == "DmsTaskFailed"
    wait = result.get_step(WAIT_TASK)
    assert wait.result is None or len(wait.result) < 4000
    assert len(json.loads(error_message(result))["last_failure_message"]) == MAX_MESSAGE_CHARS
