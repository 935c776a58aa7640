"""What the mocks and the monitor record: each resource (``CreatedResource``), each
registration (``Registration``) with its options, and the registration a thread is answering.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pulumi.runtime.proto import resource_pb2


class _Unknown:
    """The type of ``UNKNOWN``."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""A value unknown at preview, in ``CreatedResource.inputs`` and ``state`` (``is`` it)."""


def is_unknown(value: Any) -> bool:
    """Whether ``value`` is unknown (at preview)."""
    return value is UNKNOWN


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


@dataclass(frozen=True)
class PhysicalNameClash:
    """Resources that got a name AWS requires to be unique in ``scope``."""

    name: str
    """The physical name they share."""
    scope: str
    """E.g. ``aws:lambda/function:Function in account 123456789012, us-east-1``."""
    resources: tuple[CreatedResource, ...]
    """The resources that got it, in registration order."""
