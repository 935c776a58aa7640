"""DmsDurableWorkflow under Pulumi mocks: resources per mode, exact IAM, durable config, alias,
environment, hub grant, start command, validation."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pulumi
import pytest
from botocore import xform_name

from dms_waiters import (
    DmsDurableWorkflow,
    DmsEventHub,
    InvalidArgumentError,
    PollJitter,
    StartType,
    WaitMode,
)
from dms_waiters._internal.durable_bundle import bundled_assets
from dms_waiters.durable import MAX_TIMEOUT_SECONDS
from dms_waiters.lambdas import contract
from dms_waiters.lambdas import dms_status as dms
from dms_waiters.testing import DmsWaitersMocks, run_program
from tests.components.conftest import (
    ACCOUNT,
    DESCRIBE_TASKS,
    DURABLE_FUNCTION_OUTPUTS,
    HUB_WAITER_BAD_ARGS,
    LAMBDA_TRACING,
    REGION,
    START_THE_TASK,
    TASK_ARN,
    TASK_WAITER_BAD_ARGS,
    WEEK,
    bad_arguments_test,
    complete_durable_callbacks,
    deploy_task_waiter,
    mocks,
    one,
    own_log_group,
    policy_document,
    register_waiter,
    resolve_outputs,
)
from tests.components.conftest import env_of as function_env
from tests.components.conftest import policy_of as shared_policy_of
from tests.names import function_arn, function_name, lambda_function, log_group_name

COMPONENT = "dms-waiters:index:DmsDurableWorkflow"

#: The workflow's own resources in either mode (the hub's come on top in callback mode).
WAITER_RESOURCES = {
    (COMPONENT, "orders"),
    ("aws:cloudwatch/logGroup:LogGroup", "orders-waiter-logs"),
    ("aws:iam/role:Role", "orders-waiter-role"),
    ("aws:iam/rolePolicy:RolePolicy", "orders-waiter-policy"),
    ("aws:lambda/function:Function", "orders-waiter"),
    ("aws:lambda/alias:Alias", "orders-waiter-alias"),
}
HUB_GRANTS = {
    ("aws:iam/policy:Policy", "orders-callbacks"),
    ("aws:iam/policyAttachment:PolicyAttachment", "orders-callbacks"),
}


def deploy(**args: Any) -> DmsWaitersMocks:
    return deploy_task_waiter(DmsDurableWorkflow, args)


def poll(**args: Any) -> DmsWaitersMocks:
    return deploy(mode=WaitMode.POLL, **args)


def policy_of(found: DmsWaitersMocks, name: str = "orders-waiter-policy") -> dict[str, Any]:
    return shared_policy_of(found, name)


def env_of(found: DmsWaitersMocks) -> dict[str, str]:
    return function_env(found, "orders-waiter")


# -- resources --------------------------------------------------------------------------------


def test_poll_mode_creates_the_function_and_no_hub() -> None:
    found = poll()
    assert {(r.type, r.name) for r in found.created()} == WAITER_RESOURCES
    (component,) = found.created(COMPONENT)
    assert all(r.parent == component.urn for r in found.created() if r is not component)


def test_callback_mode_creates_the_function_its_own_hub_and_the_hubs_grants() -> None:
    found = deploy()
    own = {(r.type, r.name) for r in found.created() if not r.name.startswith("orders-hub")}
    assert own == WAITER_RESOURCES | HUB_GRANTS
    (component,) = found.created(COMPONENT)
    (hub,) = found.created("dms-waiters:index:DmsEventHub")
    assert hub.name == "orders-hub"
    assert hub.parent == component.urn
    assert all(
        r.parent == component.urn
        for r in found.created()
        if (r.type, r.name) in own - {(COMPONENT, "orders")}
    )


def test_callback_mode_is_the_default() -> None:
    assert env_of(deploy())[contract.ENV_WAIT_MODE] == "callback"


def test_an_existing_hub_is_used_and_granted_this_functions_callbacks_only() -> None:
    def program() -> None:
        hub = DmsEventHub("shared", {"reconcile_every_minutes": 10})
        DmsDurableWorkflow("orders", {"replication_task_arn": TASK_ARN, "hub": hub.reference})

    found = run_program(program, mocks())
    assert [h.name for h in found.created("dms-waiters:index:DmsEventHub")] == ["shared"]
    table = one(found, "aws:dynamodb/table:Table")
    assert env_of(found)[contract.ENV_WAITER_TABLE] == table.output("name")
    assert env_of(found)[contract.ENV_HEARTBEAT_SECONDS] == str(3 * 600)
    policy = found.by_name("orders-callbacks")
    attachment = one(found, "aws:iam/policyAttachment:PolicyAttachment")
    for grant in (policy, attachment):
        assert grant.parent == one(found, COMPONENT).urn
    assert attachment.inputs["policyArn"] == policy.output("arn")
    assert attachment.inputs["roles"] == [
        found.by_name(f"shared-{role}-role").output("name") for role in ("resume", "reconciler")
    ]
    assert "users" not in attachment.inputs and "groups" not in attachment.inputs
    assert json.loads(policy.inputs["policy"]) == policy_document(
        complete_durable_callbacks(function_arn(found, "orders-waiter"))
    )


def test_no_reconciler_grant_when_the_hubs_reconciler_is_off() -> None:
    found = deploy(hub_args={"reconcile_every_minutes": 0})
    attachment = one(found, "aws:iam/policyAttachment:PolicyAttachment")
    assert attachment.inputs["roles"] == [found.by_name("orders-hub-resume-role").output("name")]
    assert contract.ENV_HEARTBEAT_SECONDS not in env_of(found)


def test_a_hand_written_reference_in_other_languages_spelling() -> None:
    reference = {
        "tableName": "waiters",
        "tableArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/waiters",
        "reconcileEveryMinutes": 5.0,
        "callbackUrl": False,
        "resumeRoleNames": [pulumi.Output.from_input("resume-role")],
    }
    found = deploy(hub=reference)
    assert not found.created("dms-waiters:index:DmsEventHub")
    assert env_of(found)[contract.ENV_WAITER_TABLE] == "waiters"
    assert env_of(found)[contract.ENV_HEARTBEAT_SECONDS] == str(3 * 300)
    assert one(found, "aws:iam/policyAttachment:PolicyAttachment").inputs["roles"] == [
        "resume-role"
    ]
    del reference["resumeRoleNames"]
    with pytest.raises(InvalidArgumentError, match="argument 'hub' lacks resume_role_names"):
        deploy(hub=reference)
    with pytest.raises(InvalidArgumentError, match=r"'hub\.reconcile_every_minutes' is 2000"):
        deploy(hub={**reference, "resumeRoleNames": ["r"], "reconcileEveryMinutes": 2000})


# -- the durable function ---------------------------------------------------------------------


def test_durable_function_settings() -> None:
    found = deploy()
    function = lambda_function(found, "orders-waiter", contract.DURABLE_WAITER_HANDLER)
    assert function["timeout"] == 60
    assert function["memorySize"] == 256
    assert function["publish"] is True
    # The execution outlives the wait's deadline by an hour: the wait ends with DmsWaitTimedOut.
    assert function["durableConfig"] == {"executionTimeout": WEEK + 3600, "retentionPeriod": 14}
    assert function["tracingConfig"] == {"mode": "PassThrough"}
    assert function["loggingConfig"] == {
        "logFormat": "Text",
        "logGroup": log_group_name(found, "orders-waiter"),
    }
    assert "deadLetterConfig" not in function


def test_durable_config_follows_timeout_and_retention() -> None:
    function = poll(timeout_seconds=3 * 3600, retention_days=90, memory_mb=512).by_name(
        "orders-waiter"
    )
    assert function.inputs["durableConfig"] == {
        "executionTimeout": 3 * 3600 + 3600,
        "retentionPeriod": 90,
    }
    assert function.inputs["memorySize"] == 512
    longest = poll(timeout_seconds=MAX_TIMEOUT_SECONDS).by_name("orders-waiter")
    assert longest.inputs["durableConfig"]["executionTimeout"] == 31_622_400  # Lambda's maximum


def test_the_alias_points_at_the_published_version() -> None:
    found = poll()
    function = found.by_name("orders-waiter")
    alias = found.by_name("orders-waiter-alias")
    assert alias.inputs["name"] == "live"
    assert alias.inputs["functionName"] == function.output("name")
    assert alias.inputs["functionVersion"] == function.output("version") == "1"
    assert alias.output("arn") == f"{function_arn(found, 'orders-waiter')}:live"


def test_archive_holds_the_handlers_and_the_durable_sdk() -> None:
    code = poll().by_name("orders-waiter").inputs["code"]
    assert isinstance(code, pulumi.AssetArchive)
    keys = set(code.assets)
    assert "dms_waiters/lambdas/handlers/durable_waiter.py" in keys
    assert "aws_durable_execution_sdk_python/__init__.py" in keys
    assert "aws_durable_execution_sdk_python/operation/wait_for_condition.py" in keys
    assert "aws_durable_execution_sdk_python/LICENSE" in keys
    bundled = set(bundled_assets())  # the durable SDK and the AWS SDK it needs
    assert bundled <= keys
    assert all(k.startswith("dms_waiters/") or k in bundled for k in keys)
    assert not any("__pycache__" in k or k.endswith(".pyc") for k in keys)


def test_other_functions_do_not_get_the_sdk() -> None:
    code = deploy().by_name("orders-hub-resume").inputs["code"]
    assert all(k.startswith("dms_waiters/") for k in code.assets)


# -- environment --------------------------------------------------------------------------------

REASONS = ",".join(dms.DEFAULT_SUCCESS_STOP_REASONS)


def test_callback_environment() -> None:
    found = deploy(
        timeout_seconds=3 * 3600,
        start_type=StartType.RELOAD_TARGET,
        success_stop_reasons=["NORMAL", "Stop Reason FULL_LOAD_ONLY_FINISHED"],
    )
    assert env_of(found) == {
        "REPLICATION_TASK_ARN": TASK_ARN,
        "START_TYPE": "reload-target",
        "SUCCESS_STOP_REASONS": "NORMAL,FULL_LOAD_ONLY_FINISHED",
        "WAIT_MODE": "callback",
        "TIMEOUT_SECONDS": str(3 * 3600),
        "WORKFLOW_NAME": "orders",
        "WAITER_TABLE": one(found, "aws:dynamodb/table:Table").output("name"),
        "WAITER_TTL_SECONDS": str(3 * 3600 + 24 * 3600),
        "HEARTBEAT_SECONDS": str(3 * 15 * 60),
    }


def test_poll_environment() -> None:
    found = poll(poll_interval_seconds=30, max_poll_interval_seconds=900, poll_jitter="full")
    assert env_of(found) == {
        "REPLICATION_TASK_ARN": TASK_ARN,
        "START_TYPE": "auto",
        "SUCCESS_STOP_REASONS": REASONS,
        "WAIT_MODE": "poll",
        "TIMEOUT_SECONDS": str(WEEK),
        "WORKFLOW_NAME": "orders",
        "POLL_INTERVAL_SECONDS": "30",
        "MAX_POLL_INTERVAL_SECONDS": "900",
        "POLL_JITTER": "full",
    }


def test_poll_defaults_are_the_handlers() -> None:
    env = env_of(poll())
    assert env["POLL_INTERVAL_SECONDS"] == str(contract.DEFAULT_POLL_INTERVAL_SECONDS)
    assert env["MAX_POLL_INTERVAL_SECONDS"] == str(contract.DEFAULT_MAX_POLL_INTERVAL_SECONDS)
    assert env["POLL_JITTER"] == PollJitter.NONE == "none"


def test_heartbeat_explicit_none_and_dropped_when_the_deadline_comes_first() -> None:
    assert env_of(deploy(heartbeat_seconds=4000))[contract.ENV_HEARTBEAT_SECONDS] == "4000"
    assert contract.ENV_HEARTBEAT_SECONDS not in env_of(deploy(heartbeat_seconds=None))
    assert contract.ENV_HEARTBEAT_SECONDS not in env_of(deploy(heartbeat_seconds=0))
    assert contract.ENV_HEARTBEAT_SECONDS not in env_of(deploy(timeout_seconds=2700))


# -- IAM --------------------------------------------------------------------------------------


def own_executions(found: DmsWaitersMocks) -> dict[str, Any]:
    return {
        "Sid": "OwnDurableExecutions",
        "Effect": "Allow",
        "Action": ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"],
        "Resource": [f"{function_arn(found, 'orders-waiter')}:*"],
    }


def own_logs(found: DmsWaitersMocks) -> dict[str, Any]:
    return own_log_group(found, "orders-waiter")


def test_exact_poll_policy() -> None:
    found = poll()
    assert policy_of(found) == policy_document(
        own_executions(found), START_THE_TASK, DESCRIBE_TASKS, own_logs(found)
    )


def test_exact_callback_policy() -> None:
    found = deploy()
    register = register_waiter(one(found, "aws:dynamodb/table:Table").output("arn"))
    # Describe only for the start type auto: the hub's resume path reads the task's status.
    assert policy_of(found) == policy_document(
        own_executions(found),
        register,
        START_THE_TASK,
        DESCRIBE_TASKS,
        own_logs(found),
    )


def test_wait_only_workflows_cannot_start_the_task() -> None:
    for found in (poll(start_type=StartType.NONE), deploy(start_type="none")):
        actions = {a for s in policy_of(found)["Statement"] for a in s["Action"]}
        assert "dms:StartReplicationTask" not in actions
        assert env_of(found)["START_TYPE"] == "none"


def test_the_policy_names_the_function_it_grants_before_it_exists() -> None:
    # The ARN is planned from the name, partition, region and account: it must be the real one.
    found = run_program(
        lambda: DmsDurableWorkflow("orders", {"replication_task_arn": TASK_ARN, "mode": "poll"}),
        DmsWaitersMocks(account_id=ACCOUNT, region="us-gov-west-1", partition="aws-us-gov"),
    )
    function = found.by_name("orders-waiter")
    assert function.output("arn").startswith("arn:aws-us-gov:lambda:us-gov-west-1:")
    assert policy_of(found)["Statement"][0]["Resource"] == [function.output("arn") + ":*"]


def test_tracing_traces_the_function() -> None:
    found = poll(tracing=True, log_retention_days=7)
    assert found.by_name("orders-waiter").inputs["tracingConfig"] == {"mode": "Active"}
    assert policy_of(found)["Statement"][-1] == LAMBDA_TRACING
    assert found.by_name("orders-waiter-logs").inputs["retentionInDays"] == 7


def test_tags_on_every_taggable_resource_and_the_own_hub() -> None:
    found = deploy(tags={"team": "data"})
    for name in ("orders-waiter", "orders-waiter-role", "orders-waiter-logs"):
        assert found.by_name(name).inputs["tags"] == {"team": "data"}
    assert one(found, "aws:dynamodb/table:Table").inputs["tags"] == {"team": "data"}


# -- outputs ----------------------------------------------------------------------------------

OUTPUTS = [*DURABLE_FUNCTION_OUTPUTS, "hub_table_name"]


def resolved_outputs(args: dict[str, Any]) -> tuple[dict[str, Any], DmsWaitersMocks]:
    return resolve_outputs(
        lambda: DmsDurableWorkflow("orders", {"replication_task_arn": TASK_ARN, **args}),  # type: ignore[typeddict-item]
        OUTPUTS,
        plain=["mode"],
    )


def test_outputs_resolve() -> None:
    seen, found = resolved_outputs({})
    alias_arn = f"{function_arn(found, 'orders-waiter')}:live"
    command = seen.pop("start_command")
    parent = json.loads(seen.pop("parent_policy"))
    assert parent["Statement"][0]["Resource"] == [alias_arn]
    assert seen == {
        "mode": "callback",
        "function_name": function_name(found, "orders-waiter"),
        "function_arn": function_arn(found, "orders-waiter"),
        "alias_name": "live",
        "alias_arn": alias_arn,
        "role_arn": found.by_name("orders-waiter-role").output("arn"),
        "log_group_name": log_group_name(found, "orders-waiter"),
        "hub_table_name": one(found, "aws:dynamodb/table:Table").output("name"),
    }
    assert command == (
        f"aws lambda invoke --function-name {alias_arn} --invocation-type Event "
        '--durable-execution-name "orders-$RUN_ID" --cli-binary-format raw-in-base64-out '
        "--payload '{}' response.json"
    )


def test_poll_mode_has_no_hub_table() -> None:
    seen, _ = resolved_outputs({"mode": "poll"})
    assert seen["hub_table_name"] is None
    assert seen["mode"] == "poll"


def test_start_command_uses_the_cli_spelling_of_invokes_execution_name() -> None:
    invoke = botocore.session.get_session().get_service_model("lambda").operation_model("Invoke")
    assert "DurableExecutionName" in invoke.input_shape.members
    seen, _ = resolved_outputs({"mode": "poll"})
    assert f"--{xform_name('DurableExecutionName', '-')} " in seen["start_command"]
    assert "--invocation-type Event" in seen["start_command"]  # async: up to a year


# -- validation -------------------------------------------------------------------------------

BAD_ARGS = [
    *TASK_WAITER_BAD_ARGS,
    ({"mode": "wait"}, "mode", "allowed values: poll, callback"),
    ({"timeout_seconds": 0}, "timeout_seconds", "at least 1"),
    ({"timeout_seconds": 31_618_801}, "timeout_seconds", "at most 31618800"),
    ({"timeout_seconds": 3600.5}, "timeout_seconds", "whole number of seconds"),
    ({"mode": "poll", "poll_interval_seconds": 0}, "poll_interval_seconds", "at least 1"),
    (
        {"mode": "poll", "poll_interval_seconds": 120, "max_poll_interval_seconds": 60},
        "max_poll_interval_seconds",
        "at least poll_interval_seconds (120)",
    ),
    (
        {"mode": "poll", "timeout_seconds": 60},
        "timeout_seconds",
        "greater than poll_interval_seconds (60)",
    ),
    ({"mode": "poll", "poll_jitter": "half"}, "poll_jitter", "allowed values: none, full"),
    ({"poll_interval_seconds": 60}, "poll_interval_seconds", "applies to mode 'poll' only"),
    ({"poll_jitter": "full"}, "poll_jitter", "applies to mode 'poll' only"),
    (
        {"max_poll_interval_seconds": 60},
        "max_poll_interval_seconds",
        "applies to mode 'poll' only",
    ),
    (
        {"mode": "poll", "heartbeat_seconds": 3600},
        "heartbeat_seconds",
        "applies to mode 'callback' only; this workflow's mode is poll",
    ),
    ({"mode": "poll", "hub_args": {}}, "hub_args", "applies to mode 'callback' only"),
    *HUB_WAITER_BAD_ARGS,
    ({"retention_days": 0}, "retention_days", "at least 1 and at most 90"),
    ({"retention_days": 91}, "retention_days", "at least 1 and at most 90"),
    ({"memory_mb": 64}, "memory_mb", "at least 128 and at most 10240"),
    ({"memory_mb": "1GB"}, "memory_mb", "whole number of MB"),
    ({"log_retention_days": 10}, "log_retention_days", "allowed values: 1, 3"),
    ({"tracing": 1}, "tracing", "true or false"),
    ({"log_level": "ALL"}, "log_level", "is not an argument"),
]


test_bad_arguments_fail_at_preview_naming_the_argument = bad_arguments_test(
    deploy, "DmsDurableWorkflow 'orders'", BAD_ARGS
)


def test_hub_and_hub_args_are_mutually_exclusive() -> None:
    def program() -> None:
        hub = DmsEventHub("shared")
        DmsDurableWorkflow(
            "orders", {"replication_task_arn": TASK_ARN, "hub": hub.reference, "hub_args": {}}
        )

    with pytest.raises(InvalidArgumentError, match="cannot be combined with hub") as err:
        run_program(program, mocks())
    assert err.value.argument == "hub_args"


def test_poll_mode_rejects_a_hub() -> None:
    def program() -> None:
        DmsDurableWorkflow(
            "orders", {"replication_task_arn": TASK_ARN, "mode": "poll", "hub": DmsEventHub("x")}
        )

    with pytest.raises(InvalidArgumentError, match="'hub' applies to mode 'callback' only"):
        run_program(program, mocks())


def test_nothing_is_created_for_bad_arguments() -> None:
    found = mocks()
    args = {"replication_task_arn": TASK_ARN, "heartbeat_seconds": 1}
    with pytest.raises(InvalidArgumentError):
        run_program(lambda: DmsDurableWorkflow("orders", args), found)  # type: ignore[arg-type]
    assert [r.type for r in found.created()] == [COMPONENT]  # not even the hub
