"""``dms-waiters doctor``: is a deployed hub wired to resume what waits?

Each check is ``ok``, ``warn`` (a choice worth knowing, e.g. the reconciler turned off) or
``problem`` (the command exits non-zero):

* the DMS event rule targets the resume function and is enabled;
* the dead-letter queue is empty;
* the reconciler's schedule is enabled and the reconciler ran within two periods (its
  ``ReconcilerRuns`` metric, ``lambdas.metrics``);
* the waiter table's deletion protection is on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from ..lambdas import metrics
from .hub import Hub
from .session import Aws

Level = Literal["ok", "warn", "problem"]
#: How many reconcile periods may pass without a run before it is a problem.
RECONCILER_PERIODS: Final = 2


@dataclass(frozen=True)
class Check:
    """One finding."""

    name: str
    level: Level
    detail: str


def _rule(hub: Hub) -> Check:
    if hub.resume_function is None:
        return Check("event rule", "problem", "no resume function uses this table")
    if not hub.event_rules:
        return Check("event rule", "problem", "no EventBridge rule targets the resume function")
    disabled = [r.name for r in hub.event_rules if not r.enabled]
    if disabled:
        return Check("event rule", "problem", f"rule {', '.join(disabled)} is DISABLED")
    names = ", ".join(r.name for r in hub.event_rules)
    return Check("event rule", "ok", f"{names} enabled, targets the resume function")


def _dead_letters(aws: Aws, hub: Hub) -> Check:
    if hub.dlq_arn is None:
        return Check("dead-letter queue", "problem", "the event rule's target has none")
    _, _, _, _, account, name = hub.dlq_arn.split(":", 5)
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    count = sum(int(v) for v in attributes.values())
    if count:
        return Check(
            "dead-letter queue", "problem", f"{count} message(s) in {name}: see docs/operations.md"
        )
    return Check("dead-letter queue", "ok", f"{name} is empty")


def _reconciler(aws: Aws, hub: Hub, now: float) -> Check:
    if hub.reconciler_function is None:
        return Check("reconciler", "warn", "off: lost events are only caught by the timeouts")
    period = hub.reconcile_minutes
    if period is None:
        return Check("reconciler", "problem", "no rate() schedule targets the reconciler")
    disabled = [r.name for r in hub.schedules if not r.enabled]
    if disabled:
        return Check("reconciler", "problem", f"schedule {', '.join(disabled)} is DISABLED")
    window = RECONCILER_PERIODS * period * 60
    end = datetime.fromtimestamp(now, tz=UTC)
    answer = aws.client("cloudwatch").get_metric_statistics(
        Namespace=metrics.NAMESPACE,
        MetricName=metrics.RECONCILER_RUNS,
        Dimensions=[{"Name": metrics.DIMENSION, "Value": hub.table}],
        StartTime=end - timedelta(seconds=window),
        EndTime=end,
        Period=window,
        Statistics=["Sum"],
    )
    runs = sum(point.get("Sum", 0) for point in answer.get("Datapoints", []))
    if not runs:
        return Check(
            "reconciler",
            "problem",
            f"no run in the last {RECONCILER_PERIODS} periods ({window // 60} minutes)",
        )
    return Check(
        "reconciler", "ok", f"{runs:g} run(s) in the last {window // 60} minutes (every {period})"
    )


def _protection(hub: Hub) -> Check:
    if hub.deletion_protection:
        return Check("table protection", "ok", "deletion protection is on")
    return Check("table protection", "problem", "deletion protection is OFF")


def diagnose(aws: Aws, hub: Hub, now: float | None = None) -> list[Check]:
    """Every check, in order."""
    at = time.time() if now is None else now
    return [_rule(hub), _dead_letters(aws, hub), _reconciler(aws, hub, at), _protection(hub)]
