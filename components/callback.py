"""``DmsCallbackWorkflow``: wait for a DMS task on a task token, resumed by the task's events."""

from dataclasses import dataclass
from typing import Any, Final

import pulumi

from ._internal.lambda_function import create_lambda_function
from ._internal.partition_check import tracing_partition
from ._internal.schedule import schedule_settings
from ._internal.shared_args import (
    ExecutionDeadlineArgs,
    ExecutionLogArgs,
    HubWorkflowTagsArgs,
    ScheduledArgs,
    WaitedTaskArgs,
)
from ._internal.shared_outputs import ScheduleOutputs
from ._internal.state_machine import (
    STATE_MACHINE_CHILDREN,
    StarterStateMachineComponent,
    schedule_executions,
)
from .arguments import (
    ArgChecker,
    LoggingArguments,
    TaskArguments,
)
from .definitions.callback import CallbackSpec, build_callback_definition
from .documents import iam_policies
from .hub.event_hub import HUB_CHILDREN, DmsEventHubArgs
from .hub.sharing import HEARTBEAT_RECONCILE_PERIODS as HEARTBEAT_RECONCILE_PERIODS
from .hub.sharing import Heartbeat, HubWorkflow, heartbeat_from_args, resolve_hub
from .lambdas import contract
from .lambdas import dms_status as dms
from .naming import Children, check_workflow_name, lambda_children

STARTER_TIMEOUT_SECONDS: Final = 30
COMPONENT: Final = "DmsCallbackWorkflow"
#: The autonamed resources of the workflow, its hub aside (see ``naming``).
CALLBACK_CHILDREN: Final[Children] = (*lambda_children("-starter"), *STATE_MACHINE_CHILDREN)


class DmsCallbackWorkflowArgs(
    WaitedTaskArgs,
    ExecutionDeadlineArgs,
    ExecutionLogArgs,
    HubWorkflowTagsArgs,
    ScheduledArgs,
    total=False,
):
    """Arguments of ``DmsCallbackWorkflow``; every key but ``replication_task_arn`` is optional."""

    heartbeat_seconds: int | None
    """Fail with ``DmsWaitTimedOut`` when no heartbeat arrives for this long (the hub's
    reconciler sends one per run); default 3 x the hub's reconcile period, none when the
    reconciler is off or the deadline comes first. At least 2 x the period and less than
    ``timeout_seconds``; ``0`` turns it off."""
    hub: pulumi.Input[Any]
    """A shared hub: its ``reference`` output (a ``DmsEventHubReference``: ``hub.reference``);
    default: the workflow creates its own hub, ``<name>-hub``. (A ``DmsEventHub`` itself is
    deprecated.)"""
    hub_args: DmsEventHubArgs
    """Arguments of the hub the workflow creates when no ``hub`` is given."""
    log_retention_days: int
    """Retention of the execution and starter log groups; default 30."""
    tracing: bool
    """X-Ray tracing of the state machine and the starter; default false."""


@dataclass(frozen=True)
class CallbackSettings(TaskArguments):
    """Validated arguments (the task's, then these), except the hub (resolved by the
    component)."""

    timeout_seconds: int
    heartbeat_seconds: Heartbeat
    """Seconds, None (no heartbeat) or, with a hub reference from another language, an
    ``Output`` of either."""
    logging: LoggingArguments


def callback_settings_from_args(
    name: str, args: DmsCallbackWorkflowArgs, reconcile_every_minutes: int | pulumi.Output[int]
) -> CallbackSettings:
    """Validate every argument, raising ``InvalidArgumentError`` naming the first bad one.

    ``reconcile_every_minutes`` is the hub's period (0 when its reconciler is off): it sets the
    default heartbeat and the shortest one that makes sense.
    """
    check = ArgChecker(COMPONENT, name)
    check.known_arguments(args, DmsCallbackWorkflowArgs.__annotations__)
    task = check.task(args)
    timeout = check.timeout(args)
    heartbeat = heartbeat_from_args(check, args, timeout, reconcile_every_minutes)
    return CallbackSettings(
        **vars(task),
        timeout_seconds=timeout,
        heartbeat_seconds=heartbeat,
        logging=check.logging(args),
    )


def starter_environment(
    settings: CallbackSettings, table_name: pulumi.Input[str], workflow_name: str
) -> dict[str, pulumi.Input[str]]:
    """The starter's environment (names from ``lambdas/contract.py``)."""
    return {
        contract.ENV_WAITER_TABLE: table_name,
        contract.ENV_REPLICATION_TASK_ARN: settings.task_arn,
        contract.ENV_START_TYPE: settings.start_type,
        contract.ENV_SUCCESS_STOP_REASONS: ",".join(settings.success_stop_reasons),
        contract.ENV_WAITER_TTL_SECONDS: str(
            settings.timeout_seconds + contract.WAITER_TTL_MARGIN_SECONDS
        ),
        contract.ENV_WORKFLOW_NAME: workflow_name,
    }


class DmsCallbackWorkflow(StarterStateMachineComponent, ScheduleOutputs, HubWorkflow):
    """Wait for a DMS replication task on a task token, resumed when DMS reports the change.

    The state machine's one ``lambda:invoke.waitForTaskToken`` task invokes the starter Lambda,
    which stores the token in the hub's waiter table (a conditional write: one waiter per task)
    *before* starting the task, so even a task that stops at once is seen. The hub's resume
    Lambda completes the wait when the task's state-change event arrives; its reconciler
    heartbeats and catches lost events. Success and failure are judged as in the polling
    pattern and fail with the same error names (``DmsTaskFailed``, ``DmsTaskStopped``,
    ``DmsWaitTimedOut``, ``DmsTaskNotFound``, ``DmsStartFailed``, ``DmsDescribeFailed``,
    ``DmsInvalidInput``, plus ``DmsAlreadyWaiting`` when another execution already waits for
    the task, and ``DmsWaitReleased`` when an operator releases the wait with
    ``dms-waiters release``).

    Start an execution with ``{}`` or ``{"start_type": ...}``.

    Creates: the starter Lambda (role: items of the hub's waiter table, and
    ``dms:StartReplicationTask`` on this task only), the state machine (Standard) with its role
    (invoke the starter only) and log group, and a ``DmsEventHub`` named ``<name>-hub`` unless
    ``hub`` is given.
    """

    hub_table_name: pulumi.Output[str]
    """Name of the waiter table of the hub the workflow waits through (none in a durable
    workflow's poll mode)."""

    def __init__(
        self,
        name: str,
        args: DmsCallbackWorkflowArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT, name, opts)
        check_workflow_name(COMPONENT, name, CALLBACK_CHILDREN, HUB_CHILDREN, args)
        schedule = schedule_settings(self._check, name, args)
        hub, settings = resolve_hub(
            self._check,
            args,
            self,
            lambda period: callback_settings_from_args(name, args, period),
        )
        self._hub, self._heartbeat_seconds = hub.component, settings.heartbeat_seconds
        link = hub.link
        tags, logging = args.get("tags"), settings.logging
        task_arn = pulumi.Output.from_input(settings.task_arn)
        can_start = settings.start_type != dms.START_TYPE_NONE

        partition = tracing_partition(self, self._check, logging.tracing)
        starter = create_lambda_function(
            f"{name}-starter",
            parent=self,
            handler=contract.STARTER_HANDLER,
            description=f"Registers the waiter, then starts the DMS task of workflow {name}",
            statements=pulumi.Output.all(link.table_arn, task_arn).apply(
                lambda arns: iam_policies.starter_statements(arns[0], arns[1], can_start)
            ),
            environment=starter_environment(settings, link.table_name, name),
            logging=logging,
            tags=tags,
            timeout_seconds=STARTER_TIMEOUT_SECONDS,
            gate=partition,
        )
        definition = pulumi.Output.all(
            task_arn, starter.arn, settings.heartbeat_seconds, partition
        ).apply(
            lambda v: build_callback_definition(
                CallbackSpec(
                    replication_task_arn=v[0],
                    starter_function_arn=v[1],
                    start_type=settings.start_type,
                    timeout_seconds=settings.timeout_seconds,
                    heartbeat_seconds=v[2],
                ),
                partition=v[3],
            )
        )
        created, outputs = self._create_starter_machine(
            name,
            description=f"Execution role of the DMS callback workflow {name}",
            starter=starter,
            definition=definition,
            logging=logging,
            tags=tags,
        )
        self.hub_table_name = link.table_name
        self.schedule_arn = schedule_executions(
            name, parent=self, schedule=schedule, created=created, logging=logging, tags=tags
        )
        self.register_outputs(
            {
                **outputs,
                "hub_table_name": self.hub_table_name,
                "schedule_arn": self.schedule_arn,
            }
        )

    @property
    def heartbeat_seconds(self) -> Heartbeat:
        """The heartbeat interval in effect (None: no heartbeat); an ``Output`` when the hub
        reference came as one."""
        return self._heartbeat_seconds
