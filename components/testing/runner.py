"""``run_program``: one deployment of a program under the mocks, on the calling thread's event
loop, with the mock RPCs on a thread pool of its own.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import threading
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor

from . import _engine as engine
from .mocks import DmsWaitersMocks
from .monitor import RecordingMockMonitor, _previous_by_urn
from .records import CreatedResource


def run_program(
    program: Callable[[], Any],
    mocks: DmsWaitersMocks | None = None,
    *,
    preview: bool = False,
    previous: DmsWaitersMocks | Iterable[CreatedResource] | None = None,
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
    mocks (a name AWS refuses) propagates, after the registrations already started have
    finished.

    ``preview=True`` runs it as ``pulumi preview`` of a new stack: outputs the provider
    computes are unknown (``apply`` callbacks on them do not run; ``UNKNOWN`` in the records),
    inputs and autonames are known. ``previous`` is the stack's state before this run (the mocks
    of an earlier ``run_program``, or resources from them): a resource continuing one of its
    resources, by URN or alias, keeps its physical name, as a ``pulumi up`` would.

    Each call is one deployment, run by Pulumi's own test runner (``pulumi.runtime.test``,
    which waits for every outstanding RPC and ``Output``):

    * in a copy of the caller's ``contextvars`` context, starting from reset Pulumi settings and
      a new root stack resource: no settings carry over between calls, the caller's own Pulumi
      settings (mocks it set with ``pulumi.runtime.set_mocks``, say) are left as they were, and
      configuration set with ``pulumi.runtime.set_config`` / ``set_all_config`` is visible
      (``aws:region`` included);
    * on the calling thread's event loop (a new one if the thread has none or it is closed, as
      after ``asyncio.run``), which stays current afterwards: ``Output``s the program hands
      out stay usable, and work scheduled on them between calls (``apply``) is finished by the
      next call. The mock RPCs run on a thread pool of this call, whose threads and their event
      loops are closed before it returns, so none leaks or raises ``ResourceWarning``.

    ``monitor`` is the mock resource monitor, built for ``mocks``; by default a new
    ``RecordingMockMonitor`` (with ``previous``). Pass your own to read its ``registrations``
    (the root stack and components included) afterwards.

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
    if monitor is None:
        monitor = RecordingMockMonitor(mocks, previous)
    elif previous is not None:
        if not isinstance(monitor, RecordingMockMonitor):
            raise TypeError("previous= needs a RecordingMockMonitor (the default monitor)")
        monitor.previous = _previous_by_urn(previous)
    loop = _thread_event_loop()
    executor = _WorkerLoopExecutor()
    loop.set_default_executor(executor)
    idle = _IDLE_EXECUTORS.pop(loop, None)
    if idle is not None:  # the pool left for work between calls: done with it now
        idle.shutdown(wait=True)
    try:
        contextvars.copy_context().run(_deploy, program, mocks, monitor, project, stack, preview)
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
    preview: bool,
) -> None:
    """``run_program``'s deployment, run in its own copy of the caller's context."""
    # Fresh settings (RPC manager, set of pending outputs) and no root stack, in this context
    # only, so pulumi.runtime.test's clean-up of them cannot touch the caller's.
    pulumi.runtime.reset_options(project=project, stack=stack, preview=preview)

    def deployment() -> Any:
        # In the runner's task: the root stack set_mocks creates and every resource the program
        # creates register through the RPC manager that the runner then waits for.
        pulumi.runtime.set_mocks(
            mocks, project=project, stack=stack, preview=preview, monitor=monitor
        )
        if isinstance(monitor, RecordingMockMonitor):
            # Transforms registered by the program are called by the monitor, in process: no
            # callback server on a local port.
            pulumi.runtime.settings.SETTINGS.callbacks = engine.InProcessCallbacks(monitor)
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
