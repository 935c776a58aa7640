"""A DMS replication task simulator on top of moto's DMS backend and the virtual clock.

moto keeps the task objects, ARNs, filters, tags and deletion; the simulator owns the *story*
of each task it adopts: a timeline of status transitions laid out when the task is created and
each time it is started or stopped, played on the virtual clock according to a ``DmsScenario``.

* ``DescribeReplicationTasks`` answers from the timeline at the current virtual time (through
  the ``dms_simulated_tasks`` patch), so it is truthful at every moment, whoever asks.
* Each transition is also scheduled as a clock timer that calls the registered hooks at its
  virtual time, in the driver's thread. That is where a later issue publishes the real
  ``DMS Replication Task State Change`` events on EventBridge.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from moto.dms.exceptions import DmsClientError, InvalidResourceStateFault

from lambdas import dms_status as dms

from .clock import TimerHandle, VirtualClock

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


class ThrottlingError(DmsClientError):
    """DMS's answer to too many requests (HTTP 400, code ThrottlingException)."""

    def __init__(self, message: str = "Rate exceeded") -> None:
        super().__init__("ThrottlingException", message)


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
        if self.throttle_describes < 0 or self.tables < 1:
            raise ValueError("throttle_describes must be >= 0 and tables >= 1")
        if self.stop_reason is not None:
            bare = dms.normalise_stop_reason(self.stop_reason)
            if bare not in dms.STOP_REASONS:
                raise ValueError(f"unknown stop reason {self.stop_reason!r}")
            object.__setattr__(self, "stop_reason", bare)

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
    transitions: list[Transition] = field(default_factory=list)
    start_types: list[tuple[float, str | None]] = field(default_factory=list)
    """(virtual time, StartReplicationTaskType) of every accepted start."""
    describe_calls: int = 0
    """DescribeReplicationTasks calls that returned (or were throttled for) this task."""
    throttled: int = 0
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


class DmsSimulator:
    """Owns the simulated tasks and answers the ``DmsTaskHooks`` the DMS patches call."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._tasks: dict[str, SimulatedTask] = {}
        self._hooks: list[Hook] = []
        self._lock = threading.RLock()

    # -- setup -----------------------------------------------------------------------------------

    def add_hook(self, hook: Hook) -> None:
        """Call ``hook(task, transition)`` on every transition, at its virtual time.

        Hooks run in the clock driver's thread; one that starts background work must take a
        busy unit on the clock before spawning it.
        """
        with self._lock:
            self._hooks.append(hook)

    def adopt(self, task: Any, scenario: DmsScenario) -> SimulatedTask:
        """Take over moto's ``FakeReplicationTask`` ``task`` (just created) with ``scenario``."""
        now = self.clock.now()
        sim = SimulatedTask(
            arn=task.arn, identifier=task.id, scenario=scenario, created_at=now, clock=self.clock
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
        """StartReplicationTask: refuse per scenario or state, else lay out a new run."""
        with self._lock:
            sim = self._tasks[task.arn]
            if sim.scenario.start_error:
                raise StartRefusedError(sim.scenario.start_error, sim.scenario.start_error_message)
            now = self.clock.now()
            status = sim.status_at(now)
            if status not in STARTABLE_STATUSES:
                raise InvalidResourceStateFault(
                    f"Replication task {sim.identifier} is {status}; it can only be started "
                    f"when {', '.join(sorted(STARTABLE_STATUSES))}"
                )
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
        """The task was deleted: drop its pending transitions."""
        with self._lock:
            sim = self._tasks.pop(arn, None)
            if sim is not None:
                for handle in sim._timers:
                    handle.cancel()

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
