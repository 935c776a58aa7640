"""Durable functions in the local cloud: the three patches, the service and its virtual time.

Small durable handlers (the real durable SDK, shipped in a test function's zip) are invoked
through boto3 exactly as a caller would; their checkpoints and callbacks go through boto3 too.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import botocore.session  # type: ignore[import-untyped]
import pytest
from aws_durable_execution_sdk_python.lambda_service import OperationType
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.invoker import LambdaInvoker
from aws_durable_execution_sdk_python_testing.scheduler import Scheduler
from aws_durable_execution_sdk_python_testing.web.routes import Router
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from moto.awslambda import models as lambda_models

from localcloud import LocalCloud, VirtualClock
from localcloud.active import ACTIVE, active_durable
from localcloud.awslambda.durable import SYNC_INVOCATION_LIMIT_SECONDS, TESTING_SDK_VERSION
from localcloud.awslambda.durable_api import DURABLE_API_OPERATIONS
from localcloud.awslambda.durable_time import VirtualScheduler

DAY = 24 * 3600
DURABLE = {"ExecutionTimeout": 30 * DAY, "RetentionPeriodInDays": 7}

HEADER = """
import json
from aws_durable_execution_sdk_python import durable_execution, DurableContext
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig
"""

#: step, a wait of ``WAIT`` seconds (event key, default one day), step.
WAITING = (
    HEADER
    + """
@durable_execution
def handler(event, context: DurableContext):
    first = context.step(lambda _: 1, name="first")
    context.wait(Duration.from_seconds(event.get("wait", 86400)), name="pause")
    second = context.step(lambda _: 2, name="second")
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"sum": first + second, "event": event}
"""
)

#: wait_for_callback with a timeout and a heartbeat timeout from the event.
CALLBACK = (
    HEADER
    + """
@durable_execution
def handler(event, context: DurableContext):
    config = WaitForCallbackConfig(
        timeout=Duration.from_seconds(event["timeout"]),
        heartbeat_timeout=Duration.from_seconds(event.get("heartbeat", 0)),
    )
    result = context.wait_for_callback(lambda callback_id, ctx: None, name="hub", config=config)
    return {"got": json.loads(result)}
"""
)


def deploy(cloud: LocalCloud, source: str, name: str = "waiter") -> str:
    """A durable function with version 1 and an alias ``live``; the alias ARN."""
    arn = cloud.create_function(name, {"app.py": source}, durable_config=DURABLE, publish=True)
    alias = cloud.client("lambda").create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert alias["AliasArn"] == f"{arn}:live"
    return f"{arn}:live"


def callback_id(cloud: LocalCloud, execution_arn: str) -> str | None:
    """The id of the execution's open callback, once it has one."""
    for operation in cloud.durable.execution(execution_arn).operations:
        if operation.operation_type is OperationType.CALLBACK and operation.callback_details:
            return str(operation.callback_details.callback_id)
    return None


def wait_for_callback_id(cloud: LocalCloud, execution_arn: str) -> str:
    cloud.clock.run_until(lambda: callback_id(cloud, execution_arn) is not None)
    found = callback_id(cloud, execution_arn)
    assert found is not None
    return found


def error_code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])


# -- what the service relies on ------------------------------------------------------------------


def test_the_testing_sdk_internals_the_service_relies_on() -> None:
    # Exactly the pinned version (localcloud/durable.py says why).
    assert importlib.metadata.version("aws-durable-execution-sdk-python-testing") == (
        TESTING_SDK_VERSION
    )
    assert callable(Executor._complete_events)
    assert {"execution_arn"} <= set(inspect.signature(Executor._complete_events).parameters)
    assert list(inspect.signature(Scheduler.call_later).parameters) == [
        "self",
        "func",
        "delay",
        "count",
        "completion_event",
    ]
    assert callable(LambdaInvoker.create_invocation_input)
    # The history seam (durable_history): the executor's crash path and history reader, and the
    # execution fields the history is rebuilt from.
    assert list(inspect.signature(Executor._retry_after_error).parameters) == [
        "self",
        "execution_arn",
        "error",
    ]
    assert {"execution_arn", "include_execution_data", "reverse_order", "marker", "max_items"} <= (
        set(inspect.signature(Executor.get_execution_history).parameters)
    )
    assert {"start_timestamp", "end_timestamp", "request_id"} <= set(
        inspect.signature(Execution.record_invocation_completion).parameters
    )
    # Every durable API the patch answers has a route in the SDK's web front end, for the
    # request path botocore builds.
    model = botocore.session.get_session().get_service_model("lambda")
    router = Router()
    for operation in sorted(DURABLE_API_OPERATIONS):
        http = model.operation_model(operation).http
        path = http["requestUri"].split("?")[0]
        for label in ("{DurableExecutionArn}", "{CallbackId}", "{FunctionName}"):
            path = path.replace(label, "a%2Fb")
        route = router.find_route(path, http["method"])
        assert type(route).__name__.endswith("Route"), operation


def test_durable_config_is_kept_and_reported(cloud: LocalCloud) -> None:
    assert lambda_models.LambdaFunction.__init__.__localcloud_patch__ == "lambda_kept_config"
    lam = cloud.client("lambda")
    cloud.create_function("durable", {"app.py": WAITING}, durable_config=DURABLE, publish=True)
    cloud.create_function("plain", {"app.py": "def handler(e, c): return e"})
    assert lam.get_function_configuration(FunctionName="durable")["DurableConfig"] == DURABLE
    # A published version is durable too.
    assert lam.get_function_configuration(FunctionName="durable:1")["DurableConfig"] == DURABLE
    assert "DurableConfig" not in lam.get_function_configuration(FunctionName="plain")


def test_durable_config_fields_change_and_published_versions_keep_theirs(
    cloud: LocalCloud,
) -> None:
    lam = cloud.client("lambda")
    cloud.create_function("durable", {"app.py": WAITING}, durable_config=DURABLE, publish=True)
    longer = {**DURABLE, "ExecutionTimeout": 2 * DURABLE["ExecutionTimeout"]}
    lam.update_function_configuration(FunctionName="durable", DurableConfig=longer)
    assert lam.publish_version(FunctionName="durable")["Version"] == "2"
    assert lam.get_function_configuration(FunctionName="durable:2")["DurableConfig"] == longer
    assert lam.get_function_configuration(FunctionName="durable:1")["DurableConfig"] == DURABLE


# -- starting executions -------------------------------------------------------------------------


def test_an_event_invocation_starts_an_execution_that_waits_on_the_virtual_clock(
    cloud: LocalCloud,
) -> None:
    target = deploy(cloud, WAITING)
    timeline: list[tuple[str, float]] = []
    cloud.clock.call_at(1800, lambda: timeline.append(("timer", cloud.clock.now())))
    started = time.monotonic()
    response = cloud.client("lambda").invoke(
        FunctionName=target, InvocationType="Event", Payload=b'{"n": 1}'
    )
    assert response["StatusCode"] == 202
    arn = response["DurableExecutionArn"]
    result = cloud.wait_for_durable_execution(arn)
    assert time.monotonic() - started < 10  # a day of waiting, in real seconds
    assert (result.status, result.output) == ("SUCCEEDED", {"sum": 3, "event": {"n": 1}})
    # The wait took exactly one virtual day, and other clock work ran during it.
    assert (result.started_at, result.ended_at) == (0.0, DAY)
    timeline += [("invocation", r.at or 0.0) for r in cloud.lambda_runtime.records]
    assert sorted(timeline, key=lambda item: item[1]) == [
        ("invocation", 0.0),
        ("timer", 1800.0),
        ("invocation", DAY),
    ]
    # Two invocations (the second a replay), three operations, checkpointed through boto3.
    assert (result.invocations, result.operations) == (2, 3)
    assert cloud.lambda_invocations("waiter") == 2
    assert cloud.api_calls()[("lambda", "CheckpointDurableExecution")] >= 2
    assert result.version == "1"
    assert result.function_arn.endswith(":function:waiter")
    assert cloud.clock.busy_count == 0
    # The execution APIs answer with the same facts, stamped with virtual time.
    described = cloud.client("lambda").get_durable_execution(DurableExecutionArn=arn)
    assert described["Status"] == "SUCCEEDED"
    assert described["FunctionArn"] == f"{result.function_arn}:1"
    assert described["EndTimestamp"] - described["StartTimestamp"] == timedelta(days=1)
    assert described["StartTimestamp"] == cloud.clock.epoch


def test_a_durable_function_must_be_invoked_through_a_version_or_alias(cloud: LocalCloud) -> None:
    deploy(cloud, WAITING)
    lam = cloud.client("lambda")
    function_arn = lam.get_function(FunctionName="waiter")["Configuration"]["FunctionArn"]
    for unqualified in ("waiter", function_arn):
        with pytest.raises(ClientError) as caught:
            lam.invoke(FunctionName=unqualified, InvocationType="Event")
        assert error_code(caught.value) == "InvalidParameterValueException"
    assert cloud.durable.records() == []
    assert cloud.lambda_invocations() == 0


def test_latest_named_explicitly_is_a_qualified_invocation(cloud: LocalCloud) -> None:
    # AWS's durable functions quickstart invokes 'my-durable-function:$LATEST' (docs/aws-facts.md).
    deploy(cloud, WAITING)
    lam = cloud.client("lambda")
    function_arn = lam.get_function(FunctionName="waiter")["Configuration"]["FunctionArn"]
    by_qualifier = lam.invoke(FunctionName="waiter", Qualifier="$LATEST", Payload=b'{"wait": 60}')
    assert json.loads(by_qualifier["Payload"].read()) == {"sum": 3, "event": {"wait": 60}}
    assert by_qualifier["ExecutedVersion"] == "$LATEST"
    for name in ("waiter:$LATEST", f"{function_arn}:$LATEST"):
        started = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        assert started["StatusCode"] == 202
    assert [record.version for record in cloud.durable.records()] == ["$LATEST"] * 3


def test_an_execution_name_makes_the_start_idempotent(cloud: LocalCloud) -> None:
    target = deploy(cloud, WAITING)
    first = cloud.start_durable_execution(target, {"n": 1}, name="nightly")
    again = cloud.start_durable_execution(target, {"n": 1}, name="nightly")
    assert again == first
    with pytest.raises(ClientError) as caught:
        cloud.start_durable_execution(target, {"n": 2}, name="nightly")
    assert error_code(caught.value) == "DurableExecutionAlreadyStartedException"
    other = cloud.start_durable_execution(target, {"n": 1}, name="weekly")
    assert other != first
    assert [r.name for r in cloud.durable.records()] == ["nightly", "weekly"]
    # Even once it has ended, the name still designates the same execution.
    cloud.wait_for_durable_execution(first)
    assert cloud.start_durable_execution(target, {"n": 1}, name="nightly") == first
    assert len(cloud.durable.records()) == 2


def test_a_synchronous_invocation_waits_for_the_execution(cloud: LocalCloud) -> None:
    target = deploy(cloud, WAITING)
    lam = cloud.client("lambda")
    response = lam.invoke(FunctionName=target, Payload=json.dumps({"wait": 600}))
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"sum": 3, "event": {"wait": 600}}
    assert response["ExecutedVersion"] == "1"
    assert cloud.durable.is_done(response["DurableExecutionArn"])
    assert cloud.clock.now() == 600

    failed = lam.invoke(FunctionName=target, Payload=json.dumps({"wait": 60, "fail": True}))
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert error["errorType"].endswith("ValueError")
    assert error["errorMessage"] == "asked to fail"


def test_a_synchronous_invocation_gives_up_after_fifteen_minutes(cloud: LocalCloud) -> None:
    target = deploy(cloud, WAITING)
    response = cloud.client("lambda").invoke(FunctionName=target, Payload=b'{"wait": 3600}')
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "Sandbox.Timedout"
    assert cloud.clock.now() == SYNC_INVOCATION_LIMIT_SECONDS
    # The execution itself goes on.
    result = cloud.wait_for_durable_execution(response["DurableExecutionArn"])
    assert (result.status, result.ended_at) == ("SUCCEEDED", 3600)


def test_a_handler_that_cannot_load_is_retried_on_the_virtual_clock(cloud: LocalCloud) -> None:
    target = deploy(cloud, "raise ImportError('broken package')\n")
    result = cloud.run_durable_execution(target)
    # The service retries a failed invocation every 5 s, five attempts in all.
    assert result.status == "FAILED"
    assert "broken package" in (result.cause or "")
    assert result.ended_at == 20
    assert cloud.lambda_invocations("waiter") == 5


def test_the_handler_deadline_clock_is_virtual(cloud: LocalCloud) -> None:
    # A module exposing the durable waiter's seam (dms_waiters.lambdas.durable_waiter.clock)
    # reads virtual time inside the deployed function.
    files = {
        "dms_waiters/__init__.py": "",
        "dms_waiters/lambdas/__init__.py": "",
        "dms_waiters/lambdas/durable_waiter.py": "import time\nclock = time.time\n",
        "dms_waiters/lambdas/app.py": HEADER
        + """
from dms_waiters.lambdas import durable_waiter

@durable_execution
def handler(event, context: DurableContext):
    context.wait(Duration.from_seconds(7200), name="pause")
    return context.step(lambda _: durable_waiter.clock(), name="now")
""",
    }
    arn = cloud.create_function(
        "seam",
        files,
        handler="dms_waiters.lambdas.app.handler",
        durable_config=DURABLE,
        publish=True,
    )
    result = cloud.run_durable_execution(f"{arn}:1")
    assert result.output == cloud.clock.epoch.timestamp() + 7200


# -- callbacks ------------------------------------------------------------------------------------


def test_callbacks_are_completed_through_the_lambda_api(cloud: LocalCloud) -> None:
    target = deploy(cloud, CALLBACK)
    lam = cloud.client("lambda")
    arn = cloud.start_durable_execution(target, {"timeout": DAY})
    callback = wait_for_callback_id(cloud, arn)
    cloud.clock.advance(3600)
    lam.send_durable_execution_callback_success(CallbackId=callback, Result=b'{"ok": true}')
    result = cloud.wait_for_durable_execution(arn)
    assert (result.status, result.output, result.ended_at) == (
        "SUCCEEDED",
        {"got": {"ok": True}},
        3600,
    )
    assert cloud.api_calls()[("lambda", "SendDurableExecutionCallbackSuccess")] == 1
    # A closed callback: AWS's CallbackTimeoutException (lambdas/completion.py: already done).
    for send in (
        lambda: lam.send_durable_execution_callback_success(CallbackId=callback, Result=b"{}"),
        lambda: lam.send_durable_execution_callback_failure(CallbackId=callback, Error={}),
        lambda: lam.send_durable_execution_callback_heartbeat(CallbackId=callback),
    ):
        with pytest.raises(ClientError) as caught:
            send()
        assert error_code(caught.value) == "CallbackTimeoutException"
    # An id that names no callback at all.
    with pytest.raises(ClientError) as caught:
        lam.send_durable_execution_callback_success(CallbackId="bm90LWEtY2FsbGJhY2s=")
    assert error_code(caught.value) == "ResourceNotFoundException"


def test_a_callback_failure_fails_the_wait(cloud: LocalCloud) -> None:
    target = deploy(cloud, CALLBACK)
    arn = cloud.start_durable_execution(target, {"timeout": DAY})
    callback = wait_for_callback_id(cloud, arn)
    cloud.client("lambda").send_durable_execution_callback_failure(
        CallbackId=callback,
        Error={"ErrorType": "DmsTaskFailed", "ErrorMessage": "cause", "ErrorData": '{"a": 1}'},
    )
    result = cloud.wait_for_durable_execution(arn)
    assert result.status == "FAILED"
    # The durable SDK raises the completer's failure as CallbackExternalError (a CallbackError).
    assert result.error == "CallbackExternalError"
    assert result.cause == "cause"


@pytest.mark.parametrize(
    ("heartbeats", "ended_at", "closed"),
    [(False, 600, "callback timed out on heartbeat"), (True, 3600, "callback timed out")],
)
def test_callback_timeouts_are_virtual(
    cloud: LocalCloud, heartbeats: bool, ended_at: int, closed: str
) -> None:
    target = deploy(cloud, CALLBACK)
    lam = cloud.client("lambda")
    arn = cloud.start_durable_execution(target, {"timeout": 3600, "heartbeat": 600})
    callback = wait_for_callback_id(cloud, arn)
    if heartbeats:
        beat_at = 500.0
        while beat_at < 3600:
            cloud.clock.advance(beat_at - cloud.clock.now())
            lam.send_durable_execution_callback_heartbeat(CallbackId=callback)
            beat_at += 500
    started = time.monotonic()
    result = cloud.wait_for_durable_execution(arn)
    assert time.monotonic() - started < 10
    assert (result.status, result.ended_at) == ("FAILED", ended_at)
    assert result.error == "CallbackTimeoutError"
    assert (result.cause or "").lower() == closed


# -- the scheduler's work is tracked by the clock --------------------------------------------------


@pytest.fixture
def scheduler() -> Iterator[tuple[VirtualClock, VirtualScheduler]]:
    clock = VirtualClock()
    running = VirtualScheduler(clock)
    running.start()
    try:
        yield clock, running
    finally:
        running.stop()


def test_a_delayed_call_runs_at_its_virtual_time_and_holds_the_clock(
    scheduler: tuple[VirtualClock, VirtualScheduler],
) -> None:
    clock, running = scheduler
    seen: list[tuple[float, int]] = []
    proceed = threading.Event()

    def work() -> None:
        seen.append((clock.now(), clock.busy_count))
        proceed.wait(5)

    handle = running.call_later(work, delay=3600)
    assert clock.pending() == (0, 1)
    assert not handle.done()
    releaser = threading.Timer(0.2, proceed.set)
    releaser.start()
    clock.run_until(lambda: bool(seen))
    # It ran at 3600, and the driver saw no idle moment until it had ended (in real time).
    assert seen == [(3600.0, 1)]
    assert proceed.is_set()
    assert clock.busy_count == 0


def test_a_cancelled_call_neither_runs_nor_holds_the_clock(
    scheduler: tuple[VirtualClock, VirtualScheduler],
) -> None:
    clock, running = scheduler
    ran: list[str] = []
    handle = running.call_later(lambda: ran.append("late"), delay=60)
    assert handle.cancel()
    assert handle.done() and handle.cancelled()
    clock.advance(120)
    assert ran == []
    assert clock.busy_count == 0


def test_a_coroutine_keeps_the_clock_busy_until_it_ends_even_if_cancelled(
    scheduler: tuple[VirtualClock, VirtualScheduler],
) -> None:
    clock, running = scheduler
    started, finished = threading.Event(), threading.Event()

    async def work() -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.set()

    future = running.call_later(work)
    assert started.wait(5)
    future.cancel()  # the executor cancels its wake-up timer from inside that very call
    assert clock.busy_count == 1
    clock.run_until(lambda: True)  # waits until nothing is busy
    assert finished.is_set()
    assert clock.busy_count == 0


def test_the_service_is_created_on_first_use_and_closed_with_the_cloud() -> None:
    with LocalCloud() as cloud:
        assert ACTIVE.durable is None
        service = cloud.durable
        assert active_durable() is service
    assert active_durable() is None
    assert service._scheduler.is_started() is False


def test_a_sync_invocation_from_a_participant_waits_idle(cloud: LocalCloud) -> None:
    # A participant (here a thread holding a busy unit, as a Step Functions execution does)
    # hands its unit back while it waits, so the driver can advance time to the end.
    target = deploy(cloud, WAITING)
    answers: list[Any] = []

    def participant() -> None:
        try:
            response = cloud.client("lambda").invoke(FunctionName=target, Payload=b'{"wait": 300}')
            answers.append(json.loads(response["Payload"].read()))
        finally:
            cloud.clock.exit()

    cloud.clock.enter()
    thread = threading.Thread(target=participant)
    thread.start()
    cloud.clock.run_until(lambda: bool(answers))
    thread.join(5)
    assert answers == [{"sum": 3, "event": {"wait": 300}}]
    assert cloud.clock.now() == 300


def test_the_execution_timeout_is_virtual(cloud: LocalCloud) -> None:
    arn = cloud.create_function(
        "short",
        {"app.py": WAITING},
        durable_config={"ExecutionTimeout": 3600, "RetentionPeriodInDays": 1},
        publish=True,
    )
    result = cloud.run_durable_execution(f"{arn}:1", {"wait": DAY})
    assert (result.status, result.ended_at) == ("TIMED_OUT", 3600)
    assert cloud.lambda_invocations("short") == 1


def test_a_synchronous_invocation_from_a_handler_is_refused(cloud: LocalCloud) -> None:
    target = deploy(cloud, WAITING)
    caller = """
import boto3, os
def handler(event, context):
    try:
        boto3.client("lambda").invoke(FunctionName=os.environ["TARGET"], Payload=b"{}")
    except Exception as exc:
        return exc.response["Error"]["Code"]
    return "invoked"
"""
    cloud.create_function("caller", {"app.py": caller}, environment={"TARGET": target})
    response = cloud.client("lambda").invoke(FunctionName="caller")
    assert json.loads(response["Payload"].read()) == "InvalidParameterValueException"
    assert cloud.durable.records() == []  # refused before anything started


def test_a_cloud_exits_promptly_with_an_execution_still_waiting() -> None:
    with LocalCloud() as cloud:
        target = deploy(cloud, WAITING)
        arn = cloud.start_durable_execution(target, {"wait": 365 * DAY})
        cloud.clock.advance(60)
        assert not cloud.durable.is_done(arn)
        service = cloud.durable
        started = time.monotonic()
    assert time.monotonic() - started < 5
    assert not service._scheduler.is_started()


def test_a_cloud_exits_promptly_while_a_durable_handler_runs(tmp_path: Path) -> None:
    # The handler is inside a step (real time) when the cloud exits: its next checkpoint is
    # answered with an error by the closing service, so it ends and the exit does not hang.
    slow = (
        HEADER
        + """
import os, pathlib, time

def slow_step(_):
    pathlib.Path(os.environ["MARK"]).touch()
    time.sleep(0.5)

@durable_execution
def handler(event, context: DurableContext):
    context.step(slow_step, name="slow")
    return context.step(lambda _: 2, name="next")
"""
    )
    mark = tmp_path / "inside-the-step"
    with LocalCloud() as cloud:
        arn = cloud.create_function(
            "slow",
            {"app.py": slow},
            environment={"MARK": str(mark)},
            durable_config=DURABLE,
            publish=True,
        )
        cloud.start_durable_execution(f"{arn}:1")
        deadline = time.monotonic() + 10
        while not mark.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert mark.exists()
        started = time.monotonic()
    assert time.monotonic() - started < 5
    assert active_durable() is None
