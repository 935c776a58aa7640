"""Find a deployed hub's resources from its waiter table's name.

The hub sets no tags or names the command could rely on (tags are the user's, names are
autonamed), but it wires everything to the table by facts of ``contract``:

* the table: ``DescribeTable`` (its hash key is ``contract.KEY``);
* the resume and reconciler functions: the functions (``ListFunctions``) whose handler is
  ``contract.RESUME_HANDLER`` / ``contract.RECONCILER_HANDLER`` and whose ``WAITER_TABLE``
  environment variable is the table;
* the DMS event rule and the reconcile schedule: the rules targeting those functions
  (``ListRuleNamesByTarget``, ``DescribeRule``);
* the dead-letter queue: the DMS rule's target's ``DeadLetterConfig`` (``ListTargetsByRule``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..documents.event_patterns import schedule_minutes
from ..lambdas import contract
from ..lambdas.errors import error_code
from .session import Aws, CliError


@dataclass(frozen=True)
class Rule:
    """An EventBridge rule targeting one of the hub's functions."""

    name: str
    enabled: bool
    schedule_minutes: int | None
    """The period of a ``rate()`` schedule; None for an event pattern rule."""
    dead_letter_arn: str | None
    """The dead-letter queue of its target for the function."""


@dataclass(frozen=True)
class Hub:
    """What the command knows of a deployed hub."""

    table: str
    deletion_protection: bool
    resume_function: str | None
    """ARN of the resume Lambda (None: not found)."""
    reconciler_function: str | None
    """ARN of the reconciler Lambda (None: not found, or the reconciler is off)."""
    event_rules: tuple[Rule, ...]
    """The rules (not schedules) targeting the resume function."""
    schedules: tuple[Rule, ...]
    """The schedules targeting the reconciler."""

    @property
    def reconcile_minutes(self) -> int | None:
        """The reconciler's period (the first schedule's), if it has one."""
        periods = [r.schedule_minutes for r in self.schedules if r.schedule_minutes]
        return periods[0] if periods else None

    @property
    def dlq_arn(self) -> str | None:
        """The dead-letter queue of the DMS event rule's target."""
        arns = [r.dead_letter_arn for r in self.event_rules if r.dead_letter_arn]
        return arns[0] if arns else None


def describe_table(aws: Aws, table: str) -> dict[str, Any]:
    """The waiter table's description; ``CliError`` (exit 2) if there is no such waiter table."""
    try:
        description: dict[str, Any] = aws.client("dynamodb").describe_table(TableName=table)[
            "Table"
        ]
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise CliError(
                f"no DynamoDB table {table!r} in {aws.region_name} (pass the hub's table_name)", 2
            ) from exc
        raise
    keys = [k["AttributeName"] for k in description.get("KeySchema", []) if k["KeyType"] == "HASH"]
    if keys != [contract.KEY]:
        raise CliError(f"table {table!r} is not a dms-waiters waiter table (key {keys})", 2)
    return description


def _functions(aws: Aws) -> Iterator[dict[str, Any]]:
    for page in aws.client("lambda").get_paginator("list_functions").paginate():
        yield from page.get("Functions", [])


def _rules_targeting(aws: Aws, function_arn: str) -> list[Rule]:
    events = aws.client("events")
    names: list[str] = []
    kwargs: dict[str, Any] = {"TargetArn": function_arn}
    while True:
        page = events.list_rule_names_by_target(**kwargs)
        names.extend(page.get("RuleNames", []))
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    rules = []
    for name in names:
        rule = events.describe_rule(Name=name)
        targets = events.list_targets_by_rule(Rule=name).get("Targets", [])
        dead_letters = [
            t.get("DeadLetterConfig", {}).get("Arn") for t in targets if t["Arn"] == function_arn
        ]
        expression = rule.get("ScheduleExpression")
        rules.append(
            Rule(
                name=name,
                enabled=rule.get("State") == "ENABLED",
                schedule_minutes=schedule_minutes(expression) if expression else None,
                dead_letter_arn=next((d for d in dead_letters if d), None),
            )
        )
    return rules


def find_hub(aws: Aws, table: str) -> Hub:
    """The hub whose waiter table is ``table`` (see the module docstring)."""
    description = describe_table(aws, table)
    by_handler: dict[str, str] = {}
    for function in _functions(aws):
        variables = (function.get("Environment") or {}).get("Variables") or {}
        if variables.get(contract.ENV_WAITER_TABLE) == table:
            by_handler.setdefault(function.get("Handler", ""), function["FunctionArn"])
    resume = by_handler.get(contract.RESUME_HANDLER)
    reconciler = by_handler.get(contract.RECONCILER_HANDLER)
    resume_rules = _rules_targeting(aws, resume) if resume else []
    reconciler_rules = _rules_targeting(aws, reconciler) if reconciler else []
    return Hub(
        table=table,
        deletion_protection=bool(description.get("DeletionProtectionEnabled")),
        resume_function=resume,
        reconciler_function=reconciler,
        event_rules=tuple(r for r in resume_rules if r.schedule_minutes is None),
        schedules=tuple(r for r in reconciler_rules if r.schedule_minutes is not None),
    )
