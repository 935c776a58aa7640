"""Asynchronous invocations (``InvocationType=Event``): background work tracked by the clock,
Lambda's retries on virtual time, and the OnFailure destination (SQS)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from moto.stepfunctions.parser.utils import TMP_THREADS

from ..clock import VirtualClock
from .common import json_or_text, unqualified

if TYPE_CHECKING:
    from .invocation import InvocationResult
    from .runtime import LambdaRuntime

LOG = logging.getLogger(__name__)

#: Lambda's asynchronous retry delays after a function error, in seconds (AWS: "a one-minute
#: wait between the first two attempts, and two minutes between the second and third").
ASYNC_RETRY_DELAYS: Final = (60.0, 120.0)
#: Lambda's defaults for asynchronous invocations (EventInvokeConfig).
DEFAULT_ASYNC_RETRIES: Final = 2
DEFAULT_ASYNC_MAX_AGE: Final = 21600.0

INVOCATION_SYNC: Final = "RequestResponse"
INVOCATION_ASYNC: Final = "Event"


def spawn_tracked(clock: VirtualClock | None, target: Callable[[], object], name: str) -> None:
    """Run ``target`` in a background thread that counts as busy on ``clock``.

    The busy unit is taken here, in the caller's thread, before the thread exists, so the
    clock's driver cannot see an idle moment while the work is pending. The thread is added to
    moto's ``TMP_THREADS``, which ``LocalCloud`` joins on exit. Without a clock ``target`` runs
    in the caller's thread.
    """
    if clock is None:
        _run_logged(target, name)
        return
    clock.enter()

    def run() -> None:
        try:
            _run_logged(target, name)
        finally:
            clock.exit()

    thread = threading.Thread(target=run, name=f"localcloud-{name}", daemon=True)
    TMP_THREADS.append(thread)
    try:
        thread.start()
    except BaseException:
        clock.exit()
        raise


def _run_logged(target: Callable[[], object], name: str) -> None:
    # Background work has nobody to report to: an error is logged, never allowed to kill the
    # driver or leave the clock busy.
    try:
        target()
    except Exception:
        LOG.exception("local cloud: background work %r failed", name)


class _AsyncJob:
    """One asynchronous invocation with its retries, as Lambda's internal queue handles it."""

    def __init__(self, runtime: LambdaRuntime, fn: Any, payload: bytes, queued_at: float) -> None:
        self.runtime = runtime
        self.fn = fn
        self.payload = payload
        self.queued_at = queued_at
        self.attempts = 0
        config = _event_invoke_config(fn)
        self.max_retries = int(config.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRIES))
        self.max_age = float(config.get("MaximumEventAgeInSeconds", DEFAULT_ASYNC_MAX_AGE))
        self.on_failure = (
            config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        )

    def schedule(self, delay: float) -> None:
        clock = self.runtime.clock
        name = f"lambda-async-{self.fn.function_name}"
        if clock is None or delay <= 0:
            spawn_tracked(clock, self.attempt, name)
            return
        # A clock timer runs in the driver's thread; it starts the retry as tracked work.
        clock.call_later(delay, lambda: spawn_tracked(clock, self.attempt, name))

    def attempt(self) -> None:
        result = self.runtime.run(self.fn, self.payload, INVOCATION_ASYNC)
        self.attempts += 1
        if result.function_error is None:
            return
        if self.attempts <= self.max_retries:
            delay = ASYNC_RETRY_DELAYS[min(self.attempts - 1, len(ASYNC_RETRY_DELAYS) - 1)]
            if self.runtime.clock is None:
                delay = 0.0
            if self.runtime._now() + delay - self.queued_at <= self.max_age:
                self.schedule(delay)
                return
            self._fail(result, "EventAgeExceeded")
            return
        self._fail(result, "RetriesExhausted")

    def _fail(self, result: InvocationResult, condition: str) -> None:
        if not self.on_failure:
            LOG.info(
                "local cloud: async invocation of %s dropped after %d attempt(s) (%s)",
                self.fn.function_name,
                self.attempts,
                condition,
            )
            return
        record = {
            "version": "1.0",
            "timestamp": _iso_now(self.runtime.clock),
            "requestContext": {
                "requestId": result.request_id,
                "functionArn": f"{unqualified(self.fn.function_arn)}:{result.executed_version}",
                "condition": condition,
                "approximateInvokeCount": self.attempts,
            },
            "requestPayload": json_or_text(self.payload),
            "responseContext": {
                "statusCode": 200,
                "executedVersion": result.executed_version,
                "functionError": result.function_error,
            },
            "responsePayload": json_or_text(result.payload),
        }
        send_to_sqs(self.on_failure, json.dumps(record), {})


def _event_invoke_config(fn: Any) -> dict[str, Any]:
    configs = getattr(fn, "event_invoke_config", None) or []
    if not configs:
        return {}
    config: dict[str, Any] = configs[-1].config
    return config


def _iso_now(clock: VirtualClock | None) -> str:
    from datetime import UTC, datetime

    now = clock.now_datetime() if clock is not None else datetime.now(tz=UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def send_to_sqs(queue_arn: str, body: str, attributes: Mapping[str, str]) -> bool:
    """Send ``body`` with string ``attributes`` to the SQS queue ``queue_arn`` (moto's backend).

    Returns False (and logs) when the ARN is not an SQS queue or the queue does not exist: AWS
    counts such a message as failed to deliver, it does not fail the caller.
    """
    from moto.sqs.models import sqs_backends

    parts = queue_arn.split(":")
    if len(parts) < 6 or parts[2] != "sqs":
        LOG.warning("local cloud: destination %s is not an SQS queue; not emulated", queue_arn)
        return False
    region, account, name = parts[3], parts[4], parts[5]
    message_attributes = {
        key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()
    }
    try:
        sqs_backends[account][region].send_message(
            queue_name=name, message_body=body, message_attributes=message_attributes
        )
    except Exception:
        LOG.warning("local cloud: could not send to %s", queue_arn, exc_info=True)
        return False
    return True
