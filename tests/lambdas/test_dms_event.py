"""``lambdas.dms_event``: every fixture in tests/events parses, malformed input never KeyErrors."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime
from typing import Any

import pytest

from dms_waiters.lambdas.dms_event import MalformedEvent, parse_event, stop_reason_in
from tests.lambdas.conftest import EVENTS_DIR, load_event

TASK_ARN = "arn:aws:dms:us-east-1:123456789012:task:QK7ZPJ3V4TXRYCEWH2MNBD5GLA"
CONFIG_ARN = "arn:aws:dms:us-east-1:123456789012:replication-config:K7QWZ3MXR2NPLVBD5TYAH8FJCS"

# file -> (kind, shape, event id, event type, category, stop reason, terminal)
EXPECTED: dict[str, tuple[str, str, str | None, str, str, str | None, bool]] = {
    "dms_task_created.json": (
        "task",
        "documented",
        "DMS-EVENT-0074",
        "REPLICATION_TASK_CREATED",
        "Creation",
        None,
        False,
    ),
    "dms_task_started_documented.json": (
        "task",
        "documented",
        "DMS-EVENT-0069",
        "REPLICATION_TASK_STARTED",
        "StateChange",
        None,
        False,
    ),
    "dms_task_started_observed.json": (
        "task",
        "observed",
        "DMS-EVENT-0069",
        "REPLICATION_TASK_STARTED",
        "StateChange",
        None,
        False,
    ),
    "dms_task_stopped.json": (
        "task",
        "documented",
        "DMS-EVENT-0079",
        "REPLICATION_TASK_STOPPED",
        "StateChange",
        "FULL_LOAD_ONLY_FINISHED",
        True,
    ),
    "dms_task_stopped_normal_observed.json": (
        "task",
        "observed",
        "DMS-EVENT-0079",
        "REPLICATION_TASK_STOPPED",
        "StateChange",
        "NORMAL",
        True,
    ),
    "dms_task_failed_documented.json": (
        "task",
        "documented",
        "DMS-EVENT-0078",
        "REPLICATION_TASK_FAILED",
        "Failure",
        "FATAL_ERROR",
        True,
    ),
    "dms_task_failed_observed.json": (
        "task",
        "observed",
        "DMS-EVENT-0078",
        "REPLICATION_TASK_FAILED",
        "Failure",
        "RECOVERABLE_ERROR",
        True,
    ),
    "dms_task_deleted.json": (
        "task",
        "documented",
        "DMS-EVENT-0073",
        "REPLICATION_TASK_DELETED",
        "Deletion",
        None,
        True,
    ),
    "dms_serverless_state_change.json": (
        "serverless",
        "serverless",
        None,
        "REPLICATION_INITIALIZING",
        "StateChange",
        None,
        False,
    ),
    "dms_serverless_failed.json": (
        "serverless",
        "serverless",
        None,
        "REPLICATION_FAILED",
        "Failure",
        "FATAL_ERROR",
        True,
    ),
}


def test_every_fixture_is_covered() -> None:
    assert {p.name for p in EVENTS_DIR.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses(name: str) -> None:
    kind, shape, event_id, event_type, category, reason, terminal = EXPECTED[name]
    raw = load_event(name)
    event = parse_event(raw)
    assert event.kind == kind
    assert event.shape == shape
    assert event.resource_arn == (CONFIG_ARN if kind == "serverless" else TASK_ARN)
    assert event.arn.resource_type == ("replication-config" if kind == "serverless" else "task")
    assert event.arn.region == "us-east-1"
    assert event.arn.account == "123456789012"
    assert event.event_id == event_id
    assert event.event_type == event_type
    assert event.category == category
    assert event.stop_reason == reason
    assert event.terminal is terminal
    assert event.message == raw["detail"]["detailMessage"]
    assert event.id == raw["id"]
    assert event.time == datetime.fromisoformat(raw["time"]).astimezone(UTC)
    assert event.time is not None and event.time.tzinfo is not None


def test_event_is_frozen() -> None:
    event = parse_event(load_event("dms_task_stopped.json"))
    with pytest.raises(FrozenInstanceError):
        event.terminal = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("mutate", "terminal"),
    [
        # The event id alone decides when the eventType is unknown...
        (lambda d: d.update(eventType="SOMETHING_NEW"), True),
        # ...and the eventType alone when the id is missing.
        (lambda d: d.pop("eventName"), True),
    ],
)
def test_terminal_from_either_id_or_event_type(mutate: Any, terminal: bool) -> None:
    raw = load_event("dms_task_stopped.json")
    mutate(raw["detail"])
    assert parse_event(raw).terminal is terminal


def test_non_terminal_ids_with_a_failure_category_are_not_terminal() -> None:
    raw = load_event("dms_task_failed_observed.json")
    raw["detail"].update(eventId="DMS-EVENT-0082", eventType="REPLICATION_TASK_CLEANUP_FAILED")
    assert parse_event(raw).terminal is False


def test_stop_reason_is_read_from_free_text() -> None:
    assert stop_reason_in("Replication task has stopped. Stop Reason NORMAL") == "NORMAL"
    assert stop_reason_in("... Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE") == (
        "RECOVERABLE_ERROR"
    )
    assert stop_reason_in("Replication task started, with flag = fresh start") is None


_DELETE = object()


def _event(**changes: Any) -> dict[str, Any]:
    """The stopped fixture with top-level keys changed (``detail_type`` -> ``detail-type``)."""
    raw = load_event("dms_task_stopped.json")
    for key, value in changes.items():
        if value is _DELETE:
            raw.pop(key.replace("_", "-"))
        else:
            raw[key.replace("_", "-")] = value
    return raw


def _detail(**changes: Any) -> dict[str, Any]:
    """The stopped fixture with ``detail`` keys changed."""
    raw = load_event("dms_task_stopped.json")
    for key, value in changes.items():
        if value is _DELETE:
            raw["detail"].pop(key)
        else:
            raw["detail"][key] = value
    return raw


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (None, "not a JSON object"),
        ([], "not a JSON object"),
        ("DMS-EVENT-0079", "not a JSON object"),
        (42, "not a JSON object"),
        ({}, "source"),
        (_event(source="aws.rds"), "source"),
        (_event(detail_type="DMS Replication Task Whatever"), "detail-type"),
        (_event(detail_type=_DELETE), "detail-type"),
        (_event(resources=_DELETE), "resources"),
        (_event(resources=[]), "resources"),
        (_event(resources="arn:aws:dms:us-east-1:1:task:X"), "resources"),
        (_event(resources=[None]), "resources[0]"),
        (_event(resources=[""]), "resources[0]"),
        (_event(resources=["arn:aws:rds:us-east-1:123456789012:db:x"]), "not a DMS ARN"),
        (_event(resources=["QK7ZPJ3V4TXRYCEWH2MNBD5GLA"]), "not a DMS ARN"),
        (_event(resources=[CONFIG_ARN]), "replication-config"),
        (_event(detail=_DELETE), "detail"),
        (_event(detail=["x"]), "detail"),
        (_detail(eventType=_DELETE, eventName=_DELETE), "neither eventType nor an event id"),
        (_detail(eventName="0079"), "DMS-EVENT-NNNN"),
        (_detail(eventType=7), "detail.eventType"),
        (_detail(detailMessage={"x": 1}), "detail.detailMessage"),
        (_event(time="yesterday"), "time"),
        (_event(time=1767225600), "time"),
    ],
)
def test_malformed_events_raise_malformed_event(event: Any, reason: str) -> None:
    with pytest.raises(MalformedEvent) as caught:
        parse_event(event)
    assert reason in caught.value.reason
    assert isinstance(caught.value, ValueError)


def test_serverless_detail_type_with_a_task_arn_is_malformed() -> None:
    raw = load_event("dms_serverless_failed.json")
    raw["resources"] = [TASK_ARN]
    with pytest.raises(MalformedEvent, match="expected 'replication-config'"):
        parse_event(raw)


def test_missing_optional_fields_are_tolerated() -> None:
    raw = load_event("dms_task_stopped_normal_observed.json")
    del raw["time"], raw["id"], raw["detail"]["detailMessage"], raw["detail"]["category"]
    event = parse_event(raw)
    assert (event.time, event.id, event.message, event.category, event.stop_reason) == (
        None,
        None,
        "",
        None,
        None,
    )
    assert event.terminal
