"""Unit-test support for programs that use these components, under Pulumi mocks.

``DmsWaitersMocks`` answers every resource type and data source the components use with the
state AWS would return (ARNs, names, ids, versions), and records each resource, so a test can
assert on what a program created. ``run_program`` runs a program (a function that creates
resources) under fresh mocks and waits until every resource is registered::

    def program() -> None:
        DmsPollingWorkflow("orders", {"replication_task_arn": TASK_ARN})

    mocks = run_program(program)
    roles = mocks.created("aws:iam/role:Role")

The mocks also work with ``pulumi.runtime.set_mocks`` and ``@pulumi.runtime.test`` directly;
pass ``monitor=RecordingMockMonitor(mocks)`` to ``set_mocks`` to record URNs and parents.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import hashlib
import re
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

import pulumi
from pulumi.runtime.mocks import MockMonitor

DEFAULT_ACCOUNT_ID: Final = "123456789012"
DEFAULT_REGION: Final = "us-east-1"
DEFAULT_PARTITION: Final = "aws"


@dataclass
class CreatedResource:
    """One resource the program registered: its type, logical name, inputs and mocked state.

    ``urn`` and ``parent`` (the parent's URN) are the engine's when the run used a
    ``RecordingMockMonitor`` (as ``run_program`` does); otherwise the logical name and None.
    """

    type: str
    name: str
    inputs: dict[str, Any]
    state: dict[str, Any]
    id: str
    urn: str = ""
    parent: str | None = None

    def output(self, key: str) -> Any:
        """A key of the resource's state (inputs merged with the mocked outputs)."""
        return self.state.get(key)


@dataclass(frozen=True)
class Registration:
    """One ``RegisterResource`` call a ``RecordingMockMonitor`` saw.

    Covers everything Pulumi registers: the root stack, component resources and custom
    resources. ``parent`` is the parent's URN (None only for the root stack).
    """

    type: str
    name: str
    urn: str
    parent: str | None
    custom: bool


_ROOT_STACK_TYPE: Final = "pulumi:pulumi:Stack"

# The registration the calling thread is answering: Pulumi's mock monitor calls
# ``Mocks.new_resource`` synchronously inside ``RegisterResource``, in the same worker thread.
_REGISTERING = threading.local()


def _current_registration() -> Registration | None:
    current: Registration | None = getattr(_REGISTERING, "current", None)
    return current


class RecordingMockMonitor(MockMonitor):
    """Pulumi's ``MockMonitor`` that also records each registration's URN and parent URN.

    ``Mocks.new_resource`` is not told a resource's parent, only ``RegisterResource`` is. This
    monitor appends every registration to ``registrations`` (in the order Pulumi registered
    them) and, while the mocks answer one, exposes it to them: ``DmsWaitersMocks`` stores the
    URN and parent URN in each ``CreatedResource``. ``run_program`` uses it by default.
    """

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self._registrations_lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the Pulumi engine gives a resource.

        Pulumi's mock monitor prefixes only the parent's own type, the root stack's included;
        the engine prefixes the parent's whole type chain and leaves the root stack out, so
        ``urn:pulumi:<stack>::<project>::<component type>$<type>::<name>``.
        """
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != _ROOT_STACK_TYPE:
                qualified = f"{parent_type}${type_}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{qualified}::{name}"

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        """Record the registration, then let Pulumi's mock monitor handle it."""
        registration = Registration(
            type=request.type,
            name=request.name,
            urn=self.make_urn(request.parent, request.type, request.name),
            parent=request.parent or None,
            custom=bool(request.custom),
        )
        with self._registrations_lock:
            self.registrations.append(registration)
        _REGISTERING.current = registration
        try:
            return super().RegisterResource(request)  # type: ignore[no-untyped-call]
        finally:
            _REGISTERING.current = None


@dataclass
class DmsWaitersMocks(pulumi.runtime.Mocks):
    """Pulumi mocks returning realistic AWS state for every resource type the components use.

    Unknown resource types get their inputs echoed back with a generated id, so a user's own
    resources still work; ``created`` lists everything that was registered.
    """

    account_id: str = DEFAULT_ACCOUNT_ID
    region: str = DEFAULT_REGION
    partition: str = DEFAULT_PARTITION
    resources: list[CreatedResource] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def created(self, type_token: str | None = None) -> list[CreatedResource]:
        """Resources registered so far, optionally only those of one type token."""
        with self._lock:
            return [r for r in self.resources if type_token in (None, r.type)]

    def by_name(self, name: str) -> CreatedResource:
        """The resource registered under the logical ``name`` (KeyError if none)."""
        for res in self.created():
            if res.name == name:
                return res
        raise KeyError(name)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        """Answer the data sources the components read: identity, region, partition."""
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return (
                {
                    "accountId": self.account_id,
                    "arn": f"arn:{self.partition}:iam::{self.account_id}:user/test",
                    "userId": "AIDATESTUSER",
                    "id": self.account_id,
                },
                [],
            )
        if args.token == "aws:index/getRegion:getRegion":
            return ({"name": self.region, "region": self.region, "id": self.region}, [])
        if args.token == "aws:index/getPartition:getPartition":
            return (
                {"partition": self.partition, "dnsSuffix": "amazonaws.com", "id": self.partition},
                [],
            )
        return ({}, [])

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Return the id and state AWS would give a resource of ``args.typ``."""
        inputs = dict(args.inputs)
        physical = _physical_name(args.name, inputs)
        resource_id, extra = self._state_for(args.typ, physical, inputs)
        state = {**inputs, **extra}
        self._record(args, inputs, state, resource_id)
        return resource_id, state

    def _record(
        self,
        args: pulumi.runtime.MockResourceArgs,
        inputs: dict[str, Any],
        state: dict[str, Any],
        resource_id: str,
    ) -> CreatedResource:
        """Append what ``new_resource`` answered to ``resources`` (for subclasses too).

        Under a ``RecordingMockMonitor`` (``run_program``'s default) the record carries the real
        URN and the parent's URN; otherwise the URN is the logical name and the parent None.
        """
        current = _current_registration()
        urn, parent = (args.name, None) if current is None else (current.urn, current.parent)
        record = CreatedResource(
            args.typ, args.name, inputs, state, resource_id, urn=urn, parent=parent
        )
        with self._lock:
            self.resources.append(record)
        return record

    def _arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )

    def _state_for(
        self, typ: str, physical: str, inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        builders: dict[str, Callable[[], tuple[str, dict[str, Any]]]] = {
            "aws:iam/role:Role": lambda: (
                physical,
                {
                    "name": physical,
                    "arn": self._arn("iam", f"role/{physical}", region=False),
                    "uniqueId": "AROA" + _suffix(physical).upper(),
                },
            ),
            "aws:iam/rolePolicy:RolePolicy": lambda: (
                f"{inputs.get('role', 'role')}:{physical}",
                {"name": physical},
            ),
            "aws:iam/policy:Policy": lambda: (
                self._arn("iam", f"policy/{physical}", region=False),
                {
                    "name": physical,
                    "arn": self._arn("iam", f"policy/{physical}", region=False),
                    "policyId": "ANPA" + _suffix(physical).upper(),
                },
            ),
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": lambda: (
                f"{inputs.get('role', 'role')}-{_suffix(physical)}",
                {},
            ),
            "aws:cloudwatch/logGroup:LogGroup": lambda: self._log_group(physical, inputs),
            "aws:sfn/stateMachine:StateMachine": lambda: self._state_machine(physical),
            "aws:lambda/function:Function": lambda: self._function(physical, inputs),
            "aws:lambda/alias:Alias": lambda: self._alias(physical, inputs),
            "aws:dynamodb/table:Table": lambda: (
                physical,
                {
                    "name": physical,
                    "arn": self._arn("dynamodb", f"table/{physical}"),
                    "streamArn": "",
                },
            ),
            "aws:sqs/queue:Queue": lambda: (
                f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{physical}",
                {
                    "name": physical,
                    "arn": self._arn("sqs", physical),
                    "url": f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{physical}",
                },
            ),
            "aws:cloudwatch/eventRule:EventRule": lambda: (
                f"default|{physical}" if inputs.get("eventBusName") else physical,
                {"name": physical, "arn": self._arn("events", f"rule/{physical}")},
            ),
            "aws:cloudwatch/metricAlarm:MetricAlarm": lambda: (
                physical,
                {"name": physical, "arn": self._arn("cloudwatch", f"alarm:{physical}")},
            ),
            "aws:lambda/functionUrl:FunctionUrl": lambda: self._function_url(inputs),
            "aws:secretsmanager/secret:Secret": lambda: (
                self._arn("secretsmanager", f"secret:{physical}-AbCdEf"),
                {"name": physical, "arn": self._arn("secretsmanager", f"secret:{physical}-AbCdEf")},
            ),
        }
        builder = builders.get(typ)
        if builder is None:
            return f"{physical}-id", {}
        return builder()

    def _function_url(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        function = str(inputs.get("functionName", "function"))
        url_id = hashlib.sha256(function.encode()).hexdigest()[:32]
        return function, {
            "functionUrl": f"https://{url_id}.lambda-url.{self.region}.on.aws/",
            "functionArn": self._arn("lambda", f"function:{function}"),
            "urlId": url_id,
        }

    def _log_group(self, physical: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name = inputs.get("name") or (inputs.get("namePrefix", "") + _suffix(physical))
        return name, {"name": name, "arn": self._arn("logs", f"log-group:{name}")}

    def _state_machine(self, physical: str) -> tuple[str, dict[str, Any]]:
        arn = self._arn("states", f"stateMachine:{physical}")
        return arn, {
            "name": physical,
            "arn": arn,
            "stateMachineVersionArn": "",
            "status": "ACTIVE",
            "creationDate": "2026-01-01T00:00:00Z",
        }

    def _function(self, physical: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        arn = self._arn("lambda", f"function:{physical}")
        version = "1" if inputs.get("publish") else "$LATEST"
        return physical, {
            "name": physical,
            "arn": arn,
            "invokeArn": f"arn:{self.partition}:apigateway:{self.region}:lambda:path/"
            f"2015-03-31/functions/{arn}/invocations",
            "qualifiedArn": f"{arn}:{version}",
            "version": version,
            "lastModified": "2026-01-01T00:00:00.000+0000",
            "sourceCodeHash": "mock",
        }

    def _alias(self, physical: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        function = str(inputs.get("functionName", "function"))
        fn_arn = (
            function if function.startswith("arn:") else self._arn("lambda", f"function:{function}")
        )
        name = inputs.get("name", physical)
        return f"{fn_arn}:{name}", {"arn": f"{fn_arn}:{name}", "name": name}


def _suffix(name: str) -> str:
    # Deterministic stand-in for Pulumi's random auto-name suffix.
    return hashlib.sha256(name.encode()).hexdigest()[:7]


def _physical_name(logical: str, inputs: dict[str, Any]) -> str:
    """The name AWS would know the resource by: explicit ``name`` or an auto-name."""
    explicit = inputs.get("name")
    if isinstance(explicit, str) and explicit:
        return explicit
    return re.sub(r"[^A-Za-z0-9-]", "-", f"{logical}-{_suffix(logical)}")[:64]


def run_program(
    program: Callable[[], Any],
    mocks: DmsWaitersMocks | None = None,
    *,
    project: str = "project",
    stack: str = "stack",
    monitor: MockMonitor | None = None,
) -> DmsWaitersMocks:
    """Run ``program`` under ``mocks`` (new ones by default) until every resource is registered.

    ``program`` builds resources like a Pulumi program's ``__main__``. If it returns a value
    (an ``Output``, or anything ``Output.from_input`` accepts), that value is awaited too, so
    assertions written inside ``apply`` callbacks run before ``run_program`` returns.

    Returns the mocks, whose ``created()`` lists the resources. An exception raised while the
    program builds its resources (bad arguments, for example), inside an ``apply`` or by the
    mocks propagates, after the registrations already started have finished.

    Each call is one deployment, run by Pulumi's own test runner (``pulumi.runtime.test``,
    which waits for every outstanding RPC and ``Output``):

    * in a copy of the caller's ``contextvars`` context, starting from reset Pulumi settings and
      a new root stack resource: no settings carry over between calls, the caller's own Pulumi
      settings (mocks it set with ``pulumi.runtime.set_mocks``, say) are left as they were, and
      configuration set with ``pulumi.runtime.set_config`` / ``set_all_config`` is visible;
    * on the calling thread's event loop (a new one if the thread has none or it is closed, as
      after ``asyncio.run``), which stays current afterwards: ``Output``s the program hands
      out stay usable, and work scheduled on them between calls (``apply``) is finished by the
      next call. The mock RPCs run on a thread pool of this call, whose threads and their event
      loops are closed before it returns, so none leaks or raises ``ResourceWarning``.

    ``monitor`` is the mock resource monitor, built for ``mocks``; by default a new
    ``RecordingMockMonitor``, so each ``CreatedResource`` has its URN and parent URN. Pass your
    own to read its ``registrations`` (the root stack and components included) afterwards.

    It blocks, so it must be called from synchronous code; inside a running event loop (an
    ``async def`` test) it raises ``RuntimeError``: use ``await asyncio.to_thread(run_program,
    program)`` there.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError(
            "run_program() blocks and cannot run inside a running event loop; from async code "
            "use `await asyncio.to_thread(run_program, program)`"
        )
    mocks = DmsWaitersMocks() if mocks is None else mocks
    loop = _thread_event_loop()
    executor = _WorkerLoopExecutor()
    loop.set_default_executor(executor)
    previous = _IDLE_EXECUTORS.pop(loop, None)
    if previous is not None:  # the pool left for work between calls: done with it now
        previous.shutdown(wait=True)
    try:
        monitor = RecordingMockMonitor(mocks) if monitor is None else monitor
        contextvars.copy_context().run(_deploy, program, mocks, monitor, project, stack)
        _finish_pending_tasks(loop)
    finally:
        # A fresh pool (its threads start only if used) for work between calls, then this
        # call's pool is shut down: its threads exit and their event loops are closed.
        _IDLE_EXECUTORS[loop] = _WorkerLoopExecutor()
        loop.set_default_executor(_IDLE_EXECUTORS[loop])
        executor.shutdown(wait=True)
    return mocks


#: ``pulumi.runtime.test`` is untyped; this is its type for our one use.
_PulumiTest = Callable[[Callable[[], Any]], Callable[[], None]]


def _deploy(
    program: Callable[[], Any],
    mocks: DmsWaitersMocks,
    monitor: MockMonitor,
    project: str,
    stack: str,
) -> None:
    """``run_program``'s deployment, run in its own copy of the caller's context."""
    # Fresh settings (RPC manager, set of pending outputs) and no root stack, in this context
    # only, so pulumi.runtime.test's clean-up of them cannot touch the caller's.
    pulumi.runtime.reset_options(project=project, stack=stack, preview=False)

    def deployment() -> Any:
        # In the runner's task: the root stack set_mocks creates and every resource the program
        # creates register through the RPC manager that the runner then waits for.
        pulumi.runtime.set_mocks(
            mocks, project=project, stack=stack, preview=False, monitor=monitor
        )
        return program()

    # The runner (run_pulumi_func) awaits the program's result, every outstanding RPC and every
    # pending Output, then re-raises the program's exception if it had one.
    pulumi_test: _PulumiTest = pulumi.runtime.test
    pulumi_test(deployment)()


#: The event loops ``run_program`` has run on, each with the idle pool it left as the loop's
#: default executor. The loops are closed at interpreter exit, not before: ``Output``s handed
#: out by a run live on them.
_IDLE_EXECUTORS: dict[asyncio.AbstractEventLoop, _WorkerLoopExecutor] = {}


@atexit.register
def _close_used_loops() -> None:
    for loop, idle in list(_IDLE_EXECUTORS.items()):
        idle.shutdown(wait=True)
        if not loop.is_running() and not loop.is_closed():
            loop.close()
    _IDLE_EXECUTORS.clear()


def _thread_event_loop() -> asyncio.AbstractEventLoop:
    """The calling thread's current event loop, or a new one made current if it has none."""
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns when get_event_loop() has to create the loop itself.
            warnings.simplefilter("ignore", DeprecationWarning)
            loop: asyncio.AbstractEventLoop | None = asyncio.get_event_loop()
    except RuntimeError:  # none set (after asyncio.run, off the main thread, Python 3.14+)
        loop = None
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop


def _finish_pending_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Run the tasks still pending on ``loop`` (for example ``apply``s scheduled by the test
    between two calls) to completion, and re-raise the first exception one of them raised."""
    for _ in range(1000):
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        if not pending:
            return
        results = loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        for result in results:
            if isinstance(result, Exception):
                raise result
    raise RuntimeError("tasks kept scheduling new tasks; the program does not settle")


class _WorkerLoopExecutor(ThreadPoolExecutor):
    """Thread pool for the mock RPCs that closes its worker threads' event loops.

    Pulumi runs each mock RPC in a worker thread, where the mock monitor needs an event loop
    (``_ensure_event_loop``) and would otherwise create one that is never closed. Each worker
    gets its loop here, and ``shutdown(wait=True)`` closes them once the threads have exited.
    """

    def __init__(self) -> None:
        self._worker_loops: list[asyncio.AbstractEventLoop] = []
        self._worker_loops_lock = threading.Lock()
        super().__init__(thread_name_prefix="pulumi-mocks", initializer=self._start_worker)

    def _start_worker(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        with self._worker_loops_lock:
            self._worker_loops.append(loop)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut the pool down; when waiting, also close the workers' event loops."""
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait:
            with self._worker_loops_lock:
                loops, self._worker_loops = self._worker_loops, []
            for loop in loops:
                loop.close()
