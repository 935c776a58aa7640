"""The deployer's handlers for SQS: queues and queue policies."""

from __future__ import annotations

from typing import Any, Final

from ..deploy.mocks import ResourceRequest, deletes, handles, updates
from ..deploy.params import compact, json_text, retag

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
    return json_text(value)


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
        **compact({"QueueName": name, "Attributes": attributes, "tags": req.tags or None})
    )["QueueUrl"]
    return url, _queue_outputs(req, url)


def _queue_outputs(req: ResourceRequest, url: str) -> dict[str, Any]:
    actual = req.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]
    return {
        "name": req.physical_name(),
        "url": url,
        "arn": actual["QueueArn"],
        "fifoQueue": bool(req.get("fifoQueue", False)),
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
        QueueUrl=url, Attributes={"Policy": json_text(req.inputs["policy"])}
    )
    return url, {}


#: What an attribute returns to when its input is unset (SQS keeps an attribute until set).
_QUEUE_DEFAULTS: Final = {
    "DelaySeconds": "0",
    "MaximumMessageSize": "262144",
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
    "Policy": "",
    "RedrivePolicy": "",
    "RedriveAllowPolicy": "",
}


@updates("aws:sqs/queue:Queue")
def update_queue(req: ResourceRequest) -> dict[str, Any]:
    """Queue in place: SetQueueAttributes with the attributes whose inputs changed (an unset
    one back to SQS's default), TagQueue/UntagQueue."""
    sqs, url = req.client("sqs"), req.resource_id
    attributes = {
        attribute: _attribute_text(req.inputs[key])
        if req.get(key) is not None
        else _QUEUE_DEFAULTS.get(attribute, "")
        for key, attribute in _QUEUE_ATTRIBUTES.items()
        if key in req.changed and key != "fifoQueue"
    }
    if attributes:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    retag(
        req,
        lambda tags: sqs.tag_queue(QueueUrl=url, Tags=tags),
        lambda keys: sqs.untag_queue(QueueUrl=url, TagKeys=keys),
    )
    return _queue_outputs(req, url)


@deletes("aws:sqs/queue:Queue")
def delete_queue(req: ResourceRequest) -> None:
    """Queue: DeleteQueue (its messages go with it)."""
    req.client("sqs").delete_queue(QueueUrl=req.resource_id)


@updates("aws:sqs/queuePolicy:QueuePolicy")
def update_queue_policy(req: ResourceRequest) -> dict[str, Any]:
    """Queue policy in place (a new document): SetQueueAttributes(Policy)."""
    return create_queue_policy(req)[1]


@deletes("aws:sqs/queuePolicy:QueuePolicy")
def delete_queue_policy(req: ResourceRequest) -> None:
    """Queue policy: SetQueueAttributes with an empty Policy, as the provider removes it."""
    req.client("sqs").set_queue_attributes(QueueUrl=req.resource_id, Attributes={"Policy": ""})
