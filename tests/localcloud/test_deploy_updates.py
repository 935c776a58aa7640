"""A changed program deployed over the previous deployment: updated in place, replaced, deleted
or left alone, as ``pulumi up`` and pulumi-aws do it (``localcloud.deploy.updates``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from botocore.exceptions import ClientError

from dms_waiters import DmsEventHub, DmsPollingWorkflow
from localcloud import DeploymentError, LocalCloud, deploy_program
from localcloud.deploy import DELETERS, HANDLERS, UPDATERS, Deployment
from localcloud.deploy.replacements import FORCE_NEW, replacing_keys
from tests.localcloud.test_deploy import TRUST

#: Operations that change something in AWS (what an unchanged deployment must not call).
MUTATING = (
    "Create",
    "Update",
    "Put",
    "Set",
    "Delete",
    "Remove",
    "Add",
    "Attach",
    "Detach",
    "Publish",
    "Tag",
    "Untag",
)


def code(text: str) -> pulumi.AssetArchive:
    return pulumi.AssetArchive({"index.py": pulumi.StringAsset(text)})


def published_function(
    name: str, role: aws.iam.Role, source: str, **args: Any
) -> tuple[aws.lambda_.Function, aws.lambda_.Alias]:
    """A Python function of ``source`` (its ``handler``), published, and its alias ``live``."""
    function = aws.lambda_.Function(
        name,
        role=role.arn,
        handler="index.handler",
        runtime="python3.12",
        publish=True,
        code=code(source),
        **args,
    )
    alias = aws.lambda_.Alias(
        "live", function_name=function.name, function_version=function.version
    )
    return function, alias


def app(
    *,
    answer: str = "1",
    timeout: int = 3,
    path: str = "/",
    visibility: int = 30,
    schedule: str = "rate(15 minutes)",
    ttl: bool = True,
    with_rule: bool = True,
) -> Callable[[], None]:
    """A small program of most supported types; the arguments are what the tests change."""

    def program() -> None:
        role = aws.iam.Role("role", assume_role_policy=TRUST, path=path)
        fn, _ = published_function(
            "fn", role, f"def handler(event, context):\n    return {answer}\n", timeout=timeout
        )
        aws.sqs.Queue("queue", visibility_timeout_seconds=visibility)
        aws.dynamodb.Table(
            "table",
            hash_key="pk",
            attributes=[aws.dynamodb.TableAttributeArgs(name="pk", type="S")],
            billing_mode="PAY_PER_REQUEST",
            ttl=aws.dynamodb.TableTtlArgs(enabled=ttl, attribute_name="expires_at"),
        )
        if with_rule:
            rule = aws.cloudwatch.EventRule("tick", schedule_expression=schedule)
            aws.cloudwatch.EventTarget("tick-target", rule=rule.name, arn=fn.arn)

    return program


def mutating_calls(cloud: LocalCloud) -> dict[str, int]:
    return {
        f"{service}.{op}": n
        for (service, op), n in cloud.api_calls().items()
        if op.startswith(MUTATING)
    }


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def ops(deployment: Deployment) -> dict[str, str]:
    """Each declared resource's step (deletes apart: see ``steps_of``)."""
    return {step.name: step.op for step in deployment.steps if step.op != "delete"}


def test_an_unchanged_program_calls_no_aws_api_that_changes_anything(cloud: LocalCloud) -> None:
    first = deploy_program(cloud, app())
    before = mutating_calls(cloud)
    second = deploy_program(cloud, app(), previous=first)
    assert set(ops(second).values()) == {"same"}
    assert delta(before, mutating_calls(cloud)) == {}

    # The same ids and state (the archive is a new object with the same content), by id: the
    # order resources register in varies with the threads' timing on a busy machine.
    def state(deployment: Deployment) -> list[tuple[str, dict[str, Any]]]:
        return sorted(
            (
                (r.id, {k: v for k, v in r.state.items() if k != "code"})
                for r in deployment.resources
            ),
            key=lambda pair: pair[0],
        )

    assert state(second) == state(first)
    assert second.summary().endswith(f"Resources: {len(first.resources)} unchanged")


def test_changed_inputs_are_updated_in_place_through_the_update_apis(cloud: LocalCloud) -> None:
    first = deploy_program(cloud, app())
    before = mutating_calls(cloud)
    second = deploy_program(
        cloud,
        app(answer="2", timeout=10, visibility=60, schedule="rate(10 minutes)", ttl=False),
        previous=first,
    )
    assert ops(second) == {
        "role": "same",
        "fn": "update",
        "live": "update",
        "queue": "update",
        "table": "update",
        "tick": "update",
        "tick-target": "same",
    }
    assert {s.name: s.keys for s in second.steps_of("update")}["fn"] == ("code", "timeout")
    assert delta(before, mutating_calls(cloud)) == {
        "lambda.UpdateFunctionConfiguration": 1,
        "lambda.UpdateFunctionCode": 1,
        "lambda.PublishVersion": 1,
        "lambda.UpdateAlias": 1,
        "sqs.SetQueueAttributes": 1,
        "dynamodb.UpdateTimeToLive": 1,
        "eventbridge.PutRule": 1,
    }
    for name in ("fn", "live", "queue", "table", "tick"):
        assert second.by_name(name).id == first.by_name(name).id
    fn = second.by_name("fn")
    assert (first.by_name("fn").output("version"), fn.output("version")) == ("1", "2")
    lam = cloud.client("lambda")
    alias = second.by_name("live").physical_name
    assert lam.get_alias(FunctionName=fn.id, Name=alias)["FunctionVersion"] == "2"
    assert lam.get_function_configuration(FunctionName=fn.id, Qualifier="1")["Timeout"] == 3
    assert lam.get_function_configuration(FunctionName=fn.id, Qualifier="2")["Timeout"] == 10
    invoked = lam.invoke(FunctionName=f"{fn.id}:{alias}")["Payload"].read()
    assert json.loads(invoked) == 2
    assert json.loads(lam.invoke(FunctionName=f"{fn.id}:1")["Payload"].read()) == 1
    attributes = cloud.client("sqs").get_queue_attributes(
        QueueUrl=second.by_name("queue").id, AttributeNames=["VisibilityTimeout"]
    )["Attributes"]
    assert attributes["VisibilityTimeout"] == "60"
    rule = cloud.client("events").describe_rule(Name=second.by_name("tick").id)
    assert rule["ScheduleExpression"] == "rate(10 minutes)"
    ttl = cloud.client("dynamodb").describe_time_to_live(TableName=second.by_name("table").id)
    assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] in ("DISABLED", "DISABLING")
    summary = second.summary()
    assert "    ~ aws:lambda/function:Function fn" in summary
    assert summary.endswith("Resources: 5 updated, 2 unchanged")


def test_a_replace_on_change_property_replaces_the_resource_new_one_first(
    cloud: LocalCloud,
) -> None:
    first = deploy_program(cloud, app())
    second = deploy_program(cloud, app(path="/service/"), previous=first)
    old_role, new_role = first.by_name("role"), second.by_name("role")
    assert ops(second)["role"] == "replace"
    assert ops(second)["fn"] == "update"  # its role input is the new role's ARN
    [replace] = second.steps_of("replace")
    assert (replace.keys, replace.note) == (("path",), "")
    # A new autoname (pulumi-aws draws one for the replacement), the old role deleted last.
    assert new_role.physical_name != old_role.physical_name
    assert new_role.physical_name.startswith("role-")
    assert [(s.op, s.name) for s in second.steps][-1] == ("delete", "role")
    iam = cloud.client("iam")
    assert iam.get_role(RoleName=new_role.id)["Role"]["Path"] == "/service/"
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName=old_role.id)
    assert "+- aws:iam/role:Role role" in second.summary()


def test_an_explicitly_named_resource_is_deleted_before_its_replacement(
    cloud: LocalCloud,
) -> None:
    def program(group_class: str) -> Callable[[], None]:
        return lambda: aws.cloudwatch.LogGroup(
            "logs", name="/app/logs", log_group_class=group_class
        )

    first = deploy_program(cloud, program("STANDARD"))
    second = deploy_program(cloud, program("INFREQUENT_ACCESS"), previous=first)
    [replace] = second.steps_of("replace")
    assert replace.note == "delete-before-replace"
    assert [s.op for s in second.steps] == ["delete", "replace"]
    groups = cloud.client("logs").describe_log_groups(logGroupNamePrefix="/app/logs")
    assert [g["logGroupName"] for g in groups["logGroups"]] == ["/app/logs"]


def test_resources_no_longer_declared_are_deleted_last_one_first(cloud: LocalCloud) -> None:
    first = deploy_program(cloud, app())
    second = deploy_program(cloud, app(with_rule=False), previous=first)
    assert [(s.op, s.name) for s in second.steps if s.op == "delete"] == [
        ("delete", "tick-target"),
        ("delete", "tick"),
    ]
    with pytest.raises(ClientError, match="ResourceNotFound"):
        cloud.client("events").describe_rule(Name=first.by_name("tick").id)
    assert "    - aws:cloudwatch/eventRule:EventRule tick" in second.summary()


def test_a_deletion_protected_waiter_table_fails_the_deployment_as_aws_refuses(
    cloud: LocalCloud,
) -> None:
    first = deploy_program(cloud, lambda: DmsEventHub("events", {"alarms": False}))
    with pytest.raises(DeploymentError, match=r"deleting it .* failed: .*DeletionProtection"):
        deploy_program(cloud, lambda: None, previous=first)
    table = first.one("aws:dynamodb/table:Table")
    assert cloud.client("dynamodb").describe_table(TableName=table.id)["Table"]["TableName"]


@pytest.mark.parametrize(
    ("option", "outcome"),
    [("protect", "refusing to delete a protected resource"), ("retain_on_delete", "retained")],
)
def test_protect_and_retain_on_delete_are_honoured(
    cloud: LocalCloud, option: str, outcome: str
) -> None:
    options = pulumi.ResourceOptions(**{option: True})
    first = deploy_program(cloud, lambda: aws.sqs.Queue("kept", opts=options))
    if option == "protect":
        with pytest.raises(DeploymentError, match=outcome):
            deploy_program(cloud, lambda: None, previous=first)
        return
    second = deploy_program(cloud, lambda: None, previous=first)
    assert [(s.op, s.note) for s in second.steps] == [("delete", outcome)]
    url = first.by_name("kept").id
    assert cloud.client("sqs").get_queue_attributes(QueueUrl=url)  # still there


def test_every_supported_type_has_its_replacement_rules_and_a_deleter() -> None:
    assert set(FORCE_NEW) == set(HANDLERS) == set(DELETERS)
    # Types without an updater are those whose every input replaces them.
    assert set(HANDLERS) - set(UPDATERS) == {
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:lambda/permission:Permission",
        "aws:secretsmanager/secretVersion:SecretVersion",
    }
    for registry in (UPDATERS, DELETERS):
        for type_token, function in registry.items():
            assert function.__doc__, type_token


@pytest.mark.parametrize("type_token", sorted(FORCE_NEW))
def test_a_replace_on_change_key_replaces_and_another_key_updates(type_token: str) -> None:
    for key in FORCE_NEW[type_token]:
        assert replacing_keys(type_token, {}, {key: "x"}, frozenset({key})) == {key}
    assert replacing_keys(type_token, {}, {}, frozenset({"tags", "description2"})) == set()
    # The replace_on_changes resource option adds its keys; "*" means every change.
    assert replacing_keys(type_token, {}, {}, frozenset({"tags"}), ("tags",)) == {"tags"}
    assert replacing_keys(type_token, {}, {}, frozenset({"a", "b"}), ("*",)) == {"a", "b"}


def test_durable_mode_added_or_removed_replaces_a_function_its_fields_do_not() -> None:
    fn, durable = "aws:lambda/function:Function", {"executionTimeout": 60}
    changed = frozenset({"durableConfig"})
    assert replacing_keys(fn, {}, {"durableConfig": durable}, changed) == changed
    assert replacing_keys(fn, {"durableConfig": durable}, {}, changed) == changed
    longer: dict[str, Any] = {"durableConfig": {"executionTimeout": 120}}
    assert replacing_keys(fn, {"durableConfig": durable}, longer, changed) == set()


def test_a_previous_deployment_of_another_stack_is_refused(cloud: LocalCloud) -> None:
    first = deploy_program(cloud, app(with_rule=False), stack="one")
    with pytest.raises(ValueError, match="previous= is a deployment of dms-waiters/one"):
        deploy_program(cloud, app(with_rule=False), stack="two", previous=first)


def test_a_component_renamed_with_an_alias_keeps_every_resource(cloud: LocalCloud) -> None:
    task = cloud.create_replication_task("orders")
    first = deploy_program(
        cloud, lambda: DmsPollingWorkflow("orders", {"replication_task_arn": task})
    )
    renamed = pulumi.ResourceOptions(aliases=[pulumi.Alias(name="orders")])
    second = deploy_program(
        cloud,
        lambda: DmsPollingWorkflow("orders-v2", {"replication_task_arn": task}, renamed),
        previous=first,
    )
    # Matched through the alias: the same AWS resources, nothing created, replaced or deleted
    # (the log group's prefix is an ignored change; the role's description names the
    # component, so it is updated in place).
    assert [(s.op, s.name, s.keys) for s in second.steps if s.op != "same"] == [
        ("update", "orders-v2-role", ("description",))
    ]
    machine = "aws:sfn/stateMachine:StateMachine"
    assert second.one(machine).id == first.one(machine).id
    assert second.one(machine).urn != first.one(machine).urn


#: A durable handler that waits an hour, then reports which code ran it.
DURABLE_CODE = """
from aws_durable_execution_sdk_python import durable_execution, DurableContext
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context: DurableContext):
    context.wait(Duration.from_seconds(3600), name="pause")
    return context.step(lambda _: "{release}", name="which")
"""


def durable_app(release: str) -> Callable[[], None]:
    def program() -> None:
        role = aws.iam.Role("role", assume_role_policy=TRUST)
        _, alias = published_function(
            "waiter",
            role,
            DURABLE_CODE.format(release=release),
            durable_config=aws.lambda_.FunctionDurableConfigArgs(
                execution_timeout=86400, retention_period=7
            ),
        )
        pulumi.export("alias", alias.arn)

    return program


def test_a_durable_execution_in_flight_finishes_on_the_version_it_started_on(
    cloud: LocalCloud,
) -> None:
    first = deploy_program(cloud, durable_app("v1"))
    running = cloud.start_durable_execution(first.exports["alias"], name="before")
    cloud.clock.advance(60)  # suspended in its wait
    second = deploy_program(cloud, durable_app("v2"), previous=first)
    assert ops(second)["waiter"] == ops(second)["live"] == "update"
    assert second.exports["alias"] == first.exports["alias"]  # the same alias, moved to 2
    started_after = cloud.start_durable_execution(second.exports["alias"], name="after")
    before = cloud.wait_for_durable_execution(running)
    after = cloud.wait_for_durable_execution(started_after)
    assert (before.version, before.output) == ("1", "v1")
    assert (after.version, after.output) == ("2", "v2")
