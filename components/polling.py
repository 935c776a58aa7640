"""``DmsPollingWorkflow``: the polling baseline, Step Functions only, no Lambda."""

import dataclasses
import json
from dataclasses import dataclass
from typing import Final

import pulumi

from ._internal.partition_check import provider_partition
from ._internal.schedule import schedule_settings
from ._internal.shared_args import (
    ExecutionDeadlineArgs,
    ExecutionLogArgs,
    ScheduledArgs,
    TagsArgs,
    WaitedTaskArgs,
)
from ._internal.shared_outputs import ScheduleOutputs
from ._internal.state_machine import (
    STATE_MACHINE_CHILDREN,
    StateMachineComponent,
    create_state_machine,
    schedule_executions,
)
from .arguments import (
    LOG_RETENTION_DAYS,
    MAX_EXECUTION_SECONDS,
    ArgChecker,
    LogLevel,
    StartType,
)
from .definitions.errors import START_RETRIES
from .definitions.polling import MAX_POLLS_WITHOUT_NEWS, PollingSpec, build_polling_definition
from .documents import iam_policies
from .lambdas import dms_status as dms
from .naming import check_component_name

COMPONENT: Final = "DmsPollingWorkflow"

# History events, measured by the execution tests (tests/e2e/test_polling_execution.py).
#: One poll: Wait, Pass, Task, Choice entered/exited plus the Task's scheduled/started/succeeded.
HISTORY_EVENTS_PER_POLL: Final = 11
#: One poll whose describe failed transiently: the Task failed, its cause's Choice, the count.
HISTORY_EVENTS_PER_POLL_WITHOUT_NEWS: Final = 15
#: Before the first poll at most: the execution start, input checks, auto's describe and
#: choice, the start.
HISTORY_EVENTS_BEFORE_POLLS: Final = 19
#: One transient start (or auto describe) failure: its Choice, the backoff Wait and Pass, and
#: the new attempt's states.
HISTORY_EVENTS_PER_START_RETRY: Final = 20
#: After the last poll at most: a summary or result Pass, the Fail state, the execution's end.
HISTORY_EVENTS_AFTER_POLLS: Final = 4
#: Step Functions Standard's execution history quota.
HISTORY_EVENT_LIMIT: Final = 25_000

# LOG_RETENTION_DAYS, MAX_EXECUTION_SECONDS, LogLevel and StartType live in validation.py (shared
# by every pattern) and stay importable from here.
__all__ = [
    "HISTORY_EVENTS_AFTER_POLLS",
    "HISTORY_EVENTS_BEFORE_POLLS",
    "HISTORY_EVENTS_PER_POLL",
    "HISTORY_EVENTS_PER_POLL_WITHOUT_NEWS",
    "HISTORY_EVENTS_PER_START_RETRY",
    "HISTORY_EVENT_LIMIT",
    "LOG_RETENTION_DAYS",
    "MAX_EXECUTION_SECONDS",
    "DmsPollingWorkflow",
    "DmsPollingWorkflowArgs",
    "LogLevel",
    "PollingSettings",
    "StartType",
    "max_history_events",
    "max_polls",
    "polling_settings_from_args",
    "polling_spec_from_args",
]


class DmsPollingWorkflowArgs(
    WaitedTaskArgs, ExecutionDeadlineArgs, ExecutionLogArgs, TagsArgs, ScheduledArgs, total=False
):
    """Arguments of ``DmsPollingWorkflow``; every key but ``replication_task_arn`` is optional."""

    poll_interval_seconds: int
    """Seconds between polls; default 60, at least 1."""
    max_poll_interval_seconds: int
    """Cap of the backoff; default 600, at least ``poll_interval_seconds``."""
    backoff: bool
    """Double the interval after each poll up to the cap; default true."""
    log_retention_days: int
    """Retention of the execution log group; default 30 (a CloudWatch Logs retention value)."""
    tracing: bool
    """X-Ray tracing; default false."""


@dataclass(frozen=True)
class PollingSettings:
    """Validated arguments: the definition spec plus the resource settings."""

    spec: PollingSpec
    task_arn: pulumi.Input[str]
    log_level: str
    log_retention_days: int
    tracing: bool


def polling_spec_from_args(name: str, args: DmsPollingWorkflowArgs) -> PollingSpec:
    """Validate ``args`` and return the definition spec (what the state machine is built from).

    The spec's ARN is empty when the ARN is an ``Output``; the component substitutes it.
    """
    return polling_settings_from_args(name, args).spec


def polling_settings_from_args(name: str, args: DmsPollingWorkflowArgs) -> PollingSettings:
    """Validate every argument, raising ``InvalidArgumentError`` naming the first bad one."""
    check = ArgChecker(COMPONENT, name)
    check.known_arguments(args, DmsPollingWorkflowArgs.__annotations__)
    task = check.task(args)
    timeout = check.timeout(args)
    interval, cap = check.poll_intervals(args, timeout)
    backoff = check.boolean("backoff", args.get("backoff", True))
    logging = check.logging(args)
    arn = task.task_arn
    spec = PollingSpec(
        replication_task_arn=arn if isinstance(arn, str) else "",
        start_type=task.start_type,
        poll_interval_seconds=interval,
        max_poll_interval_seconds=cap,
        backoff=backoff,
        timeout_seconds=timeout,
        success_stop_reasons=task.success_stop_reasons,
    )
    polls = max_polls(spec)
    events = max_history_events(spec)
    if events > HISTORY_EVENT_LIMIT:
        raise check.fail(
            "timeout_seconds",
            f"allows up to {polls} polls (up to {events} history events), "
            f"beyond Step Functions' {HISTORY_EVENT_LIMIT}-event history limit; enable backoff, "
            "raise max_poll_interval_seconds or poll_interval_seconds, or shorten timeout_seconds",
        )
    return PollingSettings(
        spec, arn, logging.log_level, logging.log_retention_days, logging.tracing
    )


def max_polls(spec: PollingSpec) -> int:
    """How many polls the loop makes before its deadline if the task never finishes."""
    elapsed, interval, polls = 0, spec.poll_interval_seconds, 0
    while elapsed < spec.timeout_seconds:
        elapsed += interval
        polls += 1
        if spec.backoff:
            interval = min(interval * 2, spec.max_poll_interval_seconds)
    return polls


def max_history_events(spec: PollingSpec) -> int:
    """The most history events an execution can reach: every start retry used, every poll, the
    tolerated polls without news (a transient describe error costs more), then the end."""
    extra_without_news = HISTORY_EVENTS_PER_POLL_WITHOUT_NEWS - HISTORY_EVENTS_PER_POLL
    return (
        HISTORY_EVENTS_BEFORE_POLLS
        + START_RETRIES * HISTORY_EVENTS_PER_START_RETRY
        + max_polls(spec) * HISTORY_EVENTS_PER_POLL
        + min(max_polls(spec), MAX_POLLS_WITHOUT_NEWS) * extra_without_news
        + HISTORY_EVENTS_AFTER_POLLS
    )


class DmsPollingWorkflow(StateMachineComponent, ScheduleOutputs):
    """Wait for a DMS replication task by polling it from a Step Functions state machine.

    The baseline the event-driven patterns are measured against: Start -> Wait -> Describe ->
    Choice with capped backoff and an overall deadline, using only the native
    ``aws-sdk:databasemigration`` integrations (no Lambda). Success is a ``stopped`` task with one
    of ``success_stop_reasons``; ``failed`` fails with ``DmsTaskFailed``, any other stop with
    ``DmsTaskStopped``, the deadline with ``DmsWaitTimedOut``, a missing task with
    ``DmsTaskNotFound``.

    Start an execution with ``{}`` or ``{"start_type": ...}``.

    Creates: the state machine (Standard), its IAM role (``dms:StartReplicationTask`` on the task
    ARN only; ``dms:DescribeReplicationTasks`` on ``*``, which has no resource-level permission),
    and a CloudWatch log group with retention receiving the execution logs.
    """

    def __init__(
        self,
        name: str,
        args: DmsPollingWorkflowArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT, name, opts)
        check_component_name(COMPONENT, name, STATE_MACHINE_CHILDREN)
        settings = polling_settings_from_args(name, args)
        spec, tracing = settings.spec, settings.tracing
        schedule = schedule_settings(self._check, name, args)
        tags = args.get("tags")
        task_arn = pulumi.Output.from_input(settings.task_arn)
        can_start = spec.start_type != dms.START_TYPE_NONE

        # Step Functions' own X-Ray tracing is offered in every partition (docs/aws-facts.md).
        partition = provider_partition(self)
        definition = pulumi.Output.all(task_arn, partition).apply(
            lambda v: json.dumps(
                build_polling_definition(
                    dataclasses.replace(spec, replication_task_arn=v[0]), partition=v[1]
                ),
                separators=(",", ":"),
            )
        )
        created = create_state_machine(
            name,
            parent=self,
            description=f"Execution role of the DMS polling workflow {name}",
            definition=definition,
            policy=task_arn.apply(
                lambda arn: json.dumps(
                    iam_policies.polling_state_machine_policy(arn, can_start, tracing)
                )
            ),
            logging=settings,
            tags=tags,
        )
        outputs = self._expose(created)
        self.schedule_arn = schedule_executions(
            name, parent=self, schedule=schedule, created=created, logging=settings, tags=tags
        )
        self.register_outputs({**outputs, "schedule_arn": self.schedule_arn})
