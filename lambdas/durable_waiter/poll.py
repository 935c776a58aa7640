"""Poll mode: the step ``start`` (unless the start type is ``none``), then ``wait_for_condition``
``wait-task`` whose check describes the task and classifies it with ``dms_status.classify``.

Transient errors (``errors.is_transient``: throttling, 5xx, no answer) are caught inside the
check and count as "not yet"; any other describe error ends the wait with ``DmsDescribeFailed``
(an exception in a check would end the whole wait). Delays: capped exponential backoff (initial
``POLL_INTERVAL_SECONDS``, x2, cap ``MAX_POLL_INTERVAL_SECONDS``, ``POLL_JITTER``), clipped to
the deadline ``TIMEOUT_SECONDS`` after the first check, after which the wait fails with
``DmsWaitTimedOut``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

from aws_durable_execution_sdk_python import DurableContext, StepError
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy
from aws_durable_execution_sdk_python.types import WaitForConditionCheckContext
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
    WaitStrategyConfig,
    create_wait_strategy,
)

from .. import contract as c
from .. import dms_status as dms
from .. import durable_waiter as seam
from ..aws_clients import client as aws_client
from ..completion import failure_cause
from ..dms_api import describe_task
from ..errors import (
    DmsDescribeFailed,
    DmsStartFailed,
    DmsTaskFailed,
    DmsTaskNotFound,
    DmsTaskStopped,
    DmsWaitTimedOut,
    error_code,
    error_message,
    is_transient,
)
from .config import DurableWaiterConfig
from .named_errors import raise_named
from .operations import STEP_CONFIG, STEP_START, WAIT_TASK
from .start import start_step
from .task_state import MAX_MESSAGE_CHARS, cause, output, stats_subset, text

_UNLIMITED_ATTEMPTS: Final = 2**31


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
        now = seam.clock()
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
            status=text(task.get("Status")),
            stop_reason=text(task.get("StopReason")),
            message=text(task.get("LastFailureMessage"))[:MAX_MESSAGE_CHARS],
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


def wait_polling(context: DurableContext, config: DurableWaiterConfig, start_type: str) -> Any:
    """Poll mode: start, then describe with backoff until the task finishes or the deadline."""
    arn = config.replication_task_arn
    if start_type != dms.START_TYPE_NONE:
        try:
            context.step(start_step(arn, start_type), name=STEP_START, config=STEP_CONFIG)
        except StepError as exc:
            raise_named(exc, exc.message, DmsStartFailed)
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
        raise DmsDescribeFailed(failure_cause(arn, None, text(state.get("message"))))
    raise DmsWaitTimedOut(
        failure_cause(
            arn,
            {"Status": text(state.get("status")), "StopReason": text(state.get("stop_reason"))},
            f"the task did not finish within {config.timeout_seconds} s ({c.ENV_TIMEOUT_SECONDS})",
        )
    )
