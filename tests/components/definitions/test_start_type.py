"""``auto``: the handlers' rule (``dms_status.auto_start_type``) and the polling definition's
ChooseStartType Choice agree on every task DescribeReplicationTasks can describe."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from dms_waiters.definitions.polling import (
    AUTO_START_STATES,
    CURRENT,
    PollingSpec,
    build_polling_definition,
)
from dms_waiters.lambdas import dms_status as dms

ARN = "arn:aws:dms:us-east-1:123456789012:task:ORDERS"
#: Start dates as DMS and the emulator may render them: absent (None here), null, a value.
START_DATES: tuple[Any, ...] = (None, "2026-01-01T00:00:00Z", 1767225600)
MIGRATION_TYPES: tuple[str | None, ...] = (*dms.MIGRATION_TYPES, None, "some-future-type")


def _value(task: dict[str, Any], variable: str) -> Any:
    # JSONPath of the ChooseStartType rules: $.current.task.<Field>, defaults merged first.
    assert variable.startswith(CURRENT + ".")
    defaults = {"Status": "", "MigrationType": "", "ReplicationTaskStartDate": None}
    return {**defaults, **task}[variable[len(CURRENT) + 1 :]]


def _matches(rule: dict[str, Any], task: dict[str, Any]) -> bool:
    """The ASL Choice operators ChooseStartType uses, evaluated as Step Functions does."""
    if "And" in rule:
        return all(_matches(r, task) for r in rule["And"])
    if "Or" in rule:
        return any(_matches(r, task) for r in rule["Or"])
    if "Not" in rule:
        return not _matches(rule["Not"], task)
    value = _value(task, rule["Variable"])
    if "StringEquals" in rule:
        return isinstance(value, str) and value == rule["StringEquals"]
    if "IsNull" in rule:
        return (value is None) == rule["IsNull"]
    raise AssertionError(f"operator not evaluated here: {rule}")


STATES: dict[str, Any] = build_polling_definition(PollingSpec(ARN), partition="aws")["States"]


def choose(task: dict[str, Any]) -> str:
    """The DMS start type the definition starts ``task`` with."""
    states = STATES
    choice = states["ChooseStartType"]
    target = next(
        (rule["Next"] for rule in choice["Choices"] if _matches(rule, task)), choice["Default"]
    )
    return str(states[target]["Parameters"]["StartReplicationTaskType"])


@pytest.mark.parametrize(
    ("status", "start_date", "migration_type"),
    list(itertools.product(dms.STATUSES, START_DATES, MIGRATION_TYPES)),
)
def test_the_definition_and_the_handlers_agree(
    status: str, start_date: Any, migration_type: str | None
) -> None:
    task: dict[str, Any] = {"Status": status}
    if start_date is not None:
        task["ReplicationTaskStartDate"] = start_date
    if migration_type is not None:
        task["MigrationType"] = migration_type
    assert choose(task) == dms.auto_start_type(task)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ({"Status": "ready", "MigrationType": "full-load"}, "start-replication"),
        ({"Status": "ready", "ReplicationTaskStartDate": None}, "start-replication"),
        ({"Status": "stopped", "MigrationType": "full-load"}, "reload-target"),
        ({"Status": "failed", "MigrationType": "cdc"}, "resume-processing"),
        ({"Status": "stopped", "MigrationType": "full-load-and-cdc"}, "resume-processing"),
        # Modified after a run: ready again, but it has run.
        ({"Status": "ready", "ReplicationTaskStartDate": "x", "MigrationType": "full-load"},
         "reload-target"),
    ],
)  # fmt: skip
def test_the_documented_rule(task: dict[str, Any], expected: str) -> None:
    assert dms.auto_start_type(task) == expected


def test_every_start_type_auto_picks_has_its_start_state() -> None:
    picks = {dms.START_REPLICATION, dms.DEFAULT_RESTART_TYPE, *dms.RESTART_TYPES.values()}
    assert picks == set(AUTO_START_STATES) == set(dms.DMS_START_TYPES)


def test_auto_is_the_default_and_accepted_as_an_override() -> None:
    assert dms.START_TYPES[0] == dms.START_TYPE_AUTO
    assert PollingSpec(ARN).start_type == dms.START_TYPE_AUTO
    check = build_polling_definition(PollingSpec(ARN), partition="aws")["States"]["CheckInput"]
    allowed = {r["StringEquals"] for r in check["Choices"][1]["Or"]}
    assert dms.START_TYPE_AUTO in allowed
