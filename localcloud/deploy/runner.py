"""Running a Pulumi program as one ``pulumi up`` into the local cloud, and what it deployed."""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pulumi

from dms_waiters.testing import (
    CreatedResource,
    RecordingMockMonitor,
    run_program,
)

from .mocks import DEFAULT_PROJECT, DEFAULT_STACK, STACK_TYPE, LocalCloudMocks
from .updates import Step, StepOp

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
    steps: tuple[Step, ...] = ()
    """What the deployment did to each resource, in order (``updates.Step``); deletes last."""

    def step_counts(self) -> dict[str, int]:
        """How many resources each step kind touched (``create``, ``update``, ...)."""
        counts: dict[str, int] = {}
        for step in self.steps:
            counts[step.op] = counts.get(step.op, 0) + 1
        return counts

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
        ops = {step.urn: step.op for step in self.steps if step.op != StepOp.DELETE}
        first = all(op == StepOp.CREATE for op in ops.values())
        lines = [
            f"Stack {self.project}/{self.stack} in the local cloud "
            f"({self.region}, account {self.account_id})",
            "",
            f"{'+' if first else ' '} {STACK_TYPE} {self.project}-{self.stack}",
        ]

        def walk(urn: str, depth: int) -> None:
            for child in self.children(urn):
                # Components have no step: they are new with their first child, else the same.
                symbol, _ = _SHOWN[ops.get(child.urn, StepOp.CREATE if first else StepOp.SAME)]
                lines.append(f"{'    ' * depth}{symbol} {child.type} {child.name}")
                walk(child.urn, depth + 1)

        walk(self.stack_urn, 1)
        lines += [
            f"    - {step.type} {step.name}" + (f" ({step.note})" if step.note else "")
            for step in self.steps
            if step.op == StepOp.DELETE
        ]
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
        if first and not self.steps_of(StepOp.DELETE):
            lines += ["", f"Resources: {sum(counts.values())} created"]
        else:
            done = self.step_counts()
            lines += [
                "",
                "Resources: "
                + ", ".join(
                    f"{done[op]} {shown}" for op, (_, shown) in _SHOWN.items() if done.get(op)
                ),
            ]
        return "\n".join(lines)

    def steps_of(self, op: str) -> list[Step]:
        """The steps of one kind (``create``, ``update``, ``replace``, ``delete``, ``same``)."""
        return [step for step in self.steps if step.op == op]


#: How ``summary`` marks each step kind, as ``pulumi up`` does, and counts it.
_SHOWN: Final = {
    StepOp.CREATE: ("+", "created"),
    StepOp.UPDATE: ("~", "updated"),
    StepOp.REPLACE: ("+-", "replaced"),
    StepOp.DELETE: ("-", "deleted"),
    StepOp.SAME: (" ", "unchanged"),
}


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
    previous: Deployment | None = None,
) -> Deployment:
    """Run ``program`` (a Pulumi program as a function) as one ``pulumi up`` into ``cloud``.

    Every AWS resource is created in moto (see ``LocalCloudMocks``); ``config`` is the stack
    config (``{"tasks": [...]}`` or ``{"dms-waiters:tasks": [...]}``; an ``aws:region``
    must be the cloud's region); ``base_dir`` is where relative asset paths are found (the
    current directory by default). ``previous`` is the stack's last deployment into this
    cloud (same project and stack): its resources are then updated in place, replaced, kept
    or deleted as ``pulumi up`` of a changed program would (``updates``). Returns the
    ``Deployment``. Any error (a bad argument, an unsupported resource type, an AWS error)
    propagates and fails the deployment.
    """
    if previous is not None and (previous.project, previous.stack) != (project, stack):
        raise ValueError(
            f"previous= is a deployment of {previous.project}/{previous.stack}, "
            f"not of {project}/{stack}"
        )
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

    before = () if previous is None else previous.resources
    run_program(deployment, mocks, project=project, stack=stack, monitor=monitor, previous=before)
    with mocks._create_lock:
        mocks.steps.finish(before, mocks.created())
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
        steps=tuple(mocks.steps.done),
    )


def deploy_stack_file(
    cloud: LocalCloud,
    path: str | os.PathLike[str],
    config: Mapping[str, Any] | None = None,
    *,
    project: str = DEFAULT_PROJECT,
    stack: str = DEFAULT_STACK,
    previous: Deployment | None = None,
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
            previous=previous,
        )
    finally:
        if added:
            sys.path.remove(directory)
