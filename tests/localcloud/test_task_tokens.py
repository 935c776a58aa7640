"""``.waitForTaskToken`` on the virtual clock: callbacks, timeouts, heartbeats, stops."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from localcloud import LocalCloud

DAY = 86400

#: Stores the task token it is given in the SQS queue QUEUE_URL (the callback pattern's
#: "register the waiter" step).
STORE_TOKEN = """
import json, os
import boto3

def handler(event, context):
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event))
    return {"registered": True}
"""

#: Completes its own task at once, before the execution even starts waiting.
SELF_COMPLETE = """
import json
import boto3

def handler(event, context):
    boto3.client("stepfunctions").send_task_success(
        taskToken=event["token"], output=json.dumps({"early": True})
    )
"""


class Waiter:
    """A state machine whose one task registers its token through a Lambda and waits.

    ``after``: a state to run once the task succeeded or timed out (keeps the execution
    running after the wait); by default the task ends the execution and a timeout fails it.
    """

    def __init__(
        self,
        cloud: LocalCloud,
        *,
        timeout: int,
        heartbeat: int | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.cloud = cloud
        self.queue_url = cloud.client("sqs").create_queue(QueueName="tokens")["QueueUrl"]
        cloud.create_function(
            "register", {"app.py": STORE_TOKEN}, environment={"QUEUE_URL": self.queue_url}
        )
        task: dict[str, Any] = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "register",
                "Payload": {"token.$": "$$.Task.Token", "task.$": "$.task"},
            },
            "TimeoutSeconds": timeout,
            "Catch": [
                {
                    "ErrorEquals": ["States.Timeout", "States.HeartbeatTimeout"],
                    "Next": "TimedOut" if after is None else "After",
                    "ResultPath": "$.error",
                }
            ],
        }
        if heartbeat is not None:
            task["HeartbeatSeconds"] = heartbeat
        states: dict[str, Any] = {"WaitForDms": task}
        if after is None:
            task["End"] = True
            states["TimedOut"] = {"Type": "Fail", "Error": "Timeout", "Cause": "no callback"}
        else:
            task["Next"] = "After"
            states["After"] = after
        self.machine = cloud.create_state_machine(
            "waiter", {"StartAt": "WaitForDms", "States": states}
        )
        self.errors: list[Exception] = []
        self._token: str | None = None

    def token(self) -> str:
        """The token the Lambda registered (read from the queue once, as a resumer would)."""
        if self._token is None:
            response = self.cloud.client("sqs").receive_message(QueueUrl=self.queue_url)
            (message,) = response["Messages"]
            self._token = json.loads(message["Body"])["token"]
        assert self._token is not None
        return self._token

    def at(self, t: float, action: Callable[[Any, str], object]) -> None:
        """Call ``action(stepfunctions_client, token)`` at virtual time ``t`` (a clock timer);
        errors it raises are kept in ``errors``."""
        sfn = self.cloud.client("stepfunctions")

        def fire() -> None:
            try:
                action(sfn, self.token())
            except Exception as exc:
                self.errors.append(exc)

        self.cloud.clock.call_at(t, fire)


def succeed(output: dict[str, Any]) -> Callable[[Any, str], object]:
    return lambda sfn, token: sfn.send_task_success(taskToken=token, output=json.dumps(output))


def heartbeat(sfn: Any, token: str) -> object:
    return sfn.send_task_heartbeat(taskToken=token)


def test_a_callback_resumes_the_execution_at_its_virtual_time(cloud: LocalCloud) -> None:
    waiter = Waiter(cloud, timeout=7 * DAY)
    waiter.at(5 * 3600, succeed({"status": "stopped"}))
    # Hours of virtual time inside a 10 s real-time limit (run_execution fails past it): the
    # wait never sleeps for real. No wall-clock assertion: it would flake on a loaded machine.
    result = cloud.run_execution(waiter.machine, {"task": "orders"}, real_timeout=10)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"status": "stopped"}
    assert (result.started_at, result.ended_at) == (0.0, 5 * 3600)
    assert cloud.lambda_invocations("register") == 1
    assert not waiter.errors


def test_without_a_callback_the_task_times_out_after_timeout_seconds_of_virtual_time(
    cloud: LocalCloud,
) -> None:
    waiter = Waiter(cloud, timeout=7 * DAY)
    # Hours of virtual time inside a 10 s real-time limit (run_execution fails past it): the
    # wait never sleeps for real. No wall-clock assertion: it would flake on a loaded machine.
    result = cloud.run_execution(waiter.machine, {"task": "orders"}, real_timeout=10)
    assert result.status == "FAILED"
    assert result.error == "Timeout"  # the Catch on States.Timeout ran
    assert result.entered_states() == ["WaitForDms", "TimedOut"]
    assert result.ended_at == 7 * DAY
    (timed_out,) = result.events("TaskTimedOut")
    assert timed_out["taskTimedOutEventDetails"]["error"] == "States.Timeout"


def test_a_missed_heartbeat_times_out_heartbeat_seconds_after_the_last_one(
    cloud: LocalCloud,
) -> None:
    waiter = Waiter(cloud, timeout=DAY, heartbeat=600)
    waiter.at(300, heartbeat)
    waiter.at(800, heartbeat)
    result = cloud.run_execution(waiter.machine, {"task": "orders"}, real_timeout=10)
    assert result.status == "FAILED"
    assert result.ended_at == 800 + 600
    (timed_out,) = result.events("TaskTimedOut")
    # moto names a missed heartbeat States.Timeout; AWS says States.HeartbeatTimeout.
    assert timed_out["taskTimedOutEventDetails"]["error"] == "States.Timeout"
    assert not waiter.errors


def test_heartbeats_keep_the_task_alive_until_the_callback(cloud: LocalCloud) -> None:
    waiter = Waiter(cloud, timeout=DAY, heartbeat=600)
    for t in (500, 1000, 1500):
        waiter.at(t, heartbeat)
    waiter.at(1800, succeed({"done": True}))
    result = cloud.run_execution(waiter.machine, {"task": "orders"}, real_timeout=10)
    assert result.status == "SUCCEEDED", result.cause
    assert result.ended_at == 1800
    assert not waiter.errors


def test_the_driver_never_sees_a_callback_pending_as_idle(cloud: LocalCloud) -> None:
    waiter = Waiter(cloud, timeout=DAY)
    sent: list[bool] = []

    def callback(sfn: Any, token: str) -> None:
        sfn.send_task_success(taskToken=token, output="{}")
        sent.append(True)

    waiter.at(100, callback)
    arn = cloud.start_execution(waiter.machine, {"task": "orders"})
    sfn = cloud.client("stepfunctions")
    observed: list[tuple[bool, str]] = []

    def ended() -> bool:
        status = sfn.describe_execution(executionArn=arn)["status"]
        observed.append((bool(sent), status))
        return status != "RUNNING"

    cloud.clock.run_until(ended, real_timeout=10)
    # At every idle moment the driver saw, a callback that had been sent was already handled:
    # the sender took the waiter's busy unit before the driver could look.
    assert (True, "RUNNING") not in observed
    assert observed[-1] == (True, "SUCCEEDED")
    assert cloud.clock.now() == 100


def test_a_callback_from_another_thread_makes_the_execution_busy_at_once(
    cloud: LocalCloud,
) -> None:
    waiter = Waiter(cloud, timeout=DAY)
    arn = cloud.start_execution(waiter.machine, {"task": "orders"})
    cloud.clock.advance(60)  # now idle in the wait
    assert cloud.clock.activity()[0] == 0
    cloud.client("stepfunctions").send_task_success(taskToken=waiter.token(), output="{}")
    result = cloud.wait_for_execution(arn, real_timeout=10)
    assert result.status == "SUCCEEDED"
    assert result.ended_at == 60


def test_a_failure_callback_fails_the_task_with_its_error(cloud: LocalCloud) -> None:
    waiter = Waiter(cloud, timeout=DAY)
    waiter.at(
        30,
        lambda sfn, token: sfn.send_task_failure(
            taskToken=token, error="DMS.TaskFailed", cause="FATAL_ERROR"
        ),
    )
    result = cloud.run_execution(waiter.machine, {"task": "orders"}, real_timeout=10)
    assert result.status == "FAILED"
    assert result.error == "DMS.TaskFailed"
    assert result.ended_at == 30


def test_a_stopped_execution_leaves_its_wait_at_once(cloud: LocalCloud) -> None:
    waiter = Waiter(cloud, timeout=7 * DAY)
    arn = cloud.start_execution(waiter.machine, {"task": "orders"})
    cloud.clock.advance(3600)
    cloud.client("stepfunctions").stop_execution(executionArn=arn)
    result = cloud.wait_for_execution(arn, real_timeout=5)
    assert result.status == "ABORTED"
    assert result.ended_at == 3600
    assert result.history[-1]["type"] == "ExecutionAborted"


def test_a_token_completed_before_the_wait_begins_is_not_lost(cloud: LocalCloud) -> None:
    cloud.create_function("self", {"app.py": SELF_COMPLETE})
    definition = {
        "StartAt": "Task",
        "States": {
            "Task": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "self", "Payload": {"token.$": "$$.Task.Token"}},
                "TimeoutSeconds": DAY,
                "End": True,
            }
        },
    }
    result = cloud.run_execution(cloud.create_state_machine("m", definition), real_timeout=10)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"early": True}
    assert result.ended_at == 0


def test_a_late_callback_is_refused_once_the_task_timed_out(cloud: LocalCloud) -> None:
    # The timeout is caught into a long Wait: the execution still runs when the callback comes.
    waiter = Waiter(cloud, timeout=600, after={"Type": "Wait", "Seconds": 3600, "End": True})
    waiter.at(700, succeed({"late": True}))
    result = cloud.run_execution(waiter.machine, {"task": "orders"}, real_timeout=10)
    assert result.status == "SUCCEEDED"
    assert result.entered_states() == ["WaitForDms", "After"]
    assert result.output["error"]["Error"] == "States.Timeout"
    (error,) = waiter.errors
    assert type(error).__name__ == "TaskTimedOut"  # what AWS answers for a spent token
    assert "Provided task does not exist anymore" in str(error)


def test_a_token_is_single_use(cloud: LocalCloud) -> None:
    waiter = Waiter(cloud, timeout=DAY, after={"Type": "Wait", "Seconds": 3600, "End": True})
    waiter.at(10, succeed({"first": True}))
    waiter.at(20, succeed({"second": True}))
    waiter.at(30, heartbeat)
    result = cloud.run_execution(waiter.machine, {"task": "orders"}, real_timeout=10)
    assert result.status == "SUCCEEDED"
    assert [type(e).__name__ for e in waiter.errors] == ["TaskTimedOut", "TaskTimedOut"]


@pytest.mark.parametrize("seconds", [7 * DAY, 365 * DAY])
def test_long_timeouts_cost_no_real_time(cloud: LocalCloud, seconds: int) -> None:
    waiter = Waiter(cloud, timeout=seconds)
    # Hours of virtual time inside a 10 s real-time limit (run_execution fails past it): the
    # wait never sleeps for real. No wall-clock assertion: it would flake on a loaded machine.
    result = cloud.run_execution(waiter.machine, {"task": "orders"}, real_timeout=10)
    assert result.ended_at == seconds
