"""Lambda durable functions in the local cloud: the official testing SDK's service, on the clock.

moto has no durable functions. Here a function created with ``DurableConfig`` (see the
``lambda_durable_config`` patch) is run the way the Lambda service runs it:

* an Invoke of a version or alias (``InvocationType=Event`` or ``RequestResponse``, optional
  ``DurableExecutionName``) starts a durable *execution*, answered with its ARN in
  ``X-Amz-Durable-Execution-Arn``; a name already used with the same payload starts nothing new;
* every *invocation* of that execution (the first one, and each replay after a wait, a retry or
  a callback) runs the deployed handler in the in-process Lambda runtime (``LambdaRuntime.run``,
  so it is counted, logged and runs with the function's environment) with the JSON event the
  service sends (``DurableExecutionArn``, ``CheckpointToken``, ``InitialExecutionState``);
* the handler's durable SDK then calls ``CheckpointDurableExecution`` and
  ``GetDurableExecutionState`` through boto3, and the hub calls
  ``SendDurableExecutionCallback{Success,Failure,Heartbeat}``: the ``lambda_durable_api`` patch
  answers those requests here.

The service itself is the official testing SDK's (``aws-durable-execution-sdk-python-testing``):
its ``Executor`` (execution lifecycle, invocation gate, retries, callback timeouts), checkpoint
processor, in-memory store and its web front end's request handlers (the same code that answers a
real boto3 client in its ``WebRunner``). What this module adds is time: every timer the executor
arms (waits, step retry delays, ``wait_for_condition`` backoff, callback and heartbeat timeouts,
the execution timeout, invocation retries) is a timer of the local cloud's ``VirtualClock``, and
the executor's "now" is virtual time. So a durable wait lets the DMS simulator progress, and
resume latencies and deadlines are measured in the same virtual seconds as everything else.

Coupling: the testing SDK is pinned exactly (``TESTING_SDK_VERSION``) because this module relies
on its internals: ``Executor`` (constructor, ``_complete_events``), ``Scheduler.call_later``, the
``Clock`` protocol (``now``/``arm``), ``LambdaInvoker.create_invocation_input``,
``ExecutionRegistry``, ``CheckpointProcessor``, ``InMemoryExecutionStore``, ``Execution`` fields,
``CallbackToken`` and ``web.routes``/``web.handlers``. They are used in this module only; its
tests (``tests/localcloud/test_durable.py``) fail when an upgrade moves them.

Not emulated: chained invokes (``context.invoke``), ``map``/``parallel`` refreshes in real time,
execution retention, ``ListDurableExecutionsByFunction`` by function ARN (by name only), pausing,
the execution ARN format (the testing SDK's opaque ``<uuid>/<uuid>``, not
``arn:aws:lambda:...:durable-execution:...``), durable functions as EventBridge targets, a
synchronous invocation from inside a handler (refused: handlers run one at a time), the
synchronous-invocation limit's exact error (an execution still running after 15 virtual minutes
is reported as ``Sandbox.Timedout``).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import OperationStatus
from aws_durable_execution_sdk_python_testing import DurableFunctionTestResult
from aws_durable_execution_sdk_python_testing.checkpoint.processor import CheckpointProcessor
from aws_durable_execution_sdk_python_testing.exceptions import (
    AwsApiException,
    CallbackTimeoutException,
    DurableFunctionsTestError,
    ResourceNotFoundException,
    ServiceException,
    UnknownRouteError,
)
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.invoker import InvokeResponse, LambdaInvoker
from aws_durable_execution_sdk_python_testing.model import StartDurableExecutionInput
from aws_durable_execution_sdk_python_testing.scheduler import Event, Scheduler
from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore
from aws_durable_execution_sdk_python_testing.token import CallbackToken
from aws_durable_execution_sdk_python_testing.web.handlers import (
    CheckpointDurableExecutionHandler,
    EndpointHandler,
    GetDurableExecutionHandler,
    GetDurableExecutionHistoryHandler,
    GetDurableExecutionStateHandler,
    ListDurableExecutionsByFunctionHandler,
    SendDurableExecutionCallbackFailureHandler,
    SendDurableExecutionCallbackHeartbeatHandler,
    SendDurableExecutionCallbackSuccessHandler,
    StopDurableExecutionHandler,
)
from aws_durable_execution_sdk_python_testing.web.models import HTTPRequest, HTTPResponse
from aws_durable_execution_sdk_python_testing.web.routes import (
    BytesPayloadRoute,
    CallbackFailureRoute,
    CallbackHeartbeatRoute,
    CallbackSuccessRoute,
    CheckpointDurableExecutionRoute,
    GetDurableExecutionHistoryRoute,
    GetDurableExecutionRoute,
    GetDurableExecutionStateRoute,
    ListDurableExecutionsByFunctionRoute,
    Route,
    Router,
    StopDurableExecutionRoute,
)
from aws_durable_execution_sdk_python_testing.worker.registry import ExecutionRegistry
from moto.awslambda.exceptions import LambdaClientError

from .clock import ClockError, TimerHandle, VirtualClock
from .lambda_runtime import LambdaRuntime
from .run_result import RunTiming

LOG = logging.getLogger(__name__)

#: The testing SDK version whose internals this module was written against (see the docstring).
TESTING_SDK_VERSION: Final = "1.4.0"

#: Lambda API operations the ``lambda_durable_api`` patch answers here.
DURABLE_API_OPERATIONS: Final = frozenset(
    {
        "CheckpointDurableExecution",
        "GetDurableExecutionState",
        "GetDurableExecution",
        "GetDurableExecutionHistory",
        "StopDurableExecution",
        "ListDurableExecutionsByFunction",
        "SendDurableExecutionCallbackSuccess",
        "SendDurableExecutionCallbackFailure",
        "SendDurableExecutionCallbackHeartbeat",
    }
)
_CALLBACK_ROUTES: Final = (CallbackSuccessRoute, CallbackFailureRoute, CallbackHeartbeatRoute)

#: Lambda's cap on a synchronous invocation, also for durable functions (virtual seconds).
SYNC_INVOCATION_LIMIT_SECONDS: Final = 900.0
#: ``ExecutionTimeout`` when a ``DurableConfig`` has none (the API allows it; AWS's maximum).
DEFAULT_EXECUTION_TIMEOUT_SECONDS: Final = 31_622_400
DEFAULT_RETENTION_DAYS: Final = 14
#: Real seconds an invocation may run before the executor gives up on it (Lambda's maximum).
INVOCATION_REAL_TIMEOUT_SECONDS: Final = 900

#: Handler modules with a replaceable deadline clock (a module-level ``clock() -> unix seconds``
#: read inside an operation, so replays stay deterministic): the local cloud points them at
#: virtual time so deadlines are measured in the same seconds as the waits.
VIRTUAL_CLOCK_SEAMS: Final[dict[str, str]] = {"dms_waiters.lambdas.durable_waiter": "clock"}


def check_testing_sdk_version() -> None:
    """Raise if the installed testing SDK is not the version this module was written for."""
    installed = importlib.metadata.version("aws-durable-execution-sdk-python-testing")
    if installed != TESTING_SDK_VERSION:
        raise RuntimeError(
            f"localcloud.durable relies on aws-durable-execution-sdk-python-testing "
            f"{TESTING_SDK_VERSION} internals, but {installed} is installed: re-check "
            "localcloud/durable.py against the new version before bumping the pin"
        )


# -- time --------------------------------------------------------------------------------------


class VirtualDurableClock:
    """The testing SDK's ``Clock`` protocol on the local cloud's ``VirtualClock``.

    ``now`` stamps operations and decides which waits and retries are due; ``arm`` returns the
    delay the executor passes to ``Scheduler.call_later``, which ``VirtualScheduler`` turns
    into a virtual-clock timer: so both are virtual seconds.
    """

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        """The current virtual time (aware UTC)."""
        return self._clock.now_datetime()

    def arm(self, wake: datetime) -> float:
        """Virtual seconds from now until ``wake`` (0 when due)."""
        return max(0.0, (wake - self.now()).total_seconds())


class _BusyToken:
    """One busy unit of the clock, given back exactly once (whichever path ends the work)."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state = "pending"  # pending -> started -> released, or pending -> released
        clock.enter()

    def start(self) -> bool:
        """The work begins: False if it was abandoned (cancelled before it started)."""
        with self._lock:
            if self._state != "pending":
                return False
            self._state = "started"
            return True

    def abandon(self) -> None:
        """The work was cancelled: give the unit back unless the work already started."""
        with self._lock:
            if self._state != "pending":
                return
            self._state = "released"
        self._exit()

    def release(self) -> None:
        """The work ended."""
        with self._lock:
            if self._state == "released":
                return
            self._state = "released"
        self._exit()

    def _exit(self) -> None:
        try:
            self._clock.exit()
        except ClockError:  # the cloud is tearing down: nobody counts any more
            LOG.debug("durable: busy unit released after shutdown", exc_info=True)


class _TimerFuture:
    """What ``VirtualScheduler.call_later`` returns for a delayed call: a virtual-clock timer
    and, once it fired, the scheduler's future (the executor only uses cancel/done)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.timer: TimerHandle | None = None
        self._inner: Future[Any] | None = None
        self._cancelled = False

    def fired(self, inner: Future[Any]) -> None:
        with self._lock:
            self._inner = inner
            cancel = self._cancelled
        if cancel:
            inner.cancel()

    def cancel(self) -> bool:
        with self._lock:
            self._cancelled = True
            inner, timer = self._inner, self.timer
        if timer is not None:
            timer.cancel()
        if inner is not None:
            return inner.cancel()
        return True

    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled

    def done(self) -> bool:
        with self._lock:
            if self._cancelled:
                return True
            return self._inner is not None and self._inner.done()


class VirtualScheduler(Scheduler):
    """The testing SDK's ``Scheduler`` whose delays are virtual and whose work is tracked.

    ``call_later(func, delay)`` with a delay arms a ``VirtualClock`` timer; when it fires (or at
    once without a delay) the call is handed to the scheduler's event loop holding one busy unit
    of the clock until ``func`` has really finished (a coroutine, or a plain function on the
    scheduler's worker thread), so the clock's driver never advances time while the executor
    works. Events (``create_event``) and the loop itself are the SDK's.
    """

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self._vclock = clock

    def call_later(
        self,
        func: Callable[[], Any],
        delay: float = 0,
        count: int | None = 1,
        completion_event: Event | None = None,
    ) -> Any:
        """Run ``func`` ``delay`` virtual seconds from now (see the class docstring)."""
        if count != 1:
            raise NotImplementedError("the local cloud only schedules one-shot calls")
        if delay <= 0:
            return self._dispatch(func, completion_event)
        handle = _TimerFuture()
        handle.timer = self._vclock.call_later(
            delay, lambda: handle.fired(self._dispatch(func, completion_event))
        )
        return handle

    def _dispatch(self, func: Callable[[], Any], completion_event: Event | None) -> Future[Any]:
        token = _BusyToken(self._vclock)
        tracked: Callable[[], Any]
        if inspect.iscoroutinefunction(func):

            async def run_async() -> Any:
                if not token.start():
                    return None
                # Shielded: cancelling the scheduled call (the executor re-arms its wake-up
                # timer from inside it) must not end the busy unit before the work ends.
                task = asyncio.ensure_future(func())
                task.add_done_callback(lambda _task: token.release())
                return await asyncio.shield(task)

            tracked = run_async
        else:

            def run_sync() -> Any:
                if not token.start():
                    return None
                try:
                    return func()
                finally:
                    token.release()

            tracked = run_sync
        try:
            future: Future[Any] = super().call_later(tracked, 0, 1, completion_event)
        except BaseException:
            token.abandon()
            raise
        future.add_done_callback(lambda done: token.abandon() if done.cancelled() else None)
        return future


# -- the executor --------------------------------------------------------------------------------


class _Executor(Executor):
    """The testing SDK's executor, reporting each execution's end to the service."""

    def __init__(self, *args: Any, on_complete: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_complete = on_complete

    def _complete_events(self, execution_arn: str) -> None:
        # Called once per terminal transition: success, failure, timeout, stop.
        super()._complete_events(execution_arn)
        self._on_complete(execution_arn)


class _RuntimeInvoker(LambdaInvoker):
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
        record = self._service.record(input.durable_execution_arn)
        fn = self._service.resolve(record.function_arn, record.version)
        if fn is None:
            raise ResourceNotFoundException(f"Function not found: {function_name}")
        result = self._service.runtime.run(fn, json.dumps(input.to_json_dict()))
        if result.function_error is not None:
            # The handler crashed outside the durable SDK: the service retries the invocation.
            raise DurableFunctionsTestError(
                f"Lambda invocation failed: {result.payload.decode('utf-8', 'replace')}"
            )
        return InvokeResponse.from_payload(result.payload, result.request_id)


# -- records and results -------------------------------------------------------------------------


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


class DurableExecutionAlreadyStarted(LambdaClientError):  # noqa: N818 - AWS's error code
    """``DurableExecutionAlreadyStartedException``: the name is taken by another payload."""

    code = 409

    def __init__(self, message: str) -> None:
        super().__init__("DurableExecutionAlreadyStartedException", message)


class _InvalidParameterError(LambdaClientError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterValueException", message)


# -- the service ---------------------------------------------------------------------------------


class DurableFunctions:
    """The durable functions service of one local cloud (see the module docstring).

    ``start``/``invoke`` are what an Invoke of a durable function does; ``handle_request``
    answers the durable execution APIs; ``result``/``execution`` read an execution back.
    """

    def __init__(
        self,
        clock: VirtualClock,
        runtime: LambdaRuntime,
        *,
        region: str,
        real_timeout: float = 30.0,
    ) -> None:
        check_testing_sdk_version()
        self.clock = clock
        self.runtime = runtime
        self.real_timeout = real_timeout
        self._lock = threading.RLock()
        self._records: dict[str, ExecutionRecord] = {}
        self._names: dict[tuple[str, str], str] = {}
        self._store = InMemoryExecutionStore()
        self._scheduler = VirtualScheduler(clock)
        self._scheduler.start()
        time_source = VirtualDurableClock(clock)
        self._registry = ExecutionRegistry(self._store, self._scheduler)
        processor = CheckpointProcessor(
            store=self._store, scheduler=self._scheduler, clock=time_source
        )
        self._executor = _Executor(
            store=self._store,
            scheduler=self._scheduler,
            invoker=_RuntimeInvoker(self),
            checkpoint_processor=processor,
            invocation_timeout_seconds=INVOCATION_REAL_TIMEOUT_SECONDS,
            registry=self._registry,
            clock=time_source,
            region=region,
            on_complete=self._completed,
        )
        processor.add_execution_observer(self._executor)
        self._router = Router()
        self._handlers: dict[type[Route], EndpointHandler] = {
            CheckpointDurableExecutionRoute: CheckpointDurableExecutionHandler(self._executor),
            GetDurableExecutionStateRoute: GetDurableExecutionStateHandler(self._executor),
            GetDurableExecutionRoute: GetDurableExecutionHandler(self._executor),
            GetDurableExecutionHistoryRoute: GetDurableExecutionHistoryHandler(self._executor),
            StopDurableExecutionRoute: StopDurableExecutionHandler(self._executor),
            ListDurableExecutionsByFunctionRoute: ListDurableExecutionsByFunctionHandler(
                self._executor
            ),
            CallbackSuccessRoute: SendDurableExecutionCallbackSuccessHandler(self._executor),
            CallbackFailureRoute: SendDurableExecutionCallbackFailureHandler(self._executor),
            CallbackHeartbeatRoute: SendDurableExecutionCallbackHeartbeatHandler(self._executor),
        }
        runtime.add_load_hook(self._virtual_clock_seams)
        self._restore_sdk = _fast_checkpoint_shutdown()
        self._closed = False

    def close(self) -> None:
        """Stop the executor, its worker lanes and the scheduler's loop."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._executor.shutdown()
        self._registry.shutdown()
        self._scheduler.stop()
        self._restore_sdk()

    # -- starting ------------------------------------------------------------------------------

    def start(self, fn: Any, payload: bytes | str | None, name: str | None = None) -> str:
        """Start an execution of ``fn`` (a function version) with ``payload``; its ARN.

        ``name`` (``DurableExecutionName``) makes the start idempotent: the same name with the
        same payload returns the execution already started (whatever its state) and starts
        nothing; with another payload it fails with ``DurableExecutionAlreadyStartedException``.
        """
        config = durable_config(fn)
        if config is None:
            raise _InvalidParameterError(f"{fn.function_name} is not a durable function")
        if str(fn.version) == "$LATEST":
            raise _InvalidParameterError(
                "a durable function must be invoked with a qualified ARN (a version or an "
                f"alias), not {fn.function_name} unqualified or $LATEST"
            )
        data = _as_bytes(payload)
        function_arn = _unqualified(fn.function_arn)
        with self._lock:
            if self._closed:
                raise RuntimeError("the durable functions service is closed")
            if name:
                existing = self._names.get((function_arn, name))
                if existing is not None:
                    if self._records[existing].payload != data:
                        raise DurableExecutionAlreadyStarted(
                            f"A durable execution named {name} already exists for "
                            f"{fn.function_name} with another payload"
                        )
                    return existing
            execution_name = name or str(uuid.uuid4())
            started_at = self.clock.now()
            start_input = StartDurableExecutionInput(
                account_id=_arn_part(function_arn, 4),
                function_name=str(fn.function_name),
                function_qualifier=str(fn.version),
                execution_name=execution_name,
                execution_timeout_seconds=int(
                    config.get("ExecutionTimeout") or DEFAULT_EXECUTION_TIMEOUT_SECONDS
                ),
                execution_retention_period_days=int(
                    config.get("RetentionPeriodInDays") or DEFAULT_RETENTION_DAYS
                ),
                input=data.decode("utf-8"),
            )
            # Its first invocation (another thread) looks the record up under this lock: it
            # waits until the record exists.
            started = self._executor.start_execution(start_input)
            arn = started.execution_arn
            if arn is None:
                raise RuntimeError("the durable executor returned no execution ARN")
            self._records[arn] = ExecutionRecord(
                execution_arn=arn,
                name=execution_name,
                function_arn=function_arn,
                version=str(fn.version),
                payload=data,
                started_at=started_at,
            )
            if name:
                self._names[(function_arn, name)] = arn
            return arn

    def invoke(
        self,
        fn: Any,
        payload: bytes | str | None,
        invocation_type: str,
        name: str | None,
        response_headers: dict[str, str],
    ) -> bytes:
        """What ``Invoke`` answers for a durable function (see ``lambda_durable_invocations``).

        ``Event``: the execution is started, the answer is empty (202). ``RequestResponse``:
        the caller waits for the execution to end, at most ``SYNC_INVOCATION_LIMIT_SECONDS``
        of virtual time, and gets its result, or its error as a function error.
        """
        if invocation_type != "Event" and self.runtime.in_handler():
            # Refused before anything starts: a local limitation, not an AWS behaviour.
            raise _InvalidParameterError(
                "LocalCloud: a synchronous invocation of a durable function from inside a "
                "Lambda handler is not emulated (handlers run one at a time); use "
                "InvocationType=Event"
            )
        arn = self.start(fn, payload, name)
        response_headers["x-amz-durable-execution-arn"] = arn
        response_headers["x-amz-executed-version"] = str(fn.version)
        if invocation_type == "Event":
            return b""
        self._wait_sync(arn)
        execution = self._store.load(arn)
        result = execution.result
        if result is None:
            response_headers["x-amz-function-error"] = "Unhandled"
            return _error_payload(
                "Sandbox.Timedout",
                f"the durable execution did not end within {SYNC_INVOCATION_LIMIT_SECONDS:g} s "
                "of a synchronous invocation; it keeps running",
            )
        if result.status is InvocationStatus.SUCCEEDED:
            return (result.result or "null").encode("utf-8")
        response_headers["x-amz-function-error"] = "Unhandled"
        error = result.error
        return _error_payload(
            (error.type if error is not None else None) or "DurableExecutionFailed",
            (error.message if error is not None else None) or "",
        )

    def _wait_sync(self, arn: str) -> None:
        record = self.record(arn)
        deadline = self.clock.now() + SYNC_INVOCATION_LIMIT_SECONDS
        if not self.clock.driving:
            # The caller is the test's thread: drive the clock ourselves.
            alarm = self.clock.call_at(deadline, lambda: None)
            try:
                self.clock.run_until(
                    lambda: record.done.is_set() or self.clock.now() >= deadline,
                    real_timeout=self.real_timeout,
                )
            finally:
                alarm.cancel()
            return
        # A participant (a Step Functions execution...): idle on the clock until the execution
        # ends or the deadline passes; whoever wakes us takes our busy unit back first.
        wake = threading.Event()
        woken = threading.Lock()

        def signal() -> None:
            if woken.acquire(blocking=False):
                self.clock.enter()
                wake.set()

        with self._lock:
            if record.done.is_set():
                return
            record.waiters.append(signal)
        alarm = self.clock.call_at(deadline, signal)
        self.clock.exit()
        try:
            while not wake.wait(0.5):
                if self.clock.closed:
                    signal()
        finally:
            alarm.cancel()

    # -- ending --------------------------------------------------------------------------------

    def _completed(self, arn: str) -> None:
        with self._lock:
            record = self._records.get(arn)
            if record is None:
                return
            if record.ended_at is None:
                record.ended_at = self.clock.now()
            record.done.set()
            waiters, record.waiters = record.waiters, []
        for signal in waiters:
            signal()

    # -- reading back --------------------------------------------------------------------------

    def record(self, arn: str) -> ExecutionRecord:
        """The local record of execution ``arn`` (KeyError if unknown)."""
        with self._lock:
            return self._records[arn]

    def records(self) -> list[ExecutionRecord]:
        """Every execution started in this cloud, in order."""
        with self._lock:
            return list(self._records.values())

    def execution(self, arn: str) -> Execution:
        """The testing SDK's execution object (operations, updates, invocations...)."""
        return self._store.load(arn)

    def is_done(self, arn: str) -> bool:
        """True once execution ``arn`` has ended."""
        return self.record(arn).done.is_set()

    def result(self, arn: str, *, dms_stopped_at: float | None = None) -> DurableExecutionResult:
        """How execution ``arn`` ended (it must have ended)."""
        from dms_waiters.lambdas.durable_waiter import count_operations

        record = self.record(arn)
        execution = self._store.load(arn)
        if record.ended_at is None or execution.result is None:
            raise RuntimeError(f"durable execution {arn} has not ended")
        test_result = DurableFunctionTestResult.create(execution)
        status = (
            execution.close_status.value
            if execution.close_status is not None
            else test_result.status.value
        )
        error = test_result.error
        error_type = error.type if error is not None else None
        output = None
        if test_result.status is InvocationStatus.SUCCEEDED and test_result.result is not None:
            output = json.loads(test_result.result)
        return DurableExecutionResult(
            execution_arn=arn,
            name=record.name,
            function_arn=record.function_arn,
            version=record.version,
            status=status,
            output=output,
            error=error_type.rsplit(".", 1)[-1] if error_type else None,
            error_type=error_type,
            cause=error.message if error is not None else None,
            operations=count_operations(test_result),
            invocations=len(execution.invocation_completions),
            started_at=record.started_at,
            ended_at=record.ended_at,
            dms_stopped_at=dms_stopped_at,
            test_result=test_result,
        )

    # -- the durable execution APIs ----------------------------------------------------------

    def handle_request(
        self, method: str, url: str, body: bytes | str | None
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one durable execution API request (status, headers, body), as AWS would."""
        if self._closed:
            # The cloud is shutting down: a handler still running gets an error and ends.
            return _error_response(ServiceException("the local cloud is shutting down"))
        parts = urlsplit(url)
        try:
            route = self._router.find_route(parts.path, method)
        except UnknownRouteError as exc:
            return _error_response(ResourceNotFoundException(str(exc)))
        handler = self._handlers.get(type(route))
        if handler is None:
            return _error_response(ServiceException(f"not emulated: {method} {parts.path}"))
        if isinstance(route, _CALLBACK_ROUTES):
            refusal = self._closed_callback(route.callback_id)
            if refusal is not None:
                return _error_response(refusal)
        data = _as_bytes(body) if body else b""
        query = parse_qs(parts.query)
        if isinstance(route, BytesPayloadRoute):
            request = HTTPRequest.from_raw_bytes(
                body_bytes=data, method=method, path=route, query_params=query
            )
        else:
            request = HTTPRequest.from_bytes(
                body_bytes=data, method=method, path=route, query_params=query
            )
        response: HTTPResponse = handler.handle(route, request)
        return _http_response(response)

    def _closed_callback(self, callback_id: str) -> AwsApiException | None:
        """AWS's answer to completing a callback that is not open (None while it is open).

        A known callback that is no longer waiting (completed, timed out, its execution over)
        is ``CallbackTimeoutException``; an id that names no callback of any execution is
        ``ResourceNotFoundException`` (what the testing SDK answers for both).
        """
        try:
            token = CallbackToken.from_str(callback_id)
            execution = self._store.load(token.execution_arn)
            _, operation = execution.find_callback_operation(callback_id)
        except Exception:
            return ResourceNotFoundException(f"Callback {callback_id} not found")
        if execution.is_complete or operation.status is not OperationStatus.STARTED:
            return CallbackTimeoutException(f"Callback {callback_id} is closed")
        return None

    # -- the handler's deadline clock ---------------------------------------------------------

    def _virtual_clock_seams(self, modules: Mapping[str, ModuleType]) -> None:
        clock = self.clock
        for module_name, attribute in VIRTUAL_CLOCK_SEAMS.items():
            module = modules.get(module_name)
            if module is not None and hasattr(module, attribute):
                setattr(module, attribute, lambda: clock.now_datetime().timestamp())

    # -- functions -----------------------------------------------------------------------------

    @staticmethod
    def resolve(function_arn: str, version: str) -> Any:
        """moto's record of ``function_arn`` at ``version`` (None when it no longer exists)."""
        from moto.awslambda.utils import get_backend

        try:
            backend = get_backend(_arn_part(function_arn, 4), _arn_part(function_arn, 3))
            return backend.get_function(function_arn, version)
        except Exception:
            return None


# -- helpers -------------------------------------------------------------------------------------

#: How often (real seconds) the durable SDK's idle checkpoint thread looks for its stop signal
#: while a local cloud runs durable functions (the SDK's own value is 0.1).
CHECKPOINT_STOP_POLL_SECONDS: Final = 0.005


def _fast_checkpoint_shutdown() -> Callable[[], None]:
    """Make each invocation's end cost milliseconds, not a tenth of a second; returns the undo.

    Every invocation of a durable handler ends by stopping the SDK's checkpoint thread, which
    notices the stop on its next poll: up to 0.1 real seconds per invocation (AWS pays it too),
    which a long poll-mode run (hundreds of replays) multiplies into tens of seconds. Only real
    time changes. Coupled to ``aws-durable-execution-sdk-python`` 3.0.0 (pinned exactly):
    ``state._STOP_SIGNAL_POLL_SECONDS``, a module global read at each poll.
    """
    from aws_durable_execution_sdk_python import state as sdk_state

    name = "_STOP_SIGNAL_POLL_SECONDS"
    original = getattr(sdk_state, name)
    if not isinstance(original, float):
        raise AttributeError(f"aws_durable_execution_sdk_python.state.{name} changed")
    setattr(sdk_state, name, CHECKPOINT_STOP_POLL_SECONDS)
    return lambda: setattr(sdk_state, name, original)


def durable_config(fn: Any) -> dict[str, Any] | None:
    """The ``DurableConfig`` a moto function was created with (None: not durable)."""
    config = getattr(fn, "durable_config", None)
    return dict(config) if isinstance(config, Mapping) else None


def _as_bytes(payload: bytes | str | None) -> bytes:
    if payload is None:
        return b"{}"
    return payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)


def _arn_part(arn: str, index: int) -> str:
    parts = arn.split(":")
    return parts[index] if len(parts) > index else ""


def _unqualified(arn: str) -> str:
    return ":".join(arn.split(":")[:7])


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode("utf-8")


def _error_response(exc: AwsApiException) -> tuple[int, dict[str, str], bytes]:
    return _http_response(HTTPResponse.create_error_from_exception(exc))


def _http_response(response: HTTPResponse) -> tuple[int, dict[str, str], bytes]:
    headers = dict(response.headers)
    body = response.body_to_bytes() if response.body else b"{}"
    if response.status_code >= 400:
        # botocore reads a rest-json error's code from this header.
        code = response.body.get("Type") if isinstance(response.body, dict) else None
        if isinstance(code, str):
            headers["x-amzn-errortype"] = code
    headers.setdefault("Content-Type", "application/json")
    return response.status_code, headers, body
