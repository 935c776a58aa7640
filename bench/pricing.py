"""Published us-east-1 prices the demo and benchmarks estimate cost with (one place for each).

Sources, us-east-1, checked 2026-11 (free tiers ignored so figures compare per execution):
- Step Functions Standard: $0.025 per 1,000 state transitions, retries included
  (https://aws.amazon.com/step-functions/pricing/).
- Lambda: $0.20 per million requests and $0.0000133334 per GB-second on Arm (arm64, the
  first tier; x86 is $0.0000166667), https://aws.amazon.com/lambda/pricing/. Every function the
  components deploy runs on arm64 (``lambda_function.ARCHITECTURE``). Compute is estimated at
  128 MB for 100 ms per invocation, because in-process runs say nothing about real duration.
- Lambda durable functions: $8.00 per million durable operations, the rate of the durable
  functions example on https://aws.amazon.com/lambda/pricing/ (as transcribed on 2026-09-20 by
  api-evangelist/aws-lambda ``plans/aws-lambda-plans-pricing.yml``; the page renders its rate
  tables client-side). Durable data written and retained is billed per GB too; its rates could
  not be confirmed from an AWS source, so it is left out: a waiter checkpoints under 1 KB per
  operation, so at any plausible per-GB rate it is orders of magnitude below the operations.
- DynamoDB on-demand: $0.625 per million write request units, $0.125 per million read request
  units (https://aws.amazon.com/dynamodb/pricing/on-demand/); one request = one unit (items < 1 KB).
- EventBridge: AWS service events (DMS state changes) on the default bus are free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dms_waiters._internal.lambda_function import ARCHITECTURE

SFN_STANDARD_PER_TRANSITION: Final = 0.025 / 1000
LAMBDA_PER_REQUEST: Final = 0.20 / 1_000_000
LAMBDA_PER_GB_SECOND_BY_ARCHITECTURE: Final = {"arm64": 0.0000133334, "x86_64": 0.0000166667}
#: The rate of the architecture the components deploy every function on.
LAMBDA_PER_GB_SECOND: Final = LAMBDA_PER_GB_SECOND_BY_ARCHITECTURE[ARCHITECTURE]
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
