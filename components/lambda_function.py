"""One handler from ``lambdas/`` deployed as a Lambda function with its own role and log group.

Every function of every component goes through ``create_lambda_function`` so they all get the
same runtime, architecture, packaging and least-privilege logging:

* **Names.** The function gets an explicit physical name, ``<logical name>-<8 hex>``, where the
  suffix is a hash of the project, stack and logical name: stable across updates, different per
  stack (two stacks of one account cannot collide), and known before anything is created. That
  lets the component create the log group ``/aws/lambda/<function name>`` *first*, with its
  retention, and grant the role access to that group only. Letting Pulumi auto-name the function
  would leave the name unknown until the function exists, and a function that runs before its
  log group exists makes Lambda create one itself, without retention (and, when the role cannot
  create it, logs are lost). Renaming the stack or the component renames (replaces) the function.
* **Architecture.** ``arm64`` (Graviton): about 20% cheaper per GB-second than x86_64, and the
  handlers are pure Python with no native dependency, so nothing depends on the CPU.
* **Code.** The ``*.py`` files of ``handlers_dir()`` under ``dms_waiters/lambdas/`` in the
  archive (their import path everywhere, see ``handlers``): the same files the wheel ships,
  never a ``__pycache__`` (which would change the code hash with
  every interpreter that ran the tests). A caller may pass another archive (the durable
  functions add the durable execution SDK, see ``durable_function``).
* **Role.** Trusted by ``lambda.amazonaws.com`` for this account only; one inline policy: the
  caller's statements plus ``logs:CreateLogStream``/``PutLogEvents`` on the function's own log
  group. No AWSLambdaBasicExecutionRole: it may create and write every log group.
* Reserved concurrency is not set: the handlers are idempotent, and reserving capacity would
  take it from the account's other functions.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from . import iam_policies
from .handlers import ARCHIVE_PACKAGE_DIR, ARCHIVE_TOP_INIT, ARCHIVE_TOP_PACKAGE, handlers_dir
from .provider import gated

RUNTIME: Final = "python3.13"
ARCHITECTURE: Final = "arm64"
#: Lambda function names: at most 64 letters, digits, '-' and '_'.
MAX_FUNCTION_NAME: Final = 64
#: Lambda's memory range (MB).
MIN_MEMORY_MB: Final = 128
MAX_MEMORY_MB: Final = 10240
#: Lambda's longest invocation (seconds).
MAX_FUNCTION_TIMEOUT_SECONDS: Final = 900
_SUFFIX_LENGTH: Final = 8


def function_physical_name(logical_name: str, project: str, stack: str) -> str:
    """The function's AWS name: the sanitised logical name plus a stable per-stack suffix."""
    digest = hashlib.sha256(f"{project}/{stack}/{logical_name}".encode()).hexdigest()
    base = re.sub(r"[^A-Za-z0-9_-]", "-", logical_name)[: MAX_FUNCTION_NAME - _SUFFIX_LENGTH - 1]
    return f"{base}-{digest[:_SUFFIX_LENGTH]}"


def planned_function_name(logical_name: str) -> str:
    """The physical name ``create_lambda_function(logical_name, ...)`` gives its function."""
    return function_physical_name(logical_name, pulumi.get_project(), pulumi.get_stack())


def planned_function_arn(logical_name: str, parent: pulumi.Resource) -> pulumi.Output[str]:
    """The unqualified ARN the function ``logical_name`` will have, known before it exists.

    Built from the physical name and the partition, region and account of the provider, so a
    function's own role policy can name the function without waiting for it (a cycle).
    """
    opts = pulumi.InvokeOutputOptions(parent=parent)
    function_name = planned_function_name(logical_name)
    return pulumi.Output.all(
        aws.get_partition_output(opts=opts).partition,
        aws.get_region_output(opts=opts).region,
        aws.get_caller_identity_output(opts=opts).account_id,
    ).apply(lambda v: f"arn:{v[0]}:lambda:{v[1]}:{v[2]}:function:{function_name}")


def handler_assets() -> dict[str, pulumi.Asset]:
    """Every handler module under ``dms_waiters/lambdas/``, by its path in the archive, and the
    stub ``dms_waiters/__init__.py`` above them. The handler strings of ``lambdas/contract.py``
    (``dms_waiters.lambdas.starter.handler``, ...) are relative to the archive root."""
    assets: dict[str, pulumi.Asset] = {
        f"{ARCHIVE_TOP_PACKAGE}/__init__.py": pulumi.StringAsset(ARCHIVE_TOP_INIT)
    }
    for path in sorted(handlers_dir().glob("*.py")):
        assets[f"{ARCHIVE_PACKAGE_DIR}/{path.name}"] = pulumi.FileAsset(str(path))
    return assets


def handler_archive() -> pulumi.AssetArchive:
    """The deployment package: every handler module under ``dms_waiters/lambdas/``."""
    return pulumi.AssetArchive(dict(handler_assets()))


@dataclass(frozen=True)
class LambdaFunction:
    """What ``create_lambda_function`` created, and the function's name and ARN."""

    function: aws.lambda_.Function
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    log_group: aws.cloudwatch.LogGroup
    function_name: str
    """The physical name, known at preview."""

    @property
    def arn(self) -> pulumi.Output[str]:
        """The function's (unqualified) ARN."""
        return self.function.arn


def create_lambda_function(
    name: str,
    *,
    parent: pulumi.Resource,
    handler: str,
    description: str,
    statements: pulumi.Input[list[dict[str, Any]]],
    environment: Mapping[str, pulumi.Input[str]],
    log_retention_days: int,
    tags: pulumi.Input[dict[str, str]] | None,
    timeout_seconds: int = 30,
    memory_mb: int = 256,
    tracing: bool = False,
    dead_letter_queue_arn: pulumi.Input[str] | None = None,
    code: pulumi.Archive | None = None,
    runtime: str = RUNTIME,
    publish: bool = False,
    durable_config: aws.lambda_.FunctionDurableConfigArgs | None = None,
    gate: pulumi.Output[Any] | None = None,
) -> LambdaFunction:
    """Create the function ``name`` running ``handler`` (an entry point of ``lambdas/contract``).

    Creates ``<name>-logs`` (``/aws/lambda/<function name>``), ``<name>-role``,
    ``<name>-policy`` (``statements`` plus the log group; see ``iam_policies``) and the function
    ``<name>``, which depends on its policy and log group so its first invocation can log and
    act. ``dead_letter_queue_arn`` receives asynchronous invocations that failed every retry
    (the role must be allowed ``sqs:SendMessage`` on it). ``code`` and ``runtime`` replace the
    handler archive and Python 3.13 (a user's own function);
    ``publish`` publishes a version; ``durable_config`` (``execution_timeout`` seconds,
    ``retention_period`` days) makes it a durable function, which only its creation can do.
    ``gate`` (``provider.checked_partition``) must resolve before the function is declared:
    its failure (a feature the partition lacks) fails the function.
    """
    child = pulumi.ResourceOptions(parent=parent)
    function_name = planned_function_name(name)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=f"/aws/lambda/{function_name}",
        retention_in_days=log_retention_days,
        tags=tags,
        opts=child,
    )
    account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    role = aws.iam.Role(
        f"{name}-role",
        assume_role_policy=account_id.account_id.apply(
            lambda acct: json.dumps(
                iam_policies.service_assume_role_policy("lambda.amazonaws.com", acct)
            )
        ),
        description=f"Execution role of the Lambda function {function_name}",
        tags=tags,
        opts=child,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=pulumi.Output.all(pulumi.Output.from_input(statements), log_group.arn).apply(
            lambda values: json.dumps(
                iam_policies.lambda_function_policy(values[0], values[1], tracing)
            )
        ),
        opts=child,
    )
    function = aws.lambda_.Function(
        name,
        name=gated(function_name, gate),
        description=description,
        role=role.arn,
        runtime=runtime,
        architectures=[ARCHITECTURE],
        handler=handler,
        code=handler_archive() if code is None else code,
        environment={"variables": dict(environment)},
        timeout=timeout_seconds,
        memory_size=memory_mb,
        # Text logs into the group created above (the default group name, made explicit).
        logging_config={"log_format": "Text", "log_group": log_group.name},
        tracing_config={"mode": "Active" if tracing else "PassThrough"},
        dead_letter_config=(
            None if dead_letter_queue_arn is None else {"target_arn": dead_letter_queue_arn}
        ),
        # Left out unless asked, so the other functions' inputs stay as they were.
        publish=publish or None,
        durable_config=durable_config,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[policy, log_group]),
    )
    return LambdaFunction(function, role, policy, log_group, function_name)
