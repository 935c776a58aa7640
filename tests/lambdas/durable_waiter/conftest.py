"""Fixtures of the durable waiter tests: the official local runner, a scripted DMS, moto DynamoDB.

The isolation of every handler test (``tests/lambdas/conftest.py``) applies; here the durable
waiter's environment starts from the task ARN alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner
from moto import mock_aws

from dms_waiters.lambdas import aws_clients, durable_waiter
from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas.handlers import durable_waiter as entry_point
from dms_waiters.lambdas.waiter_store import WaiterStore
from tests.lambdas.conftest import TABLE, create_waiter_table
from tests.lambdas.fakes import TASK_ARN, ScriptedDms


@pytest.fixture(autouse=True)
def _durable_environment(monkeypatch: pytest.MonkeyPatch) -> None:
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
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(c.ENV_REPLICATION_TASK_ARN, TASK_ARN)


@pytest.fixture
def dms() -> ScriptedDms:
    """A scripted DMS (running until the test says otherwise), injected into the handlers."""
    fake = ScriptedDms(TASK_ARN)
    aws_clients.set_client("dms", fake)
    return fake


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, boto_clients: dict[str, Any]) -> Iterator[WaiterStore]:
    """moto DynamoDB with the waiter table, injected into the handlers (WAITER_TABLE set)."""
    with mock_aws():
        dynamodb = boto_clients["dynamodb"]
        create_waiter_table(dynamodb)
        aws_clients.set_client("dynamodb", dynamodb)
        monkeypatch.setenv(c.ENV_WAITER_TABLE, TABLE)
        yield WaiterStore(TABLE, dynamodb)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[DurableFunctionTestRunner]:
    """The local durable runner (virtual time) for the durable waiter's entry point.

    The poll check reads ``durable_waiter.clock``: pointed at the runner's virtual clock, so the
    deadline is measured in the same skipped time as the backoff waits.
    """
    with DurableFunctionTestRunner(
        entry_point.handler, skip_time=True, poll_interval=0.02
    ) as test_runner:
        virtual = test_runner._clock  # the runner's SkipClock (no public accessor)
        monkeypatch.setattr(durable_waiter, "clock", lambda: virtual.now().timestamp())
        yield test_runner


def configure_waiter(monkeypatch: pytest.MonkeyPatch, mode: str, **env: object) -> None:
    """Set the waiter's environment: ``mode``, the start type ``start-replication`` (explicit:
    the ``auto`` default's describe would shift the scripted answers), then ``env``."""
    settings = {c.ENV_WAIT_MODE: mode, c.ENV_START_TYPE: "start-replication", **env}
    for name, value in settings.items():
        monkeypatch.setenv(name, str(value))
