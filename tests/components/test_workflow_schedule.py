"""``WorkflowSchedule`` under Pulumi mocks: a user's parent (state machine or durable function)
started on a schedule with exact IAM, the run input forwarded, and preview-time checks naming
the argument."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dms_waiters import WorkflowSchedule
from dms_waiters.documents import runbook
from dms_waiters.documents.schedules import SCHEDULED_TIME_ATTRIBUTE
from dms_waiters.lambdas import contract
from dms_waiters.testing import DmsWaitersMocks, run_program
from tests.components._internal.test_schedule import LONGEST_WITH_A_SCHEDULE, NIGHTLY, SCHEDULE
from tests.components.conftest import (
    ACCOUNT,
    REGION,
    assert_fails_naming,
    deploy_component,
    env_of,
    mocks,
    one,
    policy_of,
)

PARENT = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:nightly-pipeline"
DURABLE_PARENT = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:pipeline:live"


def deploy(**args: Any) -> DmsWaitersMocks:
    return deploy_component(WorkflowSchedule, "nightly", {"schedule": NIGHTLY, **args})


def dlq_arn(found: DmsWaitersMocks) -> str:
    return str(found.by_name("nightly-schedule-dlq").output("arn"))


@pytest.mark.parametrize(
    ("argument", "arn", "kind", "action"),
    [
        ("state_machine_arn", PARENT, contract.KIND_SFN, "states:StartExecution"),
        ("durable_function_arn", DURABLE_PARENT, contract.KIND_DURABLE, "lambda:InvokeFunction"),
    ],
)
def test_the_starter_may_start_only_the_given_workflow(
    argument: str, arn: str, kind: str, action: str
) -> None:
    found = deploy(**{argument: arn})
    statements = policy_of(found, "nightly-schedule-starter-policy")["Statement"]
    assert statements[:2] == [
        {"Sid": "StartTheWorkflow", "Effect": "Allow", "Action": [action], "Resource": [arn]},
        {
            "Sid": "ScheduleDeadLetters",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [dlq_arn(found)],
        },
    ]
    assert [s["Sid"] for s in statements[2:]] == ["OwnLogGroup"]
    assert env_of(found, "nightly-schedule-starter") == {
        contract.ENV_SCHEDULE_TARGET_ARN: arn,
        contract.ENV_SCHEDULE_TARGET_KIND: kind,
        contract.ENV_RUN_NAME_PREFIX: "nightly",
    }
    starter = found.by_name("nightly-schedule-starter").output("arn")
    assert policy_of(found, "nightly-scheduler-policy")["Statement"] == [
        {
            "Sid": "InvokeTheScheduleStarter",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [starter],
        },
        {
            "Sid": "ScheduleDeadLetters",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [dlq_arn(found)],
        },
    ]


def test_the_run_input_is_the_users_and_names_a_start_type_only_when_given() -> None:
    found = deploy(state_machine_arn=PARENT, input={"source": "orders"})
    target = json.loads(one(found, SCHEDULE).inputs["target"]["input"])
    assert target == {
        contract.PAYLOAD_SCHEDULED_TIME: SCHEDULED_TIME_ATTRIBUTE,
        contract.PAYLOAD_INPUT: {"source": "orders"},
    }
    found = deploy(state_machine_arn=PARENT, schedule={**NIGHTLY, "start_type": "reload-target"})
    target = json.loads(one(found, SCHEDULE).inputs["target"]["input"])
    assert target == {
        contract.PAYLOAD_SCHEDULED_TIME: SCHEDULED_TIME_ATTRIBUTE,
        contract.PAYLOAD_START_TYPE: "reload-target",
    }


def test_the_dead_letter_alarm_links_its_runbook_and_notifies_the_alarm_actions() -> None:
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:on-call"
    found = deploy(state_machine_arn=PARENT, schedule={**NIGHTLY, "alarm_actions": [topic]})
    alarm = found.by_name("nightly-schedule-dlq-not-empty").inputs
    assert alarm["alarmDescription"].endswith(
        f"Runbook: {runbook.OPERATIONS_URL}#{runbook.SCHEDULED_START_FAILED}"
    )
    assert runbook.SCHEDULED_START_FAILED in runbook.ANCHORS  # a heading of operations.md
    assert alarm["alarmActions"] == [topic]


@pytest.mark.parametrize(
    ("args", "argument", "message"),
    [
        ({}, "state_machine_arn", "exactly one of"),
        (
            {"state_machine_arn": PARENT, "durable_function_arn": DURABLE_PARENT},
            "durable_function_arn",
            "exactly one of",
        ),
        ({"state_machine_arn": "pipeline"}, "state_machine_arn", "stateMachine:<name>"),
        (
            {"durable_function_arn": DURABLE_PARENT.rsplit(":", 1)[0]},
            "durable_function_arn",
            "qualified function ARN",
        ),
        ({"durable_function_arn": PARENT}, "durable_function_arn", "qualified function ARN"),
        ({"state_machine_arn": PARENT, "input": ["x"]}, "input", "JSON object"),
        ({"state_machine_arn": PARENT, "input": {"x": object()}}, "input", "plain JSON"),
        (
            {"state_machine_arn": PARENT, "input": {"scheduled_time": "x"}},
            "input",
            "starter's own key",
        ),
        (
            {"state_machine_arn": PARENT, "schedule": {"expression": "daily"}},
            "schedule.expression",
            "allowed forms",
        ),
        ({"state_machine_arn": PARENT, "schedule": None}, "schedule", "is required"),
        ({"state_machine_arn": PARENT, "start_type": "auto"}, "start_type", "not an argument"),
    ],
)
def test_bad_input_fails_at_preview_naming_the_argument(
    args: dict[str, Any], argument: str, message: str
) -> None:
    assert_fails_naming(lambda: deploy(**args), "WorkflowSchedule 'nightly'", argument, message)


def test_the_longest_name_fits_and_one_more_fails_at_preview() -> None:
    limit = LONGEST_WITH_A_SCHEDULE
    args = {"state_machine_arn": PARENT, "schedule": NIGHTLY}
    found = run_program(lambda: WorkflowSchedule("n" * limit, args), mocks(), preview=True)  # type: ignore[arg-type]
    role = found.by_name("n" * limit + "-schedule-starter-role")
    assert len(role.physical_name or "") == 64
    too_long = "n" * (limit + 1)
    assert_fails_naming(
        lambda: run_program(lambda: WorkflowSchedule(too_long, args), mocks(), preview=True),  # type: ignore[arg-type]
        f"WorkflowSchedule '{too_long}'",
        "name",
        f"at most {limit} fit with a schedule",
    )
