"""One handler from ``lambdas/`` deployed as a Lambda function with its own role and log group.

Every function of every component goes through ``create_lambda_function`` so they all get the
same runtime, architecture, packaging and least-privilege logging:

* **Names.** Nothing gets an explicit physical name: pulumi-aws autonames the function and its
  role (``<logical name>-<7 random hex>``), and the log group is ``/aws/lambda/<logical
  name>-`` plus a unique id (``name_prefix``), created *first*, with its retention, and named in
  the function's ``logging_config`` (a function that ran before its log group existed would make
  Lambda create one itself, without retention, and, when the role cannot create it, logs would
  be lost). Autonames survive a component renamed with ``aliases=`` and never collide (see
  ``naming``); the log group ignores changes to its prefix, which a rename changes.
* **Architecture.** ``arm64`` (Graviton): about 20% cheaper per GB-second than x86_64, and the
  handlers are pure Python with no native dependency, so nothing depends on the CPU.
* **Code.** ``handler_archive()``: every module of ``dms_waiters.lambdas`` (subpackages
  included) under ``dms_waiters/lambdas/``, their import path everywhere. A caller may pass
  another archive (the durable functions add the durable execution SDK, see
  ``durable_function``).
* **Role.** Trusted by ``lambda.amazonaws.com`` for this account only; one inline policy: the
  caller's statements plus ``logs:CreateLogStream``/``PutLogEvents`` on the function's own log
  group. No AWSLambdaBasicExecutionRole: it may create and write every log group. A policy that
  names the function itself (``own_statements``) is created after the function; whatever
  invokes a function depends on ``LambdaFunction.invoke_after`` (its policy and log group), so
  the first invocation has every permission and a place to log.
* Reserved concurrency is not set: the handlers are idempotent, and reserving capacity would
  take it from the account's other functions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from ..arguments import FunctionLogging
from ..documents import iam_policies
from .handler_archive import handler_archive
from .partition_check import gated

RUNTIME: Final = "python3.13"
ARCHITECTURE: Final = "arm64"
#: Lambda's memory range (MB).
MIN_MEMORY_MB: Final = 128
MAX_MEMORY_MB: Final = 10240
#: Lambda's longest invocation (seconds).
MAX_FUNCTION_TIMEOUT_SECONDS: Final = 900
#: What a log group's prefix ignores: a renamed (aliased) component changes it, and a changed
#: ``name_prefix`` would replace the group (see ``naming``).
IGNORE_NAME_PREFIX: Final = ["name_prefix"]


def create_log_group(
    name: str,
    prefix: str,
    retention_days: int,
    tags: pulumi.Input[dict[str, str]] | None,
    parent: pulumi.Resource,
) -> aws.cloudwatch.LogGroup:
    """``<name>-logs``: named ``<prefix><name>-`` plus a unique id, changes to the prefix (a
    renamed component) ignored, with its retention."""
    return aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name_prefix=f"{prefix}{name}-",
        retention_in_days=retention_days,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=IGNORE_NAME_PREFIX),
    )


def create_role(
    name: str,
    trust: pulumi.Input[str],
    description: str,
    tags: pulumi.Input[dict[str, str]] | None,
    parent: pulumi.Resource,
) -> aws.iam.Role:
    """``<name>-role`` (autonamed), trusting what the ``trust`` policy document says."""
    return aws.iam.Role(
        f"{name}-role",
        assume_role_policy=trust,
        description=description,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class LambdaFunction:
    """What ``create_lambda_function`` created."""

    function: aws.lambda_.Function
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    log_group: aws.cloudwatch.LogGroup

    @property
    def arn(self) -> pulumi.Output[str]:
        """The function's (unqualified) ARN."""
        return self.function.arn

    @property
    def name(self) -> pulumi.Output[str]:
        """The function's physical name (an autoname: known once the provider checked it)."""
        return self.function.name

    @property
    def invoke_after(self) -> list[pulumi.Resource]:
        """What must exist before anything invokes the function: its role's policy and its log
        group (``depends_on`` of every event target, state machine, alias or URL invoking it)."""
        return [self.policy, self.log_group]


def create_lambda_function(
    name: str,
    *,
    parent: pulumi.Resource,
    handler: str,
    description: str,
    statements: pulumi.Input[list[dict[str, Any]]],
    environment: Mapping[str, pulumi.Input[str]],
    logging: FunctionLogging,
    tags: pulumi.Input[dict[str, str]] | None,
    timeout_seconds: int = 30,
    memory_mb: int = 256,
    dead_letter_queue_arn: pulumi.Input[str] | None = None,
    code: pulumi.Archive | None = None,
    runtime: str = RUNTIME,
    publish: bool = False,
    durable_config: aws.lambda_.FunctionDurableConfigArgs | None = None,
    gate: pulumi.Output[Any] | None = None,
    own_statements: Callable[[str], list[dict[str, Any]]] | None = None,
    depends_on: Sequence[pulumi.Resource] = (),
) -> LambdaFunction:
    """Create the function ``name`` running ``handler`` (an entry point of ``lambdas/contract``).

    Creates ``<name>-logs`` (``/aws/lambda/<name>-`` plus a unique id, kept
    ``logging.log_retention_days``; ``logging.tracing`` turns on X-Ray), ``<name>-role``,
    ``<name>-policy`` (``statements`` plus the log group; see ``iam_policies``) and the function
    ``<name>`` (autonamed), which depends on its log group, its policy and ``depends_on`` (what
    it invokes itself), so its first invocation can log and act. ``own_statements(arn)`` are
    statements naming the function's own ARN, put first in the policy, which is then created
    after the function (it cannot name a function that does not exist yet); until then nothing
    may invoke it (see ``LambdaFunction.invoke_after``). ``dead_letter_queue_arn`` receives
    asynchronous invocations that failed every retry (the role must be allowed
    ``sqs:SendMessage`` on it, which Lambda checks at creation: not with ``own_statements``).
    ``code`` and ``runtime`` replace the handler archive and Python 3.13 (a user's own
    function); ``publish`` publishes a version; ``durable_config`` (``execution_timeout``
    seconds, ``retention_period`` days) makes it a durable function, which only its creation
    can do.
    ``gate`` (``provider.checked_partition``) must resolve before the function is declared:
    its failure (a feature the partition lacks) fails the function.
    """
    if own_statements is not None and dead_letter_queue_arn is not None:
        raise ValueError("a dead-letter queue needs the policy before the function exists")
    child = pulumi.ResourceOptions(parent=parent)
    log_group = create_log_group(name, "/aws/lambda/", logging.log_retention_days, tags, parent)
    role = create_role(
        name,
        json.dumps(iam_policies.service_assume_role_policy("lambda.amazonaws.com")),
        f"Execution role of the Lambda function {name}",
        tags,
        parent,
    )

    def create_policy(own_arn: pulumi.Input[str] | None) -> aws.iam.RolePolicy:
        document = pulumi.Output.all(
            pulumi.Output.from_input(statements), log_group.arn, own_arn
        ).apply(
            lambda v: json.dumps(
                iam_policies.lambda_function_policy(
                    [*([] if own_statements is None else own_statements(v[2])), *v[0]],
                    v[1],
                    logging.tracing,
                )
            )
        )
        return aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=document, opts=child)

    before = [] if own_statements is not None else [create_policy(None)]
    function = aws.lambda_.Function(
        name,
        # The partition check travels in an input, so its failure fails the function.
        description=gated(description, gate),
        role=role.arn,
        runtime=runtime,
        architectures=[ARCHITECTURE],
        handler=handler,
        code=handler_archive() if code is None else code,
        environment={"variables": dict(environment)},
        timeout=timeout_seconds,
        memory_size=memory_mb,
        # Text logs into the group created above (not Lambda's default /aws/lambda/<name>).
        logging_config={"log_format": "Text", "log_group": log_group.name},
        tracing_config={"mode": "Active" if logging.tracing else "PassThrough"},
        dead_letter_config=(
            None if dead_letter_queue_arn is None else {"target_arn": dead_letter_queue_arn}
        ),
        # Left out unless asked, so the other functions' inputs stay as they were.
        publish=publish or None,
        durable_config=durable_config,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[*before, log_group, *depends_on]),
    )
    policy = before[0] if before else create_policy(function.arn)
    return LambdaFunction(function, role, policy, log_group)
