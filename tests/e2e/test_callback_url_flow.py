"""CallbackUrlWorkflow end to end in the local cloud: a third party resumes us through a signed URL.

The deployed stack is the real one (hub with ``callback_url``, the example job function from
``examples/export_job``, the URL starter, the state machine); the test plays the third party: it
reads the export request the job put on SQS and POSTs to the URLs through the function URL, as
an external service would. Nothing is stubbed but AWS itself (moto).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pulumi
import pytest

from dms_waiters import DmsEventHub
from localcloud import LocalCloud
from localcloud.stepfunctions.executions import ExecutionResult
from tests.e2e.url_job import export_workflow, take_request

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_JOB = ROOT / "examples" / "export_job"
HOUR = 3600
SFN = "sfn"


@dataclass
class UrlStack:
    cloud: LocalCloud
    machine: str
    queue_url: str
    table: str
    base_url: str
    secret_arn: str
    job_function: str
    outputs: dict[str, Any]

    def start(self, execution_input: dict[str, Any] | None = None) -> str:
        return self.cloud.start_execution(self.machine, execution_input or {"table": "orders"})

    def request(self) -> dict[str, Any]:
        """The job's export request (its callback URLs), once it has submitted it."""
        return take_request(self.cloud, self.queue_url)

    def post(self, url: str, body: str | None = None) -> tuple[int, dict[str, Any]]:
        response = self.cloud.http_request("POST", url, body)
        return response.status, response.json()

    def wait(self, execution_arn: str) -> ExecutionResult:
        return self.cloud.wait_for_execution(execution_arn)

    def waiters(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.cloud.client("dynamodb").scan(TableName=self.table)[
            "Items"
        ]
        return items


def deploy(cloud: LocalCloud, **workflow_args: Any) -> UrlStack:
    def program() -> None:
        hub = DmsEventHub("hub", {"callback_url": True})
        workflow, queue = export_workflow(hub.reference, **workflow_args)
        pulumi.export("machine", workflow.state_machine_arn)
        pulumi.export("queue", queue.url)
        pulumi.export("table", hub.table_name)
        pulumi.export("base_url", workflow.callback_base_url)
        pulumi.export("secret", hub.signing_secret_arn)
        pulumi.export("job", workflow.job_function_arn)

    deployment = cloud.deploy(program)
    exports = deployment.exports
    return UrlStack(
        cloud=cloud,
        machine=exports["machine"],
        queue_url=exports["queue"],
        table=exports["table"],
        base_url=exports["base_url"],
        secret_arn=exports["secret"],
        job_function=exports["job"].rsplit(":", 1)[1],
        outputs={"exports": exports, "resources": [r.state for r in deployment.resources]},
    )


def with_params(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    params.update(changes)
    return parts._replace(query=urlencode(params)).geturl()


# -- outcomes -------------------------------------------------------------------------------------


def test_the_success_url_resumes_with_the_callers_result_exactly_once(cloud: LocalCloud) -> None:
    stack = deploy(cloud)
    execution = stack.start({"table": "orders", "format": "parquet"})
    request = stack.request()
    # The job handed the third party the execution input and three URLs on the hub's endpoint.
    assert request["export"] == {"table": "orders", "format": "parquet"}
    assert request["request_id"] == execution
    for key in ("notify", "on_error", "progress"):
        assert request[key].startswith(stack.base_url)
    assert len(stack.waiters()) == 1

    cloud.clock.advance(2 * HOUR)  # the export takes two hours: the workflow just waits
    assert stack.post(request["notify"], json.dumps({"rows": 1042, "file": "s3://x/y"})) == (
        200,
        {"status": "resumed"},
    )
    result = stack.wait(execution)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"rows": 1042, "file": "s3://x/y"}
    assert result.entered_states() == ["StartJobAndWait"]
    assert result.transitions == 1
    assert stack.waiters() == []
    # A reused URL, or another URL of the same wait, resumes nothing.
    assert stack.post(request["notify"], "{}") == (410, {"status": "gone"})
    assert stack.post(request["on_error"], "{}") == (410, {"status": "gone"})
    assert cloud.api_calls().get((SFN, "SendTaskSuccess")) == 1
    assert cloud.api_calls().get((SFN, "SendTaskFailure"), 0) == 0


def test_the_failure_url_fails_with_the_callers_error(cloud: LocalCloud) -> None:
    stack = deploy(cloud)
    execution = stack.start()
    request = stack.request()
    body = json.dumps({"error": "ExportFailed", "cause": {"reason": "disk full"}})
    assert stack.post(request["on_error"], body) == (200, {"status": "failed"})
    result = stack.wait(execution)
    assert (result.status, result.error) == ("FAILED", "ExportFailed")
    assert json.loads(result.cause or "") == {"reason": "disk full"}
    assert stack.waiters() == []


@pytest.mark.parametrize(
    "forge",
    [
        {"sig": "0" * 64},
        {"action": "failure"},  # a success URL turned into a failure URL
        {"expires": "9999999999"},  # a longer life
        {"id": "A" * 43},  # another waiter
    ],
)
def test_a_forged_url_is_refused_and_resumes_nothing(
    cloud: LocalCloud, forge: dict[str, str]
) -> None:
    stack = deploy(cloud)
    execution = stack.start()
    request = stack.request()
    assert stack.post(with_params(request["notify"], **forge), "{}") == (
        403,
        {"status": "forbidden"},
    )
    assert len(stack.waiters()) == 1
    assert cloud.api_calls().get((SFN, "SendTaskSuccess"), 0) == 0
    # The genuine URL still works.
    assert stack.post(request["notify"], '{"ok": true}')[0] == 200
    assert stack.wait(execution).output == {"ok": True}


def test_an_expired_url_is_refused_after_the_deadline(cloud: LocalCloud) -> None:
    stack = deploy(cloud, timeout_seconds=HOUR)
    execution = stack.start()
    request = stack.request()
    result = stack.wait(execution)
    assert (result.status, result.error) == ("FAILED", "CallbackTimedOut")
    assert result.virtual_seconds == pytest.approx(HOUR)
    # At the deadline itself the URL is still genuine, but the wait is over.
    assert stack.post(request["progress"]) == (410, {"status": "already_done"})
    # A minute later it has expired (virtual time: the handlers see the virtual clock).
    cloud.clock.advance(60)
    assert stack.post(request["notify"], "{}") == (410, {"status": "expired"})
    assert cloud.api_calls().get((SFN, "SendTaskSuccess"), 0) == 0


def test_heartbeats_keep_a_long_job_alive_and_their_absence_fails_it(cloud: LocalCloud) -> None:
    stack = deploy(cloud, timeout_seconds=6 * HOUR, heartbeat_seconds=900)
    alive = stack.start()
    request = stack.request()
    for _ in range(8):  # two hours of progress reports every 15 minutes minus a bit
        cloud.clock.advance(840)
        assert stack.post(request["progress"]) == (200, {"status": "heartbeat"})
    assert stack.post(request["notify"], '{"rows": 1}')[0] == 200
    assert stack.wait(alive).status == "SUCCEEDED"

    silent = stack.start()
    stack.request()
    result = stack.wait(silent)
    assert (result.status, result.error) == ("FAILED", "CallbackTimedOut")
    assert result.virtual_seconds == pytest.approx(900)


def test_a_failing_job_fails_the_execution_and_leaves_no_waiter(cloud: LocalCloud) -> None:
    stack = deploy(cloud)
    # The job cannot submit: its queue is gone.
    cloud.client("sqs").delete_queue(QueueUrl=stack.queue_url)
    result = cloud.run_execution(stack.machine, {"table": "orders"})
    assert (result.status, result.error) == ("FAILED", "CallbackJobFailed")
    assert "NonExistentQueue" in (result.cause or "") or "QueueDoesNotExist" in (result.cause or "")
    assert stack.waiters() == []


def test_only_post_is_accepted_and_unknown_hosts_are_not_found(cloud: LocalCloud) -> None:
    stack = deploy(cloud)
    stack.start()
    request = stack.request()
    response = cloud.http_request("GET", request["notify"])
    assert (response.status, response.json()) == (405, {"status": "method_not_allowed"})
    other = request["notify"].replace(urlsplit(stack.base_url).hostname or "", "nope.example")
    assert cloud.http_request("POST", other).status == 404


def test_the_signing_key_is_generated_in_aws_and_never_leaves_it(cloud: LocalCloud) -> None:
    stack = deploy(cloud)
    secrets = cloud.client("secretsmanager")
    # Deployed empty: the program never saw a key.
    assert "VersionIdsToStages" not in secrets.describe_secret(SecretId=stack.secret_arn)
    execution = stack.start()
    request = stack.request()
    key = secrets.get_secret_value(SecretId=stack.secret_arn)["SecretString"]
    assert len(key) >= 32
    assert stack.post(request["notify"], "{}")[0] == 200
    assert stack.wait(execution).status == "SUCCEEDED"
    # Not in the deployment's outputs or state, not in any log line.
    assert key not in json.dumps(stack.outputs, default=str)
    logs = cloud.client("logs")
    for group in logs.describe_log_groups()["logGroups"]:
        for event in logs.filter_log_events(logGroupName=group["logGroupName"])["events"]:
            assert key not in event["message"]
            assert params_sig(request["notify"]) not in event["message"]


def params_sig(url: str) -> str:
    return dict(parse_qsl(urlsplit(url).query))["sig"]
