"""``.waitForTaskToken`` waits idle on the virtual clock, with virtual timeouts and heartbeats."""

from __future__ import annotations

import threading
import types
from enum import Enum, auto
from typing import Any, Final

from moto.stepfunctions.parser import api as sfn_api
from moto.stepfunctions.parser.api import StateMachineType
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_callback,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
    ResourceCondition,
)
from moto.stepfunctions.parser.asl.eval.callback import callback as sfn_callback

from ..active import active_clock
from ..clock import TimerHandle, VirtualClock
from ..patching import Patcher, patch


class _Wake(Enum):
    """What woke a task-token waiter (it re-checks outcome, deadlines and stop itself anyway)."""

    OUTCOME = auto()
    HEARTBEAT = auto()
    DEADLINE = auto()
    STOPPED = auto()


#: Real seconds between a waiter's checks for a stop nobody announced (a safety net only).
_TOKEN_WAIT_POLL: Final = 0.5


class _StopSignal(threading.Event):
    """Stands in for a waiting frame's ``program_state_event``: moto sets it when the execution
    (or the frame) is stopped, failed or timed out, and then the waiter must wake at once."""

    def __init__(self, wait: _TokenWait) -> None:
        super().__init__()
        self._wait = wait

    def set(self) -> None:
        self._wait.signal(_Wake.STOPPED)
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
        self._woken_by: _Wake | None = None
        self._last_heartbeat = clock.now()

    def signal(self, reason: _Wake) -> None:
        """Wake the waiter (any thread): take its busy unit here if it is idle."""
        with self._cond:
            if reason == _Wake.HEARTBEAT:
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
                            self._woken_by = _Wake.STOPPED
                    self._idle = False
                for timer in timers:
                    timer.cancel()
        finally:
            # The token is spent, whatever ended the wait: later callbacks are refused.
            endpoint._localcloud_closed = True
            endpoint._localcloud_wait = None
            env.program_state_event = saved_event

    def _alarm(self, at: float) -> TimerHandle:
        return self._clock.call_at(at, lambda: self.signal(_Wake.DEADLINE))


class _UntimedEventWhileVirtual(threading.Event):
    """``threading.Event`` whose timed ``wait`` ignores the (real-time) timeout while a clock is
    active: the state's TimeoutSeconds is then enforced in virtual time by the task itself."""

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is not None and active_clock() is not None:
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


@patch("stepfunctions")
def task_token_waits(p: Patcher) -> None:
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
        clock = active_clock()
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
            waiter.signal(_Wake.OUTCOME)

    def notify_heartbeat(self: Any) -> bool:
        _refuse_spent_token(self)
        accepted: bool = heartbeat_original(self)
        waiter = getattr(self, "_localcloud_wait", None)
        if accepted and waiter is not None:
            waiter.signal(_Wake.HEARTBEAT)
        return accepted

    # The heartbeat interval is read from this private attribute of moto's endpoint.
    p.require(
        hasattr(sfn_callback.HeartbeatEndpoint(heartbeat_seconds=1), "_heartbeat_seconds"),
        "HeartbeatEndpoint has no _heartbeat_seconds",
    )
    p.swap_global(execute_state, "threading", threading, _ExecuteStateThreading())
    p.replace(service_cls, "_eval_wait_for_task_token", _eval_wait_for_task_token)
    p.replace(endpoint_cls, "notify", notify)
    p.replace(endpoint_cls, "notify_heartbeat", notify_heartbeat)
