"""Nested executions (``states:startExecution``, ``.sync``, ``.sync:2``) as AWS runs them:
result shapes, the child's error and cause, stop propagation, waiting on the virtual clock."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from localcloud import LocalCloud
from localcloud.stepfunctions.nested import SLEEP_NESTED, abort_cause

CHILD_SECONDS = 1000
SUCCEEDS: dict[str, Any] = {
    "StartAt": "Work",
    "States": {
        "Work": {"Type": "Wait", "Seconds": CHILD_SECONDS, "Next": "Done"},
        "Done": {"Type": "Pass", "Parameters": {"loaded.$": "$.tables"}, "End": True},
    },
}
FAILS: dict[str, Any] = {
    "StartAt": "Work",
    "States": {
        "Work": {"Type": "Wait", "Seconds": CHILD_SECONDS, "Next": "Fail"},
        "Fail": {"Type": "Fail", "Error": "DmsTaskFailed", "Cause": "the task failed"},
    },
}


def parent_of(child_arn: str, resource: str) -> dict[str, Any]:
    return {
        "StartAt": "Nested",
        "States": {
            "Nested": {
                "Type": "Task",
                "Resource": f"arn:aws:states:::states:{resource}",
                "Parameters": {"StateMachineArn": child_arn, "Input": {"tables": 3}},
                "End": True,
            }
        },
    }


def run_nested(cloud: LocalCloud, child: dict[str, Any], resource: str) -> Any:
    child_arn = cloud.create_state_machine("child", child)
    parent_arn = cloud.create_state_machine("parent", parent_of(child_arn, resource))
    return cloud.run_execution(parent_arn)


@pytest.mark.parametrize(
    ("resource", "output"),
    [
        ("startExecution.sync", json.dumps({"loaded": 3}, separators=(",", ":"))),
        ("startExecution.sync:2", {"loaded": 3}),
    ],
)
def test_sync_result_is_the_childs_description_sync2_with_json_values(
    cloud: LocalCloud, resource: str, output: Any
) -> None:
    result = run_nested(cloud, SUCCEEDS, resource)
    assert result.status == "SUCCEEDED"
    described = result.output
    assert described["Status"] == "SUCCEEDED"
    assert described["ExecutionArn"].startswith("arn:aws:states:")
    assert isinstance(described["StartDate"], int)  # epoch milliseconds
    assert isinstance(described["StopDate"], int)
    # .sync gives the child's output as JSON text, .sync:2 as JSON.
    got = described["Output"]
    assert (json.loads(got) if isinstance(output, str) else got) == {"loaded": 3}
    assert type(got) is type(output)
    # The parent waited the child's whole run, on the virtual clock.
    assert result.ended_at - result.started_at == CHILD_SECONDS


def test_request_response_gives_the_start_answer(cloud: LocalCloud) -> None:
    result = run_nested(cloud, SUCCEEDS, "startExecution")
    assert result.status == "SUCCEEDED"
    assert set(result.output) == {"ExecutionArn", "StartDate"}
    assert result.ended_at == result.started_at


@pytest.mark.parametrize("resource", ["startExecution.sync", "startExecution.sync:2"])
def test_a_failed_child_fails_the_task_with_its_error_inside_the_cause(
    cloud: LocalCloud, resource: str
) -> None:
    result = run_nested(cloud, FAILS, resource)
    assert result.status == "FAILED"
    assert result.error == "States.TaskFailed"
    child = json.loads(result.cause or "")
    assert (child["Status"], child["Error"], child["Cause"]) == (
        "FAILED",
        "DmsTaskFailed",
        "the task failed",
    )


def test_unnamed_children_get_their_own_names(cloud: LocalCloud) -> None:
    child_arn = cloud.create_state_machine("child", SUCCEEDS)
    parent_arn = cloud.create_state_machine("parent", parent_of(child_arn, "startExecution.sync:2"))
    first = cloud.run_execution(parent_arn).output["ExecutionArn"]
    second = cloud.run_execution(parent_arn).output["ExecutionArn"]
    assert first != second


def test_stopping_the_parent_stops_the_child(cloud: LocalCloud) -> None:
    child_arn = cloud.create_state_machine("child", SUCCEEDS)
    parent_arn = cloud.create_state_machine("parent", parent_of(child_arn, "startExecution.sync:2"))
    execution = cloud.start_execution(parent_arn)
    cloud.clock.advance(100)
    sfn = cloud.client("stepfunctions")
    (child,) = sfn.list_executions(stateMachineArn=child_arn)["executions"]
    assert child["status"] == "RUNNING"

    sfn.stop_execution(executionArn=execution)
    assert cloud.wait_for_execution(execution).status == "ABORTED"
    cloud.clock.advance(1)

    assert sfn.describe_execution(executionArn=child["executionArn"])["status"] == "ABORTED"
    history = sfn.get_execution_history(executionArn=child["executionArn"])["events"]
    assert history[-1]["type"] == "ExecutionAborted"
    assert history[-1]["executionAbortedEventDetails"]["cause"] == abort_cause(execution)


def test_a_long_child_costs_no_real_time_and_no_polling(cloud: LocalCloud) -> None:
    week = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 7 * 86400, "End": True}}}
    started = time.monotonic()
    result = run_nested(cloud, week, "startExecution.sync:2")
    assert result.status == "SUCCEEDED"
    assert time.monotonic() - started < 5
    assert cloud.clock.slept(SLEEP_NESTED) == 7 * 86400
    # Two reads of the child (before and after the wait) and the test's read of the parent.
    assert cloud.api_calls()[("sfn", "DescribeExecution")] == 3
