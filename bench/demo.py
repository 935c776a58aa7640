"""``./dev demo``: deploy the stack into the local cloud and run a DMS migration through it.

Deploys ``__main__.py`` with one DMS task per pattern (or the tasks of ``--config``), runs the
migration scenario (default: a 6-hour full load ending FULL_LOAD_ONLY_FINISHED) on the virtual
clock, and prints, per pattern: outcome, state transitions, Lambda invocations, durable
operations, DynamoDB requests, resume latency after DMS stopped and estimated cost.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import yaml
from rich.console import Console
from rich.table import Table

from bench.measure import (
    DEMO_PATTERNS,
    DURABLE_PATTERNS,
    Measured,
    MigrationRun,
    available,
    default_tasks,
    run_migration,
)
from dms_waiters.lambdas import metrics
from localcloud.cloud import LocalCloud
from localcloud.deploy import Deployment
from localcloud.dms.scenario import DmsScenario


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The demo's options."""
    parser = argparse.ArgumentParser(prog="./dev demo", description=__doc__)
    parser.add_argument("--hours", type=float, default=6.0, help="migration duration (6)")
    parser.add_argument(
        "--poll-interval", type=int, default=60, help="polling pattern's first interval, s (60)"
    )
    parser.add_argument("--failure", action="store_true", help="the task fails (FATAL_ERROR)")
    parser.add_argument(
        "--lost-event", action="store_true", help="DMS's 'stopped' event never arrives"
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="a stack config (Pulumi.<stack>.yaml) whose dms-waiters:tasks to deploy instead",
    )
    parser.add_argument(
        "--chart", type=Path, help="also plot transitions and cost vs duration (1 h to 7 days)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no live progress display")
    opts = parser.parse_args(argv)
    if opts.hours <= 0:
        parser.error("--hours must be positive")
    if opts.poll_interval < 1:
        parser.error("--poll-interval must be at least 1")
    return opts


def scenario_from(opts: argparse.Namespace) -> DmsScenario:
    """The DMS scenario the options describe."""
    return DmsScenario(
        run_seconds=opts.hours * 3600,
        final_status="failed" if opts.failure else "stopped",
        failure_message="Last Error ORA-01555: snapshot too old. Stop Reason FATAL_ERROR",
        lose_events=frozenset({"stopped", "failed"}) if opts.lost_event else frozenset(),
    )


def tasks_from_config(path: Path) -> list[dict[str, Any]]:
    """The ``dms-waiters:tasks`` of a stack config file."""
    config = (yaml.safe_load(path.read_text()) or {}).get("config", {})
    tasks = config.get("dms-waiters:tasks")
    if not isinstance(tasks, list):
        raise SystemExit(f"{path}: no 'dms-waiters:tasks' list under 'config'")
    return tasks


def results_table(run: MigrationRun) -> Table:
    """The per-pattern table of measured figures."""
    table = Table(title="Measured in the local cloud (virtual time, us-east-1 prices)")
    for column in (
        "task",
        "pattern",
        "outcome",
        "transitions",
        "Lambda inv.",
        "durable ops",
        "DynamoDB req.",
        "resume latency",
        "est. cost",
    ):
        table.add_column(
            column, justify="left" if column in ("task", "pattern", "outcome") else "right"
        )
    for m in run.results:
        table.add_row(
            m.task,
            m.pattern,
            m.outcome,
            str(m.usage.transitions),
            str(m.usage.lambda_invocations),
            str(m.usage.durable_operations),
            str(m.usage.dynamodb_reads + m.usage.dynamodb_writes),
            "n/a" if m.resume_latency is None else f"{m.resume_latency:.0f} s",
            f"${m.cost:.5f}",
        )
    return table


#: The hub metrics the demo shows (``lambdas.metrics``), with their column headings.
METRIC_COLUMNS: Final = (
    (metrics.WAITS_REGISTERED, "registered"),
    (metrics.RESUMED_BY_EVENT, "by event"),
    (metrics.RESUMED_BY_RECONCILER, "by reconciler"),
    (metrics.RESUME_LATENCY, "max latency"),
    (metrics.HEARTBEATS, "heartbeats"),
    (metrics.RECONCILER_RUNS, "reconciler runs"),
    (metrics.ERRORS, "errors"),
)


def metrics_table(run: MigrationRun) -> Table:
    """The hub's metrics per task, read back from CloudWatch (namespace DmsWaiters)."""
    table = Table(title=f"Hub metrics (CloudWatch namespace {metrics.NAMESPACE}, from EMF logs)")
    table.add_column("task")
    for _, heading in METRIC_COLUMNS:
        table.add_column(heading, justify="right")
    for m in run.results:
        if not m.hub_metrics:
            continue
        cells = []
        for name, _ in METRIC_COLUMNS:
            value = m.hub_metrics.get(name, 0)
            cells.append(f"{value:.0f} s" if name == metrics.RESUME_LATENCY else f"{value:g}")
        table.add_row(m.task, *cells)
    return table


def main(argv: Sequence[str], console: Console | None = None) -> int:
    """Run the demo; returns the process exit code."""
    opts = parse_args(argv)
    # Piped output gets 80 columns by default: too narrow for the table.
    console = console or Console(width=None if sys.stdout.isatty() else 150)
    # moto logs every JSONPath miss (an optional input field) as an error: not news here.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    scenario = scenario_from(opts)
    if opts.config:
        tasks = tasks_from_config(opts.config)
        skipped: list[str] = []
    else:
        ready, skipped = available(DEMO_PATTERNS)
        tasks = default_tasks(ready, opts.poll_interval)
    ending = "failed (FATAL_ERROR)" if opts.failure else "stopped (FULL_LOAD_ONLY_FINISHED)"
    console.print(
        f"[bold]Local cloud[/]: a {opts.hours:g} h full load ending {ending}"
        + (", its final event lost" if opts.lost_event else "")
    )
    for pattern in skipped:
        console.print(f"  skipped: pattern '{pattern}' is not built yet")

    def deployed(deployment: Deployment) -> None:
        console.print(deployment.summary())

    started = time.monotonic()
    progress = _Progress()
    if opts.no_progress:
        run = run_migration(scenario, tasks, skipped=skipped, on_deployed=deployed)
    else:
        with console.status(progress):
            run = run_migration(
                scenario, tasks, skipped=skipped, on_deployed=deployed, on_phase=progress.update
            )
    for m in run.results:
        if m.midway_waits:
            console.print(f"[bold]{m.task}[/], halfway through the migration:")
            console.print(m.midway_waits.rstrip(), markup=False, highlight=False, soft_wrap=True)
    console.print(results_table(run))
    for m in run.results:
        _explain(console, m)
    if any(m.hub_metrics for m in run.results):
        console.print(metrics_table(run))
    console.print(f"real time: {time.monotonic() - started:.1f} s")
    if opts.chart:
        from bench.chart import plot_sweep

        plot_sweep(opts.chart, scenario, tasks, console=console)
    return 0


class _Progress:
    """Live status line: the phase and the virtual clock, re-read at every refresh."""

    def __init__(self) -> None:
        self.phase = "starting the local cloud"
        self.cloud: LocalCloud | None = None

    def update(self, phase: str, cloud: LocalCloud) -> None:
        self.phase, self.cloud = phase, cloud

    def __rich__(self) -> str:
        if self.cloud is None:
            return self.phase
        hours = self.cloud.clock.now() / 3600
        return f"{self.phase}: virtual time {hours:,.2f} h"


def _explain(console: Console, m: Measured) -> None:
    if m.pattern == "polling":
        console.print(
            f"  {m.task}: {m.dms_requests} DMS API calls; waited "
            f"{m.virtual_seconds / 3600:.2f} virtual hours"
        )
    elif m.pattern in DURABLE_PATTERNS:
        console.print(
            f"  {m.task}: {m.usage.durable_operations} durable operations, "
            f"{m.dms_requests} DMS API calls; waited {m.virtual_seconds / 3600:.2f} virtual hours"
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
