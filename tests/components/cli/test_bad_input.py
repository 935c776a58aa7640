"""Bad input gets one line on stderr and a non-zero exit (fast: no stack deployed)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from dms_waiters.cli import main
from dms_waiters.cli.app import EXIT_BAD_INPUT, EXIT_FAILED
from localcloud import LocalCloud
from tests.components.cli.conftest import run_cli

TASK = "arn:aws:dms:us-east-1:123456789012:task:ORDERS"


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as active:
        active.client("dynamodb").create_table(
            TableName="not-waiters",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield active


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (
            ["waits", "--hub", "nope"],
            EXIT_BAD_INPUT,
            "no DynamoDB table 'nope' in us-east-1 (pass the hub's table_name)",
        ),
        (
            ["doctor", "--hub", "not-waiters"],
            EXIT_BAD_INPUT,
            "table 'not-waiters' is not a dms-waiters waiter table (key ['id'])",
        ),
        (
            ["status", "arn:aws:dms:us-east-1:123456789012:endpoint:X", "--hub", "nope"],
            EXIT_BAD_INPUT,
            "not a DMS replication task ARN: 'arn:aws:dms:us-east-1:123456789012:endpoint:X' "
            "(expected arn:<partition>:dms:<region>:<account>:task:<id>)",
        ),
        (
            ["release", TASK, "--hub", "nope", "--reason", " "],
            EXIT_BAD_INPUT,
            "no DynamoDB table 'nope' in us-east-1 (pass the hub's table_name)",
        ),
    ],
)
def test_one_line_and_an_exit_code(
    cloud: LocalCloud, argv: list[str], code: int, message: str
) -> None:
    ran = run_cli(cloud, *argv)
    assert (ran.code, ran.out) == (code, "")
    assert ran.err == f"dms-waiters: error: {message}\n"


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["release", TASK]) == EXIT_BAD_INPUT
    assert "the following arguments are required: --hub, --reason" in capsys.readouterr().err


def test_no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role: no network
    out, err = io.StringIO(), io.StringIO()
    assert main(["waits", "--hub", "t", "--region", "us-east-1"], out, err) == EXIT_FAILED
    assert err.getvalue() == (
        "dms-waiters: error: no AWS credentials (looked in the environment, --profile / "
        "AWS_PROFILE, the config files and the instance role)\n"
    )
    err = io.StringIO()
    assert main(["waits", "--hub", "t", "--profile", "nowhere"], out, err) == EXIT_FAILED
    assert err.getvalue() == (
        "dms-waiters: error: The config profile (nowhere) could not be found\n"
    )
    assert out.getvalue() == ""
