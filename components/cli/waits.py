"""The waits of a hub: list them, set one beside its workflow and DMS, release one.

Reads and writes go through the handlers' own code: ``WaiterStore`` (the table's layout and its
conditional delete) and ``completion``'s completers (the same SendTaskFailure /
SendDurableExecutionCallbackFailure payloads the hub sends).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any, Final

from ..lambdas import contract
from ..lambdas.completion import DurableCompleter, StepFunctionsCompleter, TokenGone, failure_cause
from ..lambdas.dms_api import describe_task
from ..lambdas.errors import ERROR_WAIT_RELEASED, error_code
from ..lambdas.logs import json_default
from ..lambdas.waiter_store import Waiter, WaiterStore
from .session import Aws, CliError

#: A DMS replication task ARN (any partition): what a hub's waiter is keyed by.
TASK_ARN: Final = re.compile(r"^arn:aws[a-z-]*:dms:[a-z0-9-]+:\d{12}:task:[A-Za-z0-9-]+$")


def check_task_arn(arn: str) -> str:
    """``arn`` if it is a DMS replication task ARN; ``CliError`` (exit 2) otherwise."""
    if not TASK_ARN.match(arn):
        raise CliError(
            f"not a DMS replication task ARN: {arn!r} "
            "(expected arn:<partition>:dms:<region>:<account>:task:<id>)",
            2,
        )
    return arn


def store(aws: Aws, table: str) -> WaiterStore:
    """The hub's waiter table through this run's DynamoDB client."""
    return WaiterStore(table, aws.client("dynamodb"))


def _iso(epoch: int | None) -> str | None:
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def waiter_row(waiter: Waiter, now: float) -> dict[str, Any]:
    """One wait as the command shows it (JSON-ready)."""
    return {
        "replication_task_arn": waiter.key,
        "workflow": waiter.workflow,
        "execution": waiter.execution,
        "kind": waiter.kind,
        "age_seconds": max(0, int(now) - waiter.created_at),
        "registered_at": _iso(waiter.created_at),
        "last_heartbeat_at": _iso(waiter.heartbeat_at),
        "expires_at": _iso(waiter.expires_at),
    }


def list_waits(aws: Aws, table: str) -> list[dict[str, Any]]:
    """Every live waiter of the table, oldest first."""
    now = time.time()
    waiters = sorted(store(aws, table).scan(now=now), key=lambda w: (w.created_at, w.key))
    return [waiter_row(w, now) for w in waiters]


def _workflow_state(aws: Aws, waiter: Waiter) -> dict[str, Any]:
    """The waiting workflow as its service reports it (or why it could not be read)."""
    if not waiter.execution:
        return {"status": None, "detail": "the waiter records no execution"}
    try:
        if waiter.kind == contract.KIND_SFN:
            execution = aws.client("stepfunctions").describe_execution(
                executionArn=waiter.execution
            )
            return {"status": execution.get("status"), "started_at": execution.get("startDate")}
        durable = aws.client("lambda").get_durable_execution(DurableExecutionArn=waiter.execution)
        return {"status": durable.get("Status"), "started_at": durable.get("StartTimestamp")}
    except Exception as exc:
        return {"status": None, "detail": f"{error_code(exc) or type(exc).__name__}: {exc}"}


def _dms_state(task: Mapping[str, Any] | None) -> dict[str, Any]:
    if task is None:
        return {"status": None, "detail": "DMS has no replication task with this ARN"}
    stats = task.get("ReplicationTaskStats") or {}
    return {
        "status": task.get("Status"),
        "stop_reason": task.get("StopReason"),
        "last_failure_message": task.get("LastFailureMessage"),
        "full_load_progress_percent": stats.get("FullLoadProgressPercent"),
        "stop_date": stats.get("StopDate"),
    }


def status(aws: Aws, table: str, arn: str) -> dict[str, Any]:
    """The waiter (None if there is none), its workflow's state and DMS's, side by side."""
    waiter = store(aws, table).get(arn)
    task = describe_task(aws.client("dms"), arn)
    return {
        "replication_task_arn": arn,
        "waiter": None if waiter is None else waiter_row(waiter, time.time()),
        "workflow": None if waiter is None else _workflow_state(aws, waiter),
        "dms": _dms_state(task),
    }


def release(aws: Aws, table: str, arn: str, reason: str) -> dict[str, Any]:
    """Fail the workflow waiting for ``arn`` with ``DmsWaitReleased`` and delete its waiter.

    Refused (``CliError``) without a live waiter. The cause is the hub's failure cause with
    DMS's current status and ``reason`` as its message. A workflow that had already finished is
    reported (``already_done``), and its waiter is deleted all the same.
    """
    if not reason.strip():
        raise CliError("--reason must not be empty", 2)
    waiters = store(aws, table)
    waiter = waiters.get(arn)
    if waiter is None:
        raise CliError(f"no live waiter for {arn} in {table}: nothing to release")
    task = describe_task(aws.client("dms"), arn)
    cause = failure_cause(arn, task, f"released by an operator: {reason}")
    completer = (
        StepFunctionsCompleter(aws.client("stepfunctions"))
        if waiter.kind == contract.KIND_SFN
        else DurableCompleter(aws.client("lambda"))
    )
    outcome = "released"
    try:
        completer.fail(waiter.token, ERROR_WAIT_RELEASED, cause)
    except TokenGone:
        outcome = "already_done"
    deleted = waiters.delete(waiter.key, waiter.token)
    return {
        "replication_task_arn": arn,
        "workflow": waiter.workflow,
        "execution": waiter.execution,
        "kind": waiter.kind,
        "result": outcome,
        "error": ERROR_WAIT_RELEASED,
        "waiter_deleted": deleted,
    }


def jsonable(value: Any) -> Any:
    """``value`` with boto3's datetimes as ISO 8601 text."""
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json_default(value)
