"""The hub a waiting workflow resumes through, and the heartbeat it can count on.

``DmsCallbackWorkflow`` and ``DmsDurableWorkflow`` (callback mode) both take either an existing
``DmsEventHub`` (``hub``) or the arguments of one to create (``hub_args``), and both derive
their default heartbeat from the hub's reconcile period. These rules live here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar, cast

import pulumi

from .event_hub import DmsEventHub, DmsEventHubArgs, hub_settings_from_args
from .validation import ArgChecker, InvalidArgumentError

#: How many reconcile periods a wait may go without a heartbeat by default: one missed run of
#: the reconciler is tolerated, two in a row are not a wait anymore but an outage.
HEARTBEAT_RECONCILE_PERIODS: Final = 3

Settings = TypeVar("Settings")


def heartbeat_from_args(
    check: ArgChecker, args: Mapping[str, Any], timeout: int, reconcile_every_minutes: int
) -> int | None:
    """``heartbeat_seconds``: its default, ``None``, or a checked value.

    The default is ``HEARTBEAT_RECONCILE_PERIODS`` x the hub's period, none when the reconciler
    is off (``reconcile_every_minutes`` 0) or the deadline comes first. A given value must be
    less than ``timeout`` and at least twice the period (the reconciler heartbeats once a run).
    """
    period_seconds = reconcile_every_minutes * 60
    if "heartbeat_seconds" not in args:
        heartbeat = HEARTBEAT_RECONCILE_PERIODS * period_seconds or None
        if heartbeat is not None and heartbeat >= timeout:
            return None  # the deadline comes first anyway
        return heartbeat
    if args["heartbeat_seconds"] is None:
        return None
    heartbeat = check.integer("heartbeat_seconds", args["heartbeat_seconds"], 1)
    if heartbeat >= timeout:
        raise check.fail(
            "heartbeat_seconds", f"is {heartbeat}; it must be less than timeout_seconds ({timeout})"
        )
    if not period_seconds:
        raise check.fail(
            "heartbeat_seconds",
            f"is {heartbeat}, but the hub's reconciler is off (reconcile_every_minutes 0), "
            "so nothing would send heartbeats; leave it unset and rely on timeout_seconds",
        )
    if heartbeat < 2 * period_seconds:
        raise check.fail(
            "heartbeat_seconds",
            f"is {heartbeat}; it must be at least twice the hub's reconcile period "
            f"({2 * period_seconds} s), since the reconciler sends one heartbeat per run",
        )
    return heartbeat


def check_hub_choice(check: ArgChecker, args: Mapping[str, Any]) -> None:
    """``hub`` and ``hub_args`` exclude each other, and ``hub`` must be a ``DmsEventHub``."""
    if "hub" in args and "hub_args" in args:
        raise check.fail(
            "hub_args",
            "cannot be combined with hub: hub_args configure the hub the workflow creates "
            "when no hub is given; configure a shared hub where it is created",
        )
    if "hub" in args and not isinstance(args["hub"], DmsEventHub):
        raise check.fail("hub", f"must be a DmsEventHub, got {type(args['hub']).__name__}")


def own_hub_args(
    check: ArgChecker,
    hub_name: str,
    args: Mapping[str, Any],
    required: Mapping[str, Any] | None = None,
) -> tuple[DmsEventHubArgs, int]:
    """``hub_args`` (with the workflow's tags by default, and the ``required`` hub settings the
    workflow depends on), checked as the hub will check them, and the hub's reconcile period."""
    hub_args = args.get("hub_args", {})
    if not isinstance(hub_args, dict):
        raise check.fail(
            "hub_args", f"must be a mapping of DmsEventHub arguments, got {hub_args!r}"
        )
    result = cast(DmsEventHubArgs, dict(hub_args))
    if "tags" in args:
        result.setdefault("tags", args["tags"])
    for key, value in (required or {}).items():
        if result.get(key, value) != value:
            raise check.fail("hub_args", f"{key} must be {value!r} for {check.component}")
        result[key] = value  # type: ignore[literal-required]
    try:
        period = hub_settings_from_args(hub_name, result).reconcile_every_minutes
    except InvalidArgumentError as err:
        raise check.fail("hub_args", f"is invalid: {err}") from err
    return result, period


def resolve_hub(
    check: ArgChecker,
    args: Mapping[str, Any],
    parent: pulumi.Resource,
    settings_for_period: Callable[[int], Settings],
    callback_url: bool = False,
) -> tuple[DmsEventHub, Settings]:
    """The given hub, or a new ``<name>-hub`` (parented to ``parent``), and the settings.

    ``settings_for_period`` validates the workflow's own arguments against the hub's reconcile
    period; it runs before the hub is created, so bad arguments create nothing. With
    ``callback_url`` the hub must have (or is created with) the callback URL endpoint.
    """
    check_hub_choice(check, args)
    given = args.get("hub")
    if isinstance(given, DmsEventHub):
        if callback_url and not given.callback_url:
            raise check.fail("hub", "has no callback endpoint: create it with callback_url: true")
        return given, settings_for_period(given.reconcile_every_minutes)
    hub_name = f"{check.name}-hub"
    required = {"callback_url": True} if callback_url else None
    hub_args, period = own_hub_args(check, hub_name, args, required)
    settings = settings_for_period(period)
    hub = DmsEventHub(hub_name, hub_args, pulumi.ResourceOptions(parent=parent))
    return hub, settings
