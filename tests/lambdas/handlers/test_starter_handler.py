"""The starter handler: register the waiter first, then start; clean up on
failure."""

from __future__ import annotations

import time
from typing import Any

import pytest

from dms_waiters.lambdas import aws_clients, errors
from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas import dms_status as dms
from dms_waiters.lambdas.errors import HandlerError
from dms_waiters.lambdas.handlers import starter
from tests.lambdas.conftest import TABLE, Aws
from tests.lambdas.fakes import Recorder, client_error, only, owner

TOKEN = "task-token-1"
MISSING_ARN = "arn:aws:dms:us-east-1:123456789012:task:DOESNOTEXIST"


@pytest.fixture
def env(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        c.ENV_REPLICATION_TASK_ARN: aws.task_arn,
        c.ENV_START_TYPE: "start-replication",
        c.ENV_SUCCESS_STOP_REASONS: "FULL_LOAD_ONLY_FINISHED,Stop Reason NORMAL",
        c.ENV_WAITER_TTL_SECONDS: "7200",
        c.ENV_WAITER_TABLE: TABLE,
        c.ENV_WORKFLOW_NAME: "orders-callback",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def invoke(token: str = TOKEN, **extra: Any) -> dict[str, Any]:
    return starter.handler({"token": token, "execution": "exec-1", **extra}, None)


def task_status(aws: Aws) -> str:
    [task] = aws.dms.moto.describe_replication_tasks(
        Filters=[{"Name": "replication-task-arn", "Values": [aws.task_arn]}]
    )["ReplicationTasks"]
    status: str = task["Status"]
    return status


def test_registers_the_waiter_before_starting_the_task(aws: Aws, env: dict[str, str]) -> None:
    calls: list[tuple[str, str]] = []
    aws_clients.set_client("dynamodb", Recorder(aws.dynamodb, "dynamodb", calls))
    aws_clients.set_client("dms", Recorder(aws.dms, "dms", calls))
    before = int(time.time())
    result = invoke()
    assert result["result"] == "started"
    assert calls.index(("dynamodb", "put_item")) < calls.index(("dms", "start_replication_task"))
    assert calls[-1] == ("dynamodb", "update_item")  # started_at, after the start
    [start] = only(aws.dms.calls, "start_replication_task")
    assert start == {
        "ReplicationTaskArn": aws.task_arn,
        "StartReplicationTaskType": "start-replication",
    }
    assert task_status(aws) == "running"
    waiter = aws.store.get(aws.task_arn)
    assert waiter is not None
    assert owner(waiter) == ("sfn", TOKEN, "orders-callback", "exec-1")
    assert waiter.success_stop_reasons == ("FULL_LOAD_ONLY_FINISHED", "NORMAL")
    assert before <= waiter.created_at <= int(time.time())
    assert waiter.expires_at == waiter.created_at + 7200
    assert waiter.started_at is not None


def test_another_live_waiter_is_dms_already_waiting(aws: Aws, env: dict[str, str]) -> None:
    aws.store.register(aws.task_arn, "sfn", "other-token", [], 3600, "someone-else")
    with pytest.raises(HandlerError) as caught:
        invoke()
    assert type(caught.value).__name__ == "DmsAlreadyWaiting"
    assert aws.dms.calls == []  # never started
    waiter = aws.store.get(aws.task_arn)
    assert waiter is not None and waiter.token == "other-token"


def test_the_same_token_again_is_idempotent_and_starts_once(aws: Aws, env: dict[str, str]) -> None:
    assert invoke()["result"] == "started"
    first = aws.store.get(aws.task_arn)
    assert invoke()["result"] == "already_started"
    assert aws.dms.methods() == ["start_replication_task"]
    assert aws.store.get(aws.task_arn) == first


def test_a_retry_after_a_crash_before_the_start_starts_the_task(
    aws: Aws, env: dict[str, str]
) -> None:
    # The first attempt registered and died before StartReplicationTask: no started_at.
    aws.store.register(aws.task_arn, "sfn", TOKEN, [], 3600, "orders-callback")
    assert invoke()["result"] == "started"
    assert aws.dms.methods() == ["start_replication_task"]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("InvalidResourceStateFault", "DmsStartFailed"),
        ("AccessDeniedFault", "DmsStartFailed"),
        ("ResourceNotFoundFault", "DmsTaskNotFound"),
        ("ThrottlingException", "DmsThrottled"),
    ],
)
def test_a_failed_start_removes_the_waiter_and_raises_the_error_name(
    aws: Aws, env: dict[str, str], code: str, error: str
) -> None:
    aws.dms.start_error = code
    with pytest.raises(HandlerError) as caught:
        invoke()
    assert type(caught.value).__name__ == error == caught.value.error_name
    assert "Task is running" in str(caught.value)  # the DMS message is passed on
    assert aws.store.get(aws.task_arn) is None
    # The next execution can register (nothing stale blocks it).
    aws.dms.start_error = None
    assert invoke(token="token-2")["result"] == "started"


def test_a_missing_task_in_moto_is_dms_task_not_found(
    aws: Aws, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(c.ENV_REPLICATION_TASK_ARN, MISSING_ARN)
    with pytest.raises(HandlerError) as caught:
        invoke()
    assert type(caught.value).__name__ == "DmsTaskNotFound"
    assert aws.store.get(MISSING_ARN) is None


@pytest.mark.parametrize(
    "payload",
    [
        {"token": TOKEN, "start_type": "restart"},
        {"token": TOKEN, "start_type": 3},
        {"token": ""},
        {"token": "x" * 2049},
        {"execution": "exec-1"},
        {"token": TOKEN, "execution": 5},
        ["not", "an", "object"],
    ],
)
def test_invalid_input_writes_nothing(aws: Aws, env: dict[str, str], payload: Any) -> None:
    with pytest.raises(HandlerError) as caught:
        starter.handler(payload, None)
    assert type(caught.value).__name__ == errors.ERROR_INVALID_INPUT
    assert aws.dynamodb.scan(TableName=TABLE)["Items"] == []
    assert aws.dms.calls == []


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        (c.ENV_START_TYPE, "whenever"),
        (c.ENV_SUCCESS_STOP_REASONS, "DONE"),
        (c.ENV_WAITER_TTL_SECONDS, "soon"),
        (c.ENV_WAITER_TTL_SECONDS, "0"),
        (c.ENV_REPLICATION_TASK_ARN, "orders"),
        (c.ENV_WAITER_TABLE, ""),
    ],
)
def test_bad_configuration_is_invalid_input(
    aws: Aws, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(HandlerError) as caught:
        invoke()
    assert type(caught.value).__name__ == "DmsInvalidInput"
    assert variable in str(caught.value)


def test_the_payload_overrides_the_start_type(aws: Aws, env: dict[str, str]) -> None:
    assert invoke(start_type="resume-processing")["start_type"] == "resume-processing"
    [start] = only(aws.dms.calls, "start_replication_task")
    assert start["StartReplicationTaskType"] == "resume-processing"


def test_start_type_none_only_registers(aws: Aws, env: dict[str, str]) -> None:
    result = invoke(start_type="none")
    assert result["result"] == "registered"
    assert aws.dms.calls == []
    assert aws.store.get(aws.task_arn) is not None


def test_a_wait_only_function_accepts_no_other_start_type(
    aws: Aws, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(c.ENV_START_TYPE, "none")
    with pytest.raises(HandlerError, match="start_type must be one of: none"):
        invoke(start_type="start-replication")
    assert invoke()["result"] == "registered"
    assert aws.dms.calls == []


def test_defaults_when_optional_variables_are_unset(
    aws: Aws, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in (c.ENV_START_TYPE, c.ENV_SUCCESS_STOP_REASONS, c.ENV_WAITER_TTL_SECONDS):
        monkeypatch.delenv(variable)
    result = invoke()
    assert result["start_type"] == dms.START_TYPE_AUTO
    # moto's task is still ``creating``: not a first run, so the full load's restart.
    assert result["dms_start_type"] == dms.RELOAD_TARGET
    waiter = aws.store.get(aws.task_arn)
    assert waiter is not None
    assert waiter.success_stop_reasons == dms.DEFAULT_SUCCESS_STOP_REASONS
    assert waiter.expires_at - waiter.created_at == c.DEFAULT_WAITER_TTL_SECONDS


def test_failing_to_record_the_start_does_not_fail_the_workflow(
    aws: Aws, env: dict[str, str]
) -> None:
    class NoUpdates:
        def __getattr__(self, name: str) -> Any:
            if name == "update_item":
                raise client_error("ProvisionedThroughputExceededException", "UpdateItem")
            return getattr(aws.dynamodb, name)

    aws_clients.set_client("dynamodb", NoUpdates())
    assert invoke()["result"] == "started"
    waiter = aws.store.get(aws.task_arn)
    assert waiter is not None and waiter.started_at is None


# -- auto: the start type decided from DescribeReplicationTasks ------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"Status": "ready", "ReplicationTaskStartDate": None}, dms.START_REPLICATION),
        (
            {"Status": "stopped", "ReplicationTaskStartDate": "2026-01-01T00:00:00Z"},
            "reload-target",
        ),
        (
            {
                "Status": "stopped",
                "MigrationType": "full-load-and-cdc",
                "ReplicationTaskStartDate": 1,
            },
            dms.RESUME_PROCESSING,
        ),
    ],
)
def test_auto_describes_then_starts_with_the_documented_type(
    aws: Aws, env: dict[str, str], state: dict[str, Any], expected: str
) -> None:
    aws.dms.states[aws.task_arn] = state
    result = invoke(start_type="auto")
    assert result["dms_start_type"] == expected
    assert aws.dms.methods() == ["describe_replication_tasks", "start_replication_task"]
    [start] = only(aws.dms.calls, "start_replication_task")
    assert start["StartReplicationTaskType"] == expected


def test_auto_on_a_missing_task_fails_with_task_not_found_and_frees_the_task(
    aws: Aws, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(c.ENV_REPLICATION_TASK_ARN, MISSING_ARN)
    with pytest.raises(HandlerError) as caught:
        invoke(start_type="auto")
    assert caught.value.error_name == errors.ERROR_TASK_NOT_FOUND
    assert aws.store.get(MISSING_ARN) is None
    assert only(aws.dms.calls, "start_replication_task") == []


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ThrottlingException", "DmsThrottled"),
        ("InternalFailure", "DmsThrottled"),
        ("AccessDeniedException", errors.ERROR_START_FAILED),
    ],
)
def test_a_failed_describe_of_auto_is_transient_only_when_throttled_or_5xx(
    aws: Aws, env: dict[str, str], code: str, error: str
) -> None:
    aws.dms.describe_error = code
    with pytest.raises(HandlerError) as caught:
        invoke(start_type="auto")
    assert caught.value.error_name == error
    assert code in str(caught.value)
    assert aws.store.get(aws.task_arn) is None


def test_a_refused_repeat_start_fails_at_once_with_dms_message(
    aws: Aws, env: dict[str, str]
) -> None:
    aws.dms.start_error = "InvalidParameterCombinationException"
    with pytest.raises(HandlerError) as caught:
        invoke()
    assert caught.value.error_name == errors.ERROR_START_FAILED
    assert str(caught.value).startswith("InvalidParameterCombinationException: ")
