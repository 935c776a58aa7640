"""Replay determinism: every invocation after the first replays the handler from the top."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.lambda_service import InvocationStatus
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas.handlers import durable_waiter as dw
from tests.lambdas.fakes import LOADED, ScriptedDms, error_name, invocations, running, stopped


def poll_env(**overrides: str) -> dict[str, str]:
    env = {
        c.ENV_REPLICATION_TASK_ARN: "arn:aws:dms:us-east-1:123456789012:task:ORDERSFULLLOAD",
        c.ENV_WAIT_MODE: "poll",
        c.ENV_POLL_INTERVAL_SECONDS: "10",
        c.ENV_MAX_POLL_INTERVAL_SECONDS: "40",
        # Explicit: the ``auto`` default's describe would shift the scripted answers.
        c.ENV_START_TYPE: "start-replication",
    }
    env.update(overrides)
    return env


def test_replays_skip_completed_operations(
    dms: ScriptedDms, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in poll_env().items():
        monkeypatch.setenv(name, value)
    dms.script(running(), running(), running(), stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    with DurableFunctionTestRunner(dw.handler, skip_time=True) as runner:
        arn = runner.run_async(input="{}", execution_timeout=60)
        result = runner.wait_for_result(arn, timeout=30)
        assert result.status is InvocationStatus.SUCCEEDED, result.error
        # 4 invocations: the 3 after the first replayed the start step from its checkpoint.
        assert invocations(runner, arn) == 4
    assert len(dms.starts()) == 1


def test_a_handler_that_is_not_deterministic_fails_on_replay(dms: ScriptedDms) -> None:
    """The same body, but its configuration changes between invocations (as if code read the
    clock or a mutable source outside a step): the replay meets the checkpointed ``start`` step
    where it now expects ``wait-task``, and the SDK stops the execution."""
    seen: list[Mapping[str, str]] = []

    @durable_execution
    def drifting(event: Any, context: DurableContext) -> Any:
        env = poll_env() if not seen else poll_env(**{c.ENV_START_TYPE: "none"})
        seen.append(env)
        return dw.wait_for_task(event, context, env)

    dms.script(running(), stopped("FULL_LOAD_ONLY_FINISHED", stats=LOADED))
    with DurableFunctionTestRunner(drifting, skip_time=True) as runner:
        result = runner.run(input=json.dumps({}), execution_timeout=60)
    assert result.status is InvocationStatus.FAILED
    assert error_name(result) == "NonDeterministicExecutionError"
    assert len(seen) == 2
