"""Fixtures of every handler test: moto DynamoDB and DMS, fakes for callbacks, no network.

Every test starts with every shared client (``lambdas.aws_clients``) set to a ``Forbidden``
object, so handler code can only reach what the test injected: a moto-backed client or a fake.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from dms_waiters.lambdas import aws_clients
from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas.waiter_store import WaiterStore
from tests.lambdas.fakes import (
    REGION,
    FakeDms,
    FakeLambda,
    FakeSfn,
    Forbidden,
    create_task,
    use_dummy_aws_environment,
)
from tests.paths import EVENTS_DIR

TABLE = "dms-waiters-test"


def load_event(name: str) -> dict[str, Any]:
    """A fixture event from ``tests/events``."""
    data: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text())
    return data


def create_waiter_table(dynamodb: Any) -> None:
    """The hub's waiter table (``TABLE``) in moto, laid out as the component creates it."""
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": c.KEY, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": c.KEY, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_dummy_aws_environment(monkeypatch)
    for service in aws_clients.SERVICES:
        aws_clients.set_client(service, Forbidden(service))
    yield
    aws_clients.reset_clients()


@dataclass
class Aws:
    """moto-backed DynamoDB (with the waiter table) and DMS, plus the callback fakes."""

    dynamodb: Any
    dms: FakeDms
    sfn: FakeSfn
    lambda_: FakeLambda
    store: WaiterStore
    task_arn: str
    """A moto task whose ARN the fixture events do *not* name (use ``fixture_event``)."""

    def fixture_event(self, name: str, arn: str | None = None) -> dict[str, Any]:
        """A fixture event re-targeted at ``arn`` (default: ``task_arn``)."""
        event = load_event(name)
        event["resources"] = [arn or self.task_arn]
        return event

    def inject(self) -> None:
        """Make the handlers use these clients."""
        aws_clients.set_client("dynamodb", self.dynamodb)
        aws_clients.set_client("dms", self.dms)
        aws_clients.set_client("stepfunctions", self.sfn)
        aws_clients.set_client("lambda", self.lambda_)


@pytest.fixture(scope="session")
def boto_clients() -> dict[str, Any]:
    """boto3 clients built once: building one costs ~0.1 s, and moto intercepts every client
    (built after moto is imported) whenever a mock is active, with fresh state per mock."""
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    return {name: session.client(name) for name in ("dynamodb", "dms", "secretsmanager")}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, boto_clients: dict[str, Any]) -> Iterator[Aws]:
    """moto DynamoDB + DMS with one task, fakes for callbacks, injected into the handlers."""
    with mock_aws():
        dynamodb = boto_clients["dynamodb"]
        create_waiter_table(dynamodb)
        moto_dms = boto_clients["dms"]
        arn = create_task(moto_dms, "orders-full-load")
        env = Aws(
            dynamodb=dynamodb,
            dms=FakeDms(moto_dms),
            sfn=FakeSfn(),
            lambda_=FakeLambda(),
            store=WaiterStore(TABLE, dynamodb),
            task_arn=arn,
        )
        env.inject()
        monkeypatch.setenv(c.ENV_WAITER_TABLE, TABLE)
        yield env
