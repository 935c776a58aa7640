"""EventBridge in the local cloud: Lambda targets, delivery retries and DLQs, schedules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud import LocalCloud
from localcloud.active import active_schedules

TASK_ARN = "arn:aws:dms:us-east-1:123456789012:task:ORDERS"

#: Records every event it receives in the SQS queue SEEN_URL.
RECORD = """
import json, os
import boto3

def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["SEEN_URL"], MessageBody=json.dumps(event))
"""

FAIL = """
def handler(event, context):
    raise RuntimeError("cannot resume")
"""

DMS_PATTERN = {
    "source": ["aws.dms"],
    "detail-type": ["DMS Replication Task State Change"],
    "resources": [TASK_ARN],
}


def dms_event(event_type: str = "REPLICATION_TASK_STOPPED") -> dict[str, Any]:
    """A PutEvents entry shaped like DMS's task state change event."""
    return {
        "Source": "aws.dms",
        "DetailType": "DMS Replication Task State Change",
        "Resources": [TASK_ARN],
        "Detail": json.dumps(
            {
                "type": "ReplicationTask",
                "category": "StateChange",
                "eventType": event_type,
                "eventName": "DMS-EVENT-0079",
                "detailMessage": "Replication task has stopped",
            }
        ),
    }


class Bus:
    """Helpers around the default bus: queues, rules and reading what arrived."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.events = cloud.client("events")
        self.sqs = cloud.client("sqs")

    def queue(self, name: str) -> tuple[str, str]:
        url: str = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        return url, f"arn:aws:sqs:{self.cloud.region}:{self.cloud.account_id}:{name}"

    def received(self, url: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                return found
            found.extend(batch)
            for message in batch:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def bodies(self, url: str) -> list[Any]:
        return [json.loads(m["Body"]) for m in self.received(url)]

    def rule(self, name: str, *targets: dict[str, Any], **rule: Any) -> str:
        if "ScheduleExpression" not in rule:
            rule.setdefault("EventPattern", json.dumps(DMS_PATTERN))
        arn: str = self.events.put_rule(Name=name, **rule)["RuleArn"]
        if targets:
            self.events.put_targets(Rule=name, Targets=list(targets))
        return arn

    def recorder(self, name: str = "resume") -> tuple[str, str]:
        """A Lambda function recording its events; (function ARN, queue URL of what it saw)."""
        url, _ = self.queue(f"{name}-seen")
        arn = self.cloud.create_function(name, {"app.py": RECORD}, environment={"SEEN_URL": url})
        return arn, url


@pytest.fixture
def bus(cloud: LocalCloud) -> Bus:
    return Bus(cloud)


def settle(cloud: LocalCloud) -> None:
    """Let queued deliveries and background invocations finish (no virtual time passes)."""
    cloud.clock.advance(0)


# -- Lambda targets ----------------------------------------------------------------------------


def test_a_matching_dms_event_runs_the_lambda_target(cloud: LocalCloud, bus: Bus) -> None:
    function, seen = bus.recorder()
    rule_arn = bus.rule("dms-stopped", {"Id": "resume", "Arn": function})
    cloud.clock.advance(90)
    response = bus.events.put_events(Entries=[dms_event()])
    assert response["FailedEntryCount"] == 0
    bus.events.put_events(Entries=[{**dms_event(), "Resources": ["arn:aws:dms:::task:OTHER"]}])
    settle(cloud)
    (event,) = bus.bodies(seen)
    assert rule_arn.endswith(":rule/dms-stopped")
    assert event["source"] == "aws.dms"
    assert event["detail-type"] == "DMS Replication Task State Change"
    assert event["resources"] == [TASK_ARN]
    assert event["detail"]["eventType"] == "REPLICATION_TASK_STOPPED"
    assert event["account"] == cloud.account_id
    assert event["region"] == cloud.region
    assert event["time"] == "2026-01-01T00:01:30Z"  # the virtual time it was put
    assert event["id"] == response["Entries"][0]["EventId"]
    assert cloud.lambda_invocations("resume") == 1
    assert cloud.lambda_runtime.records[-1].invocation_type == "Event"  # asynchronous


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ({"Input": '{"fixed": true}'}, {"fixed": True}),
        ({"InputPath": "$.detail.eventType"}, "REPLICATION_TASK_STOPPED"),
        (
            {
                "InputTransformer": {
                    "InputPathsMap": {"task": "$.resources[0]", "kind": "$.detail.eventType"},
                    "InputTemplate": '{"task": "<task>", "kind": "<kind>"}',
                }
            },
            {"task": TASK_ARN, "kind": "REPLICATION_TASK_STOPPED"},
        ),
    ],
)
def test_the_target_input_options_shape_the_payload(
    cloud: LocalCloud, bus: Bus, target: dict[str, Any], expected: Any
) -> None:
    function, seen = bus.recorder()
    bus.rule("dms-stopped", {"Id": "resume", "Arn": function, **target})
    bus.events.put_events(Entries=[dms_event()])
    settle(cloud)
    assert bus.bodies(seen) == [expected]


def test_a_disabled_rule_delivers_nothing(cloud: LocalCloud, bus: Bus) -> None:
    function, seen = bus.recorder()
    queue_url, queue_arn = bus.queue("copy")
    bus.rule("dms-stopped", {"Id": "resume", "Arn": function}, {"Id": "copy", "Arn": queue_arn})
    bus.events.disable_rule(Name="dms-stopped")
    bus.events.put_events(Entries=[dms_event()])
    settle(cloud)
    assert bus.bodies(seen) == []
    assert bus.received(queue_url) == []
    bus.events.enable_rule(Name="dms-stopped")
    bus.events.put_events(Entries=[dms_event()])
    settle(cloud)
    assert len(bus.bodies(seen)) == 1
    assert len(bus.received(queue_url)) == 1  # moto still delivers to the other targets


def test_a_missing_function_goes_straight_to_the_dlq(cloud: LocalCloud, bus: Bus) -> None:
    dlq_url, dlq_arn = bus.queue("resume-dlq")
    missing = f"arn:aws:lambda:{cloud.region}:{cloud.account_id}:function:gone"
    rule_arn = bus.rule(
        "dms-stopped",
        {"Id": "resume", "Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn}},
    )
    bus.events.put_events(Entries=[dms_event()])
    settle(cloud)
    (message,) = bus.received(dlq_url)
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes == {
        "RULE_ARN": rule_arn,
        "TARGET_ARN": missing,
        "ERROR_CODE": "NO_RESOURCE",
        "ERROR_MESSAGE": f"Function not found: {missing}",
        "RETRY_ATTEMPTS": "0",  # AWS does not retry a missing resource
    }
    assert json.loads(message["Body"])["detail"]["eventType"] == "REPLICATION_TASK_STOPPED"


def test_a_failing_delivery_is_retried_then_dead_lettered_with_the_error(
    cloud: LocalCloud, bus: Bus
) -> None:
    function, seen = bus.recorder()
    dlq_url, dlq_arn = bus.queue("resume-dlq")
    rule_arn = bus.rule(
        "dms-stopped",
        {
            "Id": "resume",
            "Arn": function,
            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
            "DeadLetterConfig": {"Arn": dlq_arn},
        },
    )
    cloud.lambda_runtime.throttle("resume", times=100)  # every invoke request is refused
    bus.events.put_events(Entries=[dms_event()])
    dead: list[dict[str, Any]] = []
    cloud.clock.run_until(lambda: bool(dead.extend(bus.received(dlq_url)) or dead))
    (message,) = dead
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes == {
        "RULE_ARN": rule_arn,
        "TARGET_ARN": function,
        "ERROR_CODE": "THROTTLING",
        "ERROR_MESSAGE": "Rate Exceeded.",
        "RETRY_ATTEMPTS": "3",
        "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
    }
    assert json.loads(message["Body"])["resources"] == [TASK_ARN]
    assert cloud.clock.now() == 1 + 2 + 4  # exponential backoff, on the virtual clock
    assert cloud.lambda_invocations("resume") == 0
    assert bus.bodies(seen) == []


def test_the_event_age_limit_ends_the_retries(cloud: LocalCloud, bus: Bus) -> None:
    function, _ = bus.recorder()
    dlq_url, dlq_arn = bus.queue("resume-dlq")
    bus.rule(
        "dms-stopped",
        {
            "Id": "resume",
            "Arn": function,
            "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 60},
            "DeadLetterConfig": {"Arn": dlq_arn},
        },
    )
    cloud.lambda_runtime.throttle("resume", times=1000)
    bus.events.put_events(Entries=[dms_event()])
    dead: list[dict[str, Any]] = []
    cloud.clock.run_until(lambda: bool(dead.extend(bus.received(dlq_url)) or dead))
    attributes = {k: v["StringValue"] for k, v in dead[0]["MessageAttributes"].items()}
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
    assert attributes["RETRY_ATTEMPTS"] == "5"  # retried at 1, 3, 7, 15, 31 s; 63 s is too old
    assert cloud.clock.now() == 31


def test_a_throttled_delivery_succeeds_on_retry(cloud: LocalCloud, bus: Bus) -> None:
    function, seen = bus.recorder()
    bus.rule("dms-stopped", {"Id": "resume", "Arn": function})
    cloud.lambda_runtime.throttle("resume", times=1)
    bus.events.put_events(Entries=[dms_event()])
    cloud.clock.run_until(lambda: cloud.lambda_invocations("resume") == 1)
    assert cloud.clock.now() == 1
    assert len(bus.bodies(seen)) == 1


def test_a_function_error_is_retried_by_lambda_not_by_eventbridge(
    cloud: LocalCloud, bus: Bus
) -> None:
    rule_dlq_url, rule_dlq_arn = bus.queue("rule-dlq")
    failures_url, failures_arn = bus.queue("function-failures")
    function = cloud.create_function("resume", {"app.py": FAIL})
    cloud.client("lambda").put_function_event_invoke_config(
        FunctionName="resume", DestinationConfig={"OnFailure": {"Destination": failures_arn}}
    )
    bus.rule(
        "dms-stopped",
        {"Id": "resume", "Arn": function, "DeadLetterConfig": {"Arn": rule_dlq_arn}},
    )
    bus.events.put_events(Entries=[dms_event()])
    cloud.clock.run_until(lambda: cloud.lambda_invocations("resume") == 3)
    # Lambda's own asynchronous retries: after one minute, then two.
    assert [r.at for r in cloud.lambda_runtime.records] == [0.0, 60.0, 180.0]
    assert {r.error_type for r in cloud.lambda_runtime.records} == {"RuntimeError"}
    (record,) = bus.bodies(failures_url)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"]["detail"]["eventType"] == "REPLICATION_TASK_STOPPED"
    assert record["responsePayload"]["errorMessage"] == "cannot resume"
    assert bus.received(rule_dlq_url) == []  # EventBridge delivered the event: nothing to DLQ


# -- schedules -------------------------------------------------------------------------------


def test_a_rate_schedule_fires_every_period_of_virtual_time(cloud: LocalCloud, bus: Bus) -> None:
    function, seen = bus.recorder("tick")
    copy_url, copy_arn = bus.queue("ticks")
    rule_arn = bus.rule(
        "every-15-minutes",
        {"Id": "tick", "Arn": function},
        {"Id": "copy", "Arn": copy_arn},
        ScheduleExpression="rate(15 minutes)",
    )
    cloud.clock.advance(3600)
    events = bus.bodies(seen)
    assert [e["time"] for e in events] == [
        "2026-01-01T00:15:00Z",
        "2026-01-01T00:30:00Z",
        "2026-01-01T00:45:00Z",
        "2026-01-01T01:00:00Z",
    ]
    for event in events:
        assert event["source"] == "aws.events"
        assert event["detail-type"] == "Scheduled Event"
        assert event["resources"] == [rule_arn]
        assert event["detail"] == {}
        assert event["account"] == cloud.account_id
    assert cloud.lambda_invocations("tick") == 4
    assert [e["time"] for e in bus.bodies(copy_url)] == [e["time"] for e in events]


def test_a_schedule_fires_only_while_its_rule_exists_and_is_enabled(
    cloud: LocalCloud, bus: Bus
) -> None:
    function, seen = bus.recorder("tick")
    bus.rule("hourly", {"Id": "tick", "Arn": function}, ScheduleExpression="rate(1 hour)")
    cloud.clock.advance(3600)  # fires at 01:00
    bus.events.disable_rule(Name="hourly")
    assert active_schedules().armed() == []  # type: ignore[union-attr]
    cloud.clock.advance(3 * 3600)  # nothing while disabled
    bus.events.enable_rule(Name="hourly")  # at 04:00: next at 05:00
    cloud.clock.advance(3600)
    bus.events.put_rule(Name="hourly", ScheduleExpression="rate(2 hours)")  # next at 07:00
    cloud.clock.advance(2 * 3600)
    bus.events.remove_targets(Rule="hourly", Ids=["tick"])
    bus.events.delete_rule(Name="hourly")
    assert active_schedules().armed() == []  # type: ignore[union-attr]
    assert [e["time"][11:16] for e in bus.bodies(seen)] == ["01:00", "05:00", "07:00"]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 12 * * ? *)", "cron\\(\\) schedules are not emulated"),
        ("rate(1 minutes)", "not valid"),
        ("rate(5 minute)", "not valid"),
        ("rate(0 minutes)", "not valid"),
        ("rate(5 weeks)", "not valid"),
    ],
)
def test_invalid_or_unemulated_schedules_are_refused(
    bus: Bus, expression: str, message: str
) -> None:
    with pytest.raises(ClientError, match=message) as raised:
        bus.events.put_rule(Name="r", ScheduleExpression=expression)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert bus.events.list_rules()["Rules"] == []
