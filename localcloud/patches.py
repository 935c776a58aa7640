"""Every adaptation of moto the local cloud needs, in one place.

moto is pinned (requirements-dev.txt) because these patches reach into its internals. Each patch
is a small named function whose docstring says what AWS does, what moto does, and what the
patch changes; ``tests/localcloud/test_patches.py`` has one test per patch that fails when a moto
upgrade moves or changes what the patch relies on.

Patches are installed once per process and reverted by ``revert_all``. They look up the active
clock, random generator, DMS simulator, Lambda runtime (``lambda_runtime.LambdaRuntime``) and
schedule registry (``event_delivery.ScheduleRegistry``) in ``_ACTIVE`` at call time, so one set
of patches serves successive ``LocalCloud`` instances; with nothing active they fall back to
moto's own behaviour.
"""

from __future__ import annotations

import collections
import contextvars
import copy
import datetime as _dt
import functools
import inspect
import json
import logging
import random
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from moto.awslambda import models as lambda_models
from moto.core.models import botocore_stubber
from moto.core.responses import EmptyResult
from moto.dms import exceptions as dms_exceptions
from moto.dms import models as dms_models
from moto.dms import responses as dms_responses
from moto.events import exceptions as events_exceptions
from moto.events import models as events_models
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.parser import api as sfn_api
from moto.stepfunctions.parser.api import ExecutionStatus, StateMachineType
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.common.retry import (
    jitter_strategy_decl,
    retrier_decl,
)
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service,
    state_task_service_aws_sdk,
    state_task_service_callback,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
    ResourceCondition,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval import environment as sfn_environment
from moto.stepfunctions.parser.asl.eval.callback import callback as sfn_callback
from moto.stepfunctions.parser.asl.eval.event import event_manager
from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
from moto.stepfunctions.parser.asl.utils import boto_client as sfn_boto_client
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend import execution as sfn_execution
from moto.stepfunctions.parser.backend import execution_worker

from dms_waiters.definitions.errors import java_exception_name

from .clock import TimerHandle, VirtualClock
from .event_delivery import (
    LambdaTargetDelivery,
    ScheduleExpressionError,
    ScheduleRegistry,
    schedule_period,
)
from .lambda_runtime import INVOCATION_ASYNC, LambdaRuntime

if TYPE_CHECKING:
    from .durable import DurableFunctions

LOG = logging.getLogger(__name__)

#: Clock sleep reasons the patches use, so callers can ask ``clock.slept(reason)``.
SLEEP_WAIT_STATE: Final = "wait-state"
SLEEP_RETRY: Final = "retry-backoff"


class DmsTaskHooks(Protocol):
    """What the DMS patches ask of a simulator (``localcloud.dms_sim.DmsSimulator``)."""

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
class _Active:
    clock: VirtualClock | None = None
    rng: random.Random | None = None
    dms: DmsTaskHooks | None = None
    lambda_runtime: LambdaRuntime | None = None
    schedules: ScheduleRegistry | None = None
    api_calls: collections.Counter[tuple[str, str]] | None = None
    region: str = "us-east-1"
    real_timeout: float = 30.0
    durable: DurableFunctions | None = None
    """Created on first use (``active_durable``): most clouds never run a durable function."""


_ACTIVE = _Active()
_LOCK = threading.RLock()
# Guards the creation of the durable functions service only (see active_durable).
_DURABLE_LOCK = threading.Lock()
# name -> undo function, in installation order (reverted in reverse order).
_INSTALLED: dict[str, Callable[[], None]] = {}

# The Environment of the state whose Retrier is sleeping, so a retry backoff can be cut short
# when the execution is stopped (moto's Retrier calls a bare time.sleep with no env).
_RETRY_ENV: contextvars.ContextVar[Any] = contextvars.ContextVar("localcloud_retry_env")

PatchFn = Callable[[], None]

# boto3 clients of the executions' service integrations, kept across clouds (see
# cached_sdk_clients); each is guarded so it can never reach the network.
_SDK_CLIENTS: dict[tuple[str, str], Any] = {}


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


# -- helpers -----------------------------------------------------------------------------------


def _replace(owner: Any, attr: str, new: Any, patch_name: str) -> Callable[[], None]:
    """Set ``owner.attr = new`` (tagged with the patch name) and return the undo function."""
    if not hasattr(owner, attr):
        raise AttributeError(
            f"patch {patch_name!r}: {owner!r} has no attribute {attr!r} (did moto change?)"
        )
    own = vars(owner)
    had_own = attr in own
    old = own.get(attr)
    target: Any = new.__func__ if isinstance(new, staticmethod) else new
    if callable(target):
        target.__localcloud_patch__ = patch_name
    setattr(owner, attr, new)

    def undo() -> None:
        if had_own:
            setattr(owner, attr, old)
        else:
            delattr(owner, attr)

    return undo


def _swap_module_global(
    module: types.ModuleType, name: str, expected: Any, replacement: Any, patch_name: str
) -> Callable[[], None]:
    """Replace a module-level name moto imported (``time``, ``random``); return the undo."""
    if getattr(module, name, None) is not expected:
        raise AttributeError(
            f"patch {patch_name!r}: {module.__name__}.{name} is no longer {expected!r}"
        )
    setattr(module, name, replacement)
    return lambda: setattr(module, name, expected)


def _install(name: str, installer: Callable[[], Callable[[], None]]) -> None:
    with _LOCK:
        if name not in _INSTALLED:
            _INSTALLED[name] = installer()


def _active_clock() -> VirtualClock | None:
    clock = _ACTIVE.clock
    return None if clock is None or clock.closed else clock


def _not_running(env: Any) -> Callable[[], bool]:
    return lambda: not env.is_running()


# -- a. the aws-sdk integration for DMS -------------------------------------------------------


def databasemigration_sdk_integration() -> None:
    """Let ``arn:aws:states:::aws-sdk:databasemigration:*`` tasks reach moto's DMS backend,
    failing with the error names AWS reports.

    AWS: Step Functions names the DMS SDK integration ``databasemigration`` and its errors
    ``DatabaseMigration.<AWS SDK for Java 2.x exception class>``: a modelled ``...Fault`` shape
    becomes ``...Exception`` (``DatabaseMigration.ResourceNotFoundException``), an unmodelled
    error the base class ``DatabaseMigration.DatabaseMigrationException`` (docs/aws-facts.md).
    moto: maps SFN service names to boto3 names through a small override table that lacks
    ``databasemigration`` (boto3 calls it ``dms``), so the task fails with "Unknown service";
    error prefixes come from another table and would fall back to the raw "databasemigration";
    a modelled error is named after botocore's class plus "Exception"
    (``ResourceNotFoundFaultException``), which no AWS error is called.
    Patch: add ``databasemigration -> dms`` and ``databasemigration -> DatabaseMigration``, and
    name modelled errors by the Java SDK's rule (``sfn_errors.java_exception_name``); unmodelled
    ones keep moto's ``<Service>.<Service>Exception``, which is AWS's.
    """
    cls = state_task_service_aws_sdk.StateTaskServiceAwsSdk

    def normalise_exception_name(norm_service_name: str, ex: Exception) -> str:
        name = type(ex).__name__
        if name == "ClientError":
            return f"{norm_service_name}.{norm_service_name}Exception"
        return f"{norm_service_name}.{java_exception_name(name)}"

    def install() -> Callable[[], None]:
        overrides = state_task_service.StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES
        error_names = state_task_service_aws_sdk._SERVICE_ERROR_NAMES
        had = ("databasemigration" in overrides, "databasemigration" in error_names)
        overrides["databasemigration"] = "dms"
        error_names["databasemigration"] = "DatabaseMigration"
        undo_naming = _replace(
            cls,
            "_normalise_exception_name",
            staticmethod(normalise_exception_name),
            "databasemigration_sdk_integration",
        )

        def undo() -> None:
            undo_naming()
            if not had[0]:
                overrides.pop("databasemigration", None)
            if not had[1]:
                error_names.pop("databasemigration", None)

        return undo

    _install("databasemigration_sdk_integration", install)


# -- b. Wait states on the virtual clock ------------------------------------------------------


def virtual_wait_states() -> None:
    """Make Wait states sleep on the virtual clock.

    AWS: a Wait state pauses the execution for its duration (seconds to a year).
    moto: ``WaitFunction._wait_interval`` really waits that long (``Event.wait``), interrupted
    only when the execution stops.
    Patch: sleep on the active ``VirtualClock`` instead (recorded under ``SLEEP_WAIT_STATE``);
    the sleeper is woken early when the execution stops running. No clock: moto's behaviour.
    """
    cls = wait_function.WaitFunction
    original = cls._wait_interval

    def _wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        clock = _active_clock()
        if clock is None:
            original(self, env, wait_seconds)
            return
        clock.sleep(
            max(float(wait_seconds), 0.0), reason=SLEEP_WAIT_STATE, cancelled=_not_running(env)
        )

    _install(
        "virtual_wait_states",
        lambda: _replace(cls, "_wait_interval", _wait_interval, "virtual_wait_states"),
    )


# -- c. Retry backoff on the virtual clock ----------------------------------------------------


class _VirtualTimeModule(types.ModuleType):
    """Stands in for ``time`` inside moto's retrier module: ``sleep`` goes to the clock."""

    def __init__(self) -> None:
        super().__init__("time")

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        clock = _active_clock()
        if clock is None:
            time.sleep(seconds)
            return
        env = _RETRY_ENV.get(None)
        clock.sleep(
            max(float(seconds), 0.0),
            reason=SLEEP_RETRY,
            cancelled=_not_running(env) if env is not None else None,
        )


def virtual_retry_backoff() -> None:
    """Make Retrier backoff sleep on the virtual clock.

    AWS: a Retrier waits IntervalSeconds x BackoffRate^n (capped, optionally jittered) between
    attempts; the wait costs no transition.
    moto: ``RetrierDecl._eval_body`` calls ``time.sleep(interval)`` in the execution's thread.
    Patch: the retrier module's ``time`` becomes a proxy whose ``sleep`` uses the active clock
    (recorded under ``SLEEP_RETRY``), and ``_eval_body`` remembers the state's environment so
    a stopped execution cuts the backoff short.
    """
    cls = retrier_decl.RetrierDecl
    original_eval_body = cls._eval_body

    def _eval_body(self: Any, env: Any) -> None:
        token = _RETRY_ENV.set(env)
        try:
            original_eval_body(self, env)
        finally:
            _RETRY_ENV.reset(token)

    def install() -> Callable[[], None]:
        undo_time = _swap_module_global(
            retrier_decl, "time", time, _VirtualTimeModule(), "virtual_retry_backoff"
        )
        undo_body = _replace(cls, "_eval_body", _eval_body, "virtual_retry_backoff")

        def undo() -> None:
            undo_body()
            undo_time()

        return undo

    _install("virtual_retry_backoff", install)


# -- d. executions count as busy ---------------------------------------------------------------


def execution_activity() -> None:
    """Count every Step Functions execution as busy on the clock from start to termination.

    AWS: an execution runs until it ends; waits inside it take real time.
    moto: ``Execution.start`` spawns a thread running ``ExecutionWorker._execution_logic``; an
    exception inside it ends the thread and leaves the execution RUNNING forever.
    Patch: ``Execution.start`` takes a busy unit in the caller's thread before the worker
    thread exists, and records the virtual start time; ``_execution_logic`` gives the unit back
    in ``finally`` (so a crash cannot wedge the clock), records the virtual end time on the
    execution (``_localcloud_ended_at``), and turns a crash into a FAILED execution with
    ``States.Runtime`` instead of a hang. Synchronous (Express) executions run in the
    caller's thread, which cannot also drive the clock: they are left untracked, so a Wait in
    one fails loudly (the clock refuses a sleep from a thread holding no busy unit) rather than
    hanging.
    """
    start_original: Any = sfn_execution.Execution.start
    logic_original: Any = execution_worker.ExecutionWorker._execution_logic

    def start(self: Any) -> None:
        clock = _active_clock()
        if clock is None or isinstance(self, sfn_execution.SyncExecution):
            start_original(self)
            return
        self._localcloud_clock = clock
        self._localcloud_started_at = clock.now()
        self._localcloud_ended_at = None
        clock.enter()
        try:
            start_original(self)
        except BaseException:
            self._localcloud_clock = None
            clock.exit()
            raise

    def _execution_logic(self: Any) -> None:
        execution = getattr(self._execution_communication, "execution", None)
        clock = getattr(execution, "_localcloud_clock", None)
        try:
            logic_original(self)
        except Exception as exc:
            LOG.exception("execution worker crashed")
            if execution is not None:
                execution._localcloud_crash = exc
                if execution.exec_status == ExecutionStatus.RUNNING:
                    execution.exec_status = ExecutionStatus.FAILED
                    execution.error = "States.Runtime"
                    execution.cause = f"local cloud: execution worker crashed: {exc!r}"
                    execution.stop_date = _dt.datetime.now(tz=_dt.UTC)
        finally:
            if clock is not None and execution is not None:
                execution._localcloud_ended_at = clock.now()
                execution._localcloud_clock = None
                clock.exit()

    def install() -> Callable[[], None]:
        undo_start = _replace(sfn_execution.Execution, "start", start, "execution_activity")
        undo_logic = _replace(
            execution_worker.ExecutionWorker,
            "_execution_logic",
            _execution_logic,
            "execution_activity",
        )

        def undo() -> None:
            undo_logic()
            undo_start()

        return undo

    _install("execution_activity", install)


# -- e. timestamps in aws-sdk results ---------------------------------------------------------


def aws_timestamp(value: _dt.datetime | _dt.date) -> str:
    """Render a timestamp as Step Functions does in aws-sdk task results.

    ISO-8601 in UTC with a ``Z`` and the fraction only when non-zero, like Java's
    ``Instant.toString()`` (the SDK behind Step Functions): ``2026-01-01T00:05:00Z``,
    ``2026-01-01T00:05:00.250Z``.
    """
    if not isinstance(value, _dt.datetime):
        return value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.UTC)
    value = value.astimezone(_dt.UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        frac = f"{value.microsecond:06d}"
        text += "." + (frac[:3] if frac.endswith("000") else frac)
    return text + "Z"


def _render_timestamps(value: Any) -> Any:
    if isinstance(value, _dt.datetime | _dt.date):
        return aws_timestamp(value)
    if isinstance(value, dict):
        return {k: _render_timestamps(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_timestamps(v) for v in value]
    return value


def aws_sdk_timestamps() -> None:
    """Render timestamps in aws-sdk task results as strings, as AWS does.

    AWS: aws-sdk integration results are JSON; timestamps arrive as ISO-8601 strings.
    moto: returns boto3's parsed response, so ``StartDate``/``StopDate`` and the dates inside
    ``ReplicationTaskStats`` stay Python datetimes in the state; ``describe_execution`` and
    ``get_execution_history`` later fail with "Object of type datetime is not JSON
    serializable".
    Patch: after ``StateTaskServiceAwsSdk._eval_service_task`` replace every datetime in the
    result with ``aws_timestamp(...)``.
    """
    cls = state_task_service_aws_sdk.StateTaskServiceAwsSdk
    original = cls._eval_service_task

    def _eval_service_task(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        original(self, env, *args, **kwargs)
        if env.stack:
            env.stack[-1] = _render_timestamps(env.stack[-1])

    _install(
        "aws_sdk_timestamps",
        lambda: _replace(cls, "_eval_service_task", _eval_service_task, "aws_sdk_timestamps"),
    )


# -- f. history timestamps in virtual time ----------------------------------------------------


def virtual_history_timestamps() -> None:
    """Stamp execution history events with the virtual time.

    AWS: each history event carries the time it happened, so the gap between two events shows
    how long a Wait or a retry took.
    moto: ``EventManager._get_current_timestamp`` returns the real ``datetime.now``; with
    virtual waits every event would look simultaneous.
    Patch: return ``clock.now_datetime()`` while a clock is active.
    """
    cls = event_manager.EventManager
    original = cls._get_current_timestamp

    def _get_current_timestamp() -> _dt.datetime:
        clock = _active_clock()
        return clock.now_datetime() if clock is not None else original()

    _install(
        "virtual_history_timestamps",
        lambda: _replace(
            cls,
            "_get_current_timestamp",
            staticmethod(_get_current_timestamp),
            "virtual_history_timestamps",
        ),
    )


# -- g. deterministic retry jitter ------------------------------------------------------------


class _SeededRandomModule(types.ModuleType):
    """Stands in for ``random`` inside moto's jitter module: ``uniform`` uses the cloud's RNG."""

    def __init__(self) -> None:
        super().__init__("random")

    def __getattr__(self, name: str) -> Any:
        return getattr(random, name)

    def uniform(self, a: float, b: float) -> float:
        rng = _ACTIVE.rng
        return (rng or random).uniform(a, b)


def deterministic_jitter() -> None:
    """Draw ``JitterStrategy: FULL`` delays from the local cloud's seeded generator.

    AWS: FULL jitter waits a random time in [0, interval]; runs differ.
    moto: ``JitterStrategyDecl`` calls the global ``random.uniform``.
    Patch: the jitter module's ``random`` becomes a proxy using the active seeded
    ``random.Random``, so two runs with the same seed wait exactly the same virtual time.
    """

    _install(
        "deterministic_jitter",
        lambda: _swap_module_global(
            jitter_strategy_decl, "random", random, _SeededRandomModule(), "deterministic_jitter"
        ),
    )


# -- h. StartReplicationTaskType reaches the backend ------------------------------------------


def dms_start_task_type() -> None:
    """Pass ``StartReplicationTaskType`` from the DMS API to the backend.

    AWS: StartReplicationTask honours start-replication | resume-processing | reload-target.
    moto: the response handler drops the parameter; the backend cannot see it.
    Patch: the handler reads it and passes ``start_replication_task_type=`` to the backend's
    ``start_replication_task``, which records it on the task (``last_start_type``) and hands it
    to the DMS simulator when one owns the task (see ``dms_simulated_tasks``).
    """
    response_cls = dms_responses.DatabaseMigrationServiceResponse
    backend_cls = dms_models.DatabaseMigrationServiceBackend
    backend_original = backend_cls.start_replication_task

    def response_start(self: Any) -> str:
        task = self.dms_backend.start_replication_task(
            replication_task_arn=self._get_param("ReplicationTaskArn"),
            start_replication_task_type=self._get_param("StartReplicationTaskType"),
        )
        return json.dumps({"ReplicationTask": task.to_dict()})

    def backend_start(
        self: Any, replication_task_arn: str, start_replication_task_type: str | None = None
    ) -> Any:
        hooks = _ACTIVE.dms
        task = self.replication_tasks.get(replication_task_arn)
        if hooks is not None and task is not None and hooks.tracks(replication_task_arn):
            hooks.start(task, start_replication_task_type)
        else:
            task = backend_original(self, replication_task_arn)
        task.last_start_type = start_replication_task_type
        return task

    def install() -> Callable[[], None]:
        undo_response = _replace(
            response_cls, "start_replication_task", response_start, "dms_start_task_type"
        )
        undo_backend = _replace(
            backend_cls, "start_replication_task", backend_start, "dms_start_task_type"
        )

        def undo() -> None:
            undo_backend()
            undo_response()

        return undo

    _install("dms_start_task_type", install)


# -- i. simulated DMS tasks --------------------------------------------------------------------


def dms_simulated_tasks() -> None:
    """Route the DMS backend's task operations to the simulator for the tasks it owns.

    AWS: a replication task moves through creating, ready, starting, running and ends stopped
    (with a StopReason) or failed (with LastFailureMessage); statistics grow while it runs;
    DescribeReplicationTasks may be throttled, and answers ``ResourceNotFoundFault`` ("No Tasks
    found matching provided filters") when its filters match nothing.
    moto: create -> ``creating``, start -> ``running`` forever, stop -> ``stopped``; no
    StopReason, no failure, fixed statistics, never throttles; an empty list for no match.
    Patch: for tasks the active ``DmsTaskHooks`` owns, ``stop_replication_task`` and
    ``delete_replication_task`` notify the simulator, ``describe_replication_tasks`` lets it
    throttle, and ``FakeReplicationTask.to_dict`` overlays the simulated state at the current
    virtual time. Every other task keeps moto's behaviour.
    """
    backend_cls = dms_models.DatabaseMigrationServiceBackend
    task_cls = dms_models.FakeReplicationTask
    stop_original = backend_cls.stop_replication_task
    delete_original = backend_cls.delete_replication_task
    describe_original = backend_cls.describe_replication_tasks
    to_dict_original = task_cls.to_dict

    def _owned(arn: str) -> DmsTaskHooks | None:
        hooks = _ACTIVE.dms
        return hooks if hooks is not None and hooks.tracks(arn) else None

    def stop_replication_task(self: Any, replication_task_arn: str) -> Any:
        hooks = _owned(replication_task_arn)
        task = self.replication_tasks.get(replication_task_arn)
        if hooks is None or task is None:
            return stop_original(self, replication_task_arn)
        hooks.stop(task)
        return task

    def delete_replication_task(self: Any, replication_task_arn: str) -> Any:
        hooks = _owned(replication_task_arn)
        task = delete_original(self, replication_task_arn)
        if hooks is not None:
            hooks.forget(replication_task_arn)
        return task

    def describe_replication_tasks(self: Any, *args: Any, **kwargs: Any) -> Any:
        tasks = list(describe_original(self, *args, **kwargs))
        filters = kwargs.get("filters") if "filters" in kwargs else (args[0] if args else None)
        if filters and not tasks:
            raise dms_exceptions.ResourceNotFoundFault("No Tasks found matching provided filters")
        for task in tasks:
            hooks = _owned(task.arn)
            if hooks is not None:
                hooks.before_describe(task.arn)
        return tasks

    def to_dict(self: Any) -> dict[str, Any]:
        data: dict[str, Any] = to_dict_original(self)
        hooks = _owned(self.arn)
        return hooks.render(self, data) if hooks is not None else data

    def install() -> Callable[[], None]:
        undos = [
            _replace(
                backend_cls, "stop_replication_task", stop_replication_task, "dms_simulated_tasks"
            ),
            _replace(
                backend_cls,
                "delete_replication_task",
                delete_replication_task,
                "dms_simulated_tasks",
            ),
            _replace(
                backend_cls,
                "describe_replication_tasks",
                describe_replication_tasks,
                "dms_simulated_tasks",
            ),
            _replace(task_cls, "to_dict", to_dict, "dms_simulated_tasks"),
        ]

        def undo() -> None:
            for fn in reversed(undos):
                fn()

        return undo

    _install("dms_simulated_tasks", install)


# -- j. one SDK client per service ----------------------------------------------------------


def cached_sdk_clients() -> None:
    """Reuse one boto3 client per (region, service) for the executions' service integrations.

    AWS: irrelevant (a service-side detail); each task call costs one API request.
    moto: ``boto_client_for`` builds a new boto3 client for every Task state call (tens of
    milliseconds each: loading the service model, the endpoint resolver), which dominates the
    real time of a long poll loop. It always uses the same dummy credentials, so the clients are
    interchangeable.
    Patch: every moto module that imported ``boto_client_for`` gets a caching wrapper while a
    cloud is active. The clients are built while moto intercepts (no endpoint override) and
    guarded (``guard_client``), so reusing one in a later cloud is safe and using one outside
    any cloud raises instead of reaching AWS.
    """
    original = sfn_boto_client.boto_client_for

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if _ACTIVE.clock is None or not botocore_stubber.enabled:
            return original(region=region, service=service, state_credentials=state_credentials)
        with _LOCK:
            key = (region, service)
            client = _SDK_CLIENTS.get(key)
            if client is None:
                client = guard_client(
                    original(region=region, service=service, state_credentials=state_credentials)
                )
                _SDK_CLIENTS[key] = client
            return client

    def install() -> Callable[[], None]:
        modules = [
            module
            for name, module in list(sys.modules.items())
            if name.startswith("moto.stepfunctions.parser")
            and getattr(module, "boto_client_for", None) is original
        ]
        if state_task_service_aws_sdk not in modules:
            raise AttributeError(
                "patch 'cached_sdk_clients': the aws-sdk integration no longer calls "
                "boto_client_for"
            )
        undos = [
            _replace(module, "boto_client_for", boto_client_for, "cached_sdk_clients")
            for module in modules
        ]

        def undo() -> None:
            for fn in reversed(undos):
                fn()

        return undo

    _install("cached_sdk_clients", install)


# -- k. JSONPath expressions parsed once ------------------------------------------------------


def cached_jsonpath_parsing() -> None:
    """Parse each JSONPath expression once instead of at every evaluation.

    AWS: irrelevant (an interpreter detail).
    moto: every path evaluation calls ``jsonpath_ng``'s ``parse``, which rebuilds its PLY
    lexer and parser tables each time (about 2 ms): most of the real time of a poll loop.
    Patch: the ``parse`` moto's JSONPath helpers imported is memoised (the parsed expressions
    are only read by ``find`` and ``update_or_create``, never changed).
    """

    def install() -> Callable[[], None]:
        undos = []
        for module in (json_path, result_path):
            cached = functools.lru_cache(maxsize=4096)(module.parse)
            undos.append(_replace(module, "parse", cached, "cached_jsonpath_parsing"))

        def undo() -> None:
            for fn in reversed(undos):
                fn()

        return undo

    _install("cached_jsonpath_parsing", install)


# -- l. Lambda handlers run in this process ------------------------------------------------------


def _header(headers: Any, name: str) -> str | None:
    """A request header by name, whatever mapping moto passes (case-insensitive or plain)."""
    if not headers:
        return None
    for key in (name, name.title(), name.lower()):
        value = headers.get(key)
        if value is not None:
            return str(value)
    lowered = name.lower()
    for key, value in dict(headers).items():
        if str(key).lower() == lowered:
            return str(value)
    return None


def lambda_in_process() -> None:
    """Run Lambda functions' Python handlers in this process instead of in Docker.

    AWS: Invoke runs the function's handler with its environment and a context object;
    ``InvocationType=Event`` queues the event and answers 202 (Lambda retries a function
    error twice, 1 then 2 minutes later); an exception comes back as an error payload
    (``errorMessage``/``errorType``/``requestId``/``stackTrace``) with the header
    ``X-Amz-Function-Error: Unhandled``, which Step Functions turns into the error name
    ``errorType`` (so a Catch on ``ValueError`` works); a throttled request is
    ``TooManyRequestsException`` (HTTP 429).
    moto: ``LambdaFunction._invoke_lambda`` runs the code in a Docker container, and without
    Docker returns "error running docker" as a ``Handled`` error; ``invoke`` runs every
    invocation type synchronously.
    Patch: ``_invoke_lambda`` (moto's one Docker-specific method, still used by its internal
    callers) and ``invoke`` hand the function to the active ``LambdaRuntime``
    (``localcloud.lambda_runtime``): the zip is extracted once per version and code hash, the
    handler imported in its own module namespace and called with the function's environment
    (runs serialised: os.environ is process-wide), errors reported as AWS does (``Unhandled``),
    ``Event`` invocations queued as tracked background work with Lambda's retries on the
    virtual clock, ``DryRun`` not run, ``LogType=Tail`` honoured, every run counted.
    """
    cls = lambda_models.LambdaFunction
    original_run = cls._invoke_lambda
    original_invoke = cls.invoke

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        runtime = _ACTIVE.lambda_runtime
        if runtime is None:
            result: tuple[str, bool, str] = original_run(self, event)
            return result
        payload = event if isinstance(event, str | bytes) else json.dumps(event or {})
        outcome = runtime.run(self, payload)
        return outcome.payload.decode("utf-8"), outcome.function_error is not None, outcome.logs

    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        runtime = _ACTIVE.lambda_runtime
        if runtime is None:
            return original_invoke(self, body, request_headers, response_headers)
        invocation_type = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return b""
        runtime.admit(self)  # TooManyRequestsException while throttled
        if invocation_type == INVOCATION_ASYNC:
            runtime.invoke_async(self, body)
            return b""
        outcome = runtime.run(self, body)
        response_headers["x-amz-executed-version"] = outcome.executed_version
        if outcome.function_error is not None:
            response_headers["x-amz-function-error"] = outcome.function_error
        if _header(request_headers, "X-Amz-Log-Type") == "Tail":
            response_headers["x-amz-log-result"] = outcome.tail()
        return outcome.payload

    def install() -> Callable[[], None]:
        undos = [
            _replace(cls, "_invoke_lambda", _invoke_lambda, "lambda_in_process"),
            _replace(cls, "invoke", invoke, "lambda_in_process"),
        ]

        def undo() -> None:
            for fn in reversed(undos):
                fn()

        return undo

    _install("lambda_in_process", install)


# -- l2. Lambda durable functions -----------------------------------------------------------------


def lambda_durable_config() -> None:
    """Keep a function's ``DurableConfig`` (durable mode) and report it.

    AWS: ``CreateFunction(DurableConfig={ExecutionTimeout, RetentionPeriodInDays})`` makes a
    durable function (only at creation); ``GetFunction``/``GetFunctionConfiguration`` return the
    ``DurableConfig``; its versions are durable too.
    moto: ignores the parameter (its request spec still carries it).
    Patch: ``LambdaFunction.__init__`` keeps ``spec["DurableConfig"]`` as ``durable_config``
    (published versions are copies of the object, so they keep it), ``get_configuration``
    reports it.
    ``lambda_durable_invocations`` and ``lambda_durable_api`` act on functions that have one.
    """
    cls = lambda_models.LambdaFunction
    init_original = cls.__init__
    config_original = cls.get_configuration

    @functools.wraps(init_original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807 - the method's name
        init_original(self, *args, **kwargs)
        spec = kwargs.get("spec", args[1] if len(args) > 1 else None)
        config = spec.get("DurableConfig") if isinstance(spec, dict) else None
        self.durable_config = dict(config) if isinstance(config, dict) else None

    @functools.wraps(config_original)
    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config: dict[str, Any] = config_original(self, *args, **kwargs)
        durable = getattr(self, "durable_config", None)
        if durable:
            config["DurableConfig"] = dict(durable)
        return config

    def install() -> Callable[[], None]:
        if "spec" not in inspect.signature(init_original).parameters:
            raise AttributeError("patch 'lambda_durable_config': LambdaFunction has no spec")
        undos = [
            _replace(cls, "__init__", __init__, "lambda_durable_config"),
            _replace(cls, "get_configuration", get_configuration, "lambda_durable_config"),
        ]

        def undo() -> None:
            for fn in reversed(undos):
                fn()

        return undo

    _install("lambda_durable_config", install)


def lambda_durable_invocations() -> None:
    """Start a durable execution when a durable function is invoked.

    AWS: invoking a durable function's version or alias starts a durable execution (its ARN in
    ``X-Amz-Durable-Execution-Arn``): ``Event`` answers 202 at once, ``RequestResponse`` waits
    for the execution to end (15 minutes at most) and returns its result;
    ``DurableExecutionName`` makes the start idempotent (same name and payload: nothing new;
    another payload: ``DurableExecutionAlreadyStartedException``). Each step of the execution
    then re-invokes the handler with a durable invocation input, never the caller's payload.
    moto: runs the handler once, as a plain function, with the caller's payload.
    Patch: ``LambdaFunction.invoke`` (wrapping ``lambda_in_process``) hands an invocation of a
    function with a ``DurableConfig`` to the cloud's ``durable.DurableFunctions``: the
    official testing SDK's executor on the virtual clock, invoking the handler through the
    Lambda runtime. An unqualified (``$LATEST``) invocation is refused, as the project's AWS
    facts say it is. Throttling (``LambdaRuntime.throttle``) and ``DryRun`` apply as for any
    function.
    """
    cls = lambda_models.LambdaFunction

    def install() -> Callable[[], None]:
        inner = cls.invoke  # the in-process runtime's (lambda_in_process must be installed)

        @functools.wraps(inner)
        def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
            runtime = _ACTIVE.lambda_runtime
            if runtime is None or not getattr(self, "durable_config", None):
                return inner(self, body, request_headers, response_headers)
            invocation_type = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
            if invocation_type == "DryRun":
                return b""
            runtime.admit(self)
            service = active_durable()
            assert service is not None  # a runtime is active, so is a clock
            name = _header(request_headers, "X-Amz-Durable-Execution-Name")
            return service.invoke(self, body, invocation_type, name, response_headers)

        return _replace(cls, "invoke", invoke, "lambda_durable_invocations")

    _install("lambda_durable_invocations", install)


def lambda_durable_api() -> None:
    """Answer the durable execution APIs (checkpoints, state, callbacks) from the local service.

    AWS: a durable function's SDK calls ``CheckpointDurableExecution`` and
    ``GetDurableExecutionState`` while it runs; whoever completes a callback calls
    ``SendDurableExecutionCallback{Success,Failure,Heartbeat}`` (a closed or expired callback:
    ``CallbackTimeoutException``; an unknown id: ``ResourceNotFoundException``);
    ``GetDurableExecution``/``GetDurableExecutionHistory``/``StopDurableExecution`` manage
    executions.
    moto: knows none of these operations (its URL table answers 404 "Not yet implemented").
    Patch: ``BotocoreStubber.__call__`` answers the ``lambda`` operations whose name contains
    ``DurableExecution`` from the cloud's ``durable.DurableFunctions`` (the testing SDK's own
    HTTP handlers, so requests and answers have the API's wire shapes), before moto's URL
    matching; every other request goes on as before (and is still counted by
    ``api_call_metrics``, which wraps this).
    """
    stubber_cls = type(botocore_stubber)

    def install() -> Callable[[], None]:
        inner = stubber_cls.__call__

        @functools.wraps(inner)
        def call(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
            parts = event_name.split(".")
            if (
                self.enabled
                and len(parts) >= 3
                and parts[1] == "lambda"
                and "DurableExecution" in parts[2]
                and _ACTIVE.lambda_runtime is not None
            ):
                from botocore.awsrequest import AWSResponse  # type: ignore[import-untyped]
                from moto.core.botocore_stubber import MockRawResponse

                service = active_durable()
                assert service is not None
                status, headers, body = service.handle_request(
                    request.method, request.url, request.body
                )
                return AWSResponse(request.url, status, headers, MockRawResponse(body))
            return inner(self, event_name, request, **kwargs)

        return _replace(stubber_cls, "__call__", call, "lambda_durable_api")

    _install("lambda_durable_api", install)


# -- m. EventBridge delivers to Lambda targets --------------------------------------------------


def _arn_service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


def eventbridge_lambda_targets() -> None:
    """Deliver matching events to rules' Lambda targets, with RetryPolicy and DeadLetterConfig.

    AWS: a rule delivers each matching event to each target; a Lambda target is invoked
    asynchronously with the event (or the target's ``Input``/``InputPath``/
    ``InputTransformer`` result) as payload. A delivery that fails is retried per the target's
    ``RetryPolicy`` (exponential backoff; a missing function is not retried) and then sent to
    its ``DeadLetterConfig`` SQS queue with ``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE``,
    ``ERROR_MESSAGE``, ``RETRY_ATTEMPTS`` (and ``EXHAUSTED_RETRY_CONDITION``) attributes. The
    function's own errors are retried by Lambda (twice), not by EventBridge. A DISABLED rule
    delivers nothing.
    moto: ``Rule.send_to_targets`` raises ``NotImplementedError`` for a Lambda target (failing
    ``PutEvents`` itself), ignores RetryPolicy and DeadLetterConfig, and delivers for DISABLED
    rules too.
    Patch: ``send_to_targets`` skips DISABLED rules, leaves non-Lambda targets to moto and hands
    each Lambda target to ``event_delivery.LambdaTargetDelivery``: the function is resolved and
    the event queued as an asynchronous invocation (``LambdaRuntime.invoke_async``); a missing
    function (``NO_RESOURCE``) goes straight to the DLQ, a throttled one (``THROTTLING``, see
    ``LambdaRuntime.throttle``) is retried on the virtual clock first.
    """
    cls = events_models.Rule
    original = cls.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        runtime = _ACTIVE.lambda_runtime
        if runtime is None:
            original(self, original_event, transform_input)
            return
        if self.state != "ENABLED" or not self.event_pattern.matches_event(original_event):
            return
        targets = list(self.targets)
        others = [t for t in targets if _arn_service(t["Arn"]) != "lambda"]
        if others:
            # moto iterates self.targets: give it a shallow copy of the rule without the Lambda
            # targets rather than mutating the shared rule (PutTargets may run concurrently).
            view = copy.copy(self)
            view.targets = others
            original(view, original_event, transform_input)
        for target in targets:
            if _arn_service(target["Arn"]) == "lambda":
                LambdaTargetDelivery(runtime, self.arn, target, original_event).attempt()

    _install(
        "eventbridge_lambda_targets",
        lambda: _replace(cls, "send_to_targets", send_to_targets, "eventbridge_lambda_targets"),
    )


# -- n. EventBridge schedules on the virtual clock ----------------------------------------------


def eventbridge_schedules() -> None:
    """Fire ``rate(...)`` scheduled rules on the virtual clock; refuse ``cron(...)`` clearly.

    AWS: a rule with ``ScheduleExpression: rate(N minute[s]|hour[s]|day[s])`` sends a
    ``Scheduled Event`` (source ``aws.events``, ``resources: [rule ARN]``, ``detail: {}``) to
    its targets every period while the rule exists and is ENABLED; ``rate(1 minutes)`` and
    ``rate(5 minute)`` are invalid. ``cron(...)`` is also accepted.
    moto: stores the expression (a loose regex check) and never fires it.
    Patch: ``put_rule`` validates the expression first (a ``cron(...)`` is refused with a
    ValidationException saying it is not emulated, instead of a rule that silently never
    fires); after ``put_rule``/``enable_rule``/``disable_rule``/``delete_rule`` the active
    ``event_delivery.ScheduleRegistry`` arms, re-arms or cancels the rule's clock timer. The
    timer fires one period after the rule was created or enabled, then every period, sending
    the scheduled event through ``Rule.send_to_targets`` (so every target type works).
    """
    cls = events_models.EventsBackend
    put_original = cls.put_rule
    put_signature = inspect.signature(put_original)
    originals = {
        name: getattr(cls, name) for name in ("enable_rule", "disable_rule", "delete_rule")
    }

    @functools.wraps(put_original)
    def put_rule(self: Any, *args: Any, **kwargs: Any) -> Any:
        registry = _ACTIVE.schedules
        bound = put_signature.bind(self, *args, **kwargs)
        expression = bound.arguments.get("scheduled_expression")
        if registry is not None and expression:
            try:
                schedule_period(expression)
            except ScheduleExpressionError as exc:
                raise events_exceptions.ValidationException(str(exc)) from exc
        rule = put_original(self, *args, **kwargs)
        if registry is not None:
            registry.reconcile(self, rule.event_bus_name, rule.name)
        return rule

    def reconciling(name: str) -> Callable[..., Any]:
        original = originals[name]

        def method(self: Any, rule_name: str, event_bus_arn: str | None = None) -> Any:
            result = original(self, rule_name, event_bus_arn)
            registry = _ACTIVE.schedules
            if registry is not None:
                bus_name = self._normalize_event_bus_arn(event_bus_arn)
                registry.reconcile(self, bus_name, rule_name)
            return result

        return method

    def install() -> Callable[[], None]:
        undos = [_replace(cls, "put_rule", put_rule, "eventbridge_schedules")]
        undos += [
            _replace(cls, name, reconciling(name), "eventbridge_schedules") for name in originals
        ]

        def undo() -> None:
            for fn in reversed(undos):
                fn()

        return undo

    _install("eventbridge_schedules", install)


def _is_own_scheduled_event(rule: Any, event: Any) -> bool:
    return (
        isinstance(event, dict)
        and event.get("source") == "aws.events"
        and event.get("detail-type") == "Scheduled Event"
        and event.get("resources") == [rule.arn]
    )


def schedule_rules_match_no_events() -> None:
    """Keep events put on a bus away from rules that only have a schedule.

    AWS: a rule has an ``EventPattern``, a ``ScheduleExpression``, or both; a rule with only a
    schedule receives its own ``Scheduled Event`` each period and matches no event put on the
    bus.
    moto: ``EventPattern.matches_event`` answers True for an empty pattern, so a schedule-only
    rule receives every event on its bus (each DMS state change would also run a scheduled
    Lambda, such as the hub's reconciler, inflating invocations and request counts).
    Patch: ``Rule.send_to_targets`` (wrapping ``eventbridge_lambda_targets``) drops an event
    for a rule without an event pattern unless it is that rule's own scheduled event (source
    ``aws.events``, detail-type ``Scheduled Event``, ``resources: [rule ARN]``, as
    ``event_delivery.scheduled_event`` builds it).
    """
    cls = events_models.Rule

    def install() -> Callable[[], None]:
        inner = cls.send_to_targets
        if not hasattr(events_models.EventPattern, "get_pattern"):
            raise AttributeError(
                "patch 'schedule_rules_match_no_events': EventPattern has no get_pattern"
            )

        # Wraps (``__wrapped__``) the Lambda-target delivery, which must already be installed.
        @functools.wraps(inner)
        def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
            if not self.event_pattern.get_pattern() and not _is_own_scheduled_event(
                self, original_event
            ):
                return
            inner(self, original_event, transform_input)

        return _replace(cls, "send_to_targets", send_to_targets, "schedule_rules_match_no_events")

    _install("schedule_rules_match_no_events", install)


# -- o. event times on the virtual clock --------------------------------------------------------


def virtual_event_time() -> None:
    """Stamp EventBridge events with the virtual time they were put.

    AWS: an event without an explicit ``Time`` carries the time EventBridge received it (the
    ``time`` field targets see).
    moto: ``put_events`` uses the real ``unix_time()`` (also for ``ingestion-time``).
    Patch: the events module's ``unix_time`` returns the active clock's time as unix seconds.
    """
    original = events_models.unix_time  # type: ignore[attr-defined]

    def unix_time(dt: Any = None) -> float:
        clock = _active_clock()
        if clock is None or dt is not None:
            result: float = original(dt) if dt is not None else original()
            return result
        return clock.now_datetime().timestamp()

    unix_time.__localcloud_patch__ = "virtual_event_time"  # type: ignore[attr-defined]
    _install(
        "virtual_event_time",
        lambda: _swap_module_global(
            events_models, "unix_time", original, unix_time, "virtual_event_time"
        ),
    )


# -- p. task-token waits are idle and time out on the virtual clock -----------------------------

#: What woke a task-token waiter (it re-checks outcome, deadlines and stop itself anyway).
_WAKE_OUTCOME: Final = "outcome"
_WAKE_HEARTBEAT: Final = "heartbeat"
_WAKE_DEADLINE: Final = "deadline"
_WAKE_STOPPED: Final = "stopped"
#: Real seconds between a waiter's checks for a stop nobody announced (a safety net only).
_TOKEN_WAIT_POLL: Final = 0.5


class _StopSignal(threading.Event):
    """Stands in for a waiting frame's ``program_state_event``: moto sets it when the execution
    (or the frame) is stopped, failed or timed out, and then the waiter must wake at once."""

    def __init__(self, wait: _TokenWait) -> None:
        super().__init__()
        self._wait = wait

    def set(self) -> None:
        self._wait.signal(_WAKE_STOPPED)
        super().set()


class _TokenWait:
    """One ``.waitForTaskToken`` wait, idle on the virtual clock.

    The execution's busy unit is handed back to the clock while it waits (so the driver can
    advance time) and taken back *by whoever wakes it*, in their own thread, before it runs:
    SendTaskSuccess/Failure/Heartbeat in the caller's thread, a deadline timer in the driver's,
    a stop in the stopper's. So the driver never sees an idle moment between a callback and the
    execution acting on it.
    """

    def __init__(
        self,
        clock: VirtualClock,
        env: Any,
        endpoint: Any,
        timeout_seconds: float,
        heartbeat_seconds: float | None,
    ) -> None:
        self._clock = clock
        self._env = env
        self._endpoint = endpoint
        self._timeout = float(timeout_seconds)
        self._heartbeat = float(heartbeat_seconds) if heartbeat_seconds else None
        self._cond = threading.Condition(threading.Lock())
        self._idle = False
        self._woken_by: str | None = None
        self._last_heartbeat = clock.now()

    def signal(self, reason: str) -> None:
        """Wake the waiter (any thread): take its busy unit here if it is idle."""
        with self._cond:
            if reason == _WAKE_HEARTBEAT:
                self._last_heartbeat = self._clock.now()
            if not self._idle or self._woken_by is not None:
                return  # awake already: it re-checks everything before idling again
            self._clock.enter()
            self._woken_by = reason
            self._cond.notify_all()

    def wait(self) -> Any:
        """The outcome; ``CallbackOutcomeTimedOut``/``HeartbeatTimedOut``; None if stopped."""
        deadline = self._clock.now() + self._timeout
        endpoint, env = self._endpoint, self._env
        saved_event = env.program_state_event
        env.program_state_event = _StopSignal(self)
        endpoint._localcloud_wait = self
        try:
            while True:
                timers: list[TimerHandle] = []
                with self._cond:
                    outcome = endpoint.get_outcome()
                    if outcome is not None:
                        return outcome
                    if not env.is_running() or self._clock.closed:
                        return None
                    now = self._clock.now()
                    if now >= deadline:
                        return sfn_callback.CallbackOutcomeTimedOut(
                            callback_id=endpoint.callback_id
                        )
                    if self._heartbeat is not None:
                        beat_deadline = self._last_heartbeat + self._heartbeat
                        if now >= beat_deadline:
                            return sfn_callback.HeartbeatTimedOut()
                        timers.append(self._alarm(beat_deadline))
                    timers.append(self._alarm(deadline))
                    self._idle, self._woken_by = True, None
                    self._clock.exit()  # idle: the driver may advance time now
                    while self._woken_by is None:
                        if not self._cond.wait(_TOKEN_WAIT_POLL) and (
                            self._clock.closed or not env.is_running()
                        ):
                            # A stop nobody announced (safety net): take the unit ourselves.
                            self._clock.enter()
                            self._woken_by = _WAKE_STOPPED
                    self._idle = False
                for timer in timers:
                    timer.cancel()
        finally:
            # The token is spent, whatever ended the wait: later callbacks are refused.
            endpoint._localcloud_closed = True
            endpoint._localcloud_wait = None
            env.program_state_event = saved_event

    def _alarm(self, at: float) -> TimerHandle:
        return self._clock.call_at(at, lambda: self.signal(_WAKE_DEADLINE))


class _UntimedEventWhileVirtual(threading.Event):
    """``threading.Event`` whose timed ``wait`` ignores the (real-time) timeout while a clock is
    active: the state's TimeoutSeconds is then enforced in virtual time by the task itself."""

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is not None and _active_clock() is not None:
            return super().wait()
        return super().wait(timeout)


class _ExecuteStateThreading(types.ModuleType):
    """Stands in for ``threading`` inside moto's execute_state module (only ``Event`` differs)."""

    Event = _UntimedEventWhileVirtual

    def __init__(self) -> None:
        super().__init__("threading")

    def __getattr__(self, name: str) -> Any:
        return getattr(threading, name)


def _refuse_spent_token(endpoint: Any) -> None:
    if getattr(endpoint, "_localcloud_closed", False):
        raise sfn_api.TaskTimedOut(
            "Task Timed Out: 'Provided task does not exist anymore'", "TaskTimedOut", 400
        )


def task_token_waits() -> None:
    """Make ``.waitForTaskToken`` waits idle on the virtual clock, with virtual timeouts.

    AWS: a ``.waitForTaskToken`` task waits (up to a year) for SendTaskSuccess/Failure with its
    token; ``TimeoutSeconds`` fails it with ``States.Timeout``, and ``HeartbeatSeconds``
    without a SendTaskHeartbeat in time fails it with ``States.HeartbeatTimeout``. Once the
    task is over its token is dead: a late or repeated callback fails (TaskTimedOut).
    moto: the task's thread blocks on a real ``threading.Event`` with the real timeout, and the
    state's thread waits for it with the same real timeout; the execution keeps its busy unit
    the whole time, so the clock's driver could never advance (a 7-day timeout would take 7
    real days). A missed heartbeat is reported as ``States.Timeout`` (kept here: catch both
    names). A callback after the task ended is accepted silently while the execution runs.
    Patch: ``StateTaskServiceCallback._eval_wait_for_task_token`` (``.waitForTaskToken`` only)
    waits with ``_TokenWait``: idle on the clock, woken (busy unit taken in the waker's thread)
    by ``CallbackEndpoint.notify``/``notify_heartbeat`` (wrapped to signal it), by clock timers
    at the TimeoutSeconds deadline (from the start of the wait) and at HeartbeatSeconds after
    the last heartbeat, or by the execution stopping. The state thread's real-time wait in
    ``ExecutionState._evaluate_with_timeout`` becomes untimed while a clock is active (the
    module's ``threading`` is a proxy), for every state: work takes no virtual time, so only a
    virtual wait can outlast TimeoutSeconds, and a slow machine can no longer time a task out
    in real seconds. After the wait the endpoint is closed: a later
    callback for the token fails with TaskTimedOut while the execution still runs (once it has
    ended, moto's own lookup answers InvalidToken). A stop ends the wait at once (recorded as a
    TaskTimedOut event before ExecutionAborted; see ``stopped_executions_stay_aborted``).
    Express executions (not tracked on the clock, and without ``.waitForTaskToken`` on AWS)
    keep moto's behaviour.
    """
    service_cls = state_task_service_callback.StateTaskServiceCallback
    endpoint_cls = sfn_callback.CallbackEndpoint
    wait_original = service_cls._eval_wait_for_task_token
    notify_original = endpoint_cls.notify
    heartbeat_original = endpoint_cls.notify_heartbeat

    def _eval_wait_for_task_token(
        self: Any,
        env: Any,
        timeout_seconds: int,
        callback_endpoint: Any,
        heartbeat_endpoint: Any,
    ) -> Any:
        clock = _active_clock()
        if (
            clock is None
            or self.resource.condition != ResourceCondition.WaitForTaskToken
            or env.execution_type == StateMachineType.EXPRESS
            or clock.busy_count <= 0
        ):
            return wait_original(self, env, timeout_seconds, callback_endpoint, heartbeat_endpoint)
        heartbeat = getattr(heartbeat_endpoint, "_heartbeat_seconds", None)
        outcome = _TokenWait(clock, env, callback_endpoint, timeout_seconds, heartbeat).wait()
        if outcome is None:
            return sfn_callback.CallbackOutcomeTimedOut(callback_id=callback_endpoint.callback_id)
        return outcome

    def notify(self: Any, outcome: Any) -> None:
        _refuse_spent_token(self)
        notify_original(self, outcome)
        waiter = getattr(self, "_localcloud_wait", None)
        if waiter is not None:
            waiter.signal(_WAKE_OUTCOME)

    def notify_heartbeat(self: Any) -> bool:
        _refuse_spent_token(self)
        accepted: bool = heartbeat_original(self)
        waiter = getattr(self, "_localcloud_wait", None)
        if accepted and waiter is not None:
            waiter.signal(_WAKE_HEARTBEAT)
        return accepted

    def install() -> Callable[[], None]:
        # The heartbeat interval is read from this private attribute of moto's endpoint.
        if not hasattr(sfn_callback.HeartbeatEndpoint(heartbeat_seconds=1), "_heartbeat_seconds"):
            raise AttributeError(
                "patch 'task_token_waits': HeartbeatEndpoint has no _heartbeat_seconds"
            )
        undos = [
            _swap_module_global(
                execute_state, "threading", threading, _ExecuteStateThreading(), "task_token_waits"
            ),
            _replace(
                service_cls,
                "_eval_wait_for_task_token",
                _eval_wait_for_task_token,
                "task_token_waits",
            ),
            _replace(endpoint_cls, "notify", notify, "task_token_waits"),
            _replace(endpoint_cls, "notify_heartbeat", notify_heartbeat, "task_token_waits"),
        ]

        def undo() -> None:
            for fn in reversed(undos):
                fn()

        return undo

    _install("task_token_waits", install)


def stopped_executions_stay_aborted() -> None:
    """Keep a stopped execution ABORTED whatever its interrupted state does afterwards.

    AWS: StopExecution ends the execution as ABORTED; the task it interrupted cannot change
    that outcome.
    moto: ``Environment.set_error``/``set_timed_out`` replace the program state
    unconditionally, so a task that fails after the stop (a token wait cut short, a Lambda
    invocation erroring) turns the stopped execution into FAILED.
    Patch: both keep a ``ProgramStopped`` state as it is (the interrupted task's failure event
    stays in the history, before ``ExecutionAborted``).
    """
    cls = sfn_environment.Environment

    def guarded(name: str) -> Callable[..., None]:
        original = getattr(cls, name)

        def method(self: Any, *args: Any, **kwargs: Any) -> None:
            if isinstance(self._program_state, ProgramStopped):
                return
            original(self, *args, **kwargs)

        return method

    def install() -> Callable[[], None]:
        undos = [
            _replace(cls, name, guarded(name), "stopped_executions_stay_aborted")
            for name in ("set_error", "set_timed_out")
        ]

        def undo() -> None:
            for fn in reversed(undos):
                fn()

        return undo

    _install("stopped_executions_stay_aborted", install)


# -- r. SendTaskFailure keeps its cause ------------------------------------------------------


def send_task_failure_cause() -> None:
    """Pass ``cause`` of SendTaskFailure on to the waiting task.

    AWS: SendTaskFailure(taskToken, error, cause) fails the waiting task with both: the
    ``TaskFailed`` event carries error and cause, a Catch sees ``{"Error", "Cause"}``, and an
    uncaught failure (or a Fail state's ``CausePath``) puts the cause in ``ExecutionFailed`` and
    DescribeExecution's ``cause``.
    moto: ``StepFunctionResponse.send_task_failure`` reads only ``taskToken`` and ``error`` and
    calls the backend without the cause, although the execution-running backend
    (``stepfunctions.parser``) accepts and records one; a failed callback shows cause None.
    Patch: the response handler also reads ``cause`` and passes it to the backend when the
    backend takes one (the plain, non-executing backend has no ``cause`` parameter).
    """
    response_cls = sfn_responses.StepFunctionResponse

    def send_task_failure(self: Any) -> Any:
        backend = self.stepfunction_backend
        kwargs: dict[str, Any] = {"error": self._get_param("error")}
        if "cause" in inspect.signature(backend.send_task_failure).parameters:
            kwargs["cause"] = self._get_param("cause")
        backend.send_task_failure(self._get_param("taskToken"), **kwargs)
        return EmptyResult()

    def install() -> Callable[[], None]:
        return _replace(
            response_cls, "send_task_failure", send_task_failure, "send_task_failure_cause"
        )

    _install("send_task_failure_cause", install)


# -- s. API call metrics ---------------------------------------------------------------------

_API_CALLS_LOCK = threading.Lock()


def api_call_metrics() -> None:
    """Count every AWS API request the emulator answers, by (service, operation).

    AWS: billing counts requests (DynamoDB request units, DMS API calls are free but throttled).
    moto: answers requests without keeping any account of them.
    Patch: ``BotocoreStubber.__call__`` (where every mocked boto3 request of this process, from
    tests, handlers or Step Functions integrations, passes) increments a counter keyed by the
    service id of the ``before-send.<service>.<Operation>`` event, so the demo reports measured
    request counts per pattern.
    """
    stubber_cls = type(botocore_stubber)
    original = stubber_cls.__call__

    def counting_call(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        counter = _ACTIVE.api_calls
        if counter is not None and self.enabled:
            parts = event_name.split(".")
            if len(parts) >= 3:
                with _API_CALLS_LOCK:
                    counter[(parts[1], parts[2])] += 1
        return original(self, event_name, request, **kwargs)

    def install() -> Callable[[], None]:
        return _replace(stubber_cls, "__call__", counting_call, "api_call_metrics")

    _install("api_call_metrics", install)


def api_calls() -> dict[tuple[str, str], int]:
    """A copy of the active cloud's request counts by (service id, operation)."""
    with _API_CALLS_LOCK:
        return dict(_ACTIVE.api_calls or {})


def active_lambda_runtime() -> LambdaRuntime | None:
    """The Lambda runtime of the active cloud (None when no cloud is active)."""
    return _ACTIVE.lambda_runtime


def active_durable() -> DurableFunctions | None:
    """The durable functions service of the active cloud, created on first use (None when no
    cloud is active, or once it is shutting down)."""
    # Not under _LOCK: a handler that checkpoints while the cloud tears down (revert_all holds
    # _LOCK while it waits for running handlers) must get the closing service, not block.
    service = _ACTIVE.durable
    if service is not None:
        return service
    with _DURABLE_LOCK:
        if _ACTIVE.durable is None:
            clock, runtime = _active_clock(), _ACTIVE.lambda_runtime
            if clock is None or runtime is None:
                return None
            from .durable import DurableFunctions

            _ACTIVE.durable = DurableFunctions(
                clock, runtime, region=_ACTIVE.region, real_timeout=_ACTIVE.real_timeout
            )
        return _ACTIVE.durable


def active_schedules() -> ScheduleRegistry | None:
    """The schedule registry of the active cloud (None when no cloud is active)."""
    return _ACTIVE.schedules


# -- all together ------------------------------------------------------------------------------

#: Every patch, in installation order.
ALL_PATCHES: Final[tuple[PatchFn, ...]] = (
    databasemigration_sdk_integration,
    virtual_wait_states,
    virtual_retry_backoff,
    execution_activity,
    aws_sdk_timestamps,
    virtual_history_timestamps,
    deterministic_jitter,
    dms_start_task_type,
    dms_simulated_tasks,
    cached_sdk_clients,
    cached_jsonpath_parsing,
    lambda_in_process,
    lambda_durable_config,
    lambda_durable_invocations,
    lambda_durable_api,
    eventbridge_lambda_targets,
    eventbridge_schedules,
    schedule_rules_match_no_events,
    virtual_event_time,
    task_token_waits,
    stopped_executions_stay_aborted,
    send_task_failure_cause,
    api_call_metrics,
)


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
    with _LOCK:
        for patch in ALL_PATCHES:
            patch()
        _close_services()
        _ACTIVE.clock = clock
        _ACTIVE.rng = rng
        _ACTIVE.dms = dms
        _ACTIVE.lambda_runtime = LambdaRuntime(clock)
        _ACTIVE.api_calls = collections.Counter()
        _ACTIVE.region = region
        _ACTIVE.real_timeout = real_timeout
        _ACTIVE.schedules = ScheduleRegistry(clock, lambda rule, event: rule.send_to_targets(event))


def deactivate() -> None:
    """Forget the active clock, generator, simulator, Lambda runtime and schedules (patches fall
    back to moto's ways)."""
    with _LOCK:
        _close_services()
        _ACTIVE.clock = None
        _ACTIVE.rng = None
        _ACTIVE.dms = None
        _ACTIVE.api_calls = None


def _close_services() -> None:
    # The Lambda runtime (extracted code), the armed schedules and the durable executions
    # belong to one cloud. The durable service is closed first and forgotten last: a handler
    # still running answers its checkpoints with errors from the closed service and ends, so
    # the runtime's close (which waits for running handlers) cannot wait forever.
    durable = _ACTIVE.durable
    if durable is not None:
        durable.close()
    if _ACTIVE.schedules is not None:
        _ACTIVE.schedules.cancel_all()
        _ACTIVE.schedules = None
    if _ACTIVE.lambda_runtime is not None:
        _ACTIVE.lambda_runtime.close()
        _ACTIVE.lambda_runtime = None
    _ACTIVE.durable = None


def revert_all() -> None:
    """Deactivate and restore moto exactly as it was before any patch."""
    with _LOCK:
        deactivate()
        for name in reversed(list(_INSTALLED)):
            _INSTALLED.pop(name)()


def applied() -> list[str]:
    """Names of the patches currently installed."""
    with _LOCK:
        return list(_INSTALLED)


def iter_patches() -> Iterator[tuple[str, PatchFn]]:
    """(name, function) for every patch, for documentation and tests."""
    for patch in ALL_PATCHES:
        yield patch.__name__, patch
