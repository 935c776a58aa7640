"""What watches a hub: its CloudWatch dashboard and its alarms (each linking its runbook)."""

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from .._internal.dead_letters import ALARM_PERIOD_SECONDS, queue_not_empty_alarm
from .._internal.lambda_function import LambdaFunction
from ..documents.dashboard import hub_dashboard
from ..documents.runbook import (
    DLQ_NOT_EMPTY,
    HANDLER_ERRORS,
    LOST_EVENTS,
    OVERDUE_WAITS,
    runbook_url,
)
from ..lambdas import metrics as hub_metrics
from .settings import HubSettings


def create_dashboard(
    parent: pulumi.Resource,
    name: str,
    table: aws.dynamodb.Table,
    dlq: aws.sqs.Queue,
    functions: list[tuple[str, LambdaFunction]],
) -> aws.cloudwatch.Dashboard:
    """The hub's dashboard (``documents.dashboard``), named after its waiter table."""
    region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=parent)).region
    roles = [role for role, _ in functions]
    body = pulumi.Output.all(
        region, table.name, dlq.name, *(function.name for _, function in functions)
    ).apply(
        lambda values: json.dumps(
            hub_dashboard(
                values[0], values[1], values[2], list(zip(roles, values[3:], strict=True))
            )
        )
    )
    return aws.cloudwatch.Dashboard(
        f"{name}-dashboard",
        # Dashboard names take letters, digits, - and _ only; table names also take ".".
        dashboard_name=table.name.apply(lambda table_name: table_name.replace(".", "-")),
        dashboard_body=body,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def create_alarms(
    parent: pulumi.Resource,
    name: str,
    settings: HubSettings,
    table: aws.dynamodb.Table,
    dlq: aws.sqs.Queue,
    functions: list[tuple[str, LambdaFunction]],
    tags: pulumi.Input[dict[str, str]] | None,
) -> None:
    """Alarms for what must never happen quietly: a dead letter, a failing resume path, a
    lost event, a wait outliving its deadline. Each description ends with its runbook."""
    child = pulumi.ResourceOptions(parent=parent)
    common: dict[str, Any] = {
        "comparison_operator": "GreaterThanThreshold",
        "threshold": 0,
        "evaluation_periods": 1,
        "period": ALARM_PERIOD_SECONDS,
        # No data means no messages / no invocations: nothing is wrong.
        "treat_missing_data": "notBreaching",
        "alarm_actions": settings.alarm_actions,
        "tags": tags,
        "opts": child,
    }
    queue_not_empty_alarm(
        f"{name}-dlq-not-empty",
        dlq,
        "A DMS event or resume invocation was dead-lettered: a waiting "
        "workflow may not have been resumed. Inspect and redrive the queue. Runbook: "
        + runbook_url(DLQ_NOT_EMPTY),
        **common,
    )
    for role, function in functions:
        aws.cloudwatch.MetricAlarm(
            f"{name}-{role}-errors",
            alarm_description=pulumi.Output.concat(
                f"The dms-waiters {role} Lambda failed; see its log group ",
                function.log_group.name,
                ". Runbook: ",
                runbook_url(HANDLER_ERRORS),
            ),
            namespace="AWS/Lambda",
            metric_name="Errors",
            dimensions={"FunctionName": function.name},
            statistic="Sum",
            **common,
        )
    period = settings.reconcile_every_minutes
    if not period:
        return  # both metrics come from the reconciler
    hub = {hub_metrics.DIMENSION: table.name}
    reconciler_alarms = (
        (
            "lost-events",
            "The reconciler resumed a wait whose DMS event never arrived (or came late): the "
            "event path lost one. Runbook: " + runbook_url(LOST_EVENTS),
            hub_metrics.RESUMED_BY_RECONCILER,
            "Sum",
            ALARM_PERIOD_SECONDS,
        ),
        (
            "overdue-waits",
            "A waiter outlived its workflow's deadline: the workflow should have timed out "
            "and did not. Runbook: " + runbook_url(OVERDUE_WAITS),
            hub_metrics.WAITS_OVERDUE,
            "Maximum",
            period * 60,  # one data point per reconciler run
        ),
    )
    for suffix, description, metric, statistic, seconds in reconciler_alarms:
        aws.cloudwatch.MetricAlarm(
            f"{name}-{suffix}",
            alarm_description=description,
            namespace=hub_metrics.NAMESPACE,
            metric_name=metric,
            dimensions=hub,
            statistic=statistic,
            **{**common, "period": seconds},
        )
