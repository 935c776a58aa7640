"""The reconciler handler: heartbeat what runs, resume what finished, drop
dead tokens."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dms_waiters.lambdas.dms_api import DESCRIBE_BATCH_SIZE
from dms_waiters.lambdas.handlers import reconciler
from tests.lambdas.conftest import Aws
from tests.lambdas.fakes import create_task, failed, only, stopped

MISSING_ARN = "arn:aws:dms:us-east-1:123456789012:task:DELETEDLONGAGO"


class Context:
    """The bits of the Lambda context the reconciler reads."""

    aws_request_id = "req-1"

    def __init__(self, remaining_millis: int = 900_000) -> None:
        self.remaining = remaining_millis

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining


def new_task(aws: Aws, name: str, *, start: bool = True) -> str:
    arn = create_task(aws.dms.moto, name)
    if start:
        aws.dms.moto.start_replication_task(
            ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
        )
    return arn


def register(aws: Aws, arn: str, token: str, kind: str = "sfn", ttl: int = 3600) -> None:
    aws.store.register(arn, kind, token, [], ttl, "orders")


def run(context: Any = None) -> dict[str, int]:
    return reconciler.handler({}, context or Context())


def test_heartbeats_running_resumes_finished_and_drops_dead_tokens(aws: Aws) -> None:
    running = new_task(aws, "running")
    done = new_task(aws, "done")
    broken = new_task(aws, "broken")
    dead = new_task(aws, "dead")
    durable = new_task(aws, "durable")
    register(aws, running, "tok-running")
    register(aws, done, "tok-done")
    register(aws, broken, "tok-broken")
    register(aws, dead, "tok-dead")
    register(aws, durable, "Y2I=", kind="durable")
    register(aws, MISSING_ARN, "tok-missing")
    register(aws, "url#abc123", "tok-url")
    aws.dms.states[done] = stopped("FULL_LOAD_ONLY_FINISHED")
    aws.dms.states[broken] = failed("FATAL_ERROR", "Last Error boom")

    # The dead token's execution has timed out: heartbeats answer TaskTimedOut.
    original = aws.sfn.send_task_heartbeat

    def heartbeat(*, taskToken: str) -> dict[str, Any]:  # noqa: N803
        if taskToken == "tok-dead":
            aws.sfn.errors["send_task_heartbeat"] = "TaskTimedOut"
        try:
            return original(taskToken=taskToken)
        finally:
            aws.sfn.errors.pop("send_task_heartbeat", None)

    aws.sfn.send_task_heartbeat = heartbeat  # type: ignore[method-assign]

    counts = run()
    assert counts == {
        "waiters": 7,
        "heartbeats": 2,  # running (sfn) + durable
        "succeeded": 1,
        "failed": 1,
        "stopped": 0,
        "not_found": 1,
        "already_done": 1,
        "errors": 0,
        "skipped": 1,  # the url# waiter has no DMS task
        "deferred": 0,
        "overdue": 7,  # registered for an hour: inside the day the item outlives its deadline
    }
    beats = [kw["taskToken"] for kw in only(aws.sfn.calls, "send_task_heartbeat")]
    assert sorted(beats) == ["tok-dead", "tok-running"]
    assert [kw["taskToken"] for kw in only(aws.sfn.calls, "send_task_success")] == ["tok-done"]
    failures = {kw["taskToken"]: kw["error"] for kw in only(aws.sfn.calls, "send_task_failure")}
    assert failures == {"tok-broken": "DmsTaskFailed", "tok-missing": "DmsTaskNotFound"}
    assert [m for m, _ in aws.lambda_.calls] == ["send_durable_execution_callback_heartbeat"]
    left = {w.key for w in aws.store.scan()}
    assert left == {running, durable, "url#abc123"}
    # One batched describe for all six task waiters.
    [describe] = only(aws.dms.calls, "describe_replication_tasks")
    assert sorted(describe["Filters"][0]["Values"]) == sorted(
        [running, done, broken, dead, durable, MISSING_ARN]
    )


def test_resume_after_a_lost_event_uses_the_same_output(aws: Aws) -> None:
    arn = new_task(aws, "lost")
    register(aws, arn, "tok")
    aws.dms.states[arn] = stopped("NORMAL")
    assert run()["stopped"] == 1
    [kwargs] = only(aws.sfn.calls, "send_task_failure")
    assert kwargs["error"] == "DmsTaskStopped"
    assert json.loads(kwargs["cause"]) == {
        "replication_task_arn": arn,
        "status": "stopped",
        "stop_reason": "Stop Reason NORMAL",
        "last_failure_message": "",
    }


def test_describes_in_batches(aws: Aws) -> None:
    arns = [new_task(aws, f"t{i}", start=False) for i in range(DESCRIBE_BATCH_SIZE + 5)]
    for i, arn in enumerate(arns):
        register(aws, arn, f"tok{i}")
    counts = run()
    assert counts["heartbeats"] == len(arns)  # every task is still waiting (moto: creating)
    sizes = sorted(
        len(kw["Filters"][0]["Values"]) for kw in only(aws.dms.calls, "describe_replication_tasks")
    )
    assert sizes == [5, DESCRIBE_BATCH_SIZE]


def test_a_describe_error_is_counted_and_keeps_every_waiter(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    register(aws, aws.task_arn, "tok")
    aws.dms.describe_error = "ThrottlingException"
    counts = run()
    assert counts["errors"] == 1
    assert aws.sfn.calls == []
    assert aws.store.get(aws.task_arn) is not None
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (last["level"], last["errors"]) == ("ERROR", 1)


def test_an_error_on_one_waiter_does_not_stop_the_others(aws: Aws) -> None:
    first = new_task(aws, "first")
    second = new_task(aws, "second")
    register(aws, first, "tok-1")
    register(aws, second, "tok-2")
    aws.dms.states[first] = stopped("FULL_LOAD_ONLY_FINISHED")
    aws.dms.states[second] = stopped("FULL_LOAD_ONLY_FINISHED")
    aws.sfn.errors["send_task_success"] = "ThrottlingException"
    counts = run()
    assert (counts["errors"], counts["succeeded"]) == (2, 0)
    assert len(only(aws.sfn.calls, "send_task_success")) == 2
    assert {w.key for w in aws.store.scan()} == {first, second}  # retried next run


def test_stops_early_when_the_invocation_is_about_to_time_out(aws: Aws) -> None:
    register(aws, aws.task_arn, "tok")
    counts = run(Context(remaining_millis=1_000))
    assert (counts["deferred"], counts["heartbeats"]) == (1, 0)
    assert aws.dms.calls == []


def test_expired_waiters_are_not_reconciled(aws: Aws) -> None:
    aws.store.register(aws.task_arn, "sfn", "tok", [], 10, "orders", now=1_000)
    assert run()["waiters"] == 0
    assert aws.sfn.calls == []


def test_an_empty_table_is_a_quiet_no_op(aws: Aws) -> None:
    counts = run()
    assert set(counts.values()) == {0}
    assert aws.dms.calls == []
