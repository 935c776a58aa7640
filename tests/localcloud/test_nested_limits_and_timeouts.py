"""A nested task's edges as AWS runs them: a child start refused at the open-executions quota
(and the parent's Retry that waits for room), and the task's ``TimeoutSeconds`` (the task fails
with ``States.Timeout`` and the child is stopped)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from dms_waiters.definitions.nested import START_REFUSED_ERRORS, nested_waiter_states
from localcloud import LocalCloud
from localcloud.stepfunctions.nested import abort_cause
from localcloud.stepfunctions.quotas import open_execution_limit

BUSY_SECONDS = 100
CHILD_SECONDS = 1000


def waits(seconds: int) -> dict[str, Any]:
    return {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Wait", "Seconds": seconds, "End": True}},
    }


def parent_with(states: dict[str, Any], start: str) -> dict[str, Any]:
    return {
        "StartAt": start,
        "States": {
            **states,
            "Done": {"Type": "Succeed"},
            "Other": {"Type": "Fail", "ErrorPath": "$.dms_error.Error"},
        },
    }


def test_start_execution_beyond_the_open_executions_quota_is_refused(cloud: LocalCloud) -> None:
    machine = cloud.create_state_machine("busy", waits(BUSY_SECONDS))
    with open_execution_limit(1):
        first = cloud.start_execution(machine, name="first")
        with pytest.raises(ClientError) as refused:
            cloud.start_execution(machine, name="second")
        assert refused.value.response["Error"]["Code"] == "ExecutionLimitExceeded"
        # The same name and input returns the open execution: nothing new is opened.
        sfn = cloud.client("stepfunctions")
        again = sfn.start_execution(stateMachineArn=machine, name="first", input="{}")
        assert again["executionArn"].endswith(":first")
        assert cloud.wait_for_execution(first).status == "SUCCEEDED"
        third = cloud.start_execution(machine, name="third")  # room again
        assert cloud.wait_for_execution(third).status == "SUCCEEDED"


def test_the_parent_retries_a_child_start_refused_for_too_many_open_executions(
    cloud: LocalCloud,
) -> None:
    child = cloud.create_state_machine("child", waits(CHILD_SECONDS))
    busy = cloud.create_state_machine("busy", waits(BUSY_SECONDS))
    states = nested_waiter_states("Load", child, next_state="Done", on_error={}, otherwise="Other")
    parent = cloud.create_state_machine("parent", parent_with(states, "Load"))
    with open_execution_limit(2):
        cloud.start_execution(busy)  # one open execution besides the parent
        result = cloud.run_execution(parent)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    failed = [e for e in result.history if e["type"] == "TaskFailed"]
    assert failed, "the first start should have been refused"
    for event in failed:
        assert event["taskFailedEventDetails"]["error"] in START_REFUSED_ERRORS
    # Refused at 0 s, then retried after 10, 30, 70 and 150 s (the busy run ends at 100 s).
    assert len(failed) == 4
    assert result.ended_at - result.started_at == 150 + CHILD_SECONDS


def test_without_the_retry_a_refused_start_fails_the_task_with_its_name(cloud: LocalCloud) -> None:
    child = cloud.create_state_machine("child", waits(CHILD_SECONDS))
    busy = cloud.create_state_machine("busy", waits(BUSY_SECONDS))
    states = nested_waiter_states("Load", child, next_state="Done", on_error={}, otherwise="Other")
    del states["Load"]["Retry"]
    parent = cloud.create_state_machine("parent", parent_with(states, "Load"))
    with open_execution_limit(2):
        cloud.start_execution(busy)
        result = cloud.run_execution(parent)
    assert result.status == "FAILED"
    assert result.error in START_REFUSED_ERRORS
    assert cloud.client("stepfunctions").list_executions(stateMachineArn=child)["executions"] == []


@pytest.mark.parametrize("resource", ["startExecution.sync", "startExecution.sync:2"])
def test_timeout_seconds_fails_the_task_with_states_timeout_and_stops_the_child(
    cloud: LocalCloud, resource: str
) -> None:
    child = cloud.create_state_machine("child", waits(CHILD_SECONDS))
    parent = cloud.create_state_machine(
        "parent",
        {
            "StartAt": "Nested",
            "States": {
                "Nested": {
                    "Type": "Task",
                    "Resource": f"arn:aws:states:::states:{resource}",
                    "Parameters": {"StateMachineArn": child},
                    "TimeoutSeconds": 300,
                    "Catch": [
                        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.e", "Next": "Late"}
                    ],
                    "End": True,
                },
                "Late": {"Type": "Pass", "End": True},
            },
        },
    )
    result = cloud.run_execution(parent)
    assert result.status == "SUCCEEDED"
    assert result.output["e"]["Error"] == "States.Timeout"
    assert result.ended_at - result.started_at == 300
    assert "TaskTimedOut" in [e["type"] for e in result.history]
    sfn = cloud.client("stepfunctions")
    (run,) = sfn.list_executions(stateMachineArn=child)["executions"]
    stopped = cloud.wait_for_execution(run["executionArn"])
    assert stopped.status == "ABORTED"
    assert stopped.ended_at == result.ended_at  # stopped when the task timed out
    history = sfn.get_execution_history(executionArn=run["executionArn"])["events"]
    assert history[-1]["type"] == "ExecutionAborted"
    assert history[-1]["executionAbortedEventDetails"]["cause"] == abort_cause(result.execution_arn)
