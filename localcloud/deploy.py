"""Deploy a Pulumi program into the local cloud: every AWS resource it declares is created in moto.

::

    with LocalCloud() as cloud:
        task_arn = cloud.create_replication_task("orders")
        deployment = deploy_stack_file(
            cloud,
            "__main__.py",
            config={"tasks": [{"name": "orders", "pattern": "polling",
                               "replication_task_arn": task_arn}]},
        )
        print(deployment.summary())
        machine = deployment.one("aws:sfn/stateMachine:StateMachine")
        cloud.run_execution(machine.id, {})

There is no Pulumi engine and no AWS provider plugin on these machines, so the program runs
in-process under Pulumi mocks (``dms_waiters.testing.run_program``) and ``LocalCloudMocks`` plays
the provider: for each resource it makes the AWS API calls the provider would make, through
boto3 against moto, and answers with the id and state AWS returned (ARNs, names, versions,
URLs). ``Output``s in the program therefore resolve to real emulator values, and what was
deployed can be executed (``LocalCloud.run_execution``, Lambda invokes, EventBridge rules).

Each supported resource type is one small handler function in ``HANDLERS``, keyed by its type
token; its docstring says which calls it makes. Component resources (type tokens that do not
start with ``aws:``) and provider resources create nothing. Any other ``aws:`` type, or a
custom resource of another package, fails the deployment with ``UnsupportedResourceError``
naming the type and the logical name: a program half-deployed by silently skipping a resource
would only fail later, far from the cause.

Scope: one ``pulumi up`` of a new stack. Updates, deletes, refresh and ``.get()``/import of
existing resources are not emulated. A failed deployment leaves the resources created before
the failure in moto, as a failed ``pulumi up`` leaves them in AWS.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import os
import runpy
import sys
import tarfile
import threading
import uuid
import weakref
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pulumi
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, iam_backends
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key

from dms_waiters.testing import (
    CreatedResource,
    DmsWaitersMocks,
    RecordingMockMonitor,
    run_program,
)

if TYPE_CHECKING:
    from .cloud import LocalCloud

__all__ = [
    "HANDLERS",
    "Deployment",
    "DeploymentError",
    "LocalCloudMocks",
    "ResourceRequest",
    "UnsupportedResourceError",
    "archive_zip",
    "deploy_program",
    "deploy_stack_file",
    "unwrap_secrets",
]

DEFAULT_PROJECT: Final = "dms-waiters"
DEFAULT_STACK: Final = "local"
STACK_TYPE: Final = "pulumi:pulumi:Stack"

# Fixed timestamp for every zip entry, so the same code always gives the same zip bytes (and
# the same CodeSha256), as Pulumi's own archiver does.
_ZIP_DATE: Final = (1980, 1, 1, 0, 0, 0)


class DeploymentError(RuntimeError):
    """Creating a resource in the local cloud failed; the message names its type and name."""


class UnsupportedResourceError(DeploymentError):
    """The program declares a resource type the local cloud cannot create."""


# -- inputs ------------------------------------------------------------------------------------


def unwrap_secrets(value: Any) -> Any:
    """``value`` with every Pulumi secret wrapper replaced by the secret's plain value.

    The mock monitor deserialises a secret input as ``{<sig key>: <secret sig>, "value": v}``;
    AWS needs ``v`` itself.
    """
    if isinstance(value, dict):
        if value.get(_special_sig_key) == _special_secret_sig:
            return unwrap_secrets(value.get("value"))
        return {key: unwrap_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(item) for item in value]
    return value


def archive_zip(archive: pulumi.Archive, base_dir: Path | None = None) -> bytes:
    """The zip file Pulumi would upload for ``archive`` (a Lambda function's ``code``).

    * ``AssetArchive``: each member at its key; a nested archive's files go under ``<key>/``
      (so ``AssetArchive({"lambdas": FileArchive("lambdas")})`` holds ``lambdas/<file>``).
    * ``FileArchive``: a directory's files (recursively) or the members of a .zip/.jar/.tar/
      .tgz/.tar.gz file; relative paths are taken from ``base_dir`` (default: the current
      directory, as Pulumi takes them from the project directory).
    * ``StringAsset``/``FileAsset``: a file's content. Remote assets and archives fail: this
      process never touches the network.

    Entries are sorted with a fixed timestamp, so the bytes (and the hash) are reproducible;
    the same content is zipped once per process (a durable function's archive is ~17 MB).
    """
    entries: dict[str, bytes] = {}
    _add_archive(entries, archive, "", base_dir or Path.cwd())
    fingerprint = hashlib.sha256()
    for path in sorted(entries):
        fingerprint.update(path.encode() + b"\0" + hashlib.sha256(entries[path]).digest())
    key = fingerprint.hexdigest()
    with _ZIP_CACHE_LOCK:
        cached = _ZIP_CACHE.get(key)
    if cached is None:
        cached = _zip_entries(entries)
        with _ZIP_CACHE_LOCK:
            _ZIP_CACHE[key] = cached
            while len(_ZIP_CACHE) > _ZIP_CACHE_SIZE:
                _ZIP_CACHE.pop(next(iter(_ZIP_CACHE)))
    return cached


#: Zips already built, by a digest of their entries (oldest first).
_ZIP_CACHE: dict[str, bytes] = {}
_ZIP_CACHE_LOCK = threading.Lock()
_ZIP_CACHE_SIZE: Final = 16


def _zip_entries(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(entries):
            info = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # rw-r--r--: Lambda must be able to read it
            zipped.writestr(info, entries[path])
    return buffer.getvalue()


def _add_archive(entries: dict[str, bytes], archive: Any, prefix: str, base_dir: Path) -> None:
    if isinstance(archive, pulumi.AssetArchive):
        for key, member in archive.assets.items():
            if isinstance(member, pulumi.Archive):
                _add_archive(entries, member, f"{prefix}{key.strip('/')}/", base_dir)
            else:
                entries[f"{prefix}{key}"] = _asset_bytes(member, base_dir)
    elif isinstance(archive, pulumi.FileArchive):
        path = _resolve(archive.path, base_dir)
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=True):
                dirs.sort()
                for file_name in sorted(files):
                    file_path = Path(root, file_name)
                    entries[prefix + file_path.relative_to(path).as_posix()] = (
                        file_path.read_bytes()
                    )
        elif path.suffix in (".zip", ".jar"):
            with zipfile.ZipFile(path) as zipped:
                for info in zipped.infolist():
                    if not info.is_dir():
                        entries[prefix + info.filename] = zipped.read(info)
        elif path.name.endswith((".tar", ".tgz", ".tar.gz")):
            with tarfile.open(path) as tarred:
                for tar_info in tarred.getmembers():
                    extracted = tarred.extractfile(tar_info) if tar_info.isfile() else None
                    if extracted is not None:
                        entries[prefix + tar_info.name] = extracted.read()
        else:
            raise ValueError(f"FileArchive {archive.path!r}: not a directory or a known archive")
    elif isinstance(archive, pulumi.RemoteArchive):
        raise ValueError(f"RemoteArchive {archive.uri!r}: the local cloud never downloads")
    else:
        raise ValueError(f"unsupported archive {archive!r}")


def _asset_bytes(asset: Any, base_dir: Path) -> bytes:
    if isinstance(asset, pulumi.StringAsset):
        return asset.text.encode()
    if isinstance(asset, pulumi.FileAsset):
        return _resolve(asset.path, base_dir).read_bytes()
    if isinstance(asset, pulumi.RemoteAsset):
        raise ValueError(f"RemoteAsset {asset.uri!r}: the local cloud never downloads")
    raise ValueError(f"unsupported asset {asset!r}")


def _resolve(path: str, base_dir: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else base_dir / candidate


def _int(value: Any) -> int | None:
    # Pulumi serialises every number as a float (60 arrives as 60.0); boto3 rejects floats
    # where the API takes an integer.
    return None if value is None else int(value)


def _compact(params: Mapping[str, Any]) -> dict[str, Any]:
    # boto3 rejects None for an optional parameter: leave unset inputs out.
    return {key: value for key, value in params.items() if value is not None}


def _json_text(value: Any) -> str:
    # Policy documents and event patterns may be given as objects; AWS takes JSON text.
    return value if isinstance(value, str) else json.dumps(value)


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


# -- the mocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceRequest:
    """One resource to create: what a handler in ``HANDLERS`` receives."""

    type: str
    """The type token, e.g. ``aws:iam/role:Role``."""
    name: str
    """The Pulumi logical name."""
    inputs: dict[str, Any]
    """Inputs with camelCase keys, ``Output``s resolved and secrets unwrapped."""
    mocks: LocalCloudMocks
    urn: str = ""
    """The resource's URN."""
    aws_name: str | None = None
    """The name chosen for it (``physical_name``), None for a type without one."""

    @property
    def cloud(self) -> LocalCloud:
        """The local cloud the resource is created in."""
        return self.mocks.cloud

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` in the local cloud."""
        return self.cloud.client(service)

    def get(self, key: str, default: Any = None) -> Any:
        """Input ``key``, or ``default`` when it is unset (missing or None)."""
        value = self.inputs.get(key)
        return default if value is None else value

    @property
    def tags(self) -> dict[str, str]:
        """The resource's ``tags`` input (empty if none)."""
        tags: dict[str, str] = self.get("tags", {})
        return tags

    def physical_name(self) -> str:
        """The name AWS will know the resource by, chosen as the Pulumi AWS provider does and
        as ``dms_waiters.testing`` chooses it (``naming.NAME_RULES``): an explicit name wins;
        else ``namePrefix`` plus Terraform's 26-character unique id; else pulumi-aws's autoname
        ``<logical>-<7 hex>`` (the suffix derived from the URN; ``.fifo`` for a FIFO queue).
        A name the provider or AWS would refuse (too long, say) failed before the handler ran.
        """
        if self.aws_name is None:
            raise DeploymentError(f"{self.type} {self.name!r} has no physical name")
        return self.aws_name


#: A resource type's creator: makes the AWS calls, returns the resource id and its outputs.
Handler = Callable[[ResourceRequest], tuple[str, dict[str, Any]]]

#: Every resource type the local cloud can create, by type token.
HANDLERS: dict[str, Handler] = {}


def handles(type_token: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the creator of ``type_token`` resources."""

    def register(handler: Handler) -> Handler:
        if type_token in HANDLERS:
            raise ValueError(f"two handlers for {type_token}")
        HANDLERS[type_token] = handler
        return handler

    return register


class LocalCloudMocks(DmsWaitersMocks):
    """Pulumi mocks that create each resource in the local cloud (moto) and answer with its
    real id and state.

    Data sources (caller identity, region, partition) answer with the cloud's account and
    region. Every resource is recorded (``created()``, ``by_name()``) with its inputs as the
    program gave them and the state returned: the inputs merged with what AWS computed.
    Creation is serialised (one resource at a time): Pulumi registers resources from a pool
    of threads, and moto's backends are not written for concurrent writers.
    """

    def __init__(
        self,
        cloud: LocalCloud,
        *,
        project: str = DEFAULT_PROJECT,
        stack: str = DEFAULT_STACK,
        base_dir: Path | None = None,
    ) -> None:
        super().__init__(account_id=cloud.account_id, region=cloud.region)
        self.cloud = cloud
        self.project = project
        self.stack = stack
        self.base_dir = base_dir or Path.cwd()
        self._create_lock = threading.Lock()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Create the resource in moto; return the id and state AWS gave it.

        Raises ``UnsupportedResourceError`` for a type with no handler and ``DeploymentError``
        (chained to the AWS error) when creating it fails; either fails the deployment.
        """
        raw = dict(args.inputs)
        label = f"{args.typ} {args.name!r}"
        outputs: dict[str, Any]
        aws_name: str | None = None
        if args.resource_id:
            raise DeploymentError(
                f"{label}: reading or importing an existing resource (id {args.resource_id!r}) "
                "is not supported by the local cloud"
            )
        if args.typ.startswith("pulumi:providers:"):
            # A provider instance (aws.Provider(...)): configuration only, nothing to create.
            resource_id, outputs = str(uuid.uuid5(uuid.NAMESPACE_URL, args.name)), {}
        elif not args.typ.startswith("aws:"):
            if args.custom:
                raise UnsupportedResourceError(
                    f"{label}: the local cloud only creates aws: resources; "
                    "a custom resource of another package cannot be deployed here"
                )
            # A component resource: a grouping in the tree, nothing exists in AWS.
            resource_id, outputs = "", {}
        else:
            handler = HANDLERS.get(args.typ)
            if handler is None:
                raise UnsupportedResourceError(
                    f"{label}: resource type {args.typ} is not supported by the local cloud "
                    f"(supported: {', '.join(sorted(HANDLERS))})"
                )
            inputs = unwrap_secrets(raw)
            aws_name = self.physical_name(args, inputs, None)
            request = ResourceRequest(
                args.typ, args.name, inputs, self, urn=self._urn_of(args), aws_name=aws_name
            )
            with self._create_lock:
                try:
                    resource_id, outputs = handler(request)
                except DeploymentError:
                    raise
                except KeyError as err:
                    # A handler reads required inputs with inputs[...]: name the missing one.
                    raise DeploymentError(
                        f"{label}: required input {err.args[0]!r} is missing"
                    ) from err
                except Exception as err:
                    raise DeploymentError(
                        f"{label}: creating it in the local cloud failed: {err}"
                    ) from err
        # Inputs keep their secret wrappers, so secret inputs stay secret in the state; a
        # write-only input (``...Wo``) never reaches the state, as with the real provider.
        state = {**{k: v for k, v in raw.items() if not k.endswith("Wo")}, **outputs}
        self._record(args, raw, state, resource_id, physical_name=aws_name)
        return resource_id, state

    def prefixed_name(self, prefix: str, urn: str) -> str:
        """A ``namePrefix`` name: the prefix and Terraform's unique id (``unique_id``)."""
        return self.unique_id(prefix)

    def unique_id(self, prefix: str) -> str:
        """Terraform's ``PrefixedUniqueId``: prefix, virtual UTC time to 1/10000 s, counter.

        The counter belongs to the cloud, not to one deployment: virtual time stands still
        between deployments, and two stacks using the same ``namePrefix`` must not collide.
        """
        with _UNIQUE_IDS_LOCK:
            count = _UNIQUE_IDS.get(self.cloud, 0) + 1
            _UNIQUE_IDS[self.cloud] = count
        stamp = self.cloud.clock.now_datetime().strftime("%Y%m%d%H%M%S%f")[:18]
        return f"{prefix}{stamp}{count:08x}"


# Per cloud: how many unique ids its deployments have drawn (forgotten with the cloud).
_UNIQUE_IDS: weakref.WeakKeyDictionary[LocalCloud, int] = weakref.WeakKeyDictionary()
_UNIQUE_IDS_LOCK: Final = threading.Lock()


# -- handlers: IAM -----------------------------------------------------------------------------


def _tag_list(tags: Mapping[str, str], key: str = "Key", value: str = "Value") -> list[Any] | None:
    return [{key: k, value: v} for k, v in tags.items()] or None


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
        **_compact(
            {
                "RoleName": name,
                "AssumeRolePolicyDocument": _json_text(req.inputs["assumeRolePolicy"]),
                "Path": req.get("path", "/"),
                "Description": req.get("description"),
                "MaxSessionDuration": _int(req.get("maxSessionDuration")),
                "PermissionsBoundary": req.get("permissionsBoundary"),
                "Tags": _tag_list(req.tags),
            }
        )
    )["Role"]
    for policy in req.get("inlinePolicies", []):
        if policy.get("name") and policy.get("policy"):
            iam.put_role_policy(
                RoleName=name,
                PolicyName=policy["name"],
                PolicyDocument=_json_text(policy["policy"]),
            )
    for policy_arn in req.get("managedPolicyArns", []):
        _seed_aws_managed_policy(req, policy_arn)
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    return name, {
        "name": name,
        "arn": role["Arn"],
        "uniqueId": role["RoleId"],
        "createDate": _iso(role["CreateDate"]),
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
        RoleName=role, PolicyName=name, PolicyDocument=_json_text(req.inputs["policy"])
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
        **_compact(
            {
                "PolicyName": name,
                "PolicyDocument": _json_text(req.inputs["policy"]),
                "Path": req.get("path", "/"),
                "Description": req.get("description"),
                "Tags": _tag_list(req.tags),
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


# -- handlers: CloudWatch Logs, Step Functions -------------------------------------------------


@handles("aws:cloudwatch/logGroup:LogGroup")
def create_log_group(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Log group: CreateLogGroup (KMS key, class, tags), then PutRetentionPolicy when
    ``retentionInDays`` is set. Name: ``name``, ``namePrefix`` + unique id, or auto-named.
    Id: the name; ``arn`` without the ``:*`` that DescribeLogGroups appends."""
    logs = req.client("logs")
    name = req.physical_name()
    logs.create_log_group(
        **_compact(
            {
                "logGroupName": name,
                "kmsKeyId": req.get("kmsKeyId"),
                "logGroupClass": req.get("logGroupClass"),
                "tags": req.tags or None,
            }
        )
    )
    retention = _int(req.get("retentionInDays"))
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


def _sfn_logging(config: Mapping[str, Any]) -> dict[str, Any]:
    # The provider's flat {level, includeExecutionData, logDestination} becomes the API's
    # destinations list.
    logging: dict[str, Any] = {
        "level": config.get("level", "OFF"),
        "includeExecutionData": bool(config.get("includeExecutionData", False)),
    }
    if config.get("logDestination"):
        logging["destinations"] = [
            {"cloudWatchLogsLogGroup": {"logGroupArn": config["logDestination"]}}
        ]
    return logging


@handles("aws:sfn/stateMachine:StateMachine")
def create_state_machine(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """State machine: CreateStateMachine with the definition, role, type (STANDARD by
    default), logging and tracing configuration, encryption, tags and ``publish``. Id: the
    ARN."""
    sfn = req.client("stepfunctions")
    name = req.physical_name()
    encryption = req.get("encryptionConfiguration")
    params = _compact(
        {
            "name": name,
            "definition": _json_text(req.inputs["definition"]),
            "roleArn": req.inputs["roleArn"],
            "type": req.get("type", "STANDARD"),
            "loggingConfiguration": _sfn_logging(req.get("loggingConfiguration", {})),
            "tracingConfiguration": {
                "enabled": bool(req.get("tracingConfiguration", {}).get("enabled", False))
            },
            "encryptionConfiguration": None
            if not encryption
            else _compact(
                {
                    "type": encryption.get("type"),
                    "kmsKeyId": encryption.get("kmsKeyId"),
                    "kmsDataKeyReusePeriodSeconds": _int(
                        encryption.get("kmsDataKeyReusePeriodSeconds")
                    ),
                }
            ),
            "tags": _tag_list(req.tags, "key", "value"),
            "publish": bool(req.get("publish", False)) or None,
            "versionDescription": req.get("versionDescription"),
        }
    )
    created = sfn.create_state_machine(**params)
    arn = created["stateMachineArn"]
    described = sfn.describe_state_machine(stateMachineArn=arn)
    return arn, {
        "name": name,
        "arn": arn,
        "type": params["type"],
        "status": described.get("status", "ACTIVE"),
        "creationDate": _iso(created["creationDate"]),
        "stateMachineVersionArn": created.get("stateMachineVersionArn", ""),
        "revisionId": described.get("revisionId", ""),
        "description": described.get("description", ""),
        "versionDescription": req.get("versionDescription", ""),
        "tagsAll": req.tags,
    }


# -- handlers: Lambda --------------------------------------------------------------------------


def _function_code(req: ResourceRequest) -> dict[str, Any]:
    code = req.get("code")
    if code is not None:
        if not isinstance(code, pulumi.Archive):
            raise ValueError(f"code must be a pulumi Archive, got {type(code).__name__}")
        return {"ZipFile": archive_zip(code, req.mocks.base_dir)}
    if req.get("imageUri"):
        return {"ImageUri": req.inputs["imageUri"]}
    if req.get("s3Bucket"):
        return _compact(
            {
                "S3Bucket": req.inputs["s3Bucket"],
                "S3Key": req.get("s3Key"),
                "S3ObjectVersion": req.get("s3ObjectVersion"),
            }
        )
    raise ValueError("one of code, imageUri or s3Bucket is required")


def _invoke_arn(req: ResourceRequest, function_arn: str) -> str:
    region = req.cloud.region
    return (
        f"arn:{req.mocks.partition}:apigateway:{region}:lambda:path/2015-03-31/functions/"
        f"{function_arn}/invocations"
    )


@handles("aws:lambda/function:Function")
def create_function(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Lambda function: CreateFunction with the code (an ``AssetArchive``/``FileArchive``
    zipped here byte for byte, or S3/image), role (must exist: moto checks), handler, runtime,
    environment variables, timeout, memory, architectures, layers, dead-letter, tracing,
    logging and ephemeral storage settings, tags, ``publish`` (version ``1``, else
    ``$LATEST``) and ``durableConfig`` (``DurableConfig``: invoking a version or alias then
    starts a durable execution, see ``localcloud.durable``); then PutFunctionConcurrency for
    ``reservedConcurrentExecutions`` >= 0. Id: the name."""
    lam = req.client("lambda")
    name = req.physical_name()
    environment = req.get("environment", {}).get("variables")
    dead_letter = req.get("deadLetterConfig", {}).get("targetArn")
    tracing = req.get("tracingConfig", {}).get("mode")
    logging = req.get("loggingConfig")
    storage = _int(req.get("ephemeralStorage", {}).get("size"))
    durable = req.get("durableConfig")
    code = _function_code(req)
    created = lam.create_function(
        **_compact(
            {
                "FunctionName": name,
                "Role": req.inputs["role"],
                "Handler": req.get("handler"),
                "Runtime": req.get("runtime"),
                "Code": code,
                "PackageType": "Image" if "ImageUri" in code else None,
                "Description": req.get("description"),
                "Timeout": _int(req.get("timeout", 3)),
                "MemorySize": _int(req.get("memorySize", 128)),
                "Publish": bool(req.get("publish", False)),
                "Environment": None if environment is None else {"Variables": environment},
                "Architectures": req.get("architectures"),
                "Layers": req.get("layers"),
                "DeadLetterConfig": None if dead_letter is None else {"TargetArn": dead_letter},
                "TracingConfig": None if tracing is None else {"Mode": tracing},
                "LoggingConfig": None
                if not logging
                else _compact(
                    {
                        "LogFormat": logging.get("logFormat"),
                        "LogGroup": logging.get("logGroup"),
                        "ApplicationLogLevel": logging.get("applicationLogLevel"),
                        "SystemLogLevel": logging.get("systemLogLevel"),
                    }
                ),
                "EphemeralStorage": None if storage is None else {"Size": storage},
                "DurableConfig": None
                if not durable
                else _compact(
                    {
                        "ExecutionTimeout": _int(durable.get("executionTimeout")),
                        "RetentionPeriodInDays": _int(durable.get("retentionPeriod")),
                    }
                ),
                "KMSKeyArn": req.get("kmsKeyArn"),
                "Tags": req.tags or None,
            }
        )
    )
    reserved = _int(req.get("reservedConcurrentExecutions"))
    if reserved is not None and reserved >= 0:
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
    arn = created["FunctionArn"]  # unqualified, even when a version was published
    version = created.get("Version", "$LATEST")
    return name, {
        "name": name,
        "arn": arn,
        "invokeArn": _invoke_arn(req, arn),
        "qualifiedArn": f"{arn}:{version}",
        "qualifiedInvokeArn": _invoke_arn(req, f"{arn}:{version}"),
        "responseStreamingInvokeArn": (
            f"arn:{req.mocks.partition}:apigateway:{req.cloud.region}:lambda:path/2021-11-15/"
            f"functions/{arn}/response-streaming-invocations"
        ),
        "version": version,
        "lastModified": _iso(created.get("LastModified", "")),
        "codeSha256": created.get("CodeSha256", ""),
        "sourceCodeHash": req.get("sourceCodeHash", created.get("CodeSha256", "")),
        "sourceCodeSize": created.get("CodeSize", 0),
        "timeout": _int(req.get("timeout", 3)),
        "memorySize": _int(req.get("memorySize", 128)),
        "packageType": created.get("PackageType", "Zip"),
        "architectures": created.get("Architectures", ["x86_64"]),
        "signingJobArn": "",
        "signingProfileVersionArn": "",
        "tagsAll": req.tags,
    }


@handles("aws:lambda/alias:Alias")
def create_alias(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Lambda alias: CreateAlias (function name or ARN, version, description, weighted
    routing). Id and ``arn``: the alias ARN; ``invokeArn`` for API Gateway."""
    name = req.physical_name()
    routing = req.get("routingConfig", {}).get("additionalVersionWeights")
    created = req.client("lambda").create_alias(
        **_compact(
            {
                "FunctionName": req.inputs["functionName"],
                "Name": name,
                "FunctionVersion": req.inputs["functionVersion"],
                "Description": req.get("description"),
                "RoutingConfig": None if routing is None else {"AdditionalVersionWeights": routing},
            }
        )
    )
    arn = created["AliasArn"]
    return arn, {"name": name, "arn": arn, "invokeArn": _invoke_arn(req, arn)}


@handles("aws:lambda/permission:Permission")
def create_permission(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Resource-based policy statement on a function: AddPermission (action, principal, source
    ARN/account, qualifier, org, function URL auth type, invoked via function URL).
    ``statementId`` is explicit,
    ``statementIdPrefix`` + unique id, or auto-named. Id: the statement id."""
    statement_id = req.physical_name()
    req.client("lambda").add_permission(
        **_compact(
            {
                "FunctionName": req.inputs["function"],
                "StatementId": statement_id,
                "Action": req.inputs["action"],
                "Principal": req.inputs["principal"],
                "SourceArn": req.get("sourceArn"),
                "SourceAccount": req.get("sourceAccount"),
                "EventSourceToken": req.get("eventSourceToken"),
                "Qualifier": req.get("qualifier"),
                "PrincipalOrgID": req.get("principalOrgId"),
                "FunctionUrlAuthType": req.get("functionUrlAuthType"),
                "InvokedViaFunctionUrl": req.get("invokedViaFunctionUrl"),
            }
        )
    )
    return statement_id, {"statementId": statement_id}


@handles("aws:lambda/functionUrl:FunctionUrl")
def create_function_url(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Function URL: CreateFunctionUrlConfig (auth type, CORS, invoke mode, qualifier).
    Id: the function name, ``<name>/<qualifier>`` with a qualifier; ``urlId`` is the URL's
    first label."""
    cors = req.get("cors")
    function = str(req.inputs["functionName"])
    qualifier = req.get("qualifier")
    created = req.client("lambda").create_function_url_config(
        **_compact(
            {
                "FunctionName": function,
                "Qualifier": qualifier,
                "AuthType": req.inputs["authorizationType"],
                "InvokeMode": req.get("invokeMode"),
                "Cors": None
                if not cors
                else _compact(
                    {
                        "AllowCredentials": cors.get("allowCredentials"),
                        "AllowHeaders": cors.get("allowHeaders"),
                        "AllowMethods": cors.get("allowMethods"),
                        "AllowOrigins": cors.get("allowOrigins"),
                        "ExposeHeaders": cors.get("exposeHeaders"),
                        "MaxAge": _int(cors.get("maxAge")),
                    }
                ),
            }
        )
    )
    url = created["FunctionUrl"]
    resource_id = function if qualifier is None else f"{function}/{qualifier}"
    return resource_id, {
        "functionUrl": url,
        "functionArn": created["FunctionArn"],
        "urlId": url.split("://", 1)[-1].split(".", 1)[0],
        "invokeMode": created.get("InvokeMode", req.get("invokeMode", "BUFFERED")),
    }


# -- handlers: DynamoDB, SQS -------------------------------------------------------------------


def _projection(index: Mapping[str, Any]) -> dict[str, Any]:
    return _compact(
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
            "ReadCapacityUnits": _int(spec.get("readCapacity")) or 0,
            "WriteCapacityUnits": _int(spec.get("writeCapacity")) or 0,
        }

    sse = req.get("serverSideEncryption")
    created = ddb.create_table(
        **_compact(
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
                    _compact(
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
                else _compact(
                    {
                        "Enabled": bool(sse.get("enabled", False)),
                        "SSEType": "KMS" if sse.get("enabled") else None,
                        "KMSMasterKeyId": sse.get("kmsKeyArn"),
                    }
                ),
                "TableClass": req.get("tableClass"),
                "DeletionProtectionEnabled": req.get("deletionProtectionEnabled"),
                "Tags": _tag_list(req.tags),
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
            PointInTimeRecoverySpecification=_compact(
                {
                    "PointInTimeRecoveryEnabled": True,
                    "RecoveryPeriodInDays": _int(recovery.get("recoveryPeriodInDays")),
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


#: Queue inputs and the SQS attributes they set.
_QUEUE_ATTRIBUTES: Final = {
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "policy": "Policy",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "deduplicationScope": "DeduplicationScope",
    "fifoThroughputLimit": "FifoThroughputLimit",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
}


def _attribute_text(value: Any) -> str:
    # SQS attributes are strings: booleans as true/false, numbers without a fraction.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _json_text(value)


@handles("aws:sqs/queue:Queue")
def create_queue(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """SQS queue: CreateQueue with its attributes (timeouts, retention, policy, redrive, FIFO,
    encryption) and tags; generated names of FIFO queues end in ``.fifo``. Id: the queue URL."""
    sqs = req.client("sqs")
    fifo = bool(req.get("fifoQueue", False))
    name = req.physical_name()
    attributes = {
        attribute: _attribute_text(req.inputs[key])
        for key, attribute in _QUEUE_ATTRIBUTES.items()
        if req.get(key) is not None and not (key == "fifoQueue" and not fifo)
    }
    url = sqs.create_queue(
        **_compact({"QueueName": name, "Attributes": attributes, "tags": req.tags or None})
    )["QueueUrl"]
    actual = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return url, {
        "name": name,
        "url": url,
        "arn": actual["QueueArn"],
        "fifoQueue": fifo,
        "delaySeconds": int(actual.get("DelaySeconds", 0)),
        "maxMessageSize": int(actual.get("MaximumMessageSize", 262144)),
        "messageRetentionSeconds": int(actual.get("MessageRetentionPeriod", 345600)),
        "receiveWaitTimeSeconds": int(actual.get("ReceiveMessageWaitTimeSeconds", 0)),
        "visibilityTimeoutSeconds": int(actual.get("VisibilityTimeout", 30)),
        "tagsAll": req.tags,
    }


@handles("aws:sqs/queuePolicy:QueuePolicy")
def create_queue_policy(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Queue access policy: SetQueueAttributes(Policy). Id: the queue URL."""
    url = str(req.inputs["queueUrl"])
    req.client("sqs").set_queue_attributes(
        QueueUrl=url, Attributes={"Policy": _json_text(req.inputs["policy"])}
    )
    return url, {}


# -- handlers: EventBridge, CloudWatch alarms --------------------------------------------------


def _bus(req: ResourceRequest) -> str:
    return str(req.get("eventBusName", "default"))


@handles("aws:cloudwatch/eventRule:EventRule")
def create_event_rule(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """EventBridge rule: PutRule with the event pattern or schedule expression, state
    (``state``, or the deprecated ``isEnabled``), description, role, bus and tags.
    Id: the name, ``<bus>/<name>`` on a bus other than ``default``."""
    name = req.physical_name()
    bus = _bus(req)
    state = req.get("state") or ("DISABLED" if req.get("isEnabled") is False else "ENABLED")
    pattern = req.get("eventPattern")
    created = req.client("events").put_rule(
        **_compact(
            {
                "Name": name,
                "EventPattern": None if pattern is None else _json_text(pattern),
                "ScheduleExpression": req.get("scheduleExpression"),
                "State": state,
                "Description": req.get("description"),
                "RoleArn": req.get("roleArn"),
                "EventBusName": bus,
                "Tags": _tag_list(req.tags),
            }
        )
    )
    resource_id = name if bus == "default" else f"{bus}/{name}"
    return resource_id, {
        "name": name,
        "arn": created["RuleArn"],
        "eventBusName": bus,
        "state": state,
        "tagsAll": req.tags,
    }


@handles("aws:cloudwatch/eventTarget:EventTarget")
def create_event_target(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Target of a rule: PutTargets with the ARN, role, input / input path / input
    transformer, retry policy, dead-letter queue and SQS parameters (a failed entry fails the
    deployment). ``targetId`` is autonamed, as pulumi-aws does. Id: ``<rule>-<targetId>``,
    ``<bus>-<rule>-<targetId>`` on a bus other than ``default``."""
    rule = str(req.inputs["rule"])
    bus = _bus(req)
    target_id = req.physical_name()
    transformer = req.get("inputTransformer")
    retry = req.get("retryPolicy")
    dead_letter = req.get("deadLetterConfig", {}).get("arn")
    sqs_target = req.get("sqsTarget", {}).get("messageGroupId")
    target = _compact(
        {
            "Id": target_id,
            "Arn": req.inputs["arn"],
            "RoleArn": req.get("roleArn"),
            "Input": req.get("input"),
            "InputPath": req.get("inputPath"),
            "InputTransformer": None
            if not transformer
            else _compact(
                {
                    "InputPathsMap": transformer.get("inputPaths"),
                    "InputTemplate": transformer["inputTemplate"],
                }
            ),
            "RetryPolicy": None
            if not retry
            else _compact(
                {
                    "MaximumRetryAttempts": _int(retry.get("maximumRetryAttempts")),
                    "MaximumEventAgeInSeconds": _int(retry.get("maximumEventAgeInSeconds")),
                }
            ),
            "DeadLetterConfig": None if dead_letter is None else {"Arn": dead_letter},
            "SqsParameters": None if sqs_target is None else {"MessageGroupId": sqs_target},
        }
    )
    result = req.client("events").put_targets(Rule=rule, EventBusName=bus, Targets=[target])
    if result.get("FailedEntryCount"):
        raise DeploymentError(
            f"{req.type} {req.name!r}: PutTargets refused the target: {result['FailedEntries']}"
        )
    resource_id = "-".join([rule, target_id] if bus == "default" else [bus, rule, target_id])
    return resource_id, {"targetId": target_id, "eventBusName": bus}


def _metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    metric = query.get("metric")
    return _compact(
        {
            "Id": query["id"],
            "Expression": query.get("expression"),
            "Label": query.get("label"),
            "ReturnData": query.get("returnData"),
            "Period": _int(query.get("period")),
            "AccountId": query.get("accountId"),
            "MetricStat": None
            if not metric
            else _compact(
                {
                    "Metric": _compact(
                        {
                            "MetricName": metric["metricName"],
                            "Namespace": metric.get("namespace"),
                            "Dimensions": [
                                {"Name": k, "Value": v}
                                for k, v in metric.get("dimensions", {}).items()
                            ]
                            or None,
                        }
                    ),
                    "Period": _int(metric["period"]),
                    "Stat": metric["stat"],
                    "Unit": metric.get("unit"),
                }
            ),
        }
    )


@handles("aws:cloudwatch/metricAlarm:MetricAlarm")
def create_metric_alarm(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """CloudWatch alarm: PutMetricAlarm (metric or metric-math queries, statistic, period,
    threshold, comparison, evaluation periods, datapoints, missing data, actions, tags), then
    DescribeAlarms for its ARN. Id: the alarm name."""
    cloudwatch = req.client("cloudwatch")
    name = req.physical_name()
    queries = req.get("metricQueries", [])
    cloudwatch.put_metric_alarm(
        **_compact(
            {
                "AlarmName": name,
                "AlarmDescription": req.get("alarmDescription"),
                "ActionsEnabled": req.get("actionsEnabled", True),
                "AlarmActions": req.get("alarmActions"),
                "OKActions": req.get("okActions"),
                "InsufficientDataActions": req.get("insufficientDataActions"),
                "MetricName": req.get("metricName"),
                "Namespace": req.get("namespace"),
                "Statistic": req.get("statistic"),
                "ExtendedStatistic": req.get("extendedStatistic"),
                "Dimensions": [
                    {"Name": k, "Value": v} for k, v in req.get("dimensions", {}).items()
                ]
                or None,
                "Period": _int(req.get("period")),
                "Unit": req.get("unit"),
                "EvaluationPeriods": _int(req.inputs["evaluationPeriods"]),
                "DatapointsToAlarm": _int(req.get("datapointsToAlarm")),
                "Threshold": req.get("threshold"),
                "ThresholdMetricId": req.get("thresholdMetricId"),
                "ComparisonOperator": req.inputs["comparisonOperator"],
                "TreatMissingData": req.get("treatMissingData"),
                "EvaluateLowSampleCountPercentile": req.get("evaluateLowSampleCountPercentiles"),
                "Metrics": [_metric_query(q) for q in queries] or None,
                "Tags": _tag_list(req.tags),
            }
        )
    )
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return name, {
        "name": name,
        "arn": alarm["AlarmArn"],
        "actionsEnabled": bool(req.get("actionsEnabled", True)),
        "treatMissingData": req.get("treatMissingData", "missing"),
        "tagsAll": req.tags,
    }


# -- handlers: Secrets Manager -----------------------------------------------------------------


@handles("aws:secretsmanager/secret:Secret")
def create_secret(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Secret (no value yet): CreateSecret (description, KMS key, replicas, tags), then
    PutResourcePolicy when ``policy`` is set. Id: the ARN (with AWS's random 6-character
    suffix)."""
    secrets = req.client("secretsmanager")
    name = req.physical_name()
    replicas = req.get("replicas", [])
    created = secrets.create_secret(
        **_compact(
            {
                "Name": name,
                "Description": req.get("description"),
                "KmsKeyId": req.get("kmsKeyId"),
                "AddReplicaRegions": [
                    _compact({"Region": r["region"], "KmsKeyId": r.get("kmsKeyId")})
                    for r in replicas
                ]
                or None,
                "ForceOverwriteReplicaSecret": req.get("forceOverwriteReplicaSecret"),
                "Tags": _tag_list(req.tags),
            }
        )
    )
    arn = created["ARN"]
    if req.get("policy"):
        secrets.put_resource_policy(SecretId=arn, ResourcePolicy=_json_text(req.inputs["policy"]))
    return arn, {
        "name": name,
        "arn": arn,
        "recoveryWindowInDays": _int(req.get("recoveryWindowInDays", 30)),
        "tagsAll": req.tags,
    }


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
        **_compact(
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


# -- deployments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    """What one deployment created: the resource tree, each resource's id and state, exports."""

    project: str
    stack: str
    region: str
    account_id: str
    stack_urn: str
    """URN of the root stack resource, the parent of every top-level resource."""
    resources: tuple[CreatedResource, ...]
    """Every resource registered, components included, the root stack not, in registration
    order; each with ``type``, ``name`` (logical), ``urn``, ``parent`` (URN), ``id``,
    ``inputs`` and ``state``."""
    exports: dict[str, Any]
    """The stack outputs (``pulumi.export``), resolved to plain values."""

    def find(self, type_token: str, name_prefix: str | None = None) -> list[CreatedResource]:
        """Resources of ``type_token`` whose logical name starts with ``name_prefix``."""
        return [
            r
            for r in self.resources
            if r.type == type_token and (name_prefix is None or r.name.startswith(name_prefix))
        ]

    def one(self, type_token: str, name_prefix: str | None = None) -> CreatedResource:
        """The only resource ``find`` returns (LookupError if there are none or several)."""
        found = self.find(type_token, name_prefix)
        if len(found) != 1:
            names = ", ".join(r.name for r in found) or "none"
            raise LookupError(f"expected one {type_token} ({name_prefix or 'any name'}): {names}")
        return found[0]

    def by_name(self, name: str) -> CreatedResource:
        """The resource with logical name ``name`` (LookupError if none or ambiguous)."""
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise LookupError(f"{len(found)} resources are named {name!r}")
        return found[0]

    def children(self, urn: str) -> list[CreatedResource]:
        """Resources whose parent is ``urn`` (the stack's URN for top-level resources)."""
        known = {r.urn for r in self.resources}
        return [
            r
            for r in self.resources
            if r.parent == urn or (urn == self.stack_urn and r.parent not in known)
        ]

    def counts(self) -> dict[str, int]:
        """How many resources of each type were created, the root stack included, by type."""
        counts: dict[str, int] = {STACK_TYPE: 1}
        for resource in self.resources:
            counts[resource.type] = counts.get(resource.type, 0) + 1
        return dict(sorted(counts.items()))

    def summary(self) -> str:
        """A ``pulumi up``-like report: the tree, the outputs, the counts by type and total."""
        lines = [
            f"Stack {self.project}/{self.stack} in the local cloud "
            f"({self.region}, account {self.account_id})",
            "",
            f"+ {STACK_TYPE} {self.project}-{self.stack}",
        ]

        def walk(urn: str, depth: int) -> None:
            for child in self.children(urn):
                lines.append(f"{'    ' * depth}+ {child.type} {child.name}")
                walk(child.urn, depth + 1)

        walk(self.stack_urn, 1)
        if self.exports:
            lines += ["", "Outputs:"]
            lines += [
                f"    {name}: {json.dumps(value, sort_keys=True, default=str)}"
                for name, value in sorted(self.exports.items())
            ]
        counts = self.counts()
        width = len(str(max(counts.values())))
        lines += ["", "Resources by type:"]
        lines += [f"    {count:>{width}} {type_token}" for type_token, count in counts.items()]
        lines += ["", f"Resources: {sum(counts.values())} created"]
        return "\n".join(lines)


def _config_settings(project: str, config: Mapping[str, Any] | None) -> dict[str, str]:
    # Pulumi hands a program its config as strings keyed "<namespace>:<key>"; structured
    # values are JSON (what require_object parses). A bare key is in the project's namespace.
    settings: dict[str, str] = {}
    for key, value in (config or {}).items():
        full_key = key if ":" in key else f"{project}:{key}"
        settings[full_key] = value if isinstance(value, str) else json.dumps(value)
    return settings


def deploy_program(
    cloud: LocalCloud,
    program: Callable[[], Any],
    *,
    project: str = DEFAULT_PROJECT,
    stack: str = DEFAULT_STACK,
    config: Mapping[str, Any] | None = None,
    base_dir: Path | None = None,
) -> Deployment:
    """Run ``program`` (a Pulumi program as a function) as one ``pulumi up`` into ``cloud``.

    Every AWS resource is created in moto (see ``LocalCloudMocks``); ``config`` is the stack
    config (``{"tasks": [...]}`` or ``{"dms-waiters:tasks": [...]}``; an ``aws:region``
    must be the cloud's region); ``base_dir`` is where relative asset paths are found (the
    current directory by default). Returns the ``Deployment``. Any error (a bad argument, an
    unsupported resource type, an AWS error) propagates and fails the deployment.
    """
    region = (config or {}).get("aws:region")
    if region is not None and region != cloud.region:
        raise ValueError(f"config aws:region is {region!r} but the local cloud is {cloud.region!r}")
    settings = _config_settings(project, config)
    mocks = LocalCloudMocks(cloud, project=project, stack=stack, base_dir=base_dir)
    monitor = RecordingMockMonitor(mocks)
    exports: dict[str, Any] = {}

    def deployment() -> Any:
        # Runs in run_program's own context: the config set here does not leak to the caller.
        if settings:
            pulumi.runtime.set_all_config(settings)
        result = program()
        # pulumi.export stores the outputs on the root stack; resolve them with everything else.
        root = pulumi.runtime.get_root_resource()
        outputs = dict(getattr(root, "outputs", {}))
        return pulumi.Output.all(
            pulumi.Output.from_input(result),
            pulumi.Output.from_input(outputs).apply(exports.update),
        )

    run_program(deployment, mocks, project=project, stack=stack, monitor=monitor)
    order = {r.urn: index for index, r in enumerate(monitor.registrations)}
    stack_urn = next(r.urn for r in monitor.registrations if r.type == STACK_TYPE)
    resources = sorted(mocks.created(), key=lambda r: order.get(r.urn, len(order)))
    return Deployment(
        project=project,
        stack=stack,
        region=cloud.region,
        account_id=cloud.account_id,
        stack_urn=stack_urn,
        resources=tuple(resources),
        exports=exports,
    )


def deploy_stack_file(
    cloud: LocalCloud,
    path: str | os.PathLike[str],
    config: Mapping[str, Any] | None = None,
    *,
    project: str = DEFAULT_PROJECT,
    stack: str = DEFAULT_STACK,
) -> Deployment:
    """Deploy a stack program file (such as the repository's ``__main__.py``) into ``cloud``.

    Runs the file as ``pulumi up`` would (``__name__ == "__main__"``, its directory importable
    and the base of relative asset paths) with ``config`` as the stack config; its
    ``pulumi.export`` calls become ``Deployment.exports``. See ``deploy_program``.
    """
    program_path = Path(path).resolve()
    directory = str(program_path.parent)

    def program() -> None:
        runpy.run_path(str(program_path), run_name="__main__")

    added = directory not in sys.path
    if added:
        sys.path.insert(0, directory)
    try:
        return deploy_program(
            cloud,
            program,
            project=project,
            stack=stack,
            config=config,
            base_dir=program_path.parent,
        )
    finally:
        if added:
            sys.path.remove(directory)
