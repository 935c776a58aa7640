"""The long-running ETL helper: one named step per batch, a wait between batches, resume."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.lambda_service import InvocationStatus
from aws_durable_execution_sdk_python.retries import RetryPresets
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas.durable_batch import (
    LIST_ITEMS_STEP,
    batch_step_name,
    batches,
    make_handler,
    pause_name,
    process_in_batches,
)
from localcloud.awslambda.durable_results import count_operations
from tests.lambdas.fakes import error_message, error_name, invocations


class Loader:
    """A ``process_batch`` that records its calls and fails once on chosen batches."""

    def __init__(self, fail_once_on: set[int] | None = None, fail_always_on: int | None = None):
        self.calls: list[list[int]] = []
        self.loaded: list[int] = []
        self.fail_once_on = set(fail_once_on or ())
        self.fail_always_on = fail_always_on

    def __call__(self, batch: list[int]) -> dict[str, int]:
        self.calls.append(batch)
        index = batch[0] // 5
        if index in self.fail_once_on:
            self.fail_once_on.discard(index)
            raise ConnectionError(f"target database went away in batch {index}")
        if index == self.fail_always_on:
            raise ValueError(f"bad row in batch {index}")
        self.loaded.extend(batch)
        return {"rows": len(batch), "first": batch[0]}  # small: checkpointed


def etl_handler(loader: Loader, step_config: StepConfig | None = None) -> Any:
    @durable_execution
    def handler(event: Any, context: DurableContext) -> Any:
        items = list(range(event["rows"]))  # deterministic: from the event
        results = process_in_batches(
            context, items, 5, loader, pause_seconds=30, step_config=step_config
        )
        return {"batches": len(results), "rows": sum(r["rows"] for r in results)}

    return handler


def test_a_failure_in_the_middle_resumes_where_it_left_off() -> None:
    loader = Loader(fail_once_on={2})
    with DurableFunctionTestRunner(etl_handler(loader), skip_time=True) as runner:
        arn = runner.run_async(input=json.dumps({"rows": 23}), execution_timeout=60)
        result = runner.wait_for_result(arn, timeout=30)
        runs = invocations(runner, arn)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert json.loads(result.result or "") == {"batches": 5, "rows": 23}
    # Batches 0 and 1 ran once; 2 failed, was retried in a later invocation that replayed 0 and
    # 1 from their checkpoints; every row was loaded exactly once, in order.
    assert [b[0] for b in loader.calls] == [0, 5, 10, 10, 15, 20]
    assert loader.loaded == list(range(23))
    names = [op.name for op in result.operations]
    assert names == [
        batch_step_name(0),
        pause_name(0),
        batch_step_name(1),
        pause_name(1),
        batch_step_name(2),
        pause_name(2),
        batch_step_name(3),
        pause_name(3),
        batch_step_name(4),
    ]
    assert result.get_step(batch_step_name(2)).attempt == 2
    assert count_operations(result, attempts=False) == 9
    assert count_operations(result) == 10  # the retry of batch-2 is metered too
    # One invocation per batch (each wait suspends) plus one for the retry.
    assert runs == 6


def test_a_batch_that_keeps_failing_stops_the_run_after_it() -> None:
    loader = Loader(fail_always_on=1)
    no_retry = StepConfig(retry_strategy=RetryPresets.none())
    with DurableFunctionTestRunner(etl_handler(loader, no_retry), skip_time=True) as runner:
        result = runner.run(input=json.dumps({"rows": 15}), execution_timeout=60)
    assert result.status is InvocationStatus.FAILED
    assert error_name(result) == "StepError"
    assert "bad row in batch 1" in error_message(result)
    assert [b[0] for b in loader.calls] == [0, 5]


def test_batches_and_validation() -> None:
    assert batches([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert batches([], 3) == []
    with pytest.raises(ValueError, match="batch_size"):
        batches([1], 0)
    with pytest.raises(ValueError, match="pause_seconds"):
        process_in_batches(None, [1], 1, len, 0)  # type: ignore[arg-type]


# -- make_handler: the deployable entry point -------------------------------------------------


def test_make_handler_processes_the_payload_items_with_the_environments_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(c.ENV_BATCH_SIZE, "5")
    monkeypatch.setenv(c.ENV_BATCH_PAUSE_SECONDS, "30")
    loader = Loader()
    handler = make_handler(loader)
    with DurableFunctionTestRunner(handler, skip_time=True) as runner:
        result = runner.run(input=json.dumps({"items": list(range(12))}), execution_timeout=60)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert json.loads(result.result or "") == {
        "batches": 3,
        "items": 12,
        "results": [
            {"rows": 5, "first": 0},
            {"rows": 5, "first": 5},
            {"rows": 2, "first": 10},
        ],
    }
    assert [op.name for op in result.operations] == [
        batch_step_name(0),
        pause_name(0),
        batch_step_name(1),
        pause_name(1),
        batch_step_name(2),
    ]
    pause = result.get_wait(pause_name(0))
    assert pause.scheduled_end_timestamp is not None and pause.start_timestamp is not None
    waited = pause.scheduled_end_timestamp - pause.start_timestamp
    assert waited.total_seconds() == pytest.approx(30, abs=1)  # BATCH_PAUSE_SECONDS


def test_make_handler_lists_the_items_once_in_a_step() -> None:
    listed: list[Any] = []

    def list_items(event: Any) -> range:
        listed.append(event)
        return range(event["rows"])

    loader = Loader(fail_once_on={1})  # a retried batch replays the run: items must not change
    handler = make_handler(loader, list_items=list_items, batch_size=5, pause_seconds=1)
    with DurableFunctionTestRunner(handler, skip_time=True) as runner:
        arn = runner.run_async(input=json.dumps({"rows": 11}), execution_timeout=60)
        result = runner.wait_for_result(arn, timeout=30)
        runs = invocations(runner, arn)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert json.loads(result.result or "")["items"] == 11
    assert loader.loaded == list(range(11))
    assert result.operations[0].name == LIST_ITEMS_STEP
    assert listed == [{"rows": 11}]  # once, although the run took several invocations
    assert runs > 3


@pytest.mark.parametrize(
    ("env", "payload", "message"),
    [
        ({}, {"rows": 3}, "no 'items' list"),
        ({c.ENV_BATCH_SIZE: "0"}, {"items": [1]}, "BATCH_SIZE must be at least 1"),
        ({c.ENV_BATCH_PAUSE_SECONDS: "soon"}, {"items": [1]}, "BATCH_PAUSE_SECONDS is not an"),
    ],
)
def test_make_handler_fails_the_run_on_bad_settings(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], payload: Any, message: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    loader = Loader()
    with DurableFunctionTestRunner(make_handler(loader), skip_time=True) as runner:
        result = runner.run(input=json.dumps(payload), execution_timeout=60)
    assert result.status is InvocationStatus.FAILED
    assert message in error_message(result)
    assert loader.calls == []
