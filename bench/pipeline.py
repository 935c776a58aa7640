"""A nightly pipeline around each waiter, run night after night in the local cloud and measured.

The pipeline is what data teams run: extract, the DMS full load (our waiter), transform. For a
Step Functions waiter (``polling``, ``callback``) the parent is a state machine built with the
waiter's ``nested_states`` (``startExecution.sync:2``) whose role gets the waiter's
``parent_policy``; for a durable waiter (``durable-poll``, ``durable-callback``) the parent is a
durable function chaining the waiter with ``wait_for_dms`` (``context.invoke``). Extract and
transform stand in for real work (a Pass state, a step), so the figures are the pipeline's
orchestration. Each night starts one parent run on the same full-load task: the waiter's start
type ``auto`` reloads the target from the second night on. The figures are read off the
emulator (history events, durable operations, Lambda invocations, DynamoDB requests), never
computed: see ``measure.py``.

Scheduled (``scheduled=True``): the parent is started by a ``WorkflowSchedule`` (EventBridge
Scheduler, 02:00 UTC every night, through the schedule starter) instead of directly; a night
then also counts the Scheduler invocation and the starter's Lambda invocation.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from bench.measure import snapshot, usage_since
from bench.pricing import Usage
from dms_waiters import (
    DmsCallbackWorkflow,
    DmsDurableWorkflow,
    DmsPollingWorkflow,
    WorkflowSchedule,
)
from dms_waiters.documents.iam_policies import service_assume_role_policy
from dms_waiters.lambdas import errors
from localcloud.active import ACTIVE
from localcloud.cloud import LocalCloud
from localcloud.dms.scenario import DmsScenario

DAY: Final = 24 * 3600
#: The waiter patterns a pipeline nests, and how each is deployed (its component and mode).
PIPELINE_PATTERNS: Final = ("polling", "callback", "durable-poll", "durable-callback")
DURABLE = {"ExecutionTimeout": 7 * DAY, "RetentionPeriodInDays": 7}
#: The parent's failure state when the waiter failed: it fails with the waiter's error name.
DMS_FAILED: Final = "DmsFailed"
#: The scheduled pipeline: a ``WorkflowSchedule`` of this name starts the parent at 02:00 UTC.
SCHEDULE_NAME: Final = "pipeline-nightly"
NIGHTLY: Final = {"expression": "cron(0 2 * * ? *)"}
NIGHTLY_AT: Final = 2 * 3600

#: The durable parent: extract, the waiter chained, transform (a user's own durable function).
DURABLE_PARENT: Final = """
import os
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from dms_waiters.lambdas.chained import wait_for_dms

@durable_execution
def handler(event, context: DurableContext):
    extracted = context.step(lambda _: {"rows": 1000}, name="extract")
    loaded = wait_for_dms(context, os.environ["DMS_WAITER"], name="load")
    transformed = context.step(lambda _: {"tables": loaded["stats"]["TablesLoaded"]},
                               name="transform")
    return {"extract": extracted, "load": loaded, "transform": transformed}
"""


def parent_definition(waiter_states: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Extract -> the nested waiter (``nested_states("Load", ...)``) -> Transform; a failed
    waiter ends in ``DMS_FAILED`` with the waiter's own error name and cause."""
    return {
        "Comment": "Nightly pipeline: extract, DMS full load, transform.",
        "StartAt": "Extract",
        "States": {
            "Extract": {
                "Type": "Pass",
                "Result": {"rows": 1000},
                "ResultPath": "$.extract",
                "Next": "Load",
            },
            **waiter_states,
            "Transform": {
                "Type": "Pass",
                "Parameters": {"tables.$": "$.dms_wait.Output.stats.TablesLoaded"},
                "ResultPath": "$.transform",
                "End": True,
            },
            DMS_FAILED: {
                "Type": "Fail",
                "ErrorPath": "$.dms_error.Child.Error",
                "CausePath": "$.dms_error.Child.Cause",
            },
            "PipelineFailed": {
                "Type": "Fail",
                "Error": "PipelineFailed",
                "CausePath": "$.dms_error.Cause",
            },
        },
    }


def _state_machine_pipeline(waiter: DmsPollingWorkflow | DmsCallbackWorkflow) -> None:
    states = waiter.nested_states(
        "Load",
        next_state="Transform",
        on_error={name: DMS_FAILED for name in errors.WAIT_ERRORS},
        otherwise="PipelineFailed",
    )
    account = aws.get_caller_identity_output().account_id
    role = aws.iam.Role(
        "pipeline-role",
        assume_role_policy=account.apply(
            lambda a: json.dumps(service_assume_role_policy("states.amazonaws.com", a))
        ),
    )
    policy = aws.iam.RolePolicy("pipeline-policy", role=role.id, policy=waiter.parent_policy)
    machine = aws.sfn.StateMachine(
        "pipeline",
        role_arn=role.arn,
        definition=states.apply(lambda s: json.dumps(parent_definition(s))),
        opts=pulumi.ResourceOptions(depends_on=[policy]),
    )
    pulumi.export("parent", machine.arn)
    pulumi.export("waiter", waiter.state_machine_arn)


def pipeline_program(pattern: str, task_arn: str) -> Callable[[], None]:
    """The Pulumi program of the waiter (and, for Step Functions, of its parent)."""

    def program() -> None:
        args: dict[str, Any] = {"replication_task_arn": task_arn}
        if pattern == "polling":
            _state_machine_pipeline(DmsPollingWorkflow("load", args))  # type: ignore[arg-type]
        elif pattern == "callback":
            _state_machine_pipeline(DmsCallbackWorkflow("load", args))  # type: ignore[arg-type]
        else:
            mode = pattern.removeprefix("durable-")
            waiter = DmsDurableWorkflow("load", {**args, "mode": mode})  # type: ignore[typeddict-item]
            pulumi.export("waiter", waiter.alias_arn)
            pulumi.export("parent_policy", waiter.parent_policy)

    return program


def schedule_program(parent: str, durable: bool) -> Callable[[], None]:
    """The user's schedule of the pipeline's parent (its own stack)."""

    def program() -> None:
        target = "durable_function_arn" if durable else "state_machine_arn"
        schedule = WorkflowSchedule(SCHEDULE_NAME, {target: parent, "schedule": NIGHTLY})  # type: ignore[misc]
        pulumi.export("schedule_arn", schedule.schedule_arn)

    return program


def _scheduler() -> Any:
    """The active cloud's EventBridge Scheduler (its firings)."""
    assert ACTIVE.scheduler is not None, "no local cloud is active"
    return ACTIVE.scheduler


def scheduled_run_name(night: int) -> str:
    """The name the schedule starter gives night ``night``'s run (the cloud starts 2026-01-01)."""
    return f"{SCHEDULE_NAME}-202601{night:02d}T020000Z"


@dataclass(frozen=True)
class Night:
    """One pipeline run: how it ended, what the parent and the waiter cost together."""

    night: int
    pattern: str
    status: str
    error: str | None
    cause: str | None
    output: Any
    usage: Usage
    start_type: str | None
    """The DMS start type the waiter used (read from the simulated task's history)."""
    run_name: str = ""
    scheduler_invocations: int = 0
    """EventBridge Scheduler invocations of the night (scheduled pipelines)."""


@dataclass
class Pipeline:
    """A deployed pipeline in one local cloud, run night after night."""

    cloud: LocalCloud
    pattern: str
    task_arn: str
    parent: str
    """The parent state machine's ARN, or the durable parent's alias ARN."""
    waiter: str

    @property
    def durable(self) -> bool:
        return self.pattern.startswith("durable-")

    def run_night(self, night: int) -> Night:
        """Start the parent at the start of ``night`` (virtual day ``night - 1``); run it."""
        wait = (night - 1) * DAY - self.cloud.clock.now()
        if wait > 0:
            self.cloud.clock.advance(wait)
        before, before_time = snapshot(self.cloud), self.cloud.clock.now()
        name = f"night-{night}"
        if self.durable:
            arn = self.cloud.start_durable_execution(self.parent, {}, name=name)
        else:
            arn = self.cloud.start_execution(self.parent, {}, name=name)
        return self._measured(night, name, arn, before, before_time)

    def run_scheduled_night(self, night: int) -> Night:
        """Let the schedule start night ``night``'s run (02:00 UTC on virtual day ``night - 1``),
        find it by the name the starter gave it, and run it to its end."""
        due = (night - 1) * DAY + NIGHTLY_AT
        if due - 1 > self.cloud.clock.now():
            self.cloud.clock.advance(due - 1 - self.cloud.clock.now())
        # Measured from just before the firing, as a direct night from its start.
        before, before_time = snapshot(self.cloud), self.cloud.clock.now()
        fired = len(_scheduler().fired)
        # The firing, the starter's asynchronous invocation, the start: within the minute.
        self.cloud.clock.advance(due + 60 - before_time)
        name = scheduled_run_name(night)
        if self.durable:
            (arn,) = [r.execution_arn for r in self.cloud.durable.records() if r.name == name]
        else:
            executions = self.cloud.client("stepfunctions").list_executions(
                stateMachineArn=self.parent
            )["executions"]
            (arn,) = [e["executionArn"] for e in executions if e["name"] == name]
        measured = self._measured(night, name, arn, before, before_time)
        invocations = len(_scheduler().fired) - fired
        return dataclasses.replace(measured, scheduler_invocations=invocations)

    def _measured(self, night: int, name: str, arn: str, before: Any, before_time: float) -> Night:
        """Run the parent's run ``arn`` to its end; what the night cost since ``before``."""
        transitions = durable_operations = 0
        if self.durable:
            result = self.cloud.wait_for_durable_execution(arn, replication_task_arn=self.task_arn)
            for record in self.cloud.durable.records():
                if record.started_at >= result.started_at:
                    durable_operations += self.cloud.durable.result(record.execution_arn).operations
            status, error, cause, output = result.status, result.error, result.cause, result.output
        else:
            run = self.cloud.wait_for_execution(arn, replication_task_arn=self.task_arn)
            children = self.cloud.client("stepfunctions").list_executions(
                stateMachineArn=self.waiter
            )["executions"]
            child = max(children, key=lambda e: e["startDate"])
            transitions = run.billed_transitions + (
                self.cloud.wait_for_execution(child["executionArn"]).billed_transitions
            )
            status, error, cause, output = run.status, run.error, run.cause, run.output
        usage = usage_since(before, snapshot(self.cloud), transitions, durable_operations)
        starts = self.cloud.replication_task(self.task_arn).start_types
        start_type = starts[-1][1] if starts and starts[-1][0] >= before_time else None
        return Night(
            night, self.pattern, status, error, cause, output, usage, start_type, run_name=name
        )


@contextmanager
def deployed_pipeline(
    pattern: str, scenario: DmsScenario, *, scheduled: bool = False
) -> Iterator[Pipeline]:
    """A local cloud holding a simulated full-load task and the pipeline around ``pattern``;
    ``scheduled``: with the nightly ``WorkflowSchedule`` of its parent (a stack of its own,
    as a user would deploy it beside the durable parent they created)."""
    with LocalCloud() as cloud:
        task_arn = cloud.create_replication_task("orders", scenario, "full-load")
        exports = cloud.deploy(pipeline_program(pattern, task_arn)).exports
        parent = exports.get("parent")
        if parent is None:
            # The user's own durable function, created outside the waiter's stack.
            cloud.create_function(
                "pipeline",
                {"app.py": DURABLE_PARENT},
                environment={"DMS_WAITER": exports["waiter"]},
                durable_config=DURABLE,
                publish=True,
            )
            alias = cloud.client("lambda").create_alias(
                FunctionName="pipeline", Name="live", FunctionVersion="1"
            )
            parent = alias["AliasArn"]
        if scheduled:
            durable = pattern.startswith("durable-")
            cloud.deploy(schedule_program(parent, durable), stack="schedule")
        yield Pipeline(cloud, pattern, task_arn, parent, exports["waiter"])


def run_nights(
    pattern: str, nights: int, scenario: DmsScenario, *, scheduled: bool = False
) -> list[Night]:
    """Deploy the pipeline around ``pattern`` and run it ``nights`` times (started by its
    schedule when ``scheduled``)."""
    with deployed_pipeline(pattern, scenario, scheduled=scheduled) as pipeline:
        run = pipeline.run_scheduled_night if scheduled else pipeline.run_night
        return [run(n) for n in range(1, nights + 1)]


def report(nights: int = 3, hours: float = 1) -> None:
    """Print each pattern's pipeline, night by night, started directly and by its schedule
    (``WorkflowSchedule``): outcome, start type, cost figures. What the schedule adds is read
    off the two runs: the Scheduler invocation (not priced: see docs/aws-facts.md, "Prices")
    and the starter's Lambda invocation, in the ``lambda`` column."""
    print(f"\n== nightly pipeline: extract, {hours:g} h full load, transform ({nights} nights) ==")
    print(
        f"{'pipeline around':<25}{'started by':>11}{'night':>6}{'outcome':>11}{'start type':>19}"
        f"{'transitions':>13}{'lambda':>8}{'durable ops':>13}{'ddb req':>9}{'scheduler':>11}"
        f"{'cost $':>11}"
    )
    for pattern in PIPELINE_PATTERNS:
        for scheduled in (False, True):
            scenario = DmsScenario(run_seconds=hours * 3600)
            for n in run_nights(pattern, nights, scenario, scheduled=scheduled):
                u = n.usage
                print(
                    f"{'pipeline:' + pattern:<25}{'schedule' if scheduled else 'direct':>11}"
                    f"{n.night:>6}{n.status:>11}{n.start_type or '-':>19}{u.transitions:>13}"
                    f"{u.lambda_invocations:>8}{u.durable_operations:>13}"
                    f"{u.dynamodb_reads + u.dynamodb_writes:>9}{n.scheduler_invocations:>11}"
                    f"{u.cost():>11.5f}"
                )
