"""What every measured run reports alike: a state machine execution or a durable execution."""

from __future__ import annotations

import json
from typing import Any


class RunTiming:
    """Virtual duration, resume latency and the parsed cause of a finished run.

    A mixin for the result dataclasses (``cloud.ExecutionResult``,
    ``durable.DurableExecutionResult``), which declare these fields themselves.
    """

    started_at: float
    """Virtual time the run started."""
    ended_at: float
    """Virtual time it ended."""
    dms_stopped_at: float | None
    """Virtual time the replication task's latest run ended (stopped or failed), if it did."""
    cause: str | None

    @property
    def virtual_seconds(self) -> float:
        """How long the run took in virtual time."""
        return self.ended_at - self.started_at

    @property
    def resume_latency(self) -> float | None:
        """Virtual seconds between the DMS task ending and the run ending."""
        return None if self.dms_stopped_at is None else self.ended_at - self.dms_stopped_at

    @property
    def cause_json(self) -> Any:
        """``cause`` parsed as JSON (ValueError if it is not JSON)."""
        if self.cause is None:
            raise ValueError("the run has no cause")
        return json.loads(self.cause)
