"""The outputs several components declare, each with its description written once.

A component inherits these classes (``StateMachineComponent`` and ``DurableComponent`` do, and
the components add the mixins they set): Pulumi's analyzer collects the annotations along the
class's MRO, and ``inherited_docs`` has it read their descriptions here. No ``from __future__
import annotations``: the analyzer evaluates the annotations as they stand.
"""

import pulumi


class WaiterOutputs:
    """The outputs of every waiter, whether a state machine or a durable function runs it."""

    role_arn: pulumi.Output[str]
    """ARN of the execution role of the workflow's state machine, or of its durable function."""
    log_group_name: pulumi.Output[str]
    """Name of the log group of the workflow's state machine executions, or of its durable
    function."""
    parent_policy: pulumi.Output[str]
    """IAM policy (JSON) a parent's role needs to run this waiter: for a state machine, a parent
    state machine's nested ``startExecution.sync:2`` (or ``.sync``) execution of it; for a
    durable function, a durable parent function's ``context.invoke`` of its alias."""


class StateMachineOutputs(WaiterOutputs):
    """The outputs of a workflow run by one state machine."""

    state_machine_arn: pulumi.Output[str]
    """ARN of the state machine (start executions on it; see the component for the input)."""
    state_machine_name: pulumi.Output[str]
    """Name of the state machine."""


class DurableFunctionOutputs(WaiterOutputs):
    """The outputs of a workflow run by one durable function."""

    function_name: pulumi.Output[str]
    """Name of the durable function."""
    function_arn: pulumi.Output[str]
    """Unqualified ARN of the durable function (invoke ``alias_arn`` instead)."""
    alias_name: pulumi.Output[str]
    """Name of the alias every run is started through (``live``)."""
    alias_arn: pulumi.Output[str]
    """Qualified ARN of the alias: the function name to invoke."""
    start_command: pulumi.Output[str]
    """An AWS CLI command starting a run (set ``RUN_ID`` first; a repeat of the same run id
    starts nothing new)."""


class StarterOutputs:
    """The output of a workflow whose state machine invokes a starter Lambda."""

    starter_function_arn: pulumi.Output[str]
    """ARN of the starter Lambda the state machine invokes (it registers the waiter, then starts
    the DMS task or the job)."""


class ScheduleOutputs:
    """The output of a workflow that takes the ``schedule`` argument."""

    schedule_arn: pulumi.Output[str | None]
    """ARN of the EventBridge Scheduler schedule starting the runs (none without ``schedule``)."""
