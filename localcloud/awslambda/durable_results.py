"""What a durable execution left: its local record, how it ended, and its metered operations.

Metering lives here, on the emulator's side: nothing a deployed durable function ships is used
only to measure it (``tests/localcloud/test_durable_metering.py`` holds it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_durable_execution_sdk_python_testing import DurableFunctionTestResult

from ..run_result import RunTiming


@dataclass
class ExecutionRecord:
    """What the local cloud knows about one durable execution besides the SDK's store."""

    execution_arn: str
    name: str
    function_arn: str
    """The function's unqualified ARN."""
    version: str
    """The version that runs (an alias resolved when the execution started)."""
    payload: bytes
    started_at: float
    ended_at: float | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False)
    waiters: list[Callable[[], None]] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class DurableExecutionResult(RunTiming):
    """How one durable execution ended, with the numbers the patterns are compared on."""

    execution_arn: str
    name: str
    function_arn: str
    version: str
    status: str
    """``SUCCEEDED``, ``FAILED``, ``TIMED_OUT`` or ``STOPPED``."""
    output: Any
    """The parsed JSON result (None unless SUCCEEDED)."""
    error: str | None
    """The error's class name (the SDK reports it fully qualified: see ``error_type``)."""
    error_type: str | None
    cause: str | None
    """The error message (for the DMS waiters: the cause JSON every pattern reports)."""
    operations: int
    """Durable operations billed: every operation, each step attempt counted (see
    ``lambdas.durable_waiter.count_operations``)."""
    invocations: int
    """Handler invocations of this execution (the first one and every replay)."""
    started_at: float
    ended_at: float
    dms_stopped_at: float | None
    test_result: DurableFunctionTestResult = field(repr=False)
    """The testing SDK's view of the run (operations by name, child operations...)."""


def count_operations(result: Any, *, attempts: bool = True) -> int:
    """Durable operations of a finished run (a testing SDK ``DurableFunctionTestResult``).

    Every operation of the run, nested ones included (the children of ``wait_for_callback``'s
    context), the execution itself excluded. With ``attempts`` (the default) a step counts once
    per attempt: AWS meters each step retry as one operation, and each check of a
    ``wait_for_condition`` is a retry of its step (``attempt`` = number of checks). Duck-typed:
    reads ``operations`` / ``child_operations`` / ``operation_type`` / ``attempt``.
    """
    stack = list(getattr(result, "operations", None) or [])
    count = 0
    while stack:
        operation = stack.pop()
        kind = getattr(getattr(operation, "operation_type", None), "value", None)
        tries = getattr(operation, "attempt", 0) if attempts and kind == "STEP" else 0
        count += max(1, tries if isinstance(tries, int) else 0)
        stack.extend(getattr(operation, "child_operations", None) or [])
    return count
