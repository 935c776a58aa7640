"""Step Functions executions on the virtual clock: Wait states, retry backoff and jitter,
history timestamps, and each execution counted busy from start to end."""

from __future__ import annotations

import contextvars
import datetime as _dt
import logging
import random
import time
import types
from collections.abc import Callable
from typing import Any, Final

from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.asl.component.common.retry import (
    jitter_strategy_decl,
    retrier_decl,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval import environment as sfn_environment
from moto.stepfunctions.parser.asl.eval.event import event_manager
from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
from moto.stepfunctions.parser.backend import execution as sfn_execution
from moto.stepfunctions.parser.backend import execution_worker

from ..active import ACTIVE, active_clock
from ..patching import Patcher, patch

LOG = logging.getLogger(__name__)

#: Clock sleep reasons the patches use, so callers can ask ``clock.slept(reason)``.
SLEEP_WAIT_STATE: Final = "wait-state"
SLEEP_RETRY: Final = "retry-backoff"

# The Environment of the state whose Retrier is sleeping, so a retry backoff can be cut short
# when the execution is stopped (moto's Retrier calls a bare time.sleep with no env).
_RETRY_ENV: contextvars.ContextVar[Any] = contextvars.ContextVar("localcloud_retry_env")


def not_running(env: Any) -> Callable[[], bool]:
    """A ``cancelled`` predicate for a clock sleep: the execution stopped running."""
    return lambda: not env.is_running()


@patch("stepfunctions")
def virtual_wait_states(p: Patcher) -> None:
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
        clock = active_clock()
        if clock is None:
            original(self, env, wait_seconds)
            return
        clock.sleep(
            max(float(wait_seconds), 0.0), reason=SLEEP_WAIT_STATE, cancelled=not_running(env)
        )

    p.replace(cls, "_wait_interval", _wait_interval)


class _VirtualTimeModule(types.ModuleType):
    """Stands in for ``time`` inside moto's retrier module: ``sleep`` goes to the clock."""

    def __init__(self) -> None:
        super().__init__("time")

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        clock = active_clock()
        if clock is None:
            time.sleep(seconds)
            return
        env = _RETRY_ENV.get(None)
        clock.sleep(
            max(float(seconds), 0.0),
            reason=SLEEP_RETRY,
            cancelled=not_running(env) if env is not None else None,
        )


@patch("stepfunctions")
def virtual_retry_backoff(p: Patcher) -> None:
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

    p.swap_global(retrier_decl, "time", time, _VirtualTimeModule())
    p.replace(cls, "_eval_body", _eval_body)


@patch("stepfunctions")
def execution_activity(p: Patcher) -> None:
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
        clock = active_clock()
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

    p.replace(sfn_execution.Execution, "start", start)
    p.replace(execution_worker.ExecutionWorker, "_execution_logic", _execution_logic)


@patch("stepfunctions")
def virtual_history_timestamps(p: Patcher) -> None:
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
        clock = active_clock()
        return clock.now_datetime() if clock is not None else original()

    p.replace(cls, "_get_current_timestamp", staticmethod(_get_current_timestamp))


class _SeededRandomModule(types.ModuleType):
    """Stands in for ``random`` inside moto's jitter module: ``uniform`` uses the cloud's RNG."""

    def __init__(self) -> None:
        super().__init__("random")

    def __getattr__(self, name: str) -> Any:
        return getattr(random, name)

    def uniform(self, a: float, b: float) -> float:
        rng = ACTIVE.rng
        return (rng or random).uniform(a, b)


@patch("stepfunctions")
def deterministic_jitter(p: Patcher) -> None:
    """Draw ``JitterStrategy: FULL`` delays from the local cloud's seeded generator.

    AWS: FULL jitter waits a random time in [0, interval]; runs differ.
    moto: ``JitterStrategyDecl`` calls the global ``random.uniform``.
    Patch: the jitter module's ``random`` becomes a proxy using the active seeded
    ``random.Random``, so two runs with the same seed wait exactly the same virtual time.
    """
    p.swap_global(jitter_strategy_decl, "random", random, _SeededRandomModule())


@patch("stepfunctions")
def stopped_executions_stay_aborted(p: Patcher) -> None:
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

    for name in ("set_error", "set_timed_out"):
        p.replace(cls, name, guarded(name))
