"""The EventBridge events AWS DMS emits on status changes, as pure data (no moto, no boto3).

Three shapes exist in the wild, and the components must handle all of them
(``docs/aws-facts.md``, "DMS events on EventBridge"):

* **documented** (AWS DMS user guide): detail-type ``DMS Replication Task State Change``,
  ``detail = {type: "ReplicationTask", category, eventType, eventName: "DMS-EVENT-0069",
  resourceLink, detailMessage}``.
* **observed** in production for the same detail-type: ``detail.eventId`` instead of
  ``eventName``, ``detail.type: "REPLICATION_TASK"``, no ``resourceLink``; failures carry the
  stop reason and error level in ``detailMessage`` ("... Stop Reason RECOVERABLE_ERROR Error
  Level RECOVERABLE").
* **serverless** (DMS Serverless replications): detail-type ``DMS Replication State Change``,
  a ``replication-config`` ARN in ``resources`` and ``detail.type: "REPLICATION_CONFIG"``. A
  rule written for tasks never matches it.

In every shape the resource ARN is only in ``resources[0]``; ``detail`` has no ARN field.

``build_event`` builds a task's event in each shape (``serverless_replication_event`` the
Serverless one from a replication-config ARN), and
``put_events_entry`` to turn an event into a PutEvents request entry. ``tests/events/*.json``
are fixtures of each shape; the builders reproduce them exactly from the same inputs.

How sure each value is (``EventSpec.provenance``): ``documented`` comes from AWS's example
event, ``observed`` from events captured in production accounts, ``assumed`` follows the DMS
event-id list (ids and meanings are AWS's) with eventType/category names made by analogy.
Handlers should rely on ``source``, ``detail-type``, ``resources[0]`` and, at most, the
eventType/eventId/eventName; the truth is always DescribeReplicationTasks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from dms_waiters.lambdas import dms_status as dms
from dms_waiters.lambdas.dms_event import DmsArn

#: ``source`` of every DMS event.
SOURCE: Final = "aws.dms"
#: ``detail-type`` of replication *task* state changes (DMS engine 3.4.5+).
TASK_DETAIL_TYPE: Final = "DMS Replication Task State Change"
#: ``detail-type`` of DMS Serverless replication state changes.
SERVERLESS_DETAIL_TYPE: Final = "DMS Replication State Change"
#: The bus AWS services publish to.
DEFAULT_BUS: Final = "default"

EventVariant = Literal["documented", "observed", "serverless"]
#: Every event shape, in the order the docs list them.
VARIANTS: Final[tuple[EventVariant, ...]] = ("documented", "observed", "serverless")

#: ``detail.type`` per shape.
DOCUMENTED_TYPE: Final = "ReplicationTask"
OBSERVED_TYPE: Final = "REPLICATION_TASK"
SERVERLESS_TYPE: Final = "REPLICATION_CONFIG"

Provenance = Literal["documented", "observed", "assumed"]


@dataclass(frozen=True)
class EventSpec:
    """The fixed part of one kind of DMS event."""

    event_type: str
    """``detail.eventType``."""
    category: str
    """``detail.category``."""
    message: str
    """``detail.detailMessage`` (a template for some kinds, see ``task_detail_message``)."""
    provenance: Provenance
    """How sure the eventType/category/message are (see the module docstring)."""
    dms_event_id: str | None = None
    """``DMS-EVENT-00NN``: ``detail.eventName`` (documented) / ``detail.eventId`` (observed).
    None for Serverless events, which carry no DMS event id."""


#: Replication task events by kind. The DMS event ids are AWS's; see ``EventSpec.provenance``
#: for the rest.
TASK_EVENTS: Final[Mapping[str, EventSpec]] = {
    "created": EventSpec(
        "REPLICATION_TASK_CREATED",
        "Creation",
        "Replication task has been created.",
        "assumed",
        "DMS-EVENT-0074",
    ),
    "deleted": EventSpec(
        "REPLICATION_TASK_DELETED",
        "Deletion",
        "Replication task has been deleted.",
        "assumed",
        "DMS-EVENT-0073",
    ),
    "modified": EventSpec(
        "REPLICATION_TASK_MODIFIED",
        "ConfigurationChange",
        "Replication task has been modified.",
        "assumed",
        "DMS-EVENT-0080",
    ),
    "started": EventSpec(
        "REPLICATION_TASK_STARTED",
        "StateChange",
        "Replication task started, with flag = {flag}",
        "documented",
        "DMS-EVENT-0069",
    ),
    "stopped": EventSpec(
        "REPLICATION_TASK_STOPPED",
        "StateChange",
        "Replication task has stopped.",
        "observed",
        "DMS-EVENT-0079",
    ),
    "failed": EventSpec(
        "REPLICATION_TASK_FAILED",
        "Failure",
        "Replication task has failed.",
        "observed",
        "DMS-EVENT-0078",
    ),
    "reload_requested": EventSpec(
        "REPLICATION_TASK_RELOAD_REQUESTED",
        "StateChange",
        "Reload of table details has been requested.",
        "assumed",
        "DMS-EVENT-0081",
    ),
    "reading_paused_swap_files": EventSpec(
        "REPLICATION_TASK_READING_PAUSED",
        "StateChange",
        "Reading paused, swap files limit reached.",
        "assumed",
        "DMS-EVENT-0091",
    ),
    "reading_paused_disk_usage": EventSpec(
        "REPLICATION_TASK_READING_PAUSED",
        "StateChange",
        "Reading paused, disk usage limit reached.",
        "assumed",
        "DMS-EVENT-0092",
    ),
    "reading_resumed": EventSpec(
        "REPLICATION_TASK_READING_RESUMED",
        "StateChange",
        "Reading resumed.",
        "assumed",
        "DMS-EVENT-0093",
    ),
    "cleanup_failed": EventSpec(
        "REPLICATION_TASK_CLEANUP_FAILED",
        "Failure",
        "Cleanup of task data failed.",
        "assumed",
        "DMS-EVENT-0082",
    ),
}

#: DMS Serverless replication events by kind. Only ``initializing`` (verbatim) and the
#: ``REPLICATION_FAILED`` eventType have been seen in production; the rest follow them.
#: Messages name the replication-config resource id: "Replication with resource id, 'X', ...".
SERVERLESS_EVENTS: Final[Mapping[str, EventSpec]] = {
    "initializing": EventSpec(
        "REPLICATION_INITIALIZING",
        "StateChange",
        "Replication with resource id, '{resource_id}', is initializing.",
        "observed",
    ),
    "started": EventSpec(
        "REPLICATION_STARTED",
        "StateChange",
        "Replication with resource id, '{resource_id}', has started.",
        "assumed",
    ),
    "stopped": EventSpec(
        "REPLICATION_STOPPED",
        "StateChange",
        "Replication with resource id, '{resource_id}', has stopped.",
        "assumed",
    ),
    "failed": EventSpec(
        "REPLICATION_FAILED",
        "Failure",
        "Replication with resource id, '{resource_id}', has failed.",
        "observed",
    ),
}

#: The "flag" a started event reports per StartReplicationTaskType. "fresh start" is AWS's
#: documented example; the other two are assumed.
START_FLAGS: Final[Mapping[str, str]] = {
    "start-replication": "fresh start",
    "resume-processing": "resume processing",
    "reload-target": "reload target",
}

#: Error level DMS appends after an error stop reason ("... Error Level RECOVERABLE").
ERROR_LEVELS: Final[Mapping[str, str]] = {
    "RECOVERABLE_ERROR": "RECOVERABLE",
    "FATAL_ERROR": "FATAL",
}


def parse_dms_arn(arn: str) -> DmsArn:
    """Split a DMS ARN (task, replication-config, ...); ValueError if it is not one."""
    parts = arn.split(":", 6)
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "dms" or not parts[6]:
        raise ValueError(f"not a DMS resource ARN: {arn!r}")
    return DmsArn(parts[1], parts[3], parts[4], parts[5], parts[6])


def replication_config_arn(region: str, account: str, resource_id: str) -> str:
    """The ARN of a DMS Serverless replication config."""
    return f"arn:aws:dms:{region}:{account}:replication-config:{resource_id}"


def task_console_link(region: str, task_identifier: str) -> str:
    """``detail.resourceLink`` of a documented task event: the console page of the task."""
    return (
        f"https://console.aws.amazon.com/dms/v2/home?region={region}#taskDetails/{task_identifier}"
    )


def event_time(when: datetime) -> str:
    """An event's ``time``: UTC, second precision, ``Z`` suffix (``2026-01-01T00:10:00Z``)."""
    if when.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stop_reason_text(stop_reason: str) -> str:
    """``Stop Reason X`` plus ``Error Level Y`` for error stops, as DMS writes them."""
    reason = _bare_reason(stop_reason)
    text = dms.STOP_REASON_PREFIX + reason
    level = ERROR_LEVELS.get(reason)
    return f"{text} Error Level {level}" if level else text


def task_detail_message(
    kind: str,
    *,
    start_type: str | None = None,
    stop_reason: str | None = None,
    failure_message: str | None = None,
) -> str:
    """The ``detailMessage`` of a task event of ``kind``.

    ``started`` names the start flag; ``stopped`` appends the stop reason; ``failed`` is the
    task's LastFailureMessage (as in production) and always ends with the stop reason and
    error level, appended when the message does not already carry them.
    """
    spec = _task_spec(kind)
    if kind == "started":
        flag = START_FLAGS.get(start_type or "start-replication", start_type or "")
        return spec.message.format(flag=flag)
    if kind == "stopped":
        return f"{spec.message} {stop_reason_text(stop_reason)}" if stop_reason else spec.message
    if kind == "failed":
        reason = stop_reason or "FATAL_ERROR"
        message = failure_message or spec.message
        if dms.STOP_REASON_PREFIX.strip() in message:
            return message
        return f"{message} {stop_reason_text(reason)}"
    return spec.message


def _task_event(
    kind: str,
    task_arn: str,
    time: datetime,
    event_id: str,
    detail_type: str,
    identity: Callable[[EventSpec, DmsArn], dict[str, str]],
    **message: str | None,
) -> dict[str, Any]:
    # The two task shapes differ only in ``detail.type`` and how the DMS event is identified.
    spec = _task_spec(kind)
    arn = parse_dms_arn(task_arn)
    detail = {
        "type": detail_type,
        "category": spec.category,
        "eventType": spec.event_type,
        **identity(spec, arn),
        "detailMessage": task_detail_message(kind, **message),
    }
    return _envelope(TASK_DETAIL_TYPE, arn, task_arn, time, event_id, detail)


def serverless_replication_event(
    kind: str,
    *,
    config_arn: str,
    time: datetime,
    event_id: str,
    stop_reason: str | None = None,
    failure_message: str | None = None,
) -> dict[str, Any]:
    """A DMS Serverless replication event (``DMS Replication State Change``).

    ``config_arn`` is the replication-config ARN (see ``replication_config_arn``). Stops and
    failures append the stop reason (failures: the failure message first) like task events.
    """
    spec = SERVERLESS_EVENTS.get(kind)
    if spec is None:
        raise ValueError(
            f"no DMS Serverless event of kind {kind!r}; known: {', '.join(SERVERLESS_EVENTS)}"
        )
    arn = parse_dms_arn(config_arn)
    if arn.resource_type != "replication-config":
        raise ValueError(f"not a replication-config ARN: {config_arn!r}")
    message = spec.message.format(resource_id=arn.resource_id)
    if kind == "stopped" and stop_reason:
        message = f"{message} {stop_reason_text(stop_reason)}"
    elif kind == "failed":
        failure = task_detail_message(
            "failed", stop_reason=stop_reason, failure_message=failure_message
        )
        message = f"{message} {failure}"
    detail = {
        "type": SERVERLESS_TYPE,
        "category": spec.category,
        "eventType": spec.event_type,
        "detailMessage": message,
    }
    return _envelope(SERVERLESS_DETAIL_TYPE, arn, config_arn, time, event_id, detail)


def has_event(variant: EventVariant, kind: str) -> bool:
    """True if ``variant`` has an event of ``kind`` (Serverless has no created/deleted...)."""
    table = SERVERLESS_EVENTS if variant == "serverless" else TASK_EVENTS
    return kind in table


def build_event(
    variant: EventVariant,
    kind: str,
    *,
    task_arn: str,
    time: datetime,
    event_id: str,
    task_identifier: str = "",
    start_type: str | None = None,
    stop_reason: str | None = None,
    failure_message: str | None = None,
) -> dict[str, Any]:
    """The event of ``kind`` for a task, in the shape of ``variant``.

    ``documented``: AWS's documented example (``eventName``, ``resourceLink`` to the console
    page of ``task_identifier``, the ReplicationTaskIdentifier, which it requires).
    ``observed``: the shape seen in production (``eventId``, ``type: REPLICATION_TASK``), with
    no ``resourceLink``: a handler must not need one. ``serverless``: the resource is the
    replication config with the task's resource id (what a Serverless replication reports in
    place of a task). ValueError if the variant has no such event (``has_event``).
    """
    message: dict[str, str | None] = {
        "start_type": start_type,
        "stop_reason": stop_reason,
        "failure_message": failure_message,
    }
    if variant == "documented":
        if not task_identifier:
            raise ValueError("a documented task event needs the task_identifier")
        return _task_event(
            kind,
            task_arn,
            time,
            event_id,
            DOCUMENTED_TYPE,
            lambda spec, arn: {
                "eventName": spec.dms_event_id,
                "resourceLink": task_console_link(arn.region, task_identifier),
            },
            **message,
        )
    if variant == "observed":
        return _task_event(
            kind,
            task_arn,
            time,
            event_id,
            OBSERVED_TYPE,
            lambda spec, _arn: {"eventId": spec.dms_event_id},
            **message,
        )
    if variant == "serverless":
        arn = parse_dms_arn(task_arn)
        return serverless_replication_event(
            kind,
            config_arn=replication_config_arn(arn.region, arn.account, arn.resource_id),
            time=time,
            event_id=event_id,
            stop_reason=stop_reason,
            failure_message=failure_message,
        )
    raise ValueError(f"unknown event variant {variant!r}; known: {', '.join(VARIANTS)}")


def put_events_entry(event: Mapping[str, Any], bus: str = DEFAULT_BUS) -> dict[str, Any]:
    """The PutEvents request entry that publishes ``event`` (boto3 ``events.put_events``).

    PutEvents cannot set ``id``, ``account`` or ``region`` (EventBridge fills them in), so
    those come from the bus; ``Time`` is the event's own time.
    """
    return {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event["detail"]),
        "Resources": list(event["resources"]),
        "Time": datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
        "EventBusName": bus,
    }


def _envelope(
    detail_type: str,
    arn: DmsArn,
    resource: str,
    time: datetime,
    event_id: str,
    detail: dict[str, Any],
) -> dict[str, Any]:
    # Key order as EventBridge renders events, so fixtures and builder output read alike.
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": SOURCE,
        "account": arn.account,
        "time": event_time(time),
        "region": arn.region,
        "resources": [resource],
        "detail": detail,
    }


def _task_spec(kind: str) -> EventSpec:
    spec = TASK_EVENTS.get(kind)
    if spec is None:
        raise ValueError(f"no DMS task event of kind {kind!r}; known: {', '.join(TASK_EVENTS)}")
    return spec


def _bare_reason(stop_reason: str) -> str:
    reason = dms.normalise_stop_reason(stop_reason)
    if reason is None or reason not in dms.STOP_REASONS:
        raise ValueError(f"unknown stop reason {stop_reason!r}")
    return reason
