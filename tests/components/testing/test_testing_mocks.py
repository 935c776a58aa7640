"""``dms_waiters.testing`` used the way a user's unit tests use it.

Each test writes its own small Pulumi program (a ``DmsPollingWorkflow`` plus resources of the
user's own, of types the mocks know nothing about) and runs it with ``run_program``. Expected
ARNs are built from the account, region and partition the test gives the mocks (or reads from
them), never copied from the mocks' defaults, so a mock that ignores them fails.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
import threading
import warnings
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from dms_waiters import DmsPollingWorkflow, InvalidArgumentError
from dms_waiters.testing import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, DmsWaitersMocks, run_program

ACCOUNT = "246813579024"
REGION = "ap-southeast-2"
TASK_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:ORDERSCDC"

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
COMPONENT = "dms-waiters:index:DmsPollingWorkflow"
TOPIC = "aws:sns/topic:Topic"
PARAMETER = "aws:ssm/parameter:Parameter"


def user_program(outputs: dict[str, Any] | None = None) -> Any:
    """A user's stack: the workflow, an SNS topic tagged with its name, and an SSM parameter
    publishing its ARN (types the mocks do not model).

    Returns an ``Output`` that records the component's outputs in ``outputs``, so the test
    also checks that ``run_program`` waits for what the program returns.
    """
    workflow = DmsPollingWorkflow(
        "orders", {"replication_task_arn": TASK_ARN, "poll_interval_seconds": 30}
    )
    aws.sns.Topic(
        "alerts", name="orders-dms-alerts", tags={"stateMachine": workflow.state_machine_name}
    )
    aws.ssm.Parameter(
        "machine-arn",
        name="/dms/orders/state-machine-arn",
        type="String",
        insecure_value=workflow.state_machine_arn,
    )
    sink = {} if outputs is None else outputs
    return pulumi.Output.all(
        workflow.state_machine_arn, workflow.role_arn, workflow.log_group_name
    ).apply(lambda values: sink.update(zip(["machine", "role", "logs"], values, strict=True)))


def single(mocks: DmsWaitersMocks, type_token: str) -> Any:
    found = mocks.created(type_token)
    assert len(found) == 1, [(r.type, r.name) for r in mocks.created()]
    return found[0]


def test_created_lists_the_components_resources_and_the_users_own() -> None:
    mocks = run_program(user_program)

    names = {(r.type, r.name) for r in mocks.created()}
    assert names == {
        (COMPONENT, "orders"),
        (ROLE, "orders-role"),
        (ROLE_POLICY, "orders-policy"),
        (LOG_GROUP, "orders-logs"),
        (STATE_MACHINE, "orders-state-machine"),
        (TOPIC, "alerts"),
        (PARAMETER, "machine-arn"),
    }
    # A type the mocks do not model echoes its inputs and gets an id from its name.
    topic = single(mocks, TOPIC)
    assert topic.output("name") == "orders-dms-alerts"
    assert topic.id == "orders-dms-alerts-id"
    machine = single(mocks, STATE_MACHINE)
    assert topic.inputs["tags"] == {"stateMachine": machine.output("name")}
    parameter = single(mocks, PARAMETER)
    assert parameter.inputs["insecureValue"] == machine.output("arn")
    assert parameter.id == "/dms/orders/state-machine-arn-id"


def test_state_machine_and_role_have_realistic_arns_from_the_mocks_identity() -> None:
    outputs: dict[str, Any] = {}
    mocks = run_program(lambda: user_program(outputs))
    acct, region, partition = mocks.account_id, mocks.region, mocks.partition

    machine = single(mocks, STATE_MACHINE)
    name = machine.output("name")
    assert re.fullmatch(r"orders-state-machine-[0-9a-f]{7}", name)
    assert machine.output("arn") == f"arn:{partition}:states:{region}:{acct}:stateMachine:{name}"
    assert re.fullmatch(
        r"arn:aws:states:[a-z]{2}(-[a-z]+)+-\d:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}",
        machine.output("arn"),
    )
    assert machine.id == machine.output("arn")  # Pulumi's id of a state machine is its ARN

    role = single(mocks, ROLE)
    role_name = role.output("name")
    assert re.fullmatch(r"orders-role-[0-9a-f]{7}", role_name)
    assert role.output("arn") == f"arn:{partition}:iam::{acct}:role/{role_name}"
    assert machine.inputs["roleArn"] == role.output("arn")

    log_group = single(mocks, LOG_GROUP)
    assert log_group.output("name").startswith("/aws/vendedlogs/states/orders-")
    assert log_group.output("arn") == (
        f"arn:{partition}:logs:{region}:{acct}:log-group:{log_group.output('name')}"
    )
    # The component's own outputs resolve to the mocked state.
    assert outputs == {
        "machine": machine.output("arn"),
        "role": role.output("arn"),
        "logs": log_group.output("name"),
    }


def test_custom_account_and_region_reach_arns_and_the_trust_policy() -> None:
    assert (ACCOUNT, REGION) != (DEFAULT_ACCOUNT_ID, DEFAULT_REGION)
    mocks = run_program(user_program, DmsWaitersMocks(account_id=ACCOUNT, region=REGION))

    machine = single(mocks, STATE_MACHINE)
    assert machine.output("arn").startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:")
    role = single(mocks, ROLE)
    assert role.output("arn").startswith(f"arn:aws:iam::{ACCOUNT}:role/")
    assert single(mocks, LOG_GROUP).output("arn").startswith(f"arn:aws:logs:{REGION}:{ACCOUNT}:")

    trust = json.loads(role.inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "states.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}

    policy = json.loads(single(mocks, ROLE_POLICY).inputs["policy"])
    start = next(s for s in policy["Statement"] if "dms:StartReplicationTask" in s["Action"])
    assert start["Resource"] == [TASK_ARN]


def test_invalid_argument_raises_through_run_program() -> None:
    def program() -> None:
        DmsPollingWorkflow("orders", {"replication_task_arn": "arn:aws:dms:task:nope"})

    with pytest.raises(InvalidArgumentError) as caught:
        run_program(program)
    assert caught.value.argument == "replication_task_arn"
    assert caught.value.resource_name == "orders"

    misspelt: Any = {"replication_task_arn": TASK_ARN, "poll_interval": 5}
    with pytest.raises(InvalidArgumentError, match="'poll_interval' is not an argument"):
        run_program(lambda: DmsPollingWorkflow("orders", misspelt))


def test_a_failed_run_finishes_its_registrations_and_leaves_nothing_behind() -> None:
    failed = DmsWaitersMocks()
    with pytest.raises(InvalidArgumentError):
        run_program(lambda: DmsPollingWorkflow("broken", {"replication_task_arn": "x"}), failed)
    # The component registers itself before it checks its arguments; that registration has
    # finished, under this run's mocks, by the time the error propagates.
    assert [(r.type, r.name) for r in failed.created()] == [(COMPONENT, "broken")]

    mocks = run_program(user_program)
    assert "broken" not in {r.name for r in mocks.created()}
    assert len(mocks.created()) == 7


def test_by_name_finds_a_resource_by_its_logical_name() -> None:
    mocks = run_program(user_program, DmsWaitersMocks(account_id=ACCOUNT, region=REGION))

    role = mocks.by_name("orders-role")
    assert role.type == ROLE
    assert role is single(mocks, ROLE)
    assert mocks.by_name("alerts").type == TOPIC
    assert mocks.by_name("orders").type == COMPONENT
    with pytest.raises(KeyError):
        mocks.by_name("orders-role-does-not-exist")


def test_each_run_has_its_own_mocks() -> None:
    first = run_program(user_program, DmsWaitersMocks(account_id=ACCOUNT))
    second = run_program(lambda: aws.sns.Topic("only-this"))

    assert [r.name for r in second.created()] == ["only-this"]
    assert len(first.created()) == 7
    assert all(ACCOUNT in single(first, t).output("arn") for t in (ROLE, STATE_MACHINE))


def test_errors_inside_apply_propagate() -> None:
    def reject(arn: str) -> None:
        raise RuntimeError(f"bad {arn}")

    def program() -> None:
        workflow = DmsPollingWorkflow("orders", {"replication_task_arn": TASK_ARN})
        workflow.role_arn.apply(reject)  # not returned: run_program still waits for it

    with pytest.raises(RuntimeError, match="bad arn:aws:iam::"):
        run_program(program)


def test_runs_after_asyncio_run_and_from_async_code_through_a_thread() -> None:
    asyncio.run(asyncio.sleep(0))  # leaves the thread without a current event loop
    assert len(run_program(user_program).created()) == 7

    async def blocking_call_in_async_test() -> DmsWaitersMocks:
        return run_program(user_program)

    with pytest.raises(RuntimeError, match=r"asyncio\.to_thread"):
        asyncio.run(blocking_call_in_async_test())

    async def async_test() -> DmsWaitersMocks:
        return await asyncio.to_thread(run_program, user_program)

    assert len(asyncio.run(async_test()).created()) == 7


def test_outputs_handed_out_by_a_run_resolve_in_the_next_run() -> None:
    workflows: list[DmsPollingWorkflow] = []
    mocks = run_program(
        lambda: workflows.append(DmsPollingWorkflow("orders", {"replication_task_arn": TASK_ARN}))
    )
    seen: list[str] = []
    workflows[0].state_machine_arn.apply(seen.append)
    run_program(lambda: None)
    assert seen == [single(mocks, STATE_MACHINE).output("arn")]


def test_project_and_stack_names_reach_the_program() -> None:
    seen: dict[str, str] = {}

    def program() -> None:
        seen.update(project=pulumi.get_project(), stack=pulumi.get_stack())

    run_program(program, project="dms", stack="prod")
    assert seen == {"project": "dms", "stack": "prod"}


def test_run_program_leaves_no_threads_or_open_event_loops() -> None:
    before = set(threading.enumerate())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_program(user_program)
        gc.collect()
    assert set(threading.enumerate()) <= before
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
