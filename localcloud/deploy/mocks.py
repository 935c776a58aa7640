"""Pulumi mocks that play the AWS provider: each resource is created by its type's handler.

``LocalCloudMocks.new_resource`` turns a registration into a ``ResourceRequest`` (inputs
resolved, secrets unwrapped, the physical name chosen as pulumi-aws chooses it) and hands it to
the handler registered for the type (``handles``); each AWS service's handlers live with the
service (``localcloud/<service>/resources.py``).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import pulumi
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key

from dms_waiters.testing import (
    CreatedResource,
    DmsWaitersMocks,
)

if TYPE_CHECKING:
    from ..cloud import LocalCloud


DEFAULT_PROJECT: Final = "dms-waiters"
DEFAULT_STACK: Final = "local"
STACK_TYPE: Final = "pulumi:pulumi:Stack"


class DeploymentError(RuntimeError):
    """Creating a resource in the local cloud failed; the message names its type and name."""


class UnsupportedResourceError(DeploymentError):
    """The program declares a resource type the local cloud cannot create."""


# -- inputs ------------------------------------------------------------------------------------


def unwrap_secrets(value: Any) -> Any:
    """``value`` with every Pulumi secret wrapper replaced by the secret's plain value.

    The mock monitor deserialises a secret input as ``{<sig key>: <secret sig>, "value": v}``;
    AWS needs ``v`` itself.
    """
    if isinstance(value, dict):
        if value.get(_special_sig_key) == _special_secret_sig:
            return unwrap_secrets(value.get("value"))
        return {key: unwrap_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(item) for item in value]
    return value


# -- the mocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceRequest:
    """One resource to create: what a handler in ``HANDLERS`` receives."""

    type: str
    """The type token, e.g. ``aws:iam/role:Role``."""
    name: str
    """The Pulumi logical name."""
    inputs: dict[str, Any]
    """Inputs with camelCase keys, ``Output``s resolved and secrets unwrapped."""
    mocks: LocalCloudMocks
    urn: str = ""
    """The resource's URN."""
    aws_name: str | None = None
    """The name chosen for it (``physical_name``), None for a type without one."""
    previous: CreatedResource | None = None
    """For an update or a delete: the resource as the previous deployment left it."""
    changed: frozenset[str] = frozenset()
    """For an update: the input keys whose values changed."""

    @property
    def resource_id(self) -> str:
        """The id of the resource being updated or deleted."""
        if self.previous is None:
            raise DeploymentError(f"{self.type} {self.name!r} does not exist yet")
        return self.previous.id

    def old(self, key: str, default: Any = None) -> Any:
        """Input ``key`` as the previous deployment gave it (secrets unwrapped)."""
        old = {} if self.previous is None else unwrap_secrets(self.previous.inputs)
        value = old.get(key)
        return default if value is None else value

    def output(self, key: str) -> Any:
        """A key of the previous deployment's state (what AWS computed: ARNs, versions...)."""
        return None if self.previous is None else self.previous.state.get(key)

    @property
    def cloud(self) -> LocalCloud:
        """The local cloud the resource is created in."""
        return self.mocks.cloud

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` in the local cloud."""
        return self.cloud.client(service)

    def get(self, key: str, default: Any = None) -> Any:
        """Input ``key``, or ``default`` when it is unset (missing or None)."""
        value = self.inputs.get(key)
        return default if value is None else value

    @property
    def tags(self) -> dict[str, str]:
        """The resource's ``tags`` input (empty if none)."""
        tags: dict[str, str] = self.get("tags", {})
        return tags

    def physical_name(self) -> str:
        """The name AWS will know the resource by, chosen as the Pulumi AWS provider does and
        as ``dms_waiters.testing`` chooses it (``naming.NAME_RULES``): an explicit name wins;
        else ``namePrefix`` plus Terraform's 26-character unique id; else pulumi-aws's autoname
        ``<logical>-<7 hex>`` (the suffix derived from the URN; ``.fifo`` for a FIFO queue).
        A name the provider or AWS would refuse (too long, say) failed before the handler ran.
        """
        if self.aws_name is None:
            raise DeploymentError(f"{self.type} {self.name!r} has no physical name")
        return self.aws_name


#: A resource type's creator: makes the AWS calls, returns the resource id and its outputs.
Handler = Callable[[ResourceRequest], tuple[str, dict[str, Any]]]
#: An in-place update (``req.previous``, ``req.changed``): the AWS update calls; the outputs.
Updater = Callable[[ResourceRequest], dict[str, Any]]
#: A delete (``req.previous`` is what is deleted).
Deleter = Callable[[ResourceRequest], None]

#: Every resource type the local cloud can create, by type token.
HANDLERS: dict[str, Handler] = {}
#: The types whose resources can be updated in place, and how.
UPDATERS: dict[str, Updater] = {}
#: How each type is deleted.
DELETERS: dict[str, Deleter] = {}

_F = TypeVar("_F", bound=Callable[..., Any])


def _registrar(registry: dict[str, Any], type_token: str) -> Callable[[_F], _F]:
    def register(function: _F) -> _F:
        if type_token in registry:
            raise ValueError(f"two {function.__name__.split('_')[0]} handlers for {type_token}")
        registry[type_token] = function
        return function

    return register


def handles(type_token: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the creator of ``type_token`` resources."""
    return _registrar(HANDLERS, type_token)


def updates(type_token: str) -> Callable[[Updater], Updater]:
    """Register the decorated function as the in-place updater of ``type_token`` resources."""
    return _registrar(UPDATERS, type_token)


def deletes(type_token: str) -> Callable[[Deleter], Deleter]:
    """Register the decorated function as the deleter of ``type_token`` resources."""
    return _registrar(DELETERS, type_token)


class LocalCloudMocks(DmsWaitersMocks):
    """Pulumi mocks that create each resource in the local cloud (moto) and answer with its
    real id and state.

    Data sources (caller identity, region, partition) answer with the cloud's account and
    region. Every resource is recorded (``created()``, ``by_name()``) with its inputs as the
    program gave them and the state returned: the inputs merged with what AWS computed.
    Creation is serialised (one resource at a time): Pulumi registers resources from a pool
    of threads, and moto's backends are not written for concurrent writers.
    """

    def __init__(
        self,
        cloud: LocalCloud,
        *,
        project: str = DEFAULT_PROJECT,
        stack: str = DEFAULT_STACK,
        base_dir: Path | None = None,
    ) -> None:
        super().__init__(account_id=cloud.account_id, region=cloud.region)
        self.cloud = cloud
        self.project = project
        self.stack = stack
        self.base_dir = base_dir or Path.cwd()
        self._create_lock = threading.Lock()
        from .updates import Steps  # the steps need these mocks' registries

        self.steps = Steps(self)
        """What this deployment did to each resource (``Steps.done``)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Create the resource in moto (or update, replace or keep the previous deployment's,
        see ``updates.Steps``); return the id and state AWS gave it.

        Raises ``UnsupportedResourceError`` for a type with no handler and ``DeploymentError``
        (chained to the AWS error) when creating it fails; either fails the deployment.
        """
        raw = dict(args.inputs)
        label = f"{args.typ} {args.name!r}"
        outputs: dict[str, Any]
        aws_name: str | None = None
        if args.resource_id:
            raise DeploymentError(
                f"{label}: reading or importing an existing resource (id {args.resource_id!r}) "
                "is not supported by the local cloud"
            )
        if args.typ.startswith("pulumi:providers:"):
            # A provider instance (aws.Provider(...)): configuration only, nothing to create.
            resource_id, outputs = str(uuid.uuid5(uuid.NAMESPACE_URL, args.name)), {}
        elif not args.typ.startswith("aws:"):
            if args.custom:
                raise UnsupportedResourceError(
                    f"{label}: the local cloud only creates aws: resources; "
                    "a custom resource of another package cannot be deployed here"
                )
            # A component resource: a grouping in the tree, nothing exists in AWS.
            resource_id, outputs = "", {}
        else:
            with self._create_lock:
                raw, resource_id, outputs, aws_name = self.steps.apply(args)
        # Inputs keep their secret wrappers, so secret inputs stay secret in the state; a
        # write-only input (``...Wo``) never reaches the state, as with the real provider.
        state = {**{k: v for k, v in raw.items() if not k.endswith("Wo")}, **outputs}
        self._record(args, raw, state, resource_id, physical_name=aws_name)
        return resource_id, state

    def replacement_name(self, previous: CreatedResource, urn: str) -> str:
        """The new autoname of a replacement: pulumi-aws draws another random suffix (here
        derived from the URN and the old name, so reproducible and different)."""
        old = previous.physical_name or ""
        fifo = ".fifo" if old.endswith(".fifo") else ""
        stem = old.removesuffix(fifo).rsplit("-", 1)[0]
        suffix = hashlib.sha256(f"{urn}#{old}".encode()).hexdigest()[:7]
        return f"{stem}-{suffix}{fifo}"

    def prefixed_name(self, prefix: str, urn: str) -> str:
        """A ``namePrefix`` name: the prefix and Terraform's unique id (``unique_id``)."""
        return self.unique_id(prefix)

    def unique_id(self, prefix: str) -> str:
        """Terraform's ``PrefixedUniqueId``: prefix, virtual UTC time to 1/10000 s, counter.

        The counter belongs to the cloud, not to one deployment: virtual time stands still
        between deployments, and two stacks using the same ``namePrefix`` must not collide.
        """
        with _UNIQUE_IDS_LOCK:
            count = _UNIQUE_IDS.get(self.cloud, 0) + 1
            _UNIQUE_IDS[self.cloud] = count
        stamp = self.cloud.clock.now_datetime().strftime("%Y%m%d%H%M%S%f")[:18]
        return f"{prefix}{stamp}{count:08x}"


# Per cloud: how many unique ids its deployments have drawn (forgotten with the cloud).
_UNIQUE_IDS: weakref.WeakKeyDictionary[LocalCloud, int] = weakref.WeakKeyDictionary()
_UNIQUE_IDS_LOCK: Final = threading.Lock()
