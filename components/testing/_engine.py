"""What the Pulumi engine does with a registration and Pulumi's ``MockMonitor`` does not.

Used by ``testing.RecordingMockMonitor``; each piece follows the engine's own code
(``pkg/resource/deploy/source_eval.go`` and ``step_generator.go`` in pulumi/pulumi):

* ``inherit_from_parent``: a resource takes its parent's ``protect``, ``retain_on_delete``,
  ``deleted_with`` and (same package, or a component) provider unless it sets its own.
* transforms (``transform_options``, ``apply_transform``, ``invoke_callback``): the resource's
  own, then its ancestors', then the stack's, each given the properties and options the
  previous one returned. ``InProcessCallbacks`` serves them without the local gRPC server the
  SDK would start: the monitor calls them in process, on the program's event loop.
* ``AliasResolver``: the aliases of a resource (its own, and one inherited from an aliased
  parent, with the parent's name replaced in the child's name) and the resource of the previous
  deployment it continues (its URN first, then its aliases).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from pulumi.runtime._callbacks import _CallbackServicer
from pulumi.runtime.proto import alias_pb2, resource_pb2

ROOT_STACK_TYPE: Final = "pulumi:pulumi:Stack"


class EngineError(Exception):
    """A registration the Pulumi engine would refuse (a duplicate URN or alias)."""


def urn_qualified_type(urn: str) -> str:
    """The type part of ``urn``: the parents' types and the resource's, joined by ``$``."""
    return urn.split("::", 3)[2]


def urn_type(urn: str) -> str:
    """The resource's own type token."""
    return urn_qualified_type(urn).split("$")[-1]


def urn_name(urn: str) -> str:
    """The resource's logical name."""
    return urn.split("::", 3)[3]


def create_urn(name: str, type_: str, parent: str, project: str, stack: str) -> str:
    """The engine's ``CreateURN``: ``parent``'s type chain (if any) before ``type_``."""
    if not parent:
        return f"urn:pulumi:{stack}::{project}::{type_}::{name}"
    return f"{parent[: parent.rindex('::')]}${type_}::{name}"


def child_urn(parent: str, type_: str, name: str, project: str, stack: str) -> str:
    """The URN the engine gives a registration: the root stack is nobody's type prefix."""
    if parent and urn_type(parent) == ROOT_STACK_TYPE:
        parent = ""
    return create_urn(name, type_, parent, project, stack)


def provider_package(reference: str) -> str:
    """The package of the provider ``<urn>::<id>`` (``aws`` for ``pulumi:providers:aws``)."""
    return urn_type(reference.rsplit("::", 1)[0]).split(":")[-1]


def inherit_from_parent(
    child: resource_pb2.RegisterResourceRequest, parent: resource_pb2.RegisterResourceRequest
) -> None:
    """The engine's ``inheritFromParent``: options a child takes from its parent's goal."""
    if not child.deletedWith:
        child.deletedWith = parent.deletedWith
    if not child.HasField("protect") and parent.HasField("protect"):
        child.protect = parent.protect
    if not child.HasField("retainOnDelete") and parent.HasField("retainOnDelete"):
        child.retainOnDelete = parent.retainOnDelete
    if not child.provider and parent.provider:
        same_package = provider_package(parent.provider) == child.type.split(":")[0]
        if (not child.remote and not child.custom) or same_package:
            child.provider = parent.provider


def transform_options(
    request: resource_pb2.RegisterResourceRequest,
) -> resource_pb2.TransformResourceOptions:
    """The options a transform receives, built from the request as the engine builds them."""
    options = resource_pb2.TransformResourceOptions(
        depends_on=request.dependencies,
        ignore_changes=request.ignoreChanges,
        replace_on_changes=request.replaceOnChanges,
        version=request.version,
        aliases=[alias_pb2.Alias(urn=urn) for urn in request.aliasURNs] + list(request.aliases),
        provider=request.provider,
        providers=request.providers,
        plugin_download_url=request.pluginDownloadURL,
        deleted_with=request.deletedWith,
        additional_secret_outputs=request.additionalSecretOutputs,
        plugin_checksums=request.pluginChecksums,
        hide_diff=request.hideDiffs,
        replace_with=request.replace_with,
    )
    setattr(options, "import", request.importId)  # "import" is a keyword
    if request.HasField("customTimeouts"):
        options.custom_timeouts.CopyFrom(request.customTimeouts)
    if request.HasField("protect"):
        options.protect = request.protect
    if request.HasField("retainOnDelete"):
        options.retain_on_delete = request.retainOnDelete
    if request.deleteBeforeReplaceDefined or request.deleteBeforeReplace:
        options.delete_before_replace = request.deleteBeforeReplace
    if request.HasField("hooks"):
        options.hooks.CopyFrom(request.hooks)
    if request.HasField("replacement_trigger"):
        options.replacement_trigger.CopyFrom(request.replacement_trigger)
    return options


#: The request's list fields a transform replaces, with the option each comes from.
_REPEATED_OPTIONS: Final = (
    ("dependencies", "depends_on"),
    ("ignoreChanges", "ignore_changes"),
    ("replaceOnChanges", "replace_on_changes"),
    ("aliases", "aliases"),
    ("additionalSecretOutputs", "additional_secret_outputs"),
    ("hideDiffs", "hide_diff"),
    ("replace_with", "replace_with"),
)


def apply_transform(
    request: resource_pb2.RegisterResourceRequest,
    properties: Any,
    options: resource_pb2.TransformResourceOptions,
) -> None:
    """Write what the transforms returned back into ``request``."""
    request.object.CopyFrom(properties)
    for field, option in _REPEATED_OPTIONS:
        del getattr(request, field)[:]
        getattr(request, field).extend(getattr(options, option))
    del request.aliasURNs[:]
    request.version = options.version
    request.provider = options.provider
    request.providers.clear()
    request.providers.update(options.providers)
    request.pluginDownloadURL = options.plugin_download_url
    request.deletedWith = options.deleted_with
    request.importId = getattr(options, "import")  # "import" is a keyword
    request.ClearField("customTimeouts")
    if options.HasField("custom_timeouts"):
        request.customTimeouts.CopyFrom(options.custom_timeouts)
    request.ClearField("protect")
    if options.HasField("protect"):
        request.protect = options.protect
    request.ClearField("retainOnDelete")
    if options.HasField("retain_on_delete"):
        request.retainOnDelete = options.retain_on_delete
    request.deleteBeforeReplaceDefined = options.HasField("delete_before_replace")
    request.deleteBeforeReplace = options.delete_before_replace


def invoke_callback(token: str, request: bytes) -> Any:
    """Run the SDK callback ``token`` (a transform) on its event loop and return its response.

    The engine calls it through the SDK's callback server; this is the same call, in process,
    from the mock monitor's worker thread while the program's loop keeps running.
    """
    for servicer in list(_CallbackServicer._servicers):
        callback = servicer._callbacks.get(token)
        if callback is not None:

            async def call(callback: Any = callback) -> Any:
                return await callback(request)

            return asyncio.run_coroutine_threadsafe(call(), servicer._loop).result()
    raise EngineError(f"transform callback {token} is not registered")


def run_transforms(request: resource_pb2.RegisterResourceRequest, callbacks: Sequence[Any]) -> None:
    """Run ``callbacks`` (``Callback`` protos, in order) on ``request``, as the engine does."""
    if not callbacks:
        return
    properties = request.object
    options = transform_options(request)
    for callback in callbacks:
        payload = resource_pb2.TransformRequest(
            type=request.type,
            name=request.name,
            custom=request.custom,
            parent=request.parent,
            properties=properties,
            options=options,
        ).SerializeToString()
        response = invoke_callback(callback.token, payload)
        if response.HasField("properties"):
            properties = response.properties
        if response.HasField("options"):
            options = response.options
    apply_transform(request, properties, options)


class _NoServer:
    """Stands in for the callback server: ``_CallbackServicer.shutdown`` stops it."""

    async def stop(self, grace: float | None) -> None:
        """Nothing to stop."""


class InProcessCallbacks(_CallbackServicer):
    """The SDK's callback registry (transforms), without its gRPC server on a local port.

    Set as the program's callbacks before it runs: ``register_resource_transform`` and
    ``transforms=`` register their functions here, and the monitor calls them in process.
    """

    def __init__(self, monitor: Any) -> None:  # no super().__init__: it would start a server
        _CallbackServicer._servicers.append(self)
        self._callbacks = {}
        self._transforms = {}
        self._state_migrations = {}
        self._monitor = monitor
        self._loop = asyncio.get_running_loop()
        self._server = _NoServer()
        self._target = "in-process"

    async def serve(self) -> None:
        """Nothing to serve: callbacks are invoked in process."""


class AliasResolver:
    """The engine's alias handling, over the resources of a previous deployment (by URN).

    ``resolve`` is called once per registration, parents before children (the SDK registers a
    child only once its parent's URN is known), like the engine's step generator.
    """

    def __init__(self, olds: Mapping[str, object], project: str, stack: str) -> None:
        self._olds = olds
        self._project = project
        self._stack = stack
        self._used: dict[str, str] = {}
        """URN -> the alias under which it continues a previous resource."""
        self._claimed: dict[str, str] = {}
        """Previous URN -> the new URN continuing it."""
        self._seen: set[str] = set()

    def _collapse(self, alias: alias_pb2.Alias, name: str, type_: str, parent: str) -> str:
        """The engine's ``collapseAliasToUrn``."""
        if alias.WhichOneof("alias") == "urn":
            return alias.urn
        spec = alias.spec
        which = spec.WhichOneof("parent")
        if which == "parentUrn" and spec.parentUrn:
            parent = self._used.get(spec.parentUrn, spec.parentUrn)
        if (which == "noParent" and spec.noParent) or (
            parent and urn_type(parent) == ROOT_STACK_TYPE
        ):
            parent = ""
        return create_urn(
            spec.name or name,
            spec.type or type_,
            parent,
            spec.project or self._project,
            spec.stack or self._stack,
        )

    def _inherited(self, type_: str, name: str, parent_name: str, parent_alias: str) -> str:
        """The engine's ``inheritedChildAlias``: a child named ``<parent name>...`` is also
        known by ``<parent's old name>...`` under the parent's old URN."""
        if name.startswith(parent_name):
            name = urn_name(parent_alias) + name[len(parent_name) :]
        prefix = f"urn:pulumi:{self._stack}::{self._project}::"
        return f"{prefix}{urn_qualified_type(parent_alias)}${type_}::{name}"

    def aliases(
        self, name: str, type_: str, parent: str, specs: Iterable[alias_pb2.Alias]
    ) -> list[str]:
        """The engine's ``generateAliases``: every URN the resource may have had."""
        specs = list(specs)
        result: list[str] = []
        for urn in (self._collapse(a, name, type_, parent) for a in specs):
            if urn not in result:
                result.append(urn)
        parent_alias = self._used.get(parent) if parent else None
        if parent_alias is not None:
            candidates = [self._inherited(type_, name, urn_name(parent), parent_alias)]
            for alias in specs:
                collapsed = self._collapse(alias, name, type_, parent)
                candidates.append(
                    self._inherited(
                        urn_type(collapsed), urn_name(collapsed), urn_name(parent), parent_alias
                    )
                )
            result += [urn for urn in dict.fromkeys(candidates) if urn not in result]
        return result

    def previous(self, urn: str, aliases: Sequence[str]) -> str | None:
        """The engine's ``getOldResource``: the previous URN this resource continues (its own
        first, then its aliases), or None for a new resource."""
        if urn in self._seen:
            raise EngineError(f"Duplicate resource URN '{urn}'; try giving it a unique name")
        self._seen.add(urn)
        for candidate in [urn, *aliases]:
            if candidate not in self._olds:
                continue
            if candidate != urn:
                if candidate in self._seen:
                    raise EngineError(
                        f"Duplicate resource alias '{candidate}' applied to resource with URN "
                        f"'{urn}' conflicting with resource with URN '{candidate}'"
                    )
                if candidate in self._claimed:
                    raise EngineError(
                        f"Duplicate resource alias '{candidate}' applied to resource with URN "
                        f"'{urn}' conflicting with resource with URN '{self._claimed[candidate]}'"
                    )
                self._claimed[candidate] = urn
                self._used[urn] = candidate
            return candidate
        return None
