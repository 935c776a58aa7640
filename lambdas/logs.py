"""One structured JSON log line per decision, written to stdout (CloudWatch Logs in Lambda).

Standard library only: a JSON object per line is what Logs Insights and metric filters parse,
and ``print`` needs no handler configuration in the Lambda runtime or in tests.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

Result = TypeVar("Result")


def json_default(value: Any) -> Any:
    """JSON for what boto3 returns besides plain data: datetimes (ISO 8601), bytes, sets."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def log(level: str, message: str, **fields: Any) -> dict[str, Any]:
    """Write ``{"level", "message", **fields}`` as one JSON line; return the record."""
    record: dict[str, Any] = {"level": level, "message": message, **fields}
    sys.stdout.write(json.dumps(record, default=json_default, sort_keys=True) + "\n")
    sys.stdout.flush()
    return record


def logged_failure(handler: str, message: str, context: Any, body: Callable[[], Result]) -> Result:
    """``body()``; if it raises, one ERROR line (the handler, the error's type and message, the
    request id) before the exception goes on to Lambda. Messages the handlers raise never quote
    a key, a URL's signature or a token."""
    try:
        return body()
    except Exception as exc:
        log(
            "ERROR",
            message,
            handler=handler,
            error=type(exc).__name__,
            detail=str(exc),
            request_id=getattr(context, "aws_request_id", None),
        )
        raise
