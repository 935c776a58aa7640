"""Waiting for a DMS task from a user's own durable function: a chained invoke of the durable
waiter (``DmsDurableWorkflow``), with the waiter's error names raised in the parent.

``wait_for_dms(context, waiter_alias_arn)`` runs the waiter with ``context.invoke`` (a
``CHAINED_INVOKE`` operation: the parent is suspended, not billed, while the waiter waits) and
returns the waiter's result (``{"replication_task_arn", "status", "stop_reason", "stats"}``).
A waiter that failed surfaces in the SDK as ``InvokeError`` whose ``error_type`` is the waiter's
error class, fully qualified (``dms_waiters.lambdas.errors.DmsTaskFailed``): it is raised here
as that class (``errors.NAMED_ERRORS``) with the waiter's message, so the parent catches
``DmsTaskFailed`` as it would from any pattern, and an uncaught one fails the parent under the
same name. Any other invoke failure (a missing function, a refused invoke) is raised as is.

The parent's role needs ``DmsDurableWorkflow.parent_policy`` (``lambda:InvokeFunction`` on the
alias). Users import this module as ``dms_waiters.lambdas.chained``.
"""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import DurableContext
from aws_durable_execution_sdk_python.exceptions import InvokeError

from .errors import NAMED_ERRORS


def waiter_error_name(error: InvokeError) -> str | None:
    """The waiter's error name an ``InvokeError`` carries (``DmsTaskFailed``...), else None."""
    name = (error.error_type or "").rsplit(".", 1)[-1]
    return name if name in NAMED_ERRORS else None


def wait_for_dms(
    context: DurableContext,
    waiter: str,
    *,
    start_type: str | None = None,
    name: str = "wait-for-dms",
) -> Any:
    """Run the durable waiter ``waiter`` (its alias ARN) as the operation ``name``; its result.

    ``start_type`` overrides the waiter's configured start type for this run.
    """
    payload = {} if start_type is None else {"start_type": start_type}
    try:
        return context.invoke(waiter, payload, name=name)
    except InvokeError as error:
        named = waiter_error_name(error)
        if named is None:
            raise
        raise NAMED_ERRORS[named](error.message or "") from error
