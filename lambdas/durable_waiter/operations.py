"""The durable waiter's operations: their names and the step retry policy.

The names are part of the replay contract: renaming one breaks executions in flight.
"""

from __future__ import annotations

from typing import Final

from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import (
    RetryDecision,
    RetryStrategyConfig,
    create_retry_strategy,
)

from ..errors import DmsThrottled

STEP_START: Final = "start"
WAIT_TASK: Final = "wait-task"
STEP_FORGET_WAITER: Final = "forget-waiter"

#: Attempts of a step whose AWS calls are throttled (DmsThrottled), with exponential backoff.
STEP_ATTEMPTS: Final = 5

_backoff = create_retry_strategy(
    RetryStrategyConfig(
        max_attempts=STEP_ATTEMPTS,
        initial_delay=Duration.from_seconds(2),
        max_delay=Duration.from_seconds(60),
        backoff_rate=2,
        jitter_strategy=JitterStrategy.FULL,
    )
)


def retry_throttled(error: Exception, attempts_made: int) -> RetryDecision:
    """Step retry strategy: only DmsThrottled (nothing left behind) is retried."""
    if not isinstance(error, DmsThrottled):
        return RetryDecision.no_retry()
    return _backoff(error, attempts_made)


STEP_CONFIG: Final = StepConfig(retry_strategy=retry_throttled)
