"""The deployer's handlers for Secrets Manager: secrets and their values."""

from __future__ import annotations

import base64
from typing import Any

from ..deploy.mocks import ResourceRequest, deletes, handles, updates
from ..deploy.params import as_int, compact, json_text, retag_resource, tag_list


@handles("aws:secretsmanager/secret:Secret")
def create_secret(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Secret (no value yet): CreateSecret (description, KMS key, replicas, tags), then
    PutResourcePolicy when ``policy`` is set. Id: the ARN (with AWS's random 6-character
    suffix)."""
    secrets = req.client("secretsmanager")
    name = req.physical_name()
    replicas = req.get("replicas", [])
    created = secrets.create_secret(
        **compact(
            {
                "Name": name,
                "Description": req.get("description"),
                "KmsKeyId": req.get("kmsKeyId"),
                "AddReplicaRegions": [
                    compact({"Region": r["region"], "KmsKeyId": r.get("kmsKeyId")})
                    for r in replicas
                ]
                or None,
                "ForceOverwriteReplicaSecret": req.get("forceOverwriteReplicaSecret"),
                "Tags": tag_list(req.tags),
            }
        )
    )
    arn = created["ARN"]
    if req.get("policy"):
        secrets.put_resource_policy(SecretId=arn, ResourcePolicy=json_text(req.inputs["policy"]))
    return arn, _secret_outputs(req, arn)


def _secret_outputs(req: ResourceRequest, arn: str) -> dict[str, Any]:
    return {
        "name": req.physical_name(),
        "arn": arn,
        "recoveryWindowInDays": as_int(req.get("recoveryWindowInDays", 30)),
        "tagsAll": req.tags,
    }


@updates("aws:secretsmanager/secret:Secret")
def update_secret(req: ResourceRequest) -> dict[str, Any]:
    """Secret in place: UpdateSecret (description, KMS key), PutResourcePolicy or
    DeleteResourcePolicy, TagResource/UntagResource. Replicas are not updated (emulated at
    creation only)."""
    secrets, arn = req.client("secretsmanager"), req.resource_id
    if req.changed & {"description", "kmsKeyId"}:
        secrets.update_secret(
            SecretId=arn,
            **compact({"Description": req.get("description", ""), "KmsKeyId": req.get("kmsKeyId")}),
        )
    if "policy" in req.changed:
        if req.get("policy"):
            secrets.put_resource_policy(
                SecretId=arn, ResourcePolicy=json_text(req.inputs["policy"])
            )
        else:
            secrets.delete_resource_policy(SecretId=arn)
    retag_resource(req, secrets, SecretId=arn)
    return _secret_outputs(req, arn)


@deletes("aws:secretsmanager/secret:Secret")
def delete_secret(req: ResourceRequest) -> None:
    """Secret: DeleteSecret with its ``recoveryWindowInDays`` (0: without recovery)."""
    window = as_int(req.get("recoveryWindowInDays", 30))
    recovery: dict[str, Any] = (
        {"ForceDeleteWithoutRecovery": True} if window == 0 else {"RecoveryWindowInDays": window}
    )
    req.client("secretsmanager").delete_secret(SecretId=req.resource_id, **recovery)


@handles("aws:secretsmanager/secretVersion:SecretVersion")
def create_secret_version(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Secret value: PutSecretValue with ``secretString`` (or the write-only
    ``secretStringWo``) or ``secretBinary`` (base64, as the provider takes it) and the
    version stages (AWSCURRENT by default). Id: ``<secret id>|<version id>``."""
    secrets = req.client("secretsmanager")
    secret_id = str(req.inputs["secretId"])
    binary = req.get("secretBinary")
    stages = req.get("versionStages")
    created = secrets.put_secret_value(
        **compact(
            {
                "SecretId": secret_id,
                "SecretString": req.get("secretString", req.get("secretStringWo")),
                "SecretBinary": None if binary is None else base64.b64decode(binary),
                "VersionStages": stages,
            }
        )
    )
    version_id = created["VersionId"]
    return f"{secret_id}|{version_id}", {
        "arn": created["ARN"],
        "secretArn": created["ARN"],
        "versionId": version_id,
        "versionStages": created.get("VersionStages") or stages or ["AWSCURRENT"],
        "hasSecretStringWo": req.get("secretStringWo") is not None,
    }


@deletes("aws:secretsmanager/secretVersion:SecretVersion")
def delete_secret_version(req: ResourceRequest) -> None:
    """Secret value: its stages other than AWSCURRENT are removed (UpdateSecretVersionStage);
    AWSCURRENT cannot be removed, so the value stays until the secret goes, as on AWS."""
    secret_id, version_id = req.resource_id.split("|", 1)
    for stage in req.get("versionStages", []):
        if stage != "AWSCURRENT":
            req.client("secretsmanager").update_secret_version_stage(
                SecretId=secret_id, VersionStage=stage, RemoveFromVersionId=version_id
            )
