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
