"""The schedule starter: one run per scheduled time, named after it; repeats start nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dms_waiters.lambdas import aws_clients
from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas.errors import DmsInvalidInput
from dms_waiters.lambdas.handlers import schedule_starter
from tests.lambdas.fakes import client_error

SFN_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-state-machine-abc"
ALIAS_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders-waiter-abc:live"
EVENT = {c.PAYLOAD_SCHEDULED_TIME: "2026-11-30T02:00:00Z", c.PAYLOAD_START_TYPE: "auto"}


class FakeStepFunctions:
    """StartExecution as Step Functions answers a repeated name once the first run closed."""

    def __init__(self) -> None:
        self.started: dict[str, str] = {}

    def start_execution(self, *, stateMachineArn: str, name: str, input: str) -> dict[str, Any]:  # noqa: N803
        if name in self.started:
            raise client_error("ExecutionAlreadyExists", "StartExecution")
        self.started[name] = input
        return {"executionArn": f"{stateMachineArn.replace('stateMachine', 'execution')}:{name}"}


class FakeLambda:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"StatusCode": 202, "DurableExecutionArn": "arn:durable:1"}


def configure(monkeypatch: pytest.MonkeyPatch, kind: str, arn: str) -> None:
    monkeypatch.setenv(c.ENV_SCHEDULE_TARGET_ARN, arn)
    monkeypatch.setenv(c.ENV_SCHEDULE_TARGET_KIND, kind)
    monkeypatch.setenv(c.ENV_RUN_NAME_PREFIX, "orders")


def test_run_name_is_the_scheduled_time_without_colons() -> None:
    assert schedule_starter.run_name("orders", "2026-11-30T02:00:00Z") == "orders-20261130T020000Z"
    assert len(schedule_starter.run_name("o" * 40, "2026-11-30T02:00:00Z")) == 40 + (
        schedule_starter.RUN_NAME_SUFFIX_LENGTH
    )


@pytest.mark.parametrize("bad", ["2026-11-30 02:00", "<aws.scheduler.scheduled-time>", 7])
def test_malformed_scheduled_time_is_invalid_input(bad: Any) -> None:
    with pytest.raises(DmsInvalidInput, match="scheduled_time"):
        schedule_starter.run_name("orders", bad)


def test_state_machine_run_started_once_per_scheduled_time(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, c.KIND_SFN, SFN_ARN)
    sfn = FakeStepFunctions()
    aws_clients.set_client("stepfunctions", sfn)
    first = schedule_starter.handler(EVENT, None)
    assert first["run_name"] == "orders-20261130T020000Z"
    assert first["already_started"] is False
    assert sfn.started == {"orders-20261130T020000Z": json.dumps({"start_type": "auto"})}
    again = schedule_starter.handler(EVENT, None)  # a retried delivery of the same time
    assert again["already_started"] is True
    assert len(sfn.started) == 1
    schedule_starter.handler({**EVENT, c.PAYLOAD_SCHEDULED_TIME: "2026-12-01T02:00:00Z"}, None)
    assert sorted(sfn.started) == ["orders-20261130T020000Z", "orders-20261201T020000Z"]


def test_other_start_errors_are_raised_for_lambda_to_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, c.KIND_SFN, SFN_ARN)

    class Throttled(FakeStepFunctions):
        def start_execution(self, **kwargs: Any) -> dict[str, Any]:
            raise client_error("ThrottlingException", "StartExecution")

    aws_clients.set_client("stepfunctions", Throttled())
    with pytest.raises(Exception, match="ThrottlingException"):
        schedule_starter.handler(EVENT, None)


def test_durable_run_is_an_async_invoke_named_after_the_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch, c.KIND_DURABLE, ALIAS_ARN)
    fake = FakeLambda()
    aws_clients.set_client("lambda", fake)
    result = schedule_starter.handler({c.PAYLOAD_SCHEDULED_TIME: "2026-11-30T02:00:00Z"}, None)
    assert result["execution_arn"] == "arn:durable:1"
    assert fake.calls == [
        {
            "FunctionName": ALIAS_ARN,
            "InvocationType": "Event",
            "DurableExecutionName": "orders-20261130T020000Z",
            "Payload": b"{}",
        }
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({c.ENV_SCHEDULE_TARGET_ARN: ""}, c.ENV_SCHEDULE_TARGET_ARN),
        ({c.ENV_SCHEDULE_TARGET_KIND: "batch"}, c.ENV_SCHEDULE_TARGET_KIND),
        ({c.ENV_RUN_NAME_PREFIX: ""}, c.ENV_RUN_NAME_PREFIX),
    ],
)
def test_bad_configuration_is_invalid_input(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    configure(monkeypatch, c.KIND_SFN, SFN_ARN)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(DmsInvalidInput, match=message):
        schedule_starter.handler(EVENT, None)


def test_bad_start_type_is_invalid_input(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, c.KIND_SFN, SFN_ARN)
    with pytest.raises(DmsInvalidInput, match="start_type"):
        schedule_starter.handler({**EVENT, c.PAYLOAD_START_TYPE: "restart"}, None)


def test_a_workflow_schedules_input_is_the_runs_input(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, c.KIND_SFN, SFN_ARN)
    sfn = FakeStepFunctions()
    aws_clients.set_client("stepfunctions", sfn)
    when = {c.PAYLOAD_SCHEDULED_TIME: "2026-11-30T02:00:00Z"}
    schedule_starter.handler({**when, c.PAYLOAD_INPUT: {"source": "orders"}}, None)
    assert sfn.started == {"orders-20261130T020000Z": json.dumps({"source": "orders"})}
    run = {**when, c.PAYLOAD_INPUT: {"source": "orders"}, c.PAYLOAD_START_TYPE: "reload-target"}
    schedule_starter.handler({**run, c.PAYLOAD_SCHEDULED_TIME: "2026-12-01T02:00:00Z"}, None)
    assert json.loads(sfn.started["orders-20261201T020000Z"]) == {
        "source": "orders",
        "start_type": "reload-target",
    }
    with pytest.raises(DmsInvalidInput, match="input must be an object"):
        schedule_starter.handler({**when, c.PAYLOAD_INPUT: ["x"]}, None)
