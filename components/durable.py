"""``DmsDurableWorkflow``: wait for a DMS task in a Lambda durable function, polling or resumed.

The function runs ``lambdas/durable_waiter.py``. In ``callback`` mode (the default) it registers
a callback id in a ``DmsEventHub``'s waiter table, starts the task and waits, suspended and
unbilled, until the hub's resume path completes the callback when DMS reports the change (the
reconciler heartbeats and catches lost events): resumption is immediate and a run costs the
same few operations whatever the task's duration. In ``poll`` mode it needs no hub: it
describes the task with capped exponential backoff until it finishes or the deadline passes.

The durable SDK is bundled in the function's archive (see ``durable_function``): AWS
recommends it for production, the runtime's copy being meant for testing and development.
"""

from dataclasses import dataclass
from typing import Any, Final

import pulumi

from ._internal.durable_function import (
    ALIAS_NAME,
    MAX_EXECUTION_TIMEOUT_SECONDS,
    DurableComponent,
    DurableFunctionArguments,
    create_durable_function,
    durable_function_arguments,
)
from ._internal.schedule import schedule_runs, schedule_settings
from ._internal.shared_args import (
    DurableFunctionArgs,
    HubWorkflowTagsArgs,
    ScheduledArgs,
    WaitedTaskArgs,
)
from ._internal.shared_outputs import ScheduleOutputs
from .arguments import ArgChecker, LoggingArguments, PollJitter, TaskArguments, WaitMode
from .documents import iam_policies
from .hub.event_hub import HUB_CHILDREN, DmsEventHubArgs, grant_durable_callbacks
from .hub.reference import is_output
from .hub.sharing import Heartbeat, HubWorkflow, heartbeat_from_args, resolve_hub
from .lambdas import contract
from .lambdas import dms_status as dms
from .naming import (
    MANAGED_POLICY,
    POLICY_ATTACHMENT,
    Children,
    check_workflow_name,
    lambda_children,
)

COMPONENT: Final = "DmsDurableWorkflow"
#: The durable execution outlives the wait's own deadline by this much, so the wait always ends
#: with the waiter's DmsWaitTimedOut (and the clean-up of its waiter), never with Lambda
#: stopping the execution: it covers the start step's retries and queued invocations.
EXECUTION_TIMEOUT_MARGIN_SECONDS: Final = 3600
MAX_TIMEOUT_SECONDS: Final = MAX_EXECUTION_TIMEOUT_SECONDS - EXECUTION_TIMEOUT_MARGIN_SECONDS
#: One invocation describes the task, or registers the waiter and starts the task, then suspends.
WAITER_FUNCTION_TIMEOUT_SECONDS: Final = 60
DEFAULT_MEMORY_MB: Final = 256
POLL_ONLY_ARGUMENTS: Final = ("poll_interval_seconds", "max_poll_interval_seconds", "poll_jitter")
#: The autonamed resources of the workflow, its hub aside (see ``naming``): the function and,
#: in callback mode, the inline policies it adds to the hub's resume and reconciler roles.
DURABLE_CHILDREN: Final[Children] = (
    *lambda_children("-waiter"),
    ("-callbacks", MANAGED_POLICY),
    ("-callbacks", POLICY_ATTACHMENT),
)
CALLBACK_ONLY_ARGUMENTS: Final = ("heartbeat_seconds", "hub", "hub_args")


class DmsDurableWorkflowArgs(
    WaitedTaskArgs, DurableFunctionArgs, HubWorkflowTagsArgs, ScheduledArgs, total=False
):
    """Arguments of ``DmsDurableWorkflow``; every key but ``replication_task_arn`` is optional."""

    mode: WaitMode
    """``callback`` (default: resumed through a ``DmsEventHub`` when DMS reports the change) or
    ``poll`` (describe with backoff; no hub)."""
    timeout_seconds: int
    """Deadline of the wait, failing with ``DmsWaitTimedOut``; default 7 days, at most
    31,618,800 (the durable execution's own timeout is one hour longer, at most 366 days)."""
    poll_interval_seconds: int
    """Poll mode: the first delay between two describes; default 60, at least 1."""
    max_poll_interval_seconds: int
    """Poll mode: the cap of the backoff (x2 after each describe); default 600, at least
    ``poll_interval_seconds``."""
    poll_jitter: PollJitter
    """Poll mode: ``none`` (default, exact delays) or ``full`` (random in [0, delay], spreads
    many waiters' describes)."""
    heartbeat_seconds: int | None
    """Callback mode: fail with ``DmsWaitTimedOut`` when the hub's reconciler sends no heartbeat
    for this long; default 3 x the hub's reconcile period, none when the reconciler is off or
    the deadline comes first. At least 2 x the period and less than ``timeout_seconds``; ``0``
    turns it off."""
    hub: pulumi.Input[Any]
    """Callback mode: a shared hub: its ``reference`` output (a ``DmsEventHubReference``:
    ``hub.reference``); default: the workflow creates its own hub, ``<name>-hub``. (A
    ``DmsEventHub`` itself is deprecated.)"""
    hub_args: DmsEventHubArgs
    """Callback mode: arguments of the hub the workflow creates when no ``hub`` is given."""
    memory_mb: int
    """Memory of the function (128 to 10240 MB); default 256."""


@dataclass(frozen=True)
class DurableSettings(TaskArguments):
    """Validated arguments (the task's, then these), except the hub (resolved by the
    component)."""

    mode: str
    timeout_seconds: int
    poll_interval_seconds: int | None
    """None in callback mode, as are the other poll settings."""
    max_poll_interval_seconds: int | None
    poll_jitter: str | None
    heartbeat_seconds: Heartbeat
    """Seconds, None (no heartbeat, or poll mode) or, with a hub reference from another
    language, an ``Output`` of either."""
    function: DurableFunctionArguments
    logging: LoggingArguments

    @property
    def execution_timeout_seconds(self) -> int:
        """The durable execution's timeout (``durable_config``)."""
        return self.timeout_seconds + EXECUTION_TIMEOUT_MARGIN_SECONDS


def durable_mode_from_args(check: ArgChecker, args: DmsDurableWorkflowArgs) -> str:
    """The mode; rejects unknown keys and the other mode's arguments."""
    check.known_arguments(args, DmsDurableWorkflowArgs.__annotations__)
    mode = check.choice("mode", args.get("mode", WaitMode.CALLBACK), [m.value for m in WaitMode])
    other, foreign = (
        (WaitMode.CALLBACK, CALLBACK_ONLY_ARGUMENTS)
        if mode == WaitMode.POLL
        else (WaitMode.POLL, POLL_ONLY_ARGUMENTS)
    )
    for key in foreign:
        if key in args:
            raise check.fail(key, f"applies to mode '{other}' only; this workflow's mode is {mode}")
    return mode


def durable_settings_from_args(
    name: str,
    args: DmsDurableWorkflowArgs,
    reconcile_every_minutes: int | pulumi.Output[int] | None,
) -> DurableSettings:
    """Validate every argument, raising ``InvalidArgumentError`` naming the first bad one.

    ``reconcile_every_minutes`` is the hub's period in callback mode (0 when its reconciler is
    off), None in poll mode.
    """
    check = ArgChecker(COMPONENT, name)
    mode = durable_mode_from_args(check, args)
    task = check.task(args)
    timeout = check.timeout(args, MAX_TIMEOUT_SECONDS)
    interval = cap = jitter = None
    heartbeat: Heartbeat = None
    if mode == WaitMode.POLL:
        interval, cap = check.poll_intervals(args, timeout)
        jitter = check.choice(
            "poll_jitter", args.get("poll_jitter", PollJitter.NONE), [j.value for j in PollJitter]
        )
    else:
        period = 0 if reconcile_every_minutes is None else reconcile_every_minutes
        heartbeat = heartbeat_from_args(check, args, timeout, period)
    return DurableSettings(
        **vars(task),
        mode=mode,
        timeout_seconds=timeout,
        poll_interval_seconds=interval,
        max_poll_interval_seconds=cap,
        poll_jitter=jitter,
        heartbeat_seconds=heartbeat,
        function=durable_function_arguments(check, args, DEFAULT_MEMORY_MB),
        logging=check.logging(args),
    )


def durable_waiter_environment(
    settings: DurableSettings, workflow_name: str, table_name: pulumi.Input[str] | None
) -> dict[str, pulumi.Input[str]]:
    """The durable waiter's environment (names from ``lambdas/contract.py``); ``table_name``
    is the hub's waiter table in callback mode, None in poll mode."""
    env: dict[str, pulumi.Input[str]] = {
        contract.ENV_REPLICATION_TASK_ARN: settings.task_arn,
        contract.ENV_START_TYPE: settings.start_type,
        contract.ENV_SUCCESS_STOP_REASONS: ",".join(settings.success_stop_reasons),
        contract.ENV_WAIT_MODE: settings.mode,
        contract.ENV_TIMEOUT_SECONDS: str(settings.timeout_seconds),
        contract.ENV_WORKFLOW_NAME: workflow_name,
    }
    if settings.mode == WaitMode.POLL:
        env[contract.ENV_POLL_INTERVAL_SECONDS] = str(settings.poll_interval_seconds)
        env[contract.ENV_MAX_POLL_INTERVAL_SECONDS] = str(settings.max_poll_interval_seconds)
        env[contract.ENV_POLL_JITTER] = str(settings.poll_jitter)
        return env
    if table_name is None:
        raise ValueError("callback mode needs the hub's waiter table")
    env[contract.ENV_WAITER_TABLE] = table_name
    env[contract.ENV_WAITER_TTL_SECONDS] = str(
        settings.timeout_seconds + contract.WAITER_TTL_MARGIN_SECONDS
    )
    heartbeat = settings.heartbeat_seconds
    if is_output(heartbeat):
        # Known only once the hub reference is: "0" is the handler's "no heartbeat".
        env[contract.ENV_HEARTBEAT_SECONDS] = pulumi.Output.from_input(heartbeat).apply(
            lambda h: str(h or 0)
        )
    elif heartbeat is not None:
        env[contract.ENV_HEARTBEAT_SECONDS] = str(heartbeat)
    return env


class DmsDurableWorkflow(DurableComponent, ScheduleOutputs, HubWorkflow):
    """Wait for a DMS replication task in a Lambda durable function (poll or callback mode).

    Start a run by invoking the alias asynchronously with a durable execution name
    (``start_command``); the payload is ``{}`` or ``{"start_type": ...}``. A run succeeds with
    ``{"replication_task_arn", "status", "stop_reason", "stats"}`` and fails with the error
    names of the other patterns (``DmsTaskFailed``, ``DmsTaskStopped``, ``DmsWaitTimedOut``,
    ``DmsTaskNotFound``, ``DmsStartFailed``, ``DmsDescribeFailed``, ``DmsInvalidInput``,
    ``DmsAlreadyWaiting``, ``DmsThrottled``; in callback mode ``DmsWaitReleased`` when an
    operator releases the wait with ``dms-waiters release``).

    Creates: the durable function ``<name>-waiter`` (log group, role: its own executions,
    ``dms:StartReplicationTask`` on this task only, and in poll mode
    ``dms:DescribeReplicationTasks``, in callback mode the waiter table's items), its published
    version and alias ``live``; in callback mode the hub's permission to complete this
    function's callbacks and, unless ``hub`` is given, a ``DmsEventHub`` named ``<name>-hub``.
    """

    hub_table_name: pulumi.Output[str | None]
    """Name of the waiter table of the hub the workflow waits through (none in a durable
    workflow's poll mode)."""

    def __init__(
        self,
        name: str,
        args: DmsDurableWorkflowArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT, name, opts)
        check = self._check
        link = None
        mode = durable_mode_from_args(check, args)
        hub_children = HUB_CHILDREN if mode == WaitMode.CALLBACK else ()
        check_workflow_name(COMPONENT, name, DURABLE_CHILDREN, hub_children, args)
        schedule = schedule_settings(check, name, args)
        if mode == WaitMode.CALLBACK:
            hub, settings = resolve_hub(
                check, args, self, lambda period: durable_settings_from_args(name, args, period)
            )
            link, self._hub = hub.link, hub.component
        else:
            settings = durable_settings_from_args(name, args, None)
        self._mode, self._heartbeat_seconds = settings.mode, settings.heartbeat_seconds
        can_start = settings.start_type != dms.START_TYPE_NONE
        table_arn = None if link is None else link.table_arn

        durable = create_durable_function(
            f"{name}-waiter",
            parent=self,
            check=check,
            settings=settings,
            handler=contract.DURABLE_WAITER_HANDLER,
            description=f"Waits for the DMS task of workflow {name} ({settings.mode} mode)",
            statements=pulumi.Output.all(settings.task_arn, table_arn).apply(
                lambda v: iam_policies.durable_waiter_statements(v[0], can_start, v[1])
            ),
            environment=durable_waiter_environment(
                settings, name, None if link is None else link.table_name
            ),
            execution_timeout_seconds=settings.execution_timeout_seconds,
            timeout_seconds=WAITER_FUNCTION_TIMEOUT_SECONDS,
            tags=args.get("tags"),
        )
        if link is not None:
            grant_durable_callbacks(name, link.resume_role_names, durable.arn, parent=self)
        outputs = self._expose(durable, name)
        self.hub_table_name = pulumi.Output.from_input(None) if link is None else link.table_name
        self.schedule_arn = schedule_runs(
            name,
            parent=self,
            settings=schedule,
            kind=contract.KIND_DURABLE,
            target_arn=durable.alias.arn,
            logging=settings.logging,
            tags=args.get("tags"),
            depends_on=[durable.alias],
        )
        self.register_outputs(
            {
                **outputs,
                "hub_table_name": self.hub_table_name,
                "schedule_arn": self.schedule_arn,
                "mode": self._mode,
            }
        )

    @property
    def mode(self) -> str:
        """``poll`` or ``callback``."""
        return self._mode

    @property
    def heartbeat_seconds(self) -> Heartbeat:
        """The heartbeat interval in effect (None: no heartbeat, or poll mode); an ``Output``
        when the hub reference came as one."""
        return self._heartbeat_seconds


__all__ = ["ALIAS_NAME", "DmsDurableWorkflow", "DmsDurableWorkflowArgs", "DurableSettings"]
