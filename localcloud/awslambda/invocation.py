"""One Lambda invocation: its context object, its result and its record; throttling's error."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any, Final

from moto.awslambda.exceptions import LambdaClientError

#: Bytes of log output ``LogType=Tail`` returns (AWS: the last 4 KB).
TAIL_BYTES: Final = 4096


class TooManyRequestsError(LambdaClientError):
    """Lambda's throttling answer (HTTP 429, ``TooManyRequestsException``)."""

    code = 429

    def __init__(self, message: str = "Rate Exceeded.") -> None:
        super().__init__("TooManyRequestsException", message)


@dataclass(frozen=True)
class InvocationResult:
    """What one handler run produced, in the shape the Invoke API returns."""

    payload: bytes
    """The JSON response, or the error payload when ``function_error`` is set."""
    function_error: str | None
    """``Unhandled`` when the handler (or the runtime loading it) failed, else None."""
    logs: str
    """The log lines written for this invocation (START ... REPORT)."""
    request_id: str
    executed_version: str

    @property
    def error_type(self) -> str | None:
        """``errorType`` of the error payload (None on success)."""
        if self.function_error is None:
            return None
        try:
            value = json.loads(self.payload).get("errorType")
        except (ValueError, AttributeError):
            return None
        return value if isinstance(value, str) else None

    def tail(self) -> str:
        """The base64 ``LogResult`` of ``LogType=Tail``: the last 4 KB of the log."""
        return base64.b64encode(self.logs.encode("utf-8")[-TAIL_BYTES:]).decode("ascii")


@dataclass(frozen=True)
class InvocationRecord:
    """One handler run, for counting and assertions."""

    function_name: str
    version: str
    request_id: str
    invocation_type: str
    """``RequestResponse`` or ``Event``."""
    at: float | None
    """Virtual time of the run (None without a clock)."""
    error_type: str | None
    """``errorType`` when the run failed, else None."""


class LambdaContext:
    """The ``context`` argument of a Python handler (the attributes the AWS runtime provides)."""

    def __init__(
        self,
        *,
        function_name: str,
        function_version: str,
        invoked_function_arn: str,
        memory_limit_in_mb: int,
        aws_request_id: str,
        log_group_name: str,
        log_stream_name: str,
        timeout_seconds: float,
    ) -> None:
        self.function_name = function_name
        self.function_version = function_version
        self.invoked_function_arn = invoked_function_arn
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = aws_request_id
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self.identity: Any = None
        self.client_context: Any = None
        # Real time: handler work costs no virtual time, so only real time can run out.
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout (real time since the call began)."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext({self.function_name}:{self.function_version} {self.aws_request_id})"
