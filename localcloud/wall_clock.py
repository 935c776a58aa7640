"""Handlers read the virtual wall clock: ``time.time()`` inside a handler run is virtual time.

A handler that stamps a waiter with ``time.time()`` and later compares it with a URL's expiry
or a TTL must see the same clock the workflows wait on, or a 7-day wait (seconds of real time)
could never expire anything. ``virtual_wall_clock(clock)`` makes ``time.time()`` return
``clock``'s current instant (epoch + virtual seconds) *in the calling thread only*, for as long
as the block runs; every other thread (moto, Step Functions executions, the test) keeps real
time. Implemented by replacing ``time.time`` with a thread-aware function while any local cloud
is active (reference-counted); code that imported ``from time import time`` keeps real time.

The durable execution SDK runs a durable handler in a worker thread of its own
(``SDK_WORKER_PREFIX``): those threads read the clock of the handler run that started them
(one local cloud, so one clock, is active at a time).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

from .clock import VirtualClock

#: The real ``time.time``, captured before any replacement.
real_time: Callable[[], float] = time.time

_local = threading.local()
_lock = threading.Lock()
_installs = 0
#: The name prefix of the durable SDK's handler threads (``execution.durable_execution``).
SDK_WORKER_PREFIX = "dex-handler"
#: The virtual "now" of the handler runs in progress (for the SDK's worker threads).
_runs: list[Callable[[], float]] = []


def _thread_aware_time() -> float:
    now: Callable[[], float] | None = getattr(_local, "now", None)
    if now is None and _runs and threading.current_thread().name.startswith(SDK_WORKER_PREFIX):
        now = _runs[-1]
    return real_time() if now is None else now()


def install() -> Callable[[], None]:
    """Replace ``time.time`` (until the returned undo is called by every installer)."""
    global _installs
    with _lock:
        _installs += 1
        time.time = _thread_aware_time

    def undo() -> None:
        global _installs
        with _lock:
            _installs -= 1
            if _installs == 0:
                time.time = real_time

    return undo


@contextlib.contextmanager
def virtual_wall_clock(clock: VirtualClock | None) -> Iterator[None]:
    """Within the block, ``time.time()`` in this thread is ``clock``'s instant (None: real)."""
    if clock is None:
        yield
        return
    previous = getattr(_local, "now", None)
    now = _local.now = lambda: clock.to_datetime(clock.now()).timestamp()
    with _lock:
        _runs.append(now)
    try:
        yield
    finally:
        _local.now = previous
        with _lock:
            _runs.remove(now)
