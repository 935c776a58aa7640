"""DmsPollingWorkflow under Pulumi mocks: resources, exact IAM, definition shape, validation."""

from __future__ import annotations

import json
from typing import Any

import pulumi

from dms_waiters import DmsPollingWorkflow, LogLevel, StartType
from dms_waiters.lambdas import dms_status as dms
from dms_waiters.testing import DmsWaitersMocks, run_program
from tests.components.conftest import (
    ACCOUNT,
    DESCRIBE_TASKS,
    EXECUTION_LOGGING,
    REGION,
    START_THE_TASK,
    TASK_ARN,
    TASK_WAITER_BAD_ARGS,
    bad_arguments_test,
    definition_of,
    deploy_task_waiter,
    one,
    policy_document,
    policy_of,
)


def deploy(**args: Any) -> DmsWaitersMocks:
    return deploy_task_waiter(DmsPollingWorkflow, args)


def definition(found: DmsWaitersMocks) -> dict[str, Any]:
    return definition_of(found, one(found, "aws:sfn/stateMachine:StateMachine").name)


def policy(found: DmsWaitersMocks) -> dict[str, Any]:
    return policy_of(found, one(found, "aws:iam/rolePolicy:RolePolicy").name)


def test_creates_exactly_the_documented_resources() -> None:
    mocks = deploy()
    types = sorted(r.type for r in mocks.created())
    assert types == [
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:sfn/stateMachine:StateMachine",
        "dms-waiters:index:DmsPollingWorkflow",
    ]
    names = {r.name for r in mocks.created()}
    assert names == {
        "orders",
        "orders-role",
        "orders-policy",
        "orders-logs",
        "orders-state-machine",
    }


def test_state_machine_wiring_logging_and_tracing_defaults() -> None:
    mocks = deploy()
    machine = one(mocks, "aws:sfn/stateMachine:StateMachine").inputs
    role = one(mocks, "aws:iam/role:Role")
    logs = one(mocks, "aws:cloudwatch/logGroup:LogGroup")
    assert machine["type"] == "STANDARD"
    assert machine["roleArn"] == role.state["arn"]
    assert machine["loggingConfiguration"] == {
        "level": "ERROR",
        "includeExecutionData": False,
        "logDestination": logs.state["arn"] + ":*",
    }
    assert machine["tracingConfiguration"] == {"enabled": False}
    assert logs.inputs["retentionInDays"] == 30
    assert logs.inputs["namePrefix"].startswith("/aws/vendedlogs/states/orders-")


def test_log_level_all_includes_execution_data_and_tracing_on() -> None:
    mocks = deploy(log_level=LogLevel.ALL, tracing=True, log_retention_days=7)
    machine = one(mocks, "aws:sfn/stateMachine:StateMachine").inputs
    assert machine["loggingConfiguration"]["level"] == "ALL"
    assert machine["loggingConfiguration"]["includeExecutionData"] is True
    assert machine["tracingConfiguration"] == {"enabled": True}
    assert one(mocks, "aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 7
    actions = {a for s in policy(mocks)["Statement"] for a in s["Action"]}
    assert "xray:PutTraceSegments" in actions


def test_trust_policy_is_states_service_for_this_account_only() -> None:
    trust = json.loads(one(deploy(), "aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust == policy_document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    )


def test_exact_iam_statements() -> None:
    assert policy(deploy()) == policy_document(
        START_THE_TASK,
        DESCRIBE_TASKS,
        EXECUTION_LOGGING,
    )


def test_wait_only_workflow_cannot_start_the_task() -> None:
    mocks = deploy(start_type=StartType.NONE)
    actions = {a for s in policy(mocks)["Statement"] for a in s["Action"]}
    assert "dms:StartReplicationTask" not in actions
    states = definition(mocks)["States"]
    # and the execution input cannot ask it to start
    allowed = [c["StringEquals"] for c in states["CheckInput"]["Choices"][1]["Or"]]
    assert allowed == ["none"]


def test_definition_uses_only_native_dms_sdk_integrations() -> None:
    states = definition(deploy())["States"]
    resources = {s["Resource"] for s in states.values() if s["Type"] == "Task"}
    assert resources == {
        "arn:aws:states:::aws-sdk:databasemigration:startReplicationTask",
        "arn:aws:states:::aws-sdk:databasemigration:describeReplicationTasks",
    }
    assert states["StartReplicationTask"]["Parameters"]["ReplicationTaskArn"] == TASK_ARN
    describe = states["DescribeReplicationTask"]["Parameters"]
    assert describe["Filters"] == [{"Name": "replication-task-arn", "Values": [TASK_ARN]}]


def test_definition_reflects_arguments() -> None:
    defn = definition(
        deploy(poll_interval_seconds=30, max_poll_interval_seconds=240, timeout_seconds=3600)
    )
    states = defn["States"]
    assert states["InitDefaults"]["Parameters"]["poll"]["interval"] == 30
    assert states["InitDefaults"]["Parameters"]["start_type"] == "auto"
    evaluate = states["Evaluate"]["Choices"]
    deadline = [c for c in evaluate if c.get("Variable") == "$.poll.elapsed"]
    assert deadline == [
        {
            "Variable": "$.poll.elapsed",
            "NumericGreaterThanEquals": 3600,
            "Next": "SummariseTimedOut",
        }
    ]
    grow = [c for c in evaluate if c.get("Variable") == "$.poll.interval"]
    assert grow[0]["NumericLessThanEquals"] == 120  # doubling stops at the 240 s cap
    assert states["TallyAndHold"]["Parameters"]["interval"] == 240
    assert defn["TimeoutSeconds"] > 3600


def test_backoff_off_keeps_the_interval() -> None:
    states = definition(deploy(backoff=False, poll_interval_seconds=45, timeout_seconds=43200))[
        "States"
    ]
    assert not [c for c in states["Evaluate"]["Choices"] if c.get("Variable") == "$.poll.interval"]
    assert states["TallyAndHold"]["Parameters"]["interval"] == 45


def _success_forms(defn: dict[str, Any]) -> set[str]:
    rule = defn["States"]["Evaluate"]["Choices"][0]
    assert rule["Next"] == "Succeeded"
    return {c["StringEquals"] for c in rule["And"][1]["Or"]}


def test_default_success_reasons_exclude_normal() -> None:
    forms = _success_forms(definition(deploy()))
    expected = {f for r in dms.DEFAULT_SUCCESS_STOP_REASONS for f in dms.stop_reason_forms(r)}
    assert forms == expected
    assert "Stop Reason NORMAL" not in forms


def test_custom_success_reasons_accept_either_spelling() -> None:
    forms = _success_forms(
        definition(deploy(success_stop_reasons=["NORMAL", "Stop Reason FULL_LOAD_ONLY_FINISHED"]))
    )
    assert forms == {
        "Stop Reason NORMAL",
        "NORMAL",
        "Stop Reason FULL_LOAD_ONLY_FINISHED",
        "FULL_LOAD_ONLY_FINISHED",
    }


def test_outputs_are_the_child_resources_outputs() -> None:
    captured: dict[str, Any] = {}

    def program() -> None:
        wf = DmsPollingWorkflow("orders", {"replication_task_arn": TASK_ARN})
        pulumi.Output.all(
            wf.state_machine_arn, wf.state_machine_name, wf.role_arn, wf.log_group_name
        ).apply(lambda v: captured.update(zip(["arn", "name", "role", "logs"], v, strict=True)))

    mocks = run_program(program, DmsWaitersMocks(account_id=ACCOUNT, region=REGION))
    machine = one(mocks, "aws:sfn/stateMachine:StateMachine").state
    assert captured["arn"] == machine["arn"]
    assert captured["arn"].startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:")
    assert captured["name"] == machine["name"]
    assert captured["role"] == one(mocks, "aws:iam/role:Role").state["arn"]
    assert captured["logs"] == one(mocks, "aws:cloudwatch/logGroup:LogGroup").state["name"]


def test_children_are_parented_to_the_component() -> None:
    seen: list[pulumi.Resource] = []

    def program() -> None:
        wf = DmsPollingWorkflow("orders", {"replication_task_arn": TASK_ARN})
        seen.append(wf)

    run_program(program)
    # ComponentResource keeps its children; every child must hang off the component
    children = seen[0]._childResources
    assert len(children) == 4


def test_unknown_task_arn_output_is_accepted_at_preview() -> None:
    def program() -> None:
        arn = pulumi.Output.from_input(TASK_ARN)
        DmsPollingWorkflow("orders", {"replication_task_arn": arn})

    mocks = run_program(program)
    assert TASK_ARN in json.dumps(definition(mocks))


BAD_ARGS = [
    *TASK_WAITER_BAD_ARGS,
    ({"poll_interval_seconds": 0}, "poll_interval_seconds", "at least 1"),
    ({"poll_interval_seconds": 1.5}, "poll_interval_seconds", "whole number"),
    (
        {"poll_interval_seconds": 120, "max_poll_interval_seconds": 60},
        "max_poll_interval_seconds",
        "at least poll_interval_seconds (120)",
    ),
    ({"timeout_seconds": 60}, "timeout_seconds", "greater than poll_interval_seconds (60)"),
    ({"timeout_seconds": 400 * 24 * 3600}, "timeout_seconds", "at most 31536000"),
    ({"success_stop_reasons": "NORMAL"}, "success_stop_reasons", "non-empty list"),
    ({"backoff": "yes"}, "backoff", "true or false"),
    ({"log_level": "DEBUG"}, "log_level", "allowed values: ALL, ERROR, FATAL, OFF"),
    ({"log_retention_days": 10}, "log_retention_days", "allowed values: 1, 3"),
    ({"tracing": 1}, "tracing", "true or false"),
    ({"poll_interval": 10}, "poll_interval", "is not an argument"),
    (
        {"backoff": False, "poll_interval_seconds": 10, "timeout_seconds": 7 * 24 * 3600},
        "timeout_seconds",
        "25000-event history limit",
    ),
]


test_bad_arguments_fail_at_preview_naming_the_argument = bad_arguments_test(
    deploy, "DmsPollingWorkflow 'orders'", BAD_ARGS
)


def test_string_values_of_enums_are_accepted() -> None:
    mocks = deploy(start_type="reload-target", log_level="FATAL")
    assert (
        definition(mocks)["States"]["InitDefaults"]["Parameters"]["start_type"] == "reload-target"
    )
    machine = one(mocks, "aws:sfn/stateMachine:StateMachine").inputs
    assert machine["loggingConfiguration"]["level"] == "FATAL"


def test_tags_reach_every_taggable_resource() -> None:
    mocks = deploy(tags={"team": "data"})
    for type_token in (
        "aws:iam/role:Role",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:sfn/stateMachine:StateMachine",
    ):
        assert one(mocks, type_token).inputs["tags"] == {"team": "data"}
