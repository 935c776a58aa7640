"""What a simulated DMS task does: its scenario, its timeline, and the records of its events.

``DmsScenario`` says how a task behaves once started (durations, final status, faults of its
events, API throttling); ``SimulatedTask`` holds its timeline and call counts; ``EventRecord``
what became of each event. ``simulator.DmsSimulator`` plays them on the virtual clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

from moto.dms.exceptions import DmsClientError

from dms_waiters.lambdas import dms_status as dms

from ..clock import TimerHandle, VirtualClock
from . import events as dms_events
from .events import EventVariant

#: Table mappings selecting every table (what a simulated task is created with).
ALL_TABLES: Final = {
    "rules": [
        {
            "rule-type": "selection",
            "rule-id": "1",
            "rule-name": "all",
            "object-locator": {"schema-name": "%", "table-name": "%"},
            "rule-action": "include",
        }
    ]
}

FinalStatus = Literal["stopped", "failed", "never"]

#: A LastFailureMessage in the shape DMS reports (the stop reason and error level are embedded).
DEFAULT_FAILURE_MESSAGE: Final = (
    "Last Error Task error notification received from subtask 0, thread 0 "
    "[reptask/replicationtask.c:2883] [1020101] Error executing source loop; Stream component "
    "failed at subtask 0, component st_0_SIMULATED; Stream component 'st_0_SIMULATED' "
    "terminated Stop Reason FATAL_ERROR Error Level FATAL"
)

#: Statuses StartReplicationTask accepts (DMS refuses to start a task that is busy).
STARTABLE_STATUSES: Final = frozenset({"ready", "stopped", "failed"})
#: DMS's message when a task that is not startable is started (InvalidResourceStateFault), as
#: reported by DMS in hashicorp/terraform-provider-aws PR #46516's acceptance test output.
INVALID_STATE_MESSAGE: Final = "Replication Task cannot be started, invalid state"
#: DMS's message when ``start-replication`` is repeated (docs/aws-facts.md: user reports).
REPEATED_START_MESSAGE: Final = (
    "Start Type : START_REPLICATION, valid only for tasks running for the first time"
)

#: Kinds of events the simulator publishes, in the order they happen (the fault options name
#: these). Task variants publish created/started/stopped/failed/deleted; the Serverless one
#: initializing/started/stopped/failed. Intermediate statuses (stopping...) have no event.
SIMULATED_EVENT_KINDS: Final[tuple[str, ...]] = (
    "created",
    "initializing",
    "started",
    "stopped",
    "failed",
    "deleted",
)

#: Kinds that end a run: a reordered ``started`` event is delivered right after one of them.
_TERMINAL_EVENT_KINDS: Final = frozenset({"stopped", "failed", "deleted"})

EventFate = Literal["published", "lost", "error"]


class ThrottlingError(DmsClientError):
    """DMS's answer to too many requests (HTTP 400, code ThrottlingException)."""

    def __init__(self, message: str = "Rate exceeded") -> None:
        super().__init__("ThrottlingException", message)


class InvalidParameterCombinationError(DmsClientError):
    """DMS's answer to ``start-replication`` on a task that already ran (HTTP 400).

    AWS's documentation says only that ``start-replication`` is valid for a task's first run;
    the code and message are what users report DMS returning (docs/aws-facts.md). The code is
    not in DMS's SDK model, so SDKs see the service's generic error with this code.
    """

    def __init__(self) -> None:
        super().__init__("InvalidParameterCombinationException", REPEATED_START_MESSAGE)


class StartRefusedError(DmsClientError):
    """A scenario's ``start_error``: StartReplicationTask fails with that error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


@dataclass(frozen=True)
class DmsScenario:
    """How a simulated task behaves once started; all durations in virtual seconds.

    A start puts the task in ``starting``; after ``starting_seconds`` it is ``running``; after
    ``run_seconds`` more it becomes ``final_status`` (through ``stopping`` for
    ``stopping_seconds`` when that is non-zero), unless ``final_status`` is ``never``.
    Status changes are published as DMS events on EventBridge in the ``event_variant`` shape,
    with the faults the ``lose_events``/``duplicate_events``/``delay_events_seconds``/``reorder``
    options inject.
    """

    run_seconds: float = 600.0
    """Time spent ``running`` before the task ends."""
    final_status: FinalStatus = "stopped"
    """``stopped``, ``failed`` or ``never`` (runs until stopped)."""
    stop_reason: str | None = None
    """Bare stop reason at the end (FULL_LOAD_ONLY_FINISHED when stopped, FATAL_ERROR when
    failed, by default)."""
    failure_message: str = DEFAULT_FAILURE_MESSAGE
    """LastFailureMessage reported once the task failed."""
    start_error: str | None = None
    """Error code StartReplicationTask fails with (e.g. ``AccessDeniedFault``); None: starts."""
    start_error_message: str = "Simulated start failure"
    """Message of ``start_error``."""
    throttle_describes: int = 0
    """The first N DescribeReplicationTasks calls returning this task fail with throttling."""
    throttle_starts: int = 0
    """The first N StartReplicationTask calls on this task fail with throttling."""
    creating_seconds: float = 0.0
    """Time in ``creating`` after creation before the task is ``ready``."""
    starting_seconds: float = 10.0
    """Time in ``starting`` before ``running``."""
    stopping_seconds: float = 0.0
    """Time in ``stopping`` before the final status (0: no ``stopping`` phase)."""
    full_load_seconds: float | None = None
    """Running time until FullLoadProgressPercent reaches 100 (default ``run_seconds``)."""
    tables: int = 4
    """Tables in the full load."""
    event_variant: EventVariant = "documented"
    """Shape of the EventBridge events published on status changes: ``documented`` (AWS's
    example), ``observed`` (the production shape) or ``serverless`` (``DMS Replication State
    Change`` on a replication-config ARN, which task rules never match). See ``dms_events``."""
    lose_events: AbstractSet[str] | str = frozenset()
    """Events dropped instead of published: ``"all"``, one kind (``"stopped"``) or a set of
    kinds from ``SIMULATED_EVENT_KINDS``. AWS delivers DMS events best effort."""
    duplicate_events: int | Mapping[str, int] = 1
    """Copies delivered of each event (1: once), or per kind (``{"stopped": 2}``, others
    once). EventBridge delivers at least once: handlers must be idempotent."""
    delay_events_seconds: float | Mapping[str, float] = 0.0
    """Virtual seconds between a status change and the publication of its event, or per kind
    (others at once). The event's ``time`` stays the time of the status change."""
    reorder: bool = False
    """Deliver each run's ``started`` event right after the run's terminal event (stopped,
    failed, or the deletion) instead of when it happened: consumers see STOPPED before
    STARTED. A run that never ends never delivers its ``started`` event."""

    def __post_init__(self) -> None:
        if self.final_status not in ("stopped", "failed", "never"):
            raise ValueError(
                f"final_status must be stopped, failed or never, not {self.final_status!r}"
            )
        for name in ("run_seconds", "creating_seconds", "starting_seconds", "stopping_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.full_load_seconds is not None and self.full_load_seconds < 0:
            raise ValueError("full_load_seconds must be >= 0")
        if self.throttle_describes < 0 or self.throttle_starts < 0 or self.tables < 1:
            raise ValueError("throttle_describes and throttle_starts must be >= 0, tables >= 1")
        if self.stop_reason is not None:
            bare = dms.normalise_stop_reason(self.stop_reason)
            if bare not in dms.STOP_REASONS:
                raise ValueError(f"unknown stop reason {self.stop_reason!r}")
            object.__setattr__(self, "stop_reason", bare)
        self._validate_events()

    def _validate_events(self) -> None:
        # Normalise the convenient spellings ("stopped", {"stopped"}, dicts) to immutable
        # values so a scenario can be shared between tasks safely.
        if self.event_variant not in dms_events.VARIANTS:
            raise ValueError(
                f"event_variant must be one of {', '.join(dms_events.VARIANTS)}, "
                f"not {self.event_variant!r}"
            )
        lose: frozenset[str] | str
        if isinstance(self.lose_events, str):
            lose = "all" if self.lose_events == "all" else frozenset({self.lose_events})
        else:
            lose = frozenset(self.lose_events)
        if not isinstance(lose, str):
            _check_kinds("lose_events", lose)
        object.__setattr__(self, "lose_events", lose)

        copies = self.duplicate_events
        counts: dict[str, Any] = dict(copies) if isinstance(copies, Mapping) else {"*": copies}
        _check_kinds("duplicate_events", counts.keys() - {"*"})
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in counts.values()):
            raise ValueError("duplicate_events must be whole numbers >= 1 (copies delivered)")
        if isinstance(copies, Mapping):
            object.__setattr__(self, "duplicate_events", MappingProxyType(counts))

        delay = self.delay_events_seconds
        delays: dict[str, Any] = dict(delay) if isinstance(delay, Mapping) else {"*": delay}
        _check_kinds("delay_events_seconds", delays.keys() - {"*"})
        for seconds in delays.values():
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise ValueError("delay_events_seconds must be numbers of seconds")
            if not math.isfinite(seconds) or seconds < 0:
                raise ValueError("delay_events_seconds must be finite and >= 0")
        if isinstance(delay, Mapping):
            object.__setattr__(self, "delay_events_seconds", MappingProxyType(delays))

    def loses(self, kind: str) -> bool:
        """True if events of ``kind`` are dropped."""
        return self.lose_events == "all" or kind in self.lose_events

    def event_copies(self, kind: str) -> int:
        """How many copies of an event of ``kind`` are delivered."""
        copies = self.duplicate_events
        return copies.get(kind, 1) if isinstance(copies, Mapping) else copies

    def event_delay(self, kind: str) -> float:
        """Virtual seconds an event of ``kind`` is published after its status change."""
        delay = self.delay_events_seconds
        return float(delay.get(kind, 0.0) if isinstance(delay, Mapping) else delay)

    @property
    def effective_stop_reason(self) -> str | None:
        """The bare stop reason the task ends with (None for ``never``)."""
        if self.final_status == "never":
            return None
        if self.stop_reason is not None:
            return self.stop_reason
        return "FULL_LOAD_ONLY_FINISHED" if self.final_status == "stopped" else "FATAL_ERROR"

    @property
    def effective_full_load_seconds(self) -> float:
        """Running time until the full load is complete."""
        return self.run_seconds if self.full_load_seconds is None else self.full_load_seconds


def _check_kinds(option: str, kinds: AbstractSet[str] | Mapping[str, Any]) -> None:
    unknown = sorted(str(k) for k in kinds if k not in SIMULATED_EVENT_KINDS)
    if unknown:
        raise ValueError(
            f"{option}: unknown event kind(s) {', '.join(unknown)}; "
            f"known: {', '.join(SIMULATED_EVENT_KINDS)} (or 'all' for lose_events)"
        )


@dataclass(frozen=True)
class Transition:
    """One status change of a task at a virtual time."""

    at: float
    status: str
    stop_reason: str | None = None
    """Bare stop reason, on ``stopped``/``failed``."""
    failure_message: str | None = None
    """On ``failed``."""
    start_type: str | None = None
    """On ``starting``: the StartReplicationTaskType of that start."""


@dataclass
class _Run:
    """One start of the task until it ends."""

    start_type: str | None
    started_at: float
    running_at: float
    ended_at: float | None = None


@dataclass
class SimulatedTask:
    """What the simulator knows about one task: its scenario, timeline and API call counts."""

    arn: str
    identifier: str
    scenario: DmsScenario
    created_at: float
    clock: VirtualClock = field(repr=False)
    migration_type: str = "full-load"
    """``MigrationType`` (moto keeps it and reports it in DescribeReplicationTasks)."""
    transitions: list[Transition] = field(default_factory=list)
    start_types: list[tuple[float, str | None]] = field(default_factory=list)
    """(virtual time, StartReplicationTaskType) of every accepted start."""
    describe_calls: int = 0
    """DescribeReplicationTasks calls that returned (or were throttled for) this task."""
    throttled: int = 0
    throttled_starts: int = 0
    refused_starts: list[tuple[float, str | None, str]] = field(default_factory=list)
    """(virtual time, StartReplicationTaskType, error code) of every refused start."""
    runs: list[_Run] = field(default_factory=list)
    _timers: list[TimerHandle] = field(default_factory=list, repr=False)

    def transition_at(self, t: float) -> Transition:
        """The transition in force at virtual time ``t`` (the creation one before anything)."""
        current = self.transitions[0]
        for tr in self.transitions:
            if tr.at <= t:
                current = tr
            else:
                break
        return current

    def status_at(self, t: float) -> str:
        """The task's Status at virtual time ``t``."""
        return self.transition_at(t).status

    @property
    def stopped_at(self) -> float | None:
        """Virtual time the latest run ended (stopped or failed); None if it has not, yet."""
        if not self.runs:
            return None
        ended = self.runs[-1].ended_at
        return ended if ended is not None and ended <= self.clock.now() else None

    def _run_at(self, t: float) -> _Run | None:
        current = None
        for run in self.runs:
            if run.started_at <= t:
                current = run
        return current


Hook = Callable[[SimulatedTask, Transition], None]

#: Publishes PutEvents entries (``events.put_events(Entries=...)``), returns its response.
PutEvents = Callable[[list[dict[str, Any]]], Mapping[str, Any]]


@dataclass(frozen=True)
class EventRecord:
    """One DMS event the simulator emitted, and what became of it (one record per copy)."""

    kind: str
    """A ``SIMULATED_EVENT_KINDS`` value."""
    task_arn: str
    event: dict[str, Any] = field(repr=False)
    """The event as EventBridge delivers it (``id`` is the simulator's; see ``bus_event_id``)."""
    occurred_at: float
    """Virtual time of the status change (the event's ``time``)."""
    published_at: float | None
    """Virtual time PutEvents was called; None when the event was lost."""
    fate: EventFate
    """``published``, ``lost`` (fault injection) or ``error`` (PutEvents failed)."""
    copy: int = 1
    """1 for the original, 2.. for duplicates."""
    bus_event_id: str | None = None
    """The EventId PutEvents returned (moto assigns its own id to what targets receive)."""
    error: str | None = None
    """Why PutEvents failed, for ``error``."""

    @property
    def event_type(self) -> str:
        """``detail.eventType``."""
        return str(self.event["detail"]["eventType"])


@dataclass
class _PendingEvent:
    task: SimulatedTask
    kind: str
    event: dict[str, Any]
    occurred_at: float
