"""A deployment of a changed program: create, update in place, replace or delete each resource,
as the Pulumi engine and pulumi-aws decide.

A resource of this run continues the previous deployment's resource with its URN or one of its
aliases (``dms_waiters.testing.RecordingMockMonitor`` finds it, and the physical name is kept
as pulumi-aws keeps it). Then, per resource (``Steps.apply``):

* no previous resource: **create** it;
* the same inputs: **same**, nothing is called (ids, names and outputs are the previous ones);
* changed inputs, none of them replace-on-change (``replacements.FORCE_NEW``, the
  ``replace_on_changes`` option): **update** in place through the type's updater, which makes
  the AWS update calls (UpdateFunctionCode/Configuration and PublishVersion, UpdateAlias,
  UpdateStateMachine, PutRule/PutTargets, PutRolePolicy, UpdateTimeToLive/UpdateTable,
  SetQueueAttributes...); the id stays;
* a replace-on-change input changed: **replace**: the new resource is created first (an
  autonamed one gets a new name, as the engine re-runs the provider's Check without the old
  state) and the old one deleted at the end of the deployment, Pulumi's create-before-delete;
  when the new one would take the old one's name (an explicit name) or the resource asks for
  ``delete_before_replace``, the old one is deleted first.

After the program has run, ``Steps.finish`` deletes what is no longer declared and the replaced
resources, in reverse order of the previous deployment: a protected resource fails the
deployment, a ``retain_on_delete`` one is forgotten without being deleted, and AWS's own
refusals (a DynamoDB table with deletion protection) fail it with AWS's error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import pulumi

from dms_waiters.testing import CreatedResource, RecordedOptions
from dms_waiters.testing.records import _answering as answering

from .assets import archive_zip
from .mocks import (
    DELETERS,
    HANDLERS,
    UPDATERS,
    DeploymentError,
    ResourceRequest,
    UnsupportedResourceError,
    unwrap_secrets,
)
from .replacements import replacing_keys

if TYPE_CHECKING:
    from .mocks import LocalCloudMocks


class StepOp(StrEnum):
    """What a deployment does to one resource (a member equals its value: ``"create"``...)."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    SAME = "same"


@dataclass(frozen=True)
class Step:
    """What a deployment did to one resource."""

    op: StepOp
    type: str
    name: str
    """The logical name."""
    urn: str
    keys: tuple[str, ...] = ()
    """The inputs that changed (update) or that forced the replacement (replace)."""
    note: str = ""
    """E.g. ``delete-before-replace``, ``retained``."""


def comparable(value: Any, base_dir: Any) -> Any:
    """``value`` as the diff compares it: an archive by the digest of the zip it makes."""
    if isinstance(value, pulumi.Archive):
        return ("archive", hashlib.sha256(archive_zip(value, base_dir)).hexdigest())
    if isinstance(value, pulumi.Asset):
        return ("asset", repr(value))
    if isinstance(value, dict):
        return {k: comparable(v, base_dir) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v, base_dir) for v in value]
    return value


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any], base_dir: Any) -> frozenset[str]:
    """Top-level input keys whose values differ (an absent key equals None)."""
    return frozenset(
        key
        for key in set(old) | set(new)
        if comparable(old.get(key), base_dir) != comparable(new.get(key), base_dir)
    )


class Steps:
    """Decides and performs each resource's step; keeps them in order (``done``)."""

    def __init__(self, mocks: LocalCloudMocks) -> None:
        self.mocks = mocks
        self.done: list[Step] = []
        self._replaced: list[CreatedResource] = []
        self._deleted_early: set[str] = set()

    # -- one registration ------------------------------------------------------------------

    def apply(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[dict[str, Any], str, dict[str, Any], str | None]:
        """The step of one ``aws:`` resource: (its inputs as the provider sees them, with the
        ``ignore_changes`` ones kept from the previous deployment; id; outputs; name)."""
        label = f"{args.typ} {args.name!r}"
        if args.typ not in HANDLERS:
            raise UnsupportedResourceError(
                f"{label}: resource type {args.typ} is not supported by the local cloud "
                f"(supported: {', '.join(sorted(HANDLERS))})"
            )
        current = answering()
        previous = None if current is None else current.previous
        options = RecordedOptions() if current is None else current.registration.options
        urn = self.mocks._urn_of(args)
        raw = self.mocks.checked_inputs(args, previous)
        inputs = unwrap_secrets(raw)
        if previous is None or previous.type != args.typ:
            name = self.mocks.physical_name(args, inputs, None)
            return (raw, *self._create(label, args, inputs, urn, name), name)
        changed = changed_keys(unwrap_secrets(previous.inputs), inputs, self.mocks.base_dir)
        name = self.mocks.physical_name(args, inputs, previous)
        if not changed:
            self.done.append(Step(StepOp.SAME, args.typ, args.name, urn))
            outputs = {k: v for k, v in previous.state.items() if k not in previous.inputs}
            return raw, previous.id, outputs, previous.physical_name
        forcing = replacing_keys(
            args.typ, unwrap_secrets(previous.inputs), inputs, changed, options.replace_on_changes
        )
        if forcing:
            return (raw, *self._replace(label, args, inputs, urn, previous, forcing, options))
        updater = UPDATERS.get(args.typ)
        if updater is None:
            raise DeploymentError(
                f"{label}: {', '.join(sorted(changed))} changed, and the local cloud cannot "
                f"update a {args.typ} in place"
            )
        request = ResourceRequest(
            args.typ,
            args.name,
            inputs,
            self.mocks,
            urn=urn,
            aws_name=name,
            previous=previous,
            changed=changed,
        )
        outputs = self._call(label, "updating", lambda: updater(request))
        self.done.append(Step(StepOp.UPDATE, args.typ, args.name, urn, tuple(sorted(changed))))
        return raw, previous.id, outputs, name

    def _create(
        self,
        label: str,
        args: pulumi.runtime.MockResourceArgs,
        inputs: dict[str, Any],
        urn: str,
        name: str | None,
        op: StepOp = StepOp.CREATE,
        keys: Iterable[str] = (),
        note: str = "",
    ) -> tuple[str, dict[str, Any]]:
        request = ResourceRequest(args.typ, args.name, inputs, self.mocks, urn=urn, aws_name=name)
        handler = HANDLERS[args.typ]
        resource_id, outputs = self._call(label, "creating", lambda: handler(request))
        self.done.append(Step(op, args.typ, args.name, urn, tuple(sorted(keys)), note))
        return resource_id, outputs

    def _replace(
        self,
        label: str,
        args: pulumi.runtime.MockResourceArgs,
        inputs: dict[str, Any],
        urn: str,
        previous: CreatedResource,
        forcing: frozenset[str],
        options: RecordedOptions,
    ) -> tuple[str, dict[str, Any], str | None]:
        # The engine checks the inputs again without the old state: an autoname is drawn anew.
        name = self.mocks.physical_name(args, inputs, None)
        if name is not None and name == previous.physical_name and _autonamed(previous, args.typ):
            name = self.mocks.replacement_name(previous, urn)
        delete_first = bool(options.delete_before_replace) or (
            name is not None and name == previous.physical_name
        )
        if delete_first:
            self._delete(previous)
            self._deleted_early.add(previous.urn)
        else:
            self._replaced.append(previous)
        note = "delete-before-replace" if delete_first else ""
        resource_id, outputs = self._create(
            label, args, inputs, urn, name, op=StepOp.REPLACE, keys=forcing, note=note
        )
        return resource_id, outputs, name

    # -- after the program -----------------------------------------------------------------

    def finish(
        self, previous: Iterable[CreatedResource], current: Iterable[CreatedResource]
    ) -> None:
        """Delete the previous deployment's resources no longer declared, and the replaced
        ones, in reverse order of the previous deployment."""
        continued = {r.previous.urn for r in current if r.previous is not None}
        replaced = {r.urn for r in self._replaced}
        for resource in reversed(list(previous)):
            if resource.urn in self._deleted_early or not resource.type.startswith("aws:"):
                continue
            if resource.urn in replaced or resource.urn not in continued:
                self._delete(resource)

    def _delete(self, resource: CreatedResource) -> None:
        label = f"{resource.type} {resource.name!r}"
        if resource.options.protect:
            raise DeploymentError(
                f"{label}: refusing to delete a protected resource (its 'protect' option)"
            )
        if resource.options.retain_on_delete:
            self.done.append(
                Step(StepOp.DELETE, resource.type, resource.name, resource.urn, (), "retained")
            )
            return
        deleter = DELETERS.get(resource.type)
        if deleter is None:
            raise DeploymentError(f"{label}: the local cloud cannot delete a {resource.type}")
        request = ResourceRequest(
            resource.type,
            resource.name,
            unwrap_secrets(resource.inputs),
            self.mocks,
            urn=resource.urn,
            aws_name=resource.physical_name,
            previous=resource,
        )
        self._call(label, "deleting", lambda: deleter(request))
        self.done.append(Step(StepOp.DELETE, resource.type, resource.name, resource.urn))

    @staticmethod
    def _call(label: str, doing: str, call: Any) -> Any:
        try:
            return call()
        except DeploymentError:
            raise
        except KeyError as err:
            # A handler reads required inputs with inputs[...]: name the missing one.
            raise DeploymentError(f"{label}: required input {err.args[0]!r} is missing") from err
        except Exception as err:
            raise DeploymentError(f"{label}: {doing} it in the local cloud failed: {err}") from err


def _autonamed(previous: CreatedResource, type_token: str) -> bool:
    from dms_waiters.naming import name_rule

    rule = name_rule(type_token)
    return not previous.inputs.get(rule.key) and not (
        rule.prefix_key and previous.inputs.get(rule.prefix_key)
    )
