"""Every adaptation of moto, in installation order, applied and undone through one registry.

Each patch lives with its AWS service (``stepfunctions/``, ``dms/``, ``awslambda/``,
``events/``; request counting for all services in ``api_calls``) and is documented there as
"AWS does / moto does / the patch changes"; ``patching`` has the machinery. A patch that wraps
another one's replacement comes after it here. ``apply_all`` installs them (once per process)
and makes a cloud's services the active ones (``active``); ``revert_all`` restores moto.
"""

from __future__ import annotations

import collections
import random
from collections.abc import Iterator
from typing import Final

from . import api_calls
from .active import ACTIVE, LOCK, DmsTaskHooks
from .awslambda import patches as awslambda
from .awslambda.runtime import LambdaRuntime
from .clock import VirtualClock
from .dms import patches as dms
from .events import patches as events
from .events.delivery import ScheduleRegistry
from .patching import Patch, PatchRegistry
from .scheduler import patches as scheduler
from .scheduler.delivery import SchedulerRegistry
from .stepfunctions import integrations, nested, quotas, task_tokens, virtual_time

#: Every patch, in installation order.
ALL_PATCHES: Final[tuple[Patch, ...]] = (
    integrations.databasemigration_sdk_integration,
    virtual_time.virtual_wait_states,
    virtual_time.virtual_retry_backoff,
    virtual_time.execution_activity,
    integrations.aws_sdk_timestamps,
    virtual_time.virtual_history_timestamps,
    virtual_time.deterministic_jitter,
    dms.dms_start_task_type,
    dms.dms_simulated_tasks,
    integrations.cached_sdk_clients,
    integrations.cached_jsonpath_parsing,
    awslambda.lambda_in_process,
    awslambda.lambda_kept_config,
    awslambda.lambda_durable_invocations,  # wraps lambda_in_process's invoke
    awslambda.lambda_durable_api,
    events.eventbridge_lambda_targets,
    events.eventbridge_schedules,
    events.schedule_rules_match_no_events,  # wraps eventbridge_lambda_targets
    events.virtual_event_time,
    scheduler.scheduler_schedules_on_the_clock,
    task_tokens.task_token_waits,
    virtual_time.stopped_executions_stay_aborted,
    integrations.send_task_failure_cause,
    nested.nested_executions,
    quotas.open_executions_quota,
    api_calls.api_call_metrics,  # wraps lambda_durable_api: durable requests count too
)

REGISTRY: Final = PatchRegistry(ALL_PATCHES)


def apply_all(
    clock: VirtualClock,
    *,
    rng: random.Random | None = None,
    dms: DmsTaskHooks | None = None,
    region: str = "us-east-1",
    real_timeout: float = 30.0,
) -> None:
    """Install every patch (once per process) and make ``clock``/``rng``/``dms`` the active ones.

    ``region`` and ``real_timeout`` configure the durable functions service (created on first
    use). Idempotent: calling it again only switches what is active.
    """
    with LOCK:
        REGISTRY.apply_all()
        _close_services()
        ACTIVE.clock = clock
        ACTIVE.rng = rng
        ACTIVE.dms = dms
        ACTIVE.lambda_runtime = LambdaRuntime(clock)
        ACTIVE.api_calls = collections.Counter()
        ACTIVE.region = region
        ACTIVE.real_timeout = real_timeout
        ACTIVE.schedules = ScheduleRegistry(clock, lambda rule, event: rule.send_to_targets(event))
        ACTIVE.scheduler = SchedulerRegistry(clock, ACTIVE.lambda_runtime)


def deactivate() -> None:
    """Forget the active clock, generator, simulator, Lambda runtime and schedules (patches fall
    back to moto's ways)."""
    with LOCK:
        _close_services()
        ACTIVE.clock = None
        ACTIVE.rng = None
        ACTIVE.dms = None
        ACTIVE.api_calls = None


def _close_services() -> None:
    # The Lambda runtime (extracted code), the armed schedules and the durable executions
    # belong to one cloud. The durable service is closed first and forgotten last: a handler
    # still running answers its checkpoints with errors from the closed service and ends, so
    # the runtime's close (which waits for running handlers) cannot wait forever.
    durable = ACTIVE.durable
    if durable is not None:
        durable.close()
    if ACTIVE.schedules is not None:
        ACTIVE.schedules.cancel_all()
        ACTIVE.schedules = None
    if ACTIVE.scheduler is not None:
        ACTIVE.scheduler.cancel_all()
        ACTIVE.scheduler = None
    if ACTIVE.lambda_runtime is not None:
        ACTIVE.lambda_runtime.close()
        ACTIVE.lambda_runtime = None
    ACTIVE.durable = None


def revert_all() -> None:
    """Deactivate and restore moto exactly as it was before any patch."""
    with LOCK:
        deactivate()
        REGISTRY.revert_all()


def applied() -> list[str]:
    """Names of the patches currently installed."""
    return REGISTRY.applied()


def iter_patches() -> Iterator[Patch]:
    """Every patch, in installation order, for documentation and tests."""
    return iter(ALL_PATCHES)
