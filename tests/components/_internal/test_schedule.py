"""The ``schedule`` argument under Pulumi mocks: the resources, exact IAM, the schedule's
inputs, and the preview-time checks naming the argument."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dms_waiters import DmsCallbackWorkflow, DmsDurableWorkflow, DmsEventHub, DmsPollingWorkflow
from dms_waiters.documents.schedules import SCHEDULED_TIME_ATTRIBUTE
from dms_waiters.lambdas import contract
from dms_waiters.naming import AUTONAME_RANDOM_LENGTH
from dms_waiters.testing import DmsWaitersMocks, run_program
from tests.components.conftest import (
    ACCOUNT,
    REGION,
    TASK_ARN,
    assert_fails_naming,
    deploy_task_waiter,
    env_of,
    mocks,
    one,
    policy_of,
)

NIGHTLY = {"expression": "cron(0 2 * * ? *)", "timezone": "Europe/Paris"}
SCHEDULE = "aws:scheduler/schedule:Schedule"


def deploy(component: Any = DmsPollingWorkflow, **args: Any) -> DmsWaitersMocks:
    return deploy_task_waiter(component, args)


def starter_arn(found: DmsWaitersMocks) -> str:
    return str(found.by_name("orders-schedule-starter").output("arn"))


def dlq_arn(found: DmsWaitersMocks) -> str:
    return str(found.by_name("orders-schedule-dlq").output("arn"))


def test_no_schedule_creates_nothing_of_it() -> None:
    found = deploy()
    assert not found.created(SCHEDULE)
    assert not [r for r in found.created() if "schedule" in r.name]


def test_schedule_resources_and_inputs() -> None:
    found = deploy(schedule={**NIGHTLY, "start_type": "reload-target", "retry_attempts": 3})
    names = {r.name for r in found.created()} - {r.name for r in deploy().created()}
    assert names == {
        "orders-schedule-dlq",
        "orders-schedule-dlq-not-empty",
        "orders-schedule-starter",
        "orders-schedule-starter-logs",
        "orders-schedule-starter-role",
        "orders-schedule-starter-policy",
        "orders-scheduler-role",
        "orders-scheduler-policy",
        "orders-schedule",
    }
    schedule = one(found, SCHEDULE).inputs
    assert schedule["scheduleExpression"] == "cron(0 2 * * ? *)"
    assert schedule["scheduleExpressionTimezone"] == "Europe/Paris"
    assert schedule["state"] == "ENABLED"
    assert schedule["flexibleTimeWindow"] == {"mode": "OFF"}
    target = schedule["target"]
    assert target["arn"] == starter_arn(found)
    assert target["roleArn"] == found.by_name("orders-scheduler-role").output("arn")
    assert json.loads(target["input"]) == {
        contract.PAYLOAD_SCHEDULED_TIME: SCHEDULED_TIME_ATTRIBUTE,
        contract.PAYLOAD_START_TYPE: "reload-target",
    }
    assert target["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 86400}
    assert target["deadLetterConfig"] == {"arn": dlq_arn(found)}
    assert found.by_name("orders-schedule-dlq").inputs["sqsManagedSseEnabled"] is True
    alarm = found.by_name("orders-schedule-dlq-not-empty").inputs
    assert (alarm["namespace"], alarm["metricName"], alarm["threshold"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        0,
    )
    assert alarm["dimensions"] == {"QueueName": found.by_name("orders-schedule-dlq").output("name")}
    starter = found.by_name("orders-schedule-starter").inputs
    assert starter["deadLetterConfig"] == {"targetArn": dlq_arn(found)}


def test_disabled_schedule_and_workflow_start_type_default() -> None:
    found = deploy(
        start_type="reload-target", schedule={"expression": "rate(1 day)", "enabled": False}
    )
    schedule = one(found, SCHEDULE).inputs
    assert schedule["state"] == "DISABLED"
    assert schedule["scheduleExpressionTimezone"] == "UTC"
    assert json.loads(schedule["target"]["input"])[contract.PAYLOAD_START_TYPE] == "reload-target"


def test_scheduler_role_trust_and_policy_are_exact() -> None:
    found = deploy(schedule=NIGHTLY)
    trust = json.loads(found.by_name("orders-scheduler-role").inputs["assumeRolePolicy"])
    assert trust == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "scheduler.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {
                        "aws:SourceAccount": ACCOUNT,
                        "aws:SourceArn": f"arn:aws:scheduler:{REGION}:{ACCOUNT}:"
                        "schedule-group/default",
                    }
                },
            }
        ],
    }
    assert policy_of(found, "orders-scheduler-policy") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeTheScheduleStarter",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": [starter_arn(found)],
            },
            {
                "Sid": "ScheduleDeadLetters",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": [dlq_arn(found)],
            },
        ],
    }


@pytest.mark.parametrize(
    ("component", "args", "kind", "action", "target"),
    [
        (
            DmsPollingWorkflow,
            {},
            contract.KIND_SFN,
            "states:StartExecution",
            "orders-state-machine",
        ),
        (
            DmsCallbackWorkflow,
            {},
            contract.KIND_SFN,
            "states:StartExecution",
            "orders-state-machine",
        ),
        (
            DmsDurableWorkflow,
            {"mode": "poll"},
            contract.KIND_DURABLE,
            "lambda:InvokeFunction",
            "orders-waiter-alias",
        ),
    ],
)
def test_starter_may_start_only_this_workflow(
    component: Any, args: dict[str, Any], kind: str, action: str, target: str
) -> None:
    found = deploy(component, **args, schedule=NIGHTLY)
    target_arn = found.by_name(target).output("arn")
    statements = policy_of(found, "orders-schedule-starter-policy")["Statement"]
    assert statements[:2] == [
        {
            "Sid": "StartTheWorkflow",
            "Effect": "Allow",
            "Action": [action],
            "Resource": [target_arn],
        },
        {
            "Sid": "ScheduleDeadLetters",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [dlq_arn(found)],
        },
    ]
    assert [s["Sid"] for s in statements[2:]] == ["OwnLogGroup"]
    env = env_of(found, "orders-schedule-starter")
    assert env == {
        contract.ENV_SCHEDULE_TARGET_ARN: target_arn,
        contract.ENV_SCHEDULE_TARGET_KIND: kind,
        contract.ENV_RUN_NAME_PREFIX: "orders",
    }


@pytest.mark.parametrize(
    ("schedule", "argument", "message"),
    [
        ({"expression": "cron(0 2 * * * *)"}, "schedule.expression", "exactly one of"),
        ({"expression": "cron(0 24 * * ? *)"}, "schedule.expression", "hours field '24'"),
        ({"expression": "rate(0 days)"}, "schedule.expression", "positive"),
        ({"expression": "at(2026-12-01T02:00:00)"}, "schedule.expression", "one-time"),
        ({"expression": "every night"}, "schedule.expression", "allowed forms: rate("),
        ({}, "schedule.expression", "must be a string"),
        ({**NIGHTLY, "timezone": "Europe/Atlantis"}, "schedule.timezone", "IANA"),
        ({**NIGHTLY, "start_type": "restart"}, "schedule.start_type", "allowed values"),
        ({**NIGHTLY, "enabled": "yes"}, "schedule.enabled", "true or false"),
        ({**NIGHTLY, "retry_attempts": 186}, "schedule.retry_attempts", "186"),
        ({**NIGHTLY, "max_event_age_seconds": 30}, "schedule.max_event_age_seconds", "30"),
        ({**NIGHTLY, "cron": "x"}, "schedule.cron", "not an argument"),
    ],
)
def test_bad_schedule_fails_at_preview_naming_the_argument(
    schedule: dict[str, Any], argument: str, message: str
) -> None:
    assert_fails_naming(
        lambda: deploy(schedule=schedule), "DmsPollingWorkflow 'orders'", argument, message
    )


#: <name>-schedule-starter-role binds with a schedule (IAM roles: 64) unless the component's
#: own limit is lower (the callback and durable workflows' own hub, see test_naming).
LONGEST_WITH_A_SCHEDULE = 64 - 1 - AUTONAME_RANDOM_LENGTH - len("-schedule-starter-role")


def make_polling(name: str) -> Any:
    return DmsPollingWorkflow(name, {"replication_task_arn": TASK_ARN, "schedule": NIGHTLY})


def make_callback(name: str) -> Any:
    # A shared hub: the workflow's own hub would bind first (test_naming).
    hub = DmsEventHub("shared")
    args = {"replication_task_arn": TASK_ARN, "hub": hub.reference, "schedule": NIGHTLY}
    return DmsCallbackWorkflow(name, args)  # type: ignore[arg-type]


def make_durable(name: str) -> Any:
    args = {"replication_task_arn": TASK_ARN, "mode": "poll", "schedule": NIGHTLY}
    return DmsDurableWorkflow(name, args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("DmsPollingWorkflow", make_polling),
        ("DmsCallbackWorkflow", make_callback),
        ("DmsDurableWorkflow", make_durable),
    ],
)
def test_the_longest_name_with_a_schedule_fits_and_one_more_fails_first(
    kind: str, make: Any
) -> None:
    limit = LONGEST_WITH_A_SCHEDULE
    found = run_program(lambda: make("n" * limit), mocks(), preview=True)
    starter_role = found.by_name("n" * limit + "-schedule-starter-role")
    assert len(starter_role.physical_name or "") == 64
    too_long = "n" * (limit + 1)
    assert_fails_naming(
        lambda: run_program(lambda: make(too_long), mocks(), preview=True),
        f"{kind} '{too_long}'",
        "name",
        f"at most {limit} fit with a schedule",
    )
