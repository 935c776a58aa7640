"""The deployer's handlers for EventBridge Scheduler: schedules."""

from __future__ import annotations

from typing import Any

from ..deploy.mocks import ResourceRequest, deletes, handles, updates
from ..deploy.params import api_block, compact

TYPE = "aws:scheduler/schedule:Schedule"


def _group(req: ResourceRequest) -> str:
    return str(req.get("groupName") or "default")


def _request(req: ResourceRequest) -> dict[str, Any]:
    target = req.inputs["target"]
    window = req.get("flexibleTimeWindow") or {"mode": "OFF"}
    return compact(
        {
            "Name": req.physical_name(),
            "GroupName": _group(req),
            "Description": req.get("description"),
            "ScheduleExpression": req.inputs["scheduleExpression"],
            "ScheduleExpressionTimezone": req.get("scheduleExpressionTimezone"),
            "State": req.get("state") or "ENABLED",
            "FlexibleTimeWindow": api_block(
                window, "mode", "maximumWindowInMinutes", ints=("maximumWindowInMinutes",)
            ),
            "Target": compact(
                {
                    "Arn": target["arn"],
                    "RoleArn": target["roleArn"],
                    "Input": target.get("input"),
                    "RetryPolicy": api_block(
                        target.get("retryPolicy"),
                        "maximumRetryAttempts",
                        "maximumEventAgeInSeconds",
                        ints=("maximumRetryAttempts", "maximumEventAgeInSeconds"),
                    ),
                    "DeadLetterConfig": api_block(target.get("deadLetterConfig"), "arn"),
                }
            ),
        }
    )


def _outputs(req: ResourceRequest, arn: str) -> dict[str, Any]:
    return {"name": req.physical_name(), "arn": arn, "groupName": _group(req)}


@handles(TYPE)
def create_schedule(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Schedule: CreateSchedule with the expression, time zone, state, flexible time window and
    target (ARN, role, input, retry policy, dead-letter queue). Id: ``<group>/<name>``."""
    created = req.client("scheduler").create_schedule(**_request(req))
    return f"{_group(req)}/{req.physical_name()}", _outputs(req, created["ScheduleArn"])


@updates(TYPE)
def update_schedule(req: ResourceRequest) -> dict[str, Any]:
    """Schedule in place: UpdateSchedule with every input (AWS replaces the whole schedule's
    configuration); the timer is re-armed (or cancelled when DISABLED)."""
    updated = req.client("scheduler").update_schedule(**_request(req))
    return _outputs(req, updated["ScheduleArn"])


@deletes(TYPE)
def delete_schedule(req: ResourceRequest) -> None:
    """Schedule: DeleteSchedule (its timer is cancelled)."""
    req.client("scheduler").delete_schedule(Name=req.physical_name(), GroupName=_group(req))
