"""LocalCloud as a context manager: isolation, clean exit, and the execution result."""

from __future__ import annotations

import os
import threading

import pytest

from localcloud import DmsScenario, LocalCloud, patches


def test_environment_is_dummy_inside_and_restored_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    with LocalCloud(region="eu-west-1") as cloud:
        # Dummy keys (ours, or moto's own while its mock runs), never the real ones.
        assert os.environ["AWS_ACCESS_KEY_ID"] in ("testing", "FOOBARKEY")
        assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"
        assert os.environ["AWS_MAX_ATTEMPTS"] == "1"  # simulated throttling is not retried
        assert "AWS_PROFILE" not in os.environ
        arn = cloud.create_replication_task("t", DmsScenario())
        assert arn == "arn:aws:dms:eu-west-1:123456789012:task:t"
    assert os.environ["AWS_PROFILE"] == "production"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALKEY"
    assert "AWS_MAX_ATTEMPTS" not in os.environ
    assert patches.applied() == []


def test_only_one_cloud_at_a_time() -> None:
    with LocalCloud(), pytest.raises(RuntimeError, match="already active"), LocalCloud():
        pass


def test_each_cloud_starts_empty_at_virtual_time_zero() -> None:
    with LocalCloud() as first:
        first.create_replication_task("t", DmsScenario())
        first.clock.advance(500)
    with LocalCloud() as second:
        assert second.clock.now() == 0
        tasks = second.client("dms").describe_replication_tasks()["ReplicationTasks"]
        assert tasks == []


def test_exit_stops_running_executions_and_leaks_no_thread() -> None:
    before = threading.active_count()
    with LocalCloud() as cloud:
        definition = {
            "StartAt": "W",
            "States": {"W": {"Type": "Wait", "Seconds": 86400, "End": True}},
        }
        machine = cloud.create_state_machine("day", definition)
        arn = cloud.start_execution(machine)
        cloud.clock.advance(60)  # asleep in the Wait, a day of virtual time to go
        sfn = cloud.client("stepfunctions")
        assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
        clock = cloud.clock
    assert clock.closed
    assert clock.busy_count == 0
    assert threading.active_count() <= before


def test_execution_result_counts_transitions_and_times() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "W"},
            "W": {"Type": "Wait", "Seconds": 90, "Next": "B"},
            "B": {"Type": "Pass", "Result": {"ok": True}, "End": True},
        },
    }
    with LocalCloud() as cloud:
        cloud.clock.advance(10)
        machine = cloud.create_state_machine("m", definition)
        result = cloud.run_execution(machine, {"x": 1}, name="first")
    assert result.execution_arn.endswith(":m:first")
    assert result.status == "SUCCEEDED"
    assert result.output == {"ok": True}
    assert result.transitions == 3
    assert result.billed_transitions == 3
    assert result.entered_states() == ["A", "W", "B"]
    assert (result.started_at, result.ended_at, result.virtual_seconds) == (10, 100, 90)
    assert result.dms_stopped_at is None
    assert result.resume_latency is None
    with pytest.raises(ValueError):
        _ = result.cause_json


def test_executions_get_distinct_names_by_default() -> None:
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    with LocalCloud() as cloud:
        machine = cloud.create_state_machine("m", definition)
        first = cloud.run_execution(machine)
        second = cloud.run_execution(machine)
    assert first.execution_arn != second.execution_arn
    assert first.status == second.status == "SUCCEEDED"
