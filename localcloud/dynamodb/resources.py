"""The deployer's handlers for DynamoDB: tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..deploy.mocks import (
    ResourceRequest,
    as_int,
    compact,
    handles,
    tag_list,
)


def _projection(index: Mapping[str, Any]) -> dict[str, Any]:
    return compact(
        {
            "ProjectionType": index.get("projectionType", "ALL"),
            "NonKeyAttributes": index.get("nonKeyAttributes"),
        }
    )


def _key_schema(hash_key: str | None, range_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}] if hash_key else []
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


@handles("aws:dynamodb/table:Table")
def create_table(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """DynamoDB table: CreateTable (hash/range keys, attributes, billing mode and capacity,
    global and local secondary indexes, stream, encryption, class, deletion protection, tags),
    then UpdateTimeToLive when ``ttl.enabled`` and UpdateContinuousBackups when
    ``pointInTimeRecovery.enabled``. Id: the table name."""
    ddb = req.client("dynamodb")
    name = req.physical_name()
    billing = req.get("billingMode", "PROVISIONED")
    provisioned = billing == "PROVISIONED"

    def throughput(spec: Mapping[str, Any]) -> dict[str, int] | None:
        if not provisioned:
            return None
        return {
            "ReadCapacityUnits": as_int(spec.get("readCapacity")) or 0,
            "WriteCapacityUnits": as_int(spec.get("writeCapacity")) or 0,
        }

    sse = req.get("serverSideEncryption")
    created = ddb.create_table(
        **compact(
            {
                "TableName": name,
                "AttributeDefinitions": [
                    {"AttributeName": a["name"], "AttributeType": a["type"]}
                    for a in req.get("attributes", [])
                ],
                "KeySchema": _key_schema(req.get("hashKey"), req.get("rangeKey")),
                "BillingMode": billing,
                "ProvisionedThroughput": throughput(req.inputs),
                "GlobalSecondaryIndexes": [
                    compact(
                        {
                            "IndexName": index["name"],
                            "KeySchema": _key_schema(index.get("hashKey"), index.get("rangeKey")),
                            "Projection": _projection(index),
                            "ProvisionedThroughput": throughput(index),
                        }
                    )
                    for index in req.get("globalSecondaryIndexes", [])
                ]
                or None,
                "LocalSecondaryIndexes": [
                    {
                        "IndexName": index["name"],
                        "KeySchema": _key_schema(req.get("hashKey"), index["rangeKey"]),
                        "Projection": _projection(index),
                    }
                    for index in req.get("localSecondaryIndexes", [])
                ]
                or None,
                "StreamSpecification": {
                    "StreamEnabled": True,
                    "StreamViewType": req.get("streamViewType"),
                }
                if req.get("streamEnabled")
                else None,
                "SSESpecification": None
                if not sse
                else compact(
                    {
                        "Enabled": bool(sse.get("enabled", False)),
                        "SSEType": "KMS" if sse.get("enabled") else None,
                        "KMSMasterKeyId": sse.get("kmsKeyArn"),
                    }
                ),
                "TableClass": req.get("tableClass"),
                "DeletionProtectionEnabled": req.get("deletionProtectionEnabled"),
                "Tags": tag_list(req.tags),
            }
        )
    )["TableDescription"]
    ttl = req.get("ttl", {})
    if ttl.get("enabled"):
        ddb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
        )
    recovery = req.get("pointInTimeRecovery", {})
    if recovery.get("enabled"):
        ddb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification=compact(
                {
                    "PointInTimeRecoveryEnabled": True,
                    "RecoveryPeriodInDays": as_int(recovery.get("recoveryPeriodInDays")),
                }
            ),
        )
    return name, {
        "name": name,
        "arn": created["TableArn"],
        "billingMode": billing,
        "streamArn": created.get("LatestStreamArn", ""),
        "streamLabel": created.get("LatestStreamLabel", ""),
        "ttl": ttl or {"enabled": False, "attributeName": ""},
        "pointInTimeRecovery": recovery or {"enabled": False},
        "tagsAll": req.tags,
    }
