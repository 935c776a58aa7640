"""Example job function for ``CallbackUrlWorkflow``: hand an export request to a third party.

The third party here is any service that takes requests from an SQS queue and, when it is done,
POSTs its result to the URL it was given (``notify``), or its error to ``on_error``; a long job
may POST to ``progress`` now and then to show it is alive. The function only submits the
request and returns: the workflow waits, at no cost, until one of the URLs is called.

Event (from the workflow's URL starter)::

    {"callback_urls": {"success": ..., "failure": ..., "heartbeat": ...},
     "expires_at": <epoch seconds>, "execution": <execution ARN>, "input": <execution input>}
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

# Module level: reused across warm invocations.
sqs = boto3.client("sqs")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Submit the export request; raising here fails the execution with CallbackJobFailed."""
    urls = event["callback_urls"]
    request = {
        "export": event["input"],
        "notify": urls["success"],
        "on_error": urls["failure"],
        "progress": urls["heartbeat"],
        "deadline": event["expires_at"],
        # Lets the third party drop a duplicate submission of the same run.
        "request_id": event["execution"],
    }
    sent = sqs.send_message(
        QueueUrl=os.environ["REQUEST_QUEUE_URL"], MessageBody=json.dumps(request)
    )
    return {"submitted": sent["MessageId"]}
