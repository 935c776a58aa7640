"""URL starter: register a callback-URL waiter for the task token, THEN start the user's job.

``CallbackUrlWorkflow``'s ``lambda:invoke.waitForTaskToken`` target, with ``Payload =
{"token": $$.Task.Token, "execution": $$.Execution.Id, "input": $}``. It

1. reads (or, on the stack's very first URL, generates) the signing key (``signing_key``);
2. registers the waiter ``url#<id>`` (``url_signing.register_url_waiter``): the id is derived
   from the execution, so a retried invocation hands out the same URLs and takes the waiter
   over for its new token;
3. invokes the user's job function synchronously with ``{"callback_urls": {success, failure,
   heartbeat}, "expires_at", "execution", "input"}``; the job hands a URL to the third party,
   whose POST to it resumes the execution through the hub's endpoint (``callback_url``);
4. records the start on the waiter, so a retry does not start the job twice.

The waiter is registered before the job starts, so a job that calls back at once finds it. If
the job function fails (or cannot be invoked), the waiter is deleted first and the invocation
fails with ``CallbackJobFailed`` (``CallbackThrottled`` when throttled, which the state machine
retries). The return value is only logged: the execution's output is what the third party sends.
Neither the key, the signatures nor the token are ever logged or returned.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import contract as c
from ..aws_clients import client as aws_client
from ..errors import (
    CallbackInvalidInput,
    CallbackJobFailed,
    CallbackThrottled,
    error_code,
    error_message,
    is_throttling,
)
from ..logs import log, logged_failure
from ..payload import token_and_execution
from ..signing_key import signing_key
from ..url_signing import register_url_waiter
from ..waiter_store import WaiterStore

#: Longest job error kept in the failure cause (characters).
MAX_JOB_ERROR_CHARS = 2000


@dataclass(frozen=True)
class UrlStarterEvent:
    """The invocation payload."""

    token: str
    execution: str | None
    input: Any

    @classmethod
    def from_event(cls, event: Any) -> UrlStarterEvent:
        """Validate the payload; ``CallbackInvalidInput`` names what is wrong."""
        token, execution = token_and_execution(event, CallbackInvalidInput)
        return cls(token=token, execution=execution or None, input=event.get(c.PAYLOAD_INPUT))


@dataclass(frozen=True)
class UrlStarterConfig:
    """The function's configuration (environment variables set by the component)."""

    table_name: str
    secret_arn: str
    base_url: str
    job_function: str
    url_ttl_seconds: int
    waiter_ttl_seconds: int
    workflow: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> UrlStarterConfig:
        """Read and validate the environment; ``CallbackInvalidInput`` names the bad variable."""
        values = {}
        for name in (
            c.ENV_WAITER_TABLE,
            c.ENV_SIGNING_SECRET_ARN,
            c.ENV_CALLBACK_BASE_URL,
            c.ENV_JOB_FUNCTION,
            c.ENV_URL_TTL_SECONDS,
            c.ENV_WAITER_TTL_SECONDS,
        ):
            value = env.get(name, "").strip()
            if not value:
                raise CallbackInvalidInput(f"{name} is not set")
            values[name] = value
        ttls = []
        for name in (c.ENV_URL_TTL_SECONDS, c.ENV_WAITER_TTL_SECONDS):
            try:
                ttls.append(int(values[name]))
            except ValueError as exc:
                raise CallbackInvalidInput(f"{name} is not an integer") from exc
        url_ttl, waiter_ttl = ttls
        if not 0 < url_ttl <= waiter_ttl:
            raise CallbackInvalidInput(
                f"{c.ENV_URL_TTL_SECONDS} must be positive and at most {c.ENV_WAITER_TTL_SECONDS}"
            )
        return cls(
            table_name=values[c.ENV_WAITER_TABLE],
            secret_arn=values[c.ENV_SIGNING_SECRET_ARN],
            base_url=values[c.ENV_CALLBACK_BASE_URL],
            job_function=values[c.ENV_JOB_FUNCTION],
            url_ttl_seconds=url_ttl,
            waiter_ttl_seconds=waiter_ttl,
            workflow=env.get(c.ENV_WORKFLOW_NAME, "").strip(),
        )


def _job_error(response: Mapping[str, Any]) -> str:
    """``<errorType>: <errorMessage>`` of a failed synchronous invocation, capped."""
    raw = response["Payload"].read() if hasattr(response.get("Payload"), "read") else b""
    try:
        payload = json.loads(raw) if raw else {}
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    kind = payload.get("errorType") or response.get("FunctionError") or "Unhandled"
    text = f"{kind}: {payload.get('errorMessage', '')}".rstrip(": ")
    return text[:MAX_JOB_ERROR_CHARS]


def run(
    event: UrlStarterEvent,
    config: UrlStarterConfig,
    *,
    store: WaiterStore,
    lambda_client: Any,
    now: float,
) -> dict[str, Any]:
    """Register the URL waiter, then start the job; see the module docstring."""
    key = signing_key(config.secret_arn, create=True)
    if key is None:  # create=True returns a key or raises; kept explicit for python -O
        raise RuntimeError("no signing key")
    try:
        waiter, urls = register_url_waiter(
            store,
            event.token,
            url_ttl_seconds=config.url_ttl_seconds,
            waiter_ttl_seconds=config.waiter_ttl_seconds,
            workflow=config.workflow,
            execution=event.execution,
            key=key,
            base_url=config.base_url,
            now=now,
        )
    except Exception as exc:
        if is_throttling(exc):
            raise CallbackThrottled(f"registering the waiter: {error_message(exc)}") from exc
        raise
    expires_at = waiter.created_at + config.url_ttl_seconds
    result: dict[str, Any] = {
        "workflow": config.workflow,
        "execution": event.execution,
        "job_function": config.job_function,
        "expires_at": expires_at,
    }
    if waiter.started_at is not None:
        return {**result, "result": "already_started"}
    job_event = {
        c.JOB_EVENT_CALLBACK_URLS: urls,
        c.JOB_EVENT_EXPIRES_AT: expires_at,
        c.JOB_EVENT_EXECUTION: event.execution,
        c.JOB_EVENT_INPUT: event.input,
    }
    try:
        response = lambda_client.invoke(
            FunctionName=config.job_function,
            InvocationType="RequestResponse",
            Payload=json.dumps(job_event).encode("utf-8"),
        )
    except Exception as exc:
        store.delete(waiter.key, event.token)
        code = error_code(exc)
        if is_throttling(exc):
            raise CallbackThrottled(f"invoking the job function: {error_message(exc)}") from exc
        raise CallbackJobFailed(f"invoking the job function: {code}: {error_message(exc)}") from exc
    if response.get("FunctionError"):
        store.delete(waiter.key, event.token)
        raise CallbackJobFailed(_job_error(response))
    try:
        store.mark_started(waiter.key, event.token, now=time.time())
    except Exception as exc:
        # Only protects retries from starting the job twice: the job runs, the wait stands.
        log("WARNING", "could not record the start on the waiter", error=repr(exc))
    return {**result, "result": "started"}


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point (``contract.URL_STARTER_HANDLER``)."""

    def start() -> dict[str, Any]:
        config = UrlStarterConfig.from_env(os.environ)
        return run(
            UrlStarterEvent.from_event(event),
            config,
            store=WaiterStore(config.table_name),
            lambda_client=aws_client("lambda"),
            now=time.time(),
        )

    # The type and message only: messages here never quote the key, URLs or the token.
    result = logged_failure("url_starter", "url starter failed", context, start)
    log("INFO", "url starter", handler="url_starter", **result)
    return result
