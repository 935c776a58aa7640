"""DMS replication task facts and the one success/failure classification every pattern uses.

Pure standard library: this module is imported by the Pulumi components (to build the polling
state machine's Choice rules and to validate arguments) and shipped inside every handler archive
(to judge a task's outcome at resume time). Changing a fact here changes every pattern at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal

# The error names live in ``errors`` (one place for every name a workflow sees); re-exported
# here for code that reads them beside the statuses (the local cloud).
from .errors import ERROR_ALREADY_WAITING as ERROR_ALREADY_WAITING
from .errors import ERROR_DESCRIBE_FAILED as ERROR_DESCRIBE_FAILED
from .errors import ERROR_INVALID_INPUT as ERROR_INVALID_INPUT
from .errors import ERROR_START_FAILED as ERROR_START_FAILED
from .errors import ERROR_TASK_FAILED as ERROR_TASK_FAILED
from .errors import ERROR_TASK_NOT_FOUND as ERROR_TASK_NOT_FOUND
from .errors import ERROR_TASK_STOPPED as ERROR_TASK_STOPPED
from .errors import ERROR_WAIT_TIMED_OUT as ERROR_WAIT_TIMED_OUT

#: Every value of ``ReplicationTask.Status`` (DMS API reference).
STATUSES: Final[tuple[str, ...]] = (
    "moving",
    "creating",
    "deleting",
    "failed",
    "failed-move",
    "modifying",
    "ready",
    "running",
    "starting",
    "stopped",
    "stopping",
    "testing",
)

#: Statuses that end a wait as a failure whatever the stop reason. ``deleting`` is here because a
#: task deleted under a waiter will never finish.
FAILED_STATUSES: Final[tuple[str, ...]] = ("failed", "failed-move", "deleting")

#: The status whose outcome depends on the stop reason.
STOPPED_STATUS: Final = "stopped"

#: Every value of ``ReplicationTask.StopReason`` without the API's "Stop Reason " prefix.
STOP_REASONS: Final[tuple[str, ...]] = (
    "NORMAL",
    "RECOVERABLE_ERROR",
    "FATAL_ERROR",
    "FULL_LOAD_ONLY_FINISHED",
    "STOPPED_AFTER_FULL_LOAD",
    "STOPPED_AFTER_CACHED_EVENTS",
    "EXPRESS_LICENSE_LIMITS_REACHED",
    "STOPPED_AFTER_DDL_APPLY",
    "STOPPED_DUE_TO_LOW_MEMORY",
    "STOPPED_DUE_TO_LOW_DISK",
    "STOPPED_AT_SERVER_TIME",
    "STOPPED_AT_COMMIT_TIME",
    "RECONFIGURATION_RESTART",
    "RECYCLE_TASK",
)

#: The API reports stop reasons as "Stop Reason FULL_LOAD_ONLY_FINISHED"; events and older
#: responses may carry the bare name. Both forms are accepted everywhere.
STOP_REASON_PREFIX: Final = "Stop Reason "

#: Stop reasons that mean the task did its job. NORMAL is absent on purpose: it means someone
#: stopped the task, which is a failure unless a task lists it.
DEFAULT_SUCCESS_STOP_REASONS: Final[tuple[str, ...]] = (
    "FULL_LOAD_ONLY_FINISHED",
    "STOPPED_AFTER_FULL_LOAD",
    "STOPPED_AFTER_CACHED_EVENTS",
    "STOPPED_AFTER_DDL_APPLY",
    "STOPPED_AT_SERVER_TIME",
    "STOPPED_AT_COMMIT_TIME",
)

#: ``StartReplicationTaskType`` values (DMS API reference, StartReplicationTask).
START_REPLICATION: Final = "start-replication"
RESUME_PROCESSING: Final = "resume-processing"
RELOAD_TARGET: Final = "reload-target"
DMS_START_TYPES: Final[tuple[str, ...]] = (START_REPLICATION, RESUME_PROCESSING, RELOAD_TARGET)
#: Decide at start time from DescribeReplicationTasks (``auto_start_type``).
START_TYPE_AUTO: Final = "auto"
#: Only wait, never start.
START_TYPE_NONE: Final = "none"
#: Every start type a workflow accepts; the first is the default.
START_TYPES: Final[tuple[str, ...]] = (START_TYPE_AUTO, *DMS_START_TYPES, START_TYPE_NONE)


def overridable_start_types(configured: str) -> tuple[str, ...]:
    """The start types a run may ask for instead of ``configured``: any, except that a
    wait-only workflow (``none``) accepts only ``none``: it has no permission to start the task.
    The one rule of the definitions (their CheckInput) and the handlers."""
    return START_TYPES if configured != START_TYPE_NONE else (START_TYPE_NONE,)


#: ``ReplicationTask.MigrationType`` values (botocore ``MigrationTypeValue``).
MIGRATION_TYPES: Final[tuple[str, ...]] = ("full-load", "cdc", "full-load-and-cdc")
#: The status of a task nobody has started yet (or one that was modified after a run).
FIRST_RUN_STATUS: Final = "ready"
#: How a task that already ran is restarted, per migration type. AWS: ``start-replication``
#: is refused after the first run; ``resume-processing`` on a finished full load reloads only
#: tables not yet loaded (nothing), so a full load runs again with ``reload-target``; a CDC task
#: carries on from where it stopped with ``resume-processing``.
RESTART_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "full-load": RELOAD_TARGET,
        "cdc": RESUME_PROCESSING,
        "full-load-and-cdc": RESUME_PROCESSING,
    }
)
#: The restart of a migration type DMS may add later: it keeps what is loaded.
DEFAULT_RESTART_TYPE: Final = RESUME_PROCESSING


def never_ran(task: Mapping[str, Any]) -> bool:
    """True for a task that was never started: ``Status`` is ``ready`` and it has no
    ``ReplicationTaskStartDate`` (absent or null).

    A ``ready`` task with a start date ran before and was modified since; a stopped or failed
    task has run by definition; any other status cannot be started at all (the start then fails
    with DMS's own error whatever the type).
    """
    status = str(task.get("Status", "")).strip().lower()
    return status == FIRST_RUN_STATUS and task.get("ReplicationTaskStartDate") is None


def auto_start_type(task: Mapping[str, Any]) -> str:
    """The ``StartReplicationTaskType`` for ``auto``, from a DescribeReplicationTasks task.

    ``start-replication`` when the task ``never_ran``; otherwise ``RESTART_TYPES`` of its
    ``MigrationType`` (``DEFAULT_RESTART_TYPE`` for an unknown or missing one). The polling
    state machine mirrors this rule in ASL (``polling_definition``); a test holds them equal.
    """
    if never_ran(task):
        return START_REPLICATION
    return RESTART_TYPES.get(str(task.get("MigrationType", "")), DEFAULT_RESTART_TYPE)


Verdict = Literal["waiting", "succeeded", "failed", "stopped"]


def normalise_stop_reason(raw: str | None) -> str | None:
    """Return the bare stop reason name ("NORMAL") from either API form, or None if absent."""
    if not raw:
        return None
    reason = raw.strip()
    if reason.startswith(STOP_REASON_PREFIX):
        reason = reason[len(STOP_REASON_PREFIX) :]
    return reason.strip() or None


def stop_reason_forms(reason: str) -> tuple[str, str]:
    """Both spellings a stop reason can arrive in: prefixed (API) and bare (events)."""
    return (STOP_REASON_PREFIX + reason, reason)


def validate_stop_reasons(reasons: Iterable[str]) -> list[str]:
    """Return the reasons in canonical bare form or raise ValueError naming the unknown ones."""
    result: list[str] = []
    unknown: list[str] = []
    for raw in reasons:
        reason = normalise_stop_reason(raw) if isinstance(raw, str) else None
        if reason is None or reason not in STOP_REASONS:
            unknown.append(repr(raw))
        elif reason not in result:
            result.append(reason)
    if unknown:
        raise ValueError(
            f"unknown stop reason(s) {', '.join(unknown)}; allowed: {', '.join(STOP_REASONS)}"
        )
    return result


@dataclass(frozen=True)
class Classification:
    """The verdict on one DescribeReplicationTasks result."""

    verdict: Verdict
    status: str
    stop_reason: str | None
    last_failure_message: str | None

    @property
    def finished(self) -> bool:
        """True when waiting is over, whatever the outcome."""
        return self.verdict != "waiting"

    @property
    def error(self) -> str | None:
        """The error name a failed wait reports, or None when it succeeded or is still waiting."""
        if self.verdict == "failed":
            return ERROR_TASK_FAILED
        if self.verdict == "stopped":
            return ERROR_TASK_STOPPED
        return None


def classify(
    task: Mapping[str, Any],
    success_stop_reasons: Iterable[str] = DEFAULT_SUCCESS_STOP_REASONS,
) -> Classification:
    """Judge a ``ReplicationTask`` dict (as DescribeReplicationTasks returns it).

    ``stopped`` succeeds only with a listed stop reason; any other stop (NORMAL, errors) is
    ``stopped``; FAILED_STATUSES are ``failed``; everything else is still ``waiting``.
    """
    status = str(task.get("Status", "")).strip().lower()
    reason = normalise_stop_reason(task.get("StopReason"))
    message = task.get("LastFailureMessage") or None
    allowed = {normalise_stop_reason(r) for r in success_stop_reasons}
    verdict: Verdict
    if status in FAILED_STATUSES:
        verdict = "failed"
    elif status == STOPPED_STATUS:
        verdict = "succeeded" if reason in allowed else "stopped"
    else:
        verdict = "waiting"
    return Classification(verdict, status, reason, message)
