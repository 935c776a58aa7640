"""Reusable Pulumi components that wait for AWS DMS replication tasks without spinning.

One pattern per module: ``DmsPollingWorkflow`` (the Step Functions polling baseline),
``DmsCallbackWorkflow`` (a task token resumed by DMS events through a shared ``DmsEventHub``,
passed by its ``reference``)
and ``DmsDurableWorkflow`` (a Lambda durable function that polls or waits for a callback);
``CallbackUrlWorkflow`` waits for any third-party job through the hub's signed callback URLs,
and ``DurableBatchWorkflow`` deploys a user's batch job as a resumable durable function;
``WorkflowSchedule`` starts a user's own workflow (a pipeline around a waiter) on a schedule.
The pure builders they use (state machine definitions, IAM policy documents, event patterns)
live beside them and need no Pulumi engine to test; the handler code they deploy ships in
``dms_waiters.lambdas``.
"""

from ._version import __version__
from .arguments import InvalidArgumentError, LogLevel, PollJitter, StartType, WaitMode
from .callback import DmsCallbackWorkflow, DmsCallbackWorkflowArgs
from .callback_url_workflow import CallbackUrlWorkflow, CallbackUrlWorkflowArgs
from .durable import DmsDurableWorkflow, DmsDurableWorkflowArgs
from .durable_batch import DurableBatchWorkflow, DurableBatchWorkflowArgs
from .hub import DmsEventHub, DmsEventHubArgs, DmsEventHubReference
from .polling import DmsPollingWorkflow, DmsPollingWorkflowArgs
from .scheduling import ScheduleArgs
from .workflow_schedule import WorkflowSchedule, WorkflowScheduleArgs

#: Every component of the package, as the Pulumi plugin (``provider/``) serves them.
COMPONENTS = (
    DmsPollingWorkflow,
    DmsCallbackWorkflow,
    DmsEventHub,
    DmsDurableWorkflow,
    CallbackUrlWorkflow,
    DurableBatchWorkflow,
    WorkflowSchedule,
)

__all__ = [
    "COMPONENTS",
    "CallbackUrlWorkflow",
    "CallbackUrlWorkflowArgs",
    "DmsCallbackWorkflow",
    "DmsCallbackWorkflowArgs",
    "DmsDurableWorkflow",
    "DmsDurableWorkflowArgs",
    "DmsEventHub",
    "DmsEventHubArgs",
    "DmsEventHubReference",
    "DmsPollingWorkflow",
    "DmsPollingWorkflowArgs",
    "DurableBatchWorkflow",
    "DurableBatchWorkflowArgs",
    "InvalidArgumentError",
    "LogLevel",
    "PollJitter",
    "ScheduleArgs",
    "StartType",
    "WaitMode",
    "WorkflowSchedule",
    "WorkflowScheduleArgs",
    "__version__",
]
