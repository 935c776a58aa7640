"""Step Functions quotas the local cloud enforces: open Standard executions per account and
Region (``StartExecution`` refused with ``ExecutionLimitExceeded`` beyond it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from moto.core.exceptions import AWSError
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from ..patching import Patcher, patch

#: AWS's default quota of open executions per account and Region (Express excluded).
DEFAULT_OPEN_EXECUTIONS: Final = 1_000_000
_LIMIT = [DEFAULT_OPEN_EXECUTIONS]


class ExecutionLimitExceededError(AWSError):
    """StartExecution's error when the account has too many open executions (botocore model)."""

    TYPE = "ExecutionLimitExceeded"
    STATUS = 400


@contextmanager
def open_execution_limit(limit: int) -> Iterator[None]:
    """Lower the open-executions quota (a test of what a refused start does), then restore it."""
    previous = _LIMIT[0]
    _LIMIT[0] = limit
    try:
        yield
    finally:
        _LIMIT[0] = previous


def open_executions(backend: Any) -> int:
    """RUNNING Standard executions of the account and Region ``backend`` serves."""
    return sum(
        1
        for machine in backend.state_machines
        if machine.type == "STANDARD"
        for execution in machine.executions
        if execution.exec_status == ExecutionStatus.RUNNING
    )


@patch("stepfunctions")
def open_executions_quota(p: Patcher) -> None:
    """Refuse StartExecution beyond the open-executions quota, as AWS does.

    AWS: at most 1,000,000 open executions per account per Region ("Exceeding this will cause
    an ExecutionLimitExceeded error"; Express workflows excluded); StartExecution lists
    ``ExecutionLimitExceeded`` among its errors. A start that returns an existing execution
    (same name and input) opens nothing new.
    moto: no quota; every start succeeds.
    Patch: ``StepFunctionsParserBackend.start_execution`` counts the RUNNING Standard executions
    of its account and Region and raises ``ExecutionLimitExceeded`` at the quota (AWS's by
    default; ``open_execution_limit(n)`` lowers it), which the API answers as a 400 with that
    code, and a ``states:startExecution`` task fails with (docs/aws-facts.md, "Nested
    executions").
    """
    cls = StepFunctionsParserBackend
    original = cls.start_execution
    p.require(callable(original), "moto's parser backend has no start_execution")

    def start_execution(
        self: Any,
        state_machine_arn: str,
        name: Any = None,
        execution_input: Any = None,
        trace_header: Any = None,
    ) -> Any:
        machine = self.describe_state_machine(state_machine_arn)
        opens_one = (
            machine.type == "STANDARD"
            and machine._handle_name_input_idempotency(name, execution_input) is None
        )
        if opens_one and open_executions(self) >= _LIMIT[0]:
            raise ExecutionLimitExceededError(
                "The maximum number of running executions has been reached. Running executions "
                "must end or be stopped before a new execution can be started."
            )
        return original(self, state_machine_arn, name, execution_input, trace_header)

    p.replace(cls, "start_execution", start_execution)
