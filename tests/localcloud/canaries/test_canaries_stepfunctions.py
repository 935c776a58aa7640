"""Canaries of the Step Functions patches: each fails if a moto upgrade breaks what it relies on."""

from __future__ import annotations

import inspect
import json
import threading
import time
import types
from datetime import UTC, date, datetime
from typing import Any

import pytest
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service,
    state_task_service_aws_sdk,
    state_task_service_callback,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval import environment as sfn_environment
from moto.stepfunctions.parser.asl.eval.callback import callback as sfn_callback
from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend import execution_worker

from dms_waiters.definitions.errors import java_exception_name
from localcloud import DmsScenario, LocalCloud
from localcloud.active import NetworkAccessError
from localcloud.stepfunctions.integrations import aws_timestamp
from localcloud.stepfunctions.virtual_time import SLEEP_RETRY, SLEEP_WAIT_STATE
from tests.localcloud.canaries.asl import (
    describe_task,
    machine,
    start_missing_task,
    wait,
)

# -- a. databasemigration_sdk_integration ---------------------------------------------------


def test_databasemigration_sdk_integration_reaches_dms(cloud: LocalCloud) -> None:
    overrides = state_task_service.StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES
    assert overrides["databasemigration"] == "dms"
    assert state_task_service_aws_sdk._SERVICE_ERROR_NAMES["databasemigration"] == (
        "DatabaseMigration"
    )
    arn = cloud.create_replication_task("orders", DmsScenario())
    sm = cloud.create_state_machine("describe", machine(describe_task(arn)))
    result = cloud.run_execution(sm)
    assert result.status == "SUCCEEDED", result.cause
    (task,) = result.output["ReplicationTasks"]
    assert task["ReplicationTaskArn"] == arn
    assert task["Status"] == "ready"


def test_databasemigration_errors_carry_aws_names(cloud: LocalCloud) -> None:
    sm = cloud.create_state_machine("start-missing", machine(start_missing_task()))
    result = cloud.run_execution(sm)
    assert result.status == "FAILED"
    # AWS names a modelled error after the Java SDK's class (ResourceNotFoundFault ->
    # ResourceNotFoundException); moto alone would say ResourceNotFoundFaultException.
    assert result.error == "DatabaseMigration.ResourceNotFoundException"
    assert "Service: DatabaseMigration, Status Code: 400, Request ID: " in (result.cause or "")


def test_unmodelled_dms_errors_are_the_service_base_exception(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task("busy", DmsScenario(throttle_describes=1))
    sm = cloud.create_state_machine("describe", machine(describe_task(arn)))
    result = cloud.run_execution(sm)
    # ThrottlingException is not in DMS's model: AWS reports the base class, cause in the
    # Java SDK's message format.
    assert result.error == "DatabaseMigration.DatabaseMigrationException"
    assert (result.cause or "").startswith("Rate exceeded (Service: DatabaseMigration, ")


@pytest.mark.parametrize(
    ("shape", "name"),
    [
        ("ResourceNotFoundFault", "ResourceNotFoundException"),
        ("InvalidResourceStateFault", "InvalidResourceStateException"),
        ("AccessDeniedFault", "AccessDeniedException"),
        ("KMSThrottlingFault", "KmsThrottlingException"),
        ("S3AccessDeniedFault", "S3AccessDeniedException"),
        ("SNSNoAuthorizationFault", "SnsNoAuthorizationException"),
        ("InvalidSubnet", "InvalidSubnetException"),
        # RDS's, as Step Functions reports it (Rds.DbInstanceNotFoundException).
        ("DBInstanceNotFoundFault", "DbInstanceNotFoundException"),
    ],
)
def test_java_exception_names(shape: str, name: str) -> None:
    assert java_exception_name(shape) == name


# -- b. virtual_wait_states ------------------------------------------------------------------


def test_wait_state_costs_no_real_time(cloud: LocalCloud) -> None:
    params = list(inspect.signature(wait_function.WaitFunction._wait_interval).parameters)
    assert params == ["self", "env", "wait_seconds"]
    sm = cloud.create_state_machine("hour", machine(wait(3600), ("Done", {"Type": "Succeed"})))
    started = time.monotonic()
    result = cloud.run_execution(sm, real_timeout=10)
    assert time.monotonic() - started < 1.0
    assert result.status == "SUCCEEDED"
    assert result.virtual_seconds == 3600
    assert cloud.clock.now() == 3600
    assert cloud.clock.slept(SLEEP_WAIT_STATE) == 3600


# -- c. virtual_retry_backoff ----------------------------------------------------------------


def retry_all(jitter: str) -> dict[str, Any]:
    """Retry any error 3 times, 100 s then doubling (700 s in all without jitter)."""
    return {
        "ErrorEquals": ["States.ALL"],
        "IntervalSeconds": 100,
        "BackoffRate": 2.0,
        "MaxAttempts": 3,
        "JitterStrategy": jitter,
    }


def test_retry_backoff_costs_no_real_time(cloud: LocalCloud) -> None:
    sm = cloud.create_state_machine("retry", machine(start_missing_task(retry_all("NONE"))))
    started = time.monotonic()
    # Without the patch moto really sleeps 100 s: the short real timeout turns that into a failure.
    result = cloud.run_execution(sm, real_timeout=10)
    assert time.monotonic() - started < 2.0
    assert result.status == "FAILED"
    assert len(result.events("TaskFailed")) == 4  # the first attempt and 3 retries
    assert cloud.clock.slept(SLEEP_RETRY) == 100 + 200 + 400
    assert result.virtual_seconds == 700


# -- d. execution_activity -----------------------------------------------------------------


def test_an_execution_is_busy_until_it_ends(cloud: LocalCloud) -> None:
    sm = cloud.create_state_machine("minute", machine(wait(60)))
    arn = cloud.start_execution(sm)
    busy, sleepers, _ = cloud.clock.activity()
    # Taken before the worker thread existed: either still working or asleep in the Wait.
    assert busy + sleepers == 1
    result = cloud.wait_for_execution(arn)
    assert result.status == "SUCCEEDED"
    assert (result.started_at, result.ended_at) == (0.0, 60.0)
    assert cloud.clock.activity() == (0, 0, 0)


def test_a_crashing_execution_fails_and_releases_the_clock(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    sm = cloud.create_state_machine("crash", machine(wait(60)))

    def boom(_self: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(execution_worker.ExecutionWorker, "_get_evaluation_entrypoint", boom)
    result = cloud.run_execution(sm, real_timeout=5)
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert "boom" in (result.cause or "")
    assert cloud.clock.busy_count == 0


def test_a_stopped_execution_leaves_its_wait_at_once(cloud: LocalCloud) -> None:
    sm = cloud.create_state_machine("long", machine(wait(3600)))
    arn = cloud.start_execution(sm)
    cloud.clock.advance(100)
    cloud.client("stepfunctions").stop_execution(executionArn=arn)
    result = cloud.wait_for_execution(arn, real_timeout=5)
    assert result.status == "ABORTED"
    assert result.ended_at == 100.0
    assert cloud.clock.slept(SLEEP_WAIT_STATE) == 100.0


# -- e. aws_sdk_timestamps -------------------------------------------------------------------


def test_aws_timestamp_renders_like_aws() -> None:
    assert aws_timestamp(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"
    assert (
        aws_timestamp(datetime(2026, 1, 1, 0, 5, 0, 250000, tzinfo=UTC))
        == "2026-01-01T00:05:00.250Z"
    )
    assert (
        aws_timestamp(datetime(2026, 1, 1, 0, 0, 0, 123, tzinfo=UTC))
        == "2026-01-01T00:00:00.000123Z"
    )
    assert aws_timestamp(datetime(2026, 1, 1, 12)) == "2026-01-01T12:00:00Z"  # naive=UTC
    assert aws_timestamp(date(2026, 1, 2)) == "2026-01-02"


def test_sdk_results_carry_timestamps_as_strings(cloud: LocalCloud) -> None:
    params = list(
        inspect.signature(
            state_task_service_aws_sdk.StateTaskServiceAwsSdk._eval_service_task
        ).parameters
    )
    assert params[:2] == ["self", "env"]
    arn = cloud.create_replication_task("orders", DmsScenario(run_seconds=30))
    cloud.client("dms").start_replication_task(
        ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
    )
    sm = cloud.create_state_machine("dates", machine(wait(120), describe_task(arn)))
    result = cloud.run_execution(sm)
    assert result.status == "SUCCEEDED", result.cause
    (task,) = result.output["ReplicationTasks"]
    assert task["ReplicationTaskStartDate"] == "2026-01-01T00:00:00Z"
    assert task["ReplicationTaskStats"]["StopDate"] == "2026-01-01T00:00:40Z"
    # The calls that failed with "datetime is not JSON serializable" before the patch:
    sfn = cloud.client("stepfunctions")
    described = sfn.describe_execution(executionArn=result.execution_arn)
    assert json.loads(described["output"]) == result.output
    history = sfn.get_execution_history(executionArn=result.execution_arn)["events"]
    assert history[-1]["type"] == "ExecutionSucceeded"


# -- f. virtual_history_timestamps ---------------------------------------------------------


def test_history_timestamps_follow_the_virtual_clock(cloud: LocalCloud) -> None:
    sm = cloud.create_state_machine("stamps", machine(wait(3600)))
    result = cloud.run_execution(sm)

    def stamp(event_type: str) -> datetime:
        (event,) = result.events(event_type)
        return datetime.fromisoformat(event["timestamp"])

    assert stamp("ExecutionStarted") == datetime(2026, 1, 1, tzinfo=UTC)
    assert (stamp("WaitStateExited") - stamp("WaitStateEntered")).total_seconds() == 3600


# -- g. deterministic_jitter -----------------------------------------------------------------


def _jittered_retry_seconds(seed: int) -> float:
    with LocalCloud(seed=seed) as cloud:
        sm = cloud.create_state_machine("jitter", machine(start_missing_task(retry_all("FULL"))))
        cloud.run_execution(sm)
        return cloud.clock.slept(SLEEP_RETRY)


def test_full_jitter_is_reproducible_with_a_seed() -> None:
    first = _jittered_retry_seconds(seed=7)
    assert 0 <= first <= 700
    assert first not in (0, 700)  # jitter was applied
    assert _jittered_retry_seconds(seed=7) == first


# -- j. cached_sdk_clients -------------------------------------------------------------------


def test_sdk_clients_are_reused_within_a_cloud(cloud: LocalCloud) -> None:
    get = state_task_service_aws_sdk.boto_client_for
    assert get.__localcloud_patch__ == "cached_sdk_clients"
    first = get(region="us-east-1", service="dms")
    assert get(region="us-east-1", service="dms") is first
    assert get(region="us-east-1", service="stepfunctions") is not first
    arn = cloud.create_replication_task("orders", DmsScenario())
    sm = cloud.create_state_machine("twice", machine(describe_task(arn), wait(1)))
    assert cloud.run_execution(sm).status == "SUCCEEDED"


# -- k. cached_jsonpath_parsing --------------------------------------------------------------


def test_jsonpath_expressions_are_parsed_once(cloud: LocalCloud) -> None:
    info = json_path.parse.cache_info  # AttributeError if the patch did not apply
    before = info().hits
    for _ in range(3):
        assert json_path.extract_json("$.a.b[0]", {"a": {"b": [7]}}) == 7
    assert info().hits >= before + 2


def test_guarded_clients_never_reach_real_aws_outside_a_cloud() -> None:
    with LocalCloud() as cloud:
        client = cloud.client("dms")
        sdk_client = state_task_service_aws_sdk.boto_client_for(region="us-east-1", service="dms")
        assert client.describe_replication_tasks()["ReplicationTasks"] == []
    for stale in (client, sdk_client):
        with pytest.raises(NetworkAccessError, match="refusing a real AWS request"):
            stale.describe_replication_tasks()


# -- p. task_token_waits ---------------------------------------------------------------------


def test_task_token_waits_rely_on_these_moto_internals(cloud: LocalCloud) -> None:
    service = state_task_service_callback.StateTaskServiceCallback
    assert service._eval_wait_for_task_token.__localcloud_patch__ == "task_token_waits"
    assert list(inspect.signature(service._eval_wait_for_task_token).parameters) == [
        "self",
        "env",
        "timeout_seconds",
        "callback_endpoint",
        "heartbeat_endpoint",
    ]
    endpoint = sfn_callback.CallbackEndpoint(callback_id="t")
    for attr in ("get_outcome", "notify", "notify_heartbeat", "callback_id"):
        assert hasattr(endpoint, attr), attr
    assert sfn_callback.HeartbeatEndpoint(heartbeat_seconds=5)._heartbeat_seconds == 5
    # The state's thread waits for the task with threading.Event().wait(TimeoutSeconds).
    assert isinstance(execute_state.threading, types.ModuleType)
    assert execute_state.threading.__name__ == "threading"
    source = inspect.getsource(execute_state.ExecutionState._evaluate_with_timeout)
    assert "threading.Event()" in source and ".wait(timeout_seconds)" in source
    # A stop reaches the waiting frame through set_stop -> program_state_event.set().
    assert "program_state_event.set()" in inspect.getsource(sfn_environment.Environment.set_stop)


# -- q. stopped_executions_stay_aborted ------------------------------------------------------


def test_a_stopped_program_stays_stopped(cloud: LocalCloud) -> None:
    env_cls = sfn_environment.Environment
    assert env_cls.set_error.__localcloud_patch__ == "stopped_executions_stay_aborted"
    assert env_cls.set_timed_out.__localcloud_patch__ == "stopped_executions_stay_aborted"
    env = env_cls.__new__(env_cls)
    env._program_state = ProgramStopped(stop_date=datetime.now(tz=UTC), cause=None, error=None)
    env._frames = []
    env._state_mutex = threading.RLock()
    env.set_error({"error": "X"})  # type: ignore[typeddict-item]
    env.set_timed_out()
    assert isinstance(env.program_state(), ProgramStopped)


# -- r. send_task_failure_cause --------------------------------------------------------------

#: Fails its own task with an error and a JSON cause, as the hub's resume Lambda does.
SELF_FAIL = """
import json
import boto3

def handler(event, context):
    boto3.client("stepfunctions").send_task_failure(
        taskToken=event["token"], error="DmsTaskFailed", cause=json.dumps({"status": "failed"})
    )
"""


@pytest.mark.parametrize("caught", [False, True], ids=["uncaught", "fail-state-cause-path"])
def test_send_task_failure_keeps_its_cause(cloud: LocalCloud, caught: bool) -> None:
    response_cls = sfn_responses.StepFunctionResponse
    assert response_cls.send_task_failure.__localcloud_patch__ == "send_task_failure_cause"
    cloud.create_function("self-fail", {"app.py": SELF_FAIL})
    task: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "self-fail", "Payload": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 3600,
    }
    states: tuple[tuple[str, dict[str, Any]], ...] = (("Task", task),)
    if caught:
        # The callback workflow's shape: Catch, then a Fail state taking the sender's cause.
        task["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}]
        fail = {"Type": "Fail", "Error": "DmsTaskFailed", "CausePath": "$.error.Cause"}
        states += (("Failed", fail),)
    result = cloud.run_execution(cloud.create_state_machine("m", machine(*states)), real_timeout=10)
    assert result.status == "FAILED"
    assert (result.error, result.cause_json) == ("DmsTaskFailed", {"status": "failed"})
    [failed] = result.events("TaskFailed")
    assert failed["taskFailedEventDetails"]["cause"] == result.cause
    [execution_failed] = result.events("ExecutionFailed")
    assert execution_failed["executionFailedEventDetails"]["cause"] == result.cause
