"""The stack program: config validation naming task and key, one component per task."""

from __future__ import annotations

import json
import runpy
from typing import Any

import pulumi
import pytest
import yaml

from dms_waiters.stack import (
    HUB_NAME,
    HUB_OUTPUT_NAMES,
    StackConfigError,
    build_stack,
    validate_tasks,
)
from dms_waiters.testing import DmsWaitersMocks, is_unknown, run_program
from tests.components.conftest import CALLBACK_OUTPUTS, DURABLE_FUNCTION_OUTPUTS
from tests.paths import ROOT

ARN = "arn:aws:dms:eu-west-1:123456789012:task:ORDERS7XQ2"


def task(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "orders", "pattern": "polling", "replication_task_arn": ARN}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def validation_error(tasks: Any) -> str:
    """The message of the ``StackConfigError`` validating ``tasks`` raises."""
    with pytest.raises(StackConfigError) as err:
        validate_tasks(tasks)
    return str(err.value)


def build_error(tasks: Any, hub_config: Any = None) -> str:
    """The message of the ``StackConfigError`` building the stack of ``tasks`` raises."""
    with pytest.raises(StackConfigError) as err:
        run_program(lambda: build_stack(tasks, hub_config))
    return str(err.value)


def test_one_component_per_task_with_its_arguments() -> None:
    tasks = [
        task(),
        task(name="catchup", start_type="resume-processing", poll_interval_seconds=120),
    ]
    mocks = run_program(lambda: build_stack(tasks))
    components = mocks.created("dms-waiters:index:DmsPollingWorkflow")
    assert sorted(c.name for c in components) == ["catchup", "orders"]
    machines = {
        m.name: json.loads(m.inputs["definition"])
        for m in mocks.created("aws:sfn/stateMachine:StateMachine")
    }
    init = machines["catchup-state-machine"]["States"]["InitDefaults"]["Parameters"]
    assert init["start_type"] == "resume-processing"
    assert init["poll"]["interval"] == 120


def _run_main(tasks: Any, mocks: DmsWaitersMocks, preview: bool = False) -> dict[str, Any]:
    """Run __main__.py as `pulumi up` would, with the stack config set, and collect exports."""
    exports: dict[str, Any] = {}

    def program() -> None:
        pulumi.runtime.set_all_config({"dms-waiters:tasks": json.dumps(tasks)})
        original = pulumi.export
        pulumi.export = lambda name, value: exports.__setitem__(name, value)  # type: ignore[assignment]
        try:
            runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        finally:
            pulumi.export = original
            pulumi.runtime.set_all_config({})

    run_program(program, mocks, project="dms-waiters", preview=preview)
    return exports


def _resolved_exports(tasks: Any) -> dict[str, Any]:
    """``_run_main``'s exports of ``tasks``, each resolved."""
    mocks = DmsWaitersMocks()
    exports = _run_main(tasks, mocks)
    resolved: dict[str, Any] = {}
    for name, value in exports.items():
        pulumi.Output.from_input(value).apply(lambda v, n=name: resolved.__setitem__(n, v))
    run_program(lambda: None, mocks, project="dms-waiters")
    return resolved


def test_example_config_deploys_through_the_stack_program() -> None:
    config = yaml.safe_load((ROOT / "Pulumi.example.yaml").read_text())["config"]
    tasks = config["dms-waiters:tasks"]
    resolved = _resolved_exports(tasks)
    assert sorted(resolved) == sorted(t["name"] for t in tasks)
    first = resolved[tasks[0]["name"]]
    assert first["pattern"] == "polling"
    assert set(first) == {
        "pattern",
        "state_machine_arn",
        "state_machine_name",
        "role_arn",
        "log_group_name",
        "schedule_arn",
        "parent_policy",
    }
    assert first["schedule_arn"] is None
    assert first["state_machine_arn"].startswith("arn:aws:states:")


def test_stack_program_fails_preview_on_bad_config() -> None:
    with pytest.raises(StackConfigError, match="key 'pattern'"):
        _run_main([task(pattern="nope")], DmsWaitersMocks())


# -- the callback pattern: one shared hub per stack ---------------------------------------------

OTHER_ARN = "arn:aws:dms:eu-west-1:123456789012:task:CUSTOMERS4HR8"


def callback(**overrides: Any) -> dict[str, Any]:
    return task(pattern="callback", **overrides)


def test_callback_tasks_share_one_hub() -> None:
    tasks = [
        callback(),
        task(name="full-load"),
        callback(name="customers", replication_task_arn=OTHER_ARN, heartbeat_seconds=3600),
    ]
    mocks = run_program(lambda: build_stack(tasks))
    (hub,) = mocks.created("dms-waiters:index:DmsEventHub")
    assert hub.name == HUB_NAME == "dms-events"
    assert hub.parent is not None and hub.parent.endswith("::pulumi:pulumi:Stack::project-stack")
    assert len(mocks.created("aws:dynamodb/table:Table")) == 1
    workflows = mocks.created("dms-waiters:index:DmsCallbackWorkflow")
    assert sorted(w.name for w in workflows) == ["customers", "orders"]
    assert [p.name for p in mocks.created("dms-waiters:index:DmsPollingWorkflow")] == ["full-load"]
    table = mocks.created("aws:dynamodb/table:Table")[0].output("name")
    for name in ("orders", "customers"):
        env = mocks.by_name(f"{name}-starter").inputs["environment"]["variables"]
        assert env["WAITER_TABLE"] == table
    machine = json.loads(mocks.by_name("customers-state-machine").inputs["definition"])
    assert machine["States"]["StartAndWait"]["HeartbeatSeconds"] == 3600


def test_no_hub_without_callback_tasks() -> None:
    mocks = run_program(lambda: build_stack([task()]))
    assert not mocks.created("dms-waiters:index:DmsEventHub")


def test_hub_config_configures_the_shared_hub() -> None:
    mocks = run_program(
        lambda: build_stack([callback()], {"reconcile_every_minutes": 5, "alarms": False})
    )
    schedule = mocks.by_name("dms-events-reconcile-schedule")
    assert schedule.inputs["scheduleExpression"] == "rate(5 minutes)"
    assert not mocks.created("aws:cloudwatch/metricAlarm:MetricAlarm")
    machine = json.loads(mocks.by_name("orders-state-machine").inputs["definition"])
    assert machine["States"]["StartAndWait"]["HeartbeatSeconds"] == 900


@pytest.mark.parametrize(
    ("hub_config", "message"),
    [
        ("fast", "config 'hub' must be a mapping"),
        ({"reconcile_every_minutes": 0.5}, "hub: key 'reconcile_every_minutes':"),
        ({"reconcile": 5}, "hub: key 'reconcile': DmsEventHub 'dms-events'"),
    ],
)
def test_bad_hub_config_names_the_key(hub_config: Any, message: str) -> None:
    assert message in build_error([task()], hub_config)


def test_callback_heartbeat_error_names_task_and_key() -> None:
    assert build_error([callback(heartbeat_seconds=60)]).startswith(
        "tasks[0] ('orders'): key 'heartbeat_seconds':"
    )


def test_stack_program_exports_callback_tasks_and_the_hub() -> None:
    tasks = [task(), callback(name="cdc", replication_task_arn=OTHER_ARN)]
    resolved = _resolved_exports(tasks)
    assert sorted(resolved) == ["cdc", "dms-events", "orders"]
    assert set(resolved["cdc"]) == {"pattern", *CALLBACK_OUTPUTS, "schedule_arn"}
    assert resolved["cdc"]["pattern"] == "callback"
    hub = resolved["dms-events"]
    assert set(hub) == set(HUB_OUTPUT_NAMES)
    assert hub["table_name"] == resolved["cdc"]["hub_table_name"]
    assert hub["reconcile_every_minutes"] == 15
    assert hub["callback_base_url"] is None
    assert hub["dlq_url"].startswith("https://sqs.")


def test_stack_program_reads_the_hub_config() -> None:
    mocks = DmsWaitersMocks()

    def program() -> None:
        pulumi.runtime.set_all_config(
            {
                "dms-waiters:tasks": json.dumps([callback()]),
                "dms-waiters:hub": json.dumps({"reconcile_every_minutes": 30}),
            }
        )
        try:
            runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        finally:
            pulumi.runtime.set_all_config({})

    run_program(program, mocks, project="dms-waiters")
    schedule = mocks.by_name("dms-events-reconcile-schedule")
    assert schedule.inputs["scheduleExpression"] == "rate(30 minutes)"


# -- the durable patterns: durable-callback shares the stack's hub ------------------------------

DURABLE_ARN = "arn:aws:dms:eu-west-1:123456789012:task:INVOICES9ZZ1"


def test_durable_tasks_deploy_a_durable_workflow_in_the_patterns_mode() -> None:
    tasks = [
        callback(),
        task(name="invoices", pattern="durable-callback", replication_task_arn=DURABLE_ARN),
        task(name="refunds", pattern="durable-poll", poll_interval_seconds=30),
    ]
    mocks = run_program(lambda: build_stack(tasks))
    workflows = mocks.created("dms-waiters:index:DmsDurableWorkflow")
    assert sorted(w.name for w in workflows) == ["invoices", "refunds"]
    # durable-callback waits through the same hub as the callback tasks: one table
    (hub,) = mocks.created("dms-waiters:index:DmsEventHub")
    assert hub.name == HUB_NAME
    (table,) = mocks.created("aws:dynamodb/table:Table")
    invoices = mocks.by_name("invoices-waiter").inputs["environment"]["variables"]
    assert invoices["WAIT_MODE"] == "callback"
    assert invoices["WAITER_TABLE"] == table.output("name")
    assert invoices["REPLICATION_TASK_ARN"] == DURABLE_ARN
    refunds = mocks.by_name("refunds-waiter").inputs["environment"]["variables"]
    assert refunds["WAIT_MODE"] == "poll"
    assert refunds["POLL_INTERVAL_SECONDS"] == "30"
    assert "WAITER_TABLE" not in refunds
    # the shared hub's resume and reconciler roles may complete invoices' callbacks
    (attachment,) = mocks.created("aws:iam/policyAttachment:PolicyAttachment")
    assert attachment.name == "invoices-callbacks"
    assert attachment.inputs["roles"] == [
        mocks.by_name(f"{HUB_NAME}-resume-role").output("name"),
        mocks.by_name(f"{HUB_NAME}-reconciler-role").output("name"),
    ]


def test_a_durable_poll_stack_has_no_hub() -> None:
    mocks = run_program(lambda: build_stack([task(pattern="durable-poll")]))
    assert not mocks.created("dms-waiters:index:DmsEventHub")
    assert len(mocks.created("dms-waiters:index:DmsDurableWorkflow")) == 1


def test_stack_program_exports_durable_tasks() -> None:
    tasks = [
        task(pattern="durable-poll"),
        task(name="cdc", pattern="durable-callback", replication_task_arn=OTHER_ARN),
    ]
    resolved = _resolved_exports(tasks)
    assert sorted(resolved) == ["cdc", "dms-events", "orders"]
    durable = {"pattern", *DURABLE_FUNCTION_OUTPUTS, "schedule_arn"}
    assert set(resolved["orders"]) == durable
    assert set(resolved["cdc"]) == durable | {"hub_table_name"}
    assert resolved["orders"]["pattern"] == "durable-poll"
    assert resolved["orders"]["alias_arn"].endswith(":live")
    assert resolved["orders"]["alias_arn"] in resolved["orders"]["start_command"]
    assert resolved["cdc"]["hub_table_name"] == resolved["dms-events"]["table_name"]


def test_the_stack_program_previews_with_every_pattern() -> None:
    """A preview knows no ARN, id or version: the stack program and every component must build
    without them (nothing may need an unknown value at preview)."""
    tasks = [
        task(name="full", pattern="polling"),
        task(name="cdc", pattern="callback", replication_task_arn=OTHER_ARN),
        task(name="poll", pattern="durable-poll"),
        task(name="wait", pattern="durable-callback"),
    ]
    mocks = DmsWaitersMocks()
    exports = _run_main(tasks, mocks, preview=True)
    assert sorted(exports) == ["cdc", "dms-events", "full", "poll", "wait"]
    machines = mocks.created("aws:sfn/stateMachine:StateMachine")
    assert len(machines) == 2
    assert all(is_unknown(m.output("arn")) and m.physical_name for m in machines)
    functions = mocks.created("aws:lambda/function:Function")
    assert all(is_unknown(f.output("version")) for f in functions)
    assert not mocks.duplicate_physical_names()


# -- config errors of every pattern ----------------------------------------------------------

#: (tasks, what validating them says): malformed tasks of any pattern.
MALFORMED_CONFIG = [
    (None, "config 'tasks' must be a non-empty list"),
    ([], "config 'tasks' must be a non-empty list"),
    ("orders", "config 'tasks' must be a non-empty list"),
    (["orders"], "tasks[0] must be a mapping"),
    ([task(name=None)], "tasks[0]: key 'name' must be"),
    ([task(name="9lives")], "tasks[0] ('9lives'): key 'name' must be"),
    ([task(), task()], "tasks[1] ('orders'): key 'name' repeats"),
    (
        [task(pattern="cron")],
        "tasks[0] ('orders'): key 'pattern' is 'cron'; allowed values: polling",
    ),
    ([task(pattern=None)], "key 'pattern' is None"),
    (
        [task(poll_every=5)],
        "tasks[0] ('orders'): key 'poll_every' is not allowed for pattern 'polling'",
    ),
    (
        [task(replication_task_arn=None)],
        "tasks[0] ('orders'): key 'replication_task_arn' is required",
    ),
    (
        [task(replication_task_arn="arn:aws:s3:::bucket")],
        "tasks[0] ('orders'): key 'replication_task_arn' is 'arn:aws:s3:::bucket'",
    ),
]
#: ... of the callback pattern.
CALLBACK_CONFIG_ERRORS = [
    (
        [callback(hub="mine")],
        "tasks[0] ('orders'): key 'hub' is not allowed for pattern 'callback'",
    ),
    (
        [callback(hub_args={"alarms": False})],
        "tasks[0] ('orders'): key 'hub_args' is not allowed for pattern 'callback'",
    ),
    (
        [callback(poll_interval_seconds=60)],
        "key 'poll_interval_seconds' is not allowed for pattern 'callback'",
    ),
    ([task(name="dms-events")], "key 'name' 'dms-events' is reserved for the stack's shared"),
]
#: ... of the durable patterns.
DURABLE_CONFIG_ERRORS = [
    (
        [task(pattern="durable-callback", poll_interval_seconds=60)],
        "key 'poll_interval_seconds' is not allowed for pattern 'durable-callback'",
    ),
    (
        [task(pattern="durable-poll", heartbeat_seconds=3600)],
        "key 'heartbeat_seconds' is not allowed for pattern 'durable-poll'",
    ),
    (
        [task(pattern="durable-poll", mode="callback")],
        "key 'mode' is not allowed for pattern 'durable-poll'",
    ),
    (
        [task(pattern="durable-callback", hub="mine")],
        "key 'hub' is not allowed for pattern 'durable-callback'",
    ),
    (
        [task(pattern="durable-callback", hub_args={})],
        "key 'hub_args' is not allowed for pattern 'durable-callback'",
    ),
    (
        [task(pattern="durable")],
        "allowed values: polling, callback, durable-poll, durable-callback",
    ),
]


@pytest.mark.parametrize(
    ("tasks", "message"), [*MALFORMED_CONFIG, *CALLBACK_CONFIG_ERRORS, *DURABLE_CONFIG_ERRORS]
)
def test_malformed_config_names_the_task_and_key(tasks: Any, message: str) -> None:
    assert message in validation_error(tasks)


@pytest.mark.parametrize(
    ("tasks", "prefix", "detail"),
    [
        (
            [task(), task(name="second", start_type="go")],
            "tasks[1] ('second'): key 'start_type':",
            "allowed values: auto, start-replication, resume-processing, reload-target, none",
        ),
        (
            [task(), callback(name="cdc", start_type="go")],
            "tasks[1] ('cdc'): key 'start_type':",
            "DmsCallbackWorkflow 'cdc'",
        ),
        (
            [task(pattern="durable-poll", retention_days=365)],
            "tasks[0] ('orders'): key 'retention_days':",
            "DmsDurableWorkflow 'orders'",
        ),
    ],
)
def test_component_argument_errors_are_reported_with_the_task(
    tasks: Any, prefix: str, detail: str
) -> None:
    text = build_error(tasks)
    assert text.startswith(prefix)
    assert detail in text


@pytest.mark.parametrize("pattern", ["polling", "durable-callback"])
def test_a_task_schedule_in_the_config_deploys_a_schedule(pattern: str) -> None:
    schedule = {"expression": "cron(0 2 * * ? *)", "timezone": "Europe/Paris", "enabled": False}
    found = run_program(lambda: build_stack([task(pattern=pattern, schedule=schedule)]))
    (created,) = found.created("aws:scheduler/schedule:Schedule")
    assert created.inputs["scheduleExpression"] == "cron(0 2 * * ? *)"
    assert created.inputs["state"] == "DISABLED"


def test_a_bad_schedule_in_the_config_names_the_task_and_the_key() -> None:
    bad = {"expression": "cron(0 2 * * *)"}
    with pytest.raises(StackConfigError) as err:
        run_program(lambda: build_stack([task(schedule=bad)]))
    assert str(err.value).startswith("tasks[0] ('orders'): key 'schedule.expression':")
    assert "a cron expression has 6 fields" in str(err.value)
