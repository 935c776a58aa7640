"""DmsCallbackWorkflow under Pulumi mocks: resources, exact IAM, starter, definition, hub."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from dms_waiters import DmsCallbackWorkflow, DmsEventHub, InvalidArgumentError, LogLevel, StartType
from dms_waiters.definitions.callback import PASS_THROUGH_ERRORS
from dms_waiters.lambdas import contract
from dms_waiters.lambdas import dms_status as dms
from dms_waiters.testing import DmsWaitersMocks, run_program
from tests.components.conftest import (
    ACCOUNT,
    CALLBACK_OUTPUTS,
    DESCRIBE_TASKS,
    EXECUTION_LOGGING,
    HUB_WAITER_BAD_ARGS,
    LAMBDA_TRACING,
    REGION,
    START_THE_TASK,
    TASK_ARN,
    TASK_WAITER_BAD_ARGS,
    WEEK,
    bad_arguments_test,
    definition_of,
    deploy_task_waiter,
    mocks,
    one,
    own_log_group,
    policy_document,
    policy_of,
    register_waiter,
    resolve_outputs,
)
from tests.names import function_arn, lambda_function, log_group_name

OTHER_TASK_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:CUSTOMERS4HR8"


def deploy(**args: Any) -> DmsWaitersMocks:
    return deploy_task_waiter(DmsCallbackWorkflow, args)


def definition(found: DmsWaitersMocks, name: str = "orders-state-machine") -> dict[str, Any]:
    return definition_of(found, name)


def wait_state(found: DmsWaitersMocks, name: str = "orders-state-machine") -> dict[str, Any]:
    return definition(found, name)["States"]["StartAndWait"]  # type: ignore[no-any-return]


def test_creates_the_workflow_and_its_own_hub() -> None:
    found = deploy()
    workflow = {(r.type, r.name) for r in found.created() if not r.name.startswith("orders-hub")}
    assert workflow == {
        ("dms-waiters:index:DmsCallbackWorkflow", "orders"),
        ("aws:cloudwatch/logGroup:LogGroup", "orders-starter-logs"),
        ("aws:iam/role:Role", "orders-starter-role"),
        ("aws:iam/rolePolicy:RolePolicy", "orders-starter-policy"),
        ("aws:lambda/function:Function", "orders-starter"),
        ("aws:iam/role:Role", "orders-role"),
        ("aws:iam/rolePolicy:RolePolicy", "orders-policy"),
        ("aws:cloudwatch/logGroup:LogGroup", "orders-logs"),
        ("aws:sfn/stateMachine:StateMachine", "orders-state-machine"),
    }
    (component,) = found.created("dms-waiters:index:DmsCallbackWorkflow")
    (hub,) = found.created("dms-waiters:index:DmsEventHub")
    assert hub.name == "orders-hub"
    assert hub.parent == component.urn
    assert all(
        r.parent == component.urn
        for r in found.created()
        if r.name.startswith("orders")
        and not r.name.startswith("orders-hub")
        and r is not component
    )


def test_an_existing_hub_is_used_and_none_created() -> None:
    def program() -> None:
        hub = DmsEventHub("shared")
        DmsCallbackWorkflow("orders", {"replication_task_arn": TASK_ARN, "hub": hub.reference})

    found = run_program(program, mocks())
    (hub,) = found.created("dms-waiters:index:DmsEventHub")
    assert hub.name == "shared"
    table = one(found, "aws:dynamodb/table:Table")
    env = found.by_name("orders-starter").inputs["environment"]["variables"]
    assert env[contract.ENV_WAITER_TABLE] == table.output("name")


def test_two_workflows_share_one_hub() -> None:
    def program() -> None:
        hub = DmsEventHub("shared", {"reconcile_every_minutes": 10})
        DmsCallbackWorkflow("orders", {"replication_task_arn": TASK_ARN, "hub": hub.reference})
        DmsCallbackWorkflow(
            "customers", {"replication_task_arn": OTHER_TASK_ARN, "hub": hub.reference}
        )

    found = run_program(program, mocks())
    assert len(found.created("dms-waiters:index:DmsEventHub")) == 1
    table = one(found, "aws:dynamodb/table:Table")
    assert len(found.created("aws:cloudwatch/eventRule:EventRule")) == 2  # DMS events + schedule
    assert len(found.created("aws:sfn/stateMachine:StateMachine")) == 2
    for name, arn in (("orders", TASK_ARN), ("customers", OTHER_TASK_ARN)):
        statements = policy_of(found, f"{name}-starter-policy")["Statement"]
        assert statements[0]["Resource"] == [table.output("arn")]
        assert statements[1]["Resource"] == [arn]
        env = found.by_name(f"{name}-starter").inputs["environment"]["variables"]
        assert env[contract.ENV_WAITER_TABLE] == table.output("name")
        assert env[contract.ENV_REPLICATION_TASK_ARN] == arn
        # both take their heartbeat from the shared hub's period
        assert wait_state(found, f"{name}-state-machine")["HeartbeatSeconds"] == 3 * 600


def test_starter_lambda_and_its_environment() -> None:
    found = deploy(
        success_stop_reasons=["NORMAL", "Stop Reason FULL_LOAD_ONLY_FINISHED"],
        timeout_seconds=3 * 3600,
        start_type=StartType.RELOAD_TARGET,
    )
    starter = lambda_function(found, "orders-starter", contract.STARTER_HANDLER)
    arn = function_arn(found, "orders-starter")
    assert arn.startswith(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-starter-")
    assert starter["timeout"] == 30
    assert starter["tracingConfig"] == {"mode": "PassThrough"}
    assert "deadLetterConfig" not in starter  # invoked synchronously by Step Functions
    assert starter["environment"] == {
        "variables": {
            "WAITER_TABLE": one(found, "aws:dynamodb/table:Table").output("name"),
            "REPLICATION_TASK_ARN": TASK_ARN,
            "START_TYPE": "reload-target",
            "SUCCESS_STOP_REASONS": "NORMAL,FULL_LOAD_ONLY_FINISHED",
            "WAITER_TTL_SECONDS": str(3 * 3600 + 24 * 3600),
            "WORKFLOW_NAME": "orders",
        }
    }
    logs = found.by_name("orders-starter-logs").inputs
    assert logs == {"namePrefix": "/aws/lambda/orders-starter-", "retentionInDays": 30}
    assert starter["loggingConfig"] == {
        "logFormat": "Text",
        "logGroup": log_group_name(found, "orders-starter"),
    }


def test_default_starter_environment() -> None:
    env = deploy().by_name("orders-starter").inputs["environment"]["variables"]
    assert env["START_TYPE"] == "auto"
    assert env["SUCCESS_STOP_REASONS"] == ",".join(dms.DEFAULT_SUCCESS_STOP_REASONS)
    assert env["WAITER_TTL_SECONDS"] == str(WEEK + 24 * 3600)


def test_exact_starter_policy() -> None:
    found = deploy()
    assert policy_of(found, "orders-starter-policy") == policy_document(
        register_waiter(one(found, "aws:dynamodb/table:Table").output("arn")),
        START_THE_TASK,
        DESCRIBE_TASKS,
        own_log_group(found, "orders-starter"),
    )


def test_wait_only_workflow_cannot_start_the_task() -> None:
    found = deploy(start_type=StartType.NONE)
    actions = {
        a for s in policy_of(found, "orders-starter-policy")["Statement"] for a in s["Action"]
    }
    assert "dms:StartReplicationTask" not in actions
    check = definition(found)["States"]["CheckInput"]["Choices"][1]
    assert [c["StringEquals"] for c in check["Or"]] == ["none"]
    env = found.by_name("orders-starter").inputs["environment"]["variables"]
    assert env["START_TYPE"] == "none"


def test_exact_state_machine_policy() -> None:
    found = deploy()
    starter_arn = function_arn(found, "orders-starter")
    assert policy_of(found, "orders-policy") == policy_document(
        {
            "Sid": "InvokeTheStarter",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [starter_arn, f"{starter_arn}:*"],
        },
        EXECUTION_LOGGING,
    )


def test_tracing_traces_the_state_machine_and_the_starter() -> None:
    found = deploy(tracing=True, log_level=LogLevel.ALL, log_retention_days=7)
    machine = found.by_name("orders-state-machine").inputs
    assert machine["tracingConfiguration"] == {"enabled": True}
    assert machine["loggingConfiguration"]["level"] == "ALL"
    assert machine["loggingConfiguration"]["includeExecutionData"] is True
    assert found.by_name("orders-starter").inputs["tracingConfig"] == {"mode": "Active"}
    starter_statements = policy_of(found, "orders-starter-policy")["Statement"]
    assert starter_statements[-1] == LAMBDA_TRACING
    machine_statements = policy_of(found, "orders-policy")["Statement"]
    assert machine_statements[-1]["Sid"] == "Tracing"
    assert found.by_name("orders-logs").inputs["retentionInDays"] == 7
    assert found.by_name("orders-starter-logs").inputs["retentionInDays"] == 7


def test_state_machine_wiring() -> None:
    found = deploy()
    machine = found.by_name("orders-state-machine").inputs
    logs = found.by_name("orders-logs")
    assert machine["type"] == "STANDARD"
    assert machine["roleArn"] == found.by_name("orders-role").output("arn")
    assert machine["loggingConfiguration"] == {
        "level": "ERROR",
        "includeExecutionData": False,
        "logDestination": logs.output("arn") + ":*",
    }
    trust = json.loads(found.by_name("orders-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "states.amazonaws.com"}


def test_definition_invokes_the_starter_with_the_token() -> None:
    found = deploy()
    defn = definition(found)
    assert defn["StartAt"] == "CheckInput"
    assert "TimeoutSeconds" not in defn  # the task's own deadline is the one that fails cleanly
    states = defn["States"]
    for name, payload in (
        ("StartAndWait", {"token.$": "$$.Task.Token", "execution.$": "$$.Execution.Id"}),
        (
            "StartAndWaitWithStartType",
            {
                "token.$": "$$.Task.Token",
                "execution.$": "$$.Execution.Id",
                "start_type.$": "$.start_type",
            },
        ),
    ):
        state = states[name]
        assert state["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
        assert state["Parameters"] == {
            "FunctionName": function_arn(found, "orders-starter"),
            "Payload": payload,
        }
        assert state["TimeoutSeconds"] == WEEK
        assert state["End"] is True
        assert "ResultSelector" not in state and "ResultPath" not in state
    # the keys the starter reads (lambdas/contract.py)
    assert set(states["StartAndWait"]["Parameters"]["Payload"]) == {
        contract.PAYLOAD_TOKEN + ".$",
        contract.PAYLOAD_EXECUTION + ".$",
    }


def test_definition_catches_timeouts_and_passes_dms_errors_through() -> None:
    states = definition(deploy())["States"]
    wait = states["StartAndWait"]
    assert wait["Retry"][0]["ErrorEquals"] == [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "DmsThrottled",
    ]
    nexts = {tuple(c["ErrorEquals"]): c["Next"] for c in wait["Catch"]}
    assert nexts[("States.Timeout",)] == "WaitTimedOut"
    assert nexts[("States.HeartbeatTimeout",)] == "HeartbeatLost"
    assert wait["Catch"][-1] == {
        "ErrorEquals": ["States.ALL"],
        "ResultPath": "$.error",
        "Next": "StarterFailed",
    }
    for error in (
        "DmsStartFailed",
        "DmsTaskNotFound",
        "DmsInvalidInput",
        "DmsAlreadyWaiting",
        "DmsTaskFailed",
        "DmsTaskStopped",
    ):
        assert error in PASS_THROUGH_ERRORS
        assert nexts[(error,)] == error
        assert states[error] == {"Type": "Fail", "Error": error, "CausePath": "$.error.Cause"}
    for timeout in ("WaitTimedOut", "HeartbeatLost"):
        assert states[timeout]["Error"] == "DmsWaitTimedOut"
        assert json.loads(states[timeout]["Cause"])["replication_task_arn"] == TASK_ARN
    assert states["StarterFailed"]["Error"] == "DmsStartFailed"
    assert states["InvalidStartType"]["Error"] == "DmsInvalidInput"


def test_heartbeat_defaults_to_three_reconcile_periods() -> None:
    assert wait_state(deploy())["HeartbeatSeconds"] == 3 * 15 * 60
    found = deploy(hub_args={"reconcile_every_minutes": 5})
    assert wait_state(found)["HeartbeatSeconds"] == 900
    assert found.by_name("orders-hub-reconcile-schedule").inputs["scheduleExpression"] == (
        "rate(5 minutes)"
    )


def test_no_heartbeat_when_the_hubs_reconciler_is_off() -> None:
    found = deploy(hub_args={"reconcile_every_minutes": 0})
    states = definition(found)["States"]
    assert "HeartbeatSeconds" not in states["StartAndWait"]
    assert "HeartbeatLost" not in states
    assert all(
        c["ErrorEquals"] != ["States.HeartbeatTimeout"] for c in states["StartAndWait"]["Catch"]
    )


def test_explicit_heartbeat_and_none() -> None:
    assert wait_state(deploy(heartbeat_seconds=4000))["HeartbeatSeconds"] == 4000
    assert "HeartbeatSeconds" not in wait_state(deploy(heartbeat_seconds=None))
    # 0 turns it off too: the off value other languages can send (they drop nulls)
    assert "HeartbeatSeconds" not in wait_state(deploy(heartbeat_seconds=0))
    # numbers from other languages arrive as floats
    state = wait_state(deploy(heartbeat_seconds=4000.0, timeout_seconds=86400.0))
    assert (state["HeartbeatSeconds"], state["TimeoutSeconds"]) == (4000, 86400)


def test_default_heartbeat_is_dropped_when_the_deadline_comes_first() -> None:
    state = wait_state(deploy(timeout_seconds=2700))
    assert state["TimeoutSeconds"] == 2700
    assert "HeartbeatSeconds" not in state


def test_heartbeat_attribute_reflects_what_is_in_effect() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        hub = DmsEventHub("shared", {"reconcile_every_minutes": 20})
        wf = DmsCallbackWorkflow("orders", {"replication_task_arn": TASK_ARN, "hub": hub.reference})
        seen["heartbeat"] = wf.heartbeat_seconds
        seen["hub"] = wf.hub

    run_program(program, mocks())
    assert seen == {"heartbeat": 3600, "hub": None}


def test_a_hub_object_still_works_for_one_minor_version_with_a_deprecation_warning() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        hub = DmsEventHub("shared", {"reconcile_every_minutes": 20})
        with pytest.warns(DeprecationWarning) as caught:
            wf = DmsCallbackWorkflow("orders", {"replication_task_arn": TASK_ARN, "hub": hub})
        seen["warning"] = str(caught[0].message)
        seen["heartbeat"] = wf.heartbeat_seconds
        seen["hub"] = wf.hub is hub

    found = run_program(program, mocks())
    assert seen["warning"] == (
        "DmsCallbackWorkflow 'orders': passing a DmsEventHub as hub is deprecated and stops "
        'working in 0.3.0; pass its reference output instead: {"hub": hub.reference}'
    )
    assert seen["heartbeat"] == 3600 and seen["hub"] is True
    # converted to the reference: the shared hub's table, no hub of its own
    (table,) = found.created("aws:dynamodb/table:Table")
    starter = found.by_name("orders-starter").inputs["environment"]["variables"]
    assert starter["WAITER_TABLE"] == table.output("name")


def test_own_hub_gets_the_workflows_tags_unless_hub_args_say_otherwise() -> None:
    found = deploy(tags={"team": "data"})
    assert one(found, "aws:dynamodb/table:Table").inputs["tags"] == {"team": "data"}
    for name in ("orders-starter", "orders-starter-role", "orders-state-machine", "orders-logs"):
        assert found.by_name(name).inputs["tags"] == {"team": "data"}
    found = deploy(tags={"team": "data"}, hub_args={"tags": {"team": "platform"}})
    assert one(found, "aws:dynamodb/table:Table").inputs["tags"] == {"team": "platform"}


def test_outputs_resolve() -> None:
    seen, found = resolve_outputs(
        lambda: DmsCallbackWorkflow("orders", {"replication_task_arn": TASK_ARN}), CALLBACK_OUTPUTS
    )
    machine = found.by_name("orders-state-machine")
    # Exact in test_parent_policy_output.py: here, that it names this state machine.
    parent = json.loads(seen.pop("parent_policy"))
    assert parent["Statement"][0]["Resource"] == [machine.output("arn")]
    assert seen == {
        "state_machine_arn": machine.output("arn"),
        "state_machine_name": machine.output("name"),
        "role_arn": found.by_name("orders-role").output("arn"),
        "log_group_name": found.by_name("orders-logs").output("name"),
        "starter_function_arn": function_arn(found, "orders-starter"),
        "hub_table_name": one(found, "aws:dynamodb/table:Table").output("name"),
    }


def test_unknown_task_arn_output_is_accepted_at_preview() -> None:
    def program() -> None:
        DmsCallbackWorkflow("orders", {"replication_task_arn": pulumi.Output.from_input(TASK_ARN)})

    found = run_program(program, mocks())
    assert TASK_ARN in json.dumps(definition(found))
    env = found.by_name("orders-starter").inputs["environment"]["variables"]
    assert env["REPLICATION_TASK_ARN"] == TASK_ARN


def test_hub_and_hub_args_are_mutually_exclusive() -> None:
    def program() -> None:
        hub = DmsEventHub("shared")
        DmsCallbackWorkflow(
            "orders",
            {
                "replication_task_arn": TASK_ARN,
                "hub": hub.reference,
                "hub_args": {"reconcile_every_minutes": 5},
            },
        )

    with pytest.raises(InvalidArgumentError) as err:
        run_program(program, mocks())
    assert err.value.argument == "hub_args"
    assert "cannot be combined with hub" in str(err.value)


def test_heartbeat_is_checked_against_a_given_hubs_period() -> None:
    def program() -> None:
        hub = DmsEventHub("shared", {"reconcile_every_minutes": 30})
        DmsCallbackWorkflow(
            "orders",
            {"replication_task_arn": TASK_ARN, "hub": hub.reference, "heartbeat_seconds": 3000},
        )

    with pytest.raises(
        InvalidArgumentError, match=r"at least twice the hub's reconcile period \(3600 s\)"
    ):
        run_program(program, mocks())


BAD_ARGS = [
    *TASK_WAITER_BAD_ARGS,
    ({"success_stop_reasons": "NORMAL"}, "success_stop_reasons", "non-empty list"),
    ({"timeout_seconds": 0}, "timeout_seconds", "at least 1"),
    ({"timeout_seconds": 400 * 24 * 3600}, "timeout_seconds", "at most 31536000"),
    ({"timeout_seconds": 3600.5}, "timeout_seconds", "whole number of seconds"),
    ({"heartbeat_seconds": "900"}, "heartbeat_seconds", "whole number of seconds"),
    *HUB_WAITER_BAD_ARGS,
    ({"log_level": "DEBUG"}, "log_level", "allowed values: ALL, ERROR, FATAL, OFF"),
    ({"log_retention_days": 10}, "log_retention_days", "allowed values: 1, 3"),
    ({"tracing": 1}, "tracing", "true or false"),
    ({"callback_url": True}, "callback_url", "is not an argument"),
    ({"poll_interval_seconds": 60}, "poll_interval_seconds", "is not an argument"),
]


test_bad_arguments_fail_at_preview_naming_the_argument = bad_arguments_test(
    deploy, "DmsCallbackWorkflow 'orders'", BAD_ARGS
)


def test_nothing_is_created_for_bad_arguments() -> None:
    found = mocks()
    args = {"replication_task_arn": TASK_ARN, "heartbeat_seconds": 1}
    with pytest.raises(InvalidArgumentError):
        run_program(lambda: DmsCallbackWorkflow("orders", args), found)  # type: ignore[arg-type]
    # not even the hub: the workflow's arguments are checked first
    assert [r.type for r in found.created()] == ["dms-waiters:index:DmsCallbackWorkflow"]


def test_string_values_of_enums_are_accepted() -> None:
    found = deploy(start_type="resume-processing", log_level="FATAL")
    env = found.by_name("orders-starter").inputs["environment"]["variables"]
    assert env["START_TYPE"] == "resume-processing"
    assert found.by_name("orders-state-machine").inputs["loggingConfiguration"]["level"] == "FATAL"
