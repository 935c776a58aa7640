"""``lambdas.url_starter``: register the URL waiter, then start the user's job with the URLs."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from dms_waiters.lambdas import aws_clients, signing_key
from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas import url_signing as signing
from dms_waiters.lambdas.errors import HandlerError
from dms_waiters.lambdas.handlers import url_starter
from tests.lambdas.conftest import Aws
from tests.lambdas.fakes import client_error

BASE = "https://abcdefgh.lambda-url.eu-west-1.on.aws/"
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAf/job-token"
EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:export:run-1"


class JobFunction:
    """The user's job function behind ``lambda.invoke``: records each event; ``behaviour``
    returns the invoke response or raises."""

    def __init__(self, aws: Aws) -> None:
        self.aws = aws
        self.events: list[dict[str, Any]] = []
        self.waiter_seen: list[bool] = []
        self.behaviour: Callable[[], dict[str, Any]] = lambda: {"StatusCode": 200}

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["FunctionName"] == "export-job-1a2b3c4d"
        assert kwargs["InvocationType"] == "RequestResponse"
        event = json.loads(kwargs["Payload"])
        self.events.append(event)
        waiter_id = dict(parse_qsl(urlsplit(event["callback_urls"]["success"]).query))["id"]
        self.waiter_seen.append(self.aws.store.get("url#" + waiter_id) is not None)
        return self.behaviour()


@pytest.fixture
def job(
    aws: Aws, boto_clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[JobFunction]:
    secrets = boto_clients["secretsmanager"]
    arn = secrets.create_secret(Name="callback-signing-key")["ARN"]
    aws_clients.set_client("secretsmanager", secrets)
    signing_key.reset_cache()
    fake = JobFunction(aws)
    aws_clients.set_client("lambda", fake)
    for name, value in {
        c.ENV_SIGNING_SECRET_ARN: arn,
        c.ENV_CALLBACK_BASE_URL: BASE,
        c.ENV_JOB_FUNCTION: "export-job-1a2b3c4d",
        c.ENV_URL_TTL_SECONDS: "3600",
        c.ENV_WAITER_TTL_SECONDS: "90000",
        c.ENV_WORKFLOW_NAME: "export",
    }.items():
        monkeypatch.setenv(name, value)
    yield fake
    signing_key.reset_cache()


def invoke(token: str = TOKEN, execution: str | None = EXECUTION) -> dict[str, Any]:
    event = {"token": token, "execution": execution, "input": {"bucket": "b", "rows": 3}}
    return url_starter.handler(event, None)  # type: ignore[no-any-return]


def key_of() -> bytes:
    import os

    key = signing_key.signing_key(os.environ[c.ENV_SIGNING_SECRET_ARN])
    assert key is not None
    return key


def test_registers_the_waiter_then_hands_signed_urls_to_the_job(job: JobFunction) -> None:
    result = invoke()
    assert result["result"] == "started"
    (event,) = job.events
    assert job.waiter_seen == [True]
    assert set(event) == {"callback_urls", "expires_at", "execution", "input"}
    assert event["execution"] == EXECUTION
    assert event["input"] == {"bucket": "b", "rows": 3}
    # The key was generated on this first use, and the URLs verify under it.
    for action, url in event["callback_urls"].items():
        assert url.startswith(BASE + "?")
        request = signing.verify(
            dict(parse_qsl(urlsplit(url).query)), key_of(), event["expires_at"]
        )
        assert request.action == action
    waiter = job.aws.store.get("url#" + request.waiter_id)
    assert waiter is not None
    assert (waiter.token, waiter.workflow, waiter.execution) == (TOKEN, "export", EXECUTION)
    assert event["expires_at"] == waiter.created_at + 3600
    assert waiter.expires_at == waiter.created_at + 90000
    assert waiter.started_at is not None
    # Nothing secret in the return value (it is logged).
    text = json.dumps(result)
    assert TOKEN not in text and request.waiter_id not in text


def test_a_retried_invocation_does_not_start_the_job_twice(job: JobFunction) -> None:
    invoke(token="token-of-attempt-1")
    assert invoke(token="token-of-attempt-2")["result"] == "already_started"
    assert len(job.events) == 1
    (waiter,) = job.aws.store.scan()
    assert waiter.token == "token-of-attempt-2"


def test_a_failing_job_removes_the_waiter_and_fails_with_its_error(job: JobFunction) -> None:
    payload = {"errorType": "BucketMissing", "errorMessage": "no bucket b"}
    job.behaviour = lambda: {
        "StatusCode": 200,
        "FunctionError": "Unhandled",
        "Payload": io.BytesIO(json.dumps(payload).encode()),
    }
    with pytest.raises(HandlerError) as caught:
        invoke()
    assert type(caught.value).__name__ == "CallbackJobFailed"
    assert str(caught.value) == "BucketMissing: no bucket b"
    assert job.waiter_seen == [True]
    assert list(job.aws.store.scan()) == []


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("TooManyRequestsException", "CallbackThrottled"),
        ("EC2ThrottledException", "CallbackThrottled"),
        ("ResourceNotFoundException", "CallbackJobFailed"),
    ],
)
def test_an_invoke_error_removes_the_waiter(job: JobFunction, code: str, error: str) -> None:
    def fail() -> dict[str, Any]:
        raise client_error(code, "Invoke")

    job.behaviour = fail
    with pytest.raises(HandlerError) as caught:
        invoke()
    assert type(caught.value).__name__ == error
    assert list(job.aws.store.scan()) == []


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ("not an object", "JSON object"),
        ({"execution": EXECUTION}, "'token'"),
        ({"token": ""}, "'token'"),
        ({"token": "t", "execution": 7}, "'execution'"),
    ],
)
def test_bad_payload(job: JobFunction, event: Any, message: str) -> None:
    with pytest.raises(HandlerError, match=message) as caught:
        url_starter.handler(event, None)
    assert type(caught.value).__name__ == "CallbackInvalidInput"
    assert job.events == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (c.ENV_JOB_FUNCTION, "", "JOB_FUNCTION_NAME is not set"),
        (c.ENV_URL_TTL_SECONDS, "soon", "not an integer"),
        (c.ENV_URL_TTL_SECONDS, "100000", "at most WAITER_TTL_SECONDS"),
        (c.ENV_CALLBACK_BASE_URL, " ", "CALLBACK_BASE_URL is not set"),
    ],
)
def test_bad_configuration(
    job: JobFunction, monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(HandlerError, match=message):
        invoke()
    assert job.events == []


def test_logs_carry_no_token_signature_or_key(
    job: JobFunction, capsys: pytest.CaptureFixture[str]
) -> None:
    invoke()
    logged = capsys.readouterr().out
    (event,) = job.events
    sigs = [dict(parse_qsl(urlsplit(u).query))["sig"] for u in event["callback_urls"].values()]
    assert "url starter" in logged
    for secret in [TOKEN, key_of().decode(), *sigs]:
        assert secret not in logged
