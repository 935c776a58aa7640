"""Pure builders of the EventBridge event patterns the event hub's rule matches (no Pulumi).

DMS publishes state changes on the account's default bus, best effort. The pattern is
deliberately broad (every state change of every task, not only stops and failures): the event
is only a trigger, the resume Lambda asks DescribeReplicationTasks for the truth, and a narrower
pattern written against one of the event shapes DMS uses would silently miss the others (the
shapes are described in ``tests/events/README.md``).
"""

from __future__ import annotations

from typing import Any, Final

# The event's source and detail-types are the parser's (``lambdas/dms_event.py``): a rule that
# matched other names than the handler reads would route events nobody parses.
from ..lambdas.dms_event import SERVERLESS_DETAIL_TYPE, SOURCE, TASK_DETAIL_TYPE


def dms_state_change_pattern(include_serverless: bool = False) -> dict[str, Any]:
    """The pattern of the hub's rule: DMS task state changes, plus Serverless ones if asked."""
    detail_types = [TASK_DETAIL_TYPE]
    if include_serverless:
        detail_types.append(SERVERLESS_DETAIL_TYPE)
    return {"source": [SOURCE], "detail-type": detail_types}


def schedule_expression(every_minutes: int) -> str:
    """An EventBridge ``rate()`` expression; AWS wants the singular unit for 1."""
    if every_minutes < 1:
        raise ValueError(f"every_minutes must be at least 1, got {every_minutes}")
    unit = "minute" if every_minutes == 1 else "minutes"
    return f"rate({every_minutes} {unit})"


#: Minutes per unit of a ``rate()`` expression (EventBridge's units, singular or plural).
_RATE_UNITS: Final = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}


def schedule_minutes(expression: str) -> int | None:
    """The period of a ``rate()`` expression in minutes (the inverse of
    ``schedule_expression``); None for anything else (a ``cron()``)."""
    inner = expression.strip()
    if not (inner.startswith("rate(") and inner.endswith(")")):
        return None
    value, _, unit = inner[5:-1].strip().partition(" ")
    if not value.isdigit() or unit.strip() not in _RATE_UNITS:
        return None
    return int(value) * _RATE_UNITS[unit.strip()]
