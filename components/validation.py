"""Argument checks shared by every component: fail at preview time, naming the argument."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

# arn:<partition>:dms:<region>:<account>:task:<id>
REPLICATION_TASK_ARN_RE: Final = re.compile(
    r"^arn:aws[a-zA-Z-]*:dms:[a-z0-9-]+:\d{12}:task:[A-Za-z0-9-]+$"
)


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

    def integer(self, argument: str, value: Any, minimum: int, maximum: int | None = None) -> int:
        """Return ``value`` if it is a whole number within [minimum, maximum]."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(argument, f"must be a whole number of seconds, got {value!r}")
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            raise self.fail(argument, f"is {value}; it must be at least {minimum}{upper}")
        return value

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
