"""Lambda durable function that waits for one DMS replication task (``WAIT_MODE`` poll|callback).

Configured by the environment (names in ``contract``): ``REPLICATION_TASK_ARN``, ``START_TYPE``,
``SUCCESS_STOP_REASONS``, ``WAIT_MODE``, ``TIMEOUT_SECONDS``; poll mode ``POLL_INTERVAL_SECONDS``,
``MAX_POLL_INTERVAL_SECONDS``, ``POLL_JITTER``; callback mode ``WAITER_TABLE``,
``HEARTBEAT_SECONDS``, ``WAITER_TTL_SECONDS``, ``WORKFLOW_NAME``. The event may override the start
type (``{"start_type": ...}``), validated as the starter does.

The handler is replayed from the top on every invocation, so the code outside operations is
deterministic (environment, event, checkpointed results); every side effect runs in a named
operation whose result is checkpointed:

* poll mode: step ``start`` (unless the start type is ``none``; ``auto``, the default, first
  describes the task and picks ``dms_status.auto_start_type``), then ``wait_for_condition``
  ``wait-task`` whose check describes the task and classifies it with ``dms_status.classify``.
  Transient errors (``errors.is_transient``: throttling, 5xx, no answer) are caught inside the
  check and count as "not yet"; any other describe error ends the wait with
  ``DmsDescribeFailed`` (an exception in a check would end the whole wait). Delays: capped
  exponential backoff (initial ``POLL_INTERVAL_SECONDS``, x2, cap
  ``MAX_POLL_INTERVAL_SECONDS``, ``POLL_JITTER``), clipped to the deadline ``TIMEOUT_SECONDS``
  after the first check, after which the wait fails with ``DmsWaitTimedOut``. The checkpointed
  state is a small dict, never the describe response.
* callback mode: ``wait_for_callback`` ``wait-task`` whose submitter (a step, at-least-once)
  registers the callback id in the waiter table (kind ``durable``; the same id again is a no-op)
  BEFORE starting the task, so a task that stops at once still finds its waiter. The hub's
  resume path (``completion.DurableCompleter``) completes the callback. The callback always has
  a timeout (``TIMEOUT_SECONDS``) and, when ``HEARTBEAT_SECONDS`` is set, a heartbeat timeout
  (the hub's reconciler heartbeats running tasks). On a timeout the step ``forget-waiter``
  removes this execution's waiter.

Success returns ``{replication_task_arn, status, stop_reason, stats}`` like every pattern.
Failures raise the shared error names (``errors``): DmsTaskFailed, DmsTaskStopped,
DmsWaitTimedOut, DmsTaskNotFound, DmsStartFailed, DmsDescribeFailed, DmsAlreadyWaiting,
DmsThrottled (retries inside the steps exhausted), DmsInvalidInput. The message of a task
failure is the cause JSON of the other patterns.

Inside a step an error is raised with its name as a message prefix (``"DmsStartFailed: ..."``):
the SDK keeps only the message of an error that crosses ``wait_for_callback``'s child context,
and the handler re-raises the named class from it.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from aws_durable_execution_sdk_python import (
    CallbackError,
    CallbackSubmitterError,
    CallbackTimeoutError,
    DurableContext,
    StepContext,
    StepError,
    durable_execution,
)
from aws_durable_execution_sdk_python.config import (
    Duration,
    JitterStrategy,
    StepConfig,
    WaitForCallbackConfig,
)
from aws_durable_execution_sdk_python.retries import (
    RetryDecision,
    RetryStrategyConfig,
    create_retry_strategy,
)
from aws_durable_execution_sdk_python.types import (
    WaitForCallbackContext,
    WaitForConditionCheckContext,
)
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
    WaitStrategyConfig,
    create_wait_strategy,
)

from . import contract as c
from . import dms_status as dms
from .aws_clients import client as aws_client
from .completion import failure_cause, success_output
from .dms_api import NOT_FOUND, describe_task, resolve_start_type, start_task
from .errors import (
    DmsAlreadyWaiting,
    DmsDescribeFailed,
    DmsInvalidInput,
    DmsStartFailed,
    DmsTaskFailed,
    DmsTaskNotFound,
    DmsTaskStopped,
    DmsThrottled,
    DmsWaitTimedOut,
    HandlerError,
    error_code,
    error_message,
    is_transient,
)
from .logs import json_default, log
from .task_settings import effective_start_type, task_settings_from_env
from .waiter_store import WaiterAlreadyRegistered, WaiterStore

# -- operation names (part of the replay contract: renaming one breaks executions in flight) --
STEP_START: Final = "start"
WAIT_TASK: Final = "wait-task"
STEP_FORGET_WAITER: Final = "forget-waiter"

#: Attempts of a step whose AWS calls are throttled (DmsThrottled), with exponential backoff.
STEP_ATTEMPTS: Final = 5
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
#: The named errors a step or the hub can report, by name.
NAMED_ERRORS: Final[dict[str, type[HandlerError]]] = {
    cls.error_name: cls
    for cls in (
        DmsTaskFailed,
        DmsTaskStopped,
        DmsWaitTimedOut,
        DmsTaskNotFound,
        DmsStartFailed,
        DmsDescribeFailed,
        DmsAlreadyWaiting,
        DmsThrottled,
        DmsInvalidInput,
    )
}
_UNLIMITED_ATTEMPTS: Final = 2**31
#: The clock of the poll check (inside an operation, so reading it is allowed); tests replace it.
clock: Callable[[], float] = time.time


# -- configuration ---------------------------------------------------------------------------


def _int_env(env: Mapping[str, str], name: str, default: int | None, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        if default is None:
            raise DmsInvalidInput(f"{name} is not set")
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise DmsInvalidInput(f"{name} is not an integer: {raw!r}") from exc
    if value < minimum:
        raise DmsInvalidInput(f"{name} must be at least {minimum}, not {value}")
    return value


@dataclass(frozen=True)
class DurableWaiterConfig:
    """The function's configuration (environment variables set by the component)."""

    replication_task_arn: str
    start_type: str
    success_stop_reasons: tuple[str, ...]
    mode: str
    timeout_seconds: int
    poll_interval_seconds: int
    max_poll_interval_seconds: int
    jitter: str
    table_name: str
    heartbeat_seconds: int
    waiter_ttl_seconds: int
    workflow: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DurableWaiterConfig:
        """Read and validate the environment; ``DmsInvalidInput`` names the bad variable."""
        task = task_settings_from_env(env)
        arn, start_type, reasons = (
            task.replication_task_arn,
            task.start_type,
            task.success_stop_reasons,
        )
        mode = env.get(c.ENV_WAIT_MODE, "").strip() or c.WAIT_MODE_POLL
        if mode not in c.WAIT_MODES:
            raise DmsInvalidInput(f"{c.ENV_WAIT_MODE} {mode!r} is not one of {c.WAIT_MODES}")
        timeout = _int_env(env, c.ENV_TIMEOUT_SECONDS, c.DEFAULT_TIMEOUT_SECONDS, 1)
        interval = _int_env(env, c.ENV_POLL_INTERVAL_SECONDS, c.DEFAULT_POLL_INTERVAL_SECONDS, 1)
        cap = _int_env(
            env,
            c.ENV_MAX_POLL_INTERVAL_SECONDS,
            max(interval, c.DEFAULT_MAX_POLL_INTERVAL_SECONDS),
            1,
        )
        if cap < interval:
            raise DmsInvalidInput(
                f"{c.ENV_MAX_POLL_INTERVAL_SECONDS} ({cap}) is less than "
                f"{c.ENV_POLL_INTERVAL_SECONDS} ({interval})"
            )
        jitter = env.get(c.ENV_POLL_JITTER, "").strip().lower() or c.POLL_JITTERS[0]
        if jitter not in c.POLL_JITTERS:
            raise DmsInvalidInput(f"{c.ENV_POLL_JITTER} {jitter!r} is not one of {c.POLL_JITTERS}")
        table = env.get(c.ENV_WAITER_TABLE, "").strip()
        heartbeat = _int_env(env, c.ENV_HEARTBEAT_SECONDS, 0, 0)
        ttl = _int_env(env, c.ENV_WAITER_TTL_SECONDS, timeout + c.WAITER_TTL_MARGIN_SECONDS, 1)
        if mode == c.WAIT_MODE_CALLBACK:
            if not table:
                raise DmsInvalidInput(f"{c.ENV_WAITER_TABLE} is not set (callback mode)")
            if heartbeat >= timeout:
                raise DmsInvalidInput(
                    f"{c.ENV_HEARTBEAT_SECONDS} ({heartbeat}) must be less than "
                    f"{c.ENV_TIMEOUT_SECONDS} ({timeout})"
                )
            if ttl < timeout:
                raise DmsInvalidInput(
                    f"{c.ENV_WAITER_TTL_SECONDS} ({ttl}) is shorter than "
                    f"{c.ENV_TIMEOUT_SECONDS} ({timeout}): the waiter would vanish mid-wait"
                )
        return cls(
            replication_task_arn=arn,
            start_type=start_type,
            success_stop_reasons=reasons,
            mode=mode,
            timeout_seconds=timeout,
            poll_interval_seconds=interval,
            max_poll_interval_seconds=cap,
            jitter=jitter,
            table_name=table,
            heartbeat_seconds=heartbeat,
            waiter_ttl_seconds=ttl,
            workflow=env.get(c.ENV_WORKFLOW_NAME, "").strip(),
        )


def requested_start_type(event: Any) -> str | None:
    """The event's ``start_type`` override (None when absent); ``DmsInvalidInput`` if bad."""
    if event is None:
        return None
    if not isinstance(event, Mapping):
        raise DmsInvalidInput("the payload must be a JSON object (or empty)")
    start_type = event.get(c.PAYLOAD_START_TYPE)
    if start_type is not None and not isinstance(start_type, str):
        raise DmsInvalidInput(f"'{c.PAYLOAD_START_TYPE}' must be a string")
    return start_type


# -- errors across operations ----------------------------------------------------------------


def tagged(cls: type[HandlerError], message: str) -> HandlerError:
    """``cls`` with its name as the message prefix, to be raised inside an operation."""
    return cls(f"{cls.error_name}: {message}")


def untag(text: str | None) -> tuple[type[HandlerError] | None, str]:
    """The named error class and the rest of a tagged message; (None, text) if untagged."""
    text = text or ""
    name, sep, rest = text.partition(": ")
    cls = NAMED_ERRORS.get(name) if sep else None
    return (cls, rest) if cls is not None else (None, text)


_backoff = create_retry_strategy(
    RetryStrategyConfig(
        max_attempts=STEP_ATTEMPTS,
        initial_delay=Duration.from_seconds(2),
        max_delay=Duration.from_seconds(60),
        backoff_rate=2,
        jitter_strategy=JitterStrategy.FULL,
    )
)


def retry_throttled(error: Exception, attempts_made: int) -> RetryDecision:
    """Step retry strategy: only DmsThrottled (nothing left behind) is retried."""
    if not isinstance(error, DmsThrottled):
        return RetryDecision.no_retry()
    return _backoff(error, attempts_made)


STEP_CONFIG: Final = StepConfig(retry_strategy=retry_throttled)


def _raise_named(
    error: BaseException, message: str | None, default: type[HandlerError]
) -> NoReturn:
    cls, rest = untag(message)
    raise (cls or default)(rest) from error


# -- task facts kept in checkpoints ----------------------------------------------------------


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


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _as_task(state: Mapping[str, Any]) -> dict[str, Any]:
    """A checkpointed state in DescribeReplicationTasks' shape, for the shared output builders."""
    stats = state.get("stats")
    return {
        "Status": _text(state.get("status")),
        "StopReason": _text(state.get("stop_reason")),
        "LastFailureMessage": _text(state.get("message")),
        "ReplicationTaskStats": dict(stats) if isinstance(stats, Mapping) else {},
    }


def output(arn: str, state: Mapping[str, Any]) -> dict[str, Any]:
    """``{replication_task_arn, status, stop_reason, stats}``, the output of every pattern."""
    return success_output(arn, _as_task(state))


def cause(arn: str, state: Mapping[str, Any]) -> str:
    """The failure cause JSON of every pattern, from a checkpointed state."""
    return failure_cause(arn, _as_task(state))


# -- poll mode -------------------------------------------------------------------------------


def initial_poll_state() -> dict[str, Any]:
    """The state before the first describe."""
    return {
        "verdict": "waiting",
        "status": "",
        "stop_reason": "",
        "message": "",
        "stats": {},
        "deadline": None,
        "checked_at": None,
        "transient_errors": 0,
    }


def make_check(
    config: DurableWaiterConfig,
) -> Callable[[dict[str, Any], WaitForConditionCheckContext], dict[str, Any]]:
    """The ``wait_for_condition`` check: describe, classify, return the next small state.

    Verdicts: ``waiting`` | ``succeeded`` | ``failed`` | ``stopped`` (classify), ``not_found``,
    ``describe_failed`` (an error retrying will not fix), ``timed_out`` (deadline passed).
    """
    arn = config.replication_task_arn

    def check(state: dict[str, Any], ctx: WaitForConditionCheckContext) -> dict[str, Any]:
        now = clock()
        deadline = state.get("deadline")
        if not isinstance(deadline, int | float):
            deadline = now + config.timeout_seconds
        new: dict[str, Any] = {**state, "deadline": deadline, "checked_at": now}
        try:
            task = describe_task(aws_client("dms"), arn)
        except Exception as exc:
            if not is_transient(exc):
                return {**new, "verdict": "describe_failed", "message": _describe_error(exc)}
            ctx.logger.warning(f"transient DescribeReplicationTasks error: {exc!r}")
            new["transient_errors"] = int(state.get("transient_errors") or 0) + 1
            new["verdict"] = "timed_out" if now >= deadline else "waiting"
            return new
        if task is None:
            return {**new, "verdict": "not_found", "message": ""}
        verdict = dms.classify(task, config.success_stop_reasons)
        new.update(
            verdict=verdict.verdict,
            status=_text(task.get("Status")),
            stop_reason=_text(task.get("StopReason")),
            message=_text(task.get("LastFailureMessage"))[:MAX_MESSAGE_CHARS],
            stats=stats_subset(task),
        )
        if not verdict.finished and now >= deadline:
            new["verdict"] = "timed_out"
        return new

    return check


def _describe_error(exc: BaseException) -> str:
    code = error_code(exc)
    message = error_message(exc)
    return (f"{code}: {message}" if code else message)[:MAX_MESSAGE_CHARS]


def make_wait_strategy(
    config: DurableWaiterConfig,
) -> Callable[[dict[str, Any], int], WaitForConditionDecision]:
    """Capped exponential backoff (x2) with the configured jitter, clipped to the deadline."""
    backoff: Callable[[dict[str, Any], int], WaitForConditionDecision] = create_wait_strategy(
        WaitStrategyConfig[dict[str, Any]](
            should_continue_polling=lambda _state: True,
            max_attempts=_UNLIMITED_ATTEMPTS,  # the deadline ends the wait, not a count
            initial_delay=Duration.from_seconds(config.poll_interval_seconds),
            max_delay=Duration.from_seconds(config.max_poll_interval_seconds),
            backoff_rate=2,
            jitter_strategy=JitterStrategy.FULL if config.jitter == "full" else JitterStrategy.NONE,
        )
    )

    def strategy(state: dict[str, Any], attempts_made: int) -> WaitForConditionDecision:
        if state.get("verdict") != "waiting":
            return WaitForConditionDecision.stop_polling()
        delay = backoff(state, attempts_made).delay_seconds
        deadline, checked_at = state.get("deadline"), state.get("checked_at")
        if isinstance(deadline, int | float) and isinstance(checked_at, int | float):
            # One last describe at the deadline rather than oversleeping it.
            delay = min(delay, math.ceil(deadline - checked_at))
        return WaitForConditionDecision.continue_waiting(Duration(seconds=max(1, delay)))

    return strategy


def start_step(arn: str, start_type: str) -> Callable[[StepContext], dict[str, Any]]:
    """The poll mode's ``start`` step: StartReplicationTask, errors raised by name."""

    def start(_ctx: StepContext) -> dict[str, Any]:
        dms_start_type = _start(arn, start_type)
        return {"start_type": dms_start_type}

    return start


def _start(arn: str, start_type: str) -> str:
    """Resolve ``auto`` and start the task; errors raised by name. Returns the DMS start type."""
    client = aws_client("dms")
    try:
        dms_start_type = resolve_start_type(client, arn, start_type)
        if dms_start_type is None:
            raise tagged(DmsTaskNotFound, f"DMS has no replication task {arn}")
        start_task(client, arn, dms_start_type)
    except HandlerError:
        raise
    except Exception as exc:
        raise _start_error(exc) from exc
    return dms_start_type


def _start_error(exc: Exception) -> HandlerError:
    code, message = error_code(exc), error_message(exc)
    if code == NOT_FOUND:
        return tagged(DmsTaskNotFound, message)
    if is_transient(exc):
        return tagged(
            DmsThrottled, f"StartReplicationTask: {code or type(exc).__name__}: {message}"
        )
    return tagged(DmsStartFailed, f"{code}: {message}" if code else message)


def wait_polling(context: DurableContext, config: DurableWaiterConfig, start_type: str) -> Any:
    """Poll mode: start, then describe with backoff until the task finishes or the deadline."""
    arn = config.replication_task_arn
    if start_type != dms.START_TYPE_NONE:
        try:
            context.step(start_step(arn, start_type), name=STEP_START, config=STEP_CONFIG)
        except StepError as exc:
            _raise_named(exc, exc.message, DmsStartFailed)
    state = context.wait_for_condition(
        make_check(config),
        config=WaitForConditionConfig(
            wait_strategy=make_wait_strategy(config), initial_state=initial_poll_state()
        ),
        name=WAIT_TASK,
    )
    verdict = state.get("verdict")
    if verdict == "succeeded":
        return output(arn, state)
    if verdict == "failed":
        raise DmsTaskFailed(cause(arn, state))
    if verdict == "stopped":
        raise DmsTaskStopped(cause(arn, state))
    if verdict == "not_found":
        raise DmsTaskNotFound(failure_cause(arn, None, "DMS has no replication task with this ARN"))
    if verdict == "describe_failed":
        raise DmsDescribeFailed(failure_cause(arn, None, _text(state.get("message"))))
    raise DmsWaitTimedOut(
        failure_cause(
            arn,
            {"Status": _text(state.get("status")), "StopReason": _text(state.get("stop_reason"))},
            f"the task did not finish within {config.timeout_seconds} s ({c.ENV_TIMEOUT_SECONDS})",
        )
    )


# -- callback mode ---------------------------------------------------------------------------


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
            _start(arn, start_type)
        except HandlerError:
            _forget(store, arn, callback_id)
            raise
        try:
            store.mark_started(arn, callback_id)
        except Exception as exc:
            # Only an optimisation for retries: the task runs and the waiter is registered.
            ctx.logger.warning(f"could not record the start on the waiter: {exc!r}")

    return submit


def _forget(store: WaiterStore, key: str, token: str) -> None:
    try:
        store.delete(key, token)
    except Exception as exc:
        # The reconciler removes it once the callback is gone.
        log("ERROR", "could not delete the waiter after a failed start", key=key, error=repr(exc))


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
        _raise_named(exc, exc.message, DmsStartFailed)
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


# -- entry point -----------------------------------------------------------------------------


def wait_for_task(event: Any, context: DurableContext, env: Mapping[str, str]) -> Any:
    """The handler's body, with the environment passed in (tests call it with their own)."""
    config = DurableWaiterConfig.from_env(env)
    start_type = effective_start_type(config.start_type, requested_start_type(event))
    if config.mode == c.WAIT_MODE_CALLBACK:
        return wait_callback(context, config, start_type)
    return wait_polling(context, config, start_type)


@durable_execution
def handler(event: Any, context: DurableContext) -> Any:
    """Lambda entry point (``contract.DURABLE_WAITER_HANDLER``)."""
    return wait_for_task(event, context, os.environ)
