"""DmsEventHub under Pulumi mocks: resources, table, rule, target, DLQ, exact IAM, alarms."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest
from moto.events.models import EventPattern

from dms_waiters import DmsEventHub
from dms_waiters._internal.handler_archive import handler_archive
from dms_waiters._internal.lambda_function import ARCHITECTURE, RUNTIME
from dms_waiters.documents import runbook
from dms_waiters.documents.event_patterns import dms_state_change_pattern, schedule_expression
from dms_waiters.lambdas import contract
from dms_waiters.stack import HUB_OUTPUT_NAMES
from dms_waiters.testing import DmsWaitersMocks, run_program
from tests.components.conftest import (
    ACCOUNT,
    DESCRIBE_TASKS,
    REGION,
    SEND_TASK_RESULTS_AND_HEARTBEATS,
    bad_arguments_test,
    complete_durable_callbacks,
    deploy_component,
    one,
    own_log_group,
    policy_document,
    policy_of,
    resolve_outputs,
)
from tests.names import function_name, lambda_function, log_group_name
from tests.paths import EVENTS_DIR, ROOT

EVENTS = EVENTS_DIR


def deploy(args: dict[str, Any] | None = None, name: str = "events") -> DmsWaitersMocks:
    return deploy_component(DmsEventHub, name, args)


def table_name(mocks: DmsWaitersMocks) -> str:
    return str(one(mocks, "aws:dynamodb/table:Table").output("name"))


def table_arn(mocks: DmsWaitersMocks) -> str:
    return str(one(mocks, "aws:dynamodb/table:Table").output("arn"))


def test_creates_exactly_the_documented_resources() -> None:
    mocks = deploy()
    assert sorted((r.type, r.name) for r in mocks.created()) == sorted(
        [
            ("dms-waiters:index:DmsEventHub", "events"),
            ("aws:dynamodb/table:Table", "events-waiters"),
            ("aws:sqs/queue:Queue", "events-dlq"),
            ("aws:sqs/queuePolicy:QueuePolicy", "events-dlq-policy"),
            ("aws:cloudwatch/eventRule:EventRule", "events-dms-events"),
            ("aws:cloudwatch/eventTarget:EventTarget", "events-resume-target"),
            ("aws:lambda/permission:Permission", "events-resume-permission"),
            ("aws:cloudwatch/logGroup:LogGroup", "events-resume-logs"),
            ("aws:iam/role:Role", "events-resume-role"),
            ("aws:iam/rolePolicy:RolePolicy", "events-resume-policy"),
            ("aws:lambda/function:Function", "events-resume"),
            ("aws:cloudwatch/logGroup:LogGroup", "events-reconciler-logs"),
            ("aws:iam/role:Role", "events-reconciler-role"),
            ("aws:iam/rolePolicy:RolePolicy", "events-reconciler-policy"),
            ("aws:lambda/function:Function", "events-reconciler"),
            ("aws:cloudwatch/eventRule:EventRule", "events-reconcile-schedule"),
            ("aws:cloudwatch/eventTarget:EventTarget", "events-reconcile-target"),
            ("aws:lambda/permission:Permission", "events-reconciler-permission"),
            ("aws:cloudwatch/metricAlarm:MetricAlarm", "events-dlq-not-empty"),
            ("aws:cloudwatch/metricAlarm:MetricAlarm", "events-resume-errors"),
            ("aws:cloudwatch/metricAlarm:MetricAlarm", "events-reconciler-errors"),
            ("aws:cloudwatch/metricAlarm:MetricAlarm", "events-lost-events"),
            ("aws:cloudwatch/metricAlarm:MetricAlarm", "events-overdue-waits"),
            ("aws:cloudwatch/dashboard:Dashboard", "events-dashboard"),
        ]
    )


def test_every_child_hangs_off_the_component() -> None:
    mocks = deploy()
    (hub,) = mocks.created("dms-waiters:index:DmsEventHub")
    assert all(r.parent == hub.urn for r in mocks.created() if r is not hub)


def test_waiter_table_is_on_demand_encrypted_recoverable_and_expires_waiters() -> None:
    table = one(deploy(), "aws:dynamodb/table:Table").inputs
    assert table["billingMode"] == "PAY_PER_REQUEST"
    assert table["hashKey"] == contract.KEY == "pk"
    assert table["attributes"] == [{"name": "pk", "type": "S"}]
    assert "rangeKey" not in table
    assert table["ttl"] == {"attributeName": contract.ATTR_EXPIRES_AT, "enabled": True}
    assert table["serverSideEncryption"] == {"enabled": True}
    assert table["pointInTimeRecovery"] == {"enabled": True}


def test_the_waiter_table_is_protected_from_deletion_unless_turned_off() -> None:
    assert one(deploy(), "aws:dynamodb/table:Table").inputs["deletionProtectionEnabled"] is True
    off = one(deploy({"deletion_protection": False}), "aws:dynamodb/table:Table").inputs
    assert off["deletionProtectionEnabled"] is False


def test_dead_letter_queue_is_encrypted_and_keeps_messages_14_days() -> None:
    queue = one(deploy(), "aws:sqs/queue:Queue").inputs
    assert queue["messageRetentionSeconds"] == 14 * 24 * 3600
    assert queue["sqsManagedSseEnabled"] is True


def test_only_the_hubs_rule_may_send_to_the_dead_letter_queue() -> None:
    mocks = deploy()
    queue = one(mocks, "aws:sqs/queue:Queue")
    rule = mocks.by_name("events-dms-events")
    queue_policy = mocks.by_name("events-dlq-policy").inputs
    assert queue_policy["queueUrl"] == queue.output("url")
    assert json.loads(queue_policy["policy"]) == policy_document(
        {
            "Sid": "EventBridgeRuleDeadLetters",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue.output("arn"),
            "Condition": {"ArnEquals": {"aws:SourceArn": rule.output("arn")}},
        }
    )


def test_rule_matches_dms_task_state_changes_on_the_default_bus() -> None:
    rule = deploy().by_name("events-dms-events").inputs
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.dms"],
        "detail-type": ["DMS Replication Task State Change"],
    }
    assert "eventBusName" not in rule  # the default bus, where DMS publishes
    assert "scheduleExpression" not in rule


def test_include_serverless_adds_the_serverless_detail_type() -> None:
    rule = deploy({"include_serverless": True}).by_name("events-dms-events").inputs
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.dms"],
        "detail-type": ["DMS Replication Task State Change", "DMS Replication State Change"],
    }


@pytest.mark.parametrize("event_file", sorted(p.name for p in EVENTS.glob("*.json")))
@pytest.mark.parametrize("serverless", [False, True], ids=["tasks", "with-serverless"])
def test_pattern_matches_every_task_event_shape(event_file: str, serverless: bool) -> None:
    # EventBridge's matching as moto implements it (it agreed with AWS on every case checked).
    event = json.loads((EVENTS / event_file).read_text())
    pattern = EventPattern.load(json.dumps(dms_state_change_pattern(serverless)))
    is_serverless = event_file.startswith("dms_serverless")
    assert pattern.matches_event(event) == (serverless or not is_serverless)


def test_rule_target_is_the_resume_lambda_with_retries_and_a_dead_letter_queue() -> None:
    mocks = deploy()
    rule = mocks.by_name("events-dms-events")
    target = mocks.by_name("events-resume-target").inputs
    assert target["rule"] == rule.output("name")
    assert target["arn"] == mocks.by_name("events-resume").output("arn")
    assert target["retryPolicy"] == {
        "maximumEventAgeInSeconds": 3600,
        "maximumRetryAttempts": 10,
    }
    assert target["deadLetterConfig"] == {"arn": one(mocks, "aws:sqs/queue:Queue").output("arn")}


def test_only_the_rule_may_invoke_the_resume_lambda() -> None:
    mocks = deploy()
    permission = mocks.by_name("events-resume-permission").inputs
    assert permission == {
        "action": "lambda:InvokeFunction",
        "function": mocks.by_name("events-resume").output("name"),
        "principal": "events.amazonaws.com",
        "sourceArn": mocks.by_name("events-dms-events").output("arn"),
    }


def test_resume_lambda_settings() -> None:
    mocks = deploy()
    function = lambda_function(mocks, "events-resume", contract.RESUME_HANDLER)
    assert (RUNTIME, ARCHITECTURE) == ("python3.13", "arm64")
    assert function["timeout"] == 30
    assert function["memorySize"] == 256
    assert "reservedConcurrentExecutions" not in function
    assert function["environment"] == {
        "variables": {
            contract.ENV_WAITER_TABLE: one(mocks, "aws:dynamodb/table:Table").output("name")
        }
    }
    assert function["role"] == mocks.by_name("events-resume-role").output("arn")
    assert function["loggingConfig"] == {
        "logFormat": "Text",
        "logGroup": log_group_name(mocks, "events-resume"),
    }
    assert function["tracingConfig"] == {"mode": "PassThrough"}
    # Async invocations that fail every retry land in the hub's DLQ too.
    assert function["deadLetterConfig"] == {
        "targetArn": one(mocks, "aws:sqs/queue:Queue").output("arn")
    }


def test_each_lambda_logs_to_its_own_log_group_with_retention() -> None:
    mocks = deploy({"log_retention_days": 14})
    for logical in ("events-resume", "events-reconciler"):
        group = mocks.by_name(f"{logical}-logs")
        assert group.inputs == {"namePrefix": f"/aws/lambda/{logical}-", "retentionInDays": 14}
        assert group.options.ignore_changes == ("namePrefix",)  # a rename keeps the group
        assert group.output("name") == log_group_name(mocks, logical)
        function = mocks.by_name(logical).inputs
        assert function["loggingConfig"]["logGroup"] == group.output("name")


def test_lambda_code_is_the_handler_modules_only() -> None:
    code = deploy().by_name("events-resume").inputs["code"]
    assert isinstance(code, pulumi.AssetArchive)
    keys = set(code.assets)
    assert {
        "dms_waiters/__init__.py",
        "dms_waiters/lambdas/__init__.py",
        "dms_waiters/lambdas/contract.py",
        "dms_waiters/lambdas/dms_status.py",
    } <= keys
    assert all(k.startswith("dms_waiters/") and k.endswith(".py") for k in keys)
    assert set(handler_archive().assets) == keys


LAMBDA_TRUST = policy_document(
    {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
)


@pytest.mark.parametrize("role", ["events-resume-role", "events-reconciler-role"])
def test_lambda_roles_trust_lambda_without_a_condition_aws_does_not_document(role: str) -> None:
    # docs/aws-facts.md, "IAM trust policies": Lambda's execution role trust has no condition.
    mocks = deploy()
    assert json.loads(mocks.by_name(role).inputs["assumeRolePolicy"]) == LAMBDA_TRUST
    assert "managedPolicyArns" not in mocks.by_name(role).inputs
    assert not mocks.created("aws:iam/rolePolicyAttachment:RolePolicyAttachment")


def test_exact_resume_policy() -> None:
    mocks = deploy()
    assert policy_of(mocks, "events-resume-policy") == policy_document(
        {
            "Sid": "ReadAndClearWaiters",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:DeleteItem"],
            "Resource": [table_arn(mocks)],
        },
        DESCRIBE_TASKS,
        {
            "Sid": "CompleteWaitingExecutions",
            "Effect": "Allow",
            "Action": ["states:SendTaskSuccess", "states:SendTaskFailure"],
            "Resource": "*",
        },
        {
            "Sid": "DeadLetterQueue",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [one(mocks, "aws:sqs/queue:Queue").output("arn")],
        },
        own_log_group(mocks, "events-resume"),
    )


def test_exact_reconciler_policy() -> None:
    mocks = deploy()
    assert policy_of(mocks, "events-reconciler-policy") == policy_document(
        {
            "Sid": "ScanAndClearWaiters",
            "Effect": "Allow",
            "Action": [
                "dynamodb:Scan",
                "dynamodb:GetItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
            ],
            "Resource": [table_arn(mocks)],
        },
        DESCRIBE_TASKS,
        {
            "Sid": "CompleteAndHeartbeatWaitingExecutions",
            "Effect": "Allow",
            "Action": SEND_TASK_RESULTS_AND_HEARTBEATS,
            "Resource": "*",
        },
        own_log_group(mocks, "events-reconciler"),
    )


def test_reconciler_runs_on_schedule() -> None:
    mocks = deploy()
    schedule = mocks.by_name("events-reconcile-schedule")
    assert schedule.inputs["scheduleExpression"] == "rate(15 minutes)"
    assert "eventPattern" not in schedule.inputs
    reconciler = mocks.by_name("events-reconciler")
    assert reconciler.inputs["handler"] == contract.RECONCILER_HANDLER
    assert reconciler.inputs["timeout"] == 300
    assert "deadLetterConfig" not in reconciler.inputs  # the next run is its retry
    target = mocks.by_name("events-reconcile-target").inputs
    assert target["rule"] == schedule.output("name")
    assert target["arn"] == reconciler.output("arn")
    assert target["retryPolicy"] == {"maximumEventAgeInSeconds": 900, "maximumRetryAttempts": 2}
    permission = mocks.by_name("events-reconciler-permission").inputs
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["sourceArn"] == schedule.output("arn")
    assert permission["function"] == reconciler.output("name")


@pytest.mark.parametrize(
    ("minutes", "expression"), [(1, "rate(1 minute)"), (60, "rate(60 minutes)")]
)
def test_reconcile_period(minutes: int, expression: str) -> None:
    mocks = deploy({"reconcile_every_minutes": minutes})
    assert mocks.by_name("events-reconcile-schedule").inputs["scheduleExpression"] == expression
    assert schedule_expression(minutes) == expression
    assert mocks.by_name("events-reconciler").inputs["timeout"] == min(300, minutes * 60)


@pytest.mark.parametrize("off", [0, None])
def test_reconciler_can_be_turned_off(off: int | None) -> None:
    seen: dict[str, Any] = {}

    def program() -> Any:
        hub = DmsEventHub("events", {"reconcile_every_minutes": off})
        seen["period"] = hub.reconcile_every_minutes
        return hub.reconciler_function_arn.apply(lambda arn: seen.update(arn=arn))

    mocks = run_program(program, DmsWaitersMocks(account_id=ACCOUNT, region=REGION))
    names = {r.name for r in mocks.created()}
    assert not {n for n in names if "reconcil" in n}
    # Both alarms on the reconciler's metrics go with it.
    assert not {"events-lost-events", "events-overdue-waits"} & names
    assert seen == {"period": 0, "arn": None}
    # the resume path and its alarms stay
    assert {"events-resume", "events-dlq-not-empty", "events-resume-errors"} <= names


def test_alarms_watch_the_dlq_and_the_lambdas() -> None:
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:oncall"
    mocks = deploy({"alarm_actions": [topic]})
    # Every alarm fires on one 5-minute period above 0 and calls the topic.
    fires_at_once = {
        "comparisonOperator": "GreaterThanThreshold",
        "threshold": 0,
        "evaluationPeriods": 1,
        "period": 300,
        "treatMissingData": "notBreaching",
        "alarmActions": [topic],
    }
    dlq = mocks.by_name("events-dlq-not-empty").inputs
    assert {k: dlq[k] for k in dlq if k != "alarmDescription"} == {
        "namespace": "AWS/SQS",
        "metricName": "ApproximateNumberOfMessagesVisible",
        "dimensions": {"QueueName": one(mocks, "aws:sqs/queue:Queue").output("name")},
        "statistic": "Maximum",
        **fires_at_once,
    }
    for role in ("resume", "reconciler"):
        alarm = mocks.by_name(f"events-{role}-errors").inputs
        assert {k: alarm[k] for k in alarm if k != "alarmDescription"} == {
            "namespace": "AWS/Lambda",
            "metricName": "Errors",
            "dimensions": {"FunctionName": function_name(mocks, f"events-{role}")},
            "statistic": "Sum",
            **fires_at_once,
        }
        assert alarm["alarmDescription"] == (
            f"The dms-waiters {role} Lambda failed; see its log group "
            f"{log_group_name(mocks, f'events-{role}')}. Runbook: "
            f"{runbook.OPERATIONS_URL}#handler-errors"
        )
    assert dlq["alarmDescription"] == (
        "A DMS event or resume invocation was dead-lettered: a waiting workflow may not have been "
        f"resumed. Inspect and redrive the queue. Runbook: {runbook.OPERATIONS_URL}"
        "#dead-letter-queue-not-empty"
    )


@pytest.mark.parametrize("minutes", [15, 60])
def test_alarms_on_lost_events_and_overdue_waits(minutes: int) -> None:
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:oncall"
    mocks = deploy({"alarm_actions": [topic], "reconcile_every_minutes": minutes})
    hub = {"Hub": table_name(mocks)}
    common = {
        "namespace": "DmsWaiters",
        "dimensions": hub,
        "comparisonOperator": "GreaterThanThreshold",
        "threshold": 0,
        "evaluationPeriods": 1,
        "treatMissingData": "notBreaching",
        "alarmActions": [topic],
    }
    assert mocks.by_name("events-lost-events").inputs == {
        **common,
        "metricName": "WaitsResumedByReconciler",
        "statistic": "Sum",
        "period": 300,
        "alarmDescription": "The reconciler resumed a wait whose DMS event never arrived (or "
        "came late): the event path lost one. Runbook: "
        f"{runbook.OPERATIONS_URL}#lost-events-caught-by-the-reconciler",
    }
    assert mocks.by_name("events-overdue-waits").inputs == {
        **common,
        "metricName": "WaitsOverdue",
        "statistic": "Maximum",
        "period": minutes * 60,  # one data point per reconciler run
        "alarmDescription": "A waiter outlived its workflow's deadline: the workflow should have "
        f"timed out and did not. Runbook: {runbook.OPERATIONS_URL}#waits-past-their-deadline",
    }


def test_every_runbook_link_is_a_section_of_the_operations_manual() -> None:
    manual = (ROOT / "docs" / "operations.md").read_text()
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in manual.splitlines()
        if line.startswith("#")
    }
    assert set(runbook.ANCHORS) <= headings
    assert f"{runbook.REPOSITORY_URL}/blob/main/docs/operations.md" == runbook.OPERATIONS_URL


def test_dashboard_shows_the_hub_metrics_the_dlq_and_the_handler_errors() -> None:
    mocks = deploy()
    dashboard = mocks.by_name("events-dashboard").inputs
    table = table_name(mocks)
    assert dashboard["dashboardName"] == table
    body = json.loads(dashboard["dashboardBody"])
    widgets = body["widgets"]
    assert [(w["x"], w["y"], w["width"], w["height"]) for w in widgets] == [
        (0, 0, 12, 6),
        (12, 0, 12, 6),
        (0, 6, 12, 6),
        (12, 6, 12, 6),
        (0, 12, 12, 6),
        (12, 12, 12, 6),
    ]
    assert {w["type"] for w in widgets} == {"metric"}
    assert {w["properties"]["region"] for w in widgets} == {REGION}
    lines = {w["properties"]["title"]: w["properties"]["metrics"] for w in widgets}

    def own(name: str, stat: str, label: str) -> list[Any]:
        return ["DmsWaiters", name, "Hub", table, {"stat": stat, "label": label}]

    assert lines == {
        "Waits": [
            own("WaitsRegistered", "Sum", "registered"),
            own("WaitsResumedByEvent", "Sum", "resumed by a DMS event"),
            own("WaitsResumedByReconciler", "Sum", "resumed by the reconciler (lost)"),
        ],
        "Waits in flight and past their deadline": [
            own("WaitsInFlight", "Maximum", "in flight"),
            own("WaitsOverdue", "Maximum", "past their deadline"),
        ],
        "Resume latency after DMS stopped (seconds)": [
            own("ResumeLatency", "Average", "average"),
            own("ResumeLatency", "Maximum", "maximum"),
        ],
        "Heartbeats and errors": [
            own("HeartbeatsSent", "Sum", "heartbeats sent"),
            own("Errors", "Sum", "errors"),
        ],
        "Dead-letter queue depth": [
            [
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                one(mocks, "aws:sqs/queue:Queue").output("name"),
                {"stat": "Maximum", "label": "messages"},
            ]
        ],
        "Handler errors": [
            [
                "AWS/Lambda",
                "Errors",
                "FunctionName",
                function_name(mocks, f"events-{role}"),
                {"stat": "Sum", "label": role},
            ]
            for role in ("resume", "reconciler")
        ],
    }


def test_dashboard_can_be_turned_off() -> None:
    assert not deploy({"dashboard": False}).created("aws:cloudwatch/dashboard:Dashboard")


def test_alarms_can_be_turned_off() -> None:
    assert not deploy({"alarms": False}).created("aws:cloudwatch/metricAlarm:MetricAlarm")


def test_alarms_without_actions_still_exist() -> None:
    alarms = deploy().created("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == 5
    assert all(a.inputs.get("alarmActions", []) == [] for a in alarms)


def test_outputs_resolve() -> None:
    # The outputs the stack exports, the plain reconcile period aside; ``seen`` names them all.
    names = [name for name in HUB_OUTPUT_NAMES if name != "reconcile_every_minutes"]
    seen, mocks = resolve_outputs(
        lambda: DmsEventHub("events"), names, plain=["reconcile_every_minutes"]
    )
    table = one(mocks, "aws:dynamodb/table:Table")
    queue = one(mocks, "aws:sqs/queue:Queue")
    assert seen == {
        "reconcile_every_minutes": 15,
        "table_name": table.output("name"),
        "table_arn": table.output("arn"),
        "rule_arn": mocks.by_name("events-dms-events").output("arn"),
        "resume_function_arn": mocks.by_name("events-resume").output("arn"),
        "dlq_url": queue.output("url"),
        "dlq_arn": queue.output("arn"),
        "callback_base_url": None,
        "dashboard_name": table.output("name"),
    }
    assert seen["table_arn"].startswith(f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/")


def test_tags_reach_every_taggable_resource() -> None:
    mocks = deploy({"tags": {"team": "data"}})
    untaggable = {
        "dms-waiters:index:DmsEventHub",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:lambda/permission:Permission",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:cloudwatch/dashboard:Dashboard",  # pulumi-aws's Dashboard takes no tags
    }
    taggable = [r for r in mocks.created() if r.type not in untaggable]
    assert (
        len(taggable) == 15
    )  # table, queue, 2 rules, 2 log groups, 2 roles, 2 functions, 5 alarms
    assert all(r.inputs.get("tags") == {"team": "data"} for r in taggable), [
        r.name for r in taggable if r.inputs.get("tags") != {"team": "data"}
    ]


BAD_ARGS = [
    ({"reconcile_every_minutes": 1441}, "reconcile_every_minutes", "at most 1440"),
    ({"reconcile_every_minutes": -5}, "reconcile_every_minutes", "at least 1"),
    ({"reconcile_every_minutes": 2.5}, "reconcile_every_minutes", "whole number of minutes"),
    ({"reconcile_every_minutes": "15"}, "reconcile_every_minutes", "whole number of minutes"),
    ({"include_serverless": "yes"}, "include_serverless", "true or false"),
    ({"alarms": 1}, "alarms", "true or false"),
    ({"alarm_actions": "arn:aws:sns:eu-west-1:210987654321:t"}, "alarm_actions", "a list"),
    ({"alarm_actions": ["oncall"]}, "alarm_actions", "expected SNS topic ARNs"),
    (
        {"alarm_actions": ["arn:aws:sqs:eu-west-1:210987654321:q"]},
        "alarm_actions",
        "expected SNS topic ARNs",
    ),
    ({"log_retention_days": 10}, "log_retention_days", "allowed values: 1, 3"),
    ({"log_retention_days": "30"}, "log_retention_days", "whole number of days"),
    ({"callback_url": "yes"}, "callback_url", "must be true or false"),
    ({"deletion_protection": "no"}, "deletion_protection", "must be true or false"),
    ({"callback_urls": True}, "callback_urls", "is not an argument; allowed: alarm_actions"),
]


test_bad_arguments_fail_at_preview_naming_the_argument = bad_arguments_test(
    lambda **args: deploy(args), "DmsEventHub 'events'", BAD_ARGS
)


@pytest.mark.parametrize("period", [15, 0])
def test_durable_callback_grant_is_scoped_to_one_function(period: int) -> None:
    function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:waiter-0123abcd"

    def program() -> None:
        hub = DmsEventHub("events", {"reconcile_every_minutes": period})
        hub.allow_durable_callbacks("orders", function_arn, parent=hub)

    mocks = run_program(program, DmsWaitersMocks(account_id=ACCOUNT, region=REGION))
    expected_roles = ["resume", "reconciler"] if period else ["resume"]
    policy = mocks.by_name("orders-callbacks")
    (attachment,) = mocks.created("aws:iam/policyAttachment:PolicyAttachment")
    assert attachment.inputs["policyArn"] == policy.output("arn")
    assert attachment.inputs["roles"] == [
        mocks.by_name(f"events-{role}-role").output("name") for role in expected_roles
    ]
    assert json.loads(policy.inputs["policy"]) == policy_document(
        complete_durable_callbacks(function_arn)
    )


# -- callback URL endpoint ------------------------------------------------------------------------

URL_RESOURCES = [
    ("aws:secretsmanager/secret:Secret", "events-signing-key"),
    ("aws:cloudwatch/logGroup:LogGroup", "events-callback-url-logs"),
    ("aws:iam/role:Role", "events-callback-url-role"),
    ("aws:iam/rolePolicy:RolePolicy", "events-callback-url-policy"),
    ("aws:lambda/function:Function", "events-callback-url"),
    ("aws:lambda/permission:Permission", "events-callback-url-public"),
    ("aws:lambda/permission:Permission", "events-callback-url-invoke"),
    ("aws:lambda/functionUrl:FunctionUrl", "events-callback-url-endpoint"),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "events-callback-url-errors"),
]


def test_callback_url_adds_exactly_the_endpoint_resources() -> None:
    without = {(r.type, r.name) for r in deploy().created()}
    with_url = {(r.type, r.name) for r in deploy({"callback_url": True}).created()}
    assert with_url - without == set(URL_RESOURCES)
    assert without <= with_url


def test_the_signing_key_never_passes_through_the_program() -> None:
    mocks = deploy({"callback_url": True})
    # The secret is created empty: no version, so no key in the program or its state.
    assert mocks.created("aws:secretsmanager/secretVersion:SecretVersion") == []
    secret = mocks.by_name("events-signing-key")
    assert not {"secretString", "secretBinary"} & set(secret.inputs)
    function = mocks.by_name("events-callback-url")
    assert function.inputs["environment"]["variables"] == {
        "WAITER_TABLE": one(mocks, "aws:dynamodb/table:Table").output("name"),
        "SIGNING_SECRET_ARN": secret.output("arn"),
    }
    assert function.inputs["handler"] == contract.CALLBACK_URL_HANDLER


def test_callback_url_is_public_and_signature_checked() -> None:
    mocks = deploy({"callback_url": True})
    url = mocks.by_name("events-callback-url-endpoint")
    assert url.inputs["functionName"] == function_name(mocks, "events-callback-url")
    assert url.inputs["authorizationType"] == "NONE"
    assert url.inputs["invokeMode"] == "BUFFERED"
    assert "cors" not in url.inputs
    public = mocks.by_name("events-callback-url-public").inputs
    assert (public["action"], public["principal"], public["functionUrlAuthType"]) == (
        "lambda:InvokeFunctionUrl",
        "*",
        "NONE",
    )
    invoke = mocks.by_name("events-callback-url-invoke").inputs
    assert (invoke["action"], invoke["principal"], invoke["invokedViaFunctionUrl"]) == (
        "lambda:InvokeFunction",
        "*",
        True,
    )
    assert "sourceArn" not in invoke


def test_exact_callback_url_policy() -> None:
    mocks = deploy({"callback_url": True})
    secret_arn = mocks.by_name("events-signing-key").output("arn")
    assert policy_of(mocks, "events-callback-url-policy") == policy_document(
        {
            "Sid": "ConsumeUrlWaiters",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem"],
            "Resource": [table_arn(mocks)],
        },
        {
            "Sid": "ReadTheSigningKey",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [secret_arn],
        },
        {
            "Sid": "ResumeWaitingExecutions",
            "Effect": "Allow",
            "Action": SEND_TASK_RESULTS_AND_HEARTBEATS,
            "Resource": "*",
        },
        own_log_group(mocks, "events-callback-url"),
    )


def test_callback_url_outputs() -> None:
    seen, mocks = resolve_outputs(
        lambda: DmsEventHub("events", {"callback_url": True}),
        ["callback_base_url", "signing_secret_arn", "callback_function_arn"],
        plain=["callback_url"],
    )
    assert seen == {
        "callback_url": True,
        "callback_base_url": mocks.by_name("events-callback-url-endpoint").output("functionUrl"),
        "signing_secret_arn": mocks.by_name("events-signing-key").output("arn"),
        "callback_function_arn": mocks.by_name("events-callback-url").output("arn"),
    }
    assert seen["callback_base_url"].startswith("https://")
    assert seen["callback_base_url"].endswith(f".lambda-url.{REGION}.on.aws/")


def test_callback_url_alarm_watches_the_endpoint() -> None:
    mocks = deploy({"callback_url": True})
    alarm = mocks.by_name("events-callback-url-errors").inputs
    assert alarm["dimensions"] == {"FunctionName": function_name(mocks, "events-callback-url")}
    assert (alarm["metricName"], alarm["threshold"]) == ("Errors", 0)
    assert "events-callback-url-errors" not in {
        r.name for r in deploy({"callback_url": True, "alarms": False}).created()
    }
