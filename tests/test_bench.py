"""The benchmark script runs and prints figures it measured."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quick_bench_prints_measured_rows(capsys: pytest.CaptureFixture[str]) -> None:
    bench = runpy.run_path(str(ROOT / "bench" / "bench.py"))
    assert bench["main"](["--quick"]) == 0
    out = capsys.readouterr().out
    polling = [line.split() for line in out.splitlines() if line.startswith("polling ")]
    assert [row[2] for row in polling] == ["1h", "6h"]
    transitions = [int(row[4]) for row in polling]
    assert transitions[1] > transitions[0]  # measured, grows with the duration
    rows = {(r[0], r[2]): r for r in (line.split() for line in out.splitlines()) if len(r) == 11}
    # Durable operations: per poll for durable-poll, a constant few for durable-callback.
    poll_ops = [int(rows[("durable-poll", d)][6]) for d in ("1h", "6h")]
    callback_ops = [int(rows[("durable-callback", d)][6]) for d in ("1h", "6h")]
    assert 0 < poll_ops[0] < poll_ops[1]
    assert callback_ops[0] == callback_ops[1] > 0
    deploys = re.findall(r"^\s+(\d+)\s+[\d.]+\s+[\d.]+\s+(\d+)$", out, flags=re.MULTILINE)
    assert deploys == [("1", "5"), ("10", "50")]
    # The nightly pipeline: every pattern's parent succeeds each night, reloading from night 2.
    nights = [line.split() for line in out.splitlines() if line.startswith("pipeline:")]
    assert {row[0] for row in nights} == {
        "pipeline:polling",
        "pipeline:callback",
        "pipeline:durable-poll",
        "pipeline:durable-callback",
    }
    # Started directly and by the parent's WorkflowSchedule (one Scheduler invocation a night).
    assert {(row[1], row[2], row[3], row[4], row[-2]) for row in nights} == {
        ("direct", "1", "SUCCEEDED", "start-replication", "0"),
        ("direct", "2", "SUCCEEDED", "reload-target", "0"),
        ("schedule", "1", "SUCCEEDED", "start-replication", "1"),
        ("schedule", "2", "SUCCEEDED", "reload-target", "1"),
    }
    assert all(float(row[-1]) > 0 for row in nights)  # a measured cost
