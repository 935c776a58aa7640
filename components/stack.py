"""The stack program's logic: read the ``tasks`` config, validate it, create one component each.

``__main__.py`` only reads the config and calls ``build_stack``; keeping the logic here lets tests
run it under Pulumi mocks and lets other programs reuse the same config format.

Config shape (``Pulumi.<stack>.yaml``)::

    dms-waiters:tasks:
      - name: orders-full-load
        replication_task_arn: arn:aws:dms:eu-west-1:123456789012:task:ABCDEF
        pattern: polling
        poll_interval_seconds: 120
      - name: customers-cdc
        replication_task_arn: arn:aws:dms:eu-west-1:123456789012:task:GHIJKL
        pattern: callback
      - name: invoices-load
        replication_task_arn: arn:aws:dms:eu-west-1:123456789012:task:MNOPQR
        pattern: durable-callback       # or durable-poll
    dms-waiters:hub:                  # optional: DmsEventHub arguments of the shared hub
      reconcile_every_minutes: 10

Every ``callback`` and ``durable-callback`` task of a stack waits through one shared
``DmsEventHub`` named ``dms-events`` (created with the first such task, and passed to each as
its ``reference``); its outputs are exported under that name.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

import pulumi

from .arguments import REPLICATION_TASK_ARN_RE, InvalidArgumentError, WaitMode
from .callback import DmsCallbackWorkflow, DmsCallbackWorkflowArgs
from .durable import (
    CALLBACK_ONLY_ARGUMENTS,
    POLL_ONLY_ARGUMENTS,
    DmsDurableWorkflow,
    DmsDurableWorkflowArgs,
)
from .hub.event_hub import DmsEventHub, DmsEventHubArgs
from .hub.settings import hub_settings_from_args
from .polling import DmsPollingWorkflow, DmsPollingWorkflowArgs

# Pulumi logical names become parts of AWS names: keep them short and plain.
_TASK_NAME_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,39}$")
_COMMON_KEYS: Final = ("name", "pattern")
#: The stack's shared event hub: its component name and the name its outputs are exported under
#: (so no task may take it).
HUB_NAME: Final = "dms-events"
#: What the stack exports of the hub.
HUB_OUTPUT_NAMES: Final = (
    "table_name",
    "table_arn",
    "rule_arn",
    "resume_function_arn",
    "dlq_url",
    "dlq_arn",
    "reconcile_every_minutes",
    "callback_base_url",
    "dashboard_name",
)


class StackConfigError(ValueError):
    """The stack's ``tasks`` config is malformed; the message names the task and the key."""


@dataclass(frozen=True)
class Pattern:
    """How one ``pattern`` value of the config maps to a component."""

    factory: Callable[[str, Any], pulumi.ComponentResource]
    argument_keys: frozenset[str]
    output_names: tuple[str, ...]
    uses_hub: bool = False
    """The component gets the stack's shared ``DmsEventHub``'s reference as its ``hub``
    argument."""


def declared_outputs(component: type[pulumi.ComponentResource]) -> tuple[str, ...]:
    """The outputs a component class declares, its own and those it inherits (its public
    annotations along its MRO, bases first, as Pulumi's analyzer collects them): what the
    provider schema lists too."""
    names = (k for cls in reversed(component.__mro__) for k in inspect.get_annotations(cls))
    return tuple(dict.fromkeys(k for k in names if not k.startswith("_")))


#: The outputs of the durable components besides the hub's table (poll mode has none).
_DURABLE_OUTPUTS: Final = tuple(
    k for k in declared_outputs(DmsDurableWorkflow) if k != "hub_table_name"
)

#: Patterns the stack can deploy, by their config name (the durable ones are added below).
PATTERNS: Final[dict[str, Pattern]] = {
    "polling": Pattern(
        factory=DmsPollingWorkflow,
        argument_keys=frozenset(DmsPollingWorkflowArgs.__annotations__),
        output_names=declared_outputs(DmsPollingWorkflow),
    ),
    "callback": Pattern(
        factory=DmsCallbackWorkflow,
        # The hub is the stack's, shared: a task can neither pass one nor configure its own.
        argument_keys=frozenset(DmsCallbackWorkflowArgs.__annotations__) - {"hub", "hub_args"},
        output_names=declared_outputs(DmsCallbackWorkflow),
        uses_hub=True,
    ),
}


def _durable(mode: WaitMode) -> Callable[[str, Any], pulumi.ComponentResource]:
    """A ``DmsDurableWorkflow`` factory with its mode set by the pattern."""

    def create(name: str, args: Any) -> pulumi.ComponentResource:
        return DmsDurableWorkflow(name, cast(DmsDurableWorkflowArgs, {**args, "mode": mode}))

    return create


_DURABLE_KEYS: Final = frozenset(DmsDurableWorkflowArgs.__annotations__) - {"mode", "hub_args"}

PATTERNS.update(
    {
        "durable-poll": Pattern(
            factory=_durable(WaitMode.POLL),
            argument_keys=_DURABLE_KEYS - set(CALLBACK_ONLY_ARGUMENTS),
            output_names=_DURABLE_OUTPUTS,
        ),
        "durable-callback": Pattern(
            factory=_durable(WaitMode.CALLBACK),
            # The hub is the stack's, shared, as for the callback pattern.
            argument_keys=_DURABLE_KEYS - {"hub"} - set(POLL_ONLY_ARGUMENTS),
            output_names=declared_outputs(DmsDurableWorkflow),
            uses_hub=True,
        ),
    }
)


def _label(index: int, task: Mapping[str, Any]) -> str:
    name = task.get("name")
    return f"tasks[{index}] ({name!r})" if isinstance(name, str) else f"tasks[{index}]"


def validate_tasks(raw: Any) -> list[dict[str, Any]]:
    """Check the ``tasks`` config and return it as a list of dicts.

    Raises ``StackConfigError`` naming the task (index and name) and the offending key for: a
    missing or non-list ``tasks``, a task that is not a mapping, a missing/invalid/duplicate
    ``name``, an unknown ``pattern``, an unknown key, a missing or malformed
    ``replication_task_arn``.
    """
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes) or not raw:
        raise StackConfigError(
            "config 'tasks' must be a non-empty list of tasks, each with name, "
            "replication_task_arn and pattern"
        )
    tasks: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, task in enumerate(raw):
        if not isinstance(task, Mapping):
            raise StackConfigError(f"tasks[{index}] must be a mapping, got {task!r}")
        label = _label(index, task)
        name = task.get("name")
        if not isinstance(name, str) or not _TASK_NAME_RE.match(name):
            raise StackConfigError(
                f"{label}: key 'name' must be 1-40 letters, digits or '-', starting with a "
                f"letter; got {name!r}"
            )
        if name in seen:
            raise StackConfigError(f"{label}: key 'name' repeats an earlier task's name")
        if name == HUB_NAME:
            raise StackConfigError(
                f"{label}: key 'name' {name!r} is reserved for the stack's shared event hub"
            )
        seen.add(name)
        pattern_name = task.get("pattern")
        pattern = PATTERNS.get(pattern_name) if isinstance(pattern_name, str) else None
        if pattern is None:
            raise StackConfigError(
                f"{label}: key 'pattern' is {pattern_name!r}; allowed values: {', '.join(PATTERNS)}"
            )
        allowed = set(_COMMON_KEYS) | pattern.argument_keys
        for key in task:
            if key not in allowed:
                raise StackConfigError(
                    f"{label}: key {key!r} is not allowed for pattern {pattern_name!r}; "
                    f"allowed keys: {', '.join(sorted(allowed))}"
                )
        arn = task.get("replication_task_arn")
        if not isinstance(arn, str) or not arn:
            raise StackConfigError(f"{label}: key 'replication_task_arn' is required")
        if not REPLICATION_TASK_ARN_RE.match(arn):
            raise StackConfigError(
                f"{label}: key 'replication_task_arn' is {arn!r}; expected "
                "arn:aws:dms:<region>:<account-id>:task:<id>"
            )
        tasks.append(dict(task))
    return tasks


def build_stack(raw_tasks: Any, hub_config: Any = None) -> dict[str, pulumi.ComponentResource]:
    """Validate ``raw_tasks`` and create one component per task; returns them by task name.

    The first task of a pattern that uses a hub (``callback``, ``durable-callback``) creates
    the shared ``DmsEventHub`` (``HUB_NAME``) from ``hub_config`` (the optional ``hub`` config:
    ``DmsEventHubArgs``); every such task gets it, and it is returned under ``HUB_NAME`` too.
    Component argument errors are re-raised as ``StackConfigError`` prefixed with the task (or
    ``hub``), so the preview says which task and which key to fix.
    """
    tasks = validate_tasks(raw_tasks)
    hub_args = _validate_hub_config(hub_config)
    components: dict[str, pulumi.ComponentResource] = {}
    hub: DmsEventHub | None = None
    for index, task in enumerate(tasks):
        pattern = PATTERNS[task["pattern"]]
        args = {k: v for k, v in task.items() if k not in _COMMON_KEYS}
        if pattern.uses_hub:
            if hub is None:
                hub = DmsEventHub(HUB_NAME, hub_args)
                components[HUB_NAME] = hub
            args["hub"] = hub.reference
        try:
            components[task["name"]] = pattern.factory(task["name"], args)
        except InvalidArgumentError as err:
            raise StackConfigError(f"{_label(index, task)}: key {err.argument!r}: {err}") from err
    return components


def _validate_hub_config(raw: Any) -> DmsEventHubArgs:
    """The ``hub`` config as ``DmsEventHubArgs``, checked even when no task uses the hub."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise StackConfigError(
            f"config 'hub' must be a mapping of DmsEventHub arguments, got {raw!r}"
        )
    args = cast(DmsEventHubArgs, dict(raw))
    try:
        hub_settings_from_args(HUB_NAME, args)
    except InvalidArgumentError as err:
        raise StackConfigError(f"hub: key {err.argument!r}: {err}") from err
    return args


def stack_outputs(
    raw_tasks: Any, components: Mapping[str, pulumi.ComponentResource]
) -> dict[str, dict[str, Any]]:
    """The outputs to export, per task: its pattern and the component's outputs; and the shared
    hub's outputs under ``HUB_NAME`` when the stack has one."""
    outputs: dict[str, dict[str, Any]] = {}
    for task in raw_tasks:
        pattern = PATTERNS[task["pattern"]]
        component = components[task["name"]]
        outputs[task["name"]] = {
            "pattern": task["pattern"],
            **{out: getattr(component, out) for out in pattern.output_names},
        }
    hub = components.get(HUB_NAME)
    if hub is not None:
        outputs[HUB_NAME] = {out: getattr(hub, out) for out in HUB_OUTPUT_NAMES}
    return outputs
