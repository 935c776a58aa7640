"""Published us-east-1 prices the demo and benchmarks estimate cost with (one place for each).

Sources, us-east-1, checked 2026-11 (free tiers ignored so figures compare per execution):
- Step Functions Standard: $0.025 per 1,000 state transitions, retries included
  (https://aws.amazon.com/step-functions/pricing/).
- Lambda: $0.20 per million requests and $0.0000166667 per GB-second on x86
  (https://aws.amazon.com/lambda/pricing/); compute is estimated at 128 MB for 100 ms per
  invocation, because in-process runs say nothing about real duration.
- Lambda durable functions: about $8 per million durable operations according to secondary
  sources; unconfirmed, shown separately so it can be corrected in one place.
- DynamoDB on-demand: $0.625 per million write request units, $0.125 per million read request
  units (https://aws.amazon.com/dynamodb/pricing/on-demand/); one request = one unit (items < 1 KB).
- EventBridge: AWS service events (DMS state changes) on the default bus are free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SFN_STANDARD_PER_TRANSITION: Final = 0.025 / 1000
LAMBDA_PER_REQUEST: Final = 0.20 / 1_000_000
LAMBDA_PER_GB_SECOND: Final = 0.0000166667
LAMBDA_ASSUMED_GB_SECONDS: Final = 0.128 * 0.1
DURABLE_PER_OPERATION: Final = 8.0 / 1_000_000
DYNAMODB_PER_WRITE: Final = 0.625 / 1_000_000
DYNAMODB_PER_READ: Final = 0.125 / 1_000_000


def step_functions_cost(transitions: int) -> float:
    """Dollars for ``transitions`` billed Standard state transitions."""
    return transitions * SFN_STANDARD_PER_TRANSITION


@dataclass(frozen=True)
class Usage:
    """Billable usage of one workflow run, as measured by the local cloud."""

    transitions: int = 0
    lambda_invocations: int = 0
    durable_operations: int = 0
    dynamodb_reads: int = 0
    dynamodb_writes: int = 0

    def cost(self) -> float:
        """Estimated dollars at the prices above."""
        return (
            step_functions_cost(self.transitions)
            + self.lambda_invocations
            * (LAMBDA_PER_REQUEST + LAMBDA_ASSUMED_GB_SECONDS * LAMBDA_PER_GB_SECOND)
            + self.durable_operations * DURABLE_PER_OPERATION
            + self.dynamodb_reads * DYNAMODB_PER_READ
            + self.dynamodb_writes * DYNAMODB_PER_WRITE
        )
