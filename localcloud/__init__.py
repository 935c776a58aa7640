"""An embedded "local cloud": moto on a virtual clock, with a DMS simulator.

Real state machines execute against simulated DMS tasks in this process, with waits and retry
backoff costing no real time while the clock records what AWS would have waited. Pieces:

* ``VirtualClock`` (``clock``): discrete-event virtual time, sleepers, timers, busy accounting.
* ``patches``: every adaptation of moto, each documented and tested on its own.
* ``DmsSimulator``/``DmsScenario`` (``dms_sim``): replication task timelines and hooks.
* ``LocalCloud`` (``cloud``): the context manager tying them together, plus helpers.
"""

from . import patches
from .clock import (
    DEFAULT_EPOCH,
    ClockDeadlockError,
    ClockError,
    ClockTimeoutError,
    TimerHandle,
    VirtualClock,
)
from .cloud import ExecutionResult, LocalCloud
from .dms_sim import DmsScenario, DmsSimulator, SimulatedTask, ThrottlingError, Transition
from .patches import NetworkAccessError

__all__ = [
    "DEFAULT_EPOCH",
    "ClockDeadlockError",
    "ClockError",
    "ClockTimeoutError",
    "DmsScenario",
    "DmsSimulator",
    "ExecutionResult",
    "LocalCloud",
    "NetworkAccessError",
    "SimulatedTask",
    "ThrottlingError",
    "TimerHandle",
    "Transition",
    "VirtualClock",
    "patches",
]
