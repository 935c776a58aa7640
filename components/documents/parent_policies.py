"""Pure builders of what a parent's role needs to run a waiter: a nested execution of a Step
Functions waiter, a chained invoke of a durable waiter (plain dicts, no Pulumi).

Scoped as AWS documents them (docs/aws-facts.md, "Nested executions" and "Chained durable
invokes"), every ARN built from the waiter's own ARN, so its partition, region and account.
"""

from __future__ import annotations

from typing import Any, Final

from .iam_policies import statement

#: The EventBridge rule Step Functions manages in the parent's account to learn when a
#: ``.sync`` child ends; the parent's role must be allowed to create and read it.
SYNC_EXECUTION_RULE: Final = "StepFunctionsGetEventsForStepFunctionsExecutionRule"
#: What a ``.sync`` parent does to the child's executions: poll one, stop one with its parent.
CHILD_EXECUTION_ACTIONS: Final = ["states:DescribeExecution", "states:StopExecution"]
SYNC_RULE_ACTIONS: Final = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]


def parse_arn(arn: str, resource_type: str, separator: str = ":") -> tuple[str, str, str, str]:
    """(partition, region, account, name) of ``arn:<p>:<service>:<r>:<a>:<type><sep><name>``."""
    parts = arn.split(":", 5)
    prefix = f"{resource_type}{separator}"
    if len(parts) != 6 or parts[0] != "arn" or not parts[5].startswith(prefix):
        raise ValueError(f"not a {resource_type} ARN: {arn!r}")
    return parts[1], parts[3], parts[4], parts[5][len(prefix) :]


def nested_execution_statements(state_machine_arn: str) -> list[dict[str, Any]]:
    """What a parent state machine's role needs to run this waiter with ``.sync`` or
    ``.sync:2``: start it, describe and stop its executions (and no other machine's), and
    manage Step Functions' own rule for ``.sync`` executions."""
    partition, region, account, name = parse_arn(state_machine_arn, "stateMachine")
    executions = f"arn:{partition}:states:{region}:{account}:execution:{name}:*"
    rule = f"arn:{partition}:events:{region}:{account}:rule/{SYNC_EXECUTION_RULE}"
    return [
        statement("StartDmsWaiter", ["states:StartExecution"], [state_machine_arn]),
        statement("ManageDmsWaiterExecutions", CHILD_EXECUTION_ACTIONS, [executions]),
        statement("SyncExecutionEventsRule", SYNC_RULE_ACTIONS, [rule]),
    ]


def chained_invoke_statements(alias_arn: str) -> list[dict[str, Any]]:
    """What a durable parent function's role needs to run this durable waiter with
    ``context.invoke``: invoke its alias, and nothing else."""
    parse_arn(alias_arn, "function")
    if alias_arn.count(":") != 7:
        raise ValueError(f"invoke the waiter through its alias (a qualified ARN): {alias_arn!r}")
    return [statement("InvokeDmsDurableWaiter", ["lambda:InvokeFunction"], [alias_arn])]
