"""A DMS replication task simulator on top of moto's DMS backend and the virtual clock.

moto keeps the task objects, ARNs, filters, tags and deletion; the simulator owns the *story*
of each task it adopts: a timeline of status transitions laid out when the task is created and
each time it is started or stopped, played on the virtual clock according to a ``DmsScenario``.

* ``DescribeReplicationTasks`` answers from the timeline at the current virtual time (through
  the ``dms_simulated_tasks`` patch), so it is truthful at every moment, whoever asks.
* Each transition is also scheduled as a clock timer that calls the registered hooks at its
  virtual time, in the driver's thread.
* One such hook (``publish_events``) publishes the real DMS events on EventBridge's default bus
  (shapes in ``dms_events``), with the faults a scenario asks for: lost, duplicated, delayed
  and reordered events. AWS delivers DMS events "best effort", so the components treat an
  event as a trigger only; the simulator lets tests prove they survive each fault.
"""

from __future__ import annotations

import copy
import math
import random
import threading
import uuid
import warnings
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

from moto.dms.exceptions import DmsClientError, InvalidResourceStateFault

from dms_waiters.lambdas import dms_status as dms

from . import dms_events
from .clock import TimerHandle, VirtualClock
from .dms_events import EventVariant

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


class DmsSimulator:
    """Owns the simulated tasks and answers the ``DmsTaskHooks`` the DMS patches call."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._tasks: dict[str, SimulatedTask] = {}
        self._hooks: list[Hook] = []
        self._lock = threading.RLock()
        self._put_events: PutEvents | None = None
        self._event_ids = random.Random(0)
        self._event_records: list[EventRecord] = []
        # Reordered ``started`` events waiting for their run's terminal event, per task.
        self._held: dict[str, list[_PendingEvent]] = {}

    # -- setup -----------------------------------------------------------------------------------

    def add_hook(self, hook: Hook) -> None:
        """Call ``hook(task, transition)`` on every transition, at its virtual time.

        Hooks run in the clock driver's thread; one that starts background work must take a
        busy unit on the clock before spawning it.
        """
        with self._lock:
            self._hooks.append(hook)

    def publish_events(self, put_events: PutEvents, *, seed: int = 0) -> None:
        """Publish every simulated task's status changes as DMS events through ``put_events``.

        ``put_events(entries)`` is EventBridge PutEvents (LocalCloud passes its boto3 events
        client). Publishing is a hook, so it happens at each transition's virtual time in the
        driver thread; each scenario picks the event shape and the faults. Event ids come
        from a generator seeded with ``seed``: the same run gives the same ids. Calling it
        again replaces the publisher.
        """
        with self._lock:
            first = self._put_events is None
            self._put_events = put_events
            self._event_ids = random.Random(seed)
        if first:
            self.add_hook(self._emit_event)

    @property
    def event_records(self) -> list[EventRecord]:
        """Every event emitted so far (published, lost or failed), in order of fate."""
        with self._lock:
            return list(self._event_records)

    def published_events(
        self, task_arn: str | None = None, kind: str | None = None
    ) -> list[EventRecord]:
        """The events published (one per copy), in publication order, optionally filtered."""
        return self._records("published", task_arn, kind)

    def lost_events(
        self, task_arn: str | None = None, kind: str | None = None
    ) -> list[EventRecord]:
        """The events dropped by ``lose_events``, in the order they would have been published."""
        return self._records("lost", task_arn, kind)

    def _records(
        self, fate: EventFate, task_arn: str | None, kind: str | None
    ) -> list[EventRecord]:
        return [
            r
            for r in self.event_records
            if r.fate == fate
            and (task_arn is None or r.task_arn == task_arn)
            and (kind is None or r.kind == kind)
        ]

    def adopt(self, task: Any, scenario: DmsScenario) -> SimulatedTask:
        """Take over moto's ``FakeReplicationTask`` ``task`` (just created) with ``scenario``."""
        now = self.clock.now()
        sim = SimulatedTask(
            arn=task.arn,
            identifier=task.id,
            scenario=scenario,
            created_at=now,
            clock=self.clock,
            migration_type=str(getattr(task, "migration_type", "") or "full-load"),
        )
        with self._lock:
            if task.arn in self._tasks:
                raise ValueError(f"task {task.arn} is already simulated")
            self._tasks[task.arn] = sim
            self._plan(sim, [Transition(now, "creating")])
            self._plan(sim, [Transition(now + scenario.creating_seconds, "ready")])
        return sim

    def task(self, arn: str) -> SimulatedTask:
        """The simulated task ``arn`` (KeyError if not simulated)."""
        with self._lock:
            return self._tasks[arn]

    @property
    def tasks(self) -> list[SimulatedTask]:
        """Every simulated task."""
        with self._lock:
            return list(self._tasks.values())

    # -- DmsTaskHooks --------------------------------------------------------------------------

    def tracks(self, arn: str) -> bool:
        """True if ``arn`` is a simulated task."""
        with self._lock:
            return arn in self._tasks

    def start(self, task: Any, start_type: str | None) -> None:
        """StartReplicationTask: refuse as AWS does (throttling, scenario, a busy task, a
        repeated ``start-replication``), else lay out a new run.

        ``resume-processing`` and ``reload-target`` on a task that never ran are accepted: AWS
        documents that they "result in data errors", not that DMS refuses them.
        """
        with self._lock:
            sim = self._tasks[task.arn]
            now = self.clock.now()
            try:
                self._check_start(sim, start_type, now)
            except DmsClientError as exc:
                sim.refused_starts.append((now, start_type, str(exc.error_type)))
                raise
            sc = sim.scenario
            running_at = now + sc.starting_seconds
            run = _Run(start_type=start_type, started_at=now, running_at=running_at)
            sim.runs.append(run)
            sim.start_types.append((now, start_type))
            plan = [
                Transition(now, "starting", start_type=start_type),
                Transition(running_at, "running"),
            ]
            if sc.final_status != "never":
                end = running_at + sc.run_seconds
                plan += self._ending(sim, end, sc.final_status, sc.effective_stop_reason)
                run.ended_at = plan[-1].at
            self._plan(sim, plan)

    def _check_start(self, sim: SimulatedTask, start_type: str | None, now: float) -> None:
        if sim.throttled_starts < sim.scenario.throttle_starts:
            sim.throttled_starts += 1
            raise ThrottlingError()
        if sim.scenario.start_error:
            raise StartRefusedError(sim.scenario.start_error, sim.scenario.start_error_message)
        if sim.status_at(now) not in STARTABLE_STATUSES:
            raise InvalidResourceStateFault(INVALID_STATE_MESSAGE)
        if start_type == dms.START_REPLICATION and sim.runs:
            raise InvalidParameterCombinationError()

    def stop(self, task: Any) -> None:
        """StopReplicationTask: a user stop ends the run now with stop reason NORMAL."""
        with self._lock:
            sim = self._tasks[task.arn]
            now = self.clock.now()
            status = sim.status_at(now)
            if status not in ("running", "starting"):
                raise InvalidResourceStateFault("Replication task is not running")
            self._cut(sim, now)
            plan = self._ending(sim, now, "stopped", "NORMAL")
            sim.runs[-1].ended_at = plan[-1].at
            self._plan(sim, plan)

    def forget(self, arn: str) -> None:
        """The task was deleted: drop its future and record a final ``deleting`` transition.

        The transition reaches the hooks (through a timer, at the current virtual time, in the
        driver thread) so the ``deleted`` event is published, although the task is gone.
        """
        with self._lock:
            sim = self._tasks.pop(arn, None)
            if sim is not None:
                now = self.clock.now()
                self._cut(sim, now)
                self._plan(sim, [Transition(now, "deleting")])

    def before_describe(self, arn: str) -> None:
        """Count the call; throttle the first ``throttle_describes`` of them."""
        with self._lock:
            sim = self._tasks[arn]
            sim.describe_calls += 1
            if sim.throttled < sim.scenario.throttle_describes:
                sim.throttled += 1
                raise ThrottlingError()

    def render(self, task: Any, data: dict[str, Any]) -> dict[str, Any]:
        """Overlay the state at the current virtual time on moto's ``ReplicationTask`` dict."""
        with self._lock:
            sim = self._tasks[task.arn]
            now = self.clock.now()
            snapshot = self.snapshot(sim, now)
            # Keep moto's object in step so its own code paths see the same status.
            task.status = snapshot["Status"]
        data = {k: v for k, v in data.items() if k not in _SIMULATED_KEYS}
        data.update(snapshot)
        return data

    # -- state -------------------------------------------------------------------------------

    def snapshot(self, sim: SimulatedTask, t: float) -> dict[str, Any]:
        """The simulated ``ReplicationTask`` fields at virtual time ``t`` (API shapes)."""
        current = sim.transition_at(t)
        out: dict[str, Any] = {"Status": current.status}
        if current.status in ("stopped", "failed") and current.stop_reason:
            out["StopReason"] = dms.STOP_REASON_PREFIX + current.stop_reason
        failures = [
            tr.failure_message for tr in sim.transitions if tr.at <= t and tr.failure_message
        ]
        if failures:
            out["LastFailureMessage"] = failures[-1]
        run = sim._run_at(t)
        if run is not None:
            out["ReplicationTaskStartDate"] = self._iso(run.started_at)
            out["ReplicationTaskStats"] = self._stats(sim, run, t)
        return out

    def _stats(self, sim: SimulatedTask, run: _Run, t: float) -> dict[str, Any]:
        sc = sim.scenario
        ended = run.ended_at is not None and run.ended_at <= t
        until = min(t, run.ended_at) if ended and run.ended_at is not None else t
        loading_for = max(0.0, until - run.running_at)
        full_load = sc.effective_full_load_seconds
        percent = 100 if full_load <= 0 else min(100, int(100 * loading_for / full_load))
        loaded = sc.tables if percent >= 100 else sc.tables * percent // 100
        failed = ended and sim.transition_at(t).status == "failed"
        errored = 1 if failed and loaded < sc.tables else 0
        loading = 0 if ended or until < run.running_at or loaded == sc.tables else 1
        queued = sc.tables - loaded - loading - errored
        fresh = next(
            (
                r.started_at
                for r in reversed(sim.runs)
                if r.started_at <= run.started_at and r.start_type != "resume-processing"
            ),
            sim.runs[0].started_at,
        )
        stats: dict[str, Any] = {
            "FullLoadProgressPercent": percent,
            "ElapsedTimeMillis": round((until - run.started_at) * 1000),
            "TablesLoaded": loaded,
            "TablesLoading": loading,
            "TablesQueued": queued,
            "TablesErrored": errored,
            "FreshStartDate": self._iso(fresh),
            "StartDate": self._iso(run.started_at),
        }
        if until >= run.running_at:
            stats["FullLoadStartDate"] = self._iso(run.running_at)
        if percent >= 100:
            stats["FullLoadFinishDate"] = self._iso(run.running_at + full_load)
        if ended and run.ended_at is not None:
            stats["StopDate"] = self._iso(run.ended_at)
        return stats

    def _iso(self, t: float) -> str:
        return self.clock.to_datetime(t).isoformat()

    # -- timeline ---------------------------------------------------------------------------

    def _ending(
        self, sim: SimulatedTask, at: float, status: str, reason: str | None
    ) -> list[Transition]:
        sc = sim.scenario
        plan = []
        if sc.stopping_seconds > 0:
            plan.append(Transition(at, "stopping"))
            at += sc.stopping_seconds
        message = sc.failure_message if status == "failed" else None
        plan.append(Transition(at, status, stop_reason=reason, failure_message=message))
        return plan

    def _cut(self, sim: SimulatedTask, t: float) -> None:
        """Drop the transitions after ``t`` (a stop or restart rewrites the future)."""
        for handle in sim._timers:
            if handle.when > t:
                handle.cancel()
        sim._timers = [h for h in sim._timers if not h.cancelled]
        sim.transitions = [tr for tr in sim.transitions if tr.at <= t]

    def _plan(self, sim: SimulatedTask, plan: list[Transition]) -> None:
        for tr in plan:
            sim.transitions.append(tr)
            sim._timers.append(self.clock.call_at(tr.at, self._firing(sim, tr)))

    def _firing(self, sim: SimulatedTask, tr: Transition) -> Callable[[], None]:
        return lambda: self._fire(sim, tr)

    def _fire(self, sim: SimulatedTask, tr: Transition) -> None:
        with self._lock:
            if not any(x is tr for x in sim.transitions):  # the future was rewritten
                return
            hooks = list(self._hooks)
        for hook in hooks:
            hook(sim, tr)

    # -- events ------------------------------------------------------------------------------

    def _event_kind(self, sim: SimulatedTask, tr: Transition) -> str | None:
        """The event a transition emits (None for statuses DMS reports no event for)."""
        if tr.status == "ready":
            with self._lock:  # a concurrent stop may rewrite the timeline
                index = next(i for i, x in enumerate(sim.transitions) if x is tr)
            # The end of creation; ``ready`` follows nothing else in a simulated timeline.
            return (
                "created" if index > 0 and sim.transitions[index - 1].status == "creating" else None
            )
        return _STATUS_EVENTS.get(tr.status)

    def _emit_event(self, sim: SimulatedTask, tr: Transition) -> None:
        """Hook: build the event of this transition, then deliver it as the scenario says."""
        sc = sim.scenario
        kind = self._event_kind(sim, tr)
        if kind is None or not dms_events.has_event(sc.event_variant, kind):
            return
        run = sim._run_at(tr.at)
        with self._lock:
            event_id = str(uuid.UUID(int=self._event_ids.getrandbits(128), version=4))
        event = dms_events.build_event(
            sc.event_variant,
            kind,
            task_arn=sim.arn,
            task_identifier=sim.identifier,
            time=self.clock.to_datetime(tr.at),
            event_id=event_id,
            start_type=run.start_type if run is not None else None,
            stop_reason=tr.stop_reason,
            failure_message=tr.failure_message,
        )
        pending = _PendingEvent(sim, kind, event, tr.at)
        if sc.reorder and kind == "started":
            with self._lock:
                self._held.setdefault(sim.arn, []).append(pending)
            return
        self._dispatch(pending)
        if kind in _TERMINAL_EVENT_KINDS:
            with self._lock:
                held = self._held.pop(sim.arn, [])
            for late in held:
                self._dispatch(late)

    def _dispatch(self, pending: _PendingEvent) -> None:
        """Drop, delay or publish now, per the task's scenario."""
        sc = pending.task.scenario
        if sc.loses(pending.kind):
            self._record(pending, "lost", published_at=None)
            return
        delay = sc.event_delay(pending.kind)
        if delay > 0:
            # A timer like any other: it runs in the driver thread at its virtual time.
            self.clock.call_at(self.clock.now() + delay, lambda: self._publish(pending))
        else:
            self._publish(pending)

    def _publish(self, pending: _PendingEvent) -> None:
        with self._lock:
            put_events = self._put_events
        if put_events is None:
            return
        entry = dms_events.put_events_entry(pending.event)
        for n in range(1, pending.task.scenario.event_copies(pending.kind) + 1):
            now = self.clock.now()
            try:
                response = put_events([entry])
                result = response["Entries"][0]
            except Exception as exc:
                # EventBridge delivery is best effort and a consumer's failure never reaches
                # DMS: record it, warn, and keep the simulation going.
                self._record(pending, "error", published_at=now, copy=n, error=repr(exc))
                warnings.warn(
                    f"DMS simulator: PutEvents failed for {pending.kind} of {pending.task.arn}: "
                    f"{exc!r}",
                    RuntimeWarning,
                    stacklevel=2,
                )
                continue
            if "ErrorCode" in result:
                error = f"{result['ErrorCode']}: {result.get('ErrorMessage', '')}"
                self._record(pending, "error", published_at=now, copy=n, error=error)
            else:
                self._record(
                    pending, "published", published_at=now, copy=n, bus_id=result.get("EventId")
                )

    def _record(
        self,
        pending: _PendingEvent,
        fate: EventFate,
        *,
        published_at: float | None,
        copy: int = 1,
        bus_id: str | None = None,
        error: str | None = None,
    ) -> None:
        record = EventRecord(
            kind=pending.kind,
            task_arn=pending.task.arn,
            event=_copy_event(pending.event),
            occurred_at=pending.occurred_at,
            published_at=published_at,
            fate=fate,
            copy=copy,
            bus_event_id=bus_id,
            error=error,
        )
        with self._lock:
            self._event_records.append(record)


def _copy_event(event: dict[str, Any]) -> dict[str, Any]:
    # Each record owns its event, so a test that edits one cannot change another.
    return copy.deepcopy(event)


# Statuses whose transition emits an event (``ready`` is special-cased: only after creation).
_STATUS_EVENTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "starting": "initializing",
        "running": "started",
        "stopped": "stopped",
        "failed": "failed",
        "deleting": "deleted",
    }
)


# Keys of moto's dict the simulator replaces wholesale (absent from the snapshot = absent).
_SIMULATED_KEYS: Final = frozenset(
    {
        "Status",
        "StopReason",
        "LastFailureMessage",
        "ReplicationTaskStartDate",
        "ReplicationTaskStats",
    }
)
