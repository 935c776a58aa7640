"""The handlers' Embedded Metric Format records: the writer, and what each handler counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas import metrics
from dms_waiters.lambdas.handlers import reconciler, resume
from tests.lambdas.conftest import TABLE, Aws
from tests.lambdas.fakes import stopped


def emf_lines(text: str) -> list[dict[str, Any]]:
    """The EMF records among printed lines."""
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [r for r in records if "_aws" in r]


def totals(text: str) -> dict[str, float]:
    """Every metric's sum over the EMF records of ``text`` (all for ``TABLE``)."""
    found: dict[str, float] = {}
    for record in emf_lines(text):
        assert record[metrics.DIMENSION] == TABLE
        (directive,) = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == metrics.NAMESPACE
        for metric in directive["Metrics"]:
            found[metric["Name"]] = found.get(metric["Name"], 0) + record[metric["Name"]]
    return found


def test_record_is_the_documented_shape() -> None:
    record = metrics.emf_record("hub-table", {metrics.RESUME_LATENCY: 12.5}, at=1_700_000_000.25)
    assert record == {
        "_aws": {
            "Timestamp": 1_700_000_000_250,
            "CloudWatchMetrics": [
                {
                    "Namespace": "DmsWaiters",
                    "Dimensions": [["Hub"]],
                    "Metrics": [{"Name": "ResumeLatency", "Unit": "Seconds"}],
                }
            ],
        },
        "Hub": "hub-table",
        "ResumeLatency": 12.5,
    }
    with pytest.raises(ValueError, match="unknown metrics"):
        metrics.emf_record("hub-table", {"Typo": 1})


def test_emit_prints_one_line_and_nothing_without_a_hub(capsys: pytest.CaptureFixture[str]) -> None:
    metrics.emit("", **{metrics.ERRORS: 1})
    metrics.emit("hub-table")
    assert capsys.readouterr().out == ""
    metrics.emit("hub-table", **{metrics.ERRORS: 1, metrics.HEARTBEATS: 3})
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert emf_lines(out)[0]["HeartbeatsSent"] == 3


def test_a_new_waiter_counts_once_a_retry_not(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    aws.store.register(aws.task_arn, "sfn", "tok", [], 3600, "orders", "exec-1")
    aws.store.register(aws.task_arn, "sfn", "tok", [], 3600, "orders", "exec-1")
    assert totals(capsys.readouterr().out) == {metrics.WAITS_REGISTERED: 1}


def test_resume_by_event_counts_the_resume_and_its_latency(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.store.register(aws.task_arn, "sfn", "tok", [], 3600, "orders", "exec-1")
    stop = datetime(2026, 1, 1, tzinfo=UTC)
    aws.dms.states[aws.task_arn] = stopped("FULL_LOAD_ONLY_FINISHED", stats={"StopDate": stop})
    capsys.readouterr()
    resume.handler(aws.fixture_event("dms_task_stopped.json"), None)
    found = totals(capsys.readouterr().out)
    assert found[metrics.RESUMED_BY_EVENT] == 1
    assert found[metrics.RESUME_LATENCY] == pytest.approx(
        datetime.now(UTC).timestamp() - stop.timestamp(), abs=60
    )
    # A duplicate event finds no waiter: nothing resumed, nothing counted.
    resume.handler(aws.fixture_event("dms_task_stopped.json"), None)
    assert totals(capsys.readouterr().out) == {}


def test_a_failed_resume_counts_an_error(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    aws.store.register(aws.task_arn, "sfn", "tok", [], 3600, "orders", "exec-1")
    aws.dms.states[aws.task_arn] = stopped("FULL_LOAD_ONLY_FINISHED")
    aws.sfn.errors["send_task_success"] = "ThrottlingException"
    capsys.readouterr()
    with pytest.raises(Exception, match="ThrottlingException"):
        resume.handler(aws.fixture_event("dms_task_stopped.json"), None)
    assert totals(capsys.readouterr().out) == {metrics.ERRORS: 1}


def test_reconciler_counts_its_run_lost_events_heartbeats_and_overdue_waits(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    done = aws.task_arn
    in_time = c.WAITER_TTL_MARGIN_SECONDS + 3600
    aws.store.register(done, "sfn", "tok-done", [], in_time, "orders", "exec-1")
    aws.dms.states[done] = stopped("FULL_LOAD_ONLY_FINISHED")
    # A waiter inside its margin: its workflow's deadline has passed (it is running here).
    aws.store.register("url#late", "sfn", "tok-late", [], c.WAITER_TTL_MARGIN_SECONDS - 60, "w")
    capsys.readouterr()
    counts = reconciler.handler({}, None)
    assert (counts["succeeded"], counts["overdue"]) == (1, 1)
    assert totals(capsys.readouterr().out) == {
        metrics.RESUMED_BY_RECONCILER: 1,
        metrics.RECONCILER_RUNS: 1,
        metrics.WAITS_IN_FLIGHT: 2,
        metrics.WAITS_OVERDUE: 1,
        metrics.HEARTBEATS: 0,
        metrics.ERRORS: 0,
    }
