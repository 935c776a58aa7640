"""``waits``, ``status`` and ``release`` on a waiting workflow of each kind."""

from __future__ import annotations

import json

import pytest

from dms_waiters.lambdas.errors import ERROR_WAIT_RELEASED
from tests.components.cli.conftest import HOUR, Stack, run_cli

pytestmark = pytest.mark.slow  # deploys the whole stack


def test_waits_lists_each_kind_and_release_fails_each_workflow(stack: Stack) -> None:
    cloud = stack.cloud
    executions = stack.start_all()
    cloud.clock.advance(HOUR)

    listed = run_cli(cloud, "waits", "--hub", stack.table, "--json")
    assert (listed.code, listed.err) == (0, "")
    rows = {row["workflow"]: row for row in json.loads(listed.out)}
    assert set(rows) == {"orders", "customers"}
    assert rows["orders"]["kind"] == "sfn"
    assert rows["orders"]["execution"] == executions["orders"]
    assert rows["customers"]["kind"] == "durable"
    assert rows["customers"]["execution"] == executions["customers"]
    for name, row in rows.items():
        assert row["replication_task_arn"] == stack.tasks[name]
        assert HOUR <= row["age_seconds"] < HOUR + 60
        # The reconciler (every 15 minutes) heartbeats each, and notes when.
        assert row["last_heartbeat_at"] is not None
        assert row["expires_at"] > row["registered_at"]
    text = run_cli(cloud, "waits", "--hub", stack.table).out
    header, *lines = text.splitlines()
    assert header.split() == [
        "TASK", "WORKFLOW", "EXECUTION", "KIND", "AGE", "LAST", "HEARTBEAT", "EXPIRES"
    ]  # fmt: skip
    assert len(lines) == 2 and all("1h 0" in line for line in lines)

    side = json.loads(run_cli(cloud, "status", stack.tasks["orders"], "--hub", stack.table,
                              "--json").out)  # fmt: skip
    assert side["waiter"]["execution"] == executions["orders"]
    assert side["workflow"]["status"] == "RUNNING"
    assert side["dms"]["status"] == "running"
    durable_side = json.loads(
        run_cli(cloud, "status", stack.tasks["customers"], "--hub", stack.table, "--json").out
    )
    assert durable_side["workflow"]["status"] == "RUNNING"

    released = run_cli(
        cloud, "release", stack.tasks["orders"], "--hub", stack.table, "--reason", "source moved"
    )
    assert released.code == 0, released.err
    assert released.out.startswith(f"released {stack.tasks['orders']}: sfn workflow orders")
    # Only that wait was touched.
    left = json.loads(run_cli(cloud, "waits", "--hub", stack.table, "--json").out)
    assert [row["workflow"] for row in left] == ["customers"]
    result = cloud.wait_for_execution(executions["orders"])
    assert (result.status, result.error) == ("FAILED", ERROR_WAIT_RELEASED)
    cause = json.loads(result.cause or "")
    assert cause["last_failure_message"] == "released by an operator: source moved"
    assert cause["status"] == "running"

    assert (
        run_cli(
            cloud, "release", stack.tasks["customers"], "--hub", stack.table, "--reason", "x"
        ).code
        == 0
    )
    durable = cloud.wait_for_durable_execution(executions["customers"])
    assert durable.status == "FAILED"
    assert ERROR_WAIT_RELEASED in json.dumps(durable.error)
    assert run_cli(cloud, "waits", "--hub", stack.table).out == "no wait in flight\n"
    # The DMS tasks run on: a release only ends the wait.
    tasks = cloud.client("dms").describe_replication_tasks()["ReplicationTasks"]
    assert {t["Status"] for t in tasks} == {"running"}

    again = run_cli(cloud, "release", stack.tasks["orders"], "--hub", stack.table, "--reason", "x")
    assert again.code == 1
    assert again.err == (
        f"dms-waiters: error: no live waiter for {stack.tasks['orders']} in {stack.table}: "
        "nothing to release\n"
    )
