"""``--chart``: transitions and cost against migration duration, measured per pattern."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from rich.console import Console

from bench.measure import Measured, run_migration, with_duration
from localcloud.dms.scenario import DmsScenario

#: Migration durations the chart sweeps: 1 hour to 7 days.
DURATIONS_HOURS: Final = (1, 6, 24, 72, 168)


def sweep(
    scenario: DmsScenario,
    tasks: Sequence[Mapping[str, Any]],
    durations_hours: Sequence[float] = DURATIONS_HOURS,
) -> dict[str, list[tuple[float, Measured]]]:
    """Run ``tasks`` once per duration; results per pattern as (hours, Measured) pairs."""
    series: dict[str, list[tuple[float, Measured]]] = {}
    for hours in durations_hours:
        run = run_migration(with_duration(scenario, hours * 3600), tasks)
        for m in run.results:
            series.setdefault(m.pattern, []).append((hours, m))
    return series


def plot_sweep(
    path: Path,
    scenario: DmsScenario,
    tasks: Sequence[Mapping[str, Any]],
    console: Console | None = None,
    durations_hours: Sequence[float] = DURATIONS_HOURS,
) -> dict[str, list[tuple[float, Measured]]]:
    """Measure the sweep and write a two-panel PNG chart to ``path``."""
    import matplotlib

    matplotlib.use("Agg")  # no screen: render to a file
    import matplotlib.pyplot as plt

    series = sweep(scenario, tasks, durations_hours)
    fig, (ax_t, ax_c) = plt.subplots(1, 2, figsize=(11, 4.2))
    for pattern, points in series.items():
        hours = [h for h, _ in points]
        ax_t.plot(hours, [m.usage.transitions for _, m in points], marker="o", label=pattern)
        ax_c.plot(hours, [m.cost * 1000 for _, m in points], marker="o", label=pattern)
    for ax, ylabel in ((ax_t, "state transitions per run"), (ax_c, "est. cost per 1,000 runs ($)")):
        ax.set_xscale("log")
        ax.set_yscale("log")  # the event-driven patterns sit orders of magnitude lower
        ax.set_xlabel("migration duration (hours)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("Waiting for DMS: measured in the local cloud")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    if console is not None:
        console.print(f"chart written to {path}")
    return series
