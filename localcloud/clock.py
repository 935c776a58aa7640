"""A discrete-event virtual clock shared by everything that runs inside the local cloud.

Why: a DMS task runs for hours and the polling workflow sleeps for minutes between polls. Real
sleeps would make every test as slow as production; shrinking them would make transition counts
and latencies meaningless. Instead every participant sleeps on this clock, and a single driver
(the test thread) advances virtual time straight to the next thing that can happen once all
participants are idle. Waits cost no real time, and the clock still records exactly how long
AWS would have waited.

Model:

* **Participants** are units of concurrent work (a running Step Functions execution, later a
  Lambda invocation). Each holds one *busy* unit from the moment the work is scheduled until it
  ends. The unit is taken by whoever schedules the work, *before* spawning the thread that does
  it (``enter``/``exit``/``busy``), so the driver can never see "idle" while work is in flight.
* ``sleep`` hands the caller's busy unit back to the clock while it blocks; the driver takes it
  again on the sleeper's behalf when waking it, before anyone can observe an idle clock.
* **Timers** (``call_at``/``call_later``) run in the driver's thread at their virtual time,
  before the sleepers due at the same moment are woken (so "the truth at time t" is in place
  when a workflow wakes at t). A timer that starts background work must ``enter`` first.
* The **driver** (``run_until``) waits for idleness, evaluates its predicate, and otherwise
  advances to the earliest pending wake-up or timer. Nothing pending, nothing busy and the
  predicate still false is a deadlock and raises ``ClockDeadlockError`` instead of hanging.

Extension point for later blocking primitives (task tokens, callbacks): whatever blocks a
participant on something other than the clock must hand its busy unit over the same way
``sleep`` does, or the driver will wait for it until the real timeout.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

#: Virtual time 0. Fixed, so every run renders the same timestamps.
DEFAULT_EPOCH: Final = datetime(2026, 1, 1, tzinfo=UTC)

#: Real seconds ``run_until`` waits for busy participants before giving up.
DEFAULT_REAL_TIMEOUT: Final = 30.0


class ClockError(RuntimeError):
    """Misuse of the clock or a run that cannot make progress."""


class ClockDeadlockError(ClockError):
    """Nothing is busy, nothing is scheduled, and the awaited condition is still false."""


class ClockTimeoutError(ClockError):
    """The driver gave up: a real-time or virtual-time limit was reached."""


@dataclass(order=True)
class _Timer:
    at: float
    seq: int
    fn: Callable[[], object] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class TimerHandle:
    """Returned by ``call_at``/``call_later``; ``cancel()`` drops the timer if not yet run."""

    def __init__(self, clock: VirtualClock, timer: _Timer) -> None:
        self._clock = clock
        self._timer = timer

    @property
    def when(self) -> float:
        """The virtual time the timer is due at."""
        return self._timer.at

    @property
    def cancelled(self) -> bool:
        """True once ``cancel`` was called."""
        return self._timer.cancelled

    def cancel(self) -> None:
        """Drop the timer; a no-op if it already ran."""
        with self._clock._cond:
            self._timer.cancelled = True


@dataclass
class _Sleeper:
    wake_at: float
    seq: int
    reason: str
    started_at: float
    cancelled: Callable[[], bool] | None
    woken: bool = False
    interrupted: bool = False


class VirtualClock:
    """Virtual time in float seconds since ``epoch``, advanced only by ``run_until``.

    Thread-safe: worker threads call ``sleep``/``enter``/``exit``/``call_*``; one driver thread
    calls ``run_until`` (or ``advance``).
    """

    def __init__(self, epoch: datetime = DEFAULT_EPOCH) -> None:
        if epoch.tzinfo is None:
            raise ValueError("epoch must be timezone-aware (UTC)")
        self.epoch: Final = epoch
        # One condition guards everything; waits on it release the lock, so the driver and the
        # workers hand control to each other without races.
        self._cond = threading.Condition(threading.RLock())
        self._now = 0.0
        self._busy = 0
        self._seq = itertools.count()
        self._timers: list[_Timer] = []
        self._sleepers: list[_Sleeper] = []
        self._slept: dict[str, float] = {}
        self._closed = False
        self._driving = False

    # -- reading the time ----------------------------------------------------------------------

    def now(self) -> float:
        """Virtual seconds since the epoch."""
        with self._cond:
            return self._now

    def now_datetime(self) -> datetime:
        """The current virtual time as an aware UTC datetime."""
        return self.to_datetime(self.now())

    def to_datetime(self, t: float) -> datetime:
        """Convert a virtual time (seconds) to an aware UTC datetime."""
        return self.epoch + timedelta(seconds=t)

    # -- activity accounting -------------------------------------------------------------------

    @property
    def busy_count(self) -> int:
        """Busy units currently held (sleepers do not hold theirs)."""
        with self._cond:
            return self._busy

    def enter(self) -> None:
        """Take one busy unit. Call it in the thread that *schedules* the work, before spawning."""
        with self._cond:
            self._busy += 1

    def exit(self) -> None:
        """Give one busy unit back (when the work ends, success or failure)."""
        with self._cond:
            if self._busy <= 0:
                raise ClockError("exit() without a matching enter()")
            self._busy -= 1
            self._cond.notify_all()

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Hold one busy unit for the duration of the block (work done in the calling thread)."""
        self.enter()
        try:
            yield
        finally:
            self.exit()

    # -- sleeping and timers -------------------------------------------------------------------

    def sleep(
        self,
        seconds: float,
        *,
        reason: str = "sleep",
        cancelled: Callable[[], bool] | None = None,
    ) -> bool:
        """Block the calling participant until virtual time reaches now + ``seconds``.

        The caller must hold a busy unit (it is what makes it a participant); it is handed to
        the clock while blocked and given back on waking. ``cancelled`` is polled by the driver
        at each step: when it returns True the sleeper is woken early (an aborted execution).
        Returns True if the full duration elapsed, False if interrupted (cancel or shutdown).
        The virtual seconds actually slept are added to ``slept(reason)``.
        """
        if seconds != seconds or seconds < 0:  # NaN or negative: a bug in the caller
            raise ValueError(f"sleep seconds must be >= 0, got {seconds!r}")
        with self._cond:
            if self._closed:
                return False
            if seconds == 0:
                return True
            if self._busy <= 0:
                raise ClockError(
                    "sleep() from a thread that holds no busy unit: enter() before spawning "
                    "the work, or the driver could advance while it runs"
                )
            sleeper = _Sleeper(
                wake_at=self._now + seconds,
                seq=next(self._seq),
                reason=reason,
                started_at=self._now,
                cancelled=cancelled,
            )
            self._sleepers.append(sleeper)
            self._busy -= 1
            self._cond.notify_all()
            while not sleeper.woken:
                self._cond.wait()
            # The driver (or shutdown) already took the busy unit back for us.
            self._slept[reason] = self._slept.get(reason, 0.0) + (self._now - sleeper.started_at)
            return not sleeper.interrupted

    def call_at(self, t: float, fn: Callable[[], object]) -> TimerHandle:
        """Run ``fn()`` in the driver's thread when virtual time reaches ``t`` (at least now)."""
        with self._cond:
            timer = _Timer(max(t, self._now), next(self._seq), fn)
            heapq.heappush(self._timers, timer)
            self._cond.notify_all()
            return TimerHandle(self, timer)

    def call_later(self, delay: float, fn: Callable[[], object]) -> TimerHandle:
        """Run ``fn()`` in the driver's thread ``delay`` virtual seconds from now."""
        if delay < 0:
            raise ValueError(f"delay must be >= 0, got {delay!r}")
        with self._cond:
            return self.call_at(self._now + delay, fn)

    def slept(self, reason: str | None = None) -> float:
        """Total virtual seconds slept for ``reason`` (all reasons when None)."""
        with self._cond:
            if reason is None:
                return sum(self._slept.values())
            return self._slept.get(reason, 0.0)

    def activity(self) -> tuple[int, int, int]:
        """(busy units, sleepers, live timers), read atomically."""
        with self._cond:
            return (
                self._busy,
                len(self._sleepers),
                sum(1 for t in self._timers if not t.cancelled),
            )

    def pending(self) -> tuple[int, int]:
        """(sleepers, live timers) currently waiting for virtual time."""
        with self._cond:
            return len(self._sleepers), sum(1 for t in self._timers if not t.cancelled)

    # -- driving -------------------------------------------------------------------------------

    def run_until(
        self,
        predicate: Callable[[], bool],
        *,
        real_timeout: float = DEFAULT_REAL_TIMEOUT,
        virtual_timeout: float | None = None,
    ) -> float:
        """Advance virtual time until ``predicate()`` holds at a quiescent moment; return now.

        Loop: wait (in real time, at most ``real_timeout`` overall) until no participant is
        busy; return if the predicate is true; otherwise jump to the earliest pending wake-up or
        timer, run the timers due, wake the sleepers due, repeat. The predicate runs in the
        calling thread without the clock's lock, so it may call AWS APIs.

        Raises ``ClockDeadlockError`` when nothing is pending and nothing is busy,
        ``ClockTimeoutError`` when real time runs out or virtual time would pass
        ``virtual_timeout`` seconds from the start of the call.
        """
        with self._cond:
            if self._driving:
                raise ClockError("run_until() is already driving this clock")
            self._driving = True
            start = self._now
        deadline = time.monotonic() + real_timeout
        try:
            while True:
                self._wait_idle(deadline, real_timeout)
                if predicate():
                    return self.now()
                due = self._step(start, virtual_timeout)
                for timer in due:
                    timer.fn()
                self._wake_due()
        finally:
            with self._cond:
                self._driving = False

    def advance(self, seconds: float, *, real_timeout: float = DEFAULT_REAL_TIMEOUT) -> float:
        """Run everything scheduled in the next ``seconds`` of virtual time; return now."""
        target = self.now() + seconds
        handle = self.call_at(target, lambda: None)
        try:
            return self.run_until(lambda: self.now() >= target, real_timeout=real_timeout)
        finally:
            handle.cancel()

    def shutdown(self) -> None:
        """Wake every sleeper (interrupted) and drop the timers; later sleeps return at once."""
        with self._cond:
            self._closed = True
            for sleeper in self._sleepers:
                sleeper.woken = sleeper.interrupted = True
                self._busy += 1
            self._sleepers.clear()
            self._timers.clear()
            self._cond.notify_all()

    @property
    def driving(self) -> bool:
        """True while some thread is inside ``run_until`` (or ``advance``)."""
        with self._cond:
            return self._driving

    @property
    def closed(self) -> bool:
        """True after ``shutdown``."""
        with self._cond:
            return self._closed

    def _wait_idle(self, deadline: float, real_timeout: float) -> None:
        with self._cond:
            while self._busy > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ClockTimeoutError(
                        f"{self._busy} participant(s) still busy after {real_timeout} real "
                        f"seconds at virtual t={self._now:g}s: something blocks outside the "
                        "clock (a real sleep, a lock, an unhandled wait)"
                    )
                self._cond.wait(remaining)

    def _step(self, start: float, virtual_timeout: float | None) -> list[_Timer]:
        """Advance to the next event; return the timers now due (run outside the lock)."""
        with self._cond:
            if self._busy > 0:
                # The predicate started work (e.g. an API call that spawned an execution).
                return []
            if self._wake_cancelled():
                return []
            while self._timers and self._timers[0].cancelled:
                heapq.heappop(self._timers)
            candidates = [s.wake_at for s in self._sleepers]
            if self._timers:
                candidates.append(self._timers[0].at)
            if not candidates:
                raise ClockDeadlockError(
                    f"nothing is busy or scheduled at virtual t={self._now:g}s and the awaited "
                    "condition is still false"
                )
            target = min(candidates)
            if virtual_timeout is not None and target > start + virtual_timeout:
                raise ClockTimeoutError(
                    f"the awaited condition did not hold within {virtual_timeout:g} virtual "
                    f"seconds (next event at t={target:g}s)"
                )
            self._now = max(self._now, target)
            due: list[_Timer] = []
            while self._timers and self._timers[0].at <= self._now:
                timer = heapq.heappop(self._timers)
                if not timer.cancelled:
                    due.append(timer)
            return due

    def _wake_cancelled(self) -> bool:
        woke = False
        for sleeper in list(self._sleepers):
            if sleeper.cancelled is not None and sleeper.cancelled():
                self._wake(sleeper, interrupted=True)
                woke = True
        return woke

    def _wake_due(self) -> None:
        with self._cond:
            # Timers that ran may have scheduled more timers for "now": run them before waking
            # sleepers, on the next _step (their time is <= now so the step does not advance).
            if any(t.at <= self._now and not t.cancelled for t in self._timers):
                return
            for sleeper in sorted(self._sleepers, key=lambda s: (s.wake_at, s.seq)):
                if sleeper.wake_at <= self._now:
                    self._wake(sleeper, interrupted=False)

    def _wake(self, sleeper: _Sleeper, *, interrupted: bool) -> None:
        # Caller holds the lock. Taking the busy unit here, not in the woken thread, is what
        # keeps the driver from seeing a false "idle" before the sleeper runs again.
        self._sleepers.remove(sleeper)
        sleeper.woken = True
        sleeper.interrupted = interrupted
        self._busy += 1
        self._cond.notify_all()
