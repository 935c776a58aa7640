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

Deploying it (``DurableBatchWorkflow``): the user's module builds its Lambda entry point with
``make_handler(process_batch, list_items=...)`` and imports this module as
``lambdas.durable_batch``, its path in the deployed archive. The batch size and the pause come
from the environment the component sets (``BATCH_SIZE``, ``BATCH_PAUSE_SECONDS``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeVar

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, StepConfig

from . import contract as c

Item = TypeVar("Item")
Result = TypeVar("Result")

BATCH_STEP_PREFIX: Final = "batch-"
PAUSE_PREFIX: Final = "pause-"
#: The step that lists the items when ``make_handler`` is given ``list_items``.
LIST_ITEMS_STEP: Final = "list-items"


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


def _setting(name: str, given: int | None, default: int, env: Mapping[str, str]) -> int:
    """``given``, else the environment variable ``name``, else ``default``; at least 1."""
    raw = env.get(name, "").strip()
    try:
        value = given if given is not None else (int(raw) if raw else default)
    except ValueError:
        raise ValueError(f"{name} is not an integer: {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value


def _event_items(event: Any) -> list[Any]:
    items = event.get(c.PAYLOAD_ITEMS) if isinstance(event, Mapping) else None
    if not isinstance(items, list):
        raise ValueError(f"the payload has no '{c.PAYLOAD_ITEMS}' list and no list_items is set")
    return items


def make_handler(
    process_batch: Callable[[list[Any]], Any],
    *,
    list_items: Callable[[Any], Iterable[Any]] | None = None,
    batch_size: int | None = None,
    pause_seconds: int | None = None,
    step_config: StepConfig | None = None,
) -> Callable[[Any, Any], Any]:
    """A Lambda durable handler that runs ``process_in_batches`` over a run's items.

    The items are ``list_items(event)``, run once in the step ``list-items`` (its checkpointed
    result is what every replay sees: keep the list small, e.g. keys rather than rows), or
    else the payload's ``items`` list. ``batch_size`` and ``pause_seconds`` default to the
    environment (``BATCH_SIZE``, ``BATCH_PAUSE_SECONDS``), then to 100 items and 1 second. The
    run returns ``{"batches", "items", "results"}`` (the batch results, in order).
    """

    def run(event: Any, context: DurableContext) -> dict[str, Any]:
        env = os.environ
        size = _setting(c.ENV_BATCH_SIZE, batch_size, c.DEFAULT_BATCH_SIZE, env)
        pause = _setting(
            c.ENV_BATCH_PAUSE_SECONDS, pause_seconds, c.DEFAULT_BATCH_PAUSE_SECONDS, env
        )
        if list_items is None:
            items = _event_items(event)
        else:
            lister = list_items
            items = context.step(lambda _ctx: list(lister(event)), name=LIST_ITEMS_STEP)
        results = process_in_batches(
            context, items, size, process_batch, pause, step_config=step_config
        )
        return {"batches": len(results), "items": len(items), "results": results}

    return durable_execution(run)
