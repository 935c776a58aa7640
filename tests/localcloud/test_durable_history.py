"""``GetDurableExecutionHistory`` of the local cloud, compared whole with AWS's histories.

Each expectation is the history AWS reports for the same case, as AWS's conformance suite for
the durable SDKs states it (aws/aws-durable-execution-conformance-tests, commit a68f527,
``packages/aws-durable-execution-conformance-tests/test-requirements/<suite>/<id>.yaml``:
expected histories validated against executions run on AWS; event 1 is ExecutionStarted and the
last one the execution's end) and as botocore's Lambda model shapes the events
(``GetDurableExecutionHistoryResponse``, ``Event``, ``InvocationCompletedDetails``,
``CallbackStartedDetails``, ``StepSucceededDetails``/``RetryDetails``). Timestamps, request ids
and callback ids are generated: wildcards. Operation ids are placeholders.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from localcloud import LocalCloud
from tests.histories import (
    ANY,
    all_events,
    assert_history,
    history_mismatches,
    invocation,
    result,
    started,
    step,
    succeeded,
)
from tests.localcloud.test_durable import DURABLE, HEADER


def run(cloud: LocalCloud, source: str, payload: Any = None) -> tuple[str, list[dict[str, Any]]]:
    """Deploy ``source`` as a durable function, run it to its end; (status, history)."""
    cloud.create_function("fn", {"app.py": source}, durable_config=DURABLE, publish=True)
    arn = cloud.start_durable_execution("fn:1", payload if payload is not None else {})
    result = cloud.wait_for_durable_execution(arn)
    client = cloud.client("lambda")
    return result.status, all_events(client, arn, IncludeExecutionData=True)


# -- 1. order by event id, even at one instant ---------------------------------------------------

STEP_AND_WAIT = (
    HEADER
    + """
@durable_execution
def handler(event, context: DurableContext):
    greeting = context.step(lambda _: "Hello, " + event["who"], name="greet")
    context.wait(Duration.from_seconds(2), name="pause")
    return greeting
"""
)


def test_events_are_in_aws_order_even_at_one_instant(cloud: LocalCloud) -> None:
    status, events = run(cloud, STEP_AND_WAIT, {"who": "World"})
    assert status == "SUCCEEDED"
    # step/1-1 (StepStarted, StepSucceeded, InvocationCompleted) then wait/2-1 (WaitStarted,
    # InvocationCompleted, WaitSucceeded with the Duration, InvocationCompleted) and the end,
    # after the last InvocationCompleted (callback/4-5: ExecutionSucceeded follows it).
    # The first four events share one virtual instant: only their ids order them.
    expected = [
        started('{"who": "World"}', DURABLE["ExecutionTimeout"]),
        step(2, "StepStarted", "${ID1}", "greet", {}),
        step(
            3,
            "StepSucceeded",
            "${ID1}",
            "greet",
            {"Result": result('"Hello, World"'), "RetryDetails": {"CurrentAttempt": 1}},
        ),
        step(
            4,
            "WaitStarted",
            "${ID2}",
            "pause",
            {"Duration": 2, "ScheduledEndTimestamp": ANY},
            "Wait",
        ),
        invocation(5),
        step(6, "WaitSucceeded", "${ID2}", "pause", {"Duration": 2}, "Wait"),
        invocation(7),
        succeeded(8, '"Hello, World"'),
    ]
    assert_history(events, expected)
    # Timestamps: the invocation's events at 0 s, the wait's end and the rest 2 s later.
    stamps = [event["EventTimestamp"] for event in events]
    assert stamps[:5] == [cloud.clock.epoch] * 5
    assert {stamp - cloud.clock.epoch for stamp in stamps[5:]} == {timedelta(seconds=2)}


# -- 2 and 3. InvocationCompletedDetails; a crashed invocation -----------------------------------

CRASH_ONCE = (
    HEADER
    + """
import sys

CRASHED = []


def once(_):
    if not CRASHED:
        CRASHED.append(True)
        sys.exit(1)  # the process exits: the Lambda runtime reports Runtime.ExitError
    return "done"


@durable_execution
def handler(event, context: DurableContext):
    return context.step(once, name="crashy")
"""
)


def test_a_crashed_invocation_leaves_its_invocation_completed_with_the_error(
    cloud: LocalCloud,
) -> None:
    status, events = run(cloud, CRASH_ONCE)
    assert status == "SUCCEEDED"
    # child/3-12 and step/1-17: StepStarted, then the crashed invocation's InvocationCompleted
    # (Error.Payload.ErrorType Runtime.ExitError), then the retry's: the step runs again and
    # checkpoints StepSucceeded directly, without another StepStarted (child/3-12).
    crash = {
        "Payload": {"ErrorMessage": ANY, "ErrorType": "Runtime.ExitError"},
        "Truncated": False,
    }
    expected = [
        started("{}", DURABLE["ExecutionTimeout"]),
        step(2, "StepStarted", "${ID1}", "crashy", {}),
        invocation(3, error=crash),
        step(
            4,
            "StepSucceeded",
            "${ID1}",
            "crashy",
            {"Result": result('"done"'), "RetryDetails": {"CurrentAttempt": 1}},
        ),
        invocation(5),
        succeeded(6, '"done"'),
    ]
    assert_history(events, expected)


# -- 4. CallbackStartedDetails: Timeout and HeartbeatTimeout -------------------------------------

CALLBACK = (
    HEADER
    + """
from aws_durable_execution_sdk_python.config import CallbackConfig


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(
        name="approval",
        config=CallbackConfig(
            timeout=Duration.from_seconds(300), heartbeat_timeout=Duration.from_seconds(10)
        ),
    )
    return callback.result()
"""
)


def test_callback_started_details_carry_its_timeouts(cloud: LocalCloud) -> None:
    status, events = run(cloud, CALLBACK)
    assert status == "FAILED"  # nobody heartbeats: the heartbeat timeout ends it
    # callback/4-3 (CallbackStartedDetails.Timeout), callback/4-4 and 4-5
    # (CallbackStartedDetails.HeartbeatTimeout; Callback.Heartbeat when no heartbeat comes).
    expected = [
        started("{}", DURABLE["ExecutionTimeout"]),
        {
            "EventType": "CallbackStarted",
            "SubType": "Callback",
            "EventId": 2,
            "Id": "${ID1}",
            "Name": "approval",
            "EventTimestamp": ANY,
            "CallbackStartedDetails": {"CallbackId": ANY, "Timeout": 300, "HeartbeatTimeout": 10},
        },
        invocation(3),
        {
            "EventType": "CallbackTimedOut",
            "SubType": "Callback",
            "EventId": 4,
            "Id": "${ID1}",
            "Name": "approval",
            "EventTimestamp": ANY,
            "CallbackTimedOutDetails": {
                "Error": {
                    "Payload": {"ErrorType": "Callback.Heartbeat", "ErrorMessage": ANY},
                    "Truncated": False,
                }
            },
        },
        invocation(5),
        {
            "EventType": "ExecutionFailed",
            "EventId": 6,
            "Id": "${EXECUTION}",
            "Name": ANY,
            "EventTimestamp": ANY,
            "ExecutionFailedDetails": ANY,
        },
    ]
    assert_history(events, expected)


# -- 5. StepSucceededDetails.RetryDetails after retries -----------------------------------------

RETRIED = (
    HEADER
    + """
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

ATTEMPTS = []


def unreliable(_):
    ATTEMPTS.append(1)
    if len(ATTEMPTS) < 2:
        raise RuntimeError("not yet")
    return "Operation succeeded"


@durable_execution
def handler(event, context: DurableContext):
    strategy = create_retry_strategy(RetryStrategyConfig(max_attempts=3))
    return context.step(unreliable, name="unreliable", config=StepConfig(retry_strategy=strategy))
"""
)


def test_a_step_that_succeeds_after_a_retry_reports_its_attempt(cloud: LocalCloud) -> None:
    status, events = run(cloud, RETRIED)
    assert status == "SUCCEEDED"
    # step/1-11: StepFailed with RetryDetails (CurrentAttempt 1, NextAttemptDelaySeconds),
    # InvocationCompleted, StepStarted, StepSucceeded with RetryDetails.CurrentAttempt 2.
    expected = [
        started("{}", DURABLE["ExecutionTimeout"]),
        step(2, "StepStarted", "${ID1}", "unreliable", {}),
        step(
            3,
            "StepFailed",
            "${ID1}",
            "unreliable",
            {
                "Error": {
                    "Payload": {"ErrorMessage": "not yet", "ErrorType": "RuntimeError"},
                    "Truncated": False,
                },
                "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": ANY},
            },
        ),
        invocation(4),
        step(5, "StepStarted", "${ID1}", "unreliable", {}),
        step(
            6,
            "StepSucceeded",
            "${ID1}",
            "unreliable",
            {"Result": result('"Operation succeeded"'), "RetryDetails": {"CurrentAttempt": 2}},
        ),
        invocation(7),
        succeeded(8, '"Operation succeeded"'),
    ]
    assert_history(events, expected)


# -- 6. wait_for_condition's checks keep their state ---------------------------------------------

POLLING = (
    HEADER
    + """
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
)


def strategy(state, attempt):
    if state < 3:
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(5))
    return WaitForConditionDecision.stop_polling()


@durable_execution
def handler(event, context: DurableContext):
    config = WaitForConditionConfig(wait_strategy=strategy, initial_state=0)
    return context.wait_for_condition(lambda state, _: state + 1, config=config, name="counter")
"""
)


def test_wait_for_condition_checks_keep_their_state(cloud: LocalCloud) -> None:
    status, events = run(cloud, POLLING)
    assert status == "SUCCEEDED"

    # wait_for_condition/6-1: per check StepStarted then StepSucceeded (SubType
    # WaitForCondition) whose Result.Payload is the check's new state (1, 2, then 3).
    def check(first: int, state: int, last: bool) -> list[dict[str, Any]]:
        retry: dict[str, Any] = {"CurrentAttempt": state}
        if not last:
            retry["NextAttemptDelaySeconds"] = 5
        return [
            step(first, "StepStarted", "${ID1}", "counter", {}, "WaitForCondition"),
            step(
                first + 1,
                "StepSucceeded",
                "${ID1}",
                "counter",
                {"Result": result(str(state)), "RetryDetails": retry},
                "WaitForCondition",
            ),
            invocation(first + 2),
        ]

    expected = [
        started("{}", DURABLE["ExecutionTimeout"]),
        *check(2, 1, last=False),
        *check(5, 2, last=False),
        *check(8, 3, last=True),
        succeeded(11, "3"),
    ]
    assert_history(events, expected)


def test_pages_and_reverse_order_keep_the_event_ids(cloud: LocalCloud) -> None:
    _, events = run(cloud, STEP_AND_WAIT, {"who": "you"})
    arn = cloud.durable.records()[0].execution_arn
    client = cloud.client("lambda")
    # MaxItems pages by event id (NextMarker), ReverseOrder starts from the last event.
    assert all_events(client, arn, IncludeExecutionData=True, MaxItems=3) == events
    backwards = all_events(client, arn, IncludeExecutionData=True, MaxItems=3, ReverseOrder=True)
    assert backwards == events[::-1]
    assert [event["EventId"] for event in events] == list(range(1, len(events) + 1))
    # The helper itself fails on a difference.
    assert history_mismatches(events, events[:-1])
