"""Starter: register the waiting workflow's task token, THEN start the DMS task.

Invoked by Step Functions ``arn:aws:states:::lambda:invoke.waitForTaskToken`` with
``Payload = {"token": $$.Task.Token, "execution": $$.Execution.Id, "start_type"?: ...}``. The
execution waits until the resume handler (or the reconciler) sends the token back; this
function's return value is not the task's output.

Order matters: a very short task can stop before anyone sees it running, so the waiter is
registered (a conditional write) before StartReplicationTask, and the event that follows always
finds it. Failures raise an exception named after the error the state machine sees:

* ``DmsInvalidInput``: bad payload, start type or function configuration;
* ``DmsAlreadyWaiting``: a live waiter with another token waits for this task;
* ``DmsTaskNotFound``: DMS has no such task (ResourceNotFoundFault, or an empty describe);
* ``DmsStartFailed``: StartReplicationTask (or the describe of ``auto``) failed with an error
  retrying cannot fix (wrong state, start type refused, access denied...), DMS's message kept;
* ``DmsThrottled``: DMS or DynamoDB throttled, or answered 5xx (``errors.is_transient``): safe
  to retry, nothing is left behind.

The start type ``auto`` (the default) is resolved just before the start from
DescribeReplicationTasks (``dms_status.auto_start_type``): ``start-replication`` on the first
run, the migration type's restart afterwards.

On a start failure the waiter is deleted first, so a retry or another execution can register.
Retries are idempotent: the same token registers again without conflict, and a task already
started for that token (``started_at`` on the waiter) is not started a second time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import contract as c
from .. import dms_status as dms
from ..aws_clients import client as aws_client
from ..dms_api import start_named
from ..errors import (
    DmsAlreadyWaiting,
    DmsInvalidInput,
    DmsThrottled,
    error_message,
    is_transient,
)
from ..logs import log, logged_failure
from ..payload import requested_start_type, token_and_execution
from ..task_settings import TaskSettings, effective_start_type
from ..waiter_store import WaiterAlreadyRegistered, WaiterStore


@dataclass(frozen=True)
class StarterEvent:
    """The invocation payload."""

    token: str
    execution: str | None = None
    start_type: str | None = None

    @classmethod
    def from_event(cls, event: Any) -> StarterEvent:
        """Validate the payload; ``DmsInvalidInput`` names what is wrong."""
        token, execution = token_and_execution(event, DmsInvalidInput)
        return cls(token=token, execution=execution or None, start_type=requested_start_type(event))


@dataclass(frozen=True)
class StarterConfig(TaskSettings):
    """The function's configuration (environment variables set by the component): the task
    settings and its own."""

    ttl_seconds: int
    table_name: str

    @classmethod
    def own_settings(cls, env: Mapping[str, str]) -> dict[str, Any]:
        """The waiter table and how long a waiter lives."""
        table = env.get(c.ENV_WAITER_TABLE, "").strip()
        if not table:
            raise DmsInvalidInput(f"{c.ENV_WAITER_TABLE} is not set")
        raw_ttl = env.get(c.ENV_WAITER_TTL_SECONDS, "").strip()
        try:
            ttl = int(raw_ttl) if raw_ttl else c.DEFAULT_WAITER_TTL_SECONDS
        except ValueError as exc:
            raise DmsInvalidInput(f"{c.ENV_WAITER_TTL_SECONDS} is not an integer") from exc
        if ttl <= 0:
            raise DmsInvalidInput(f"{c.ENV_WAITER_TTL_SECONDS} must be positive")
        return {"ttl_seconds": ttl, "table_name": table}


def run(
    event: StarterEvent,
    config: StarterConfig,
    *,
    store: WaiterStore,
    dms_client: Any,
    now: float,
) -> dict[str, Any]:
    """Register the waiter, then start the task; see the module docstring for the errors."""
    arn = config.replication_task_arn
    start_type = effective_start_type(config.start_type, event.start_type)
    try:
        waiter = store.register(
            arn,
            c.KIND_SFN,
            event.token,
            config.success_stop_reasons,
            config.ttl_seconds,
            config.workflow,
            execution=event.execution,
            now=now,
        )
    except WaiterAlreadyRegistered as exc:
        raise DmsAlreadyWaiting(str(exc)) from exc
    except Exception as exc:
        if is_transient(exc):
            raise DmsThrottled(f"registering the waiter: {error_message(exc)}") from exc
        raise
    result: dict[str, Any] = {
        "replication_task_arn": arn,
        "start_type": start_type,
        "workflow": config.workflow,
        "execution": event.execution,
    }
    if start_type == dms.START_TYPE_NONE:
        return {**result, "result": "registered"}
    if waiter.started_at is not None:
        # A retry of an invocation that already started the task: starting again would fail
        # (running) or, worse, restart a task that already finished.
        return {**result, "result": "already_started"}
    try:
        dms_start_type, task = start_named(dms_client, arn, start_type)
    except Exception:
        store.forget(arn, event.token)
        raise
    try:
        store.mark_started(arn, event.token, now=time.time())
    except Exception as exc:
        # Only an optimisation for retries: the task runs and the waiter is registered, so the
        # workflow must not fail because of it.
        log("WARNING", "could not record the start on the waiter", key=arn, error=repr(exc))
    return {
        **result,
        "result": "started",
        "dms_start_type": dms_start_type,
        "status": task.get("Status"),
    }


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point (``contract.STARTER_HANDLER``)."""

    def start() -> dict[str, Any]:
        config = StarterConfig.from_env(os.environ)
        payload = StarterEvent.from_event(event)
        store = WaiterStore(config.table_name)
        return run(payload, config, store=store, dms_client=aws_client("dms"), now=time.time())

    result = logged_failure("starter", "starter failed", context, start)
    log("INFO", "starter", handler="starter", **result)
    return result
