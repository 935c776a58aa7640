"""An in-process AWS Lambda runtime for Python handlers: what moto needs Docker for, without it.

moto stores functions (code, handler, environment) but runs them only in a Docker container; the
``lambda_in_process`` patch sends every invocation here instead. ``LambdaRuntime``:

* extracts each function version's zip once (a temporary directory per runtime, one
  sub-directory per function, version and code hash) and imports the handler module from it;
* keeps each function's modules in a namespace of its own: two functions may both ship
  ``lambdas/resume.py``, and a function's ``lambdas`` package must not be the repository's
  ``lambdas`` package this process already imported (see ``_CodeVersion``);
* calls ``handler(event, context)`` with the function's environment variables applied and its
  output captured into CloudWatch Logs, and turns an exception into the error payload the
  Python runtime reports (``errorMessage``/``errorType``/``requestId``/``stackTrace``, function
  error ``Unhandled``);
* runs asynchronous invocations (``InvocationType=Event``, EventBridge targets) in background
  threads tracked by the virtual clock, retrying function errors twice on virtual time (1 then 2
  minutes later, as Lambda does) before the on-failure destination;
* runs each handler on the virtual wall clock: ``time.time()`` inside a handler is the clock's
  instant (``wall_clock``), so expiries and TTLs that handlers compute pass with virtual time;
* counts invocations per function (``invocations``) and can throttle a function on demand
  (``throttle``) to exercise callers' handling of ``TooManyRequestsException``.

Serialisation: ``os.environ``, ``sys.modules``, ``sys.path`` and ``sys.stdout`` are
process-wide, so handler runs are serialised by one re-entrant lock (a handler may invoke another
function synchronously from the same thread). Handler work takes no virtual time, so running
invocations one at a time changes real time only, never what the clock records. The cost: a
handler that blocks until another invocation completes in a different thread would deadlock;
Lambda handlers that wait on each other are a design smell on AWS too.

Not emulated: the function timeout is reported by ``get_remaining_time_in_millis`` (real time)
but not enforced (a thread cannot be killed); layers, container images and non-Python runtimes
are refused with a clear error payload; the function-level ``DeadLetterConfig`` (moto does not
store it) and destinations other than SQS are logged and skipped.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import math
import shutil
import tempfile
import threading
import time
import traceback
import types
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .. import wall_clock
from ..clock import VirtualClock
from . import app_logs
from .async_invocations import INVOCATION_SYNC, _AsyncJob
from .code import PROTECTED_MODULES, _CodeVersion, _environment, _extracted, _InitError
from .common import as_bytes
from .invocation import (
    InvocationRecord,
    InvocationResult,
    LambdaContext,
    TooManyRequestsError,
)

LOG = logging.getLogger(__name__)


class LambdaRuntime:
    """Runs deployed Python Lambda functions in this process (see the module docstring).

    ``clock``: the virtual clock background invocations are tracked on and retries are
    scheduled on (None: everything runs synchronously and retries happen at once).
    """

    def __init__(self, clock: VirtualClock | None) -> None:
        self.clock = clock
        # Serialises handler runs: the process-wide state they touch (module docstring).
        self._run_lock = threading.RLock()
        self._state_lock = threading.Lock()
        self._root = Path(tempfile.mkdtemp(prefix="localcloud-lambda-"))
        self._code: dict[tuple[str, str, str], _CodeVersion] = {}
        self._records: list[InvocationRecord] = []
        self._counts: Counter[str] = Counter()
        self._throttles: Counter[str] = Counter()
        self._closed = False
        self._uninstall_wall_clock = wall_clock.install()
        # Per thread: inside a handler run (a handler may not wait for another handler).
        self._local = threading.local()
        self._load_hooks: list[Callable[[Mapping[str, types.ModuleType]], None]] = []

    def close(self) -> None:
        """Forget loaded code and delete this runtime's directory (extracted packages are
        shared by the process, see ``_extracted``)."""
        with self._run_lock:
            if not self._closed:
                self._uninstall_wall_clock()
            self._closed = True
            self._code.clear()
            shutil.rmtree(self._root, ignore_errors=True)

    # -- accounting ------------------------------------------------------------------------------

    def invocations(self, function_name: str | None = None) -> int:
        """Handler runs of ``function_name`` (every function when None), retries included."""
        with self._state_lock:
            if function_name is None:
                return sum(self._counts.values())
            return self._counts[function_name]

    def invocation_counts(self) -> dict[str, int]:
        """Handler runs per function name."""
        with self._state_lock:
            return dict(self._counts)

    @property
    def records(self) -> list[InvocationRecord]:
        """Every handler run, in order."""
        with self._state_lock:
            return list(self._records)

    def throttle(self, function_name: str, times: int = 1) -> None:
        """Make the next ``times`` invoke requests for ``function_name`` fail with throttling.

        Affects every caller: boto3 ``invoke`` (``TooManyRequestsException``), Step Functions
        (``Lambda.TooManyRequestsException``), EventBridge targets (``THROTTLING``, retried by
        the target's RetryPolicy).
        """
        if times < 0:
            raise ValueError("times must be >= 0")
        with self._state_lock:
            self._throttles[function_name] = times

    def in_handler(self) -> bool:
        """True in a thread that is running a handler (its invocation holds the run lock)."""
        return bool(getattr(self._local, "depth", 0))

    def add_load_hook(self, hook: Callable[[Mapping[str, types.ModuleType]], None]) -> None:
        """Call ``hook(modules)`` whenever a function version's code has been imported, with
        the modules it imported by name (before its first invocation runs)."""
        self._load_hooks.append(hook)

    def admit(self, fn: Any) -> None:
        """Accept an invoke request for ``fn`` or raise ``TooManyRequestsError`` (``throttle``)."""
        with self._state_lock:
            if self._throttles[fn.function_name] > 0:
                self._throttles[fn.function_name] -= 1
                raise TooManyRequestsError()

    # -- running ---------------------------------------------------------------------------------

    def run(
        self, fn: Any, payload: bytes | str | None, invocation_type: str = INVOCATION_SYNC
    ) -> InvocationResult:
        """Run ``fn``'s handler once on ``payload`` (JSON) and return what Invoke would."""
        request_id = str(uuid.uuid4())
        version = str(fn.version)
        at = self.clock.now() if self.clock is not None else None
        stamp = self.clock.now_datetime() if self.clock is not None else None
        day = stamp.strftime("%Y/%m/%d") if stamp is not None else time.strftime("%Y/%m/%d")
        stream = f"{day}/[{version}]{uuid.uuid4().hex}"
        output = io.StringIO()
        started = time.monotonic()
        with self._run_lock:
            if self._closed:
                raise RuntimeError("the Lambda runtime is closed (its LocalCloud has exited)")
            context = LambdaContext(
                function_name=fn.function_name,
                function_version=version,
                invoked_function_arn=fn.function_arn,
                memory_limit_in_mb=int(fn.memory_size),
                aws_request_id=request_id,
                log_group_name=fn.logs_group_name,
                log_stream_name=stream,
                timeout_seconds=float(fn.timeout),
            )
            self._local.depth = getattr(self._local, "depth", 0) + 1
            try:
                with self._count(fn, request_id, invocation_type, at) as outcome:
                    body, error = self._call(fn, payload, context, output)
                    outcome["error_type"] = _error_type(body) if error else None
            finally:
                self._local.depth -= 1
        duration_ms = (time.monotonic() - started) * 1000
        logs = self._log_lines(request_id, version, output.getvalue(), duration_ms, fn)
        self._save_logs(fn, stream, logs)
        return InvocationResult(body, error, logs, request_id, version)

    @contextlib.contextmanager
    def _count(
        self, fn: Any, request_id: str, invocation_type: str, at: float | None
    ) -> Iterator[dict[str, str | None]]:
        outcome: dict[str, str | None] = {"error_type": None}
        try:
            yield outcome
        finally:
            with self._state_lock:
                self._counts[fn.function_name] += 1
                self._records.append(
                    InvocationRecord(
                        fn.function_name,
                        str(fn.version),
                        request_id,
                        invocation_type,
                        at,
                        outcome["error_type"],
                    )
                )

    def _call(
        self, fn: Any, payload: bytes | str | None, context: LambdaContext, output: io.StringIO
    ) -> tuple[bytes, str | None]:
        """Run the handler; return (response or error payload, function error)."""
        try:
            code = self._load(fn)
            event = _parse_event(payload)
        except _InitError as exc:
            return _error_payload(exc.error_type, str(exc), context.aws_request_id, []), "Unhandled"
        assert code.handler is not None  # _load guarantees it
        environment = self._variables(fn, context, code.directory)
        _reuse_default_session()
        try:
            with (
                code.installed(),
                _environment(environment),
                wall_clock.virtual_wall_clock(self.clock),
                contextlib.redirect_stdout(output),
                contextlib.redirect_stderr(output),
                app_logs.application_logging(fn, context.aws_request_id, output),
            ):
                result = code.handler(event, context)
        except (Exception, SystemExit) as exc:
            # The AWS Python runtime's error payload, with the user code's frames only.
            frames = traceback.extract_tb(exc.__traceback__)[1:]
            stack = [
                line.replace(str(code.directory), "/var/task")
                for line in traceback.format_list(frames)
            ]
            message = str(exc)
            error_type = type(exc).__name__
            if isinstance(exc, SystemExit):
                error_type, message = "Runtime.ExitError", f"RequestId: {context.aws_request_id}"
            output.write(f"[ERROR] {error_type}: {message}\n")
            return _error_payload(error_type, message, context.aws_request_id, stack), "Unhandled"
        try:
            return json.dumps(result).encode("utf-8"), None
        except (TypeError, ValueError) as exc:
            message = f"Unable to marshal response: {exc}"
            return _error_payload(
                "Runtime.MarshalError", message, context.aws_request_id, []
            ), "Unhandled"

    def _load(self, fn: Any) -> _CodeVersion:
        """The function version's code, extracted and its handler imported (cached)."""
        runtime = str(fn.run_time or "")
        if getattr(fn, "package_type", "Zip") != "Zip" or not runtime.startswith("python"):
            raise _InitError(
                "LocalCloud.UnsupportedRuntime",
                f"the local cloud runs Python zip functions only, not {runtime or 'an image'} "
                f"({fn.function_name})",
            )
        key = (fn.function_arn, str(fn.version), str(fn.code_sha_256))
        code = self._code.get(key)
        if code is not None and code.handler is not None:
            return code
        if code is None:
            code = self._extract(fn)
            self._code[key] = code
        code.handler = self._import_handler(code, str(fn.handler or ""))
        for hook in self._load_hooks:
            hook(dict(code.modules))
        return code

    def _extract(self, fn: Any) -> _CodeVersion:
        code_bytes = getattr(fn, "code_bytes", b"") or b""
        directory, names = _extracted(code_bytes)
        tops: set[str] = set()
        for member in names:
            first, sep, _ = member.partition("/")
            if sep:
                tops.add(first)
            elif first.endswith(".py"):
                tops.add(first[:-3])
        return _CodeVersion(directory=directory, top_names=frozenset(tops - PROTECTED_MODULES))

    @staticmethod
    def _import_handler(code: _CodeVersion, handler: str) -> Callable[[Any, LambdaContext], Any]:
        module_path, dot, function_name = handler.rpartition(".")
        if not dot or not module_path or not function_name:
            raise _InitError(
                "Runtime.MalformedHandlerName",
                f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)",
            )
        module_name = module_path.replace("/", ".")
        importlib.invalidate_caches()  # the directory was just created
        try:
            with code.installed():
                module = importlib.import_module(module_name)
        except SyntaxError as exc:
            code.modules.clear()  # AWS re-runs the init on the next invocation
            raise _InitError(
                "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}"
            ) from exc
        except Exception as exc:
            code.modules.clear()
            raise _InitError(
                "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
            ) from exc
        target = getattr(module, function_name, None)
        if not callable(target):
            raise _InitError(
                "Runtime.HandlerNotFound",
                f"Handler '{function_name}' missing on module '{module_name}'",
            )
        handler_fn: Callable[[Any, LambdaContext], Any] = target
        return handler_fn

    def _variables(self, fn: Any, context: LambdaContext, directory: Path) -> dict[str, str]:
        """The environment a handler sees: Lambda's reserved variables, then the function's.

        Credentials are left alone: the local cloud's dummy keys keep every SDK call in moto.
        """
        values = {
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": context.function_version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(context.memory_limit_in_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": context.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": context.log_stream_name,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "LAMBDA_TASK_ROOT": str(directory),
            "_HANDLER": str(fn.handler),
        }
        values.update(app_logs.environment(fn))
        values.update({str(k): str(v) for k, v in (fn.environment_vars or {}).items()})
        return values

    @staticmethod
    def _log_lines(request_id: str, version: str, output: str, duration_ms: float, fn: Any) -> str:
        lines = [f"START RequestId: {request_id} Version: {version}"]
        lines.extend(output.splitlines())
        lines.append(f"END RequestId: {request_id}")
        lines.append(
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\t"
            f"Memory Size: {fn.memory_size} MB\tMax Memory Used: {fn.memory_size} MB"
        )
        return "\n".join(lines) + "\n"

    def _save_logs(self, fn: Any, stream: str, logs: str) -> None:
        # CloudWatch Logs, as AWS writes them: one stream per execution environment (here per
        # invocation). Stamped with the real time: moto, like AWS, drops events more than 14
        # days older than the real "now", and the virtual epoch is a fixed date.
        backend = getattr(fn, "logs_backend", None)
        if backend is None:
            return
        millis = int(wall_clock.real_time() * 1000)
        try:
            backend.ensure_log_group(fn.logs_group_name)
            backend.create_log_stream(fn.logs_group_name, stream)
            backend.put_log_events(
                fn.logs_group_name,
                stream,
                [{"timestamp": millis, "message": line} for line in logs.splitlines()],
            )
        except Exception:  # logging must never fail an invocation
            LOG.debug("could not write Lambda logs for %s", fn.function_name, exc_info=True)

    # -- asynchronous invocations ----------------------------------------------------------------

    def invoke_async(self, fn: Any, payload: bytes | str | None) -> None:
        """Queue an asynchronous invocation of ``fn`` (``InvocationType=Event``).

        The first attempt starts now in a background thread; a function error is retried
        ``MaximumRetryAttempts`` times (EventInvokeConfig, default 2) after 1 and then 2
        virtual minutes, unless the event gets older than ``MaximumEventAgeInSeconds``; then
        the invocation record goes to the OnFailure destination, if one is configured (SQS).
        """
        job = _AsyncJob(self, fn, as_bytes(payload), self._now())
        job.schedule(0.0)

    def _now(self) -> float:
        return self.clock.now() if self.clock is not None else time.monotonic()


_SESSION: Any = None


def _reuse_default_session() -> None:
    """Give handlers' ``boto3.client(...)`` calls one default session for the whole process.

    moto discards ``boto3.DEFAULT_SESSION`` whenever a mock starts, and the first client on a
    fresh session loads botocore's endpoint data again: about 0.2 s per handler per cloud, the
    bulk of a test's real time. The session holds no state of its own here (the credentials are
    the local cloud's dummy keys, the region is read from the environment per client).
    """
    global _SESSION
    import boto3  # type: ignore[import-untyped]

    if boto3.DEFAULT_SESSION is None:
        if _SESSION is None:
            _SESSION = boto3.Session()
        boto3.DEFAULT_SESSION = _SESSION


def _parse_event(payload: bytes | str | None) -> Any:
    data = as_bytes(payload)
    if not data.strip():
        return {}
    try:
        return json.loads(data)
    except ValueError as exc:
        # AWS rejects a non-JSON payload before running anything (InvalidRequestContentException);
        # callers going through moto never get here with one.
        raise _InitError("Runtime.InvalidPayload", f"Could not parse request body: {exc}") from exc


def _error_payload(error_type: str, message: str, request_id: str, stack: list[str]) -> bytes:
    return json.dumps(
        {
            "errorMessage": message,
            "errorType": error_type,
            "requestId": request_id,
            "stackTrace": stack,
        }
    ).encode("utf-8")


def _error_type(payload: bytes) -> str | None:
    try:
        value = json.loads(payload).get("errorType")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None
