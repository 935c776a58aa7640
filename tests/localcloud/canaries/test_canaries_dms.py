"""Canaries of the DMS patches: each fails if a moto upgrade breaks what it relies on."""

from __future__ import annotations

from moto.dms import models as dms_models

from localcloud import DmsScenario, LocalCloud
from tests.localcloud.plain_tasks import create_plain_task

# -- h. dms_start_task_type ------------------------------------------------------------------


def test_start_replication_task_type_reaches_the_backend(cloud: LocalCloud) -> None:
    client = cloud.client("dms")
    plain = create_plain_task(cloud)
    client.start_replication_task(
        ReplicationTaskArn=plain, StartReplicationTaskType="resume-processing"
    )
    backend = dms_models.dms_backends[cloud.account_id][cloud.region]
    assert backend.replication_tasks[plain].last_start_type == "resume-processing"
    simulated = cloud.create_replication_task("sim", DmsScenario())
    client.start_replication_task(
        ReplicationTaskArn=simulated, StartReplicationTaskType="reload-target"
    )
    assert cloud.replication_task(simulated).start_types == [(0.0, "reload-target")]


# -- i. dms_simulated_tasks ------------------------------------------------------------------


def test_describe_reports_the_simulated_state(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task("sim", DmsScenario(run_seconds=50, final_status="failed"))
    client = cloud.client("dms")
    client.start_replication_task(
        ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
    )
    cloud.clock.advance(100)
    (task,) = client.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": ["sim"]}]
    )["ReplicationTasks"]
    assert task["Status"] == "failed"  # moto alone says "running"
    assert task["StopReason"] == "Stop Reason FATAL_ERROR"
    assert task["LastFailureMessage"]
