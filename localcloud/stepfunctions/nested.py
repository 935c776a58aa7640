"""Nested executions: ``states:startExecution`` (request-response, ``.sync``, ``.sync:2``) as AWS
runs them, waiting idle on the virtual clock, and stopping the child when the parent stops."""

from __future__ import annotations

import datetime as _dt
import functools
import random
import uuid
from collections.abc import Callable
from typing import Any, Final

import botocore.session
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import EvalTimeoutError
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_sfn,
)
from moto.stepfunctions.parser.models import stepfunctions_parser_backends
from moto.stepfunctions.parser.utils import camel_to_snake_case

from ..active import ACTIVE, active_clock
from ..patching import Patcher, patch

#: Clock sleep reason of a parent waiting for its nested execution.
SLEEP_NESTED: Final = "nested-execution"
# A .sync wait without TimeoutSeconds ends with the child or the parent's stop.
_ONE_YEAR: Final = 366 * 24 * 3600.0


def abort_cause(parent_execution_arn: str) -> str:
    """The cause Step Functions stops a child with when the parent that manages it stops."""
    return (
        f"The Task state in AWS Step Functions execution [{parent_execution_arn}] which was "
        "managing this resource was aborted"
    )


@functools.cache
def _sfn_operation(snake_action: str) -> Any:
    """botocore's model of the Step Functions operation ``start_execution``..."""
    model = botocore.session.get_session().get_service_model("stepfunctions")
    by_snake = {camel_to_snake_case(name): name for name in model.operation_names}
    return model.operation_model(by_snake[snake_action])


def _generated_name() -> str:
    # AWS names an unnamed execution with a UUID; drawn from the cloud's seeded generator so
    # runs are reproducible (moto would name every one "None", and the second would collide).
    rng = ACTIVE.rng or random.Random()
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _epoch_millis(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        return int(value.timestamp() * 1000)
    if isinstance(value, dict):
        return {k: _epoch_millis(v) for k, v in value.items()}
    return value


def _child(execution_arn: str) -> Any:
    parts = execution_arn.split(":")
    return stepfunctions_parser_backends[parts[4]][parts[3]].describe_execution(execution_arn)


def _ended(execution: Any) -> bool:
    return execution is None or getattr(execution, "_localcloud_ended_at", None) is not None


def _abort(child: Any, env: Any, clock: Any) -> None:
    """Stop a running child as Step Functions does when the task managing it ends early (the
    parent stopped, or the task timed out): no error, ``abort_cause``. (moto's StopExecution API
    drops error and cause: stop it as the service does.)"""
    if not _ended(child) and child.exec_status == ExecutionStatus.RUNNING:
        parent_arn = env.states.context_object.context_object_data["Execution"]["Id"]
        child.stop(stop_date=clock.now_datetime(), error=None, cause=abort_cause(parent_arn))


class _ChildResolver:
    """moto's ``.sync`` resolver, with what the wait needs to know about the child."""

    def __init__(self, resolve: Callable[[], Any], child_arn: str) -> None:
        self.resolve = resolve
        self.child_arn = child_arn

    def __call__(self) -> Any:
        return self.resolve()


@patch("stepfunctions")
def nested_executions(p: Patcher) -> None:
    """Run ``arn:aws:states:::states:startExecution[.sync|.sync:2]`` tasks as AWS does.

    AWS: the optimized Step Functions integration takes ``StateMachineArn``, ``Input`` and
    ``Name`` (PascalCase, as in every optimized integration) and answers PascalCase:
    request-response gives StartExecution's ``{"ExecutionArn", "StartDate"}``; ``.sync`` and
    ``.sync:2`` wait for the child and give its DescribeExecution (``Input``/``Output`` JSON
    text for ``.sync``, JSON values for ``.sync:2``), dates in epoch milliseconds; a child that
    does not succeed fails the task with ``States.TaskFailed`` and that DescribeExecution as
    JSON text in the cause (its own ``Error`` and ``Cause`` inside). Stopping the parent stops
    the child; the task's ``TimeoutSeconds`` fails it with ``States.Timeout`` (a
    ``TaskTimedOut`` event) and stops the child the same way (docs/aws-facts.md, "Nested
    executions").
    moto: its port of LocalStack's interpreter leaves the request and response normalisation
    empty, so boto3 refuses ``StateMachineArn`` (a KeyError: every nested task fails with
    ``States.Runtime``), and the result would keep boto3's camelCase and datetimes; a ``.sync``
    wait calls DescribeExecution every 0.5 real seconds (its TimeoutSeconds in real time);
    stopping the parent leaves the child running.
    Patch: the integration converts its parameters with botocore's Step Functions model and its
    results to PascalCase with epoch-millisecond dates; a ``.sync`` wait sleeps on the virtual
    clock until the child ends, the parent stops or the task's TimeoutSeconds passes (no
    polling); a parent that stopped while waiting, or a task that timed out, stops the child
    with the cause AWS gives (``abort_cause``), the timeout then failing the task with
    ``States.Timeout``.
    """
    cls = state_task_service_sfn.StateTaskServiceSfn
    normalise_parameters: Any = cls._normalise_parameters
    build_sync: Any = cls._build_sync_resolver
    build_sync2: Any = cls._build_sync2_resolver
    eval_sync: Any = cls._eval_sync

    def _normalise_parameters(
        self: Any,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        normalise_parameters(self, parameters, boto_service_name, service_action_name)
        action = self._get_boto_service_action(service_action_name)
        self._to_boto_request(parameters, _sfn_operation(action).input_shape)
        if action == "start_execution" and "name" not in parameters:
            parameters["name"] = _generated_name()

    def _normalise_response(
        self: Any,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        if not isinstance(response, dict):
            return
        action = self._get_boto_service_action(service_action_name)
        self._from_boto_response(response, _sfn_operation(action).output_shape)
        response.update(_epoch_millis(response))

    def remembering(build: Any) -> Callable[..., Any]:
        # The wait needs the child's ARN, which the builder pops off the stack.
        def builder(self: Any, env: Any, **kwargs: Any) -> Any:
            child_arn = env.stack[-1]["ExecutionArn"]
            return _ChildResolver(build(self, env=env, **kwargs), child_arn)

        return builder

    def _eval_sync(
        self: Any,
        env: Any,
        sync_resolver: Any,
        timeout_seconds: Any,
        callback_endpoint: Any,
        heartbeat_endpoint: Any,
    ) -> Any:
        clock = active_clock()
        if clock is None or not isinstance(sync_resolver, _ChildResolver):
            return eval_sync(
                self, env, sync_resolver, timeout_seconds, callback_endpoint, heartbeat_endpoint
            )
        child_arn = sync_resolver.child_arn
        child = _child(child_arn)
        # The task's TimeoutSeconds (moto's default, 99999999 s, when the state sets none).
        deadline = clock.now() + float(timeout_seconds or _ONE_YEAR)
        while env.is_running():
            result = sync_resolver()
            if result:
                return result
            if clock.now() >= deadline:
                # The task timed out: AWS aborts the child it managed and fails the task with
                # States.Timeout (moto's TaskTimedOut failure for a TimeoutError).
                _abort(child, env, clock)
                raise EvalTimeoutError()
            clock.sleep(
                min(_ONE_YEAR, deadline - clock.now()),
                reason=SLEEP_NESTED,
                cancelled=lambda: _ended(child) or not env.is_running(),
            )
        # The parent stopped (or failed elsewhere) while its child runs: AWS stops the child.
        _abort(child, env, clock)
        return None

    p.replace(cls, "_normalise_parameters", _normalise_parameters)
    p.replace(cls, "_normalise_response", _normalise_response)
    p.replace(cls, "_build_sync_resolver", remembering(build_sync))
    p.replace(cls, "_build_sync2_resolver", remembering(build_sync2))
    p.replace(cls, "_eval_sync", _eval_sync)
