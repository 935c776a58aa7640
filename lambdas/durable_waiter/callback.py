"""Callback mode: ``wait_for_callback`` ``wait-task`` whose submitter (a step, at-least-once)
registers the callback id in the waiter table (kind ``durable``; the same id again is a no-op)
BEFORE starting the task, so a task that stops at once still finds its waiter. The hub's resume
path (``completion.DurableCompleter``) completes the callback. The callback always has a timeout
(``TIMEOUT_SECONDS``) and, when ``HEARTBEAT_SECONDS`` is set, a heartbeat timeout (the hub's
reconciler heartbeats running tasks). On a timeout the step ``forget-waiter`` removes this
execution's waiter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aws_durable_execution_sdk_python import (
    CallbackError,
    CallbackSubmitterError,
    CallbackTimeoutError,
    DurableContext,
    StepContext,
)
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig
from aws_durable_execution_sdk_python.types import WaitForCallbackContext

from .. import contract as c
from .. import dms_status as dms
from ..completion import failure_cause
from ..errors import (
    NAMED_ERRORS,
    DmsAlreadyWaiting,
    DmsStartFailed,
    DmsTaskFailed,
    DmsThrottled,
    DmsWaitTimedOut,
    HandlerError,
    is_transient,
)
from ..waiter_store import WaiterAlreadyRegistered, WaiterStore
from .config import DurableWaiterConfig
from .named_errors import raise_named, tagged
from .operations import STEP_FORGET_WAITER, WAIT_TASK, retry_throttled
from .start import start_task
from .task_state import output


def make_submitter(
    config: DurableWaiterConfig, start_type: str, execution: str
) -> Callable[[str, WaitForCallbackContext], None]:
    """The submitter: register the callback id (idempotent), THEN start the task.

    At-least-once: a retry registers the same id again (no-op) and does not start a task the
    waiter records as started. On a start failure the waiter is deleted first, so a retry (or
    another execution) can register.
    """
    arn = config.replication_task_arn

    def submit(callback_id: str, ctx: WaitForCallbackContext) -> None:
        store = WaiterStore(config.table_name)
        try:
            waiter = store.register(
                arn,
                c.KIND_DURABLE,
                callback_id,
                config.success_stop_reasons,
                config.waiter_ttl_seconds,
                config.workflow,
                execution=execution,
            )
        except WaiterAlreadyRegistered as exc:
            raise tagged(DmsAlreadyWaiting, str(exc)) from exc
        except Exception as exc:
            if is_transient(exc):
                raise tagged(DmsThrottled, f"registering the waiter: {exc}") from exc
            raise
        if start_type == dms.START_TYPE_NONE or waiter.started_at is not None:
            return  # wait only, or a retry of a submitter that already started the task
        try:
            start_task(arn, start_type)
        except HandlerError:
            store.forget(arn, callback_id)
            raise
        try:
            store.mark_started(arn, callback_id)
        except Exception as exc:
            # Only an optimisation for retries: the task runs and the waiter is registered.
            ctx.logger.warning(f"could not record the start on the waiter: {exc!r}")

    return submit


def forget_waiter_step(
    config: DurableWaiterConfig, execution: str
) -> Callable[[StepContext], bool]:
    """Step: delete this execution's waiter (after a callback timeout); True if deleted."""

    def forget(_ctx: StepContext) -> bool:
        store = WaiterStore(config.table_name)
        waiter = store.get(config.replication_task_arn)
        if waiter is None or waiter.kind != c.KIND_DURABLE or waiter.execution != execution:
            return False
        return store.delete(waiter.key, waiter.token)

    return forget


def parse_callback_result(arn: str, raw: Any) -> dict[str, Any]:
    """The hub's success payload (JSON ``{replication_task_arn, status, stop_reason, stats}``)."""
    data: Any = raw
    if isinstance(raw, bytes | bytearray):
        data = raw.decode("utf-8")
    if isinstance(data, str):
        try:
            data = json.loads(data) if data.strip() else {}
        except ValueError:
            data = {}
    if not isinstance(data, Mapping):
        data = {}
    result = output(arn, data)
    if isinstance(data.get("replication_task_arn"), str) and data["replication_task_arn"]:
        result["replication_task_arn"] = data["replication_task_arn"]
    return result


def callback_failure(error: CallbackError) -> HandlerError:
    """The named error a completer's failure carries (``ErrorData`` = {"error", "cause"})."""
    name: Any = None
    message = error.message or ""
    try:
        data: Any = json.loads(error.data) if error.data else None
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        name = data.get(c.DURABLE_ERROR_DATA_ERROR)
        if c.DURABLE_ERROR_DATA_CAUSE in data:
            detail = data[c.DURABLE_ERROR_DATA_CAUSE]
            message = detail if isinstance(detail, str) else json.dumps(detail)
    cls = NAMED_ERRORS.get(name) if isinstance(name, str) else None
    return (cls or DmsTaskFailed)(message)


def wait_callback(
    context: DurableContext, config: DurableWaiterConfig, start_type: str
) -> dict[str, Any]:
    """Callback mode: register + start in the submitter, then wait for the hub."""
    arn = config.replication_task_arn
    execution = context.execution_context.durable_execution_arn
    callback_config = WaitForCallbackConfig(
        timeout=Duration.from_seconds(config.timeout_seconds),
        heartbeat_timeout=Duration.from_seconds(config.heartbeat_seconds),
        retry_strategy=retry_throttled,
    )
    try:
        raw = context.wait_for_callback(
            make_submitter(config, start_type, execution), name=WAIT_TASK, config=callback_config
        )
    except CallbackSubmitterError as exc:
        raise_named(exc, exc.message, DmsStartFailed)
    except CallbackTimeoutError as exc:
        context.step(forget_waiter_step(config, execution), name=STEP_FORGET_WAITER)
        reason = f"no completion within {config.timeout_seconds} s ({c.ENV_TIMEOUT_SECONDS})" + (
            f" or no heartbeat for {config.heartbeat_seconds} s ({c.ENV_HEARTBEAT_SECONDS})"
            if config.heartbeat_seconds
            else ""
        )
        raise DmsWaitTimedOut(failure_cause(arn, None, reason)) from exc
    except CallbackError as exc:
        raise callback_failure(exc) from exc
    return parse_callback_result(arn, raw)
