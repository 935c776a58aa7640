"""Reusable Pulumi components that wait for AWS DMS replication tasks without spinning.

One pattern per module: ``DmsPollingWorkflow`` (the Step Functions polling baseline) and
``DmsCallbackWorkflow`` (a task token resumed by DMS events through a shared ``DmsEventHub``),
``CallbackUrlWorkflow`` (any third-party job, resumed through the hub's signed callback URLs).
The pure builders they use (state machine definitions, IAM policy documents, event patterns)
live beside them and need no Pulumi engine to test; the handler code they deploy ships in
``components.lambdas``.
"""

from .callback import DmsCallbackWorkflow, DmsCallbackWorkflowArgs
from .callback_url_workflow import CallbackUrlWorkflow, CallbackUrlWorkflowArgs
from .event_hub import DmsEventHub, DmsEventHubArgs
from .polling import DmsPollingWorkflow, DmsPollingWorkflowArgs
from .validation import InvalidArgumentError, LogLevel, StartType

__all__ = [
    "CallbackUrlWorkflow",
    "CallbackUrlWorkflowArgs",
    "DmsCallbackWorkflow",
    "DmsCallbackWorkflowArgs",
    "DmsEventHub",
    "DmsEventHubArgs",
    "DmsPollingWorkflow",
    "DmsPollingWorkflowArgs",
    "InvalidArgumentError",
    "LogLevel",
    "StartType",
]
