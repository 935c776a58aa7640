"""The durable waiter deployed and run: ``lambdas/durable_waiter.py`` as a Lambda durable function.

Each test deploys a small Pulumi program into the local cloud: the durable function (the real
handler archive, ``durable_config``, ``publish=True``, an alias) configured through the
environment variables of ``lambdas/contract.py``, plus, in callback mode, a ``DmsEventHub`` whose
resume and reconciler Lambdas complete its callbacks. The execution is started by invoking the
alias, as a caller would; it then runs on the virtual clock against the DMS simulator: its
checkpoints, the hub's ``SendDurableExecutionCallback*`` calls and every DMS event are real API
calls answered by the local cloud.

The figures checked are the ones the patterns are compared on: durable operations (billed per
operation), handler invocations (each replay is one), resume latency after DMS stopped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from bench.measure import durable_target
from dms_waiters import DmsEventHub
from dms_waiters._internal.handler_archive import handler_archive
from dms_waiters.documents.iam_policies import service_assume_role_policy
from dms_waiters.hub.event_hub import DEFAULT_RECONCILE_EVERY_MINUTES
from dms_waiters.lambdas import contract as c
from dms_waiters.stack import PATTERNS, Pattern
from localcloud import DmsScenario, LocalCloud
from localcloud.awslambda.durable_results import DurableExecutionResult
from localcloud.dms.scenario import DEFAULT_FAILURE_MESSAGE
from tests.histories import (
    ANY,
    all_events,
    assert_history,
    invocation,
    started,
    step,
    succeeded,
)
from tests.histories import result as result_of

HOUR = 3600
DAY = 24 * HOUR
RECONCILE_SECONDS = DEFAULT_RECONCILE_EVERY_MINUTES * 60
#: The simulator's default time in ``starting``: a task started at 0 runs until 10 + run.
STARTING_SECONDS = 10
POLL_INTERVAL = 60
MAX_POLL_INTERVAL = 600
TIMEOUT_SECONDS = 7 * DAY
#: wait_for_callback = a child context, its callback and the submitter step, whatever the wait.
CALLBACK_OPERATIONS = 3
DMS = "database-migration-service"


@dataclass(frozen=True)
class Durable:
    """A deployed durable waiter (and hub, in callback mode) for one simulated task."""

    cloud: LocalCloud
    task: str
    alias: str
    function_name: str
    table_name: str | None = None
    dlq_url: str | None = None

    def start(self, name: str | None = "run-1", payload: Mapping[str, Any] | None = None) -> str:
        return self.cloud.start_durable_execution(self.alias, payload or {}, name=name)

    def wait(self, execution_arn: str) -> DurableExecutionResult:
        return self.cloud.wait_for_durable_execution(execution_arn, replication_task_arn=self.task)

    def run(self, name: str | None = "run-1") -> DurableExecutionResult:
        return self.wait(self.start(name))

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        """The execution's whole history, read back as a user would."""
        return all_events(self.cloud.client("lambda"), execution_arn, IncludeExecutionData=True)

    def invocation_times(self, events: list[dict[str, Any]]) -> list[float]:
        """Virtual seconds at which each InvocationCompleted of ``events`` happened."""
        epoch = self.cloud.clock.epoch
        return [
            (event["EventTimestamp"] - epoch).total_seconds()
            for event in events
            if event["EventType"] == "InvocationCompleted"
        ]

    def calls(self, service: str, operation: str) -> int:
        return self.cloud.api_calls().get((service, operation), 0)

    def waiters(self) -> list[dict[str, Any]]:
        assert self.table_name is not None
        items: list[dict[str, Any]] = self.cloud.client("dynamodb").scan(TableName=self.table_name)[
            "Items"
        ]
        return items

    def assert_clean(self) -> None:
        """No Lambda failed; in callback mode no waiter left and nothing dead-lettered."""
        failed = [r for r in self.cloud.lambda_runtime.records if r.error_type is not None]
        assert failed == []
        if self.table_name is not None:
            assert self.waiters() == []
            attributes = self.cloud.client("sqs").get_queue_attributes(
                QueueUrl=self.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
            assert attributes["ApproximateNumberOfMessages"] == "0"


class StandInDurableWorkflow(pulumi.ComponentResource):
    """The durable waiter as a component would deploy it: role, durable function (the real
    handler archive, ``durable_config``, ``publish=True``) configured through the environment
    variables of ``lambdas/contract.py``, an alias, and in callback mode the hub's permission to
    complete its callbacks. A stand-in for ``DmsDurableWorkflow`` (written elsewhere), so these
    tests exercise the local cloud with or without it."""

    def __init__(self, name: str, args: Mapping[str, Any], mode: str) -> None:
        super().__init__("tests:index:StandInDurableWorkflow", name, {}, None)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=json.dumps(service_assume_role_policy("lambda.amazonaws.com")),
            opts=child,
        )
        timeout = int(args.get("timeout_seconds", TIMEOUT_SECONDS))
        variables: dict[str, Any] = {
            c.ENV_REPLICATION_TASK_ARN: args["replication_task_arn"],
            c.ENV_WAIT_MODE: mode,
            c.ENV_TIMEOUT_SECONDS: str(timeout),
            c.ENV_POLL_INTERVAL_SECONDS: str(args.get("poll_interval_seconds", POLL_INTERVAL)),
            c.ENV_MAX_POLL_INTERVAL_SECONDS: str(MAX_POLL_INTERVAL),
            c.ENV_WORKFLOW_NAME: name,
        }
        hub: DmsEventHub | None = args.get("hub")
        if mode == c.WAIT_MODE_CALLBACK:
            assert hub is not None
            variables[c.ENV_WAITER_TABLE] = hub.table_name
            variables[c.ENV_HEARTBEAT_SECONDS] = str(3 * RECONCILE_SECONDS)
        function = aws.lambda_.Function(
            name,
            role=role.arn,
            runtime="python3.13",
            handler=c.DURABLE_WAITER_HANDLER,
            code=handler_archive(),
            environment={"variables": variables},
            timeout=60,
            publish=True,
            durable_config={"execution_timeout": timeout + DAY, "retention_period": 7},
            opts=child,
        )
        alias = aws.lambda_.Alias(
            f"{name}-live",
            function_name=function.name,
            function_version=function.version,
            opts=child,
        )
        if hub is not None:
            hub.allow_durable_callbacks(name, function.arn, parent=self)
        self.alias_arn = alias.arn
        self.function_name = function.name
        self.register_outputs({"alias_arn": self.alias_arn})


def deploy(cloud: LocalCloud, mode: str, scenario: DmsScenario, **env: str) -> Durable:
    """Create a simulated task, then deploy the durable waiter for it (``mode``: poll or
    callback; ``env``: environment variables replacing the stand-in's)."""
    task = cloud.create_replication_task("orders", scenario)
    args: dict[str, Any] = {"replication_task_arn": task}
    if c.ENV_TIMEOUT_SECONDS in env:
        args["timeout_seconds"] = int(env.pop(c.ENV_TIMEOUT_SECONDS))
    assert not env, f"not supported by the stand-in: {env}"

    def program() -> None:
        if mode == c.WAIT_MODE_CALLBACK:
            hub = DmsEventHub("hub")
            args["hub"] = hub
            pulumi.export("table", hub.table_name)
            pulumi.export("dlq", hub.dlq_url)
        workflow = StandInDurableWorkflow("waiter", args, mode)
        pulumi.export("alias", workflow.alias_arn)
        pulumi.export("function", workflow.function_name)

    exports = cloud.deploy(program).exports
    return Durable(
        cloud=cloud,
        task=task,
        alias=exports["alias"],
        function_name=exports["function"],
        table_name=exports.get("table"),
        dlq_url=exports.get("dlq"),
    )


def poll_checks(run_seconds: float) -> tuple[int, float]:
    """(describes, end time) of poll mode for a task started at 0 that runs ``run_seconds``:
    a check at once, then after 60, 120, 240, 480 and 600 s forever (no jitter)."""
    stops_at = STARTING_SECONDS + run_seconds
    at, delay, checks = 0.0, float(POLL_INTERVAL), 1
    while at < stops_at:
        at += delay
        delay = min(2 * delay, MAX_POLL_INTERVAL)
        checks += 1
    return checks, at


# -- poll mode ------------------------------------------------------------------------------------


def test_poll_mode_succeeds_with_one_operation_per_check(cloud: LocalCloud) -> None:
    durable = deploy(cloud, c.WAIT_MODE_POLL, DmsScenario(run_seconds=HOUR))
    result = durable.run()

    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {
        "replication_task_arn": durable.task,
        "status": "stopped",
        "stop_reason": "Stop Reason FULL_LOAD_ONLY_FINISHED",
        "stats": result.output["stats"],
    }
    assert result.output["stats"]["FullLoadProgressPercent"] == 100
    checks, ends_at = poll_checks(HOUR)
    # The start step's describe (start type auto) plus one per check.
    assert durable.calls(DMS, "DescribeReplicationTasks") == 1 + checks == 11
    # The start step plus one operation per check (each check is an attempt of its step);
    # every check after the first is a new invocation (a replay).
    assert result.operations == checks + 1
    assert result.invocations == checks
    assert cloud.lambda_invocations(durable.function_name) == checks
    assert durable.calls(DMS, "StartReplicationTask") == 1
    # It learns of the end at the next check: up to one (capped) interval late.
    assert result.ended_at == ends_at == 3900
    assert result.resume_latency == ends_at - (STARTING_SECONDS + HOUR) == 290
    durable.assert_clean()
    # The whole history, as AWS reports a step then a wait_for_condition (conformance suite
    # step/1-1, wait_for_condition/6-1; tests/histories.py): each check a StepStarted and a
    # StepSucceeded carrying the check's state and attempt (with the delay to the next check),
    # then the invocation's end; each invocation at its check's virtual time.
    events = durable.history(result.execution_arn)
    delays = [min(POLL_INTERVAL * 2**k, MAX_POLL_INTERVAL) for k in range(checks - 1)]
    expected = [
        started("{}", TIMEOUT_SECONDS + DAY),
        step(2, "StepStarted", "${START}", "start", {}),
        step(
            3,
            "StepSucceeded",
            "${START}",
            "start",
            {"Result": result_of(ANY), "RetryDetails": {"CurrentAttempt": 1}},
        ),
    ]
    for attempt in range(1, checks + 1):
        retry: dict[str, Any] = {"CurrentAttempt": attempt}
        if attempt < checks:
            retry["NextAttemptDelaySeconds"] = delays[attempt - 1]
        first = len(expected) + 1
        expected += [
            step(first, "StepStarted", "${WAIT}", "wait-task", {}, "WaitForCondition"),
            step(
                first + 1,
                "StepSucceeded",
                "${WAIT}",
                "wait-task",
                {"Result": result_of(ANY), "RetryDetails": retry},
                "WaitForCondition",
            ),
            invocation(first + 2),
        ]
    expected.append(succeeded(len(expected) + 1, json.dumps(result.output)))
    assert_history(events, expected)
    check_times = [0, *accumulate(delays)]
    assert durable.invocation_times(events) == check_times


def assert_task_failed(result: DurableExecutionResult, task_arn: str) -> None:
    """The run failed with ``DmsTaskFailed``, its cause the failed task's state."""
    assert (result.status, result.error) == ("FAILED", "DmsTaskFailed")
    assert result.cause_json == {
        "replication_task_arn": task_arn,
        "status": "failed",
        "stop_reason": "Stop Reason FATAL_ERROR",
        "last_failure_message": DEFAULT_FAILURE_MESSAGE,
    }


def test_poll_mode_reports_a_failed_task(cloud: LocalCloud) -> None:
    durable = deploy(cloud, c.WAIT_MODE_POLL, DmsScenario(run_seconds=HOUR, final_status="failed"))
    result = durable.run()

    assert_task_failed(result, durable.task)
    checks, ends_at = poll_checks(HOUR)
    assert (result.operations, result.invocations) == (checks + 1, checks)
    assert result.ended_at == ends_at
    durable.assert_clean()


def test_poll_mode_times_out_on_the_virtual_deadline(cloud: LocalCloud) -> None:
    # The handler's deadline clock reads virtual time in the local cloud: 2 h pass in seconds.
    scenario = DmsScenario(run_seconds=DAY)
    durable = deploy(cloud, c.WAIT_MODE_POLL, scenario, **{c.ENV_TIMEOUT_SECONDS: str(2 * HOUR)})
    result = durable.run()

    assert (result.status, result.error) == ("FAILED", "DmsWaitTimedOut")
    assert result.cause_json["status"] == "running"
    assert result.ended_at == 2 * HOUR  # one last check exactly at the deadline
    assert result.dms_stopped_at is None
    durable.assert_clean()


# -- callback mode --------------------------------------------------------------------------------


def test_callback_mode_is_resumed_by_the_hub_from_the_dms_event(cloud: LocalCloud) -> None:
    durable = deploy(cloud, c.WAIT_MODE_CALLBACK, DmsScenario(run_seconds=HOUR))
    arn = durable.start()
    cloud.clock.run_until(lambda: bool(durable.waiters()))
    (waiter,) = durable.waiters()
    assert waiter["kind"] == {"S": c.KIND_DURABLE}
    assert waiter["execution"] == {"S": arn}
    result = durable.wait(arn)

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["status"] == "stopped"
    assert result.output["stop_reason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"
    # Whatever the wait, a handful of operations and two invocations (start, resume).
    assert (result.operations, result.invocations) == (CALLBACK_OPERATIONS, 2)
    # The resume Lambda completed it when DMS published "stopped": no delay.
    assert result.resume_latency == 0
    assert durable.calls("lambda", "SendDurableExecutionCallbackSuccess") == 1
    # Meanwhile the reconciler heartbeat the callback every period.
    assert durable.calls("lambda", "SendDurableExecutionCallbackHeartbeat") == HOUR // (
        RECONCILE_SECONDS
    )
    assert durable.calls(DMS, "StartReplicationTask") == 1
    durable.assert_clean()
    # The whole history, as AWS reports a wait_for_callback (conformance suite
    # wait_for_callback/7-5, with success: callback/4-5): a child context holding the callback
    # (its timeout and heartbeat timeout) and the submitter step, the invocation's end, the
    # callback's success when the hub sent it, the context's end, the resume's end.
    events = durable.history(arn)
    output = json.dumps(result.output)
    ctx = {"sub": "WaitForCallback"}
    inner = {"parent": "${CONTEXT}"}
    expected = [
        started("{}", TIMEOUT_SECONDS + DAY),
        step(2, "ContextStarted", "${CONTEXT}", "wait-task", {}, **ctx),
        step(
            3,
            "CallbackStarted",
            "${CALLBACK}",
            "wait-task create callback id",
            {
                "CallbackId": ANY,
                "Timeout": TIMEOUT_SECONDS,
                "HeartbeatTimeout": 3 * RECONCILE_SECONDS,
            },
            "Callback",
            **inner,
        ),
        step(4, "StepStarted", "${SUBMITTER}", "wait-task submitter", {}, **inner),
        step(
            5,
            "StepSucceeded",
            "${SUBMITTER}",
            "wait-task submitter",
            {"Result": result_of("null"), "RetryDetails": {"CurrentAttempt": 1}},
            **inner,
        ),
        invocation(6),
        step(
            7,
            "CallbackSucceeded",
            "${CALLBACK}",
            "wait-task create callback id",
            {"Result": result_of(output)},
            "Callback",
            **inner,
        ),
        step(
            8,
            "ContextSucceeded",
            "${CONTEXT}",
            "wait-task",
            {"Result": result_of(json.dumps(output))},
            **ctx,
        ),
        invocation(9),
        succeeded(10, output),
    ]
    assert_history(events, expected)
    # Started at once; resumed when DMS published "stopped".
    assert durable.invocation_times(events) == [0, STARTING_SECONDS + HOUR]


def test_callback_mode_with_the_event_lost_is_resumed_by_the_reconciler(cloud: LocalCloud) -> None:
    scenario = DmsScenario(run_seconds=HOUR, lose_events="stopped")
    durable = deploy(cloud, c.WAIT_MODE_CALLBACK, scenario)
    result = durable.run()

    assert result.status == "SUCCEEDED", result.cause
    assert result.operations == CALLBACK_OPERATIONS
    # The next reconciler pass (every 15 minutes from deployment) found the task stopped.
    stopped_at = STARTING_SECONDS + HOUR
    next_pass = (stopped_at // RECONCILE_SECONDS + 1) * RECONCILE_SECONDS
    assert result.ended_at == next_pass
    assert 0 < (result.resume_latency or 0) <= RECONCILE_SECONDS
    assert durable.calls("lambda", "SendDurableExecutionCallbackSuccess") == 1
    durable.assert_clean()


def test_callback_mode_reports_a_failed_task(cloud: LocalCloud) -> None:
    scenario = DmsScenario(run_seconds=HOUR, final_status="failed")
    durable = deploy(cloud, c.WAIT_MODE_CALLBACK, scenario)
    result = durable.run()

    assert_task_failed(result, durable.task)
    assert result.operations == CALLBACK_OPERATIONS
    assert result.resume_latency == 0
    assert durable.calls("lambda", "SendDurableExecutionCallbackFailure") == 1
    durable.assert_clean()


@pytest.mark.parametrize("mode", [c.WAIT_MODE_POLL, c.WAIT_MODE_CALLBACK])
def test_auto_runs_the_same_full_load_night_after_night(cloud: LocalCloud, mode: str) -> None:
    durable = deploy(cloud, mode, DmsScenario(run_seconds=HOUR))
    first = durable.run("night-1")
    second = durable.run("night-2")
    assert (first.status, second.status) == ("SUCCEEDED", "SUCCEEDED"), second.cause
    task = cloud.replication_task(durable.task)
    assert [start_type for _, start_type in task.start_types] == [
        "start-replication",
        "reload-target",
    ]
    durable.assert_clean()


def test_the_same_execution_name_starts_nothing_new(cloud: LocalCloud) -> None:
    durable = deploy(cloud, c.WAIT_MODE_CALLBACK, DmsScenario(run_seconds=HOUR))
    first = durable.start("nightly")
    cloud.clock.run_until(lambda: bool(durable.waiters()))
    cloud.clock.advance(600)
    # A retried start (the caller did not get the answer): the same execution, nothing new.
    assert durable.start("nightly") == first
    # Another name is another execution; the task already has a waiter: DmsAlreadyWaiting.
    other = durable.wait(durable.start("second"))
    assert (other.status, other.error) == ("FAILED", "DmsAlreadyWaiting")
    result = durable.wait(first)

    assert result.status == "SUCCEEDED", result.cause
    assert durable.start("nightly") == first  # still the same once it has ended
    assert [r.name for r in cloud.durable.records()] == ["nightly", "second"]
    assert durable.calls(DMS, "StartReplicationTask") == 1
    # The first execution ran twice (start, resume); the second once.
    assert cloud.lambda_invocations(durable.function_name) == 3
    durable.assert_clean()


# -- cost as the migration grows ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("mode", [c.WAIT_MODE_POLL, c.WAIT_MODE_CALLBACK])
def test_operations_grow_with_the_migration_only_when_polling(mode: str) -> None:
    operations: dict[float, int] = {}
    for hours in (1, 24):
        with LocalCloud() as cloud:
            durable = deploy(cloud, mode, DmsScenario(run_seconds=hours * HOUR))
            result = durable.run()
            assert result.status == "SUCCEEDED", result.cause
            operations[hours] = result.operations
    if mode == c.WAIT_MODE_CALLBACK:
        assert operations == {1: CALLBACK_OPERATIONS, 24: CALLBACK_OPERATIONS}
    else:
        assert operations == {1: poll_checks(HOUR)[0] + 1, 24: poll_checks(DAY)[0] + 1}
        assert operations[24] > 10 * operations[1]


# -- measured by the demo like every pattern -------------------------------------------------


@pytest.fixture
def stand_in_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stack's ``durable-poll``/``durable-callback`` patterns, deployed by the stand-in."""
    keys = frozenset({"replication_task_arn", "timeout_seconds", "poll_interval_seconds"})
    monkeypatch.setitem(
        PATTERNS,
        "durable-poll",
        Pattern(
            factory=lambda name, args: StandInDurableWorkflow(name, args, c.WAIT_MODE_POLL),
            argument_keys=keys,
            output_names=("alias_arn",),
        ),
    )
    monkeypatch.setitem(
        PATTERNS,
        "durable-callback",
        Pattern(
            factory=lambda name, args: StandInDurableWorkflow(name, args, c.WAIT_MODE_CALLBACK),
            argument_keys=keys - {"poll_interval_seconds"},
            output_names=("alias_arn",),
            uses_hub=True,
        ),
    )


@pytest.mark.slow
@pytest.mark.usefixtures("stand_in_patterns")
def test_the_durable_target_is_read_from_the_outputs() -> None:
    alias = "arn:aws:lambda:us-east-1:123456789012:function:waiter:live"
    function = "arn:aws:lambda:us-east-1:123456789012:function:waiter"
    assert durable_target({"function_arn": function, "alias_arn": alias}) == alias
    # Without a known name, the one alias ARN among the outputs, else the one version ARN.
    version = f"{function}:3"
    assert durable_target({"function_arn": function, "live": alias, "v": version}) == alias
    assert durable_target({"function_arn": function, "v": version, "role": "r"}) == version
    for ambiguous in ({"function_arn": function}, {"a": alias, "b": f"{function}:other"}):
        with pytest.raises(KeyError, match="alias_arn"):
            durable_target(ambiguous)
