"""The README's main command runs the polling workflow end to end and prints measured figures."""

from __future__ import annotations

import re

import pytest

from localcloud.demo import main


def figure(out: str, label: str) -> str:
    match = re.search(rf"^\s+{re.escape(label)}\s+(.+)$", out, flags=re.MULTILINE)
    assert match, f"{label!r} missing from:\n{out}"
    return match.group(1).strip()


def test_demo_success_prints_measured_polling_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--hours", "1", "--poll-interval", "60", "--no-backoff"]) == 0
    out = capsys.readouterr().out
    assert figure(out, "outcome") == "SUCCEEDED"
    polls = int(figure(out, "polls (DescribeReplicationTasks)"))
    # 1 h run + 10 s starting, first poll at 60 s: the 61st poll sees it stopped
    assert polls == 61
    transitions = int(figure(out, "state transitions (billed)"))
    assert transitions == 5 + 4 * polls
    assert figure(out, "estimated Step Functions cost") == f"${transitions * 0.025 / 1000:.5f}"
    assert int(figure(out, "resume latency after DMS stopped").removesuffix(" s")) <= 60


def test_demo_failure_reports_the_dms_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--hours", "0.5", "--failure"]) == 0
    out = capsys.readouterr().out
    assert figure(out, "outcome") == "FAILED (DmsTaskFailed)"
    assert "ORA-01555" in out
