"""Reusable Pulumi components that wait for AWS DMS replication tasks without spinning.

One pattern per module: ``DmsPollingWorkflow`` (the Step Functions polling baseline). The pure
builders they use (state machine definitions, IAM policy documents) live beside them and need no
Pulumi engine to test; the handler code they deploy ships in ``components.lambdas``.
"""

from .polling import DmsPollingWorkflow, DmsPollingWorkflowArgs, LogLevel, StartType
from .validation import InvalidArgumentError

__all__ = [
    "DmsPollingWorkflow",
    "DmsPollingWorkflowArgs",
    "InvalidArgumentError",
    "LogLevel",
    "StartType",
]
