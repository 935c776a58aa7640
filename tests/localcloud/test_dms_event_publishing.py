"""The DMS simulator publishes DMS events on EventBridge, with fault injection.

Delivery is checked on an SQS queue targeted by a rule, as a consumer would see it (moto
delivers to SQS; Lambda targets are another patch's business). Each test drains the queue after
each clock step, so "arrives at virtual time t" means "is in the queue after advancing to t and
not before".
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from typing import Any

import pytest

from localcloud import DmsScenario, LocalCloud
from localcloud.dms.scenario import EventRecord

TASK_PATTERN = {"source": ["aws.dms"], "detail-type": ["DMS Replication Task State Change"]}
SERVERLESS_PATTERN = {"source": ["aws.dms"], "detail-type": ["DMS Replication State Change"]}


def target_queue(cloud: LocalCloud, name: str, pattern: Mapping[str, Any] = TASK_PATTERN) -> str:
    """An SQS queue fed by a default-bus rule with ``pattern``; return its URL."""
    sqs = cloud.client("sqs")
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events = cloud.client("events")
    events.put_rule(Name=f"rule-{name}", EventPattern=json.dumps(pattern))
    events.put_targets(Rule=f"rule-{name}", Targets=[{"Id": "queue", "Arn": queue_arn}])
    return url


def drain(cloud: LocalCloud, url: str) -> list[dict[str, Any]]:
    """Every event waiting in the queue, in delivery order (removed from the queue)."""
    sqs = cloud.client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return out
        for message in messages:
            out.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["detail"]["eventType"] for e in events]


def comparable(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event without what moto's delivery changes: moto assigns its own ``id`` to what
    targets receive, and its default target input omits ``account``."""
    return {k: v for k, v in event.items() if k not in ("id", "account")}


def start(cloud: LocalCloud, arn: str, start_type: str = "start-replication") -> None:
    cloud.client("dms").start_replication_task(
        ReplicationTaskArn=arn, StartReplicationTaskType=start_type
    )


def run_task(cloud: LocalCloud, scenario: DmsScenario, seconds: float) -> tuple[str, str]:
    """Start task ``t`` of ``scenario`` and let ``seconds`` pass; (the queue of its events, its
    ARN)."""
    queue = target_queue(cloud, "dms")
    arn = cloud.create_replication_task("t", scenario)
    start(cloud, arn)
    cloud.clock.advance(seconds)
    return queue, arn


def describe_status(cloud: LocalCloud, arn: str) -> tuple[str, str | None]:
    (task,) = cloud.client("dms").describe_replication_tasks(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}]
    )["ReplicationTasks"]
    return task["Status"], task.get("StopReason")


def at(seconds: float) -> str:
    """The ``time`` of an event that happened at virtual second ``seconds`` (epoch 2026)."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"2026-01-01T{hours:02d}:{minutes:02d}:{secs:02d}Z"


# -- delivery -----------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["documented", "observed"])
def test_events_arrive_at_the_virtual_time_of_each_status_change(
    cloud: LocalCloud, variant: str
) -> None:
    queue = target_queue(cloud, "dms")
    scenario = DmsScenario(
        creating_seconds=30,
        starting_seconds=10,
        run_seconds=300,
        stopping_seconds=5,
        event_variant=variant,  # type: ignore[arg-type]
    )
    arn = cloud.create_replication_task("orders", scenario)
    cloud.clock.advance(29)
    assert drain(cloud, queue) == []  # still creating
    cloud.clock.advance(1)  # t=30: ready, creation done
    (created,) = drain(cloud, queue)
    assert created["detail"]["eventType"] == "REPLICATION_TASK_CREATED"
    assert created["time"] == at(30)

    cloud.clock.advance(70)  # t=100
    start(cloud, arn)
    cloud.clock.advance(9)
    assert drain(cloud, queue) == []  # "starting" has no event
    cloud.clock.advance(1)  # t=110: running
    (started,) = drain(cloud, queue)
    assert started["detail"]["eventType"] == "REPLICATION_TASK_STARTED"
    assert started["time"] == at(110)
    assert started["detail"]["detailMessage"] == "Replication task started, with flag = fresh start"

    cloud.clock.advance(304)  # t=414: stopping since 410, no event for it
    assert drain(cloud, queue) == []
    cloud.clock.advance(1)  # t=415: stopped
    (stopped,) = drain(cloud, queue)
    assert stopped["detail"]["eventType"] == "REPLICATION_TASK_STOPPED"
    assert stopped["detail"]["detailMessage"].endswith("Stop Reason FULL_LOAD_ONLY_FINISHED")
    assert stopped["time"] == at(415)
    # The ARN is in resources[0] only, whatever the shape.
    assert stopped["resources"] == [arn]
    expected_key = "eventName" if variant == "documented" else "eventId"
    assert stopped["detail"][expected_key] == "DMS-EVENT-0079"

    # What the simulator recorded is what was delivered, published when it happened.
    records = cloud.dms.published_events(arn)
    assert [r.kind for r in records] == ["created", "started", "stopped"]
    assert [r.published_at for r in records] == [30.0, 110.0, 415.0]
    assert all(r.published_at == r.occurred_at and r.copy == 1 for r in records)
    for record, delivered in zip(records, [created, started, stopped], strict=True):
        assert comparable(delivered) == comparable(record.event)
        assert delivered["id"] == record.bus_event_id
        assert record.event["account"] == cloud.account_id


def test_failure_user_stop_restart_and_deletion_publish_their_events(cloud: LocalCloud) -> None:
    queue = target_queue(cloud, "dms")
    scenario = DmsScenario(
        starting_seconds=0,
        run_seconds=100,
        final_status="failed",
        stop_reason="RECOVERABLE_ERROR",
        failure_message="Last Error Connection lost. Stop Reason RECOVERABLE_ERROR "
        "Error Level RECOVERABLE",
        event_variant="observed",
    )
    arn = cloud.create_replication_task("orders", scenario)
    start(cloud, arn)
    cloud.clock.advance(100)
    created, started, failed = drain(cloud, queue)
    assert types([created, started]) == ["REPLICATION_TASK_CREATED", "REPLICATION_TASK_STARTED"]
    assert failed["detail"] == {
        "type": "REPLICATION_TASK",
        "category": "Failure",
        "eventType": "REPLICATION_TASK_FAILED",
        "eventId": "DMS-EVENT-0078",
        "detailMessage": scenario.failure_message,
    }
    assert failed["time"] == at(100)

    start(cloud, arn, "resume-processing")  # t=100, runs until t=200 unless stopped
    cloud.clock.advance(50)
    cloud.client("dms").stop_replication_task(ReplicationTaskArn=arn)
    cloud.clock.advance(1000)
    started, stopped = drain(cloud, queue)
    assert started["detail"]["detailMessage"].endswith("with flag = resume processing")
    assert stopped["detail"]["detailMessage"] == "Replication task has stopped. Stop Reason NORMAL"
    assert stopped["time"] == at(150)
    assert describe_status(cloud, arn) == ("stopped", "Stop Reason NORMAL")

    cloud.client("dms").delete_replication_task(ReplicationTaskArn=arn)
    cloud.clock.advance(1)
    (deleted,) = drain(cloud, queue)
    assert deleted["detail"]["eventType"] == "REPLICATION_TASK_DELETED"
    assert deleted["detail"]["eventId"] == "DMS-EVENT-0073"
    assert deleted["time"] == at(1150)
    assert [r.kind for r in cloud.dms.published_events(arn)] == [
        "created",
        "started",
        "failed",
        "started",
        "stopped",
        "deleted",
    ]


def test_a_stop_while_starting_publishes_no_started_event(cloud: LocalCloud) -> None:
    # The short-task hazard: the task never reports "running", so no STARTED either.
    queue, arn = run_task(cloud, DmsScenario(starting_seconds=60), 10)
    cloud.client("dms").stop_replication_task(ReplicationTaskArn=arn)
    cloud.clock.advance(100)
    assert types(drain(cloud, queue)) == ["REPLICATION_TASK_CREATED", "REPLICATION_TASK_STOPPED"]


# -- faults -------------------------------------------------------------------------------


def test_lost_events_never_arrive_but_the_truth_is_still_described(cloud: LocalCloud) -> None:
    queue, arn = run_task(
        cloud, DmsScenario(starting_seconds=0, run_seconds=100, lose_events={"stopped"}), 1000
    )
    assert types(drain(cloud, queue)) == ["REPLICATION_TASK_CREATED", "REPLICATION_TASK_STARTED"]
    (lost,) = cloud.dms.lost_events(arn)
    assert (lost.kind, lost.occurred_at, lost.published_at, lost.fate) == (
        "stopped",
        100.0,
        None,
        "lost",
    )
    assert lost.event["detail"]["eventType"] == "REPLICATION_TASK_STOPPED"
    # DMS itself is unaffected: DescribeReplicationTasks is the truth.
    assert describe_status(cloud, arn) == ("stopped", "Stop Reason FULL_LOAD_ONLY_FINISHED")


def test_losing_all_events(cloud: LocalCloud) -> None:
    queue, arn = run_task(cloud, DmsScenario(run_seconds=100, lose_events="all"), 1000)
    assert drain(cloud, queue) == []
    assert cloud.dms.published_events() == []
    assert [r.kind for r in cloud.dms.lost_events(arn)] == ["created", "started", "stopped"]


def test_duplicated_events_arrive_several_times(cloud: LocalCloud) -> None:
    queue, arn = run_task(
        cloud,
        DmsScenario(starting_seconds=0, run_seconds=100, duplicate_events={"stopped": 3}),
        1000,
    )
    delivered = drain(cloud, queue)
    assert types(delivered) == [
        "REPLICATION_TASK_CREATED",
        "REPLICATION_TASK_STARTED",
        "REPLICATION_TASK_STOPPED",
        "REPLICATION_TASK_STOPPED",
        "REPLICATION_TASK_STOPPED",
    ]
    copies = cloud.dms.published_events(arn, kind="stopped")
    assert [r.copy for r in copies] == [1, 2, 3]
    assert all(r.published_at == 100.0 for r in copies)
    # Copies of one event: the same event (same id on the simulator's side).
    assert len({r.event["id"] for r in copies}) == 1
    assert all(comparable(d) == comparable(copies[0].event) for d in delivered[2:])


def test_every_event_can_be_duplicated(cloud: LocalCloud) -> None:
    queue, arn = run_task(cloud, DmsScenario(run_seconds=100, duplicate_events=2), 1000)
    assert len(drain(cloud, queue)) == 6
    assert [r.copy for r in cloud.dms.published_events(arn)] == [1, 2, 1, 2, 1, 2]


def test_delayed_events_arrive_late_but_keep_their_time(cloud: LocalCloud) -> None:
    queue = target_queue(cloud, "dms")
    arn = cloud.create_replication_task(
        "t",
        DmsScenario(starting_seconds=0, run_seconds=100, delay_events_seconds={"stopped": 120}),
    )
    start(cloud, arn)
    cloud.clock.advance(100)  # the task stopped at t=100...
    assert types(drain(cloud, queue)) == ["REPLICATION_TASK_CREATED", "REPLICATION_TASK_STARTED"]
    assert describe_status(cloud, arn)[0] == "stopped"
    cloud.clock.advance(119)
    assert drain(cloud, queue) == []
    cloud.clock.advance(1)  # ...its event arrives at t=220
    (stopped,) = drain(cloud, queue)
    assert stopped["time"] == at(100)  # when it happened, not when it arrived
    (record,) = cloud.dms.published_events(arn, kind="stopped")
    assert (record.occurred_at, record.published_at) == (100.0, 220.0)


def test_a_uniform_delay_applies_to_every_event(cloud: LocalCloud) -> None:
    queue, arn = run_task(
        cloud, DmsScenario(starting_seconds=0, run_seconds=100, delay_events_seconds=30), 200
    )
    assert len(drain(cloud, queue)) == 3
    records = cloud.dms.published_events(arn)
    assert [(r.occurred_at, r.published_at) for r in records] == [
        (0.0, 30.0),
        (0.0, 30.0),
        (100.0, 130.0),
    ]


def test_reordered_events_deliver_stopped_before_started(cloud: LocalCloud) -> None:
    queue = target_queue(cloud, "dms")
    arn = cloud.create_replication_task(
        "t", DmsScenario(starting_seconds=10, run_seconds=100, reorder=True)
    )
    start(cloud, arn)
    cloud.clock.advance(50)  # running since t=10, but its STARTED event is held back
    assert types(drain(cloud, queue)) == ["REPLICATION_TASK_CREATED"]
    cloud.clock.advance(60)  # t=110: stopped
    stopped, started = drain(cloud, queue)
    assert types([stopped, started]) == ["REPLICATION_TASK_STOPPED", "REPLICATION_TASK_STARTED"]
    assert (stopped["time"], started["time"]) == (at(110), at(10))
    records = cloud.dms.published_events(arn)
    assert [(r.kind, r.occurred_at, r.published_at) for r in records] == [
        ("created", 0.0, 0.0),
        ("stopped", 110.0, 110.0),
        ("started", 10.0, 110.0),
    ]


def test_reorder_with_a_user_stop_and_a_lost_terminal_event(cloud: LocalCloud) -> None:
    queue, arn = run_task(
        cloud,
        DmsScenario(final_status="never", starting_seconds=0, reorder=True, lose_events="stopped"),
        500,
    )
    assert types(drain(cloud, queue)) == ["REPLICATION_TASK_CREATED"]
    cloud.client("dms").stop_replication_task(ReplicationTaskArn=arn)
    cloud.clock.advance(1)
    # The STOPPED event was lost; the held STARTED one still arrives, after the stop.
    assert types(drain(cloud, queue)) == ["REPLICATION_TASK_STARTED"]
    assert describe_status(cloud, arn) == ("stopped", "Stop Reason NORMAL")


# -- shapes on the bus ------------------------------------------------------------------------


def test_serverless_events_never_match_a_task_rule(cloud: LocalCloud) -> None:
    task_queue = target_queue(cloud, "tasks", TASK_PATTERN)
    serverless_queue = target_queue(cloud, "serverless", SERVERLESS_PATTERN)
    everything = target_queue(cloud, "all", {"source": ["aws.dms"]})
    arn = cloud.create_replication_task(
        "bi", DmsScenario(starting_seconds=10, run_seconds=100, event_variant="serverless")
    )
    start(cloud, arn)
    cloud.clock.advance(1000)
    assert drain(cloud, task_queue) == []
    delivered = drain(cloud, serverless_queue)
    assert types(delivered) == [
        "REPLICATION_INITIALIZING",
        "REPLICATION_STARTED",
        "REPLICATION_STOPPED",
    ]
    config_arn = "arn:aws:dms:us-east-1:123456789012:replication-config:bi"
    assert all(e["resources"] == [config_arn] for e in delivered)
    assert all(e["detail"]["type"] == "REPLICATION_CONFIG" for e in delivered)
    assert [e["time"] for e in delivered] == [at(0), at(10), at(110)]
    assert len(drain(cloud, everything)) == 3  # a source-only rule sees them


def test_task_variants_match_the_task_rule_only(cloud: LocalCloud) -> None:
    task_queue = target_queue(cloud, "tasks", TASK_PATTERN)
    serverless_queue = target_queue(cloud, "serverless", SERVERLESS_PATTERN)
    failures = target_queue(
        cloud,
        "failures",
        {**TASK_PATTERN, "detail": {"eventType": ["REPLICATION_TASK_FAILED"]}},
    )
    arn = cloud.create_replication_task(
        "t", DmsScenario(run_seconds=100, final_status="failed", event_variant="observed")
    )
    start(cloud, arn)
    cloud.clock.advance(1000)
    assert len(drain(cloud, task_queue)) == 3
    assert drain(cloud, serverless_queue) == []
    (failed,) = drain(cloud, failures)
    assert failed["resources"] == [arn]


def test_throttling_still_works_alongside_events(cloud: LocalCloud) -> None:
    queue, arn = run_task(
        cloud, DmsScenario(throttle_describes=2, run_seconds=100, starting_seconds=0), 100
    )
    assert len(drain(cloud, queue)) == 3
    dms = cloud.client("dms")
    for _ in range(2):
        with pytest.raises(dms.exceptions.ClientError, match="ThrottlingException"):
            describe_status(cloud, arn)
    assert describe_status(cloud, arn)[0] == "stopped"


def test_event_ids_are_deterministic_per_seed() -> None:
    def ids(seed: int) -> list[str]:
        with LocalCloud(seed=seed) as cloud:
            arn = cloud.create_replication_task("t", DmsScenario(run_seconds=10))
            start(cloud, arn)
            cloud.clock.advance(100)
            return [r.event["id"] for r in cloud.dms.published_events()]

    first = ids(7)
    assert len(first) == len(set(first)) == 3
    assert ids(7) == first
    assert ids(8) != first


def test_a_failing_putevents_is_recorded_and_does_not_stop_the_simulation(
    cloud: LocalCloud,
) -> None:
    calls: list[list[dict[str, Any]]] = []

    def flaky(entries: list[dict[str, Any]]) -> Mapping[str, Any]:
        calls.append(entries)
        if len(calls) == 1:
            raise ConnectionError("bus unavailable")
        if len(calls) == 2:
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}]}
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "bus-id"}]}

    cloud.dms.publish_events(flaky)
    arn = cloud.create_replication_task("t", DmsScenario(run_seconds=10, starting_seconds=0))
    start(cloud, arn)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cloud.clock.advance(100)
    assert describe_status(cloud, arn)[0] == "stopped"
    records: list[EventRecord] = cloud.dms.event_records
    assert [(r.kind, r.fate) for r in records] == [
        ("created", "error"),
        ("started", "error"),
        ("stopped", "published"),
    ]
    assert "bus unavailable" in (records[0].error or "")
    assert records[1].error == "InternalFailure: "
    assert records[2].bus_event_id == "bus-id"
    assert any("PutEvents failed" in str(w.message) for w in caught)


def test_scenario_event_options_are_validated() -> None:
    with pytest.raises(ValueError, match="event_variant"):
        DmsScenario(event_variant="classic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown event kind"):
        DmsScenario(lose_events={"stoped"})
    with pytest.raises(ValueError, match="unknown event kind"):
        DmsScenario(lose_events="everything")
    with pytest.raises(ValueError, match="duplicate_events"):
        DmsScenario(duplicate_events=0)
    with pytest.raises(ValueError, match="duplicate_events"):
        DmsScenario(duplicate_events={"stopped": 1.5})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="unknown event kind"):
        DmsScenario(duplicate_events={"done": 2})
    with pytest.raises(ValueError, match="delay_events_seconds"):
        DmsScenario(delay_events_seconds=-1)
    with pytest.raises(ValueError, match="delay_events_seconds"):
        DmsScenario(delay_events_seconds={"stopped": float("inf")})
    # The convenient spellings are normalised.
    one = DmsScenario(lose_events="stopped", duplicate_events={"started": 2})
    assert one.lose_events == frozenset({"stopped"})
    assert one.loses("stopped")
    assert not one.loses("started")
    assert (one.event_copies("started"), one.event_copies("stopped")) == (2, 1)
    assert DmsScenario(lose_events="all").loses("created")
    delayed = DmsScenario(delay_events_seconds={"stopped": 5})
    assert (delayed.event_delay("stopped"), delayed.event_delay("started")) == (5.0, 0.0)
    assert DmsScenario().event_delay("failed") == 0.0
