"""``lambdas.callback_url``: signed callback URLs and the function URL handler."""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from dms_waiters.lambdas import aws_clients, signing_key
from dms_waiters.lambdas import contract as c
from dms_waiters.lambdas import url_signing as signing
from dms_waiters.lambdas.handlers import callback_url as cu
from dms_waiters.lambdas.waiter_store import WaiterStore
from tests.lambdas.conftest import Aws
from tests.lambdas.fakes import only, owner

KEY = b"k" * 16 + b"0123456789abcdef-test-signing-key"
KEY_TEXT = KEY.decode()
BASE = "https://abc.lambda-url.us-east-1.on.aws/"
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAf/url-task-token"
WAITER_ID = "A" * 43
NOW = 1_700_000_000


# -- pure signing -------------------------------------------------------------------------------


def params_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_sign_and_verify_round_trip() -> None:
    urls = signing.signed_urls(BASE, WAITER_ID, NOW + 60, KEY)
    assert set(urls) == {"success", "failure", "heartbeat"}
    for action, url in urls.items():
        assert url.startswith(BASE + "?id=")
        params = params_of(url)
        assert set(params) == {"id", "action", "expires", "sig"}
        request = signing.verify(params, KEY, NOW)
        assert request == signing.VerifiedRequest(WAITER_ID, action, NOW + 60)
        assert request.key == "url#" + WAITER_ID
    # The expiry instant itself is still valid.
    assert signing.verify(params_of(urls["success"]), KEY, NOW + 60).action == "success"


@pytest.mark.parametrize(
    "change",
    [
        {"id": "B" * 43},
        {"action": "failure"},
        {"action": "heartbeat"},
        {"action": "delete"},
        {"expires": str(NOW + 999_999)},
        {"sig": "0" * 64},
        {"sig": "ZZ"},
        {"id": "short"},
        {"expires": "-1"},
        {"expires": "12ab"},
        {"id": ""},
    ],
)
def test_tampered_parameters_are_forged(change: dict[str, str]) -> None:
    params = {**params_of(signing.sign_url(BASE, WAITER_ID, "success", NOW + 60, KEY)), **change}
    with pytest.raises(signing.Forged):
        signing.verify(params, KEY, NOW)


def test_missing_parameters_and_wrong_key_are_forged() -> None:
    params = params_of(signing.sign_url(BASE, WAITER_ID, "success", NOW + 60, KEY))
    for name in params:
        with pytest.raises(signing.Forged):
            signing.verify({k: v for k, v in params.items() if k != name}, KEY, NOW)
    with pytest.raises(signing.Forged):
        signing.verify(None, KEY, NOW)
    with pytest.raises(signing.Forged):
        signing.verify(params, b"another key of enough length.....", NOW)


def test_expired_only_after_a_valid_signature() -> None:
    params = params_of(signing.sign_url(BASE, WAITER_ID, "success", NOW - 1, KEY))
    with pytest.raises(signing.Expired):
        signing.verify(params, KEY, NOW)
    with pytest.raises(signing.Forged):  # a forged expired URL is forged, not expired
        signing.verify({**params, "sig": "1" * 64}, KEY, NOW)


def test_sign_url_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        signing.sign_url(BASE, WAITER_ID, "delete", NOW, KEY)
    with pytest.raises(ValueError):
        signing.sign_url(BASE, "bad id!", "success", NOW, KEY)
    with pytest.raises(ValueError):
        signing.sign_url(BASE, WAITER_ID, "success", NOW, b"")


# -- handler ------------------------------------------------------------------------------------


@pytest.fixture
def secrets_client(boto_clients: dict[str, Any]) -> Any:
    return boto_clients["secretsmanager"]


@pytest.fixture
def env(aws: Aws, secrets_client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    """``aws`` (inside mock_aws) plus the signing secret in moto Secrets Manager."""
    arn = secrets_client.create_secret(Name="callback-signing-key", SecretString=KEY_TEXT)["ARN"]
    monkeypatch.setenv(c.ENV_SIGNING_SECRET_ARN, arn)
    aws_clients.set_client("secretsmanager", secrets_client)
    signing_key.reset_cache()
    yield aws
    signing_key.reset_cache()


_executions = itertools.count(1)


def register(
    aws: Aws, ttl: int = 3600, *, execution: str | None = None, token: str = TOKEN
) -> tuple[str, dict[str, str]]:
    """Register a URL waiter for a new execution (or ``execution``); return its id and URLs."""
    waiter, urls = signing.register_url_waiter(
        aws.store,
        token,
        url_ttl_seconds=ttl,
        waiter_ttl_seconds=ttl + 86400,
        workflow="orders",
        execution=execution or f"exec-{next(_executions)}",
        key=KEY,
        base_url=BASE,
    )
    return waiter.key.removeprefix("url#"), urls


def request(url: str, body: str | None = None, *, method: str = "POST", b64: bool = False) -> Any:
    event: dict[str, Any] = {
        "version": "2.0",
        "queryStringParameters": params_of(url),
        "requestContext": {"http": {"method": method}},
        "isBase64Encoded": b64,
    }
    if body is not None:
        event["body"] = base64.b64encode(body.encode()).decode() if b64 else body
    response = cu.handler(event, None)
    return response["statusCode"], json.loads(response["body"])


def waiter_exists(aws: Aws, waiter_id: str) -> bool:
    return aws.store.get("url#" + waiter_id) is not None


def test_register_url_waiter(env: Aws) -> None:
    waiter_id, urls = register(env, execution="exec-A")
    assert len(waiter_id) >= 43
    waiter = env.store.get("url#" + waiter_id)
    assert waiter is not None
    assert owner(waiter) == ("sfn", TOKEN, "orders", "exec-A")
    # The URLs expire with the wait; the item outlives them by the margin.
    assert int(params_of(urls["success"])["expires"]) == waiter.created_at + 3600
    assert waiter.expires_at == waiter.created_at + 3600 + 86400
    assert register(env)[0] != waiter_id


def test_a_retried_starter_gets_the_same_urls_for_its_new_token(env: Aws) -> None:
    waiter_id, urls = register(env, execution="exec-R", token="first-token")
    again_id, again = register(env, execution="exec-R", token="second-token")
    assert (again_id, again) == (waiter_id, urls)
    waiter = env.store.get("url#" + waiter_id)
    assert waiter is not None and waiter.token == "second-token"


def test_waiter_ids_are_keyed_and_unguessable() -> None:
    assert signing.waiter_id_for("exec-1", KEY) == signing.waiter_id_for("exec-1", KEY)
    assert signing.waiter_id_for("exec-1", KEY) != signing.waiter_id_for("exec-1", KEY[::-1])
    assert signing.waiter_id_for("exec-1", KEY) != signing.waiter_id_for("exec-2", KEY)
    assert signing.waiter_id_for(None, KEY) != signing.waiter_id_for(None, KEY)
    for execution in ("exec-1", None):
        assert signing._ID_PATTERN.fullmatch(signing.waiter_id_for(execution, KEY))


def test_success_resumes_exactly_once(env: Aws) -> None:
    waiter_id, urls = register(env)
    assert request(urls["success"], '{"rows": 42}') == (200, {"status": "resumed"})
    assert only(env.sfn.calls, "send_task_success") == [
        {"taskToken": TOKEN, "output": '{"rows": 42}'}
    ]
    assert not waiter_exists(env, waiter_id)
    # The same URL again, and the failure URL afterwards: nothing is resumed.
    assert request(urls["success"], '{"rows": 42}') == (410, {"status": "gone"})
    assert request(urls["failure"]) == (410, {"status": "gone"})
    assert env.sfn.methods() == ["send_task_success"]


def test_success_without_body_and_base64_body(env: Aws) -> None:
    _, urls = register(env)
    assert request(urls["success"]) == (200, {"status": "resumed"})
    _, urls2 = register(env)
    assert request(urls2["success"], '{"a": [1]}', b64=True)[0] == 200
    assert [k["output"] for k in only(env.sfn.calls, "send_task_success")] == ["{}", '{"a": [1]}']


def test_concurrent_call_that_loses_the_race_resumes_nothing(
    env: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiter_id, urls = register(env)
    stale = env.store.get("url#" + waiter_id)
    assert request(urls["success"], "{}")[0] == 200
    # The loser read the waiter before the winner deleted it.
    monkeypatch.setattr(WaiterStore, "get", lambda self, key, now=None: stale)
    assert request(urls["success"], "{}") == (410, {"status": "gone"})
    assert env.sfn.methods() == ["send_task_success"]


def test_success_body_must_be_json(env: Aws) -> None:
    waiter_id, urls = register(env)
    assert request(urls["success"], "not json") == (400, {"status": "bad_request"})
    assert env.sfn.calls == []
    assert waiter_exists(env, waiter_id)


def test_failure_with_safe_and_unsafe_error_names(env: Aws) -> None:
    waiter_id, urls = register(env)
    body = json.dumps({"error": "ExportFailed", "cause": {"reason": "disk full"}})
    assert request(urls["failure"], body) == (200, {"status": "failed"})
    assert only(env.sfn.calls, "send_task_failure") == [
        {"taskToken": TOKEN, "error": "ExportFailed", "cause": '{"reason": "disk full"}'}
    ]
    assert not waiter_exists(env, waiter_id)
    assert request(urls["failure"], body) == (410, {"status": "gone"})

    _, urls = register(env)
    request(urls["failure"], json.dumps({"error": "States.Timeout", "cause": "x"}))
    _, urls = register(env)
    request(urls["failure"], "plain text")
    failures = only(env.sfn.calls, "send_task_failure")
    assert [(f["error"], f["cause"]) for f in failures[1:]] == [
        ("CallbackFailed", "x"),
        ("CallbackFailed", "plain text"),
    ]


def test_heartbeat_does_not_consume(env: Aws) -> None:
    waiter_id, urls = register(env)
    assert request(urls["heartbeat"]) == (200, {"status": "heartbeat"})
    assert request(urls["heartbeat"]) == (200, {"status": "heartbeat"})
    assert waiter_exists(env, waiter_id)
    assert request(urls["success"], "{}")[0] == 200
    assert request(urls["heartbeat"]) == (410, {"status": "gone"})
    assert env.sfn.methods() == ["send_task_heartbeat", "send_task_heartbeat", "send_task_success"]


@pytest.mark.parametrize(
    "change",
    [
        {"id": "B" * 43},
        {"action": "failure"},
        {"expires": str(int(time.time()) + 999_999)},
        {"sig": "0" * 64},
    ],
)
def test_forged_request_is_403_and_resumes_nothing(env: Aws, change: dict[str, str]) -> None:
    waiter_id, urls = register(env)
    params = {**params_of(urls["success"]), **change}
    response = cu.handler(
        {"queryStringParameters": params, "requestContext": {"http": {"method": "POST"}}}, None
    )
    assert response["statusCode"] == 403
    assert json.loads(response["body"]) == {"status": "forbidden"}
    assert env.sfn.calls == []
    assert waiter_exists(env, waiter_id)


def test_expired_url_is_410(env: Aws) -> None:
    waiter_id = "C" * 43
    env.store.register("url#" + waiter_id, "sfn", TOKEN, [], 3600, "orders")
    url = signing.sign_url(BASE, waiter_id, "success", int(time.time()) - 5, KEY)
    assert request(url, "{}") == (410, {"status": "expired"})
    assert env.sfn.calls == []


def test_unknown_id_is_410(env: Aws) -> None:
    url = signing.sign_url(BASE, "D" * 43, "success", int(time.time()) + 60, KEY)
    assert request(url, "{}") == (410, {"status": "gone"})
    assert env.sfn.calls == []


@pytest.mark.parametrize("action", ["success", "failure", "heartbeat"])
@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_already_done_token_is_410_and_waiter_removed(env: Aws, action: str, code: str) -> None:
    waiter_id, urls = register(env)
    env.sfn.errors[f"send_task_{action}"] = code
    assert request(urls[action], "{}") == (410, {"status": "already_done"})
    assert not waiter_exists(env, waiter_id)


def test_retryable_error_puts_the_waiter_back(env: Aws) -> None:
    waiter_id, urls = register(env)
    env.sfn.errors["send_task_success"] = "ThrottlingException"
    assert request(urls["success"], "{}") == (503, {"status": "retry_later"})
    assert waiter_exists(env, waiter_id)
    env.sfn.errors.clear()
    assert request(urls["success"], "{}") == (200, {"status": "resumed"})


def test_body_too_large_is_413(env: Aws) -> None:
    waiter_id, urls = register(env)
    big = json.dumps({"x": "a" * c.CALLBACK_MAX_BODY_BYTES})
    assert request(urls["success"], big) == (413, {"status": "too_large"})
    assert request(urls["failure"], big, b64=True) == (413, {"status": "too_large"})
    assert env.sfn.calls == []
    assert waiter_exists(env, waiter_id)


def test_only_post_is_accepted(env: Aws) -> None:
    waiter_id, urls = register(env)
    assert request(urls["success"], method="GET") == (405, {"status": "method_not_allowed"})
    assert env.sfn.calls == []
    assert waiter_exists(env, waiter_id)


def test_key_is_read_once_per_container(env: Aws, secrets_client: Any) -> None:
    calls: list[str] = []

    class Counting:
        def get_secret_value(self, **kwargs: Any) -> Any:
            calls.append(kwargs["SecretId"])
            return secrets_client.get_secret_value(**kwargs)

    aws_clients.set_client("secretsmanager", Counting())
    _, urls = register(env)
    request(urls["heartbeat"])
    request(urls["heartbeat"])
    assert len(calls) == 1


def test_missing_secret_is_500_without_details(env: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(c.ENV_SIGNING_SECRET_ARN, "")
    _, urls = register(env)
    assert request(urls["success"], "{}") == (500, {"status": "error"})
    assert env.sfn.calls == []


def test_key_signature_and_token_never_leak(env: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    outputs: list[str] = []
    _, urls = register(env)
    sigs = [params_of(u)["sig"] for u in urls.values()]
    for action in ("heartbeat", "success", "success", "failure"):
        event = {
            "queryStringParameters": params_of(urls[action]),
            "requestContext": {"http": {"method": "POST"}},
            "body": "{}",
        }
        outputs.append(json.dumps(cu.handler(event, None)))
    forged = {**params_of(urls["success"]), "sig": "f" * 64}
    event = {"queryStringParameters": forged, "requestContext": {"http": {"method": "POST"}}}
    outputs.append(json.dumps(cu.handler(event, None)))
    logs = capsys.readouterr().out
    records = [json.loads(line) for line in logs.splitlines()]
    lines = [r for r in records if "_aws" not in r]  # not the metric of the registration
    assert len(lines) == 5  # one line per request
    assert all(line["handler"] == "callback_url" for line in lines)
    for secret in [KEY_TEXT, TOKEN, *sigs, "f" * 64]:
        assert secret not in logs
        assert all(secret not in out for out in outputs)


def test_before_any_key_exists_every_request_is_forbidden(
    env: Aws, secrets_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, urls = register(env)
    empty = secrets_client.create_secret(Name="never-used-key")["ARN"]
    monkeypatch.setenv(c.ENV_SIGNING_SECRET_ARN, empty)
    assert request(urls["success"], "{}") == (403, {"status": "forbidden"})
    assert env.sfn.calls == []
    # The endpoint only verifies: it did not create a key.
    assert "VersionIdsToStages" not in secrets_client.describe_secret(SecretId=empty)
