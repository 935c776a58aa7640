"""The deployer's handlers for SQS: queues and queue policies."""

from __future__ import annotations

from typing import Any, Final

from ..deploy.mocks import (
    ResourceRequest,
    compact,
    handles,
    json_text,
)

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
        QueueUrl=url, Attributes={"Policy": json_text(req.inputs["policy"])}
    )
    return url, {}
