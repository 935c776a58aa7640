"""What every component test shares: the account and region of the mocks, the task, and the
helpers that deploy a component under ``dms_waiters.testing`` and read what it created.

Test modules import these (``from tests.components.conftest import ...``); each keeps only a
one-line ``deploy`` naming its component and its default arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
import pytest

from dms_waiters import InvalidArgumentError
from dms_waiters.testing import CreatedResource, DmsWaitersMocks, run_program
from tests.names import log_group_arn

ACCOUNT = "210987654321"
REGION = "eu-west-1"
TASK_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:ORDERS7XQ2"
WEEK = 7 * 24 * 3600

#: What a state machine's role needs for its execution logs (vended logs API), on "*".
LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]
#: What a traced state machine's role sends to X-Ray, on "*".
XRAY_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
]


def mocks() -> DmsWaitersMocks:
    """Mocks in the tests' account and region."""
    return DmsWaitersMocks(account_id=ACCOUNT, region=REGION)


def deploy_component(
    component: Callable[[str, Any], object], name: str, args: Mapping[str, Any] | None
) -> DmsWaitersMocks:
    """Run a program creating ``component(name, args)``; return what it created."""
    return run_program(lambda: component(name, args), mocks())


def deploy_task_waiter(
    component: Callable[[str, Any], object], args: Mapping[str, Any]
) -> DmsWaitersMocks:
    """``deploy_component`` of a workflow named ``orders`` waiting for ``TASK_ARN`` unless
    ``args`` say otherwise."""
    return deploy_component(component, "orders", {"replication_task_arn": TASK_ARN, **args})


def one(found: DmsWaitersMocks, type_token: str) -> CreatedResource:
    """The one resource of ``type_token`` (fails naming what there is otherwise)."""
    resources = found.created(type_token)
    assert len(resources) == 1, f"expected one {type_token}, got {[r.name for r in resources]}"
    return resources[0]


def json_input(found: DmsWaitersMocks, name: str, key: str) -> dict[str, Any]:
    """The JSON document input ``key`` of the resource named ``name``, parsed."""
    return json.loads(found.by_name(name).inputs[key])  # type: ignore[no-any-return]


def policy_of(found: DmsWaitersMocks, name: str) -> dict[str, Any]:
    """The policy document of the (role) policy named ``name``."""
    return json_input(found, name, "policy")


def definition_of(found: DmsWaitersMocks, name: str) -> dict[str, Any]:
    """The definition of the state machine named ``name``."""
    return json_input(found, name, "definition")


def env_of(found: DmsWaitersMocks, function: str) -> dict[str, str]:
    """The environment variables of the Lambda function named ``function``."""
    return found.by_name(function).inputs["environment"]["variables"]  # type: ignore[no-any-return]


def assert_fails_naming(
    deploy: Callable[[], object], component: str, argument: str, message: str
) -> None:
    """``deploy()`` fails at preview with ``InvalidArgumentError`` naming ``component``
    (``"<Type> '<name>'"``) and ``argument``, its message holding ``message``."""
    with pytest.raises(InvalidArgumentError) as err:
        deploy()
    assert err.value.argument == argument
    assert f"{component}: argument '{argument}'" in str(err.value)
    assert message in str(err.value)


# -- the statements several components' policies hold, for exact-policy assertions -------------

#: Starting the one replication task the workflow waits for.
START_THE_TASK = {
    "Sid": "StartTheReplicationTask",
    "Effect": "Allow",
    "Action": ["dms:StartReplicationTask"],
    "Resource": [TASK_ARN],
}
#: Reading task states (DescribeReplicationTasks supports no resource-level permissions).
DESCRIBE_TASKS = {
    "Sid": "DescribeReplicationTasks",
    "Effect": "Allow",
    "Action": ["dms:DescribeReplicationTasks"],
    "Resource": "*",
}
#: A state machine's execution logs.
EXECUTION_LOGGING = {
    "Sid": "ExecutionLogging",
    "Effect": "Allow",
    "Action": LOG_DELIVERY_ACTIONS,
    "Resource": "*",
}
#: A traced Lambda function's segments.
LAMBDA_TRACING = {
    "Sid": "Tracing",
    "Effect": "Allow",
    "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    "Resource": "*",
}
#: What completes and heartbeats a waiting Step Functions task.
SEND_TASK_RESULTS_AND_HEARTBEATS = [
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
]


def register_waiter(table_arn: Any) -> dict[str, Any]:
    """The statement letting a starter register its waiter in the hub's table."""
    return {
        "Sid": "RegisterWaiter",
        "Effect": "Allow",
        "Action": [
            "dynamodb:PutItem",
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        ],
        "Resource": [table_arn],
    }


def complete_durable_callbacks(function_arn: str) -> dict[str, Any]:
    """The statement letting the hub complete the callbacks of ``function_arn``'s versions."""
    return {
        "Sid": "CompleteDurableCallbacks",
        "Effect": "Allow",
        "Action": [
            "lambda:SendDurableExecutionCallbackSuccess",
            "lambda:SendDurableExecutionCallbackFailure",
            "lambda:SendDurableExecutionCallbackHeartbeat",
        ],
        "Resource": [f"{function_arn}:*"],
    }


def policy_document(*statements: Any) -> dict[str, Any]:
    """An IAM policy document of ``statements``."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def own_log_group(found: DmsWaitersMocks, function: str) -> dict[str, Any]:
    """The statement letting the Lambda function named ``function`` write its own logs."""
    return {
        "Sid": "OwnLogGroup",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [f"{log_group_arn(found, function)}:*"],
    }


# -- outputs and argument errors -------------------------------------------------------------

#: The outputs of a durable function (``DmsDurableWorkflow``, ``DurableBatchWorkflow``).
DURABLE_FUNCTION_OUTPUTS = [
    "function_name",
    "function_arn",
    "alias_name",
    "alias_arn",
    "role_arn",
    "log_group_name",
    "parent_policy",
    "start_command",
]
#: The outputs of a ``DmsCallbackWorkflow``.
CALLBACK_OUTPUTS = [
    "state_machine_arn",
    "state_machine_name",
    "role_arn",
    "log_group_name",
    "parent_policy",
    "starter_function_arn",
    "hub_table_name",
]


def resolve_outputs(
    make: Callable[[], object], names: Sequence[str], plain: Sequence[str] = ()
) -> tuple[dict[str, Any], DmsWaitersMocks]:
    """Run a program creating ``make()``: (its outputs ``names`` resolved and its plain
    attributes ``plain``, by name; what the program created)."""
    seen: dict[str, Any] = {}

    def program() -> Any:
        component = make()
        seen.update({name: getattr(component, name) for name in plain})
        return pulumi.Output.all(*[getattr(component, n) for n in names]).apply(
            lambda values: seen.update(zip(names, values, strict=True))
        )

    return seen, run_program(program, mocks())


def bad_arguments_test(
    deploy: Callable[..., object], component: str, cases: Sequence[tuple[Any, str, str]]
) -> Callable[[Any, str, str], None]:
    """A test, parametrized by ``cases`` of (arguments, argument, message), that
    ``deploy(**arguments)`` fails naming ``component`` and the argument
    (``assert_fails_naming``)."""

    @pytest.mark.parametrize(("args", "argument", "message"), cases)
    def test(args: dict[str, Any], argument: str, message: str) -> None:
        assert_fails_naming(lambda: deploy(**args), component, argument, message)

    return test


#: Bad arguments of every workflow that waits for a DMS task (its task checks).
TASK_WAITER_BAD_ARGS: list[tuple[dict[str, Any], str, str]] = [
    ({"replication_task_arn": ""}, "replication_task_arn", "is required"),
    (
        {"replication_task_arn": "arn:aws:dms:eu-west-1:123:endpoint:X"},
        "replication_task_arn",
        "expected a DMS replication task ARN",
    ),
    ({"start_type": "restart"}, "start_type", "allowed values: auto, start-replication"),
    ({"success_stop_reasons": ["DONE"]}, "success_stop_reasons", "allowed: NORMAL"),
    ({"success_stop_reasons": []}, "success_stop_reasons", "non-empty list"),
]

#: Bad arguments of every workflow that waits through the hub (its heartbeat and hub checks).
HUB_WAITER_BAD_ARGS: list[tuple[dict[str, Any], str, str]] = [
    ({"heartbeat_seconds": -5}, "heartbeat_seconds", "at least 0"),
    ({"heartbeat_seconds": 3600.5}, "heartbeat_seconds", "must be a whole number"),
    ({"timeout_seconds": 86400.25}, "timeout_seconds", "must be a whole number"),
    (
        {"heartbeat_seconds": 7200, "timeout_seconds": 7200},
        "heartbeat_seconds",
        "less than timeout_seconds (7200)",
    ),
    (
        {"heartbeat_seconds": 1000},
        "heartbeat_seconds",
        "at least twice the hub's reconcile period (1800 s)",
    ),
    (
        {"heartbeat_seconds": 3600, "hub_args": {"reconcile_every_minutes": 0}},
        "heartbeat_seconds",
        "the hub's reconciler is off",
    ),
    ({"hub": "dms-events"}, "hub", "must be a DmsEventHubReference"),
    ({"hub_args": ["reconcile"]}, "hub_args", "must be a mapping"),
    (
        {"hub_args": {"reconcile_every_minutes": 5000}},
        "hub_args",
        "DmsEventHub 'orders-hub': argument 'reconcile_every_minutes'",
    ),
]
