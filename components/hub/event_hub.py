"""``DmsEventHub``: the shared half of the event-driven patterns, one per stack.

Holds the waiter table (who waits for which DMS task, and the token that resumes it), the one
EventBridge rule that turns DMS state changes into resume calls, the resume Lambda, a dead-letter
queue, the scheduled reconciler (heartbeats, and the safety net for lost events) and alarms. Any
number of ``DmsCallbackWorkflow``s share one hub.
"""

import json
from dataclasses import dataclass
from typing import Any, Final, TypedDict

import pulumi
import pulumi_aws as aws

from .._internal.dead_letters import (
    ALARM_PERIOD_SECONDS,
    create_dead_letter_queue,
    queue_not_empty_alarm,
)
from .._internal.lambda_function import LambdaFunction, create_lambda_function
from .._internal.outputs import built_from
from .._internal.partition_check import checked_partition, gated
from ..arguments import DEFAULT_LOG_RETENTION_DAYS, ArgChecker
from ..documents import iam_policies, partitions
from ..documents.dashboard import hub_dashboard
from ..documents.event_patterns import dms_state_change_pattern, schedule_expression
from ..documents.runbook import (
    DLQ_NOT_EMPTY,
    HANDLER_ERRORS,
    LOST_EVENTS,
    OVERDUE_WAITS,
    runbook_url,
)
from ..lambdas import contract
from ..lambdas import metrics as hub_metrics
from ..naming import (
    EVENT_RULE,
    EVENT_TARGET,
    METRIC_ALARM,
    PERMISSION,
    QUEUE,
    SECRET,
    TABLE,
    Children,
    check_component_name,
    lambda_children,
)
from .reference import MAX_RECONCILE_EVERY_MINUTES as MAX_RECONCILE_EVERY_MINUTES
from .reference import DmsEventHubReference

DEFAULT_RECONCILE_EVERY_MINUTES: Final = 15
#: EventBridge's retries of a resume invocation it could not deliver. After an hour the
#: reconciler (every 15 minutes by default) has long since resumed the waiter; what is left goes
#: to the dead-letter queue, whose alarm tells someone.
TARGET_MAX_EVENT_AGE_SECONDS: Final = 3600
TARGET_MAX_RETRY_ATTEMPTS: Final = 10
#: The resume Lambda makes four quick API calls; the reconciler may walk many waiters.
RESUME_TIMEOUT_SECONDS: Final = 30
RECONCILER_TIMEOUT_SECONDS: Final = 300
#: The endpoint makes three quick calls; a caller's HTTP client waits for it.
CALLBACK_URL_TIMEOUT_SECONDS: Final = 15
#: The autonamed resources of a hub with every option on, so one name limit holds whatever the
#: settings (see ``naming``; the reconciler's schedule rule is the binding one).
HUB_CHILDREN: Final[Children] = (
    ("-waiters", TABLE),
    ("-dlq", QUEUE),
    ("-dms-events", EVENT_RULE),
    *lambda_children("-resume"),
    ("-resume-permission", PERMISSION),
    ("-resume-target", EVENT_TARGET),
    *lambda_children("-reconciler"),
    ("-reconcile-schedule", EVENT_RULE),
    ("-reconciler-permission", PERMISSION),
    ("-reconcile-target", EVENT_TARGET),
    ("-signing-key", SECRET),
    *lambda_children("-callback-url"),
    ("-callback-url-public", PERMISSION),
    ("-callback-url-invoke", PERMISSION),
    ("-dlq-not-empty", METRIC_ALARM),
    ("-resume-errors", METRIC_ALARM),
    ("-reconciler-errors", METRIC_ALARM),
    ("-callback-url-errors", METRIC_ALARM),
    ("-lost-events", METRIC_ALARM),
    ("-overdue-waits", METRIC_ALARM),
)


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


def hub_settings_from_args(name: str, args: DmsEventHubArgs) -> HubSettings:
    """Validate every argument, raising ``InvalidArgumentError`` naming the first bad one."""
    check = ArgChecker("DmsEventHub", name)
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


def grant_durable_callbacks(
    name: str,
    resume_role_names: pulumi.Input[list[str]],
    function_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> list[pulumi.CustomResource]:
    """Let a hub's Lambdas complete the callbacks of the durable function ``function_arn``.

    Creates, parented to ``parent`` (the durable workflow, so they go away with it), the managed
    policy ``<name>-callbacks``
    (``lambda:SendDurableExecutionCallback{Success,Failure,Heartbeat}`` on that function's
    versions and aliases only) and its attachment to ``resume_role_names`` (the hub's
    reference carries them). One policy attached to a list of roles, rather than an inline
    policy per role, because a reference from another language is unknown at preview and so is
    its number of roles. The attachment is exclusive (``aws.iam.PolicyAttachment``): nothing
    else attaches this workflow's own policy.
    """
    child = pulumi.ResourceOptions(parent=parent)
    policy = aws.iam.Policy(
        f"{name}-callbacks",
        description=f"Lets a dms-waiters hub complete the callbacks of durable workflow {name}",
        policy=pulumi.Output.from_input(function_arn).apply(
            lambda arn: json.dumps(
                iam_policies.document(*iam_policies.durable_callback_statements(arn))
            )
        ),
        opts=child,
    )
    attachment = aws.iam.PolicyAttachment(
        f"{name}-callbacks",
        policy_arn=policy.arn,
        roles=resume_role_names,
        opts=child,
    )
    return [policy, attachment]


class DmsEventHub(pulumi.ComponentResource):
    """The waiter table, DMS event rule, resume and reconciler Lambdas shared by callback waits.

    A DMS state-change event on the default bus invokes the resume Lambda (EventBridge retries,
    then the dead-letter queue); it looks the task's waiter up, asks DescribeReplicationTasks
    for the real status and, when the task has finished, completes the waiting execution. The
    reconciler runs every ``reconcile_every_minutes``: it heartbeats running waits and completes
    those whose event was lost.

    With ``callback_url``, third-party services resume ``CallbackUrlWorkflow``s by POSTing to
    signed URLs: a public function URL (authorization ``NONE``: the HMAC signature is the
    credential) verifies the signature and expiry, consumes the waiter and resumes the
    execution; a forged URL gets 403, an expired or reused one 410. The signing key lives only
    in Secrets Manager: the secret is created *empty* and the first URL starter generates the
    key into it (``lambdas/signing_key.py``), so it never appears in the program, the Pulumi
    state, the code, logs or outputs.

    Creates: the waiter table (DynamoDB, on demand, encrypted with the AWS managed key,
    point-in-time recovery, TTL on ``expires_at``), the dead-letter queue (SQS-managed
    encryption, 14 days) and its policy, the rule and its target, the resume Lambda (role, log
    group, permission for the rule), the reconciler (Lambda, schedule rule, target, permission)
    unless turned off, with ``callback_url`` the signing-key secret (encrypted with the AWS
    managed key), the endpoint Lambda, its function URL and the two public permissions a
    function URL needs, alarms (DLQ not empty; errors of each Lambda; with the reconciler, lost
    events it caught and waits past their deadline; each linking its runbook in
    docs/operations.md) and a dashboard of the hub's metrics, each unless turned off.

    The handlers publish the hub's metrics as CloudWatch Embedded Metric Format log lines
    (namespace ``DmsWaiters``, dimension ``Hub`` = the table's name; ``lambdas/metrics.py``): no
    API call. Operate a deployed hub with the ``dms-waiters`` command (docs/operations.md).
    """

    table_name: pulumi.Output[str]
    """Name of the waiter table (``WAITER_TABLE`` of every handler)."""
    table_arn: pulumi.Output[str]
    """ARN of the waiter table (workflows scope their starter's policy to it)."""
    rule_arn: pulumi.Output[str]
    """ARN of the EventBridge rule matching DMS state changes."""
    resume_function_arn: pulumi.Output[str]
    """ARN of the resume Lambda."""
    reconciler_function_arn: pulumi.Output[str | None]
    """ARN of the reconciler Lambda; none when it is turned off."""
    dlq_url: pulumi.Output[str]
    """URL of the dead-letter queue (events that could not be delivered or resumed)."""
    dlq_arn: pulumi.Output[str]
    """ARN of the dead-letter queue."""
    callback_base_url: pulumi.Output[str | None]
    """Base URL of the hub's HTTP callback endpoint (its function URL: every signed callback URL
    starts with it); none without the endpoint."""
    signing_secret_arn: pulumi.Output[str | None]
    """ARN of the secret holding the URL signing key (the ARN only, never the value); none
    without ``callback_url``."""
    callback_function_arn: pulumi.Output[str | None]
    """ARN of the callback endpoint Lambda; none without ``callback_url``."""
    dashboard_name: pulumi.Output[str | None]
    """Name of the hub's CloudWatch dashboard (the waiter table's name); none without
    ``dashboard``."""
    reconcile_every_minutes: int
    """The reconciler's period in minutes, 0 when off (a plain number: workflows derive their
    default heartbeat from it at preview)."""
    callback_url: bool
    """Whether the hub has the HTTP callback endpoint (a plain bool: ``CallbackUrlWorkflow``
    checks it at preview)."""
    reference: DmsEventHubReference
    """What a workflow needs of this hub: pass it as the workflow's ``hub`` argument
    (``hub.reference``) to share the hub."""

    def __init__(
        self,
        name: str,
        args: DmsEventHubArgs = NO_ARGS,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dms-waiters:index:DmsEventHub", name, {}, opts)
        check_component_name("DmsEventHub", name, HUB_CHILDREN)
        # None stays accepted from Python (it was the default before 0.2.0).
        args = NO_ARGS if args is None else args
        settings = hub_settings_from_args(name, args)
        tags = args.get("tags")
        child = pulumi.ResourceOptions(parent=self)
        self.reconcile_every_minutes = settings.reconcile_every_minutes

        table = aws.dynamodb.Table(
            f"{name}-waiters",
            billing_mode="PAY_PER_REQUEST",
            hash_key=contract.KEY,
            attributes=[{"name": contract.KEY, "type": "S"}],
            # A waiter whose workflow timed out or vanished expires by itself.
            ttl={"attribute_name": contract.ATTR_EXPIRES_AT, "enabled": True},
            # The AWS managed key (aws/dynamodb): its key policy already lets the account's
            # principals use it through DynamoDB, so no role needs a kms: permission.
            server_side_encryption={"enabled": True},
            point_in_time_recovery={"enabled": True},
            # Every in-flight wait lives here: AWS refuses to delete the table until this is off.
            deletion_protection_enabled=settings.deletion_protection,
            tags=tags,
            opts=child,
        )
        dlq = create_dead_letter_queue(f"{name}-dlq", tags, child)
        rule = aws.cloudwatch.EventRule(
            f"{name}-dms-events",
            description="DMS replication task state changes, to the dms-waiters resume Lambda",
            event_pattern=json.dumps(dms_state_change_pattern(settings.include_serverless)),
            tags=tags,
            opts=child,
        )
        dlq_policy = aws.sqs.QueuePolicy(
            f"{name}-dlq-policy",
            queue_url=dlq.url,
            policy=pulumi.Output.all(dlq.arn, rule.arn).apply(
                lambda arns: json.dumps(iam_policies.dead_letter_queue_policy(arns[0], arns[1]))
            ),
            opts=child,
        )
        resume = create_lambda_function(
            f"{name}-resume",
            parent=self,
            handler=contract.RESUME_HANDLER,
            description="Resumes the workflow waiting for a DMS task when DMS reports a change",
            statements=built_from(iam_policies.resume_statements, table.arn, dlq.arn),
            environment={contract.ENV_WAITER_TABLE: table.name},
            log_retention_days=settings.log_retention_days,
            tags=tags,
            timeout_seconds=RESUME_TIMEOUT_SECONDS,
            dead_letter_queue_arn=dlq.arn,
        )
        self._invoke_from_rule(
            f"{name}-resume",
            rule,
            resume,
            max_event_age_seconds=TARGET_MAX_EVENT_AGE_SECONDS,
            max_retry_attempts=TARGET_MAX_RETRY_ATTEMPTS,
            dead_letter_arn=dlq.arn,
            # Failed deliveries may only flow once the DLQ accepts them.
            depends_on=[dlq_policy],
        )
        reconciler = self._reconciler(name, settings, table, tags)
        self._completers = [("resume", resume)] + (
            [] if reconciler is None else [("reconciler", reconciler)]
        )
        endpoint = self._callback_endpoint(name, settings, table, tags)
        watched = self._completers + ([] if endpoint is None else [("callback-url", endpoint[0])])
        if settings.alarms:
            self._alarms(name, settings, table, dlq, watched, tags)
        dashboard = self._dashboard(name, table, dlq, watched) if settings.dashboard else None

        self.table_name = table.name
        self.table_arn = table.arn
        self.rule_arn = rule.arn
        self.resume_function_arn = resume.arn
        self.reconciler_function_arn = (
            pulumi.Output.from_input(None) if reconciler is None else reconciler.arn
        )
        self.dlq_url = dlq.url
        self.dlq_arn = dlq.arn
        none: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        self.callback_base_url = none if endpoint is None else endpoint[2].function_url
        self.signing_secret_arn = none if endpoint is None else endpoint[1].arn
        self.callback_function_arn = none if endpoint is None else endpoint[0].arn
        self.dashboard_name = none if dashboard is None else dashboard.dashboard_name
        self.callback_url = settings.callback_url
        self.reference = {
            "table_name": self.table_name,
            "table_arn": self.table_arn,
            "reconcile_every_minutes": self.reconcile_every_minutes,
            "callback_url": self.callback_url,
            "resume_role_names": pulumi.Output.all(
                *(function.role.name for _, function in self._completers)
            ),
        }
        if endpoint is not None:
            self.reference["callback_base_url"] = endpoint[2].function_url
            self.reference["signing_secret_arn"] = endpoint[1].arn
        self.register_outputs(
            {
                "table_name": self.table_name,
                "table_arn": self.table_arn,
                "rule_arn": self.rule_arn,
                "resume_function_arn": self.resume_function_arn,
                "reconciler_function_arn": self.reconciler_function_arn,
                "dlq_url": self.dlq_url,
                "dlq_arn": self.dlq_arn,
                "callback_base_url": self.callback_base_url,
                "signing_secret_arn": self.signing_secret_arn,
                "callback_function_arn": self.callback_function_arn,
                "dashboard_name": self.dashboard_name,
                "callback_url": self.callback_url,
                "reconcile_every_minutes": self.reconcile_every_minutes,
                "reference": self.reference,
            }
        )

    def allow_durable_callbacks(
        self, name: str, function_arn: pulumi.Input[str], parent: pulumi.Resource
    ) -> list[pulumi.CustomResource]:
        """Let this hub complete the callbacks of the durable function ``function_arn``: see
        ``grant_durable_callbacks`` (which takes a ``DmsEventHubReference``'s role names)."""
        return grant_durable_callbacks(
            name, self.reference["resume_role_names"], function_arn, parent
        )

    def _callback_endpoint(
        self,
        name: str,
        settings: HubSettings,
        table: aws.dynamodb.Table,
        tags: pulumi.Input[dict[str, str]] | None,
    ) -> tuple[LambdaFunction, aws.secretsmanager.Secret, aws.lambda_.FunctionUrl] | None:
        """The signing-key secret, the endpoint Lambda and its public function URL."""
        if not settings.callback_url:
            return None
        child = pulumi.ResourceOptions(parent=self)
        # No SecretVersion: the key is generated inside AWS on first use (lambdas/signing_key).
        secret = aws.secretsmanager.Secret(
            f"{name}-signing-key",
            description="HMAC key signing dms-waiters callback URLs (generated on first use)",
            tags=tags,
            opts=child,
        )
        # Function URLs are not offered everywhere (China): refused at preview, naming the
        # argument.
        gate = checked_partition(
            self, ArgChecker("DmsEventHub", name), {"callback_url": partitions.FUNCTION_URLS}
        )
        endpoint = create_lambda_function(
            f"{name}-callback-url",
            parent=self,
            handler=contract.CALLBACK_URL_HANDLER,
            description="Resumes a waiting workflow from a signed callback URL",
            statements=built_from(iam_policies.callback_url_statements, table.arn, secret.arn),
            environment={
                contract.ENV_WAITER_TABLE: table.name,
                contract.ENV_SIGNING_SECRET_ARN: secret.arn,
            },
            log_retention_days=settings.log_retention_days,
            tags=tags,
            timeout_seconds=CALLBACK_URL_TIMEOUT_SECONDS,
            gate=gate,
        )
        # Anyone may call the URL: the signature, not IAM, is the credential. Since October
        # 2025 a public function URL needs both permissions.
        public = [
            aws.lambda_.Permission(
                f"{name}-callback-url-public",
                action="lambda:InvokeFunctionUrl",
                function=endpoint.function.name,
                principal="*",
                function_url_auth_type="NONE",
                opts=child,
            ),
            aws.lambda_.Permission(
                f"{name}-callback-url-invoke",
                action="lambda:InvokeFunction",
                function=endpoint.function.name,
                principal="*",
                invoked_via_function_url=True,
                opts=child,
            ),
        ]
        url = aws.lambda_.FunctionUrl(
            f"{name}-callback-url-endpoint",
            function_name=gated(endpoint.function.name, gate),
            authorization_type="NONE",
            invoke_mode="BUFFERED",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*public, *endpoint.invoke_after]),
        )
        return endpoint, secret, url

    def _reconciler(
        self,
        name: str,
        settings: HubSettings,
        table: aws.dynamodb.Table,
        tags: pulumi.Input[dict[str, str]] | None,
    ) -> LambdaFunction | None:
        """The scheduled reconciler, or None when ``reconcile_every_minutes`` is 0."""
        period = settings.reconcile_every_minutes
        if not period:
            return None
        child = pulumi.ResourceOptions(parent=self)
        reconciler = create_lambda_function(
            f"{name}-reconciler",
            parent=self,
            handler=contract.RECONCILER_HANDLER,
            description="Heartbeats waiting workflows and resumes those whose DMS event was lost",
            statements=table.arn.apply(iam_policies.reconciler_statements),
            environment={contract.ENV_WAITER_TABLE: table.name},
            log_retention_days=settings.log_retention_days,
            tags=tags,
            # A run must end before the next one starts.
            timeout_seconds=min(RECONCILER_TIMEOUT_SECONDS, period * 60),
        )
        schedule = aws.cloudwatch.EventRule(
            f"{name}-reconcile-schedule",
            description="Runs the dms-waiters reconciler",
            schedule_expression=schedule_expression(period),
            tags=tags,
            opts=child,
        )
        self._invoke_from_rule(
            f"{name}-reconciler",
            schedule,
            reconciler,
            # A missed run is made good by the next one: no point retrying past the period.
            max_event_age_seconds=max(60, period * 60),
            max_retry_attempts=2,
            target_name=f"{name}-reconcile-target",
        )
        return reconciler

    def _invoke_from_rule(
        self,
        prefix: str,
        rule: aws.cloudwatch.EventRule,
        function: LambdaFunction,
        *,
        max_event_age_seconds: int,
        max_retry_attempts: int,
        dead_letter_arn: pulumi.Input[str] | None = None,
        depends_on: list[pulumi.Resource] | None = None,
        target_name: str | None = None,
    ) -> aws.cloudwatch.EventTarget:
        """Let ``rule`` invoke ``function`` (a permission scoped to the rule) and target it."""
        permission = aws.lambda_.Permission(
            f"{prefix}-permission",
            action="lambda:InvokeFunction",
            function=function.function.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.cloudwatch.EventTarget(
            target_name or f"{prefix}-target",
            rule=rule.name,
            arn=function.arn,
            retry_policy={
                "maximum_event_age_in_seconds": max_event_age_seconds,
                "maximum_retry_attempts": max_retry_attempts,
            },
            dead_letter_config=None if dead_letter_arn is None else {"arn": dead_letter_arn},
            # Events may only flow once the function accepts them and can act and log.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[permission, *function.invoke_after, *(depends_on or [])],
            ),
        )

    def _dashboard(
        self,
        name: str,
        table: aws.dynamodb.Table,
        dlq: aws.sqs.Queue,
        functions: list[tuple[str, LambdaFunction]],
    ) -> aws.cloudwatch.Dashboard:
        """The hub's dashboard (``documents.dashboard``), named after its waiter table."""
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        roles = [role for role, _ in functions]
        body = pulumi.Output.all(
            region, table.name, dlq.name, *(function.name for _, function in functions)
        ).apply(
            lambda values: json.dumps(
                hub_dashboard(
                    values[0], values[1], values[2], list(zip(roles, values[3:], strict=True))
                )
            )
        )
        return aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            # Dashboard names take letters, digits, - and _ only; table names also take ".".
            dashboard_name=table.name.apply(lambda table_name: table_name.replace(".", "-")),
            dashboard_body=body,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _alarms(
        self,
        name: str,
        settings: HubSettings,
        table: aws.dynamodb.Table,
        dlq: aws.sqs.Queue,
        functions: list[tuple[str, LambdaFunction]],
        tags: pulumi.Input[dict[str, str]] | None,
    ) -> None:
        """Alarms for what must never happen quietly: a dead letter, a failing resume path, a
        lost event, a wait outliving its deadline. Each description ends with its runbook."""
        child = pulumi.ResourceOptions(parent=self)
        common: dict[str, Any] = {
            "comparison_operator": "GreaterThanThreshold",
            "threshold": 0,
            "evaluation_periods": 1,
            "period": ALARM_PERIOD_SECONDS,
            # No data means no messages / no invocations: nothing is wrong.
            "treat_missing_data": "notBreaching",
            "alarm_actions": settings.alarm_actions,
            "tags": tags,
            "opts": child,
        }
        queue_not_empty_alarm(
            f"{name}-dlq-not-empty",
            dlq,
            "A DMS event or resume invocation was dead-lettered: a waiting "
            "workflow may not have been resumed. Inspect and redrive the queue. Runbook: "
            + runbook_url(DLQ_NOT_EMPTY),
            **common,
        )
        for role, function in functions:
            aws.cloudwatch.MetricAlarm(
                f"{name}-{role}-errors",
                alarm_description=pulumi.Output.concat(
                    f"The dms-waiters {role} Lambda failed; see its log group ",
                    function.log_group.name,
                    ". Runbook: ",
                    runbook_url(HANDLER_ERRORS),
                ),
                namespace="AWS/Lambda",
                metric_name="Errors",
                dimensions={"FunctionName": function.name},
                statistic="Sum",
                **common,
            )
        period = settings.reconcile_every_minutes
        if not period:
            return  # both metrics come from the reconciler
        hub = {hub_metrics.DIMENSION: table.name}
        reconciler_alarms = (
            (
                "lost-events",
                "The reconciler resumed a wait whose DMS event never arrived (or came late): the "
                "event path lost one. Runbook: " + runbook_url(LOST_EVENTS),
                hub_metrics.RESUMED_BY_RECONCILER,
                "Sum",
                ALARM_PERIOD_SECONDS,
            ),
            (
                "overdue-waits",
                "A waiter outlived its workflow's deadline: the workflow should have timed out "
                "and did not. Runbook: " + runbook_url(OVERDUE_WAITS),
                hub_metrics.WAITS_OVERDUE,
                "Maximum",
                period * 60,  # one data point per reconciler run
            ),
        )
        for suffix, description, metric, statistic, seconds in reconciler_alarms:
            aws.cloudwatch.MetricAlarm(
                f"{name}-{suffix}",
                alarm_description=description,
                namespace=hub_metrics.NAMESPACE,
                metric_name=metric,
                dimensions=hub,
                statistic=statistic,
                **{**common, "period": seconds},
            )
