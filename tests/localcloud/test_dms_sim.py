"""The DMS simulator: timelines on the virtual clock, as DescribeReplicationTasks reports them."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dms_waiters.lambdas import dms_status as dms
from localcloud import DmsScenario, LocalCloud, SimulatedTask, Transition
from tests.localcloud.plain_tasks import create_plain_task

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def describe(cloud: LocalCloud, arn: str) -> dict[str, Any]:
    """The task as DescribeReplicationTasks returns it right now."""
    response = cloud.client("dms").describe_replication_tasks(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}]
    )
    (task,) = response["ReplicationTasks"]
    return task  # type: ignore[no-any-return]


def start(cloud: LocalCloud, arn: str, start_type: str = "start-replication") -> None:
    cloud.client("dms").start_replication_task(
        ReplicationTaskArn=arn, StartReplicationTaskType=start_type
    )


def at(seconds: float) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def test_full_load_timeline_is_truthful_at_every_moment(cloud: LocalCloud) -> None:
    scenario = DmsScenario(run_seconds=300, starting_seconds=10, creating_seconds=30, tables=4)
    arn = cloud.create_replication_task("orders", scenario)
    task = describe(cloud, arn)
    assert task["Status"] == "creating"
    assert "StopReason" not in task
    assert "ReplicationTaskStats" not in task  # never started

    cloud.clock.advance(30)
    assert describe(cloud, arn)["Status"] == "ready"

    cloud.clock.advance(70)  # t=100
    start(cloud, arn)
    task = describe(cloud, arn)
    assert task["Status"] == "starting"
    assert task["ReplicationTaskStartDate"] == at(100)
    assert task["ReplicationTaskStats"]["FullLoadProgressPercent"] == 0

    cloud.clock.advance(10)  # t=110: running, nothing loaded yet
    task = describe(cloud, arn)
    assert task["Status"] == "running"
    assert task["ReplicationTaskStats"]["FullLoadProgressPercent"] == 0
    assert task["ReplicationTaskStats"]["FullLoadStartDate"] == at(110)

    cloud.clock.advance(150)  # t=260: half way through the 300 s load
    stats = describe(cloud, arn)["ReplicationTaskStats"]
    assert stats["FullLoadProgressPercent"] == 50
    assert stats["TablesLoaded"] == 2
    assert stats["TablesLoading"] == 1
    assert stats["TablesQueued"] == 1
    assert stats["ElapsedTimeMillis"] == 160_000
    assert "StopDate" not in stats

    cloud.clock.advance(150)  # t=410: stopped at exactly 410
    task = describe(cloud, arn)
    assert task["Status"] == "stopped"
    assert task["StopReason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"
    assert dms.classify(task).verdict == "succeeded"
    stats = task["ReplicationTaskStats"]
    assert stats["FullLoadProgressPercent"] == 100
    assert stats["TablesLoaded"] == 4
    assert stats["TablesLoading"] == stats["TablesQueued"] == stats["TablesErrored"] == 0
    assert stats["StopDate"] == at(410)
    assert stats["FullLoadFinishDate"] == at(410)
    assert "LastFailureMessage" not in task

    cloud.clock.advance(1000)  # nothing changes after the stop
    later = describe(cloud, arn)
    assert later["Status"] == "stopped"
    assert later["ReplicationTaskStats"]["ElapsedTimeMillis"] == 310_000
    assert cloud.replication_task(arn).stopped_at == 410.0


def test_one_second_before_the_end_it_is_still_running(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task("edge", DmsScenario(run_seconds=50, starting_seconds=10))
    start(cloud, arn)
    cloud.clock.advance(59)
    assert describe(cloud, arn)["Status"] == "running"
    cloud.clock.advance(1)
    assert describe(cloud, arn)["Status"] == "stopped"


def test_failed_task_reports_failure_message_and_error_stop_reason(cloud: LocalCloud) -> None:
    scenario = DmsScenario(
        run_seconds=100,
        final_status="failed",
        failure_message="Last Error ODBC general error. Stop Reason FATAL_ERROR Error Level FATAL",
        full_load_seconds=400,
    )
    arn = cloud.create_replication_task("broken", scenario)
    start(cloud, arn)
    cloud.clock.advance(500)
    task = describe(cloud, arn)
    assert task["Status"] == "failed"
    assert task["StopReason"] == "Stop Reason FATAL_ERROR"
    assert task["LastFailureMessage"] == scenario.failure_message
    stats = task["ReplicationTaskStats"]
    assert stats["FullLoadProgressPercent"] == 25  # 100 of 400 s loaded when it failed
    assert stats["TablesLoaded"] == 1
    assert stats["TablesErrored"] == 1
    verdict = dms.classify(task)
    assert verdict.verdict == "failed"
    assert verdict.error == dms.ERROR_TASK_FAILED


def test_a_never_ending_task_keeps_running(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task("cdc", DmsScenario(final_status="never", run_seconds=60))
    start(cloud, arn)
    cloud.clock.advance(10 * 24 * 3600)
    task = describe(cloud, arn)
    assert task["Status"] == "running"
    assert task["ReplicationTaskStats"]["FullLoadProgressPercent"] == 100  # CDC continues
    assert cloud.replication_task(arn).stopped_at is None


@pytest.mark.parametrize("reason", ["STOPPED_AFTER_CACHED_EVENTS", "Stop Reason NORMAL"])
def test_stop_reasons_are_reported_in_api_form(cloud: LocalCloud, reason: str) -> None:
    arn = cloud.create_replication_task("r", DmsScenario(run_seconds=5, stop_reason=reason))
    start(cloud, arn)
    cloud.clock.advance(100)
    bare = dms.normalise_stop_reason(reason)
    assert describe(cloud, arn)["StopReason"] == f"Stop Reason {bare}"


def test_scenario_validation() -> None:
    with pytest.raises(ValueError, match="unknown stop reason"):
        DmsScenario(stop_reason="FINISHED")
    with pytest.raises(ValueError, match="final_status"):
        DmsScenario(final_status="done")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="run_seconds"):
        DmsScenario(run_seconds=-1)
    assert DmsScenario(final_status="failed").effective_stop_reason == "FATAL_ERROR"
    assert DmsScenario().effective_stop_reason == "FULL_LOAD_ONLY_FINISHED"
    assert DmsScenario(final_status="never").effective_stop_reason is None


def test_the_first_describes_are_throttled_without_botocore_retrying(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task("busy", DmsScenario(throttle_describes=2))
    for _ in range(2):
        with pytest.raises(ClientError) as caught:
            describe(cloud, arn)
        error = caught.value.response
        assert error["Error"]["Code"] == "ThrottlingException"
        assert error["Error"]["Message"] == "Rate exceeded"
        # AWS_MAX_ATTEMPTS=1: botocore did not retry (with real sleeps) behind our back.
        assert error["ResponseMetadata"]["RetryAttempts"] == 0
    assert describe(cloud, arn)["Status"] == "ready"
    sim = cloud.replication_task(arn)
    assert (sim.describe_calls, sim.throttled) == (3, 2)


def test_start_honours_every_start_type_and_restarts(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task("t", DmsScenario(run_seconds=100, starting_seconds=0))
    start(cloud, arn, "start-replication")
    cloud.clock.advance(200)
    start(cloud, arn, "resume-processing")
    cloud.clock.advance(50)
    task = describe(cloud, arn)
    assert task["Status"] == "running"
    assert "StopReason" not in task
    stats = task["ReplicationTaskStats"]
    assert stats["FreshStartDate"] == at(0)  # resuming keeps the fresh start
    assert stats["StartDate"] == at(200)
    cloud.clock.advance(100)
    start(cloud, arn, "reload-target")
    assert describe(cloud, arn)["ReplicationTaskStats"]["FreshStartDate"] == at(350)
    sim = cloud.replication_task(arn)
    assert sim.start_types == [
        (0.0, "start-replication"),
        (200.0, "resume-processing"),
        (350.0, "reload-target"),
    ]


def test_start_is_refused_while_the_task_is_busy(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task("t", DmsScenario(run_seconds=100))
    start(cloud, arn)
    with pytest.raises(ClientError) as caught:
        start(cloud, arn)
    assert caught.value.response["Error"]["Code"] == "InvalidResourceStateFault"


def test_scenario_start_error(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task(
        "t", DmsScenario(start_error="AccessDeniedFault", start_error_message="no permission")
    )
    with pytest.raises(ClientError) as caught:
        start(cloud, arn)
    assert caught.value.response["Error"] == {
        "Code": "AccessDeniedFault",
        "Message": "no permission",
    }
    assert describe(cloud, arn)["Status"] == "ready"


def test_unknown_task_is_not_found(cloud: LocalCloud) -> None:
    with pytest.raises(ClientError) as caught:
        start(cloud, "arn:aws:dms:us-east-1:123456789012:task:MISSING")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundFault"


def test_user_stop_ends_the_run_with_normal_and_drops_the_planned_end(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task("t", DmsScenario(run_seconds=1000, starting_seconds=10))
    fired: list[tuple[float, str]] = []
    cloud.dms.add_hook(lambda _task, tr: fired.append((cloud.clock.now(), tr.status)))
    start(cloud, arn)
    cloud.clock.advance(100)
    cloud.client("dms").stop_replication_task(ReplicationTaskArn=arn)
    cloud.clock.advance(5000)
    task = describe(cloud, arn)
    assert task["Status"] == "stopped"
    assert task["StopReason"] == "Stop Reason NORMAL"
    assert dms.classify(task).verdict == "stopped"
    assert fired == [
        (0.0, "creating"),
        (0.0, "ready"),
        (0.0, "starting"),
        (10.0, "running"),
        (100.0, "stopped"),
    ]  # the planned stop at 1010 never fired
    assert cloud.replication_task(arn).stopped_at == 100.0


def test_hooks_fire_at_each_transition_in_the_driver_thread(cloud: LocalCloud) -> None:
    calls: list[tuple[float, Transition, str]] = []
    tasks: list[SimulatedTask] = []

    def hook(task: SimulatedTask, tr: Transition) -> None:
        tasks.append(task)
        calls.append((cloud.clock.now(), tr, threading.current_thread().name))

    cloud.dms.add_hook(hook)
    scenario = DmsScenario(
        run_seconds=300,
        starting_seconds=20,
        stopping_seconds=5,
        creating_seconds=15,
        stop_reason="STOPPED_AFTER_FULL_LOAD",
    )
    arn = cloud.create_replication_task("hooked", scenario)
    cloud.clock.advance(100)
    start(cloud, arn, "reload-target")
    cloud.clock.advance(1000)
    driver = threading.current_thread().name
    assert [(t, tr.status, thread) for t, tr, thread in calls] == [
        (0.0, "creating", driver),
        (15.0, "ready", driver),
        (100.0, "starting", driver),
        (120.0, "running", driver),
        (420.0, "stopping", driver),
        (425.0, "stopped", driver),
    ]
    # Each hook sees the transition's details: what a DMS state-change event carries.
    assert all(t == tr.at for t, tr, _ in calls)
    assert calls[2][1].start_type == "reload-target"
    assert calls[-1][1].stop_reason == "STOPPED_AFTER_FULL_LOAD"
    assert {task.arn for task in tasks} == {arn}


def test_tasks_not_created_through_the_simulator_keep_motos_behaviour(cloud: LocalCloud) -> None:
    arn = create_plain_task(cloud)
    start(cloud, arn)
    cloud.clock.advance(10_000)
    task = describe(cloud, arn)
    assert task["Status"] == "running"  # moto: running forever, no stop reason
    assert "StopReason" not in task
    assert not cloud.dms.tracks(arn)


def test_deleting_a_simulated_task_drops_its_future(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task("gone", DmsScenario(run_seconds=100))
    fired: list[str] = []
    cloud.dms.add_hook(lambda _task, tr: fired.append(tr.status))
    start(cloud, arn)
    cloud.clock.advance(1)
    cloud.client("dms").delete_replication_task(ReplicationTaskArn=arn)
    cloud.clock.advance(1000)
    assert not cloud.dms.tracks(arn)
    assert "stopped" not in fired
    # The deletion itself reaches the hooks (it publishes the "deleted" event).
    assert fired == ["creating", "ready", "starting", "deleting"]


def test_stopped_at_is_unknown_until_the_stop_has_happened(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task("t", DmsScenario(run_seconds=100, starting_seconds=0))
    start(cloud, arn)
    sim = cloud.replication_task(arn)
    cloud.clock.advance(99)
    assert sim.stopped_at is None  # planned for t=100, not yet happened
    cloud.clock.advance(1)
    assert sim.stopped_at == 100.0
