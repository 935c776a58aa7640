"""Deploying Pulumi programs into the local cloud: every resource really exists in moto.

The stack program (``__main__.py``) is deployed with real simulated DMS tasks and one of its
state machines is executed to completion; then one tiny program per supported resource type
checks the resource in moto and the state the program sees.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from moto.awslambda.models import lambda_backends
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key

from dms_waiters import DmsPollingWorkflow
from dms_waiters.definitions.polling import build_polling_definition
from dms_waiters.documents import iam_policies
from dms_waiters.documents.iam_policies import service_assume_role_policy
from dms_waiters.polling import polling_spec_from_args
from dms_waiters.testing import CreatedResource, DmsWaitersMocks, run_program
from localcloud import (
    DeploymentError,
    DmsScenario,
    LocalCloud,
    UnsupportedResourceError,
    deploy_program,
    deploy_stack_file,
)
from localcloud.active import ACTIVE
from localcloud.deploy import HANDLERS, Deployment, archive_zip

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
REGION = "us-east-1"
TRUST = json.dumps(service_assume_role_policy("lambda.amazonaws.com"))
HANDLER_CODE = "def handler(event, context):\n    return {'ok': True}\n"
AUTONAME = r"-[0-9a-f]{7}$"
ROLE_TYPE = "aws:iam/role:Role"
MACHINE_TYPE = "aws:sfn/stateMachine:StateMachine"


def deploy(cloud: LocalCloud, program: Callable[[], Any]) -> Deployment:
    return deploy_program(cloud, program)


def role() -> aws.iam.Role:
    return aws.iam.Role("fn-role", assume_role_policy=TRUST)


def function(**overrides: Any) -> aws.lambda_.Function:
    args: dict[str, Any] = {
        "role": role().arn,
        "handler": "index.handler",
        "runtime": "python3.12",
        "code": pulumi.AssetArchive({"index.py": pulumi.StringAsset(HANDLER_CODE)}),
    }
    args.update(overrides)
    return aws.lambda_.Function("fn", **args)


def zip_names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


# -- the stack program, deployed and executed --------------------------------------------------


# End to end (the stack file deployed, an execution run): slow, as tests/e2e/ (the stack is
# previewed by tests/components/test_stack.py, each resource type deployed by the tests below).
@pytest.mark.slow
def test_stack_program_deploys_into_moto_and_its_state_machine_runs(cloud: LocalCloud) -> None:
    orders = cloud.create_replication_task("orders", DmsScenario(run_seconds=600))
    catchup = cloud.create_replication_task("catchup", DmsScenario(run_seconds=600))
    tasks = [
        {
            "name": "orders",
            "pattern": "polling",
            "replication_task_arn": orders,
            "poll_interval_seconds": 60,
            "log_retention_days": 7,
        },
        {"name": "catchup", "pattern": "polling", "replication_task_arn": catchup},
    ]
    deployment = deploy_stack_file(cloud, ROOT / "__main__.py", {"tasks": tasks})

    sfn, iam, logs = cloud.client("stepfunctions"), cloud.client("iam"), cloud.client("logs")
    assert {m["name"] for m in sfn.list_state_machines()["stateMachines"]} == {
        deployment.one("aws:sfn/stateMachine:StateMachine", task["name"]).state["name"]
        for task in tasks
    }
    for task in tasks:
        name, task_arn = task["name"], task["replication_task_arn"]
        args = {k: v for k, v in task.items() if k not in ("name", "pattern")}
        exported = deployment.exports[name]
        assert exported["pattern"] == "polling"
        machine = deployment.one("aws:sfn/stateMachine:StateMachine", name)
        assert exported["state_machine_arn"] == machine.id == machine.state["arn"]
        described = sfn.describe_state_machine(stateMachineArn=exported["state_machine_arn"])
        assert described["name"] == exported["state_machine_name"]
        # The definition in moto is the one the component built for this task.
        expected = build_polling_definition(polling_spec_from_args(name, args), partition="aws")
        assert json.loads(described["definition"]) == expected
        assert described["definition"] == machine.inputs["definition"]
        assert described["roleArn"] == exported["role_arn"]
        # The role and its inline policy exist, with exactly the least-privilege policy.
        role_name = exported["role_arn"].rsplit("/", 1)[1]
        assert iam.get_role(RoleName=role_name)["Role"]["Arn"] == exported["role_arn"]
        policy = deployment.one("aws:iam/rolePolicy:RolePolicy", name)
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy.state["name"])
        assert document["PolicyDocument"] == iam_policies.polling_state_machine_policy(
            task_arn, True, False
        )
        # The log group exists with its retention and is where the execution logs go.
        (group,) = logs.describe_log_groups(logGroupNamePrefix=exported["log_group_name"])[
            "logGroups"
        ]
        assert group["retentionInDays"] == task.get("log_retention_days", 30)
        assert exported["log_group_name"].startswith(f"/aws/vendedlogs/states/{name}-")
        destination = described["loggingConfiguration"]["destinations"][0]
        assert destination["cloudWatchLogsLogGroup"]["logGroupArn"] == group["arn"]

    result = cloud.run_execution(
        deployment.exports["orders"]["state_machine_arn"], {}, replication_task_arn=orders
    )
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["status"] == "stopped"
    assert result.output["replication_task_arn"] == orders


def test_summary_prints_the_tree_and_the_counts(cloud: LocalCloud) -> None:
    class Group(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("demo:index:Group", name)
            aws.sqs.Queue(f"{name}-queue", opts=pulumi.ResourceOptions(parent=self))
            aws.sqs.Queue(f"{name}-dlq", opts=pulumi.ResourceOptions(parent=self))

    def program() -> None:
        Group("jobs")
        logs = aws.cloudwatch.LogGroup("logs", retention_in_days=1)
        pulumi.export("log_group", logs.name)

    deployment = cloud.deploy(program, project="demo", stack="dev")
    summary = deployment.summary()
    lines = summary.splitlines()
    tree = [line for line in lines if line.lstrip().startswith("+ ")]
    assert tree[0] == "+ pulumi:pulumi:Stack demo-dev"
    assert sorted(tree[1:]) == sorted(
        [
            "    + demo:index:Group jobs",
            "        + aws:sqs/queue:Queue jobs-queue",
            "        + aws:sqs/queue:Queue jobs-dlq",
            "    + aws:cloudwatch/logGroup:LogGroup logs",
        ]
    )
    # Children are listed right under their parent.
    group_at = tree.index("    + demo:index:Group jobs")
    assert {tree[group_at + 1], tree[group_at + 2]} == {
        "        + aws:sqs/queue:Queue jobs-queue",
        "        + aws:sqs/queue:Queue jobs-dlq",
    }
    assert "    1 aws:cloudwatch/logGroup:LogGroup" in lines
    assert "    2 aws:sqs/queue:Queue" in lines
    assert "    1 demo:index:Group" in lines
    assert "    1 pulumi:pulumi:Stack" in lines
    assert lines[-1] == "Resources: 5 created"
    assert f'    log_group: "{deployment.exports["log_group"]}"' in lines
    # The recorded tree: URNs and parent URNs as Pulumi builds them.
    group = deployment.one("demo:index:Group")
    assert (
        group.parent
        == deployment.stack_urn
        == "urn:pulumi:dev::demo::pulumi:pulumi:Stack::demo-dev"
    )
    assert group.id == ""
    assert [q.parent for q in deployment.find("aws:sqs/queue:Queue")] == [group.urn, group.urn]
    assert deployment.find("aws:sqs/queue:Queue", "jobs-d")[0].urn == (
        "urn:pulumi:dev::demo::demo:index:Group$aws:sqs/queue:Queue::jobs-dlq"
    )
    assert deployment.counts()["aws:sqs/queue:Queue"] == 2


def test_run_program_records_parents_for_the_plain_mocks_too() -> None:
    class Group(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("demo:index:Group", name)
            aws.sqs.Queue(f"{name}-queue", opts=pulumi.ResourceOptions(parent=self))

    mocks = run_program(lambda: Group("jobs"), DmsWaitersMocks())
    group, queue = mocks.by_name("jobs"), mocks.by_name("jobs-queue")
    assert queue.parent == group.urn == "urn:pulumi:stack::project::demo:index:Group::jobs"
    assert (
        queue.urn == "urn:pulumi:stack::project::demo:index:Group$aws:sqs/queue:Queue::jobs-queue"
    )
    assert group.parent == "urn:pulumi:stack::project::pulumi:pulumi:Stack::project-stack"


# -- failures ----------------------------------------------------------------------------------


def test_an_unsupported_aws_type_fails_the_deployment_naming_type_and_name(
    cloud: LocalCloud,
) -> None:
    def program() -> None:
        aws.sqs.Queue("kept")
        aws.s3.Bucket("uploads")

    with pytest.raises(UnsupportedResourceError) as err:
        deploy(cloud, program)
    assert "aws:s3/bucket:Bucket 'uploads'" in str(err.value)
    assert "not supported by the local cloud" in str(err.value)


def test_a_custom_resource_of_another_package_fails_too(cloud: LocalCloud) -> None:
    def program() -> None:
        pulumi.CustomResource("random:index/randomId:RandomId", "suffix", {"byteLength": 4})

    with pytest.raises(UnsupportedResourceError, match="random:index/randomId:RandomId 'suffix'"):
        deploy(cloud, program)


def test_an_aws_error_fails_the_deployment_with_the_resource_named(cloud: LocalCloud) -> None:
    def program() -> None:
        aws.lambda_.Function(
            "orphan",
            role=f"arn:aws:iam::{ACCOUNT}:role/missing",
            handler="index.handler",
            runtime="python3.12",
            code=pulumi.AssetArchive({"index.py": pulumi.StringAsset(HANDLER_CODE)}),
        )

    with pytest.raises(DeploymentError, match="aws:lambda/function:Function 'orphan'") as err:
        deploy(cloud, program)
    assert "cannot be assumed by Lambda" in str(err.value)
    assert cloud.client("lambda").list_functions()["Functions"] == []


def test_every_handler_has_a_docstring() -> None:
    assert len(HANDLERS) == 21  # dashboards and schedules are the newest
    assert all(handler.__doc__ for handler in HANDLERS.values())


# -- one test per resource type ----------------------------------------------------------------


def test_role(cloud: LocalCloud) -> None:
    def program() -> None:
        aws.iam.Role(
            "svc",
            assume_role_policy=TRUST,
            description="test role",
            max_session_duration=7200,
            tags={"team": "data"},
            inline_policies=[{"name": "inline", "policy": json.dumps(POLICY)}],
        )

    created = deploy(cloud, program).one("aws:iam/role:Role")
    assert re.match(r"^svc" + AUTONAME, created.id)
    moto_role = cloud.client("iam").get_role(RoleName=created.id)["Role"]
    assert moto_role["AssumeRolePolicyDocument"] == json.loads(TRUST)
    assert moto_role["MaxSessionDuration"] == 7200
    assert moto_role["Description"] == "test role"
    assert {"Key": "team", "Value": "data"} in moto_role["Tags"]
    assert created.state["arn"] == moto_role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{created.id}"
    assert created.state["uniqueId"] == moto_role["RoleId"]
    inline = cloud.client("iam").get_role_policy(RoleName=created.id, PolicyName="inline")
    assert inline["PolicyDocument"] == POLICY


POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
}


def test_role_policy(cloud: LocalCloud) -> None:
    def program() -> None:
        aws.iam.RolePolicy("send", role=role().id, policy=json.dumps(POLICY))

    deployment = deploy(cloud, program)
    policy, owner = (
        deployment.one("aws:iam/rolePolicy:RolePolicy"),
        deployment.one("aws:iam/role:Role"),
    )
    assert policy.id == f"{owner.id}:{policy.state['name']}"
    assert re.match(r"^send" + AUTONAME, policy.state["name"])
    moto_policy = cloud.client("iam").get_role_policy(
        RoleName=owner.id, PolicyName=policy.state["name"]
    )
    assert moto_policy["PolicyDocument"] == POLICY


def test_role_policy_attachment(cloud: LocalCloud) -> None:
    managed = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

    def program() -> None:
        aws.iam.RolePolicyAttachment("logs", role=role().name, policy_arn=managed)

    deployment = deploy(cloud, program)
    owner = deployment.one("aws:iam/role:Role").id
    attached = cloud.client("iam").list_attached_role_policies(RoleName=owner)
    assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [managed]
    assert re.match(
        rf"^{owner}-\d{{18}}[0-9a-f]{{8}}$",
        deployment.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").id,
    )


def test_managed_policy_and_its_exclusive_attachment(cloud: LocalCloud) -> None:
    def program() -> None:
        policy = aws.iam.Policy("grant", policy=json.dumps(POLICY), description="a grant")
        aws.iam.PolicyAttachment(
            "grant",
            policy_arn=policy.arn,
            roles=[aws.iam.Role(n, assume_role_policy=TRUST).name for n in ("one", "two")],
        )

    deployment = deploy(cloud, program)
    policy = deployment.one("aws:iam/policy:Policy")
    assert re.match(r"^grant" + AUTONAME, policy.state["name"])
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{policy.state['name']}"
    assert policy.id == policy.state["arn"] == arn
    iam = cloud.client("iam")
    version = iam.get_policy(PolicyArn=policy.id)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=policy.id, VersionId=version)["PolicyVersion"]
    assert document["Document"] == POLICY
    owners = deployment.find("aws:iam/role:Role")
    assert len(owners) == 2
    for owner in owners:
        attached = iam.list_attached_role_policies(RoleName=owner.id)["AttachedPolicies"]
        assert [p["PolicyArn"] for p in attached] == [policy.id]


def test_log_group_by_name_prefix_and_auto_name(cloud: LocalCloud) -> None:
    def program() -> None:
        aws.cloudwatch.LogGroup("named", name="/app/named", retention_in_days=14)
        aws.cloudwatch.LogGroup("prefixed", name_prefix="/aws/vendedlogs/states/x-")
        aws.cloudwatch.LogGroup("auto", retention_in_days=1, tags={"a": "b"})

    deployment = deploy(cloud, program)
    logs = cloud.client("logs")
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]}
    named = deployment.by_name("named")
    assert named.id == "/app/named" and groups["/app/named"]["retentionInDays"] == 14
    assert named.state["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/named"
    prefixed = deployment.by_name("prefixed").id
    # Terraform's unique id: virtual time to 1/10000 s (18 digits) and an 8-hex counter.
    assert re.match(r"^/aws/vendedlogs/states/x-2026\d{14}[0-9a-f]{8}$", prefixed)
    assert "retentionInDays" not in groups[prefixed]
    auto = deployment.by_name("auto")
    assert re.match(r"^auto" + AUTONAME, auto.id)
    assert groups[auto.id]["retentionInDays"] == 1
    assert logs.list_tags_log_group(logGroupName=auto.id)["tags"] == {"a": "b"}


def test_state_machine_settings(cloud: LocalCloud) -> None:
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}

    def program() -> None:
        logs = aws.cloudwatch.LogGroup("sm-logs")
        states_role = aws.iam.Role("sm-role", assume_role_policy=TRUST)
        aws.sfn.StateMachine(
            "express",
            type="EXPRESS",
            role_arn=states_role.arn,
            definition=json.dumps(definition),
            logging_configuration={
                "level": "ALL",
                "include_execution_data": True,
                "log_destination": logs.arn.apply(lambda arn: f"{arn}:*"),
            },
            tracing_configuration={"enabled": True},
            tags={"team": "data"},
        )

    deployment = deploy(cloud, program)
    machine = deployment.one("aws:sfn/stateMachine:StateMachine")
    sfn = cloud.client("stepfunctions")
    described = sfn.describe_state_machine(stateMachineArn=machine.id)
    assert json.loads(described["definition"]) == definition
    assert described["type"] == "EXPRESS"
    assert described["roleArn"] == deployment.one("aws:iam/role:Role").state["arn"]
    assert described["tracingConfiguration"] == {"enabled": True}
    group_arn = deployment.one("aws:cloudwatch/logGroup:LogGroup").state["arn"]
    assert described["loggingConfiguration"] == {
        "level": "ALL",
        "includeExecutionData": True,
        "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": f"{group_arn}:*"}}],
    }
    assert (
        machine.state["arn"]
        == machine.id
        == (f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{machine.state['name']}")
    )
    assert machine.state["status"] == "ACTIVE"
    assert sfn.list_tags_for_resource(resourceArn=machine.id)["tags"] == [
        {"key": "team", "value": "data"}
    ]


def test_function_from_the_repositorys_lambdas_directory(cloud: LocalCloud) -> None:
    seen: dict[str, Any] = {}

    def program() -> Any:
        fn = function(
            code=pulumi.AssetArchive({"lambdas": pulumi.FileArchive(str(ROOT / "lambdas"))}),
            handler="lambdas.dms_status.handler",
            environment={"variables": {"TABLE_NAME": "waiters"}},
            timeout=30,
            memory_size=256,
            publish=True,
            durable_config={"execution_timeout": 3600, "retention_period": 7},
        )
        return pulumi.Output.all(fn.arn, fn.version, fn.qualified_arn).apply(
            lambda values: seen.update(zip(["arn", "version", "qualified"], values, strict=True))
        )

    deployment = deploy(cloud, program)
    created = deployment.one("aws:lambda/function:Function")
    config = cloud.client("lambda").get_function(FunctionName=created.id)["Configuration"]
    assert config["Environment"] == {"Variables": {"TABLE_NAME": "waiters"}}
    assert (config["Timeout"], config["MemorySize"], config["Version"]) == (30, 256, "$LATEST")
    assert config["Handler"] == "lambdas.dms_status.handler"
    code = lambda_backends[ACCOUNT][REGION].get_function(created.id).code_bytes
    names = zip_names(code)
    assert "lambdas/dms_status.py" in names and "lambdas/__init__.py" in names
    packaged = zipfile.ZipFile(io.BytesIO(code)).read("lambdas/dms_status.py")
    assert packaged == (ROOT / "lambdas" / "dms_status.py").read_bytes()
    # publish=True: version 1, and the program's Outputs saw the real values.
    assert seen == {
        "arn": config["FunctionArn"],
        "version": "1",
        "qualified": f"{config['FunctionArn']}:1",
    }
    assert created.state["codeSha256"] == config["CodeSha256"]
    assert created.state["durableConfig"] == {"executionTimeout": 3600, "retentionPeriod": 7}
    # Durable mode reaches the function (and its published version), as CreateFunction sets it.
    durable = {"ExecutionTimeout": 3600, "RetentionPeriodInDays": 7}
    assert config["DurableConfig"] == durable
    version = cloud.client("lambda").get_function_configuration(FunctionName=seen["qualified"])
    assert version["DurableConfig"] == durable


def test_function_from_a_string_asset_archive(cloud: LocalCloud) -> None:
    def program() -> None:
        function()

    created = deploy(cloud, program).one("aws:lambda/function:Function")
    assert re.match(r"^fn" + AUTONAME, created.id)
    code = lambda_backends[ACCOUNT][REGION].get_function(created.id).code_bytes
    assert zipfile.ZipFile(io.BytesIO(code)).read("index.py").decode() == HANDLER_CODE
    digest = base64.b64encode(hashlib.sha256(code).digest()).decode()
    assert created.state["codeSha256"] == digest == created.state["sourceCodeHash"]
    assert created.state["version"] == "$LATEST"
    assert created.state["qualifiedArn"] == f"{created.state['arn']}:$LATEST"
    assert created.state["invokeArn"] == (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
        f"{created.state['arn']}/invocations"
    )
    # The same sources always zip to the same bytes (so the same CodeSha256).
    archive = pulumi.AssetArchive({"index.py": pulumi.StringAsset(HANDLER_CODE)})
    assert archive_zip(archive) == code


def test_alias(cloud: LocalCloud) -> None:
    def program() -> None:
        fn = function(publish=True)
        aws.lambda_.Alias("live", function_name=fn.name, function_version=fn.version)

    deployment = deploy(cloud, program)
    alias, fn = (
        deployment.one("aws:lambda/alias:Alias"),
        deployment.one("aws:lambda/function:Function"),
    )
    moto_alias = cloud.client("lambda").get_alias(FunctionName=fn.id, Name=alias.state["name"])
    assert moto_alias["FunctionVersion"] == "1"
    assert alias.id == alias.state["arn"] == moto_alias["AliasArn"]
    assert alias.state["arn"] == f"{fn.state['arn']}:{alias.state['name']}"


def test_permission(cloud: LocalCloud) -> None:
    source = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/dms"

    def program() -> None:
        fn = function()
        aws.lambda_.Permission(
            "from-events",
            function=fn.name,
            action="lambda:InvokeFunction",
            principal="events.amazonaws.com",
            source_arn=source,
        )

    deployment = deploy(cloud, program)
    permission = deployment.one("aws:lambda/permission:Permission")
    fn = deployment.one("aws:lambda/function:Function")
    policy = json.loads(cloud.client("lambda").get_policy(FunctionName=fn.id)["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Sid"] == permission.id
    assert re.match(r"^from-events" + AUTONAME, permission.id)
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == source


def test_function_url(cloud: LocalCloud) -> None:
    def program() -> None:
        fn = function()
        aws.lambda_.FunctionUrl(
            "callback",
            function_name=fn.name,
            authorization_type="NONE",
            cors={"allow_origins": ["*"], "allow_methods": ["POST"], "max_age": 60},
        )

    deployment = deploy(cloud, program)
    url, fn = (
        deployment.one("aws:lambda/functionUrl:FunctionUrl"),
        deployment.one("aws:lambda/function:Function"),
    )
    moto_url = cloud.client("lambda").get_function_url_config(FunctionName=fn.id)
    assert url.state["functionUrl"] == moto_url["FunctionUrl"]
    assert moto_url["AuthType"] == "NONE"
    assert moto_url["Cors"]["AllowOrigins"] == ["*"] and moto_url["Cors"]["MaxAge"] == 60
    assert url.id == fn.id
    assert url.state["functionArn"] == fn.state["arn"]
    assert moto_url["FunctionUrl"].startswith(f"https://{url.state['urlId']}.")


def test_table(cloud: LocalCloud) -> None:
    def program() -> None:
        aws.dynamodb.Table(
            "waiters",
            hash_key="task_arn",
            range_key="token",
            attributes=[{"name": "task_arn", "type": "S"}, {"name": "token", "type": "S"}],
            billing_mode="PAY_PER_REQUEST",
            ttl={"attribute_name": "expires_at", "enabled": True},
            point_in_time_recovery={"enabled": True},
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
        )

    created = deploy(cloud, program).one("aws:dynamodb/table:Table")
    ddb = cloud.client("dynamodb")
    table = ddb.describe_table(TableName=created.id)["Table"]
    assert re.match(r"^waiters" + AUTONAME, created.id)
    assert table["KeySchema"] == [
        {"AttributeName": "task_arn", "KeyType": "HASH"},
        {"AttributeName": "token", "KeyType": "RANGE"},
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert created.state["arn"] == table["TableArn"]
    assert created.state["streamArn"] == table["LatestStreamArn"]
    ttl = ddb.describe_time_to_live(TableName=created.id)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    backups = ddb.describe_continuous_backups(TableName=created.id)
    recovery = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert recovery["PointInTimeRecoveryStatus"] == "ENABLED"


def test_queue(cloud: LocalCloud) -> None:
    def program() -> None:
        aws.sqs.Queue("dlq", fifo_queue=True, visibility_timeout_seconds=120)

    created = deploy(cloud, program).one("aws:sqs/queue:Queue")
    assert re.match(r"^dlq-[0-9a-f]{7}\.fifo$", created.state["name"])
    sqs = cloud.client("sqs")
    assert (
        created.id
        == created.state["url"]
        == sqs.get_queue_url(QueueName=created.state["name"])["QueueUrl"]
    )
    attributes = sqs.get_queue_attributes(QueueUrl=created.id, AttributeNames=["All"])["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert attributes["VisibilityTimeout"] == "120"
    assert created.state["arn"] == attributes["QueueArn"]
    assert created.state["arn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{created.state['name']}"


def test_queue_policy(cloud: LocalCloud) -> None:
    def program() -> None:
        queue = aws.sqs.Queue("events")
        aws.sqs.QueuePolicy(
            "events-policy",
            queue_url=queue.url,
            policy=queue.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": arn,
                            }
                        ],
                    }
                )
            ),
        )

    deployment = deploy(cloud, program)
    queue = deployment.one("aws:sqs/queue:Queue")
    assert deployment.one("aws:sqs/queuePolicy:QueuePolicy").id == queue.id
    policy = cloud.client("sqs").get_queue_attributes(QueueUrl=queue.id, AttributeNames=["Policy"])[
        "Attributes"
    ]["Policy"]
    assert json.loads(policy)["Statement"][0]["Resource"] == queue.state["arn"]


def test_event_rules_with_a_pattern_and_a_schedule(cloud: LocalCloud) -> None:
    pattern = {"source": ["aws.dms"], "detail-type": ["DMS Replication Task State Change"]}

    def program() -> None:
        aws.cloudwatch.EventRule("dms-changes", event_pattern=json.dumps(pattern))
        aws.cloudwatch.EventRule(
            "reconcile", schedule_expression="rate(5 minutes)", state="DISABLED"
        )

    deployment = deploy(cloud, program)
    events = cloud.client("events")
    changes, reconcile = deployment.by_name("dms-changes"), deployment.by_name("reconcile")
    described = events.describe_rule(Name=changes.id)
    assert json.loads(described["EventPattern"]) == pattern
    assert described["State"] == "ENABLED"
    assert changes.state["arn"] == described["Arn"]
    assert changes.state["arn"] == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{changes.id}"
    scheduled = events.describe_rule(Name=reconcile.id)
    assert scheduled["ScheduleExpression"] == "rate(5 minutes)"
    assert scheduled["State"] == "DISABLED"


def test_event_target(cloud: LocalCloud) -> None:
    def program() -> None:
        rule = aws.cloudwatch.EventRule(
            "dms-changes", event_pattern=json.dumps({"source": ["aws.dms"]})
        )
        queue, dlq = aws.sqs.Queue("resume"), aws.sqs.Queue("resume-dlq")
        aws.cloudwatch.EventTarget(
            "to-queue",
            rule=rule.name,
            arn=queue.arn,
            input_transformer={
                "input_paths": {"taskArn": "$.resources[0]"},
                "input_template": '{"task": <taskArn>}',
            },
            retry_policy={"maximum_retry_attempts": 4, "maximum_event_age_in_seconds": 600},
            dead_letter_config={"arn": dlq.arn},
        )

    deployment = deploy(cloud, program)
    rule = deployment.one("aws:cloudwatch/eventRule:EventRule").id
    target = deployment.one("aws:cloudwatch/eventTarget:EventTarget")
    (moto_target,) = cloud.client("events").list_targets_by_rule(Rule=rule)["Targets"]
    assert moto_target["Arn"] == deployment.by_name("resume").state["arn"]
    assert moto_target["InputTransformer"] == {
        "InputPathsMap": {"taskArn": "$.resources[0]"},
        "InputTemplate": '{"task": <taskArn>}',
    }
    assert moto_target["RetryPolicy"] == {
        "MaximumRetryAttempts": 4,
        "MaximumEventAgeInSeconds": 600,
    }
    assert moto_target["DeadLetterConfig"] == {"Arn": deployment.by_name("resume-dlq").state["arn"]}
    assert target.id == f"{rule}-{moto_target['Id']}"
    assert re.fullmatch(
        r"to-queue-[0-9a-f]{7}", target.state["targetId"]
    )  # pulumi-aws autonames it


def test_metric_alarm(cloud: LocalCloud) -> None:
    def program() -> None:
        dlq = aws.sqs.Queue("dlq")
        aws.cloudwatch.MetricAlarm(
            "dlq-not-empty",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dlq.name},
            statistic="Maximum",
            period=300,
            evaluation_periods=1,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
        )

    deployment = deploy(cloud, program)
    alarm = deployment.one("aws:cloudwatch/metricAlarm:MetricAlarm")
    (moto_alarm,) = cloud.client("cloudwatch").describe_alarms(AlarmNames=[alarm.id])[
        "MetricAlarms"
    ]
    assert moto_alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": deployment.one("aws:sqs/queue:Queue").state["name"]}
    ]
    assert (moto_alarm["Period"], moto_alarm["Threshold"]) == (300, 0.0)
    assert moto_alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert moto_alarm["TreatMissingData"] == "notBreaching"
    assert (
        alarm.state["arn"]
        == moto_alarm["AlarmArn"]
        == (f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{alarm.id}")
    )


def test_secret(cloud: LocalCloud) -> None:
    def program() -> None:
        aws.secretsmanager.Secret("callback-key", description="signs callback URLs")

    created = deploy(cloud, program).one("aws:secretsmanager/secret:Secret")
    described = cloud.client("secretsmanager").describe_secret(SecretId=created.id)
    assert re.match(r"^callback-key" + AUTONAME, described["Name"])
    assert described["Description"] == "signs callback URLs"
    assert created.id == created.state["arn"] == described["ARN"]
    assert re.match(rf"^arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:callback-key-", created.id)


def test_secret_version(cloud: LocalCloud) -> None:
    def program() -> None:
        secret = aws.secretsmanager.Secret("callback-key")
        aws.secretsmanager.SecretVersion(
            "callback-key-value", secret_id=secret.id, secret_string="s3cr3t"
        )

    deployment = deploy(cloud, program)
    secret = deployment.one("aws:secretsmanager/secret:Secret")
    version = deployment.one("aws:secretsmanager/secretVersion:SecretVersion")
    value = cloud.client("secretsmanager").get_secret_value(SecretId=secret.id)
    assert value["SecretString"] == "s3cr3t"
    assert version.id == f"{secret.id}|{value['VersionId']}"
    assert version.state["versionStages"] == ["AWSCURRENT"]
    assert version.state["arn"] == secret.id
    # The value arrived as a Pulumi secret and stays one in the recorded state.
    assert version.state["secretString"] == {
        _special_sig_key: _special_secret_sig,
        "value": "s3cr3t",
    }


def test_a_missing_required_input_is_named(cloud: LocalCloud) -> None:
    def program() -> None:
        pulumi.CustomResource("aws:iam/role:Role", "bare", {"description": "no trust policy"})

    with pytest.raises(DeploymentError, match="'bare': required input 'assumeRolePolicy'"):
        deploy(cloud, program)


def test_a_deployment_leaves_the_callers_config_alone(cloud: LocalCloud) -> None:
    def program() -> None:
        pulumi.export("tasks", pulumi.Config().require_object("tasks"))

    before = dict(pulumi.runtime.config.CONFIG.get())
    deployment = deploy_program(cloud, program, config={"tasks": [1, 2]})
    assert deployment.exports == {"tasks": [1, 2]}
    assert dict(pulumi.runtime.config.CONFIG.get()) == before
    with pytest.raises(ValueError, match="aws:region"):
        deploy_program(cloud, program, config={"aws:region": "eu-west-1"})


def test_resources_are_the_created_resource_records(cloud: LocalCloud) -> None:
    deployment = deploy(cloud, lambda: aws.sqs.Queue("q"))
    (queue,) = deployment.resources
    assert isinstance(queue, CreatedResource)
    assert queue.urn == "urn:pulumi:local::dms-waiters::aws:sqs/queue:Queue::q"
    with pytest.raises(LookupError):
        deployment.one("aws:sqs/queue:Queue", "nope")


def test_archives_zip_as_pulumi_lays_them_out(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "a.py").write_text("a")
    (tmp_path / "pkg" / "sub" / "b.py").write_text("b")
    with zipfile.ZipFile(tmp_path / "deps.zip", "w") as deps:
        deps.writestr("lib/c.py", "c")
    archive = pulumi.AssetArchive(
        {
            "code": pulumi.FileArchive("pkg"),  # relative: taken from base_dir
            "vendor": pulumi.FileArchive(str(tmp_path / "deps.zip")),
            "config.json": pulumi.StringAsset("{}"),
            "README": pulumi.FileAsset(str(tmp_path / "pkg" / "a.py")),
        }
    )
    data = archive_zip(archive, tmp_path)
    assert zip_names(data) == [
        "README",
        "code/a.py",
        "code/sub/b.py",
        "config.json",
        "vendor/lib/c.py",
    ]
    assert zip_names(archive_zip(pulumi.FileArchive(str(tmp_path / "pkg")))) == ["a.py", "sub/b.py"]
    with pytest.raises(ValueError, match="never downloads"):
        archive_zip(pulumi.AssetArchive({"x": pulumi.RemoteAsset("https://example.com/x")}))


def test_two_stacks_deploy_side_by_side_in_one_cloud(cloud: LocalCloud) -> None:
    def program() -> None:
        aws.cloudwatch.LogGroup("logs", name_prefix="/app/")
        aws.sqs.Queue("jobs")

    dev = deploy_program(cloud, program, stack="dev")
    prod = deploy_program(cloud, program, stack="prod")
    for type_token in ("aws:cloudwatch/logGroup:LogGroup", "aws:sqs/queue:Queue"):
        assert dev.one(type_token).id != prod.one(type_token).id
    assert len(cloud.client("sqs").list_queues()["QueueUrls"]) == 2


def test_the_local_cloud_autonames_resources_as_the_unit_test_mocks_do(cloud: LocalCloud) -> None:
    arn = f"arn:aws:dms:{cloud.region}:{cloud.account_id}:task:ORDERS"

    def program() -> None:
        DmsPollingWorkflow("orders", {"replication_task_arn": arn})
        DmsPollingWorkflow("customers", {"replication_task_arn": arn})

    deployment = deploy(cloud, program)
    mocks = run_program(program, project=deployment.project, stack=deployment.stack)
    autonamed = [r for r in deployment.resources if r.type in (ROLE_TYPE, MACHINE_TYPE)]
    assert len(autonamed) == 4
    for resource in autonamed:
        assert resource.physical_name == mocks.by_urn(resource.urn).physical_name
        assert resource.physical_name is not None
        assert re.fullmatch(re.escape(resource.name) + AUTONAME, resource.physical_name)
    machines = cloud.client("stepfunctions").list_state_machines()["stateMachines"]
    assert sorted(m["name"] for m in machines) == sorted(
        r.physical_name for r in autonamed if r.type == MACHINE_TYPE
    )


def test_schedule(cloud: LocalCloud) -> None:
    target = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:starter"

    def program(state: str) -> Callable[[], None]:
        def run() -> None:
            aws.scheduler.Schedule(
                "nightly",
                schedule_expression="cron(0 2 * * ? *)",
                schedule_expression_timezone="Europe/Paris",
                state=state,
                flexible_time_window={"mode": "OFF"},
                target={
                    "arn": target,
                    "role_arn": f"arn:aws:iam::{ACCOUNT}:role/scheduler",
                    "input": '{"t": "<aws.scheduler.scheduled-time>"}',
                    "retry_policy": {"maximum_retry_attempts": 3},
                    "dead_letter_config": {"arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"},
                },
            )

        return run

    first = deploy_program(cloud, program("ENABLED"))
    created = first.one("aws:scheduler/schedule:Schedule")
    name = created.state["name"]
    assert re.match(r"^nightly-[0-9a-f]{7}$", name)
    assert created.id == f"default/{name}"
    found = cloud.client("scheduler").get_schedule(Name=name)
    assert created.state["arn"] == found["Arn"]
    assert (found["ScheduleExpression"], found["ScheduleExpressionTimezone"]) == (
        "cron(0 2 * * ? *)",
        "Europe/Paris",
    )
    assert found["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 3
    assert found["Target"]["DeadLetterConfig"] == {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}
    assert ACTIVE.scheduler is not None and ACTIVE.scheduler.armed() == [name]

    second = deploy_program(cloud, program("DISABLED"), previous=first)
    assert [s.op for s in second.steps] == ["update"]
    assert cloud.client("scheduler").get_schedule(Name=name)["State"] == "DISABLED"
    assert ACTIVE.scheduler.armed() == []
    deploy_program(cloud, lambda: None, previous=second)
    assert cloud.client("scheduler").list_schedules()["Schedules"] == []
