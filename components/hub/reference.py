"""``DmsEventHubReference``: a shared hub in a form every Pulumi language can pass.

A workflow that waits through a hub created elsewhere needs only a few of its outputs: the
waiter table, the reconcile period (its default heartbeat), whether the hub has the callback
URL endpoint (and its URL and signing secret), and the roles of the Lambdas that resume waits
(a durable workflow grants them its callbacks). ``DmsEventHub.reference`` gathers them; a
workflow's ``hub`` argument takes it.

A reference arrives in one of three shapes, and ``link_from_reference`` takes each:

* from Python, ``hub.reference``: a dict whose values are plain (the period, the flag) or
  ``Output``s, with snake_case keys; the period is known at preview;
* from another language through the provider (``hub: hub.reference`` in TypeScript,
  ``${hub.reference}`` in YAML): an ``Output`` of the whole object with camelCase keys, unknown
  at a preview that creates the hub. Pulumi's component provider only maps a nested object that
  arrives as a plain dict, so the workflows declare ``hub`` as ``Any`` and read it here; what
  depends on its content (the heartbeat, the endpoint check) is then checked in an ``apply``,
  when ``pulumi up`` (or a preview of an existing hub) knows it;
* written out by hand: a dict, in either spelling, whose values may be ``Output``s.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Required, TypedDict, TypeVar

import pulumi

from ..arguments import ArgChecker

#: The longest reconcile period a hub accepts (one day), in minutes.
MAX_RECONCILE_EVERY_MINUTES: Final = 1440

T = TypeVar("T")
R = TypeVar("R")


class DmsEventHubReference(TypedDict, total=False):
    """What a workflow needs of a shared ``DmsEventHub``: its ``reference`` output.

    Pass it as a workflow's ``hub`` argument (``hub.reference``, in any language), so many
    workflows wait through one hub.
    """

    table_name: Required[pulumi.Input[str]]
    """Name of the hub's waiter table."""
    table_arn: Required[pulumi.Input[str]]
    """ARN of the hub's waiter table."""
    reconcile_every_minutes: Required[pulumi.Input[int]]
    """The hub's reconcile period in minutes; 0 when its reconciler is off."""
    callback_url: Required[pulumi.Input[bool]]
    """Whether the hub has the HTTP callback endpoint that ``CallbackUrlWorkflow`` needs."""
    resume_role_names: Required[pulumi.Input[list[str]]]
    """Names of the IAM roles of the hub's Lambdas that resume waits: the resume Lambda's and,
    when it runs, the reconciler's."""
    callback_base_url: pulumi.Input[str]
    """Base URL of the hub's HTTP callback endpoint; absent without the endpoint."""
    signing_secret_arn: pulumi.Input[str]
    """ARN of the secret holding the hub's URL signing key (never its value); absent without
    the endpoint."""


REFERENCE_KEYS: Final = tuple(DmsEventHubReference.__annotations__)
REQUIRED_KEYS: Final = tuple(sorted(DmsEventHubReference.__required_keys__))


def camel_case(name: str) -> str:
    """``table_name`` -> ``tableName``: how other languages spell a key."""
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


#: Both spellings of each key (Python's, and that of the provider's other languages).
_KEYS: Final = {**{k: k for k in REFERENCE_KEYS}, **{camel_case(k): k for k in REFERENCE_KEYS}}


@dataclass(frozen=True)
class HubLink:
    """A hub as a workflow uses it: each field plain when known, otherwise an ``Output``."""

    table_name: pulumi.Output[str]
    table_arn: pulumi.Output[str]
    reconcile_every_minutes: int | pulumi.Output[int]
    callback_url: bool | pulumi.Output[bool]
    resume_role_names: pulumi.Output[list[str]]
    callback_base_url: pulumi.Output[str | None]
    signing_secret_arn: pulumi.Output[str | None]


def is_output(value: Any) -> bool:
    """Whether ``value`` is a Pulumi ``Output`` (unknown at preview, or known only later)."""
    return isinstance(value, pulumi.Output)


def when_known(value: T | pulumi.Output[T], then: Callable[[T], R]) -> R | pulumi.Output[R]:
    """``then(value)`` now when ``value`` is plain, otherwise in an ``apply``: a check runs at
    preview when it can, and at the latest when ``pulumi up`` knows the value."""
    if isinstance(value, pulumi.Output):
        return value.apply(then)
    return then(value)


def _fields(check: ArgChecker, value: Mapping[Any, Any]) -> dict[str, Any]:
    """The reference's fields by their Python names; unknown and missing keys fail."""
    fields: dict[str, Any] = {}
    for key, item in value.items():
        name = _KEYS.get(key) if isinstance(key, str) else None
        if name is None:
            raise check.fail(
                "hub",
                f"has the key {key!r}; a DmsEventHubReference has {', '.join(REFERENCE_KEYS)}",
            )
        if item is not None:  # other languages drop nulls; a Python None means absent too
            fields[name] = item
    missing = [k for k in REQUIRED_KEYS if k not in fields]
    if missing:
        raise check.fail(
            "hub",
            f"lacks {', '.join(missing)}: pass a hub's reference output (hub.reference)",
        )
    return fields


def _checked(check: ArgChecker, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with the plain ones checked (``Output``s pass, as unknown values do)."""
    out = dict(fields)
    period = fields["reconcile_every_minutes"]
    if not is_output(period):
        out["reconcile_every_minutes"] = _period(check, period)
    if not is_output(fields["callback_url"]):
        out["callback_url"] = check.boolean("hub.callback_url", fields["callback_url"])
    roles = fields["resume_role_names"]
    if not is_output(roles) and (
        isinstance(roles, str) or not isinstance(roles, list | tuple) or not roles
    ):
        raise check.fail(
            "hub.resume_role_names", f"must be a non-empty list of role names, got {roles!r}"
        )
    for key in ("table_name", "table_arn", "callback_base_url", "signing_secret_arn"):
        item = fields.get(key)
        if item is not None and not is_output(item) and (not isinstance(item, str) or not item):
            raise check.fail(f"hub.{key}", f"must be a non-empty string, got {item!r}")
    return out


def _resolved(check: ArgChecker, value: Any) -> dict[str, Any]:
    """A whole reference once known (inside an ``apply``): its checked fields."""
    if not isinstance(value, Mapping):
        raise check.fail(
            "hub", f"must be a DmsEventHubReference (a hub's reference output), got {value!r}"
        )
    return _checked(check, _fields(check, value))


def link_from_reference(check: ArgChecker, value: Any) -> HubLink:
    """The ``HubLink`` of a ``DmsEventHubReference`` in any of its shapes (see the module)."""
    if is_output(value):
        whole: pulumi.Output[dict[str, Any]] = value.apply(lambda v: _resolved(check, v))
        return HubLink(
            table_name=whole.apply(lambda f: f["table_name"]),
            table_arn=whole.apply(lambda f: f["table_arn"]),
            reconcile_every_minutes=whole.apply(lambda f: f["reconcile_every_minutes"]),
            callback_url=whole.apply(lambda f: f["callback_url"]),
            resume_role_names=whole.apply(lambda f: list(f["resume_role_names"])),
            callback_base_url=whole.apply(lambda f: f.get("callback_base_url")),
            signing_secret_arn=whole.apply(lambda f: f.get("signing_secret_arn")),
        )
    if not isinstance(value, Mapping):
        raise check.fail(
            "hub",
            f"must be a DmsEventHubReference (a hub's reference output), got "
            f"{type(value).__name__}",
        )
    fields = _checked(check, _fields(check, value))
    period, flag = fields["reconcile_every_minutes"], fields["callback_url"]
    return HubLink(
        table_name=pulumi.Output.from_input(fields["table_name"]),
        table_arn=pulumi.Output.from_input(fields["table_arn"]),
        reconcile_every_minutes=when_known(period, lambda p: _period(check, p)),
        callback_url=when_known(flag, lambda f: check.boolean("hub.callback_url", f)),
        resume_role_names=pulumi.Output.from_input(fields["resume_role_names"]).apply(list),
        callback_base_url=pulumi.Output.from_input(fields.get("callback_base_url")),
        signing_secret_arn=pulumi.Output.from_input(fields.get("signing_secret_arn")),
    )


def _period(check: ArgChecker, period: Any) -> int:
    return check.integer(
        "hub.reconcile_every_minutes", period, 0, MAX_RECONCILE_EVERY_MINUTES, unit="minutes"
    )
