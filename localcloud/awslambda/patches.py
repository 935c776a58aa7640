"""Lambda in moto, adapted: handlers run in this process, durable functions are durable."""

from __future__ import annotations

import functools
import inspect
import json
import threading
from typing import Any
from urllib.parse import unquote

from moto.awslambda import models as lambda_models
from moto.awslambda import responses as lambda_responses
from moto.core.models import botocore_stubber

from ..active import ACTIVE, active_durable
from ..patching import Patcher, patch
from . import app_logs
from .async_invocations import INVOCATION_ASYNC


def header(headers: Any, name: str) -> str | None:
    """A request header by name, whatever mapping moto passes (case-insensitive or plain)."""
    if not headers:
        return None
    for key in (name, name.title(), name.lower()):
        value = headers.get(key)
        if value is not None:
            return str(value)
    lowered = name.lower()
    for key, value in dict(headers).items():
        if str(key).lower() == lowered:
            return str(value)
    return None


@patch("lambda")
def lambda_in_process(p: Patcher) -> None:
    """Run Lambda functions' Python handlers in this process instead of in Docker.

    AWS: Invoke runs the function's handler with its environment and a context object;
    ``InvocationType=Event`` queues the event and answers 202 (Lambda retries a function
    error twice, 1 then 2 minutes later); an exception comes back as an error payload
    (``errorMessage``/``errorType``/``requestId``/``stackTrace``) with the header
    ``X-Amz-Function-Error: Unhandled``, which Step Functions turns into the error name
    ``errorType`` (so a Catch on ``ValueError`` works); a throttled request is
    ``TooManyRequestsException`` (HTTP 429).
    moto: ``LambdaFunction._invoke_lambda`` runs the code in a Docker container, and without
    Docker returns "error running docker" as a ``Handled`` error; ``invoke`` runs every
    invocation type synchronously.
    Patch: ``_invoke_lambda`` (moto's one Docker-specific method, still used by its internal
    callers) and ``invoke`` hand the function to the active ``LambdaRuntime``
    (``localcloud.awslambda.runtime``): the zip is extracted once per version and code hash, the
    handler imported in its own module namespace and called with the function's environment
    (runs serialised: os.environ is process-wide), errors reported as AWS does (``Unhandled``),
    ``Event`` invocations queued as tracked background work with Lambda's retries on the
    virtual clock, ``DryRun`` not run, ``LogType=Tail`` honoured, every run counted.
    """
    cls = lambda_models.LambdaFunction
    original_run = cls._invoke_lambda
    original_invoke = cls.invoke

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        runtime = ACTIVE.lambda_runtime
        if runtime is None:
            result: tuple[str, bool, str] = original_run(self, event)
            return result
        payload = event if isinstance(event, str | bytes) else json.dumps(event or {})
        outcome = runtime.run(self, payload)
        return outcome.payload.decode("utf-8"), outcome.function_error is not None, outcome.logs

    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        runtime = ACTIVE.lambda_runtime
        if runtime is None:
            return original_invoke(self, body, request_headers, response_headers)
        invocation_type = header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return b""
        runtime.admit(self)  # TooManyRequestsException while throttled
        if invocation_type == INVOCATION_ASYNC:
            runtime.invoke_async(self, body)
            return b""
        outcome = runtime.run(self, body)
        response_headers["x-amz-executed-version"] = outcome.executed_version
        if outcome.function_error is not None:
            response_headers["x-amz-function-error"] = outcome.function_error
        if header(request_headers, "X-Amz-Log-Type") == "Tail":
            response_headers["x-amz-log-result"] = outcome.tail()
        return outcome.payload

    p.replace(cls, "_invoke_lambda", _invoke_lambda)
    p.replace(cls, "invoke", invoke)


@patch("lambda")
def lambda_kept_config(p: Patcher) -> None:
    """Keep a function's ``DurableConfig`` (durable mode) and ``LoggingConfig``, and report them.

    AWS: ``CreateFunction(DurableConfig={ExecutionTimeout, RetentionPeriodInDays})`` makes a
    durable function (only at creation); ``GetFunction``/``GetFunctionConfiguration`` return the
    ``DurableConfig``; its versions are durable too.
    ``UpdateFunctionConfiguration(DurableConfig=...)`` changes its fields (not durable mode).
    ``LoggingConfig`` (``LogFormat``, ``ApplicationLogLevel``, ``SystemLogLevel``,
    ``LogGroup``) is kept on create and update and always reported, with its defaults (Text,
    ``/aws/lambda/<name>``; INFO levels with JSON): the function logs to that group in that
    format (``app_logs``).
    moto: ignores both parameters (its request spec still carries them), in both calls, and
    logs to ``/aws/lambda/<name>``.
    Patch: ``LambdaFunction.__init__`` keeps ``spec["DurableConfig"]`` as ``durable_config`` and
    ``spec["LoggingConfig"]`` as ``logging_config`` (its ``LogGroup`` as moto's
    ``logs_group_name``); published versions are copies of the object, so they keep them;
    ``update_configuration`` replaces them (new dicts: versions already published keep
    theirs), ``get_configuration`` reports them.
    ``lambda_durable_invocations`` and ``lambda_durable_api`` act on functions that have a
    ``DurableConfig``; the runtime logs as the ``LoggingConfig`` says.
    """
    cls = lambda_models.LambdaFunction
    init_original = cls.__init__
    config_original = cls.get_configuration
    update_original = cls.update_configuration

    @functools.wraps(init_original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807 - the method's name
        init_original(self, *args, **kwargs)
        spec = kwargs.get("spec", args[1] if len(args) > 1 else None)
        spec = spec if isinstance(spec, dict) else {}
        config = spec.get("DurableConfig")
        self.durable_config = dict(config) if isinstance(config, dict) else None
        requested = spec.get("LoggingConfig")
        self.logging_config = app_logs.logging_config(
            str(self.function_name), requested if isinstance(requested, dict) else None
        )
        self.logs_group_name = self.logging_config["LogGroup"]

    @functools.wraps(config_original)
    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config: dict[str, Any] = config_original(self, *args, **kwargs)
        durable = getattr(self, "durable_config", None)
        if durable:
            config["DurableConfig"] = dict(durable)
        config["LoggingConfig"] = app_logs.of(self)
        return config

    @functools.wraps(update_original)
    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        durable = config_updates.get("DurableConfig")
        if isinstance(durable, dict) and getattr(self, "durable_config", None):
            self.durable_config = {**self.durable_config, **durable}
        logging_update = config_updates.get("LoggingConfig")
        if isinstance(logging_update, dict):
            self.logging_config = app_logs.logging_config(
                str(self.function_name), logging_update, app_logs.of(self)
            )
            self.logs_group_name = self.logging_config["LogGroup"]
        result: dict[str, Any] = update_original(self, config_updates)
        return result

    p.require("spec" in inspect.signature(init_original).parameters, "LambdaFunction has no spec")
    p.replace(cls, "__init__", __init__)
    p.replace(cls, "get_configuration", get_configuration)
    p.replace(cls, "update_configuration", update_configuration)


@patch("lambda")
def lambda_durable_invocations(p: Patcher) -> None:
    """Start a durable execution when a durable function is invoked.

    AWS: invoking a durable function's version or alias starts a durable execution (its ARN in
    ``X-Amz-Durable-Execution-Arn``): ``Event`` answers 202 at once, ``RequestResponse`` waits
    for the execution to end (15 minutes at most) and returns its result;
    ``DurableExecutionName`` makes the start idempotent (same name and payload: nothing new;
    another payload: ``DurableExecutionAlreadyStartedException``). Each step of the execution
    then re-invokes the handler with a durable invocation input, never the caller's payload.
    moto: runs the handler once, as a plain function, with the caller's payload.
    Patch: ``LambdaFunction.invoke`` (wrapping ``lambda_in_process``) hands an invocation of a
    function with a ``DurableConfig`` to the cloud's ``durable.DurableFunctions``: the
    official testing SDK's executor on the virtual clock, invoking the handler through the
    Lambda runtime. An unqualified invocation (no version, alias or ``$LATEST``) is refused,
    ``$LATEST`` named explicitly (``Qualifier=$LATEST`` or ``name:$LATEST``) is accepted, as
    AWS's durable functions documentation says (docs/aws-facts.md). moto resolves both to the
    ``$LATEST`` function (and reads the ``Qualifier`` parameter as ``qualifier``, so never
    finds it), so ``LambdaResponse.invoke`` notes, for the invocation it makes in this thread,
    whether the request named a version, an alias or ``$LATEST``.
    Throttling (``LambdaRuntime.throttle``) and ``DryRun`` apply as for any function.
    """
    cls = lambda_models.LambdaFunction
    inner = cls.invoke  # the in-process runtime's (lambda_in_process must be installed)
    responses_cls = lambda_responses.LambdaResponse
    invoke_response = responses_cls.invoke
    request = threading.local()

    @functools.wraps(invoke_response)
    def invoke_request(self: Any) -> Any:
        # moto reads the qualifier as "qualifier" and finds none: read "Qualifier" here.
        function_name = unquote(self.path.rsplit("/", 2)[-2])
        request.qualified = bool(self._get_param("Qualifier")) or is_qualified(function_name)
        try:
            return invoke_response(self)
        finally:
            request.qualified = None

    @functools.wraps(inner)
    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        runtime = ACTIVE.lambda_runtime
        if runtime is None or not getattr(self, "durable_config", None):
            return inner(self, body, request_headers, response_headers)
        invocation_type = header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return b""
        runtime.admit(self)
        service = active_durable()
        assert service is not None  # a runtime is active, so is a clock
        name = header(request_headers, "X-Amz-Durable-Execution-Name")
        qualified = getattr(request, "qualified", None)
        return service.invoke(
            self, body, invocation_type, name, response_headers, qualified=qualified
        )

    p.require(
        list(inspect.signature(invoke_response).parameters) == ["self"],
        "LambdaResponse.invoke's parameters changed",
    )
    p.replace(responses_cls, "invoke", invoke_request)
    p.replace(cls, "invoke", invoke)


def is_qualified(function_name: str) -> bool:
    """True when ``function_name`` (a name, partial ARN or ARN) names a version or alias."""
    parts = function_name.split(":")
    if function_name.startswith("arn:"):
        return len(parts) == 8
    if len(parts) > 1 and parts[1] == "function":
        return len(parts) == 4
    return len(parts) == 2


@patch("lambda")
def lambda_durable_api(p: Patcher) -> None:
    """Answer the durable execution APIs (checkpoints, state, callbacks) from the local service.

    AWS: a durable function's SDK calls ``CheckpointDurableExecution`` and
    ``GetDurableExecutionState`` while it runs; whoever completes a callback calls
    ``SendDurableExecutionCallback{Success,Failure,Heartbeat}`` (a closed or expired callback:
    ``CallbackTimeoutException``; an unknown id: ``ResourceNotFoundException``);
    ``GetDurableExecution``/``GetDurableExecutionHistory``/``StopDurableExecution`` manage
    executions.
    moto: knows none of these operations (its URL table answers 404 "Not yet implemented").
    Patch: ``BotocoreStubber.__call__`` answers the ``lambda`` operations whose name contains
    ``DurableExecution`` from the cloud's ``durable.DurableFunctions`` (the testing SDK's own
    HTTP handlers, so requests and answers have the API's wire shapes), before moto's URL
    matching; every other request goes on as before (and is still counted by
    ``api_call_metrics``, which wraps this).
    """
    stubber_cls = type(botocore_stubber)
    inner = stubber_cls.__call__

    @functools.wraps(inner)
    def call(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        parts = event_name.split(".")
        if (
            self.enabled
            and len(parts) >= 3
            and parts[1] == "lambda"
            and "DurableExecution" in parts[2]
            and ACTIVE.lambda_runtime is not None
        ):
            from botocore.awsrequest import AWSResponse  # type: ignore[import-untyped]
            from moto.core.botocore_stubber import MockRawResponse

            service = active_durable()
            assert service is not None
            status, headers, body = service.handle_request(
                request.method, request.url, request.body
            )
            return AWSResponse(request.url, status, headers, MockRawResponse(body))
        return inner(self, event_name, request, **kwargs)

    p.replace(stubber_cls, "__call__", call)
