"""The resources every workflow's state machine needs: role, inline policy, log group, machine.

Shared by ``DmsPollingWorkflow`` and ``DmsCallbackWorkflow`` so both get the same trust policy
(``states.amazonaws.com`` for this account only), the same log group layout and the same
logging and tracing settings, under the same logical names (``<name>-role``, ``<name>-policy``,
``<name>-logs``, ``<name>-state-machine``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from . import iam_policies
from .validation import LogLevel


@dataclass(frozen=True)
class StateMachineResources:
    """What ``create_state_machine`` created."""

    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    log_group: aws.cloudwatch.LogGroup
    machine: aws.sfn.StateMachine


class StateMachineComponent(pulumi.ComponentResource):
    """Base of the components built around one state machine: sets its outputs once.

    Each component declares these outputs itself (``state_machine_arn``,
    ``state_machine_name``, ``role_arn``, ``log_group_name``, with their descriptions): Pulumi's
    schema analyzer reads the descriptions from the component class's own source only.
    """

    def _expose(self, created: StateMachineResources) -> dict[str, pulumi.Output[Any]]:
        """Set the outputs above from ``created``; return them for ``register_outputs``."""
        self.state_machine_arn = created.machine.arn
        self.state_machine_name = created.machine.name
        self.role_arn = created.role.arn
        self.log_group_name = created.log_group.name
        return {
            "state_machine_arn": self.state_machine_arn,
            "state_machine_name": self.state_machine_name,
            "role_arn": self.role_arn,
            "log_group_name": self.log_group_name,
        }


def create_state_machine(
    name: str,
    *,
    parent: pulumi.Resource,
    description: str,
    definition: pulumi.Input[str],
    policy: pulumi.Input[str],
    log_level: str,
    log_retention_days: int,
    tracing: bool,
    tags: pulumi.Input[dict[str, str]] | None,
) -> StateMachineResources:
    """Create a Standard state machine running as its own role, logging to its own log group.

    ``definition`` and ``policy`` are JSON documents (or ``Output``s of them); the policy is the
    role's only permission. The machine waits for the policy, so its first execution already
    has every permission it needs.
    """
    child = pulumi.ResourceOptions(parent=parent)
    account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    role = aws.iam.Role(
        f"{name}-role",
        assume_role_policy=account_id.account_id.apply(
            lambda acct: json.dumps(
                iam_policies.service_assume_role_policy("states.amazonaws.com", acct)
            )
        ),
        description=description,
        tags=tags,
        opts=child,
    )
    role_policy = aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=policy, opts=child)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        # The vended-logs prefix keeps the resource policy Step Functions writes small.
        name_prefix=f"/aws/vendedlogs/states/{name}-",
        retention_in_days=log_retention_days,
        tags=tags,
        opts=child,
    )
    machine = aws.sfn.StateMachine(
        f"{name}-state-machine",
        type="STANDARD",
        role_arn=role.arn,
        definition=definition,
        logging_configuration={
            "level": log_level,
            "include_execution_data": log_level == LogLevel.ALL.value,
            "log_destination": log_group.arn.apply(lambda a: f"{a}:*"),
        },
        tracing_configuration={"enabled": tracing},
        tags=tags,
        # The role's permissions must exist before the first execution runs.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[role_policy]),
    )
    return StateMachineResources(role, role_policy, log_group, machine)


def create_starter_state_machine(
    name: str,
    *,
    parent: pulumi.Resource,
    description: str,
    starter_arn: pulumi.Output[str],
    definition: pulumi.Output[dict[str, Any]],
    log_level: str,
    log_retention_days: int,
    tracing: bool,
    tags: pulumi.Input[dict[str, str]] | None,
) -> StateMachineResources:
    """``create_state_machine`` for the callback patterns: one task token wait whose role may
    only invoke the starter Lambda (``iam_policies.callback_state_machine_policy``)."""
    return create_state_machine(
        name,
        parent=parent,
        description=description,
        definition=definition.apply(lambda d: json.dumps(d, separators=(",", ":"))),
        policy=starter_arn.apply(
            lambda arn: json.dumps(iam_policies.callback_state_machine_policy(arn, tracing))
        ),
        log_level=log_level,
        log_retention_days=log_retention_days,
        tracing=tracing,
        tags=tags,
    )
