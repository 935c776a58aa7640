"""Schedule starter: start one run of a workflow, named after the schedule's scheduled time.

EventBridge Scheduler invokes this function (its templated Lambda target, asynchronously) with
``{"scheduled_time": "<aws.scheduler.scheduled-time>", "start_type"?: ..., "input"?: {...}}``
(``input``: a ``WorkflowSchedule``'s run input, which the run starts with). Why a function
at all: Scheduler substitutes the scheduled time (``2026-11-30T02:00:00Z``) into the target's
input as is, and neither Step Functions execution names nor durable execution names may
contain ':' (docs/aws-facts.md), so a universal target cannot name the run after it.

The name is ``<RUN_NAME_PREFIX>-20261130T020000Z``: every delivery of one scheduled time (a
Scheduler retry, a Lambda retry of this function, a duplicate delivery) names the same run,
and the second start starts nothing:

* Step Functions (``KIND_SFN``): StartExecution with the same name and input as a running
  execution answers with that execution; once it has closed, ``ExecutionAlreadyExists``, which
  this function takes as "already started".
* Durable (``KIND_DURABLE``): an ``Event`` invoke with ``DurableExecutionName``: the same name
  and payload return the existing execution, whatever its state.

Any other error is raised, so Lambda retries the invocation and then sends it to the
function's dead-letter queue (the schedule's).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from .. import contract as c
from .. import dms_status as dms
from ..aws_clients import client as aws_client
from ..errors import DmsInvalidInput, error_code
from ..logs import log, logged_failure

#: The form of ``<aws.scheduler.scheduled-time>``.
SCHEDULED_TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"
#: The characters both execution-name rules allow (durable: ``[a-zA-Z0-9-_]{1,64}``).
_NAME_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: What a run's name adds to the prefix: ``-`` and ``20261130T020000Z``.
RUN_NAME_SUFFIX_LENGTH: Final = 17


def run_name(prefix: str, scheduled_time: str) -> str:
    """The run's name for one scheduled time; ``DmsInvalidInput`` for a malformed time."""
    try:
        when = datetime.strptime(scheduled_time, SCHEDULED_TIME_FORMAT).replace(tzinfo=UTC)
    except (TypeError, ValueError) as exc:
        raise DmsInvalidInput(
            f"{c.PAYLOAD_SCHEDULED_TIME} must look like 2026-11-30T02:00:00Z, got "
            f"{scheduled_time!r}"
        ) from exc
    name = f"{prefix}-{when:%Y%m%dT%H%M%SZ}"
    if not _NAME_RE.match(name):
        raise DmsInvalidInput(f"{c.ENV_RUN_NAME_PREFIX} {prefix!r} makes an invalid run name")
    return name


@dataclass(frozen=True)
class StarterTarget:
    """The function's configuration (environment variables set by the component)."""

    arn: str
    kind: str
    prefix: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StarterTarget:
        """Read and validate the environment; ``DmsInvalidInput`` names the bad variable."""
        arn = env.get(c.ENV_SCHEDULE_TARGET_ARN, "").strip()
        kind = env.get(c.ENV_SCHEDULE_TARGET_KIND, "").strip()
        prefix = env.get(c.ENV_RUN_NAME_PREFIX, "").strip()
        if not arn:
            raise DmsInvalidInput(f"{c.ENV_SCHEDULE_TARGET_ARN} is not set")
        if kind not in (c.KIND_SFN, c.KIND_DURABLE):
            raise DmsInvalidInput(
                f"{c.ENV_SCHEDULE_TARGET_KIND} is {kind!r}; expected {c.KIND_SFN} or "
                f"{c.KIND_DURABLE}"
            )
        if not prefix:
            raise DmsInvalidInput(f"{c.ENV_RUN_NAME_PREFIX} is not set")
        return cls(arn, kind, prefix)


def run_payload(event: Any) -> tuple[str, str]:
    """The scheduled time and the run's input: the payload's ``input`` object (a user's
    workflow, ``WorkflowSchedule``) plus ``{"start_type": ...}`` when the payload has one."""
    if not isinstance(event, Mapping):
        raise DmsInvalidInput(f"the payload must be an object, got {type(event).__name__}")
    scheduled_time = event.get(c.PAYLOAD_SCHEDULED_TIME)
    if not isinstance(scheduled_time, str):
        raise DmsInvalidInput(f"{c.PAYLOAD_SCHEDULED_TIME} is required")
    run_input = event.get(c.PAYLOAD_INPUT, {})
    if not isinstance(run_input, Mapping):
        raise DmsInvalidInput(f"{c.PAYLOAD_INPUT} must be an object, got {run_input!r}")
    start_type = event.get(c.PAYLOAD_START_TYPE)
    if start_type is not None:
        if start_type not in dms.START_TYPES:
            raise DmsInvalidInput(
                f"{c.PAYLOAD_START_TYPE} is {start_type!r}; allowed: {', '.join(dms.START_TYPES)}"
            )
        run_input = {**run_input, c.PAYLOAD_START_TYPE: start_type}
    return scheduled_time, json.dumps(run_input, sort_keys=True)


def start_run(event: Any, target: StarterTarget) -> dict[str, Any]:
    """Start the run named after the event's scheduled time (see the module docstring)."""
    scheduled_time, run_input = run_payload(event)
    name = run_name(target.prefix, scheduled_time)
    result: dict[str, Any] = {"run_name": name, "scheduled_time": scheduled_time}
    if target.kind == c.KIND_SFN:
        try:
            started = aws_client("stepfunctions").start_execution(
                stateMachineArn=target.arn, name=name, input=run_input
            )
        except Exception as exc:
            if error_code(exc) != "ExecutionAlreadyExists":
                raise
            return {**result, "already_started": True}
        return {**result, "execution_arn": started["executionArn"], "already_started": False}
    invoked = aws_client("lambda").invoke(
        FunctionName=target.arn,
        InvocationType="Event",
        DurableExecutionName=name,
        Payload=run_input.encode(),
    )
    arn = invoked.get("DurableExecutionArn")
    return {**result, "execution_arn": arn}


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point: one run per scheduled time."""

    def body() -> dict[str, Any]:
        result = start_run(event, StarterTarget.from_env(os.environ))
        log("INFO", "scheduled run started", **result)
        return result

    return logged_failure("schedule_starter", "scheduled start failed", context, body)
