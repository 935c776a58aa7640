"""CallbackUrlWorkflow under Pulumi mocks: resources, exact IAM, environment, definition, checks."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from dms_waiters import CallbackUrlWorkflow, DmsEventHub, InvalidArgumentError
from dms_waiters.definitions.callback_url import (
    CallbackUrlSpec,
    build_callback_url_definition,
    validate_callback_url_spec,
)
from dms_waiters.lambdas import contract
from dms_waiters.testing import DmsWaitersMocks, run_program
from tests.checks import all_definition_errors
from tests.components.conftest import (
    ACCOUNT,
    REGION,
    WEEK,
    bad_arguments_test,
    deploy_component,
    mocks,
    own_log_group,
    policy_of,
    register_waiter,
    resolve_outputs,
)
from tests.names import function_arn, function_name
from tests.paths import ROOT

JOB_DIR = str(ROOT / "examples" / "export_job")
# An ARN for the pure definition's checks (the deployed one is an autoname).
STARTER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:export-starter-0a1b2c3"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:export-requests"


def base_args(**args: Any) -> dict[str, Any]:
    return {"code_dir": JOB_DIR, "handler": "job.handler", **args}


def deploy(**args: Any) -> DmsWaitersMocks:
    return deploy_component(CallbackUrlWorkflow, "export", base_args(**args))


def test_creates_the_workflow_and_a_hub_with_the_endpoint() -> None:
    mocks = deploy()
    mine = sorted((r.type, r.name) for r in mocks.created() if r.name.startswith("export-"))
    hub = [n for t, n in mine if n.startswith("export-hub")]
    assert "export-hub-callback-url-endpoint" in hub
    assert "export-hub-signing-key" in hub
    assert [(t, n) for t, n in mine if not n.startswith("export-hub")] == sorted(
        [
            ("aws:cloudwatch/logGroup:LogGroup", "export-job-logs"),
            ("aws:iam/role:Role", "export-job-role"),
            ("aws:iam/rolePolicy:RolePolicy", "export-job-policy"),
            ("aws:lambda/function:Function", "export-job"),
            ("aws:cloudwatch/logGroup:LogGroup", "export-starter-logs"),
            ("aws:iam/role:Role", "export-starter-role"),
            ("aws:iam/rolePolicy:RolePolicy", "export-starter-policy"),
            ("aws:lambda/function:Function", "export-starter"),
            ("aws:cloudwatch/logGroup:LogGroup", "export-logs"),
            ("aws:iam/role:Role", "export-role"),
            ("aws:iam/rolePolicy:RolePolicy", "export-policy"),
            ("aws:sfn/stateMachine:StateMachine", "export-state-machine"),
        ]
    )


def test_the_job_function_runs_the_users_code_with_only_their_permissions() -> None:
    statement = {"Action": ["sqs:SendMessage"], "Resource": [QUEUE_ARN]}
    mocks = deploy(
        job_policy_statements=[statement],
        job_environment={"REQUEST_QUEUE_URL": "https://sqs/q"},
        job_runtime="python3.12",
        job_timeout_seconds=120,
    )
    job = mocks.by_name("export-job").inputs
    assert isinstance(job["code"], pulumi.FileArchive)
    assert job["code"].path == JOB_DIR
    assert (job["handler"], job["runtime"], job["timeout"]) == ("job.handler", "python3.12", 120)
    assert job["environment"]["variables"] == {"REQUEST_QUEUE_URL": "https://sqs/q"}
    assert policy_of(mocks, "export-job-policy")["Statement"] == [
        {"Effect": "Allow", **statement},
        own_log_group(mocks, "export-job"),
    ]
    # The starter waits a little longer than the job may take.
    assert mocks.by_name("export-starter").inputs["timeout"] == 150


def test_exact_starter_policy_and_environment() -> None:
    mocks = deploy(timeout_seconds=86400)
    table = mocks.by_name("export-hub-waiters")
    secret = mocks.by_name("export-hub-signing-key")
    assert policy_of(mocks, "export-starter-policy")["Statement"] == [
        register_waiter(table.output("arn")),
        {
            "Sid": "ReadOrCreateTheSigningKey",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
            "Resource": [secret.output("arn")],
        },
        {
            "Sid": "InvokeTheJob",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [function_arn(mocks, "export-job")],
        },
        own_log_group(mocks, "export-starter"),
    ]
    starter = mocks.by_name("export-starter").inputs
    assert starter["handler"] == contract.URL_STARTER_HANDLER
    assert starter["environment"]["variables"] == {
        "WAITER_TABLE": table.output("name"),
        "SIGNING_SECRET_ARN": secret.output("arn"),
        "CALLBACK_BASE_URL": mocks.by_name("export-hub-callback-url-endpoint").output(
            "functionUrl"
        ),
        "JOB_FUNCTION_NAME": function_name(mocks, "export-job"),
        "URL_TTL_SECONDS": "86400",
        "WAITER_TTL_SECONDS": str(86400 + 86400),
        "WORKFLOW_NAME": "export",
    }


def test_state_machine_invokes_only_the_starter_and_waits_with_a_deadline() -> None:
    mocks = deploy(timeout_seconds=7200, heartbeat_seconds=600)
    starter_arn = function_arn(mocks, "export-starter")
    assert policy_of(mocks, "export-policy")["Statement"][0] == {
        "Sid": "InvokeTheStarter",
        "Effect": "Allow",
        "Action": ["lambda:InvokeFunction"],
        "Resource": [starter_arn, f"{starter_arn}:*"],
    }
    definition = json.loads(mocks.by_name("export-state-machine").inputs["definition"])
    wait = definition["States"]["StartJobAndWait"]
    assert wait["Parameters"] == {
        "FunctionName": starter_arn,
        "Payload": {"token.$": "$$.Task.Token", "execution.$": "$$.Execution.Id", "input.$": "$"},
    }
    assert (wait["TimeoutSeconds"], wait["HeartbeatSeconds"]) == (7200, 600)
    assert {e for r in wait["Retry"] for e in r["ErrorEquals"]} >= {"CallbackThrottled"}
    assert definition["States"]["HeartbeatLost"]["Error"] == "CallbackTimedOut"


def test_a_shared_hub_must_have_the_endpoint() -> None:
    def program(callback_url: bool) -> Any:
        hub = DmsEventHub("hub", {"callback_url": callback_url})
        return CallbackUrlWorkflow("export", base_args(hub=hub.reference))  # type: ignore[arg-type]

    mocks = run_program(lambda: program(True), DmsWaitersMocks(account_id=ACCOUNT, region=REGION))
    assert not [r for r in mocks.created() if r.name.startswith("export-hub")]
    with pytest.raises(InvalidArgumentError, match="argument 'hub' has no callback endpoint"):
        run_program(lambda: program(False), DmsWaitersMocks())


def test_outputs_resolve() -> None:
    names = ["state_machine_arn", "job_function_arn", "starter_function_arn", "callback_base_url"]
    seen, mocks = resolve_outputs(
        lambda: CallbackUrlWorkflow("export", base_args()),  # type: ignore[arg-type]
        names,
    )
    assert seen == {
        "state_machine_arn": mocks.by_name("export-state-machine").output("arn"),
        "job_function_arn": function_arn(mocks, "export-job"),
        "starter_function_arn": function_arn(mocks, "export-starter"),
        "callback_base_url": mocks.by_name("export-hub-callback-url-endpoint").output(
            "functionUrl"
        ),
    }


BAD_ARGS = [
    ({"code_dir": "/nonexistent"}, "code_dir", "which is not a directory"),
    ({"handler": "handler"}, "handler", "expected module.attribute"),
    ({"handler": "missing.handler"}, "handler", "code_dir has neither missing.py nor missing/"),
    ({"job_runtime": "python2.7"}, "job_runtime", "python3.13"),
    ({"job_timeout_seconds": 900}, "job_timeout_seconds", "870"),
    ({"job_policy_statements": [{"Action": "s3:GetObject"}]}, "job_policy_statements", "Resource"),
    ({"job_environment": ["A=1"]}, "job_environment", "mapping"),
    ({"timeout_seconds": 0}, "timeout_seconds", "at least 1"),
    ({"heartbeat_seconds": WEEK}, "heartbeat_seconds", "less than timeout_seconds"),
    ({"hub_args": {"callback_url": False}}, "hub_args", "callback_url must be True"),
    ({"hub_args": {"alarms": "no"}}, "hub_args", "is invalid"),
    ({"job_code": "."}, "job_code", "is not an argument"),
]


test_bad_arguments_fail_at_preview_naming_the_argument = bad_arguments_test(
    deploy, "CallbackUrlWorkflow 'export'", BAD_ARGS
)


# -- the pure definition ---------------------------------------------------------------------------

DEFINITION_CASES = {
    "defaults": CallbackUrlSpec(STARTER_ARN),
    "heartbeat": CallbackUrlSpec(STARTER_ARN, timeout_seconds=7200, heartbeat_seconds=600),
    "one-year": CallbackUrlSpec(STARTER_ARN, timeout_seconds=365 * 24 * 3600),
}


@pytest.mark.parametrize("case", sorted(DEFINITION_CASES))
def test_definition_passes_every_check(case: str) -> None:
    assert (
        all_definition_errors(
            build_callback_url_definition(DEFINITION_CASES[case], partition="aws")
        )
        == []
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CallbackUrlSpec(STARTER_ARN, timeout_seconds=600, heartbeat_seconds=600), "less than"),
        (CallbackUrlSpec(STARTER_ARN, timeout_seconds=0), "timeout_seconds"),
    ],
)
def test_builder_rejects_what_step_functions_would(spec: CallbackUrlSpec, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_callback_url_spec(spec)


def test_the_old_names_of_the_user_code_still_work_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning) as warned:
        found = run_program(
            lambda: CallbackUrlWorkflow(
                "export", {"job_code_path": JOB_DIR, "job_handler": "job.handler"}
            ),
            mocks(),
        )
    assert [str(w.message).split(": ", 1)[1] for w in warned] == [
        "argument 'job_code_path' is deprecated and stops working in 0.3.0; use 'code_dir'",
        "argument 'job_handler' is deprecated and stops working in 0.3.0; use 'handler'",
    ]
    assert found.by_name("export-job").inputs["handler"] == "job.handler"
    with pytest.raises(InvalidArgumentError, match=r"argument 'job_handler'.* pass only handler"):
        run_program(lambda: CallbackUrlWorkflow("export", base_args(job_handler="job.handler")))
