"""What starts a durable execution of a function deployed in the local cloud: its ``DurableConfig``
(kept on moto's function by the ``lambda_kept_config`` patch) and the testing SDK's start input,
shared by an Invoke (``durable``) and a chained invoke (``durable_chained``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aws_durable_execution_sdk_python_testing.model import StartDurableExecutionInput

#: ``ExecutionTimeout`` when a ``DurableConfig`` has none (the API allows it; AWS's maximum).
DEFAULT_EXECUTION_TIMEOUT_SECONDS: Final = 31_622_400
DEFAULT_RETENTION_DAYS: Final = 14


def durable_config(fn: Any) -> dict[str, Any] | None:
    """The ``DurableConfig`` a moto function was created with (None: not durable)."""
    config = getattr(fn, "durable_config", None)
    return dict(config) if isinstance(config, Mapping) else None


def durable_start_input(
    fn: Any,
    config: Mapping[str, Any],
    account_id: str,
    name: str,
    payload: str | None,
    **extra: Any,
) -> StartDurableExecutionInput:
    """What starts an execution of ``fn`` (a version) with its ``DurableConfig``."""
    return StartDurableExecutionInput(
        account_id=account_id,
        function_name=str(fn.function_name),
        function_qualifier=str(fn.version),
        execution_name=name,
        execution_timeout_seconds=int(
            config.get("ExecutionTimeout") or DEFAULT_EXECUTION_TIMEOUT_SECONDS
        ),
        execution_retention_period_days=int(
            config.get("RetentionPeriodInDays") or DEFAULT_RETENTION_DAYS
        ),
        input=payload,
        **extra,
    )
