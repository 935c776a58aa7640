"""An embedded "local cloud": moto on a virtual clock, with a DMS simulator.

Real state machines execute against simulated DMS tasks in this process, with waits and retry
backoff costing no real time while the clock records what AWS would have waited. Pieces:

* ``VirtualClock`` (``clock``): discrete-event virtual time, sleepers, timers, busy accounting.
* ``patches``: every adaptation of moto, each documented and tested on its own.
* ``DmsSimulator``/``DmsScenario`` (``dms_sim``): replication task timelines and hooks.
* ``LocalCloud`` (``cloud``): the context manager tying them together, plus helpers.
* ``deploy_program``/``deploy_stack_file`` (``deploy``): a Pulumi program deployed into it.
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
from .deploy import (
    Deployment,
    DeploymentError,
    LocalCloudMocks,
    UnsupportedResourceError,
    deploy_program,
    deploy_stack_file,
)
from .dms_sim import DmsScenario, DmsSimulator, SimulatedTask, ThrottlingError, Transition
from .patches import NetworkAccessError

__all__ = [
    "DEFAULT_EPOCH",
    "ClockDeadlockError",
    "ClockError",
    "ClockTimeoutError",
    "Deployment",
    "DeploymentError",
    "DmsScenario",
    "DmsSimulator",
    "ExecutionResult",
    "LocalCloud",
    "LocalCloudMocks",
    "NetworkAccessError",
    "SimulatedTask",
    "ThrottlingError",
    "TimerHandle",
    "Transition",
    "UnsupportedResourceError",
    "VirtualClock",
    "deploy_program",
    "deploy_stack_file",
    "patches",
]
