"""A Lambda durable function: the durable SDK in its archive, a version, an alias, its own role.

Shared by ``DmsDurableWorkflow`` and ``DurableBatchWorkflow``; everything else (runtime, names,
log group, role) is ``create_lambda_function``'s.

* **The SDKs are bundled.** The archive holds the durable execution SDK and the AWS SDK it
  requires (boto3 and its dependencies), installed where ``pulumi up`` runs: see
  ``durable_bundle`` for why and what exactly. Only durable functions get them.
* **Durable mode** is set at creation (``durable_config``: execution timeout and retention of
  finished executions); changing it replaces the function.
* **Invocations name a version.** A version is published with every code or configuration
  change and the alias ``live`` points at it: invoke the alias ARN. An execution keeps running
  the version it started on.
* **Role.** Checkpoint and read the state of this function's own executions only
  (``function:NAME:*``), which is what the managed AWSLambdaBasicDurableExecutionRolePolicy
  grants besides its ``logs:*`` on every log group. The policy names the function's ARN (its
  name is an autoname), so it is created after the function, and the alias, through which
  every run is started, after the policy.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import pulumi
import pulumi_aws as aws

from ..arguments import ArgChecker, FunctionLogging
from ..documents import iam_policies, parent_policies
from .durable_bundle import bundled_assets
from .handler_archive import handler_assets
from .lambda_function import MAX_MEMORY_MB, MIN_MEMORY_MB, LambdaFunction, create_lambda_function
from .partition_check import tracing_partition
from .shared_outputs import DurableFunctionOutputs
from .waiter_component import WaiterComponent

#: The alias every invocation goes through.
ALIAS_NAME: Final = "live"
#: Lambda's limits of ``DurableConfig``.
MAX_EXECUTION_TIMEOUT_SECONDS: Final = 31_622_400
MIN_RETENTION_DAYS: Final = 1
MAX_RETENTION_DAYS: Final = 90
DEFAULT_RETENTION_DAYS: Final = 14
#: Durable execution names: 1-64 of these characters, unique per account and region.
EXECUTION_NAME_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: The shell variable ``start_command`` leaves for the caller to set, one value per run.
RUN_ID_VARIABLE: Final = "RUN_ID"


def durable_archive(extra: Mapping[str, pulumi.Asset] | None = None) -> pulumi.AssetArchive:
    """Our handler modules, the bundled SDKs (``durable_bundle``) and ``extra`` (a user's code),
    one flat archive."""
    assets: dict[str, Any] = {**handler_assets(), **bundled_assets()}
    for path, asset in (extra or {}).items():
        if path in assets:
            raise ValueError(f"{path} would replace a file of the durable function's archive")
        assets[path] = asset
    return pulumi.AssetArchive(assets)


def start_command(alias_arn: str, execution_name_prefix: str, payload: str = "{}") -> str:
    """An AWS CLI command starting one execution asynchronously (up to a year; a synchronous
    invocation is cut at 15 minutes). The execution name makes a retry of the same run id start
    nothing new; set ``RUN_ID`` per run, keeping the name within 64 characters."""
    return " ".join(
        [
            "aws lambda invoke",
            f"--function-name {shlex.quote(alias_arn)}",
            "--invocation-type Event",
            f'--durable-execution-name "{execution_name_prefix}-${RUN_ID_VARIABLE}"',
            "--cli-binary-format raw-in-base64-out",
            f"--payload {shlex.quote(payload)}",
            "response.json",
        ]
    )


def execution_name_prefix(component_name: str) -> str:
    """The component's name in the characters execution names allow, leaving room for a run
    id."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", component_name)[:40]


@dataclass(frozen=True)
class DurableFunctionArguments:
    """The checked arguments every durable function component shares."""

    retention_days: int
    memory_mb: int


def durable_function_arguments(
    check: ArgChecker, args: Mapping[str, Any], default_memory_mb: int
) -> DurableFunctionArguments:
    """``retention_days`` (Lambda's range, default 14) and ``memory_mb`` (Lambda's range)."""
    return DurableFunctionArguments(
        retention_days=check.integer_argument(
            args,
            "retention_days",
            DEFAULT_RETENTION_DAYS,
            MIN_RETENTION_DAYS,
            MAX_RETENTION_DAYS,
            unit="days",
        ),
        memory_mb=check.integer_argument(
            args,
            "memory_mb",
            default_memory_mb,
            MIN_MEMORY_MB,
            MAX_MEMORY_MB,
            "MB",
        ),
    )


class DurableFunctionSettings(Protocol):
    """What every durable function component's settings carry."""

    @property
    def function(self) -> DurableFunctionArguments: ...
    @property
    def logging(self) -> FunctionLogging: ...


@dataclass(frozen=True)
class DurableFunction:
    """What ``create_durable_function`` created."""

    function: LambdaFunction
    alias: aws.lambda_.Alias

    @property
    def arn(self) -> pulumi.Output[str]:
        """The unqualified ARN (permissions are granted on ``<arn>:*``)."""
        return self.function.arn


class DurableComponent(DurableFunctionOutputs, WaiterComponent):
    """Base of the components that deploy one durable function: declares its outputs
    (``DurableFunctionOutputs``) and sets them once."""

    def parent_policy_statements(self) -> pulumi.Output[list[dict[str, Any]]]:
        """The IAM statements a durable parent function's role needs to run this waiter with
        ``context.invoke(alias_arn, ...)`` (``parent_policies.chained_invoke_statements``)."""
        return self.alias_arn.apply(parent_policies.chained_invoke_statements)

    def _expose(self, durable: DurableFunction, name: str) -> dict[str, pulumi.Output[Any]]:
        """Set the outputs above from ``durable``; return them for ``register_outputs``."""
        self.function_name = durable.function.function.name
        self.function_arn = durable.arn
        self.alias_name = durable.alias.name
        self.alias_arn = durable.alias.arn
        prefix = execution_name_prefix(name)
        self.start_command = durable.alias.arn.apply(lambda arn: start_command(arn, prefix))
        return {
            "function_name": self.function_name,
            "function_arn": self.function_arn,
            "alias_name": self.alias_name,
            "alias_arn": self.alias_arn,
            "start_command": self.start_command,
            **self._expose_waiter(durable.function.role.arn, durable.function.log_group.name),
        }


def create_durable_function(
    name: str,
    *,
    parent: pulumi.Resource,
    check: ArgChecker,
    settings: DurableFunctionSettings,
    handler: str,
    description: str,
    statements: pulumi.Input[list[dict[str, Any]]],
    environment: Mapping[str, pulumi.Input[str]],
    execution_timeout_seconds: int,
    timeout_seconds: int,
    tags: pulumi.Input[dict[str, str]] | None,
    extra_code: Mapping[str, pulumi.Asset] | None = None,
) -> DurableFunction:
    """The durable function ``name`` (see ``create_lambda_function``) and ``<name>-alias``.

    Its role gets ``statements`` after the permissions on its own executions; the alias waits
    for that policy and the log group, so no run starts without them. ``settings`` are what
    every durable component shares (retention, memory, log retention, tracing: checked against
    the partition, failing naming ``check``'s component).
    """
    function = create_lambda_function(
        name,
        parent=parent,
        handler=handler,
        description=description,
        statements=statements,
        own_statements=iam_policies.durable_execution_statements,
        environment=environment,
        logging=settings.logging,
        tags=tags,
        timeout_seconds=timeout_seconds,
        memory_mb=settings.function.memory_mb,
        code=durable_archive(extra_code),
        publish=True,
        durable_config=aws.lambda_.FunctionDurableConfigArgs(
            execution_timeout=execution_timeout_seconds,
            retention_period=settings.function.retention_days,
        ),
        gate=tracing_partition(parent, check, settings.logging.tracing),
    )
    alias = aws.lambda_.Alias(
        f"{name}-alias",
        name=ALIAS_NAME,
        description="Invoke durable executions through this alias (the latest version)",
        function_name=function.function.name,
        function_version=function.function.version,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=function.invoke_after),
    )
    return DurableFunction(function, alias)
