"""The deployer's handlers for CloudWatch Logs: log groups."""

from __future__ import annotations

from typing import Any

from ..deploy.mocks import (
    ResourceRequest,
    as_int,
    compact,
    handles,
)


@handles("aws:cloudwatch/logGroup:LogGroup")
def create_log_group(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Log group: CreateLogGroup (KMS key, class, tags), then PutRetentionPolicy when
    ``retentionInDays`` is set. Name: ``name``, ``namePrefix`` + unique id, or auto-named.
    Id: the name; ``arn`` without the ``:*`` that DescribeLogGroups appends."""
    logs = req.client("logs")
    name = req.physical_name()
    logs.create_log_group(
        **compact(
            {
                "logGroupName": name,
                "kmsKeyId": req.get("kmsKeyId"),
                "logGroupClass": req.get("logGroupClass"),
                "tags": req.tags or None,
            }
        )
    )
    retention = as_int(req.get("retentionInDays"))
    if retention:
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
    (group,) = [
        g
        for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        if g["logGroupName"] == name
    ]
    arn = group.get("logGroupArn") or group["arn"].removesuffix(":*")
    return name, {
        "name": name,
        "arn": arn,
        "retentionInDays": retention or 0,
        "logGroupClass": req.get("logGroupClass", "STANDARD"),
        "tagsAll": req.tags,
    }
