"""The pure DMS event builders against the fixtures in tests/events (no moto here)."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from dms_waiters.lambdas import dms_status as dms
from localcloud.dms import events as ev

FIXTURES = Path(__file__).resolve().parents[1] / "events"
TASK_ARN = "arn:aws:dms:us-east-1:123456789012:task:QK7ZPJ3V4TXRYCEWH2MNBD5GLA"
CONFIG_ARN = "arn:aws:dms:us-east-1:123456789012:replication-config:K7QWZ3MXR2NPLVBD5TYAH8FJCS"
NAME = "orders-full-load"
WHEN = datetime(2026, 1, 1, 0, 10, 10, tzinfo=UTC)
ID = "00000000-0000-4000-8000-000000000000"


def load(name: str) -> dict[str, Any]:
    """A fixture event from tests/events."""
    return json.loads((FIXTURES / name).read_text())  # type: ignore[no-any-return]


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    """How to rebuild one fixture: the inputs that are not in the event itself."""

    fixture: str
    variant: ev.EventVariant
    kind: str
    start_type: str | None = None
    stop_reason: str | None = None
    failure_message: str | None = None


RECOVERABLE = (
    "Last Error Task error notification received from subtask 0, thread 0 "
    "[reptask/replicationtask.c:2673] [1022502] Connection to the source database was lost; "
    "Stream component 'st_0_QK7ZPJ3V4TXRYCEWH2MNBD5GLA' terminated "
    "Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE"
)
FATAL = (
    "Last Error ODBC general error. Task error notification received from subtask 0, thread 0 "
    "[reptask/replicationtask.c:2883] [1022502] Error executing source loop; Stream component "
    "failed at subtask 0, component st_0_QK7ZPJ3V4TXRYCEWH2MNBD5GLA; Stream component "
    "'st_0_QK7ZPJ3V4TXRYCEWH2MNBD5GLA' terminated Stop Reason FATAL_ERROR Error Level FATAL"
)

CASES = [
    Case("dms_task_created.json", "documented", "created"),
    Case("dms_task_started_documented.json", "documented", "started", "start-replication"),
    Case("dms_task_started_observed.json", "observed", "started", "start-replication"),
    Case("dms_task_stopped.json", "documented", "stopped", stop_reason="FULL_LOAD_ONLY_FINISHED"),
    Case("dms_task_stopped_normal_observed.json", "observed", "stopped", stop_reason="NORMAL"),
    Case("dms_task_failed_documented.json", "documented", "failed", None, "FATAL_ERROR", FATAL),
    Case(
        "dms_task_failed_observed.json",
        "observed",
        "failed",
        None,
        "RECOVERABLE_ERROR",
        RECOVERABLE,
    ),
    Case("dms_task_deleted.json", "documented", "deleted"),
    Case("dms_serverless_state_change.json", "serverless", "initializing"),
    Case(
        "dms_serverless_failed.json",
        "serverless",
        "failed",
        stop_reason="FATAL_ERROR",
        failure_message="Last Error Error 1236 reading binary log. "
        "Stop Reason FATAL_ERROR Error Level FATAL",
    ),
]


def rebuild(case: Case, fixture: dict[str, Any]) -> dict[str, Any]:
    """Build ``case`` with the fixture's own resource, time and id."""
    resource = fixture["resources"][0]
    task_arn = (
        resource.replace(":replication-config:", ":task:")
        if case.variant == "serverless"
        else resource
    )
    return ev.build_event(
        case.variant,
        case.kind,
        task_arn=task_arn,
        task_identifier=NAME,
        time=parse_time(fixture["time"]),
        event_id=fixture["id"],
        start_type=case.start_type,
        stop_reason=case.stop_reason,
        failure_message=case.failure_message,
    )


def shape(value: Any) -> Any:
    """The keys and value types of a JSON value, recursively."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(c.fixture for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_builders_reproduce_the_fixtures(case: Case) -> None:
    fixture = load(case.fixture)
    built = rebuild(case, fixture)
    assert shape(built) == shape(fixture)  # same keys (in order) and types
    assert list(built) == list(fixture)
    assert list(built["detail"]) == list(fixture["detail"])
    assert built == fixture  # and, given the same time and id, the same values


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_values_that_do_not_depend_on_time_or_id_match(case: Case) -> None:
    # What a builder produces for the simulator (its own time and id) has the fixture's shape
    # and the same values everywhere else.
    fixture = load(case.fixture)
    resource = fixture["resources"][0]
    task_arn = resource.replace(":replication-config:", ":task:")
    built = ev.build_event(
        case.variant,
        case.kind,
        task_arn=task_arn,
        task_identifier=NAME,
        time=datetime(2030, 6, 1, 12, 0, 0, 999_000, tzinfo=UTC),
        event_id=str(uuid.uuid4()),
        start_type=case.start_type,
        stop_reason=case.stop_reason,
        failure_message=case.failure_message,
    )
    assert shape(built) == shape(fixture)
    volatile = {"id", "time"}
    assert {k: v for k, v in built.items() if k not in volatile} == {
        k: v for k, v in fixture.items() if k not in volatile
    }
    assert built["time"] == "2030-06-01T12:00:00Z"  # second precision, like EventBridge


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_fixtures_follow_the_eventbridge_envelope(name: str) -> None:
    event = load(name)
    assert list(event) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert event["version"] == "0"
    assert event["source"] == "aws.dms"
    assert uuid.UUID(event["id"]).version == 4
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["time"])
    (resource,) = event["resources"]
    arn = ev.parse_dms_arn(resource)
    assert (arn.region, arn.account) == (event["region"], event["account"])
    # The ARN is only in resources[0]: nothing in detail names it.
    assert not any("arn:aws" in str(v) for v in event["detail"].values())
    if event["detail-type"] == ev.TASK_DETAIL_TYPE:
        assert arn.resource_type == "task"
        assert event["detail"]["type"] in (ev.DOCUMENTED_TYPE, ev.OBSERVED_TYPE)
    else:
        assert event["detail-type"] == ev.SERVERLESS_DETAIL_TYPE
        assert arn.resource_type == "replication-config"
        assert event["detail"]["type"] == ev.SERVERLESS_TYPE


# -- per-variant details ---------------------------------------------------------------------

EXPECTED_TASK_EVENTS = {
    # kind: (DMS event id, eventType, category)
    "created": ("DMS-EVENT-0074", "REPLICATION_TASK_CREATED", "Creation"),
    "deleted": ("DMS-EVENT-0073", "REPLICATION_TASK_DELETED", "Deletion"),
    "modified": ("DMS-EVENT-0080", "REPLICATION_TASK_MODIFIED", "ConfigurationChange"),
    "started": ("DMS-EVENT-0069", "REPLICATION_TASK_STARTED", "StateChange"),
    "stopped": ("DMS-EVENT-0079", "REPLICATION_TASK_STOPPED", "StateChange"),
    "failed": ("DMS-EVENT-0078", "REPLICATION_TASK_FAILED", "Failure"),
    "reload_requested": ("DMS-EVENT-0081", "REPLICATION_TASK_RELOAD_REQUESTED", "StateChange"),
    "reading_paused_swap_files": (
        "DMS-EVENT-0091",
        "REPLICATION_TASK_READING_PAUSED",
        "StateChange",
    ),
    "reading_paused_disk_usage": (
        "DMS-EVENT-0092",
        "REPLICATION_TASK_READING_PAUSED",
        "StateChange",
    ),
    "reading_resumed": ("DMS-EVENT-0093", "REPLICATION_TASK_READING_RESUMED", "StateChange"),
    "cleanup_failed": ("DMS-EVENT-0082", "REPLICATION_TASK_CLEANUP_FAILED", "Failure"),
}


@pytest.mark.parametrize("kind", sorted(EXPECTED_TASK_EVENTS))
def test_task_event_ids_and_types_per_kind(kind: str) -> None:
    event_id, event_type, category = EXPECTED_TASK_EVENTS[kind]
    documented = ev.build_event(
        "documented", kind, task_arn=TASK_ARN, task_identifier=NAME, time=WHEN, event_id=ID
    )
    observed = ev.build_event("observed", kind, task_arn=TASK_ARN, time=WHEN, event_id=ID)
    assert documented["detail"] == {
        "type": "ReplicationTask",
        "category": category,
        "eventType": event_type,
        "eventName": event_id,
        "resourceLink": f"https://console.aws.amazon.com/dms/v2/home?region=us-east-1#taskDetails/{NAME}",
        "detailMessage": documented["detail"]["detailMessage"],
    }
    assert observed["detail"] == {
        "type": "REPLICATION_TASK",
        "category": category,
        "eventType": event_type,
        "eventId": event_id,
        "detailMessage": documented["detail"]["detailMessage"],
    }
    for event in (documented, observed):
        assert event["detail-type"] == "DMS Replication Task State Change"
        assert event["resources"] == [TASK_ARN]
        assert (event["region"], event["account"]) == ("us-east-1", "123456789012")
        assert event["id"] == ID
        assert event["time"] == "2026-01-01T00:10:10Z"
    assert set(EXPECTED_TASK_EVENTS) == set(ev.TASK_EVENTS)


def test_the_task_event_table_covers_every_event_id_in_the_facts() -> None:
    ids = {spec.dms_event_id for spec in ev.TASK_EVENTS.values()}
    expected = {"0069", "0079", "0078", "0081", "0091", "0092", "0093", "0074", "0073"}
    assert {f"DMS-EVENT-{n}" for n in expected | {"0080", "0082"}} == ids


@pytest.mark.parametrize(
    ("start_type", "flag"),
    [
        ("start-replication", "fresh start"),
        (None, "fresh start"),
        ("resume-processing", "resume processing"),
        ("reload-target", "reload target"),
    ],
)
def test_started_message_names_the_start_flag(start_type: str | None, flag: str) -> None:
    event = ev.build_event(
        "observed", "started", task_arn=TASK_ARN, time=WHEN, event_id=ID, start_type=start_type
    )
    assert event["detail"]["detailMessage"] == f"Replication task started, with flag = {flag}"


@pytest.mark.parametrize(
    ("reason", "suffix"),
    [
        ("FULL_LOAD_ONLY_FINISHED", "Stop Reason FULL_LOAD_ONLY_FINISHED"),
        ("Stop Reason NORMAL", "Stop Reason NORMAL"),  # the API's prefixed form is accepted
        ("RECOVERABLE_ERROR", "Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE"),
        ("FATAL_ERROR", "Stop Reason FATAL_ERROR Error Level FATAL"),
    ],
)
def test_stop_messages_carry_the_stop_reason(reason: str, suffix: str) -> None:
    event = ev.build_event(
        "documented",
        "stopped",
        task_arn=TASK_ARN,
        task_identifier=NAME,
        time=WHEN,
        event_id=ID,
        stop_reason=reason,
    )
    message = event["detail"]["detailMessage"]
    assert message == f"Replication task has stopped. {suffix}"
    # What a reader extracts from the message is the bare reason the API reports.
    found = re.search(r"Stop Reason (\w+)", message)
    assert found is not None
    assert found.group(1) == dms.normalise_stop_reason(reason)


def test_failure_messages_end_with_the_stop_reason_and_error_level() -> None:
    def failed(message: str | None, reason: str | None) -> str:
        event = ev.build_event(
            "observed",
            "failed",
            task_arn=TASK_ARN,
            time=WHEN,
            event_id=ID,
            stop_reason=reason,
            failure_message=message,
        )
        return str(event["detail"]["detailMessage"])

    # A LastFailureMessage that already carries them is used as is (the production shape).
    assert failed(RECOVERABLE, "RECOVERABLE_ERROR") == RECOVERABLE
    # One that does not gets them appended; no message at all gets a generic one.
    assert failed("Last Error ODBC general error.", "RECOVERABLE_ERROR") == (
        "Last Error ODBC general error. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE"
    )
    assert failed(None, None) == (
        "Replication task has failed. Stop Reason FATAL_ERROR Error Level FATAL"
    )


def test_serverless_events_use_the_replication_config() -> None:
    event = ev.build_event(
        "serverless",
        "stopped",
        task_arn="arn:aws:dms:eu-west-1:111122223333:task:ABC123",
        task_identifier="ignored",
        time=WHEN,
        event_id=ID,
        stop_reason="NORMAL",
    )
    assert event["detail-type"] == "DMS Replication State Change"
    assert event["resources"] == ["arn:aws:dms:eu-west-1:111122223333:replication-config:ABC123"]
    assert event["detail"] == {
        "type": "REPLICATION_CONFIG",
        "category": "StateChange",
        "eventType": "REPLICATION_STOPPED",
        "detailMessage": "Replication with resource id, 'ABC123', has stopped. Stop Reason NORMAL",
    }
    assert (event["region"], event["account"]) == ("eu-west-1", "111122223333")
    started = ev.serverless_replication_event(
        "started", config_arn=CONFIG_ARN, time=WHEN, event_id=ID
    )
    assert started["detail"]["eventType"] == "REPLICATION_STARTED"


def test_which_variant_has_which_event() -> None:
    assert ev.has_event("documented", "created")
    assert ev.has_event("observed", "deleted")
    assert not ev.has_event("documented", "initializing")
    assert ev.has_event("serverless", "initializing")
    assert not ev.has_event("serverless", "created")
    assert not ev.has_event("serverless", "deleted")
    with pytest.raises(ValueError, match="no DMS Serverless event"):
        ev.build_event(
            "serverless", "created", task_arn=TASK_ARN, task_identifier=NAME, time=WHEN, event_id=ID
        )
    with pytest.raises(ValueError, match="no DMS task event"):
        ev.build_event("observed", "initializing", task_arn=TASK_ARN, time=WHEN, event_id=ID)
    with pytest.raises(ValueError, match="unknown event variant"):
        ev.build_event(
            "classic",  # type: ignore[arg-type]
            "started",
            task_arn=TASK_ARN,
            task_identifier=NAME,
            time=WHEN,
            event_id=ID,
        )


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="not a DMS resource ARN"):
        ev.parse_dms_arn("arn:aws:states:us-east-1:123456789012:stateMachine:x")
    with pytest.raises(ValueError, match="not a replication-config ARN"):
        ev.serverless_replication_event("started", config_arn=TASK_ARN, time=WHEN, event_id=ID)
    with pytest.raises(ValueError, match="unknown stop reason"):
        ev.stop_reason_text("FINISHED")
    with pytest.raises(ValueError, match="timezone-aware"):
        ev.event_time(datetime(2026, 1, 1))  # naive: the point of the test


def test_event_time_is_utc_with_second_precision() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert ev.event_time(datetime(2026, 1, 1, 2, 0, 5, 900_000, tzinfo=plus_two)) == (
        "2026-01-01T00:00:05Z"
    )


def test_put_events_entry_carries_what_putevents_can_set() -> None:
    event = load("dms_task_failed_observed.json")
    entry = ev.put_events_entry(event)
    assert entry == {
        "Source": "aws.dms",
        "DetailType": "DMS Replication Task State Change",
        "Detail": json.dumps(event["detail"]),
        "Resources": [TASK_ARN],
        "Time": datetime(2026, 1, 1, 0, 7, 30, tzinfo=UTC),
        "EventBusName": "default",
    }
    assert json.loads(entry["Detail"]) == event["detail"]


def test_provenance_is_recorded_for_every_spec() -> None:
    # The documented example and the production captures are marked as such; everything else
    # is flagged as assumed so nobody mistakes it for a documented value.
    assert ev.TASK_EVENTS["started"].provenance == "documented"
    assert ev.TASK_EVENTS["failed"].provenance == "observed"
    assert ev.SERVERLESS_EVENTS["initializing"].provenance == "observed"
    assert all(
        spec.provenance in ("documented", "observed", "assumed")
        for table in (ev.TASK_EVENTS, ev.SERVERLESS_EVENTS)
        for spec in table.values()
    )
    assert all(spec.dms_event_id is None for spec in ev.SERVERLESS_EVENTS.values())
