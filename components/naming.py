"""Physical names: how pulumi-aws names each resource type, and what AWS accepts.

A resource without an explicit name is *autonamed* by pulumi-aws as ``<logical name>-<7 random
hex>``, and one with a ``name_prefix`` gets the prefix plus a unique id. Autonaming fails (at
preview) when ``<logical name>-`` plus the 7 random characters exceeds the type's maximum
(``resource.NewUniqueName``, called by the Terraform bridge's ``AutoName``), and AWS (the
provider's schema validation) rejects longer names where its own limit is stricter than the
autonaming maximum. ``NAME_RULES`` records both per resource type (from pulumi-aws
``provider/resource_overrides.go`` and ``autonaming.go``: 255 for every ``name`` not overridden;
Lambda functions, IAM roles and EventBridge rules 64, SQS queues 80) with the scope in which AWS
wants the name unique; ``dms_waiters.testing`` names resources by them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

#: Random characters pulumi-aws appends to an autoname (``AutoName``'s ``Randlen``), after a '-'.
AUTONAME_RANDOM_LENGTH: Final = 7

FUNCTION: Final = "aws:lambda/function:Function"
ROLE: Final = "aws:iam/role:Role"
ROLE_POLICY: Final = "aws:iam/rolePolicy:RolePolicy"
MANAGED_POLICY: Final = "aws:iam/policy:Policy"
STATE_MACHINE: Final = "aws:sfn/stateMachine:StateMachine"
LOG_GROUP: Final = "aws:cloudwatch/logGroup:LogGroup"
QUEUE: Final = "aws:sqs/queue:Queue"
TOPIC: Final = "aws:sns/topic:Topic"
EVENT_RULE: Final = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET: Final = "aws:cloudwatch/eventTarget:EventTarget"
METRIC_ALARM: Final = "aws:cloudwatch/metricAlarm:MetricAlarm"
TABLE: Final = "aws:dynamodb/table:Table"
SECRET: Final = "aws:secretsmanager/secret:Secret"  # noqa: S105 (a type token)
PERMISSION: Final = "aws:lambda/permission:Permission"
ALIAS: Final = "aws:lambda/alias:Alias"

#: Scopes in which AWS requires a name to be unique.
REGION: Final = "region"
ACCOUNT: Final = "account"
EVENT_BUS: Final = "event bus"


@dataclass(frozen=True)
class NameRule:
    """How pulumi-aws names one resource type, and what AWS accepts."""

    key: str = "name"
    """The input property holding the physical name (camelCase, as the engine sees it)."""
    max_length: int = 255
    """The autonaming maximum: ``<logical>-`` plus the random characters must fit."""
    aws_max_length: int | None = None
    """AWS's own limit when stricter than ``max_length`` (rejected by the provider's schema
    validation at preview), else None."""
    prefix_key: str | None = "namePrefix"
    """The input giving a prefix to which the provider appends a unique id, if any."""
    pattern: str | None = None
    """The characters AWS allows in the name (a regular expression of the whole name)."""
    unique_in: str | None = REGION
    """Where AWS requires the name to be unique: ``REGION`` (per account and region),
    ``ACCOUNT`` (IAM), ``EVENT_BUS`` (per bus); None when unique only within a parent resource
    (a role's inline policy, a rule's target, a function's permission or alias)."""
    fifo_key: str | None = None
    """The boolean input that makes the provider append ``.fifo`` to a generated name."""

    @property
    def limit(self) -> int:
        """The longest name AWS will take (``max_length`` or the stricter AWS limit)."""
        return min(self.max_length, self.aws_max_length or self.max_length)

    @property
    def max_logical_length(self) -> int:
        """The longest logical name that autonames within ``limit``."""
        return self.limit - 1 - AUTONAME_RANDOM_LENGTH

    def matches(self, name: str) -> bool:
        """Whether AWS accepts the characters of ``name``."""
        return self.pattern is None or re.fullmatch(self.pattern, name) is not None


#: Every resource type the components create (and a few a user's stack often adds) with a
#: physical name; any other type autonames with ``DEFAULT_NAME_RULE``.
NAME_RULES: Final[Mapping[str, NameRule]] = {
    FUNCTION: NameRule(max_length=64, prefix_key=None, pattern=r"[A-Za-z0-9_-]+"),
    ROLE: NameRule(max_length=64, pattern=r"[\w+=,.@-]+", unique_in=ACCOUNT),
    ROLE_POLICY: NameRule(aws_max_length=128, pattern=r"[\w+=,.@-]+", unique_in=None),
    MANAGED_POLICY: NameRule(aws_max_length=128, pattern=r"[\w+=,.@-]+", unique_in=ACCOUNT),
    STATE_MACHINE: NameRule(aws_max_length=80, pattern=r"[A-Za-z0-9_-]+"),
    LOG_GROUP: NameRule(aws_max_length=512, pattern=r"[\w/.#-]+"),
    QUEUE: NameRule(max_length=80, pattern=r"[A-Za-z0-9_-]+(\.fifo)?", fifo_key="fifoQueue"),
    TOPIC: NameRule(max_length=80, pattern=r"[A-Za-z0-9_-]+(\.fifo)?", fifo_key="fifoTopic"),
    EVENT_RULE: NameRule(max_length=64, pattern=r"[.A-Za-z0-9_-]+", unique_in=EVENT_BUS),
    EVENT_TARGET: NameRule(
        key="targetId",
        aws_max_length=64,
        prefix_key=None,
        pattern=r"[.A-Za-z0-9_-]+",
        unique_in=None,
    ),
    METRIC_ALARM: NameRule(prefix_key=None),
    TABLE: NameRule(prefix_key=None, pattern=r"[A-Za-z0-9_.-]+"),
    SECRET: NameRule(aws_max_length=512, pattern=r"[A-Za-z0-9/_+=.@-]+"),
    PERMISSION: NameRule(
        key="statementId",
        max_length=100,
        prefix_key="statementIdPrefix",
        pattern=r"[A-Za-z0-9_-]+",
        unique_in=None,
    ),
    ALIAS: NameRule(aws_max_length=128, prefix_key=None, unique_in=None),
}
#: The rule pulumi-aws applies to every other resource with a ``name`` input.
DEFAULT_NAME_RULE: Final = NameRule(unique_in=None)


def name_rule(type_token: str) -> NameRule:
    """The naming rule of ``type_token`` (``DEFAULT_NAME_RULE`` for types not listed)."""
    return NAME_RULES.get(type_token, DEFAULT_NAME_RULE)
