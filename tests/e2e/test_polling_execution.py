"""The polling workflow, built exactly as ``DmsPollingWorkflow`` builds it, run in the local cloud.

Each test deploys the definition from ``polling_spec_from_args`` + ``build_polling_definition``
against a simulated DMS task and checks how the execution ends, what it costs in state
transitions and history events, and how late it learns that the task ended (virtual time).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from dms_waiters import polling
from dms_waiters.definitions import errors as sfn_errors
from dms_waiters.definitions import polling as polling_definition
from dms_waiters.definitions.polling import PollingSpec, build_polling_definition
from dms_waiters.lambdas import dms_status as dms
from dms_waiters.polling import polling_spec_from_args
from localcloud import DmsScenario, ExecutionResult, LocalCloud
from localcloud.dms import scenario as dms_sim

MISSING_TASK = "arn:aws:dms:us-east-1:123456789012:task:MISSING"

#: Transitions of one poll: Wait, Tally (Pass), DescribeReplicationTask, Evaluate (Choice).
TRANSITIONS_PER_POLL = 4
#: Before the loop with the default start type auto: CheckInput, InitDefaults|InitFromInput,
#: ShouldStart, DescribeBeforeStart, ChooseStartType, the chosen Start state.
TRANSITIONS_BEFORE_LOOP = 6
#: After the last Evaluate: Succeeded (Pass) on success; Summarise* (Pass) + the Fail state.
TRANSITIONS_AFTER_SUCCESS = 1
TRANSITIONS_AFTER_FAILURE = 2

#: Fast, exact settings: a poll every 60 s, no backoff, one-hour deadline.
FAST: dict[str, Any] = {"poll_interval_seconds": 60, "backoff": False, "timeout_seconds": 3600}


@dataclass(frozen=True)
class Deployed:
    """A simulated task and the polling state machine waiting for it."""

    task_arn: str
    machine_arn: str
    spec: PollingSpec


def deploy(
    cloud: LocalCloud,
    scenario: DmsScenario | None,
    name: str = "orders",
    migration_type: str = "full-load",
    **args: Any,
) -> Deployed:
    """Create the task (unless ``scenario`` is None: a missing task) and the workflow for it."""
    task_arn = (
        MISSING_TASK
        if scenario is None
        else cloud.create_replication_task(name, scenario, migration_type)
    )
    spec = polling_spec_from_args(name, {"replication_task_arn": task_arn, **(args or FAST)})
    machine_arn = cloud.create_state_machine(
        f"{name}-waiter", build_polling_definition(spec, partition="aws")
    )
    return Deployed(task_arn, machine_arn, spec)


def run(
    cloud: LocalCloud, deployed: Deployed, execution_input: dict[str, Any] | None = None
) -> ExecutionResult:
    return cloud.run_execution(
        deployed.machine_arn, execution_input, replication_task_arn=deployed.task_arn
    )


def polls_until(stop_at: float, spec: PollingSpec) -> int:
    """Polls the loop makes until the first one at or after ``stop_at`` (the definition's ramp).

    The interval doubles while it is at most half the cap, then holds at the cap; without
    backoff it stays put.
    """
    elapsed, interval, polls = 0, spec.poll_interval_seconds, 0
    while elapsed < stop_at:
        elapsed += interval
        polls += 1
        if spec.backoff:
            cap = spec.max_poll_interval_seconds
            interval = interval * 2 if interval <= cap // 2 else cap
    return polls


def wait_durations(result: ExecutionResult) -> list[float]:
    """Virtual seconds each Wait state took, from the history's timestamps."""
    entered = [e["timestamp"] for e in result.events("WaitStateEntered")]
    exited = [e["timestamp"] for e in result.events("WaitStateExited")]
    return [
        (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()
        for a, b in zip(entered, exited, strict=True)
    ]


def success_transitions(polls: int) -> int:
    return TRANSITIONS_BEFORE_LOOP + TRANSITIONS_PER_POLL * polls + TRANSITIONS_AFTER_SUCCESS


def failure_transitions(polls: int) -> int:
    return TRANSITIONS_BEFORE_LOOP + TRANSITIONS_PER_POLL * polls + TRANSITIONS_AFTER_FAILURE


# -- outcomes -------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", dms.DEFAULT_SUCCESS_STOP_REASONS)
def test_each_default_success_stop_reason_succeeds(cloud: LocalCloud, reason: str) -> None:
    scenario = DmsScenario(run_seconds=110, stop_reason=reason, tables=3)
    deployed = deploy(cloud, scenario)
    result = run(cloud, deployed)
    assert result.status == "SUCCEEDED", result.cause
    out = result.output
    assert out["replication_task_arn"] == deployed.task_arn
    assert out["status"] == "stopped"
    assert out["stop_reason"] == f"Stop Reason {reason}"
    assert dms.normalise_stop_reason(out["stop_reason"]) == reason
    assert out["stats"]["FullLoadProgressPercent"] == 100
    assert out["stats"]["TablesLoaded"] == 3
    assert out["stats"]["TablesErrored"] == 0
    assert out["stats"]["StopDate"] == "2026-01-01T00:02:00Z"  # a string, as AWS renders it
    assert out["polls"] == 2
    assert out["waited_seconds"] == 120


def test_failed_task_fails_with_its_failure_message(cloud: LocalCloud) -> None:
    message = (
        "Last Error Source endpoint unreachable. "
        "Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE"
    )
    scenario = DmsScenario(
        run_seconds=170,
        final_status="failed",
        stop_reason="RECOVERABLE_ERROR",
        failure_message=message,
    )
    deployed = deploy(cloud, scenario)
    result = run(cloud, deployed)
    assert result.status == "FAILED"
    assert result.error == dms.ERROR_TASK_FAILED
    assert result.cause_json == {
        "replication_task_arn": deployed.task_arn,
        "status": "failed",
        "stop_reason": "Stop Reason RECOVERABLE_ERROR",
        "last_failure_message": message,
    }
    assert result.transitions == failure_transitions(polls=3)


def test_a_user_stop_fails_with_task_stopped(cloud: LocalCloud) -> None:
    deployed = deploy(cloud, DmsScenario(run_seconds=110, stop_reason="NORMAL"))
    result = run(cloud, deployed)
    assert result.status == "FAILED"
    assert result.error == dms.ERROR_TASK_STOPPED
    cause = result.cause_json
    assert cause["status"] == "stopped"
    assert cause["stop_reason"] == "Stop Reason NORMAL"
    assert cause["last_failure_message"] == ""


def test_stop_replication_task_mid_run_is_seen_as_a_user_stop(cloud: LocalCloud) -> None:
    # Someone stops the task at t=150 (a clock timer calls the real API), long before its end.
    deployed = deploy(cloud, DmsScenario(run_seconds=10_000))
    dms_client = cloud.client("dms")
    cloud.clock.call_at(
        150, lambda: dms_client.stop_replication_task(ReplicationTaskArn=deployed.task_arn)
    )
    result = run(cloud, deployed)
    assert result.error == dms.ERROR_TASK_STOPPED
    assert result.cause_json["stop_reason"] == "Stop Reason NORMAL"
    assert result.dms_stopped_at == 150
    assert result.ended_at == 180


def test_normal_listed_as_success_succeeds(cloud: LocalCloud) -> None:
    args = {**FAST, "success_stop_reasons": ["FULL_LOAD_ONLY_FINISHED", "NORMAL"]}
    deployed = deploy(cloud, DmsScenario(run_seconds=110, stop_reason="NORMAL"), **args)
    result = run(cloud, deployed)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["stop_reason"] == "Stop Reason NORMAL"


@pytest.mark.parametrize(
    ("args", "deadline_at"),
    [
        # 60 s polls, no backoff: the 10th poll is exactly at the deadline.
        ({"poll_interval_seconds": 60, "backoff": False, "timeout_seconds": 600}, 600),
        # Backoff 60, 120, 240, 480, 600, 600: the first poll at or past 1800 s is at 2100 s.
        ({"poll_interval_seconds": 60, "timeout_seconds": 1800}, 2100),
    ],
)
def test_a_task_that_never_ends_times_out_at_the_deadline(
    cloud: LocalCloud, args: dict[str, Any], deadline_at: int
) -> None:
    deployed = deploy(cloud, DmsScenario(final_status="never"), **args)
    result = run(cloud, deployed)
    assert result.status == "FAILED"
    assert result.error == dms.ERROR_WAIT_TIMED_OUT
    assert result.cause_json["status"] == "running"
    assert result.dms_stopped_at is None
    assert result.resume_latency is None
    timeout = deployed.spec.timeout_seconds
    assert timeout <= result.virtual_seconds < timeout + deployed.spec.max_poll_interval_seconds
    assert result.virtual_seconds == deadline_at
    polls = polls_until(timeout, deployed.spec)
    assert result.transitions == failure_transitions(polls)


@pytest.mark.parametrize(
    ("start_type", "states", "cause"),
    [
        ("auto", ["DescribeBeforeStart", "TaskNotFound"], "No Tasks found"),
        ("start-replication", ["StartReplicationTask", "TaskNotFound"], "could not be found"),
    ],
)
def test_unknown_task_fails_at_once_with_task_not_found(
    cloud: LocalCloud, start_type: str, states: list[str], cause: str
) -> None:
    deployed = deploy(cloud, None, start_type=start_type, **FAST)
    result = run(cloud, deployed)
    assert result.status == "FAILED"
    assert result.error == dms.ERROR_TASK_NOT_FOUND
    assert cause in (result.cause or "")
    assert result.virtual_seconds == 0
    assert result.retries == 0  # not found is not transient
    assert result.entered_states() == ["CheckInput", "InitDefaults", "ShouldStart", *states]


def test_unknown_task_in_wait_only_mode_fails_with_task_not_found(cloud: LocalCloud) -> None:
    # DescribeReplicationTasks answers ResourceNotFoundFault when its filter matches nothing;
    # reading ReplicationTasks[0] of an empty list would be an uncatchable States.Runtime.
    deployed = deploy(cloud, None, start_type="none", **FAST)
    result = run(cloud, deployed)
    assert result.error == dms.ERROR_TASK_NOT_FOUND
    assert "No Tasks found" in (result.cause or "")
    assert result.entered_states()[-2:] == ["DescribeReplicationTask", "TaskNotFound"]


def test_a_refused_start_fails_with_start_failed(cloud: LocalCloud) -> None:
    scenario = DmsScenario(start_error="AccessDeniedFault", start_error_message="not allowed")
    result = run(cloud, deploy(cloud, scenario))
    assert result.error == dms.ERROR_START_FAILED
    assert "not allowed" in (result.cause or "")
    assert result.virtual_seconds == 0


def test_throttled_describes_in_the_loop_are_polls_without_news(cloud: LocalCloud) -> None:
    deployed = deploy(
        cloud,
        DmsScenario(run_seconds=110, throttle_describes=2),
        start_type="reload-target",
        **FAST,
    )
    result = run(cloud, deployed)
    assert result.status == "SUCCEEDED", result.cause
    failures = result.events("TaskFailed")
    assert [f["taskFailedEventDetails"]["error"] for f in failures] == [
        sfn_errors.DMS_UNMODELLED
    ] * 2
    assert all("Rate exceeded" in f["taskFailedEventDetails"]["cause"] for f in failures)
    # No Retry: the loop itself tries again at the next poll, so the deadline still holds.
    assert result.retries == 0
    assert result.entered_states().count("DescribeErrorIsTransient") == 2
    # The task stops at 120 s, when the second describe is throttled: the third one sees it.
    assert result.output["polls"] == 3
    assert cloud.replication_task(deployed.task_arn).throttled == 2


def test_polls_without_news_are_bounded(cloud: LocalCloud) -> None:
    scenario = DmsScenario(final_status="never", throttle_describes=1000)
    deployed = deploy(cloud, scenario, start_type="reload-target", **FAST)
    result = run(cloud, deployed)
    assert result.error == dms.ERROR_DESCRIBE_FAILED
    assert "Rate exceeded" in (result.cause or "")
    limit = polling_definition.MAX_POLLS_WITHOUT_NEWS
    assert result.entered_states().count("CountPollWithoutNews") == limit
    assert result.virtual_seconds == 60 * (limit + 1)


def test_a_throttled_start_is_started_again_after_a_backoff(cloud: LocalCloud) -> None:
    deployed = deploy(cloud, DmsScenario(run_seconds=110, throttle_starts=2))
    result = run(cloud, deployed)
    assert result.status == "SUCCEEDED", result.cause
    sim = cloud.replication_task(deployed.task_arn)
    assert sim.throttled_starts == 2
    # Auto describes again before each new attempt: nothing had started.
    assert sim.start_types == [(6.0, "start-replication")]
    assert result.entered_states().count("WaitBeforeRetryingStart") == 2
    assert wait_durations(result)[:2] == [2, 4]


def test_a_throttled_describe_before_start_is_retried(cloud: LocalCloud) -> None:
    deployed = deploy(cloud, DmsScenario(run_seconds=110, throttle_describes=1))
    result = run(cloud, deployed)
    assert result.status == "SUCCEEDED", result.cause
    states = result.entered_states()
    assert states[3:8] == [
        "DescribeBeforeStart",
        "DescribeBeforeStartErrorIsTransient",
        "WaitBeforeRetryingStart",
        "CountStartRetry",
        "ShouldStart",
    ]
    assert cloud.replication_task(deployed.task_arn).start_types == [(2.0, "start-replication")]


def test_start_retries_are_bounded(cloud: LocalCloud) -> None:
    deployed = deploy(cloud, DmsScenario(throttle_starts=100))
    result = run(cloud, deployed)
    assert result.error == dms.ERROR_START_FAILED
    assert "Rate exceeded" in (result.cause or "")
    sim = cloud.replication_task(deployed.task_arn)
    assert sim.throttled_starts == 1 + sfn_errors.START_RETRIES
    assert sim.start_types == []


# -- start type --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("migration_type", "restart", "state"),
    [
        ("full-load", "reload-target", "RestartReloadTarget"),
        ("cdc", "resume-processing", "RestartResumeProcessing"),
        ("full-load-and-cdc", "resume-processing", "RestartResumeProcessing"),
    ],
)
def test_auto_runs_the_same_task_night_after_night(
    cloud: LocalCloud, migration_type: str, restart: str, state: str
) -> None:
    deployed = deploy(cloud, DmsScenario(run_seconds=110), migration_type=migration_type)
    first = run(cloud, deployed)
    second = run(cloud, deployed)
    assert (first.status, second.status) == ("SUCCEEDED", "SUCCEEDED"), second.cause
    assert "StartFirstRun" in first.entered_states()
    assert state in second.entered_states()
    starts = [t for _, t in cloud.replication_task(deployed.task_arn).start_types]
    assert starts == ["start-replication", restart]
    assert second.transitions == first.transitions


def test_a_repeated_start_replication_fails_at_once_with_dms_message(cloud: LocalCloud) -> None:
    deployed = deploy(cloud, DmsScenario(run_seconds=110))
    assert run(cloud, deployed).status == "SUCCEEDED"
    result = run(cloud, deployed, {"start_type": "start-replication"})
    assert result.status == "FAILED"
    assert result.error == dms.ERROR_START_FAILED
    assert dms_sim.REPEATED_START_MESSAGE in (result.cause or "")
    assert result.retries == 0
    assert result.virtual_seconds == 0
    sim = cloud.replication_task(deployed.task_arn)
    assert [code for _, _, code in sim.refused_starts] == ["InvalidParameterCombinationException"]


def test_execution_input_overrides_the_start_type(cloud: LocalCloud) -> None:
    deployed = deploy(cloud, DmsScenario(run_seconds=110))
    result = run(cloud, deployed, {"start_type": "resume-processing"})
    assert result.status == "SUCCEEDED", result.cause
    assert cloud.replication_task(deployed.task_arn).start_types == [(0.0, "resume-processing")]
    assert "InitFromInput" in result.entered_states()


def test_an_invalid_start_type_override_is_rejected_before_starting(cloud: LocalCloud) -> None:
    deployed = deploy(cloud, DmsScenario())
    result = run(cloud, deployed, {"start_type": "restart-everything"})
    assert result.status == "FAILED"
    assert result.error == dms.ERROR_INVALID_INPUT
    assert cloud.replication_task(deployed.task_arn).start_types == []
    assert result.transitions == 2


def test_start_type_none_waits_without_starting(cloud: LocalCloud) -> None:
    deployed = deploy(cloud, DmsScenario(run_seconds=110), start_type="none", **FAST)
    # The task is started elsewhere, just before the workflow.
    cloud.client("dms").start_replication_task(
        ReplicationTaskArn=deployed.task_arn, StartReplicationTaskType="start-replication"
    )
    result = run(cloud, deployed)
    assert result.status == "SUCCEEDED", result.cause
    assert cloud.replication_task(deployed.task_arn).start_types == [(0.0, "start-replication")]
    states = result.entered_states()
    assert "StartReplicationTask" not in states
    # No start: the first describe comes straight away, then polls as usual.
    assert states[:5] == [
        "CheckInput",
        "InitDefaults",
        "ShouldStart",
        "DescribeReplicationTask",
        "Evaluate",
    ]
    assert result.transitions == 3 + 2 + TRANSITIONS_PER_POLL * 2 + TRANSITIONS_AFTER_SUCCESS
    # A wait-only workflow accepts no other start type from its input.
    refused = run(cloud, deployed, {"start_type": "start-replication"})
    assert refused.error == dms.ERROR_INVALID_INPUT


# -- cost and latency ----------------------------------------------------------------------


def test_transitions_are_fixed_overhead_plus_four_per_poll(cloud: LocalCloud) -> None:
    # Stops at 10 + 290 = 300 s; polls at 60, 120, ..., 300 (the one at 300 sees it stopped).
    deployed = deploy(cloud, DmsScenario(run_seconds=290))
    result = run(cloud, deployed)
    assert result.output["polls"] == 5
    assert result.transitions == success_transitions(polls=5) == 27
    entered = result.entered_states()
    loop = entered[TRANSITIONS_BEFORE_LOOP:-TRANSITIONS_AFTER_SUCCESS]
    assert loop == ["WaitThenHold", "TallyAndHold", "DescribeReplicationTask", "Evaluate"] * 5


def test_history_events_match_the_components_constants(cloud: LocalCloud) -> None:
    def waits(result: ExecutionResult) -> list[int]:
        return [i for i, e in enumerate(result.history) if e["type"] == "WaitStateEntered"]

    normal = run(cloud, deploy(cloud, DmsScenario(run_seconds=290)))
    starts = waits(normal)
    assert {b - a for a, b in itertools.pairwise(starts)} == {polling.HISTORY_EVENTS_PER_POLL}
    assert starts[0] == polling.HISTORY_EVENTS_BEFORE_POLLS
    assert len(normal.history) - starts[-1] - polling.HISTORY_EVENTS_PER_POLL <= (
        polling.HISTORY_EVENTS_AFTER_POLLS
    )
    failed = run(cloud, deploy(cloud, DmsScenario(run_seconds=50, final_status="failed"), "f"))
    assert len(failed.history) - waits(failed)[-1] - polling.HISTORY_EVENTS_PER_POLL == (
        polling.HISTORY_EVENTS_AFTER_POLLS
    )
    throttled = deploy(
        cloud, DmsScenario(run_seconds=290, throttle_describes=2), "t", start_type="reload-target"
    )
    per_poll = [b - a for a, b in itertools.pairwise(waits(run(cloud, throttled)))]
    assert per_poll[:2] == [polling.HISTORY_EVENTS_PER_POLL_WITHOUT_NEWS] * 2
    retried = run(cloud, deploy(cloud, DmsScenario(run_seconds=50, throttle_starts=2), "s"))
    first_poll = waits(retried)[2]  # after two WaitBeforeRetryingStart
    assert first_poll == polling.HISTORY_EVENTS_BEFORE_POLLS + 2 * (
        polling.HISTORY_EVENTS_PER_START_RETRY
    )


def test_longer_tasks_cost_more_transitions(cloud: LocalCloud) -> None:
    short = run(cloud, deploy(cloud, DmsScenario(run_seconds=290), name="short"))
    long = run(cloud, deploy(cloud, DmsScenario(run_seconds=590), name="long"))
    assert (short.output["polls"], long.output["polls"]) == (5, 10)
    assert long.transitions - short.transitions == TRANSITIONS_PER_POLL * 5


def test_backoff_reduces_transitions(cloud: LocalCloud) -> None:
    # The same 30-minute task, polled every 60 s versus 60 s doubling up to 600 s.
    scenario = DmsScenario(run_seconds=1790)
    steady = deploy(
        cloud,
        scenario,
        name="steady",
        poll_interval_seconds=60,
        backoff=False,
        timeout_seconds=7200,
    )
    ramped = deploy(
        cloud,
        scenario,
        name="ramped",
        poll_interval_seconds=60,
        backoff=True,
        max_poll_interval_seconds=600,
        timeout_seconds=7200,
    )
    without = run(cloud, steady)
    with_backoff = run(cloud, ramped)
    assert without.output["polls"] == polls_until(1800, steady.spec) == 30
    assert with_backoff.output["polls"] == polls_until(1800, ramped.spec) == 6
    assert without.transitions == success_transitions(30)
    assert with_backoff.transitions == success_transitions(6)
    assert with_backoff.transitions < without.transitions
    # The price of backoff: it learns of the end later (but at most one capped interval).
    assert without.resume_latency == 0
    assert with_backoff.resume_latency == 2100 - 1800
    waits = [n for n in with_backoff.entered_states() if n.startswith("Wait")]
    assert waits == ["WaitThenGrow"] * 3 + ["WaitThenHold"] * 3
    assert wait_durations(with_backoff) == [60, 120, 240, 480, 600, 600]


def test_resume_latency_is_at_most_one_poll_interval(cloud: LocalCloud) -> None:
    scenario = DmsScenario(run_seconds=275)
    deployed = deploy(cloud, scenario)  # stops at 10 s (starting) + 275 s = 285 s
    result = run(cloud, deployed)
    assert result.dms_stopped_at == 285
    assert result.ended_at == 300  # the next poll
    assert result.resume_latency == 15
    assert 0 <= result.resume_latency <= deployed.spec.poll_interval_seconds
    assert math.isclose(result.virtual_seconds, result.output["waited_seconds"])
