"""The patch registry: every patch installs, reverts and is documented; request counting."""

from __future__ import annotations

import threading

from moto.awslambda import models as lambda_models
from moto.core.models import botocore_stubber
from moto.dms import models as dms_models
from moto.events import models as events_models
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_aws_sdk,
    state_task_service_callback,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval import environment as sfn_environment
from moto.stepfunctions.parser.asl.eval.callback import callback as sfn_callback
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend import execution_worker

from localcloud import LocalCloud, VirtualClock, patches
from localcloud.active import active_durable, active_lambda_runtime


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
        "lambda_update": lambda_models.LambdaFunction.update_configuration,
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
        assert patches.applied() == [p.name for p in patches.iter_patches()]
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
    assert lambda_models.LambdaFunction.update_configuration is originals["lambda_update"]
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
    assert active_lambda_runtime() is None
    assert active_durable() is None
    assert "databasemigration" not in state_task_service_aws_sdk._SERVICE_ERROR_NAMES


def test_every_patch_documents_aws_moto_and_the_change() -> None:
    for p in patches.iter_patches():
        assert "AWS:" in p.doc and "moto:" in p.doc and "Patch:" in p.doc, p.name


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
