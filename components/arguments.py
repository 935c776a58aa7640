"""The argument types every component shares, and the checks: fail at preview, naming the
argument.

Each fact is checked in one place: the task, start type, stop reasons, deadline, poll intervals,
log level, log retention, tracing and user code every component accepts are validated here
(``ArgChecker``), with the defaults of ``lambdas/contract.py``, so the patterns cannot drift.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol

from .lambdas import contract
from .lambdas import dms_status as dms
from .schedule_expressions import (
    ScheduleExpressionError,
    check_timezone,
    parse_schedule_expression,
)

# arn:<partition>:dms:<region>:<account>:task:<id>
REPLICATION_TASK_ARN_RE: Final = re.compile(
    r"^arn:aws[a-zA-Z-]*:dms:[a-z0-9-]+:\d{12}:task:[A-Za-z0-9-]+$"
)
# arn:<partition>:sns:<region>:<account>:<topic>
SNS_TOPIC_ARN_RE: Final = re.compile(r"^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$")

#: Step Functions Standard's maximum execution duration (one year).
MAX_EXECUTION_SECONDS: Final = 365 * 24 * 3600
#: The retention values CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS: Final = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
DEFAULT_LOG_RETENTION_DAYS: Final = 30
#: The release that removes what 0.2.0 deprecates (CHANGELOG.md, "Deprecation rule").
DEPRECATED_REMOVED_IN: Final = "0.3.0"


class StartType(StrEnum):
    """How the workflow starts the DMS task: ``AUTO`` (the default) decides at start time,
    the others are DMS's ``StartReplicationTaskType`` values, ``NONE`` only waits."""

    AUTO = dms.START_TYPE_AUTO
    """Decide at start time from DescribeReplicationTasks: ``start-replication`` for a task that
    never ran, else ``reload-target`` (full-load) or ``resume-processing`` (cdc,
    full-load-and-cdc): the one type that works on every run."""
    START_REPLICATION = dms.START_REPLICATION
    """Start the task from the beginning; DMS accepts it only on a task's first run."""
    RESUME_PROCESSING = dms.RESUME_PROCESSING
    """Resume a stopped task where it left off (only for a task that ran before)."""
    RELOAD_TARGET = dms.RELOAD_TARGET
    """Reload the target tables from the source, then go on with the task's changes."""
    NONE = dms.START_TYPE_NONE
    """Start nothing: only wait for a task started elsewhere (no start permission)."""


class LogLevel(StrEnum):
    """Step Functions execution log level."""

    ALL = "ALL"
    """Log every event, with the execution data (inputs and outputs)."""
    ERROR = "ERROR"
    """Log only errors (failed states and executions)."""
    FATAL = "FATAL"
    """Log only the errors that fail an execution."""
    OFF = "OFF"
    """Log nothing."""


class WaitMode(StrEnum):
    """How a durable workflow waits: describe the task with backoff, or a callback the hub
    completes when DMS reports the change."""

    POLL = contract.WAIT_MODE_POLL
    """Describe the task with capped exponential backoff until it finishes; no hub."""
    CALLBACK = contract.WAIT_MODE_CALLBACK
    """Wait for a callback that a ``DmsEventHub`` completes when DMS reports the change."""


class PollJitter(StrEnum):
    """Randomisation of a durable poll's delays: exact (``none``) or random in [0, delay]."""

    NONE = contract.POLL_JITTERS[0]
    """Exact delays."""
    FULL = contract.POLL_JITTERS[1]
    """Each delay random in [0, delay]: spreads the describes of many waiters."""


class InvalidArgumentError(ValueError):
    """A component argument has a value the component cannot deploy.

    The message names the component, the resource name, the argument and what is allowed, so a
    failed ``pulumi preview`` points straight at the line of configuration to fix.
    """

    def __init__(self, component: str, name: str, argument: str, problem: str) -> None:
        self.component = component
        self.resource_name = name
        self.argument = argument
        super().__init__(f"{component} '{name}': argument '{argument}' {problem}")


@dataclass(frozen=True)
class TaskArguments:
    """The checked arguments of every component that waits for a DMS task."""

    task_arn: Any
    """The ARN, or an ``Output`` of it (unknown at preview, passed through)."""
    start_type: str
    success_stop_reasons: list[str]


@dataclass(frozen=True)
class LoggingArguments:
    """The checked logging and tracing arguments every component shares."""

    log_level: str
    """The execution log level (``ERROR`` for a component without a state machine)."""
    log_retention_days: int
    tracing: bool


class FunctionLogging(Protocol):
    """What a Lambda function's logging takes: its log group's retention and its tracing
    (``LoggingArguments``, a hub's settings)."""

    @property
    def log_retention_days(self) -> int: ...
    @property
    def tracing(self) -> bool: ...


class Logged(FunctionLogging, Protocol):
    """Anything carrying the logging and tracing arguments (``LoggingArguments``, the polling
    workflow's settings)."""

    @property
    def log_level(self) -> str: ...


#: A user handler: ``module.attribute``, the module possibly dotted (``jobs.etl.handler``).
HANDLER_RE: Final = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


#: EventBridge Scheduler's retry policy range and defaults (CreateSchedule's RetryPolicy).
MAX_SCHEDULE_RETRY_ATTEMPTS: Final = 185
MIN_SCHEDULE_EVENT_AGE_SECONDS: Final = 60
MAX_SCHEDULE_EVENT_AGE_SECONDS: Final = 86400


@dataclass(frozen=True)
class ScheduleSettings:
    """The checked ``schedule`` argument (``scheduling.ScheduleArgs``)."""

    expression: str
    timezone: str
    start_type: str
    enabled: bool
    retry_attempts: int
    max_event_age_seconds: int
    alarm_actions: list[Any]


class ArgChecker:
    """Small helpers that raise ``InvalidArgumentError`` for one component instance."""

    def __init__(self, component: str, name: str) -> None:
        self.component = component
        self.name = name

    def fail(self, argument: str, problem: str) -> InvalidArgumentError:
        """Build the error for ``argument``; callers ``raise`` it."""
        return InvalidArgumentError(self.component, self.name, argument, problem)

    def choice(self, argument: str, value: Any, allowed: Iterable[str]) -> str:
        """Return ``value`` (an enum member's value or a string) if it is one of ``allowed``."""
        allowed = list(allowed)
        raw = getattr(value, "value", value)
        if not isinstance(raw, str) or raw not in allowed:
            raise self.fail(argument, f"is {raw!r}; allowed values: {', '.join(allowed)}")
        return raw

    def integer(
        self,
        argument: str,
        value: Any,
        minimum: int,
        maximum: int | None = None,
        unit: str = "seconds",
    ) -> int:
        """Return ``value`` if it is a whole number (of ``unit``) within [minimum, maximum].

        A whole float (``120.0``) counts: every number other Pulumi languages send arrives as a
        float. A bool does not, though Python counts it as an int.
        """
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(argument, f"must be a whole number of {unit}, got {value!r}")
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            raise self.fail(argument, f"is {value}; it must be at least {minimum}{upper}")
        return value

    def integer_argument(
        self,
        args: Mapping[str, Any],
        argument: str,
        default: int,
        minimum: int,
        maximum: int | None = None,
        unit: str = "seconds",
    ) -> int:
        """``args[argument]`` (``default`` when absent), checked by ``integer``."""
        return self.integer(argument, args.get(argument, default), minimum, maximum, unit)

    def boolean(self, argument: str, value: Any) -> bool:
        """Return ``value`` if it is a bool."""
        if not isinstance(value, bool):
            raise self.fail(argument, f"must be true or false, got {value!r}")
        return value

    def task_arn(self, argument: str, value: Any) -> Any:
        """Check a DMS replication task ARN when it is known at preview time.

        An ``Output`` (for example the ARN of a task created in the same program) is unknown at
        preview and passes through unchecked.
        """
        if value is None or value == "":
            raise self.fail(argument, "is required: the ARN of a DMS replication task")
        if isinstance(value, str) and not REPLICATION_TASK_ARN_RE.match(value):
            raise self.fail(
                argument,
                f"is {value!r}; expected a DMS replication task ARN like "
                "arn:aws:dms:<region>:<account-id>:task:<id>",
            )
        return value

    def known_arguments(self, args: Mapping[str, Any], known: Iterable[str]) -> None:
        """Reject the first key of ``args`` not in ``known``: a misspelt key must not vanish."""
        allowed = sorted(known)
        unknown = sorted(set(args) - set(allowed))
        if unknown:
            raise self.fail(unknown[0], f"is not an argument; allowed: {', '.join(allowed)}")

    def start_type(self, argument: str, value: Any) -> str:
        """A ``StartType`` (member or string); ``none`` means only wait, never start."""
        return self.choice(argument, value, dms.START_TYPES)

    def success_stop_reasons(self, argument: str, value: Any) -> list[str]:
        """A non-empty list of stop reasons (either spelling), returned bare and deduplicated."""
        if isinstance(value, str) or not isinstance(value, list) or not value:
            raise self.fail(
                argument, f"must be a non-empty list; allowed values: {', '.join(dms.STOP_REASONS)}"
            )
        try:
            return dms.validate_stop_reasons(value)
        except ValueError as err:
            raise self.fail(argument, f"has {err}") from None

    def log_level(self, argument: str, value: Any) -> str:
        """A ``LogLevel`` (member or string)."""
        return self.choice(argument, value, [level.value for level in LogLevel])

    def log_retention_days(self, argument: str, value: Any) -> int:
        """One of the retention periods CloudWatch Logs accepts."""
        retention = self.integer(argument, value, 1, unit="days")
        if retention not in LOG_RETENTION_DAYS:
            raise self.fail(
                argument,
                f"is {retention!r}; allowed values: {', '.join(map(str, LOG_RETENTION_DAYS))}",
            )
        return retention

    def sns_topic_arns(self, argument: str, value: Any) -> list[Any]:
        """A list of SNS topic ARNs; ``Output`` items are unknown at preview and pass unchecked."""
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise self.fail(argument, f"must be a list of SNS topic ARNs, got {value!r}")
        for item in value:
            if isinstance(item, str) and SNS_TOPIC_ARN_RE.match(item):
                continue
            if not isinstance(item, str) and hasattr(item, "apply"):  # a pulumi.Output
                continue
            raise self.fail(
                argument,
                f"has {item!r}; expected SNS topic ARNs like "
                "arn:aws:sns:<region>:<account-id>:<topic>",
            )
        return list(value)

    def task(self, args: Mapping[str, Any]) -> TaskArguments:
        """``replication_task_arn``, ``start_type`` (default ``auto``) and
        ``success_stop_reasons`` (default ``dms_status.DEFAULT_SUCCESS_STOP_REASONS``)."""
        return TaskArguments(
            task_arn=self.task_arn("replication_task_arn", args.get("replication_task_arn")),
            start_type=self.start_type("start_type", args.get("start_type", StartType.AUTO)),
            success_stop_reasons=self.success_stop_reasons(
                "success_stop_reasons",
                args.get("success_stop_reasons", list(dms.DEFAULT_SUCCESS_STOP_REASONS)),
            ),
        )

    def timeout(self, args: Mapping[str, Any], maximum: int = MAX_EXECUTION_SECONDS) -> int:
        """``timeout_seconds``: 1 to ``maximum``, default ``contract.DEFAULT_TIMEOUT_SECONDS``."""
        return self.integer_argument(
            args,
            "timeout_seconds",
            contract.DEFAULT_TIMEOUT_SECONDS,
            1,
            maximum,
        )

    def poll_intervals(self, args: Mapping[str, Any], timeout: int) -> tuple[int, int]:
        """``poll_interval_seconds`` and ``max_poll_interval_seconds`` (defaults of
        ``contract``): at least 1, the cap at least the interval, the deadline beyond it."""
        interval = self.integer_argument(
            args,
            "poll_interval_seconds",
            contract.DEFAULT_POLL_INTERVAL_SECONDS,
            1,
        )
        cap = self.integer_argument(
            args,
            "max_poll_interval_seconds",
            contract.DEFAULT_MAX_POLL_INTERVAL_SECONDS,
            1,
        )
        if cap < interval:
            raise self.fail(
                "max_poll_interval_seconds",
                f"is {cap}; it must be at least poll_interval_seconds ({interval})",
            )
        if timeout <= interval:
            raise self.fail(
                "timeout_seconds",
                f"is {timeout}; it must be greater than poll_interval_seconds ({interval})",
            )
        return interval, cap

    def logging(self, args: Mapping[str, Any]) -> LoggingArguments:
        """``log_level`` (default ``ERROR``), ``log_retention_days`` (default 30) and
        ``tracing`` (default false)."""
        return LoggingArguments(
            log_level=self.log_level("log_level", args.get("log_level", LogLevel.ERROR)),
            log_retention_days=self.log_retention_days(
                "log_retention_days", args.get("log_retention_days", DEFAULT_LOG_RETENTION_DAYS)
            ),
            tracing=self.boolean("tracing", args.get("tracing", False)),
        )

    def schedule(self, args: Mapping[str, Any], start_type: str) -> ScheduleSettings | None:
        """The ``schedule`` argument (``ScheduleArgs``), None when absent; ``start_type`` is the
        workflow's, the default of each scheduled run's."""
        from .scheduling import ScheduleArgs  # scheduling imports this module

        value = args.get("schedule")
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.fail("schedule", f"must be a mapping of ScheduleArgs, got {value!r}")
        allowed = sorted(ScheduleArgs.__annotations__)
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise self.fail(f"schedule.{unknown[0]}", f"is not an argument; allowed: {allowed}")
        try:
            parse_schedule_expression(value.get("expression"))
        except ScheduleExpressionError as exc:
            raise self.fail("schedule.expression", str(exc)) from exc
        try:
            timezone = check_timezone(value.get("timezone", "UTC"))
        except ScheduleExpressionError as exc:
            raise self.fail("schedule.timezone", str(exc)) from exc
        return ScheduleSettings(
            expression=value["expression"],
            timezone=timezone,
            start_type=self.start_type("schedule.start_type", value.get("start_type", start_type)),
            enabled=self.boolean("schedule.enabled", value.get("enabled", True)),
            retry_attempts=self.integer(
                "schedule.retry_attempts",
                value.get("retry_attempts", MAX_SCHEDULE_RETRY_ATTEMPTS),
                0,
                MAX_SCHEDULE_RETRY_ATTEMPTS,
                unit="attempts",
            ),
            max_event_age_seconds=self.integer(
                "schedule.max_event_age_seconds",
                value.get("max_event_age_seconds", MAX_SCHEDULE_EVENT_AGE_SECONDS),
                MIN_SCHEDULE_EVENT_AGE_SECONDS,
                MAX_SCHEDULE_EVENT_AGE_SECONDS,
            ),
            alarm_actions=self.sns_topic_arns(
                "schedule.alarm_actions", value.get("alarm_actions", [])
            ),
        )

    def code_dir(self, argument: str, value: Any) -> Path:
        """A user's code directory: an existing local directory (absolute, resolved)."""
        if not isinstance(value, str | Path) or not str(value):
            raise self.fail(argument, f"must be the path of a local directory, got {value!r}")
        path = Path(value).expanduser().resolve()
        if not path.is_dir():
            raise self.fail(argument, f"is {str(value)!r}, which is not a directory")
        return path

    def handler(
        self,
        argument: str,
        value: Any,
        code_dir: Path,
        python: bool = True,
        where: str = "code_dir",
    ) -> str:
        """A user's entry point in ``code_dir`` (the argument ``where``): ``module.attribute``,
        and for Python code the module (``module.py`` or a package) must exist there."""
        if not isinstance(value, str) or not HANDLER_RE.match(value):
            raise self.fail(argument, f"is {value!r}; expected module.attribute, e.g. etl.handler")
        module = value.rpartition(".")[0].replace(".", "/")
        if python and not (
            (code_dir / f"{module}.py").is_file() or (code_dir / module / "__init__.py").is_file()
        ):
            raise self.fail(
                argument, f"is {value!r}, but {where} has neither {module}.py nor {module}/"
            )
        return value

    def renamed(
        self, args: Mapping[str, Any], renames: Mapping[str, str], stacklevel: int = 3
    ) -> dict[str, Any]:
        """``args`` with each deprecated key of ``renames`` (old -> new) under its new name, with
        a ``DeprecationWarning`` naming the replacement (CHANGELOG.md, "Deprecation rule");
        both spellings at once fail, naming the old one."""
        result = dict(args)
        for old, new in renames.items():
            if old not in result:
                continue
            if new in result:
                raise self.fail(old, f"is the deprecated name of {new}: pass only {new}")
            warnings.warn(
                f"{self.component} '{self.name}': argument '{old}' is deprecated and stops "
                f"working in {DEPRECATED_REMOVED_IN}; use '{new}'",
                DeprecationWarning,
                stacklevel=stacklevel,
            )
            result[new] = result.pop(old)
        return result
