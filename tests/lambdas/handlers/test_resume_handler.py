"""The resume handler: the EventBridge target, fed the fixture events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dms_waiters.lambdas import aws_clients
from dms_waiters.lambdas import dms_status as dms
from dms_waiters.lambdas.handlers import resume
from dms_waiters.lambdas.waiter_store import Waiter
from tests.lambdas.conftest import Aws, load_event
from tests.lambdas.fakes import Recorder, failed, only, stopped

TOKEN = "task-token-1"
FAILURE = (
    "Last Error Task error notification received from subtask 0, thread 0 "
    "[reptask/replicationtask.c:2673] [1022502] Connection to the source database was lost; "
    "Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE"
)


def wait_for(aws: Aws, reasons: tuple[str, ...] = dms.DEFAULT_SUCCESS_STOP_REASONS) -> Waiter:
    """Register a Step Functions waiter for the moto task and start the task (moto: running)."""
    waiter = aws.store.register(aws.task_arn, "sfn", TOKEN, reasons, 3600, "orders", "exec-1")
    aws.dms.moto.start_replication_task(
        ReplicationTaskArn=aws.task_arn, StartReplicationTaskType="start-replication"
    )
    return waiter


def run(event: Any) -> dict[str, Any]:
    return resume.handler(event, None)


def test_success_sends_the_polling_output_and_deletes_the_waiter(aws: Aws) -> None:
    wait_for(aws)
    aws.dms.states[aws.task_arn] = stopped("FULL_LOAD_ONLY_FINISHED")
    result = run(aws.fixture_event("dms_task_stopped.json"))
    assert result["result"] == "succeeded"
    [(method, kwargs)] = aws.sfn.calls
    assert method == "send_task_success"
    assert kwargs["taskToken"] == TOKEN
    output = json.loads(kwargs["output"])
    assert set(output) == {"replication_task_arn", "status", "stop_reason", "stats"}
    assert output["replication_task_arn"] == aws.task_arn
    assert output["status"] == "stopped"
    assert output["stop_reason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"
    assert output["stats"]["TablesLoaded"] == 1  # moto's stats, dates serialised as ISO text
    assert isinstance(output["stats"]["StartDate"], str)
    assert aws.store.get(aws.task_arn) is None


def test_failure_sends_dms_task_failed_with_the_cause(aws: Aws) -> None:
    wait_for(aws)
    aws.dms.states[aws.task_arn] = failed("RECOVERABLE_ERROR", FAILURE)
    result = run(aws.fixture_event("dms_task_failed_observed.json"))
    assert result["result"] == "failed"
    [kwargs] = only(aws.sfn.calls, "send_task_failure")
    assert kwargs["error"] == "DmsTaskFailed"
    assert json.loads(kwargs["cause"]) == {
        "replication_task_arn": aws.task_arn,
        "status": "failed",
        "stop_reason": "Stop Reason RECOVERABLE_ERROR",
        "last_failure_message": FAILURE,
    }
    assert aws.store.get(aws.task_arn) is None


def test_a_normal_stop_is_dms_task_stopped(aws: Aws) -> None:
    wait_for(aws)
    aws.dms.states[aws.task_arn] = stopped("NORMAL")
    assert run(aws.fixture_event("dms_task_stopped_normal_observed.json"))["result"] == "stopped"
    [kwargs] = only(aws.sfn.calls, "send_task_failure")
    assert kwargs["error"] == "DmsTaskStopped"
    assert json.loads(kwargs["cause"])["stop_reason"] == "Stop Reason NORMAL"


def test_success_reasons_are_the_waiters(aws: Aws) -> None:
    wait_for(aws, reasons=("NORMAL",))
    aws.dms.states[aws.task_arn] = stopped("NORMAL")
    assert run(aws.fixture_event("dms_task_stopped_normal_observed.json"))["result"] == (
        "succeeded"
    )
    assert aws.sfn.methods() == ["send_task_success"]


def test_the_event_is_only_a_trigger_describe_decides(aws: Aws) -> None:
    # The event says FULL_LOAD_ONLY_FINISHED, DescribeReplicationTasks says NORMAL: the truth wins.
    wait_for(aws)
    aws.dms.states[aws.task_arn] = stopped("NORMAL")
    assert run(aws.fixture_event("dms_task_stopped.json"))["result"] == "stopped"


def test_an_event_for_a_task_nobody_waits_for_is_ignored_without_describe(aws: Aws) -> None:
    result = run(aws.fixture_event("dms_task_stopped.json"))
    assert result == {**result, "result": "ignored", "reason": "no waiter"}
    assert aws.dms.calls == []
    assert aws.sfn.calls == []


def test_a_duplicate_event_resumes_exactly_once(aws: Aws) -> None:
    wait_for(aws)
    aws.dms.states[aws.task_arn] = stopped("FULL_LOAD_ONLY_FINISHED")
    event = aws.fixture_event("dms_task_stopped.json")
    assert run(event)["result"] == "succeeded"
    assert run(event)["reason"] == "no waiter"
    assert aws.sfn.methods() == ["send_task_success"]
    assert aws.dms.methods() == ["describe_replication_tasks"]


def test_a_stopped_event_while_describe_says_running_is_ignored(aws: Aws) -> None:
    waiter = wait_for(aws)  # moto: running
    result = run(aws.fixture_event("dms_task_stopped.json"))
    assert result["result"] == "ignored"
    assert result["status"] == "running"
    assert aws.sfn.calls == []
    assert aws.store.get(aws.task_arn) == waiter  # kept for a later event or the reconciler


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_an_already_finished_workflow_deletes_the_waiter_without_raising(
    aws: Aws, code: str
) -> None:
    wait_for(aws)
    aws.dms.states[aws.task_arn] = stopped("FULL_LOAD_ONLY_FINISHED")
    aws.sfn.errors["send_task_success"] = code
    assert run(aws.fixture_event("dms_task_stopped.json"))["result"] == "already_done"
    assert aws.store.get(aws.task_arn) is None


@pytest.mark.parametrize(
    "name",
    ["dms_task_created.json", "dms_task_started_documented.json", "dms_task_started_observed.json"],
)
def test_non_terminal_events_cost_no_lookup(aws: Aws, name: str) -> None:
    wait_for(aws)
    calls: list[tuple[str, str]] = []
    aws_clients.set_client("dynamodb", Recorder(aws.dynamodb, "dynamodb", calls))
    result = run(aws.fixture_event(name))
    assert (result["result"], result["reason"]) == ("ignored", "not a terminal event")
    assert calls == []
    assert aws.dms.calls == []


@pytest.mark.parametrize("name", ["dms_serverless_failed.json", "dms_serverless_state_change.json"])
def test_serverless_events_are_ignored(aws: Aws, name: str) -> None:
    result = run(load_event(name))  # the replication-config ARN, as published
    assert result["result"] == "ignored"
    assert result["reason"] == "not a replication task event"
    assert aws.dms.calls == []


@pytest.mark.parametrize(
    "event",
    [None, [], "x", {"source": "aws.dms"}, {"detail-type": "DMS Replication Task State Change"}],
)
def test_malformed_events_are_logged_and_ignored(
    aws: Aws, event: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(event)
    assert result["result"] == "malformed"
    assert result["reason"]
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert (record["level"], record["handler"], record["result"]) == (
        "WARNING",
        "resume",
        "malformed",
    )


def test_a_deleted_task_fails_the_waiter_with_dms_task_not_found(aws: Aws) -> None:
    wait_for(aws)
    aws.dms.moto.stop_replication_task(ReplicationTaskArn=aws.task_arn)
    aws.dms.moto.delete_replication_task(ReplicationTaskArn=aws.task_arn)
    assert run(aws.fixture_event("dms_task_deleted.json"))["result"] == "not_found"
    [kwargs] = only(aws.sfn.calls, "send_task_failure")
    assert kwargs["error"] == "DmsTaskNotFound"
    assert json.loads(kwargs["cause"])["replication_task_arn"] == aws.task_arn


def test_resource_not_found_fault_is_task_not_found(aws: Aws) -> None:
    # AWS answers a filter matching nothing with ResourceNotFoundFault (moto: an empty list).
    wait_for(aws)
    aws.dms.describe_error = "ResourceNotFoundFault"
    assert run(aws.fixture_event("dms_task_failed_documented.json"))["result"] == "not_found"


def test_throttling_raises_for_a_retry_and_keeps_the_waiter(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    waiter = wait_for(aws)
    aws.dms.describe_error = "ThrottlingException"
    with pytest.raises(ClientError):
        run(aws.fixture_event("dms_task_stopped.json"))
    assert aws.store.get(aws.task_arn) == waiter
    *_, log_line, metric = capsys.readouterr().out.splitlines()
    assert json.loads(log_line)["level"] == "ERROR"
    assert json.loads(metric)["Errors"] == 1


def test_a_durable_waiter_is_resumed_through_its_callback(aws: Aws) -> None:
    aws.store.register(aws.task_arn, "durable", "Y2FsbGJhY2s=", [], 3600, "orders-durable")
    aws.dms.states[aws.task_arn] = stopped("FULL_LOAD_ONLY_FINISHED")
    assert run(aws.fixture_event("dms_task_stopped.json"))["result"] == "succeeded"
    [(method, kwargs)] = aws.lambda_.calls
    assert method == "send_durable_execution_callback_success"
    assert kwargs["CallbackId"] == "Y2FsbGJhY2s="
    assert json.loads(kwargs["Result"])["status"] == "stopped"
    assert aws.sfn.calls == []


def test_one_json_log_line_per_event(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    wait_for(aws)
    aws.dms.states[aws.task_arn] = stopped("FULL_LOAD_ONLY_FINISHED")
    capsys.readouterr()
    result = run(aws.fixture_event("dms_task_stopped.json"))
    # One log line, after the resume's metric record (tests/lambdas/test_metrics.py).
    metric, line = capsys.readouterr().out.splitlines()
    assert "_aws" in json.loads(metric)
    record = json.loads(line)
    assert record["result"] == result["result"] == "succeeded"
    assert record["event_id"] == "DMS-EVENT-0079"
    assert record["replication_task_arn"] == aws.task_arn
    assert TOKEN not in line  # tokens are capabilities: never logged
