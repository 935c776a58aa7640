"""The callback pattern's definitions and every IAM policy pass every check; the wildcards are
exactly the documented exceptions."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dms_waiters.definitions.callback import (
    CallbackSpec,
    build_callback_definition,
    validate_callback_spec,
)
from dms_waiters.documents import iam_policies
from tests.checks import all_definition_errors, policy_errors, wildcard_actions
from tests.components.conftest import LOG_DELIVERY_ACTIONS, XRAY_ACTIONS
from tests.paths import ROOT

ACCOUNT, REGION = "210987654321", "eu-west-1"
TASK_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:ORDERS7XQ2ABCDEFGHIJKLMNOP"
STARTER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-starter-1a2b3c4d"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/dms-events-waiters-1a2b3c4"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:dms-events-dlq-1a2b3c4"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/dms-events-dms-events-1a2b3c4"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:dms-events-signing-key-AbCdEf"
JOB_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:export-job-1a2b3c4d"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/orders-starter-1a2b3c4d"
DURABLE_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-waiter-1a2b3c4d"

#: Argument combinations that change the definition's shape.
DEFINITION_CASES: dict[str, CallbackSpec] = {
    "defaults-with-heartbeat": CallbackSpec(TASK_ARN, STARTER_ARN, heartbeat_seconds=2700),
    "no-heartbeat": CallbackSpec(TASK_ARN, STARTER_ARN),
    "wait-only": CallbackSpec(TASK_ARN, STARTER_ARN, start_type="none", heartbeat_seconds=2700),
    "short-deadline": CallbackSpec(
        TASK_ARN, STARTER_ARN, "resume-processing", timeout_seconds=600, heartbeat_seconds=599
    ),
    "one-year": CallbackSpec(TASK_ARN, STARTER_ARN, timeout_seconds=365 * 24 * 3600),
}


@pytest.mark.parametrize("case", sorted(DEFINITION_CASES))
def test_callback_definition_passes(case: str) -> None:
    assert (
        all_definition_errors(build_callback_definition(DEFINITION_CASES[case], partition="aws"))
        == []
    )


def test_definition_cases_build_different_definitions() -> None:
    definitions = [
        build_callback_definition(spec, partition="aws") for spec in DEFINITION_CASES.values()
    ]
    assert all(d != e for i, d in enumerate(definitions) for e in definitions[i + 1 :])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CallbackSpec(TASK_ARN, STARTER_ARN, heartbeat_seconds=604800), "less than timeout"),
        (CallbackSpec(TASK_ARN, STARTER_ARN, heartbeat_seconds=0), "at least 1"),
        (CallbackSpec(TASK_ARN, STARTER_ARN, timeout_seconds=0), "timeout_seconds"),
        (CallbackSpec(TASK_ARN, STARTER_ARN, start_type="go"), "start_type"),
    ],
)
def test_builder_rejects_what_step_functions_would(spec: CallbackSpec, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_callback_spec(spec)
    with pytest.raises(ValueError, match=message):
        build_callback_definition(spec, partition="aws")


# -- IAM ----------------------------------------------------------------------------------------

#: Every policy the callback pattern attaches, in each shape, and the actions it grants on "*".
DESCRIBE = {"dms:DescribeReplicationTasks"}
LOG_DELIVERY = set(LOG_DELIVERY_ACTIONS)
SFN_XRAY = set(XRAY_ACTIONS)
LAMBDA_XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
SEND_TASK = {"states:SendTaskSuccess", "states:SendTaskFailure"}
HEARTBEAT = {"states:SendTaskHeartbeat"}

POLICIES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "starter": (
        iam_policies.lambda_function_policy(
            iam_policies.starter_statements(TABLE_ARN, TASK_ARN, True), LOG_GROUP_ARN
        ),
        DESCRIBE,  # the start type auto describes the task first
    ),
    "starter-wait-only": (
        iam_policies.lambda_function_policy(
            iam_policies.starter_statements(TABLE_ARN, TASK_ARN, False), LOG_GROUP_ARN
        ),
        set(),
    ),
    "starter-tracing": (
        iam_policies.lambda_function_policy(
            iam_policies.starter_statements(TABLE_ARN, TASK_ARN, True), LOG_GROUP_ARN, True
        ),
        DESCRIBE | LAMBDA_XRAY,
    ),
    "resume": (
        iam_policies.lambda_function_policy(
            iam_policies.resume_statements(TABLE_ARN, QUEUE_ARN), LOG_GROUP_ARN
        ),
        DESCRIBE | SEND_TASK,
    ),
    "reconciler": (
        iam_policies.lambda_function_policy(
            iam_policies.reconciler_statements(TABLE_ARN), LOG_GROUP_ARN
        ),
        DESCRIBE | SEND_TASK | HEARTBEAT,
    ),
    "callback-url": (
        iam_policies.lambda_function_policy(
            iam_policies.callback_url_statements(TABLE_ARN, SECRET_ARN), LOG_GROUP_ARN
        ),
        SEND_TASK | HEARTBEAT,
    ),
    "url-starter": (
        iam_policies.lambda_function_policy(
            iam_policies.url_starter_statements(TABLE_ARN, SECRET_ARN, JOB_ARN), LOG_GROUP_ARN
        ),
        set(),
    ),
    "durable-callback-grant": (
        iam_policies.document(*iam_policies.durable_callback_statements(STARTER_ARN)),
        set(),
    ),
    "durable-waiter-poll": (
        iam_policies.lambda_function_policy(
            iam_policies.durable_execution_statements(DURABLE_ARN)
            + iam_policies.durable_waiter_statements(TASK_ARN, True, None),
            LOG_GROUP_ARN,
        ),
        DESCRIBE,
    ),
    "durable-waiter-poll-wait-only": (
        iam_policies.lambda_function_policy(
            iam_policies.durable_execution_statements(DURABLE_ARN)
            + iam_policies.durable_waiter_statements(TASK_ARN, False, None),
            LOG_GROUP_ARN,
        ),
        DESCRIBE,
    ),
    "durable-waiter-callback": (
        iam_policies.lambda_function_policy(
            iam_policies.durable_execution_statements(DURABLE_ARN)
            + iam_policies.durable_waiter_statements(TASK_ARN, True, TABLE_ARN),
            LOG_GROUP_ARN,
        ),
        DESCRIBE,
    ),
    "durable-waiter-callback-tracing": (
        iam_policies.lambda_function_policy(
            iam_policies.durable_execution_statements(DURABLE_ARN)
            + iam_policies.durable_waiter_statements(TASK_ARN, True, TABLE_ARN),
            LOG_GROUP_ARN,
            True,
        ),
        DESCRIBE | LAMBDA_XRAY,
    ),
    "durable-function-own-executions": (
        iam_policies.lambda_function_policy(
            iam_policies.durable_execution_statements(DURABLE_ARN), LOG_GROUP_ARN
        ),
        set(),
    ),
    "state-machine": (
        iam_policies.callback_state_machine_policy(STARTER_ARN, tracing=False),
        LOG_DELIVERY,
    ),
    "state-machine-tracing": (
        iam_policies.callback_state_machine_policy(STARTER_ARN, tracing=True),
        LOG_DELIVERY | SFN_XRAY,
    ),
}


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_policy_passes(name: str) -> None:
    assert policy_errors(POLICIES[name][0]) == []


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_policy_wildcards_are_exactly_the_documented_exceptions(name: str) -> None:
    document, expected = POLICIES[name]
    assert wildcard_actions(document) == expected
    assert expected <= set(iam_policies.WILDCARD_ACTIONS)


def test_starter_and_state_machine_scopes() -> None:
    starter = POLICIES["starter"][0]["Statement"]
    assert {s["Sid"]: s["Resource"] for s in starter} == {
        "RegisterWaiter": [TABLE_ARN],
        "StartTheReplicationTask": [TASK_ARN],
        "DescribeReplicationTasks": "*",
        "OwnLogGroup": [f"{LOG_GROUP_ARN}:*"],
    }
    machine = POLICIES["state-machine"][0]["Statement"][0]
    assert machine["Resource"] == [STARTER_ARN, f"{STARTER_ARN}:*"]


@pytest.mark.parametrize("service", ["lambda.amazonaws.com", "states.amazonaws.com"])
def test_trust_policies_pass(service: str) -> None:
    assert policy_errors(iam_policies.service_assume_role_policy(service, ACCOUNT)) == []


def test_dead_letter_queue_policy() -> None:
    document = iam_policies.dead_letter_queue_policy(QUEUE_ARN, RULE_ARN)
    (statement,) = document["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": RULE_ARN}}
    # A resource policy: check its action and resource as an identity policy would be checked.
    as_identity = copy.deepcopy(document)
    del as_identity["Statement"][0]["Principal"], as_identity["Statement"][0]["Condition"]
    assert policy_errors(as_identity) == []
    assert wildcard_actions(as_identity) == set()


def test_scoped_actions_refuse_a_wildcard() -> None:
    with pytest.raises(ValueError, match="support resource-level permissions"):
        iam_policies.statement("X", ["dynamodb:PutItem"], "*")


def test_every_wildcard_action_says_why_and_the_guide_names_it() -> None:
    # The list itself is iam_policies.WILDCARD_ACTIONS (tests/components/definitions/
    # test_polling_definition.py checks each entry against AWS's authorization data); the guide
    # names the groups it holds.
    readme = (ROOT / "docs" / "guide.md").read_text()
    assert "`iam_policies.WILDCARD_ACTIONS`" in readme
    for action, reason in iam_policies.WILDCARD_ACTIONS.items():
        assert reason.strip(), action
        service, _, name = action.partition(":")
        named = f"`{action}`" in readme or f"`{name}`" in readme
        group = {"logs": "log-delivery actions", "xray": "X-Ray actions"}.get(service)
        assert named or (group is not None and group in readme), action


def test_every_documented_wildcard_is_used_by_some_policy() -> None:
    # An exception nobody needs any more must be removed, not kept "just in case".
    polling = iam_policies.polling_state_machine_policy(TASK_ARN, True, True)
    used = wildcard_actions(polling).union(*(wildcard_actions(d) for d, _ in POLICIES.values()))
    assert used == set(iam_policies.WILDCARD_ACTIONS)
