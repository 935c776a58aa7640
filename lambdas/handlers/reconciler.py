"""Reconciler: the scheduled safety net for what DMS events miss (delivery is best effort).

For every live waiter of the table: describe its task (batched, ``DescribeReplicationTasks``
with a ``replication-task-arn`` filter per ``dms_api.DESCRIBE_BATCH_SIZE`` ARNs), then

* still running -> heartbeat (Step Functions ``SendTaskHeartbeat`` / durable heartbeat), so a
  ``HeartbeatSeconds`` on the waiting state only fires when the hub itself is broken;
* finished (or unknown to DMS) -> resume exactly as the event path (``completion``);
* a heartbeat or completion answering "token gone" -> the waiter is deleted.

Per-waiter isolation: an error on one waiter (or one describe batch) is logged and counted,
never stops the others, and leaves the waiter for the next run. The handler does not raise for
them (a retry of the whole pass would only repeat the successful heartbeats); alarm on the
``errors`` count in the log line instead. Callback-URL waiters (``url#`` keys) have no DMS task
and are skipped. The pass stops early, leaving the rest for the next run, when the invocation is
about to time out.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Final

from .. import contract as c
from ..aws_clients import client as aws_client
from ..completion import (
    Completer,
    completer_for,
    heartbeat_waiter,
    resume_waiter,
    seconds_since_stop,
)
from ..dms_api import DESCRIBE_BATCH_SIZE, describe_tasks
from ..logs import log
from ..metrics import (
    ERRORS,
    HEARTBEATS,
    RECONCILER_RUNS,
    RESUME_LATENCY,
    RESUMED_BY_RECONCILER,
    WAITS_IN_FLIGHT,
    WAITS_OVERDUE,
    emit,
)
from ..waiter_store import Waiter, WaiterStore

#: Stop starting new work when less than this much time is left in the invocation.
SAFETY_MARGIN_MILLIS: Final = 10_000

#: Every count the handler reports (all present, zero or not).
COUNTS: Final = (
    "waiters",
    "heartbeats",
    "succeeded",
    "failed",
    "stopped",
    "not_found",
    "already_done",
    "errors",
    "skipped",
    "deferred",
    "overdue",
)
#: The outcomes of a waiter the reconciler resumed (its event was lost or late).
RESUMED: Final = frozenset({"succeeded", "failed", "stopped", "not_found"})


def reconcile(
    *,
    store: WaiterStore,
    dms_client: Any,
    completers: Callable[[str], Completer] = completer_for,
    remaining_millis: Callable[[], int] | None = None,
) -> dict[str, int]:
    """One pass over the live waiters; returns counts by outcome (see ``COUNTS``)."""
    counts: Counter[str] = Counter({name: 0 for name in COUNTS})
    waiters: list[Waiter] = []
    started = time.time()
    for waiter in store.scan(now=started):
        counts["waiters"] += 1
        # The item outlives its workflow's deadline by the margin: past it, the workflow
        # should have timed out (and its heartbeat below will tell).
        if waiter.expires_at - c.WAITER_TTL_MARGIN_SECONDS < started:
            counts["overdue"] += 1
        if waiter.key.startswith(c.URL_KEY_PREFIX):
            counts["skipped"] += 1
        else:
            waiters.append(waiter)

    for start in range(0, len(waiters), DESCRIBE_BATCH_SIZE):
        batch = waiters[start : start + DESCRIBE_BATCH_SIZE]
        if remaining_millis is not None and remaining_millis() < SAFETY_MARGIN_MILLIS:
            counts["deferred"] += len(waiters) - start
            break
        try:
            tasks: Mapping[str, Mapping[str, Any]] = describe_tasks(
                dms_client, [w.key for w in batch]
            )
        except Exception as exc:
            counts["errors"] += len(batch)
            log("ERROR", "describe failed", handler="reconciler", error=repr(exc))
            continue
        for waiter in batch:
            try:
                completer = completers(waiter.kind)
                outcome = resume_waiter(
                    waiter, tasks.get(waiter.key), store=store, completer=completer
                )
                if outcome == "waiting":
                    beat = heartbeat_waiter(waiter, store=store, completer=completer)
                    counts["heartbeats" if beat == "heartbeat" else "already_done"] += 1
                else:
                    counts[outcome] += 1
                    if outcome in RESUMED:
                        latency = seconds_since_stop(tasks.get(waiter.key))
                        emit(
                            store.table_name,
                            **{RESUMED_BY_RECONCILER: 1},
                            **({} if latency is None else {RESUME_LATENCY: latency}),
                        )
                    log(
                        "INFO",
                        "reconciler resumed a waiter",
                        handler="reconciler",
                        replication_task_arn=waiter.key,
                        workflow=waiter.workflow,
                        execution=waiter.execution,
                        result=outcome,
                    )
            except Exception as exc:
                counts["errors"] += 1
                log(
                    "ERROR",
                    "reconciling a waiter failed; retried next run",
                    handler="reconciler",
                    replication_task_arn=waiter.key,
                    error=repr(exc),
                )
    emit(
        store.table_name,
        **{
            RECONCILER_RUNS: 1,
            WAITS_IN_FLIGHT: counts["waiters"],
            WAITS_OVERDUE: counts["overdue"],
            HEARTBEATS: counts["heartbeats"],
            ERRORS: counts["errors"],
        },
    )
    return dict(counts)


def handler(event: Any, context: Any) -> dict[str, int]:
    """Lambda entry point (``contract.RECONCILER_HANDLER``); the event is ignored."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    counts = reconcile(
        store=WaiterStore(os.environ.get(c.ENV_WAITER_TABLE, "")),
        dms_client=aws_client("dms"),
        remaining_millis=remaining if callable(remaining) else None,
    )
    log(
        "ERROR" if counts["errors"] else "INFO",
        "reconciler",
        handler="reconciler",
        request_id=getattr(context, "aws_request_id", None),
        **counts,
    )
    return counts
