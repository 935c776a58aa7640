"""Canaries of the EventBridge patches: each fails if a moto upgrade breaks what it relies on."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime

from moto.events import models as events_models

from localcloud import LocalCloud
from localcloud.active import active_schedules

# -- m. eventbridge_lambda_targets -----------------------------------------------------------


def test_eventbridge_lambda_targets_wraps_send_to_targets(cloud: LocalCloud) -> None:
    # Under schedule_rules_match_no_events, which wraps it (functools.wraps).
    send = inspect.unwrap(events_models.Rule.send_to_targets)
    assert send.__localcloud_patch__ == "eventbridge_lambda_targets"
    assert list(inspect.signature(send).parameters) == [
        "self",
        "original_event",
        "transform_input",
    ]
    events = cloud.client("events")
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["x"]}))
    backend = events_models.events_backends[cloud.account_id][cloud.region]
    rule = backend.describe_rule("r", None)
    for attr in ("state", "targets", "arn", "event_pattern", "account_id", "region_name"):
        assert hasattr(rule, attr), attr
    assert rule.event_pattern.matches_event({"source": "x", "detail": {}})
    # moto's put_events still hands each rule moto's internal event message: time in unix seconds.
    assert "ingestion-time" in inspect.getsource(events_models.EventsBackend.put_events)


# -- n. eventbridge_schedules ----------------------------------------------------------------


def test_eventbridge_schedules_wrap_the_rule_lifecycle(cloud: LocalCloud) -> None:
    cls = events_models.EventsBackend
    for name in ("put_rule", "enable_rule", "disable_rule", "delete_rule"):
        assert getattr(cls, name).__localcloud_patch__ == "eventbridge_schedules", name
    # The wrapper reads these arguments by name (the signature is moto's, through __wrapped__).
    assert {"name", "event_bus_arn", "scheduled_expression"} <= set(
        inspect.signature(cls.put_rule).parameters
    )
    cloud.client("events").put_rule(Name="tick", ScheduleExpression="rate(1 hour)")
    backend = events_models.events_backends[cloud.account_id][cloud.region]
    rule = backend.event_buses["default"].rules["tick"]
    assert (rule.scheduled_expression, rule.state) == ("rate(1 hour)", "ENABLED")
    assert backend._normalize_event_bus_arn(None) == "default"
    assert active_schedules().armed() == ["tick"]  # type: ignore[union-attr]
    assert cloud.clock.pending() == (0, 1)


def test_a_schedule_only_rule_gets_its_schedule_and_no_bus_events(cloud: LocalCloud) -> None:
    rule_cls = events_models.Rule
    assert rule_cls.send_to_targets.__localcloud_patch__ == "schedule_rules_match_no_events"
    events, sqs = cloud.client("events"), cloud.client("sqs")
    queue_url = sqs.create_queue(QueueName="ticks")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)")
    events.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": queue_arn}])
    events.put_events(
        Entries=[{"Source": "aws.dms", "DetailType": "DMS Replication Task State Change",
                  "Detail": "{}"}]
    )  # fmt: skip
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    cloud.clock.advance(300)
    [message] = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(message["Body"])["detail-type"] == "Scheduled Event"
    # moto matches every event against an empty pattern: what the patch corrects.
    assert events_models.EventPattern.load(None).matches_event({"source": "aws.dms"})


# -- o. virtual_event_time -------------------------------------------------------------------


def test_event_times_follow_the_virtual_clock(cloud: LocalCloud) -> None:
    assert events_models.unix_time.__localcloud_patch__ == "virtual_event_time"
    cloud.clock.advance(3600)
    assert events_models.unix_time() == datetime(2026, 1, 1, 1, tzinfo=UTC).timestamp()
    assert events_models.unix_time(datetime(2020, 1, 1)) != events_models.unix_time()
