"""Small helpers the Lambda runtime and the durable functions service share."""

from __future__ import annotations

import json
from typing import Any


def as_bytes(payload: bytes | str | None) -> bytes:
    """A payload as bytes (none at all is the empty JSON object, as Lambda sends it)."""
    if payload is None:
        return b"{}"
    return payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)


def unqualified(arn: str) -> str:
    """A function ARN without its version or alias."""
    parts = arn.split(":")
    return ":".join(parts[:7])


def json_or_text(data: bytes) -> Any:
    """``data`` parsed as JSON, or as text when it is not JSON."""
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")


def arn_part(arn: str, index: int) -> str:
    """Field ``index`` of a colon-separated ARN ("" when it has fewer fields)."""
    parts = arn.split(":")
    return parts[index] if len(parts) > index else ""
