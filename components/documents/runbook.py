"""Where an alarm's description sends the person it wakes: docs/operations.md on the project's
repository, one anchor per alarm (tests/components/hub check each anchor is a heading there):
the hub's alarms and every schedule's (``_internal/schedule.py``)."""

from __future__ import annotations

from typing import Final

#: The project's repository (the one place its URL is written).
REPOSITORY_URL: Final = "https://github.com/dms-waiters/dms-waiters"
#: The operations manual, on the default branch.
OPERATIONS_URL: Final = f"{REPOSITORY_URL}/blob/main/docs/operations.md"

# -- one anchor per alarm: GitHub's anchor of the alarm's heading in docs/operations.md --------
DLQ_NOT_EMPTY: Final = "dead-letter-queue-not-empty"
HANDLER_ERRORS: Final = "handler-errors"
LOST_EVENTS: Final = "lost-events-caught-by-the-reconciler"
OVERDUE_WAITS: Final = "waits-past-their-deadline"
SCHEDULED_START_FAILED: Final = "scheduled-start-failed"
ANCHORS: Final = (DLQ_NOT_EMPTY, HANDLER_ERRORS, LOST_EVENTS, OVERDUE_WAITS, SCHEDULED_START_FAILED)


def runbook_url(anchor: str) -> str:
    """The runbook section ``anchor`` (one of ``ANCHORS``)."""
    if anchor not in ANCHORS:
        raise ValueError(f"no runbook section {anchor!r}; known: {ANCHORS}")
    return f"{OPERATIONS_URL}#{anchor}"
