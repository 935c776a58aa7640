"""DurableBatchWorkflow under Pulumi mocks: the user's code packed with ours, exact IAM, durable
config, alias, environment, validation; and the packed handler imports as Lambda would."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pulumi
import pytest

from dms_waiters import DurableBatchWorkflow, InvalidArgumentError
from dms_waiters._internal.durable_bundle import bundled_assets
from dms_waiters.lambdas import contract
from dms_waiters.testing import DmsWaitersMocks, run_program
from tests.archives import extract, run_in
from tests.components.conftest import (
    DURABLE_FUNCTION_OUTPUTS,
    assert_fails_naming,
    deploy_component,
    mocks,
    own_log_group,
    policy_document,
    resolve_outputs,
)
from tests.components.conftest import policy_of as shared_policy_of
from tests.names import function_arn, function_name, lambda_function, log_group_name

BUCKET_ARN = "arn:aws:s3:::orders-exports"
COMPONENT = "dms-waiters:index:DurableBatchWorkflow"

ETL = textwrap.dedent(
    """
    from dms_waiters.lambdas.durable_batch import make_handler


    def load(batch):
        return {"rows": len(batch)}


    handler = make_handler(load)
    """
)


@pytest.fixture
def code_dir(tmp_path: Path) -> Path:
    """A user's code directory, with what must and must not be packed."""
    code = tmp_path / "etl-code"
    (code / "jobs").mkdir(parents=True)
    (code / "etl.py").write_text(ETL)
    (code / "jobs" / "__init__.py").write_text("")
    (code / "jobs" / "queries.sql").write_text("select 1")
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "etl.cpython-311.pyc").write_bytes(b"\0")
    (code / ".env").write_text("SECRET=1")
    (code / ".git").mkdir()
    (code / ".git" / "HEAD").write_text("ref")
    return code


def deploy(directory: Path, **args: Any) -> DmsWaitersMocks:
    args = {"code_dir": str(directory), "handler": "etl.handler", **args}
    return deploy_component(DurableBatchWorkflow, "etl", args)


def policy_of(found: DmsWaitersMocks) -> dict[str, Any]:
    return shared_policy_of(found, "etl-batch-policy")


def test_creates_the_durable_function_and_its_alias(code_dir: Path) -> None:
    found = deploy(code_dir)
    assert {(r.type, r.name) for r in found.created()} == {
        (COMPONENT, "etl"),
        ("aws:cloudwatch/logGroup:LogGroup", "etl-batch-logs"),
        ("aws:iam/role:Role", "etl-batch-role"),
        ("aws:iam/rolePolicy:RolePolicy", "etl-batch-policy"),
        ("aws:lambda/function:Function", "etl-batch"),
        ("aws:lambda/alias:Alias", "etl-batch-alias"),
    }
    (component,) = found.created(COMPONENT)
    assert all(r.parent == component.urn for r in found.created() if r is not component)
    function = found.by_name("etl-batch")
    alias = found.by_name("etl-batch-alias").inputs
    assert alias["name"] == "live"
    assert alias["functionVersion"] == function.output("version") == "1"


def test_function_settings_and_environment(code_dir: Path) -> None:
    found = deploy(
        code_dir,
        handler="etl.handler",
        batch_size=250,
        pause_seconds=5,
        execution_timeout_seconds=6 * 3600,
        invocation_timeout_seconds=600,
        memory_mb=1024,
        retention_days=30,
        environment={"TARGET_TABLE": "orders"},
    )
    inputs = lambda_function(found, "etl-batch", "etl.handler")
    assert inputs["timeout"] == 600
    assert inputs["memorySize"] == 1024
    assert inputs["publish"] is True
    assert inputs["durableConfig"] == {"executionTimeout": 6 * 3600, "retentionPeriod": 30}
    assert inputs["environment"] == {
        "variables": {"TARGET_TABLE": "orders", "BATCH_SIZE": "250", "BATCH_PAUSE_SECONDS": "5"}
    }


def test_defaults(code_dir: Path) -> None:
    inputs = deploy(code_dir).by_name("etl-batch").inputs
    assert inputs["timeout"] == 300
    assert inputs["memorySize"] == 512
    assert inputs["durableConfig"] == {"executionTimeout": 86400, "retentionPeriod": 14}
    assert inputs["environment"]["variables"] == {
        contract.ENV_BATCH_SIZE: str(contract.DEFAULT_BATCH_SIZE),
        contract.ENV_BATCH_PAUSE_SECONDS: str(contract.DEFAULT_BATCH_PAUSE_SECONDS),
    }


def test_archive_packs_the_users_code_with_ours(code_dir: Path) -> None:
    code = deploy(code_dir).by_name("etl-batch").inputs["code"]
    assert isinstance(code, pulumi.AssetArchive)
    keys = set(code.assets)
    bundled = set(bundled_assets())
    users = {k for k in keys if not k.startswith("dms_waiters/") and k not in bundled}
    assert users == {"etl.py", "jobs/__init__.py", "jobs/queries.sql"}  # no caches, no dotfiles
    assert {
        "dms_waiters/lambdas/durable_batch.py",
        "aws_durable_execution_sdk_python/__init__.py",
    } <= keys


def test_exact_policy_with_the_users_statements(code_dir: Path) -> None:
    def program() -> None:
        bucket = pulumi.Output.from_input(BUCKET_ARN)  # e.g. a bucket created in the program
        DurableBatchWorkflow(
            "etl",
            {
                "code_dir": str(code_dir),
                "handler": "etl.handler",
                "statements": [
                    {
                        "Sid": "ReadExports",
                        "Effect": "Allow",
                        "Action": ["s3:GetObject"],
                        "Resource": [bucket.apply(lambda arn: f"{arn}/*")],
                    }
                ],
            },
        )

    found = run_program(program, mocks())
    assert policy_of(found) == policy_document(
        {
            "Sid": "OwnDurableExecutions",
            "Effect": "Allow",
            "Action": ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"],
            "Resource": [f"{function_arn(found, 'etl-batch')}:*"],
        },
        {
            "Sid": "ReadExports",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": [f"{BUCKET_ARN}/*"],
        },
        own_log_group(found, "etl-batch"),
    )


def test_tracing_and_tags(code_dir: Path) -> None:
    found = deploy(code_dir, tracing=True, tags={"team": "data"}, log_retention_days=7)
    assert found.by_name("etl-batch").inputs["tracingConfig"] == {"mode": "Active"}
    assert policy_of(found)["Statement"][-1]["Sid"] == "Tracing"
    for name in ("etl-batch", "etl-batch-role", "etl-batch-logs"):
        assert found.by_name(name).inputs["tags"] == {"team": "data"}
    assert found.by_name("etl-batch-logs").inputs["retentionInDays"] == 7


def test_outputs_resolve(code_dir: Path) -> None:
    seen, found = resolve_outputs(
        lambda: DurableBatchWorkflow("etl", {"code_dir": str(code_dir), "handler": "etl.handler"}),
        DURABLE_FUNCTION_OUTPUTS,
    )
    command = seen.pop("start_command")
    arn = function_arn(found, "etl-batch")
    parent = json.loads(seen.pop("parent_policy"))
    assert parent["Statement"][0]["Resource"] == [f"{arn}:live"]
    assert seen == {
        "function_name": function_name(found, "etl-batch"),
        "function_arn": arn,
        "alias_name": "live",
        "alias_arn": f"{arn}:live",
        "role_arn": found.by_name("etl-batch-role").output("arn"),
        "log_group_name": log_group_name(found, "etl-batch"),
    }
    assert f"--function-name {arn}:live --invocation-type Event" in command
    assert '--durable-execution-name "etl-$RUN_ID"' in command


@pytest.mark.slow  # unpacks the whole bundle and imports it in a subprocess
def test_the_packed_handler_imports_as_lambda_would(code_dir: Path, tmp_path: Path) -> None:
    code = deploy(code_dir).by_name("etl-batch").inputs["code"]
    root = tmp_path / "task"
    extract(code, root)
    probe = (
        "import etl, dms_waiters.lambdas.durable_batch as b; "
        "print(callable(etl.handler), b.__file__)"
    )
    stdout = run_in(root, probe)
    is_callable, helper = stdout.split()
    assert is_callable == "True"
    assert (
        Path(helper).resolve() == (root / "dms_waiters" / "lambdas" / "durable_batch.py").resolve()
    )


# -- validation -------------------------------------------------------------------------------

ALLOW_S3 = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET_ARN}/*"}

BAD_ARGS: list[tuple[dict[str, Any], str, str]] = [
    ({"code_dir": 42}, "code_dir", "must be the path of a local directory"),
    ({"code_dir": "/nonexistent/etl"}, "code_dir", "which is not a directory"),
    ({"handler": "handler"}, "handler", "expected module.attribute"),
    ({"handler": "etl.handler()"}, "handler", "expected module.attribute"),
    ({"handler": "missing.handler"}, "handler", "neither missing.py nor missing/"),
    ({"batch_size": 0}, "batch_size", "at least 1"),
    ({"pause_seconds": 0}, "pause_seconds", "at least 1"),
    ({"execution_timeout_seconds": 31_622_401}, "execution_timeout_seconds", "at most 31622400"),
    ({"invocation_timeout_seconds": 901}, "invocation_timeout_seconds", "at most 900"),
    ({"memory_mb": 100}, "memory_mb", "at least 128"),
    ({"retention_days": 91}, "retention_days", "at most 90"),
    ({"environment": ["A=1"]}, "environment", "must be a mapping"),
    ({"environment": {"AWS_REGION": "x"}}, "environment", "sets AWS_REGION, a name Lambda"),
    ({"environment": {"LAMBDA_TASK_ROOT": "x"}}, "environment", "a name Lambda reserves"),
    ({"environment": {"BATCH_SIZE": "5"}}, "environment", "set it with batch_size"),
    ({"environment": {"BATCH_PAUSE_SECONDS": "5"}}, "environment", "with pause_seconds"),
    ({"environment": {"bad-name": "x"}}, "environment", "use letters, digits and _"),
    ({"environment": {"N": 5}}, "environment", "values are strings"),
    ({"statements": ALLOW_S3}, "statements", "must be a list"),
    ({"statements": [{**ALLOW_S3, "Principal": "*"}]}, "statements", "[0] has Principal"),
    ({"statements": [{**ALLOW_S3, "Effect": "allow"}]}, "statements", "Allow or Deny"),
    ({"statements": [{**ALLOW_S3, "Action": "s3 get"}]}, "statements", "service:Action names"),
    ({"statements": [{**ALLOW_S3, "Action": []}]}, "statements", "service:Action names"),
    ({"statements": [{**ALLOW_S3, "Resource": 5}]}, "statements", "Resource must be ARNs"),
    ({"statements": [{**ALLOW_S3, "Sid": "OwnLogGroup"}]}, "statements", "unique"),
    ({"statements": [{**ALLOW_S3, "Sid": "a-b"}]}, "statements", "alphanumeric"),
    ({"log_retention_days": 2}, "log_retention_days", "allowed values"),
    ({"tracing": "yes"}, "tracing", "true or false"),
    ({"mode": "poll"}, "mode", "is not an argument"),
]


@pytest.mark.parametrize(("args", "argument", "message"), BAD_ARGS)
def test_bad_arguments_fail_at_preview_naming_the_argument(
    code_dir: Path, args: dict[str, Any], argument: str, message: str
) -> None:
    assert_fails_naming(
        lambda: deploy(code_dir, **args), "DurableBatchWorkflow 'etl'", argument, message
    )


def test_the_users_code_may_not_shadow_ours(code_dir: Path) -> None:
    (code_dir / "dms_waiters").mkdir()
    with pytest.raises(InvalidArgumentError, match="top-level 'dms_waiters'"):
        deploy(code_dir)


def test_required_arguments(code_dir: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="argument 'handler'"):
        run_program(lambda: DurableBatchWorkflow("etl", {"code_dir": str(code_dir)}), mocks())  # type: ignore[typeddict-item]
