"""EventBridge Scheduler in moto, adapted: schedules fire on the virtual clock."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from moto.scheduler import exceptions as scheduler_exceptions
from moto.scheduler import models as scheduler_models

from dms_waiters.schedule_expressions import (
    ScheduleExpressionError,
    check_timezone,
    parse_schedule_expression,
)

from ..active import ACTIVE
from ..patching import Patcher, patch
from .timing import field_values


def _check(expression: str | None, timezone: str | None) -> None:
    """Refuse what Scheduler refuses (and the cron symbols the local cloud cannot fire)."""
    if expression is None:
        return
    try:
        parsed = parse_schedule_expression(expression)
        fields = getattr(parsed, "fields", ())
        from dms_waiters.schedule_expressions import CRON_FIELDS

        for text, field in zip(fields, CRON_FIELDS, strict=False):
            field_values(text, field)
        check_timezone(timezone or "UTC")
    except ScheduleExpressionError as exc:
        raise scheduler_exceptions.ValidationException(
            f"Invalid Schedule Expression: {exc}"
        ) from exc


@patch("scheduler")
def scheduler_schedules_on_the_clock(p: Patcher) -> None:
    """Fire ENABLED schedules on the virtual clock; refuse invalid expressions and time zones.

    AWS: a schedule with ``rate(...)`` fires at once (no StartDate) and then every period;
    ``cron(...)`` fires at its times in ``ScheduleExpressionTimezone`` (default UTC); a
    DISABLED schedule does not fire; each invocation delivers the target's ``Input`` with the
    context attributes (``<aws.scheduler.scheduled-time>``...) replaced; a failed invocation
    is retried per the target's ``RetryPolicy`` and then sent to its ``DeadLetterConfig``.
    CreateSchedule refuses an invalid expression or time zone with a ValidationException.
    moto: stores schedules (with a loose check of the expression) and never fires them.
    Patch: ``create_schedule``/``update_schedule`` check the expression and time zone with the
    rules the components use at preview (``dms_waiters.schedule_expressions``; the cron symbols
    L, W and # are refused as not emulated), then ``create``/``update``/``delete_schedule``
    have the active ``delivery.SchedulerRegistry`` arm, re-arm or cancel the schedule's timer.
    Only Lambda targets (templated) are delivered.
    """
    cls = scheduler_models.EventBridgeSchedulerBackend
    originals = {
        name: getattr(cls, name)
        for name in ("create_schedule", "update_schedule", "delete_schedule")
    }
    p.require(all(originals.values()), "moto's scheduler backend has no schedule methods")

    def wrapped(name: str) -> Callable[..., Any]:
        original = originals[name]
        signature = inspect.signature(original)

        @functools.wraps(original)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(self, *args, **kwargs)
            arguments = bound.arguments
            if name != "delete_schedule":
                _check(
                    arguments.get("schedule_expression"),
                    arguments.get("schedule_expression_timezone"),
                )
            result = original(self, *args, **kwargs)
            registry = ACTIVE.scheduler
            if registry is not None:
                group = arguments.get("group_name") or "default"
                key = (self.account_id, self.region_name, group, arguments["name"])
                deleted = name == "delete_schedule"
                schedule = None if deleted else self.get_schedule(group, arguments["name"])
                registry.reconcile(schedule, key, deleted=deleted)
            return result

        return method

    for name in originals:
        p.replace(cls, name, wrapped(name))
