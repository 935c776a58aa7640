"""When a schedule fires: the next instant of a ``cron(...)`` in its time zone, or of a
``rate(...)`` from its start (the expressions are parsed by ``dms_waiters.schedule_expressions``,
the same rules the components check at preview)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dms_waiters.schedule_expressions import (
    CRON_FIELDS,
    Cron,
    CronField,
    Rate,
    ScheduleExpressionError,
    cron_value,
    parse_schedule_expression,
)

#: How far ahead a cron is searched (a year-field schedule may never fire again).
_SEARCH_DAYS = 5 * 366


def field_values(text: str, field: CronField) -> set[int] | None:
    """The values a cron field allows (None for ``?``); ``L``, ``W`` and ``#`` are refused."""
    if text == "?":
        return None
    values: set[int] = set()
    for part in text.split(","):
        if any(symbol in part for symbol in "LW#") and part.upper() not in field.names:
            raise ScheduleExpressionError(
                f"local cloud: the cron symbols L, W and # are not emulated ({text!r})"
            )
        base, _, step = part.partition("/")
        if base == "*":
            low, high = field.low, field.high
        elif "-" in base:
            first, _, last = base.partition("-")
            low, high = cron_value(first, field), cron_value(last, field)
        else:
            low = cron_value(base, field)
            high = field.high if step else low
        values.update(range(low, high + 1, int(step) if step else 1))
    return values


def next_cron(expression: Cron, timezone: str, after: datetime) -> datetime | None:
    """The first instant strictly after ``after`` (aware) at which the cron fires, in UTC."""
    minutes, hours, days, months, weekdays, years = (
        field_values(text, field)
        for text, field in zip(expression.fields, CRON_FIELDS, strict=True)
    )
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    day = local.date()
    for _ in range(_SEARCH_DAYS):
        # AWS day-of-week 1-7 is SUN-SAT; isoweekday() is MON=1..SUN=7.
        weekday = day.isoweekday() % 7 + 1
        if (
            (years is None or day.year in years)
            and (months is None or day.month in months)
            and (days is None or day.day in days)
            and (weekdays is None or weekday in weekdays)
        ):
            for hour in sorted(hours or ()):
                for minute in sorted(minutes or ()):
                    candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                    if candidate.astimezone(UTC) > after:
                        return candidate.astimezone(UTC)
        day += timedelta(days=1)
    return None


def next_fire(expression: str, timezone: str, start: datetime, after: datetime) -> datetime | None:
    """The next firing strictly after ``after``; a rate counts from ``start`` (its first firing
    is ``start`` itself: a rate schedule without StartDate fires at once)."""
    parsed = parse_schedule_expression(expression)
    if isinstance(parsed, Rate):
        period = timedelta(seconds=parsed.seconds)
        if after < start:
            return start
        return start + period * ((after - start) // period + 1)
    return next_cron(parsed, timezone, after)
