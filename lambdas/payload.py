"""The invocation payloads of the starters and the durable waiter: one check for each field.

A ``waitForTaskToken`` payload (``contract.PAYLOAD_TOKEN``, ``PAYLOAD_EXECUTION``) and the
optional start type override (``PAYLOAD_START_TYPE``) that the starter and the durable waiter
both accept. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from . import contract as c
from .errors import DmsInvalidInput

#: Step Functions task tokens are 1-2048 characters.
MAX_TOKEN_CHARS: Final = 2048


def token_and_execution(event: Any, invalid: type[Exception]) -> tuple[str, str | None]:
    """The task token and execution id of a ``waitForTaskToken`` payload; ``invalid`` names
    what is wrong."""
    if not isinstance(event, Mapping):
        raise invalid("the payload must be a JSON object with a 'token'")
    token = event.get(c.PAYLOAD_TOKEN)
    if not isinstance(token, str) or not 1 <= len(token) <= MAX_TOKEN_CHARS:
        raise invalid(
            f"'{c.PAYLOAD_TOKEN}' must be the task token ($$.Task.Token), a string of 1 to "
            f"{MAX_TOKEN_CHARS} characters"
        )
    execution = event.get(c.PAYLOAD_EXECUTION)
    if execution is not None and not isinstance(execution, str):
        raise invalid(f"'{c.PAYLOAD_EXECUTION}' must be a string")
    return token, execution


def requested_start_type(event: Any) -> str | None:
    """The event's ``start_type`` override (None when absent); ``DmsInvalidInput`` if bad."""
    if event is None:
        return None
    if not isinstance(event, Mapping):
        raise DmsInvalidInput("the payload must be a JSON object (or empty)")
    start_type = event.get(c.PAYLOAD_START_TYPE)
    if start_type is not None and not isinstance(start_type, str):
        raise DmsInvalidInput(f"'{c.PAYLOAD_START_TYPE}' must be a string")
    return start_type
