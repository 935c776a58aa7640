"""Running a Pulumi program as one ``pulumi up`` into the local cloud, and what it deployed."""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi

from dms_waiters.testing import (
    CreatedResource,
    RecordingMockMonitor,
    run_program,
)

from .mocks import DEFAULT_PROJECT, DEFAULT_STACK, STACK_TYPE, LocalCloudMocks

if TYPE_CHECKING:
    from ..cloud import LocalCloud


# -- deployments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    """What one deployment created: the resource tree, each resource's id and state, exports."""

    project: str
    stack: str
    region: str
    account_id: str
    stack_urn: str
    """URN of the root stack resource, the parent of every top-level resource."""
    resources: tuple[CreatedResource, ...]
    """Every resource registered, components included, the root stack not, in registration
    order; each with ``type``, ``name`` (logical), ``urn``, ``parent`` (URN), ``id``,
    ``inputs`` and ``state``."""
    exports: dict[str, Any]
    """The stack outputs (``pulumi.export``), resolved to plain values."""

    def find(self, type_token: str, name_prefix: str | None = None) -> list[CreatedResource]:
        """Resources of ``type_token`` whose logical name starts with ``name_prefix``."""
        return [
            r
            for r in self.resources
            if r.type == type_token and (name_prefix is None or r.name.startswith(name_prefix))
        ]

    def one(self, type_token: str, name_prefix: str | None = None) -> CreatedResource:
        """The only resource ``find`` returns (LookupError if there are none or several)."""
        found = self.find(type_token, name_prefix)
        if len(found) != 1:
            names = ", ".join(r.name for r in found) or "none"
            raise LookupError(f"expected one {type_token} ({name_prefix or 'any name'}): {names}")
        return found[0]

    def by_name(self, name: str) -> CreatedResource:
        """The resource with logical name ``name`` (LookupError if none or ambiguous)."""
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise LookupError(f"{len(found)} resources are named {name!r}")
        return found[0]

    def children(self, urn: str) -> list[CreatedResource]:
        """Resources whose parent is ``urn`` (the stack's URN for top-level resources)."""
        known = {r.urn for r in self.resources}
        return [
            r
            for r in self.resources
            if r.parent == urn or (urn == self.stack_urn and r.parent not in known)
        ]

    def counts(self) -> dict[str, int]:
        """How many resources of each type were created, the root stack included, by type."""
        counts: dict[str, int] = {STACK_TYPE: 1}
        for resource in self.resources:
            counts[resource.type] = counts.get(resource.type, 0) + 1
        return dict(sorted(counts.items()))

    def summary(self) -> str:
        """A ``pulumi up``-like report: the tree, the outputs, the counts by type and total."""
        lines = [
            f"Stack {self.project}/{self.stack} in the local cloud "
            f"({self.region}, account {self.account_id})",
            "",
            f"+ {STACK_TYPE} {self.project}-{self.stack}",
        ]

        def walk(urn: str, depth: int) -> None:
            for child in self.children(urn):
                lines.append(f"{'    ' * depth}+ {child.type} {child.name}")
                walk(child.urn, depth + 1)

        walk(self.stack_urn, 1)
        if self.exports:
            lines += ["", "Outputs:"]
            lines += [
                f"    {name}: {json.dumps(value, sort_keys=True, default=str)}"
                for name, value in sorted(self.exports.items())
            ]
        counts = self.counts()
        width = len(str(max(counts.values())))
        lines += ["", "Resources by type:"]
        lines += [f"    {count:>{width}} {type_token}" for type_token, count in counts.items()]
        lines += ["", f"Resources: {sum(counts.values())} created"]
        return "\n".join(lines)


def _config_settings(project: str, config: Mapping[str, Any] | None) -> dict[str, str]:
    # Pulumi hands a program its config as strings keyed "<namespace>:<key>"; structured
    # values are JSON (what require_object parses). A bare key is in the project's namespace.
    settings: dict[str, str] = {}
    for key, value in (config or {}).items():
        full_key = key if ":" in key else f"{project}:{key}"
        settings[full_key] = value if isinstance(value, str) else json.dumps(value)
    return settings


def deploy_program(
    cloud: LocalCloud,
    program: Callable[[], Any],
    *,
    project: str = DEFAULT_PROJECT,
    stack: str = DEFAULT_STACK,
    config: Mapping[str, Any] | None = None,
    base_dir: Path | None = None,
) -> Deployment:
    """Run ``program`` (a Pulumi program as a function) as one ``pulumi up`` into ``cloud``.

    Every AWS resource is created in moto (see ``LocalCloudMocks``); ``config`` is the stack
    config (``{"tasks": [...]}`` or ``{"dms-waiters:tasks": [...]}``; an ``aws:region``
    must be the cloud's region); ``base_dir`` is where relative asset paths are found (the
    current directory by default). Returns the ``Deployment``. Any error (a bad argument, an
    unsupported resource type, an AWS error) propagates and fails the deployment.
    """
    region = (config or {}).get("aws:region")
    if region is not None and region != cloud.region:
        raise ValueError(f"config aws:region is {region!r} but the local cloud is {cloud.region!r}")
    settings = _config_settings(project, config)
    mocks = LocalCloudMocks(cloud, project=project, stack=stack, base_dir=base_dir)
    monitor = RecordingMockMonitor(mocks)
    exports: dict[str, Any] = {}

    def deployment() -> Any:
        # Runs in run_program's own context: the config set here does not leak to the caller.
        if settings:
            pulumi.runtime.set_all_config(settings)
        result = program()
        # pulumi.export stores the outputs on the root stack; resolve them with everything else.
        root = pulumi.runtime.get_root_resource()
        outputs = dict(getattr(root, "outputs", {}))
        return pulumi.Output.all(
            pulumi.Output.from_input(result),
            pulumi.Output.from_input(outputs).apply(exports.update),
        )

    run_program(deployment, mocks, project=project, stack=stack, monitor=monitor)
    order = {r.urn: index for index, r in enumerate(monitor.registrations)}
    stack_urn = next(r.urn for r in monitor.registrations if r.type == STACK_TYPE)
    resources = sorted(mocks.created(), key=lambda r: order.get(r.urn, len(order)))
    return Deployment(
        project=project,
        stack=stack,
        region=cloud.region,
        account_id=cloud.account_id,
        stack_urn=stack_urn,
        resources=tuple(resources),
        exports=exports,
    )


def deploy_stack_file(
    cloud: LocalCloud,
    path: str | os.PathLike[str],
    config: Mapping[str, Any] | None = None,
    *,
    project: str = DEFAULT_PROJECT,
    stack: str = DEFAULT_STACK,
) -> Deployment:
    """Deploy a stack program file (such as the repository's ``__main__.py``) into ``cloud``.

    Runs the file as ``pulumi up`` would (``__name__ == "__main__"``, its directory importable
    and the base of relative asset paths) with ``config`` as the stack config; its
    ``pulumi.export`` calls become ``Deployment.exports``. See ``deploy_program``.
    """
    program_path = Path(path).resolve()
    directory = str(program_path.parent)

    def program() -> None:
        runpy.run_path(str(program_path), run_name="__main__")

    added = directory not in sys.path
    if added:
        sys.path.insert(0, directory)
    try:
        return deploy_program(
            cloud,
            program,
            project=project,
            stack=stack,
            config=config,
            base_dir=program_path.parent,
        )
    finally:
        if added:
            sys.path.remove(directory)
