"""Callback URL endpoint: resume a waiting workflow from a signed HTTP call (Lambda function URL).

For third-party services that only accept a callback URL: the URL starter hands out signed URLs
(``url_signing``: the signature, the expiry and the waiter ``url#<id>`` they resume).

``handler`` (payload format 2.0, POST only: a GET from a link scanner must not resume anything):

* bad or missing signature, unknown action, malformed parameters -> 403; expired URL -> 410;
  body over ``CALLBACK_MAX_BODY_BYTES`` -> 413; success body that is not JSON -> 400;
* no live waiter ``url#<id>`` (already used, expired or unknown) -> 410: a reused URL resumes
  nothing;
* success / failure: the waiter is *consumed first* (conditional delete on its token), then the
  workflow is resumed, so of concurrent or repeated calls exactly one resumes and the others get
  410. If resuming then fails with a retryable error the waiter is put back and the caller gets
  503 (retry later); "already done" answers (TaskTimedOut, TaskDoesNotExist, InvalidToken) -> 410;
* heartbeat: does not consume; an "already done" answer removes the waiter and gives 410.

Responses are ``{"status": ...}`` and never carry the signature, the token or the key. One JSON
log line per request, without secrets (no signature, token or key).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import time
from collections.abc import Mapping
from typing import Any, Final

from .. import contract as c
from ..completion import MAX_CAUSE_CHARS, TokenGone, completer_for
from ..errors import error_code
from ..logs import log
from ..signing_key import signing_key
from ..url_signing import Expired, Forged, verify
from ..waiter_store import WaiterStore

#: Error names a failure body may choose: no dots (``States.*`` is reserved), short, plain.
_SAFE_ERROR: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_TRUNCATED: Final = " [truncated]"


# -- the HTTP handler ---------------------------------------------------------------------------


class _BodyTooLargeError(Exception):
    """The request body exceeds ``CALLBACK_MAX_BODY_BYTES``."""


def _response(status_code: int, status: str) -> dict[str, Any]:
    return {
        "statusCode": status_code,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps({"status": status}),
    }


def _body(event: Mapping[str, Any]) -> bytes:
    raw = event.get("body")
    if raw is None or raw == "":
        return b""
    if not isinstance(raw, str):
        raise ValueError("body is not a string")
    # Cheap bound before decoding: base64 is 4/3 the size, UTF-8 at least one byte a character.
    if len(raw) > c.CALLBACK_MAX_BODY_BYTES * 4 // 3 + 4:
        raise _BodyTooLargeError
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("body is not valid base64") from exc
    else:
        data = raw.encode("utf-8")
    if len(data) > c.CALLBACK_MAX_BODY_BYTES:
        raise _BodyTooLargeError
    return data


def _cap(text: str) -> str:
    if len(text) <= MAX_CAUSE_CHARS:
        return text
    return text[: MAX_CAUSE_CHARS - len(_TRUNCATED)] + _TRUNCATED


def _failure(data: bytes) -> tuple[str, str]:
    """``(error, cause)`` from a failure body (optional; a JSON object or any text)."""
    text = data.decode("utf-8", errors="replace")
    error: str = c.CALLBACK_DEFAULT_ERROR
    cause = text
    try:
        parsed: Any = json.loads(text) if text.strip() else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        named = parsed.get("error")
        if isinstance(named, str) and _SAFE_ERROR.fullmatch(named):
            error = named
        value = parsed.get("cause")
        if value is None:
            cause = ""
        elif isinstance(value, str):
            cause = value
        else:
            cause = json.dumps(value)
    return error, _cap(cause)


def handle(
    event: Mapping[str, Any], *, store: WaiterStore, key: bytes, now: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Process one request; return ``(HTTP response, log fields)``."""
    fields: dict[str, Any] = {}
    http = (event.get("requestContext") or {}).get("http") or {}
    method = http.get("method")
    fields["method"] = method
    if method != "POST":
        return _response(405, "method_not_allowed"), fields
    try:
        request = verify(event.get("queryStringParameters"), key, now)
    except Expired:
        return _response(410, "expired"), fields
    except Forged as exc:
        fields["reason"] = str(exc)
        return _response(403, "forbidden"), fields
    fields.update(waiter_id=request.waiter_id, action=request.action)
    try:
        data = _body(event)
    except _BodyTooLargeError:
        return _response(413, "too_large"), fields
    except ValueError as exc:
        fields["reason"] = str(exc)
        return _response(400, "bad_request"), fields

    output = ""
    if request.action == c.CALLBACK_ACTION_SUCCESS:
        try:
            output = json.dumps(json.loads(data)) if data.strip() else "{}"
        except ValueError:
            fields["reason"] = "success body is not JSON"
            return _response(400, "bad_request"), fields

    waiter = store.get(request.key, now=now)
    if waiter is None:
        return _response(410, "gone"), fields
    fields.update(workflow=waiter.workflow, execution=waiter.execution)
    completer = completer_for(waiter.kind)

    if request.action == c.CALLBACK_ACTION_HEARTBEAT:
        try:
            completer.heartbeat(waiter.token)
        except TokenGone as exc:
            store.delete(waiter.key, waiter.token)
            fields["code"] = exc.code
            return _response(410, "already_done"), fields
        return _response(200, "heartbeat"), fields

    # Single use: whoever deletes the waiter resumes; a concurrent or repeated call gets 410.
    if not store.delete(waiter.key, waiter.token):
        return _response(410, "gone"), fields
    try:
        if request.action == c.CALLBACK_ACTION_SUCCESS:
            completer.succeed(waiter.token, output)
            status = "resumed"
        else:
            error, cause = _failure(data)
            fields["error"] = error
            completer.fail(waiter.token, error, cause)
            status = "failed"
    except TokenGone as exc:
        fields["code"] = exc.code
        return _response(410, "already_done"), fields
    except Exception as exc:
        # Throttled or unavailable: give the URL back so the caller's retry can succeed.
        fields.update(code=error_code(exc), error_type=type(exc).__name__)
        fields["restored"] = store.restore(waiter)
        return _response(503, "retry_later"), fields
    return _response(200, status), fields


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point (``contract.CALLBACK_URL_HANDLER``), a function URL (payload 2.0)."""
    request_id = getattr(context, "aws_request_id", None)
    if not isinstance(event, Mapping):
        event = {}
    try:
        store = WaiterStore(os.environ.get(c.ENV_WAITER_TABLE, ""))
        key = signing_key(os.environ.get(c.ENV_SIGNING_SECRET_ARN, ""))
        if key is None:
            # No key was ever generated, so no URL was ever issued: nothing can be genuine.
            response, fields = _response(403, "forbidden"), {"reason": "no signing key yet"}
        else:
            response, fields = handle(event, store=store, key=key, now=time.time())
    except Exception as exc:
        # Only the type and the AWS code: a message could quote configuration.
        log(
            "ERROR",
            "callback url request failed",
            handler="callback_url",
            request_id=request_id,
            error_type=type(exc).__name__,
            code=error_code(exc),
        )
        return _response(500, "error")
    status_code = response["statusCode"]
    level = "INFO" if status_code < 400 else "WARNING"
    log(
        level,
        "callback url",
        handler="callback_url",
        request_id=request_id,
        status_code=status_code,
        status=json.loads(response["body"])["status"],
        **fields,
    )
    return response
