"""The DMS calls the handlers make: start one task, describe one or many (the truth).

Thin wrappers over the boto3 ``dms`` client (passed in, so tests hand a moto client or a fake).
DescribeReplicationTasks answers ``ResourceNotFoundFault`` when no task matches the filter; both
that and an empty list mean "no such task" here. Every other error (throttling included) is
raised unchanged for the caller to decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

from . import dms_status
from .errors import (
    DmsStartFailed,
    DmsTaskNotFound,
    DmsThrottled,
    HandlerError,
    error_code,
    error_message,
    is_transient,
)

NOT_FOUND: Final = "ResourceNotFoundFault"
#: ARNs per DescribeReplicationTasks call when describing many tasks. DMS documents no limit on
#: filter values; a small batch keeps one failure (or one response) small.
DESCRIBE_BATCH_SIZE: Final = 20
_MAX_RECORDS: Final = 100


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def describe_tasks(dms: Any, arns: Iterable[str]) -> dict[str, Mapping[str, Any]]:
    """The ``ReplicationTask`` dicts of ``arns``, by ARN; a task DMS does not know is absent.

    Batched with the ``replication-task-arn`` filter (one call per ``DESCRIBE_BATCH_SIZE``
    ARNs, following ``Marker``), ``WithoutSettings`` to keep responses small.
    """
    unique = list(dict.fromkeys(arns))
    found: dict[str, Mapping[str, Any]] = {}
    for batch in _chunks(unique, DESCRIBE_BATCH_SIZE):
        wanted = set(batch)
        marker: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "Filters": [{"Name": "replication-task-arn", "Values": list(batch)}],
                "WithoutSettings": True,
                "MaxRecords": _MAX_RECORDS,
            }
            if marker:
                kwargs["Marker"] = marker
            try:
                response = dms.describe_replication_tasks(**kwargs)
            except Exception as exc:
                if error_code(exc) == NOT_FOUND:
                    break  # none of this batch exists
                raise
            for task in response.get("ReplicationTasks") or []:
                arn = task.get("ReplicationTaskArn")
                # Guard against a filter ignored by an emulator: keep only what was asked.
                if arn in wanted:
                    found[arn] = task
            marker = response.get("Marker")
            if not marker:
                break
    return found


def describe_task(dms: Any, arn: str) -> Mapping[str, Any] | None:
    """The ``ReplicationTask`` dict of ``arn``, or None if DMS has no such task."""
    return describe_tasks(dms, [arn]).get(arn)


def resolve_start_type(dms: Any, arn: str, start_type: str) -> str | None:
    """The ``StartReplicationTaskType`` to send: ``start_type`` itself, or for ``auto`` the one
    ``dms_status.auto_start_type`` picks from DescribeReplicationTasks (None: no such task).
    Describe errors are raised unchanged."""
    if start_type != dms_status.START_TYPE_AUTO:
        return start_type
    task = describe_task(dms, arn)
    return None if task is None else dms_status.auto_start_type(task)


def start_task(dms: Any, arn: str, start_type: str) -> Mapping[str, Any]:
    """StartReplicationTask with a DMS start type (resolve ``auto`` first); returns the task
    DMS reports. Errors are raised unchanged."""
    response = dms.start_replication_task(
        ReplicationTaskArn=arn, StartReplicationTaskType=start_type
    )
    task: Mapping[str, Any] = response.get("ReplicationTask") or {}
    return task


def start_named(dms: Any, arn: str, start_type: str) -> tuple[str, Mapping[str, Any]]:
    """Resolve ``auto`` and start the task; return the DMS start type and the task DMS reports.

    Every failure is raised as the named error a workflow sees (one rule for the starter and the
    durable waiter): ``DmsTaskNotFound`` (no such task), ``DmsThrottled`` (``is_transient``:
    throttling, 5xx, no answer; nothing was started, retrying is safe), else ``DmsStartFailed``
    with DMS's code and message.
    """
    try:
        dms_start_type = resolve_start_type(dms, arn, start_type)
        if dms_start_type is None:
            raise DmsTaskNotFound(f"DMS has no replication task {arn}")
        return dms_start_type, start_task(dms, arn, dms_start_type)
    except HandlerError:
        raise
    except Exception as exc:
        code, message = error_code(exc), error_message(exc)
        if code == NOT_FOUND:
            raise DmsTaskNotFound(message) from exc
        if is_transient(exc):
            raise DmsThrottled(
                f"StartReplicationTask: {code or type(exc).__name__}: {message}"
            ) from exc
        raise DmsStartFailed(f"{code}: {message}" if code else message) from exc
