"""``LocalCloud``: moto, the virtual clock, the patches and the DMS simulator, in one context.

::

    with LocalCloud() as cloud:
        task_arn = cloud.create_replication_task("orders", DmsScenario(run_seconds=900))
        machine = cloud.create_state_machine("wait-orders", definition)
        result = cloud.run_execution(machine, {})
        assert result.status == "SUCCEEDED"

Everything runs in this process: no network, no Docker, no AWS account. Only one LocalCloud
can be active at a time (moto and the patches are process-wide).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import warnings
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypedDict, Unpack

import boto3  # type: ignore[import-untyped]
from moto import mock_aws
from moto.dms.models import dms_backends
from moto.stepfunctions.parser.models import stepfunctions_parser_backends
from moto.stepfunctions.parser.utils import TMP_THREADS

from . import patches
from .active import active_durable, active_lambda_runtime, guard_client
from .api_calls import api_calls
from .awslambda.code import build_zip, dummy_execution_role
from .awslambda.function_urls import HttpResponse, http_request
from .awslambda.runtime import LambdaRuntime
from .clock import DEFAULT_EPOCH, DEFAULT_REAL_TIMEOUT, VirtualClock
from .dms.scenario import DmsScenario, SimulatedTask
from .dms.simulator import DmsSimulator
from .dms.tasks import create_task
from .stepfunctions.executions import ExecutionResult, execution_result, moto_execution

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .awslambda.durable import DurableFunctions
    from .awslambda.durable_results import DurableExecutionResult
    from .deploy import Deployment

DEFAULT_REGION: Final = "us-east-1"
DEFAULT_ACCOUNT_ID: Final = "123456789012"  # moto's default account

# Dummy credentials and settings so no client in this process can reach real AWS, and so
# botocore does not retry simulated throttling with real sleeps.
_ENVIRONMENT: Final = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_MAX_ATTEMPTS": "1",
    "AWS_RETRY_MODE": "standard",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_UNSET: Final = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL")

# Process-wide cache of the clients ``LocalCloud.client`` hands out (all guarded).
_CLIENTS: dict[tuple[str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()

# Real seconds allowed, on exit, for the threads of stopped executions to finish.
_JOIN_SECONDS: Final = 10.0


class WaitOptions(TypedDict, total=False):
    """How ``run_execution`` and ``run_durable_execution`` wait for the run they start: the
    options of ``LocalCloud.wait_for_execution`` and ``wait_for_durable_execution``."""

    replication_task_arn: str | None
    real_timeout: float | None
    virtual_timeout: float | None


class LocalCloud:
    """Context manager running an embedded AWS (moto) on a virtual clock with simulated DMS.

    ``region``: where the helpers create resources; ``epoch``: the UTC datetime of virtual
    time 0; ``seed``: seeds retry jitter and DMS event ids (same seed, same run);
    ``real_timeout``: real seconds ``run_execution`` waits for busy work before failing.
    Attributes: ``clock`` (the ``VirtualClock``), ``dms`` (the ``DmsSimulator``; add hooks
    there; it publishes DMS events on the default bus), ``rng``.
    On exit, running executions are stopped, their threads joined, the patches reverted and
    moto's state discarded.
    """

    _active: ClassVar[LocalCloud | None] = None
    _active_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        *,
        region: str = DEFAULT_REGION,
        epoch: datetime = DEFAULT_EPOCH,
        seed: int = 0,
        real_timeout: float = DEFAULT_REAL_TIMEOUT,
    ) -> None:
        self.region = region
        self.account_id = DEFAULT_ACCOUNT_ID
        self.real_timeout = real_timeout
        self.clock = VirtualClock(epoch)
        self.rng = random.Random(seed)
        self.dms = DmsSimulator(self.clock)
        # DMS status changes are published on the default EventBridge bus, as AWS does; the
        # client is looked up at publish time, when the cloud is active.
        self.dms.publish_events(
            lambda entries: self.client("events").put_events(Entries=entries), seed=seed
        )
        self._mock: Any = None
        self._saved_env: dict[str, str | None] = {}
        self._threads_before = 0
        self._executions = 0
        self._role_arn = f"arn:aws:iam::{self.account_id}:role/localcloud-states"

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> LocalCloud:
        with LocalCloud._active_lock:
            if LocalCloud._active is not None:
                raise RuntimeError("another LocalCloud is already active in this process")
            LocalCloud._active = self
        try:
            self._set_environment()
            self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
            self._mock.start()
            self._threads_before = len(TMP_THREADS)
            patches.apply_all(
                self.clock,
                rng=self.rng,
                dms=self.dms,
                region=self.region,
                real_timeout=self.real_timeout,
            )
        except BaseException:
            self._teardown(raise_on_leak=False)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._teardown(raise_on_leak=exc_type is None)

    def _set_environment(self) -> None:
        wanted: dict[str, str | None] = {
            **_ENVIRONMENT,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            **dict.fromkeys(_UNSET),
        }
        for key, value in wanted.items():
            self._saved_env[key] = os.environ.get(key)
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def _restore_environment(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def _teardown(self, *, raise_on_leak: bool) -> None:
        leaked: list[threading.Thread] = []
        try:
            if self._mock is not None:
                self._stop_running_executions()
                # Wake every sleeper: stopped executions leave their loop, nothing waits on.
                self.clock.shutdown()
                leaked = self._join_threads()
        finally:
            patches.revert_all()
            if self._mock is not None:
                self._mock.stop()
                self._mock = None
            self._restore_environment()
            with LocalCloud._active_lock:
                LocalCloud._active = None
        if leaked:
            message = f"LocalCloud: {len(leaked)} execution thread(s) still alive after exit"
            if raise_on_leak:
                raise RuntimeError(message)
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    def _stop_running_executions(self) -> None:
        backend = stepfunctions_parser_backends[self.account_id][self.region]
        for execution in backend._get_executions():
            if execution.exec_status is not None and execution.exec_status.value == "RUNNING":
                backend.stop_execution(execution.exec_arn)

    def _join_threads(self) -> list[threading.Thread]:
        ours = TMP_THREADS[self._threads_before :]
        deadline = time.monotonic() + _JOIN_SECONDS
        for thread in ours:
            thread.join(max(0.0, deadline - time.monotonic()))
        # moto never prunes this module-level list; drop what this cloud added.
        del TMP_THREADS[self._threads_before :]
        return [t for t in ours if t.is_alive()]

    # -- clients -----------------------------------------------------------------------------

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` in this cloud's region.

        Clients are cached for the whole process (building one costs tens of milliseconds) and
        guarded: outside an active cloud they raise ``NetworkAccessError`` instead of sending.
        """
        if self._mock is None:
            raise RuntimeError("LocalCloud is not active: use it as a context manager")
        key = (service, self.region)
        with _CLIENTS_LOCK:
            if key not in _CLIENTS:
                _CLIENTS[key] = guard_client(boto3.client(service, region_name=self.region))
            return _CLIENTS[key]

    # -- DMS -----------------------------------------------------------------------------------

    def create_replication_task(
        self,
        identifier: str,
        scenario: DmsScenario | None = None,
        migration_type: str = "full-load",
    ) -> str:
        """Create a DMS replication task driven by ``scenario``; return its ARN.

        ``migration_type`` is the task's ``MigrationType`` (full-load, cdc, full-load-and-cdc):
        what ``auto`` restarts it with once it has run.
        """
        arn = create_task(
            self.client("dms"), self.region, self.account_id, identifier, migration_type
        )
        moto_task = dms_backends[self.account_id][self.region].replication_tasks[arn]
        self.dms.adopt(moto_task, scenario or DmsScenario())
        return arn

    def replication_task(self, arn: str) -> SimulatedTask:
        """The simulator's record of task ``arn``."""
        return self.dms.task(arn)

    # -- Pulumi --------------------------------------------------------------------------------

    def deploy(self, program: Callable[[], Any], **options: Any) -> Deployment:
        """Deploy a Pulumi program (a function) into this cloud: ``deploy.deploy_program``."""
        # Imported here: the cloud itself needs no Pulumi, only deployments do.
        from .deploy import deploy_program

        return deploy_program(self, program, **options)

    # -- Lambda --------------------------------------------------------------------------------

    @property
    def lambda_runtime(self) -> LambdaRuntime:
        """The in-process Lambda runtime: invocation counts and records, ``throttle``."""
        runtime = active_lambda_runtime()
        if self._mock is None or runtime is None:
            raise RuntimeError("LocalCloud is not active: use it as a context manager")
        return runtime

    def api_calls(self) -> dict[tuple[str, str], int]:
        """AWS API requests answered so far, by (service id, operation), e.g.
        ``("dynamodb", "PutItem")``; DMS appears as ``database-migration-service``."""
        return api_calls()

    def http_request(
        self,
        method: str,
        url: str,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResponse:
        """Call a Lambda function URL of this cloud (``function_urls.http_request``)."""
        return http_request(
            self.lambda_runtime, self.account_id, self.region, method, url, body, headers
        )

    def lambda_invocations(self, function_name: str | None = None) -> int:
        """Handler runs of ``function_name`` so far (all functions when None), retries included."""
        return self.lambda_runtime.invocations(function_name)

    def create_function(
        self,
        name: str,
        files: Mapping[str, str | bytes],
        *,
        handler: str = "app.handler",
        environment: Mapping[str, str] | None = None,
        timeout: int = 30,
        memory_size: int = 128,
        durable_config: Mapping[str, int] | None = None,
        logging_config: Mapping[str, str] | None = None,
        publish: bool = False,
    ) -> str:
        """Create a Python Lambda function from ``files`` (archive path -> source); its ARN.

        The zip is built in memory (``awslambda.code.build_zip``); the execution role is a
        dummy IAM role created on first use. ``durable_config`` (``ExecutionTimeout``,
        ``RetentionPeriodInDays``) makes it a durable function; ``logging_config`` is its
        ``LoggingConfig``; ``publish`` publishes version 1 (the ARN returned is still the
        unqualified one).
        """
        extra: dict[str, Any] = {}
        if durable_config is not None:
            extra["DurableConfig"] = dict(durable_config)
        if logging_config is not None:
            extra["LoggingConfig"] = dict(logging_config)
        response = self.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=dummy_execution_role(self.client("iam")),
            Handler=handler,
            Code={"ZipFile": build_zip(files)},
            Environment={"Variables": dict(environment or {})},
            Timeout=timeout,
            MemorySize=memory_size,
            Publish=publish,
            **extra,
        )
        arn: str = ":".join(response["FunctionArn"].split(":")[:7])
        return arn

    # -- Lambda durable functions --------------------------------------------------------------

    @property
    def durable(self) -> DurableFunctions:
        """The durable functions service (``durable.DurableFunctions``): executions, results."""
        service = active_durable()
        if self._mock is None or service is None:
            raise RuntimeError("LocalCloud is not active: use it as a context manager")
        return service

    def start_durable_execution(
        self,
        function: str,
        payload: Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
    ) -> str:
        """Invoke durable ``function`` (a qualified ARN or ``name:alias``) asynchronously, as
        Lambda's Invoke does (``DurableExecutionName`` = ``name``); the execution's ARN."""
        extra = {} if name is None else {"DurableExecutionName": name}
        response = self.client("lambda").invoke(
            FunctionName=function,
            InvocationType="Event",
            Payload=json.dumps(dict(payload or {})).encode("utf-8"),
            **extra,
        )
        arn: str = response["DurableExecutionArn"]
        return arn

    def wait_for_durable_execution(
        self,
        execution_arn: str,
        *,
        replication_task_arn: str | None = None,
        real_timeout: float | None = None,
        virtual_timeout: float | None = None,
    ) -> DurableExecutionResult:
        """Drive the clock until the durable execution ends; return how it ended (durable
        operations, invocations, virtual times; ``replication_task_arn`` as for
        ``wait_for_execution``)."""
        service = self.durable
        self._run_until(lambda: service.is_done(execution_arn), real_timeout, virtual_timeout)
        return service.result(execution_arn, dms_stopped_at=self._stopped_at(replication_task_arn))

    def run_durable_execution(
        self,
        function: str,
        payload: Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
        **wait: Unpack[WaitOptions],
    ) -> DurableExecutionResult:
        """Start a durable execution and drive the clock until it ends (``wait`` as for
        ``wait_for_durable_execution``)."""
        execution_arn = self.start_durable_execution(function, payload, name=name)
        return self.wait_for_durable_execution(execution_arn, **wait)

    # -- Step Functions ------------------------------------------------------------------------

    def create_state_machine(self, name: str, definition: dict[str, Any]) -> str:
        """Create a STANDARD state machine from ``definition`` with a dummy role; return its ARN."""
        response = self.client("stepfunctions").create_state_machine(
            name=name,
            definition=json.dumps(definition),
            roleArn=self._role_arn,
            type="STANDARD",
        )
        arn: str = response["stateMachineArn"]
        return arn

    def start_execution(
        self,
        state_machine_arn: str,
        input: dict[str, Any] | None = None,
        *,
        name: str | None = None,
    ) -> str:
        """Start an execution (it runs as the clock is driven); return its ARN.

        ``name`` defaults to a sequence number: moto does not generate one (every unnamed
        execution would get the same ARN), and a counter keeps runs reproducible.
        """
        self._executions += 1
        response = self.client("stepfunctions").start_execution(
            stateMachineArn=state_machine_arn,
            name=name or f"execution-{self._executions:04d}",
            input=json.dumps(input or {}),
        )
        arn: str = response["executionArn"]
        return arn

    def wait_for_execution(
        self,
        execution_arn: str,
        *,
        replication_task_arn: str | None = None,
        real_timeout: float | None = None,
        virtual_timeout: float | None = None,
    ) -> ExecutionResult:
        """Drive the clock until the execution terminates; return how it ended.

        ``replication_task_arn`` names the task whose stop time ``dms_stopped_at`` reports;
        by default the only simulated task, if there is exactly one.
        """
        execution = self._moto_execution(execution_arn)

        def ended() -> bool:
            return getattr(execution, "_localcloud_ended_at", None) is not None

        self._run_until(ended, real_timeout, virtual_timeout)
        return execution_result(
            self.client("stepfunctions"),
            execution,
            execution_arn,
            dms_stopped_at=self._stopped_at(replication_task_arn),
        )

    def run_execution(
        self,
        state_machine_arn: str,
        input: dict[str, Any] | None = None,
        *,
        name: str | None = None,
        **wait: Unpack[WaitOptions],
    ) -> ExecutionResult:
        """Start an execution and drive the clock until it terminates (``wait`` as for
        ``wait_for_execution``)."""
        execution_arn = self.start_execution(state_machine_arn, input, name=name)
        return self.wait_for_execution(execution_arn, **wait)

    def _run_until(
        self, done: Callable[[], bool], real_timeout: float | None, virtual_timeout: float | None
    ) -> None:
        """Drive the clock until ``done()``, within ``real_timeout`` (default: this cloud's)."""
        self.clock.run_until(
            done,
            real_timeout=self.real_timeout if real_timeout is None else real_timeout,
            virtual_timeout=virtual_timeout,
        )

    def _moto_execution(self, execution_arn: str) -> Any:
        return moto_execution(self.account_id, self.region, execution_arn)

    def _stopped_at(self, replication_task_arn: str | None) -> float | None:
        if replication_task_arn is None:
            tasks = self.dms.tasks
            if len(tasks) != 1:
                return None
            return tasks[0].stopped_at
        if not self.dms.tracks(replication_task_arn):
            return None
        return self.dms.task(replication_task_arn).stopped_at
