"""Counting a finished durable run's operations, as AWS meters them (the local cloud's report)."""

from typing import Any


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
