"""The hub's metrics as CloudWatch Embedded Metric Format (EMF) records: no API call, no dependency.

A handler prints one JSON object per record to stdout; Lambda sends stdout to CloudWatch Logs,
which extracts the metrics the ``_aws`` metadata declares (docs/aws-facts.md, "Embedded Metric
Format"). Every metric is in ``NAMESPACE`` with the one dimension ``DIMENSION`` = the waiter
table's name, so each hub has its own series and the dashboard and alarms of one hub read only
its own. The names below are the one place the handlers, the hub's dashboard and alarms, the
CLI and the local cloud read them from.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from typing import Final

from .logs import json_default

NAMESPACE: Final = "DmsWaiters"
DIMENSION: Final = "Hub"
"""The dimension every metric has: the hub's waiter table name (``WAITER_TABLE``)."""

# -- the metrics (name -> CloudWatch unit in UNITS) -------------------------------------------
WAITS_REGISTERED: Final = "WaitsRegistered"
"""A new waiter stored (a starter, a durable waiter, a URL starter); retries not counted."""
RESUMED_BY_EVENT: Final = "WaitsResumedByEvent"
"""A waiter resumed by the resume Lambda, from a DMS event."""
RESUMED_BY_RECONCILER: Final = "WaitsResumedByReconciler"
"""A waiter resumed by the reconciler: its DMS event was lost (or late)."""
RESUME_LATENCY: Final = "ResumeLatency"
"""Seconds from DMS stopping the task (``ReplicationTaskStats.StopDate``) to the resume."""
HEARTBEATS: Final = "HeartbeatsSent"
"""Heartbeats the reconciler sent to waiting workflows."""
ERRORS: Final = "Errors"
"""A resume invocation that failed (it is retried), or a waiter the reconciler could not
handle this run."""
RECONCILER_RUNS: Final = "ReconcilerRuns"
"""One per reconciler run (``dms-waiters doctor`` checks it is recent)."""
WAITS_IN_FLIGHT: Final = "WaitsInFlight"
"""Live waiters the reconciler found in the table."""
WAITS_OVERDUE: Final = "WaitsOverdue"
"""Live waiters whose workflow's deadline has passed (the item outlives it by
``contract.WAITER_TTL_MARGIN_SECONDS``): a workflow should have timed out and did not."""

UNITS: Final[Mapping[str, str]] = {
    WAITS_REGISTERED: "Count",
    RESUMED_BY_EVENT: "Count",
    RESUMED_BY_RECONCILER: "Count",
    RESUME_LATENCY: "Seconds",
    HEARTBEATS: "Count",
    ERRORS: "Count",
    RECONCILER_RUNS: "Count",
    WAITS_IN_FLIGHT: "Count",
    WAITS_OVERDUE: "Count",
}


def emf_record(hub: str, values: Mapping[str, float], at: float | None = None) -> dict[str, object]:
    """The EMF record of ``values`` (metric name -> value) for ``hub``, stamped ``at`` (epoch
    seconds, now by default)."""
    unknown = sorted(set(values) - set(UNITS))
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; known: {sorted(UNITS)}")
    stamp = time.time() if at is None else at
    return {
        "_aws": {
            "Timestamp": int(stamp * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [[DIMENSION]],
                    "Metrics": [{"Name": name, "Unit": UNITS[name]} for name in values],
                }
            ],
        },
        DIMENSION: hub,
        **values,
    }


def emit(hub: str, **values: float) -> None:
    """Print one EMF record (a JSON line on stdout) of ``values`` for ``hub``. Nothing for no
    hub (a poll-mode durable waiter has none) or no values."""
    if not hub or not values:
        return
    sys.stdout.write(json.dumps(emf_record(hub, values), default=json_default) + "\n")
    sys.stdout.flush()
