"""State machine definitions the canaries run."""

from __future__ import annotations

from typing import Any

SDK = "arn:aws:states:::aws-sdk:databasemigration:"
MISSING_TASK = "arn:aws:dms:us-east-1:123456789012:task:MISSING"


def machine(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A definition chaining ``states`` in order."""
    body: dict[str, Any] = {}
    for i, (name, state) in enumerate(states):
        state = dict(state)
        if i + 1 < len(states):
            state["Next"] = states[i + 1][0]
        elif state["Type"] not in ("Fail", "Succeed"):
            state["End"] = True
        body[name] = state
    return {"StartAt": states[0][0], "States": body}


def wait(seconds: int) -> tuple[str, dict[str, Any]]:
    return ("Wait", {"Type": "Wait", "Seconds": seconds})


def describe_task(arn: str) -> tuple[str, dict[str, Any]]:
    return (
        "Describe",
        {
            "Type": "Task",
            "Resource": SDK + "describeReplicationTasks",
            "Parameters": {"Filters": [{"Name": "replication-task-arn", "Values": [arn]}]},
        },
    )


def start_missing_task(retry: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": SDK + "startReplicationTask",
        "Parameters": {
            "ReplicationTaskArn": MISSING_TASK,
            "StartReplicationTaskType": "start-replication",
        },
    }
    if retry:
        state["Retry"] = [retry]
    return ("Start", state)
