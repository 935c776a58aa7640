"""Published us-east-1 prices the demo and benchmarks estimate cost with (one place for each).

Sources (checked 2026-11): Step Functions Standard, $0.025 per 1,000 state transitions
(https://aws.amazon.com/step-functions/pricing/); the free tier (4,000 transitions a month) is
ignored so that figures compare per execution.
"""

from __future__ import annotations

from typing import Final

SFN_STANDARD_PER_TRANSITION: Final = 0.025 / 1000


def step_functions_cost(transitions: int) -> float:
    """Dollars for ``transitions`` billed Standard state transitions."""
    return transitions * SFN_STANDARD_PER_TRANSITION
