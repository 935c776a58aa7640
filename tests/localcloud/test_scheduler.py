"""EventBridge Scheduler in the local cloud: cron in a time zone and rate on the virtual clock,
context attributes, disabled schedules, retries and the dead-letter queue, refused
expressions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud import LocalCloud
from localcloud.active import ACTIVE
from tests.localcloud.test_eventbridge import Bus

ROLE = "arn:aws:iam::123456789012:role/scheduler"
INPUT = json.dumps(
    {
        "time": "<aws.scheduler.scheduled-time>",
        "arn": "<aws.scheduler.schedule-arn>",
        "attempt": "<aws.scheduler.attempt-number>",
    }
)


@pytest.fixture
def bus(cloud: LocalCloud) -> Bus:
    return Bus(cloud)


def schedule(cloud: LocalCloud, name: str, target_arn: str, **kwargs: Any) -> str:
    target = {"Arn": target_arn, "RoleArn": ROLE, "Input": INPUT, **kwargs.pop("target", {})}
    arn: str = cloud.client("scheduler").create_schedule(
        Name=name, FlexibleTimeWindow={"Mode": "OFF"}, Target=target, **kwargs
    )["ScheduleArn"]
    return arn


def test_a_cron_fires_at_its_times_in_its_time_zone(cloud: LocalCloud, bus: Bus) -> None:
    function, seen = bus.recorder("nightly")
    arn = schedule(
        cloud,
        "nightly",
        function,
        ScheduleExpression="cron(0 2 * * ? *)",
        ScheduleExpressionTimezone="Europe/Paris",
    )
    cloud.clock.advance(3 * 86400)
    bodies = bus.bodies(seen)
    # 02:00 in Paris in January is 01:00 UTC; the epoch is 2026-01-01T00:00Z.
    assert [b["time"] for b in bodies] == [
        "2026-01-01T01:00:00Z",
        "2026-01-02T01:00:00Z",
        "2026-01-03T01:00:00Z",
    ]
    assert {b["arn"] for b in bodies} == {arn}
    assert {b["attempt"] for b in bodies} == {"1"}


def test_a_rate_fires_at_once_then_every_period(cloud: LocalCloud, bus: Bus) -> None:
    function, seen = bus.recorder("tick")
    schedule(cloud, "tick", function, ScheduleExpression="rate(6 hours)")
    cloud.clock.advance(13 * 3600)
    assert [b["time"] for b in bus.bodies(seen)] == [
        "2026-01-01T00:00:00Z",
        "2026-01-01T06:00:00Z",
        "2026-01-01T12:00:00Z",
    ]


def test_a_disabled_schedule_does_not_fire_until_enabled(cloud: LocalCloud, bus: Bus) -> None:
    function, seen = bus.recorder("tick")
    client = cloud.client("scheduler")
    schedule(cloud, "tick", function, ScheduleExpression="cron(0 * * * ? *)", State="DISABLED")
    cloud.clock.advance(3 * 3600 + 60)
    assert bus.bodies(seen) == []
    current = client.get_schedule(Name="tick")
    client.update_schedule(
        Name="tick",
        ScheduleExpression=current["ScheduleExpression"],
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=current["Target"],
        State="ENABLED",
    )
    cloud.clock.advance(3600)
    assert [b["time"] for b in bus.bodies(seen)] == ["2026-01-01T04:00:00Z"]
    client.delete_schedule(Name="tick")
    cloud.clock.advance(3 * 3600)
    assert bus.bodies(seen) == []


def test_a_missing_target_goes_to_the_dead_letter_queue(cloud: LocalCloud, bus: Bus) -> None:
    dlq_url, dlq_arn = bus.queue("schedule-dlq")
    missing = f"arn:aws:lambda:{cloud.region}:{cloud.account_id}:function:gone"
    arn = schedule(
        cloud,
        "broken",
        missing,
        ScheduleExpression="cron(0 2 * * ? *)",
        target={"DeadLetterConfig": {"Arn": dlq_arn}},
    )
    cloud.clock.advance(86400)
    (message,) = bus.received(dlq_url)
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["SCHEDULE_ARN"] == arn
    assert attributes["TARGET_ARN"] == missing
    assert attributes["ERROR_CODE"] == "ResourceNotFoundException"
    assert attributes["SCHEDULED_TIME"] == "2026-01-01T02:00:00Z"
    assert attributes["IS_PAYLOAD_TRUNCATED"] == "false"
    assert len(attributes["EXECUTION_ID"]) == 16
    assert "EXHAUSTED_RETRY_CONDITION" not in attributes  # a permanent error
    assert json.loads(message["Body"])["time"] == "2026-01-01T02:00:00Z"


def test_a_throttled_target_is_retried_then_dead_lettered(cloud: LocalCloud, bus: Bus) -> None:
    function, seen = bus.recorder("busy")
    dlq_url, dlq_arn = bus.queue("schedule-dlq")
    ACTIVE.lambda_runtime.throttle("busy", times=3)  # type: ignore[union-attr]
    schedule(
        cloud,
        "busy",
        function,
        ScheduleExpression="cron(0 2 * * ? *)",
        target={
            "DeadLetterConfig": {"Arn": dlq_arn},
            "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
        },
    )
    cloud.clock.advance(86400)
    (message,) = bus.received(dlq_url)
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "TooManyRequestsException"
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert json.loads(message["Body"])["attempt"] == "3"
    assert bus.bodies(seen) == []


@pytest.mark.parametrize(
    ("expression", "timezone"),
    [
        ("cron(0 2 * * * *)", "UTC"),
        ("rate(0 minutes)", "UTC"),
        ("cron(0 2 * * ? *)", "Mars/Olympus"),
        ("cron(0 2 L * ? *)", "UTC"),
    ],
)
def test_invalid_or_unemulated_schedules_are_refused(
    cloud: LocalCloud, bus: Bus, expression: str, timezone: str
) -> None:
    function, _ = bus.recorder("tick")
    with pytest.raises(ClientError) as err:
        schedule(
            cloud,
            "bad",
            function,
            ScheduleExpression=expression,
            ScheduleExpressionTimezone=timezone,
        )
    assert err.value.response["Error"]["Code"] == "ValidationException"
