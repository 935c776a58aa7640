"""The ``hub`` / ``hub_args`` pair of every workflow that waits through a ``DmsEventHub``.

Defaults-then-override, as AWS Solutions Constructs do with ``existing_x`` / ``x_args``: either
an existing hub is shared (``hub``), or the workflow creates ``<name>-hub`` from ``hub_args``;
both at once is an error, reported at preview naming the argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pulumi

from .event_hub import DmsEventHub, DmsEventHubArgs, HubSettings, hub_settings_from_args
from .validation import ArgChecker, InvalidArgumentError


def check_hub_choice(component: str, name: str, args: Mapping[str, Any]) -> None:
    """``hub`` and ``hub_args`` are mutually exclusive, and ``hub`` must be a hub."""
    check = ArgChecker(component, name)
    if "hub" in args and "hub_args" in args:
        raise check.fail(
            "hub_args",
            "cannot be combined with hub: hub_args configure the hub the workflow creates "
            "when no hub is given; configure a shared hub where it is created",
        )
    if "hub" in args and not isinstance(args["hub"], DmsEventHub):
        raise check.fail("hub", f"must be a DmsEventHub, got {type(args['hub']).__name__}")


def own_hub_args(
    component: str,
    name: str,
    args: Mapping[str, Any],
    required: Mapping[str, Any] | None = None,
) -> tuple[DmsEventHubArgs, HubSettings]:
    """``hub_args`` (with the workflow's tags by default, plus the ``required`` settings the
    workflow depends on), checked as the hub will check them, and the hub's settings."""
    check = ArgChecker(component, name)
    hub_args = args.get("hub_args", {})
    if not isinstance(hub_args, dict):
        raise check.fail(
            "hub_args", f"must be a mapping of DmsEventHub arguments, got {hub_args!r}"
        )
    result = cast(DmsEventHubArgs, dict(hub_args))
    if "tags" in args:
        result.setdefault("tags", args["tags"])
    for key, value in (required or {}).items():
        if key in result and result[key] != value:  # type: ignore[literal-required]
            raise check.fail("hub_args", f"{key} must be {value!r} for {component}")
        result[key] = value  # type: ignore[literal-required]
    try:
        settings = hub_settings_from_args(f"{name}-hub", result)
    except InvalidArgumentError as err:
        raise check.fail("hub_args", f"is invalid: {err}") from err
    return result, settings


def create_own_hub(name: str, hub_args: DmsEventHubArgs, parent: pulumi.Resource) -> DmsEventHub:
    """The hub ``<name>-hub`` a workflow creates for itself."""
    return DmsEventHub(f"{name}-hub", hub_args, pulumi.ResourceOptions(parent=parent))
