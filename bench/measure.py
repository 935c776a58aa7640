"""Run one migration through each deployed pattern and measure it the same way for all.

The demo and the benchmarks both go through ``run_migration``: create simulated DMS tasks,
deploy the real stack program (``__main__.py``) into the local cloud, start each task's
workflow, drive the virtual clock until it ends, and read the figures off the emulator
(history events, Lambda invocations, durable operations, DynamoDB requests), never off a
formula. Step Functions patterns are started with StartExecution; durable patterns by invoking
the durable function's alias asynchronously with a ``DurableExecutionName``, as a caller would.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bench.pricing import Usage
from dms_waiters.cli import main as dms_waiters_cli
from dms_waiters.lambdas import metrics
from dms_waiters.stack import HUB_NAME, PATTERNS
from localcloud.cloud import LocalCloud
from localcloud.deploy import Deployment, deploy_stack_file
from localcloud.dms.scenario import DmsScenario
from localcloud.stepfunctions.executions import ExecutionResult
from localcloud.wall_clock import virtual_wall_clock

if TYPE_CHECKING:
    from localcloud.awslambda.durable_results import DurableExecutionResult

ROOT: Final = Path(__file__).resolve().parent.parent
STACK_PROGRAM: Final = ROOT / "__main__.py"

#: The patterns the demo shows, in order; those the stack cannot deploy yet are skipped.
DEMO_PATTERNS: Final = ("polling", "callback", "durable-poll", "durable-callback")
#: Patterns whose workflow is a Lambda durable function (started by Invoke, not StartExecution).
DURABLE_PATTERNS: Final = frozenset({"durable-poll", "durable-callback"})
#: Outputs, in order of preference, that may name the durable function's alias (qualified ARN).
DURABLE_TARGET_OUTPUTS: Final = ("alias_arn", "function_alias_arn", "qualified_arn")
#: The waiting deadline the demo gives every pattern that takes one: longer than the longest
#: migration the chart plots (7 days), so a long run measures the wait rather than a timeout.
DEMO_TIMEOUT_SECONDS: Final = 14 * 24 * 3600


@dataclass(frozen=True)
class Measured:
    """What one pattern's run cost and how it ended."""

    task: str
    pattern: str
    status: str
    error: str | None
    usage: Usage
    resume_latency: float | None
    """Virtual seconds from DMS stopping to the workflow ending (None if DMS never stopped)."""
    virtual_seconds: float
    dms_requests: int = 0
    midway_waits: str | None = None
    """``dms-waiters waits`` halfway through the migration (patterns that wait through a hub)."""
    hub_metrics: dict[str, float] = field(default_factory=dict)
    """The hub's metrics at the end (sums of the handlers' EMF records, by metric name)."""

    @property
    def outcome(self) -> str:
        """``SUCCEEDED`` or ``FAILED (<error>)``."""
        return self.status + (f" ({self.error})" if self.error else "")

    @property
    def cost(self) -> float:
        """Estimated dollars for this run."""
        return self.usage.cost()


@dataclass
class MigrationRun:
    """A whole run: the deployment, the skipped patterns and one ``Measured`` per task."""

    deployment: Deployment
    results: list[Measured] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def available(patterns: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``patterns`` into those the stack can deploy and those not built yet."""
    ready = [p for p in patterns if p in PATTERNS]
    return ready, [p for p in patterns if p not in PATTERNS]


def default_tasks(patterns: Sequence[str], poll_interval: int) -> list[dict[str, Any]]:
    """One stack-config task per pattern (ARNs are filled in by ``run_migration``)."""
    tasks: list[dict[str, Any]] = []
    for pattern in patterns:
        task: dict[str, Any] = {"name": f"{pattern}-demo", "pattern": pattern}
        if pattern == "polling":
            task.update(poll_interval_seconds=poll_interval, timeout_seconds=DEMO_TIMEOUT_SECONDS)
        elif pattern in DURABLE_PATTERNS:
            # Only the arguments the pattern's component takes (the config is validated).
            keys = PATTERNS[pattern].argument_keys if pattern in PATTERNS else frozenset()
            if pattern == "durable-poll" and "poll_interval_seconds" in keys:
                task["poll_interval_seconds"] = poll_interval
            if "timeout_seconds" in keys:
                task["timeout_seconds"] = DEMO_TIMEOUT_SECONDS
        tasks.append(task)
    return tasks


def snapshot(cloud: LocalCloud) -> dict[str, int]:
    """Counters a run's usage is the difference of: invocations, DynamoDB and DMS requests."""
    calls = cloud.api_calls()
    return {
        "lambda": cloud.lambda_runtime.invocations(),
        "dynamodb_reads": sum(
            n for (svc, op), n in calls.items() if svc == "dynamodb" and op in _DYNAMODB_READS
        ),
        "dynamodb_writes": sum(
            n for (svc, op), n in calls.items() if svc == "dynamodb" and op not in _DYNAMODB_READS
        ),
        "dms": sum(n for (svc, _), n in calls.items() if svc == "database-migration-service"),
    }


def usage_since(
    before: Mapping[str, int], after: Mapping[str, int], transitions: int, durable_operations: int
) -> Usage:
    """The usage between two ``snapshot``s, with the transitions and durable operations read
    off the executions themselves."""
    return Usage(
        transitions=transitions,
        lambda_invocations=after["lambda"] - before["lambda"],
        durable_operations=durable_operations,
        dynamodb_reads=after["dynamodb_reads"] - before["dynamodb_reads"],
        dynamodb_writes=after["dynamodb_writes"] - before["dynamodb_writes"],
    )


_DYNAMODB_READS: Final = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "DescribeTable"})


def _start_state_machine(cloud: LocalCloud, outputs: Mapping[str, Any], task_arn: str) -> str:
    return cloud.start_execution(outputs["state_machine_arn"], {})


def durable_target(outputs: Mapping[str, Any]) -> str:
    """The qualified ARN to invoke a durable pattern's function by, from its outputs: the first
    of ``DURABLE_TARGET_OUTPUTS`` present, else the one alias ARN among the outputs, else the one
    qualified Lambda function ARN (durable functions are invoked through a version or alias)."""
    for key in DURABLE_TARGET_OUTPUTS:
        value = outputs.get(key)
        if isinstance(value, str) and value:
            return value
    qualified = sorted(
        {
            value
            for value in outputs.values()
            if isinstance(value, str)
            and value.startswith("arn:")
            and value.split(":")[2:3] == ["lambda"]
            and value.split(":")[5:6] == ["function"]
            and len(value.split(":")) == 8
        }
    )
    aliases = [arn for arn in qualified if not arn.rsplit(":", 1)[1].isdigit()]
    for found in (aliases, qualified):
        if len(found) == 1:
            return found[0]
    raise KeyError(
        f"cannot tell which output invokes the durable function: expected one of "
        f"{', '.join(DURABLE_TARGET_OUTPUTS)} or one alias ARN in {sorted(outputs)}"
    )


def _start_durable(cloud: LocalCloud, outputs: Mapping[str, Any], task_arn: str) -> str:
    return cloud.start_durable_execution(durable_target(outputs), {}, name="measured-run")


#: How to start each pattern's workflow from its exported outputs; returns an execution ARN
#: (a state machine execution, or a durable execution for ``DURABLE_PATTERNS``).
STARTERS: Final[dict[str, Callable[[LocalCloud, Mapping[str, Any], str], str]]] = {
    "polling": _start_state_machine,
    "callback": _start_state_machine,
    "durable-poll": _start_durable,
    "durable-callback": _start_durable,
}


def run_migration(
    scenario: DmsScenario,
    tasks: Sequence[Mapping[str, Any]],
    *,
    skipped: Sequence[str] = (),
    on_deployed: Callable[[Deployment], None] | None = None,
    on_phase: Callable[[str, LocalCloud], None] | None = None,
    cloud_factory: Callable[[], LocalCloud] = LocalCloud,
) -> MigrationRun:
    """Deploy ``tasks`` (stack config entries) and run ``scenario`` through each of them.

    Each task gets its own simulated replication task (its configured ARN, if any, is replaced
    by the simulated one: the local cloud has its own account), and is measured alone so its
    figures are its own.
    """

    def phase(text: str, cloud: LocalCloud) -> None:
        if on_phase is not None:
            on_phase(text, cloud)

    # The whole stack is deployed once, as `pulumi up` would, for the summary.
    with cloud_factory() as cloud:
        phase("deploying the stack", cloud)
        config_tasks = [
            {**task, "replication_task_arn": cloud.create_replication_task(task["name"], scenario)}
            for task in tasks
        ]
        deployment = deploy_stack_file(cloud, STACK_PROGRAM, {"tasks": config_tasks})
    if on_deployed is not None:
        on_deployed(deployment)
    run = MigrationRun(deployment, skipped=list(skipped))
    # Each task is then measured in a cloud of its own: a shared hub's reconciler and the
    # resume function (which sees every DMS event of the account) would otherwise charge one
    # pattern's run with another's activity.
    for task in tasks:
        with cloud_factory() as cloud:
            phase(f"running {task['name']} ({task['pattern']})", cloud)
            alone = {
                **task,
                "replication_task_arn": cloud.create_replication_task(task["name"], scenario),
            }
            single = deploy_stack_file(cloud, STACK_PROGRAM, {"tasks": [alone]})
            run.results.append(_measure(cloud, single, alone, scenario.run_seconds / 2))
    return run


def run_cli(cloud: LocalCloud, *argv: str) -> str:
    """``dms-waiters argv...`` against the local cloud, now (virtual time); its output."""
    out = io.StringIO()
    with virtual_wall_clock(cloud.clock):
        dms_waiters_cli(list(argv), out, out)
    return out.getvalue()


def hub_metrics(cloud: LocalCloud, table: str) -> dict[str, float]:
    """Each of the hub's metrics over the whole run, read back from CloudWatch (the local cloud
    extracted them from the handlers' EMF lines): sums, the maximum for latency and in flight."""
    cw = cloud.client("cloudwatch")
    start = cloud.clock.to_datetime(0)
    end = cloud.clock.now_datetime() + timedelta(minutes=1)
    found: dict[str, float] = {}
    for name in metrics.UNITS:
        answer = cw.get_metric_statistics(
            Namespace=metrics.NAMESPACE,
            MetricName=name,
            Dimensions=[{"Name": metrics.DIMENSION, "Value": table}],
            StartTime=start,
            EndTime=end,
            # One data point for the whole run (a period is a multiple of 60 s).
            Period=(int((end - start).total_seconds()) // 60 + 1) * 60,
            Statistics=["Sum", "Maximum", "SampleCount"],
        )
        points = answer["Datapoints"]
        if not points:
            continue
        if name in (metrics.RESUME_LATENCY, metrics.WAITS_IN_FLIGHT):
            found[name] = max(p["Maximum"] for p in points)
        else:
            found[name] = sum(p["Sum"] for p in points)
    return found


def _measure(
    cloud: LocalCloud, deployment: Deployment, task: Mapping[str, Any], midway: float = 0
) -> Measured:
    before = snapshot(cloud)
    outputs = deployment.exports[task["name"]]
    execution_arn = STARTERS[task["pattern"]](cloud, outputs, task["replication_task_arn"])
    table = deployment.exports.get(HUB_NAME, {}).get("table_name")
    waits = None
    if table and midway > 0:
        # What an operator sees halfway through the migration.
        cloud.clock.advance(midway)
        cli_before = snapshot(cloud)
        waits = f"$ dms-waiters waits --hub {table}\n" + run_cli(cloud, "waits", "--hub", table)
        # The command's own requests are the operator's, not the pattern's.
        before = {k: v + snapshot(cloud)[k] - cli_before[k] for k, v in before.items()}
    result: ExecutionResult | DurableExecutionResult
    if task["pattern"] in DURABLE_PATTERNS:
        result = cloud.wait_for_durable_execution(
            execution_arn, replication_task_arn=task["replication_task_arn"]
        )
        transitions, durable_operations = 0, result.operations
    else:
        result = cloud.wait_for_execution(
            execution_arn, replication_task_arn=task["replication_task_arn"]
        )
        transitions, durable_operations = result.billed_transitions, 0
    after = snapshot(cloud)
    delta = {k: after[k] - before[k] for k in after}
    usage = usage_since(before, after, transitions, durable_operations)
    return Measured(
        task=task["name"],
        pattern=task["pattern"],
        status=result.status,
        error=result.error,
        usage=usage,
        resume_latency=result.resume_latency,
        virtual_seconds=result.virtual_seconds,
        dms_requests=delta["dms"],
        midway_waits=waits,
        hub_metrics=hub_metrics(cloud, table) if table else {},
    )


def with_duration(scenario: DmsScenario, seconds: float) -> DmsScenario:
    """The same scenario with another run duration (for sweeps)."""
    return dataclasses.replace(scenario, run_seconds=seconds, full_load_seconds=None)
