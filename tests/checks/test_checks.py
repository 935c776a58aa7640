"""The definition and policy checks themselves: each one catches what it is there to catch."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from dms_waiters.documents import iam_policies
from tests.checks import (
    all_definition_errors,
    asl_validator_errors,
    policy_errors,
    sdk_integration_errors,
    statelint_errors,
    wildcard_actions,
)
from tests.checks.asl import (
    SFN_TO_BOTOCORE_SERVICE,
    AslValidator,
    botocore_operations,
    botocore_service_by_client_name,
    java_client_name,
)
from tests.checks.iam import action_arn_formats, patterns_intersect

ACCOUNT = "123456789012"
TASK_ARN = f"arn:aws:dms:us-east-1:{ACCOUNT}:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ENDPOINT_ARN = f"arn:aws:dms:us-east-1:{ACCOUNT}:endpoint:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DESCRIBE = "arn:aws:states:::aws-sdk:databasemigration:describeReplicationTasks"


def good_definition() -> dict[str, Any]:
    """A valid definition touching every state type, with aws-sdk tasks at every nesting level."""
    describe_branch = {
        "StartAt": "DescribeInBranch",
        "States": {
            "DescribeInBranch": {
                "Type": "Task",
                "Resource": DESCRIBE,
                "Parameters": {},
                "End": True,
            }
        },
    }
    return {
        "Comment": "Known-good definition for the checks' own tests.",
        "StartAt": "Describe",
        "States": {
            "Describe": {
                "Type": "Task",
                "Resource": DESCRIBE,
                "Parameters": {"Filters": [{"Name": "replication-task-arn", "Values": [TASK_ARN]}]},
                "ResultSelector": {"task.$": "$.ReplicationTasks[0]"},
                "ResultPath": "$.described",
                "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 2}],
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Broken"}
                ],
                "Next": "Evaluate",
            },
            "Evaluate": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.described.task.Status",
                        "StringEquals": "stopped",
                        "Next": "Both",
                    }
                ],
                "Default": "Later",
            },
            "Later": {"Type": "Wait", "Seconds": 60, "Next": "Describe"},
            "Both": {
                "Type": "Parallel",
                "Branches": [describe_branch],
                "ResultPath": None,
                "Next": "EachTask",
            },
            "EachTask": {
                "Type": "Map",
                "ItemsPath": "$.described.task.Tables",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Notify",
                    "States": {
                        "Notify": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                            "Parameters": {"TaskToken.$": "$.token", "Output": "{}"},
                            "End": True,
                        }
                    },
                },
                "ResultPath": None,
                "Next": "Summarise",
            },
            "Summarise": {
                "Type": "Pass",
                "Parameters": {"status.$": "$.described.task.Status"},
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
            "Broken": {"Type": "Fail", "Error": "Broken", "CausePath": "$.error.Cause"},
        },
    }


def good_policy() -> dict[str, Any]:
    """A valid identity policy: a scoped action, wildcard-only actions, wildcarded ARNs."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Start",
                "Effect": "Allow",
                "Action": ["dms:StartReplicationTask", "dms:StopReplicationTask"],
                "Resource": [TASK_ARN, f"arn:aws:dms:*:{ACCOUNT}:task:*"],
            },
            {
                "Sid": "Describe",
                "Effect": "Allow",
                "Action": "dms:DescribeReplicationTasks",
                "Resource": "*",
            },
            {
                "Sid": "Callbacks",
                "Effect": "Allow",
                "Action": ["lambda:SendDurableExecutionCallbackSuccess"],
                "Resource": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:waiter:*",
            },
            {
                "Sid": "NoMore",
                "Effect": "Deny",
                "Action": "dms:DeleteReplicationTask",
                "Resource": "*",
            },
        ],
    }


def statement(sid: str, action: str, resource: str) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": [action], "Resource": resource}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# --- definitions -----------------------------------------------------------------------------


def test_known_good_definition_passes_every_check() -> None:
    assert all_definition_errors(good_definition()) == []


def test_checks_leave_the_definition_untouched() -> None:
    definition = good_definition()
    all_definition_errors(definition)
    assert definition == good_definition()


def test_asl_validator_catches_a_missing_next_target() -> None:
    definition = good_definition()
    definition["States"]["Later"]["Next"] = "Nowhere"
    errors = asl_validator_errors(definition)
    assert any("MISSING_TRANSITION_TARGET" in e and "Nowhere" in e for e in errors), errors


def test_asl_validator_catches_a_bad_jsonpath() -> None:
    definition = good_definition()
    definition["States"]["Summarise"]["Parameters"]["status.$"] = "$.described..[task"
    errors = asl_validator_errors(definition)
    assert any("/States/Summarise/Parameters/status.$" in e for e in errors), errors


def test_asl_validator_shared_schemas_answer_like_the_cli() -> None:
    # The server reuses compiled JSON schemas across definitions; the fresh mode recompiles them
    # per definition as the CLI does. Both must agree on a valid and a schema-invalid definition
    # (the transition checks do not involve the schemas). Fresh costs ~0.5 s a definition.
    bad_path = good_definition()
    bad_path["States"]["Describe"]["ResultPath"] = "$.described[?bad"
    definitions = [good_definition(), bad_path]
    fresh = AslValidator(share_compiled_schemas=False)
    try:
        answers = [fresh.errors(d) for d in definitions]
    finally:
        fresh.close()
    assert answers == [asl_validator_errors(d) for d in definitions]
    assert answers[0] == [] and answers[1], answers


def test_asl_validator_without_node_modules_says_to_run_npm_ci(tmp_path: Path) -> None:
    validator = AslValidator(root=tmp_path)
    with pytest.raises(RuntimeError, match="npm ci"):
        validator.errors(good_definition())


def test_statelint_catches_a_misspelled_choice_operator() -> None:
    definition = good_definition()
    rule = definition["States"]["Evaluate"]["Choices"][0]
    rule["StringEqual"] = rule.pop("StringEquals")
    errors = statelint_errors(definition)
    assert any("StringEqual" in e and "Evaluate" in e for e in errors), errors
    assert any(e.startswith("statelint:") for e in all_definition_errors(definition))


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (
            "arn:aws:states:::aws-sdk:databasemigration:describeReplicationTaskz",
            "'describeReplicationTaskz' is not an operation of botocore service 'dms'",
        ),
        (
            "arn:aws:states:::aws-sdk:databasemigraton:describeReplicationTasks",
            "unknown aws-sdk service 'databasemigraton'",
        ),
        # boto3's name for the service: the emulator accepts it once patched, AWS does not.
        (
            "arn:aws:states:::aws-sdk:dms:describeReplicationTasks",
            "did you mean 'databasemigration'",
        ),
        (
            "arn:aws:states:::aws-sdk:databasemigration:DescribeReplicationTasks",
            "must be camelCase: 'describeReplicationTasks'",
        ),
        ("arn:aws:states:::aws-sdk:databasemigration:describeReplicationTasks.sync", ".sync"),
        ("arn:aws:states:::aws-sdk:databasemigration", "is not arn:aws:states:::aws-sdk:"),
    ],
)
def test_sdk_check_catches_bad_integrations(resource: str, expected: str) -> None:
    definition = good_definition()
    definition["States"]["Describe"]["Resource"] = resource
    errors = sdk_integration_errors(definition)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"States.Describe.Resource: {resource} ")
    assert expected in errors[0]


def test_sdk_check_walks_parallel_branches_and_map_processors() -> None:
    definition = good_definition()
    both = definition["States"]["Both"]
    both["Branches"][0]["States"]["DescribeInBranch"]["Resource"] = (
        "arn:aws:states:::aws-sdk:databasemigration:fakeAction"
    )
    each = definition["States"]["EachTask"]
    each["ItemProcessor"]["States"]["Notify"]["Resource"] = (
        "arn:aws:states:::aws-sdk:notaservice:sendTaskSuccess.waitForTaskToken"
    )
    # The legacy Iterator spelling of a Map is walked too.
    legacy = copy.deepcopy(each)
    legacy["Iterator"] = legacy.pop("ItemProcessor")
    legacy["Iterator"].pop("ProcessorConfig")
    definition["States"]["EachTask"] = legacy
    errors = sdk_integration_errors(definition)
    assert len(errors) == 2, errors
    assert errors[0].startswith("States.Both.Branches[0].States.DescribeInBranch.Resource:")
    assert "'fakeAction'" in errors[0]
    assert errors[1].startswith("States.EachTask.Iterator.States.Notify.Resource:")
    assert "'notaservice'" in errors[1]


def test_sdk_check_accepts_wait_for_task_token_and_other_partitions() -> None:
    definition = good_definition()
    definition["States"]["Describe"]["Resource"] = (
        "arn:aws-us-gov:states:::aws-sdk:sqs:sendMessage.waitForTaskToken"
    )
    assert sdk_integration_errors(definition) == []


@pytest.mark.parametrize(("sfn_name", "botocore_name"), sorted(SFN_TO_BOTOCORE_SERVICE.items()))
def test_sdk_service_overrides_match_botocore(sfn_name: str, botocore_name: str) -> None:
    # Each pinned name is a real model, and the serviceId rule used for every other service
    # derives the same name (so the rule is right where we can check it).
    assert botocore_operations(botocore_name)
    assert botocore_service_by_client_name(sfn_name) == botocore_name


def test_java_client_names() -> None:
    assert java_client_name("Database Migration Service") == "databasemigration"
    assert java_client_name("CloudWatch Logs") == "cloudwatchlogs"
    assert java_client_name("ACM PCA") == "acmpca"


# --- policies --------------------------------------------------------------------------------


def test_known_good_policy_has_no_errors() -> None:
    assert policy_errors(good_policy()) == []


def test_trust_policy_is_checked_as_one() -> None:
    trust = iam_policies.service_assume_role_policy("states.amazonaws.com", ACCOUNT)
    assert policy_errors(trust) == []
    trust["Statement"][0]["Resource"] = "*"
    trust["Statement"][0]["Action"] = ["sts:AssumeRole", "dms:StartReplicationTask"]
    errors = policy_errors(trust)
    assert any("has no Resource" in e for e in errors), errors
    assert any("dms:StartReplicationTask is not a trust policy action" in e for e in errors)


def test_policy_check_catches_a_nonexistent_action() -> None:
    errors = policy_errors(policy(statement("Typo", "dms:StartReplicationTasks", TASK_ARN)))
    assert errors == ["Typo: action dms:StartReplicationTasks does not exist"]
    errors = policy_errors(policy(statement("Prefix", "dmz:StartReplicationTask", TASK_ARN)))
    assert errors == ["Prefix: action dmz:StartReplicationTask: unknown service prefix 'dmz'"]


@pytest.mark.parametrize(
    "resource", [ENDPOINT_ARN, "arn:aws:s3:::some-bucket", "arn:aws:s3:::some-bucket/task:x"]
)
def test_policy_check_catches_an_action_scoped_to_the_wrong_resource_type(resource: str) -> None:
    errors = policy_errors(policy(statement("Wrong", "dms:StartReplicationTask", resource)))
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"Wrong: dms:StartReplicationTask on {resource}: ")
    assert "matches none of the action's resource types" in errors[0]


def test_policy_check_catches_a_scoped_action_granted_on_star() -> None:
    errors = policy_errors(policy(statement("TooWide", "dms:StartReplicationTask", "*")))
    assert len(errors) == 1, errors
    assert errors[0].startswith("TooWide: dms:StartReplicationTask on '*': ")
    assert "arn:${Partition}:dms:${Region}:${Account}:task:*" in errors[0]


def test_policy_check_catches_an_arn_on_a_wildcard_only_action() -> None:
    errors = policy_errors(policy(statement("Useless", "dms:DescribeReplicationTasks", TASK_ARN)))
    assert len(errors) == 1, errors
    assert "has no resource-level permission" in errors[0]


def test_policy_check_reports_every_violation_with_its_sid() -> None:
    document = policy(
        statement("One", "dms:StartReplicationTask", "*"),
        statement("Two", "dms:*", "*"),
        {
            "Sid": "Three",
            "Effect": "Allow",
            "Action": ["dms:StartReplicationTask"],
            "Resource": [TASK_ARN, ENDPOINT_ARN, "*"],
        },
        {"Effect": "Allow", "NotAction": "dms:DeleteReplicationTask", "Resource": "*"},
    )
    errors = policy_errors(document)
    sids = [e.split(":", 1)[0] for e in errors]
    assert sids == ["One", "Two", "Three", "Three", "Statement[3]"], errors


def test_policy_actions_are_case_insensitive() -> None:
    assert policy_errors(policy(statement("Case", "DMS:startreplicationtask", TASK_ARN))) == []
    assert action_arn_formats("DMS:startreplicationtask") == action_arn_formats(
        "dms:StartReplicationTask"
    )


def test_wildcard_actions_lists_what_is_granted_on_star() -> None:
    assert wildcard_actions(good_policy()) == {"dms:DescribeReplicationTasks"}


@pytest.mark.parametrize(
    ("resource", "arn_format", "expected"),
    [
        (TASK_ARN, "arn:${Partition}:dms:${Region}:${Account}:task:*", True),
        (ENDPOINT_ARN, "arn:${Partition}:dms:${Region}:${Account}:task:*", False),
        ("arn:aws:dms:*:*:task:*", "arn:${Partition}:dms:${Region}:${Account}:task:*", True),
        # A placeholder is one ARN field: it cannot swallow ":endpoint".
        (f"{ENDPOINT_ARN}:task:x", "arn:${Partition}:dms:${Region}:${Account}:task:*", False),
        ("arn:aws:s3:::b/k:with/colons", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", True),
        ("arn:aws:s3:::bucket", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", False),
        (
            f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:waiter:*",
            "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Version}"
            "/durable-execution/${ExecutionName}/${ExecutionId}",
            True,
        ),
        (
            f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:waiter",
            "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Version}"
            "/durable-execution/${ExecutionName}/${ExecutionId}",
            False,
        ),
        (
            f"arn:aws:dms:us-east-1:{ACCOUNT}:tas?:X",
            "arn:${Partition}:dms:${Region}:${Account}:task:*",
            True,
        ),
    ],
)
def test_arn_pattern_matching(resource: str, arn_format: str, expected: bool) -> None:
    assert patterns_intersect(resource, arn_format) is expected
