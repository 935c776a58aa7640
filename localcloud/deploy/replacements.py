"""Which input changes make pulumi-aws replace a resource instead of updating it in place.

pulumi-aws is a bridged provider: its Diff asks the upstream Terraform provider, which marks a
property ``ForceNew: true`` in the resource's schema (or forces a new resource from its
``CustomizeDiff``); Pulumi then plans a replacement. pulumi-aws's ``schema.json`` does not carry
this, so the list below is taken from the upstream resources' Go schemas
(hashicorp/terraform-provider-aws, ``internal/service/<service>/<resource>.go``; pulumi-aws 7.x
bridges its v6 line), with Terraform's snake_case names turned into the Pulumi property names
the inputs carry (``alarm_name`` is ``name``, ``function_name`` of a permission is
``function``...). Each entry names the file and the commit it was read at; docs/local-cloud.md
has the same table for readers. Only the types the deployer supports are listed: one without
an entry here cannot be deployed at all.

Reading the files at those commits was the check; pulumi-aws 7.51.1's exact upstream commit is
not recorded anywhere these machines can reach, so a property that changed ForceNew between
them and that release would be wrong here (none of the resources the components create has
changed these properties in the v6 line, as far as the files' histories show).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

#: Type token -> the top-level input properties whose change replaces the resource.
FORCE_NEW: Final[Mapping[str, frozenset[str]]] = {
    # internal/service/iam/role.go @ 0040ea6911af00bea2cca6dbb14e86829826ad8e
    "aws:iam/role:Role": frozenset({"name", "namePrefix", "path"}),
    # internal/service/iam/role_policy.go @ 02f97af85f89a04e8ed89f5e8b64a9a67f3cfe07
    "aws:iam/rolePolicy:RolePolicy": frozenset({"name", "namePrefix", "role"}),
    # internal/service/iam/role_policy_attachment.go @ 04c79849dbe7fbe76c3054b364357bcdaade9ac5
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": frozenset({"role", "policyArn"}),
    # internal/service/iam/policy.go @ 01ccd9a2d118a3e81a9649759bf14303526dc9e6
    "aws:iam/policy:Policy": frozenset({"name", "namePrefix", "path", "description"}),
    # internal/service/iam/policy_attachment.go @ 013f1736b90439e5a19567a87d3e5cd11858c420
    # (users, roles and groups are updated in place)
    "aws:iam/policyAttachment:PolicyAttachment": frozenset({"name", "policyArn"}),
    # internal/service/logs/group.go @ 0073593e7d6993ba482409f4dc35438daaa79bb3
    "aws:cloudwatch/logGroup:LogGroup": frozenset({"name", "namePrefix", "logGroupClass"}),
    # internal/service/scheduler/schedule.go (name, name_prefix, group_name ForceNew; commit not
    # read here: open)
    "aws:scheduler/schedule:Schedule": frozenset({"name", "namePrefix", "groupName"}),
    # internal/service/sfn/state_machine.go @ 01f431114674c27cf790fafb67ac274bf8f765e1
    "aws:sfn/stateMachine:StateMachine": frozenset({"name", "namePrefix", "type"}),
    # internal/service/lambda/function.go @ 0156d84e6bb47e4a5fe0c8e87cf2d14fb1dc3b8c; its
    # CustomizeDiff also forces a new function when durable_config is added or removed (not
    # when its fields change): see ``DURABLE_CONFIG``.
    "aws:lambda/function:Function": frozenset({"name", "packageType", "tenancyConfig"}),
    # internal/service/lambda/alias.go @ 029aff97f173b9de0ee3dfda29c2ef6d2833bb12
    "aws:lambda/alias:Alias": frozenset({"name", "functionName"}),
    # internal/service/lambda/permission.go @ 04592f03e5d83a5e1504b52a6d07063ffa3f708d (no
    # Update: every argument is ForceNew)
    "aws:lambda/permission:Permission": frozenset(
        {
            "action",
            "eventSourceToken",
            "function",
            "functionUrlAuthType",
            "invokedViaFunctionUrl",
            "principal",
            "principalOrgId",
            "qualifier",
            "sourceAccount",
            "sourceArn",
            "statementId",
            "statementIdPrefix",
        }
    ),
    # internal/service/lambda/function_url.go @ 05f1478d41d854ec3162713a8ed1982dd1537d47
    "aws:lambda/functionUrl:FunctionUrl": frozenset({"functionName", "qualifier"}),
    # internal/service/dynamodb/table.go @ 01335dd3cd3dff10ace08b5250b7302d4dbb0e04
    "aws:dynamodb/table:Table": frozenset(
        {
            "name",
            "hashKey",
            "rangeKey",
            "localSecondaryIndexes",
            "restoreSourceName",
            "restoreToLatestTime",
            "restoreDateTime",
        }
    ),
    # internal/service/sqs/queue.go (queueSchema), the copy of 2026 (IBM copyright header)
    "aws:sqs/queue:Queue": frozenset({"name", "namePrefix", "fifoQueue"}),
    # internal/service/sqs/queue_policy.go @ 0148137dc6fb802b97b74036846777ab15c0f9ad
    "aws:sqs/queuePolicy:QueuePolicy": frozenset({"queueUrl"}),
    # internal/service/events/rule.go @ 0cdab4ae09a963535e03dde0bff4784afe8e3517
    "aws:cloudwatch/eventRule:EventRule": frozenset({"name", "namePrefix", "eventBusName"}),
    # internal/service/events/target.go @ 0762c41e2027fcd3cb8340d3e6886c6975fc0a59
    "aws:cloudwatch/eventTarget:EventTarget": frozenset({"rule", "targetId", "eventBusName"}),
    # aws/resource_aws_cloudwatch_metric_alarm.go, an older layout of
    # internal/service/cloudwatch/metric_alarm.go (alarm_name, Pulumi's ``name``, ForceNew)
    "aws:cloudwatch/metricAlarm:MetricAlarm": frozenset({"name"}),
    # aws/resource_aws_cloudwatch_dashboard.go, an older layout of
    # internal/service/cloudwatch/dashboard.go (dashboard_name, ForceNew)
    "aws:cloudwatch/dashboard:Dashboard": frozenset({"dashboardName"}),
    # internal/service/secretsmanager/secret.go @ 00c21cedec069dd27093b175baf15bac6d4b30fe
    "aws:secretsmanager/secret:Secret": frozenset({"name", "namePrefix"}),
    # internal/service/secretsmanager/secret_version.go @ 0042e8ea0de293c6cd8b003f89f7f4d2fb5fcf31
    "aws:secretsmanager/secretVersion:SecretVersion": frozenset(
        {"secretId", "secretBinary", "secretString", "secretStringWoVersion"}
    ),
}

#: The Lambda function's ``durableConfig``: adding or removing it replaces the function,
#: changing its fields does not (function.go's CustomizeDiff, ForceNewIfChange).
DURABLE_CONFIG: Final = ("aws:lambda/function:Function", "durableConfig")


def _present(value: Any) -> bool:
    return value not in (None, {}, [])


def replacing_keys(
    type_token: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    changed: frozenset[str],
    replace_on_changes: tuple[str, ...] = (),
) -> frozenset[str]:
    """The ``changed`` input keys that replace the resource rather than update it in place.

    ``replace_on_changes`` is the resource option of that name (top-level keys, or ``*``).
    """
    forced = FORCE_NEW.get(type_token, frozenset()) & changed
    type_of, key = DURABLE_CONFIG
    if (
        type_token == type_of
        and key in changed
        and _present(old.get(key)) != _present(new.get(key))
    ):
        forced |= {key}
    if "*" in replace_on_changes:
        return changed
    return forced | (changed & {path.split(".", 1)[0] for path in replace_on_changes})
