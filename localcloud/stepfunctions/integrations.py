"""Step Functions service integrations: the DMS SDK integration, results as AWS renders them,
SendTaskFailure's cause, and the interpreter's per-call costs cached."""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import sys
import threading
from typing import Any

from moto.core.models import botocore_stubber
from moto.core.responses import EmptyResult
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service,
    state_task_service_aws_sdk,
)
from moto.stepfunctions.parser.asl.utils import boto_client as sfn_boto_client
from moto.stepfunctions.parser.asl.utils import json_path

from dms_waiters.definitions.errors import java_exception_name

from ..active import ACTIVE, guard_client
from ..patching import Patcher, patch

# boto3 clients of the executions' service integrations, kept across clouds (see
# cached_sdk_clients); each is guarded so it can never reach the network.
_SDK_CLIENTS: dict[tuple[str, str], Any] = {}
_SDK_CLIENTS_LOCK = threading.Lock()


@patch("stepfunctions")
def databasemigration_sdk_integration(p: Patcher) -> None:
    """Let ``arn:aws:states:::aws-sdk:databasemigration:*`` tasks reach moto's DMS backend,
    failing with the error names AWS reports.

    AWS: Step Functions names the DMS SDK integration ``databasemigration`` and its errors
    ``DatabaseMigration.<AWS SDK for Java 2.x exception class>``: a modelled ``...Fault`` shape
    becomes ``...Exception`` (``DatabaseMigration.ResourceNotFoundException``), an unmodelled
    error the base class ``DatabaseMigration.DatabaseMigrationException`` (docs/aws-facts.md).
    moto: maps SFN service names to boto3 names through a small override table that lacks
    ``databasemigration`` (boto3 calls it ``dms``), so the task fails with "Unknown service";
    error prefixes come from another table and would fall back to the raw "databasemigration";
    a modelled error is named after botocore's class plus "Exception"
    (``ResourceNotFoundFaultException``), which no AWS error is called.
    Patch: add ``databasemigration -> dms`` and ``databasemigration -> DatabaseMigration``, and
    name modelled errors by the Java SDK's rule (``sfn_errors.java_exception_name``); unmodelled
    ones keep moto's ``<Service>.<Service>Exception``, which is AWS's.
    """

    def normalise_exception_name(norm_service_name: str, ex: Exception) -> str:
        name = type(ex).__name__
        if name == "ClientError":
            return f"{norm_service_name}.{norm_service_name}Exception"
        return f"{norm_service_name}.{java_exception_name(name)}"

    p.set_items(
        state_task_service.StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES,
        {"databasemigration": "dms"},
    )
    p.set_items(
        state_task_service_aws_sdk._SERVICE_ERROR_NAMES, {"databasemigration": "DatabaseMigration"}
    )
    p.replace(
        state_task_service_aws_sdk.StateTaskServiceAwsSdk,
        "_normalise_exception_name",
        staticmethod(normalise_exception_name),
    )


def aws_timestamp(value: _dt.datetime | _dt.date) -> str:
    """Render a timestamp as Step Functions does in aws-sdk task results.

    ISO-8601 in UTC with a ``Z`` and the fraction only when non-zero, like Java's
    ``Instant.toString()`` (the SDK behind Step Functions): ``2026-01-01T00:05:00Z``,
    ``2026-01-01T00:05:00.250Z``.
    """
    if not isinstance(value, _dt.datetime):
        return value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.UTC)
    value = value.astimezone(_dt.UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        frac = f"{value.microsecond:06d}"
        text += "." + (frac[:3] if frac.endswith("000") else frac)
    return text + "Z"


def _render_timestamps(value: Any) -> Any:
    if isinstance(value, _dt.datetime | _dt.date):
        return aws_timestamp(value)
    if isinstance(value, dict):
        return {k: _render_timestamps(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_timestamps(v) for v in value]
    return value


@patch("stepfunctions")
def aws_sdk_timestamps(p: Patcher) -> None:
    """Render timestamps in aws-sdk task results as strings, as AWS does.

    AWS: aws-sdk integration results are JSON; timestamps arrive as ISO-8601 strings.
    moto: returns boto3's parsed response, so ``StartDate``/``StopDate`` and the dates inside
    ``ReplicationTaskStats`` stay Python datetimes in the state; ``describe_execution`` and
    ``get_execution_history`` later fail with "Object of type datetime is not JSON
    serializable".
    Patch: after ``StateTaskServiceAwsSdk._eval_service_task`` replace every datetime in the
    result with ``aws_timestamp(...)``.
    """
    cls = state_task_service_aws_sdk.StateTaskServiceAwsSdk
    original = cls._eval_service_task

    def _eval_service_task(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        original(self, env, *args, **kwargs)
        if env.stack:
            env.stack[-1] = _render_timestamps(env.stack[-1])

    p.replace(cls, "_eval_service_task", _eval_service_task)


@patch("stepfunctions")
def cached_sdk_clients(p: Patcher) -> None:
    """Reuse one boto3 client per (region, service) for the executions' service integrations.

    AWS: irrelevant (a service-side detail); each task call costs one API request.
    moto: ``boto_client_for`` builds a new boto3 client for every Task state call (tens of
    milliseconds each: loading the service model, the endpoint resolver), which dominates the
    real time of a long poll loop. It always uses the same dummy credentials, so the clients are
    interchangeable.
    Patch: every moto module that imported ``boto_client_for`` gets a caching wrapper while a
    cloud is active. The clients are built while moto intercepts (no endpoint override) and
    guarded (``guard_client``), so reusing one in a later cloud is safe and using one outside
    any cloud raises instead of reaching AWS.
    """
    original = sfn_boto_client.boto_client_for

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if ACTIVE.clock is None or not botocore_stubber.enabled:
            return original(region=region, service=service, state_credentials=state_credentials)
        with _SDK_CLIENTS_LOCK:
            key = (region, service)
            client = _SDK_CLIENTS.get(key)
            if client is None:
                client = guard_client(
                    original(region=region, service=service, state_credentials=state_credentials)
                )
                _SDK_CLIENTS[key] = client
            return client

    modules = [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("moto.stepfunctions.parser")
        and getattr(module, "boto_client_for", None) is original
    ]
    p.require(
        state_task_service_aws_sdk in modules,
        "the aws-sdk integration no longer calls boto_client_for",
    )
    for module in modules:
        p.replace(module, "boto_client_for", boto_client_for)


@patch("stepfunctions")
def cached_jsonpath_parsing(p: Patcher) -> None:
    """Parse each JSONPath expression once instead of at every evaluation.

    AWS: irrelevant (an interpreter detail).
    moto: every path evaluation calls ``jsonpath_ng``'s ``parse``, which rebuilds its PLY
    lexer and parser tables each time (about 2 ms): most of the real time of a poll loop.
    Patch: the ``parse`` moto's JSONPath helpers imported is memoised (the parsed expressions
    are only read by ``find`` and ``update_or_create``, never changed).
    """
    for module in (json_path, result_path):
        p.replace(module, "parse", functools.lru_cache(maxsize=4096)(module.parse))


@patch("stepfunctions")
def send_task_failure_cause(p: Patcher) -> None:
    """Pass ``cause`` of SendTaskFailure on to the waiting task.

    AWS: SendTaskFailure(taskToken, error, cause) fails the waiting task with both: the
    ``TaskFailed`` event carries error and cause, a Catch sees ``{"Error", "Cause"}``, and an
    uncaught failure (or a Fail state's ``CausePath``) puts the cause in ``ExecutionFailed`` and
    DescribeExecution's ``cause``.
    moto: ``StepFunctionResponse.send_task_failure`` reads only ``taskToken`` and ``error`` and
    calls the backend without the cause, although the execution-running backend
    (``stepfunctions.parser``) accepts and records one; a failed callback shows cause None.
    Patch: the response handler also reads ``cause`` and passes it to the backend when the
    backend takes one (the plain, non-executing backend has no ``cause`` parameter).
    """

    def send_task_failure(self: Any) -> Any:
        backend = self.stepfunction_backend
        kwargs: dict[str, Any] = {"error": self._get_param("error")}
        if "cause" in inspect.signature(backend.send_task_failure).parameters:
            kwargs["cause"] = self._get_param("cause")
        backend.send_task_failure(self._get_param("taskToken"), **kwargs)
        return EmptyResult()

    p.replace(sfn_responses.StepFunctionResponse, "send_task_failure", send_task_failure)
