"""Time for the durable functions service: the testing SDK's clock and scheduler on the
local cloud's ``VirtualClock``, every timer a clock timer and every piece of work busy on it."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any, Final

from aws_durable_execution_sdk_python_testing.scheduler import Event, Scheduler

from ..clock import ClockError, TimerHandle, VirtualClock

LOG = logging.getLogger(__name__)


class VirtualDurableClock:
    """The testing SDK's ``Clock`` protocol on the local cloud's ``VirtualClock``.

    ``now`` stamps operations and decides which waits and retries are due; ``arm`` returns the
    delay the executor passes to ``Scheduler.call_later``, which ``VirtualScheduler`` turns
    into a virtual-clock timer: so both are virtual seconds.
    """

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        """The current virtual time (aware UTC)."""
        return self._clock.now_datetime()

    def arm(self, wake: datetime) -> float:
        """Virtual seconds from now until ``wake`` (0 when due)."""
        return max(0.0, (wake - self.now()).total_seconds())


class _BusyToken:
    """One busy unit of the clock, given back exactly once (whichever path ends the work)."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state = "pending"  # pending -> started -> released, or pending -> released
        clock.enter()

    def start(self) -> bool:
        """The work begins: False if it was abandoned (cancelled before it started)."""
        with self._lock:
            if self._state != "pending":
                return False
            self._state = "started"
            return True

    def abandon(self) -> None:
        """The work was cancelled: give the unit back unless the work already started."""
        with self._lock:
            if self._state != "pending":
                return
            self._state = "released"
        self._exit()

    def release(self) -> None:
        """The work ended."""
        with self._lock:
            if self._state == "released":
                return
            self._state = "released"
        self._exit()

    def _exit(self) -> None:
        try:
            self._clock.exit()
        except ClockError:  # the cloud is tearing down: nobody counts any more
            LOG.debug("durable: busy unit released after shutdown", exc_info=True)


class _TimerFuture:
    """What ``VirtualScheduler.call_later`` returns for a delayed call: a virtual-clock timer
    and, once it fired, the scheduler's future (the executor only uses cancel/done)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.timer: TimerHandle | None = None
        self._inner: Future[Any] | None = None
        self._cancelled = False

    def fired(self, inner: Future[Any]) -> None:
        with self._lock:
            self._inner = inner
            cancel = self._cancelled
        if cancel:
            inner.cancel()

    def cancel(self) -> bool:
        with self._lock:
            self._cancelled = True
            inner, timer = self._inner, self.timer
        if timer is not None:
            timer.cancel()
        if inner is not None:
            return inner.cancel()
        return True

    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled

    def done(self) -> bool:
        with self._lock:
            if self._cancelled:
                return True
            return self._inner is not None and self._inner.done()


class VirtualScheduler(Scheduler):
    """The testing SDK's ``Scheduler`` whose delays are virtual and whose work is tracked.

    ``call_later(func, delay)`` with a delay arms a ``VirtualClock`` timer; when it fires (or at
    once without a delay) the call is handed to the scheduler's event loop holding one busy unit
    of the clock until ``func`` has really finished (a coroutine, or a plain function on the
    scheduler's worker thread), so the clock's driver never advances time while the executor
    works. Events (``create_event``) and the loop itself are the SDK's.
    """

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self._vclock = clock

    def call_later(
        self,
        func: Callable[[], Any],
        delay: float = 0,
        count: int | None = 1,
        completion_event: Event | None = None,
    ) -> Any:
        """Run ``func`` ``delay`` virtual seconds from now (see the class docstring)."""
        if count != 1:
            raise NotImplementedError("the local cloud only schedules one-shot calls")
        if delay <= 0:
            return self._dispatch(func, completion_event)
        handle = _TimerFuture()
        handle.timer = self._vclock.call_later(
            delay, lambda: handle.fired(self._dispatch(func, completion_event))
        )
        return handle

    def _dispatch(self, func: Callable[[], Any], completion_event: Event | None) -> Future[Any]:
        token = _BusyToken(self._vclock)
        tracked: Callable[[], Any]
        if inspect.iscoroutinefunction(func):

            async def run_async() -> Any:
                if not token.start():
                    return None
                # Shielded: cancelling the scheduled call (the executor re-arms its wake-up
                # timer from inside it) must not end the busy unit before the work ends.
                task = asyncio.ensure_future(func())
                task.add_done_callback(lambda _task: token.release())
                return await asyncio.shield(task)

            tracked = run_async
        else:

            def run_sync() -> Any:
                if not token.start():
                    return None
                try:
                    return func()
                finally:
                    token.release()

            tracked = run_sync
        try:
            future: Future[Any] = super().call_later(tracked, 0, 1, completion_event)
        except BaseException:
            token.abandon()
            raise
        future.add_done_callback(lambda done: token.abandon() if done.cancelled() else None)
        return future


#: How often (real seconds) the durable SDK's idle checkpoint thread looks for its stop signal
#: while a local cloud runs durable functions (the SDK's own value is 0.1).
CHECKPOINT_STOP_POLL_SECONDS: Final = 0.005


def fast_checkpoint_shutdown() -> Callable[[], None]:
    """Make each invocation's end cost milliseconds, not a tenth of a second; returns the undo.

    Every invocation of a durable handler ends by stopping the SDK's checkpoint thread, which
    notices the stop on its next poll: up to 0.1 real seconds per invocation (AWS pays it too),
    which a long poll-mode run (hundreds of replays) multiplies into tens of seconds. Only real
    time changes. Coupled to ``aws-durable-execution-sdk-python`` 3.0.0 (pinned exactly):
    ``state._STOP_SIGNAL_POLL_SECONDS``, a module global read at each poll.
    """
    from aws_durable_execution_sdk_python import state as sdk_state

    name = "_STOP_SIGNAL_POLL_SECONDS"
    original = getattr(sdk_state, name)
    if not isinstance(original, float):
        raise AttributeError(f"aws_durable_execution_sdk_python.state.{name} changed")
    setattr(sdk_state, name, CHECKPOINT_STOP_POLL_SECONDS)
    return lambda: setattr(sdk_state, name, original)
