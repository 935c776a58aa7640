"""Unit tests of a stack that waits for a DMS task: no AWS account, no Pulumi CLI."""

import json

import pytest

from dms_waiters import DmsPollingWorkflow, InvalidArgumentError
from dms_waiters.testing import DmsWaitersMocks, run_program

ACCOUNT, REGION = "111122223333", "eu-west-1"
TASK_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:ORDERSFULLLOAD"


def program() -> None:
    """The stack under test (usually imported from your own code)."""
    DmsPollingWorkflow("orders-load", {"replication_task_arn": TASK_ARN, "timeout_seconds": 7200})


def test_state_machine_runs_as_its_own_role_in_my_account() -> None:
    mocks = run_program(program, DmsWaitersMocks(account_id=ACCOUNT, region=REGION))

    (machine,) = mocks.created("aws:sfn/stateMachine:StateMachine")
    assert machine.output("arn").startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:")
    role = mocks.by_name("orders-load-role")
    assert machine.inputs["roleArn"] == role.output("arn")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_component_outputs_resolve() -> None:
    seen: dict[str, str] = {}

    def program_with_checks() -> object:
        workflow = DmsPollingWorkflow("orders-load", {"replication_task_arn": TASK_ARN})
        # run_program waits for the Output a program returns before it returns.
        return workflow.log_group_name.apply(lambda name: seen.update(log_group=name))

    run_program(program_with_checks)
    assert seen["log_group"].startswith("/aws/vendedlogs/states/orders-load-")


def test_a_bad_task_arn_fails_before_anything_is_deployed() -> None:
    with pytest.raises(InvalidArgumentError, match="replication_task_arn"):
        run_program(lambda: DmsPollingWorkflow("orders-load", {"replication_task_arn": "orders"}))
