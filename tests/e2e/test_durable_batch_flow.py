"""The batch workflow deployed and run: ``DurableBatchWorkflow`` with a user's ETL module.

The component is deployed into the local cloud with a small user module (``make_handler`` over
items listed in a step, one batch failing once); the run is started through the alias as its
``start_command`` does and read back through ``GetDurableExecutionHistory``, whole, against the
history AWS reports for the same operations (tests/histories.py).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pulumi
from aws_durable_execution_sdk_python.serdes import ExtendedTypeSerDes

from dms_waiters import DurableBatchWorkflow
from dms_waiters.durable_batch import DEFAULT_EXECUTION_TIMEOUT_SECONDS
from dms_waiters.lambdas.durable_batch import LIST_ITEMS_STEP, batch_step_name, pause_name
from localcloud import LocalCloud
from tests.histories import (
    ANY,
    all_events,
    assert_history,
    invocation,
    result,
    started,
    step,
    succeeded,
)

PAUSE = 30
#: A payload as the Python durable SDK checkpoints it (its default serdes): the SDK's choice,
#: which the service stores and reports as is.
checkpointed = ExtendedTypeSerDes[Any]().serialize
ETL = textwrap.dedent(
    """
    from dms_waiters.lambdas.durable_batch import make_handler

    FAILED = []


    def load(batch):
        if 2 in batch and not FAILED:
            FAILED.append(True)
            raise RuntimeError("warehouse busy")
        return {"rows": len(batch)}


    handler = make_handler(load, list_items=lambda event: range(event["n"]))
    """
)


def test_a_batch_run_reports_the_history_aws_reports(cloud: LocalCloud, tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(ETL)

    def program() -> None:
        workflow = DurableBatchWorkflow(
            "etl",
            {
                "code_dir": str(tmp_path),
                "handler": "etl.handler",
                "batch_size": 2,
                "pause_seconds": PAUSE,
            },
        )
        pulumi.export("alias", workflow.alias_arn)

    alias = cloud.deploy(program).exports["alias"]
    arn = cloud.start_durable_execution(alias, {"n": 5}, name="nightly")
    outcome = cloud.wait_for_durable_execution(arn)
    assert outcome.status == "SUCCEEDED", outcome.cause
    output = {"batches": 3, "items": 5, "results": [{"rows": 2}, {"rows": 2}, {"rows": 1}]}
    assert outcome.output == output

    # The step's error: ErrorMessage and ErrorType, as the SDK checkpointed them (step/1-11).
    # step/1-1 (a step), wait/2-1 (a wait: the invocation ends, the wait's end, the next
    # invocation), step/1-11 (a step failing once: StepFailed with its attempt and the delay,
    # the invocation ends, the retry's StepStarted and StepSucceeded with attempt 2).
    def batch(first: int, index: int, rows: int, attempt: int = 1) -> list[dict[str, Any]]:
        name = batch_step_name(index)
        return [
            step(first, "StepStarted", f"${{B{index}}}", name, {}),
            step(
                first + 1,
                "StepSucceeded",
                f"${{B{index}}}",
                name,
                {
                    "Result": result(checkpointed({"rows": rows})),
                    "RetryDetails": {"CurrentAttempt": attempt},
                },
            ),
        ]

    def pause(first: int, index: int) -> list[dict[str, Any]]:
        name = pause_name(index)
        return [
            step(
                first,
                "WaitStarted",
                f"${{P{index}}}",
                name,
                {"Duration": PAUSE, "ScheduledEndTimestamp": ANY},
                "Wait",
            ),
            invocation(first + 1),
            step(first + 2, "WaitSucceeded", f"${{P{index}}}", name, {"Duration": PAUSE}, "Wait"),
        ]

    failed = {
        "Error": {
            "Payload": {
                "ErrorMessage": "warehouse busy",
                "ErrorType": "RuntimeError",
            },
            "Truncated": False,
        },
        "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": ANY},
    }
    expected = [
        started('{"n": 5}', DEFAULT_EXECUTION_TIMEOUT_SECONDS),
        step(2, "StepStarted", "${LIST}", LIST_ITEMS_STEP, {}),
        step(
            3,
            "StepSucceeded",
            "${LIST}",
            LIST_ITEMS_STEP,
            {
                "Result": result(checkpointed([0, 1, 2, 3, 4])),
                "RetryDetails": {"CurrentAttempt": 1},
            },
        ),
        *batch(4, 0, 2),
        *pause(6, 0),
        step(9, "StepStarted", "${B1}", batch_step_name(1), {}),
        step(10, "StepFailed", "${B1}", batch_step_name(1), failed),
        invocation(11),
        *batch(12, 1, 2, attempt=2),
        *pause(14, 1),
        *batch(17, 2, 1),
        invocation(19),
        succeeded(20, json.dumps(output)),
    ]
    events = all_events(cloud.client("lambda"), arn, IncludeExecutionData=True)
    assert_history(events, expected)
