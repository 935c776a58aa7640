"""Fixtures for the durable function tests: the official local runner, fake DMS, moto DynamoDB.

Every test starts with every shared client (``lambdas.aws_clients``) set to a ``Forbidden``
object, so handler code can only reach what the test injected. Nothing touches the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner
from moto import mock_aws

from dms_waiters.lambdas import aws_clients, durable_waiter
from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas.waiter_store import WaiterStore
from tests.durable.fakes import TASK_ARN, ScriptedDms
from tests.handlers.fakes import REGION, Forbidden, use_dummy_aws_environment

TABLE = "dms-waiters-durable-test"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_dummy_aws_environment(monkeypatch)
    for name in (
        c.ENV_WAIT_MODE,
        c.ENV_POLL_INTERVAL_SECONDS,
        c.ENV_MAX_POLL_INTERVAL_SECONDS,
        c.ENV_POLL_JITTER,
        c.ENV_TIMEOUT_SECONDS,
        c.ENV_HEARTBEAT_SECONDS,
        c.ENV_WAITER_TTL_SECONDS,
        c.ENV_START_TYPE,
        c.ENV_SUCCESS_STOP_REASONS,
        c.ENV_WAITER_TABLE,
        c.ENV_WORKFLOW_NAME,
        c.ENV_BATCH_SIZE,
        c.ENV_BATCH_PAUSE_SECONDS,
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(c.ENV_REPLICATION_TASK_ARN, TASK_ARN)
    for service in aws_clients.SERVICES:
        aws_clients.set_client(service, Forbidden(service))
    yield
    aws_clients.reset_clients()


@pytest.fixture
def dms() -> ScriptedDms:
    """A scripted DMS (running until the test says otherwise), injected into the handlers."""
    fake = ScriptedDms(TASK_ARN)
    aws_clients.set_client("dms", fake)
    return fake


@pytest.fixture(scope="session")
def dynamodb_client() -> Any:
    # Built once (~0.1 s each); moto intercepts it whenever a mock is active.
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    return session.client("dynamodb")


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, dynamodb_client: Any) -> Iterator[WaiterStore]:
    """moto DynamoDB with the waiter table, injected into the handlers (WAITER_TABLE set)."""
    with mock_aws():
        dynamodb_client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": c.KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": c.KEY, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        aws_clients.set_client("dynamodb", dynamodb_client)
        monkeypatch.setenv(c.ENV_WAITER_TABLE, TABLE)
        yield WaiterStore(TABLE, dynamodb_client)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[DurableFunctionTestRunner]:
    """The local durable runner (virtual time) for ``durable_waiter.handler``.

    The poll check reads ``durable_waiter.clock``: pointed at the runner's virtual clock, so the
    deadline is measured in the same skipped time as the backoff waits.
    """
    with DurableFunctionTestRunner(
        durable_waiter.handler, skip_time=True, poll_interval=0.02
    ) as test_runner:
        virtual = test_runner._clock  # the runner's SkipClock (no public accessor)
        monkeypatch.setattr(durable_waiter, "clock", lambda: virtual.now().timestamp())
        yield test_runner
