"""The start: resolve ``auto`` and start the task, errors raised by name (``named_errors``).

Poll mode runs it as the step ``start``; callback mode inside ``wait_for_callback``'s submitter,
after registering the waiter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_durable_execution_sdk_python import StepContext

from ..aws_clients import client as aws_client
from ..dms_api import start_named
from ..errors import HandlerError
from .named_errors import tagged


def start_step(arn: str, start_type: str) -> Callable[[StepContext], dict[str, Any]]:
    """The poll mode's ``start`` step: StartReplicationTask, errors raised by name."""

    def start(_ctx: StepContext) -> dict[str, Any]:
        return {"start_type": start_task(arn, start_type)}

    return start


def start_task(arn: str, start_type: str) -> str:
    """Resolve ``auto`` and start the task; errors raised tagged. Returns the DMS start type."""
    try:
        dms_start_type, _task = start_named(aws_client("dms"), arn, start_type)
    except HandlerError as exc:
        raise tagged(type(exc), str(exc)) from exc
    return dms_start_type
