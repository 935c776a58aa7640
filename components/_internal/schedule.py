"""A workflow's schedule: EventBridge Scheduler starting its runs, one run per scheduled time.

What ``schedule_runs(name)`` creates (every waiter component calls it when given a
``schedule``):

* ``<name>-schedule-dlq``: an SQS queue (SSE-SQS) for the starts that failed every retry:
  Scheduler's failed deliveries (the schedule's DeadLetterConfig) and the starter's failed
  asynchronous invocations (its function dead-letter queue); ``<name>-schedule-dlq-not-empty``
  alarms when it holds a message.
* ``<name>-schedule-starter``: the Lambda function that names the run after its scheduled time
  and starts it (``lambdas/handlers/schedule_starter.py``: why a function and not a universal
  target). Its role may start this workflow and nothing else.
* ``<name>-scheduler-role``: the schedule's execution role, trusted by ``scheduler.amazonaws.com``
  for this account's default schedule group only, allowed to invoke the starter and to send to
  the queue.
* ``<name>-schedule``: the schedule (flexible time window off), ENABLED or DISABLED.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from ..arguments import ArgChecker, FunctionLogging, ScheduleSettings, StartType
from ..documents import schedules
from ..documents.runbook import SCHEDULED_START_FAILED, runbook_url
from ..lambdas import contract
from ..naming import (
    METRIC_ALARM,
    QUEUE,
    ROLE,
    ROLE_POLICY,
    SCHEDULE,
    Children,
    check_component_name,
    lambda_children,
)
from .dead_letters import ALARM_PERIOD_SECONDS, create_dead_letter_queue, queue_not_empty_alarm
from .durable_function import execution_name_prefix
from .lambda_function import create_lambda_function, create_role
from .partition_check import provider_partition

#: The starter only makes one API call.
STARTER_TIMEOUT_SECONDS: Final = 30
STARTER_MEMORY_MB: Final = 128
#: The autonamed resources ``schedule_runs(name)`` adds (see ``naming``).
SCHEDULE_CHILDREN: Final[Children] = (
    ("-schedule-dlq", QUEUE),
    ("-schedule-dlq-not-empty", METRIC_ALARM),
    *lambda_children("-schedule-starter"),
    ("-scheduler-role", ROLE),
    ("-scheduler-policy", ROLE_POLICY),
    ("-schedule", SCHEDULE),
)


def schedule_runs(
    name: str,
    *,
    parent: pulumi.Resource,
    settings: ScheduleSettings | None,
    kind: str,
    target_arn: pulumi.Input[str],
    logging: FunctionLogging,
    tags: pulumi.Input[dict[str, str]] | None,
    depends_on: list[pulumi.Resource],
    target_input: str | None = None,
) -> pulumi.Output[str | None]:
    """The schedule starting the workflow ``target_arn`` (``kind``: ``contract.KIND_SFN`` for a
    state machine, ``contract.KIND_DURABLE`` for a durable function's alias) when the component
    got a ``schedule`` (``settings``); created after ``depends_on`` (the workflow itself), so no
    run starts before it exists. ``target_input``: the starter's payload (default: the
    schedule's start type, ``schedules.schedule_target_input``); ``logging``: the starter's log
    retention and tracing. Its ARN: the component's ``schedule_arn`` output (None without a
    schedule)."""
    if settings is None:
        return pulumi.Output.from_input(None)
    child = pulumi.ResourceOptions(parent=parent)
    dlq = create_dead_letter_queue(f"{name}-schedule-dlq", tags, child)
    queue_not_empty_alarm(
        f"{name}-schedule-dlq-not-empty",
        dlq,
        f"A scheduled start of the DMS workflow {name} failed every retry; "
        "the message says which scheduled time. Inspect the queue and start the run by hand. "
        "Runbook: " + runbook_url(SCHEDULED_START_FAILED),
        comparison_operator="GreaterThanThreshold",
        threshold=0,
        evaluation_periods=1,
        period=ALARM_PERIOD_SECONDS,
        # No data means no messages: nothing is wrong.
        treat_missing_data="notBreaching",
        alarm_actions=settings.alarm_actions,
        tags=tags,
        opts=child,
    )
    starter = create_lambda_function(
        f"{name}-schedule-starter",
        parent=parent,
        handler=contract.SCHEDULE_STARTER_HANDLER,
        description=f"Starts the scheduled runs of the DMS workflow {name}",
        statements=pulumi.Output.all(target_arn, dlq.arn).apply(
            lambda v: schedules.starter_statements(kind, v[0], v[1])
        ),
        environment={
            contract.ENV_SCHEDULE_TARGET_ARN: target_arn,
            contract.ENV_SCHEDULE_TARGET_KIND: kind,
            contract.ENV_RUN_NAME_PREFIX: execution_name_prefix(name),
        },
        logging=logging,
        tags=tags,
        timeout_seconds=STARTER_TIMEOUT_SECONDS,
        memory_mb=STARTER_MEMORY_MB,
        dead_letter_queue_arn=dlq.arn,
        depends_on=depends_on,
    )
    opts = pulumi.InvokeOutputOptions(parent=parent)
    account_id = aws.get_caller_identity_output(opts=opts).account_id
    region = aws.get_region_output(opts=opts).region
    trust = pulumi.Output.all(provider_partition(parent), region, account_id).apply(
        lambda v: json.dumps(
            schedules.scheduler_assume_role_policy(
                v[2], schedules.schedule_group_arn(v[0], v[1], v[2])
            )
        )
    )
    role = create_role(
        f"{name}-scheduler",
        trust,
        f"Execution role of the schedule of the DMS workflow {name}",
        tags,
        parent,
    )
    role_policy = aws.iam.RolePolicy(
        f"{name}-scheduler-policy",
        role=role.id,
        policy=pulumi.Output.all(starter.arn, dlq.arn).apply(
            lambda v: json.dumps(schedules.scheduler_role_policy(v[0], v[1]))
        ),
        opts=child,
    )
    schedule = aws.scheduler.Schedule(
        f"{name}-schedule",
        description=f"Starts the DMS workflow {name}",
        group_name=schedules.SCHEDULE_GROUP,
        schedule_expression=settings.expression,
        schedule_expression_timezone=settings.timezone,
        state="ENABLED" if settings.enabled else "DISABLED",
        flexible_time_window={"mode": "OFF"},
        target={
            "arn": starter.arn,
            "role_arn": role.arn,
            "input": target_input or schedules.schedule_target_input(settings.start_type),
            "retry_policy": {
                "maximum_retry_attempts": settings.retry_attempts,
                "maximum_event_age_in_seconds": settings.max_event_age_seconds,
            },
            "dead_letter_config": {"arn": dlq.arn},
        },
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[role_policy, *starter.invoke_after]),
    )
    return schedule.arn.apply(lambda arn: arn)


def schedule_settings(
    check: ArgChecker, name: str, args: Mapping[str, Any]
) -> ScheduleSettings | None:
    """The checked ``schedule`` argument (None when absent; its start type defaults to the
    workflow's ``start_type``), and the component's name checked against the schedule's
    resources too: call it before creating anything."""
    if args.get("schedule") is None:
        return None
    start_type = check.start_type("start_type", args.get("start_type", StartType.AUTO))
    settings = check.schedule(args, start_type)
    if settings is not None:
        check_component_name(check.component, name, SCHEDULE_CHILDREN, " with a schedule")
    return settings
