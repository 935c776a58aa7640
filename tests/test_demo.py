"""The README's main command: deploys the stack into the local cloud and prints measured figures."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from bench import chart
from bench.demo import main
from bench.measure import default_tasks
from localcloud.dms.scenario import DmsScenario
from tests.e2e.test_durable_flow import CALLBACK_OPERATIONS, HOUR, poll_checks

ROOT = Path(__file__).resolve().parent.parent


def run_demo(*argv: str) -> str:
    out = io.StringIO()
    assert main([*argv, "--no-progress"], Console(file=out, width=200)) == 0
    return out.getvalue()


def tables(out: str) -> list[dict[str, list[str]]]:
    """Every table's rows by task name, in order."""
    found: list[dict[str, list[str]]] = []
    for line in out.splitlines():
        if line.startswith("┏"):
            found.append({})
        elif line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            found[-1][cells[0]] = cells
    return found


def rows(out: str) -> dict[str, list[str]]:
    """The measured table's rows by task name: task, pattern, outcome, transitions, ..., cost."""
    return tables(out)[0]


def hub_metrics(out: str) -> dict[str, list[str]]:
    """The hub metrics table's rows by task name: task, registered, by event, by reconciler,
    max latency, heartbeats, reconciler runs, errors."""
    return tables(out)[1]


@pytest.mark.slow
def test_default_demo_deploys_the_stack_and_measures_polling() -> None:
    out = run_demo("--hours", "1", "--poll-interval", "60")
    assert "+ dms-waiters:index:DmsPollingWorkflow polling-demo" in out
    assert "+ aws:sfn/stateMachine:StateMachine polling-demo-state-machine" in out
    assert "+ dms-waiters:index:DmsEventHub dms-events" in out
    assert "+ dms-waiters:index:DmsCallbackWorkflow callback-demo" in out
    assert "+ dms-waiters:index:DmsDurableWorkflow durable-poll-demo" in out
    assert "+ dms-waiters:index:DmsDurableWorkflow durable-callback-demo" in out
    assert "skipped" not in out
    _task, pattern, outcome, transitions, lam, durable, ddb, latency, cost = rows(out)[
        "polling-demo"
    ]
    assert (pattern, outcome, lam, durable, ddb) == ("polling", "SUCCEEDED", "0", "0", "0")
    # 1 h run + 10 s starting with backoff 60 -> 600: polls at 60, 180, 420, 900, 1500, ... 3900;
    # before them the start type auto describes the task and chooses (2 transitions).
    assert int(transitions) == 7 + 4 * 9
    assert int(latency.removesuffix(" s")) < 600
    assert cost == f"${int(transitions) * 0.025 / 1000:.5f}"
    # The durable rows, measured from the executions the local cloud ran.
    table = rows(out)
    _task, pattern, outcome, transitions, lam, ops, _ddb, latency, cost = table["durable-poll-demo"]
    checks, _ends_at = poll_checks(HOUR)
    assert (pattern, outcome, transitions) == ("durable-poll", "SUCCEEDED", "0")
    assert (int(ops), int(lam), latency) == (checks + 1, checks, "290 s")
    assert float(cost.removeprefix("$")) > 0
    _task, pattern, outcome, transitions, lam, ops, ddb, latency, _cost = table[
        "durable-callback-demo"
    ]
    assert (pattern, outcome, transitions, ops, latency) == (
        "durable-callback",
        "SUCCEEDED",
        "0",
        str(CALLBACK_OPERATIONS),
        "0 s",
    )
    # The waiter's two invocations, the hub's resume (one per DMS event) and reconciler runs.
    assert int(lam) > 2
    assert int(ddb) > 0
    assert f"durable-poll-demo: {checks + 1} durable operations" in out
    # Halfway through, the operator's view of each hub-waiting task: its one waiter, 30 min old.
    for task, kind in (("callback-demo", "sfn"), ("durable-callback-demo", "durable")):
        _, found, after = out.partition(f"{task}, halfway through the migration:\n")
        assert found
        command, header, row, *_ = after.splitlines()
        assert command.startswith("$ dms-waiters waits --hub dms-events-waiters-")
        assert header.split()[:4] == ["TASK", "WORKFLOW", "EXECUTION", "KIND"]
        assert row.split()[:2] == [f"arn:aws:dms:us-east-1:123456789012:task:{task}", task]
        assert row.split()[3:6] == [kind, "30m", "00s"]
    # The hub's metrics at the end, read back from CloudWatch: one wait registered and resumed
    # by its event at once; the reconciler ran every 15 minutes, heartbeating it.
    metrics = hub_metrics(out)
    assert set(metrics) == {"callback-demo", "durable-callback-demo"}
    for task in metrics:
        assert metrics[task][1:] == ["1", "1", "0", "0 s", "4", "4", "0"]


@pytest.mark.slow
def test_callback_transitions_stay_constant_as_the_migration_grows() -> None:
    short_out, long_out = run_demo("--hours", "1"), run_demo("--hours", "6")
    short, long = rows(short_out)["callback-demo"], rows(long_out)["callback-demo"]
    assert short[2] == long[2] == "SUCCEEDED"
    assert short[3] == long[3]  # the same few transitions whatever the duration
    assert int(long[3]) <= 3
    assert short[7] == long[7] == "0 s"  # resumed by the event, at once
    # The durable callback mode too: the same few durable operations, no transitions...
    short_cb, long_cb = (rows(o) for o in (short_out, long_out))
    durable_short, durable_long = (
        short_cb["durable-callback-demo"],
        long_cb["durable-callback-demo"],
    )
    assert durable_short[2] == durable_long[2] == "SUCCEEDED"
    assert durable_short[5] == durable_long[5] and 0 < int(durable_long[5]) <= 5
    assert durable_long[3] == "0" and durable_long[7] == "0 s"
    # ... while durable polling pays an operation per poll, more the longer the task runs.
    polls_short, polls_long = (int(r["durable-poll-demo"][5]) for r in (short_cb, long_cb))
    assert 0 < polls_short < polls_long
    # the reconciler's quarter-hourly runs are the only thing that grows
    assert int(long[4]) > int(short[4])


@pytest.mark.slow
def test_failure_and_lost_event_options() -> None:
    failed = rows(run_demo("--hours", "0.5", "--failure"))
    assert failed["polling-demo"][2] == "FAILED (DmsTaskFailed)"
    assert failed["callback-demo"][2] == "FAILED (DmsTaskFailed)"
    lost_out = run_demo("--hours", "0.5", "--lost-event")
    lost = rows(lost_out)
    # polling never depended on the event; the callback flow's reconciler makes up for it
    assert lost["polling-demo"][2] == "SUCCEEDED"
    assert lost["callback-demo"][2] == "SUCCEEDED"
    assert 0 < int(lost["callback-demo"][7].removesuffix(" s")) <= 15 * 60
    # The lost event shows: resumed by the reconciler, not by an event.
    caught = hub_metrics(lost_out)["callback-demo"]
    assert caught[1:4] == ["1", "0", "1"]


@pytest.mark.slow
def test_user_config_is_deployed_with_simulated_tasks() -> None:
    out = run_demo("--hours", "1", "--config", str(ROOT / "Pulumi.example.yaml"))
    table = rows(out)
    assert set(table) == {"orders-full-load", "customers-cdc-catchup"}
    # customers-cdc-catchup only accepts cached-events / server-time stops: the default
    # FULL_LOAD_ONLY_FINISHED ending is a failure for it
    assert table["orders-full-load"][2] == "SUCCEEDED"
    assert table["customers-cdc-catchup"][2] == "FAILED (DmsTaskStopped)"


@pytest.mark.slow
def test_chart_plots_measured_sweep(tmp_path: Path) -> None:
    target = tmp_path / "chart.png"
    series = chart.plot_sweep(
        target, DmsScenario(), default_tasks(["polling"], 60), durations_hours=(1, 4)
    )
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (short, m1), (long, m4) = series["polling"]
    assert (short, long) == (1, 4)
    assert m4.usage.transitions > m1.usage.transitions


def test_bad_options_exit_with_usage() -> None:
    with pytest.raises(SystemExit):
        main(["--hours", "0"])
