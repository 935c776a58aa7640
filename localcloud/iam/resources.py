"""The deployer's handlers for IAM: roles, inline and managed policies, attachments."""

from __future__ import annotations

import functools
import json
from typing import Any

from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, iam_backends

from ..deploy.mocks import (
    ResourceRequest,
    UnsupportedResourceError,
    as_int,
    compact,
    handles,
    iso,
    json_text,
    tag_list,
)


@functools.cache
def _aws_managed_policies() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(aws_managed_policies_data)
    return data


def _seed_aws_managed_policy(req: ResourceRequest, policy_arn: str) -> None:
    """Make the AWS managed policy ``policy_arn`` attachable in moto, as it is in AWS.

    moto loads AWS's ~1,300 managed policies only when its ``iam.load_aws_managed_policies``
    option is on (off by default, and slow for every cloud); attaching one then fails with
    NoSuchEntity. This adds just the policy being attached, from moto's own bundled copy.
    """
    if not policy_arn.startswith(f"arn:{req.mocks.partition}:iam::aws:policy/"):
        return
    data = _aws_managed_policies().get(policy_arn.rsplit("/", 1)[1])
    backend = iam_backends[req.cloud.account_id][req.mocks.partition]
    if data is None or policy_arn in backend.managed_policies:
        return
    policy = AWSManagedPolicy.from_data(
        policy_arn.rsplit("/", 1)[1], req.cloud.account_id, req.cloud.region, data
    )
    if policy.arn == policy_arn:  # same path too, not only the same name
        backend.managed_policies[policy.arn] = policy


@handles("aws:iam/role:Role")
def create_role(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """IAM role: CreateRole (trust policy, path, description, session length, boundary, tags),
    then PutRolePolicy for each ``inlinePolicies`` entry and AttachRolePolicy for each
    ``managedPolicyArns``. Id: the role name."""
    iam = req.client("iam")
    name = req.physical_name()
    role = iam.create_role(
        **compact(
            {
                "RoleName": name,
                "AssumeRolePolicyDocument": json_text(req.inputs["assumeRolePolicy"]),
                "Path": req.get("path", "/"),
                "Description": req.get("description"),
                "MaxSessionDuration": as_int(req.get("maxSessionDuration")),
                "PermissionsBoundary": req.get("permissionsBoundary"),
                "Tags": tag_list(req.tags),
            }
        )
    )["Role"]
    for policy in req.get("inlinePolicies", []):
        if policy.get("name") and policy.get("policy"):
            iam.put_role_policy(
                RoleName=name,
                PolicyName=policy["name"],
                PolicyDocument=json_text(policy["policy"]),
            )
    for policy_arn in req.get("managedPolicyArns", []):
        _seed_aws_managed_policy(req, policy_arn)
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    return name, {
        "name": name,
        "arn": role["Arn"],
        "uniqueId": role["RoleId"],
        "createDate": iso(role["CreateDate"]),
        "path": role["Path"],
        "maxSessionDuration": role.get("MaxSessionDuration", 3600),
        "tagsAll": req.tags,
    }


@handles("aws:iam/rolePolicy:RolePolicy")
def create_role_policy(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Inline policy of a role: PutRolePolicy. Id: ``<role>:<policy name>``."""
    role = str(req.inputs["role"])
    name = req.physical_name()
    req.client("iam").put_role_policy(
        RoleName=role, PolicyName=name, PolicyDocument=json_text(req.inputs["policy"])
    )
    return f"{role}:{name}", {"name": name}


@handles("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def create_role_policy_attachment(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Managed policy attached to a role: AttachRolePolicy (a customer policy must exist; an
    AWS managed policy is made available first). Id: ``<role>-<unique id>``, as the provider
    makes it."""
    role, policy_arn = str(req.inputs["role"]), str(req.inputs["policyArn"])
    _seed_aws_managed_policy(req, policy_arn)
    req.client("iam").attach_role_policy(RoleName=role, PolicyArn=policy_arn)
    return req.mocks.unique_id(f"{role}-"), {}


@handles("aws:iam/policy:Policy")
def create_policy(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Customer managed policy: CreatePolicy (path, description, tags). Id: its ARN."""
    name = req.physical_name()
    policy = req.client("iam").create_policy(
        **compact(
            {
                "PolicyName": name,
                "PolicyDocument": json_text(req.inputs["policy"]),
                "Path": req.get("path", "/"),
                "Description": req.get("description"),
                "Tags": tag_list(req.tags),
            }
        )
    )["Policy"]
    return policy["Arn"], {"name": name, "arn": policy["Arn"], "policyId": policy["PolicyId"]}


@handles("aws:iam/policyAttachment:PolicyAttachment")
def create_policy_attachment(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Exclusive attachment of a managed policy: AttachRolePolicy for each of ``roles`` (users
    and groups are not emulated). Id: its name."""
    iam, policy_arn = req.client("iam"), str(req.inputs["policyArn"])
    if req.get("users") or req.get("groups"):
        raise UnsupportedResourceError(f"{req.type} '{req.name}': only roles are emulated")
    for role in req.get("roles", []):
        iam.attach_role_policy(RoleName=str(role), PolicyArn=policy_arn)
    name = req.physical_name()
    return name, {"name": name}
