"""The deployer's handlers for IAM: roles, inline and managed policies, attachments."""

from __future__ import annotations

import functools
import json
from typing import Any, Final

from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, iam_backends

from ..deploy.mocks import ResourceRequest, UnsupportedResourceError, deletes, handles, updates
from ..deploy.params import added_removed, as_int, compact, iso, json_text, retag, tag_list


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
    return name, _role_outputs(req, role)


def _role_outputs(req: ResourceRequest, role: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": role["RoleName"],
        "arn": role["Arn"],
        "uniqueId": role["RoleId"],
        "createDate": iso(role["CreateDate"]),
        "path": role["Path"],
        "maxSessionDuration": role.get("MaxSessionDuration", 3600),
        "tagsAll": req.tags,
    }


def _inline(policies: list[dict[str, Any]]) -> dict[str, str]:
    return {
        p["name"]: json_text(p["policy"]) for p in policies if p.get("name") and p.get("policy")
    }


@updates("aws:iam/role:Role")
def update_role(req: ResourceRequest) -> dict[str, Any]:
    """IAM role in place: UpdateAssumeRolePolicy, UpdateRoleDescription, UpdateRole (session
    length), PutRolePermissionsBoundary/DeleteRolePermissionsBoundary, PutRolePolicy and
    DeleteRolePolicy for the ``inlinePolicies`` that changed, AttachRolePolicy and
    DetachRolePolicy for ``managedPolicyArns``, TagRole/UntagRole."""
    iam, name = req.client("iam"), req.resource_id
    if "assumeRolePolicy" in req.changed:
        iam.update_assume_role_policy(
            RoleName=name, PolicyDocument=json_text(req.inputs["assumeRolePolicy"])
        )
    if "description" in req.changed:
        iam.update_role_description(RoleName=name, Description=req.get("description", ""))
    if "maxSessionDuration" in req.changed:
        iam.update_role(
            RoleName=name, MaxSessionDuration=as_int(req.get("maxSessionDuration", 3600))
        )
    if "permissionsBoundary" in req.changed:
        if req.get("permissionsBoundary"):
            iam.put_role_permissions_boundary(
                RoleName=name, PermissionsBoundary=req.inputs["permissionsBoundary"]
            )
        else:
            iam.delete_role_permissions_boundary(RoleName=name)
    if "inlinePolicies" in req.changed:
        old, new = _inline(req.old("inlinePolicies", [])), _inline(req.get("inlinePolicies", []))
        for policy_name in old.keys() - new.keys():
            iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
        for policy_name, document in new.items():
            if old.get(policy_name) != document:
                iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=document)
    if "managedPolicyArns" in req.changed:
        added, removed = added_removed(
            req.old("managedPolicyArns", []), req.get("managedPolicyArns", [])
        )
        for policy_arn in removed:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy_arn)
        for policy_arn in added:
            _seed_aws_managed_policy(req, policy_arn)
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    retag(
        req,
        lambda tags: iam.tag_role(RoleName=name, Tags=tag_list(tags)),
        lambda keys: iam.untag_role(RoleName=name, TagKeys=keys),
    )
    return _role_outputs(req, iam.get_role(RoleName=name)["Role"])


@deletes("aws:iam/role:Role")
def delete_role(req: ResourceRequest) -> None:
    """IAM role: the inline and managed policies the role itself declares are removed
    (DeleteRolePolicy, DetachRolePolicy), then DeleteRole, as the provider does."""
    iam, name = req.client("iam"), req.resource_id
    for policy_name in _inline(req.get("inlinePolicies", [])):
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    for policy_arn in req.get("managedPolicyArns", []):
        iam.detach_role_policy(RoleName=name, PolicyArn=policy_arn)
    iam.delete_role(RoleName=name)


@handles("aws:iam/rolePolicy:RolePolicy")
def create_role_policy(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Inline policy of a role: PutRolePolicy. Id: ``<role>:<policy name>``."""
    role = str(req.inputs["role"])
    name = req.physical_name()
    req.client("iam").put_role_policy(
        RoleName=role, PolicyName=name, PolicyDocument=json_text(req.inputs["policy"])
    )
    return f"{role}:{name}", {"name": name}


@updates("aws:iam/rolePolicy:RolePolicy")
def update_role_policy(req: ResourceRequest) -> dict[str, Any]:
    """Inline policy in place (a new document): PutRolePolicy."""
    create_role_policy(req)
    return {"name": req.physical_name()}


@deletes("aws:iam/rolePolicy:RolePolicy")
def delete_role_policy(req: ResourceRequest) -> None:
    """Inline policy: DeleteRolePolicy."""
    role, name = req.resource_id.split(":", 1)
    req.client("iam").delete_role_policy(RoleName=role, PolicyName=name)


@handles("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def create_role_policy_attachment(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Managed policy attached to a role: AttachRolePolicy (a customer policy must exist; an
    AWS managed policy is made available first). Id: ``<role>-<unique id>``, as the provider
    makes it."""
    role, policy_arn = str(req.inputs["role"]), str(req.inputs["policyArn"])
    _seed_aws_managed_policy(req, policy_arn)
    req.client("iam").attach_role_policy(RoleName=role, PolicyArn=policy_arn)
    return req.mocks.unique_id(f"{role}-"), {}


@deletes("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def delete_role_policy_attachment(req: ResourceRequest) -> None:
    """Managed policy attachment (every input replaces it, so no update): DetachRolePolicy."""
    req.client("iam").detach_role_policy(
        RoleName=str(req.inputs["role"]), PolicyArn=str(req.inputs["policyArn"])
    )


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


#: A managed policy keeps at most five versions (IAM quota).
_POLICY_VERSIONS: Final = 5


@updates("aws:iam/policy:Policy")
def update_policy(req: ResourceRequest) -> dict[str, Any]:
    """Managed policy in place: a new document is CreatePolicyVersion made the default
    (SetDefaultPolicyVersion), the oldest non-default version deleted first when five exist;
    TagPolicy/UntagPolicy."""
    iam, arn = req.client("iam"), req.resource_id
    if "policy" in req.changed:
        versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
        if len(versions) >= _POLICY_VERSIONS:
            oldest = min(
                (v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"]
            )
            iam.delete_policy_version(PolicyArn=arn, VersionId=oldest["VersionId"])
        version = iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=json_text(req.inputs["policy"])
        )["PolicyVersion"]
        iam.set_default_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    retag(
        req,
        lambda tags: iam.tag_policy(PolicyArn=arn, Tags=tag_list(tags)),
        lambda keys: iam.untag_policy(PolicyArn=arn, TagKeys=keys),
    )
    return {"name": req.physical_name(), "arn": arn, "policyId": req.output("policyId")}


@deletes("aws:iam/policy:Policy")
def delete_policy(req: ResourceRequest) -> None:
    """Managed policy: DeletePolicyVersion for each non-default version, then DeletePolicy."""
    iam, arn = req.client("iam"), req.resource_id
    for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
        if not version["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    iam.delete_policy(PolicyArn=arn)


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


@updates("aws:iam/policyAttachment:PolicyAttachment")
def update_policy_attachment(req: ResourceRequest) -> dict[str, Any]:
    """Exclusive attachment in place (its roles changed): AttachRolePolicy for the roles added,
    DetachRolePolicy for the roles removed."""
    iam, policy_arn = req.client("iam"), str(req.inputs["policyArn"])
    if req.get("users") or req.get("groups"):
        raise UnsupportedResourceError(f"{req.type} '{req.name}': only roles are emulated")
    added, removed = added_removed(req.old("roles", []), req.get("roles", []))
    for role in removed:
        iam.detach_role_policy(RoleName=str(role), PolicyArn=policy_arn)
    for role in added:
        iam.attach_role_policy(RoleName=str(role), PolicyArn=policy_arn)
    return {"name": req.physical_name()}


@deletes("aws:iam/policyAttachment:PolicyAttachment")
def delete_policy_attachment(req: ResourceRequest) -> None:
    """Exclusive attachment: DetachRolePolicy for each of its roles."""
    iam, policy_arn = req.client("iam"), str(req.inputs["policyArn"])
    for role in req.get("roles", []):
        iam.detach_role_policy(RoleName=str(role), PolicyArn=policy_arn)
