"""The durable SDK's handler threads read the virtual wall clock of the run that started them."""

from __future__ import annotations

import threading

from localcloud import wall_clock
from localcloud.clock import VirtualClock


def time_in_thread(name: str) -> float:
    seen: list[float] = []
    thread = threading.Thread(target=lambda: seen.append(__import__("time").time()), name=name)
    thread.start()
    thread.join()
    return seen[0]


def test_sdk_worker_threads_see_the_run_s_virtual_time() -> None:
    clock = VirtualClock()
    virtual = clock.to_datetime(clock.now()).timestamp()
    undo = wall_clock.install()
    try:
        with wall_clock.virtual_wall_clock(clock):
            assert time_in_thread(f"{wall_clock.SDK_WORKER_PREFIX}_0") == virtual
            assert time_in_thread("someone-else") > virtual + 3600  # real time
        # After the run, a worker thread has no run to follow: real time.
        assert time_in_thread(f"{wall_clock.SDK_WORKER_PREFIX}_1") > virtual + 3600
    finally:
        undo()
