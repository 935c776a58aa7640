"""Unit-test support for programs that use these components, under Pulumi mocks.

``DmsWaitersMocks`` answers every resource type and data source the components use with the
state AWS would return (ARNs, names, ids, versions), and records each resource, so a test can
assert on what a program created. ``run_program`` runs a program (a function that creates
resources) under fresh mocks and waits until every resource is registered::

    def program() -> None:
        DmsPollingWorkflow("orders", {"replication_task_arn": TASK_ARN})

    mocks = run_program(program)
    roles = mocks.created("aws:iam/role:Role")

``run_program`` plays the Pulumi engine and the AWS provider where Pulumi's own mock monitor
does not:

* **Preview.** ``run_program(program, preview=True)`` answers as a ``pulumi preview`` of a new
  stack does: what the provider computes (ARNs, ids, versions, names from ``name_prefix``) is
  unknown (``UNKNOWN`` in the records; ``apply`` callbacks on it do not run), inputs are known,
  and so are autonames, which the provider's Check draws before anything is created.
* **Names.** A resource without an explicit name is autonamed as pulumi-aws does,
  ``<logical name>-<7 hex>``, with the suffix derived from the resource's URN (random in
  reality), and a ``name_prefix`` gets a unique id; the rules of ``naming.NAME_RULES`` apply
  (too long a name fails, as the provider fails at preview). ``previous=`` (the mocks of an
  earlier run) is the stack's state: a resource continuing one of it, by URN or by an alias
  (its own, or inherited from an aliased parent, as the engine derives them), keeps its name.
  ``duplicate_physical_names()`` lists names AWS would refuse twice (per account and region,
  IAM per account); by default a second one fails the run as AWS would.
* **Region and account.** ARNs and data sources follow each resource's provider: an explicit
  ``aws.Provider`` (its ``region``; the account of its assumed role, or its one allowed account
  id), else the stack's ``aws:region`` config, else the mocks' own region and account.
* **Transforms.** Stack transforms (``pulumi.runtime.register_resource_transform``) and
  ``transforms=`` options run as the engine runs them: the resource's own, its ancestors', then
  the stack's; what they return is what the mocks see and record.
* **Options.** Each ``CreatedResource`` records its resource options (``options``), after the
  transforms and with what it inherits from its parent (provider, protect, retain on delete).

The mocks also work with ``pulumi.runtime.set_mocks`` and ``@pulumi.runtime.test`` directly;
pass ``monitor=RecordingMockMonitor(mocks)`` to ``set_mocks`` to get URNs, options, aliases and
transforms too (there the SDK serves transforms from its callback server on a local port;
``run_program`` registers them in process instead).
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import hashlib
import json
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

import pulumi
from pulumi.output import Unknown as _PulumiUnknown
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import resource_pb2

from ..naming import ACCOUNT, DEFAULT_NAME_RULE, EVENT_BUS, NAME_RULES, NameRule, name_rule
from . import _engine as engine

DEFAULT_ACCOUNT_ID: Final = "123456789012"
DEFAULT_REGION: Final = "us-east-1"
DEFAULT_PARTITION: Final = "aws"
AWS_PROVIDER_TYPE: Final = "pulumi:providers:aws"
_ROOT_STACK_TYPE: Final = engine.ROOT_STACK_TYPE


class _Unknown:
    """The type of ``UNKNOWN``."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""A value unknown at preview, in ``CreatedResource.inputs`` and ``state`` (``is`` it)."""


def is_unknown(value: Any) -> bool:
    """Whether ``value`` is unknown (at preview)."""
    return value is UNKNOWN


EngineError = engine.EngineError


class PhysicalNameError(ValueError):
    """A physical name the provider or AWS refuses: too long, bad characters, or taken."""


class DuplicatePhysicalNameError(PhysicalNameError):
    """A second resource got a name AWS requires to be unique (in its account and region)."""


@dataclass(frozen=True)
class RecordedOptions:
    """The resource options a resource was registered with, as the engine received them.

    After transforms, and with what the resource inherits from its parent (the engine's
    ``inheritFromParent``: provider, ``protect``, ``retain_on_delete``, ``deleted_with``).
    Resources are named by URN.
    """

    protect: bool | None = None
    """``protect``, or None when unset."""
    retain_on_delete: bool | None = None
    """``retain_on_delete``, or None when unset."""
    provider: str | None = None
    """The provider reference ``<provider URN>::<id>``; None for the default provider."""
    providers: Mapping[str, str] = field(default_factory=dict)
    """A component's ``providers``: package -> provider reference."""
    depends_on: tuple[str, ...] = ()
    """URNs of every resource it waits for: ``depends_on`` and those its inputs come from
    (a component stands for its custom resources), as the engine's ``DependsOn``."""
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Input name -> URNs the input's value comes from."""
    aliases: tuple[str, ...] = ()
    """Every URN the resource may have had: its ``aliases`` and those inherited from an
    aliased parent, as the engine derives them."""
    ignore_changes: tuple[str, ...] = ()
    """``ignore_changes`` (input names as the engine sees them, e.g. ``namePrefix``)."""
    replace_on_changes: tuple[str, ...] = ()
    """``replace_on_changes``."""
    delete_before_replace: bool | None = None
    """``delete_before_replace``, or None when unset."""
    additional_secret_outputs: tuple[str, ...] = ()
    """``additional_secret_outputs``."""
    custom_timeouts: Mapping[str, str] | None = None
    """``custom_timeouts`` (``create``, ``update``, ``delete``), or None."""
    deleted_with: str | None = None
    """URN of ``deleted_with``, or None."""
    import_id: str | None = None
    """``import_``, or None."""
    version: str | None = None
    """``version`` (of the provider plugin), or None."""
    plugin_download_url: str | None = None
    """``plugin_download_url``, or None."""
    hide_diffs: tuple[str, ...] = ()
    """``hide_diffs``."""
    replace_with: tuple[str, ...] = ()
    """URNs of ``replace_with``."""


def _recorded_options(
    request: resource_pb2.RegisterResourceRequest, aliases: Iterable[str]
) -> RecordedOptions:
    timeouts = None
    if request.HasField("customTimeouts"):
        raw = request.customTimeouts
        timeouts = {
            key: value
            for key, value in (
                ("create", raw.create),
                ("update", raw.update),
                ("delete", raw.delete),
            )
            if value
        }
    return RecordedOptions(
        protect=request.protect if request.HasField("protect") else None,
        retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else None,
        provider=request.provider or None,
        providers=dict(request.providers),
        depends_on=tuple(request.dependencies),
        property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
        aliases=tuple(aliases),
        ignore_changes=tuple(request.ignoreChanges),
        replace_on_changes=tuple(request.replaceOnChanges),
        delete_before_replace=(
            request.deleteBeforeReplace
            if request.deleteBeforeReplaceDefined or request.deleteBeforeReplace
            else None
        ),
        additional_secret_outputs=tuple(request.additionalSecretOutputs),
        custom_timeouts=timeouts,
        deleted_with=request.deletedWith or None,
        import_id=request.importId or None,
        version=request.version or None,
        plugin_download_url=request.pluginDownloadURL or None,
        hide_diffs=tuple(request.hideDiffs),
        replace_with=tuple(request.replace_with),
    )


@dataclass
class CreatedResource:
    """One resource the program registered: its type, logical name, inputs and mocked state.

    ``urn`` and ``parent`` (the parent's URN) are the engine's when the run used a
    ``RecordingMockMonitor`` (as ``run_program`` does); otherwise a URN without parents and
    None. At preview, values the provider computes are ``UNKNOWN``.
    """

    type: str
    name: str
    inputs: dict[str, Any]
    state: dict[str, Any]
    id: str
    urn: str = ""
    parent: str | None = None
    options: RecordedOptions = field(default_factory=RecordedOptions)
    """The resource options it was registered with."""
    physical_name: str | None = None
    """The name AWS knows it by (``name``, ``targetId``, ``statementId``); None for a type
    without one, or when unknown (at preview, from a ``name_prefix``)."""
    previous: CreatedResource | None = field(default=None, repr=False, compare=False)
    """The resource of the previous deployment it continues (by URN or alias), if any."""

    def output(self, key: str) -> Any:
        """A key of the resource's state (inputs merged with the mocked outputs)."""
        return self.state.get(key)


@dataclass(frozen=True)
class Registration:
    """One ``RegisterResource`` call a ``RecordingMockMonitor`` saw.

    Covers everything Pulumi registers: the root stack, component resources and custom
    resources. ``parent`` is the parent's URN (None only for the root stack).
    """

    type: str
    name: str
    urn: str
    parent: str | None
    custom: bool
    options: RecordedOptions = field(default_factory=RecordedOptions)
    """Its resource options (after transforms and what it inherits from its parent)."""
    previous_urn: str | None = None
    """The URN of the previous deployment's resource it continues (its own URN, or one of its
    aliases), None when new."""


@dataclass(frozen=True)
class _Answering:
    """The registration the calling thread is answering, and the state it continues."""

    registration: Registration
    previous: CreatedResource | None


# Pulumi's mock monitor calls ``Mocks.new_resource`` synchronously inside ``RegisterResource``,
# in the same worker thread.
_REGISTERING = threading.local()


def _answering() -> _Answering | None:
    current: _Answering | None = getattr(_REGISTERING, "current", None)
    return current


def _current_registration() -> Registration | None:
    answering = _answering()
    return None if answering is None else answering.registration


def _previous_by_urn(
    previous: DmsWaitersMocks | Iterable[CreatedResource] | None,
) -> dict[str, CreatedResource]:
    if previous is None:
        return {}
    resources = previous.created() if isinstance(previous, DmsWaitersMocks) else previous
    return {r.urn: r for r in resources if r.urn}


class RecordingMockMonitor(MockMonitor):
    """Pulumi's ``MockMonitor`` doing what the engine does with each registration.

    It records every registration (``registrations``, in the order Pulumi registered them:
    URN, parent URN, options), and before the mocks answer one it:

    * gives it what it inherits from its parent's options (provider, protect, ...);
    * runs its transforms: its own, its ancestors', then the stack's (Pulumi's mock monitor
      drops them);
    * rejects a duplicate URN, derives its aliases and finds the resource of the ``previous``
      deployment (the mocks of an earlier run, or their ``created()``) it continues.

    ``DmsWaitersMocks`` store the URN, parent, options and previous state in each
    ``CreatedResource``. ``run_program`` uses one by default.
    """

    def __init__(
        self,
        mocks: pulumi.runtime.Mocks,
        previous: DmsWaitersMocks | Iterable[CreatedResource] | None = None,
    ) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.previous: dict[str, CreatedResource] = _previous_by_urn(previous)
        """The previous deployment's resources by URN."""
        self._registrations_lock = threading.Lock()
        self._goals: dict[str, resource_pb2.RegisterResourceRequest] = {}
        self._parents: dict[str, str] = {}
        self._own_transforms: dict[str, list[Any]] = {}
        self._stack_transforms_callbacks: list[Any] = []
        self._resolver: engine.AliasResolver | None = None

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the Pulumi engine gives a resource.

        Pulumi's mock monitor prefixes only the parent's own type, the root stack's included;
        the engine prefixes the parent's whole type chain and leaves the root stack out, so
        ``urn:pulumi:<stack>::<project>::<component type>$<type>::<name>``.
        """
        return engine.child_urn(parent, type_, name, pulumi.get_project(), pulumi.get_stack())

    def RegisterStackTransform(self, request: Any) -> Any:  # noqa: N802 (the gRPC method)
        """Keep the transform's callback: every later registration runs it."""
        with self._registrations_lock:
            self._stack_transforms_callbacks.append(request)
        return super().RegisterStackTransform(request)  # type: ignore[no-untyped-call]

    def _transforms_for(self, request: resource_pb2.RegisterResourceRequest) -> list[Any]:
        with self._registrations_lock:
            callbacks = list(request.transforms)
            parent = request.parent
            while parent:
                callbacks += self._own_transforms.get(parent, [])
                parent = self._parents.get(parent, "")
            return callbacks + self._stack_transforms_callbacks

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        """Inherit, transform, alias and record the registration, then let Pulumi's mock
        monitor (and so the mocks) handle it."""
        goal = resource_pb2.RegisterResourceRequest()
        goal.CopyFrom(request)
        if goal.type == _ROOT_STACK_TYPE:
            registration = Registration(goal.type, goal.name, self._urn(goal), None, False)
            with self._registrations_lock:
                self.registrations.append(registration)
            return super().RegisterResource(goal)  # type: ignore[no-untyped-call]
        with self._registrations_lock:
            parent_goal = self._goals.get(goal.parent)
        if parent_goal is not None:
            engine.inherit_from_parent(goal, parent_goal)
        engine.run_transforms(goal, self._transforms_for(goal))
        urn = self._urn(goal)
        with self._registrations_lock:
            if self._resolver is None:
                self._resolver = engine.AliasResolver(
                    self.previous, pulumi.get_project(), pulumi.get_stack()
                )
            aliases = self._resolver.aliases(
                goal.name,
                goal.type,
                goal.parent,
                [*(_alias_urn(u) for u in goal.aliasURNs), *goal.aliases],
            )
            previous_urn = self._resolver.previous(urn, aliases)
            self._goals[urn] = goal
            self._parents[urn] = goal.parent
            self._own_transforms[urn] = list(request.transforms)
            registration = Registration(
                type=goal.type,
                name=goal.name,
                urn=urn,
                parent=goal.parent or None,
                custom=bool(goal.custom),
                options=_recorded_options(goal, aliases),
                previous_urn=previous_urn,
            )
            self.registrations.append(registration)
        previous = None if previous_urn is None else self.previous.get(previous_urn)
        _REGISTERING.current = _Answering(registration, previous)
        try:
            return super().RegisterResource(goal)  # type: ignore[no-untyped-call]
        finally:
            _REGISTERING.current = None

    def _urn(self, request: resource_pb2.RegisterResourceRequest) -> str:
        return self.make_urn(request.parent, request.type, request.name)


def _alias_urn(urn: str) -> Any:
    from pulumi.runtime.proto import alias_pb2

    return alias_pb2.Alias(urn=urn)


@dataclass(frozen=True)
class AwsTarget:
    """Where a resource is created: its provider's partition, region and account."""

    partition: str
    """``aws``, ``aws-cn`` (``cn-`` regions) or ``aws-us-gov`` (``us-gov-`` regions)."""
    region: str
    """The region, e.g. ``eu-west-1``."""
    account_id: str
    """The 12-digit account id."""

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        """``arn:<partition>:<service>:<region>:<account>:<resource>`` (IAM: no region)."""
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )


def _partition_of(region: str, default: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return default


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


def _suffix(text: str, length: int = 7) -> str:
    # Deterministic stand-in for a random suffix: two URNs never share it in practice.
    return hashlib.sha256(text.encode()).hexdigest()[:length]


@dataclass(frozen=True)
class PhysicalNameClash:
    """Resources that got a name AWS requires to be unique in ``scope``."""

    name: str
    """The physical name they share."""
    scope: str
    """E.g. ``aws:lambda/function:Function in account 123456789012, us-east-1``."""
    resources: tuple[CreatedResource, ...]
    """The resources that got it, in registration order."""


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
        resource_id, extra = self._state_for(args.typ, placeholder, inputs, target)
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
        if rule.unique_in == ACCOUNT:
            return (res.type, target.partition, target.account_id, "", "", res.physical_name)
        bus = (
            str(res.inputs.get("eventBusName") or "default") if rule.unique_in == EVENT_BUS else ""
        )
        return (
            res.type,
            target.partition,
            target.account_id,
            target.region,
            bus,
            res.physical_name,
        )

    def _state_for(
        self, typ: str, physical: str, inputs: dict[str, Any], target: AwsTarget
    ) -> tuple[str, dict[str, Any]]:
        builders: dict[str, Callable[[], tuple[str, dict[str, Any]]]] = {
            "aws:iam/role:Role": lambda: (
                physical,
                {
                    "name": physical,
                    "arn": target.arn("iam", f"role/{physical}", region=False),
                    "uniqueId": "AROA" + _suffix(physical).upper(),
                },
            ),
            "aws:iam/rolePolicy:RolePolicy": lambda: (
                f"{inputs.get('role', 'role')}:{physical}",
                {"name": physical},
            ),
            "aws:iam/policy:Policy": lambda: (
                target.arn("iam", f"policy/{physical}", region=False),
                {
                    "name": physical,
                    "arn": target.arn("iam", f"policy/{physical}", region=False),
                    "policyId": "ANPA" + _suffix(physical).upper(),
                },
            ),
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": lambda: (
                f"{inputs.get('role', 'role')}-{_suffix(physical)}",
                {},
            ),
            "aws:cloudwatch/logGroup:LogGroup": lambda: (
                physical,
                {"name": physical, "arn": target.arn("logs", f"log-group:{physical}")},
            ),
            "aws:sfn/stateMachine:StateMachine": lambda: self._state_machine(physical, target),
            "aws:lambda/function:Function": lambda: self._function(physical, inputs, target),
            "aws:lambda/alias:Alias": lambda: self._alias(physical, inputs, target),
            "aws:dynamodb/table:Table": lambda: (
                physical,
                {
                    "name": physical,
                    "arn": target.arn("dynamodb", f"table/{physical}"),
                    "streamArn": "",
                },
            ),
            "aws:sqs/queue:Queue": lambda: (
                f"https://sqs.{target.region}.amazonaws.com/{target.account_id}/{physical}",
                {
                    "name": physical,
                    "arn": target.arn("sqs", physical),
                    "url": f"https://sqs.{target.region}.amazonaws.com/{target.account_id}/"
                    f"{physical}",
                },
            ),
            "aws:cloudwatch/eventRule:EventRule": lambda: (
                f"default|{physical}" if inputs.get("eventBusName") else physical,
                {"name": physical, "arn": target.arn("events", f"rule/{physical}")},
            ),
            "aws:cloudwatch/eventTarget:EventTarget": lambda: (
                f"{inputs.get('rule', 'rule')}-{physical}",
                {"targetId": physical},
            ),
            "aws:cloudwatch/metricAlarm:MetricAlarm": lambda: (
                physical,
                {"name": physical, "arn": target.arn("cloudwatch", f"alarm:{physical}")},
            ),
            "aws:lambda/permission:Permission": lambda: (physical, {"statementId": physical}),
            "aws:lambda/functionUrl:FunctionUrl": lambda: self._function_url(inputs, target),
            "aws:secretsmanager/secret:Secret": lambda: (
                target.arn("secretsmanager", f"secret:{physical}-AbCdEf"),
                {
                    "name": physical,
                    "arn": target.arn("secretsmanager", f"secret:{physical}-AbCdEf"),
                },
            ),
        }
        builder = builders.get(typ)
        if builder is None:
            return f"{physical}-id", {}
        return builder()

    def _function_url(
        self, inputs: dict[str, Any], target: AwsTarget
    ) -> tuple[str, dict[str, Any]]:
        function = str(inputs.get("functionName", "function"))
        url_id = hashlib.sha256(function.encode()).hexdigest()[:32]
        return function, {
            "functionUrl": f"https://{url_id}.lambda-url.{target.region}.on.aws/",
            "functionArn": target.arn("lambda", f"function:{function}"),
            "urlId": url_id,
        }

    def _state_machine(self, physical: str, target: AwsTarget) -> tuple[str, dict[str, Any]]:
        arn = target.arn("states", f"stateMachine:{physical}")
        return arn, {
            "name": physical,
            "arn": arn,
            "stateMachineVersionArn": "",
            "status": "ACTIVE",
            "creationDate": "2026-01-01T00:00:00Z",
        }

    def _function(
        self, physical: str, inputs: dict[str, Any], target: AwsTarget
    ) -> tuple[str, dict[str, Any]]:
        arn = target.arn("lambda", f"function:{physical}")
        version = "1" if inputs.get("publish") else "$LATEST"
        return physical, {
            "name": physical,
            "arn": arn,
            "invokeArn": f"arn:{target.partition}:apigateway:{target.region}:lambda:path/"
            f"2015-03-31/functions/{arn}/invocations",
            "qualifiedArn": f"{arn}:{version}",
            "version": version,
            "lastModified": "2026-01-01T00:00:00.000+0000",
            "sourceCodeHash": "mock",
        }

    def _alias(
        self, physical: str, inputs: dict[str, Any], target: AwsTarget
    ) -> tuple[str, dict[str, Any]]:
        function = str(inputs.get("functionName", "function"))
        fn_arn = (
            function
            if function.startswith("arn:")
            else target.arn("lambda", f"function:{function}")
        )
        name = inputs.get("name", physical)
        return f"{fn_arn}:{name}", {"arn": f"{fn_arn}:{name}", "name": name}


def _fifo(rule: NameRule, inputs: Mapping[str, Any]) -> str:
    return ".fifo" if rule.fifo_key and inputs.get(rule.fifo_key) is True else ""


def _autonamed(previous: CreatedResource, rule: NameRule) -> bool:
    # The name was drawn by the provider (no explicit name, no prefix): it lives in the state.
    return not previous.inputs.get(rule.key) and not (
        rule.prefix_key and previous.inputs.get(rule.prefix_key)
    )


def _check_physical_name(type_token: str, logical: str, name: str) -> None:
    """Raise ``PhysicalNameError`` for a name AWS refuses (the provider's schema validation)."""
    rule = NAME_RULES.get(type_token)
    if rule is None:
        return
    if len(name) > rule.limit:
        raise PhysicalNameError(
            f"{type_token} '{logical}': name '{name}' is {len(name)} characters long; AWS "
            f"allows at most {rule.limit}"
        )
    if not rule.matches(name):
        raise PhysicalNameError(
            f"{type_token} '{logical}': name '{name}' has characters AWS does not allow "
            f"(allowed: {rule.pattern})"
        )


def _scope_text(key: tuple[str, ...]) -> str:
    type_token, _partition, account, region, bus, _name = key
    where = f"{type_token} in account {account}"
    if region:
        where += f", {region}"
    if bus:
        where += f", event bus {bus}"
    return where


def run_program(
    program: Callable[[], Any],
    mocks: DmsWaitersMocks | None = None,
    *,
    preview: bool = False,
    previous: DmsWaitersMocks | Iterable[CreatedResource] | None = None,
    project: str = "project",
    stack: str = "stack",
    monitor: MockMonitor | None = None,
) -> DmsWaitersMocks:
    """Run ``program`` under ``mocks`` (new ones by default) until every resource is registered.

    ``program`` builds resources like a Pulumi program's ``__main__``. If it returns a value
    (an ``Output``, or anything ``Output.from_input`` accepts), that value is awaited too, so
    assertions written inside ``apply`` callbacks run before ``run_program`` returns.

    Returns the mocks, whose ``created()`` lists the resources. An exception raised while the
    program builds its resources (bad arguments, for example), inside an ``apply`` or by the
    mocks (a name AWS refuses) propagates, after the registrations already started have
    finished.

    ``preview=True`` runs it as ``pulumi preview`` of a new stack: outputs the provider
    computes are unknown (``apply`` callbacks on them do not run; ``UNKNOWN`` in the records),
    inputs and autonames are known. ``previous`` is the stack's state before this run (the mocks
    of an earlier ``run_program``, or resources from them): a resource continuing one of its
    resources, by URN or alias, keeps its physical name, as a ``pulumi up`` would.

    Each call is one deployment, run by Pulumi's own test runner (``pulumi.runtime.test``,
    which waits for every outstanding RPC and ``Output``):

    * in a copy of the caller's ``contextvars`` context, starting from reset Pulumi settings and
      a new root stack resource: no settings carry over between calls, the caller's own Pulumi
      settings (mocks it set with ``pulumi.runtime.set_mocks``, say) are left as they were, and
      configuration set with ``pulumi.runtime.set_config`` / ``set_all_config`` is visible
      (``aws:region`` included);
    * on the calling thread's event loop (a new one if the thread has none or it is closed, as
      after ``asyncio.run``), which stays current afterwards: ``Output``s the program hands
      out stay usable, and work scheduled on them between calls (``apply``) is finished by the
      next call. The mock RPCs run on a thread pool of this call, whose threads and their event
      loops are closed before it returns, so none leaks or raises ``ResourceWarning``.

    ``monitor`` is the mock resource monitor, built for ``mocks``; by default a new
    ``RecordingMockMonitor`` (with ``previous``). Pass your own to read its ``registrations``
    (the root stack and components included) afterwards.

    It blocks, so it must be called from synchronous code; inside a running event loop (an
    ``async def`` test) it raises ``RuntimeError``: use ``await asyncio.to_thread(run_program,
    program)`` there.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError(
            "run_program() blocks and cannot run inside a running event loop; from async code "
            "use `await asyncio.to_thread(run_program, program)`"
        )
    mocks = DmsWaitersMocks() if mocks is None else mocks
    if monitor is None:
        monitor = RecordingMockMonitor(mocks, previous)
    elif previous is not None:
        if not isinstance(monitor, RecordingMockMonitor):
            raise TypeError("previous= needs a RecordingMockMonitor (the default monitor)")
        monitor.previous = _previous_by_urn(previous)
    loop = _thread_event_loop()
    executor = _WorkerLoopExecutor()
    loop.set_default_executor(executor)
    idle = _IDLE_EXECUTORS.pop(loop, None)
    if idle is not None:  # the pool left for work between calls: done with it now
        idle.shutdown(wait=True)
    try:
        contextvars.copy_context().run(_deploy, program, mocks, monitor, project, stack, preview)
        _finish_pending_tasks(loop)
    finally:
        # A fresh pool (its threads start only if used) for work between calls, then this
        # call's pool is shut down: its threads exit and their event loops are closed.
        _IDLE_EXECUTORS[loop] = _WorkerLoopExecutor()
        loop.set_default_executor(_IDLE_EXECUTORS[loop])
        executor.shutdown(wait=True)
    return mocks


#: ``pulumi.runtime.test`` is untyped; this is its type for our one use.
_PulumiTest = Callable[[Callable[[], Any]], Callable[[], None]]


def _deploy(
    program: Callable[[], Any],
    mocks: DmsWaitersMocks,
    monitor: MockMonitor,
    project: str,
    stack: str,
    preview: bool,
) -> None:
    """``run_program``'s deployment, run in its own copy of the caller's context."""
    # Fresh settings (RPC manager, set of pending outputs) and no root stack, in this context
    # only, so pulumi.runtime.test's clean-up of them cannot touch the caller's.
    pulumi.runtime.reset_options(project=project, stack=stack, preview=preview)

    def deployment() -> Any:
        # In the runner's task: the root stack set_mocks creates and every resource the program
        # creates register through the RPC manager that the runner then waits for.
        pulumi.runtime.set_mocks(
            mocks, project=project, stack=stack, preview=preview, monitor=monitor
        )
        if isinstance(monitor, RecordingMockMonitor):
            # Transforms registered by the program are called by the monitor, in process: no
            # callback server on a local port.
            pulumi.runtime.settings.SETTINGS.callbacks = engine.InProcessCallbacks(monitor)
        return program()

    # The runner (run_pulumi_func) awaits the program's result, every outstanding RPC and every
    # pending Output, then re-raises the program's exception if it had one.
    pulumi_test: _PulumiTest = pulumi.runtime.test
    pulumi_test(deployment)()


#: The event loops ``run_program`` has run on, each with the idle pool it left as the loop's
#: default executor. The loops are closed at interpreter exit, not before: ``Output``s handed
#: out by a run live on them.
_IDLE_EXECUTORS: dict[asyncio.AbstractEventLoop, _WorkerLoopExecutor] = {}


@atexit.register
def _close_used_loops() -> None:
    for loop, idle in list(_IDLE_EXECUTORS.items()):
        idle.shutdown(wait=True)
        if not loop.is_running() and not loop.is_closed():
            loop.close()
    _IDLE_EXECUTORS.clear()


def _thread_event_loop() -> asyncio.AbstractEventLoop:
    """The calling thread's current event loop, or a new one made current if it has none."""
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns when get_event_loop() has to create the loop itself.
            warnings.simplefilter("ignore", DeprecationWarning)
            loop: asyncio.AbstractEventLoop | None = asyncio.get_event_loop()
    except RuntimeError:  # none set (after asyncio.run, off the main thread, Python 3.14+)
        loop = None
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop


def _finish_pending_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Run the tasks still pending on ``loop`` (for example ``apply``s scheduled by the test
    between two calls) to completion, and re-raise the first exception one of them raised."""
    for _ in range(1000):
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        if not pending:
            return
        results = loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        for result in results:
            if isinstance(result, Exception):
                raise result
    raise RuntimeError("tasks kept scheduling new tasks; the program does not settle")


class _WorkerLoopExecutor(ThreadPoolExecutor):
    """Thread pool for the mock RPCs that closes its worker threads' event loops.

    Pulumi runs each mock RPC in a worker thread, where the mock monitor needs an event loop
    (``_ensure_event_loop``) and would otherwise create one that is never closed. Each worker
    gets its loop here, and ``shutdown(wait=True)`` closes them once the threads have exited.
    """

    def __init__(self) -> None:
        self._worker_loops: list[asyncio.AbstractEventLoop] = []
        self._worker_loops_lock = threading.Lock()
        super().__init__(thread_name_prefix="pulumi-mocks", initializer=self._start_worker)

    def _start_worker(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        with self._worker_loops_lock:
            self._worker_loops.append(loop)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut the pool down; when waiting, also close the workers' event loops."""
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait:
            with self._worker_loops_lock:
                loops, self._worker_loops = self._worker_loops, []
            for loop in loops:
                loop.close()
