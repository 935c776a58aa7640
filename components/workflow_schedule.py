"""``WorkflowSchedule``: your own workflow (a pipeline around a waiter) started on a schedule.

The waiter components take a ``schedule`` to start their own runs; a pipeline's parent (a
state machine nesting a waiter, or a durable function chaining one) is the user's, so it gets
the same schedule through this component: the same starter, roles, dead-letter queue and alarm
(``_internal/schedule.py``), pointed at the parent.
"""

import json
from collections.abc import Mapping
from typing import Any, Final, Required

import pulumi

from ._internal.component import DmsWaitersComponent
from ._internal.schedule import schedule_runs, schedule_settings
from ._internal.shared_args import TagsArgs
from ._internal.shared_outputs import ScheduleOutputs
from .arguments import ArgChecker
from .documents import schedules
from .documents.parent_policies import parse_arn
from .lambdas import contract
from .scheduling import ScheduleArgs

COMPONENT: Final = "WorkflowSchedule"
TARGETS: Final = ("state_machine_arn", "durable_function_arn")


class WorkflowScheduleArgs(TagsArgs, total=False):
    """Arguments of ``WorkflowSchedule``: exactly one workflow to start, and when."""

    state_machine_arn: pulumi.Input[str]
    """ARN of the state machine to start (a pipeline's parent); each run is an execution named
    ``<name>-<scheduled time>``. Give this or ``durable_function_arn``."""
    durable_function_arn: pulumi.Input[str]
    """Qualified ARN (alias or version) of the durable function to start (a durable parent);
    each run is a durable execution named ``<name>-<scheduled time>``. Give this or
    ``state_machine_arn``."""
    schedule: Required[ScheduleArgs]
    """When to start runs (required). ``start_type``, when given, is added to each run's input
    as ``start_type``; without it the input is ``input`` alone."""
    input: dict[str, Any]
    """JSON object each run starts with; default ``{}``. Scheduler's context attributes
    (``<aws.scheduler.scheduled-time>``...) in its strings are replaced at each run."""
    log_retention_days: int
    """Retention of the schedule starter's log group; default 30."""
    tracing: bool
    """X-Ray tracing of the schedule starter; default false."""


def _target(check: ArgChecker, args: Mapping[str, Any]) -> tuple[str, str, pulumi.Input[str]]:
    """(argument, kind, ARN) of the one workflow given; a known ARN is checked."""
    given = [key for key in TARGETS if args.get(key) not in (None, "")]
    if len(given) != 1:
        raise check.fail(
            TARGETS[0] if not given else given[1],
            "give exactly one of state_machine_arn and durable_function_arn",
        )
    argument = given[0]
    arn = args[argument]
    if argument == "state_machine_arn":
        if isinstance(arn, str):
            try:
                parse_arn(arn, "stateMachine")
            except ValueError:
                raise check.fail(
                    argument,
                    f"is {arn!r}; expected arn:<partition>:states:<region>:<account-id>:"
                    "stateMachine:<name>",
                ) from None
        return argument, contract.KIND_SFN, arn
    if isinstance(arn, str):
        try:
            parse_arn(arn, "function")
        except ValueError:
            arn_ok = False
        else:
            arn_ok = arn.count(":") == 7
        if not arn_ok:
            raise check.fail(
                argument,
                f"is {arn!r}; expected a qualified function ARN, arn:<partition>:lambda:"
                "<region>:<account-id>:function:<name>:<alias or version> (durable functions "
                "are invoked through a version or an alias)",
            )
    return argument, contract.KIND_DURABLE, arn


def _run_input(check: ArgChecker, args: Mapping[str, Any]) -> dict[str, Any]:
    value = args.get("input", {})
    if not isinstance(value, Mapping):
        raise check.fail("input", f"must be a JSON object, got {value!r}")
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise check.fail("input", f"must be plain JSON (known at preview): {exc}") from None
    if contract.PAYLOAD_SCHEDULED_TIME in value:
        raise check.fail(
            "input", f"may not hold {contract.PAYLOAD_SCHEDULED_TIME!r}, the starter's own key"
        )
    return dict(value)


class WorkflowSchedule(DmsWaitersComponent, ScheduleOutputs):
    """Start your own workflow on an EventBridge Scheduler schedule: a pipeline's parent state
    machine, or a durable parent function, with the guarantees of a waiter's ``schedule``.

    Each scheduled time starts one run named ``<name>-<yyyymmddThhmmssZ>`` (a repeated delivery
    starts nothing new); the starter's role may start this workflow only, the scheduler's role
    may invoke this starter only; a start that fails every retry goes to a dead-letter queue
    whose alarm notifies ``schedule.alarm_actions``.

    Creates: the schedule (default group), its execution role, the schedule starter function
    and its role, the dead-letter queue and its alarm.
    """

    def __init__(
        self,
        name: str,
        args: WorkflowScheduleArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT, name, opts)
        check = self._check
        check.known_arguments(args, WorkflowScheduleArgs.__annotations__)
        if args.get("schedule") is None:
            raise check.fail("schedule", "is required: a mapping of ScheduleArgs")
        _, kind, target_arn = _target(check, args)
        run_input = _run_input(check, args)
        settings = schedule_settings(check, name, args)
        assert settings is not None
        logging = check.logging(args)
        # The run's start type only when the schedule names one: the input is the user's.
        start_type = settings.start_type if "start_type" in args["schedule"] else None
        self.schedule_arn = schedule_runs(
            name,
            parent=self,
            settings=settings,
            kind=kind,
            target_arn=target_arn,
            logging=logging,
            tags=args.get("tags"),
            depends_on=[],
            target_input=schedules.schedule_target_input(start_type, run_input),
        )
        self.register_outputs({"schedule_arn": self.schedule_arn})


__all__ = ["WorkflowSchedule", "WorkflowScheduleArgs"]
