"""``lambdas.completion``: output/cause shapes, completers checked against botocore's models."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.stub import Stubber

from dms_waiters.lambdas import errors
from dms_waiters.lambdas.completion import (
    MAX_CAUSE_CHARS,
    DurableCompleter,
    StepFunctionsCompleter,
    TokenGone,
    completer_for,
    failure_cause,
    heartbeat_waiter,
    resume_waiter,
    success_output,
)
from dms_waiters.lambdas.waiter_store import Waiter
from tests.lambdas.conftest import Aws
from tests.lambdas.fakes import REGION, FakeLambda, FakeSfn

ARN = "arn:aws:dms:us-east-1:123456789012:task:COMPLETIONTEST"
# Callback ids are base64-like (the model's pattern); task tokens are opaque strings.
CALLBACK_ID = "ZXhlY3V0aW9uLWNhbGxiYWNrLWlk"
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAf/task-token"


@pytest.fixture(scope="module")
def lambda_client() -> Any:
    return boto3.client("lambda", region_name=REGION)


@pytest.fixture(scope="module")
def sfn_client() -> Any:
    return boto3.client("stepfunctions", region_name=REGION)


def test_error_classes_are_named_as_the_workflow_errors() -> None:
    classes = [
        errors.DmsInvalidInput,
        errors.DmsStartFailed,
        errors.DmsTaskNotFound,
        errors.DmsAlreadyWaiting,
        errors.DmsThrottled,
        errors.CallbackJobFailed,
        errors.CallbackInvalidInput,
        errors.CallbackThrottled,
    ]
    assert [cls.__name__ for cls in classes] == [cls.error_name for cls in classes]
    assert {cls.error_name for cls in classes} == {
        errors.ERROR_INVALID_INPUT,
        errors.ERROR_START_FAILED,
        errors.ERROR_TASK_NOT_FOUND,
        errors.ERROR_ALREADY_WAITING,
        errors.ERROR_THROTTLED,
        errors.ERROR_CALLBACK_JOB_FAILED,
        errors.ERROR_CALLBACK_INVALID_INPUT,
        errors.ERROR_CALLBACK_THROTTLED,
    }


def test_success_output_has_the_polling_shape_and_raw_values() -> None:
    task = {
        "Status": "stopped",
        "StopReason": "Stop Reason FULL_LOAD_ONLY_FINISHED",
        "ReplicationTaskStats": {"TablesLoaded": 3},
        "LastFailureMessage": "ignored",
    }
    assert success_output(ARN, task) == {
        "replication_task_arn": ARN,
        "status": "stopped",
        "stop_reason": "Stop Reason FULL_LOAD_ONLY_FINISHED",
        "stats": {"TablesLoaded": 3},
    }
    # Missing fields default like the polling workflow's JsonMerge defaults.
    assert success_output(ARN, {"Status": "stopped"})["stats"] == {}
    assert success_output(ARN, {"Status": "stopped"})["stop_reason"] == ""


def test_failure_cause_shape_and_truncation() -> None:
    cause = json.loads(failure_cause(ARN, {"Status": "failed", "StopReason": "Stop Reason X"}))
    assert cause == {
        "replication_task_arn": ARN,
        "status": "failed",
        "stop_reason": "Stop Reason X",
        "last_failure_message": "",
    }
    long = failure_cause(ARN, {"Status": "failed", "LastFailureMessage": '"\\' * 40_000})
    assert len(long) <= MAX_CAUSE_CHARS
    assert json.loads(long)["last_failure_message"].endswith("[truncated]")
    assert json.loads(failure_cause(ARN, None, "gone")) == {
        "replication_task_arn": ARN,
        "status": "",
        "stop_reason": "",
        "last_failure_message": "gone",
    }


# -- completers against botocore's service models (Stubber validates every parameter) --------


def test_durable_completer_success_params(lambda_client: Any) -> None:
    with Stubber(lambda_client) as stub:
        stub.add_response(
            "send_durable_execution_callback_success",
            {},
            {"CallbackId": CALLBACK_ID, "Result": b'{"a": 1}'},
        )
        DurableCompleter(lambda_client).succeed(CALLBACK_ID, '{"a": 1}')
        stub.assert_no_pending_responses()


def test_durable_completer_failure_params(lambda_client: Any) -> None:
    cause = failure_cause(ARN, {"Status": "failed", "LastFailureMessage": "boom"})
    expected_error = {
        "ErrorType": "DmsTaskFailed",
        "ErrorMessage": cause,
        "ErrorData": json.dumps({"error": "DmsTaskFailed", "cause": json.loads(cause)}),
    }
    with Stubber(lambda_client) as stub:
        stub.add_response(
            "send_durable_execution_callback_failure",
            {},
            {"CallbackId": CALLBACK_ID, "Error": expected_error},
        )
        DurableCompleter(lambda_client).fail(CALLBACK_ID, "DmsTaskFailed", cause)
        stub.assert_no_pending_responses()


def test_durable_completer_heartbeat_params(lambda_client: Any) -> None:
    with Stubber(lambda_client) as stub:
        stub.add_response(
            "send_durable_execution_callback_heartbeat", {}, {"CallbackId": CALLBACK_ID}
        )
        DurableCompleter(lambda_client).heartbeat(CALLBACK_ID)
        stub.assert_no_pending_responses()


def test_stubber_would_reject_wrong_parameter_names(lambda_client: Any) -> None:
    # Proves the tests above check something: botocore refuses a misspelt parameter.
    with Stubber(lambda_client) as stub, pytest.raises(ParamValidationError):
        stub.add_response("send_durable_execution_callback_success", {})
        lambda_client.send_durable_execution_callback_success(CallbackID=CALLBACK_ID)


@pytest.mark.parametrize("code", ["CallbackTimeoutException", "ResourceNotFoundException"])
@pytest.mark.parametrize("method", ["succeed", "fail", "heartbeat"])
def test_durable_closed_callback_is_token_gone(lambda_client: Any, code: str, method: str) -> None:
    operation = {
        "succeed": "send_durable_execution_callback_success",
        "fail": "send_durable_execution_callback_failure",
        "heartbeat": "send_durable_execution_callback_heartbeat",
    }[method]
    completer = DurableCompleter(lambda_client)
    args = {
        "succeed": (CALLBACK_ID, "{}"),
        "fail": (CALLBACK_ID, "DmsTaskFailed", "{}"),
        "heartbeat": (CALLBACK_ID,),
    }[method]
    with Stubber(lambda_client) as stub:
        # The error must be one the operation's model declares.
        stub.add_client_error(operation, service_error_code=code, http_status_code=400)
        with pytest.raises(TokenGone) as caught:
            getattr(completer, method)(*args)
    assert caught.value.code == code


def test_durable_throttling_is_raised(lambda_client: Any) -> None:
    with Stubber(lambda_client) as stub:
        stub.add_client_error(
            "send_durable_execution_callback_success",
            service_error_code="TooManyRequestsException",
            http_status_code=429,
        )
        with pytest.raises(ClientError):
            DurableCompleter(lambda_client).succeed(CALLBACK_ID, "{}")


def test_step_functions_completer_params(sfn_client: Any) -> None:
    completer = StepFunctionsCompleter(sfn_client)
    with Stubber(sfn_client) as stub:
        stub.add_response("send_task_success", {}, {"taskToken": TOKEN, "output": "{}"})
        stub.add_response(
            "send_task_failure", {}, {"taskToken": TOKEN, "error": "DmsTaskStopped", "cause": "{}"}
        )
        stub.add_response("send_task_heartbeat", {}, {"taskToken": TOKEN})
        completer.succeed(TOKEN, "{}")
        completer.fail(TOKEN, "DmsTaskStopped", "{}")
        completer.heartbeat(TOKEN)
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_step_functions_finished_task_is_token_gone(sfn_client: Any, code: str) -> None:
    with Stubber(sfn_client) as stub:
        stub.add_client_error("send_task_success", service_error_code=code)
        with pytest.raises(TokenGone):
            StepFunctionsCompleter(sfn_client).succeed(TOKEN, "{}")


def test_step_functions_other_errors_are_raised(sfn_client: Any) -> None:
    with Stubber(sfn_client) as stub:
        stub.add_client_error("send_task_failure", service_error_code="ThrottlingException")
        with pytest.raises(ClientError):
            StepFunctionsCompleter(sfn_client).fail(TOKEN, "DmsTaskFailed", "{}")


def test_completer_for_kinds() -> None:
    assert isinstance(completer_for("sfn"), StepFunctionsCompleter)
    assert isinstance(completer_for("durable"), DurableCompleter)
    with pytest.raises(ValueError, match="unknown waiter kind"):
        completer_for("http")


# -- resume_waiter: the one completion path ---------------------------------------------------


def _waiter(aws: Aws, kind: str = "sfn", reasons: tuple[str, ...] = ()) -> Waiter:
    return aws.store.register(ARN, kind, CALLBACK_ID, reasons, 3600, "orders")


def test_resume_waiting_does_nothing(aws: Aws) -> None:
    waiter = _waiter(aws)
    sfn = FakeSfn()
    outcome = resume_waiter(
        waiter, {"Status": "running"}, store=aws.store, completer=StepFunctionsCompleter(sfn)
    )
    assert outcome == "waiting"
    assert sfn.calls == []
    assert aws.store.get(ARN) == waiter


def test_resume_success_serialises_datetimes_and_deletes(aws: Aws) -> None:
    waiter = _waiter(aws)
    sfn = FakeSfn()
    when = datetime(2026, 1, 1, 0, 10, tzinfo=UTC)
    task = {
        "Status": "stopped",
        "StopReason": "Stop Reason FULL_LOAD_ONLY_FINISHED",
        "ReplicationTaskStats": {"StopDate": when, "TablesLoaded": 2},
    }
    outcome = resume_waiter(waiter, task, store=aws.store, completer=StepFunctionsCompleter(sfn))
    assert outcome == "succeeded"
    [(method, kwargs)] = sfn.calls
    assert method == "send_task_success"
    assert json.loads(kwargs["output"])["stats"] == {
        "StopDate": "2026-01-01T00:10:00+00:00",
        "TablesLoaded": 2,
    }
    assert aws.store.get(ARN) is None


def test_resume_uses_the_waiters_success_reasons(aws: Aws) -> None:
    task = {"Status": "stopped", "StopReason": "Stop Reason NORMAL"}
    sfn = FakeSfn()
    assert (
        resume_waiter(
            _waiter(aws, reasons=("NORMAL",)),
            task,
            store=aws.store,
            completer=StepFunctionsCompleter(sfn),
        )
        == "succeeded"
    )
    assert (
        resume_waiter(_waiter(aws), task, store=aws.store, completer=StepFunctionsCompleter(sfn))
        == "stopped"
    )
    assert sfn.methods() == ["send_task_success", "send_task_failure"]
    assert sfn.calls[1][1]["error"] == errors.ERROR_TASK_STOPPED


def test_resume_unknown_task_fails_with_task_not_found(aws: Aws) -> None:
    fake = FakeLambda()
    outcome = resume_waiter(
        _waiter(aws, kind="durable"), None, store=aws.store, completer=DurableCompleter(fake)
    )
    assert outcome == "not_found"
    [(method, kwargs)] = fake.calls
    assert method == "send_durable_execution_callback_failure"
    assert kwargs["Error"]["ErrorType"] == errors.ERROR_TASK_NOT_FOUND
    assert json.loads(kwargs["Error"]["ErrorData"])["error"] == errors.ERROR_TASK_NOT_FOUND
    assert aws.store.get(ARN) is None


def test_resume_already_done_deletes_and_does_not_raise(aws: Aws) -> None:
    fake = FakeLambda()
    fake.errors["send_durable_execution_callback_failure"] = "CallbackTimeoutException"
    outcome = resume_waiter(
        _waiter(aws, kind="durable"),
        {"Status": "failed"},
        store=aws.store,
        completer=DurableCompleter(fake),
    )
    assert outcome == "already_done"
    assert aws.store.get(ARN) is None


def test_resume_transient_error_keeps_the_waiter(aws: Aws) -> None:
    sfn = FakeSfn()
    sfn.errors["send_task_success"] = "ThrottlingException"
    waiter = _waiter(aws)
    with pytest.raises(ClientError):
        resume_waiter(
            waiter,
            {"Status": "stopped", "StopReason": "FULL_LOAD_ONLY_FINISHED"},
            store=aws.store,
            completer=StepFunctionsCompleter(sfn),
        )
    assert aws.store.get(ARN) == waiter


def test_heartbeat_token_gone_deletes(aws: Aws) -> None:
    sfn = FakeSfn()
    waiter = _waiter(aws)
    assert waiter.heartbeat_at is None
    before = int(time.time())
    assert heartbeat_waiter(waiter, store=aws.store, completer=StepFunctionsCompleter(sfn)) == (
        "heartbeat"
    )
    # The waiter notes when (for dms-waiters waits), and is otherwise unchanged.
    stored = aws.store.get(ARN)
    assert stored is not None and stored.heartbeat_at is not None
    assert before <= stored.heartbeat_at <= time.time()
    assert dataclasses.replace(stored, heartbeat_at=None) == waiter
    sfn.errors["send_task_heartbeat"] = "TaskTimedOut"
    assert heartbeat_waiter(waiter, store=aws.store, completer=StepFunctionsCompleter(sfn)) == (
        "already_done"
    )
    assert aws.store.get(ARN) is None


@pytest.mark.parametrize("size", [32_700, 32_767, 32_800, 40_000])
@pytest.mark.parametrize("char", ["a", '"', "\u00e9", "\x01"])
def test_cause_always_fits_step_functions(size: int, char: str) -> None:
    cause = failure_cause(ARN, {"Status": "failed", "LastFailureMessage": char * size})
    assert len(cause) <= MAX_CAUSE_CHARS
    message = json.loads(cause)["last_failure_message"]
    assert message.startswith(char)
