"""``lambdas.waiter_store`` against moto DynamoDB: conditional writes, expiry, layout."""

from __future__ import annotations

import pytest

from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas.waiter_store import Waiter, WaiterAlreadyRegistered, WaiterStore
from tests.lambdas.conftest import TABLE, Aws

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
KEY = "arn:aws:dms:us-east-1:123456789012:task:STORETEST"


def register(
    aws: Aws, token: str, now: int = NOW, ttl: int = 3600, execution: str = "exec-1"
) -> Waiter:
    return aws.store.register(
        KEY, "sfn", token, ["FULL_LOAD_ONLY_FINISHED"], ttl, "orders", execution=execution, now=now
    )


def raw_item(aws: Aws) -> dict[str, object] | None:
    item = aws.dynamodb.get_item(TableName=TABLE, Key={c.KEY: {"S": KEY}}).get("Item")
    return item


def test_register_writes_the_contract_layout(aws: Aws) -> None:
    waiter = register(aws, "token-a")
    assert raw_item(aws) == {
        "pk": {"S": KEY},
        "kind": {"S": "sfn"},
        "token": {"S": "token-a"},
        "success_stop_reasons": {"L": [{"S": "FULL_LOAD_ONLY_FINISHED"}]},
        "created_at": {"N": str(NOW)},
        "expires_at": {"N": str(NOW + 3600)},
        "workflow": {"S": "orders"},
        "execution": {"S": "exec-1"},
    }
    assert aws.store.get(KEY, now=NOW) == waiter


def test_a_different_token_conflicts_and_leaves_the_waiter(aws: Aws) -> None:
    register(aws, "token-a")
    with pytest.raises(WaiterAlreadyRegistered) as caught:
        register(aws, "token-b", now=NOW + 10, execution="exec-2")
    assert caught.value.existing.token == "token-a"
    stored = aws.store.get(KEY, now=NOW + 10)
    assert stored is not None and stored.token == "token-a"


def test_the_same_token_registers_again_without_change(aws: Aws) -> None:
    first = register(aws, "token-a")
    assert aws.store.mark_started(KEY, "token-a", now=NOW + 1)
    again = register(aws, "token-a", now=NOW + 60)
    # The stored waiter is returned untouched: same created_at, and started_at survives.
    assert again.created_at == first.created_at
    assert again.started_at == NOW + 1
    assert aws.store.get(KEY, now=NOW + 60) == again


def test_a_retried_starter_of_the_same_execution_takes_over_with_its_new_token(
    aws: Aws,
) -> None:
    # Step Functions retries a Task with a new token: the waiter follows the new token and
    # keeps started_at, so the task is not started twice and the resume reaches the live token.
    first = register(aws, "token-a")
    assert aws.store.mark_started(KEY, "token-a", now=NOW + 1)
    retried = register(aws, "token-b", now=NOW + 30)
    assert retried.token == "token-b"
    assert retried.started_at == NOW + 1
    assert retried.created_at == first.created_at
    assert aws.store.get(KEY, now=NOW + 30) == retried


def test_an_expired_waiter_may_be_replaced(aws: Aws) -> None:
    register(aws, "token-a", ttl=60)
    later = NOW + 61
    assert aws.store.get(KEY, now=later) is None  # expired: invisible although still stored
    replaced = register(aws, "token-b", now=later)
    assert replaced.token == "token-b"
    assert aws.store.get(KEY, now=later) == replaced


def test_delete_is_conditional_on_the_token(aws: Aws) -> None:
    register(aws, "token-a")
    assert aws.store.delete(KEY, "token-b") is False
    assert aws.store.get(KEY, now=NOW) is not None
    assert aws.store.delete(KEY, "token-a") is True
    assert aws.store.get(KEY, now=NOW) is None
    assert aws.store.delete(KEY, "token-a") is False  # already gone: no error


def test_mark_started_needs_the_same_token(aws: Aws) -> None:
    register(aws, "token-a")
    assert aws.store.mark_started(KEY, "token-b", now=NOW) is False
    assert aws.store.mark_started("arn:aws:dms:us-east-1:1:task:NONE", "token-a") is False
    waiter = aws.store.get(KEY, now=NOW)
    assert waiter is not None and waiter.started_at is None


def test_scan_returns_live_waiters_across_pages(aws: Aws) -> None:
    for i in range(30):
        aws.store.register(f"{KEY}{i}", "durable", f"cb{i}", [], 100 if i % 3 else 10, "w", now=NOW)
    # Tiny pages: moto honours Limit, so the store must follow LastEvaluatedKey.
    pages: list[int] = []

    class SmallPages:
        def scan(self, **kwargs: object) -> dict[str, object]:
            pages.append(1)
            response: dict[str, object] = aws.dynamodb.scan(Limit=7, **kwargs)
            return response

    live = list(WaiterStore(TABLE, SmallPages()).scan(now=NOW + 50))
    assert len(pages) > 1
    assert sorted(w.token for w in live) == sorted(f"cb{i}" for i in range(30) if i % 3)
    assert {w.kind for w in live} == {"durable"}


def test_scan_skips_items_that_are_not_waiters(aws: Aws) -> None:
    register(aws, "token-a")
    aws.dynamodb.put_item(
        TableName=TABLE,
        Item={"pk": {"S": "junk"}, "expires_at": {"N": str(NOW + 100)}, "kind": {"S": "sfn"}},
    )
    assert [w.token for w in aws.store.scan(now=NOW)] == ["token-a"]


@pytest.mark.parametrize(
    ("kind", "token", "ttl", "match"),
    [("polling", "t", 1, "kind"), ("sfn", "", 1, "token"), ("sfn", "t", 0, "ttl")],
)
def test_register_rejects_bad_arguments(
    aws: Aws, kind: str, token: str, ttl: int, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        aws.store.register(KEY, kind, token, [], ttl, "w", now=NOW)
    assert raw_item(aws) is None
