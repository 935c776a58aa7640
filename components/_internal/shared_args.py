"""The arguments several components take, each with its description written once.

A component's ``...Args`` inherits the bases that fit it (``DmsPollingWorkflowArgs(WaitedTaskArgs,
ExecutionLogArgs, ...)``); a TypedDict's keys are its bases' plus its own. Pulumi's analyzer
collects them all, and ``inherited_docs`` has it read their descriptions here. No ``from
__future__ import annotations``: the analyzer evaluates the annotations as they stand.
"""

from typing import Required, TypedDict

import pulumi

from ..arguments import LogLevel, StartType
from ..scheduling import ScheduleArgs


class WaitedTaskArgs(TypedDict, total=False):
    """The DMS task a waiter starts and waits for, how it starts it, and what ends it well."""

    replication_task_arn: Required[pulumi.Input[str]]
    """ARN of the DMS replication task to start and wait for (required)."""
    start_type: StartType
    """``auto`` (default): at each start, ``start-replication`` if the task never ran (status
    ``ready``, no ``ReplicationTaskStartDate``), else its migration type's restart
    (``reload-target`` for full-load, ``resume-processing`` for cdc and full-load-and-cdc).
    Also ``start-replication``, ``resume-processing``, ``reload-target`` (always that one), or
    ``none`` to only wait for a task started elsewhere (the workflow then gets no start
    permission). A run's input ``{"start_type": ...}`` (a state machine's execution input, a
    durable function's payload) may override it (``auto`` included)."""
    success_stop_reasons: list[str]
    """Stop reasons that count as success; default FULL_LOAD_ONLY_FINISHED,
    STOPPED_AFTER_FULL_LOAD, STOPPED_AFTER_CACHED_EVENTS, STOPPED_AFTER_DDL_APPLY,
    STOPPED_AT_SERVER_TIME, STOPPED_AT_COMMIT_TIME. NORMAL (a user stop) fails unless listed."""


class ExecutionDeadlineArgs(TypedDict, total=False):
    """The deadline of a waiter whose state machine waits (a durable function's is shorter)."""

    timeout_seconds: int
    """Overall deadline of the wait, failing with ``DmsWaitTimedOut``; default 7 days, at most
    one year."""


class ScheduledArgs(TypedDict, total=False):
    """The ``schedule`` argument of a waiter that can start its own runs."""

    schedule: ScheduleArgs
    """Start runs on a recurring EventBridge Scheduler schedule (cron or rate, time zone,
    start type, on/off), one run per scheduled time; default none (start runs yourself)."""


class ExecutionLogArgs(TypedDict, total=False):
    """The log level of a workflow's state machine executions."""

    log_level: LogLevel
    """Execution log level; default ``ERROR``."""


class TagsArgs(TypedDict, total=False):
    """The tags of a component that creates no hub."""

    tags: pulumi.Input[dict[str, str]]
    """Tags for every taggable resource."""


class HubWorkflowTagsArgs(TypedDict, total=False):
    """The tags of a workflow that may create its own hub."""

    tags: pulumi.Input[dict[str, str]]
    """Tags for every taggable resource (and the hub the workflow creates)."""


class DurableFunctionArgs(TypedDict, total=False):
    """The settings of a durable function every durable component takes (memory aside, whose
    default differs)."""

    retention_days: int
    """How long Lambda keeps a finished execution's history (1 to 90 days); default 14."""
    log_retention_days: int
    """Retention of the function's log group; default 30 (a CloudWatch Logs retention value)."""
    tracing: bool
    """X-Ray tracing of the function; default false."""
