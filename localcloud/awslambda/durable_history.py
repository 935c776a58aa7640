"""``GetDurableExecutionHistory`` as AWS reports it, built from the testing SDK's execution.

The testing SDK's executor builds a history (``Executor.get_execution_history``) that differs
from AWS's (see "Upstream bugs" in docs/local-cloud.md): it sorts events by timestamp only, so
events of one instant lose their order; it drops ``InvocationCompletedDetails`` when it
renumbers events; ``CallbackStartedDetails`` lack ``Timeout``/``HeartbeatTimeout``;
``StepSucceeded`` lacks ``RetryDetails``; a ``wait_for_condition`` check loses its state; a
crashed invocation leaves no ``InvocationCompleted``. This module builds the history again:

* ``HistoryJournal`` (fed by ``JournalingStore``, the service's execution store) notes when
  every event not made by a checkpoint update happened, relative to the updates: the
  execution's start and end, a wait's or callback's completion, each invocation's end. Events
  are then ordered as they happened (AWS's event ids), whatever their timestamps.
* ``build_history`` makes one event per checkpoint update and per journal entry with the
  testing SDK's own event builders, with the details AWS reports, in that order, numbered
  from 1.

Handler work takes no virtual time, so an invocation's events share one timestamp; the order
is carried by the event ids, as on AWS (whose timestamps are milliseconds apart).
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from aws_durable_execution_sdk_python.lambda_service import (
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StepDetails,
)
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.model import (
    TERMINAL_STATUSES,
    Event,
    EventCreationContext,
    EventError,
    GetDurableExecutionHistoryResponse,
    InvocationCompletedDetails,
    RetryDetails,
    StepSucceededDetails,
)
from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore

#: Events per page when the request has no ``MaxItems`` (the testing SDK's default).
DEFAULT_MAX_ITEMS: Final = 100

#: A position in an execution's history: (2 * updates seen before it, tie-breaker). Update
#: ``i`` sits at ``(2 * i + 1, 0)``, so whatever happened after ``k`` updates (and before the
#: next) sorts between update ``k - 1`` and update ``k``.
Position = tuple[int, int]
_FIRST: Final[Position] = (-1, 0)


@dataclass(frozen=True)
class CompletedInvocationDetails(InvocationCompletedDetails):
    """``InvocationCompletedDetails`` with the ``Error`` of a failed invocation (the API shape
    has it; the testing SDK's class does not)."""

    error: EventError | None = None

    def to_dict(self) -> dict[str, Any]:
        """The wire shape (``Error`` only for a failed invocation)."""
        result = super().to_dict()
        if self.error is not None:
            result["Error"] = self.error.to_dict()
        return result


@dataclass
class _Entries:
    counter: int = 0
    invocations: list[Position] = field(default_factory=list)
    seen: dict[str, Position] = field(default_factory=dict)
    ended: dict[str, Position] = field(default_factory=dict)
    errors: dict[str, ErrorObject] = field(default_factory=dict)


class HistoryJournal:
    """When each event not made by a checkpoint update happened, per execution."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entries] = {}

    def observe(self, execution: Execution) -> None:
        """Note what is new in ``execution`` since it was last saved."""
        with self._lock:
            entries = self._entries.setdefault(execution.durable_execution_arn, _Entries())
            updates = 2 * len(execution.updates)

            def position() -> Position:
                entries.counter += 1
                return (updates, entries.counter)

            for _ in range(len(entries.invocations), len(execution.invocation_completions)):
                entries.invocations.append(position())
            for operation in execution.operations:
                if operation.operation_id not in entries.seen:
                    entries.seen[operation.operation_id] = position()
                if operation.status in TERMINAL_STATUSES and (
                    operation.operation_id not in entries.ended
                ):
                    entries.ended[operation.operation_id] = position()

    def record_error(self, execution_arn: str, request_id: str, error: ErrorObject) -> None:
        """Invocation ``request_id`` failed with ``error`` (its ``InvocationCompleted``)."""
        with self._lock:
            entries = self._entries.setdefault(execution_arn, _Entries())
            entries.errors[request_id] = error

    def entries(self, execution_arn: str) -> _Entries:
        """A copy of what was noted for ``execution_arn``."""
        with self._lock:
            entries = self._entries.get(execution_arn, _Entries())
            return dataclasses.replace(
                entries,
                invocations=list(entries.invocations),
                seen=dict(entries.seen),
                ended=dict(entries.ended),
                errors=dict(entries.errors),
            )


class JournalingStore(InMemoryExecutionStore):
    """The testing SDK's in-memory store, telling a ``HistoryJournal`` of every save."""

    def __init__(self, journal: HistoryJournal) -> None:
        super().__init__()
        self.journal = journal

    def save(self, execution: Execution) -> None:
        """Store ``execution`` and note what changed."""
        super().save(execution)
        self.journal.observe(execution)

    def update(self, execution: Execution) -> None:
        """Store ``execution`` and note what changed."""
        super().update(execution)
        self.journal.observe(execution)


# -- the history ---------------------------------------------------------------------------------


def build_history(
    execution: Execution, journal: HistoryJournal, *, include_execution_data: bool
) -> list[Event]:
    """Every event of ``execution`` in AWS's order, numbered from 1 (see the module docstring)."""
    entries = journal.entries(execution.durable_execution_arn)
    arn = execution.durable_execution_arn

    def context(operation: Operation, update: OperationUpdate | None = None) -> Any:
        return EventCreationContext(
            operation,
            0,
            arn,
            execution.start_input,
            execution.result,
            update,
            include_execution_data,
            child_execution_arn=execution.chained_invoke_children.get(operation.operation_id),
        )

    events: list[tuple[Position, Event]] = []
    by_id = {operation.operation_id: operation for operation in execution.operations}
    updated = {update.operation_id for update in execution.updates}
    last_action = {update.operation_id: update.action for update in execution.updates}

    # Operations no checkpoint made (the execution itself): started and ended as observed.
    for operation in execution.operations:
        if operation.operation_id in updated:
            continue
        if operation.start_timestamp is not None:
            started = (
                _FIRST
                if operation.operation_type is OperationType.EXECUTION
                else entries.seen.get(operation.operation_id, _FIRST)
            )
            events.append((started, Event.create_event_started(context(operation))))
        if operation.end_timestamp is not None and operation.status in TERMINAL_STATUSES:
            ended = entries.ended.get(operation.operation_id, (1 << 62, 0))
            events.append((ended, Event.create_event_terminated(context(operation))))

    # One event per checkpoint update.
    retries: dict[str, int] = {}
    for index, update in enumerate(execution.updates):
        operation = by_id.get(update.operation_id)
        if operation is None:
            continue
        at = (
            execution.update_timestamps[index]
            if index < len(execution.update_timestamps)
            else operation.end_timestamp or operation.start_timestamp
        )
        attempt = retries.get(update.operation_id, 0) + 1
        if update.action is OperationAction.RETRY:
            retries[update.operation_id] = attempt
        event = _update_event(operation, update, at, attempt, context)
        if event is not None:
            events.append(((2 * index + 1, 0), event))

    # Completed asynchronously (a wait's timer, a callback's caller, a timeout): as observed.
    for operation in execution.operations:
        if (
            operation.operation_id in updated
            and last_action.get(operation.operation_id)
            not in (OperationAction.SUCCEED, OperationAction.FAIL)
            and operation.end_timestamp is not None
            and operation.status in TERMINAL_STATUSES
        ):
            ended = entries.ended.get(operation.operation_id, (1 << 62, 0))
            event = Event.create_event_terminated(context(operation))
            events.append((ended, _callback_error_data(event, include_execution_data)))

    # Invocations, each with its details and the error of a failed one.
    for index, completion in enumerate(execution.invocation_completions):
        position = entries.invocations[index] if index < len(entries.invocations) else (1 << 62, 0)
        error = entries.errors.get(completion.request_id)
        details = CompletedInvocationDetails(
            start_timestamp=completion.start_timestamp,
            end_timestamp=completion.end_timestamp,
            request_id=completion.request_id,
            error=EventError(error, not include_execution_data) if error is not None else None,
        )
        event = Event(
            event_type="InvocationCompleted",
            event_timestamp=completion.end_timestamp,
            invocation_completed_details=details,
        )
        events.append((position, event))

    events.sort(key=lambda item: item[0])
    return [dataclasses.replace(event, event_id=n) for n, (_, event) in enumerate(events, 1)]


def _update_event(
    operation: Operation, update: OperationUpdate, at: datetime | None, attempt: int, context: Any
) -> Event | None:
    """The event checkpoint ``update`` of ``operation`` made (attempt ``attempt`` of a step)."""
    is_step = operation.operation_type is OperationType.STEP
    step_details = operation.step_details
    start = at if update.action is OperationAction.START else operation.start_timestamp or at
    end: datetime | None = None
    match update.action:
        case OperationAction.START:
            status = OperationStatus.STARTED
        case OperationAction.RETRY:
            # A failed attempt (StepFailed), or a wait_for_condition check that goes on
            # (StepSucceeded carrying the check's state).
            status = OperationStatus.FAILED if update.error else OperationStatus.SUCCEEDED
            end = at
            step_details = StepDetails(attempt=attempt, result=update.payload, error=update.error)
        case OperationAction.SUCCEED:
            status, end = OperationStatus.SUCCEEDED, at
        case OperationAction.FAIL:
            status, end = OperationStatus.FAILED, at
            if is_step:
                step_details = StepDetails(attempt=attempt, error=update.error)
        case _:
            return None
    snapshot = dataclasses.replace(
        operation,
        status=status,
        start_timestamp=start,
        end_timestamp=end,
        step_details=step_details,
    )
    ctx = context(snapshot, update)
    if update.action is OperationAction.START:
        if operation.operation_type is OperationType.CHAINED_INVOKE:
            return Event.create_chained_invoke_event_started(ctx)
        return Event.create_event_started(ctx)
    event = Event.create_event_terminated(ctx)
    if is_step and update.action is not OperationAction.RETRY:
        # AWS reports the attempt on every step outcome (StepSucceededDetails requires it).
        retry = RetryDetails(current_attempt=attempt)
        if event.step_succeeded_details is not None:
            details = StepSucceededDetails(
                result=event.step_succeeded_details.result, retry_details=retry
            )
            event = dataclasses.replace(event, step_succeeded_details=details)
        elif event.step_failed_details is not None:
            event = dataclasses.replace(
                event,
                step_failed_details=dataclasses.replace(
                    event.step_failed_details, retry_details=retry
                ),
            )
    return event


def _callback_error_data(event: Event, include_execution_data: bool) -> Event:
    """A callback's error, truncated only when the request did not ask for execution data (the
    testing SDK always truncates it)."""
    truncated = not include_execution_data
    if event.callback_failed_details is not None and event.callback_failed_details.error:
        error = dataclasses.replace(event.callback_failed_details.error, truncated=truncated)
        details: Any = dataclasses.replace(event.callback_failed_details, error=error)
        return dataclasses.replace(event, callback_failed_details=details)
    if event.callback_timed_out_details is not None and event.callback_timed_out_details.error:
        error = dataclasses.replace(event.callback_timed_out_details.error, truncated=truncated)
        details = dataclasses.replace(event.callback_timed_out_details, error=error)
        return dataclasses.replace(event, callback_timed_out_details=details)
    return event


def history_page(
    events: list[Event], *, reverse_order: bool, marker: str | None, max_items: int | None
) -> GetDurableExecutionHistoryResponse:
    """One page of ``events``, paged by event id as the testing SDK pages them."""
    ordered = list(reversed(events)) if reverse_order else list(events)
    size = max_items or DEFAULT_MAX_ITEMS
    start = 0
    if marker:
        try:
            wanted = int(marker)
        except ValueError:
            wanted = None
        if wanted is not None:
            start = next(
                (
                    i
                    for i, event in enumerate(ordered)
                    if (event.event_id < wanted if reverse_order else event.event_id >= wanted)
                ),
                len(ordered),
            )
    page = ordered[start : start + size]
    next_marker = None
    if start + size < len(ordered):
        next_marker = (
            str(page[-1].event_id)
            if reverse_order and page
            else str(ordered[start + size].event_id)
        )
    return GetDurableExecutionHistoryResponse(events=page, next_marker=next_marker)
