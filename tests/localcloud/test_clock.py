"""The virtual clock: time, sleepers, timers, busy accounting and the driver's guarantees."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from localcloud.clock import (
    DEFAULT_EPOCH,
    ClockDeadlockError,
    ClockError,
    ClockTimeoutError,
    VirtualClock,
)


def spawn(clock: VirtualClock, target: Callable[[], object]) -> threading.Thread:
    """Start ``target`` as a participant: the busy unit is taken here, before the thread runs."""
    clock.enter()

    def run() -> None:
        try:
            target()
        finally:
            clock.exit()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_time_starts_at_the_fixed_epoch() -> None:
    clock = VirtualClock()
    assert clock.now() == 0.0
    assert clock.now_datetime() == DEFAULT_EPOCH == datetime(2026, 1, 1, tzinfo=UTC)
    assert clock.to_datetime(90.5) == datetime(2026, 1, 1, 0, 1, 30, 500000, tzinfo=UTC)


def test_a_long_sleep_costs_no_real_time_and_is_recorded() -> None:
    clock = VirtualClock()
    woke_at: list[float] = []

    def worker() -> None:
        assert clock.sleep(3600, reason="wait")
        woke_at.append(clock.now())

    started = time.monotonic()
    thread = spawn(clock, worker)
    end = clock.run_until(lambda: bool(woke_at))
    thread.join(1)
    assert time.monotonic() - started < 1.0
    assert woke_at == [3600.0]
    assert end == 3600.0
    assert clock.slept("wait") == 3600.0
    assert clock.slept() == 3600.0
    assert clock.busy_count == 0


def test_sleepers_wake_in_virtual_time_order() -> None:
    clock = VirtualClock()
    log: list[tuple[str, float]] = []
    lock = threading.Lock()

    def worker(name: str, delays: list[float]) -> None:
        for delay in delays:
            clock.sleep(delay)
            with lock:
                log.append((name, clock.now()))

    threads = [
        spawn(clock, lambda: worker("a", [10, 10, 10])),
        spawn(clock, lambda: worker("b", [15, 15])),
        spawn(clock, lambda: worker("c", [5])),
    ]
    clock.run_until(lambda: clock.busy_count == 0 and len(log) == 6)
    for t in threads:
        t.join(1)
    # Equal times (a and b at 30) are both woken at 30; their order between them is free.
    assert sorted(log, key=lambda e: (e[1], e[0])) == [
        ("c", 5.0),
        ("a", 10.0),
        ("b", 15.0),
        ("a", 20.0),
        ("a", 30.0),
        ("b", 30.0),
    ]
    assert [t for _, t in log] == sorted(t for _, t in log)


def test_timers_run_in_the_driver_thread_at_their_time_and_can_be_cancelled() -> None:
    clock = VirtualClock()
    ran: list[tuple[str, float, str]] = []

    def record(name: str) -> Callable[[], None]:
        return lambda: ran.append((name, clock.now(), threading.current_thread().name))

    clock.call_at(100, record("at-100"))
    clock.call_later(50, record("later-50"))
    dropped = clock.call_at(70, record("dropped"))
    dropped.cancel()
    assert dropped.cancelled
    clock.run_until(lambda: len(ran) == 2)
    driver = threading.current_thread().name
    assert ran == [("later-50", 50.0, driver), ("at-100", 100.0, driver)]
    assert clock.pending() == (0, 0)


def test_timers_due_with_a_sleeper_run_before_it_wakes() -> None:
    # "The truth at time t" (e.g. a DMS status change) must be in place when a workflow wakes.
    clock = VirtualClock()
    state = {"status": "running"}
    seen: list[str] = []
    clock.call_at(60, lambda: state.update(status="stopped"))

    def worker() -> None:
        clock.sleep(60)
        seen.append(state["status"])

    spawn(clock, worker)
    clock.run_until(lambda: bool(seen))
    assert seen == ["stopped"]


def test_a_timer_may_schedule_another_for_now_which_runs_before_the_sleepers() -> None:
    clock = VirtualClock()
    order: list[str] = []

    def first() -> None:
        order.append("first")
        clock.call_later(0, lambda: order.append("chained"))

    clock.call_at(10, first)

    def worker() -> None:
        clock.sleep(10)
        order.append("sleeper")

    spawn(clock, worker)
    clock.run_until(lambda: "sleeper" in order)
    assert order == ["first", "chained", "sleeper"]


def test_the_driver_never_advances_while_a_participant_works() -> None:
    # Work is in flight (the busy unit was taken before the thread existed), a timer is pending:
    # the driver must wait for the work to finish before jumping to the timer.
    clock = VirtualClock()
    clock.call_at(1000, lambda: None)
    observed: list[float] = []

    def worker() -> None:
        time.sleep(0.05)  # real work, outside the clock
        observed.append(clock.now())
        clock.sleep(10)
        observed.append(clock.now())

    spawn(clock, worker)
    clock.run_until(lambda: len(observed) == 2)
    assert observed == [0.0, 10.0]


def test_many_participants_stay_consistent() -> None:
    # A stress test of the hand-over between workers and driver: each worker's view of time is
    # exactly the sum of its sleeps, whatever the thread scheduling.
    clock = VirtualClock()
    results: dict[int, list[float]] = {}

    def worker(n: int) -> None:
        seen = []
        for i in range(20):
            clock.sleep(1 + (n * 7 + i) % 5)
            seen.append(clock.now())
        results[n] = seen

    for n in range(8):
        spawn(clock, lambda n=n: worker(n))
    clock.run_until(lambda: len(results) == 8 and clock.busy_count == 0)
    for n, seen in results.items():
        expected, total = [], 0.0
        for i in range(20):
            total += 1 + (n * 7 + i) % 5
            expected.append(total)
        assert seen == expected


def test_deadlock_is_reported_not_hung() -> None:
    clock = VirtualClock()
    with pytest.raises(ClockDeadlockError, match="nothing is busy or scheduled"):
        clock.run_until(lambda: False, real_timeout=2)


def test_a_participant_blocked_outside_the_clock_hits_the_real_timeout() -> None:
    clock = VirtualClock()
    release = threading.Event()
    spawn(clock, lambda: release.wait(5))
    started = time.monotonic()
    with pytest.raises(ClockTimeoutError, match="still busy"):
        clock.run_until(lambda: False, real_timeout=0.2)
    assert time.monotonic() - started < 2
    release.set()


def test_virtual_timeout_stops_an_endless_run() -> None:
    clock = VirtualClock()

    def forever() -> None:
        while clock.sleep(60):
            pass

    spawn(clock, forever)
    with pytest.raises(ClockTimeoutError, match="within 600 virtual seconds"):
        clock.run_until(lambda: False, virtual_timeout=600)
    assert clock.now() == 600.0
    clock.shutdown()


def test_sleep_requires_a_busy_unit() -> None:
    clock = VirtualClock()
    with pytest.raises(ClockError, match="holds no busy unit"):
        clock.sleep(1)
    assert clock.sleep(0)  # a zero sleep never blocks


def test_exit_without_enter_is_an_error() -> None:
    with pytest.raises(ClockError):
        VirtualClock().exit()


def test_busy_context_manager_balances() -> None:
    clock = VirtualClock()
    with clock.busy():
        assert clock.busy_count == 1
    assert clock.busy_count == 0
    with pytest.raises(RuntimeError), clock.busy():
        raise RuntimeError("work failed")
    assert clock.busy_count == 0


def test_a_cancelled_sleeper_is_woken_early() -> None:
    clock = VirtualClock()
    stop = threading.Event()
    result: list[tuple[bool, float]] = []
    clock.call_at(100, stop.set)

    def worker() -> None:
        completed = clock.sleep(3600, reason="wait", cancelled=stop.is_set)
        result.append((completed, clock.now()))

    spawn(clock, worker)
    clock.run_until(lambda: bool(result))
    assert result == [(False, 100.0)]
    assert clock.slept("wait") == 100.0


def test_shutdown_wakes_sleepers_and_later_sleeps_return_at_once() -> None:
    clock = VirtualClock()
    result: list[bool] = []
    thread = spawn(clock, lambda: result.append(clock.sleep(3600)))
    deadline = time.monotonic() + 2
    while clock.pending()[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.001)
    clock.shutdown()
    thread.join(2)
    assert result == [False]
    assert clock.closed
    with clock.busy():
        assert clock.sleep(10) is False
    assert clock.now() == 0.0


def test_advance_runs_what_is_due_and_stops_at_the_target() -> None:
    clock = VirtualClock()
    ran: list[float] = []
    clock.call_at(30, lambda: ran.append(clock.now()))
    clock.call_at(90, lambda: ran.append(clock.now()))
    assert clock.advance(60) == 60.0
    assert ran == [30.0]
    clock.advance(30)
    assert ran == [30.0, 90.0]


def test_only_one_driver_at_a_time() -> None:
    clock = VirtualClock()
    errors: list[BaseException] = []

    def nested() -> bool:
        try:
            clock.run_until(lambda: True)
        except ClockError as err:
            errors.append(err)
        return True

    clock.run_until(nested)
    assert errors and "already driving" in str(errors[0])
