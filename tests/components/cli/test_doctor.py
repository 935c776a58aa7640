"""``doctor`` and ``reconcile`` on a deployed hub, healthy and broken."""

from __future__ import annotations

import json

import pytest

from tests.components.cli.conftest import Stack, run_cli

pytestmark = pytest.mark.slow  # deploys the whole stack

RECONCILE_SECONDS = 15 * 60  # the stack's hub reconciles every 15 minutes (the default)
#: Every check of ``doctor``, healthy.
HEALTHY = {
    "event rule": "ok",
    "dead-letter queue": "ok",
    "reconciler": "ok",
    "table protection": "ok",
}


def findings(stack: Stack) -> tuple[int, dict[str, dict[str, str]]]:
    ran = run_cli(stack.cloud, "doctor", "--hub", stack.table, "--json")
    assert ran.err == ""
    return ran.code, {c["name"]: c for c in json.loads(ran.out)}


def levels(found: dict[str, dict[str, str]]) -> dict[str, str]:
    return {name: check["level"] for name, check in found.items()}


def test_doctor_finds_each_broken_part(stack: Stack) -> None:
    cloud = stack.cloud
    # Just deployed: the reconciler has not run yet.
    code, found = findings(stack)
    assert code == 1
    assert levels(found) == {**HEALTHY, "reconciler": "problem"}
    assert found["reconciler"]["detail"] == "no run in the last 2 periods (30 minutes)"

    cloud.clock.advance(RECONCILE_SECONDS + 60)
    code, found = findings(stack)
    assert (code, levels(found)) == (0, HEALTHY)
    text = run_cli(cloud, "doctor", "--hub", stack.table)
    assert text.code == 0
    assert [line.split()[0] for line in text.out.splitlines()] == ["OK"] * 4

    # A disabled rule: no DMS event resumes anything.
    hub_rules = [
        r["Name"]
        for r in cloud.client("events").list_rules()["Rules"]
        if r.get("EventPattern") and "aws.dms" in r["EventPattern"]
    ]
    (dms_rule,) = hub_rules
    cloud.client("events").disable_rule(Name=dms_rule)
    code, found = findings(stack)
    assert code == 1
    assert found["event rule"] == {
        "name": "event rule",
        "level": "problem",
        "detail": f"rule {dms_rule} is DISABLED",
    }
    cloud.client("events").enable_rule(Name=dms_rule)

    # A dead letter, and the table's protection turned off.
    sqs = cloud.client("sqs")
    (queue,) = sqs.list_queues()["QueueUrls"]
    sqs.send_message(QueueUrl=queue, MessageBody="{}")
    cloud.client("dynamodb").update_table(TableName=stack.table, DeletionProtectionEnabled=False)
    code, found = findings(stack)
    assert code == 1
    assert levels(found) == {
        **HEALTHY,
        "dead-letter queue": "problem",
        "table protection": "problem",
    }
    assert found["dead-letter queue"]["detail"].startswith("1 message(s) in ")


def test_reconcile_runs_the_reconciler_now(stack: Stack) -> None:
    stack.start_all()
    invocations = stack.cloud.lambda_invocations()
    ran = run_cli(stack.cloud, "reconcile", "--hub", stack.table, "--json")
    assert ran.code == 0, ran.err
    counts = json.loads(ran.out)
    assert (counts["waiters"], counts["heartbeats"], counts["errors"]) == (2, 2, 0)
    assert stack.cloud.lambda_invocations() == invocations + 1
    text = run_cli(stack.cloud, "reconcile", "--hub", stack.table).out.splitlines()
    assert text[0].split() == ["COUNT", "VALUE"]
    assert ["heartbeats", "2"] in [line.split() for line in text]
