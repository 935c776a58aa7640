"""Scheduled waiters, end to end: EventBridge Scheduler starts a polling waiter and a durable
waiter every night on one full-load task, three virtual nights, each run succeeding; every
firing is delivered twice (Scheduler delivers at least once) and still starts one run."""

from __future__ import annotations

from typing import Any

import pulumi

from dms_waiters.lambdas import dms_status as dms
from dms_waiters.stack import build_stack, stack_outputs
from localcloud import DmsScenario, LocalCloud, deploy_program
from localcloud.active import ACTIVE

DAY = 86400
#: 02:00 and 05:00 in Paris are 01:00 and 04:00 UTC in January (the cloud's epoch is
#: 2026-01-01T00:00Z): the two waiters take turns on the one task.
POLLING = {"expression": "cron(0 2 * * ? *)", "timezone": "Europe/Paris"}
DURABLE = {"expression": "cron(0 5 * * ? *)", "timezone": "Europe/Paris"}


def program(tasks: list[dict[str, Any]]) -> Any:
    def run() -> None:
        for name, outputs in stack_outputs(tasks, build_stack(tasks)).items():
            pulumi.export(name, outputs)

    return run


def test_three_scheduled_nights_each_start_one_run_that_succeeds(cloud: LocalCloud) -> None:
    task = cloud.create_replication_task("nightly", DmsScenario(run_seconds=2 * 3600))
    tasks = [
        {"name": "sfn", "pattern": "polling", "replication_task_arn": task, "schedule": POLLING},
        {
            "name": "fn",
            "pattern": "durable-poll",
            "replication_task_arn": task,
            "schedule": DURABLE,
        },
    ]
    deployment = deploy_program(cloud, program(tasks))
    scheduler = ACTIVE.scheduler
    assert scheduler is not None
    scheduler.deliveries_per_firing = 2  # a retried (duplicate) delivery of every firing
    cloud.clock.advance(3 * DAY - 60 - cloud.clock.now())

    machine = deployment.exports["sfn"]["state_machine_arn"]
    executions = cloud.client("stepfunctions").list_executions(stateMachineArn=machine)
    names = sorted(e["name"] for e in executions["executions"])
    assert names == ["sfn-20260101T010000Z", "sfn-20260102T010000Z", "sfn-20260103T010000Z"]
    for execution in executions["executions"]:
        result = cloud.wait_for_execution(execution["executionArn"])
        assert result.status == "SUCCEEDED", (execution["name"], result.error, result.cause)
        assert result.output["stop_reason"].endswith("FULL_LOAD_ONLY_FINISHED")

    alias = deployment.exports["fn"]["alias_arn"]
    runs = [r for r in cloud.durable.records() if alias.startswith(r.function_arn)]
    assert sorted(r.name for r in runs) == [
        "fn-20260101T040000Z",
        "fn-20260102T040000Z",
        "fn-20260103T040000Z",
    ]
    for run in runs:
        result = cloud.wait_for_durable_execution(run.execution_arn)
        assert result.status == "SUCCEEDED", (run.name, result.error)
        assert result.output["stop_reason"].endswith("FULL_LOAD_ONLY_FINISHED")

    # Every firing reached a starter twice; the task was started once per run: the first
    # run with start-replication, every rerun with auto's reload-target.
    assert len(scheduler.fired) == 6
    counts = cloud.lambda_runtime.invocation_counts()
    assert sum(n for f, n in counts.items() if "schedule-starter" in f) == 12
    starts = [start_type for _, start_type in cloud.replication_task(task).start_types]
    assert starts == [dms.START_REPLICATION] + [dms.RELOAD_TARGET] * 5
