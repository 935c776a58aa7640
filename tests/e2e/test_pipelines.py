"""Each waiter inside a nightly pipeline (extract, the DMS full load, transform), deployed and
run three nights in a row on one full-load task: a parent state machine nesting a Step Functions
waiter (``startExecution.sync:2``), or a durable parent chaining a durable waiter
(``context.invoke``). The pipeline is ``bench/pipeline.py``'s, the one the bench measures."""

from __future__ import annotations

import json

import pytest

from bench.pipeline import DMS_FAILED, PIPELINE_PATTERNS, deployed_pipeline, run_nights
from dms_waiters.lambdas import dms_status as dms
from dms_waiters.lambdas import errors
from localcloud import DmsScenario

HOUR = 3600


@pytest.mark.parametrize("pattern", PIPELINE_PATTERNS)
def test_three_nights_in_a_row_succeed(pattern: str) -> None:
    nights = run_nights(pattern, 3, DmsScenario(run_seconds=HOUR, tables=3))
    assert [n.status for n in nights] == ["SUCCEEDED"] * 3, [n.cause for n in nights]
    # Start type auto: the first night starts the task, the next ones reload the target.
    assert [n.start_type for n in nights] == [
        dms.START_REPLICATION,
        dms.RELOAD_TARGET,
        dms.RELOAD_TARGET,
    ]
    for night in nights:
        assert night.output["extract"] == {"rows": 1000}
        if pattern.startswith("durable-"):
            assert night.output["load"]["status"] == "stopped"
            assert night.output["transform"] == {"tables": 3}
        else:
            assert night.output["dms_wait"]["Output"]["status"] == "stopped"
            assert night.output["transform"] == {"tables": 3}


@pytest.mark.parametrize("pattern", PIPELINE_PATTERNS)
def test_a_failed_task_fails_the_pipeline_with_the_waiters_error_name(pattern: str) -> None:
    scenario = DmsScenario(run_seconds=HOUR, final_status="failed")
    with deployed_pipeline(pattern, scenario) as pipeline:
        night = pipeline.run_night(1)
        assert night.status == "FAILED"
        assert night.error == errors.ERROR_TASK_FAILED
        if not pattern.startswith("durable-"):
            # The parent's Catch parsed the child's cause and chose by its error name.
            run = pipeline.cloud.wait_for_execution(
                pipeline.cloud.client("stepfunctions").list_executions(
                    stateMachineArn=pipeline.parent
                )["executions"][0]["executionArn"]
            )
            assert run.entered_states()[-3:] == ["LoadChildFailed", "LoadWhichError", DMS_FAILED]
            assert json.loads(night.cause or "")["last_failure_message"]


def test_stopping_the_pipeline_stops_the_nested_waiter() -> None:
    with deployed_pipeline("polling", DmsScenario(run_seconds=6 * HOUR)) as pipeline:
        cloud = pipeline.cloud
        execution = cloud.start_execution(pipeline.parent, {})
        cloud.clock.advance(HOUR)
        sfn = cloud.client("stepfunctions")
        (child,) = sfn.list_executions(stateMachineArn=pipeline.waiter)["executions"]
        sfn.stop_execution(executionArn=execution)
        assert cloud.wait_for_execution(execution).status == "ABORTED"
        cloud.clock.advance(1)
        assert sfn.describe_execution(executionArn=child["executionArn"])["status"] == "ABORTED"
