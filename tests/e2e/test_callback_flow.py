"""The callback pattern deployed and run: ``DmsEventHub`` + ``DmsCallbackWorkflow``, locally.

Each test deploys a small Pulumi program (one hub, one or more workflows for simulated DMS tasks)
into the local cloud, so the state machine, the starter, resume and reconciler Lambdas (the real
handler code, run in-process), the waiter table, the DMS event rule and the reconcile schedule
all exist in moto exactly as the components declare them. Executions then run on the virtual
clock while the DMS simulator publishes the task's state changes, with the faults a scenario
injects (lost, duplicated, reordered events, refused starts).

Every test checks how the execution ends (status, error, cause JSON), what it costs in state
transitions (a constant: the wait itself is free), how late it learns that the task ended, how
many times it was resumed (SendTaskSuccess / SendTaskFailure requests) and that nothing is left
behind (waiter table and dead-letter queue empty, no Lambda error).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pytest

from dms_waiters import DmsCallbackWorkflow, DmsEventHub
from dms_waiters.callback import HEARTBEAT_RECONCILE_PERIODS, DmsCallbackWorkflowArgs
from dms_waiters.definitions.callback import HEARTBEAT_LOST, TIMED_OUT, WAIT, WAIT_WITH_START_TYPE
from dms_waiters.hub.event_hub import DEFAULT_RECONCILE_EVERY_MINUTES
from dms_waiters.lambdas import dms_status as dms
from localcloud import DmsScenario, ExecutionResult, LocalCloud
from localcloud.dms import scenario as dms_sim
from localcloud.dms.scenario import DEFAULT_FAILURE_MESSAGE

HOUR = 3600
DAY = 24 * HOUR
#: The hub's default reconcile period, and the default heartbeat it implies.
RECONCILE_SECONDS = DEFAULT_RECONCILE_EVERY_MINUTES * 60
HEARTBEAT_SECONDS = HEARTBEAT_RECONCILE_PERIODS * RECONCILE_SECONDS
#: The simulator's default time in ``starting``: a task started at 0 runs until 10 + run.
STARTING_SECONDS = 10

#: CheckInput, StartAndWait: whatever the task's duration.
SUCCESS_TRANSITIONS = 2
#: Plus the Fail state.
FAILURE_TRANSITIONS = 3

SFN = "sfn"  # Step Functions' service id in botocore's events (what api_calls() counts by)
LAMBDA_FUNCTION = "aws:lambda/function:Function"


@dataclass(frozen=True)
class Stack:
    """A deployed hub and its workflows, one per simulated task (same names)."""

    cloud: LocalCloud
    tasks: dict[str, str]
    """Workflow name -> replication task ARN."""
    machines: dict[str, str]
    """Workflow name -> state machine ARN (read from the stack's exports)."""
    table_name: str
    dlq_url: str
    resume_function: str
    reconciler_function: str | None
    definitions: dict[str, dict[str, Any]]
    """Workflow name -> the wait state of its deployed definition."""

    def start(self, name: str, execution_input: dict[str, Any] | None = None) -> str:
        return self.cloud.start_execution(self.machines[name], execution_input or {})

    def wait(self, name: str, execution_arn: str) -> ExecutionResult:
        return self.cloud.wait_for_execution(execution_arn, replication_task_arn=self.tasks[name])

    def run(self, name: str, execution_input: dict[str, Any] | None = None) -> ExecutionResult:
        return self.wait(name, self.start(name, execution_input))

    def waiters(self) -> list[dict[str, Any]]:
        """Every item of the waiter table (expired ones included)."""
        items: list[dict[str, Any]] = self.cloud.client("dynamodb").scan(TableName=self.table_name)[
            "Items"
        ]
        return items

    def sends(self) -> tuple[int, int]:
        """(SendTaskSuccess, SendTaskFailure) requests so far, answered or refused."""
        calls = self.cloud.api_calls()
        return calls.get((SFN, "SendTaskSuccess"), 0), calls.get((SFN, "SendTaskFailure"), 0)

    def heartbeats(self) -> int:
        return self.cloud.api_calls().get((SFN, "SendTaskHeartbeat"), 0)

    def invocations(self, function_name: str | None) -> int:
        assert function_name is not None
        return self.cloud.lambda_invocations(function_name)

    def assert_clean(self, *, lambda_errors: int = 0) -> None:
        """No waiter left, nothing dead-lettered, no Lambda failed (but ``lambda_errors``)."""
        assert self.waiters() == []
        attributes = self.cloud.client("sqs").get_queue_attributes(
            QueueUrl=self.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        assert attributes["ApproximateNumberOfMessages"] == "0"
        failed = [r for r in self.cloud.lambda_runtime.records if r.error_type is not None]
        assert len(failed) == lambda_errors, failed


def deploy(
    cloud: LocalCloud,
    scenarios: Mapping[str, DmsScenario],
    **workflow_args: Any,
) -> Stack:
    """Create one simulated task per scenario, then deploy a default hub and one workflow per
    task (``workflow_args`` added to each workflow's arguments)."""
    tasks = {name: cloud.create_replication_task(name, sc) for name, sc in scenarios.items()}

    def program() -> None:
        hub = DmsEventHub("hub")
        for name, arn in tasks.items():
            args = {"replication_task_arn": arn, "hub": hub.reference, **workflow_args}
            workflow = DmsCallbackWorkflow(name, cast(DmsCallbackWorkflowArgs, args))
            pulumi.export(f"machine:{name}", workflow.state_machine_arn)
        pulumi.export("table", hub.table_name)
        pulumi.export("dlq", hub.dlq_url)
        pulumi.export("resume", hub.resume_function_arn)
        pulumi.export("reconciler", hub.reconciler_function_arn)

    deployment = cloud.deploy(program)
    exports = deployment.exports
    sfn = cloud.client("stepfunctions")
    definitions = {}
    for name in tasks:
        described = sfn.describe_state_machine(stateMachineArn=exports[f"machine:{name}"])
        definitions[name] = json.loads(described["definition"])["States"][WAIT]
    reconciler = exports["reconciler"]
    return Stack(
        cloud=cloud,
        tasks=tasks,
        machines={name: exports[f"machine:{name}"] for name in tasks},
        table_name=exports["table"],
        dlq_url=exports["dlq"],
        resume_function=exports["resume"].rsplit(":", 1)[1],
        reconciler_function=None if reconciler is None else reconciler.rsplit(":", 1)[1],
        definitions=definitions,
    )


def assert_success(result: ExecutionResult, task_arn: str, run_seconds: float) -> None:
    """Succeeded with the polling pattern's output, in two transitions, for that DMS run."""
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["replication_task_arn"] == task_arn
    assert result.output["status"] == "stopped"
    assert result.output["stop_reason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"
    assert result.output["stats"]["FullLoadProgressPercent"] == 100
    assert result.transitions == SUCCESS_TRANSITIONS
    assert result.dms_stopped_at == pytest.approx(
        result.started_at + STARTING_SECONDS + run_seconds
    )


# -- outcomes -------------------------------------------------------------------------------


def test_a_finished_full_load_succeeds_with_the_polling_output(cloud: LocalCloud) -> None:
    stack = deploy(cloud, {"orders": DmsScenario(run_seconds=HOUR, tables=3)})
    result = stack.run("orders")
    assert_success(result, stack.tasks["orders"], HOUR)
    assert set(result.output) == {"replication_task_arn", "status", "stop_reason", "stats"}
    stats = result.output["stats"]
    assert (stats["TablesLoaded"], stats["TablesErrored"]) == (3, 0)
    assert result.entered_states() == ["CheckInput", WAIT]
    assert result.resume_latency == 0
    assert stack.sends() == (1, 0)
    # The event path resumed it: one resume per terminal event, the reconciler only heartbeat.
    assert stack.heartbeats() == (STARTING_SECONDS + HOUR) // RECONCILE_SECONDS
    assert stack.invocations(stack.reconciler_function) == stack.heartbeats()
    stack.assert_clean()


def test_a_failed_task_fails_with_its_last_failure_message(cloud: LocalCloud) -> None:
    stack = deploy(cloud, {"orders": DmsScenario(run_seconds=HOUR, final_status="failed")})
    result = stack.run("orders")
    assert result.status == "FAILED"
    assert result.error == dms.ERROR_TASK_FAILED
    assert result.cause_json == {
        "replication_task_arn": stack.tasks["orders"],
        "status": "failed",
        "stop_reason": "Stop Reason FATAL_ERROR",
        "last_failure_message": DEFAULT_FAILURE_MESSAGE,
    }
    # The sender's cause reaches the task's failure and the execution's unchanged.
    [failed] = result.events("TaskFailed")
    assert failed["taskFailedEventDetails"]["cause"] == result.cause
    assert result.transitions == FAILURE_TRANSITIONS
    assert result.entered_states() == ["CheckInput", WAIT, dms.ERROR_TASK_FAILED]
    assert result.resume_latency == 0
    assert stack.sends() == (0, 1)
    stack.assert_clean()


def test_a_user_stop_fails_with_task_stopped(cloud: LocalCloud) -> None:
    # Someone calls StopReplicationTask at 40 minutes: DMS stops it with reason NORMAL.
    stack = deploy(cloud, {"orders": DmsScenario(final_status="never")})
    dms_client = cloud.client("dms")
    cloud.clock.call_at(
        2400, lambda: dms_client.stop_replication_task(ReplicationTaskArn=stack.tasks["orders"])
    )
    result = stack.run("orders")
    assert result.error == dms.ERROR_TASK_STOPPED
    assert result.cause_json == {
        "replication_task_arn": stack.tasks["orders"],
        "status": "stopped",
        "stop_reason": "Stop Reason NORMAL",
        "last_failure_message": "",
    }
    assert result.transitions == FAILURE_TRANSITIONS
    assert (result.dms_stopped_at, result.resume_latency) == (2400, 0)
    assert stack.sends() == (0, 1)
    stack.assert_clean()


def test_a_refused_start_fails_at_once_and_removes_the_waiter(cloud: LocalCloud) -> None:
    scenario = DmsScenario(start_error="InvalidResourceStateFault")
    stack = deploy(cloud, {"orders": scenario})
    result = stack.run("orders")
    assert result.status == "FAILED"
    assert result.error == dms.ERROR_START_FAILED
    # The starter's exception, as Lambda reports it: the DMS error code and message.
    cause = result.cause_json
    assert cause["errorType"] == dms.ERROR_START_FAILED
    assert cause["errorMessage"] == "InvalidResourceStateFault: Simulated start failure"
    assert result.entered_states() == ["CheckInput", WAIT, dms.ERROR_START_FAILED]
    assert result.transitions == FAILURE_TRANSITIONS
    assert result.virtual_seconds == 0
    # Not retried, nothing ran, nothing to resume, and the waiter was deleted by the starter.
    task = cloud.replication_task(stack.tasks["orders"])
    assert (task.runs, task.start_types) == ([], [])
    assert cloud.api_calls()[("database-migration-service", "StartReplicationTask")] == 1
    assert stack.sends() == (0, 0)
    stack.assert_clean(lambda_errors=1)


def test_a_task_that_never_ends_times_out_at_the_deadline(cloud: LocalCloud) -> None:
    # Two hours and five minutes: off the reconciler's 15-minute beat, so the deadline and a
    # reconciler run never coincide.
    timeout = 2 * HOUR + 300
    stack = deploy(cloud, {"orders": DmsScenario(final_status="never")}, timeout_seconds=timeout)
    assert stack.definitions["orders"]["TimeoutSeconds"] == timeout
    assert stack.definitions["orders"]["HeartbeatSeconds"] == HEARTBEAT_SECONDS
    result = stack.run("orders")
    assert result.error == dms.ERROR_WAIT_TIMED_OUT
    assert result.cause_json == {
        "replication_task_arn": stack.tasks["orders"],
        "timeout_seconds": timeout,
        "heartbeat_seconds": HEARTBEAT_SECONDS,
        "reason": "no result within timeout_seconds",
    }
    assert result.entered_states() == ["CheckInput", WAIT, TIMED_OUT]
    assert result.virtual_seconds == timeout
    assert result.dms_stopped_at is None
    assert stack.sends() == (0, 0)
    # The waiter outlives the execution until the reconciler's next heartbeat finds the token
    # gone and deletes it.
    assert len(stack.waiters()) == 1
    cloud.clock.advance(RECONCILE_SECONDS)
    stack.assert_clean()


def test_without_heartbeats_the_wait_fails_after_heartbeat_seconds(cloud: LocalCloud) -> None:
    # The reconciler is throttled for good (a broken hub): nothing heartbeats the wait, which
    # fails HEARTBEAT_SECONDS after it began instead of waiting for its 7-day deadline.
    stack = deploy(cloud, {"orders": DmsScenario(final_status="never")})
    cloud.lambda_runtime.throttle(stack.reconciler_function or "", times=1_000_000)
    result = stack.run("orders")
    assert result.error == dms.ERROR_WAIT_TIMED_OUT
    assert result.cause_json["heartbeat_seconds"] == HEARTBEAT_SECONDS
    # AWS raises States.HeartbeatTimeout (-> HeartbeatLost); moto raises States.Timeout.
    assert result.entered_states()[-1] in (HEARTBEAT_LOST, TIMED_OUT)
    assert result.virtual_seconds == HEARTBEAT_SECONDS
    assert stack.heartbeats() == 0
    # Once the reconciler works again, its first run clears the dead waiter.
    cloud.lambda_runtime.throttle(stack.reconciler_function or "", times=0)
    cloud.clock.advance(RECONCILE_SECONDS)
    assert stack.waiters() == []


# -- faults in DMS event delivery --------------------------------------------------------------


def test_duplicated_events_resume_exactly_once(cloud: LocalCloud) -> None:
    stack = deploy(cloud, {"orders": DmsScenario(run_seconds=HOUR, duplicate_events=3)})
    result = stack.run("orders")
    assert_success(result, stack.tasks["orders"], HOUR)
    assert len(cloud.dms.published_events(stack.tasks["orders"], "stopped")) == 3
    # Every copy reached the resume Lambda; the first resumed, the others found no waiter.
    assert stack.invocations(stack.resume_function) >= 3
    assert result.resume_latency == 0
    assert stack.sends() == (1, 0)
    stack.assert_clean()


def test_a_lost_stop_event_is_resumed_by_the_reconciler_within_one_period(
    cloud: LocalCloud,
) -> None:
    stack = deploy(cloud, {"orders": DmsScenario(run_seconds=HOUR, lose_events={"stopped"})})
    result = stack.run("orders")
    assert_success(result, stack.tasks["orders"], HOUR)
    assert len(cloud.dms.lost_events(stack.tasks["orders"], "stopped")) == 1
    assert result.resume_latency is not None
    assert 0 < result.resume_latency <= RECONCILE_SECONDS
    # The reconciler's next scheduled run (a multiple of the period) resumed it.
    assert result.ended_at % RECONCILE_SECONDS == 0
    assert stack.sends() == (1, 0)
    stack.assert_clean()


def test_events_out_of_order_still_succeed_exactly_once(cloud: LocalCloud) -> None:
    stack = deploy(cloud, {"orders": DmsScenario(run_seconds=HOUR, reorder=True)})
    result = stack.run("orders")
    assert_success(result, stack.tasks["orders"], HOUR)
    published = [r.kind for r in cloud.dms.published_events(stack.tasks["orders"])]
    assert published.index("stopped") < published.index("started")  # STOPPED before STARTED
    assert result.resume_latency == 0
    assert stack.sends() == (1, 0)
    stack.assert_clean()


# -- input --------------------------------------------------------------------------------------


def test_the_execution_input_overrides_the_start_type(cloud: LocalCloud) -> None:
    stack = deploy(cloud, {"orders": DmsScenario(run_seconds=600)})
    first = stack.run("orders")
    second = stack.run("orders", {"start_type": "reload-target"})
    for result in (first, second):
        assert result.status == "SUCCEEDED", result.cause
        assert result.transitions == SUCCESS_TRANSITIONS
    assert second.entered_states() == ["CheckInput", WAIT_WITH_START_TYPE]
    rejected = stack.run("orders", {"start_type": "restart"})
    assert rejected.error == dms.ERROR_INVALID_INPUT
    assert rejected.entered_states() == ["CheckInput", "InvalidStartType"]
    # What DMS was asked, run by run: auto's choice for a first run, then the override; the
    # rejected input never reached the starter.
    task = cloud.replication_task(stack.tasks["orders"])
    assert [start_type for _, start_type in task.start_types] == [
        "start-replication",
        "reload-target",
    ]
    assert task.start_types[1][0] == second.started_at
    assert stack.sends() == (2, 0)
    stack.assert_clean()


def test_auto_runs_the_same_full_load_night_after_night(cloud: LocalCloud) -> None:
    stack = deploy(cloud, {"orders": DmsScenario(run_seconds=600)})
    first = stack.run("orders")
    second = stack.run("orders")
    assert_success(first, stack.tasks["orders"], 600)
    assert_success(second, stack.tasks["orders"], 600)
    task = cloud.replication_task(stack.tasks["orders"])
    assert [start_type for _, start_type in task.start_types] == [
        "start-replication",
        "reload-target",
    ]
    # The starter described the task before each start (its default start type is auto).
    assert cloud.api_calls()[("database-migration-service", "StartReplicationTask")] == 2
    stack.assert_clean()


def test_a_repeated_start_replication_fails_at_once_with_dms_message(cloud: LocalCloud) -> None:
    stack = deploy(cloud, {"orders": DmsScenario(run_seconds=600)})
    assert stack.run("orders").status == "SUCCEEDED"
    result = stack.run("orders", {"start_type": "start-replication"})
    assert result.error == dms.ERROR_START_FAILED
    cause = result.cause_json
    assert cause["errorType"] == dms.ERROR_START_FAILED
    assert cause["errorMessage"] == (
        f"InvalidParameterCombinationException: {dms_sim.REPEATED_START_MESSAGE}"
    )
    assert result.virtual_seconds == 0
    assert result.retries == 0
    task = cloud.replication_task(stack.tasks["orders"])
    assert [start_type for _, start_type in task.start_types] == ["start-replication"]
    stack.assert_clean(lambda_errors=1)


# -- cost and scale -----------------------------------------------------------------------------


@pytest.mark.slow
def test_transitions_do_not_grow_with_duration_and_heartbeats_keep_long_waits_alive(
    cloud: LocalCloud,
) -> None:
    # An hour and a day, side by side on one hub: the same two transitions, and the day-long
    # wait (far beyond its 45-minute heartbeat) lives on the reconciler's heartbeats.
    stack = deploy(
        cloud, {"short": DmsScenario(run_seconds=HOUR), "long": DmsScenario(run_seconds=DAY)}
    )
    assert stack.definitions["long"]["HeartbeatSeconds"] == HEARTBEAT_SECONDS
    executions = {name: stack.start(name) for name in ("short", "long")}
    short = stack.wait("short", executions["short"])
    long = stack.wait("long", executions["long"])
    assert_success(short, stack.tasks["short"], HOUR)
    assert_success(long, stack.tasks["long"], DAY)
    assert short.transitions == long.transitions == SUCCESS_TRANSITIONS
    assert len(short.history) == len(long.history)
    assert short.resume_latency == long.resume_latency == 0
    # One heartbeat per reconcile run while each waited (never a gap of HEARTBEAT_SECONDS).
    runs_while = {n: (STARTING_SECONDS + r) // RECONCILE_SECONDS for n, r in (
        ("short", HOUR), ("long", DAY))}  # fmt: skip
    assert stack.heartbeats() == runs_while["short"] + runs_while["long"]
    assert stack.sends() == (2, 0)
    stack.assert_clean()


@pytest.mark.slow
def test_twenty_workflows_share_one_hub_and_each_is_resumed_once(cloud: LocalCloud) -> None:
    # Different durations (never on a reconcile boundary): each stop event resumes its own.
    runs = {f"task{i:02d}": 600 + 317 * i for i in range(20)}
    stack = deploy(cloud, {name: DmsScenario(run_seconds=r) for name, r in runs.items()})
    executions = {name: stack.start(name) for name in runs}
    results = {name: stack.wait(name, arn) for name, arn in executions.items()}
    for name, result in results.items():
        assert_success(result, stack.tasks[name], runs[name])
        assert result.resume_latency == 0
    assert stack.sends() == (20, 0)
    # One resume per published event, whichever task it concerns.
    assert stack.invocations(stack.resume_function) == len(cloud.dms.published_events())
    stack.assert_clean()
