"""EventBridge Scheduler's recurring schedule expressions, parsed and checked (pure: no Pulumi).

What AWS accepts (docs/aws-facts.md, "EventBridge Scheduler"): ``rate(value unit)`` with a
positive integer and ``minute(s)``, ``hour(s)`` or ``day(s)``; ``cron(minutes hours
day-of-month month day-of-week year)``, six fields, where exactly one of day-of-month and
day-of-week is ``?``; a time zone from the IANA database (cron is evaluated in it, rate ignores
it). ``at(...)`` is a one-time schedule, not a recurring one: a nightly wait cannot use it.
The components check expressions with ``parse_schedule_expression`` at preview; the local
cloud fires them from the same parse (``localcloud/scheduler/timing.py``).
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from typing import Final

#: The forms a ``schedule.expression`` may take, for error messages.
ALLOWED_FORMS: Final = (
    "rate(<n> minute|minutes|hour|hours|day|days) or "
    "cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with '?' in exactly "
    "one of day-of-month and day-of-week"
)
RATE_UNIT_SECONDS: Final = {"minute": 60, "hour": 3600, "day": 86400}
_RATE_RE: Final = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON_RE: Final = re.compile(r"^cron\((.*)\)$")
_MONTHS: Final = tuple(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
)
#: Day-of-week 1-7 is SUN-SAT in AWS cron.
_DAYS: Final = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


class ScheduleExpressionError(ValueError):
    """The expression or time zone is not one EventBridge Scheduler accepts."""


@dataclass(frozen=True)
class CronField:
    """One cron field: its name, range, the names its values may take and its extra symbols."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    special: str = ""
    """Symbols besides ``, - * /`` the field accepts (``?``, ``L``, ``W``, ``#``)."""


#: The six fields, in order (AWS "Cron-based schedules").
CRON_FIELDS: Final = (
    CronField("minutes", 0, 59),
    CronField("hours", 0, 23),
    CronField("day-of-month", 1, 31, special="?LW"),
    CronField("month", 1, 12, _MONTHS),
    CronField("day-of-week", 1, 7, _DAYS, special="?L#"),
    CronField("year", 1970, 2199),
)


@dataclass(frozen=True)
class Rate:
    """``rate(...)``: every ``seconds``."""

    seconds: int


@dataclass(frozen=True)
class Cron:
    """``cron(...)``: the raw field texts, in ``CRON_FIELDS`` order."""

    fields: tuple[str, ...]


def parse_schedule_expression(expression: object) -> Rate | Cron:
    """Parse a recurring expression; ``ScheduleExpressionError`` says what is wrong."""
    if not isinstance(expression, str):
        raise ScheduleExpressionError(f"must be a string: {ALLOWED_FORMS}")
    rate = _RATE_RE.match(expression)
    if rate is not None:
        value = int(rate.group(1))
        if value < 1:
            raise ScheduleExpressionError(f"is {expression!r}: a rate's value must be positive")
        return Rate(value * RATE_UNIT_SECONDS[rate.group(2).rstrip("s")])
    cron = _CRON_RE.match(expression)
    if cron is None:
        if expression.startswith("at("):
            raise ScheduleExpressionError(
                f"is {expression!r}: at() is a one-time schedule; use {ALLOWED_FORMS}"
            )
        raise ScheduleExpressionError(f"is {expression!r}; allowed forms: {ALLOWED_FORMS}")
    fields = tuple(cron.group(1).split())
    if len(fields) != len(CRON_FIELDS):
        raise ScheduleExpressionError(
            f"is {expression!r}: a cron expression has {len(CRON_FIELDS)} fields "
            f"({' '.join(f.name for f in CRON_FIELDS)}), got {len(fields)}"
        )
    for text, field in zip(fields, CRON_FIELDS, strict=True):
        _check_field(expression, text, field)
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ScheduleExpressionError(
            f"is {expression!r}: exactly one of day-of-month and day-of-week must be '?'"
        )
    return Cron(fields)


def _check_field(expression: str, text: str, field: CronField) -> None:
    names = f" or {field.names[0]}-{field.names[-1]}" if field.names else ""
    symbols = " ".join(f"'{s}'" for s in (",", "-", "*", "/", *field.special))
    bad = ScheduleExpressionError(
        f"is {expression!r}: the {field.name} field {text!r} is not valid (values "
        f"{field.low}-{field.high}{names}; symbols {symbols})"
    )
    if text == "?" and "?" in field.special:
        return
    for part in text.split(","):
        if not _valid_part(part, field):
            raise bad


def _valid_part(part: str, field: CronField) -> bool:
    if part == "L" and "L" in field.special:
        return True
    if "#" in part and "#" in field.special:
        day, _, nth = part.partition("#")
        return _value(day, field) is not None and nth in {"1", "2", "3", "4", "5"}
    if part.endswith("W") and "W" in field.special:
        return _value(part[:-1], field) is not None
    if part.endswith("L") and "L" in field.special and field.name == "day-of-week":
        return _value(part[:-1], field) is not None
    base, slash, step = part.partition("/")
    if slash and not (step.isdigit() and int(step) >= 1):
        return False
    if base == "*":
        return True
    low, dash, high = base.partition("-")
    if dash:
        return _value(low, field) is not None and _value(high, field) is not None
    return _value(base, field) is not None


def _value(text: str, field: CronField) -> int | None:
    """The number a value stands for (a name counts from the field's low end), or None."""
    upper = text.upper()
    if upper in field.names:
        return field.low + field.names.index(upper)
    if text.isdigit() and field.low <= int(text) <= field.high:
        return int(text)
    return None


def cron_value(text: str, field: CronField) -> int:
    """``_value`` for an already checked field (the local cloud's firing)."""
    value = _value(text, field)
    if value is None:
        raise ScheduleExpressionError(f"{text!r} is not a {field.name} value")
    return value


def check_timezone(name: object) -> str:
    """An IANA time zone name (``UTC``, ``Europe/Paris``...), as Scheduler accepts them."""
    if not isinstance(name, str) or not name or len(name) > 50:
        raise ScheduleExpressionError(f"is {name!r}; expected an IANA time zone name such as UTC")
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleExpressionError(
            f"is {name!r}: not a time zone of the IANA database (such as UTC, Europe/Paris, "
            "America/New_York)"
        ) from exc
    return name
