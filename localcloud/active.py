"""The active cloud's services, which the patches look up at call time.

Only one ``LocalCloud`` is active at a time (moto and the patches are process-wide). The
patches are installed once per process and read what is active here when they run (the clock,
the seeded random generator, the DMS simulator, the Lambda runtime, the schedules, the request
counter, the durable functions service); with nothing active they fall back to moto's own
behaviour. Clients built while moto intercepts are guarded (``guard_client``) so that, reused
outside a cloud, they raise instead of reaching AWS.
"""

from __future__ import annotations

import collections
import random
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from moto.core.models import botocore_stubber

from .clock import VirtualClock

if TYPE_CHECKING:
    from .awslambda.durable import DurableFunctions
    from .awslambda.runtime import LambdaRuntime
    from .events.delivery import ScheduleRegistry
    from .scheduler.delivery import SchedulerRegistry


class DmsTaskHooks(Protocol):
    """What the DMS patches ask of a simulator (``localcloud.dms.simulator.DmsSimulator``)."""

    def tracks(self, arn: str) -> bool:
        """True if the simulator owns the replication task ``arn``."""
        ...

    def start(self, task: Any, start_type: str | None) -> None:
        """StartReplicationTask on an owned task (may raise a moto error)."""
        ...

    def stop(self, task: Any) -> None:
        """StopReplicationTask on an owned task (may raise a moto error)."""
        ...

    def forget(self, arn: str) -> None:
        """The task is being deleted."""
        ...

    def before_describe(self, arn: str) -> None:
        """A DescribeReplicationTasks call is about to return the task (may raise throttling)."""
        ...

    def render(self, task: Any, data: dict[str, Any]) -> dict[str, Any]:
        """Overlay the task's simulated state (status, stop reason, stats...) on moto's dict."""
        ...


@dataclass
class Active:
    """What the active cloud provides (all None while no cloud is active)."""

    clock: VirtualClock | None = None
    rng: random.Random | None = None
    dms: DmsTaskHooks | None = None
    lambda_runtime: LambdaRuntime | None = None
    schedules: ScheduleRegistry | None = None
    scheduler: SchedulerRegistry | None = None
    """EventBridge Scheduler's schedules (``scheduler/``)."""
    api_calls: collections.Counter[tuple[str, str]] | None = None
    region: str = "us-east-1"
    real_timeout: float = 30.0
    durable: DurableFunctions | None = None
    """Created on first use (``active_durable``): most clouds never run a durable function."""


ACTIVE = Active()
#: Guards switching what is active (``patches.apply_all``/``deactivate``).
LOCK = threading.RLock()
# Guards the creation of the durable functions service only (see active_durable).
_DURABLE_LOCK = threading.Lock()


def active_clock() -> VirtualClock | None:
    """The active cloud's clock, None when none is active or it is closed."""
    clock = ACTIVE.clock
    return None if clock is None or clock.closed else clock


def active_lambda_runtime() -> LambdaRuntime | None:
    """The Lambda runtime of the active cloud (None when no cloud is active)."""
    return ACTIVE.lambda_runtime


def active_schedules() -> ScheduleRegistry | None:
    """The schedule registry of the active cloud (None when no cloud is active)."""
    return ACTIVE.schedules


def active_durable() -> DurableFunctions | None:
    """The durable functions service of the active cloud, created on first use (None when no
    cloud is active, or once it is shutting down)."""
    # Not under LOCK: a handler that checkpoints while the cloud tears down (revert_all holds
    # LOCK while it waits for running handlers) must get the closing service, not block.
    service = ACTIVE.durable
    if service is not None:
        return service
    with _DURABLE_LOCK:
        if ACTIVE.durable is None:
            clock, runtime = active_clock(), ACTIVE.lambda_runtime
            if clock is None or runtime is None:
                return None
            from .awslambda.durable import DurableFunctions

            ACTIVE.durable = DurableFunctions(
                clock, runtime, region=ACTIVE.region, real_timeout=ACTIVE.real_timeout
            )
        return ACTIVE.durable


class NetworkAccessError(RuntimeError):
    """A guarded boto3 client tried to send a request while moto was not intercepting."""


def _refuse_real_request(request: Any = None, **_: Any) -> None:
    # Every "before-send" handler runs; moto's stubber answers while a mock is active (then this
    # one stands aside). With no mock active the request would leave the process: refuse it.
    if botocore_stubber.enabled:
        return
    url = getattr(request, "url", "?")
    raise NetworkAccessError(
        f"local cloud: refusing a real AWS request to {url} (no moto mock is active)"
    )


def guard_client(client: Any) -> Any:
    """Make ``client`` raise ``NetworkAccessError`` instead of ever contacting real AWS."""
    client.meta.events.register_last("before-send", _refuse_real_request)
    return client
