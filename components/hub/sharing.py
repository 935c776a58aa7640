"""The hub a waiting workflow resumes through, and the heartbeat it can count on.

``DmsCallbackWorkflow``, ``DmsDurableWorkflow`` (callback mode) and ``CallbackUrlWorkflow`` all
take either a shared hub's reference (``hub``: a ``DmsEventHubReference``, the hub's
``reference`` output) or the arguments of a hub to create (``hub_args``), and derive their
default heartbeat from the hub's reconcile period. These rules live here, once.
"""

import dataclasses
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar, cast

import pulumi

from ..arguments import DEPRECATED_REMOVED_IN, ArgChecker, InvalidArgumentError
from .event_hub import DmsEventHub, DmsEventHubArgs
from .reference import HubLink, is_output, link_from_reference, when_known
from .settings import hub_settings_from_args

#: How many reconcile periods a wait may go without a heartbeat by default: one missed run of
#: the reconciler is tolerated, two in a row are not a wait anymore but an outage.
HEARTBEAT_RECONCILE_PERIODS: Final = 3
#: The release that stops accepting a ``DmsEventHub`` object as ``hub`` (deprecated in 0.2.0).
HUB_OBJECT_REMOVED_IN: Final = DEPRECATED_REMOVED_IN

Settings = TypeVar("Settings")
#: ``heartbeat_seconds`` as given: not given, off (None), or a checked number of seconds.
_DEFAULT: Final = object()
Heartbeat = int | None | pulumi.Output[int | None]


def _given_heartbeat(check: ArgChecker, args: Mapping[str, Any], timeout: int) -> object:
    """The explicit ``heartbeat_seconds``: ``_DEFAULT``, None (0 or None: off), or seconds
    less than ``timeout``; what does not depend on the hub is checked here, at preview."""
    if "heartbeat_seconds" not in args:
        return _DEFAULT
    raw = args["heartbeat_seconds"]
    if raw is None:
        return None
    heartbeat = check.integer("heartbeat_seconds", raw, 0)
    if heartbeat == 0:
        return None
    if heartbeat >= timeout:
        raise check.fail(
            "heartbeat_seconds", f"is {heartbeat}; it must be less than timeout_seconds ({timeout})"
        )
    return heartbeat


def _heartbeat_for_period(
    check: ArgChecker, given: object, timeout: int, reconcile_every_minutes: int
) -> int | None:
    period_seconds = reconcile_every_minutes * 60
    if given is _DEFAULT:
        heartbeat = HEARTBEAT_RECONCILE_PERIODS * period_seconds or None
        if heartbeat is not None and heartbeat >= timeout:
            return None  # the deadline comes first anyway
        return heartbeat
    if given is None:
        return None
    heartbeat = cast(int, given)
    if not period_seconds:
        raise check.fail(
            "heartbeat_seconds",
            f"is {heartbeat}, but the hub's reconciler is off (reconcile_every_minutes 0), "
            "so nothing would send heartbeats; leave it unset (or 0) and rely on "
            "timeout_seconds",
        )
    if heartbeat < 2 * period_seconds:
        raise check.fail(
            "heartbeat_seconds",
            f"is {heartbeat}; it must be at least twice the hub's reconcile period "
            f"({2 * period_seconds} s), since the reconciler sends one heartbeat per run",
        )
    return heartbeat


def explicit_heartbeat(check: ArgChecker, args: Mapping[str, Any], timeout: int) -> int | None:
    """``heartbeat_seconds`` of a wait no hub heartbeats (``CallbackUrlWorkflow``: the third
    party calls the heartbeat URL): seconds less than ``timeout``, or None (unset, 0: none)."""
    given = _given_heartbeat(check, args, timeout)
    return None if given is _DEFAULT else cast(int | None, given)


def heartbeat_from_args(
    check: ArgChecker,
    args: Mapping[str, Any],
    timeout: int,
    reconcile_every_minutes: int | pulumi.Output[int],
) -> Heartbeat:
    """``heartbeat_seconds``: its default, None (off), or a checked value.

    The default is ``HEARTBEAT_RECONCILE_PERIODS`` x the hub's period, none when the reconciler
    is off (``reconcile_every_minutes`` 0) or the deadline comes first. ``0`` (or ``None``)
    turns it off. A given value must be less than ``timeout`` and at least twice the period
    (the reconciler heartbeats once a run). When the period is an ``Output`` (a reference from
    another language), so is the result: what depends on the period is checked once known.
    """
    given = _given_heartbeat(check, args, timeout)
    return when_known(
        reconcile_every_minutes, lambda period: _heartbeat_for_period(check, given, timeout, period)
    )


def check_hub_choice(check: ArgChecker, args: Mapping[str, Any]) -> None:
    """``hub`` and ``hub_args`` exclude each other."""
    if "hub" in args and "hub_args" in args:
        raise check.fail(
            "hub_args",
            "cannot be combined with hub: hub_args configure the hub the workflow creates "
            "when no hub is given; configure a shared hub where it is created",
        )


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


class HubWorkflow:
    """Base of the workflows that wait through a hub: the ``hub`` they created or were given
    (each sets ``_hub`` to ``resolve_hub``'s ``component``)."""

    _hub: DmsEventHub | None = None

    @property
    def hub(self) -> DmsEventHub | None:
        """The hub the workflow created (``<name>-hub``), or the ``DmsEventHub`` it was given
        (deprecated); None when it waits through a hub reference, or through none (a durable
        workflow's poll mode)."""
        return self._hub


@dataclass(frozen=True)
class ResolvedHub:
    """The hub a workflow waits through: its link, and the ``DmsEventHub`` object when the
    workflow created it (or, deprecated, was given one)."""

    link: HubLink
    component: DmsEventHub | None


def _given_link(check: ArgChecker, given: Any) -> tuple[HubLink, DmsEventHub | None]:
    if isinstance(given, DmsEventHub):
        warnings.warn(
            f"{check.component} '{check.name}': passing a DmsEventHub as hub is deprecated "
            f"and stops working in {HUB_OBJECT_REMOVED_IN}; pass its reference output instead: "
            '{"hub": hub.reference}',
            DeprecationWarning,
            stacklevel=4,
        )
        return link_from_reference(check, given.reference), given
    return link_from_reference(check, given), None


def _require_endpoint(check: ArgChecker, on: bool) -> bool:
    if not on:
        raise check.fail("hub", "has no callback endpoint: create it with callback_url: true")
    return on


def resolve_hub(
    check: ArgChecker,
    args: Mapping[str, Any],
    parent: pulumi.Resource,
    settings_for_period: Callable[[int | pulumi.Output[int]], Settings],
    callback_url: bool = False,
) -> tuple[ResolvedHub, Settings]:
    """The given hub, or a new ``<name>-hub`` (parented to ``parent``), and the settings.

    ``settings_for_period`` validates the workflow's own arguments against the hub's reconcile
    period (an ``Output`` when the reference came as one); it runs before the hub is created, so
    bad arguments create nothing. With ``callback_url`` the hub must have (or is created with)
    the callback URL endpoint: the link's ``callback_base_url`` then fails when it has not.
    """
    check_hub_choice(check, args)
    if "hub" in args:
        link, component = _given_link(check, args["hub"])
        if callback_url:
            flag = link.callback_url
            if not is_output(flag):
                _require_endpoint(check, bool(flag))
            link = _with_endpoint_check(check, link)
        return ResolvedHub(link, component), settings_for_period(link.reconcile_every_minutes)
    hub_name = f"{check.name}-hub"
    required = {"callback_url": True} if callback_url else None
    hub_args, period = own_hub_args(check, hub_name, args, required)
    settings = settings_for_period(period)
    hub = DmsEventHub(hub_name, hub_args, pulumi.ResourceOptions(parent=parent))
    return ResolvedHub(link_from_reference(check, hub.reference), hub), settings


def _with_endpoint_check(check: ArgChecker, link: HubLink) -> HubLink:
    """``link`` whose endpoint values fail, once known, when the hub has no endpoint."""
    flag = pulumi.Output.from_input(link.callback_url).apply(
        lambda on: _require_endpoint(check, on)
    )
    return dataclasses.replace(
        link,
        callback_base_url=pulumi.Output.all(flag, link.callback_base_url).apply(lambda v: v[1]),
        signing_secret_arn=pulumi.Output.all(flag, link.signing_secret_arn).apply(lambda v: v[1]),
    )
