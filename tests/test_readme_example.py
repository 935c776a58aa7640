"""Unit tests of a stack that waits for a DMS task: no AWS account, no Pulumi CLI."""

import json

import pulumi
import pytest

from dms_waiters import DmsPollingWorkflow, InvalidArgumentError, StartType
from dms_waiters.testing import DmsWaitersMocks, is_unknown, run_program

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


def test_a_preview_knows_the_names_but_not_the_arns() -> None:
    mocks = run_program(program, preview=True)

    machine = mocks.by_name("orders-load-state-machine")
    assert machine.physical_name.startswith("orders-load-state-machine-")  # autonamed at preview
    assert is_unknown(machine.output("arn"))  # only creating it tells


def protect_state_machines(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
    """A stack transform of your program: no state machine is deleted by accident."""
    if args.type_ == "aws:sfn/stateMachine:StateMachine":
        args.opts.protect = True
    return pulumi.ResourceTransformResult(args.props, args.opts)


def test_my_stack_transform_reaches_the_components_resources() -> None:
    def protected_program() -> None:
        pulumi.runtime.register_resource_transform(protect_state_machines)
        program()

    mocks = run_program(protected_program)
    assert mocks.by_name("orders-load-state-machine").options.protect is True
    assert mocks.by_name("orders-load-role").options.protect is None


def test_two_waiters_never_take_the_same_aws_name() -> None:
    def two_waiters() -> None:
        program()
        DmsPollingWorkflow(
            "orders-reload",
            {"replication_task_arn": TASK_ARN, "start_type": StartType.RELOAD_TARGET},
        )

    # A name AWS would refuse twice fails the run; duplicate_physical_names() lists them.
    assert run_program(two_waiters).duplicate_physical_names() == []
