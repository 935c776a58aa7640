"""Physical names: what Pulumi's autonaming gives each resource, and which component names fit.

No component sets an explicit physical name (except the durable alias ``live``): every
function, role, state machine, table, queue, rule, alarm and secret is *autonamed* by pulumi-aws
as ``<logical name>-<7 random hex>``, and every log group gets ``name_prefix`` plus a unique id.
That is what makes names survive refactors and never collide:

* **Aliases keep names.** When a component is renamed with ``aliases=``, the engine hands the
  provider the old state of each child (children whose logical names start with the component's
  name inherit the alias), and the provider keeps an autoname from the old state instead of
  drawing a new one, so nothing is replaced; a replaced durable function would lose its
  in-flight executions. A ``name_prefix`` is an input: the log groups ignore changes to it
  (``ignore_changes``), so a rename keeps them too.
* **No collisions.** The random suffix differs per resource (two components of different types
  with the same instance name, two stacks of one account), where a name derived from the logical
  name alone would make AWS refuse the second.

The price is a length limit: pulumi-aws fails (at preview) when ``<logical name>-`` plus the 7
random characters exceeds the resource type's limit (``resource.NewUniqueName``, called by the
Terraform bridge's ``AutoName``), and AWS (the provider's schema validation) rejects longer names
where its own limit is stricter than the autonaming maximum. ``NAME_RULES`` records both per
resource type (from pulumi-aws ``provider/resource_overrides.go`` and ``autonaming.go``: 255 for
every ``name`` not overridden; Lambda functions, IAM roles and EventBridge rules 64, SQS queues
80), and each component checks its instance name against its children's rules before creating
anything (``check_component_name``), naming the component and the limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from .arguments import InvalidArgumentError

#: Random characters pulumi-aws appends to an autoname (``AutoName``'s ``Randlen``), after a '-'.
AUTONAME_RANDOM_LENGTH: Final = 7

FUNCTION: Final = "aws:lambda/function:Function"
ROLE: Final = "aws:iam/role:Role"
ROLE_POLICY: Final = "aws:iam/rolePolicy:RolePolicy"
MANAGED_POLICY: Final = "aws:iam/policy:Policy"
POLICY_ATTACHMENT: Final = "aws:iam/policyAttachment:PolicyAttachment"
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
SCHEDULE: Final = "aws:scheduler/schedule:Schedule"


class NameScope(StrEnum):
    """Where AWS requires a name to be unique."""

    REGION = "region"
    """Per account and region."""
    ACCOUNT = "account"
    """Per account (IAM)."""
    EVENT_BUS = "event bus"
    """Per EventBridge event bus."""


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
    unique_in: NameScope | None = NameScope.REGION
    """Where AWS requires the name to be unique; None when unique only within a parent resource
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
    ROLE: NameRule(max_length=64, pattern=r"[\w+=,.@-]+", unique_in=NameScope.ACCOUNT),
    ROLE_POLICY: NameRule(aws_max_length=128, pattern=r"[\w+=,.@-]+", unique_in=None),
    MANAGED_POLICY: NameRule(
        aws_max_length=128, pattern=r"[\w+=,.@-]+", unique_in=NameScope.ACCOUNT
    ),
    # Autonamed by pulumi-aws like every required ``name``, but only a label of the provider's
    # (an exclusive attachment): AWS knows no such name.
    POLICY_ATTACHMENT: NameRule(prefix_key=None, unique_in=None),
    STATE_MACHINE: NameRule(aws_max_length=80, pattern=r"[A-Za-z0-9_-]+"),
    LOG_GROUP: NameRule(aws_max_length=512, pattern=r"[\w/.#-]+"),
    QUEUE: NameRule(max_length=80, pattern=r"[A-Za-z0-9_-]+(\.fifo)?", fifo_key="fifoQueue"),
    TOPIC: NameRule(max_length=80, pattern=r"[A-Za-z0-9_-]+(\.fifo)?", fifo_key="fifoTopic"),
    EVENT_RULE: NameRule(max_length=64, pattern=r"[.A-Za-z0-9_-]+", unique_in=NameScope.EVENT_BUS),
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
    # Unique within its schedule group (always ``default`` here: one per account and region).
    SCHEDULE: NameRule(aws_max_length=64, pattern=r"[0-9A-Za-z_.-]+"),
}
#: The rule pulumi-aws applies to every other resource with a ``name`` input.
DEFAULT_NAME_RULE: Final = NameRule(unique_in=None)


def name_rule(type_token: str) -> NameRule:
    """The naming rule of ``type_token`` (``DEFAULT_NAME_RULE`` for types not listed)."""
    return NAME_RULES.get(type_token, DEFAULT_NAME_RULE)


#: A component's autonamed children: (suffix of the child's logical name after the
#: component's name, resource type).
Children = tuple[tuple[str, str], ...]


def lambda_children(suffix: str) -> Children:
    """The autonamed resources of ``create_lambda_function(f"{name}{suffix}")``."""
    return ((suffix, FUNCTION), (f"{suffix}-role", ROLE), (f"{suffix}-policy", ROLE_POLICY))


def prefixed(children: Children, prefix: str) -> Children:
    """``children`` of a sub-component named ``f"{name}{prefix}"``."""
    return tuple((f"{prefix}{suffix}", type_token) for suffix, type_token in children)


def max_component_name_length(children: Iterable[tuple[str, str]]) -> int:
    """The longest component name with which every child's logical name still autonames."""
    return min(name_rule(t).max_logical_length - len(suffix) for suffix, t in children)


#: What every component name may contain: the characters all the autonamed types accept.
COMPONENT_NAME_RE: Final = re.compile(r"^[A-Za-z0-9_-]+$")


def check_component_name(
    component: str, name: str, children: Iterable[tuple[str, str]], context: str = ""
) -> None:
    """Raise ``InvalidArgumentError`` unless every child of ``component`` named ``name`` can be
    autonamed: letters, digits, '-' and '_' only, and at most the length the children allow.

    ``context`` completes the message (for example when a workflow creates its own hub).
    """
    if not isinstance(name, str) or not COMPONENT_NAME_RE.fullmatch(name):
        raise InvalidArgumentError(
            component,
            str(name),
            "name",
            "may only contain letters, digits, '-' and '_': it becomes part of the AWS names "
            "of the resources the component creates",
        )
    limit = max_component_name_length(children)
    if len(name) > limit:
        raise InvalidArgumentError(
            component,
            name,
            "name",
            f"is {len(name)} characters long; at most {limit} fit{context}: the resources it "
            f"creates are autonamed '<name>-<role>-' plus {AUTONAME_RANDOM_LENGTH} random "
            "characters within AWS's name limits (64 for Lambda functions, IAM roles and "
            "EventBridge rules and targets, 80 for state machines and SQS queues)",
        )


def check_workflow_name(
    component: str,
    name: str,
    children: Children,
    hub_children: Children,
    args: object,
) -> None:
    """``check_component_name`` for a workflow that may create its own hub ``<name>-hub``: its
    ``hub_children`` count too unless ``args`` names a shared ``hub`` (or the workflow needs
    none: empty ``hub_children``)."""
    creates_hub = bool(hub_children) and not (isinstance(args, Mapping) and "hub" in args)
    if not creates_hub:
        check_component_name(component, name, children)
        return
    shared = max_component_name_length(children)
    check_component_name(
        component,
        name,
        (*children, *prefixed(hub_children, "-hub")),
        f" when it creates its own hub '<name>-hub' ({shared} with a shared hub)",
    )
