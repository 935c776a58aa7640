"""Long-running ETL in a Lambda durable function: ordered items, one named step per batch.

``process_in_batches(context, items, batch_size, process_batch, pause_seconds)`` cuts ``items``
into consecutive batches and runs ``process_batch(batch)`` for each in a step named
``batch-<i>``, with a durable wait ``pause-<i>`` between two batches. A wait ends the
invocation (the function is suspended, not billed for compute), so each invocation processes one
batch and stays well inside Lambda's 15 minutes however many batches there are: size a batch so
that one ``process_batch`` takes a few minutes at most.

Resuming: a failed batch step is retried by the step's retry strategy (a later invocation), and
every invocation replays from the top, where completed batch steps return their checkpointed
result without running again. So a failure in the middle resumes at the failed batch and each
batch completes exactly once (a batch whose step was interrupted before it checkpointed runs
again: steps are at-least-once, so ``process_batch`` should be idempotent, e.g. upserts).

Determinism: ``items`` must be the same on every replay (from the event or from a step's
checkpointed result, never read fresh outside a step). Keep each batch result small (counts,
ids): it is checkpointed, and AWS documents 256 KB per checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, TypeVar

from aws_durable_execution_sdk_python import DurableContext, StepContext
from aws_durable_execution_sdk_python.config import Duration, StepConfig

Item = TypeVar("Item")
Result = TypeVar("Result")

BATCH_STEP_PREFIX: Final = "batch-"
PAUSE_PREFIX: Final = "pause-"


def batch_step_name(index: int) -> str:
    """The step name of batch ``index`` (part of the replay contract)."""
    return f"{BATCH_STEP_PREFIX}{index}"


def pause_name(index: int) -> str:
    """The name of the wait after batch ``index``."""
    return f"{PAUSE_PREFIX}{index}"


def batches(items: Sequence[Item], batch_size: int) -> list[list[Item]]:
    """``items`` cut into consecutive lists of ``batch_size`` (the last may be shorter)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    return [list(items[i : i + batch_size]) for i in range(0, len(items), batch_size)]


def process_in_batches(
    context: DurableContext,
    items: Sequence[Item],
    batch_size: int,
    process_batch: Callable[[list[Item]], Result],
    pause_seconds: int,
    *,
    step_config: StepConfig | None = None,
) -> list[Result]:
    """Process ``items`` in order, one step per batch and a wait between batches.

    Returns the batch results in order. ``pause_seconds`` (at least 1, the durable minimum) is
    the wait between two batches; there is none after the last one. ``step_config`` (e.g. a
    retry strategy) applies to every batch step; the SDK's default retries a failed batch.
    A batch that still fails after its retries raises ``StepError`` and the remaining batches
    do not run.
    """
    if pause_seconds < 1:
        raise ValueError(f"pause_seconds must be at least 1 (durable wait), not {pause_seconds}")
    chunks = batches(items, batch_size)
    results: list[Result] = []
    for index, chunk in enumerate(chunks):
        if index:
            context.wait(Duration.from_seconds(pause_seconds), name=pause_name(index - 1))
        results.append(
            context.step(
                _batch_step(process_batch, chunk), name=batch_step_name(index), config=step_config
            )
        )
    return results


def _batch_step(
    process_batch: Callable[[list[Item]], Result], chunk: list[Item]
) -> Callable[[StepContext], Result]:
    def run(_ctx: StepContext) -> Result:
        return process_batch(chunk)

    return run
