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
import random
import threading
import uuid
import warnings
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from moto.dms.exceptions import DmsClientError, InvalidResourceStateFault

from dms_waiters.lambdas import dms_status as dms

from ..clock import VirtualClock
from . import events as dms_events
from .scenario import (
    _TERMINAL_EVENT_KINDS,
    INVALID_STATE_MESSAGE,
    STARTABLE_STATUSES,
    DmsScenario,
    EventFate,
    EventRecord,
    Hook,
    InvalidParameterCombinationError,
    PutEvents,
    SimulatedTask,
    StartRefusedError,
    ThrottlingError,
    Transition,
    _PendingEvent,
    _Run,
)


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
