"""``WaiterComponent``: what every waiter component sets the same way, whatever runs it."""

import json
from typing import Any

import pulumi

from ..documents import iam_policies
from .component import DmsWaitersComponent
from .shared_outputs import WaiterOutputs


class WaiterComponent(WaiterOutputs, DmsWaitersComponent):
    """Base of ``StateMachineComponent`` and ``DurableComponent``: sets ``WaiterOutputs``."""

    def parent_policy_statements(self) -> pulumi.Output[list[dict[str, Any]]]:
        """The IAM statements a parent's role needs to run this waiter (each kind says which)."""
        raise NotImplementedError

    def _expose_waiter(
        self, role_arn: pulumi.Output[str], log_group_name: pulumi.Output[str]
    ) -> dict[str, pulumi.Output[Any]]:
        """Set ``WaiterOutputs`` (the parent policy from ``parent_policy_statements``, so after
        the outputs those read); return them for ``register_outputs``."""
        self.role_arn = role_arn
        self.log_group_name = log_group_name
        self.parent_policy = self.parent_policy_statements().apply(
            lambda statements: json.dumps(iam_policies.document(*statements))
        )
        return {
            "role_arn": self.role_arn,
            "log_group_name": self.log_group_name,
            "parent_policy": self.parent_policy,
        }
