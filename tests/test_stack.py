"""The stack program: config validation naming task and key, one component per task."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components.stack import StackConfigError, build_stack, validate_tasks
from components.testing import DmsWaitersMocks, run_program

ROOT = Path(__file__).resolve().parent.parent
ARN = "arn:aws:dms:eu-west-1:123456789012:task:ORDERS7XQ2"


def task(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "orders", "pattern": "polling", "replication_task_arn": ARN}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
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
    ],
)
def test_malformed_config_names_the_task_and_key(tasks: Any, message: str) -> None:
    with pytest.raises(StackConfigError) as err:
        validate_tasks(tasks)
    assert message in str(err.value)


def test_component_argument_errors_are_reported_with_the_task() -> None:
    with pytest.raises(StackConfigError) as err:
        run_program(lambda: build_stack([task(), task(name="second", start_type="go")]))
    text = str(err.value)
    assert text.startswith("tasks[1] ('second'): key 'start_type':")
    assert "allowed values: start-replication, resume-processing, reload-target, none" in text


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


def _run_main(tasks: Any, mocks: DmsWaitersMocks) -> dict[str, Any]:
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

    run_program(program, mocks, project="dms-waiters")
    return exports


def test_example_config_deploys_through_the_stack_program() -> None:
    config = yaml.safe_load((ROOT / "Pulumi.example.yaml").read_text())["config"]
    tasks = config["dms-waiters:tasks"]
    mocks = DmsWaitersMocks()
    exports = _run_main(tasks, mocks)
    assert sorted(exports) == sorted(t["name"] for t in tasks)
    resolved: dict[str, Any] = {}
    for name, value in exports.items():
        pulumi.Output.from_input(value).apply(lambda v, n=name: resolved.__setitem__(n, v))
    run_program(lambda: None, mocks, project="dms-waiters")
    first = resolved[tasks[0]["name"]]
    assert first["pattern"] == "polling"
    assert set(first) == {
        "pattern",
        "state_machine_arn",
        "state_machine_name",
        "role_arn",
        "log_group_name",
    }
    assert first["state_machine_arn"].startswith("arn:aws:states:")


def test_stack_program_fails_preview_on_bad_config() -> None:
    with pytest.raises(StackConfigError, match="key 'pattern'"):
        _run_main([task(pattern="nope")], DmsWaitersMocks())
