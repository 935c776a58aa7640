"""Schedules on the clock, and their deliveries to Lambda targets.

``SchedulerRegistry`` keeps one clock timer per ENABLED schedule: at each firing time it
delivers the target's ``Input`` with the context attributes substituted (``context_input``),
then arms the next firing. A delivery that fails (function missing, throttled) is retried per
the target's ``RetryPolicy`` with backoff on the clock and then sent to its
``DeadLetterConfig`` queue as Scheduler's dead-letter event; without one it is dropped.

The dead-letter event (docs/aws-facts.md, "EventBridge Scheduler"): the body is the target's
input (context attributes substituted, as the last attempt sent it); the message attributes
are ``ERROR_CODE`` and ``ERROR_MESSAGE`` (the target API's own error: Lambda Invoke's
``ResourceNotFoundException`` or ``TooManyRequestsException``), ``EXECUTION_ID``,
``EXHAUSTED_RETRY_CONDITION`` (retryable errors only), ``IS_PAYLOAD_TRUNCATED``,
``RETRY_ATTEMPTS``, ``SCHEDULED_TIME``, ``SCHEDULE_ARN`` and ``TARGET_ARN``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from ..awslambda.runtime import LambdaRuntime
from ..clock import TimerHandle, VirtualClock
from ..events.delivery import LambdaTargetDelivery, _DeliveryError
from .timing import next_fire

LOG = logging.getLogger(__name__)

#: The form of ``<aws.scheduler.scheduled-time>``.
SCHEDULED_TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"
#: Scheduler's ERROR_CODE is the target API's error code; for a Lambda target, Invoke's
#: (botocore ``lambda`` model), in place of the delivery's EventBridge-rule codes.
LAMBDA_ERROR_CODES: Final = {
    "NO_RESOURCE": "ResourceNotFoundException",
    "THROTTLING": "TooManyRequestsException",
}


def context_input(
    text: str, schedule_arn: str, scheduled: datetime, execution_id: str, attempt: int
) -> str:
    """The target's input with Scheduler's context attributes replaced by their values."""
    for keyword, value in (
        ("<aws.scheduler.schedule-arn>", schedule_arn),
        ("<aws.scheduler.scheduled-time>", scheduled.strftime(SCHEDULED_TIME_FORMAT)),
        ("<aws.scheduler.execution-id>", execution_id),
        ("<aws.scheduler.attempt-number>", str(attempt)),
    ):
        text = text.replace(keyword, value)
    return text


class ScheduleDelivery(LambdaTargetDelivery):
    """One scheduled invocation of a schedule's Lambda target, with its RetryPolicy."""

    def __init__(
        self, runtime: LambdaRuntime, schedule: Any, scheduled: datetime, execution_id: str
    ) -> None:
        super().__init__(runtime, schedule.arn, dict(schedule.target), {})
        self.schedule_arn = schedule.arn
        self.scheduled = scheduled
        self.execution_id = execution_id

    def attempt(self) -> None:
        """Substitute the attributes of this attempt, then hand the input to Lambda."""
        raw = str(self.target.get("Input", "{}"))
        self.payload = context_input(
            raw, self.schedule_arn, self.scheduled, self.execution_id, self.retries + 1
        ).encode("utf-8")
        super().attempt()

    def _failed(self, failure: _DeliveryError) -> None:
        code = LAMBDA_ERROR_CODES.get(failure.code, failure.code)
        super()._failed(dataclasses.replace(failure, code=code))

    def _source_attributes(self) -> dict[str, str]:
        return {
            "SCHEDULE_ARN": self.schedule_arn,
            "EXECUTION_ID": self.execution_id,
            "SCHEDULED_TIME": self.scheduled.strftime(SCHEDULED_TIME_FORMAT),
            # AWS does not document when it truncates; the emulator sends the input whole.
            "IS_PAYLOAD_TRUNCATED": "false",
        }

    def _dead_letter_body(self) -> str:
        """Scheduler's dead letter carries the input it tried to deliver."""
        return self.payload.decode("utf-8")


@dataclass
class _Armed:
    schedule: Any
    start: datetime
    handle: TimerHandle | None


class SchedulerRegistry:
    """The armed schedules of one local cloud, by (account, region, group, name).

    ``deliveries_per_firing`` > 1 delivers each firing that many times (Scheduler delivers at
    least once: a test of what a duplicate delivery does).
    """

    def __init__(self, clock: VirtualClock, runtime: LambdaRuntime) -> None:
        self.clock = clock
        self.runtime = runtime
        self.deliveries_per_firing = 1
        self.fired: list[tuple[str, datetime]] = []
        """(schedule ARN, scheduled time) of every firing, in order."""
        self._lock = threading.Lock()
        self._armed: dict[tuple[str, ...], _Armed] = {}
        self._executions = 0

    def reconcile(self, schedule: Any, key: tuple[str, ...], deleted: bool = False) -> None:
        """Make the timer of the schedule match it as it now is (ENABLED, expression...)."""
        with self._lock:
            current = self._armed.pop(key, None)
            if current is not None and current.handle is not None:
                current.handle.cancel()
            if deleted or schedule is None or schedule.state != "ENABLED":
                return
            now = self.clock.now_datetime()
            armed = _Armed(schedule, now, None)
            self._armed[key] = armed
            # A rate fires at once (no StartDate); a cron at its first time from now on.
            self._arm(key, armed, now - timedelta(microseconds=1))

    def _arm(self, key: tuple[str, ...], armed: _Armed, after: datetime) -> None:
        schedule = armed.schedule
        timezone = schedule.schedule_expression_timezone or "UTC"
        due = next_fire(schedule.schedule_expression, timezone, armed.start, after)
        if due is None:
            armed.handle = None
            return
        at = (due - self.clock.to_datetime(0)).total_seconds()
        armed.handle = self.clock.call_at(
            max(at, self.clock.now()), lambda: self._fire(key, armed, due)
        )

    def _fire(self, key: tuple[str, ...], armed: _Armed, due: datetime) -> None:
        with self._lock:
            if self._armed.get(key) is not armed:
                return  # changed or deleted since
            self._arm(key, armed, due)
            self._executions += 1
            execution_id = f"{self._executions:016x}"
            self.fired.append((armed.schedule.arn, due))
        for _ in range(self.deliveries_per_firing):
            try:
                ScheduleDelivery(self.runtime, armed.schedule, due, execution_id).attempt()
            except Exception:  # a broken target must not stop the clock's driver
                LOG.exception("local cloud: schedule %s failed to deliver", armed.schedule.name)

    def armed(self) -> list[str]:
        """Names of the schedules with an armed timer."""
        with self._lock:
            return sorted(a.schedule.name for a in self._armed.values() if a.handle is not None)

    def cancel_all(self) -> None:
        """Disarm every schedule (the cloud is going away)."""
        with self._lock:
            for armed in self._armed.values():
                if armed.handle is not None:
                    armed.handle.cancel()
            self._armed.clear()
