"""The state AWS returns for each resource type the components use (ARNs, ids, versions), in
the partition, region and account of the resource's provider (``AwsTarget``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .names import _suffix


@dataclass(frozen=True)
class AwsTarget:
    """Where a resource is created: its provider's partition, region and account."""

    partition: str
    """``aws``, ``aws-cn`` (``cn-`` regions) or ``aws-us-gov`` (``us-gov-`` regions)."""
    region: str
    """The region, e.g. ``eu-west-1``."""
    account_id: str
    """The 12-digit account id."""

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        """``arn:<partition>:<service>:<region>:<account>:<resource>`` (IAM: no region)."""
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )


def _partition_of(region: str, default: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return default


def resource_state(
    typ: str, physical: str, inputs: dict[str, Any], target: AwsTarget
) -> tuple[str, dict[str, Any]]:
    builders: dict[str, Callable[[], tuple[str, dict[str, Any]]]] = {
        "aws:iam/role:Role": lambda: (
            physical,
            {
                "name": physical,
                "arn": target.arn("iam", f"role/{physical}", region=False),
                "uniqueId": "AROA" + _suffix(physical).upper(),
            },
        ),
        "aws:iam/rolePolicy:RolePolicy": lambda: (
            f"{inputs.get('role', 'role')}:{physical}",
            {"name": physical},
        ),
        "aws:iam/policy:Policy": lambda: (
            target.arn("iam", f"policy/{physical}", region=False),
            {
                "name": physical,
                "arn": target.arn("iam", f"policy/{physical}", region=False),
                "policyId": "ANPA" + _suffix(physical).upper(),
            },
        ),
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": lambda: (
            f"{inputs.get('role', 'role')}-{_suffix(physical)}",
            {},
        ),
        "aws:cloudwatch/logGroup:LogGroup": lambda: (
            physical,
            {"name": physical, "arn": target.arn("logs", f"log-group:{physical}")},
        ),
        "aws:sfn/stateMachine:StateMachine": lambda: _state_machine(physical, target),
        "aws:lambda/function:Function": lambda: _function(physical, inputs, target),
        "aws:lambda/alias:Alias": lambda: _alias(physical, inputs, target),
        "aws:dynamodb/table:Table": lambda: (
            physical,
            {
                "name": physical,
                "arn": target.arn("dynamodb", f"table/{physical}"),
                "streamArn": "",
            },
        ),
        "aws:sqs/queue:Queue": lambda: (
            f"https://sqs.{target.region}.amazonaws.com/{target.account_id}/{physical}",
            {
                "name": physical,
                "arn": target.arn("sqs", physical),
                "url": f"https://sqs.{target.region}.amazonaws.com/{target.account_id}/{physical}",
            },
        ),
        "aws:cloudwatch/eventRule:EventRule": lambda: (
            f"default|{physical}" if inputs.get("eventBusName") else physical,
            {"name": physical, "arn": target.arn("events", f"rule/{physical}")},
        ),
        "aws:cloudwatch/eventTarget:EventTarget": lambda: (
            f"{inputs.get('rule', 'rule')}-{physical}",
            {"targetId": physical},
        ),
        "aws:cloudwatch/metricAlarm:MetricAlarm": lambda: (
            physical,
            {"name": physical, "arn": target.arn("cloudwatch", f"alarm:{physical}")},
        ),
        "aws:lambda/permission:Permission": lambda: (physical, {"statementId": physical}),
        "aws:lambda/functionUrl:FunctionUrl": lambda: _function_url(inputs, target),
        "aws:secretsmanager/secret:Secret": lambda: (
            target.arn("secretsmanager", f"secret:{physical}-AbCdEf"),
            {
                "name": physical,
                "arn": target.arn("secretsmanager", f"secret:{physical}-AbCdEf"),
            },
        ),
    }
    builder = builders.get(typ)
    if builder is None:
        return f"{physical}-id", {}
    return builder()


def _function_url(inputs: dict[str, Any], target: AwsTarget) -> tuple[str, dict[str, Any]]:
    function = str(inputs.get("functionName", "function"))
    url_id = hashlib.sha256(function.encode()).hexdigest()[:32]
    return function, {
        "functionUrl": f"https://{url_id}.lambda-url.{target.region}.on.aws/",
        "functionArn": target.arn("lambda", f"function:{function}"),
        "urlId": url_id,
    }


def _state_machine(physical: str, target: AwsTarget) -> tuple[str, dict[str, Any]]:
    arn = target.arn("states", f"stateMachine:{physical}")
    return arn, {
        "name": physical,
        "arn": arn,
        "stateMachineVersionArn": "",
        "status": "ACTIVE",
        "creationDate": "2026-01-01T00:00:00Z",
    }


def _function(
    physical: str, inputs: dict[str, Any], target: AwsTarget
) -> tuple[str, dict[str, Any]]:
    arn = target.arn("lambda", f"function:{physical}")
    version = "1" if inputs.get("publish") else "$LATEST"
    return physical, {
        "name": physical,
        "arn": arn,
        "invokeArn": f"arn:{target.partition}:apigateway:{target.region}:lambda:path/"
        f"2015-03-31/functions/{arn}/invocations",
        "qualifiedArn": f"{arn}:{version}",
        "version": version,
        "lastModified": "2026-01-01T00:00:00.000+0000",
        "sourceCodeHash": "mock",
    }


def _alias(physical: str, inputs: dict[str, Any], target: AwsTarget) -> tuple[str, dict[str, Any]]:
    function = str(inputs.get("functionName", "function"))
    fn_arn = (
        function if function.startswith("arn:") else target.arn("lambda", f"function:{function}")
    )
    name = inputs.get("name", physical)
    return f"{fn_arn}:{name}", {"arn": f"{fn_arn}:{name}", "name": name}
