"""``DmsWaitersMocks``: Pulumi mocks answering every resource type and data source the
components use as AWS would, and recording each resource.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pulumi
from pulumi.output import Unknown as _PulumiUnknown
from pulumi.runtime import rpc

from ..naming import DEFAULT_NAME_RULE, NAME_RULES, NameScope, name_rule
from . import _engine as engine
from .aws_state import AwsTarget, _partition_of, resource_state
from .names import (
    DuplicatePhysicalNameError,
    PhysicalNameError,
    _autonamed,
    _check_physical_name,
    _fifo,
    _scope_text,
    _suffix,
)
from .records import (
    UNKNOWN,
    CreatedResource,
    PhysicalNameClash,
    RecordedOptions,
    _answering,
    _current_registration,
)

DEFAULT_ACCOUNT_ID: Final = "123456789012"
DEFAULT_REGION: Final = "us-east-1"
DEFAULT_PARTITION: Final = "aws"
AWS_PROVIDER_TYPE: Final = "pulumi:providers:aws"


def _json_value(value: Any) -> Any:
    # A provider's structured inputs arrive as JSON text.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _normalize_unknowns(value: Any) -> Any:
    """``value`` with the SDK's unknowns replaced by ``UNKNOWN``."""
    if isinstance(value, _PulumiUnknown) or value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _normalize_unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize_unknowns(v) for v in value]
    return value


def _to_wire(value: Any) -> Any:
    """``value`` as the engine sends it back: unknowns as the RPC's unknown marker."""
    if value is UNKNOWN:
        return rpc.UNKNOWN
    if isinstance(value, dict):
        return {k: _to_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_wire(v) for v in value]
    return value


def _ignore_changes(inputs: dict[str, Any], old: Mapping[str, Any], paths: Iterable[str]) -> None:
    """The engine's ``processIgnoreChanges``: ignored inputs keep their previous values (paths
    of nested keys separated by dots)."""
    for path in paths:
        keys = path.split(".")
        new_parent: Any = inputs
        old_parent: Any = old
        for key in keys[:-1]:
            new_parent = new_parent.get(key) if isinstance(new_parent, dict) else None
            old_parent = old_parent.get(key) if isinstance(old_parent, Mapping) else None
        if not isinstance(new_parent, dict):
            continue
        if isinstance(old_parent, Mapping) and keys[-1] in old_parent:
            new_parent[keys[-1]] = old_parent[keys[-1]]
        else:
            new_parent.pop(keys[-1], None)


@dataclass
class DmsWaitersMocks(pulumi.runtime.Mocks):
    """Pulumi mocks returning realistic AWS state for every resource type the components use.

    Unknown resource types get their inputs echoed back with a generated id, so a user's own
    resources still work; ``created`` lists everything that was registered. ``account_id``,
    ``region`` and ``partition`` are those of the default provider when the stack's config sets
    no ``aws:region`` (an explicit ``aws.Provider`` brings its own).
    """

    account_id: str = DEFAULT_ACCOUNT_ID
    """The default provider's account (getCallerIdentity, ARNs)."""
    region: str = DEFAULT_REGION
    """The default provider's region when the stack's config sets no ``aws:region``."""
    partition: str = DEFAULT_PARTITION
    """The partition of regions outside China and GovCloud."""
    resources: list[CreatedResource] = field(default_factory=list)
    """Every resource registered, in the order the mocks answered them."""
    reject_duplicate_names: bool = True
    """Fail a (non-preview) run when a second resource takes a name AWS requires to be unique,
    as AWS refuses to create it; ``duplicate_physical_names()`` lists them either way."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _provider_targets: dict[str, AwsTarget] = field(default_factory=dict, repr=False)
    _names_taken: dict[tuple[str, ...], CreatedResource] = field(default_factory=dict, repr=False)

    def created(self, type_token: str | None = None) -> list[CreatedResource]:
        """Resources registered so far, optionally only those of one type token."""
        with self._lock:
            return [r for r in self.resources if type_token in (None, r.type)]

    def by_name(self, name: str) -> CreatedResource:
        """The (first) resource registered under the logical ``name`` (KeyError if none)."""
        for res in self.created():
            if res.name == name:
                return res
        raise KeyError(name)

    def by_urn(self, urn: str) -> CreatedResource:
        """The resource registered with ``urn`` (KeyError if none)."""
        for res in self.created():
            if res.urn == urn:
                return res
        raise KeyError(urn)

    def duplicate_physical_names(self) -> list[PhysicalNameClash]:
        """Names AWS requires to be unique (per account and region; IAM per account; rules per
        event bus) that more than one resource got, in registration order."""
        groups: dict[tuple[str, ...], list[CreatedResource]] = {}
        for res in self.created():
            key = self._uniqueness_key(res)
            if key is not None:
                groups.setdefault(key, []).append(res)
        return [
            PhysicalNameClash(key[-1], _scope_text(key), tuple(found))
            for key, found in groups.items()
            if len(found) > 1
        ]

    def target(self, provider: str | None) -> AwsTarget:
        """Partition, region and account of the provider reference ``provider`` (None: the
        default provider: the stack's ``aws:region`` config, else these mocks')."""
        if provider:
            with self._lock:
                found = self._provider_targets.get(provider.rsplit("::", 1)[0])
            if found is not None:
                return found
        region = pulumi.Config("aws").get("region") or self.region
        return AwsTarget(_partition_of(region, self.partition), region, self.account_id)

    def _provider_target(self, inputs: Mapping[str, Any]) -> AwsTarget:
        """What an explicit ``aws.Provider`` targets: its region (else these mocks': explicit
        providers do not read the stack's config) and the account of its assumed role, or its
        only allowed account id."""
        region = inputs.get("region")
        region = region if isinstance(region, str) and region else self.region
        account = self.account_id
        roles = _json_value(inputs.get("assumeRoles")) or []
        roles = [*(roles if isinstance(roles, list) else [roles])]
        roles.append(_json_value(inputs.get("assumeRole")) or {})
        allowed = _json_value(inputs.get("allowedAccountIds")) or []
        arns = [
            r.get("roleArn") or r.get("role_arn") for r in roles if isinstance(r, Mapping)
        ]  # the Python SDK keeps the keys as written
        role_arn = next((a for a in arns if isinstance(a, str) and a.count(":") >= 5), None)
        if role_arn is not None:
            account = role_arn.split(":")[4]
        elif isinstance(allowed, list) and len(allowed) == 1:
            account = str(allowed[0])
        return AwsTarget(_partition_of(region, self.partition), region, account)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        """Answer the data sources the components read: identity, region, partition (of the
        invoke's provider)."""
        target = self.target(args.provider or None)
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return (
                {
                    "accountId": target.account_id,
                    "arn": f"arn:{target.partition}:iam::{target.account_id}:user/test",
                    "userId": "AIDATESTUSER",
                    "id": target.account_id,
                },
                [],
            )
        if args.token == "aws:index/getRegion:getRegion":
            return ({"name": target.region, "region": target.region, "id": target.region}, [])
        if args.token == "aws:index/getPartition:getPartition":
            suffix = "amazonaws.com.cn" if target.partition == "aws-cn" else "amazonaws.com"
            return (
                {"partition": target.partition, "dnsSuffix": suffix, "id": target.partition},
                [],
            )
        return ({}, [])

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Return the id and state AWS would give a resource of ``args.typ`` (at preview: what
        the provider computes unknown, the id empty)."""
        answering = _answering()
        previous = None if answering is None else answering.previous
        inputs = self.checked_inputs(args, previous)
        preview = pulumi.runtime.is_dry_run()
        target = self.target(args.provider)
        if args.typ == AWS_PROVIDER_TYPE:
            with self._lock:
                self._provider_targets[self._urn_of(args)] = self._provider_target(inputs)
        physical = self.physical_name(args, inputs, previous)
        placeholder = physical or f"{args.name}-{_suffix(self._urn_of(args))}"
        resource_id, extra = resource_state(args.typ, placeholder, inputs, target)
        if preview:
            # A preview creates nothing: the id and what the provider computes are unknown,
            # except a name the provider's Check already drew.
            key = name_rule(args.typ).key
            extra = {
                k: (v if k == key and physical is not None else UNKNOWN)
                for k, v in extra.items()
                if k not in inputs
            }
            resource_id = "" if args.custom else resource_id
        state = {**inputs, **extra}
        self._record(args, inputs, state, resource_id, physical_name=physical)
        return resource_id, _to_wire(state)

    def checked_inputs(
        self, args: pulumi.runtime.MockResourceArgs, previous: CreatedResource | None
    ) -> dict[str, Any]:
        """The inputs the provider sees: unknowns as ``UNKNOWN``, and the previous values of
        the ``ignore_changes`` inputs of a resource that continues ``previous``."""
        inputs: dict[str, Any] = _normalize_unknowns(dict(args.inputs))
        registration = _current_registration()
        if previous is not None and registration is not None:
            _ignore_changes(inputs, previous.inputs, registration.options.ignore_changes)
        return inputs

    def physical_name(
        self,
        args: pulumi.runtime.MockResourceArgs,
        inputs: Mapping[str, Any],
        previous: CreatedResource | None,
    ) -> str | None:
        """The name AWS will know the resource by, chosen as pulumi-aws chooses it.

        An explicit name wins; a ``name_prefix`` gets a unique id (``prefixed_name``; unknown
        at preview) unless the previous resource had the same prefix; otherwise the previous
        resource's autoname is kept, else a new one is drawn (``autoname``). Raises
        ``PhysicalNameError`` when AWS would refuse it. None for a resource without a name
        (components, providers) or a name unknown at preview.
        """
        if not args.custom or not args.typ.startswith("aws:"):
            return None
        if args.typ not in NAME_RULES:
            # Not every type has a name: only an explicit one is known to be it.
            explicit = inputs.get(DEFAULT_NAME_RULE.key)
            return explicit if isinstance(explicit, str) and explicit else None
        rule = name_rule(args.typ)
        urn = self._urn_of(args)
        explicit = inputs.get(rule.key)
        prefix = inputs.get(rule.prefix_key) if rule.prefix_key else None
        if explicit is UNKNOWN or (not explicit and prefix is UNKNOWN):
            return None
        old = previous.physical_name if previous is not None else None
        if isinstance(explicit, str) and explicit:
            name = explicit
        elif isinstance(prefix, str) and prefix and rule.prefix_key:
            same_prefix = previous is not None and previous.inputs.get(rule.prefix_key) == prefix
            if same_prefix and old is not None:
                name = old  # an unchanged prefix: no diff, the provider keeps the name
            elif pulumi.runtime.is_dry_run():
                return None  # the provider draws it when it creates the resource
            else:
                name = self.prefixed_name(prefix, urn) + _fifo(rule, inputs)
        elif previous is not None and old is not None and _autonamed(previous, rule):
            name = old  # pulumi-aws keeps an autoname from the old state (aliases included)
        else:
            name = self.autoname(args.typ, urn, inputs)
        _check_physical_name(args.typ, engine.urn_name(urn), name)
        return name

    def autoname(self, type_token: str, urn: str, inputs: Mapping[str, Any]) -> str:
        """pulumi-aws's autoname: ``<logical name>-<7 hex>`` (plus ``.fifo`` for a FIFO
        queue or topic). The suffix, random in reality, is derived from the URN, so a run is
        reproducible and two resources (two stacks, or two components of different types with
        the same name) differ. Fails as the provider does when it cannot fit the maximum."""
        rule = name_rule(type_token)
        logical = engine.urn_name(urn)
        if type_token in NAME_RULES and len(logical) + 1 + 7 > rule.max_length:
            raise PhysicalNameError(
                f"could not make instance of '{type_token}': name '{logical}-' plus 7 random "
                f"chars is longer than maximum length {rule.max_length}"
            )
        return f"{logical}-{_suffix(urn)}{_fifo(rule, inputs)}"

    def prefixed_name(self, prefix: str, urn: str) -> str:
        """Terraform's ``PrefixedUniqueId`` for a ``name_prefix``: the prefix and 26 characters
        (a timestamp to 1/10000 s and a counter); here derived from the URN."""
        digest = int(hashlib.sha256(urn.encode()).hexdigest(), 16)
        return f"{prefix}{digest % 10**18:018d}{(digest >> 64) % 2**32:08x}"

    def _urn_of(self, args: pulumi.runtime.MockResourceArgs) -> str:
        registration = _current_registration()
        if registration is not None:
            return registration.urn
        return engine.child_urn("", args.typ, args.name, pulumi.get_project(), pulumi.get_stack())

    def _record(
        self,
        args: pulumi.runtime.MockResourceArgs,
        inputs: dict[str, Any],
        state: dict[str, Any],
        resource_id: str,
        *,
        physical_name: str | None = None,
    ) -> CreatedResource:
        """Append what ``new_resource`` answered to ``resources`` (for subclasses too).

        Under a ``RecordingMockMonitor`` (``run_program``'s default) the record carries the
        real URN, the parent's URN, the options and the previous state; otherwise a URN without
        parents. Raises ``DuplicatePhysicalNameError`` when AWS would refuse the name (not at
        preview, which creates nothing; unless ``reject_duplicate_names`` is off).
        """
        answering = _answering()
        registration = None if answering is None else answering.registration
        record = CreatedResource(
            args.typ,
            args.name,
            inputs,
            state,
            resource_id,
            urn=self._urn_of(args),
            parent=None if registration is None else registration.parent,
            options=RecordedOptions() if registration is None else registration.options,
            physical_name=physical_name,
            previous=None if answering is None else answering.previous,
        )
        key = self._uniqueness_key(record)
        preview = pulumi.runtime.is_dry_run()
        with self._lock:
            if key is not None:
                taken = self._names_taken.setdefault(key, record)
                if taken is not record and self.reject_duplicate_names and not preview:
                    raise DuplicatePhysicalNameError(
                        f"{args.typ} '{args.name}' ({record.urn}) is named '{key[-1]}', the "
                        f"name of {taken.urn} in {_scope_text(key)}: AWS refuses the second"
                    )
            self.resources.append(record)
        return record

    def _uniqueness_key(self, res: CreatedResource) -> tuple[str, ...] | None:
        """Where AWS requires ``res``'s name to be unique, and the name; None if nowhere."""
        rule = NAME_RULES.get(res.type)
        if rule is None or rule.unique_in is None or res.physical_name is None:
            return None
        target = self.target(res.options.provider)
        if rule.unique_in == NameScope.ACCOUNT:
            return (res.type, target.partition, target.account_id, "", "", res.physical_name)
        bus = (
            str(res.inputs.get("eventBusName") or "default")
            if rule.unique_in == NameScope.EVENT_BUS
            else ""
        )
        return (
            res.type,
            target.partition,
            target.account_id,
            target.region,
            bus,
            res.physical_name,
        )
