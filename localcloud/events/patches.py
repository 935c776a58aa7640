"""EventBridge in moto, adapted: Lambda targets, retries and dead letters, ``rate()`` schedules
and event times on the virtual clock."""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable
from typing import Any

from moto.events import exceptions as events_exceptions
from moto.events import models as events_models

from ..active import ACTIVE, active_clock
from ..patching import Patcher, patch
from .delivery import LambdaTargetDelivery, ScheduleExpressionError, schedule_period


def _arn_service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


@patch("events")
def eventbridge_lambda_targets(p: Patcher) -> None:
    """Deliver matching events to rules' Lambda targets, with RetryPolicy and DeadLetterConfig.

    AWS: a rule delivers each matching event to each target; a Lambda target is invoked
    asynchronously with the event (or the target's ``Input``/``InputPath``/
    ``InputTransformer`` result) as payload. A delivery that fails is retried per the target's
    ``RetryPolicy`` (exponential backoff; a missing function is not retried) and then sent to
    its ``DeadLetterConfig`` SQS queue with ``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE``,
    ``ERROR_MESSAGE``, ``RETRY_ATTEMPTS`` (and ``EXHAUSTED_RETRY_CONDITION``) attributes. The
    function's own errors are retried by Lambda (twice), not by EventBridge. A DISABLED rule
    delivers nothing.
    moto: ``Rule.send_to_targets`` raises ``NotImplementedError`` for a Lambda target (failing
    ``PutEvents`` itself), ignores RetryPolicy and DeadLetterConfig, and delivers for DISABLED
    rules too.
    Patch: ``send_to_targets`` skips DISABLED rules, leaves non-Lambda targets to moto and hands
    each Lambda target to ``event_delivery.LambdaTargetDelivery``: the function is resolved and
    the event queued as an asynchronous invocation (``LambdaRuntime.invoke_async``); a missing
    function (``NO_RESOURCE``) goes straight to the DLQ, a throttled one (``THROTTLING``, see
    ``LambdaRuntime.throttle``) is retried on the virtual clock first.
    """
    cls = events_models.Rule
    original = cls.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        runtime = ACTIVE.lambda_runtime
        if runtime is None:
            original(self, original_event, transform_input)
            return
        if self.state != "ENABLED" or not self.event_pattern.matches_event(original_event):
            return
        targets = list(self.targets)
        others = [t for t in targets if _arn_service(t["Arn"]) != "lambda"]
        if others:
            # moto iterates self.targets: give it a shallow copy of the rule without the Lambda
            # targets rather than mutating the shared rule (PutTargets may run concurrently).
            view = copy.copy(self)
            view.targets = others
            original(view, original_event, transform_input)
        for target in targets:
            if _arn_service(target["Arn"]) == "lambda":
                LambdaTargetDelivery(runtime, self.arn, target, original_event).attempt()

    p.replace(cls, "send_to_targets", send_to_targets)


@patch("events")
def eventbridge_schedules(p: Patcher) -> None:
    """Fire ``rate(...)`` scheduled rules on the virtual clock; refuse ``cron(...)`` clearly.

    AWS: a rule with ``ScheduleExpression: rate(N minute[s]|hour[s]|day[s])`` sends a
    ``Scheduled Event`` (source ``aws.events``, ``resources: [rule ARN]``, ``detail: {}``) to
    its targets every period while the rule exists and is ENABLED; ``rate(1 minutes)`` and
    ``rate(5 minute)`` are invalid. ``cron(...)`` is also accepted.
    moto: stores the expression (a loose regex check) and never fires it.
    Patch: ``put_rule`` validates the expression first (a ``cron(...)`` is refused with a
    ValidationException saying it is not emulated, instead of a rule that silently never
    fires); after ``put_rule``/``enable_rule``/``disable_rule``/``delete_rule`` the active
    ``event_delivery.ScheduleRegistry`` arms, re-arms or cancels the rule's clock timer. The
    timer fires one period after the rule was created or enabled, then every period, sending
    the scheduled event through ``Rule.send_to_targets`` (so every target type works).
    """
    cls = events_models.EventsBackend
    put_original = cls.put_rule
    put_signature = inspect.signature(put_original)
    originals = {
        name: getattr(cls, name) for name in ("enable_rule", "disable_rule", "delete_rule")
    }

    @functools.wraps(put_original)
    def put_rule(self: Any, *args: Any, **kwargs: Any) -> Any:
        registry = ACTIVE.schedules
        bound = put_signature.bind(self, *args, **kwargs)
        expression = bound.arguments.get("scheduled_expression")
        if registry is not None and expression:
            try:
                schedule_period(expression)
            except ScheduleExpressionError as exc:
                raise events_exceptions.ValidationException(str(exc)) from exc
        rule = put_original(self, *args, **kwargs)
        if registry is not None:
            registry.reconcile(self, rule.event_bus_name, rule.name)
        return rule

    def reconciling(name: str) -> Callable[..., Any]:
        original = originals[name]

        def method(self: Any, rule_name: str, event_bus_arn: str | None = None) -> Any:
            result = original(self, rule_name, event_bus_arn)
            registry = ACTIVE.schedules
            if registry is not None:
                bus_name = self._normalize_event_bus_arn(event_bus_arn)
                registry.reconcile(self, bus_name, rule_name)
            return result

        return method

    p.replace(cls, "put_rule", put_rule)
    for name in originals:
        p.replace(cls, name, reconciling(name))


def _is_own_scheduled_event(rule: Any, event: Any) -> bool:
    return (
        isinstance(event, dict)
        and event.get("source") == "aws.events"
        and event.get("detail-type") == "Scheduled Event"
        and event.get("resources") == [rule.arn]
    )


@patch("events")
def schedule_rules_match_no_events(p: Patcher) -> None:
    """Keep events put on a bus away from rules that only have a schedule.

    AWS: a rule has an ``EventPattern``, a ``ScheduleExpression``, or both; a rule with only a
    schedule receives its own ``Scheduled Event`` each period and matches no event put on the
    bus.
    moto: ``EventPattern.matches_event`` answers True for an empty pattern, so a schedule-only
    rule receives every event on its bus (each DMS state change would also run a scheduled
    Lambda, such as the hub's reconciler, inflating invocations and request counts).
    Patch: ``Rule.send_to_targets`` (wrapping ``eventbridge_lambda_targets``) drops an event
    for a rule without an event pattern unless it is that rule's own scheduled event (source
    ``aws.events``, detail-type ``Scheduled Event``, ``resources: [rule ARN]``, as
    ``event_delivery.scheduled_event`` builds it).
    """
    cls = events_models.Rule
    inner = cls.send_to_targets
    p.require(hasattr(events_models.EventPattern, "get_pattern"), "EventPattern has no get_pattern")

    # Wraps (``__wrapped__``) the Lambda-target delivery, which must already be installed.
    @functools.wraps(inner)
    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if not self.event_pattern.get_pattern() and not _is_own_scheduled_event(
            self, original_event
        ):
            return
        inner(self, original_event, transform_input)

    p.replace(cls, "send_to_targets", send_to_targets)


@patch("events")
def virtual_event_time(p: Patcher) -> None:
    """Stamp EventBridge events with the virtual time they were put.

    AWS: an event without an explicit ``Time`` carries the time EventBridge received it (the
    ``time`` field targets see).
    moto: ``put_events`` uses the real ``unix_time()`` (also for ``ingestion-time``).
    Patch: the events module's ``unix_time`` returns the active clock's time as unix seconds.
    """
    original = events_models.unix_time  # type: ignore[attr-defined]

    def unix_time(dt: Any = None) -> float:
        clock = active_clock()
        if clock is None or dt is not None:
            result: float = original(dt) if dt is not None else original()
            return result
        return clock.now_datetime().timestamp()

    p.swap_global(events_models, "unix_time", original, unix_time)
