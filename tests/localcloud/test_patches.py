"""One test (at least) per moto patch: each fails if a moto upgrade breaks what it relies on."""

from __future__ import annotations

import inspect
import json
import threading
import time
import types
from datetime import UTC, date, datetime
from typing import Any

import pytest
from moto.awslambda import models as lambda_models
from moto.core.models import botocore_stubber
from moto.dms import models as dms_models
from moto.events import models as events_models
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service,
    state_task_service_aws_sdk,
    state_task_service_callback,
    state_task_service_lambda,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval import environment as sfn_environment
from moto.stepfunctions.parser.asl.eval.callback import callback as sfn_callback
from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend import execution_worker

from dms_waiters.definitions.errors import java_exception_name
from localcloud import DmsScenario, LocalCloud, VirtualClock, patches

SDK = "arn:aws:states:::aws-sdk:databasemigration:"
MISSING_TASK = "arn:aws:dms:us-east-1:123456789012:task:MISSING"


def machine(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A definition chaining ``states`` in order."""
    body: dict[str, Any] = {}
    for i, (name, state) in enumerate(states):
        state = dict(state)
        if i + 1 < len(states):
            state["Next"] = states[i + 1][0]
        elif state["Type"] not in ("Fail", "Succeed"):
            state["End"] = True
        body[name] = state
    return {"StartAt": states[0][0], "States": body}


def wait(seconds: int) -> tuple[str, dict[str, Any]]:
    return ("Wait", {"Type": "Wait", "Seconds": seconds})


def describe_task(arn: str) -> tuple[str, dict[str, Any]]:
    return (
        "Describe",
        {
            "Type": "Task",
            "Resource": SDK + "describeReplicationTasks",
            "Parameters": {"Filters": [{"Name": "replication-task-arn", "Values": [arn]}]},
        },
    )


def start_missing_task(retry: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": SDK + "startReplicationTask",
        "Parameters": {
            "ReplicationTaskArn": MISSING_TASK,
            "StartReplicationTaskType": "start-replication",
        },
    }
    if retry:
        state["Retry"] = [retry]
    return ("Start", state)


def test_every_patch_installs_and_reverts_cleanly() -> None:
    # Installing raises AttributeError naming the patch if moto moved what it replaces.
    originals = {
        "wait": wait_function.WaitFunction._wait_interval,
        "logic": execution_worker.ExecutionWorker._execution_logic,
        "to_dict": dms_models.FakeReplicationTask.to_dict,
        "parse": json_path.parse,
        "lambda": lambda_models.LambdaFunction._invoke_lambda,
        "lambda_init": lambda_models.LambdaFunction.__init__,
        "lambda_config": lambda_models.LambdaFunction.get_configuration,
        "lambda_invoke": lambda_models.LambdaFunction.invoke,
        "stubber": type(botocore_stubber).__call__,
        "targets": events_models.Rule.send_to_targets,
        "put_rule": events_models.EventsBackend.put_rule,
        "unix_time": events_models.unix_time,
        "token": state_task_service_callback.StateTaskServiceCallback._eval_wait_for_task_token,
        "notify": sfn_callback.CallbackEndpoint.notify,
        "set_error": sfn_environment.Environment.set_error,
        "send_task_failure": sfn_responses.StepFunctionResponse.send_task_failure,
    }
    assert patches.applied() == []
    clock = VirtualClock()
    try:
        patches.apply_all(clock)
        first = wait_function.WaitFunction._wait_interval
        patches.apply_all(clock)  # idempotent: nothing is wrapped twice
        assert wait_function.WaitFunction._wait_interval is first
        assert patches.applied() == [name for name, _ in patches.iter_patches()]
        assert first.__localcloud_patch__ == "virtual_wait_states"
    finally:
        patches.revert_all()
    assert patches.applied() == []
    assert wait_function.WaitFunction._wait_interval is originals["wait"]
    assert execution_worker.ExecutionWorker._execution_logic is originals["logic"]
    assert dms_models.FakeReplicationTask.to_dict is originals["to_dict"]
    assert json_path.parse is originals["parse"]
    assert lambda_models.LambdaFunction._invoke_lambda is originals["lambda"]
    assert lambda_models.LambdaFunction.__init__ is originals["lambda_init"]
    assert lambda_models.LambdaFunction.get_configuration is originals["lambda_config"]
    assert lambda_models.LambdaFunction.invoke is originals["lambda_invoke"]
    assert type(botocore_stubber).__call__ is originals["stubber"]
    assert events_models.Rule.send_to_targets is originals["targets"]
    assert events_models.EventsBackend.put_rule is originals["put_rule"]
    assert events_models.unix_time is originals["unix_time"]
    assert (
        state_task_service_callback.StateTaskServiceCallback._eval_wait_for_task_token
        is originals["token"]
    )
    assert sfn_callback.CallbackEndpoint.notify is originals["notify"]
    assert sfn_environment.Environment.set_error is originals["set_error"]
    assert sfn_responses.StepFunctionResponse.send_task_failure is originals["send_task_failure"]
    assert execute_state.threading is threading
    assert patches.active_lambda_runtime() is None
    assert patches.active_durable() is None
    assert "databasemigration" not in state_task_service_aws_sdk._SERVICE_ERROR_NAMES


def test_every_patch_documents_aws_moto_and_the_change() -> None:
    for name, fn in patches.iter_patches():
        doc = inspect.getdoc(fn) or ""
        assert "AWS:" in doc and "moto:" in doc and "Patch:" in doc, name


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
    assert cloud.clock.slept(patches.SLEEP_WAIT_STATE) == 3600


# -- c. virtual_retry_backoff ----------------------------------------------------------------


def test_retry_backoff_costs_no_real_time(cloud: LocalCloud) -> None:
    retry = {
        "ErrorEquals": ["States.ALL"],
        "IntervalSeconds": 100,
        "BackoffRate": 2.0,
        "MaxAttempts": 3,
        "JitterStrategy": "NONE",
    }
    sm = cloud.create_state_machine("retry", machine(start_missing_task(retry)))
    started = time.monotonic()
    # Without the patch moto really sleeps 100 s: the short real timeout turns that into a failure.
    result = cloud.run_execution(sm, real_timeout=10)
    assert time.monotonic() - started < 2.0
    assert result.status == "FAILED"
    assert len(result.events("TaskFailed")) == 4  # the first attempt and 3 retries
    assert cloud.clock.slept(patches.SLEEP_RETRY) == 100 + 200 + 400
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
    assert cloud.clock.slept(patches.SLEEP_WAIT_STATE) == 100.0


# -- e. aws_sdk_timestamps -------------------------------------------------------------------


def test_aws_timestamp_renders_like_aws() -> None:
    assert patches.aws_timestamp(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"
    assert (
        patches.aws_timestamp(datetime(2026, 1, 1, 0, 5, 0, 250000, tzinfo=UTC))
        == "2026-01-01T00:05:00.250Z"
    )
    assert (
        patches.aws_timestamp(datetime(2026, 1, 1, 0, 0, 0, 123, tzinfo=UTC))
        == "2026-01-01T00:00:00.000123Z"
    )
    assert patches.aws_timestamp(datetime(2026, 1, 1, 12)) == "2026-01-01T12:00:00Z"  # naive=UTC
    assert patches.aws_timestamp(date(2026, 1, 2)) == "2026-01-02"


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
    retry = {
        "ErrorEquals": ["States.ALL"],
        "IntervalSeconds": 100,
        "BackoffRate": 2.0,
        "MaxAttempts": 3,
        "JitterStrategy": "FULL",
    }
    with LocalCloud(seed=seed) as cloud:
        sm = cloud.create_state_machine("jitter", machine(start_missing_task(retry)))
        cloud.run_execution(sm)
        return cloud.clock.slept(patches.SLEEP_RETRY)


def test_full_jitter_is_reproducible_with_a_seed() -> None:
    first = _jittered_retry_seconds(seed=7)
    assert 0 <= first <= 700
    assert first not in (0, 700)  # jitter was applied
    assert _jittered_retry_seconds(seed=7) == first


# -- h. dms_start_task_type ------------------------------------------------------------------


def test_start_replication_task_type_reaches_the_backend(cloud: LocalCloud) -> None:
    client = cloud.client("dms")
    plain = client.create_replication_task(
        ReplicationTaskIdentifier="plain",
        SourceEndpointArn="arn:aws:dms:us-east-1:123456789012:endpoint:S",
        TargetEndpointArn="arn:aws:dms:us-east-1:123456789012:endpoint:T",
        ReplicationInstanceArn="arn:aws:dms:us-east-1:123456789012:rep:R",
        MigrationType="full-load",
        TableMappings="{}",
    )["ReplicationTask"]["ReplicationTaskArn"]
    client.start_replication_task(
        ReplicationTaskArn=plain, StartReplicationTaskType="resume-processing"
    )
    backend = dms_models.dms_backends[cloud.account_id][cloud.region]
    assert backend.replication_tasks[plain].last_start_type == "resume-processing"
    simulated = cloud.create_replication_task("sim", DmsScenario())
    client.start_replication_task(
        ReplicationTaskArn=simulated, StartReplicationTaskType="reload-target"
    )
    assert cloud.replication_task(simulated).start_types == [(0.0, "reload-target")]


# -- i. dms_simulated_tasks ------------------------------------------------------------------


def test_describe_reports_the_simulated_state(cloud: LocalCloud) -> None:
    arn = cloud.create_replication_task("sim", DmsScenario(run_seconds=50, final_status="failed"))
    client = cloud.client("dms")
    client.start_replication_task(
        ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
    )
    cloud.clock.advance(100)
    (task,) = client.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": ["sim"]}]
    )["ReplicationTasks"]
    assert task["Status"] == "failed"  # moto alone says "running"
    assert task["StopReason"] == "Stop Reason FATAL_ERROR"
    assert task["LastFailureMessage"]


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
        with pytest.raises(patches.NetworkAccessError, match="refusing a real AWS request"):
            stale.describe_replication_tasks()


# -- l. lambda_in_process --------------------------------------------------------------------


def test_lambda_in_process_replaces_moto_s_docker_runner(cloud: LocalCloud) -> None:
    cls = lambda_models.LambdaFunction
    assert cls._invoke_lambda.__localcloud_patch__ == "lambda_in_process"
    # Under lambda_durable_invocations, which wraps it (functools.wraps).
    assert cls.invoke.__localcloud_patch__ == "lambda_durable_invocations"
    assert inspect.unwrap(cls.invoke).__localcloud_patch__ == "lambda_in_process"
    # Internal callers (event source mappings...) call these with moto's signatures.
    assert list(inspect.signature(cls._invoke_lambda).parameters) == ["self", "event"]
    assert list(inspect.signature(cls.invoke).parameters) == [
        "self",
        "body",
        "request_headers",
        "response_headers",
    ]
    cloud.create_function("f", {"app.py": "def handler(e, c): return {'got': e}"})
    fn = lambda_models.lambda_backends[cloud.account_id][cloud.region].get_function("f")
    # The model attributes the runtime reads.
    for attr in (
        "function_name", "version", "function_arn", "handler", "run_time", "code_bytes",
        "code_sha_256", "environment_vars", "timeout", "memory_size", "region",
        "logs_backend", "logs_group_name", "package_type", "event_invoke_config",
    ):  # fmt: skip
        assert hasattr(fn, attr), attr
    # moto's own callers (e.g. SQS event source mappings) go through _invoke_lambda.
    payload, errored, logs = fn._invoke_lambda(event={"n": 1})
    assert (json.loads(payload), errored) == ({"got": {"n": 1}}, False)
    assert "START RequestId" in logs
    # Step Functions turns a FunctionError payload into its errorType (what Catch matches on).
    source = inspect.getsource(state_task_service_lambda.StateTaskServiceLambda._from_error)
    assert 'cause_object["errorType"]' in source


# -- l2. lambda_durable_config, lambda_durable_invocations, lambda_durable_api -----------------
# Their behaviour is tested in test_durable.py; here, the moto internals they rely on.


def test_durable_patches_rely_on_these_moto_internals(cloud: LocalCloud) -> None:
    cls = lambda_models.LambdaFunction
    assert cls.__init__.__localcloud_patch__ == "lambda_durable_config"
    assert cls.get_configuration.__localcloud_patch__ == "lambda_durable_config"
    # The request spec (CreateFunction's parameters, DurableConfig included) reaches __init__.
    assert "spec" in inspect.signature(inspect.unwrap(cls.__init__)).parameters
    # Published versions are copies of the function object: they keep durable_config.
    assert "copy.copy(" in inspect.getsource(lambda_models.LambdaStorage.publish_version)
    # The request counter wraps the durable API patch (so durable calls are counted), which
    # wraps moto's stubber (whose signature it keeps).
    stubber = type(botocore_stubber)
    assert stubber.__call__.__localcloud_patch__ == "api_call_metrics"
    durable_api = inspect.getclosurevars(stubber.__call__).nonlocals["original"]
    assert durable_api.__localcloud_patch__ == "lambda_durable_api"
    assert list(inspect.signature(inspect.unwrap(durable_api)).parameters)[:3] == [
        "self",
        "event_name",
        "request",
    ]
    # moto answers the durable APIs with a 404 of its own without the patch.
    from moto.core.botocore_stubber import MockRawResponse

    assert MockRawResponse(b"{}").read() == b"{}"


# -- m. eventbridge_lambda_targets -----------------------------------------------------------


def test_eventbridge_lambda_targets_wraps_send_to_targets(cloud: LocalCloud) -> None:
    # Under schedule_rules_match_no_events, which wraps it (functools.wraps).
    send = inspect.unwrap(events_models.Rule.send_to_targets)
    assert send.__localcloud_patch__ == "eventbridge_lambda_targets"
    assert list(inspect.signature(send).parameters) == [
        "self",
        "original_event",
        "transform_input",
    ]
    events = cloud.client("events")
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["x"]}))
    backend = events_models.events_backends[cloud.account_id][cloud.region]
    rule = backend.describe_rule("r", None)
    for attr in ("state", "targets", "arn", "event_pattern", "account_id", "region_name"):
        assert hasattr(rule, attr), attr
    assert rule.event_pattern.matches_event({"source": "x", "detail": {}})
    # moto's put_events still hands each rule moto's internal event message: time in unix seconds.
    assert "ingestion-time" in inspect.getsource(events_models.EventsBackend.put_events)


# -- n. eventbridge_schedules ----------------------------------------------------------------


def test_eventbridge_schedules_wrap_the_rule_lifecycle(cloud: LocalCloud) -> None:
    cls = events_models.EventsBackend
    for name in ("put_rule", "enable_rule", "disable_rule", "delete_rule"):
        assert getattr(cls, name).__localcloud_patch__ == "eventbridge_schedules", name
    # The wrapper reads these arguments by name (the signature is moto's, through __wrapped__).
    assert {"name", "event_bus_arn", "scheduled_expression"} <= set(
        inspect.signature(cls.put_rule).parameters
    )
    cloud.client("events").put_rule(Name="tick", ScheduleExpression="rate(1 hour)")
    backend = events_models.events_backends[cloud.account_id][cloud.region]
    rule = backend.event_buses["default"].rules["tick"]
    assert (rule.scheduled_expression, rule.state) == ("rate(1 hour)", "ENABLED")
    assert backend._normalize_event_bus_arn(None) == "default"
    assert patches.active_schedules().armed() == ["tick"]  # type: ignore[union-attr]
    assert cloud.clock.pending() == (0, 1)


def test_a_schedule_only_rule_gets_its_schedule_and_no_bus_events(cloud: LocalCloud) -> None:
    rule_cls = events_models.Rule
    assert rule_cls.send_to_targets.__localcloud_patch__ == "schedule_rules_match_no_events"
    events, sqs = cloud.client("events"), cloud.client("sqs")
    queue_url = sqs.create_queue(QueueName="ticks")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)")
    events.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": queue_arn}])
    events.put_events(
        Entries=[{"Source": "aws.dms", "DetailType": "DMS Replication Task State Change",
                  "Detail": "{}"}]
    )  # fmt: skip
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    cloud.clock.advance(300)
    [message] = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(message["Body"])["detail-type"] == "Scheduled Event"
    # moto matches every event against an empty pattern: what the patch corrects.
    assert events_models.EventPattern.load(None).matches_event({"source": "aws.dms"})


# -- o. virtual_event_time -------------------------------------------------------------------


def test_event_times_follow_the_virtual_clock(cloud: LocalCloud) -> None:
    assert events_models.unix_time.__localcloud_patch__ == "virtual_event_time"
    cloud.clock.advance(3600)
    assert events_models.unix_time() == datetime(2026, 1, 1, 1, tzinfo=UTC).timestamp()
    assert events_models.unix_time(datetime(2020, 1, 1)) != events_models.unix_time()


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


def test_api_calls_are_counted_per_service_and_operation(cloud: LocalCloud) -> None:
    # The stubber class must still be where the patch wraps it, or nothing is counted.
    assert "api_call_metrics" in patches.applied()
    ddb = cloud.client("dynamodb")
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(3):
        ddb.put_item(TableName="t", Item={"k": {"S": str(i)}})
    ddb.get_item(TableName="t", Key={"k": {"S": "1"}})
    calls = cloud.api_calls()
    assert calls[("dynamodb", "PutItem")] == 3
    assert calls[("dynamodb", "GetItem")] == 1
    assert calls[("dynamodb", "CreateTable")] == 1


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
