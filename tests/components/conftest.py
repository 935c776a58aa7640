"""What every component test shares: the account and region of the mocks, the task, and the
helpers that deploy a component under ``dms_waiters.testing`` and read what it created.

Test modules import these (``from tests.components.conftest import ...``); each keeps only a
one-line ``deploy`` naming its component and its default arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from dms_waiters import InvalidArgumentError
from dms_waiters.testing import CreatedResource, DmsWaitersMocks, run_program

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
