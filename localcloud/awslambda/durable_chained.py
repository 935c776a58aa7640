"""Chained invokes (``context.invoke``) between durable functions deployed in the local cloud.

AWS: a durable function's ``context.invoke(function_name, payload)`` checkpoints a
``CHAINED_INVOKE`` operation; the service invokes the target (a durable target runs as its own
durable execution) and, when it ends, completes the operation with the target's result or error
object and re-invokes the parent, whose ``invoke`` returns the result or raises ``InvokeError``
carrying the target's error type and message (docs/aws-facts.md, "Chained durable invokes").
A durable target is invoked through a version or an alias, as any durable invocation.

The testing SDK's executor does the linking and the completion; what it needs from an
environment is a ``ChildDispatcher`` that finds the target. This one finds it among the
functions deployed in moto and starts it as a child execution of the same service, so the child
runs the deployed handler on the virtual clock like any other execution.

Not emulated: chained invokes of functions that are not durable (the parent's operation fails
with a message saying so), and the preflight check of a target that does not exist (the
operation fails asynchronously instead of in the checkpoint answer).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from aws_durable_execution_sdk_python_testing.child_dispatcher import (
    ChainedInvokeRequest,
    ChildOutcome,
    DispatchResult,
    FunctionTarget,
    StartChild,
    failed_to_start,
    function_not_found,
)

from ..active import ACTIVE
from .durable_start import durable_config, durable_start_input

if TYPE_CHECKING:
    from .durable import DurableFunctions

#: What a parent's operation fails with when its target is a plain (non-durable) function.
PLAIN_TARGET_MESSAGE = "LocalCloud: chained invokes of non-durable functions are not emulated"


class CloudChildDispatcher:
    """Resolves chained-invoke targets among the cloud's deployed durable functions."""

    def __init__(self, service: DurableFunctions) -> None:
        self._service = service

    def preflight(self, target: FunctionTarget) -> ChildOutcome | None:
        """Nothing is refused before dispatch (see the module docstring)."""
        return None

    def dispatch(self, request: ChainedInvokeRequest) -> DispatchResult:
        """Start the durable target's version (an alias resolved now) as a child execution."""
        fn = self._service.find(request.function_name, request.qualifier, request.account_id)
        if fn is None:
            return function_not_found(request.invoke_identifier())
        config = durable_config(fn)
        if config is None:
            return failed_to_start(PLAIN_TARGET_MESSAGE)
        if str(fn.version) == "$LATEST":
            return failed_to_start(
                f"a durable function must be invoked with a qualified ARN (a version or an "
                f"alias), not {request.invoke_identifier()}",
                error_type="InvalidParameterValueException",
            )
        rng: Any = ACTIVE.rng
        name = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if rng else str(uuid.uuid4())
        return StartChild(
            child_start=durable_start_input(
                fn,
                config,
                request.account_id,
                name,
                request.payload,
                invocation_id=None,
                trace_fields=request.trace_fields,
                tenant_id=request.tenant_id,
                lambda_endpoint=None,
            )
        )
