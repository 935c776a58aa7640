"""Parse the EventBridge events AWS DMS publishes, in every shape seen in the wild.

The one place event parsing lives (every pattern uses it). Shapes
(``docs/aws-facts.md``, ``tests/events/README.md``):

* **documented** task event: detail-type ``DMS Replication Task State Change``,
  ``detail = {type: "ReplicationTask", category, eventType, eventName: "DMS-EVENT-0069", ...}``;
* **observed** task event: same detail-type, ``detail.eventId`` instead of ``eventName`` and
  ``detail.type: "REPLICATION_TASK"``;
* **serverless**: detail-type ``DMS Replication State Change``, a ``replication-config`` ARN and
  ``detail.type: "REPLICATION_CONFIG"``, no DMS event id.

The resource ARN is only in ``resources[0]``. An event is a *trigger*: whether a task finished,
and how, is decided from DescribeReplicationTasks, never from the free-text message. Pure
standard library.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from .dms_status import normalise_stop_reason

#: The source of every DMS event on the default bus (the hub's rule matches it).
SOURCE: Final = "aws.dms"
#: Replication task state changes (DMS engine 3.4.5+); the task ARN is in ``resources[0]``.
TASK_DETAIL_TYPE: Final = "DMS Replication Task State Change"
#: DMS Serverless replication state changes; a task rule never matches them.
SERVERLESS_DETAIL_TYPE: Final = "DMS Replication State Change"

EventKind = Literal["task", "serverless"]
EventShape = Literal["documented", "observed", "serverless"]

#: ARN resource type expected for each kind (``arn:<p>:dms:<region>:<account>:<type>:<id>``).
_RESOURCE_TYPES: Final[Mapping[EventKind, str]] = {
    "task": "task",
    "serverless": "replication-config",
}

#: DMS event ids after which a task will not change state on its own: stopped, failed, deleted.
TERMINAL_EVENT_IDS: Final = frozenset({"DMS-EVENT-0079", "DMS-EVENT-0078", "DMS-EVENT-0073"})
#: The eventType names of the same events (tasks and Serverless replications). Matched too,
#: because the event id is absent from Serverless events and could be from a future shape.
TERMINAL_EVENT_TYPES: Final = frozenset(
    {
        "REPLICATION_TASK_STOPPED",
        "REPLICATION_TASK_FAILED",
        "REPLICATION_TASK_DELETED",
        "REPLICATION_STOPPED",
        "REPLICATION_FAILED",
        "REPLICATION_DELETED",
    }
)

_EVENT_ID: Final = re.compile(r"^DMS-EVENT-\d{4}$")
# DMS writes "... Stop Reason FULL_LOAD_ONLY_FINISHED" (errors add " Error Level FATAL").
_STOP_REASON: Final = re.compile(r"Stop Reason ([A-Z][A-Z0-9_]*)")


class MalformedEvent(ValueError):  # noqa: N818 - named for what it is, like the DMS errors
    """The input is not a DMS state-change event this module understands; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DmsArn:
    """The parts of ``arn:<partition>:dms:<region>:<account>:<resource type>:<resource id>``."""

    partition: str
    region: str
    account: str
    resource_type: str
    resource_id: str


@dataclass(frozen=True)
class DmsEvent:
    """One DMS state-change event, whatever shape it arrived in."""

    resource_arn: str
    """``resources[0]``: the task ARN (kind ``task``) or replication-config ARN (``serverless``)."""
    kind: EventKind
    shape: EventShape
    event_id: str | None
    """``DMS-EVENT-0079`` (``eventName`` or ``eventId``); None when absent (Serverless)."""
    event_type: str | None
    """``detail.eventType``, e.g. ``REPLICATION_TASK_STOPPED``."""
    category: str | None
    """``detail.category``, e.g. ``StateChange``, ``Failure``."""
    message: str
    """``detail.detailMessage`` ("" when absent)."""
    stop_reason: str | None
    """Bare stop reason found in the message ("FULL_LOAD_ONLY_FINISHED"), for logs only."""
    terminal: bool
    """True for stopped / failed / deleted: the moment to look at the task."""
    time: datetime | None
    """The event's ``time`` (UTC), None when absent."""
    id: str | None
    """EventBridge's event id (``id``), for logs and de-duplication."""
    arn: DmsArn


def parse_dms_arn(arn: str) -> DmsArn:
    """Split a DMS ARN; ``MalformedEvent`` if it is not one."""
    parts = arn.split(":", 6)
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "dms" or not all(parts[3:]):
        raise MalformedEvent(f"resources[0] is not a DMS ARN: {arn!r}")
    return DmsArn(parts[1], parts[3], parts[4], parts[5], parts[6])


def _optional_str(detail: Mapping[str, Any], key: str) -> str | None:
    value = detail.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedEvent(f"detail.{key} is not a string")
    return value.strip() or None


def _parse_time(raw: Any) -> datetime | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise MalformedEvent("time is not a string")
    try:
        # EventBridge writes "2026-01-01T00:10:10Z"; fromisoformat accepts "Z" from 3.11.
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise MalformedEvent(f"time is not an ISO 8601 timestamp: {raw!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def stop_reason_in(message: str) -> str | None:
    """The bare stop reason a DMS message names ("... Stop Reason NORMAL"), or None."""
    found = _STOP_REASON.search(message)
    return normalise_stop_reason(found.group(1)) if found else None


def parse_event(event: Any) -> DmsEvent:
    """Parse an EventBridge DMS event into a ``DmsEvent``; ``MalformedEvent`` if it is not one.

    Never raises ``KeyError``/``TypeError``: every missing or mistyped field becomes a
    ``MalformedEvent`` whose ``reason`` names it.
    """
    if not isinstance(event, Mapping):
        raise MalformedEvent(f"event is not a JSON object but {type(event).__name__}")
    source = event.get("source")
    if source != SOURCE:
        raise MalformedEvent(f"source is {source!r}, not {SOURCE!r}")
    detail_type = event.get("detail-type")
    kind: EventKind
    if detail_type == TASK_DETAIL_TYPE:
        kind = "task"
    elif detail_type == SERVERLESS_DETAIL_TYPE:
        kind = "serverless"
    else:
        raise MalformedEvent(f"unexpected detail-type {detail_type!r}")

    resources = event.get("resources")
    if not isinstance(resources, list) or not resources:
        raise MalformedEvent("resources is missing or empty: the ARN is only in resources[0]")
    arn = resources[0]
    if not isinstance(arn, str) or not arn:
        raise MalformedEvent("resources[0] is not a non-empty string")
    parsed_arn = parse_dms_arn(arn)
    if parsed_arn.resource_type != _RESOURCE_TYPES[kind]:
        raise MalformedEvent(
            f"{detail_type!r} event for a {parsed_arn.resource_type!r} ARN, expected "
            f"{_RESOURCE_TYPES[kind]!r}"
        )

    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise MalformedEvent("detail is missing or not an object")
    event_type = _optional_str(detail, "eventType")
    # Documented events say eventName, observed ones eventId; prefer whichever holds an id.
    event_id = _optional_str(detail, "eventId") or _optional_str(detail, "eventName")
    if event_id is not None and not _EVENT_ID.match(event_id):
        raise MalformedEvent(f"event id {event_id!r} is not DMS-EVENT-NNNN")
    if event_type is None and event_id is None:
        raise MalformedEvent("detail has neither eventType nor an event id")
    category = _optional_str(detail, "category")
    message = _optional_str(detail, "detailMessage") or ""

    shape: EventShape
    if kind == "serverless":
        shape = "serverless"
    elif "eventId" in detail:
        shape = "observed"
    else:
        shape = "documented"

    envelope_id = event.get("id")
    return DmsEvent(
        resource_arn=arn,
        kind=kind,
        shape=shape,
        event_id=event_id,
        event_type=event_type,
        category=category,
        message=message,
        stop_reason=stop_reason_in(message),
        terminal=(event_id in TERMINAL_EVENT_IDS) or (event_type in TERMINAL_EVENT_TYPES),
        time=_parse_time(event.get("time")),
        id=envelope_id if isinstance(envelope_id, str) else None,
        arn=parsed_arn,
    )
