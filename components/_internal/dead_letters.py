"""Dead-letter queues and their "not empty" alarms: the hub's (EventBridge deliveries and resume
invocations) and each schedule's (Scheduler deliveries and starter invocations) are built alike."""

from typing import Any, Final

import pulumi
import pulumi_aws as aws

#: SQS's longest retention: 14 days to notice the alarm and redrive (every dead-letter queue).
DLQ_RETENTION_SECONDS: Final = 14 * 24 * 3600
#: Alarm period: SQS publishes its queue metrics every 5 minutes (every dead-letter alarm).
ALARM_PERIOD_SECONDS: Final = 300


def create_dead_letter_queue(
    name: str, tags: pulumi.Input[dict[str, str]] | None, opts: pulumi.ResourceOptions
) -> aws.sqs.Queue:
    """A dead-letter queue keeping messages as long as SQS allows."""
    return aws.sqs.Queue(
        name,
        message_retention_seconds=DLQ_RETENTION_SECONDS,
        # SSE-SQS rather than a KMS key: EventBridge, Scheduler and Lambda can send to it
        # without key grants.
        sqs_managed_sse_enabled=True,
        tags=tags,
        opts=opts,
    )


def queue_not_empty_alarm(
    name: str, queue: aws.sqs.Queue, description: pulumi.Input[str], **common: Any
) -> aws.cloudwatch.MetricAlarm:
    """An alarm as soon as ``queue`` holds a message; ``common``: the other alarm inputs
    (threshold, period, actions, tags, opts)."""
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description=description,
        namespace="AWS/SQS",
        metric_name="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue.name},
        statistic="Maximum",
        **common,
    )
