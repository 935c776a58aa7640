"""Physical names that survive refactors and never collide (issue 9, point 4).

Every component, with the same instance name in one stack, gets distinct names for everything
AWS wants unique; renaming a component with ``aliases=`` keeps every physical name of its
children (nothing is replaced: a replaced durable function would lose its in-flight
executions); the longest instance name each component accepts is checked at preview; and
nothing invokes a function before its policy and log group exist.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

import dms_waiters
from dms_waiters import (
    CallbackUrlWorkflow,
    DmsCallbackWorkflow,
    DmsDurableWorkflow,
    DmsEventHub,
    DmsPollingWorkflow,
    DurableBatchWorkflow,
    InvalidArgumentError,
    WorkflowSchedule,
)
from dms_waiters.naming import (
    ALIAS,
    EVENT_RULE,
    EVENT_TARGET,
    FUNCTION,
    LOG_GROUP,
    MANAGED_POLICY,
    METRIC_ALARM,
    NAME_RULES,
    QUEUE,
    ROLE,
    ROLE_POLICY,
    SCHEDULE,
    SECRET,
    STATE_MACHINE,
    TABLE,
    name_rule,
)
from dms_waiters.testing import CreatedResource, DmsWaitersMocks, run_program
from tests.components._internal.test_schedule import LONGEST_WITH_A_SCHEDULE, NIGHTLY
from tests.paths import ROOT

TASK_ARN = "arn:aws:dms:eu-west-1:123456789012:task:ORDERS7XQ2"
JOB_DIR = str(ROOT / "examples" / "export_job")
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
PARENT_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:nightly-pipeline"

#: Each component type, as a factory of (instance name, options).
Make = Callable[[str, pulumi.ResourceOptions | None], pulumi.ComponentResource]


@pytest.fixture(scope="module")
def makers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Make]:
    code = tmp_path_factory.mktemp("batch-code")
    (code / "etl.py").write_text(
        textwrap.dedent(
            """
            from dms_waiters.lambdas.durable_batch import make_handler

            handler = make_handler(lambda batch: len(batch))
            """
        )
    )
    task = {"replication_task_arn": TASK_ARN}
    job = {"code_dir": JOB_DIR, "handler": "job.handler"}
    return {
        "DmsPollingWorkflow": lambda n, o: DmsPollingWorkflow(n, {**task}, o),  # type: ignore[typeddict-item]
        "DmsCallbackWorkflow": lambda n, o: DmsCallbackWorkflow(n, {**task}, o),  # type: ignore[typeddict-item]
        "DmsEventHub": lambda n, o: DmsEventHub(n, {"callback_url": True}, o),
        "DmsDurableWorkflow": lambda n, o: DmsDurableWorkflow(n, {**task}, o),  # type: ignore[typeddict-item]
        "CallbackUrlWorkflow": lambda n, o: CallbackUrlWorkflow(n, {**job}, o),  # type: ignore[typeddict-item]
        "DurableBatchWorkflow": lambda n, o: DurableBatchWorkflow(
            n, {"code_dir": str(code), "handler": "etl.handler"}, o
        ),
        "WorkflowSchedule": lambda n, o: WorkflowSchedule(
            n,
            {"state_machine_arn": PARENT_ARN, "schedule": NIGHTLY},  # type: ignore[typeddict-item]
            o,
        ),
    }


#: Every component the package exports: a new one is named-checked here, or these tests fail.
COMPONENTS = [component.__name__ for component in dms_waiters.COMPONENTS]
#: Every type with a name AWS wants unique that the components create.
UNIQUE_TYPES = {
    FUNCTION,
    ROLE,
    MANAGED_POLICY,
    STATE_MACHINE,
    TABLE,
    LOG_GROUP,
    QUEUE,
    EVENT_RULE,
    METRIC_ALARM,
    SCHEDULE,
}


def named(found: DmsWaitersMocks) -> list[CreatedResource]:
    return [r for r in found.created() if r.physical_name is not None]


@pytest.fixture(scope="module")
def every_component(makers: dict[str, Make]) -> DmsWaitersMocks:
    """One stack with every component, each named ``orders`` (read only by the tests)."""
    # The mocks fail a run when AWS would refuse a second resource of one name.
    return run_program(lambda: [makers[kind]("orders", None) for kind in COMPONENTS])


Renamed = Callable[[str], tuple[DmsWaitersMocks, DmsWaitersMocks]]


@pytest.fixture(scope="module")
def renamed(makers: dict[str, Make]) -> Renamed:
    """``renamed(kind)``: the component deployed as ``orders``, then renamed ``billing`` with an
    alias to its old name: (before, after), deployed once per module (read only by the tests)."""
    done: dict[str, tuple[DmsWaitersMocks, DmsWaitersMocks]] = {}

    def rename(kind: str) -> tuple[DmsWaitersMocks, DmsWaitersMocks]:
        if kind not in done:
            before = run_program(lambda: makers[kind]("orders", None))
            aliased = pulumi.ResourceOptions(aliases=[pulumi.Alias(name="orders")])
            after = run_program(lambda: makers[kind]("billing", aliased), previous=before)
            done[kind] = (before, after)
        return done[kind]

    return rename


def test_every_component_with_the_same_name_in_one_stack_never_collides(
    every_component: DmsWaitersMocks,
) -> None:
    found = every_component
    assert found.duplicate_physical_names() == []
    unique = [r for r in named(found) if NAME_RULES[r.type].unique_in is not None]
    assert {r.type for r in unique} == UNIQUE_TYPES | {SECRET}
    for type_token in UNIQUE_TYPES | {SECRET}:
        names = [r.physical_name for r in unique if r.type == type_token]
        assert len(set(names)) == len(names) > 0, type_token
    # Where names derived from the logical name collided: the two callback workflows'
    # starters ("orders-starter") and their log groups, and the two durable functions' aliases.
    for logical in ("orders-starter", "orders-starter-logs", "orders-starter-role"):
        twins = [r for r in found.created() if r.name == logical]
        assert len(twins) == 2
        assert twins[0].physical_name != twins[1].physical_name


@pytest.mark.parametrize("kind", COMPONENTS)
def test_an_aliased_rename_keeps_every_physical_name(
    kind: str, makers: dict[str, Make], renamed: Renamed
) -> None:
    before, after = renamed(kind)

    old_names = {r.urn: r.physical_name for r in named(before)}
    assert len(old_names) >= 4
    # Every resource continues one of the previous deployment (nothing created or replaced)...
    assert all(r.previous is not None for r in after.created())
    assert all(r.name.startswith("billing") for r in after.created())
    # ...under the name it had.
    kept = {r.previous.urn: r.physical_name for r in named(after) if r.previous is not None}
    assert kept == old_names
    # The log groups' prefixes changed with the name: they are ignored, not replaced.
    for group in after.created(LOG_GROUP):
        assert group.options.ignore_changes == ("namePrefix",)
        assert group.previous is not None
        assert group.inputs["namePrefix"] == group.previous.inputs["namePrefix"]

    # Without the alias, the renamed component is a new one: new names for everything (but
    # the durable alias's own name, "live").
    renamed = run_program(lambda: makers[kind]("billing", None), previous=before)
    assert not any(r.previous for r in renamed.created())
    drawn = {r.physical_name for r in named(renamed) if r.type != ALIAS}
    assert drawn.isdisjoint(old_names.values())


def test_a_durable_function_renamed_with_an_alias_is_the_same_function(
    renamed: Renamed,
) -> None:
    before, after = renamed("DmsDurableWorkflow")
    old, new = before.by_name("orders-waiter"), after.by_name("billing-waiter")
    assert new.previous is not None and new.previous.urn == old.urn
    assert new.output("arn") == old.output("arn")
    (alias,) = after.created(ALIAS)
    assert alias.output("arn") == before.created(ALIAS)[0].output("arn")


#: The longest instance name of each component (see naming.check_component_name and the
#: docs/guide.md's table): the binding child is in the comment.
LONGEST = {
    "DmsPollingWorkflow": 51,  # <name>-role (IAM roles: 64)
    "DmsCallbackWorkflow": 33,  # <name>-hub-reconcile-schedule (EventBridge rules: 64)
    "DmsEventHub": 37,  # <name>-reconcile-schedule
    "DmsDurableWorkflow": 33,  # <name>-hub-reconcile-schedule
    "CallbackUrlWorkflow": 33,  # <name>-hub-reconcile-schedule
    "DurableBatchWorkflow": 45,  # <name>-batch-role
    "WorkflowSchedule": LONGEST_WITH_A_SCHEDULE,  # <name>-schedule-starter-role
}
#: With a shared hub, the workflow's own resources bind.
LONGEST_WITH_A_SHARED_HUB = {
    "DmsCallbackWorkflow": 43,  # <name>-starter-role
    "DmsDurableWorkflow": 44,  # <name>-waiter-role
    "CallbackUrlWorkflow": 43,  # <name>-starter-role
}


@pytest.mark.parametrize("kind", COMPONENTS)
def test_the_longest_name_fits_and_one_more_character_fails_at_preview(
    kind: str, makers: dict[str, Make]
) -> None:
    limit = LONGEST[kind]
    found = run_program(lambda: makers[kind]("n" * limit, None), preview=True)
    # The limit is tight: some autoname reaches its type's limit exactly.
    assert max(len(r.physical_name or "") - name_rule(r.type).limit for r in named(found)) == 0

    too_long = DmsWaitersMocks()
    with pytest.raises(InvalidArgumentError) as caught:
        run_program(lambda: makers[kind]("n" * (limit + 1), None), too_long, preview=True)
    assert (caught.value.component, caught.value.argument) == (kind, "name")
    assert f"is {limit + 1} characters long; at most {limit} fit" in str(caught.value)
    assert [r.name for r in too_long.created()] == ["n" * (limit + 1)]  # nothing else


@pytest.mark.parametrize("kind", sorted(LONGEST_WITH_A_SHARED_HUB))
def test_a_workflow_sharing_a_hub_may_have_a_longer_name(
    kind: str, makers: dict[str, Make]
) -> None:
    limit = LONGEST_WITH_A_SHARED_HUB[kind]

    def program(name: str) -> None:
        hub = DmsEventHub("hub", {"callback_url": True})
        args: dict[str, Any] = (
            {"code_dir": JOB_DIR, "handler": "job.handler"}
            if kind == "CallbackUrlWorkflow"
            else {"replication_task_arn": TASK_ARN}
        )
        component = {
            "DmsCallbackWorkflow": DmsCallbackWorkflow,
            "DmsDurableWorkflow": DmsDurableWorkflow,
            "CallbackUrlWorkflow": CallbackUrlWorkflow,
        }[kind]
        component(name, {**args, "hub": hub.reference})  # type: ignore[operator]

    run_program(lambda: program("n" * limit), preview=True)
    with pytest.raises(InvalidArgumentError, match=f"at most {limit} fit:"):
        run_program(lambda: program("n" * (limit + 1)), preview=True)
    with pytest.raises(InvalidArgumentError, match=f"own hub '<name>-hub' \\({limit} with a"):
        run_program(lambda: makers[kind]("n" * (LONGEST[kind] + 1), None), preview=True)


@pytest.mark.parametrize("name", ["orders.load", "orders load", "örders"])
def test_a_name_aws_would_refuse_fails_at_preview(name: str) -> None:
    with pytest.raises(InvalidArgumentError, match="may only contain letters, digits, '-' and"):
        run_program(
            lambda: DmsPollingWorkflow(name, {"replication_task_arn": TASK_ARN}), preview=True
        )


def _invokers(found: DmsWaitersMocks, function: CreatedResource) -> list[CreatedResource]:
    """What invokes ``function``: event targets, schedules, state machines, aliases, function
    URLs and functions that invoke it (the URL starter invokes the job)."""
    arn, name = function.output("arn"), function.physical_name
    found_invokers = [
        *(t for t in found.created(EVENT_TARGET) if t.inputs["arn"] == arn),
        *(s for s in found.created(SCHEDULE) if s.inputs["target"]["arn"] == arn),
        *(m for m in found.created(STATE_MACHINE) if arn in m.inputs["definition"]),
        *(a for a in found.created(ALIAS) if a.inputs["functionName"] == name),
        *(u for u in found.created(FUNCTION_URL) if u.inputs["functionName"] == name),
        *(
            f
            for f in found.created(FUNCTION)
            if name in f.inputs.get("environment", {}).get("variables", {}).values()
        ),
    ]
    return found_invokers


def test_nothing_invokes_a_function_before_its_policy_and_log_group_exist(
    every_component: DmsWaitersMocks,
) -> None:
    found = every_component
    functions = found.created(FUNCTION)
    assert len(functions) == 16
    for function in functions:
        siblings = {
            r.type: r
            for r in found.created()
            if r.parent == function.parent
            and r.name in (f"{function.name}-policy", f"{function.name}-logs")
        }
        policy, logs = siblings[ROLE_POLICY], siblings[LOG_GROUP]
        invokers = _invokers(found, function)
        assert invokers, function.name
        for invoker in invokers:
            assert {policy.urn, logs.urn} <= set(invoker.options.depends_on), (
                function.name,
                invoker.name,
            )
        # The function itself: after its log group, and after its policy unless the policy
        # names the function (durable functions: their own executions), then the other way.
        assert logs.urn in function.options.depends_on
        if "durableConfig" in function.inputs:
            assert function.urn in policy.options.depends_on
        else:
            assert policy.urn in function.options.depends_on


def test_the_guide_documents_every_limit() -> None:
    section = (ROOT / "docs" / "guide.md").read_text().split("## Physical names", 1)[1]
    rows = {
        line.split("|")[1].strip(" `"): line.split("|")[2]
        for line in section.split("\n## ", 1)[0].splitlines()
        if line.startswith("| `")
    }
    assert sorted(rows) == sorted(COMPONENTS)
    for kind, row in rows.items():
        numbers = [int(n) for n in row.split() if n.isdigit()]
        shared = [LONGEST_WITH_A_SHARED_HUB[kind]] if kind in LONGEST_WITH_A_SHARED_HUB else []
        assert numbers == [*shared, LONGEST[kind]], kind
