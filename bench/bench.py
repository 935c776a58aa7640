"""Benchmarks, measured by running the local cloud (not computed by formula).

    ./dev bench                 # or: .venv/bin/python bench/bench.py [--quick]

1. Sweep migration duration x poll interval: for each pattern the stack can deploy, run the
   migration end to end on the virtual clock and print billed state transitions, Lambda
   invocations, DynamoDB requests, resume latency and estimated cost.
2. Wall time of deploying 1, 10 and 100 tasks: under the plain unit-test mocks
   (``dms_waiters.testing``) and into the local cloud (resources really created in moto).
3. The durable functions' archive: zipped size and the handler's cold import time, with only
   the durable SDK bundled and with the AWS SDK it needs bundled too (``durable_archive.py``).
4. A nightly pipeline (extract, the waiter, transform) around each pattern, run three nights on
   one full-load task: outcome, start type, transitions and cost per night (``pipeline.py``).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import durable_archive, pipeline
from bench.measure import DEMO_PATTERNS, available, default_tasks, run_migration
from dms_waiters.stack import build_stack
from dms_waiters.testing import DmsWaitersMocks, run_program
from localcloud.cloud import LocalCloud
from localcloud.deploy import deploy_program
from localcloud.dms.scenario import DmsScenario

DURATIONS_HOURS = (1, 6, 24, 72, 168)
POLL_INTERVALS = (30, 60, 300)


def sweep(durations: Sequence[float], intervals: Sequence[int]) -> None:
    """Print one row per (pattern, interval, duration), each measured by a full run."""
    ready, skipped = available(DEMO_PATTERNS)
    print("== migration sweep (virtual time; us-east-1 prices) ==")
    if skipped:
        print(f"   patterns not built yet, skipped: {', '.join(skipped)}")
    header = (
        f"{'pattern':<17}{'interval':>9}{'duration':>10}{'outcome':>11}{'transitions':>13}"
        f"{'lambda':>8}{'durable ops':>13}{'ddb req':>9}{'latency s':>11}{'cost $':>11}"
        f"{'real s':>8}"
    )
    print(header)
    for interval in intervals:
        for hours in durations:
            started = time.monotonic()
            run = run_migration(
                DmsScenario(run_seconds=hours * 3600), default_tasks(ready, interval)
            )
            real = time.monotonic() - started
            for m in run.results:
                # Only the polling pattern depends on the poll interval: print others once.
                if m.pattern != "polling" and interval != intervals[0]:
                    continue
                latency = "n/a" if m.resume_latency is None else f"{m.resume_latency:.0f}"
                print(
                    f"{m.pattern:<17}{interval if m.pattern == 'polling' else '-':>9}"
                    f"{hours:>9g}h{m.status:>11}{m.usage.transitions:>13}"
                    f"{m.usage.lambda_invocations:>8}{m.usage.durable_operations:>13}"
                    f"{m.usage.dynamodb_reads + m.usage.dynamodb_writes:>9}{latency:>11}"
                    f"{m.cost:>11.5f}{real:>8.1f}"
                )


def _tasks(count: int) -> list[dict[str, object]]:
    return [
        {
            "name": f"task-{i:03d}",
            "pattern": "polling",
            "replication_task_arn": f"arn:aws:dms:us-east-1:123456789012:task:T{i:05d}",
        }
        for i in range(count)
    ]


def deploy_times(counts: Sequence[int], repeats: int) -> None:
    """Print the median wall time of deploying ``counts`` tasks, both ways."""
    print(f"\n== deployment wall time (median of {repeats}) ==")
    print(f"{'tasks':>6}{'unit-test mocks s':>20}{'local cloud s':>16}{'resources':>11}")
    for count in counts:
        mock_times, cloud_times, resources = [], [], 0
        for _ in range(repeats):
            tasks = _tasks(count)
            started = time.monotonic()
            mocks = run_program(lambda t=tasks: build_stack(t), DmsWaitersMocks())
            mock_times.append(time.monotonic() - started)
            resources = len(mocks.created())
            with LocalCloud() as cloud:
                started = time.monotonic()
                deploy_program(cloud, lambda t=tasks: build_stack(t))
                cloud_times.append(time.monotonic() - started)
        print(
            f"{count:>6}{statistics.median(mock_times):>20.2f}"
            f"{statistics.median(cloud_times):>16.2f}{resources:>11}"
        )


def main(argv: Sequence[str]) -> int:
    """Run the benchmarks; ``--quick`` runs a smaller sweep (for a smoke test)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sweep, one repeat")
    opts = parser.parse_args(argv)
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    if opts.quick:
        sweep((1, 6), (60,))
        deploy_times((1, 10), repeats=1)
        durable_archive.report(repeats=1)
        pipeline.report(nights=2)
    else:
        sweep(DURATIONS_HOURS, POLL_INTERVALS)
        deploy_times((1, 10, 100), repeats=3)
        durable_archive.report(repeats=5)
        pipeline.report(nights=3)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
