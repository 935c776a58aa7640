"""Lambda durable functions in the local cloud: the official testing SDK's service, on the clock.

moto has no durable functions. Here a function created with ``DurableConfig`` (see the
``lambda_kept_config`` patch) is run the way the Lambda service runs it:

* an Invoke of a version, an alias or ``$LATEST`` named explicitly (``InvocationType=Event``
  or ``RequestResponse``, optional ``DurableExecutionName``) starts a durable *execution*,
  answered with its ARN in ``X-Amz-Durable-Execution-Arn``; a name already used with the same
  payload starts nothing new;
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
``GetDurableExecutionHistory`` is rebuilt as AWS reports it (``durable_history``), and a crashed
invocation is recorded before its retry.

Coupling: the testing SDK is pinned exactly (``TESTING_SDK_VERSION``) because this module relies
on its internals: ``Executor`` (constructor, ``_complete_events``), ``Scheduler.call_later``, the
``Clock`` protocol (``now``/``arm``), ``LambdaInvoker.create_invocation_input``,
``ExecutionRegistry``, ``CheckpointProcessor``, ``InMemoryExecutionStore`` (``save``/``update``),
``Executor._retry_after_error`` and ``get_execution_history`` (replaced: ``durable_history``),
``Execution`` fields (``updates``, ``update_timestamps``, ``invocation_completions``),
the history ``Event`` builders,
``CallbackToken`` and ``web.routes``/``web.handlers``. They are used in this module and its
``durable_*`` siblings only (the executor and invoker subclasses are in ``durable_executor``);
its tests (``tests/localcloud/test_durable.py``) fail when an upgrade moves them.

Chained invokes (``context.invoke``) of durable functions run as child executions
(``durable_chained``). Not emulated: chained invokes of plain functions, ``map``/``parallel``
refreshes in real time, execution retention, ``ListDurableExecutionsByFunction`` by function
ARN (by name only), pausing, the execution ARN format (the testing SDK's opaque
``<uuid>/<uuid>``, not
``arn:aws:lambda:...:durable-execution:...``), durable functions as EventBridge targets, a
synchronous invocation from inside a handler (refused: handlers run one at a time), the
synchronous-invocation limit's exact error (an execution still running after 15 virtual minutes
is reported as ``Sandbox.Timedout``).
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import threading
import uuid
from collections.abc import Mapping
from types import ModuleType
from typing import Any, Final

from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python_testing import DurableFunctionTestResult
from aws_durable_execution_sdk_python_testing.checkpoint.processor import CheckpointProcessor
from aws_durable_execution_sdk_python_testing.exceptions import (
    ResourceNotFoundException,
    ServiceException,
)
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.worker.registry import ExecutionRegistry
from moto.awslambda.exceptions import LambdaClientError

from ..clock import VirtualClock
from .common import arn_part, as_bytes, unqualified
from .durable_api import DurableApi, error_response
from .durable_chained import CloudChildDispatcher
from .durable_executor import CloudExecutor, CrashedInvocation, RuntimeInvoker
from .durable_history import HistoryJournal, JournalingStore
from .durable_results import DurableExecutionResult, ExecutionRecord, count_operations
from .durable_start import durable_config, durable_start_input
from .durable_time import VirtualDurableClock, VirtualScheduler, fast_checkpoint_shutdown
from .runtime import LambdaRuntime

LOG = logging.getLogger(__name__)

#: The testing SDK version whose internals this module was written against (see the docstring).
TESTING_SDK_VERSION: Final = "1.4.0"

#: Lambda's cap on a synchronous invocation, also for durable functions (virtual seconds).
SYNC_INVOCATION_LIMIT_SECONDS: Final = 900.0
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
            f"localcloud.awslambda.durable relies on aws-durable-execution-sdk-python-testing "
            f"{TESTING_SDK_VERSION} internals, but {installed} is installed: re-check "
            "localcloud/awslambda/durable*.py against the new version before bumping the pin"
        )


# -- errors --------------------------------------------------------------------------------------


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
        self._region = region
        self.clock = clock
        self.runtime = runtime
        self.real_timeout = real_timeout
        self._lock = threading.RLock()
        self._records: dict[str, ExecutionRecord] = {}
        self._names: dict[tuple[str, str], str] = {}
        journal = HistoryJournal()
        self._store = JournalingStore(journal)
        self._scheduler = VirtualScheduler(clock)
        self._scheduler.start()
        time_source = VirtualDurableClock(clock)
        self._registry = ExecutionRegistry(self._store, self._scheduler)
        processor = CheckpointProcessor(
            store=self._store, scheduler=self._scheduler, clock=time_source
        )
        self._executor = CloudExecutor(
            store=self._store,
            scheduler=self._scheduler,
            invoker=RuntimeInvoker(self),
            checkpoint_processor=processor,
            invocation_timeout_seconds=INVOCATION_REAL_TIMEOUT_SECONDS,
            registry=self._registry,
            clock=time_source,
            child_dispatcher=CloudChildDispatcher(self),
            region=region,
            on_complete=self._completed,
            journal=journal,
        )
        processor.add_execution_observer(self._executor)
        self._api = DurableApi(self._executor, self._store)
        runtime.add_load_hook(self._virtual_clock_seams)
        self._restore_sdk = fast_checkpoint_shutdown()
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

    def start(
        self,
        fn: Any,
        payload: bytes | str | None,
        name: str | None = None,
        *,
        qualified: bool | None = None,
    ) -> str:
        """Start an execution of ``fn`` (a function version) with ``payload``; its ARN.

        ``qualified``: the request named a version, an alias or ``$LATEST`` (None: unknown);
        ``$LATEST`` is refused unless it was named explicitly (AWS refuses an unqualified name).

        ``name`` (``DurableExecutionName``) makes the start idempotent: the same name with the
        same payload returns the execution already started (whatever its state) and starts
        nothing; with another payload it fails with ``DurableExecutionAlreadyStartedException``.
        """
        config = durable_config(fn)
        if config is None:
            raise _InvalidParameterError(f"{fn.function_name} is not a durable function")
        if str(fn.version) == "$LATEST" and not qualified:
            raise _InvalidParameterError(
                "a durable function must be invoked with a qualified ARN (a version, an alias "
                f"or $LATEST), not {fn.function_name} unqualified"
            )
        data = as_bytes(payload)
        function_arn = unqualified(fn.function_arn)
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
            start_input = durable_start_input(
                fn, config, arn_part(function_arn, 4), execution_name, data.decode("utf-8")
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
        *,
        qualified: bool | None = None,
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
        arn = self.start(fn, payload, name, qualified=qualified)
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

    def crashed(self, execution_arn: str, crash: CrashedInvocation) -> None:
        """An invocation of ``execution_arn`` failed outside the durable SDK."""
        self._executor.crashed(execution_arn, crash)

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

    def adopt(self, arn: str) -> ExecutionRecord:
        """The record of ``arn``, made now for an execution the executor started itself (the
        target of a chained invoke) from what it was started with."""
        with self._lock:
            record = self._records.get(arn)
            if record is not None:
                return record
            start = self._store.load(arn).start_input
            fn = self.find(start.function_name, start.function_qualifier, start.account_id)
            if fn is None:
                raise ResourceNotFoundException(f"Function not found: {start.function_name}")
            record = ExecutionRecord(
                execution_arn=arn,
                name=start.execution_name,
                function_arn=unqualified(fn.function_arn),
                version=str(fn.version),
                payload=(start.input or "").encode("utf-8"),
                started_at=self.clock.now(),
            )
            self._records[arn] = record
            return record

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
            return error_response(ServiceException("the local cloud is shutting down"))
        return self._api.handle(method, url, body)

    # -- the handler's deadline clock ---------------------------------------------------------

    def _virtual_clock_seams(self, modules: Mapping[str, ModuleType]) -> None:
        clock = self.clock
        for module_name, attribute in VIRTUAL_CLOCK_SEAMS.items():
            module = modules.get(module_name)
            if module is not None and hasattr(module, attribute):
                setattr(module, attribute, lambda: clock.now_datetime().timestamp())

    # -- functions -----------------------------------------------------------------------------

    def find(self, name: str, qualifier: str | None, account_id: str) -> Any:
        """moto's record of function ``name`` at ``qualifier`` (an alias resolves to its
        version), in ``account_id`` and this service's region; None when there is none."""
        from moto.awslambda.utils import get_backend

        try:
            backend = get_backend(account_id, self._region)
            return backend.get_function(name, qualifier)
        except Exception:
            return None

    @staticmethod
    def resolve(function_arn: str, version: str) -> Any:
        """moto's record of ``function_arn`` at ``version`` (None when it no longer exists)."""
        from moto.awslambda.utils import get_backend

        try:
            backend = get_backend(arn_part(function_arn, 4), arn_part(function_arn, 3))
            return backend.get_function(function_arn, version)
        except Exception:
            return None


# -- helpers -------------------------------------------------------------------------------------


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode("utf-8")
