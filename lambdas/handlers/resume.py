"""Resume handler: the EventBridge target of the hub's DMS state-change rule.

For each event: parse it, and only for a *terminal* task event (stopped / failed / deleted)
with a live waiter, describe the task (the event is a trigger; DescribeReplicationTasks is the
truth) and resume the waiter through ``completion.resume_waiter``, the same path as the
reconciler. Everything else is ignored cheaply: non-terminal events cost no DynamoDB or DMS
call, events without a waiter no DMS call.

Decisions:

* A malformed event (or a Serverless one: their ARN is a replication config, which
  DescribeReplicationTasks cannot describe and no waiter is keyed by) is logged and ignored, not
  raised: retrying cannot repair it, and a raise would only burn Lambda's two async retries and
  land in the DLQ. The reconciler still resumes any waiter whose real event was unreadable.
* A terminal event whose describe says the task still runs (out of order, or DMS restarting
  after a recoverable error) is ignored: a later event or the reconciler finishes it.
* Duplicate and late events find no waiter (the first resume deleted it): no-op, so a workflow
  is resumed exactly once.
* Throttling and other AWS errors propagate: Lambda retries the async invocation (then the
  DLQ), and the waiter is kept until a resume succeeds.

Returns a dict describing what happened and writes it as one JSON log line.
"""

from __future__ import annotations

import os
from typing import Any

from .. import contract as c
from ..aws_clients import client as aws_client
from ..completion import Completer, resume_waiter, seconds_since_stop
from ..dms_api import describe_task
from ..dms_event import MalformedEvent, parse_event
from ..logs import log, logged_failure
from ..metrics import ERRORS, RESUME_LATENCY, RESUMED_BY_EVENT, emit
from ..waiter_store import WaiterStore


def handle(
    event: Any,
    *,
    store: WaiterStore,
    dms_client: Any,
    completer: Completer | None = None,
) -> dict[str, Any]:
    """Process one event (see the module docstring); return what happened."""
    try:
        parsed = parse_event(event)
    except MalformedEvent as exc:
        return {"result": "malformed", "reason": exc.reason}
    result: dict[str, Any] = {
        "replication_task_arn": parsed.resource_arn,
        "event_id": parsed.event_id,
        "event_type": parsed.event_type,
        "event_time": parsed.time.isoformat() if parsed.time else None,
        "eventbridge_id": parsed.id,
    }
    if parsed.kind != "task":
        return {**result, "result": "ignored", "reason": "not a replication task event"}
    if not parsed.terminal:
        return {**result, "result": "ignored", "reason": "not a terminal event"}
    waiter = store.get(parsed.resource_arn)
    if waiter is None:
        return {**result, "result": "ignored", "reason": "no waiter"}
    result.update(workflow=waiter.workflow, execution=waiter.execution, kind=waiter.kind)
    task = describe_task(dms_client, parsed.resource_arn)
    outcome = resume_waiter(waiter, task, store=store, completer=completer)
    if outcome == "waiting":
        return {
            **result,
            "result": "ignored",
            "reason": "task still running (event out of order)",
            "status": task.get("Status") if task else None,
        }
    if outcome != "already_done":
        resumed: dict[str, float] = {RESUMED_BY_EVENT: 1}
        latency = seconds_since_stop(task)
        if latency is not None:
            resumed[RESUME_LATENCY] = latency
        emit(store.table_name, **resumed)
    return {**result, "result": outcome, "status": task.get("Status") if task else None}


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point (``contract.RESUME_HANDLER``)."""
    request_id = getattr(context, "aws_request_id", None)
    table = os.environ.get(c.ENV_WAITER_TABLE, "")
    try:
        result = logged_failure(
            "resume",
            "resume failed; the invocation will be retried",
            context,
            lambda: handle(event, store=WaiterStore(table), dms_client=aws_client("dms")),
        )
    except Exception:
        emit(table, **{ERRORS: 1})
        raise
    level = "WARNING" if result["result"] == "malformed" else "INFO"
    log(level, "resume", handler="resume", request_id=request_id, **result)
    return result
