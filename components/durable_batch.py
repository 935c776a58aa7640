"""``DurableBatchWorkflow``: deploy a user's batch job as a Lambda durable function.

The user's code directory holds a module whose entry point is built with
``dms_waiters.lambdas.durable_batch.make_handler(process_batch, list_items=...)``: one
checkpointed step per batch and a durable wait between batches, so each invocation processes one
batch and a failed batch resumes where it left off (see ``lambdas/durable_batch.py``). The
component packs that directory with our ``dms_waiters/lambdas/`` package (the import path the
user's tests use too) and the bundled durable SDK (see ``durable_function``),
sets the batch size and pause, and gives the function a role limited to its own executions and
log group plus the statements the user passes for what the batches touch.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Required

import pulumi

from ._internal.durable_bundle import bundled_top_levels
from ._internal.durable_function import (
    MAX_EXECUTION_TIMEOUT_SECONDS,
    DurableComponent,
    DurableFunctionArguments,
    create_durable_function,
    durable_function_arguments,
)
from ._internal.handler_archive import ARCHIVE_TOP_PACKAGE
from ._internal.lambda_function import MAX_FUNCTION_TIMEOUT_SECONDS
from ._internal.shared_args import DurableFunctionArgs, TagsArgs
from .arguments import ArgChecker, LoggingArguments
from .lambdas import contract
from .naming import check_component_name, lambda_children

COMPONENT: Final = "DurableBatchWorkflow"
DEFAULT_EXECUTION_TIMEOUT_SECONDS: Final = 24 * 3600
#: One invocation runs one batch: a few minutes at most, by design.
DEFAULT_INVOCATION_TIMEOUT_SECONDS: Final = 300
DEFAULT_MEMORY_MB: Final = 512
#: ``module.attribute`` (the module may be dotted: ``jobs.etl.handler``).
HANDLER_RE: Final = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
ENV_NAME_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: Environment names as Lambda accepts them, except its reserved prefixes; and the names the
#: component sets itself.
RESERVED_ENV_PREFIXES: Final = ("AWS_", "LAMBDA_")
OWN_ENV: Final = {
    contract.ENV_BATCH_SIZE: "batch_size",
    contract.ENV_BATCH_PAUSE_SECONDS: "pause_seconds",
}
#: Top-level archive entries the user's code may not take: ours (and the bundled SDKs',
#: ``durable_bundle.bundled_top_levels``).
RESERVED_CODE_ENTRIES: Final = (ARCHIVE_TOP_PACKAGE,)
#: Sids of the statements the function's policy always has (IAM wants Sids unique).
RESERVED_SIDS: Final = ("OwnDurableExecutions", "OwnLogGroup", "Tracing")
STATEMENT_KEYS: Final = ("Sid", "Effect", "Action", "Resource", "Condition")
ACTION_RE: Final = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$")


class DurableBatchWorkflowArgs(DurableFunctionArgs, TagsArgs, total=False):
    """Arguments of ``DurableBatchWorkflow``; ``code_dir`` and ``handler`` are required."""

    code_dir: Required[str]
    """Local directory of the user's code, packed at the archive's root (hidden files and
    ``__pycache__`` left out); its module imports ``dms_waiters.lambdas.durable_batch``."""
    handler: Required[str]
    """The entry point in ``code_dir``, ``module.attribute`` (e.g. ``etl.handler``, built with
    ``make_handler``)."""
    batch_size: int
    """Items per batch step (``BATCH_SIZE``); default 100."""
    pause_seconds: int
    """Durable wait between two batches (``BATCH_PAUSE_SECONDS``), at least 1; default 1."""
    execution_timeout_seconds: int
    """Longest run, all batches and pauses included (1 to 31,622,400); default 1 day."""
    invocation_timeout_seconds: int
    """Longest invocation, i.e. one batch (1 to 900); default 300."""
    memory_mb: int
    """Memory of the function (128 to 10240 MB); default 512."""
    environment: Mapping[str, pulumi.Input[str]]
    """Extra environment variables for the user's code (not ``AWS_*``, ``LAMBDA_*``,
    ``BATCH_SIZE`` or ``BATCH_PAUSE_SECONDS``)."""
    statements: list[dict[str, Any]]
    """Extra IAM statements for what the batches touch (``Effect``, ``Action``, ``Resource``,
    optional ``Sid`` and ``Condition``); the role has nothing else but its own executions and
    log group."""


@dataclass(frozen=True)
class BatchSettings:
    """Validated arguments."""

    code_dir: Path
    handler: str
    batch_size: int
    pause_seconds: int
    execution_timeout_seconds: int
    invocation_timeout_seconds: int
    environment: dict[str, pulumi.Input[str]]
    statements: list[dict[str, Any]]
    function: DurableFunctionArguments
    logging: LoggingArguments


def user_code_assets(code_dir: Path) -> dict[str, pulumi.Asset]:
    """Every file under ``code_dir`` by its relative path, except hidden files and directories
    and Python caches (they would change the code hash from one machine to the next)."""
    assets: dict[str, pulumi.Asset] = {}
    for path in sorted(code_dir.rglob("*")):
        parts = path.relative_to(code_dir).parts
        if not path.is_file() or path.suffix == ".pyc":
            continue
        if any(p.startswith(".") or p == "__pycache__" for p in parts):
            continue
        assets["/".join(parts)] = pulumi.FileAsset(str(path))
    return assets


def _code_dir(check: ArgChecker, value: Any) -> Path:
    path = check.code_dir("code_dir", value)
    for entry in sorted({*RESERVED_CODE_ENTRIES, *bundled_top_levels()}):
        if (path / entry).exists() or (path / f"{entry}.py").exists():
            raise check.fail(
                "code_dir",
                f"has a top-level {entry!r}, which would replace the one the archive ships; "
                "rename it",
            )
    return path


def _environment(check: ArgChecker, value: Any) -> dict[str, pulumi.Input[str]]:
    if not isinstance(value, Mapping):
        raise check.fail("environment", f"must be a mapping of names to values, got {value!r}")
    for key, item in value.items():
        if not isinstance(key, str) or not ENV_NAME_RE.match(key):
            raise check.fail("environment", f"has the name {key!r}; use letters, digits and _")
        if key.startswith(RESERVED_ENV_PREFIXES):
            raise check.fail("environment", f"sets {key}, a name Lambda reserves")
        if key in OWN_ENV:
            raise check.fail("environment", f"sets {key}; set it with {OWN_ENV[key]}")
        if not isinstance(item, str) and not hasattr(item, "apply"):
            raise check.fail("environment", f"has {key}={item!r}; values are strings")
    return dict(value)


def _strings(value: Any) -> list[Any]:
    """A statement field as a list (a single value or a list), items unchecked."""
    return list(value) if isinstance(value, list) else [value]


def _statements(check: ArgChecker, value: Any) -> list[dict[str, Any]]:
    """Each statement's shape, minimally: its keys, effect, action names and resources."""
    if not isinstance(value, list):
        raise check.fail("statements", f"must be a list of IAM statements, got {value!r}")
    sids: set[str] = set(RESERVED_SIDS)
    for index, item in enumerate(value):
        where = f"[{index}]"
        if not isinstance(item, dict):
            raise check.fail("statements", f"{where} must be a mapping, got {item!r}")
        unknown = sorted(set(item) - set(STATEMENT_KEYS))
        if unknown:
            raise check.fail(
                "statements",
                f"{where} has {', '.join(unknown)}; allowed keys: {', '.join(STATEMENT_KEYS)}",
            )
        if item.get("Effect") not in ("Allow", "Deny"):
            raise check.fail("statements", f"{where} Effect must be Allow or Deny")
        actions = _strings(item.get("Action"))
        if not actions or not all(isinstance(a, str) and ACTION_RE.match(a) for a in actions):
            raise check.fail(
                "statements", f"{where} Action must be service:Action names, got {actions!r}"
            )
        resources = _strings(item.get("Resource"))
        if not resources or not all(isinstance(r, str) or hasattr(r, "apply") for r in resources):
            raise check.fail("statements", f"{where} Resource must be ARNs, got {resources!r}")
        sid = item.get("Sid")
        if sid is not None:
            if not isinstance(sid, str) or not sid.isalnum() or sid in sids:
                raise check.fail(
                    "statements", f"{where} Sid {sid!r} must be alphanumeric and unique"
                )
            sids.add(sid)
    return [dict(item) for item in value]


def batch_settings_from_args(name: str, args: DurableBatchWorkflowArgs) -> BatchSettings:
    """Validate every argument, raising ``InvalidArgumentError`` naming the first bad one."""
    check = ArgChecker(COMPONENT, name)
    check.known_arguments(args, DurableBatchWorkflowArgs.__annotations__)
    code_dir = _code_dir(check, args.get("code_dir"))
    handler = check.handler("handler", args.get("handler"), code_dir)
    batch_size = check.integer_argument(
        args, "batch_size", contract.DEFAULT_BATCH_SIZE, 1, unit="items"
    )
    pause = check.integer_argument(args, "pause_seconds", contract.DEFAULT_BATCH_PAUSE_SECONDS, 1)
    execution_timeout = check.integer_argument(
        args,
        "execution_timeout_seconds",
        DEFAULT_EXECUTION_TIMEOUT_SECONDS,
        1,
        MAX_EXECUTION_TIMEOUT_SECONDS,
    )
    invocation_timeout = check.integer_argument(
        args,
        "invocation_timeout_seconds",
        DEFAULT_INVOCATION_TIMEOUT_SECONDS,
        1,
        MAX_FUNCTION_TIMEOUT_SECONDS,
    )
    function = durable_function_arguments(check, args, DEFAULT_MEMORY_MB)
    environment = _environment(check, args.get("environment", {}))
    statements = _statements(check, args.get("statements", []))
    return BatchSettings(
        code_dir=code_dir,
        handler=handler,
        batch_size=batch_size,
        pause_seconds=pause,
        execution_timeout_seconds=execution_timeout,
        invocation_timeout_seconds=invocation_timeout,
        environment=environment,
        statements=statements,
        function=function,
        logging=check.logging(args),
    )


class DurableBatchWorkflow(DurableComponent):
    """A user's batch job as a Lambda durable function: one step per batch, resumable.

    Start a run by invoking the alias asynchronously with a durable execution name
    (``start_command``); the payload is what the handler's ``list_items`` reads, or
    ``{"items": [...]}``. The run returns ``{"batches", "items", "results"}``.

    Creates: the durable function ``<name>-batch`` (its log group; its role: its own
    executions, its log group and ``statements``), its published version and alias ``live``.
    """

    def __init__(
        self,
        name: str,
        args: DurableBatchWorkflowArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT, name, opts)
        check_component_name(COMPONENT, name, lambda_children("-batch"))
        settings = batch_settings_from_args(name, args)
        durable = create_durable_function(
            f"{name}-batch",
            parent=self,
            check=self._check,
            settings=settings,
            handler=settings.handler,
            description=f"Durable batch job {name} ({settings.handler})",
            statements=settings.statements,
            environment={
                **settings.environment,
                contract.ENV_BATCH_SIZE: str(settings.batch_size),
                contract.ENV_BATCH_PAUSE_SECONDS: str(settings.pause_seconds),
            },
            execution_timeout_seconds=settings.execution_timeout_seconds,
            timeout_seconds=settings.invocation_timeout_seconds,
            tags=args.get("tags"),
            extra_code=user_code_assets(settings.code_dir),
        )
        self.register_outputs(self._expose(durable, name))
