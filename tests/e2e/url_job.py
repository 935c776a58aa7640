"""The third party of the ``CallbackUrlWorkflow`` tests: the example export job, deployed with
its request queue, and the request it sends (carrying the signed callback URLs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_aws as aws

from dms_waiters import CallbackUrlWorkflow
from localcloud import LocalCloud

EXAMPLE_JOB = Path(__file__).resolve().parents[2] / "examples" / "export_job"


def export_workflow(hub: Any, **workflow_args: Any) -> tuple[CallbackUrlWorkflow, aws.sqs.Queue]:
    """``CallbackUrlWorkflow("export")`` running the example job, which puts its requests on a
    queue of its own; ``hub`` is the hub's reference."""
    queue = aws.sqs.Queue("export-requests")
    workflow = CallbackUrlWorkflow(
        "export",
        {
            "code_dir": str(EXAMPLE_JOB),
            "handler": "job.handler",
            "job_environment": {"REQUEST_QUEUE_URL": queue.url},
            "job_policy_statements": [{"Action": ["sqs:SendMessage"], "Resource": [queue.arn]}],
            "hub": hub,
            **workflow_args,
        },
    )
    return workflow, queue


def take_request(cloud: LocalCloud, queue_url: str) -> dict[str, Any]:
    """Drive the clock until the job has submitted its export request; take it off the queue."""
    sqs = cloud.client("sqs")
    found: list[dict[str, Any]] = []

    def submitted() -> bool:
        for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            found.append(json.loads(message["Body"]))
        return bool(found)

    cloud.clock.run_until(submitted, virtual_timeout=120)
    (request,) = found
    return request
