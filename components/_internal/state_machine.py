"""The resources every workflow's state machine needs: role, inline policy, log group, machine.

Shared by ``DmsPollingWorkflow`` and ``DmsCallbackWorkflow`` so both get the same trust policy
(``states.amazonaws.com`` for this account only), the same log group layout and the same
logging and tracing settings, under the same logical names (``<name>-role``, ``<name>-policy``,
``<name>-logs``, ``<name>-state-machine``). The role and the machine are autonamed, the log
group is ``/aws/vendedlogs/states/<name>-`` plus a unique id (see ``naming``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from ..arguments import Logged, LogLevel, ScheduleSettings
from ..definitions import nested
from ..documents import iam_policies, parent_policies
from ..lambdas import contract
from ..naming import ROLE, ROLE_POLICY, STATE_MACHINE, Children
from .lambda_function import LambdaFunction, create_log_group, create_role
from .schedule import schedule_runs
from .shared_outputs import StarterOutputs, StateMachineOutputs
from .waiter_component import WaiterComponent

#: The autonamed resources of ``create_state_machine(name)`` (see ``naming``).
STATE_MACHINE_CHILDREN: Final[Children] = (
    ("-role", ROLE),
    ("-policy", ROLE_POLICY),
    ("-state-machine", STATE_MACHINE),
)


@dataclass(frozen=True)
class StateMachineResources:
    """What ``create_state_machine`` created."""

    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    log_group: aws.cloudwatch.LogGroup
    machine: aws.sfn.StateMachine


class StateMachineComponent(StateMachineOutputs, WaiterComponent):
    """Base of the components built around one state machine: declares its outputs
    (``StateMachineOutputs``) and sets them once."""

    def parent_policy_statements(self) -> pulumi.Output[list[dict[str, Any]]]:
        """The IAM statements a parent state machine's role needs to run this waiter as a
        nested ``.sync``/``.sync:2`` execution (``parent_policies.nested_execution_statements``)."""
        return self.state_machine_arn.apply(parent_policies.nested_execution_statements)

    def nested_states(
        self, state_name: str, **options: Any
    ) -> pulumi.Output[dict[str, dict[str, Any]]]:
        """The states a parent runs this waiter with, routing failures by the waiter's error
        name: ``definitions.nested.nested_waiter_states(state_name, <this state machine's ARN>,
        **options)`` (``next_state``, ``on_error``, ``otherwise`` required)."""
        return self.state_machine_arn.apply(
            lambda arn: nested.nested_waiter_states(state_name, arn, **options)
        )

    def _expose(self, created: StateMachineResources) -> dict[str, pulumi.Output[Any]]:
        """Set the outputs above from ``created``; return them for ``register_outputs``."""
        self.state_machine_arn = created.machine.arn
        self.state_machine_name = created.machine.name
        return {
            "state_machine_arn": self.state_machine_arn,
            "state_machine_name": self.state_machine_name,
            **self._expose_waiter(created.role.arn, created.log_group.name),
        }


class StarterStateMachineComponent(StateMachineComponent, StarterOutputs):
    """Base of the callback patterns' components: a state machine whose one task invokes a
    starter Lambda."""

    def _create_starter_machine(
        self,
        name: str,
        *,
        description: str,
        starter: LambdaFunction,
        definition: pulumi.Output[dict[str, Any]],
        logging: Logged,
        tags: pulumi.Input[dict[str, str]] | None,
    ) -> tuple[StateMachineResources, dict[str, pulumi.Output[Any]]]:
        """``create_state_machine`` under this component for a callback pattern: one task
        token wait whose role may only invoke the ``starter`` Lambda
        (``iam_policies.callback_state_machine_policy``). Sets the state machine's outputs and
        ``starter_function_arn``, and returns them for ``register_outputs``."""
        created = create_state_machine(
            name,
            parent=self,
            description=description,
            definition=definition.apply(lambda d: json.dumps(d, separators=(",", ":"))),
            policy=starter.arn.apply(
                lambda arn: json.dumps(
                    iam_policies.callback_state_machine_policy(arn, logging.tracing)
                )
            ),
            logging=logging,
            tags=tags,
            invokes=[starter],
        )
        self.starter_function_arn = starter.arn
        return created, {**self._expose(created), "starter_function_arn": starter.arn}


def create_state_machine(
    name: str,
    *,
    parent: pulumi.Resource,
    description: str,
    definition: pulumi.Input[str],
    policy: pulumi.Input[str],
    logging: Logged,
    tags: pulumi.Input[dict[str, str]] | None,
    invokes: Sequence[LambdaFunction] = (),
) -> StateMachineResources:
    """Create a Standard state machine running as its own role, logging to its own log group.

    ``definition`` and ``policy`` are JSON documents (or ``Output``s of them); the policy is the
    role's only permission. The machine waits for the policy and for what the functions it
    ``invokes`` need (``LambdaFunction.invoke_after``), so its first execution already has every
    permission it needs.
    """
    child = pulumi.ResourceOptions(parent=parent)
    account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    trust = account_id.account_id.apply(
        lambda acct: json.dumps(
            iam_policies.service_assume_role_policy("states.amazonaws.com", acct)
        )
    )
    role = create_role(name, trust, description, tags, parent)
    role_policy = aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=policy, opts=child)
    # The vended-logs prefix keeps the resource policy Step Functions writes small.
    log_group = create_log_group(
        name, "/aws/vendedlogs/states/", logging.log_retention_days, tags, parent
    )
    machine = aws.sfn.StateMachine(
        f"{name}-state-machine",
        type="STANDARD",
        role_arn=role.arn,
        definition=definition,
        logging_configuration={
            "level": logging.log_level,
            "include_execution_data": logging.log_level == LogLevel.ALL.value,
            "log_destination": log_group.arn.apply(lambda a: f"{a}:*"),
        },
        tracing_configuration={"enabled": logging.tracing},
        tags=tags,
        # The role's permissions (and the invoked functions') must exist before the first
        # execution runs.
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=[role_policy, *(r for f in invokes for r in f.invoke_after)],
        ),
    )
    return StateMachineResources(role, role_policy, log_group, machine)


def schedule_executions(
    name: str,
    *,
    parent: pulumi.Resource,
    schedule: ScheduleSettings | None,
    created: StateMachineResources,
    logging: Logged,
    tags: pulumi.Input[dict[str, str]] | None,
) -> pulumi.Output[str | None]:
    """``schedule_runs`` for a state machine workflow: each run an execution named after its
    scheduled time; the schedule's ARN (None without ``schedule``)."""
    return schedule_runs(
        name,
        parent=parent,
        settings=schedule,
        kind=contract.KIND_SFN,
        target_arn=created.machine.arn,
        logging=logging,
        tags=tags,
        depends_on=[created.machine],
    )
