"""One structured JSON log line per decision, written to stdout (CloudWatch Logs in Lambda).

Standard library only: a JSON object per line is what Logs Insights and metric filters parse,
and ``print`` needs no handler configuration in the Lambda runtime or in tests.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import Any


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
