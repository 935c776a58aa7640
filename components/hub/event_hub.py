"""``DmsEventHub``: the shared half of the event-driven patterns, one per stack.

Holds the waiter table (who waits for which DMS task, and the token that resumes it), the one
EventBridge rule that turns DMS state changes into resume calls, the resume Lambda, a dead-letter
queue, the scheduled reconciler (heartbeats, and the safety net for lost events) and alarms. Any
number of ``DmsCallbackWorkflow``s share one hub.
"""

import json
from typing import Final

import pulumi
import pulumi_aws as aws

from .._internal.component import DmsWaitersComponent
from .._internal.dead_letters import create_dead_letter_queue
from .._internal.lambda_function import LambdaFunction, create_lambda_function
from .._internal.outputs import built_from
from ..documents import iam_policies
from ..documents.event_patterns import dms_state_change_pattern, schedule_expression
from ..lambdas import contract
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
from .callback_endpoint import create_callback_endpoint
from .monitoring import create_alarms, create_dashboard
from .reference import MAX_RECONCILE_EVERY_MINUTES as MAX_RECONCILE_EVERY_MINUTES
from .reference import DmsEventHubReference
from .settings import COMPONENT, NO_ARGS, HubSettings, hub_settings_from_args
from .settings import DEFAULT_RECONCILE_EVERY_MINUTES as DEFAULT_RECONCILE_EVERY_MINUTES
from .settings import DmsEventHubArgs as DmsEventHubArgs

#: EventBridge's retries of a resume invocation it could not deliver. After an hour the
#: reconciler (every 15 minutes by default) has long since resumed the waiter; what is left goes
#: to the dead-letter queue, whose alarm tells someone.
TARGET_MAX_EVENT_AGE_SECONDS: Final = 3600
TARGET_MAX_RETRY_ATTEMPTS: Final = 10
#: The resume Lambda makes four quick API calls; the reconciler may walk many waiters.
RESUME_TIMEOUT_SECONDS: Final = 30
RECONCILER_TIMEOUT_SECONDS: Final = 300
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


class DmsEventHub(DmsWaitersComponent):
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
        super().__init__(COMPONENT, name, opts)
        check_component_name(COMPONENT, name, HUB_CHILDREN)
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
            logging=settings,
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
        endpoint = create_callback_endpoint(self, self._check, name, settings, table, tags)
        watched = self._completers + ([] if endpoint is None else [("callback-url", endpoint[0])])
        if settings.alarms:
            create_alarms(self, name, settings, table, dlq, watched, tags)
        dashboard = (
            create_dashboard(self, name, table, dlq, watched) if settings.dashboard else None
        )

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
            logging=settings,
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
