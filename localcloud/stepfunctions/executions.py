"""Step Functions executions read back: how one ended, with the figures patterns compare on."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from ..run_result import RunTiming


@dataclass(frozen=True)
class ExecutionResult(RunTiming):
    """How one execution ended, with the numbers the patterns are compared on."""

    execution_arn: str
    status: str
    output: Any
    """Parsed JSON output (None unless SUCCEEDED)."""
    error: str | None
    cause: str | None
    history: list[dict[str, Any]] = field(repr=False)
    """Every history event in GetExecutionHistory's shape (timestamps as ISO-8601 strings)."""
    started_at: float
    """Virtual time the execution started."""
    ended_at: float
    """Virtual time it terminated."""
    dms_stopped_at: float | None
    """Virtual time the replication task's latest run ended (stopped or failed), if it did."""

    @property
    def transitions(self) -> int:
        """Billed state transitions: one per ``*StateEntered`` event."""
        return sum(1 for e in self.history if e["type"].endswith("StateEntered"))

    @property
    def retries(self) -> int:
        """Task attempts beyond the first of each Task state entry (each is a new TaskScheduled).

        AWS bills a retry as a state transition, but records no ``*StateEntered`` event for it.
        """
        scheduled = sum(1 for e in self.history if e["type"] == "TaskScheduled")
        return scheduled - sum(1 for e in self.history if e["type"] == "TaskStateEntered")

    @property
    def billed_transitions(self) -> int:
        """What Step Functions Standard bills: state transitions plus retries."""
        return self.transitions + self.retries

    def events(self, *types: str) -> list[dict[str, Any]]:
        """History events of the given types."""
        return [e for e in self.history if e["type"] in types]

    def entered_states(self) -> list[str]:
        """Names of the states entered, in order."""
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in self.history
            if e["type"].endswith("StateEntered")
        ]


def moto_execution(account_id: str, region: str, execution_arn: str) -> Any:
    """moto's execution object, which must have been started under a local cloud's clock."""
    backend = stepfunctions_parser_backends[account_id][region]
    execution = backend.describe_execution(execution_arn)
    if not hasattr(execution, "_localcloud_started_at"):
        raise RuntimeError(
            f"execution {execution_arn} was not started under this LocalCloud's clock"
        )
    return execution


def execution_result(
    sfn: Any, execution: Any, execution_arn: str, *, dms_stopped_at: float | None
) -> ExecutionResult:
    """How the (ended) ``execution`` went, read through the ``sfn`` client and from moto."""
    described = sfn.describe_execution(executionArn=execution_arn)
    # Read the history from moto directly: GetExecutionHistory would serialise hundreds of
    # events through moto's generic serializer, seconds of real time for a long poll loop.
    # The events have GetExecutionHistory's shape (timestamps as ISO strings).
    history = copy.deepcopy(execution.to_history_output()["events"])
    output = described.get("output")
    return ExecutionResult(
        execution_arn=execution_arn,
        status=described["status"],
        output=json.loads(output) if output is not None else None,
        error=described.get("error"),
        cause=described.get("cause"),
        history=history,
        started_at=execution._localcloud_started_at,
        ended_at=execution._localcloud_ended_at,
        dms_stopped_at=dms_stopped_at,
    )
