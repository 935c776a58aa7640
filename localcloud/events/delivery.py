"""EventBridge behaviour moto lacks: Lambda targets with retries and DLQs, and schedules.

Used by the ``eventbridge_lambda_targets`` and ``eventbridge_schedules`` patches.

**Lambda targets.** EventBridge invokes a Lambda target *asynchronously*: a delivery succeeds as
soon as Lambda accepts the event, and the function's own errors are Lambda's business (two
retries, then the function's on-failure destination; see ``LambdaRuntime.invoke_async``). The
target's ``RetryPolicy`` and ``DeadLetterConfig`` apply to failures to *deliver*: a function
that does not exist (``NO_RESOURCE``: not retried, straight to the DLQ) or a throttled invoke
request (``THROTTLING``: retried with exponential backoff on the virtual clock until
``MaximumRetryAttempts`` or ``MaximumEventAgeInSeconds`` runs out). The DLQ message is the event
with the attributes AWS documents: ``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE``,
``ERROR_MESSAGE``, ``RETRY_ATTEMPTS`` and, when a retry limit ended the delivery,
``EXHAUSTED_RETRY_CONDITION``.

**Schedules.** A rule with ``ScheduleExpression: rate(N unit)`` fires every period on the
virtual clock while it exists and is ENABLED, the first time one period after it was created
(or enabled), sending AWS's scheduled-event shape to its targets.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from moto.events.utils import _BASE_EVENT_MESSAGE, EventTemplateParser

from ..awslambda.async_invocations import send_to_sqs
from ..awslambda.invocation import TooManyRequestsError
from ..awslambda.runtime import LambdaRuntime
from ..clock import TimerHandle, VirtualClock

LOG = logging.getLogger(__name__)

#: EventBridge's RetryPolicy defaults for a rule target.
DEFAULT_RETRY_ATTEMPTS: Final = 185
DEFAULT_MAX_EVENT_AGE: Final = 86400.0
#: Backoff between delivery retries: AWS documents "exponential back off and jitter" without a
#: schedule; the emulator doubles from 1 s up to 5 minutes, without jitter (reproducible runs).
RETRY_BASE_SECONDS: Final = 1.0
RETRY_MAX_SECONDS: Final = 300.0

_RATE: Final = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS: Final = {"minute": 60.0, "hour": 3600.0, "day": 86400.0}


class ScheduleExpressionError(ValueError):
    """A ScheduleExpression AWS rejects, or one the local cloud does not emulate."""


def schedule_period(expression: str) -> float:
    """Seconds between firings of ``rate(N unit)``; ``ScheduleExpressionError`` otherwise.

    AWS requires N >= 1 and the singular unit exactly when N is 1 (``rate(1 hour)``,
    ``rate(5 hours)``). ``cron(...)`` expressions are valid on AWS but not emulated: they are
    refused with an error saying so, rather than accepted and silently never fired.
    """
    if expression.startswith("cron("):
        raise ScheduleExpressionError(
            f"local cloud: cron() schedules are not emulated ({expression}); use rate(...) "
            "or drive the targets from a clock timer"
        )
    match = _RATE.match(expression)
    if match is None:
        raise ScheduleExpressionError("Parameter ScheduleExpression is not valid.")
    value, unit = int(match.group(1)), match.group(2)
    if value < 1 or (value == 1) != (not unit.endswith("s")):
        raise ScheduleExpressionError("Parameter ScheduleExpression is not valid.")
    return value * _UNIT_SECONDS[unit.rstrip("s")]


def aws_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event as EventBridge hands it to a target (moto keeps ``time`` as a unix number)."""
    rendered = {
        key: event.get(key, _BASE_EVENT_MESSAGE.get(key))
        for key in ("version", "id", "detail-type", "source", "account", "time", "region")
    }
    rendered["time"] = _iso_time(event.get("time"))
    rendered["resources"] = list(event.get("resources", []))
    rendered["detail"] = event.get("detail", {})
    if "replay-name" in event:
        rendered["replay-name"] = event["replay-name"]
    return rendered


def _iso_time(value: Any) -> Any:
    from datetime import UTC, datetime

    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def target_input(target: dict[str, Any], event: dict[str, Any]) -> bytes:
    """What the target receives: the event, or its ``Input``/``InputPath``/``InputTransformer``."""
    rendered = aws_event(event)
    if "Input" in target:
        return str(target["Input"]).encode("utf-8")
    if "InputPath" in target:
        from jsonpath_ng.ext import parse  # type: ignore[attr-defined]  # moto's dependency

        matches = parse(target["InputPath"]).find(rendered)
        return json.dumps(matches[0].value if matches else None).encode("utf-8")
    transformer = target.get("InputTransformer")
    if transformer:
        source = {**rendered, "ingestion-time": event.get("ingestion-time", event.get("time"))}
        try:
            result = EventTemplateParser.parse(
                input_template=transformer.get("InputTemplate"),
                input_paths_map=transformer.get("InputPathsMap", {}),
                event=source,  # type: ignore[arg-type]
            )
        except ValueError:
            # A template that is plain text, not JSON: AWS sends the text as it is.
            return str(transformer.get("InputTemplate", "")).encode("utf-8")
        return json.dumps(result).encode("utf-8")
    return json.dumps(rendered).encode("utf-8")


@dataclass
class _DeliveryError(Exception):
    code: str
    message: str
    retriable: bool


class LambdaTargetDelivery:
    """One event on its way to one Lambda target of one rule, with the target's RetryPolicy."""

    def __init__(
        self,
        runtime: LambdaRuntime,
        rule_arn: str,
        target: dict[str, Any],
        event: dict[str, Any],
    ) -> None:
        self.runtime = runtime
        self.clock = runtime.clock
        self.rule_arn = rule_arn
        self.target = copy.deepcopy(target)
        self.event = copy.deepcopy(event)
        self.payload = target_input(self.target, self.event)
        policy = self.target.get("RetryPolicy") or {}
        self.max_retries = int(policy.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS))
        self.max_age = float(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE))
        self.first_attempt_at = self._now()
        self.retries = 0

    def _now(self) -> float:
        return self.clock.now() if self.clock is not None else 0.0

    def attempt(self) -> None:
        """Try to hand the event to Lambda; on failure retry later or dead-letter it."""
        try:
            fn = self._function()
            self.runtime.admit(fn)
        except _DeliveryError as failure:
            self._failed(failure)
            return
        except TooManyRequestsError as exc:
            self._failed(_DeliveryError("THROTTLING", exc.message, retriable=True))
            return
        self.runtime.invoke_async(fn, self.payload)

    def _function(self) -> Any:
        from moto.awslambda.utils import get_backend

        arn = self.target["Arn"]
        parts = arn.split(":")
        region, account = parts[3], parts[4]
        try:
            return get_backend(account, region).get_function(arn, None)
        except Exception as exc:
            raise _DeliveryError(
                "NO_RESOURCE", f"Function not found: {arn}", retriable=False
            ) from exc

    def _failed(self, failure: _DeliveryError) -> None:
        if failure.retriable:
            delay = min(RETRY_BASE_SECONDS * 2**self.retries, RETRY_MAX_SECONDS)
            if self.retries >= self.max_retries:
                self._dead_letter(failure, "MaximumRetryAttempts")
                return
            if self._now() + delay - self.first_attempt_at > self.max_age:
                self._dead_letter(failure, "MaximumEventAgeInSeconds")
                return
            self.retries += 1
            if self.clock is None:
                self.attempt()
            else:
                self.clock.call_later(delay, self.attempt)
            return
        self._dead_letter(failure, None)

    def _dead_letter(self, failure: _DeliveryError, exhausted: str | None) -> None:
        dlq = (self.target.get("DeadLetterConfig") or {}).get("Arn")
        if not dlq:
            LOG.info(
                "local cloud: event %s for %s dropped (%s: %s)",
                self.event.get("id"),
                self.target.get("Arn"),
                failure.code,
                failure.message,
            )
            return
        attributes = {
            **self._source_attributes(),
            "TARGET_ARN": str(self.target["Arn"]),
            "ERROR_CODE": failure.code,
            "ERROR_MESSAGE": failure.message,
            "RETRY_ATTEMPTS": str(self.retries),
        }
        if exhausted is not None:
            attributes["EXHAUSTED_RETRY_CONDITION"] = exhausted
        send_to_sqs(dlq, self._dead_letter_body(), attributes)

    def _source_attributes(self) -> dict[str, str]:
        """The dead letter's attributes naming where it came from (a rule here)."""
        return {"RULE_ARN": self.rule_arn}

    def _dead_letter_body(self) -> str:
        """The dead letter's body: the event."""
        return json.dumps(aws_event(self.event))


@dataclass
class _Schedule:
    rule: Any
    expression: str
    period: float
    handle: TimerHandle


class ScheduleRegistry:
    """The armed schedules of one local cloud: at most one clock timer per scheduled rule.

    ``reconcile`` is called after every change to a rule (put, enable, disable, delete) and
    arms, re-arms or cancels that rule's timer. The timer fires in the clock driver's thread,
    sends the scheduled event through ``send`` and re-arms itself one period later.
    """

    def __init__(self, clock: VirtualClock, send: Callable[[Any, dict[str, Any]], None]) -> None:
        self.clock = clock
        self._send = send
        self._lock = threading.Lock()
        self._schedules: dict[tuple[str, str, str, str], _Schedule] = {}

    def reconcile(self, backend: Any, bus_name: str, rule_name: str) -> None:
        """Make the timer of ``rule_name`` match the rule as it now is."""
        key = (backend.account_id, backend.region_name, bus_name, rule_name)
        bus = backend.event_buses.get(bus_name)
        rule = bus.rules.get(rule_name) if bus is not None else None
        expression = getattr(rule, "scheduled_expression", None)
        wanted = rule is not None and rule.state == "ENABLED" and bool(expression)
        with self._lock:
            current = self._schedules.get(key)
            if current is not None and wanted and current.rule is rule:
                return  # unchanged
            if current is not None:
                current.handle.cancel()
                del self._schedules[key]
            if not wanted:
                return
            assert expression is not None
            period = schedule_period(expression)
            due = self.clock.now() + period
            handle = self.clock.call_at(due, lambda: self._fire(key, due))
            self._schedules[key] = _Schedule(rule, expression, period, handle)

    def _fire(self, key: tuple[str, str, str, str], due: float) -> None:
        with self._lock:
            schedule = self._schedules.get(key)
            if schedule is None or schedule.handle.when != due or schedule.handle.cancelled:
                return
            rule = schedule.rule
            following = due + schedule.period
            schedule.handle = self.clock.call_at(following, lambda: self._fire(key, following))
        try:
            self._send(rule, scheduled_event(rule, self.clock))
        except Exception:  # a broken target must not stop the clock's driver
            LOG.exception("local cloud: scheduled rule %s failed to deliver", rule.name)

    def armed(self) -> list[str]:
        """Names of the rules with an armed schedule."""
        with self._lock:
            return sorted(key[3] for key in self._schedules)

    def cancel_all(self) -> None:
        """Disarm every schedule (the cloud is going away)."""
        with self._lock:
            for schedule in self._schedules.values():
                schedule.handle.cancel()
            self._schedules.clear()


def scheduled_event(rule: Any, clock: VirtualClock) -> dict[str, Any]:
    """The event a schedule sends, in moto's internal form (``time`` as unix seconds).

    On the wire (``aws_event``) it is AWS's shape: source ``aws.events``, detail-type
    ``Scheduled Event``, ``resources: [rule ARN]``, an empty ``detail``.
    """
    from moto.moto_api._internal import mock_random

    now = clock.now_datetime().timestamp()
    event: dict[str, Any] = copy.deepcopy(dict(_BASE_EVENT_MESSAGE))
    event.update(
        {
            "id": str(mock_random.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": rule.account_id,
            "time": now,
            "region": rule.region_name,
            "resources": [rule.arn],
            "detail": {},
            "ingestion-time": now,
        }
    )
    return event
