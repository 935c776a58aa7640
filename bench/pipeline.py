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
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from bench.measure import snapshot, usage_since
from bench.pricing import Usage
from dms_waiters import DmsCallbackWorkflow, DmsDurableWorkflow, DmsPollingWorkflow
from dms_waiters.documents.iam_policies import service_assume_role_policy
from dms_waiters.lambdas import errors
from localcloud.cloud import LocalCloud
from localcloud.dms.scenario import DmsScenario

DAY: Final = 24 * 3600
#: The waiter patterns a pipeline nests, and how each is deployed (its component and mode).
PIPELINE_PATTERNS: Final = ("polling", "callback", "durable-poll", "durable-callback")
DURABLE = {"ExecutionTimeout": 7 * DAY, "RetentionPeriodInDays": 7}
#: The parent's failure state when the waiter failed: it fails with the waiter's error name.
DMS_FAILED: Final = "DmsFailed"

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


@dataclass
class Pipeline:
    """A deployed pipeline in one local cloud, run night after night."""

    cloud: LocalCloud
    pattern: str
    task_arn: str
    parent: str
    """The parent state machine's ARN, or the durable parent's alias ARN."""
    waiter: str

    def run_night(self, night: int) -> Night:
        """Start the parent at the start of ``night`` (virtual day ``night - 1``); run it."""
        wait = (night - 1) * DAY - self.cloud.clock.now()
        if wait > 0:
            self.cloud.clock.advance(wait)
        before, before_time = snapshot(self.cloud), self.cloud.clock.now()
        transitions = durable_operations = 0
        if self.pattern.startswith("durable-"):
            result = self.cloud.run_durable_execution(
                self.parent, {}, name=f"night-{night}", replication_task_arn=self.task_arn
            )
            for record in self.cloud.durable.records():
                if record.started_at >= result.started_at:
                    durable_operations += self.cloud.durable.result(record.execution_arn).operations
            status, error, cause, output = result.status, result.error, result.cause, result.output
        else:
            run = self.cloud.run_execution(
                self.parent, {}, name=f"night-{night}", replication_task_arn=self.task_arn
            )
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
        return Night(night, self.pattern, status, error, cause, output, usage, start_type)


@contextmanager
def deployed_pipeline(pattern: str, scenario: DmsScenario) -> Iterator[Pipeline]:
    """A local cloud holding a simulated full-load task and the pipeline around ``pattern``."""
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
        yield Pipeline(cloud, pattern, task_arn, parent, exports["waiter"])


def run_nights(pattern: str, nights: int, scenario: DmsScenario) -> list[Night]:
    """Deploy the pipeline around ``pattern`` and run it ``nights`` times."""
    with deployed_pipeline(pattern, scenario) as pipeline:
        return [pipeline.run_night(n) for n in range(1, nights + 1)]


def report(nights: int = 3, hours: float = 1) -> None:
    """Print each pattern's pipeline, night by night: outcome, start type, cost figures."""
    print(f"\n== nightly pipeline: extract, {hours:g} h full load, transform ({nights} nights) ==")
    print(
        f"{'pipeline around':<25}{'night':>6}{'outcome':>11}{'start type':>19}{'transitions':>13}"
        f"{'lambda':>8}{'durable ops':>13}{'ddb req':>9}{'cost $':>11}"
    )
    for pattern in PIPELINE_PATTERNS:
        for n in run_nights(pattern, nights, DmsScenario(run_seconds=hours * 3600)):
            u = n.usage
            print(
                f"{'pipeline:' + pattern:<25}{n.night:>6}{n.status:>11}{n.start_type or '-':>19}"
                f"{u.transitions:>13}{u.lambda_invocations:>8}{u.durable_operations:>13}"
                f"{u.dynamodb_reads + u.dynamodb_writes:>9}{u.cost():>11.5f}"
            )
