"""The deployer's handlers for Step Functions: state machines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..deploy.mocks import ResourceRequest, deletes, handles, updates
from ..deploy.params import as_int, compact, iso, json_text, retag, tag_list


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
    params = compact(
        {
            "name": name,
            "type": req.get("type", "STANDARD"),
            **_settings(req),
            "tags": tag_list(req.tags, "key", "value"),
            "versionDescription": req.get("versionDescription"),
        }
    )
    created = sfn.create_state_machine(**params)
    arn = created["stateMachineArn"]
    return arn, _outputs(req, arn, created.get("stateMachineVersionArn", ""))


def _settings(req: ResourceRequest) -> dict[str, Any]:
    """What CreateStateMachine and UpdateStateMachine both take."""
    encryption = req.get("encryptionConfiguration")
    return compact(
        {
            "definition": json_text(req.inputs["definition"]),
            "roleArn": req.inputs["roleArn"],
            "loggingConfiguration": _sfn_logging(req.get("loggingConfiguration", {})),
            "tracingConfiguration": {
                "enabled": bool(req.get("tracingConfiguration", {}).get("enabled", False))
            },
            "encryptionConfiguration": None
            if not encryption
            else compact(
                {
                    "type": encryption.get("type"),
                    "kmsKeyId": encryption.get("kmsKeyId"),
                    "kmsDataKeyReusePeriodSeconds": as_int(
                        encryption.get("kmsDataKeyReusePeriodSeconds")
                    ),
                }
            ),
            "publish": bool(req.get("publish", False)) or None,
        }
    )


def _outputs(req: ResourceRequest, arn: str, version_arn: str) -> dict[str, Any]:
    described = req.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    return {
        "name": described["name"],
        "arn": arn,
        "type": described.get("type", req.get("type", "STANDARD")),
        "status": described.get("status", "ACTIVE"),
        "creationDate": iso(described["creationDate"]),
        "stateMachineVersionArn": version_arn,
        "revisionId": described.get("revisionId", ""),
        "description": described.get("description", ""),
        "versionDescription": req.get("versionDescription", ""),
        "tagsAll": req.tags,
    }


@updates("aws:sfn/stateMachine:StateMachine")
def update_state_machine(req: ResourceRequest) -> dict[str, Any]:
    """State machine in place: UpdateStateMachine (definition, role, logging, tracing,
    encryption, ``publish``): executions already running keep the definition they started
    with, as on AWS; TagResource/UntagResource."""
    sfn, arn = req.client("stepfunctions"), req.resource_id
    version_arn = str(req.output("stateMachineVersionArn") or "")
    if req.changed - {"tags"}:
        updated = sfn.update_state_machine(stateMachineArn=arn, **_settings(req))
        version_arn = updated.get("stateMachineVersionArn", version_arn)
    retag(
        req,
        lambda tags: sfn.tag_resource(resourceArn=arn, tags=tag_list(tags, "key", "value")),
        lambda keys: sfn.untag_resource(resourceArn=arn, tagKeys=keys),
    )
    return _outputs(req, arn, version_arn)


@deletes("aws:sfn/stateMachine:StateMachine")
def delete_state_machine(req: ResourceRequest) -> None:
    """State machine: DeleteStateMachine (running executions are not stopped, as on AWS)."""
    req.client("stepfunctions").delete_state_machine(stateMachineArn=req.resource_id)
