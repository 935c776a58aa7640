"""The pipeline examples run as written (docs/patterns.md's, and the README's nightly pipeline):
the parent state machine nests the waiter, passes every definition check, its role has exactly
the waiter's parent policy, and its schedule may start the parent alone."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from dms_waiters.testing import DmsWaitersMocks, run_program
from tests.checks import all_definition_errors
from tests.paths import ROOT

PATTERNS = ROOT / "docs" / "patterns.md"
README = ROOT / "README.md"


def example(heading: str, document: Path = PATTERNS) -> str:
    """The first Python code block after ``heading`` in ``document``."""
    text = document.read_text()
    section = text[text.index(heading) :]
    match = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert match is not None
    return match.group(1)


def test_the_pipeline_example_deploys_a_parent_running_the_waiter_nested() -> None:
    code = example("## 4. Waits inside pipelines")
    mocks = run_program(lambda: exec(code, {}), DmsWaitersMocks())
    waiter = mocks.by_name("orders-load-state-machine").output("arn")
    parent = mocks.by_name("pipeline")
    definition: dict[str, Any] = json.loads(parent.inputs["definition"])
    assert all_definition_errors(definition) == []
    task = definition["States"]["LoadOrders"]
    assert task["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    assert task["Parameters"]["StateMachineArn"] == waiter
    policy = json.loads(mocks.by_name("pipeline-policy").inputs["policy"])
    assert {s["Sid"] for s in policy["Statement"]} == {
        "StartDmsWaiter",
        "ManageDmsWaiterExecutions",
        "SyncExecutionEventsRule",
    }
    assert policy["Statement"][0]["Resource"] == [waiter]
    # The pipeline's own schedule: the starter may start this parent and nothing else.
    starter = json.loads(mocks.by_name("pipeline-nightly-schedule-starter-policy").inputs["policy"])
    assert starter["Statement"][0] == {
        "Sid": "StartTheWorkflow",
        "Effect": "Allow",
        "Action": ["states:StartExecution"],
        "Resource": [parent.output("arn")],
    }
    schedule = mocks.by_name("pipeline-nightly-schedule").inputs
    assert schedule["scheduleExpression"] == "cron(0 2 * * ? *)"
    assert schedule["scheduleExpressionTimezone"] == "Europe/Paris"


def test_the_short_nightly_pipeline_example_deploys_and_schedules_the_parent() -> None:
    code = example("### A nightly pipeline", README)
    assert len(code.strip().splitlines()) <= 25  # short enough for the README
    mocks = run_program(lambda: exec(code, {}), DmsWaitersMocks())
    waiter = mocks.by_name("orders-load-state-machine").output("arn")
    parent = mocks.by_name("pipeline")
    definition: dict[str, Any] = json.loads(parent.inputs["definition"])
    assert all_definition_errors(definition) == []
    assert definition["States"]["Load"]["Parameters"]["StateMachineArn"] == waiter
    assert definition["States"]["Load"]["Next"] == "Transform"
    starter = json.loads(mocks.by_name("nightly-schedule-starter-policy").inputs["policy"])
    assert starter["Statement"][0]["Resource"] == [parent.output("arn")]
    schedule = mocks.by_name("nightly-schedule").inputs
    assert schedule["scheduleExpression"] == "cron(0 2 * * ? *)"
