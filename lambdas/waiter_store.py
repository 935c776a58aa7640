"""The waiter table: who waits for which DMS task, and with which token or callback id.

One item per waited-for resource (key: the task ARN), in the layout of ``contract`` (``pk``,
``kind``, ``token``, ``success_stop_reasons``, ``created_at``, ``expires_at``, ``workflow``,
``execution``, ``started_at``). Every write is conditional so concurrent or repeated callers
cannot clobber each other:

* ``register`` succeeds when no live waiter exists for the key, or the live one holds the same
  token (the starter and the durable submitter are at-least-once: a retry must not fail), or the
  existing item has expired (DynamoDB's TTL deletes lazily, up to days later);
* ``delete`` only removes the item that still holds the caller's token, so finishing an old wait
  never deletes a newer waiter for the same task.

Expired items are invisible to ``get`` and ``scan``. Uses the low-level DynamoDB client (passed
in, or the shared lazy one) with explicit attribute types.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from . import contract as c
from .aws_clients import client as aws_client
from .errors import error_code
from .logs import log
from .metrics import WAITS_REGISTERED, emit

WaiterKind = Literal["sfn", "durable"]
KINDS: Final[tuple[str, ...]] = (c.KIND_SFN, c.KIND_DURABLE)
_CONDITION_FAILED: Final = "ConditionalCheckFailedException"
#: Attempts of register's put-then-read loop; a second attempt covers a waiter deleted between
#: the failed put and the read, a third is never needed but costs nothing.
_REGISTER_ATTEMPTS: Final = 3


class WaiterAlreadyRegistered(Exception):  # noqa: N818 - a state, not a failure of ours
    """A live waiter with a different token exists for the key."""

    def __init__(self, existing: Waiter) -> None:
        super().__init__(
            f"a live waiter already waits for {existing.key} (workflow {existing.workflow!r}, "
            f"execution {existing.execution!r}, expires at {existing.expires_at})"
        )
        self.existing = existing


class CorruptWaiter(ValueError):  # noqa: N818
    """An item in the waiter table does not have the contract's layout."""


@dataclass(frozen=True)
class Waiter:
    """One registered waiter (an item of the waiter table)."""

    key: str
    """The task ARN (or ``url#<id>`` for a callback-URL waiter)."""
    kind: WaiterKind
    token: str
    """Step Functions task token (``sfn``) or durable execution callback id (``durable``)."""
    success_stop_reasons: tuple[str, ...]
    created_at: int
    expires_at: int
    workflow: str
    execution: str | None = None
    started_at: int | None = None
    heartbeat_at: int | None = None

    def live(self, now: float) -> bool:
        """True until ``expires_at`` has passed."""
        return self.expires_at >= now

    def to_item(self) -> dict[str, Any]:
        """The DynamoDB item (low-level attribute-value form)."""
        item: dict[str, Any] = {
            c.KEY: {"S": self.key},
            c.ATTR_KIND: {"S": self.kind},
            c.ATTR_TOKEN: {"S": self.token},
            c.ATTR_SUCCESS_STOP_REASONS: {"L": [{"S": r} for r in self.success_stop_reasons]},
            c.ATTR_CREATED_AT: {"N": str(self.created_at)},
            c.ATTR_EXPIRES_AT: {"N": str(self.expires_at)},
            c.ATTR_WORKFLOW: {"S": self.workflow},
        }
        if self.execution:
            item[c.ATTR_EXECUTION] = {"S": self.execution}
        if self.started_at is not None:
            item[c.ATTR_STARTED_AT] = {"N": str(self.started_at)}
        if self.heartbeat_at is not None:
            item[c.ATTR_HEARTBEAT_AT] = {"N": str(self.heartbeat_at)}
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Waiter:
        """Read an item; ``CorruptWaiter`` if it lacks a required attribute."""
        try:
            kind = item[c.ATTR_KIND]["S"]
            if kind not in KINDS:
                raise CorruptWaiter(f"unknown waiter kind {kind!r}")
            reasons = tuple(v["S"] for v in item.get(c.ATTR_SUCCESS_STOP_REASONS, {}).get("L", []))
            execution = item.get(c.ATTR_EXECUTION, {}).get("S")
            started = item.get(c.ATTR_STARTED_AT, {}).get("N")
            beat = item.get(c.ATTR_HEARTBEAT_AT, {}).get("N")
            return cls(
                key=item[c.KEY]["S"],
                kind=kind,
                token=item[c.ATTR_TOKEN]["S"],
                success_stop_reasons=reasons,
                created_at=int(item[c.ATTR_CREATED_AT]["N"]),
                expires_at=int(item[c.ATTR_EXPIRES_AT]["N"]),
                workflow=item.get(c.ATTR_WORKFLOW, {}).get("S", ""),
                execution=execution,
                started_at=int(started) if started is not None else None,
                heartbeat_at=int(beat) if beat is not None else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, CorruptWaiter):
                raise
            raise CorruptWaiter(f"waiter item without the contract's layout: {exc!r}") from exc


def _now(now: float | None) -> int:
    return int(time.time() if now is None else now)


class WaiterStore:
    """The waiter table ``table_name``, through ``dynamodb`` (the shared client by default)."""

    def __init__(self, table_name: str, dynamodb: Any = None) -> None:
        if not table_name:
            raise ValueError("the waiter table name is empty")
        self.table_name = table_name
        self._dynamodb = dynamodb

    @property
    def dynamodb(self) -> Any:
        """The low-level DynamoDB client (resolved lazily so tests can inject one)."""
        return self._dynamodb if self._dynamodb is not None else aws_client("dynamodb")

    def register(
        self,
        key: str,
        kind: str,
        token: str,
        success_stop_reasons: Iterable[str],
        ttl_seconds: int,
        workflow: str,
        execution: str | None = None,
        now: float | None = None,
    ) -> Waiter:
        """Register a waiter; return the stored one (the existing item for a repeat).

        Conditional: fails with ``WaiterAlreadyRegistered`` when a live waiter with a different
        token exists. Registering the same token again changes nothing and returns the stored
        waiter (with its ``started_at``, so a retried starter knows the task was started).
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        if not token:
            raise ValueError("the token is empty")
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be positive, not {ttl_seconds}")
        at = _now(now)
        waiter = Waiter(
            key=key,
            kind=kind,  # type: ignore[arg-type]  # checked against KINDS above
            token=token,
            success_stop_reasons=tuple(success_stop_reasons),
            created_at=at,
            expires_at=at + ttl_seconds,
            workflow=workflow,
            execution=execution or None,
        )
        for _ in range(_REGISTER_ATTEMPTS):
            if self._write_if(
                self.dynamodb.put_item,
                Item=waiter.to_item(),
                # A new key, or an expired leftover that TTL has not removed yet.
                ConditionExpression="attribute_not_exists(#pk) OR #exp < :now",
                ExpressionAttributeNames={"#pk": c.KEY, "#exp": c.ATTR_EXPIRES_AT},
                ExpressionAttributeValues={":now": {"N": str(at)}},
            ):
                # Only a new waiter counts: a retry returns below without one.
                emit(self.table_name, **{WAITS_REGISTERED: 1})
                return waiter
            # A live item exists: the same token is a retry (keep the stored item, it may
            # carry started_at); another token is a conflict.
            existing = self.get(key, now=at)
            if existing is None:
                continue  # deleted or expired in between: try the put again
            if existing.token == token:
                return existing
            if execution and existing.execution == execution:
                # Step Functions retried the starter (a Lambda service error): the retry
                # carries a new token for the same execution. Hand the waiter to the new token,
                # keeping started_at so the task is not started twice.
                retried = replace(existing, token=token)
                if self._swap_token(existing, retried):
                    return retried
                continue  # changed in between: look again
            raise WaiterAlreadyRegistered(existing)
        raise RuntimeError(f"could not register a waiter for {key}: the item kept changing")

    def _write_if(self, write: Any, **request: Any) -> bool:
        """``write`` (the client's ``put_item``, ``update_item`` or ``delete_item``) on the
        table; False, having written nothing, when its ``ConditionExpression`` did not hold."""
        try:
            write(TableName=self.table_name, **request)
        except Exception as exc:
            if error_code(exc) != _CONDITION_FAILED:
                raise
            return False
        return True

    def _swap_token(self, existing: Waiter, updated: Waiter) -> bool:
        """Replace ``existing`` by ``updated`` only if its token is unchanged."""
        return self._write_if(
            self.dynamodb.put_item,
            Item=updated.to_item(),
            ConditionExpression="#tok = :old",
            ExpressionAttributeNames={"#tok": c.ATTR_TOKEN},
            ExpressionAttributeValues={":old": {"S": existing.token}},
        )

    def mark_started(self, key: str, token: str, now: float | None = None) -> bool:
        """Record that the task was started for this waiter; False if the waiter is gone."""
        return self._stamp(key, token, c.ATTR_STARTED_AT, now)

    def mark_heartbeat(self, key: str, token: str, now: float | None = None) -> bool:
        """Record that the workflow was heartbeaten; False if the waiter is gone."""
        return self._stamp(key, token, c.ATTR_HEARTBEAT_AT, now)

    def _stamp(self, key: str, token: str, attribute: str, now: float | None) -> bool:
        """Set ``attribute`` to now on the waiter that still holds ``token``; False when it is
        already resumed and deleted (a very short task), or replaced: nothing to mark."""
        return self._write_if(
            self.dynamodb.update_item,
            Key={c.KEY: {"S": key}},
            UpdateExpression="SET #at = :at",
            ConditionExpression="#token = :token",
            ExpressionAttributeNames={"#at": attribute, "#token": c.ATTR_TOKEN},
            ExpressionAttributeValues={
                ":at": {"N": str(_now(now))},
                ":token": {"S": token},
            },
        )

    def restore(self, waiter: Waiter) -> bool:
        """Put a consumed ``waiter`` back (its resume failed retryably); False if the key has
        been taken meanwhile."""
        return self._write_if(
            self.dynamodb.put_item,
            Item=waiter.to_item(),
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": c.KEY},
        )

    def get(self, key: str, now: float | None = None) -> Waiter | None:
        """The live waiter for ``key``, or None (absent or expired). Strongly consistent."""
        response = self.dynamodb.get_item(
            TableName=self.table_name, Key={c.KEY: {"S": key}}, ConsistentRead=True
        )
        item = response.get("Item")
        if not item:
            return None
        waiter = Waiter.from_item(item)
        return waiter if waiter.live(_now(now)) else None

    def forget(self, key: str, token: str) -> None:
        """``delete`` after a failed start: nobody will resume ``token``, so free the key for a
        retry. A failed delete is only logged: the reconciler removes the waiter once its
        execution is gone."""
        try:
            self.delete(key, token)
        except Exception as exc:
            log(
                "ERROR",
                "could not delete the waiter after a failed start",
                key=key,
                error=repr(exc),
            )

    def delete(self, key: str, token: str) -> bool:
        """Delete the waiter for ``key`` if it still holds ``token``; False if it did not
        (already gone, or a newer waiter: left alone)."""
        return self._write_if(
            self.dynamodb.delete_item,
            Key={c.KEY: {"S": key}},
            ConditionExpression="#token = :token",
            ExpressionAttributeNames={"#token": c.ATTR_TOKEN},
            ExpressionAttributeValues={":token": {"S": token}},
        )

    def scan(self, now: float | None = None) -> Iterator[Waiter]:
        """Every live waiter (paginated). Items that are not waiters are skipped."""
        at = _now(now)
        start_key: Mapping[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "TableName": self.table_name,
                "FilterExpression": "#exp >= :now",
                "ExpressionAttributeNames": {"#exp": c.ATTR_EXPIRES_AT},
                "ExpressionAttributeValues": {":now": {"N": str(at)}},
            }
            if start_key:
                kwargs["ExclusiveStartKey"] = start_key
            response = self.dynamodb.scan(**kwargs)
            for item in response.get("Items") or []:
                try:
                    yield Waiter.from_item(item)
                except CorruptWaiter as exc:
                    # One bad item must not stop the reconciler for the others.
                    log("ERROR", "corrupt waiter item skipped", error=str(exc))
            start_key = response.get("LastEvaluatedKey")
            if not start_key:
                return
