"""The deployer's handlers for EventBridge: rules and targets."""

from __future__ import annotations

from typing import Any

from ..deploy.mocks import DeploymentError, ResourceRequest, deletes, handles, updates
from ..deploy.params import as_int, compact, json_text, retag_resource, tag_list


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
        **compact(
            {
                "Name": name,
                "EventPattern": None if pattern is None else json_text(pattern),
                "ScheduleExpression": req.get("scheduleExpression"),
                "State": state,
                "Description": req.get("description"),
                "RoleArn": req.get("roleArn"),
                "EventBusName": bus,
                "Tags": None if req.previous else tag_list(req.tags),
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
    target = compact(
        {
            "Id": target_id,
            "Arn": req.inputs["arn"],
            "RoleArn": req.get("roleArn"),
            "Input": req.get("input"),
            "InputPath": req.get("inputPath"),
            "InputTransformer": None
            if not transformer
            else compact(
                {
                    "InputPathsMap": transformer.get("inputPaths"),
                    "InputTemplate": transformer["inputTemplate"],
                }
            ),
            "RetryPolicy": None
            if not retry
            else compact(
                {
                    "MaximumRetryAttempts": as_int(retry.get("maximumRetryAttempts")),
                    "MaximumEventAgeInSeconds": as_int(retry.get("maximumEventAgeInSeconds")),
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


@updates("aws:cloudwatch/eventRule:EventRule")
def update_event_rule(req: ResourceRequest) -> dict[str, Any]:
    """Rule in place: PutRule again with the same name (a new pattern, schedule, state...;
    a schedule's timer is re-armed with the new period), TagResource/UntagResource."""
    outputs = create_event_rule(req)[1]
    retag_resource(req, req.client("events"), ResourceARN=outputs["arn"])
    return outputs


@deletes("aws:cloudwatch/eventRule:EventRule")
def delete_event_rule(req: ResourceRequest) -> None:
    """Rule: DeleteRule (its targets were deleted first: they were declared after it)."""
    req.client("events").delete_rule(Name=req.physical_name(), EventBusName=_bus(req))


@updates("aws:cloudwatch/eventTarget:EventTarget")
def update_event_target(req: ResourceRequest) -> dict[str, Any]:
    """Target in place: PutTargets again with the same id (a new ARN, input, retry policy,
    dead-letter queue...)."""
    return create_event_target(req)[1]


@deletes("aws:cloudwatch/eventTarget:EventTarget")
def delete_event_target(req: ResourceRequest) -> None:
    """Target: RemoveTargets."""
    req.client("events").remove_targets(
        Rule=str(req.inputs["rule"]), EventBusName=_bus(req), Ids=[req.physical_name()]
    )
