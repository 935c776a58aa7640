"""The deployer's handlers for CloudWatch Logs: log groups."""

from __future__ import annotations

from typing import Any

from ..deploy.mocks import ResourceRequest, deletes, handles, updates
from ..deploy.params import as_int, compact, retag


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
    return name, _outputs(req, name)


def _outputs(req: ResourceRequest, name: str) -> dict[str, Any]:
    logs = req.client("logs")
    (group,) = [
        g
        for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        if g["logGroupName"] == name
    ]
    arn = group.get("logGroupArn") or group["arn"].removesuffix(":*")
    return {
        "name": name,
        "arn": arn,
        "retentionInDays": as_int(req.get("retentionInDays")) or 0,
        "logGroupClass": req.get("logGroupClass", "STANDARD"),
        "tagsAll": req.tags,
    }


@updates("aws:cloudwatch/logGroup:LogGroup")
def update_log_group(req: ResourceRequest) -> dict[str, Any]:
    """Log group in place: PutRetentionPolicy (DeleteRetentionPolicy when unset),
    AssociateKmsKey/DisassociateKmsKey, TagResource/UntagResource."""
    logs, name = req.client("logs"), req.resource_id
    if "retentionInDays" in req.changed:
        retention = as_int(req.get("retentionInDays"))
        if retention:
            logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
        else:
            logs.delete_retention_policy(logGroupName=name)
    if "kmsKeyId" in req.changed:
        if req.get("kmsKeyId"):
            logs.associate_kms_key(logGroupName=name, kmsKeyId=req.inputs["kmsKeyId"])
        else:
            logs.disassociate_kms_key(logGroupName=name)
    arn = str(req.output("arn"))
    retag(
        req,
        lambda tags: logs.tag_resource(resourceArn=arn, tags=tags),
        lambda keys: logs.untag_resource(resourceArn=arn, tagKeys=keys),
    )
    return _outputs(req, name)


@deletes("aws:cloudwatch/logGroup:LogGroup")
def delete_log_group(req: ResourceRequest) -> None:
    """Log group: DeleteLogGroup (its log streams go with it)."""
    req.client("logs").delete_log_group(logGroupName=req.resource_id)
