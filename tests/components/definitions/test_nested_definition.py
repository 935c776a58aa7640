"""The states a parent runs a waiter with pass every definition check, in every partition, and
refuse what they cannot route."""

from __future__ import annotations

from typing import Any

import pytest

from dms_waiters.definitions import nested
from dms_waiters.definitions.nested import nested_waiter_states
from tests.checks import all_definition_errors

WAITER = "arn:aws:states:eu-west-1:210987654321:stateMachine:orders-state-machine-1a2b3c4"


def parent(waiter_arn: str = WAITER, **options: Any) -> dict[str, Any]:
    """A pipeline parent: Extract, the waiter nested, Transform, a handler per error."""
    states = nested_waiter_states(
        "LoadOrders",
        waiter_arn,
        next_state="Transform",
        on_error={name: f"On{name}" for name in nested.ROUTABLE_ERRORS},
        otherwise="Unexpected",
        **options,
    )
    handlers = {
        f"On{name}": {
            "Type": "Fail",
            "Error": f"Pipeline{name}",
            "CausePath": "$.dms_error.Child.Cause",
        }
        for name in nested.ROUTABLE_ERRORS
    }
    return {
        "StartAt": "Extract",
        "States": {
            "Extract": {"Type": "Pass", "Next": "LoadOrders"},
            **states,
            "Transform": {"Type": "Pass", "End": True},
            "Unexpected": {"Type": "Fail", "Error": "PipelineFailed"},
            **handlers,
        },
    }


@pytest.mark.parametrize("integration", nested.INTEGRATIONS)
@pytest.mark.parametrize("start_type", [None, "reload-target"])
def test_parent_definition_passes(integration: str, start_type: str | None) -> None:
    assert all_definition_errors(parent(integration=integration, start_type=start_type)) == []


def test_the_task_waits_for_the_waiter_and_links_the_child() -> None:
    task = parent()["States"]["LoadOrders"]
    assert task["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    assert task["Parameters"] == {
        "StateMachineArn": WAITER,
        "Input": {"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"},
    }
    # The child's failure is States.TaskFailed, parsed before routing; anything else goes on.
    assert [c["ErrorEquals"] for c in task["Catch"]] == [["States.TaskFailed"], ["States.ALL"]]
    assert [c["Next"] for c in task["Catch"]] == ["LoadOrdersWhichFailure", "Unexpected"]
    # A start refused for too many open executions is retried first (AWS's advice).
    assert task["Retry"] == [
        {"ErrorEquals": list(nested.START_REFUSED_ERRORS), **nested.START_RETRY}
    ]


def test_only_the_childs_own_failure_is_parsed() -> None:
    # The States.TaskFailed catch also takes a refused start (StepFunctions.*), whose cause is
    # no DescribeExecution: parsing it would fail the parent with States.Runtime.
    choice = parent()["States"]["LoadOrdersWhichFailure"]
    assert choice["Choices"] == [
        {
            "Variable": "$.dms_error.Error",
            "StringEquals": "States.TaskFailed",
            "Next": "LoadOrdersChildFailed",
        }
    ]
    assert choice["Default"] == "Unexpected"


def test_each_waiter_error_has_its_route_and_a_stopped_child_goes_otherwise() -> None:
    choice = parent()["States"]["LoadOrdersWhichError"]
    routes = {c["StringEquals"]: c["Next"] for c in choice["Choices"] if "StringEquals" in c}
    assert routes == {name: f"On{name}" for name in nested.ROUTABLE_ERRORS}
    assert choice["Choices"][0] == {
        "Not": {"Variable": "$.dms_error.Child.Error", "IsPresent": True},
        "Next": "Unexpected",
    }
    assert choice["Default"] == "Unexpected"


def test_the_partition_comes_from_the_waiter_arn() -> None:
    china = WAITER.replace("arn:aws:", "arn:aws-cn:").replace("eu-west-1", "cn-north-1")
    task = parent(china)["States"]["LoadOrders"]
    assert task["Resource"] == "arn:aws-cn:states:::states:startExecution.sync:2"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"on_error": {"DmsTaskFailed": "X", "Boom": "Y"}}, "['Boom'] are not waiter errors"),
        ({"integration": "states:startExecution"}, "integration must be one of"),
        ({"start_type": "sometimes"}, "start_type must be one of"),
        ({"state_machine_arn": "arn:aws:lambda:eu-west-1:1:function:x"}, "not a stateMachine ARN"),
    ],
)
def test_what_cannot_be_routed_is_refused(change: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "state_machine_arn": WAITER,
        "next_state": "Next",
        "on_error": {},
        "otherwise": "Other",
        **change,
    }
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        nested_waiter_states("Load", **args)
