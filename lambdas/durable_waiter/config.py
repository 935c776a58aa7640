"""The durable waiter's configuration: the environment the component sets (``contract``).

``REPLICATION_TASK_ARN``, ``START_TYPE``, ``SUCCESS_STOP_REASONS``, ``WAIT_MODE``,
``TIMEOUT_SECONDS``; poll mode ``POLL_INTERVAL_SECONDS``, ``MAX_POLL_INTERVAL_SECONDS``,
``POLL_JITTER``; callback mode ``WAITER_TABLE``, ``HEARTBEAT_SECONDS``, ``WAITER_TTL_SECONDS``,
``WORKFLOW_NAME``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import contract as c
from ..errors import DmsInvalidInput
from ..task_settings import TaskSettings


def _int_env(env: Mapping[str, str], name: str, default: int | None, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        if default is None:
            raise DmsInvalidInput(f"{name} is not set")
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise DmsInvalidInput(f"{name} is not an integer: {raw!r}") from exc
    if value < minimum:
        raise DmsInvalidInput(f"{name} must be at least {minimum}, not {value}")
    return value


@dataclass(frozen=True)
class DurableWaiterConfig(TaskSettings):
    """The function's configuration (environment variables set by the component): the task
    settings and its own."""

    mode: str
    timeout_seconds: int
    poll_interval_seconds: int
    max_poll_interval_seconds: int
    jitter: str
    table_name: str
    heartbeat_seconds: int
    waiter_ttl_seconds: int

    @classmethod
    def own_settings(cls, env: Mapping[str, str]) -> dict[str, Any]:
        """The wait's mode, deadline, polling and callback settings."""
        mode = env.get(c.ENV_WAIT_MODE, "").strip() or c.WAIT_MODE_POLL
        if mode not in c.WAIT_MODES:
            raise DmsInvalidInput(f"{c.ENV_WAIT_MODE} {mode!r} is not one of {c.WAIT_MODES}")
        timeout = _int_env(env, c.ENV_TIMEOUT_SECONDS, c.DEFAULT_TIMEOUT_SECONDS, 1)
        interval = _int_env(env, c.ENV_POLL_INTERVAL_SECONDS, c.DEFAULT_POLL_INTERVAL_SECONDS, 1)
        cap = _int_env(
            env,
            c.ENV_MAX_POLL_INTERVAL_SECONDS,
            max(interval, c.DEFAULT_MAX_POLL_INTERVAL_SECONDS),
            1,
        )
        if cap < interval:
            raise DmsInvalidInput(
                f"{c.ENV_MAX_POLL_INTERVAL_SECONDS} ({cap}) is less than "
                f"{c.ENV_POLL_INTERVAL_SECONDS} ({interval})"
            )
        jitter = env.get(c.ENV_POLL_JITTER, "").strip().lower() or c.POLL_JITTERS[0]
        if jitter not in c.POLL_JITTERS:
            raise DmsInvalidInput(f"{c.ENV_POLL_JITTER} {jitter!r} is not one of {c.POLL_JITTERS}")
        table = env.get(c.ENV_WAITER_TABLE, "").strip()
        heartbeat = _int_env(env, c.ENV_HEARTBEAT_SECONDS, 0, 0)
        ttl = _int_env(env, c.ENV_WAITER_TTL_SECONDS, timeout + c.WAITER_TTL_MARGIN_SECONDS, 1)
        if mode == c.WAIT_MODE_CALLBACK:
            if not table:
                raise DmsInvalidInput(f"{c.ENV_WAITER_TABLE} is not set (callback mode)")
            if heartbeat >= timeout:
                raise DmsInvalidInput(
                    f"{c.ENV_HEARTBEAT_SECONDS} ({heartbeat}) must be less than "
                    f"{c.ENV_TIMEOUT_SECONDS} ({timeout})"
                )
            if ttl < timeout:
                raise DmsInvalidInput(
                    f"{c.ENV_WAITER_TTL_SECONDS} ({ttl}) is shorter than "
                    f"{c.ENV_TIMEOUT_SECONDS} ({timeout}): the waiter would vanish mid-wait"
                )
        return {
            "mode": mode,
            "timeout_seconds": timeout,
            "poll_interval_seconds": interval,
            "max_poll_interval_seconds": cap,
            "jitter": jitter,
            "table_name": table,
            "heartbeat_seconds": heartbeat,
            "waiter_ttl_seconds": ttl,
        }
