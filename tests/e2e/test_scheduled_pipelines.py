"""Scheduled pipelines, end to end: a ``WorkflowSchedule`` starts the user's parent (a state
machine nesting the polling waiter, or a durable function chaining the durable waiter) at
02:00 UTC three virtual nights in a row on one full-load task; every night succeeds, the first
starts the task and the reruns reload the target, and a repeated Scheduler delivery of a night
starts no second pipeline run. The pipeline is ``bench/pipeline.py``'s."""

from __future__ import annotations

import pytest

from bench.pipeline import Pipeline, deployed_pipeline, scheduled_run_name
from dms_waiters.lambdas import dms_status as dms
from localcloud import DmsScenario
from localcloud.active import ACTIVE

HOUR = 3600


def pipeline_runs(pipeline: Pipeline) -> list[str]:
    """Names of every run of the pipeline's parent."""
    if pipeline.durable:
        records = pipeline.cloud.durable.records()
        return sorted(r.name for r in records if pipeline.parent.startswith(r.function_arn))
    executions = pipeline.cloud.client("stepfunctions").list_executions(
        stateMachineArn=pipeline.parent
    )["executions"]
    return sorted(e["name"] for e in executions)


@pytest.mark.parametrize("pattern", ["polling", "durable-poll"])
def test_a_scheduled_pipeline_runs_three_nights_each_started_once(pattern: str) -> None:
    with deployed_pipeline(pattern, DmsScenario(run_seconds=HOUR, tables=3), scheduled=True) as p:
        scheduler = ACTIVE.scheduler
        assert scheduler is not None
        scheduler.deliveries_per_firing = 2  # Scheduler delivers at least once: a repeat
        nights = [p.run_scheduled_night(n) for n in (1, 2, 3)]
        assert [n.status for n in nights] == ["SUCCEEDED"] * 3, [n.cause for n in nights]
        assert [n.start_type for n in nights] == [
            dms.START_REPLICATION,
            dms.RELOAD_TARGET,
            dms.RELOAD_TARGET,
        ]
        assert pipeline_runs(p) == [scheduled_run_name(n) for n in (1, 2, 3)]
        for night in nights:
            assert night.scheduler_invocations == 1
            assert night.output["extract"] == {"rows": 1000}
            assert night.output["transform"] == {"tables": 3}
        # Each firing reached the starter twice; the task was started once a night.
        counts = p.cloud.lambda_runtime.invocation_counts()
        assert sum(n for f, n in counts.items() if "schedule-starter" in f) == 6
        assert len(p.cloud.replication_task(p.task_arn).start_types) == 3
