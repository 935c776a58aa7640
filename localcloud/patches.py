"""Every adaptation of moto the local cloud needs, in one place.

moto is pinned (requirements-dev.txt) because these patches reach into its internals. Each patch
is a small named function whose docstring says what AWS does, what moto does, and what the
patch changes; ``tests/localcloud/test_patches.py`` has one test per patch that fails when a moto
upgrade moves or changes what the patch relies on.

Patches are installed once per process and reverted by ``revert_all``. They look up the active
clock, random generator and DMS simulator in ``_ACTIVE`` at call time, so one set of patches
serves successive ``LocalCloud`` instances; with nothing active they fall back to moto's own
behaviour.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import functools
import json
import logging
import random
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final, Protocol

from moto.core.models import botocore_stubber
from moto.dms import exceptions as dms_exceptions
from moto.dms import models as dms_models
from moto.dms import responses as dms_responses
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.common.retry import (
    jitter_strategy_decl,
    retrier_decl,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service,
    state_task_service_aws_sdk,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval.event import event_manager
from moto.stepfunctions.parser.asl.utils import boto_client as sfn_boto_client
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend import execution as sfn_execution
from moto.stepfunctions.parser.backend import execution_worker

from .clock import VirtualClock

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


_ACTIVE = _Active()
_LOCK = threading.RLock()
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
    """Let ``arn:aws:states:::aws-sdk:databasemigration:*`` tasks reach moto's DMS backend.

    AWS: Step Functions names the DMS SDK integration ``databasemigration`` and prefixes its
    errors with ``DatabaseMigration.`` (e.g. ``DatabaseMigration.ResourceNotFoundException``).
    moto: maps SFN service names to boto3 names through a small override table that lacks
    ``databasemigration`` (boto3 calls it ``dms``), so the task fails with "Unknown service";
    error prefixes come from another table and would fall back to the raw "databasemigration".
    Patch: add ``databasemigration -> dms`` and ``databasemigration -> DatabaseMigration``.
    """

    def install() -> Callable[[], None]:
        overrides = state_task_service.StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES
        error_names = state_task_service_aws_sdk._SERVICE_ERROR_NAMES
        had = ("databasemigration" in overrides, "databasemigration" in error_names)
        overrides["databasemigration"] = "dms"
        error_names["databasemigration"] = "DatabaseMigration"

        def undo() -> None:
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
)


def apply_all(
    clock: VirtualClock,
    *,
    rng: random.Random | None = None,
    dms: DmsTaskHooks | None = None,
) -> None:
    """Install every patch (once per process) and make ``clock``/``rng``/``dms`` the active ones.

    Idempotent: calling it again only switches what is active.
    """
    with _LOCK:
        for patch in ALL_PATCHES:
            patch()
        _ACTIVE.clock = clock
        _ACTIVE.rng = rng
        _ACTIVE.dms = dms


def deactivate() -> None:
    """Forget the active clock, generator and simulator (patches fall back to moto's ways)."""
    with _LOCK:
        _ACTIVE.clock = None
        _ACTIVE.rng = None
        _ACTIVE.dms = None


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
