"""The testing SDK's executor and invoker, fitted to the local cloud's durable functions service.

``CloudExecutor`` is the official testing SDK's ``Executor`` (execution lifecycle, invocation
gate, retries, callback timeouts) reporting each execution's end to the service
(``localcloud.awslambda.durable``), recording a crashed invocation before its retry as AWS does,
and answering ``GetDurableExecutionHistory`` as AWS reports it (``durable_history``).
``RuntimeInvoker`` runs each invocation of an execution in the local cloud's Lambda runtime with
the JSON event the Lambda service sends a durable function.

Coupling: relies on the pinned testing SDK's internals (``Executor`` constructor,
``_complete_events``, ``_retry_after_error``, ``get_execution_history``,
``LambdaInvoker.create_invocation_input``); see ``durable.TESTING_SDK_VERSION``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing.exceptions import (
    DurableFunctionsTestError,
    ResourceNotFoundException,
)
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.invoker import InvokeResponse, LambdaInvoker
from aws_durable_execution_sdk_python_testing.model import GetDurableExecutionHistoryResponse

from .durable_history import HistoryJournal, build_history, history_page

if TYPE_CHECKING:
    from .durable import DurableFunctions


@dataclass(frozen=True)
class CrashedInvocation:
    """An invocation whose handler process failed (``Runtime.ExitError``, an init error...)."""

    started: datetime
    ended: datetime
    request_id: str
    error: ErrorObject


class CloudExecutor(Executor):
    """The testing SDK's executor, reporting each execution's end to the service and its
    history as AWS reports it (``durable_history``)."""

    def __init__(
        self,
        *args: Any,
        on_complete: Callable[[str], None],
        journal: HistoryJournal,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._on_complete = on_complete
        self._journal = journal
        self._crashes: dict[str, CrashedInvocation] = {}
        self._crash_lock = threading.Lock()

    def _complete_events(self, execution_arn: str) -> None:
        # Called once per terminal transition: success, failure, timeout, stop.
        super()._complete_events(execution_arn)
        self._on_complete(execution_arn)

    def crashed(self, execution_arn: str, crash: CrashedInvocation) -> None:
        """The invocation about to be reported failed (see ``_retry_after_error``)."""
        with self._crash_lock:
            self._crashes[execution_arn] = crash

    def _retry_after_error(self, execution_arn: str, error: ErrorObject) -> None:
        # The testing SDK records no InvocationCompleted for an invocation that failed outside
        # the durable SDK; AWS does, with the invocation's error, before the retry.
        with self._crash_lock:
            crash = self._crashes.pop(execution_arn, None)
        if crash is not None:
            execution = self._store.load(execution_arn)
            self._journal.record_error(execution_arn, crash.request_id, crash.error)
            execution.record_invocation_completion(crash.started, crash.ended, crash.request_id)
            self._store.save(execution)
        super()._retry_after_error(execution_arn, error)

    def get_execution_history(
        self,
        execution_arn: str,
        include_execution_data: bool = False,
        reverse_order: bool = False,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> GetDurableExecutionHistoryResponse:
        """The history as AWS reports it (``durable_history.build_history``), paged."""
        execution = self.get_execution(execution_arn)
        events = build_history(
            execution, self._journal, include_execution_data=include_execution_data
        )
        return history_page(events, reverse_order=reverse_order, marker=marker, max_items=max_items)


class RuntimeInvoker(LambdaInvoker):
    """Invokes the deployed handler in the local cloud's Lambda runtime with the JSON event the
    Lambda service sends a durable function (``LambdaInvoker`` builds that input)."""

    def __init__(self, service: DurableFunctions) -> None:
        super().__init__(lambda_client=None)
        self._service = service

    def invoke(
        self,
        function_name: str,
        input: Any,  # the protocol's name
        endpoint_url: str | None = None,
        tenant_id: str | None = None,
        account_id: str | None = None,
        region_name: str | None = None,
    ) -> InvokeResponse:
        record = self._service.adopt(input.durable_execution_arn)
        fn = self._service.resolve(record.function_arn, record.version)
        if fn is None:
            raise ResourceNotFoundException(f"Function not found: {function_name}")
        started = self._service.clock.now_datetime()
        result = self._service.runtime.run(fn, json.dumps(input.to_json_dict()))
        if result.function_error is not None:
            self._service.crashed(
                input.durable_execution_arn,
                CrashedInvocation(
                    started=started,
                    ended=self._service.clock.now_datetime(),
                    request_id=result.request_id,
                    error=runtime_error(result.payload),
                ),
            )
            # The handler crashed outside the durable SDK: the service retries the invocation.
            raise DurableFunctionsTestError(
                f"Lambda invocation failed: {result.payload.decode('utf-8', 'replace')}"
            )
        return InvokeResponse.from_payload(result.payload, result.request_id)


def runtime_error(payload: bytes) -> ErrorObject:
    """The error of a failed invocation, from the runtime's error payload."""
    try:
        body = json.loads(payload)
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    error_type = str(body.get("errorType") or "Runtime.Unknown")
    stack = body.get("stackTrace")
    if error_type.startswith("Runtime.") or not isinstance(stack, list) or not stack:
        stack = None  # the runtime's own errors (a process exit...) have no user stack
    return ErrorObject(
        message=str(body.get("errorMessage") or ""),
        type=error_type,
        data=None,
        stack_trace=[str(line) for line in stack] if stack else None,
    )
