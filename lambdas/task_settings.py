"""The DMS task settings every starting handler reads from its environment, checked once.

The callback starter and the durable waiter are configured the same way (task ARN, default start
type, success stop reasons); one reader keeps their validation identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Self

from . import contract as c
from . import dms_status as dms
from .errors import DmsInvalidInput


@dataclass(frozen=True)
class TaskSettings:
    """The task to start and wait for, how its end is judged, and the workflow's name (for
    logs). A handler's configuration extends it with its own settings (``own_settings``)."""

    replication_task_arn: str
    start_type: str
    success_stop_reasons: tuple[str, ...]
    workflow: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Self:
        """Read and validate the environment; ``DmsInvalidInput`` names the bad variable."""
        return cls(**asdict(task_settings_from_env(env)), **cls.own_settings(env))

    @classmethod
    def own_settings(cls, env: Mapping[str, str]) -> dict[str, Any]:
        """The settings a subclass adds, read and validated from ``env``, by field name."""
        return {}


def task_settings_from_env(env: Mapping[str, str]) -> TaskSettings:
    """Read and validate the task settings; ``DmsInvalidInput`` names the bad variable."""
    arn = env.get(c.ENV_REPLICATION_TASK_ARN, "").strip()
    if not arn.startswith("arn:") or ":dms:" not in arn or ":task:" not in arn:
        raise DmsInvalidInput(f"{c.ENV_REPLICATION_TASK_ARN} is not a DMS task ARN: {arn!r}")
    start_type = env.get(c.ENV_START_TYPE, "").strip() or dms.START_TYPE_AUTO
    if start_type not in dms.START_TYPES:
        raise DmsInvalidInput(
            f"{c.ENV_START_TYPE} {start_type!r} is not one of {', '.join(dms.START_TYPES)}"
        )
    raw_reasons = [r for r in env.get(c.ENV_SUCCESS_STOP_REASONS, "").split(",") if r.strip()]
    try:
        reasons = tuple(dms.validate_stop_reasons(raw_reasons)) or tuple(
            dms.DEFAULT_SUCCESS_STOP_REASONS
        )
    except ValueError as exc:
        raise DmsInvalidInput(f"{c.ENV_SUCCESS_STOP_REASONS}: {exc}") from exc
    return TaskSettings(arn, start_type, reasons, env.get(c.ENV_WORKFLOW_NAME, "").strip())


def effective_start_type(configured: str, requested: str | None) -> str:
    """The run's start type: the payload's override (``auto`` included), or the configured one.

    A wait-only function (``none``) accepts no other type: it has no permission to start the
    task. ``DmsInvalidInput`` names the allowed values.
    """
    if requested is None:
        return configured
    allowed = dms.overridable_start_types(configured)
    if requested not in allowed:
        raise DmsInvalidInput(f"start_type must be one of: {', '.join(allowed)}")
    return requested
