"""A hub's arguments (``DmsEventHubArgs``) and their checks (``hub_settings_from_args``)."""

from dataclasses import dataclass
from typing import Any, Final, TypedDict

import pulumi

from ..arguments import DEFAULT_LOG_RETENTION_DAYS, ArgChecker
from .reference import MAX_RECONCILE_EVERY_MINUTES

COMPONENT: Final = "DmsEventHub"
DEFAULT_RECONCILE_EVERY_MINUTES: Final = 15


class DmsEventHubArgs(TypedDict, total=False):
    """Arguments of ``DmsEventHub``; all optional."""

    reconcile_every_minutes: int | None
    """How often the reconciler runs (heartbeats, and resumes waits whose event was lost):
    default 15, 1 to 1440; ``0`` turns it off (then nothing heartbeats and a lost event is only
    caught by each workflow's timeout)."""
    include_serverless: bool
    """Also route DMS Serverless replication state changes (``DMS Replication State Change``)
    to the resume Lambda; default false."""
    callback_url: bool
    """Add the HTTP callback endpoint for third-party services that only accept a callback URL
    (``CallbackUrlWorkflow``): a public Lambda function URL that accepts signed, expiring,
    single-use URLs, and a Secrets Manager secret for the signing key; default false."""
    deletion_protection: bool
    """DynamoDB deletion protection on the waiter table; default true. The table holds every
    in-flight wait: deleting it (a destroy, or a replacement after a change of its key) would
    leave every waiting workflow hanging until its deadline, so AWS refuses to delete it until
    this is turned off (see docs/guide.md, "Moving a hub")."""
    alarms: bool
    """Create the CloudWatch alarms (dead-letter queue not empty, errors of each Lambda, and with
    the reconciler: lost events it caught, waits past their deadline), each description linking
    its runbook; default true."""
    dashboard: bool
    """Create a CloudWatch dashboard named after the waiter table: the hub's metrics (waits
    registered, resumed by an event or by the reconciler, in flight, past their deadline, resume
    latency, heartbeats, errors), the dead-letter queue's depth and the Lambdas' errors; default
    true."""
    alarm_actions: list[pulumi.Input[str]]
    """SNS topic ARNs notified when an alarm fires; default none."""
    log_retention_days: int
    """Retention of the Lambda log groups; default 30 (a CloudWatch Logs retention value)."""
    tags: pulumi.Input[dict[str, str]]
    """Tags for every taggable resource."""


@dataclass(frozen=True)
class HubSettings:
    """Validated ``DmsEventHubArgs``."""

    reconcile_every_minutes: int
    """0 when the reconciler is off."""
    include_serverless: bool
    callback_url: bool
    deletion_protection: bool
    alarms: bool
    dashboard: bool
    alarm_actions: list[Any]
    log_retention_days: int

    @property
    def tracing(self) -> bool:
        """False: a hub takes no ``tracing`` argument, so its functions are not traced (with
        ``log_retention_days``, the ``logging`` of its functions)."""
        return False


def hub_settings_from_args(name: str, args: DmsEventHubArgs) -> HubSettings:
    """Validate every argument, raising ``InvalidArgumentError`` naming the first bad one."""
    check = ArgChecker(COMPONENT, name)
    if not isinstance(args, dict):
        raise check.fail("args", f"must be a mapping of DmsEventHubArgs, got {args!r}")
    check.known_arguments(args, DmsEventHubArgs.__annotations__)
    raw_period = args.get("reconcile_every_minutes", DEFAULT_RECONCILE_EVERY_MINUTES)
    period = 0
    if raw_period is not None and raw_period != 0:
        period = check.integer(
            "reconcile_every_minutes", raw_period, 1, MAX_RECONCILE_EVERY_MINUTES, unit="minutes"
        )
    return HubSettings(
        reconcile_every_minutes=period,
        include_serverless=check.boolean(
            "include_serverless", args.get("include_serverless", False)
        ),
        callback_url=check.boolean("callback_url", args.get("callback_url", False)),
        deletion_protection=check.boolean(
            "deletion_protection", args.get("deletion_protection", True)
        ),
        alarms=check.boolean("alarms", args.get("alarms", True)),
        dashboard=check.boolean("dashboard", args.get("dashboard", True)),
        alarm_actions=check.sns_topic_arns("alarm_actions", args.get("alarm_actions", [])),
        log_retention_days=check.log_retention_days(
            "log_retention_days", args.get("log_retention_days", DEFAULT_LOG_RETENTION_DAYS)
        ),
    )


#: The hub's arguments when none are given (never modified).
NO_ARGS: Final[DmsEventHubArgs] = {}
