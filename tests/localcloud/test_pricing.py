"""The cost model prices what the components deploy: arm64 Lambda compute, billed transitions,
requests and durable operations, each at its cited rate."""

from __future__ import annotations

import pytest

from bench import pricing
from bench.pricing import Usage
from dms_waiters._internal.lambda_function import ARCHITECTURE


def test_lambda_compute_is_priced_at_the_deployed_architectures_rate() -> None:
    assert ARCHITECTURE == "arm64"
    assert pricing.LAMBDA_PER_GB_SECOND == 0.0000133334
    # A million invocations of 128 MB for 100 ms: requests plus arm64 compute.
    cost = Usage(lambda_invocations=1_000_000).cost()
    assert cost == pytest.approx(0.20 + 12_800 * 0.0000133334)
    x86 = 0.20 + 12_800 * pricing.LAMBDA_PER_GB_SECOND_BY_ARCHITECTURE["x86_64"]
    assert cost < x86


def test_each_usage_is_priced_at_its_rate() -> None:
    assert Usage(transitions=1000).cost() == pytest.approx(0.025)
    assert Usage(durable_operations=1_000_000).cost() == pytest.approx(8.0)
    assert Usage(dynamodb_writes=1_000_000, dynamodb_reads=1_000_000).cost() == pytest.approx(
        0.625 + 0.125
    )
