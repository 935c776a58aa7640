"""The deployer's handlers for Step Functions: state machines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..deploy.mocks import (
    ResourceRequest,
    as_int,
    compact,
    handles,
    iso,
    json_text,
    tag_list,
)


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
    params = compact(
        {
            "name": name,
            "definition": json_text(req.inputs["definition"]),
            "roleArn": req.inputs["roleArn"],
            "type": req.get("type", "STANDARD"),
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
            "tags": tag_list(req.tags, "key", "value"),
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
        "creationDate": iso(created["creationDate"]),
        "stateMachineVersionArn": created.get("stateMachineVersionArn", ""),
        "revisionId": described.get("revisionId", ""),
        "description": described.get("description", ""),
        "versionDescription": req.get("versionDescription", ""),
        "tagsAll": req.tags,
    }
