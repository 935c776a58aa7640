"""Every waiter exposes what a parent needs to run it: ``parent_policy`` (JSON, for any
language) and, from Python, the statements and the nested states, scoped to the deployed ARNs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi

from dms_waiters import DmsCallbackWorkflow, DmsDurableWorkflow, DmsPollingWorkflow
from dms_waiters.testing import run_program
from tests.components.conftest import ACCOUNT, REGION, TASK_ARN, mocks

EXECUTIONS = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:"
RULE = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"


def deployed(component: Callable[[str, Any], Any], *names: str) -> tuple[dict[str, Any], Any]:
    """Deploy ``component`` named ``orders``; its outputs ``names`` and the mocks."""
    seen: dict[str, Any] = {}

    def program() -> Any:
        wf = component("orders", {"replication_task_arn": TASK_ARN})
        return pulumi.Output.all(*[getattr(wf, n) for n in names]).apply(
            lambda values: seen.update(zip(names, values, strict=True))
        )

    return seen, run_program(program, mocks())


def test_state_machine_waiters_give_the_nested_execution_policy() -> None:
    for component in (DmsPollingWorkflow, DmsCallbackWorkflow):
        seen, found = deployed(component, "parent_policy")
        machine = found.by_name("orders-state-machine").output("arn")
        name = machine.rsplit(":", 1)[1]
        assert json.loads(seen["parent_policy"]) == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "StartDmsWaiter",
                    "Effect": "Allow",
                    "Action": ["states:StartExecution"],
                    "Resource": [machine],
                },
                {
                    "Sid": "ManageDmsWaiterExecutions",
                    "Effect": "Allow",
                    "Action": ["states:DescribeExecution", "states:StopExecution"],
                    "Resource": [f"{EXECUTIONS}{name}:*"],
                },
                {
                    "Sid": "SyncExecutionEventsRule",
                    "Effect": "Allow",
                    "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                    "Resource": [RULE],
                },
            ],
        }, component.__name__


def test_durable_waiter_gives_the_chained_invoke_policy() -> None:
    seen, _ = deployed(DmsDurableWorkflow, "parent_policy", "alias_arn")
    assert seen["alias_arn"].endswith(":live")
    assert json.loads(seen["parent_policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeDmsDurableWaiter",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": [seen["alias_arn"]],
            }
        ],
    }


def test_nested_states_name_the_deployed_state_machine() -> None:
    seen: dict[str, Any] = {}

    def program() -> Any:
        wf = DmsPollingWorkflow("orders", {"replication_task_arn": TASK_ARN})
        states = wf.nested_states(
            "LoadOrders",
            next_state="Transform",
            on_error={"DmsTaskFailed": "Alert"},
            otherwise="Fail",
            start_type="reload-target",
        )
        return pulumi.Output.all(states, wf.state_machine_arn).apply(
            lambda v: seen.update(states=v[0], arn=v[1])
        )

    run_program(program, mocks())
    task = seen["states"]["LoadOrders"]
    assert task["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    assert task["Parameters"]["StateMachineArn"] == seen["arn"]
    assert task["Parameters"]["Input"]["start_type"] == "reload-target"
    assert set(seen["states"]) == {
        "LoadOrders",
        "LoadOrdersWhichFailure",
        "LoadOrdersChildFailed",
        "LoadOrdersWhichError",
    }
