"""Reusable Pulumi components that wait for AWS DMS replication tasks without spinning.

One pattern per module: ``DmsPollingWorkflow`` (the Step Functions polling baseline),
``DmsCallbackWorkflow`` (a task token resumed by DMS events through a shared ``DmsEventHub``)
and ``DmsDurableWorkflow`` (a Lambda durable function that polls or waits for a callback);
``DurableBatchWorkflow`` deploys a user's batch job as a resumable durable function.
The pure builders they use (state machine definitions, IAM policy documents, event patterns)
live beside them and need no Pulumi engine to test; the handler code they deploy ships in
``components.lambdas``.
"""

from .callback import DmsCallbackWorkflow, DmsCallbackWorkflowArgs
from .durable import DmsDurableWorkflow, DmsDurableWorkflowArgs
from .durable_batch import DurableBatchWorkflow, DurableBatchWorkflowArgs
from .event_hub import DmsEventHub, DmsEventHubArgs
from .polling import DmsPollingWorkflow, DmsPollingWorkflowArgs
from .validation import InvalidArgumentError, LogLevel, PollJitter, StartType, WaitMode

__all__ = [
    "DmsCallbackWorkflow",
    "DmsCallbackWorkflowArgs",
    "DmsDurableWorkflow",
    "DmsDurableWorkflowArgs",
    "DmsEventHub",
    "DmsEventHubArgs",
    "DmsPollingWorkflow",
    "DmsPollingWorkflowArgs",
    "DurableBatchWorkflow",
    "DurableBatchWorkflowArgs",
    "InvalidArgumentError",
    "LogLevel",
    "PollJitter",
    "StartType",
    "WaitMode",
]
