"""Every ARN a component writes comes from the provider's partition, and what a partition lacks
is refused at preview."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.loaders
import pytest

from dms_waiters import (
    CallbackUrlWorkflow,
    DmsCallbackWorkflow,
    DmsDurableWorkflow,
    DmsEventHub,
    DmsPollingWorkflow,
    DurableBatchWorkflow,
    InvalidArgumentError,
    WorkflowSchedule,
)
from dms_waiters.documents.partitions import states_arn
from dms_waiters.testing import DmsWaitersMocks, run_program
from tests.components._internal.test_schedule import NIGHTLY
from tests.paths import EXPORT_JOB_DIR

ACCOUNT = "111122223333"
PARTITIONS = [("aws-us-gov", "us-gov-west-1"), ("aws-cn", "cn-north-1")]
JOB_DIR = str(EXPORT_JOB_DIR)


def task_arn(partition: str, region: str, name: str) -> str:
    return f"arn:{partition}:dms:{region}:{ACCOUNT}:task:{name.upper()}"


def everything(partition: str, region: str, batch_code: Path) -> None:
    """Every component, in each of its shapes."""
    polling = DmsPollingWorkflow(
        "polling",
        {"replication_task_arn": task_arn(partition, region, "p"), "schedule": NIGHTLY},
    )
    WorkflowSchedule(
        "pipeline", {"state_machine_arn": polling.state_machine_arn, "schedule": NIGHTLY}
    )
    hub = DmsEventHub("hub")
    DmsCallbackWorkflow(
        "callback", {"replication_task_arn": task_arn(partition, region, "c"), "hub": hub.reference}
    )
    DmsDurableWorkflow(
        "durable-callback",
        {"replication_task_arn": task_arn(partition, region, "d"), "hub": hub.reference},
    )
    DmsDurableWorkflow(
        "durable-poll", {"replication_task_arn": task_arn(partition, region, "q"), "mode": "poll"}
    )
    DurableBatchWorkflow("batch", {"code_dir": str(batch_code), "handler": "etl.handler"})
    if partition != "aws-cn":  # function URLs: refused there (below)
        url_hub = DmsEventHub("url-hub", {"callback_url": True})
        CallbackUrlWorkflow(
            "url",
            {"code_dir": JOB_DIR, "handler": "job.handler", "hub": url_hub.reference},
        )


def strings(value: Any) -> list[str]:
    """Every string in a resource's inputs, JSON documents (definitions, policies) included."""
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return [value]
        return [value, *strings(decoded)] if not isinstance(decoded, str) else [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in strings(item)]
    return []


@pytest.fixture
def batch_code(tmp_path: Path) -> Path:
    (tmp_path / "etl.py").write_text("def handler(event, context):\n    return {}\n")
    return tmp_path


@pytest.mark.parametrize(("partition", "region"), PARTITIONS)
def test_no_resource_input_names_the_commercial_partition(
    partition: str, region: str, batch_code: Path
) -> None:
    mocks = run_program(
        lambda: everything(partition, region, batch_code),
        DmsWaitersMocks(account_id=ACCOUNT, region=region, partition=partition),
    )
    machines = mocks.created("aws:sfn/stateMachine:StateMachine")
    assert len(machines) == (2 if partition == "aws-cn" else 3)
    # Both schedules (the waiter's own and the pipeline's) are deployed there.
    assert len(mocks.created("aws:scheduler/schedule:Schedule")) == 2
    # GovCloud offers every feature: the hub's callback URL endpoint is deployed there.
    urls = [u.name for u in mocks.created("aws:lambda/functionUrl:FunctionUrl")]
    assert urls == ([] if partition == "aws-cn" else ["url-hub-callback-url-endpoint"])
    found = {
        resource.name: [s for s in strings(resource.inputs) if "arn:aws:" in s]
        for resource in mocks.created()
    }
    assert {name: hits for name, hits in found.items() if hits} == {}
    # The integrations are the partition's own.
    definition = json.loads(mocks.by_name("polling-state-machine").inputs["definition"])
    resources = {s.get("Resource") for s in definition["States"].values()} - {None}
    assert states_arn(partition, "aws-sdk:databasemigration:startReplicationTask") in resources


@pytest.mark.parametrize(
    ("program", "argument"),
    [
        (lambda: DmsEventHub("hub", {"callback_url": True}), "callback_url"),
        (
            lambda: CallbackUrlWorkflow("url", {"code_dir": JOB_DIR, "handler": "job.handler"}),
            "callback_url",
        ),
        (
            lambda: DmsCallbackWorkflow(
                "cb",
                {"replication_task_arn": task_arn("aws-cn", "cn-north-1", "c"), "tracing": True},
            ),
            "tracing",
        ),
        (
            lambda: DmsDurableWorkflow(
                "d",
                {
                    "replication_task_arn": task_arn("aws-cn", "cn-north-1", "d"),
                    "mode": "poll",
                    "tracing": True,
                },
            ),
            "tracing",
        ),
    ],
)
def test_what_china_lacks_is_refused_at_preview(program: Any, argument: str) -> None:
    # Raised inside an apply (the partition is an Output), so Pulumi reports it wrapped in the
    # resources waiting for it; its message ends the report.
    with pytest.raises(ValueError) as err:
        run_program(program, DmsWaitersMocks(region="cn-north-1", partition="aws-cn"))
    refusal = cause_of_type(err.value, InvalidArgumentError)
    assert refusal.argument == argument
    assert "aws-cn partition" in str(refusal)
    assert str(err.value).endswith(str(refusal))


def cause_of_type(error: BaseException, wanted: type[InvalidArgumentError]) -> InvalidArgumentError:
    seen: BaseException | None = error
    while seen is not None and not isinstance(seen, wanted):
        seen = seen.__cause__ or seen.__context__
    assert isinstance(seen, wanted), error
    return seen


def test_a_state_machines_own_tracing_is_allowed_in_china() -> None:
    mocks = run_program(
        lambda: DmsPollingWorkflow(
            "p",
            {"replication_task_arn": task_arn("aws-cn", "cn-north-1", "p"), "tracing": True},
        ),
        DmsWaitersMocks(region="cn-north-1", partition="aws-cn"),
    )
    (machine,) = mocks.created("aws:sfn/stateMachine:StateMachine")
    assert machine.inputs["tracingConfiguration"] == {"enabled": True}


@pytest.mark.parametrize(("partition", "region"), PARTITIONS)
def test_scheduler_is_offered_where_the_schedules_deploy(partition: str, region: str) -> None:
    # No schedule is refused in China or GovCloud: botocore's endpoint data (AWS's own) lists
    # EventBridge Scheduler in both partitions' regions (docs/aws-facts.md, "Partitions").
    endpoints = botocore.loaders.Loader().load_data("endpoints")
    (found,) = [p for p in endpoints["partitions"] if p["partition"] == partition]
    assert region in found["services"]["scheduler"]["endpoints"]
