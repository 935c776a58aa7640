"""``ScheduleArgs``: the ``schedule`` argument every waiter component takes.

A schedule starts the workflow's runs with EventBridge Scheduler (see
``_internal/schedule.py`` for what it creates and why). Checked by ``ArgChecker.schedule``.
"""

from typing import Required, TypedDict

import pulumi

from .arguments import StartType


class ScheduleArgs(TypedDict, total=False):
    """A recurring EventBridge Scheduler schedule starting the workflow's runs; each run is
    named after its scheduled time, so a repeated delivery starts nothing new."""

    expression: Required[str]
    """``cron(minutes hours day-of-month month day-of-week year)`` (one of the two day fields
    ``?``, for example ``cron(0 2 * * ? *)``: 02:00 every day) or ``rate(n minutes|hours|days)``
    (required)."""
    timezone: str
    """IANA time zone the cron expression is evaluated in (``Europe/Paris``...); default
    ``UTC``. Rate expressions ignore it."""
    start_type: StartType
    """The start type of each scheduled run; default the workflow's ``start_type``. ``auto``
    reruns a task that ran before (``reload-target`` for full-load)."""
    enabled: bool
    """On/off switch (the schedule's state ENABLED or DISABLED); default true."""
    retry_attempts: int
    """How many times Scheduler retries a failed start before the dead-letter queue (0 to 185);
    default 185, Scheduler's."""
    max_event_age_seconds: int
    """How long Scheduler keeps retrying a start (60 to 86400 seconds); default 86400."""
    alarm_actions: list[pulumi.Input[str]]
    """SNS topic ARNs notified when a start fails (its dead-letter queue is not empty); default
    none."""


__all__ = ["ScheduleArgs"]
