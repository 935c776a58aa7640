"""A ``pulumi up`` of a changed stack while waits are in flight: every wait resumes exactly once.

The real stack (``dms_waiters.stack.build_stack``, what ``__main__.py`` runs) with one task per
pattern, and a ``CallbackUrlWorkflow`` on the stack's hub, is deployed into the local cloud;
a wait of every pattern starts; an hour later the changed stack is deployed over it (the same
cloud, ``previous=`` the first deployment): new handler code in every function (one module
changed byte for byte), the hub's reconciler every 10 minutes instead of 15, longer timeouts,
an added task. Then DMS finishes and the third party calls back. Each wait ends once, with
DMS's outcome; the waiter table is empty; nothing was completed twice; in-flight durable
executions stayed on the version they started on while the alias moved to the new one.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from dms_waiters.stack import HUB_NAME, build_stack, stack_outputs
from localcloud import DmsScenario, LocalCloud, deploy_program
from localcloud.deploy import Deployment
from tests.e2e.url_job import export_workflow, take_request

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_JOB = ROOT / "examples" / "export_job"
HOUR = 3600
PATTERNS = ("polling", "callback", "durable-poll", "durable-callback")
#: The handler module the upgrade changes (every function ships it).
CHANGED_MODULE = "dms_waiters/lambdas/dms_status.py"


def upgrade_code(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    """A stack transform: every function's archive gets ``CHANGED_MODULE`` with a line added,
    as a release of new handler code would (a new CodeSha256)."""
    code = args.props.get("code") if args.type_ == "aws:lambda/function:Function" else None
    if not isinstance(code, pulumi.AssetArchive) or CHANGED_MODULE not in code.assets:
        return None
    original = Path(code.assets[CHANGED_MODULE].path).read_text()
    assets = {**code.assets, CHANGED_MODULE: pulumi.StringAsset(original + "\n# v2\n")}
    return pulumi.ResourceTransformResult(
        {**args.props, "code": pulumi.AssetArchive(assets)}, args.opts
    )


def stack(tasks: list[dict[str, Any]], hub: dict[str, Any], upgraded: bool) -> Callable[[], None]:
    """The stack program with a CallbackUrlWorkflow on its hub (and the upgrade, if asked)."""

    def program() -> None:
        if upgraded:
            pulumi.runtime.register_resource_transform(upgrade_code)
        components = build_stack(tasks, hub)
        for name, outputs in stack_outputs(tasks, components).items():
            pulumi.export(name, outputs)
        workflow, queue = export_workflow(
            components[HUB_NAME].reference,  # type: ignore[attr-defined]
            timeout_seconds=(3 if upgraded else 2) * 24 * HOUR,
        )
        pulumi.export("export", {"machine": workflow.state_machine_arn, "queue": queue.url})

    return program


@dataclass
class Wait:
    """One wait started before the upgrade."""

    pattern: str
    arn: str
    task: str | None = None


def start(cloud: LocalCloud, deployment: Deployment, tasks: list[dict[str, Any]]) -> list[Wait]:
    waits = []
    for task in tasks:
        outputs = deployment.exports[task["name"]]
        if task["pattern"] in ("polling", "callback"):
            arn = cloud.start_execution(outputs["state_machine_arn"], {})
        else:
            arn = cloud.start_durable_execution(outputs["alias_arn"], {}, name="nightly-1")
        waits.append(Wait(task["pattern"], arn, task["replication_task_arn"]))
    url_execution = cloud.start_execution(deployment.exports["export"]["machine"], {"t": "x"})
    waits.append(Wait("callback-url", url_execution))
    return waits


def test_an_upgrade_in_flight_leaves_every_wait_to_resume_exactly_once() -> None:
    with LocalCloud() as cloud:
        scenario = DmsScenario(run_seconds=6 * HOUR)
        tasks = [
            {
                "name": pattern,
                "pattern": pattern,
                "replication_task_arn": cloud.create_replication_task(pattern, scenario),
                "timeout_seconds": 2 * 24 * HOUR,
            }
            for pattern in PATTERNS
        ]
        hub = {"reconcile_every_minutes": 15, "callback_url": True}
        first = deploy_program(cloud, stack(tasks, hub, upgraded=False))
        waits = start(cloud, first, tasks)
        request = take_request(cloud, first.exports["export"]["queue"])
        cloud.clock.run_until(lambda: cloud.clock.now() >= HOUR)

        changed = [{**task, "timeout_seconds": 3 * 24 * HOUR} for task in tasks]
        added = cloud.create_replication_task("added", scenario)
        changed.append({"name": "added", "pattern": "durable-poll", "replication_task_arn": added})
        hub = {**hub, "reconcile_every_minutes": 10}
        second = deploy_program(cloud, stack(changed, hub, upgraded=True), previous=first)

        # Updated in place: nothing was replaced or deleted, the added task was created.
        assert second.steps_of("replace") == second.steps_of("delete") == []
        updated = {step.name for step in second.steps_of("update")}
        functions = {r.name for r in first.resources if r.type == "aws:lambda/function:Function"}
        functions -= {"export-job"}  # the third party's job ships no module of ours
        assert functions <= updated  # new code everywhere else
        assert {"dms-events-reconcile-schedule", "polling-state-machine"} <= updated
        assert {s.name for s in second.steps_of("create")} >= {"added-waiter", "added-waiter-alias"}
        lam = cloud.client("lambda")
        for name in functions:
            before, after = first.by_name(name), second.by_name(name)
            assert after.id == before.id  # the same function, new code
            assert after.output("codeSha256") != before.output("codeSha256")
            assert lam.get_function(FunctionName=after.id)["Configuration"]["CodeSha256"] == (
                after.output("codeSha256")
            )
        for pattern in ("durable-poll", "durable-callback"):
            alias = second.exports[pattern]["alias_arn"]
            assert (
                lam.get_alias(FunctionName=alias.split(":")[6], Name="live")["FunctionVersion"]
                == "2"
            )
        rule = cloud.client("events").describe_rule(
            Name=second.by_name("dms-events-reconcile-schedule").id
        )
        assert rule["ScheduleExpression"] == "rate(10 minutes)"

        # The third party finishes two hours later; DMS at six.
        cloud.clock.run_until(lambda: cloud.clock.now() >= 3 * HOUR)
        response = cloud.http_request("POST", request["notify"], json.dumps({"rows": 7}))
        assert (response.status, response.json()) == (200, {"status": "resumed"})
        for wait in waits:
            if wait.pattern.startswith("durable"):
                result: Any = cloud.wait_for_durable_execution(
                    wait.arn, replication_task_arn=wait.task
                )
                assert result.version == "1"  # it stays on the version it started on
            else:
                result = cloud.wait_for_execution(wait.arn, replication_task_arn=wait.task)
            assert result.status == "SUCCEEDED", (wait.pattern, result.error, result.cause)
            if wait.pattern == "callback-url":
                assert result.output == {"rows": 7}
            else:
                assert result.output["status"] == "stopped"
                assert result.resume_latency is not None and result.resume_latency < 15 * 60

        calls = cloud.api_calls()
        # One completion per callback wait: the callback workflow's and the URL workflow's
        # task tokens, the durable callback's callback id.
        assert calls[("sfn", "SendTaskSuccess")] == 2
        assert calls[("lambda", "SendDurableExecutionCallbackSuccess")] == 1
        assert calls.get(("sfn", "SendTaskFailure"), 0) == 0
        table = second.exports[HUB_NAME]["table_name"]
        assert cloud.client("dynamodb").scan(TableName=table)["Items"] == []
        # The reconciler ran every 15 minutes before the upgrade and every 10 after it.
        reconciler = second.by_name("dms-events-reconciler").id
        runs = [r.at for r in cloud.lambda_runtime.records if r.function_name == reconciler]
        gaps = {later - earlier for earlier, later in itertools.pairwise(runs)}
        assert gaps == {900.0, 600.0}, sorted(runs)
