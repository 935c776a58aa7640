"""The task facts a durable waiter keeps in its checkpoints, and what it returns from them.

A checkpoint holds a small dict, never the describe response: the status, stop reason, a capped
failure message and a subset of the statistics. The output and the failure cause are the shared
builders' (``completion``), so every pattern returns and fails alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..completion import failure_cause, success_output
from ..logs import json_default

#: Longest LastFailureMessage kept in the checkpointed state (characters).
MAX_MESSAGE_CHARS: Final = 2000
#: The ``ReplicationTaskStats`` fields kept (scalars; dates as ISO 8601 strings).
STATS_KEYS: Final[tuple[str, ...]] = (
    "FullLoadProgressPercent",
    "ElapsedTimeMillis",
    "TablesLoaded",
    "TablesLoading",
    "TablesQueued",
    "TablesErrored",
    "FreshStartDate",
    "StartDate",
    "StopDate",
    "FullLoadStartDate",
    "FullLoadFinishDate",
)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    converted = json_default(value)
    return converted if isinstance(converted, str) else str(converted)


def stats_subset(task: Mapping[str, Any]) -> dict[str, Any]:
    """The ``ReplicationTaskStats`` fields of ``STATS_KEYS`` (JSON scalars)."""
    stats = task.get("ReplicationTaskStats")
    if not isinstance(stats, Mapping):
        return {}
    return {key: _scalar(stats[key]) for key in STATS_KEYS if key in stats}


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _as_task(state: Mapping[str, Any]) -> dict[str, Any]:
    """A checkpointed state in DescribeReplicationTasks' shape, for the shared output builders."""
    stats = state.get("stats")
    return {
        "Status": text(state.get("status")),
        "StopReason": text(state.get("stop_reason")),
        "LastFailureMessage": text(state.get("message")),
        "ReplicationTaskStats": dict(stats) if isinstance(stats, Mapping) else {},
    }


def output(arn: str, state: Mapping[str, Any]) -> dict[str, Any]:
    """``{replication_task_arn, status, stop_reason, stats}``, the output of every pattern."""
    return success_output(arn, _as_task(state))


def cause(arn: str, state: Mapping[str, Any]) -> str:
    """The failure cause JSON of every pattern, from a checkpointed state."""
    return failure_cause(arn, _as_task(state))
