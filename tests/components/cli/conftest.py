"""The ``dms-waiters`` command against a stack deployed into the local cloud.

The command builds its own boto3 clients, exactly as against AWS; moto answers them. It runs
in this process at the virtual instant (``virtual_wall_clock``): an operator running it at
that moment of the migration.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.measure import durable_target
from dms_waiters.cli import main
from dms_waiters.stack import HUB_NAME
from localcloud import DmsScenario, LocalCloud
from localcloud.deploy import deploy_stack_file
from localcloud.wall_clock import virtual_wall_clock

ROOT = Path(__file__).resolve().parents[3]
HOUR = 3600


@dataclass(frozen=True)
class Ran:
    """One run of the command."""

    code: int
    out: str
    err: str


def run_cli(cloud: LocalCloud, *argv: str) -> Ran:
    """``dms-waiters argv...`` now (virtual time), its exit code and output."""
    out, err = io.StringIO(), io.StringIO()
    with virtual_wall_clock(cloud.clock):
        code = main(list(argv), out, err)
    return Ran(code, out.getvalue(), err.getvalue())


@dataclass(frozen=True)
class Stack:
    """The stack program deployed with one callback and one durable-callback task."""

    cloud: LocalCloud
    table: str
    tasks: dict[str, str]
    """Task name -> replication task ARN."""
    outputs: dict[str, Mapping[str, Any]]

    def start_all(self) -> dict[str, str]:
        """Start both workflows; wait until both have registered their waiter; their
        execution ARNs by task name."""
        executions = {
            "orders": self.cloud.start_execution(self.outputs["orders"]["state_machine_arn"]),
            "customers": self.cloud.start_durable_execution(
                durable_target(self.outputs["customers"]), {}, name="nightly"
            ),
        }
        dynamodb = self.cloud.client("dynamodb")
        self.cloud.clock.run_until(
            lambda: dynamodb.scan(TableName=self.table)["Count"] == 2, virtual_timeout=HOUR
        )
        return executions


@pytest.fixture
def stack() -> Iterator[Stack]:
    """A fresh local cloud with the stack deployed: a 6-hour task per workflow."""
    with LocalCloud() as cloud:
        scenario = DmsScenario(run_seconds=6 * HOUR)
        tasks = {
            name: cloud.create_replication_task(name, scenario) for name in ("orders", "customers")
        }
        config = {
            "tasks": [
                {"name": "orders", "pattern": "callback", "replication_task_arn": tasks["orders"]},
                {
                    "name": "customers",
                    "pattern": "durable-callback",
                    "replication_task_arn": tasks["customers"],
                },
            ]
        }
        deployment = deploy_stack_file(cloud, ROOT / "__main__.py", config)
        exports = deployment.exports
        yield Stack(
            cloud=cloud,
            table=exports[HUB_NAME]["table_name"],
            tasks=tasks,
            outputs={name: exports[name] for name in tasks},
        )
