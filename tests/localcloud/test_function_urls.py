"""Function URLs served in process, and handlers reading the virtual wall clock."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from localcloud import LocalCloud
from localcloud.clock import DEFAULT_EPOCH

ECHO = """
import json
import time


def handler(event, context):
    if event.get("rawPath") == "/plain":
        return {"now": time.time()}
    return {
        "statusCode": 201,
        "headers": {"X-Kind": "echo"},
        "body": json.dumps({
            "method": event["requestContext"]["http"]["method"],
            "query": event.get("queryStringParameters"),
            "body": event.get("body"),
            "now": time.time(),
        }),
    }
"""


def create_url(cloud: LocalCloud, *, public: bool = True, invoke: bool = True) -> str:
    cloud.create_function("echo", {"app.py": ECHO})
    lam = cloud.client("lambda")
    if public:
        lam.add_permission(
            FunctionName="echo",
            StatementId="url",
            Action="lambda:InvokeFunctionUrl",
            Principal="*",
            FunctionUrlAuthType="NONE",
        )
    if invoke:
        lam.add_permission(
            FunctionName="echo",
            StatementId="invoke",
            Action="lambda:InvokeFunction",
            Principal="*",
            InvokedViaFunctionUrl=True,
        )
    url: str = lam.create_function_url_config(FunctionName="echo", AuthType="NONE")["FunctionUrl"]
    return url


def test_a_public_url_runs_the_handler_with_a_payload_2_event(cloud: LocalCloud) -> None:
    url = create_url(cloud)
    response = cloud.http_request("POST", url + "/?a=1&b=two", '{"x": 1}')
    assert (response.status, response.headers["x-kind"]) == (201, "echo")
    body = response.json()
    assert body["method"] == "POST"
    assert body["query"] == {"a": "1", "b": "two"}
    assert body["body"] == '{"x": 1}'
    assert cloud.lambda_invocations("echo") == 1
    # A plain return value becomes a 200 JSON body.
    plain = cloud.http_request("GET", url + "/plain")
    assert plain.status == 200 and set(plain.json()) == {"now"}


@pytest.mark.parametrize(("public", "invoke"), [(False, True), (True, False)])
def test_without_both_public_permissions_the_url_is_forbidden(
    cloud: LocalCloud, public: bool, invoke: bool
) -> None:
    url = create_url(cloud, public=public, invoke=invoke)
    assert cloud.http_request("POST", url).status == 403
    assert cloud.lambda_invocations("echo") == 0
    assert cloud.http_request("POST", "https://unknown.lambda-url.eu-west-1.on.aws/").status == 404


def test_handlers_see_the_virtual_wall_clock_and_nothing_else_does(cloud: LocalCloud) -> None:
    url = create_url(cloud)
    cloud.clock.advance(86400)
    seen = cloud.http_request("POST", url).json()["now"]
    expected = datetime(DEFAULT_EPOCH.year, 1, 2, tzinfo=UTC).timestamp()
    assert seen == expected
    # Outside a handler run, time is real.
    assert abs(time.time() - datetime.now(UTC).timestamp()) < 5
    assert json.dumps(seen)
