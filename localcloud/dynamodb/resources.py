"""The deployer's handlers for DynamoDB: tables."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from ..deploy.mocks import DeploymentError, ResourceRequest, deletes, handles, updates
from ..deploy.params import as_int, compact, retag_resource, tag_list


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
    if req.get("ttl", {}).get("enabled"):
        _set_ttl(req, name)
    if req.get("pointInTimeRecovery", {}).get("enabled"):
        _set_recovery(req, name)
    return name, _outputs(req, created)


def _set_ttl(req: ResourceRequest, name: str) -> None:
    # One UpdateTimeToLive either turns TTL on (with its attribute) or off (naming the
    # attribute it was on).
    ttl, old = req.get("ttl", {}), req.old("ttl", {})
    enabled = bool(ttl.get("enabled"))
    attribute = ttl.get("attributeName") if enabled else old.get("attributeName")
    req.client("dynamodb").update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": enabled, "AttributeName": attribute}
    )


def _set_recovery(req: ResourceRequest, name: str) -> None:
    recovery = req.get("pointInTimeRecovery", {})
    req.client("dynamodb").update_continuous_backups(
        TableName=name,
        PointInTimeRecoverySpecification=compact(
            {
                "PointInTimeRecoveryEnabled": bool(recovery.get("enabled")),
                "RecoveryPeriodInDays": as_int(recovery.get("recoveryPeriodInDays")),
            }
        ),
    )


def _outputs(req: ResourceRequest, table: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": table["TableName"],
        "arn": table["TableArn"],
        "billingMode": req.get("billingMode", "PROVISIONED"),
        "streamArn": table.get("LatestStreamArn", ""),
        "streamLabel": table.get("LatestStreamLabel", ""),
        "ttl": req.get("ttl") or {"enabled": False, "attributeName": ""},
        "pointInTimeRecovery": req.get("pointInTimeRecovery") or {"enabled": False},
        "tagsAll": req.tags,
    }


#: Table inputs UpdateTable changes, and how each becomes its parameter.
_UPDATE_TABLE: Final[dict[str, Callable[[ResourceRequest], dict[str, Any]]]] = {
    "billingMode": lambda req: {"BillingMode": req.get("billingMode", "PROVISIONED")},
    "deletionProtectionEnabled": lambda req: {
        "DeletionProtectionEnabled": bool(req.get("deletionProtectionEnabled", False))
    },
    "tableClass": lambda req: {"TableClass": req.get("tableClass", "STANDARD")},
    "streamEnabled": lambda req: {
        "StreamSpecification": compact(
            {
                "StreamEnabled": bool(req.get("streamEnabled", False)),
                "StreamViewType": req.get("streamViewType") if req.get("streamEnabled") else None,
            }
        )
    },
}
#: Inputs the local cloud does not update in place (a deployment changing them fails).
_NOT_EMULATED: Final = frozenset(
    {"globalSecondaryIndexes", "attributes", "readCapacity", "writeCapacity", "replicas"}
)


@updates("aws:dynamodb/table:Table")
def update_table(req: ResourceRequest) -> dict[str, Any]:
    """Table in place: UpdateTimeToLive, UpdateContinuousBackups, UpdateTable (billing mode,
    deletion protection, class, stream), TagResource/UntagResource. Changes of global
    secondary indexes, attributes, capacity or replicas are not emulated (the deployment
    fails naming them)."""
    ddb, name = req.client("dynamodb"), req.resource_id
    refused = sorted(req.changed & _NOT_EMULATED)
    if refused:
        raise DeploymentError(
            f"{req.type} {req.name!r}: updating {', '.join(refused)} is not emulated"
        )
    if "ttl" in req.changed:
        _set_ttl(req, name)
    if "pointInTimeRecovery" in req.changed:
        _set_recovery(req, name)
    params: dict[str, Any] = {}
    for key, parameter in _UPDATE_TABLE.items():
        if key in req.changed:
            params.update(parameter(req))
    if params:
        ddb.update_table(TableName=name, **params)
    table = ddb.describe_table(TableName=name)["Table"]
    retag_resource(req, ddb, ResourceArn=table["TableArn"])
    return _outputs(req, table)


@deletes("aws:dynamodb/table:Table")
def delete_table(req: ResourceRequest) -> None:
    """Table: DeleteTable, which AWS refuses while deletion protection is on (the deployment
    fails with AWS's error, as ``pulumi up`` does)."""
    req.client("dynamodb").delete_table(TableName=req.resource_id)
